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
