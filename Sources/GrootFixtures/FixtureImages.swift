import Foundation
import GrootOCI

/// The images tests and benchmarks create from, made by the project itself: from
/// Debian's busybox-static, from the host's own Debian binaries, and from bytes
/// written here. Each keeps a quirk of the GrootFS test images it stands in for.
public enum FixtureImage: String, CaseIterable, Sendable {
  /// busybox-static as one gzip layer; index.json names no tag (select the only manifest).
  case busybox
  /// The same layer, tagged `latest`, with a platform on the index entry.
  case busyboxTagged
  /// busybox and three layers above it adding `file-1`, `file-2`, `file-3`.
  case multiLayer
  /// Two tiny layers (`hello`, `allo`), no /bin/sh, tagged `v0.1.1`.
  case empty
  /// Hard links inside a layer; the index entry says darwin (ignored: one manifest).
  case hardlink
  /// An opaque whiteout hiding busybox's /var but `var/istillexist`; a hand-edited manifest.
  case opaqueWhiteout
  /// Four layers, uncompressed and gzip mixed, 4 MB of data, owners and special
  /// mode bits; a manifest that lies about its own and the config's size.
  case mixedMedia
  /// Two layers whose blobs do not match their digests.
  case corrupted
  /// A real distribution rootfs: Debian's dash, coreutils and libc from this host,
  /// in Debian's merged-/usr layout, with a setuid su.
  case debian

  /// The reference's tag, where the image must be named by one.
  public var tag: String? {
    switch self {
    case .empty: return "v0.1.1"
    case .busyboxTagged: return "latest"
    default: return nil
    }
  }
}

public enum FixtureImages {
  /// Where `cached` builds images: one directory per test or bench process.
  public static let cacheDirectory = NSTemporaryDirectory() + "groot-fixtures-\(getpid())"
  private static let lock = NSLock()
  nonisolated(unsafe) private static var built: Set<FixtureImage> = []

  /// The layout of `image`, built on first use in this process and removed at exit.
  public static func cached(_ image: FixtureImage) throws -> String {
    try lock.withLock {
      let path = cacheDirectory + "/" + image.rawValue
      if built.contains(image) { return path }
      if built.isEmpty {
        atexit { try? FileManager.default.removeItem(atPath: FixtureImages.cacheDirectory) }
      }
      try? FileManager.default.removeItem(atPath: path)
      try build(image, at: path)
      built.insert(image)
      return path
    }
  }

  /// `oci://PATH[:TAG]` for `image`, built on first use.
  public static func reference(_ image: FixtureImage) throws -> String {
    "oci://" + (try cached(image)) + (image.tag.map { ":\($0)" } ?? "")
  }

  /// Builds `image` as an OCI layout at `path`.
  public static func build(_ image: FixtureImage, at path: String) throws {
    var builder = try LayoutBuilder(path: path)
    switch image {
    case .busybox:
      try builder.addLayer(tar: try busyboxRootfs().archive(), compression: "gzip")
      try builder.finish(tag: nil)
    case .busyboxTagged:
      builder.indexPlatform = (os: "linux", architecture: "amd64")
      try builder.addLayer(tar: try busyboxRootfs().archive(), compression: "gzip")
      try builder.finish(tag: "latest")
    case .multiLayer:
      try builder.addLayer(tar: try busyboxRootfs(named: "multi-layer").archive(), compression: "gzip")
      for index in 1...3 {
        var tar = TarWriter()
        tar.file("file-\(index)", "I'm file \(index)\n")
        try builder.addLayer(tar: tar.archive(), compression: "gzip")
      }
      try builder.finish()
    case .empty:
      builder.indexPlatform = (os: "linux", architecture: "amd64")
      for name in ["hello", "allo"] {
        var tar = TarWriter()
        tar.file(name, "\(name) world\n")
        try builder.addLayer(tar: tar.archive(), compression: "gzip")
      }
      try builder.finish(tag: "v0.1.1")
    case .hardlink:
      builder.indexPlatform = (os: "darwin", architecture: "amd64")
      try builder.addLayer(tar: try busyboxRootfs(named: "hardlink").archive(), compression: "gzip")
      var tar = TarWriter()
      tar.file("file", "linked content\n")
      tar.directory("first")
      tar.directory("first/second")
      tar.hardlink("first/second/file-link", to: "file")
      tar.file("first/second/file2", "second linked content\n")
      tar.hardlink("file-link2", to: "first/second/file2")
      try builder.addLayer(tar: tar.archive(), compression: "gzip")
      try builder.finish(quirks: .manifestEditedAfterHashing)
    case .opaqueWhiteout:
      try builder.addLayer(tar: try busyboxRootfs().archive(), compression: "gzip")
      var tar = TarWriter()
      tar.directory("var")
      tar.file("var/.wh..wh..opq")
      tar.file("var/istillexist", "I am here\n")
      try builder.addLayer(tar: tar.archive(), compression: "gzip")
      try builder.finish(quirks: .manifestEditedAfterHashing)
    case .mixedMedia:
      var first = TarWriter()
      first.file("2mb-file-1", bytes: pseudoRandomBytes(count: 2_097_152, seed: 1))
      try builder.addLayer(tar: first.archive())
      var second = TarWriter()
      second.file("1.5mb-file-2", bytes: [UInt8](repeating: 0, count: 1_536_000))
      try builder.addLayer(tar: second.archive(), compression: "gzip")
      var third = TarWriter()
      third.file("0.5mb-file", bytes: pseudoRandomBytes(count: 512_000, seed: 3))
      try builder.addLayer(tar: third.archive())
      var fourth = TarWriter()
      fourth.directory("prohibited-folder", mode: 0o700, uid: 4000, gid: 4000)
      fourth.file("prohibited-folder/file", "can't touch this\n", mode: 0o7000, uid: 0, gid: 4000)
      try builder.addLayer(tar: fourth.archive())
      try builder.finish(quirks: [.manifestEditedAfterHashing, .configSizeWrong])
    case .corrupted:
      try builder.addLayer(tar: try busyboxRootfs().archive(), compression: "gzip")
      var tar = TarWriter()
      tar.file("corrupted-data", "never unpacked\n")
      try builder.addLayer(tar: tar.archive(), compression: "gzip")
      try builder.finish()
      try builder.corruptLayerBlobs()
    case .debian:
      builder.env = ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"]
      try builder.addLayer(tar: try HostRootfs.debian().archive(), compression: "gzip")
      try builder.finish()
    }
  }

  /// Debian's busybox-static with a few applets, /etc, a 1777 /tmp and some /var.
  /// A `name` goes into /etc/hostname, making a layer of its own; without one the
  /// layer is shared by the images built on it (busybox, opaque whiteout, corrupted).
  public static func busyboxRootfs(named name: String? = nil) throws -> TarWriter {
    var tar = TarWriter()
    tar.directory(".")
    for directory in ["bin", "etc", "home", "var", "var/spool", "var/spool/mail", "var/www", "dev", "proc", "sys"] {
      tar.directory(directory)
    }
    tar.directory("root", mode: 0o700)
    tar.directory("tmp", mode: 0o1777)
    if let name { tar.file("etc/hostname", name + "\n") }
    tar.file("bin/busybox", bytes: Array(try Data(contentsOf: URL(fileURLWithPath: busyboxBinary))), mode: 0o755)
    for applet in ["sh", "ls", "cat", "echo", "id", "uname", "touch", "mkdir", "rm", "dd", "sleep", "env", "grep"] {
      tar.symlink("bin/\(applet)", to: "busybox")
    }
    tar.file("etc/passwd", "root:x:0:0:root:/root:/bin/sh\nvcap:x:2000:2000::/home/vcap:/bin/sh\n")
    tar.file("etc/group", "root:x:0:\nvcap:x:2000:\n")
    return tar
  }

  /// Debian's busybox-static (scripts/install-deps installs it).
  public static let busyboxBinary = "/bin/busybox"
}

/// What a layout's first manifest says about its layers.
public struct LayoutLayers {
  /// The names the store gives the layers under `layers/`, bottom first.
  public let chainIDs: [String]
  /// The layer blobs' sizes, bottom first.
  public let blobSizes: [Int64]

  public init(ofLayout path: String) throws {
    func object(_ file: String) throws -> [String: Any] {
      try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: file))) as! [String: Any]
    }
    func blob(_ descriptor: Any?) throws -> [String: Any] {
      let digest = (descriptor as! [String: Any])["digest"] as! String
      return try object("\(path)/blobs/sha256/\(digest.dropFirst("sha256:".count))")
    }
    let manifest = try blob((try object(path + "/index.json")["manifests"] as! [Any]).first)
    let config = try blob(manifest["config"])
    let diffIDs = try ((config["rootfs"] as! [String: Any])["diff_ids"] as! [String]).map { try Digest(parsing: $0) }
    chainIDs = ChainID.chain(diffIDs).map(\.hex)
    blobSizes = (manifest["layers"] as! [[String: Any]]).map { Int64($0["size"] as! Int) }
  }
}
