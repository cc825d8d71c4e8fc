import Foundation
import Testing

/// groot-agent's watchdog with real threads in uninterruptible sleep, made two
/// independent ways (a write to a frozen file system; a vfork parent waiting for
/// its child), a webhook receiver on loopback, and a store frozen under the probe.
@Suite("D-state watchdog", .serialized)
struct WatchdogTests {
  static let threshold = 3.0

  /// A process in D state made by `start`, released by `release`.
  struct Blocker {
    let process: Process
    let release: () throws -> Void
  }

  /// The agent watching only threads descended from `name`, alerting `hook`.
  static func agent(_ store: TestStore, watching name: String, hook: WebhookReceiver, extra: [String] = []) throws
    -> (AgentProcess, String)
  {
    let bundles = store.base + "/bundles"
    let agent = try AgentProcess(
      store: store,
      arguments: [
        "--stuck-threshold", "\(threshold)", "--watchdog-interval", "0.2", "--watch-ancestor", name,
        "--webhook-url", hook.url, "--bundle-directory", bundles,
      ] + (extra.isEmpty ? ["--probe-interval", "3600"] : extra))
    return (agent, bundles)
  }

  /// A copy of `tool` under a name of its own, so the agent can be told to watch it alone.
  static func renamed(_ tool: String, _ name: String, in store: TestStore) throws -> String {
    let path = store.base + "/" + name
    try? FileManager.default.removeItem(atPath: path)
    try FileManager.default.copyItem(atPath: tool, toPath: path)
    return path
  }

  static func state(of pid: Int32) -> Character? {
    guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
      let close = stat.lastIndex(of: ")")
    else { return nil }
    return stat[stat.index(close, offsetBy: 2)]
  }

  static func waitUntil(_ what: String, timeout: Double = 15, _ condition: () throws -> Bool) throws {
    let deadline = Date().addingTimeInterval(timeout)
    while Date() < deadline {
      if try condition() { return }
      usleep(50_000)
    }
    throw TestFailure("timed out waiting for \(what)")
  }

  /// Checks one stuck thread end to end: in D at once, stuck after the threshold
  /// and not before, one bundle with a kernel stack, one alert; back to 0 when released.
  static func check(_ blocker: Blocker, command: String, agent: AgentProcess, bundles: String, hook: WebhookReceiver)
    throws
  {
    let pid = blocker.process.processIdentifier
    try waitUntil("\(command) in D") { state(of: pid) == "D" }
    let inD = Date()
    try agent.waitFor("the thread counted in D", timeout: 5) { try agent.metric("groot_dstate_threads") == 1 }
    #expect(try agent.metric("groot_stuck_threads") == 0, "stuck before the threshold")
    try agent.waitFor("the thread stuck", timeout: threshold + 10) { try agent.metric("groot_stuck_threads") == 1 }
    #expect(Date().timeIntervalSince(inD) >= threshold - 0.3, "stuck reported before the threshold")
    #expect(try agent.metric("groot_stuck_threads_by_command", ["command": command]) == 1)
    try waitUntil("one alert") { hook.bodies.count == 1 }
    try waitUntil("one bundle") { ((try? FileManager.default.contentsOfDirectory(atPath: bundles)) ?? []).count == 1 }
    let bundle = bundles + "/" + (try FileManager.default.contentsOfDirectory(atPath: bundles))[0]
    let stack = try String(contentsOfFile: bundle + "/stack", encoding: .utf8)
    #expect(!stack.isEmpty, "empty kernel stack")
    let index = try String(contentsOfFile: bundle + "/index.json", encoding: .utf8)
    #expect(index.contains("\"tid\" : \(pid)") && index.contains(command))
    let alert = try #require(hook.bodies.first)
    #expect(
      alert.contains(command) && alert.contains("stuck")
        && alert.contains(bundle.replacingOccurrences(of: "/", with: "\\/")))
    usleep(1_500_000)
    #expect(hook.bodies.count == 1, "more than one alert for one thread")
    #expect(try agent.metric("groot_stuck_detections_total") == 1)

    try blocker.release()
    blocker.process.waitUntilExit()
    try agent.waitFor("the stuck count back to 0", timeout: 5) {
      try agent.metric("groot_stuck_threads") == 0 && agent.metric("groot_dstate_threads") == 0
    }
  }

  @Test("a write to a frozen file system: in D, stuck after the threshold, one bundle, one alert, released on thaw")
  func frozenFileSystemWriter() throws {
    let store = try TestStore(backingBytes: 400_000_000, fileSystem: "xfs")
    let hook = try WebhookReceiver()
    let (agent, bundles) = try Self.agent(store, watching: "frozen-writer", hook: hook)
    let writer = try Self.renamed("/usr/bin/touch", "frozen-writer", in: store)
    #expect(try sh("fsfreeze -f \(store.path)").status == 0)
    defer { _ = try? sh("fsfreeze -u \(store.path)") }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: writer)
    process.arguments = [store.path + "/written-while-frozen"]
    try process.run()
    try Self.check(
      Blocker(process: process) { _ = try sh("fsfreeze -u \(store.path)") }, command: "frozen-writer", agent: agent,
      bundles: bundles, hook: hook)
    #expect(FileManager.default.fileExists(atPath: store.path + "/written-while-frozen"))
  }

  @Test("a vfork parent waiting on its child: in D, stuck after the threshold, one bundle, one alert, released")
  func vforkParent() throws {
    let store = try TestStore(initialize: false)
    let hook = try WebhookReceiver()
    let source = store.base + "/vfork-parent.c"
    try """
    #include <unistd.h>
    int main(void) {
      pid_t child = vfork();  /* the parent sleeps in D until the child execs or exits */
      if (child == 0) { pause(); _exit(0); }
      return 0;
    }
    """.write(toFile: source, atomically: true, encoding: .utf8)
    let binary = store.base + "/vfork-parent"
    let built = try run("/opt/swift/usr/bin/clang", ["-o", binary, source])
    try #require(built.status == 0, "\(built.stderr)")
    try FileManager.default.createDirectory(atPath: store.path, withIntermediateDirectories: true)
    let (agent, bundles) = try Self.agent(store, watching: "vfork-parent", hook: hook)
    let process = Process()
    process.executableURL = URL(fileURLWithPath: binary)
    try process.run()
    let parent = process.processIdentifier
    try Self.check(
      Blocker(process: process) {
        // The child shares the parent's memory until it exits; killing it frees the parent.
        let children = try sh("pgrep -P \(parent)").stdout.split(separator: "\n").compactMap { Int32($0) }
        for child in children { kill(child, SIGKILL) }
      }, command: "vfork-parent", agent: agent, bundles: bundles, hook: hook)
  }

  @Test("a frozen store: the probe times out, /healthz names it, one alert, recovery after thaw")
  func frozenStoreProbe() throws {
    let store = try TestStore(backingBytes: 400_000_000, fileSystem: "xfs")
    let hook = try WebhookReceiver()
    let (agent, _) = try Self.agent(
      store, watching: "nothing-here", hook: hook, extra: ["--probe-interval", "0.5", "--probe-timeout", "1"])
    try agent.waitFor("a healthy probe") { try agent.metric("groot_store_probe_healthy") == 1 }
    #expect(try sh("fsfreeze -f \(store.path)").status == 0)
    defer { _ = try? sh("fsfreeze -u \(store.path)") }
    try agent.waitFor("/healthz failing", timeout: 10) { try agent.get("/healthz").stdout.hasSuffix("503") }
    let health = try agent.get("/healthz").stdout
    #expect(health.contains(store.path) && health.contains("probe write did not finish"))
    #expect(try agent.metric("groot_store_probe_healthy") == 0)
    try Self.waitUntil("the probe alert") { hook.bodies.contains { $0.contains("store probe failed") } }
    // The sampler and the endpoints keep going while the probe's write is blocked.
    let samples = try #require(try agent.metric("groot_watchdog_samples_total"))
    usleep(1_000_000)
    #expect(try #require(try agent.metric("groot_watchdog_samples_total")) >= samples + 3)
    #expect(try sh("fsfreeze -u \(store.path)").status == 0)
    try agent.waitFor("/healthz back to ok", timeout: 10) { try agent.get("/healthz").stdout == "ok\n\n200" }
    #expect(hook.bodies.filter { $0.contains("store probe failed") }.count == 1)
  }
}

/// What the real kernel cannot be made to do on demand here: a stuck thread whose
/// /proc files block every read. A /proc tree of the test's own holds one thread in
/// D whose stack, cmdline and the rest are FIFOs no one writes.
@Suite("D-state watchdog: never hang", .serialized)
struct WatchdogNeverHangTests {
  @Test("reads of a stuck thread's files that block: sampling stays on time, /metrics answers")
  func blockingProcReads() throws {
    let store = try TestStore(initialize: false)
    try FileManager.default.createDirectory(atPath: store.path, withIntermediateDirectories: true)
    let proc = store.base + "/proc"
    let task = proc + "/4242/task/4242"
    try FileManager.default.createDirectory(atPath: task, withIntermediateDirectories: true)
    let stat = "4242 (fake-stuck) D 1 " + (5...22).map { $0 == 22 ? "777" : "0" }.joined(separator: " ")
    try stat.write(toFile: task + "/stat", atomically: true, encoding: .utf8)
    try stat.write(toFile: proc + "/4242/stat", atomically: true, encoding: .utf8)
    try "voluntary_ctxt_switches:\t10\nnonvoluntary_ctxt_switches:\t2\n"
      .write(toFile: task + "/status", atomically: true, encoding: .utf8)
    for fifo in [
      task + "/stack", task + "/wchan", task + "/syscall", task + "/sched", proc + "/4242/cmdline",
      proc + "/4242/environ", proc + "/4242/io", proc + "/4242/cgroup", proc + "/4242/mountinfo",
    ] {
      #expect(mkfifo(fifo, 0o600) == 0)
    }
    let hook = try WebhookReceiver()
    let agent = try AgentProcess(
      store: store,
      arguments: [
        "--proc-root", proc, "--stuck-threshold", "1", "--watchdog-interval", "0.2", "--webhook-url", hook.url,
        "--bundle-directory", store.base + "/bundles", "--probe-interval", "3600",
      ])
    try agent.waitFor("the fake thread stuck", timeout: 10) { try agent.metric("groot_stuck_threads") == 1 }
    // The bundle's reads block; each is given up on after 2 s, none holds up sampling.
    let started = Date()
    let first = try #require(try agent.metric("groot_watchdog_samples_total"))
    var slowest = 0.0
    while Date().timeIntervalSince(started) < 6 {
      let asked = Date()
      let outcome = try run("/usr/bin/curl", ["-s", "-m", "2", "http://127.0.0.1:\(agent.port)/metrics"])
      slowest = max(slowest, Date().timeIntervalSince(asked))
      #expect(outcome.status == 0, "/metrics did not answer")
      usleep(200_000)
    }
    let elapsed = Date().timeIntervalSince(started)
    let samples = try #require(try agent.metric("groot_watchdog_samples_total")) - first
    #expect(samples >= elapsed / 0.2 * 0.8, "\(samples) samples in \(elapsed) s")
    #expect(slowest < 1, "/metrics took \(slowest) s")
    #expect(try agent.metric("groot_watchdog_overruns_total") == 0)
    #expect(try #require(try agent.metric("groot_watchdog_abandoned_reads_total")) >= 2)
    #expect(try #require(try agent.metric("groot_watchdog_blocked_workers")) <= 8)
    // The bundle was still written, saying which reads timed out, and the alert sent.
    try WatchdogTests.waitUntil("the alert", timeout: 40) { hook.bodies.count == 1 }
    let bundles = try FileManager.default.contentsOfDirectory(atPath: store.base + "/bundles")
    let index = try String(contentsOfFile: store.base + "/bundles/\(bundles[0])/index.json", encoding: .utf8)
    #expect(index.contains("\"stack\" : \"timed out\"") || index.contains("\"stack\" : \"refused: readers blocked\""))
  }

  @Test("a minute of busy I/O (threads passing through D by the thousand): no thread reported stuck")
  func busyIO() throws {
    let store = try TestStore(initialize: false)
    try FileManager.default.createDirectory(atPath: store.path, withIntermediateDirectories: true)
    let hook = try WebhookReceiver()
    let agent = try AgentProcess(
      store: store,
      arguments: [
        "--stuck-threshold", "1", "--watchdog-interval", "0.1", "--watch-ancestor", "busy-io", "--webhook-url",
        hook.url, "--bundle-directory", store.base + "/bundles", "--probe-interval", "3600",
      ])
    let shell = try WatchdogTests.renamed("/bin/bash", "busy-io", in: store)
    let writers = (0..<8).map { index -> Process in
      let process = Process()
      process.executableURL = URL(fileURLWithPath: shell)
      process.arguments = [
        "-c",
        "end=$((SECONDS+60)); while [ $SECONDS -lt $end ]; do "
          + "dd if=/dev/zero of=\(store.base)/busy-\(index) bs=64k count=16 conv=fsync status=none; done",
      ]
      return process
    }
    for writer in writers { try writer.run() }
    var sawD = 0.0
    while writers.contains(where: \.isRunning) {
      sawD = max(sawD, try agent.metric("groot_dstate_threads") ?? 0)
      #expect(try agent.metric("groot_stuck_threads") == 0)
      usleep(250_000)
    }
    #expect(sawD >= 1, "the writers were never seen in D: the test proved nothing")
    #expect(try agent.metric("groot_stuck_detections_total") == 0)
    #expect(hook.bodies.isEmpty)
    print("busy I/O: up to \(Int(sawD)) watched threads in D at a sample, none stuck")
  }
}
