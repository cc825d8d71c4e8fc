import ArgumentParser
import Foundation
import GrootFixtures
import GrootIO

/// Cold create of an image from a local docker-registry, against skopeo copy to
/// an OCI layout followed by umoci unpack of it: the same bytes fetched, verified
/// and unpacked into a root filesystem.
struct Pull: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "pull", abstract: "Cold create from a local registry vs skopeo copy + umoci unpack.")

  @Option(help: "Runs of each.")
  var runs = 10

  @Option(
    name: .customLong("layout"), help: "OCI layout to push to the registry (default: the fixtures' Debian rootfs).")
  var layoutOption: String?

  @OptionGroup var options: BenchOptions

  func run() throws {
    let layout = try layoutOption.map(Paths.absolute) ?? FixtureImages.cached(.debian)
    let base = Paths.absolute(try FileSystem.makeUniqueDirectory(in: "/tmp", prefix: "groot-bench-pull"))
    defer { try? FileSystem.removeTree(base) }
    let port = Int.random(in: 20000...60000)
    try """
    version: 0.1
    log: {level: error}
    storage: {filesystem: {rootdirectory: \(base)/registry}}
    http: {addr: 127.0.0.1:\(port)}
    """.write(toFile: base + "/registry.yml", atomically: true, encoding: .utf8)
    let registry = try start("/usr/bin/docker-registry", ["serve", base + "/registry.yml"], quiet: true)
    defer {
      kill(registry, SIGTERM)
      _ = try? wait(registry, blocking: true)
    }
    let host = "127.0.0.1:\(port)"
    var pushed = false
    for _ in 0..<50 where !pushed {
      usleep(100_000)
      pushed =
        (try? spawn(
          "/usr/bin/skopeo",
          ["copy", "--quiet", "--dest-tls-verify=false", "oci:\(layout)", "docker://\(host)/bench:latest"])) != nil
    }
    guard pushed else { throw BenchError("could not push to the registry") }

    var groot: [Double] = []
    var peer: [Double] = []
    for index in 0..<runs {
      // groot: a fresh store each run, so every layer is fetched and unpacked.
      let store = "\(base)/store-\(index)"
      try spawn(options.groot, ["--store", store, "init-store"])
      groot.append(
        try timed {
          try spawn(
            options.groot, ["--store", store, "create", "--insecure-registry", host, "docker://\(host)/bench", "c"])
        })
      try spawn(options.groot, ["--store", store, "delete-store", "--force"])

      let work = "\(base)/peer-\(index)"
      try FileSystem.makeDirectory(work)
      peer.append(
        try timed {
          try spawn(
            "/usr/bin/skopeo",
            ["copy", "--quiet", "--src-tls-verify=false", "docker://\(host)/bench:latest", "oci:\(work)/layout:latest"])
          try spawn("/usr/bin/umoci", ["unpack", "--image", "\(work)/layout:latest", "\(work)/bundle"])
        })
      try FileSystem.removeTree(work)
    }
    print("cold create of \(layout) from a local docker-registry, \(runs) runs each, milliseconds")
    print(Figures.header)
    print(Figures(groot).row("groot create"))
    print(Figures(peer).row("skopeo+umoci"))
    print(String(format: "ratio groot/(skopeo+umoci): median %.2fx", Figures(groot).median / Figures(peer).median))
  }
}
