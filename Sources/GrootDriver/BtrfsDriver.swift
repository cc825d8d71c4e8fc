import GrootIO
import GrootOCI
import GrootStore
import GrootUnpack

/// btrfs snapshots: each layer is a snapshot of the layer below with its own
/// changes applied (whiteouts become deletions), each image a snapshot of its top
/// layer, limited by a qgroup. Nothing to mount: the snapshot is the rootfs.
public struct BtrfsDriver: ImageDriver {
  public var name: String { "btrfs" }
  public var whiteouts: WhiteoutMode { .delete }
  public var unpacksLayersSeparately: Bool { false }

  public init() {}

  public func makeLayerDirectory(_ path: String, parent: String?, store: Store) throws {
    if let parent {
      try Btrfs.snapshot(parent, to: path)
    } else {
      try Btrfs.createSubvolume(path)
      let owner = store.configuration.owner
      try FileSystem.setOwner(path, uid: owner.uid, gid: owner.gid, mode: 0o755)
    }
  }

  public func checkLimit(_ limit: DiskLimit?, store: Store) throws {
    let kind = try FileSystemKind(path: store.path)
    guard kind == .btrfs else {
      throw DriverError.needsBtrfsStore(store: store.path, fileSystem: kind.description)
    }
    if limit != nil && !Btrfs.quotaEnabled(store.path) { throw DriverError.quotaDisabled(store: store.path) }
  }

  public func imageRootIsSubvolume(limit: DiskLimit?) -> Bool { false }

  /// Without --exclude-image-from-quota the limit is on referenced bytes, which
  /// include the image's files shared with its layers; with it, on exclusive
  /// bytes: what the container writes.
  public func prepare(_ paths: ImagePaths, layers: [Digest], limit: DiskLimit?, store: Store) throws {
    let owner = store.configuration.owner
    try FileSystem.setOwner(paths.root, uid: owner.uid, gid: owner.gid, mode: 0o700)
    if let top = layers.last {
      try Btrfs.snapshot(store.layerDiffPath(top), to: paths.rootfs)
    } else {
      try Btrfs.createSubvolume(paths.rootfs)
      try FileSystem.setOwner(paths.rootfs, uid: owner.uid, gid: owner.gid, mode: 0o755)
    }
    if let limit {
      try Btrfs.limit(paths.rootfs, bytes: UInt64(limit.bytes), exclusive: limit.excludeImage)
    }
  }

  public func mountSpec(for paths: ImagePaths, layers: [Digest], in store: Store) throws -> MountSpec? { nil }

  public func mount(_ spec: MountSpec, at paths: ImagePaths, in store: Store) throws {}

  public func unmount(_ paths: ImagePaths, id: ImageID) throws {}

  public func stats(_ paths: ImagePaths, layers: [Digest], store: Store) throws -> (total: Int64, exclusive: Int64) {
    let usage = try Btrfs.usage(paths.rootfs)
    return (usage.referenced, usage.exclusive)
  }
}
