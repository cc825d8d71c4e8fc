import Foundation
import Logging

/// groot-agent's watchdog: samples every thread each interval for stuck
/// uninterruptible sleep, saves an evidence bundle and alerts once per stuck
/// thread, and probes each store's file system for liveness. It runs on threads of
/// its own, never on the HTTP server's, and never waits on anything that can hang
/// without a timeout (`BoundedWorkers`).
public final class Watchdog: @unchecked Sendable {
  public struct StuckThread: Codable, Sendable {
    var pid: Int32
    var tid: Int32
    var command: String
    var seconds: Double
  }

  public struct ProbeState: Codable, Sendable {
    var healthy = true
    var reason: String?
    var failuresTotal = 0
    var probesTotal = 0
    var lastSeconds: Double = 0
  }

  public struct Snapshot: Codable, Sendable {
    var threadsInD = 0
    var stuck: [StuckThread] = []
    /// Cumulative counts of D threads by age, for `ageBounds`.
    var ageBuckets: [Int] = Array(repeating: 0, count: Watchdog.ageBounds.count)
    var detectionsTotal = 0
    var samplesTotal = 0
    var overrunsTotal = 0
    var lastSampleSeconds: Double = 0
    var maxSampleSeconds: Double = 0
    var blockedWorkers = 0
    var abandonedReadsTotal = 0
    var alerts: [String: Int] = [:]
    var bundlesTotal = 0
    var lastBundle: String?
    var probes: [String: ProbeState] = [:]
  }

  static let ownPID = getpid()
  static let ageBounds: [Double] = [1, 5, 10, 30, 60, 120, 300, 600, 1800, 3600]

  let config: WatchdogConfig
  private let stores: [String]
  private let logger: Logger
  private let alerter: Alerter
  private let bundles: EvidenceBundles
  private let scan: ThreadScan
  private let readers: BoundedWorkers
  private let evidence = DispatchQueue(label: "groot-agent.evidence")
  private let lock = NSLock()
  private var state = Snapshot()
  private var probesInFlight = Set<String>()

  init(config: WatchdogConfig, stores: [String], dogstatsd: DogStatsD?, logger: Logger) {
    self.config = config
    self.stores = stores
    self.logger = logger
    alerter = Alerter(
      webhook: config.webhookURL, dogstatsd: dogstatsd, logger: logger, perMinute: config.alertsPerMinute)
    bundles = EvidenceBundles(
      directory: config.bundleDirectory, maxCount: config.maxBundles, maxBytes: config.maxBundleBytes,
      sysrq: config.sysrq, proc: config.procRoot)
    scan = ThreadScan(proc: config.procRoot)
    readers = BoundedWorkers(limit: config.maxBlockedWorkers, timeout: config.readTimeoutSeconds)
    for store in stores { state.probes[store] = ProbeState() }
  }

  public func snapshot() -> Snapshot {
    var snapshot = lock.withLock { state }
    (snapshot.blockedWorkers, snapshot.abandonedReadsTotal) = readers.counts
    snapshot.alerts = Dictionary(uniqueKeysWithValues: alerter.totals.map { ($0.key.rawValue, $0.value) })
    return snapshot
  }

  /// What makes /healthz fail: a store whose probe failed or is still blocked.
  public func problem() -> String? {
    let lines = lock.withLock {
      state.probes.filter { !$0.value.healthy }.map { "\($0.key): \($0.value.reason ?? "probe failed")" }
    }
    return lines.isEmpty ? nil : lines.sorted().joined(separator: "\n")
  }

  public func start() {
    guard config.enabled else { return }
    Thread.detachNewThread { [self] in sampleForever() }
    Thread.detachNewThread { [self] in probeForever() }
  }

  // MARK: Sampling

  private func sampleForever() {
    var detector = StuckDetector(threshold: config.stuckThresholdSeconds)
    var next = monotonicSecondsNow()
    while true {
      let started = monotonicSecondsNow()
      sample(&detector, at: started)
      let took = monotonicSecondsNow() - started
      lock.withLock {
        state.samplesTotal += 1
        state.lastSampleSeconds = took
        state.maxSampleSeconds = max(state.maxSampleSeconds, took)
        if took > config.intervalSeconds { state.overrunsTotal += 1 }
      }
      // The next tick on the interval's grid; ticks a slow sample overran are skipped.
      next += config.intervalSeconds
      let now = monotonicSecondsNow()
      if next < now { next += ((now - next) / config.intervalSeconds).rounded(.up) * config.intervalSeconds }
      usleep(useconds_t(max(0, next - now) * 1e6))
    }
  }

  private func sample(_ detector: inout StuckDetector, at now: Double) {
    let threads = scan.threads()
    var processes: [Int32: ThreadSample] = [:]
    for thread in threads where thread.tid == thread.pid { processes[thread.pid] = thread }
    // The agent's own threads are left out: a worker it abandoned on a hung file
    // system is the probe's finding, reported there.
    let watched = threads.filter { $0.state == "D" && $0.pid != Self.ownPID && isWatched($0, processes) }
    let update = detector.update(watched, at: now) { scan.contextSwitches(pid: $0.pid, tid: $0.tid) }
    var buckets = Array(repeating: 0, count: Self.ageBounds.count)
    for age in update.ages {
      for (index, bound) in Self.ageBounds.enumerated() where age <= bound { buckets[index] += 1 }
    }
    lock.withLock {
      state.threadsInD = update.inD.count
      state.ageBuckets = buckets
      state.stuck = update.stuck.map {
        StuckThread(pid: $0.0.pid, tid: $0.0.tid, command: $0.0.command, seconds: $0.1)
      }
      state.detectionsTotal += update.newlyStuck.count
    }
    for (thread, age) in update.newlyStuck {
      let tree = ancestry(of: thread, processes)
      evidence.async { [self] in report(thread, age: age, tree: tree) }
    }
  }

  /// Whether the filters keep this thread: descended from a named process, in a named cgroup.
  private func isWatched(_ thread: ThreadSample, _ processes: [Int32: ThreadSample]) -> Bool {
    if !config.ancestors.isEmpty,
      !ancestry(of: thread, processes).contains(where: { config.ancestors.contains($0.command) })
    {
      return false
    }
    if !config.cgroups.isEmpty {
      guard case .done(let bytes?) = readers.read("\(config.procRoot)/\(thread.pid)/cgroup", limit: 4096) else {
        return false
      }
      let text = String(decoding: bytes, as: UTF8.self)
      let paths = text.split(separator: "\n").compactMap { $0.split(separator: ":", maxSplits: 2).last }
      return paths.contains { path in config.cgroups.contains { path.hasPrefix($0) } }
    }
    return true
  }

  /// The thread's process and its ancestors, nearest first.
  private func ancestry(of thread: ThreadSample, _ processes: [Int32: ThreadSample]) -> [ThreadSample] {
    var chain: [ThreadSample] = []
    var pid = thread.pid
    while let process = processes[pid], chain.count < 64 {
      chain.append(process)
      guard process.parent > 0, process.parent != pid else { break }
      pid = process.parent
    }
    return chain
  }

  private func report(_ thread: ThreadSample, age: Double, tree: [ThreadSample]) {
    let bundle = counted(bundles.write(stuck: thread, age: age, tree: tree, stores: stores, workers: readers))
    let container = containerID(fromCgroup: readPrefixIfQuick("\(config.procRoot)/\(thread.pid)/cgroup"))
    alerter.send(
      Alerter.Alert(
        title: "groot-agent: thread stuck in D on \(Host.name)",
        fields: [
          ("host", Host.name), ("thread", "\(thread.tid) (pid \(thread.pid))"), ("command", thread.command),
          ("container", container ?? "none"), ("stuck for", String(format: "%.0f s", age)),
          ("bundle", bundle ?? "not written"),
        ], key: "tid:\(thread.tid):\(thread.startTime)"))
  }

  /// A bundle's path, counted in the metrics when it was written.
  private func counted(_ bundle: String?) -> String? {
    lock.withLock {
      if bundle != nil { state.bundlesTotal += 1 }
      state.lastBundle = bundle ?? state.lastBundle
    }
    return bundle
  }

  private func readPrefixIfQuick(_ path: String) -> [UInt8]? {
    if case .done(let bytes) = readers.read(path, limit: 4096) { return bytes }
    return nil
  }

  // MARK: Store probes

  private func probeForever() {
    while true {
      for store in stores { probe(store) }
      usleep(useconds_t(config.probeIntervalSeconds * 1e6))
    }
  }

  /// Writes, fsyncs and removes a small file in `store`, on a worker, within the
  /// timeout. A probe still blocked from before is not started again.
  func probe(_ store: String) {
    guard lock.withLock({ probesInFlight.insert(store).inserted }) else { return }
    let path = store + "/.groot-agent-probe"
    let done = DispatchSemaphore(value: 0)
    let result = ProbeResult()
    let started = monotonicSecondsNow()
    Thread.detachNewThread { [self] in
      result.set(writeProbe(path))
      lock.withLock { _ = probesInFlight.remove(store) }
      done.signal()
    }
    let finished = done.wait(timeout: .now() + config.probeTimeoutSeconds) == .success
    let failure: String? =
      finished ? result.get() : "probe write did not finish in \(PrometheusText.number(config.probeTimeoutSeconds)) s"
    let wasHealthy = lock.withLock {
      var probe = state.probes[store] ?? ProbeState()
      let was = probe.healthy
      probe.probesTotal += 1
      probe.lastSeconds = monotonicSecondsNow() - started
      probe.healthy = failure == nil
      probe.reason = failure
      if failure != nil { probe.failuresTotal += 1 }
      state.probes[store] = probe
      return was
    }
    guard let failure, wasHealthy else { return }
    evidence.async { [self] in
      let bundle = counted(bundles.write(probeFailure: store, reason: failure, stores: stores, workers: readers))
      alerter.send(
        Alerter.Alert(
          title: "groot-agent: store probe failed on \(Host.name)",
          fields: [("host", Host.name), ("store", store), ("reason", failure), ("bundle", bundle ?? "not written")],
          key: "store:\(store)"))
    }
  }

  /// nil when the file was written, synced and removed; else what failed.
  private func writeProbe(_ path: String) -> String? {
    let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
    guard fd >= 0 else { return "cannot create \(path): \(String(cString: strerror(errno)))" }
    defer { unlink(path) }
    let text = "groot-agent probe\n"
    let wrote = write(fd, text, text.utf8.count) == text.utf8.count
    let synced = fsync(fd) == 0
    let error = errno
    close(fd)
    return wrote && synced ? nil : "cannot write \(path): \(String(cString: strerror(error)))"
  }
}

private final class ProbeResult: @unchecked Sendable {
  private let lock = NSLock()
  private var value: String?
  func set(_ value: String?) { lock.withLock { self.value = value } }
  func get() -> String? { lock.withLock { value } }
}
