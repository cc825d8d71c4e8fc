/// A mount a runtime must make to assemble the root filesystem (OCI runtime spec
/// "mounts" entry).
public struct MountSpec: Codable, Equatable, Sendable {
  public var destination: String
  public var type: String
  public var source: String
  public var options: [String]

  public init(destination: String, type: String, source: String, options: [String]) {
    self.destination = destination
    self.type = type
    self.source = source
    self.options = options
  }
}
