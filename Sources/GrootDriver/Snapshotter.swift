import GrootIO
import GrootOCI
import GrootStore

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

/// Bytes an image takes: in all (its layers and what the container wrote), and
/// what the container wrote alone.
public struct ImageUsage: Sendable, Equatable {
  public var total: Int64
  public var exclusive: Int64

  public init(total: Int64, exclusive: Int64) {
    self.total = total
    self.exclusive = exclusive
  }
}

/// Turns unpacked layers into root filesystems, shaped as containerd's
/// snapshotters: a layer is *prepared* on its parent, filled by the unpacker and
/// committed (published) by the store; an image is *prepared* on its layers, its
/// *mounts* made, its *usage* measured, and it is *removed*.
///
/// The store owns `layers/`, `images/`, metadata, locks, `tmp/` and recovery; a
/// snapshotter owns what is its own (a subtree `STORE/NAME/`: overlay's short
/// links) and the format of the directories it is handed (plain, or subvolumes).
/// Every method works in the directories given, so one can run in tmp/ before
/// anything is published.
public protocol Snapshotter: Sendable {
  var name: String { get }
  /// What whiteout entries become in this snapshotter's layers.
  var whiteouts: WhiteoutMode { get }
  /// Whether a layer is a directory of its own (overlay: layers unpack at once),
  /// or a copy of its parent made first (btrfs: one at a time).
  var layersAreIndependent: Bool { get }

  /// Sets up what this snapshotter needs in a store (init-store, and again).
  func initialize(_ store: Store) throws
  /// Refuses, before any work, a limit it cannot enforce on this store.
  func checkLimit(_ limit: DiskLimit?, store: Store) throws

  /// Makes the directory at `path` a layer is unpacked into, owned by the
  /// store's owner, on the files of `parent` (the layer below), if any.
  func prepareLayer(at path: String, parent: String?, store: Store) throws
  /// Forgets what it kept for a layer the store is about to remove.
  func removeLayer(_ id: Digest, store: Store)

  /// Makes the directory an image is assembled in (under tmp/, at a new name):
  /// mode 0700, and what `limit` needs of it (overlay's limit on btrfs: a
  /// subvolume). Throws `SystemError` with EEXIST when the name is taken.
  func makeImageRoot(at path: String, limit: DiskLimit?) throws
  /// Makes the image's directories in the root at `paths` (in tmp/, before it is
  /// published) on `layers`, bottom first, ready to take `limit`.
  func prepareImage(_ paths: ImagePaths, layers: [Digest], limit: DiskLimit?, store: Store) throws
  /// Applies the limit to the prepared image.
  func limitImage(_ paths: ImagePaths, layers: [Digest], limit: DiskLimit, store: Store) throws
  /// The mounts a runtime must make for the image at `paths`; none if its rootfs
  /// is already whole.
  func mounts(for paths: ImagePaths, layers: [Digest], store: Store) throws -> [MountSpec]
  /// Makes those mounts.
  func mount(_ paths: ImagePaths, layers: [Digest], store: Store) throws
  /// Undoes them; a busy rootfs is an error; nothing mounted is fine.
  func unmount(_ paths: ImagePaths, id: ImageID) throws
  func usage(_ paths: ImagePaths, layers: [Digest], store: Store) throws -> ImageUsage
  /// Problems in this snapshotter's own part of the store, fixed where `repair`.
  func check(_ store: Store, repair: Bool) -> [(problem: String, repaired: Bool)]
}

public enum Snapshotters {
  /// The snapshotter a store or flag names; GrootFS's `overlay-xfs` is overlay.
  public static func named(_ name: String) throws -> Snapshotter {
    switch name {
    case "overlay", "overlay-xfs": return OverlaySnapshotter()
    case "btrfs": return BtrfsSnapshotter()
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
