import GrootIO
import GrootOCI
import GrootStore
import GrootUnpack

#if canImport(Glibc)
  import Glibc
#endif

/// overlayfs: the image's layers as read-only lower dirs, a per-image upper and
/// work dir.
///
/// The kernel reads mount options from one page (4096 bytes). Layer paths are
/// long, so each layer gets a short link `STORE/l/XXXXXXXXXXXX` and the mount is made
/// from inside the store with relative paths ("l/…:l/…"): 15 bytes a layer, room
/// for more than 250 layers. The spec printed for --without-mount uses absolute
/// short links, since the runtime mounts from elsewhere.
public struct OverlayDriver: ImageDriver {
  public static let optionLimit = 4095
  static let shortLinkLength = 12

  public var name: String { "overlay" }
  public var whiteouts: WhiteoutMode { .overlay }
  public var unpacksLayersSeparately: Bool { true }

  public init() {}

  public func makeLayerDirectory(_ path: String, parent: String?, store: Store) throws {
    try FileSystem.makeDirectory(path, mode: 0o755)
    let owner = store.configuration.owner
    try FileSystem.setOwner(path, uid: owner.uid, gid: owner.gid, mode: 0o755)
  }

  /// Limits need the store on btrfs with quotas on (the image directory becomes a
  /// subvolume with a qgroup limit). XFS project quotas need kernel support this
  /// build cannot test, so XFS is refused; so is anything else.
  public func checkLimit(_ limit: DiskLimit?, store: Store) throws {
    guard limit != nil else { return }
    switch try FileSystemKind(path: store.path) {
    case .btrfs:
      guard Btrfs.quotaEnabled(store.path) else { throw DriverError.quotaDisabled(store: store.path) }
    case .xfs:
      throw DriverError.xfsQuotaUnavailable(store: store.path)
    case let other:
      throw DriverError.diskLimitUnsupported(store: store.path, fileSystem: other.description)
    }
  }

  public func imageRootIsSubvolume(limit: DiskLimit?) -> Bool { limit != nil }

  /// The upper dir gives the rootfs its root directory, so it (with work and
  /// rootfs) belongs to the store's owner: root in a user namespace with the
  /// store's mappings can then write in `/`, as with GrootFS's overlay-xfs driver.
  public func prepare(_ paths: ImagePaths, layers: [Digest], limit: DiskLimit?, store: Store) throws {
    let owner = store.configuration.owner
    try FileSystem.setOwner(paths.root, uid: owner.uid, gid: owner.gid, mode: 0o700)
    for directory in [paths.upper, paths.work, paths.rootfs] {
      try FileSystem.makeDirectory(directory, mode: 0o755)
      try FileSystem.setOwner(directory, uid: owner.uid, gid: owner.gid, mode: 0o755)
    }
    guard let limit else { return }
    // The upper dir holds only what the container writes; without
    // --exclude-image-from-quota the image's own size is taken off the limit
    // (GrootFS's rule for overlay).
    var bytes = limit.bytes
    if !limit.excludeImage {
      let image = try store.layersDiskUsage(layers)
      guard image < limit.bytes else { throw DriverError.limitBelowImageSize(limit: limit.bytes, image: image) }
      bytes -= image
    }
    try Btrfs.limit(paths.root, bytes: UInt64(bytes), exclusive: false)
  }

  public func stats(_ paths: ImagePaths, layers: [Digest], store: Store) throws -> (total: Int64, exclusive: Int64) {
    let exclusive =
      Btrfs.isSubvolume(paths.root)
      ? try Btrfs.usage(paths.root).exclusive : try FileSystem.diskUsage(paths.upper)
    return (try store.layersDiskUsage(layers) + exclusive, exclusive)
  }

  public func mountSpec(for paths: ImagePaths, layers: [Digest], in store: Store) throws -> MountSpec? {
    let links = try layers.reversed().map { try shortLink(for: $0, in: store) }
    let relative = options(lower: links.isEmpty ? ["empty"] : links, paths: paths, store: store, absolute: false)
    let length = relative.joined(separator: ",").utf8.count
    guard length <= Self.optionLimit else {
      throw DriverError.tooManyLayers(count: layers.count, optionBytes: length, limit: Self.optionLimit)
    }
    let absoluteLower = (links.isEmpty ? ["empty"] : links).map { store.path.appending(path: $0) }
    // One options string, as GrootFS prints it (and runc takes either way).
    return MountSpec(
      destination: "/", type: "overlay", source: "overlay",
      options: [options(lower: absoluteLower, paths: paths, store: store, absolute: true).joined(separator: ",")])
  }

  public func mount(_ spec: MountSpec, at paths: ImagePaths, in store: Store) throws {
    let lower = spec.options.joined(separator: ",").split(separator: ",")
      .first { $0.hasPrefix("lowerdir=") }!.dropFirst("lowerdir=".count)
    let relativeLower = lower.split(separator: ":").map { String($0.dropFirst(store.path.count + 1)) }
    let data = options(lower: relativeLower, paths: paths, store: store, absolute: false).joined(separator: ",")
    // Relative lower dirs resolve against the working directory of the mounting
    // process; groot is single-threaded here, so a brief fchdir is safe.
    let previous = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)
    defer {
      if previous >= 0 {
        fchdir(previous)
        close(previous)
      }
    }
    guard chdir(store.path) == 0 else { throw SystemError("chdir", store.path) }
    guard Glibc.mount("overlay", paths.rootfs, "overlay", 0, data) == 0 else {
      throw DriverError.mountFailed(target: paths.rootfs, errno: errno)
    }
  }

  public func unmount(_ paths: ImagePaths, id: ImageID) throws {
    if umount2(paths.rootfs, 0) == 0 { return }
    switch errno {
    case EINVAL, ENOENT: return  // not mounted (--without-mount, or already gone)
    case EBUSY: throw DriverError.imageBusy(id: id.value, rootfs: paths.rootfs)
    default: throw DriverError.unmountFailed(target: paths.rootfs, errno: errno)
    }
  }

  private func options(lower: [String], paths: ImagePaths, store: Store, absolute: Bool) -> [String] {
    let upper = absolute ? paths.upper : String(paths.upper.dropFirst(store.path.count + 1))
    let work = absolute ? paths.work : String(paths.work.dropFirst(store.path.count + 1))
    return ["lowerdir=" + lower.joined(separator: ":"), "upperdir=" + upper, "workdir=" + work]
  }

  /// `l/PREFIX` → `../layers/HEX/diff`, made once per layer by an atomic rename.
  /// A prefix taken by another layer (never seen in practice) gets a longer one.
  func shortLink(for layer: Digest, in store: Store) throws -> String {
    let target = "../layers/\(layer.hex)/diff"
    for length in [Self.shortLinkLength, 20, 32, 64] {
      let name = String(layer.hex.prefix(length))
      let linkPath = store.linksPath.appending(path: name)
      if let existing = readLink(linkPath) {
        if existing == target { return "l/\(name)" }
        continue
      }
      let temporary = "\(linkPath).tmp-\(getpid())"
      unlink(temporary)
      guard symlink(target, temporary) == 0 else { throw SystemError("symlink", temporary) }
      guard rename(temporary, linkPath) == 0 else {
        unlink(temporary)
        throw SystemError("rename", linkPath)
      }
      return "l/\(name)"
    }
    throw SystemError("symlink", store.linksPath.appending(path: layer.hex), errno: EEXIST)
  }

  private func readLink(_ path: String) -> String? {
    var buffer = [CChar](repeating: 0, count: 4096)
    let count = readlink(path, &buffer, buffer.count - 1)
    guard count >= 0 else { return nil }
    return String(decoding: buffer[0..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
  }
}
