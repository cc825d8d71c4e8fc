import Foundation
import GrootFixtures
import GrootIO
import GrootOCI

/// The seed corpus, made by the project: well-formed and hostile inputs for each
/// target, so the fuzzer starts from every feature of each format.
enum SeedCorpus {
  /// Writes DIRECTORY/TARGET/NAME for every seed.
  static func write(to directory: String) throws {
    try FileSystem.makeDirectory(directory)
    for (target, seeds) in all() {
      let targetDirectory = directory.appending(path: target.rawValue)
      try FileSystem.makeDirectory(targetDirectory)
      for (name, bytes) in seeds {
        try FileSystem.writeAtomically(bytes, to: targetDirectory.appending(path: name))
      }
    }
  }

  static func all() -> [(FuzzTarget, [(String, [UInt8])])] {
    let tars = tarSeeds()
    return [
      (.tar, tars),
      (
        .gzip,
        tars.compactMap { name, tar in
          (try? LayoutBuilder.compress(tar, with: "gzip", scratch: NSTemporaryDirectory() + "seed-\(getpid())"))
            .map { (name, $0) }
        }
      ),
      (.manifest, documentSeeds().manifests),
      (.index, documentSeeds().indexes),
      (.config, documentSeeds().configs),
      (.reference, referenceSeeds()),
    ]
  }

  static func tarSeeds() -> [(String, [UInt8])] {
    var plain = TarWriter()
    plain.directory("etc", mode: 0o755)
    plain.file("etc/hosts", "127.0.0.1 localhost\n")
    plain.symlink("bin", to: "usr/bin")
    plain.hardlink("etc/hosts-link", to: "etc/hosts")
    plain.characterDevice("dev-null", major: 1, minor: 3)
    plain.fifo("pipe")
    var whiteouts = TarWriter()
    whiteouts.directory("var")
    whiteouts.file("var/.wh..wh..opq")
    whiteouts.file(".wh.gone")
    var escape = TarWriter()
    escape.file("../../outside", "x")
    escape.symlink("link", to: "/etc")
    escape.file("link/passwd", "x")
    var pax = TarWriter()
    pax.pax([("path", "a/long/pax/name"), ("SCHILY.xattr.user.test", "value")])
    pax.file("short", "data")
    return [
      ("plain", plain.archive()), ("whiteouts", whiteouts.archive()), ("escape", escape.archive()),
      ("pax", pax.archive()), ("sparse-1.0-bomb", HostileLayers.sparse10Bomb().archive()),
      ("sparse-0.0-bomb", HostileLayers.sparse0Bomb(minor: 0).archive()),
      ("sparse-0.1-bomb", HostileLayers.sparse0Bomb(minor: 1).archive()),
      ("sparse-file", HostileLayers.sparseFile(name: "disk", size: 1 << 20, offset: 4096, data: [1, 2, 3]).archive()),
      ("long-names", HostileLayers.longNameChain(length: 300, links: 2).archive()),
    ]
  }

  static func documentSeeds() -> (
    manifests: [(String, [UInt8])], indexes: [(String, [UInt8])], configs: [(String, [UInt8])]
  ) {
    let digest = "sha256:" + String(repeating: "a", count: 64)
    let manifest =
      #"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"\#(digest)","size":10},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"\#(digest)","size":100,"urls":["https://example.com/x"],"annotations":{"org.cloudfoundry.experimental.image.base-directory":"/home/vcap"}}]}"#
    let schema1 = #"{"schemaVersion":1,"name":"x","fsLayers":[]}"#
    let index =
      #"{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"\#(digest)","size":-1,"platform":{"architecture":"amd64","os":"linux"}}]}"#
    let config =
      #"{"architecture":"amd64","os":"linux","config":{"Env":["PATH=/bin"],"User":"vcap"},"rootfs":{"type":"layers","diff_ids":["\#(digest)"]}}"#
    return (
      [("oci", Array(manifest.utf8)), ("schema1", Array(schema1.utf8))], [("index", Array(index.utf8))],
      [("config", Array(config.utf8))]
    )
  }

  static func referenceSeeds() -> [(String, [UInt8])] {
    [
      "docker://registry-1.docker.io/library/busybox:latest",
      "docker:///busybox@sha256:" + String(repeating: "0", count: 64),
      "docker://127.0.0.1:5000/a/b/c:v1", "oci:///var/vcap/image:tag", "/var/vcap/packages/rootfs.tar",
      "preloaded+layer:///rootfs.tar?layer=x",
    ].enumerated().map { ("reference-\($0.offset)", Array($0.element.utf8)) }
  }
}
