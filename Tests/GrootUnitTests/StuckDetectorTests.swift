import Foundation
import Testing

@testable import GrootAgent

/// The watchdog's judgement: stuck means in D with no context switch for longer
/// than the threshold; passing through D, however often, never adds up.
@Suite("Stuck detector")
struct StuckDetectorTests {
  static func thread(_ tid: Int32, state: Character = "D", start: UInt64 = 100) -> ThreadSample {
    ThreadSample(
      pid: tid,
      stat: "\(tid) (wri ter) \(state) 1 " + (5...22).map { $0 == 22 ? "\(start)" : "0" }.joined(separator: " "))!
  }

  @Test("a thread in D with unchanged switches is stuck after the threshold, reported once")
  func stuckOnce() {
    var detector = StuckDetector(threshold: 10)
    let writer = Self.thread(7)
    #expect(detector.update([writer], at: 0) { _ in 5 }.stuck.isEmpty)
    #expect(detector.update([writer], at: 9.9) { _ in 5 }.stuck.isEmpty)
    let crossing = detector.update([writer], at: 10) { _ in 5 }
    #expect(crossing.newlyStuck.map(\.0.tid) == [7])
    let later = detector.update([writer], at: 60) { _ in 5 }
    #expect(later.stuck.map(\.1) == [60])
    #expect(later.newlyStuck.isEmpty)
  }

  @Test("a context switch starts the count again; leaving D forgets the thread")
  func busyIsNotStuck() {
    var detector = StuckDetector(threshold: 10)
    for second in 0..<100 {
      // In D at every sample, as under heavy fsync load, but switching.
      let update = detector.update([Self.thread(7)], at: Double(second)) { _ in UInt64(second) }
      #expect(update.stuck.isEmpty)
      #expect(update.inD.count == 1)
    }
    _ = detector.update([Self.thread(7, state: "S")], at: 100) { _ in 100 }
    #expect(detector.tracked.isEmpty)
  }

  @Test("a reused tid with a new start time is a new thread")
  func reusedTID() {
    var detector = StuckDetector(threshold: 10)
    _ = detector.update([Self.thread(7, start: 100)], at: 0) { _ in 1 }
    let update = detector.update([Self.thread(7, start: 200)], at: 15) { _ in 1 }
    #expect(update.stuck.isEmpty)
    #expect(update.ages == [0])
  }

  @Test("stat lines with spaces and parentheses in the command parse")
  func parsesStat() throws {
    let sample = try #require(
      ThreadSample(pid: 9, stat: "12 (a (b) c) D 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 4242 22"))
    #expect(sample.command == "a (b) c")
    #expect(sample.state == "D")
    #expect(sample.parent == 3)
    #expect(sample.startTime == 4242)
    #expect(ThreadSample(pid: 1, stat: "garbage") == nil)
  }
}

@Suite("Watchdog config")
struct WatchdogConfigTests {
  @Test("the watchdog: section of the agent's YAML sets every knob; defaults otherwise; nonsense is refused")
  func yaml() throws {
    let path = "/tmp/groot-agent-config-\(getpid()).yml"
    defer { unlink(path) }
    try """
    stores: [/s]
    watchdog:
      interval_seconds: 0.5
      stuck_threshold_seconds: 30
      ancestors: [gdn, runc]
      cgroups: [/garden]
      webhook_url: http://127.0.0.1:1/hook
      alerts_per_minute: 3
      bundle_directory: /b
      max_bundles: 7
      max_bundle_bytes: 1000
      sysrq: true
      read_timeout_seconds: 1
      max_blocked_workers: 2
      probe_interval_seconds: 5
      probe_timeout_seconds: 2
    """.write(toFile: path, atomically: true, encoding: .utf8)
    let config = try AgentConfig.load(path: path).watchdog
    #expect(config.intervalSeconds == 0.5 && config.stuckThresholdSeconds == 30)
    #expect(config.ancestors == ["gdn", "runc"] && config.cgroups == ["/garden"])
    #expect(config.webhookURL == "http://127.0.0.1:1/hook" && config.alertsPerMinute == 3)
    #expect(config.bundleDirectory == "/b" && config.maxBundles == 7 && config.maxBundleBytes == 1000)
    #expect(config.sysrq && config.readTimeoutSeconds == 1 && config.maxBlockedWorkers == 2)
    #expect(config.probeIntervalSeconds == 5 && config.probeTimeoutSeconds == 2)
    #expect(config.problem() == nil)
    #expect(WatchdogConfig().stuckThresholdSeconds == 120 && WatchdogConfig().intervalSeconds == 1)
    var bad = WatchdogConfig()
    bad.stuckThresholdSeconds = 0.5
    #expect(bad.problem() != nil)
  }
}
