import GrootOCI
import GrootStore

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

/// Turns a stack of unpacked layers into an image's root filesystem.
public protocol ImageDriver {
  var name: String { get }
  /// Makes the image's own directories under `paths.root` before it is published.
  func prepare(_ paths: ImagePaths) throws
  /// The mount that assembles the image at its final paths; checks that it fits.
  func mountSpec(for paths: ImagePaths, layers: [Digest], in store: Store) throws -> MountSpec
  func mount(_ spec: MountSpec, at paths: ImagePaths, in store: Store) throws
  /// Unmounts the image's rootfs if mounted; a busy rootfs is an error.
  func unmount(_ paths: ImagePaths, id: ImageID) throws
}

public enum ImageDrivers {
  public static func driver(named name: String) throws -> ImageDriver {
    switch name {
    case "overlay", "overlay-xfs": return OverlayDriver()
    default: throw DriverError.unknownDriver(name)
    }
  }
}
