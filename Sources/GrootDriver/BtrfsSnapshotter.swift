import GrootIO
import GrootOCI
import GrootStore

/// btrfs snapshots: each layer is a snapshot of the layer below with its own
/// changes applied (whiteouts become deletions), each image a snapshot of its top
/// layer, limited by a qgroup. Nothing to mount: the snapshot is the rootfs.
public struct BtrfsSnapshotter: Snapshotter {
  public var name: String { "btrfs" }
  public var whiteouts: WhiteoutMode { .delete }
  public var layersAreIndependent: Bool { false }

  public init() {}

  public func initialize(_ store: Store) throws {
    let kind = try FileSystemKind(path: store.path)
    guard kind == .btrfs else { throw DriverError.needsBtrfsStore(store: store.path, fileSystem: kind.description) }
    try StoreQuotas.enableWhereBtrfs(store)
  }

  public func prepareLayer(at path: String, parent: String?, store: Store) throws {
    if let parent {
      try Btrfs.snapshot(parent, to: path)
    } else {
      try Btrfs.createSubvolume(path)
      let owner = store.configuration.owner
      try FileSystem.setOwner(path, uid: owner.uid, gid: owner.gid, mode: 0o755)
    }
  }

  public func removeLayer(_ id: Digest, store: Store) {}

  public func checkLimit(_ limit: DiskLimit?, store: Store) throws {
    let kind = try FileSystemKind(path: store.path)
    guard kind == .btrfs else { throw DriverError.needsBtrfsStore(store: store.path, fileSystem: kind.description) }
    if limit != nil { try StoreQuotas.requireBtrfsQuotas(store) }
  }

  /// The limit is on the rootfs's own subvolume, so the root is a plain directory.
  public func makeImageRoot(at path: String, limit: DiskLimit?) throws {
    try FileSystem.makeNewDirectory(path)
  }

  /// Without --exclude-image-from-quota the limit is on referenced bytes, which
  /// include the image's files shared with its layers; with it, on exclusive
  /// bytes: what the container writes.
  public func prepareImage(_ paths: ImagePaths, layers: [Digest], limit: DiskLimit?, store: Store) throws {
    let owner = store.configuration.owner
    try FileSystem.setOwner(paths.root, uid: owner.uid, gid: owner.gid, mode: 0o700)
    if let top = layers.last {
      try Btrfs.snapshot(store.layerDiffPath(top), to: paths.rootfs)
    } else {
      try Btrfs.createSubvolume(paths.rootfs)
      try FileSystem.setOwner(paths.rootfs, uid: owner.uid, gid: owner.gid, mode: 0o755)
    }
  }

  public func limitImage(_ paths: ImagePaths, layers: [Digest], limit: DiskLimit, store: Store) throws {
    try Btrfs.limit(paths.rootfs, bytes: UInt64(limit.bytes), exclusive: limit.excludeImage)
  }

  public func mounts(for paths: ImagePaths, layers: [Digest], store: Store) throws -> [MountSpec] { [] }

  public func mount(_ paths: ImagePaths, layers: [Digest], store: Store) throws {}

  public func unmount(_ paths: ImagePaths, id: ImageID) throws {}

  public func usage(_ paths: ImagePaths, layers: [Digest], store: Store) throws -> ImageUsage {
    let usage = try Btrfs.usage(paths.rootfs)
    return ImageUsage(total: usage.referenced, exclusive: usage.exclusive)
  }

  public func check(_ store: Store, repair: Bool) -> [(problem: String, repaired: Bool)] { [] }
}
