import GrootIO
import GrootOCI
import GrootStore
import GrootUnpack

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

/// A per-image disk limit.
public struct DiskLimit: Sendable, Equatable {
  public var bytes: Int64
  /// Count only what the container writes, not the image's own files.
  public var excludeImage: Bool

  public init(bytes: Int64, excludeImage: Bool) {
    self.bytes = bytes
    self.excludeImage = excludeImage
  }
}

/// Turns a stack of unpacked layers into an image's root filesystem.
public protocol ImageDriver {
  var name: String { get }
  /// What whiteout entries become in this driver's layers.
  var whiteouts: WhiteoutMode { get }
  /// Whether a layer is unpacked on its own (overlay: lower layers only lend
  /// attributes) rather than into a copy of the layer below (btrfs).
  var unpacksLayersSeparately: Bool { get }

  /// Makes the directory a layer is unpacked into, owned by the store's owner;
  /// `parent` is the diff directory of the layer below, if any.
  func makeLayerDirectory(_ path: String, parent: String?, store: Store) throws
  /// Refuses, before any work, a limit it cannot enforce on this store.
  func checkLimit(_ limit: DiskLimit?, store: Store) throws
  /// Whether the image's own directory must be a btrfs subvolume.
  func imageRootIsSubvolume(limit: DiskLimit?) -> Bool
  /// Makes the image's directories under `paths.root` before it is published.
  func prepare(_ paths: ImagePaths, layers: [Digest], limit: DiskLimit?, store: Store) throws
  /// The mount that assembles the image at `paths`, or nil if it needs none.
  func mountSpec(for paths: ImagePaths, layers: [Digest], in store: Store) throws -> MountSpec?
  func mount(_ spec: MountSpec, at paths: ImagePaths, in store: Store) throws
  /// Unmounts the image's rootfs if mounted; a busy rootfs is an error.
  func unmount(_ paths: ImagePaths, id: ImageID) throws
  /// Total bytes (image and container) and exclusive bytes (the container's).
  func stats(_ paths: ImagePaths, layers: [Digest], store: Store) throws -> (total: Int64, exclusive: Int64)
}

public enum ImageDrivers {
  public static func driver(named name: String) throws -> ImageDriver {
    switch name {
    case "overlay", "overlay-xfs": return OverlayDriver()
    case "btrfs": return BtrfsDriver()
    default: throw DriverError.unknownDriver(name)
    }
  }
}

extension Store {
  /// Bytes the image's layers occupy, from their metadata.
  public func layersDiskUsage(_ layers: [Digest]) throws -> Int64 {
    try layers.reduce(0) { $0 + (try layerMetadata($1).diskUsage) }
  }
}
