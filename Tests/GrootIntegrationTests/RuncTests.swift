import Foundation
import GrootFixtures
import Testing

/// runc runs a process on the root filesystems `create` makes.
@Suite("runc")
struct RuncTests {
  /// Garden's default mappings for unprivileged containers: container root is
  /// the host's maximus (4294967294), every other id maps to itself.
  static var gardenMappings: [[String: Any]] {
    [["containerID": 0, "hostID": 4_294_967_294, "size": 1], ["containerID": 1, "hostID": 1, "size": 4_294_967_293]]
  }

  /// Writes a runc bundle from `create`'s JSON and runs `args` in it; with
  /// `userNamespace`, in a user namespace with those uid and gid mappings.
  static func runInContainer(
    _ spec: [String: Any], args: [String], in base: String, userNamespace: [[String: Any]]? = nil
  ) throws -> Outcome {
    let bundle = base + "/bundle-\(UUID().uuidString.prefix(6))"
    try FileManager.default.createDirectory(atPath: bundle, withIntermediateDirectories: true)
    try #require(try run("/usr/sbin/runc", ["spec", "--bundle", bundle]).status == 0)
    var config =
      try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: bundle + "/config.json")))
      as! [String: Any]
    var process = config["process"] as! [String: Any]
    process["terminal"] = false
    process["args"] = args
    process["env"] = (spec["process"] as? [String: Any])?["env"] ?? []
    config["process"] = process
    config["root"] = ["path": (spec["root"] as! [String: Any])["path"]!, "readonly": false]
    if let mappings = userNamespace {
      var linux = config["linux"] as! [String: Any]
      linux["namespaces"] = (linux["namespaces"] as! [[String: Any]]) + [["type": "user"]]
      linux["uidMappings"] = mappings
      linux["gidMappings"] = mappings
      config["linux"] = linux
      // sysfs cannot be mounted from a user namespace that does not own the
      // network namespace's: bind the host's, read-only, as rootless runc does.
      config["mounts"] = (config["mounts"] as! [[String: Any]]).map { mount in
        guard mount["destination"] as? String == "/sys" else { return mount }
        return [
          "destination": "/sys", "type": "none", "source": "/sys",
          "options": ["rbind", "nosuid", "noexec", "nodev", "ro"],
        ]
      }
    }
    try JSONSerialization.data(withJSONObject: config).write(to: URL(fileURLWithPath: bundle + "/config.json"))
    let id = "groot-test-\(UUID().uuidString.prefix(8).lowercased())"
    defer { _ = try? run("/usr/sbin/runc", ["delete", "--force", id]) }
    return try run("/usr/sbin/runc", ["run", "--bundle", bundle, id])
  }

  @Test("debian: dynamically linked cat reads /etc/debian_version")
  func debian() throws {
    let store = try TestStore()
    let spec = try store.create("oci://\(Project.image(.debian))", "debian")
    let outcome = try Self.runInContainer(spec, args: ["/bin/cat", "/etc/debian_version"], in: store.base)
    #expect(outcome.status == 0, "\(outcome.stderr)")
    #expect(outcome.stdout == Project.debianVersion)
  }

  @Test("busybox: a shell pipeline and a write to the upper dir")
  func busybox() throws {
    let store = try TestStore()
    let spec = try store.create("oci://\(Project.image(.busybox))", "bb")
    let outcome = try Self.runInContainer(
      spec, args: ["/bin/sh", "-c", "echo hello from busybox > /tmp/greeting && cat /tmp/greeting"], in: store.base)
    #expect(outcome.status == 0, "\(outcome.stderr)")
    #expect(outcome.stdout == "hello from busybox\n")
    // What the container wrote landed in the image's upper dir, not in a layer.
    #expect(fileExists(store.path + "/images/bb/diff/tmp/greeting"))
  }

  @Test("a local rootfs directory (busybox-static) runs")
  func localDirectory() throws {
    let store = try TestStore()
    let rootfs = store.base + "/local-rootfs"
    try sh("mkdir -p \(rootfs)/bin && cp /bin/busybox \(rootfs)/bin/busybox && ln -s busybox \(rootfs)/bin/sh")
    let spec = try store.create(rootfs, "local")
    let outcome = try Self.runInContainer(spec, args: ["/bin/sh", "-c", "echo local ok"], in: store.base)
    #expect(outcome.stdout == "local ok\n", "\(outcome.stderr)")
  }
}
