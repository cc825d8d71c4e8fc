import Foundation
import Testing

/// A registry behind a proxy that fails on purpose: each fault ends in success
/// after a retry, or in a one-line error with nothing left behind.
@Suite("Registry faults")
struct RegistryFaultTests {
  static let environment = ["GROOT_REGISTRY_STALL_TIMEOUT": "2"]

  static func setUp() throws -> (TestStore, TestRegistry, FaultProxy) {
    let store = try TestStore()
    let registry = try TestRegistry(in: store.base)
    try registry.push(Project.image("alpine"), as: "alpine:3.19")
    return (store, registry, try FaultProxy(upstream: registry.port))
  }

  static func create(_ store: TestStore, _ proxy: FaultProxy, id: String) throws -> Outcome {
    try store.groot(
      ["create", "--insecure-registry", proxy.host, "docker://\(proxy.host)/alpine:3.19", id], environment: environment)
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
    #expect(fileExists(store.rootfs("retried") + "/etc/alpine-release"))
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
      store, ["create", "--insecure-registry", proxy.host, "docker://\(proxy.host)/alpine:3.19", "x"],
      mentioning: message, environment: Self.environment)
    #expect(Date().timeIntervalSince(started) < 20)
    proxy.set(.none)
    let outcome = try Self.create(store, proxy, id: "after")  // and the next try works
    #expect(outcome.status == 0, "\(outcome.stderr)")
  }
}
