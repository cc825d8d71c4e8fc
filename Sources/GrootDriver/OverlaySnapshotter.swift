import GrootIO
import GrootOCI
import GrootStore

#if canImport(Glibc)
  import Glibc
#endif

/// overlayfs: the image's layers as read-only lower dirs, a per-image upper and
/// work dir. Layers are plain directories, unpacked at once.
///
/// The kernel reads mount options from one page (4096 bytes). Layer paths are
/// long, so each layer gets a short link `STORE/overlay/l/XXXXXXXXXXXX`, and the
/// mount is made from `STORE/overlay` with relative paths ("l/…:l/…"): 15 bytes a
/// layer, room for more than 250 layers. The mount runs on a thread of its own
/// with its own working directory (unshare(CLONE_FS)), so no other thread's
/// relative paths move. The mounts printed for --without-mount use absolute
/// short links, since the runtime mounts from elsewhere.
public struct OverlaySnapshotter: Snapshotter {
  public static let optionLimit = 4095
  static let shortLinkLength = 12

  public var name: String { "overlay" }
  public var whiteouts: WhiteoutMode { .overlay }
  public var layersAreIndependent: Bool { true }

  public init() {}

  static func root(_ store: Store) -> String { store.path.appending(path: "overlay") }
  static func links(_ store: Store) -> String { root(store).appending(path: "l") }
  /// The lower dir of an image with no layers.
  static func empty(_ store: Store) -> String { root(store).appending(path: "empty") }

  public func initialize(_ store: Store) throws {
    let owner = store.configuration.owner
    for directory in [Self.root(store), Self.links(store), Self.empty(store)] {
      try FileSystem.makeDirectory(directory, mode: 0o755)
      try FileSystem.setOwner(directory, uid: owner.uid, gid: owner.gid, mode: 0o755)
    }
    try StoreQuotas.enableWhereBtrfs(store)
  }

  public func prepareLayer(at path: String, parent: String?, store: Store) throws {
    try FileSystem.makeDirectory(path, mode: 0o755)
    let owner = store.configuration.owner
    try FileSystem.setOwner(path, uid: owner.uid, gid: owner.gid, mode: 0o755)
  }

  /// The link goes before the layer: killed half-way, a layer without its link
  /// is whole (links are made again on use); a link without a layer would dangle.
  public func removeLayer(_ id: Digest, store: Store) {
    for length in [Self.shortLinkLength, 20, 32, 64] {
      let link = Self.links(store).appending(path: String(id.hex.prefix(length)))
      if readLink(link) == target(id) { unlink(link) }
    }
  }

  /// Limits need the store on btrfs with quotas on: the image directory becomes
  /// a subvolume with a qgroup limit. XFS project quotas need kernel support this
  /// build cannot test, so XFS is refused; so is anything else.
  public func checkLimit(_ limit: DiskLimit?, store: Store) throws {
    guard limit != nil else { return }
    try StoreQuotas.requireBtrfsQuotas(store)
  }

  /// With a limit, the image directory is a subvolume whose qgroup bounds what the
  /// container writes; without --exclude-image-from-quota the image's own size is
  /// taken off the limit (GrootFS's rule for overlay).
  public func makeImageRoot(at path: String, limit: DiskLimit?) throws {
    if limit != nil {
      try Btrfs.createSubvolume(path)
    } else {
      try FileSystem.makeNewDirectory(path)
    }
  }

  /// The upper dir gives the rootfs its root directory, so it (with work and
  /// rootfs) belongs to the store's owner: root in a user namespace with the
  /// store's mappings can then write in `/`, as with GrootFS's overlay-xfs driver.
  public func prepareImage(_ paths: ImagePaths, layers: [Digest], limit: DiskLimit?, store: Store) throws {
    let owner = store.configuration.owner
    try FileSystem.setOwner(paths.root, uid: owner.uid, gid: owner.gid, mode: 0o700)
    for directory in [paths.upper, paths.work, paths.rootfs] {
      try FileSystem.makeDirectory(directory, mode: 0o755)
      try FileSystem.setOwner(directory, uid: owner.uid, gid: owner.gid, mode: 0o755)
    }
  }

  public func limitImage(_ paths: ImagePaths, layers: [Digest], limit: DiskLimit, store: Store) throws {
    var bytes = limit.bytes
    if !limit.excludeImage {
      let image = try store.layersDiskUsage(layers)
      guard image < limit.bytes else { throw DriverError.limitBelowImageSize(limit: limit.bytes, image: image) }
      bytes -= image
    }
    try Btrfs.limit(paths.root, bytes: UInt64(bytes), exclusive: false)
  }

  public func usage(_ paths: ImagePaths, layers: [Digest], store: Store) throws -> ImageUsage {
    let exclusive =
      Btrfs.isSubvolume(paths.root)
      ? try Btrfs.usage(paths.root).exclusive : try FileSystem.diskUsage(paths.upper)
    return ImageUsage(total: try store.layersDiskUsage(layers) + exclusive, exclusive: exclusive)
  }

  public func mounts(for paths: ImagePaths, layers: [Digest], store: Store) throws -> [MountSpec] {
    let lower = try lowerDirectories(layers, store: store)
    let absolute = lower.map { Self.root(store).appending(path: $0) }
    // One options string, as GrootFS prints it (runc takes either form).
    let options = "lowerdir=\(absolute.joined(by: ":")),upperdir=\(paths.upper),workdir=\(paths.work)"
    return [MountSpec(destination: "/", type: "overlay", source: "overlay", options: [options])]
  }

  public func mount(_ paths: ImagePaths, layers: [Digest], store: Store) throws {
    let root = Self.root(store)
    let lower = try lowerDirectories(layers, store: store)
    let data =
      "lowerdir=\(lower.joined(by: ":")),upperdir=\(Self.relative(paths.upper, from: root)),workdir=\(Self.relative(paths.work, from: root))"
    guard data.utf8.count <= Self.optionLimit else {
      throw DriverError.tooManyLayers(count: layers.count, optionBytes: data.utf8.count, limit: Self.optionLimit)
    }
    try MountThread.mount(source: "overlay", target: paths.rootfs, type: "overlay", data: data, in: root)
  }

  public func unmount(_ paths: ImagePaths, id: ImageID) throws {
    if umount2(paths.rootfs, 0) == 0 { return }
    switch errno {
    case EINVAL, ENOENT: return  // not mounted (--without-mount, or already gone)
    case EBUSY: throw DriverError.imageBusy(id: id.value, rootfs: paths.rootfs)
    default: throw DriverError.unmountFailed(target: paths.rootfs, errno: errno)
    }
  }

  public func check(_ store: Store, repair: Bool) -> [(problem: String, repaired: Bool)] {
    var found: [(String, Bool)] = []
    for name in (try? FileSystem.listDirectory(Self.links(store))) ?? [] {
      let link = Self.links(store).appending(path: name)
      guard !FileSystem.isDirectory(link) else { continue }
      let fixed = repair && unlink(link) == 0
      found.append(("dangling link \(link)" + (fixed ? ": removed" : ""), fixed))
    }
    return found
  }

  /// The layers' short links, top first, relative to `STORE/overlay`; the empty
  /// directory for an image of no layers. The option is checked against the page.
  private func lowerDirectories(_ layers: [Digest], store: Store) throws -> [String] {
    guard !layers.isEmpty else {
      try FileSystem.makeDirectory(Self.empty(store), mode: 0o755)
      return ["empty"]
    }
    let links = try layers.reversed().map { try shortLink(for: $0, in: store) }
    let length = links.joined(by: ":").utf8.count + "lowerdir=".utf8.count
    guard length <= Self.optionLimit else {
      throw DriverError.tooManyLayers(count: layers.count, optionBytes: length, limit: Self.optionLimit)
    }
    return links
  }

  private func target(_ layer: Digest) -> String { "../../layers/\(layer.hex)/diff" }

  /// `overlay/l/PREFIX` → `../../layers/HEX/diff`, made once per layer by one
  /// symlink(2), which is atomic and fails for all but the first of concurrent
  /// makers (no temporary name that a kill could leave behind). A prefix taken by
  /// another layer (never seen in practice) gets a longer one.
  func shortLink(for layer: Digest, in store: Store) throws -> String {
    let links = Self.links(store)
    if !FileSystem.exists(links) {
      try FileSystem.makeDirectory(Self.root(store))
      try FileSystem.makeDirectory(links)
    }
    for length in [Self.shortLinkLength, 20, 32, 64] {
      let name = String(layer.hex.prefix(length))
      let linkPath = links.appending(path: name)
      var existing = readLink(linkPath)
      if existing == nil {
        if symlink(target(layer), linkPath) == 0 { return "l/\(name)" }
        guard errno == EEXIST else { throw SystemError("symlink", linkPath) }
        existing = readLink(linkPath)  // another create made it first
      }
      if existing == target(layer) { return "l/\(name)" }
    }
    throw SystemError("symlink", links.appending(path: layer.hex), errno: EEXIST)
  }

  private func readLink(_ path: String) -> String? {
    var buffer = [CChar](repeating: 0, count: 4096)
    let count = readlink(path, &buffer, buffer.count - 1)
    guard count >= 0 else { return nil }
    return String(decoding: buffer[0..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
  }

  /// `path` relative to `base`, both inside the store: `../images/ID/diff`.
  static func relative(_ path: String, from base: String) -> String {
    let baseParts = base.split(separator: "/")
    let parts = path.split(separator: "/")
    var common = 0
    while common < min(baseParts.count, parts.count) && baseParts[common] == parts[common] { common += 1 }
    return (Array(repeating: "..", count: baseParts.count - common) + parts[common...].map(String.init))
      .joined(by: "/")
  }
}
