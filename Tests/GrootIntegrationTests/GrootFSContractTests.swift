import Foundation
import GrootFixtures
import Testing

/// GrootFS's command contract, as its integration tests and Garden's BOSH job use
/// it: flags, config keys, outputs and messages (docs/grootfs-compat.md).
@Suite("GrootFS contract")
struct GrootFSContractTests {
  @Test("every GrootFS global flag, create flag and config key is accepted")
  func everyFlagAndKey() throws {
    let store = try TestStore(initialize: false)
    let config = store.base + "/every-key.yml"
    try """
    store: \(store.path)
    tardis_bin: /var/vcap/packages/grootfs/bin/tardis
    newuidmap_bin: /var/vcap/packages/garden-idmapper/bin/newuidmap
    newgidmap_bin: /var/vcap/packages/garden-idmapper/bin/newgidmap
    metron_endpoint: 127.0.0.1:3457
    log_level: ""
    log_file: ""
    log_timestamp_format: unix-epoch
    create:
      exclude_image_from_quota: false
      skip_layer_validation: false
      with_clean: false
      clean_log_file: \(store.base)/clean.log
      without_mount: false
      disk_limit_size_bytes: 0
      insecure_registries: ["127.0.0.1:5000"]
      remote_layer_client_certificates_path: /var/vcap/jobs/garden/certs
    clean:
      threshold_bytes: 0
    init:
      store_size_bytes: 0
      owneruser: vcap
      ownergroup: vcap
      with_direct_io: false
    """.write(toFile: config, atomically: true, encoding: .utf8)
    let global = [
      "--config", config, "--tardis-bin", "/bin/true", "--newuidmap-bin", "/bin/true", "--newgidmap-bin", "/bin/true",
      "--metron-endpoint", "127.0.0.1:3457", "--log-level", "",
    ]
    for arguments in [
      ["init-store"], ["generate-volume-size-metadata"],
      [
        "create", "--with-mount", "--without-clean", "--threshold-bytes", "0", "--clean-log-file",
        store.base + "/c.log",
        "--insecure-registry", "127.0.0.1:5000", "--username", "u", "--password", "p", "--skip-layer-validation",
        "--disk-limit-size-bytes", "0", Project.reference(.busybox), "every-flag",
      ],
      ["stats", "every-flag"], ["list"], ["capacity"], ["clean", "--threshold-bytes", "0"], ["delete", "every-flag"],
    ] {
      let outcome = try run(Project.grootBinary, global + arguments)
      #expect(outcome.status == 0, "\(arguments): \(outcome.stdout)")
      #expect(outcome.stderr.isEmpty, "\(arguments): \(outcome.stderr)")  // empty log level: GrootFS's fatal
    }
    let version = try run(Project.grootBinary, ["--version"])
    #expect(version.status == 0 && version.stdout.hasPrefix("groot version "))
  }

  @Test("log levels: any case, empty means fatal, --log-file means info; lager JSON in either timestamp format")
  func logging() throws {
    let store = try TestStore()
    for level in ["DEBUG", "Info", "error"] {
      #expect(try store.groot("--log-level", level, "list").status == 0)
    }
    let bad = try store.groot("--log-level", "loud", "list")
    #expect(bad.status == 1 && bad.stdout == "invalid log level 'loud': use debug, info, error or fatal\n")
    let logFile = store.base + "/groot.log"
    _ = try store.create(Project.reference(.busybox), "logged", ["--log-file", logFile])
    let lines = try String(contentsOfFile: logFile, encoding: .utf8).split(separator: "\n")
    let created = try #require(lines.last { $0.contains("grootfs.create.image-created") })
    let entry = try JSONSerialization.jsonObject(with: Data(created.utf8)) as! [String: Any]
    #expect(entry["source"] as? String == "grootfs" && entry["level"] as? String == "info")
    let timestamp = try #require(entry["timestamp"] as? String)
    #expect(timestamp.range(of: #"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$"#, options: .regularExpression) != nil)
    #expect((entry["data"] as? [String: String])?["id"] == "logged")

    let config = store.base + "/epoch.yml"
    try "store: \(store.path)\nlog_level: info\nlog_timestamp_format: unix-epoch\n"
      .write(toFile: config, atomically: true, encoding: .utf8)
    let deleted = try run(Project.grootBinary, ["--config", config, "delete", "logged"])
    let epoch = try JSONSerialization.jsonObject(with: Data(deleted.stderrLines.last!.utf8)) as! [String: Any]
    #expect(epoch["log_level"] as? Int == 1 && epoch["message"] as? String == "grootfs.delete.image-deleted")
    #expect((epoch["timestamp"] as? String)?.range(of: #"^\d{10}\.\d{9}$"#, options: .regularExpression) != nil)
  }

  @Test("delete: GrootFS's lines, and a skip (exit 0) for what it cannot find")
  func delete() throws {
    let store = try TestStore()
    _ = try store.create(Project.reference(.busybox), "handle with spaces")
    let deleted = try store.groot("delete", "handle with spaces")
    #expect(deleted.status == 0 && deleted.stdout == "Image handle with spaces deleted\n")
    for (argument, line) in [
      ("gone", "Image `gone` not found. Skipping delete.\n"),
      (
        "/not/in/the/store/images/x/rootfs",
        "path `/not/in/the/store/images/x/rootfs` is outside store path Skipping delete.\n"
      ),
    ] {
      let skipped = try store.groot("delete", argument)
      #expect(skipped.status == 0 && skipped.stdout == line, "\(skipped.stdout)")
    }
    let noStore = try run(Project.grootBinary, ["--store", store.base + "/none", "delete", "x"])
    #expect(noStore.status == 0 && noStore.stdout == "Image `x` not found. Skipping delete.\n")
    #expect(!fileExists(store.base + "/none"))
  }

  @Test("clean prints GrootFS's lines (JSON behind --json) and a missing store is not a failure")
  func clean() throws {
    let store = try TestStore()
    _ = try store.create(Project.reference(.empty), "e")
    #expect(try store.groot("delete", "e").status == 0)
    #expect(
      try store.groot("clean", "--threshold-bytes", "1000000000").stdout == "threshold not reached: skipping clean\n")
    #expect(try FileManager.default.contentsOfDirectory(atPath: store.path + "/layers").count == 2)
    #expect(try store.groot("clean").stdout == "clean completed\n")
    #expect(try FileManager.default.contentsOfDirectory(atPath: store.path + "/layers").isEmpty)
    let json = try store.groot("clean", "--json")
    #expect(json.stdout.hasPrefix("{") && json.stdout.contains("\"layers_removed\":0"))
    let missing = try run(Project.grootBinary, ["--store", store.base + "/none", "clean"])
    #expect(missing.status == 0 && missing.stdout == "no store found at \(store.base)/none\n")
    let negative = try store.groot("clean", "--threshold-bytes", "-1")
    #expect(negative.status == 1 && negative.stdout == "invalid argument: clean threshold cannot be negative\n")
  }

  @Test("capacity is init.store_size_bytes where the config gives it, else the store's size")
  func capacity() throws {
    let store = try TestStore()
    let measured = try store.groot("capacity").stdout
    #expect(measured.hasPrefix("{\"capacity\":") && measured != "{\"capacity\":0}\n")
    let config = store.base + "/sized.yml"
    try "store: \(store.path)\ninit:\n  store_size_bytes: 600000000\n".write(
      toFile: config, atomically: true, encoding: .utf8)
    #expect(try run(Project.grootBinary, ["--config", config, "capacity"]).stdout == "{\"capacity\":600000000}\n")
  }

  @Test("stats: quota and committed space, as GrootFS computes them")
  func statsWithQuota() throws {
    let store = try TestStore(backingBytes: 400_000_000)
    let limit = 20_000_000
    _ = try store.create(Project.reference(.busybox), "q", ["--disk-limit-size-bytes", "\(limit)"])
    _ = try store.create(
      Project.reference(.busybox), "x", ["--disk-limit-size-bytes", "\(limit)", "--exclude-image-from-quota"])
    let image = Int(
      try sh("du -sB1 \(store.path)/layers | cut -f1").stdout.trimmingCharacters(in: .whitespacesAndNewlines))!
    func usage(_ id: String) throws -> [String: Int] {
      let json = try JSONSerialization.jsonObject(with: Data(try store.groot("stats", id).stdout.utf8))
      return (json as! [String: [String: Int]])["disk_usage"]!
    }
    let inclusive = try usage("q")
    // The container may write the limit less the image; committed: the whole limit.
    #expect(abs(inclusive["quota_size_bytes"]! - (limit - image)) < 65536, "\(inclusive) \(image)")
    #expect(
      inclusive["committed_space_bytes"] == inclusive["quota_size_bytes"]! + inclusive["total_bytes_used"]! - inclusive[
        "exclusive_bytes_used"]!)
    let exclusive = try usage("x")
    #expect(exclusive["quota_size_bytes"] == limit)
  }

  @Test("--without-mount prints GrootFS's mount: one options string, its directory names")
  func withoutMountShape() throws {
    let store = try TestStore()
    let spec = try store.create(Project.reference(.busybox), "m", ["--without-mount"])
    let mount = try #require((spec["mounts"] as? [[String: Any]])?.first)
    let options = try #require(mount["options"] as? [String])
    #expect(options.count == 1)
    #expect(options[0].hasPrefix("lowerdir=\(store.path)/overlay/l/"))
    #expect(options[0].hasSuffix(",upperdir=\(store.path)/images/m/diff,workdir=\(store.path)/images/m/workdir"))
    #expect(mount["destination"] as? String == "/" && mount["type"] as? String == "overlay")
    #expect(mount["source"] as? String == "overlay")
  }

  @Test("init-store --with-direct-io sets direct I/O on the backing store's loop device, and again without unsets it")
  func directIO() throws {
    let store = try TestStore(initialize: false)
    func dio() throws -> String {
      let device = try sh("findmnt -n -o SOURCE \(store.path)").stdout.trimmingCharacters(in: .whitespacesAndNewlines)
      return try String(contentsOfFile: "/sys/block/\(device.dropFirst("/dev/".count))/loop/dio", encoding: .utf8)
    }
    #expect(try store.groot("init-store", "--store-size-bytes", "300000000", "--with-direct-io").status == 0)
    #expect(try dio() == "1\n")
    #expect(try store.groot("init-store").status == 0)
    #expect(try dio() == "0\n")
  }

  @Test("delete-store removes only stores: a directory, a file and an empty path are left byte for byte")
  func deleteStoreRefusesNonStores() throws {
    let store = try TestStore(initialize: false)
    let directory = store.base + "/precious"
    try sh("mkdir -p \(directory)/sub && echo data > \(directory)/sub/file && echo top > \(directory)/top")
    let file = store.base + "/precious.txt"
    try "keep me".write(toFile: file, atomically: true, encoding: .utf8)
    let before = try sh(
      "cd \(store.base) && find . -printf '%p %y %s %m\\n' | sort && md5sum precious.txt precious/top precious/sub/file"
    ).stdout
    for (path, text) in [
      (directory, "refusing to delete \(directory): it is not a groot store (no store.json)"),
      (file, "refusing to delete \(file): it is not a groot store (not a directory)"),
      ("", "--store must not be empty: name the store directory"),
    ] {
      let outcome = try run(Project.grootBinary, ["--store", path, "delete-store"], cwd: store.base)
      #expect(outcome.status == 1, "\(path)")
      #expect(outcome.stdout.hasPrefix(text), "\(outcome.stdout)")
    }
    let after = try sh(
      "cd \(store.base) && find . -printf '%p %y %s %m\\n' | sort && md5sum precious.txt precious/top precious/sub/file"
    ).stdout
    #expect(after == before)
    // A path that does not exist: nothing to do (GrootFS's "store-not-found").
    #expect(try run(Project.grootBinary, ["--store", store.base + "/none", "delete-store"]).status == 0)
  }

  @Test("a GrootFS store is refused with the way to migrate, and delete-store removes it")
  func grootfsStore() throws {
    let store = try TestStore(initialize: false)
    try sh(
      "mkdir -p \(store.path)/volumes/abc \(store.path)/meta \(store.path)/images/old/rootfs \(store.path)/l \(store.path)/locks \(store.path)/tmp && echo '{\"uid-mappings\":[],\"gid-mappings\":[]}' > \(store.path)/meta/namespace.json"
    )
    for arguments in [["create", Project.reference(.busybox), "x"], ["init-store"], ["list"]] {
      let outcome = try store.groot(arguments)
      #expect(outcome.status == 1, "\(arguments)")
      #expect(
        outcome.stdout.contains("was made by GrootFS") && outcome.stdout.contains("delete-store"), "\(outcome.stdout)")
    }
    #expect(fileExists(store.path + "/volumes/abc"))
    #expect(try store.groot("delete-store").status == 0)
    #expect(!fileExists(store.path))
    #expect(try store.groot("init-store").status == 0)
  }
}
