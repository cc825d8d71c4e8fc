import Foundation
import GrootFixtures
import Testing

/// Every fixture image, created on overlay and checked for the files that image is
/// about (each keeps a quirk of the GrootFS test image it stands in for).
@Suite("Test data images")
struct TestdataImageTests {
  @Test("debian: a real distribution rootfs, merged /usr, setuid su")
  func debian() throws {
    let store = try TestStore()
    let spec = try store.create("oci://\(Project.image(.debian))", "debian")
    let rootfs = store.rootfs("debian")
    #expect((spec["root"] as? [String: Any])?["path"] as? String == rootfs)
    #expect(try String(contentsOfFile: rootfs + "/etc/debian_version", encoding: .utf8) == Project.debianVersion)
    #expect(try FileManager.default.destinationOfSymbolicLink(atPath: rootfs + "/bin") == "usr/bin")
    #expect(try FileManager.default.destinationOfSymbolicLink(atPath: rootfs + "/usr/bin/sh") == "dash")
    var st = stat()
    #expect(lstat(rootfs + "/usr/bin/su", &st) == 0 && st.st_mode & 0o7777 == 0o4755 && st.st_uid == 0)
    let env = (spec["process"] as? [String: Any])?["env"] as? [String]
    #expect(env?.contains { $0.hasPrefix("PATH=") } == true)
    let mounts = try store.mountPoints()
    #expect(mounts == [rootfs], "\(mounts)")
  }

  @Test("busybox: no ref name, the only manifest is used")
  func busyboxWithoutRefName() throws {
    let store = try TestStore()
    _ = try store.create("oci://\(Project.image(.busybox))", "bb")
    #expect(fileExists(store.rootfs("bb") + "/bin/busybox"))
  }

  @Test("busybox tagged latest")
  func gardenBusyboxByTag() throws {
    let store = try TestStore()
    _ = try store.create("oci://\(Project.image(.busyboxTagged)):latest", "garden")
    #expect(fileExists(store.rootfs("garden") + "/bin/sh"))
  }

  @Test("multi-layer: four layers stack")
  func multiLayer() throws {
    let store = try TestStore()
    _ = try store.create("oci://\(Project.image(.multiLayer))", "groot")
    for file in ["file-1", "file-2", "file-3", "bin/busybox"] {
      #expect(fileExists(store.rootfs("groot") + "/" + file), "missing \(file)")
    }
    let layers = try FileManager.default.contentsOfDirectory(atPath: store.path + "/layers")
    #expect(layers.count == 4)
  }

  @Test("empty: no /bin/sh, tagged v0.1.1")
  func emptyImage() throws {
    let store = try TestStore()
    _ = try store.create("oci://\(Project.image(.empty)):v0.1.1", "empty")
    let rootfs = store.rootfs("empty")
    #expect(fileExists(rootfs + "/hello") && fileExists(rootfs + "/allo"))
    #expect(!fileExists(rootfs + "/bin/sh"))
  }

  @Test("hardlink: links inside a layer share an inode")
  func hardLinks() throws {
    let store = try TestStore()
    _ = try store.create("oci://\(Project.image(.hardlink))", "hl")
    let rootfs = store.rootfs("hl")
    #expect(try inode(rootfs + "/file") == inode(rootfs + "/first/second/file-link"))
    #expect(try inode(rootfs + "/file-link2") == inode(rootfs + "/first/second/file2"))
    #expect(try inode(rootfs + "/file") != inode(rootfs + "/file-link2"))
  }

  @Test("opaque whiteout: the opaque whiteout hides /var but istillexist")
  func opaqueWhiteout() throws {
    let store = try TestStore()
    _ = try store.create("oci://\(Project.image(.opaqueWhiteout))", "opq")
    let rootfs = store.rootfs("opq")
    #expect(try FileManager.default.contentsOfDirectory(atPath: rootfs + "/var") == ["istillexist"])
    // The busybox layer below still has /var content: the opaque dir hides it.
    let lowerVar = try sh("ls \(store.path)/layers/*/diff/var | wc -l").stdout
    #expect(Int(lowerVar.trimmingCharacters(in: .whitespacesAndNewlines))! > 1)
  }

  @Test("mixed media: mixed tar and tar+gzip layers, owners and special mode bits")
  func mixedMediaTypes() throws {
    let store = try TestStore()
    _ = try store.create("oci://\(Project.image(.mixedMedia))", "four")
    let rootfs = store.rootfs("four")
    let sizes = try ["2mb-file-1", "1.5mb-file-2", "0.5mb-file"].map {
      try FileManager.default.attributesOfItem(atPath: rootfs + "/" + $0)[.size] as! Int
    }
    #expect(sizes == [2_097_152, 1_536_000, 512_000])
    var st = stat()
    #expect(lstat(rootfs + "/prohibited-folder", &st) == 0)
    #expect(st.st_uid == 4000 && st.st_gid == 4000 && st.st_mode & 0o7777 == 0o700)
    #expect(lstat(rootfs + "/prohibited-folder/file", &st) == 0)
    #expect(st.st_uid == 0 && st.st_gid == 4000 && st.st_mode & 0o7777 == 0o7000)
  }

  @Test("corrupted: digest error, store left as it was")
  func corrupted() throws {
    let store = try TestStore()
    let before = try store.snapshot()
    let outcome = try store.groot("create", "oci://\(Project.image(.corrupted))", "bad")
    #expect(outcome.status == 1)
    #expect(outcome.stdoutLines.count == 1)
    #expect(outcome.stdout.contains("digest mismatch"), "\(outcome.stdout)")
    #expect(outcome.stderr.isEmpty)
    #expect(try store.snapshot() == before)
    #expect(try store.mountPoints().isEmpty)
  }

  @Test("layers are shared between images")
  func layerReuse() throws {
    let store = try TestStore()
    _ = try store.create("oci://\(Project.image(.busybox))", "one")
    let layers = try store.snapshot().filter { $0.hasPrefix("./layers/") }
    _ = try store.create("oci://\(Project.image(.busybox))", "two")
    #expect(try store.snapshot().filter { $0.hasPrefix("./layers/") } == layers)
    #expect(try store.mountPoints().count == 2)
  }
}
