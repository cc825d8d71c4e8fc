/// The path of an entry inside a layer, cleaned: no empty, `.` or `..` components,
/// no leading slash. Absolute names are read relative to the layer (as GNU tar
/// does), and a `..` at the layer's root stays there, as in a chroot (GrootFS,
/// which unpacks in one, and containerd do the same): no name leads out.
public struct EntryPath: Equatable {
  public let components: [String]

  public init(_ raw: String, under base: [String] = []) {
    var components = base
    for part in raw.split(separator: "/", omittingEmptySubsequences: true) {
      switch part {
      case ".": continue
      case "..": if components.count > base.count { components.removeLast() }
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
