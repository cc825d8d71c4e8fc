import Foundation
import GrootFixtures
import Testing

/// A registry behind a proxy that fails on purpose: each fault ends in success
/// after a retry, or in a one-line error with nothing left behind.
@Suite("Registry faults")
struct RegistryFaultTests {
  static let environment = ["GROOT_REGISTRY_STALL_TIMEOUT": "2"]

  static func setUp() throws -> (TestStore, TestRegistry, FaultProxy) {
    let store = try TestStore()
    let registry = try TestRegistry(in: store.base)
    try registry.push(Project.image(.debian), as: "debian:12")
    return (store, registry, try FaultProxy(upstream: registry.port))
  }

  static func create(_ store: TestStore, _ proxy: FaultProxy, id: String) throws -> Outcome {
    try store.groot(
      ["create", "--insecure-registry", proxy.host, "docker://\(proxy.host)/debian:12", id], environment: environment)
  }

  @Test(
    "500s and connection resets are retried", arguments: [FaultProxy.Fault.serverError(times: 2), .reset(times: 2)])
  func retried(fault: FaultProxy.Fault) throws {
    let (store, registry, proxy) = try Self.setUp()
    defer { withExtendedLifetime(registry) {} }
    proxy.set(fault)
    let outcome = try Self.create(store, proxy, id: "retried")
    #expect(outcome.status == 0, "\(outcome.stderr)")
    #expect(proxy.blobRequestCount >= 4)  // config and layer; two failures among them
    #expect(fileExists(store.rootfs("retried") + "/etc/debian_version"))
  }

  @Test(
    "stalled, truncated, corrupted and oversized blobs fail cleanly",
    arguments: [
      (FaultProxy.Fault.stall, "stalled"), (.truncate, "cannot fetch"), (.corrupt, "digest mismatch"),
      (.oversize, "digest mismatch"), (.hugeManifest, "larger than"),
    ])
  func failsCleanly(fault: FaultProxy.Fault, message: String) throws {
    let (store, registry, proxy) = try Self.setUp()
    defer { withExtendedLifetime(registry) {} }
    proxy.set(fault)
    let started = Date()
    try CommandTests.expectCleanFailure(
      store, ["create", "--insecure-registry", proxy.host, "docker://\(proxy.host)/debian:12", "x"],
      mentioning: message, environment: Self.environment)
    #expect(Date().timeIntervalSince(started) < 20)
    if fault == .corrupt {
      // As with GrootFS, skipping validation is for local OCI layouts only.
      try CommandTests.expectCleanFailure(
        store,
        [
          "create", "--skip-layer-validation", "--insecure-registry", proxy.host, "docker://\(proxy.host)/debian:12",
          "x",
        ],
        mentioning: message, environment: Self.environment)
    }
    proxy.set(.none)
    let outcome = try Self.create(store, proxy, id: "after")  // and the next try works
    #expect(outcome.status == 0, "\(outcome.stderr)")
  }

  @Test("layers are fetched three at a time, and still inherit parent directories from the layers below")
  func parallelLayers() throws {
    let store = try TestStore()
    let registry = try TestRegistry(in: store.base)
    // The bottom layer is the largest, so the layers above finish unpacking
    // first; they name tmp/ and opt/ only through the files in them.
    var builder = try LayoutBuilder(path: store.base + "/layered")
    var bottom = TarWriter()
    bottom.directory("tmp", mode: 0o1777)
    bottom.directory("opt", mode: 0o750)
    bottom.file("big", String(repeating: "x", count: 8 << 20))
    try builder.addLayer(tar: bottom.archive(), compression: "gzip")
    for index in 1...5 {
      var tar = TarWriter()
      tar.file("tmp/file-\(index)", "\(index)")
      tar.file("opt/app/file-\(index)", "\(index)")
      try builder.addLayer(tar: tar.archive(), compression: "gzip")
    }
    try builder.finish()
    try registry.push(builder.path + ":latest", as: "layered:latest")
    let proxy = try FaultProxy(upstream: registry.port)
    proxy.set(.slow(milliseconds: 300))
    let outcome = try store.groot(
      ["create", "--insecure-registry", proxy.host, "docker://\(proxy.host)/layered", "p"],
      environment: Self.environment)
    #expect(outcome.status == 0, "\(outcome.stderr)")
    #expect((2...3).contains(proxy.mostConcurrentBlobs), "\(proxy.mostConcurrentBlobs) blob requests at once")
    let rootfs = store.rootfs("p")
    #expect(try FileManager.default.attributesOfItem(atPath: rootfs + "/tmp")[.posixPermissions] as? Int == 0o1777)
    #expect(try FileManager.default.attributesOfItem(atPath: rootfs + "/opt")[.posixPermissions] as? Int == 0o750)
    #expect(fileExists(rootfs + "/tmp/file-5") && fileExists(rootfs + "/opt/app/file-1") && fileExists(rootfs + "/big"))
  }

  @Test("a long pull draws progress on a terminal, and nothing when stderr is not one")
  func progress() throws {
    let (store, registry, proxy) = try Self.setUp()
    defer { withExtendedLifetime(registry) {} }
    proxy.set(.slow(milliseconds: 1500))
    let image = "docker://\(proxy.host)/debian:12"
    let plain = try store.groot(["create", "--insecure-registry", proxy.host, image, "piped"])
    #expect(plain.status == 0 && plain.stderr.isEmpty, "\(plain.stderr)")
    // script(1) runs groot on a pseudo-terminal and copies what it wrote; a
    // second store, so that the layer is fetched again.
    let second = try TestStore()
    let command = "\(Project.grootBinary) --store \(second.path) create --insecure-registry \(proxy.host) \(image) tty"
    let terminal = try run("/usr/bin/script", ["-qec", command, "/dev/null"])
    #expect(terminal.status == 0, "\(terminal.stdout)")
    #expect(terminal.stdout.contains("groot: pulling \(image): 0/1 layers"), "\(terminal.stdout)")
    #expect(terminal.stdout.contains("\r\u{1B}[K{"), "the line is erased before the JSON")
    #expect(fileExists(second.rootfs("tty") + "/etc/debian_version"))
  }
}
