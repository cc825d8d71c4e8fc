/// The path of an entry inside a layer, cleaned: no empty, `.` or `..` components,
/// no leading slash. Absolute names are read relative to the layer (as GNU tar does);
/// a `..` that would climb above the layer's root is refused.
public struct EntryPath: Equatable {
  public let components: [String]

  public init(_ raw: String) throws(UnpackError) {
    var components: [String] = []
    for part in raw.split(separator: "/", omittingEmptySubsequences: true) {
      switch part {
      case ".": continue
      case "..":
        guard components.popLast() != nil else { throw .pathEscapesLayer(entry: raw) }
      default: components.append(String(part))
      }
    }
    self.components = components
  }

  public var isRoot: Bool { components.isEmpty }
  public var name: String { components.last ?? "." }
  public var parent: [String] { Array(components.dropLast()) }
  public var relative: String { components.isEmpty ? "." : components.joined(separator: "/") }
}
