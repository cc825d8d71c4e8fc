import Foundation
import GrootFixtures
import Testing

/// Many groot processes on one store, and groot processes killed at random
/// moments: the store never corrupts, and the next command repairs what a killed
/// one left.
@Suite("Concurrency and crash safety", .serialized)
struct ConcurrencyTests {
  /// Images the workers share, with a file each must show.
  static let images: [(reference: String, marker: String)] = [
    ("oci://\(Project.image(.busybox))", "bin/busybox"),
    ("oci://\(Project.image(.multiLayer))", "file-3"),
    ("oci://\(Project.image(.empty)):v0.1.1", "hello"),
    ("oci://\(Project.image(.debian))", "etc/debian_version"),
    ("oci://\(Project.image(.opaqueWhiteout))", "var/istillexist"),
  ]

  /// Whole-store invariants: every image whole and mounted, nothing else mounted,
  /// `groot check` finds nothing.
  static func expectConsistent(
    _ store: TestStore, live: [String: Int], sourceLocation: SourceLocation = #_sourceLocation
  )
    throws
  {
    let listed = try store.groot("list").stdout.split(separator: "\n").map { String($0.split(separator: "/").last!) }
    #expect(Set(listed) == Set(live.keys), sourceLocation: sourceLocation)
    for (id, image) in live {
      #expect(fileExists(store.rootfs(id) + "/" + images[image].marker), "\(id)", sourceLocation: sourceLocation)
    }
    #expect(Set(try store.mountPoints()) == Set(live.keys.map(store.rootfs)), sourceLocation: sourceLocation)
    let check = try store.groot("check")
    #expect(check.status == 0, "\(check.stdout)\(check.stderr)", sourceLocation: sourceLocation)
  }

  @Test("8 workers create, delete and clean at random on shared images")
  func stress() throws {
    let store = try TestStore()
    let workers = 8
    let deadline = Date().addingTimeInterval(20)
    let shared = Locked((live: [String: Int](), failures: [String](), operations: 0))
    DispatchQueue.concurrentPerform(iterations: workers) { worker in
      var generator = SystemRandomNumberGenerator()
      var mine: [String: Int] = [:]
      var count = 0
      while Date() < deadline {
        count += 1
        let roll = Int.random(in: 0..<10, using: &generator)
        let outcome: Outcome?
        if roll < 5 || mine.isEmpty {
          let image = Int.random(in: 0..<Self.images.count, using: &generator)
          let id = "w\(worker)-\(count)"
          outcome = try? store.groot("create", Self.images[image].reference, id)
          if outcome?.status == 0 { mine[id] = image }
        } else if roll < 8 {
          let id = mine.keys.randomElement(using: &generator)!
          outcome = try? store.groot("delete", id)
          if outcome?.status == 0 { mine[id] = nil }
        } else {
          outcome = try? store.groot("clean")
        }
        if outcome?.status != 0 {
          shared.withValue { $0.failures.append(outcome?.stdout ?? "could not run groot") }
        }
      }
      shared.withValue {
        $0.live.merge(mine) { $1 }
        $0.operations += count
      }
    }
    let (live, failures, operations) = shared.withValue { $0 }
    print("stress: \(workers) workers ran \(operations) commands; \(live.count) images live at the end")
    #expect(failures.isEmpty, "\(failures.prefix(5))")
    #expect(operations > 40)
    try Self.expectConsistent(store, live: live)
    // Every layer an image needs is there, and a clean now keeps them all.
    #expect(try store.groot("clean").status == 0)
    try Self.expectConsistent(store, live: live)
  }

  @Test("SIGKILL at random moments during create and clean; the next command repairs")
  func killAtRandomMoments() throws {
    let store = try TestStore()
    var live: [String: Int] = [:]
    // How long a cold create of the biggest image takes, to spread kill points over it.
    let started = Date()
    _ = try store.create(Self.images[3].reference, "timing")
    let coldCreate = Date().timeIntervalSince(started)
    #expect(try store.groot("delete", "timing").status == 0)

    var killPoints = 0
    var midUnpack = 0
    var midImage = 0
    for round in 0..<40 {
      // Cold: no layers cached, so the kill can land in an unpack.
      #expect(try store.groot("clean").status == 0)
      let image = round % 2 == 0 ? 3 : 1
      let process = try Self.start(store, ["create", Self.images[image].reference, "k\(round)"])
      if round % 4 == 2 {
        // Aimed: faster creates make a random moment miss the unpack window, so
        // every fourth kill (of the biggest image) waits for a layer's staging directory to appear.
        Self.waitForUnpack(store, process)
      } else {
        usleep(UInt32.random(in: 0...UInt32(coldCreate * 1_000_000)))
      }
      kill(process.processIdentifier, SIGKILL)
      process.waitUntilExit()
      killPoints += 1
      let tmp = try FileManager.default.contentsOfDirectory(atPath: store.path + "/tmp")
      if tmp.contains(where: { $0.hasPrefix("layer-") }) { midUnpack += 1 }
      if tmp.contains(where: { $0.hasPrefix("image-") }) { midImage += 1 }
      // Killed after the publishing rename but before exit, the image is whole
      // and live; before it, there is no image at all. expectConsistent checks
      // that it is one or the other.
      let succeeded = process.terminationReason == .exit && process.terminationStatus == 0
      if succeeded || fileExists(store.path + "/images/k\(round)") {
        live["k\(round)"] = image
      }

      // The next command succeeds and leaves a consistent store.
      _ = try store.create(Self.images[2].reference, "after-\(round)")
      live["after-\(round)"] = 2
      try Self.expectConsistent(store, live: live)
      // A whole killed image goes, so the next round's clean leaves its layers
      // uncached and that round's create unpacks again.
      if live.removeValue(forKey: "k\(round)") != nil {
        #expect(try store.groot("delete", "k\(round)").status == 0)
      }
    }

    var cleanKills = 0
    for round in 0..<20 {
      // Unused layers to clean: create two images, delete them.
      for (index, image) in [3, 4].enumerated() {
        _ = try store.create(Self.images[image].reference, "c\(round)-\(index)")
        #expect(try store.groot("delete", "c\(round)-\(index)").status == 0)
      }
      let process = try Self.start(store, ["clean"])
      usleep(UInt32.random(in: 0...30_000))
      kill(process.processIdentifier, SIGKILL)
      process.waitUntilExit()
      cleanKills += 1
      _ = try store.create(Self.images[0].reference, "after-clean-\(round)")
      live["after-clean-\(round)"] = 0
      try Self.expectConsistent(store, live: live)
    }
    print(
      "kill test: \(killPoints + cleanKills) kill points (\(killPoints) during create: \(midUnpack) mid-unpack, \(midImage) mid-image; \(cleanKills) during clean)"
    )
    #expect(midUnpack > 0)
  }

  /// Returns once `process` is staging a layer under the store's tmp, or has exited.
  static func waitForUnpack(_ store: TestStore, _ process: Process) {
    while process.isRunning {
      let tmp = (try? FileManager.default.contentsOfDirectory(atPath: store.path + "/tmp")) ?? []
      if tmp.contains(where: { $0.hasPrefix("layer-") }) { return }
      usleep(50)
    }
  }

  static func start(_ store: TestStore, _ arguments: [String]) throws -> Process {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: Project.grootBinary)
    process.arguments = ["--store", store.path] + arguments
    process.standardOutput = FileHandle.nullDevice
    process.standardError = FileHandle.nullDevice
    try process.run()
    return process
  }

  @Test("two creates of the same layers unpack each layer once")
  func concurrentCreatesShareUnpack() throws {
    let store = try TestStore()
    let logs = (0..<4).map { store.base + "/log-\($0)" }
    DispatchQueue.concurrentPerform(iterations: 4) { index in
      _ = try? store.groot(
        "--log-level", "debug", "--log-file", logs[index], "create", Self.images[1].reference, "same-\(index)")
    }
    let unpacked = try logs.map { try String(contentsOfFile: $0, encoding: .utf8) }.joined()
      .split(separator: "\n").filter { $0.contains("layer-unpacked") }
    #expect(unpacked.count == 4)  // grootfs-busybox has 4 layers; each unpacked by one process
    try Self.expectConsistent(store, live: ["same-0": 1, "same-1": 1, "same-2": 1, "same-3": 1])
  }
}

/// `clean`: threshold, layers in use, freed bytes, --with-clean.
@Suite("Clean")
struct CleanTests {
  static func report(_ outcome: Outcome) throws -> [String: Int] {
    (try JSONSerialization.jsonObject(with: Data(outcome.stdout.utf8)) as! [String: Any]).compactMapValues {
      $0 as? Int
    }
  }

  static func layerCount(_ store: TestStore) throws -> Int {
    try FileManager.default.contentsOfDirectory(atPath: store.path + "/layers").count
  }

  @Test("layers in use stay; unused ones go; freed bytes are reported")
  func cleanRemovesOnlyUnused() throws {
    let store = try TestStore()
    _ = try store.create("oci://\(Project.image(.busybox))", "kept")
    _ = try store.create("oci://\(Project.image(.multiLayer))", "gone")
    #expect(try store.groot("delete", "gone").status == 0)
    let before = try sh("du -sB1 \(store.path)/layers | cut -f1").stdout
    let report = try Self.report(try store.groot("clean", "--json"))
    let after = try sh("du -sB1 \(store.path)/layers | cut -f1").stdout
    #expect(report["layers_removed"] == 4)
    let measured =
      Int(before.trimmingCharacters(in: .whitespacesAndNewlines))!
      - Int(after.trimmingCharacters(in: .whitespacesAndNewlines))!
    #expect(abs(report["bytes_freed"]! - measured) <= measured / 20 + 16384, "\(report) vs \(measured)")
    #expect(try Self.layerCount(store) == 1)
    #expect(fileExists(store.rootfs("kept") + "/bin/busybox"))
    #expect(try store.groot("check").status == 0)
  }

  @Test("the threshold is respected, least recently used first")
  func threshold() throws {
    let store = try TestStore()
    _ = try store.create("oci://\(Project.image(.debian))", "old")
    _ = try store.create("oci://\(Project.image(.multiLayer))", "new")
    for id in ["old", "new"] { #expect(try store.groot("delete", id).status == 0) }
    let debianLayer = try LayoutLayers(ofLayout: Project.image(.debian)).chainIDs[0]

    let high = try Self.report(try store.groot("clean", "--json", "--threshold-bytes", "1000000000"))
    #expect(high["layers_removed"] == 0)
    #expect(try Self.layerCount(store) == 5)

    // Just under what the store uses: removing the oldest layer (debian's) is enough.
    let usage = high["store_bytes_before"]!
    let some = try Self.report(try store.groot("clean", "--json", "--threshold-bytes", "\(usage - 1)"))
    #expect(some["layers_removed"] == 1)
    #expect(!fileExists(store.path + "/layers/" + debianLayer))
    #expect(try Self.layerCount(store) == 4)
    #expect(some["store_bytes_after"]! <= usage - 1)
  }

  @Test("create --with-clean starts a clean beside it: unused layers go, never the new image's")
  func withClean() throws {
    let store = try TestStore()
    _ = try store.create("oci://\(Project.image(.debian))", "a")
    _ = try store.create("oci://\(Project.image(.empty)):v0.1.1", "e")
    for id in ["a", "e"] { #expect(try store.groot("delete", id).status == 0) }
    let debianLayer = store.path + "/layers/" + (try LayoutLayers(ofLayout: Project.image(.debian)).chainIDs[0])
    let inodeBefore = try inode(debianLayer)
    let cleanLog = store.base + "/clean.log"
    _ = try store.create(
      "oci://\(Project.image(.debian))", "again",
      ["--with-clean", "--clean-log-file", cleanLog, "--log-level", "info"])
    // The clean runs in a process of its own (GrootFS's): wait for it.
    let deadline = Date().addingTimeInterval(20)
    while try Self.layerCount(store) != 1 && Date() < deadline { usleep(50_000) }
    #expect(try Self.layerCount(store) == 1)  // empty's two layers were cleaned
    #expect(try inode(debianLayer) == inodeBefore)  // reused, not removed and unpacked again
    #expect(
      try String(contentsOfFile: store.rootfs("again") + "/etc/debian_version", encoding: .utf8)
        == Project.debianVersion)
    while !((try? String(contentsOfFile: cleanLog, encoding: .utf8)) ?? "").contains("grootfs.clean.clean-done"),
      Date() < deadline
    {
      usleep(50_000)
    }
    #expect(try String(contentsOfFile: cleanLog, encoding: .utf8).contains("grootfs.clean.clean-done"))
  }

  @Test("check reports left-over work and repairs it")
  func checkRepairs() throws {
    let store = try TestStore()
    _ = try store.create("oci://\(Project.image(.busybox))", "x")
    // What a killed create leaves: an abandoned work dir with a mount in it.
    let abandoned = store.path + "/tmp/image-1-abandoned"
    try sh("mkdir -p \(abandoned)/rootfs && mount -t tmpfs none \(abandoned)/rootfs")
    try sh("umount \(store.rootfs("x"))")  // as after a reboot
    let check = try store.groot("check")
    #expect(check.status == 1)
    for problem in ["left-over work", "orphan mount \(abandoned)/rootfs", "image x is not mounted"] {
      #expect(check.stdout.contains(problem), "\(check.stdout)")
    }
    #expect(check.stdoutLines.last == "store has 3 problems: run 'groot check --repair'")
    let repair = try store.groot("check", "--repair")
    #expect(repair.status == 0, "\(repair.stdout)\(repair.stderr)")
    #expect(!fileExists(abandoned))
    #expect(try store.mountPoints() == [store.rootfs("x")])
    #expect(fileExists(store.rootfs("x") + "/bin/busybox"))
  }
}

/// Commands killed at every system call that changes the store (strace's fault
/// injection): what is left is whole or gone, and the next command finishes the job.
@Suite("Interrupted commands", .serialized)
struct InterruptedCommandTests {
  static let mutating = "flock,mkdir,rename,fsync,umount2,unlinkat,openat"

  /// Runs groot under strace, killed at the `when`-th call of `syscalls`; true if it was killed.
  static func killed(_ store: TestStore, _ arguments: [String], at syscalls: String, when: Int, path: String? = nil)
    throws -> Bool
  {
    var strace = ["-f", "-qq", "-o", "/dev/null", "-e", "inject=\(syscalls):signal=KILL:when=\(when)"]
    if let path { strace += ["-P", path] }
    let outcome = try run("/usr/bin/strace", strace + [Project.grootBinary, "--store", store.path] + arguments)
    return outcome.status != 0
  }

  /// The image is whole (listed, mounted, its files there) or gone (not listed).
  static func expectWholeOrGone(_ store: TestStore, _ id: String, sourceLocation: SourceLocation = #_sourceLocation)
    throws
  {
    let listed = try store.groot("list").stdout.contains("/images/\(id)\n")
    if listed {
      #expect(
        try store.mountPoints().contains(store.rootfs(id)), "\(id) listed, not mounted", sourceLocation: sourceLocation)
      #expect(fileExists(store.rootfs(id) + "/bin/busybox"), "\(id) listed and empty", sourceLocation: sourceLocation)
    }
    #expect(fileExists(store.path + "/images/\(id)") == listed, sourceLocation: sourceLocation)
  }

  @Test("cold create killed at each system call that changes the store: the next create works, nothing is left behind")
  func createKilledEverywhere() throws {
    let store = try TestStore()
    let reference = Project.reference(.busybox)
    var kills = 0
    // strace counts each system call on its own, so each is taken in turn.
    for call in ["mkdir", "mkdirat", "rename", "fsync", "syncfs", "symlink", "symlinkat", "flock", "mount"] {
      var when = 0
      while true {
        when += 1
        let killed = try Self.killed(store, ["create", reference, "k"], at: call, when: when)
        if killed {
          kills += 1
          try Self.expectWholeOrGone(store, "k")
          _ = try store.create(reference, "after")
        }
        // Both go and their layers with them, so the next create unpacks and links
        // again; an empty store shows whatever the kill left (a link to nothing).
        for id in ["k", "after"] { _ = try store.groot("delete", id) }
        #expect(try store.groot("clean").status == 0)
        let links = (try? FileManager.default.contentsOfDirectory(atPath: store.path + "/overlay/l")) ?? []
        #expect(links.isEmpty, "killed at \(call) \(when): \(links)")
        let check = try store.groot("check")
        #expect(check.status == 0, "killed at \(call) \(when): \(check.stdout)")
        if !killed { break }
      }
    }
    #expect(kills > 40, "only \(kills) kill points")
    #expect(try store.mountPoints().isEmpty)
  }

  @Test("delete killed at each system call: the image is whole or gone, never listed and empty")
  func deleteKilledEverywhere() throws {
    let store = try TestStore()
    var round = 0
    var kills = 0
    while true {
      round += 1
      let id = "d\(round)"
      _ = try store.create(Project.reference(.busybox), id)
      guard try Self.killed(store, ["delete", id], at: Self.mutating, when: round) else { break }
      kills += 1
      try Self.expectWholeOrGone(store, id)
      // The next command finishes the job: a retry succeeds and the store is consistent.
      #expect(try store.groot("delete", id).status == 0)
      #expect(!fileExists(store.path + "/images/\(id)"))
    }
    // The issue's own reproduction: the second stat of the image's directory.
    _ = try store.create(Project.reference(.busybox), "stat")
    if try Self.killed(store, ["delete", "stat"], at: "newfstatat", when: 2, path: store.path + "/images/stat") {
      try Self.expectWholeOrGone(store, "stat")
    }
    #expect(kills > 10, "only \(kills) kill points")
    let leftInTmp = try store.mountPoints().filter { $0.hasPrefix(store.path + "/tmp/") }
    #expect(leftInTmp.isEmpty, "\(leftInTmp)")
    let check = try store.groot("check")
    #expect(check.status == 0, "\(check.stdout)")
  }

  @Test("delete-store killed at each system call: running it again removes the store")
  func deleteStoreKilledEverywhere() throws {
    var kills = 0
    for when in 1...40 {
      let store = try TestStore()
      _ = try store.create(Project.reference(.busybox), "x")
      let killed = try Self.killed(store, ["delete-store", "--force"], at: "unlinkat,umount2,rename", when: when)
      if killed {
        kills += 1
        let again = try store.groot("delete-store", "--force")
        #expect(again.status == 0, "kill at call \(when): \(again.stdout) \(again.stderr)")
      }
      #expect(!fileExists(store.path), "kill at call \(when)")
      #expect(try store.mountPoints().isEmpty)
      if !killed { break }
    }
    #expect(kills > 5)
  }

  @Test("a big left-over from a killed create does not delay the next command")
  func leftOversMovedAside() throws {
    let store = try TestStore()
    // What a killed unpack leaves: a locked-then-abandoned work dir, here 20,000 files.
    let abandoned = store.path + "/tmp/layer-1-abandoned"
    try sh("mkdir -p \(abandoned)/diff && cd \(abandoned)/diff && seq 1 20000 | xargs touch")
    let started = Date()
    _ = try store.create(Project.reference(.empty), "after")
    let took = Date().timeIntervalSince(started)
    #expect(!fileExists(abandoned))
    // Removed by a process of its own, soon after.
    let deadline = Date().addingTimeInterval(30)
    while try !FileManager.default.contentsOfDirectory(atPath: store.path + "/trash").isEmpty && Date() < deadline {
      usleep(50_000)
    }
    #expect(try FileManager.default.contentsOfDirectory(atPath: store.path + "/trash").isEmpty)
    print("create after a 20,000-file left-over took \(Int(took * 1000)) ms")
  }
}
