import Foundation
import GrootFixtures
import GrootOCI
import Testing

/// groot under Garden, as Garden and its BOSH job drive GrootFS: their argument
/// lists, a GrootFS-style config, Garden's OCI images for app containers, and
/// unprivileged containers in a user namespace with Garden's default mappings.
@Suite("Garden")
struct GardenTests {
  static let maximus: UInt32 = 4_294_967_294
  /// garden-runc-release's init_unprivileged_store.
  static let mappingFlags = [
    "--uid-mapping", "0:4294967294:1", "--uid-mapping", "1:1:4294967293",
    "--gid-mapping", "0:4294967294:1", "--gid-mapping", "1:1:4294967293",
  ]

  /// The unprivileged store's config, as the BOSH job's grootfs_config.yml.erb writes it.
  static func writeConfig(_ store: TestStore, certificates: String) throws -> String {
    let path = store.base + "/grootfs_config.yml"
    try """
    store: \(store.path)
    tardis_bin: /var/vcap/packages/grootfs/bin/tardis
    newuidmap_bin: /var/vcap/packages/garden-idmapper/bin/newuidmap
    newgidmap_bin: /var/vcap/packages/garden-idmapper/bin/newgidmap
    log_level: error
    log_timestamp_format: rfc3339

    create:
      without_mount: false
      insecure_registries: []
      skip_layer_validation: true
      clean_log_file: "\(store.base)/groot.clean.log"
      remote_layer_client_certificates_path: \(certificates)

    """.write(toFile: path, atomically: true, encoding: .utf8)
    return path
  }

  static func owner(_ path: String) throws -> (uid: UInt32, gid: UInt32, mode: UInt32) {
    var st = stat()
    guard lstat(path, &st) == 0 else { throw TestFailure("lstat \(path) failed") }
    return (st.st_uid, st.st_gid, UInt32(st.st_mode & 0o7777))
  }

  /// A cflinuxfs-like rootfs tar: busybox, and /home/vcap owned by vcap (2000).
  static func writeRootfsTar(_ path: String) throws {
    var tar = try FixtureImages.busyboxRootfs(named: "garden-rootfs")
    tar.directory("home/vcap", uid: 2000, gid: 2000)
    try Data(tar.archive()).write(to: URL(fileURLWithPath: path))
  }

  /// Garden's image for an app container with the droplet at `url`, in the
  /// store's depot, as HANDLE; its `oci://` reference.
  static func appImage(_ store: TestStore, droplet url: String, digest: String, handle: String) throws -> String {
    try GardenImageSpec(
      rootfsTar: store.base + "/rootfs.tar", layerURL: url, layerDigest: digest, layerPath: "/home/vcap"
    )
    .write(depot: store.base + "/depot", handle: handle)
  }

  /// A droplet as Diego stages it: ./app/… owned by vcap, gzip-compressed.
  static func droplet(in directory: String) throws -> (file: String, digest: String) {
    var tar = TarWriter()
    tar.directory("./", uid: 2000, gid: 2000)
    tar.directory("./app", uid: 2000, gid: 2000)
    tar.file("./app/run.sh", "#!/bin/sh\necho droplet\n", mode: 0o755, uid: 2000, gid: 2000)
    tar.file("./staging_info.yml", "detected_buildpack: binary\n", uid: 2000, gid: 2000)
    let gzip = try LayoutBuilder.compress(tar.archive(), with: "gzip", scratch: directory + "/.droplet")
    let file = directory + "/droplet.tgz"
    try Data(gzip).write(to: URL(fileURLWithPath: file))
    return (file, Digest(of: gzip).hex)
  }

  @Test("an app container: preloaded+layer image, remote droplet over mutual TLS, runc in a user namespace")
  func appContainer() throws {
    let store = try TestStore(initialize: false)
    let blobstore = try TLSBlobstore(in: store.base)
    let config = try Self.writeConfig(store, certificates: blobstore.clientCertificates)
    let initialized = try run(Project.grootBinary, ["--config", config, "init-store"] + Self.mappingFlags)
    #expect(initialized.status == 0, "\(initialized.stdout)")

    try Self.writeRootfsTar(store.base + "/rootfs.tar")
    let droplet = try Self.droplet(in: blobstore.root)
    let image = try Self.appImage(
      store, droplet: "https://\(blobstore.host)/droplet.tgz", digest: droplet.digest, handle: "app-handle")
    // Garden's DefaultCommandCreator: extra args, then create IMAGE HANDLE.
    let created = try run(Project.grootBinary, ["--config", config, "create", image, "app-handle"])
    #expect(created.status == 0, "\(created.stdout)")
    let spec = try JSONSerialization.jsonObject(with: Data(created.stdout.utf8)) as! [String: Any]

    // Container root writes in /, the droplet is under /home/vcap, owned by vcap.
    let outcome = try RuncTests.runInContainer(
      spec,
      args: [
        "/bin/sh", "-c", "echo hi > /newfile && id -u && /home/vcap/app/run.sh && stat -c %u:%g /home/vcap/app/run.sh",
      ], in: store.base, userNamespace: RuncTests.gardenMappings)
    #expect(outcome.status == 0, "\(outcome.stderr)")
    #expect(outcome.stdout == "0\ndroplet\n2000:2000\n", "\(outcome.stdout)")
    let imageDirectory = store.path + "/images/app-handle"
    #expect(try Self.owner(imageDirectory + "/diff/newfile").uid == Self.maximus)
    for path in [
      store.path, imageDirectory, imageDirectory + "/diff", imageDirectory + "/workdir", imageDirectory + "/rootfs",
    ] {
      let owner = try Self.owner(path)
      #expect(owner.uid == Self.maximus && owner.gid == Self.maximus, "\(path): \(owner)")
    }
    #expect(try Self.owner(store.path).mode == 0o700)
    // The droplet's files on the host carry vcap's id, mapped 1:1.
    let layers = try FileManager.default.contentsOfDirectory(atPath: store.path + "/layers")
    let dropletLayer = try #require(layers.first { fileExists(store.path + "/layers/\($0)/diff/home/vcap/app/run.sh") })
    #expect(try Self.owner(store.path + "/layers/\(dropletLayer)/diff/home/vcap/app/run.sh").uid == 2000)

    // Metrics and destroy, as Garden calls them.
    let stats = try run(Project.grootBinary, ["--config", config, "stats", "app-handle"])
    let usage = try JSONSerialization.jsonObject(with: Data(stats.stdout.utf8)) as! [String: [String: Int]]
    #expect(
      Set(usage["disk_usage"]!.keys) == [
        "total_bytes_used", "exclusive_bytes_used", "quota_size_bytes", "committed_space_bytes",
      ])
    let deleted = try run(Project.grootBinary, ["--config", config, "delete", "app-handle"])
    #expect(deleted.stdout == "Image app-handle deleted\n" && deleted.status == 0)
    // Garden destroys through the privileged plugin too: its store has no such image.
    let privileged = try run(Project.grootBinary, ["--store", store.base + "/privileged", "delete", "app-handle"])
    #expect(privileged.status == 0 && privileged.stdout == "Image `app-handle` not found. Skipping delete.\n")
  }

  @Test("a remote layer is verified: a droplet that is not what its digest says is refused, nothing left")
  func remoteLayerVerified() throws {
    let store = try TestStore(initialize: false)
    let blobstore = try TLSBlobstore(in: store.base)
    let config = try Self.writeConfig(store, certificates: blobstore.clientCertificates)
    #expect(try run(Project.grootBinary, ["--config", config, "init-store"]).status == 0)
    try Self.writeRootfsTar(store.base + "/rootfs.tar")
    let droplet = try Self.droplet(in: blobstore.root)
    let wrong = String(repeating: "0", count: 64)
    let image = try Self.appImage(
      store, droplet: "https://\(blobstore.host)/droplet.tgz", digest: wrong, handle: "tampered")
    try CommandTests.expectCleanFailure(
      store, ["--config", config, "create", image, "tampered"], mentioning: "digest mismatch", keepingLayers: true,
      logging: true)
    // Without the client certificate the blobstore refuses the connection.
    let noCertificates = try Self.writeConfig(store, certificates: store.base + "/no-such-dir")
    let goodImage = try Self.appImage(
      store, droplet: "https://\(blobstore.host)/droplet.tgz", digest: droplet.digest, handle: "no-cert")
    let refused = try run(Project.grootBinary, ["--config", noCertificates, "create", goodImage, "no-cert"])
    #expect(refused.status == 1 && refused.stdout.contains("droplet.tgz"), "\(refused.stdout)")

    // Plain HTTP works as well, still verified.
    let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: droplet.file)))
    let http = try LoopbackServer { fd in
      _ = LoopbackServer.readHead(fd)
      LoopbackServer.respond(fd, status: "200 OK", body: bytes)
    }
    let plainImage = try Self.appImage(
      store, droplet: "http://\(http.host)/droplet.tgz", digest: droplet.digest, handle: "plain")
    let plain = try run(Project.grootBinary, ["--config", config, "create", plainImage, "plain"])
    #expect(plain.status == 0, "\(plain.stdout)")
    #expect(fileExists(store.path + "/images/plain/rootfs/home/vcap/app/run.sh"))
  }

  @Test("init-store: mappings make the store 0700 and owned by maximus; other mappings, and non-root, are refused")
  func unprivilegedStore() throws {
    let store = try TestStore(initialize: false)
    #expect(try store.groot(["init-store"] + Self.mappingFlags).status == 0)
    let owner = try Self.owner(store.path)
    #expect(owner.uid == Self.maximus && owner.gid == Self.maximus && owner.mode == 0o700)
    #expect(try store.groot(["init-store"] + Self.mappingFlags).status == 0)  // the same again: fine
    let other = try store.groot("init-store", "--uid-mapping", "0:100000:65536", "--gid-mapping", "0:100000:65536")
    #expect(other.status == 1)
    #expect(other.stdout == "provided UID mappings do not match those already configured in the store\n")
    let nonRoot = try run(
      "/usr/bin/setpriv",
      [
        "--reuid=65534", "--regid=65534", "--clear-groups", Project.grootBinary, "--store", store.base + "/other",
        "init-store",
      ])
    #expect(nonRoot.status == 1)
    #expect(nonRoot.stdout == "store \(store.base)/other can only be initialized by Root user\n")
    #expect(!fileExists(store.base + "/other"))
  }
}

/// `openssl s_server -WWW` on 127.0.0.1: files from a directory over HTTPS, only
/// to clients with a certificate signed by the test's CA (Garden's blobstore
/// with mutual TLS). Writes the client side as Garden's BOSH job lays it out:
/// remote-layer.crt (CA), remote-layer.cert and remote-layer.key.
final class TLSBlobstore: @unchecked Sendable {
  let root: String
  let clientCertificates: String
  private(set) var port = 0
  private var process = Process()
  var host: String { "127.0.0.1:\(port)" }

  init(in base: String) throws {
    let directory = base + "/blobstore"
    root = directory + "/www"
    clientCertificates = directory + "/client"
    try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
    try FileManager.default.createDirectory(atPath: clientCertificates, withIntermediateDirectories: true)
    try TestRegistry.makeCertificates(in: directory)
    let client = try sh(
      """
      set -e; cd \(directory)
      openssl req -newkey rsa:2048 -nodes -subj /CN=garden -keyout client.key -out client.csr 2>/dev/null
      openssl x509 -req -in client.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 -out client.pem 2>/dev/null
      cp ca.pem client/remote-layer.crt && cp client.pem client/remote-layer.cert && cp client.key client/remote-layer.key
      """)
    guard client.status == 0 else { throw TestFailure("client certificate: \(client.stderr)") }
    for _ in 0..<5 {
      port = Int.random(in: 20000...60000)
      process = Process()
      process.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
      process.arguments = [
        "s_server", "-accept", host, "-cert", directory + "/server.pem", "-key", directory + "/server.key",
        "-CAfile", directory + "/ca.pem", "-Verify", "1", "-WWW", "-quiet",
      ]
      process.currentDirectoryURL = URL(fileURLWithPath: root)
      process.standardOutput = FileHandle.nullDevice
      process.standardError = FileHandle.nullDevice
      try process.run()
      let deadline = Date().addingTimeInterval(10)
      while process.isRunning && LoopbackServer.connect(port: port).map({ close($0) }) == nil && Date() < deadline {
        usleep(50_000)
      }
      if process.isRunning { return }
    }
    throw TestFailure("openssl s_server did not start")
  }

  deinit {
    // SIGKILL: the test process's blocked-signal mask is inherited, SIGTERM with it.
    kill(process.processIdentifier, SIGKILL)
    process.waitUntilExit()
  }
}
