import Foundation
import GrootDriver
import GrootFixtures
import GrootIO
import GrootOCI
import GrootStore
import GrootUnpack
import Testing

/// What every snapshotter must do, run against overlay and btrfs alike, on real
/// stores (a btrfs backing file each, so limits apply to both): layers prepared
/// on their parents and committed, images prepared, mounted, measured, limited,
/// unmounted and removed.
@Suite("Snapshotter conformance", .serialized)
struct SnapshotterConformanceTests {
  static let drivers = ["overlay", "btrfs"]

  /// A store of `driver` and its snapshotter.
  static func make(_ driver: String) throws -> (TestStore, Store, Snapshotter) {
    let test = try TestStore(driver: driver, backingBytes: 300_000_000)
    let store = try Store.open(at: test.path)
    return (test, store, try Snapshotters.named(driver))
  }

  /// Prepares a layer on `parent`, unpacks `tar` into it with the snapshotter's
  /// whiteouts, and publishes it; returns its id.
  static func commitLayer(_ tar: TarWriter, parent: Digest?, in store: Store, _ snapshotter: Snapshotter) throws
    -> Digest
  {
    let archive = tar.archive()
    let diffID = Digest(of: archive)
    let id = parent.map { Digest(of: Array("\($0) \(diffID)".utf8)) } ?? diffID
    let work = try store.makeWorkDirectory(purpose: "layer")
    let diff = work.path + "/diff"
    try snapshotter.prepareLayer(at: diff, parent: parent.map(store.layerDiffPath), store: store)
    let options = UnpackOptions(
      whiteouts: snapshotter.whiteouts,
      lowerLayers: snapshotter.layersAreIndependent ? parent.map { [store.layerDiffPath($0)] } ?? [] : [])
    let unpacked = try Unpacker(into: diff, options: options).unpack(TarReader(stream: MemoryByteStream(archive)))
    try store.publishLayer(
      from: work,
      metadata: LayerMetadata(
        id: id, diffID: diffID, blobDigest: nil, mediaType: nil, size: unpacked.bytes,
        diskUsage: try FileSystem.diskUsage(diff), source: "conformance"))
    return id
  }

  /// Two layers: the top one changes a file and whites one out.
  static func twoLayers(_ store: Store, _ snapshotter: Snapshotter) throws -> [Digest] {
    var base = TarWriter()
    base.directory("etc")
    base.file("etc/kept", "base\n")
    base.file("etc/changed", "base\n")
    base.file("etc/removed", "base\n")
    let bottom = try commitLayer(base, parent: nil, in: store, snapshotter)
    var top = TarWriter()
    top.directory("etc")
    top.file("etc/changed", "top\n")
    top.file("etc/.wh.removed")
    return [bottom, try commitLayer(top, parent: bottom, in: store, snapshotter)]
  }

  /// Prepares an image in tmp/, mounts it, and publishes it as `id`.
  static func image(
    _ id: String, layers: [Digest], limit: DiskLimit? = nil, in store: Store, _ snapshotter: Snapshotter
  ) throws -> ImagePaths {
    let work = try store.makeWorkDirectory(purpose: "image") {
      try snapshotter.makeImageRoot(at: $0, limit: limit)
    }
    let prepared = ImagePaths(root: work.path)
    try snapshotter.prepareImage(prepared, layers: layers, limit: limit, store: store)
    if let limit { try snapshotter.limitImage(prepared, layers: layers, limit: limit, store: store) }
    try snapshotter.mount(prepared, layers: layers, store: store)
    try store.publishImage(prepared, as: ImageID(id))
    work.release()
    return store.imagePaths(try ImageID(id))
  }

  @Test("layers stack: files below show through, changes and whiteouts above win", arguments: drivers)
  func stacking(driver: String) throws {
    let (test, store, snapshotter) = try Self.make(driver)
    let layers = try Self.twoLayers(store, snapshotter)
    let paths = try Self.image("i", layers: layers, in: store, snapshotter)
    #expect(try String(contentsOfFile: paths.rootfs + "/etc/kept", encoding: .utf8) == "base\n")
    #expect(try String(contentsOfFile: paths.rootfs + "/etc/changed", encoding: .utf8) == "top\n")
    #expect(!fileExists(paths.rootfs + "/etc/removed"))
    // What the mounts say reproduce it for a runtime: overlay's, nothing for btrfs.
    let mounts = try snapshotter.mounts(for: paths, layers: layers, store: store)
    #expect(mounts.count == (driver == "overlay" ? 1 : 0))
    withExtendedLifetime(test) {}
  }

  @Test("usage grows by what the container writes; the limit stops it", arguments: drivers)
  func usageAndLimit(driver: String) throws {
    let (test, store, snapshotter) = try Self.make(driver)
    let layers = try Self.twoLayers(store, snapshotter)
    let limit = DiskLimit(bytes: 8 << 20, excludeImage: true)
    let paths = try Self.image("u", layers: layers, limit: limit, in: store, snapshotter)
    let before = try snapshotter.usage(paths, layers: layers, store: store)
    try Data(pseudoRandomBytes(count: 2 << 20, seed: 9)).write(to: URL(fileURLWithPath: paths.rootfs + "/two-mb"))
    sync()
    let after = try snapshotter.usage(paths, layers: layers, store: store)
    #expect(abs(after.exclusive - before.exclusive - (2 << 20)) < 256 << 10, "\(before) → \(after)")
    #expect(after.total - after.exclusive == before.total - before.exclusive)
    let written = try sh("dd if=/dev/zero of=\(paths.rootfs)/big bs=1M count=20 2>&1; sync").stdout
    #expect(written.contains("Disk quota exceeded"), "\(written)")
    withExtendedLifetime(test) {}
  }

  @Test("unmount, withdraw and layer removal leave nothing behind; check finds nothing", arguments: drivers)
  func removal(driver: String) throws {
    let (test, store, snapshotter) = try Self.make(driver)
    let layers = try Self.twoLayers(store, snapshotter)
    _ = try Self.image("r", layers: layers, in: store, snapshotter)
    #expect(try store.withdrawImage(ImageID("r"), snapshotter: snapshotter, timeout: 5))
    #expect(!fileExists(store.imagesPath + "/r"))
    #expect(try test.mountPoints().isEmpty)
    for layer in layers.reversed() {
      snapshotter.removeLayer(layer, store: store)
      try store.removeLayer(layer)
    }
    #expect(try store.layerIDs().isEmpty)
    #expect(snapshotter.check(store, repair: false).isEmpty)
    // Unmounting what is not mounted is fine.
    try snapshotter.unmount(store.imagePaths(ImageID("r")), id: ImageID("r"))
    withExtendedLifetime(test) {}
  }

  @Test("the image's root and rootfs belong to the store's owner", arguments: drivers)
  func ownership(driver: String) throws {
    let test = try TestStore(initialize: false)
    _ = try test.groot([
      "--driver", driver, "init-store", "--store-size-bytes", "300000000", "--uid-mapping", "0:5000:1", "--gid-mapping",
      "0:6000:1",
    ])
    let store = try Store.open(at: test.path)
    let snapshotter = try Snapshotters.named(driver)
    let paths = try Self.image("o", layers: Self.twoLayers(store, snapshotter), in: store, snapshotter)
    for path in [paths.root, paths.rootfs] {
      var st = stat()
      #expect(lstat(path, &st) == 0 && st.st_uid == 5000 && st.st_gid == 6000, "\(path)")
    }
  }
}
