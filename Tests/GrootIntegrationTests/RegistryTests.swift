import Foundation
import GrootFixtures
import GrootTelemetry
import Testing

/// docker:// images from Debian's docker-registry, pushed with skopeo.
@Suite("Registry pulls")
struct RegistryTests {
  static func lastEvent(_ store: TestStore) throws -> Event {
    let journal = Journal(store: store.path)
    let text = try String(contentsOfFile: journal.segmentPath(journal.segments().last!), encoding: .utf8)
    return try JSONDecoder().decode(Event.self, from: Data(text.split(separator: "\n").last!.utf8))
  }

  @Test("plain HTTP: create, run with runc, pull by digest, reuse layers already in the store")
  func plainHTTP() throws {
    let store = try TestStore()
    let registry = try TestRegistry(in: store.base)
    try registry.push(Project.image(.debian), as: "debian:12")
    let insecure = ["--insecure-registry", registry.host]
    let spec = try store.create("docker://\(registry.host)/debian:12", "a", insecure)
    let outcome = try RuncTests.runInContainer(spec, args: ["/bin/cat", "/etc/debian_version"], in: store.base)
    #expect(outcome.stdout == Project.debianVersion, "\(outcome.stderr)")
    let first = try Self.lastEvent(store)
    let blobBytes = try LayoutLayers(ofLayout: Project.image(.debian)).blobSizes[0]
    #expect(first.layersUnpacked == 1 && first.bytesFetched == blobBytes)

    let digest = try sh(
      "curl -sI -H 'Accept: application/vnd.oci.image.manifest.v1+json' http://\(registry.host)/v2/debian/manifests/12 | grep -i docker-content-digest | cut -d' ' -f2 | tr -d '\\r'"
    ).stdout
      .trimmingCharacters(in: .whitespacesAndNewlines)
    _ = try store.create("docker://\(registry.host)/debian@\(digest)", "pinned", insecure)
    let second = try Self.lastEvent(store)
    #expect(second.layersReused == 1 && second.layersUnpacked == 0 && second.bytesFetched == 0)
    #expect(fileExists(store.rootfs("pinned") + "/etc/debian_version"))
  }

  @Test("unknown image or tag: one line, nothing left behind")
  func unknown() throws {
    let store = try TestStore()
    let registry = try TestRegistry(in: store.base)
    try registry.push(Project.image(.busybox), as: "busybox:1.25")
    for image in ["docker://\(registry.host)/busybox:nope", "docker://\(registry.host)/nothing:1"] {
      try CommandTests.expectCleanFailure(
        store, ["create", "--insecure-registry", registry.host, image, "x"], mentioning: "image not found")
    }
  }

  @Test("TLS is verified: refused without the CA, accepted with --registry-ca-file")
  func tls() throws {
    let store = try TestStore()
    let registry = try TestRegistry(in: store.base, mode: .tls)
    try registry.push(Project.image(.busybox), as: "busybox:1.25", tls: true)
    try CommandTests.expectCleanFailure(
      store, ["create", "docker://\(registry.host)/busybox:1.25", "x"], mentioning: "certificate is not trusted")
    let spec = try store.create(
      "docker://\(registry.host)/busybox:1.25", "x", ["--registry-ca-file", registry.caFile])
    let outcome = try RuncTests.runInContainer(spec, args: ["/bin/busybox", "echo", "tls"], in: store.base)
    #expect(outcome.stdout == "tls\n", "\(outcome.stderr)")
  }

  /// Pushes busybox to a registry that requires credentials; a create without
  /// them, and one with a wrong password, fail cleanly. Returns the image and
  /// the --insecure-registry arguments.
  static func expectCredentialsRequired(_ store: TestStore, _ registry: TestRegistry) throws -> (String, [String]) {
    try registry.push(Project.image(.busybox), as: "busybox:1.25", auth: true)
    let image = "docker://\(registry.host)/busybox:1.25"
    let insecure = ["--insecure-registry", registry.host]
    try CommandTests.expectCleanFailure(
      store, ["create"] + insecure + [image, "x"], mentioning: "requires credentials")
    try CommandTests.expectCleanFailure(
      store, ["create"] + insecure + ["--username", TestRegistry.username, "--password", "wrong", image, "x"],
      mentioning: "credentials refused")
    return (image, insecure)
  }

  @Test("htpasswd Basic auth: credentials required, refused when wrong, never logged")
  func basicAuth() throws {
    let store = try TestStore()
    let registry = try TestRegistry(in: store.base, mode: .basicAuth)
    let (image, insecure) = try Self.expectCredentialsRequired(store, registry)
    let log = store.base + "/debug.log"
    let outcome = try store.groot(
      ["--log-level", "debug", "--log-file", log, "create"] + insecure
        + ["--username", TestRegistry.username, "--password", TestRegistry.password, image, "x"])
    #expect(outcome.status == 0, "\(outcome.stderr)")
    #expect(fileExists(store.rootfs("x") + "/bin/busybox"))
    let everything = try sh("cat \(log) \(store.path)/events/*.log").stdout
    #expect(!everything.contains(TestRegistry.password))
    #expect(!everything.contains(Data("\(TestRegistry.username):\(TestRegistry.password)".utf8).base64EncodedString()))
  }

  @Test("token auth: Bearer tokens from the realm the challenge names, for the repository's pull scope")
  func tokenAuth() throws {
    let store = try TestStore()
    let tokens = try TokenServer(in: store.base)
    let registry = try TestRegistry(in: store.base, mode: .token(tokens))
    let (image, insecure) = try Self.expectCredentialsRequired(store, registry)
    let before = tokens.requests.count
    let spec = try store.create(
      image, "x", insecure + ["--username", TestRegistry.username, "--password", TestRegistry.password])
    let outcome = try RuncTests.runInContainer(spec, args: ["/bin/busybox", "echo", "token"], in: store.base)
    #expect(outcome.stdout == "token\n", "\(outcome.stderr)")
    let asked = tokens.requests[before...]
    #expect(asked.count == 1)  // one token serves the manifest, config and layer
    #expect(asked.first?.authorized == true)
    #expect(asked.first?.query["scope"] == "repository:busybox:pull")
    #expect(asked.first?.query["service"] == TokenServer.service)
  }

  /// Pushes a multi-platform index (nested in the layout's index.json, as skopeo
  /// --all expects) with one single-file image per architecture.
  static func pushMultiPlatform(
    _ architectures: [String], as name: String, to registry: TestRegistry, in base: String
  ) throws {
    let path = base + "/multi-\(name)"
    var entries: [[String: Any]] = []
    for architecture in architectures {
      var builder = try LayoutBuilder(path: path)
      var tar = TarWriter()
      tar.file("arch", architecture)
      try builder.addLayer(tar: tar.archive(), compression: "gzip")
      let digest = try builder.finish(tag: nil)
      let size = try FileManager.default.attributesOfItem(atPath: "\(path)/blobs/sha256/\(digest.hex)")[.size] as! Int
      entries.append([
        "mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": "\(digest)", "size": size,
        "platform": ["architecture": architecture, "os": "linux"],
      ])
    }
    let nested = try JSONSerialization.data(
      withJSONObject: [
        "schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json", "manifests": entries,
      ])
    let builder = try LayoutBuilder(path: path)
    let nestedDigest = try builder.putBlob(Array(nested))
    let index: [String: Any] = [
      "schemaVersion": 2,
      "manifests": [
        [
          "mediaType": "application/vnd.oci.image.index.v1+json", "digest": "\(nestedDigest)", "size": nested.count,
          "annotations": ["org.opencontainers.image.ref.name": "multi"],
        ]
      ],
    ]
    try JSONSerialization.data(withJSONObject: index).write(to: URL(fileURLWithPath: path + "/index.json"))
    try registry.push(path + ":multi", as: name + ":latest", all: true)
  }

  @Test("a multi-platform index resolves to linux/amd64; one without it is refused in one line")
  func multiPlatform() throws {
    let store = try TestStore()
    let registry = try TestRegistry(in: store.base)
    try Self.pushMultiPlatform(["arm64", "amd64", "s390x"], as: "multi", to: registry, in: store.base)
    _ = try store.create("docker://\(registry.host)/multi", "m", ["--insecure-registry", registry.host])
    #expect(try String(contentsOfFile: store.rootfs("m") + "/arch", encoding: .utf8) == "amd64")

    #expect(try store.groot("delete", "m").status == 0)
    try Self.pushMultiPlatform(["arm64", "ppc64le"], as: "foreign", to: registry, in: store.base)
    try CommandTests.expectCleanFailure(
      store, ["create", "--insecure-registry", registry.host, "docker://\(registry.host)/foreign", "f"],
      mentioning: "has no manifest for linux/amd64")
  }

  @Test("concurrent creates of one image download and unpack each layer once")
  func concurrentPulls() throws {
    let store = try TestStore()
    let registry = try TestRegistry(in: store.base)
    // Four gzip layers, generated (grootfs-busybox's declared config size is off
    // by one, which skopeo refuses to push).
    var builder = try LayoutBuilder(path: store.base + "/four")
    for index in 1...4 {
      var tar = TarWriter()
      tar.file("file-\(index)", String(repeating: "\(index)", count: 100_000))
      try builder.addLayer(tar: tar.archive(), compression: "gzip")
    }
    try builder.finish()
    try registry.push(builder.path + ":latest", as: "groot:latest")
    let logs = (0..<4).map { store.base + "/pull-\($0).log" }
    DispatchQueue.concurrentPerform(iterations: 4) { index in
      _ = try? store.groot(
        "--log-level", "debug", "--log-file", logs[index], "create", "--insecure-registry", registry.host,
        "docker://\(registry.host)/groot", "g\(index)")
    }
    let unpacked = try logs.map { try String(contentsOfFile: $0, encoding: .utf8) }.joined()
      .split(separator: "\n").filter { $0.contains("layer-unpacked") }
    #expect(unpacked.count == 4)
    for index in 0..<4 { #expect(fileExists(store.rootfs("g\(index)") + "/file-4")) }
  }
}
