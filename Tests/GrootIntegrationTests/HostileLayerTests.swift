import Foundation
import GrootFixtures
import Testing

/// Layers made to escape the store. Each is refused or contained; nothing is
/// written outside the store.
@Suite("Hostile layers")
struct HostileLayerTests {
  /// A host directory outside the store that a hostile layer aims at.
  static func hostTarget(_ store: TestStore) throws -> String {
    let target = store.base + "/host-target"
    try FileManager.default.createDirectory(atPath: target, withIntermediateDirectories: true)
    return target
  }

  static func contents(_ directory: String) throws -> [String] {
    try FileManager.default.contentsOfDirectory(atPath: directory).sorted()
  }

  @Test("`..` above the root stays inside the layer, as in GrootFS's chroot (its hacked.tar)")
  func pathTraversal() throws {
    let store = try TestStore()
    let host = try Self.hostTarget(store)
    var tar = TarWriter()
    tar.file("ok", "fine")
    // From STORE/tmp/layer-*/diff, six levels up is above the test's base dir.
    tar.file("../../../../../../\(host.dropFirst())/escaped", "contained")
    tar.file("../file_outside_root", "contained too")
    let image = try layout(in: store.base, tar: tar)
    _ = try store.create("oci://\(image)", "hacked")
    #expect(try Self.contents(host).isEmpty)
    #expect(!fileExists(store.path + "/file_outside_root") && !fileExists(store.path + "/layers/file_outside_root"))
    let rootfs = store.rootfs("hacked")
    #expect(try String(contentsOfFile: rootfs + host + "/escaped", encoding: .utf8) == "contained")
    #expect(try String(contentsOfFile: rootfs + "/file_outside_root", encoding: .utf8) == "contained too")
  }

  @Test("absolute names are read relative to the layer")
  func absolutePaths() throws {
    let store = try TestStore()
    let host = try Self.hostTarget(store)
    var tar = TarWriter()
    tar.file("\(host)/absolute", "contained")
    let image = try layout(in: store.base, tar: tar)
    _ = try store.create("oci://\(image)", "abs")
    #expect(try Self.contents(host).isEmpty)
    #expect(try String(contentsOfFile: store.rootfs("abs") + host + "/absolute", encoding: .utf8) == "contained")
  }

  @Test("a write through a symlink that points out lands inside the layer")
  func symlinkWriteThroughContained() throws {
    let store = try TestStore()
    var tar = TarWriter()
    tar.directory("etc")
    tar.symlink("abs-link", to: "/etc")
    tar.file("abs-link/groot-through-absolute", "x")
    tar.symlink("rel-link", to: "../../../../../../../../../../../etc")
    tar.file("rel-link/groot-through-relative", "y")
    let image = try layout(in: store.base, tar: tar)
    _ = try store.create("oci://\(image)", "sym")
    #expect(!fileExists("/etc/groot-through-absolute") && !fileExists("/etc/groot-through-relative"))
    // Resolved as the container would: inside its own root.
    let rootfs = store.rootfs("sym")
    #expect(try Self.contents(rootfs + "/etc") == ["groot-through-absolute", "groot-through-relative"])
    #expect(try FileManager.default.destinationOfSymbolicLink(atPath: rootfs + "/abs-link") == "/etc")
  }

  @Test("a write through a symlink to a place the layer lacks is refused")
  func symlinkWriteThroughRefused() throws {
    let store = try TestStore()
    let host = try Self.hostTarget(store)
    var tar = TarWriter()
    tar.symlink("abs-link", to: host)
    tar.file("abs-link/through-absolute", "x")
    let image = try layout(in: store.base, tar: tar)
    try CommandTests.expectCleanFailure(
      store, ["create", "oci://\(image)", "sym"], mentioning: "'abs-link/through-absolute'")
    #expect(try Self.contents(host).isEmpty)
  }

  @Test("a hard link to a file outside the layer is refused")
  func hardlinkOutside() throws {
    let store = try TestStore()
    let host = try Self.hostTarget(store)
    try "secret".write(toFile: host + "/secret", atomically: false, encoding: .utf8)
    for target in ["../../../../../../\(host.dropFirst())/secret", host + "/secret"] {
      var tar = TarWriter()
      tar.hardlink("stolen", to: target)
      let image = try layout(in: store.base, tar: tar)
      try CommandTests.expectCleanFailure(store, ["create", "oci://\(image)", "hl"], mentioning: "hard link")
    }
    var st = stat()
    #expect(lstat(host + "/secret", &st) == 0 && st.st_nlink == 1)
  }

  @Test("an entry that replaces a symlinked directory replaces the link")
  func replaceSymlinkedDirectory() throws {
    let store = try TestStore()
    let host = try Self.hostTarget(store)
    var tar = TarWriter()
    tar.symlink("dir", to: host)
    tar.directory("dir")
    tar.file("dir/inside", "z")
    tar.symlink("file", to: host + "/planted")
    tar.file("file", "replaced")
    let image = try layout(in: store.base, tar: tar)
    _ = try store.create("oci://\(image)", "replace")
    let rootfs = store.rootfs("replace")
    #expect(try Self.contents(host).isEmpty)
    var st = stat()
    #expect(lstat(rootfs + "/dir", &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR)
    #expect(try String(contentsOfFile: rootfs + "/dir/inside", encoding: .utf8) == "z")
    #expect(lstat(rootfs + "/file", &st) == 0 && (st.st_mode & S_IFMT) == S_IFREG)
  }

  @Test("overlay xattrs in a layer are not applied")
  func overlayXattrsDropped() throws {
    let store = try TestStore()
    // A PAX header carrying trusted.overlay.redirect, written by GNU tar.
    let source = store.base + "/xattr-src"
    try sh(
      "mkdir -p \(source)/d && setfattr -n trusted.overlay.redirect -v /etc \(source)/d && setfattr -n user.kept -v yes \(source)/d"
    )
    let tarPath = store.base + "/x.tar"
    try #require(try sh("tar --xattrs --xattrs-include='*' -C \(source) -cf \(tarPath) d").status == 0)
    var builder = try LayoutBuilder(path: store.base + "/xattr-layout")
    try builder.addLayer(tar: Array(try Data(contentsOf: URL(fileURLWithPath: tarPath))))
    try builder.finish()
    _ = try store.create("oci://\(builder.path)", "x")
    let attrs = try sh("getfattr -d -m - \(store.rootfs("x"))/d").stdout
    #expect(attrs.contains("user.kept"))
    #expect(!attrs.contains("overlay.redirect"))
  }
}

/// Layers that would fill the disk, and commands killed half-way.
@Suite("Disk-filling layers")
struct DiskFillingLayerTests {
  /// Bytes in use on the store's own file system (a backing store: no other test writes there).
  static func used(_ store: TestStore) -> Int64 {
    var info = statvfs()
    statvfs(store.path, &info)
    return Int64(info.f_blocks - info.f_bfree) * Int64(info.f_frsize)
  }

  @Test(
    "sparse bombs fail at once, having written nothing",
    arguments: [("pax 1.0", "none"), ("pax 0.0", "gzip"), ("pax 0.1", "gzip")])
  func sparseBombs(format: String, compression: String) throws {
    let store = try TestStore(backingBytes: 300_000_000)
    let tar: TarWriter
    switch format {
    case "pax 1.0": tar = HostileLayers.sparse10Bomb()
    case "pax 0.0": tar = HostileLayers.sparse0Bomb(minor: 0)
    default: tar = HostileLayers.sparse0Bomb(minor: 1)
    }
    var builder = try LayoutBuilder(path: store.base + "/bomb")
    try builder.addLayer(tar: tar.archive(), compression: compression)
    try builder.finish()
    let before = (used: Self.used(store), snapshot: try store.snapshot())
    let started = Date()
    let outcome = try store.groot("create", "oci://\(builder.path)", "bomb")
    #expect(Date().timeIntervalSince(started) < 1, "\(format) took \(Date().timeIntervalSince(started)) s")
    #expect(outcome.status == 1)
    #expect(outcome.stdoutLines.count == 1 && outcome.stdout.contains("too large"), "\(outcome.stdout)")
    #expect(try store.snapshot() == before.snapshot)
    #expect(Self.used(store) - before.used < 4 << 20)
    let event = try RegistryTests.lastEvent(store)
    #expect(event.errorKind == "layer_too_large")
  }

  @Test("a real sparse file keeps its holes; a 256 MiB file of zeros still unpacks")
  func legitimateLayers() throws {
    let store = try TestStore(backingBytes: 700_000_000)
    var builder = try LayoutBuilder(path: store.base + "/legit")
    let size = 200 << 20
    try builder.addLayer(
      tar: HostileLayers.sparseFile(name: "disk.img", size: size, offset: 100 << 20, data: Array("middle".utf8))
        .archive())
    var zeros = TarWriter()
    zeros.file("zeros", bytes: [UInt8](repeating: 0, count: 256 << 20))
    try builder.addLayer(tar: zeros.archive(), compression: "gzip")
    try builder.finish()
    _ = try store.create("oci://\(builder.path)", "legit")
    let rootfs = store.rootfs("legit")
    var st = stat()
    #expect(lstat(rootfs + "/disk.img", &st) == 0 && st.st_size == size)
    #expect(Int(st.st_blocks) * 512 < 1 << 20, "a sparse file takes \(st.st_blocks * 512) bytes")
    let middle = try sh("dd if=\(rootfs)/disk.img bs=1 skip=\(100 << 20) count=6 2>/dev/null").stdout
    #expect(middle == "middle")
    #expect(lstat(rootfs + "/zeros", &st) == 0 && st.st_size == 256 << 20)
  }

  @Test("a layer past create.max_layer_bytes or max_layer_entries fails, naming the limit")
  func configuredLimits() throws {
    let store = try TestStore()
    var tar = TarWriter()
    for index in 0..<50 { tar.file("f\(index)", String(repeating: "x", count: 1000)) }
    let image = try layout(in: store.base, tar: tar)
    for (key, value, text) in [
      ("max_layer_bytes", 10_000, "more than 10000 bytes"), ("max_layer_entries", 20, "more than 20 entries"),
    ] {
      let config = store.base + "/\(key).yml"
      try "store: \(store.path)\ncreate:\n  \(key): \(value)\n".write(toFile: config, atomically: true, encoding: .utf8)
      try CommandTests.expectCleanFailure(
        store, ["--config", config, "create", "oci://\(image)", "x"], mentioning: text)
    }
  }

  @Test("a disk that fills while layers unpack is disk_full, store left as it was")
  func diskFull() throws {
    let store = try TestStore(backingBytes: 160_000_000)
    var builder = try LayoutBuilder(path: store.base + "/big")
    // Two layers that each fit, unpacked at once (overlay): together they do not.
    for index in 0..<2 {
      var tar = TarWriter()
      tar.file("big-\(index)", bytes: pseudoRandomBytes(count: 40 << 20, seed: UInt64(index + 7)))
      try builder.addLayer(tar: tar.archive())
    }
    try builder.finish()
    let before = try store.snapshot()
    let outcome = try store.groot("create", "oci://\(builder.path)", "full")
    #expect(outcome.status == 1 && outcome.stdout.contains("No space left on device"), "\(outcome.stdout)")
    #expect(try RegistryTests.lastEvent(store).errorKind == "disk_full")
    let after = try store.snapshot().filter {
      !$0.hasPrefix("./layers") && !$0.hasPrefix("./l ") && !$0.hasPrefix("./l/") && !$0.hasPrefix("./locks")
        && !$0.hasPrefix("./overlay")
    }
    #expect(
      after
        == before.filter {
          !$0.hasPrefix("./layers") && !$0.hasPrefix("./l ") && !$0.hasPrefix("./l/") && !$0.hasPrefix("./locks")
            && !$0.hasPrefix("./overlay")
        })
  }

  @Test("a GNU long-name chain is reported in one short line")
  func longNames() throws {
    let store = try TestStore()
    var tar = HostileLayers.longNameChain()
    tar.file("x/y", "")
    var builder = try LayoutBuilder(path: store.base + "/long")
    try builder.addLayer(tar: tar.archive())
    try builder.finish()
    let outcome = try store.groot("create", "oci://\(builder.path)", "long")
    #expect(outcome.stdoutLines.count == 1 && outcome.stdout.count < 400, "\(outcome.stdout.count) characters")
  }
}
