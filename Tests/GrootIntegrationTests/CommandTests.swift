import Foundation
import GrootFixtures
import Testing

/// The commands' contract: outputs, errors, and nothing left behind on failure.
@Suite("Commands")
struct CommandTests {
  /// A failed command, as GrootFS fails: exit 1, one line on stdout (Garden shows
  /// it to its users), nothing on stderr at the default log level, store unchanged.
  /// With `keepingLayers`, whole layers unpacked before the failure may stay
  /// (they are a valid cache, as after any create), but nothing else.
  static func expectCleanFailure(
    _ store: TestStore, _ arguments: [String], mentioning text: String, keepingLayers: Bool = false,
    logging: Bool = false, environment: [String: String] = [:], sourceLocation: SourceLocation = #_sourceLocation
  ) throws {
    func snapshot() throws -> [String] {
      let cache = ["./layers", "./l ", "./l/", "./locks"]
      return try store.snapshot().filter { line in !keepingLayers || !cache.contains { line.hasPrefix($0) } }
    }
    let before = try snapshot()
    let outcome = try store.groot(arguments, environment: environment)
    #expect(outcome.status == 1, sourceLocation: sourceLocation)
    #expect(outcome.stdoutLines.count == 1, "\(outcome.stdout)", sourceLocation: sourceLocation)
    #expect(outcome.stdout.contains(text), "\(outcome.stdout)", sourceLocation: sourceLocation)
    if logging {
      // Logs on stderr are lager lines Garden can re-log; the failure is one of them.
      for line in outcome.stderrLines {
        let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
        #expect(object?["source"] as? String == "grootfs", "\(line)", sourceLocation: sourceLocation)
      }
      #expect(outcome.stderr.contains("command-failed"), "\(outcome.stderr)", sourceLocation: sourceLocation)
    } else {
      #expect(outcome.stderr.isEmpty, "\(outcome.stderr)", sourceLocation: sourceLocation)
    }
    #expect(try snapshot() == before, sourceLocation: sourceLocation)
    #expect(try store.mountPoints().isEmpty, sourceLocation: sourceLocation)
  }

  @Test("unknown image")
  func unknownImage() throws {
    let store = try TestStore()
    try Self.expectCleanFailure(store, ["create", "oci:///no/such/layout", "x"], mentioning: "image not found")
    try Self.expectCleanFailure(
      store, ["create", "oci://\(Project.image(.empty)):nope", "x"], mentioning: "no manifest tagged 'nope'")
    try Self.expectCleanFailure(store, ["create", "/no/such/rootfs", "x"], mentioning: "image not found")
  }

  @Test("duplicate id")
  func duplicateID() throws {
    let store = try TestStore()
    _ = try store.create("oci://\(Project.image(.empty)):v0.1.1", "dup")
    let before = try store.snapshot()
    let outcome = try store.groot("create", "oci://\(Project.image(.busybox))", "dup")
    #expect(outcome.status == 1)
    #expect(outcome.stdout == "image for id `dup` already exists\n")
    #expect(try store.snapshot() == before)
  }

  @Test("missing store")
  func missingStore() throws {
    let store = try TestStore(initialize: false)
    let outcome = try store.groot("create", "oci://\(Project.image(.empty)):v0.1.1", "x")
    #expect(outcome.status == 1)
    #expect(outcome.stdout == "Store path is not initialized. Please run init-store.\n")
    #expect(!fileExists(store.path))
  }

  @Test("bad JSON in the layout")
  func badJSON() throws {
    let store = try TestStore()
    let image = store.base + "/bad-json"
    try sh(
      "mkdir -p \(image) && echo '{\"imageLayoutVersion\":\"1.0.0\"}' > \(image)/oci-layout && echo '{not json' > \(image)/index.json"
    )
    try Self.expectCleanFailure(store, ["create", "oci://\(image)", "x"], mentioning: "invalid")
    try Self.expectCleanFailure(store, ["create", "oci://\(image)", "x"], mentioning: "not valid JSON")
  }

  @Test("an image config that does not hash to its digest is refused before anything is unpacked")
  func tamperedConfig() throws {
    let store = try TestStore()
    let image = store.base + "/tampered-config"
    try sh("cp -r \(Project.image(.busybox)) \(image)")
    func document(_ path: String) throws -> [String: Any] {
      try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as! [String: Any]
    }
    func blob(_ digest: Any?) -> String { image + "/blobs/sha256/" + (digest as! String).dropFirst(7) }
    let index = try document(image + "/index.json")
    let manifest = try document(blob(((index["manifests"] as! [[String: Any]])[0])["digest"]))
    let config = blob((manifest["config"] as! [String: Any])["digest"])
    // The same size, one key renamed: valid JSON, the wrong bytes.
    try sh("sed -i 's/\"os\"/\"OS\"/' \(config)")
    try Self.expectCleanFailure(
      store, ["create", "oci://\(image)", "x"], mentioning: "digest mismatch for image config")
  }

  @Test("unsupported layer media type")
  func unsupportedMediaType() throws {
    let store = try TestStore()
    var tar = TarWriter()
    tar.file("a")
    var builder = try LayoutBuilder(path: store.base + "/odd-media")
    try builder.addLayer(tar: tar.archive(), mediaType: "application/vnd.example.layer.v1.squashfs")
    try builder.finish()
    try Self.expectCleanFailure(
      store, ["create", "oci://\(builder.path)", "x"],
      mentioning: "unsupported media type 'application/vnd.example.layer.v1.squashfs'")
  }

  @Test("invalid image id")
  func invalidID() throws {
    let store = try TestStore()
    try Self.expectCleanFailure(
      store, ["create", "oci://\(Project.image(.empty)):v0.1.1", "../escape"],
      mentioning: "id `../escape` contains invalid characters: `/`")
    try Self.expectCleanFailure(
      store, ["create", "oci://\(Project.image(.empty)):v0.1.1", ".."], mentioning: "invalid image id")
  }

  @Test("disk limits are refused where they cannot be enforced")
  func diskLimitRefused() throws {
    let store = try TestStore()
    try Self.expectCleanFailure(
      store, ["create", "--disk-limit-size-bytes", "1000000", "oci://\(Project.image(.empty)):v0.1.1", "x"],
      mentioning: "cannot enforce --disk-limit-size-bytes")
  }

  @Test("gzip and zstd layers, diff_id checked")
  func compressions() throws {
    let store = try TestStore()
    var builder = try LayoutBuilder(path: store.base + "/compressed")
    for (index, compression) in ["none", "gzip", "zstd"].enumerated() {
      var tar = TarWriter()
      tar.file("layer-\(index)", compression)
      try builder.addLayer(tar: tar.archive(), compression: compression)
    }
    try builder.finish()
    _ = try store.create("oci://\(builder.path)", "z")
    for (index, compression) in ["none", "gzip", "zstd"].enumerated() {
      #expect(try String(contentsOfFile: store.rootfs("z") + "/layer-\(index)", encoding: .utf8) == compression)
    }
  }

  @Test("a layer whose content does not match its diff_id is refused unless validation is skipped")
  func diffIDMismatch() throws {
    let store = try TestStore()
    var tar = TarWriter()
    tar.file("a", "1")
    var builder = try LayoutBuilder(path: store.base + "/wrong-diffid")
    try builder.addLayer(tar: tar.archive(), compression: "gzip")
    try builder.finish()
    // Swap the config's diff_id for another one, keeping every blob digest valid.
    let index = try sh("cat \(builder.path)/index.json").stdout
    let manifestHex = String(index.split(separator: "sha256:")[1].prefix(64))
    let manifest = try sh("cat \(builder.path)/blobs/sha256/\(manifestHex)").stdout
    let configHex = String(manifest.split(separator: "sha256:")[1].prefix(64))
    let config = try sh("cat \(builder.path)/blobs/sha256/\(configHex)").stdout
    let wrongConfig = config.replacingOccurrences(
      of: #"sha256:[0-9a-f]{64}"#, with: "sha256:" + String(repeating: "ab", count: 32), options: .regularExpression)
    let newConfig = try builder.putBlob(Array(wrongConfig.utf8))
    let newManifest = try builder.putBlob(
      Array(
        manifest.replacingOccurrences(of: configHex, with: newConfig.hex).replacingOccurrences(
          of: "\"size\":\(config.utf8.count)", with: "\"size\":\(wrongConfig.utf8.count)"
        ).utf8))
    try index.replacingOccurrences(of: manifestHex, with: newManifest.hex).write(
      toFile: builder.path + "/index.json", atomically: true, encoding: .utf8)

    try Self.expectCleanFailure(store, ["create", "oci://\(builder.path)", "x"], mentioning: "diff_id")
    _ = try store.create("oci://\(builder.path)", "skipped", ["--skip-layer-validation"])
    #expect(fileExists(store.rootfs("skipped") + "/a"))
  }

  @Test("--without-mount returns the mount, which works when made")
  func withoutMount() throws {
    let store = try TestStore()
    let spec = try store.create("oci://\(Project.image(.busybox))", "nomount", ["--without-mount"])
    #expect(try store.mountPoints().isEmpty)
    let mounts = try #require(spec["mounts"] as? [[String: Any]])
    #expect(mounts.count == 1)
    let mount = mounts[0]
    #expect(mount["type"] as? String == "overlay")
    let options = try #require(mount["options"] as? [String])
    let rootfs = store.rootfs("nomount")
    try #require(
      try run("/bin/mount", ["-t", "overlay", "overlay", "-o", options.joined(separator: ","), rootfs]).status == 0)
    #expect(fileExists(rootfs + "/bin/busybox"))
    #expect(try store.groot("delete", "nomount").status == 0)
    #expect(try store.mountPoints().isEmpty)
  }

  @Test("delete by id and by rootfs path; a busy rootfs fails and can be retried")
  func delete() throws {
    let store = try TestStore()
    _ = try store.create("oci://\(Project.image(.busybox))", "a")
    _ = try store.create("oci://\(Project.image(.busybox))", "b")
    #expect(try store.groot("delete", "a").status == 0)
    #expect(!fileExists(store.path + "/images/a"))

    // A process holding the rootfs makes it busy.
    let holder = Process()
    holder.executableURL = URL(fileURLWithPath: "/bin/sleep")
    holder.arguments = ["30"]
    holder.currentDirectoryURL = URL(fileURLWithPath: store.rootfs("b"))
    try holder.run()
    let busy = try store.groot("delete", store.rootfs("b"))
    #expect(busy.status == 1)
    #expect(busy.stdout.contains("is busy"), "\(busy.stdout)")
    #expect(fileExists(store.rootfs("b") + "/bin/busybox"))
    holder.terminate()
    holder.waitUntilExit()
    #expect(try store.groot("delete", store.rootfs("b")).status == 0)
    #expect(try store.mountPoints().isEmpty)
    #expect(try FileManager.default.contentsOfDirectory(atPath: store.path + "/images").isEmpty)
    #expect(try FileManager.default.contentsOfDirectory(atPath: store.path + "/tmp").isEmpty)
    // Deleting what is gone succeeds, so retries are safe.
    #expect(try store.groot("delete", "b").status == 0)
  }

  @Test("list prints one image path a line")
  func list() throws {
    let store = try TestStore()
    #expect(try store.groot("list").stdout == "Store empty\n")
    _ = try store.create("oci://\(Project.image(.empty)):v0.1.1", "one")
    _ = try store.create("oci://\(Project.image(.empty)):v0.1.1", "two")
    #expect(try store.groot("list").stdout == "\(store.path)/images/one\n\(store.path)/images/two\n")
  }

  @Test("stats counts what the container writes")
  func stats() throws {
    let store = try TestStore()
    _ = try store.create("oci://\(Project.image(.busybox))", "s")
    func usage() throws -> (total: Int, exclusive: Int) {
      let outcome = try store.groot("stats", "s")
      let json = try JSONSerialization.jsonObject(with: Data(outcome.stdout.utf8)) as! [String: [String: Int]]
      return (json["disk_usage"]!["total_bytes_used"]!, json["disk_usage"]!["exclusive_bytes_used"]!)
    }
    let before = try usage()
    #expect(before.total > 1_000_000)  // busybox's layer
    try sh("head -c 4194304 /dev/urandom > \(store.rootfs("s"))/blob && sync")
    let after = try usage()
    let written = 4_194_304
    #expect(abs(after.exclusive - before.exclusive - written) < written / 20)
    #expect(abs(after.total - before.total - written) < written / 20)
  }

  @Test("an image of 130 layers mounts")
  func manyLayers() throws {
    let store = try TestStore()
    var builder = try LayoutBuilder(path: store.base + "/tall")
    for index in 0..<130 {
      var tar = TarWriter()
      tar.file("layer-\(index)", "\(index)")
      if index > 0 { tar.file(".wh.layer-\(index - 1)") }
      try builder.addLayer(tar: tar.archive())
    }
    try builder.finish()
    _ = try store.create("oci://\(builder.path)", "tall")
    let rootfs = store.rootfs("tall")
    // Each layer hid the one below: only the top is left.
    #expect(try FileManager.default.contentsOfDirectory(atPath: rootfs) == ["layer-129"])
    let spec = try store.create("oci://\(builder.path)", "tall-json", ["--without-mount"])
    #expect((spec["mounts"] as? [[String: Any]])?.count == 1)
  }

  @Test("a local tar file is an image")
  func localTar() throws {
    let store = try TestStore()
    var tar = TarWriter()
    tar.directory("etc")
    tar.file("etc/motd", "from a tar")
    let path = store.base + "/rootfs.tar"
    try Data(tar.archive()).write(to: URL(fileURLWithPath: path))
    _ = try store.create(path, "t")
    #expect(try String(contentsOfFile: store.rootfs("t") + "/etc/motd", encoding: .utf8) == "from a tar")
  }

  @Test("a local directory is an image: modes and user xattrs kept, POSIX ACLs left behind as tar leaves them")
  func localDirectoryAttributes() throws {
    let store = try TestStore()
    let rootfs = store.base + "/local-rootfs"
    // An access ACL (user::rw-, user:1234:r--, group::r--, mask::r--, other::---)
    // in the kernel's xattr form, since Debian's acl tools may not be installed.
    let acl = "0x0200000001000600ffffffff02000400d204000004000400ffffffff10000400ffffffff20000000ffffffff"
    let made = try sh(
      """
      mkdir -p \(rootfs)/etc && echo secret > \(rootfs)/etc/shadow && chmod 640 \(rootfs)/etc/shadow \
      && setfattr -n user.note -v kept \(rootfs)/etc/shadow \
      && setfattr -n system.posix_acl_access -v \(acl) \(rootfs)/etc/shadow
      """)
    #expect(made.status == 0, "\(made.stderr)")
    #expect(try sh("getfattr --absolute-names -n system.posix_acl_access \(rootfs)/etc/shadow").status == 0)
    _ = try store.create(rootfs, "d")
    let shadow = store.rootfs("d") + "/etc/shadow"
    #expect(try String(contentsOfFile: shadow, encoding: .utf8) == "secret\n")
    var status = stat()
    #expect(lstat(shadow, &status) == 0 && status.st_mode & 0o7777 == 0o640)
    #expect(try sh("getfattr --absolute-names --only-values -n user.note \(shadow)").stdout == "kept")
    #expect(try sh("getfattr --absolute-names -n system.posix_acl_access \(shadow)").status != 0)
  }

  @Test("groot is one static executable: no program interpreter, no dynamic section")
  func staticExecutable() throws {
    // Garden starts groot for every container; a dynamic loader would map and bind
    // libraries at each start (docs/design-notes.md, start-up).
    let elf = [UInt8](try Data(contentsOf: URL(fileURLWithPath: Project.grootBinary)).prefix(64 * 1024))
    func integer(_ offset: Int, _ size: Int) -> Int {
      (0..<size).reduce(0) { $0 | Int(elf[offset + $1]) << (8 * $1) }
    }
    #expect(elf.starts(with: [0x7f, 0x45, 0x4c, 0x46, 2]))  // ELF, 64-bit
    let headers = integer(0x20, 8)
    let size = integer(0x36, 2)
    let types = (0..<integer(0x38, 2)).map { integer(headers + $0 * size, 4) }
    let interpreter = 3
    let dynamic = 2
    #expect(types.contains(1))  // a loadable segment: the headers were read
    #expect(!types.contains(interpreter) && !types.contains(dynamic), "program header types \(types)")
  }

  @Test("config file: keys apply, flags win")
  func configFile() throws {
    let store = try TestStore()
    let config = store.base + "/config.yml"
    try """
    store: \(store.path)
    log_level: debug
    create:
      without_mount: true
    """.write(toFile: config, atomically: true, encoding: .utf8)
    let outcome = try run(
      Project.grootBinary,
      ["--config", config, "--log-level", "fatal", "create", "oci://\(Project.image(.empty)):v0.1.1", "c"])
    #expect(outcome.status == 0, "\(outcome.stderr)")
    #expect(outcome.stderr.isEmpty)  // --log-level fatal beat the file's debug
    #expect(fileExists(store.path + "/images/c"))
    #expect(try store.mountPoints().isEmpty)  // without_mount from the file
    let bad = store.base + "/bad.yml"
    try "store: [unclosed".write(toFile: bad, atomically: true, encoding: .utf8)
    let failed = try run(Project.grootBinary, ["--config", bad, "list"])
    #expect(failed.status == 1 && failed.stdout.contains("invalid config file"), "\(failed.stdout)")
  }

  @Test("init-store twice is harmless; delete-store refuses mounted images unless forced")
  func storeLifecycle() throws {
    let store = try TestStore()
    _ = try store.create("oci://\(Project.image(.busybox))", "x")
    #expect(try store.groot("init-store").status == 0)
    #expect(fileExists(store.rootfs("x") + "/bin/busybox"))
    let refused = try store.groot("delete-store")
    #expect(refused.status == 1 && refused.stdout.contains("still has mounted images (x)"), "\(refused.stdout)")
    #expect(fileExists(store.rootfs("x") + "/bin/busybox"))
    #expect(try store.groot("delete-store", "--force").status == 0)
    #expect(!fileExists(store.path))
    #expect(try store.mountPoints().isEmpty)
  }
}

/// What an operator gets wrong: each is one line naming the input and what is allowed.
@Suite("Operator mistakes")
struct OperatorMistakeTests {
  @Test("mistakes on the command line and in the config")
  func mistakes() throws {
    let store = try TestStore()
    let oneWord = store.base + "/one-word.yml"
    try "store".write(toFile: oneWord, atomically: true, encoding: .utf8)
    for (arguments, text) in [
      (["bogus-command"], "unknown command 'bogus-command': use one of init-store, create"),
      (["--driver", "zfs", "list"], "unknown driver 'zfs': use overlay or btrfs"),
      (
        ["--driver", "btrfs", "create", Project.reference(.empty), "x"], "initialized for the overlay driver, not btrfs"
      ),
      (["--lock-timeout", "-1", "list"], "--lock-timeout cannot be negative"),
      (["create", "--disk-limit-size-bytes", "-1", Project.reference(.empty), "x"], "disk limit cannot be negative"),
      (["init-store", "--store-size-bytes", "-5"], "store size cannot be negative"),
      (["--log-file", store.base, "list"], "cannot open log file \(store.base): Is a directory"),
      (["--config", oneWord, "list"], "expected keys such as 'store:' at the top level"),
      (["create", store.path, "self"], "overlap: a root filesystem cannot be the store"),
      (["create", store.base, "parent"], "overlap: a root filesystem cannot be the store"),
    ] {
      try CommandTests.expectCleanFailure(store, arguments, mentioning: text)
    }
    let relative = try run(Project.grootBinary, ["--store", "relative/store", "list"], cwd: store.base)
    #expect(relative.status == 1 && relative.stdout == "store 'relative/store' must be an absolute path\n")
    #expect(!fileExists(store.base + "/relative"))
  }

  @Test("descriptors that declare negative or absurd sizes are refused by name")
  func absurdSizes() throws {
    let store = try TestStore()
    for size in ["-1", "9999999999999999"] {
      var builder = try LayoutBuilder(path: store.base + "/size\(size)")
      var tar = TarWriter()
      tar.file("a", "1")
      try builder.addLayer(tar: tar.archive())
      let digest = try builder.finish()
      let manifestPath = builder.path + "/blobs/sha256/" + digest.hex
      let manifest = try String(contentsOfFile: manifestPath, encoding: .utf8)
      let edited = manifest.replacingOccurrences(
        of: #""size":\d+\}\]"#, with: "\"size\":\(size)}]", options: .regularExpression)
      let newDigest = try builder.putBlob(Array(edited.utf8))
      let index = try String(contentsOfFile: builder.path + "/index.json", encoding: .utf8)
        .replacingOccurrences(of: digest.hex, with: newDigest.hex)
        .replacingOccurrences(of: "\"size\":\(manifest.utf8.count)", with: "\"size\":\(edited.utf8.count)")
      try index.write(toFile: builder.path + "/index.json", atomically: true, encoding: .utf8)
      try CommandTests.expectCleanFailure(
        store, ["create", "oci://\(builder.path)", "x"],
        mentioning: size == "-1" ? "declares a negative size (-1)" : "more than the 1 TiB groot accepts")
    }
  }

  @Test("a multi-platform index in an OCI layout resolves to linux/amd64")
  func multiPlatformLayout() throws {
    let store = try TestStore()
    var entries: [[String: Any]] = []
    let target = store.base + "/multi"
    for architecture in ["arm64", "amd64", "s390x"] {
      var builder = try LayoutBuilder(path: store.base + "/multi-\(architecture)")
      var tar = TarWriter()
      tar.file("arch", architecture)
      try builder.addLayer(tar: tar.archive())
      let digest = try builder.finish()
      try sh("mkdir -p \(target)/blobs/sha256 && cp \(builder.path)/blobs/sha256/* \(target)/blobs/sha256/")
      let size = try FileManager.default.attributesOfItem(atPath: "\(builder.path)/blobs/sha256/\(digest.hex)")[.size]!
      entries.append([
        "mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": "\(digest)", "size": size,
        "platform": ["os": "linux", "architecture": architecture],
      ])
    }
    let index = try JSONSerialization.data(withJSONObject: ["schemaVersion": 2, "manifests": entries])
    try index.write(to: URL(fileURLWithPath: target + "/index.json"))
    _ = try store.create("oci://\(target)", "multi")
    #expect(try String(contentsOfFile: store.rootfs("multi") + "/arch", encoding: .utf8) == "amd64")
  }
}
