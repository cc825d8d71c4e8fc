import Foundation
import GrootIO
import GrootTelemetry
import Logging

/// The agent's state: per-store totals (persisted with their journal cursors),
/// latency windows, saturation samples. Read by HTTP handlers, written by the
/// tailer; one lock guards it.
public final class Folder: @unchecked Sendable {
  let config: AgentConfig
  private let lock = NSLock()
  private let logger: Logger
  private let statsd: DogStatsD?
  private var totals: [String: StoreTotals] = [:]
  private var windows: Windows
  private var saturation: [String: Saturation] = [:]
  private var problems: [String: String] = [:]
  private var lastSaturationSample: Double = 0
  /// One writer per store: saving the state waits on the store's file system, which
  /// can hang (frozen, dead disk); the agent must not hang with it.
  private var writers: [String: BoundedWorkers] = [:]
  static let saveTimeout: Double = 5

  public init(config: AgentConfig, logger: Logger) {
    self.config = config
    self.logger = logger
    self.windows = Windows(length: config.windowSeconds, now: Date().timeIntervalSince1970)
    self.statsd = config.dogstatsd.flatMap { DogStatsD(address: $0, labels: config.labels) }
    for store in config.stores {
      totals[store] = Self.loadTotals(store: store)
      writers[store] = BoundedWorkers(limit: 1, timeout: Self.saveTimeout)
    }
  }

  static func statePath(store: String) -> String { store.appending(path: "events/agent-state.json") }

  private static func loadTotals(store: String) -> StoreTotals {
    guard let bytes = try? FileSystem.readFile(statePath(store: store)),
      let totals = try? JSONDecoder().decode(StoreTotals.self, from: Data(bytes))
    else { return StoreTotals() }
    return totals
  }

  /// Reads new events from every store's journal and folds them in.
  public func poll() {
    let now = Date().timeIntervalSince1970
    lock.withLock { windows.roll(now: now) }
    for store in config.stores { poll(store: store) }
    if now - lastSaturationSample >= 5 {
      lastSaturationSample = now
      for store in config.stores {
        let sample = Saturation.sample(store: store)
        lock.withLock { saturation[store] = sample }
      }
    }
  }

  private func poll(store: String) {
    let journal = Journal(store: store)
    var state = lock.withLock { totals[store] ?? StoreTotals() }
    let batch = JournalReader(journal: journal).read(from: state.cursor)
    guard batch.cursor != state.cursor || !batch.events.isEmpty else { return }
    for event in batch.events { state.fold(event) }
    state.malformedLines += batch.malformedLines
    state.cursor = batch.cursor
    let bytes = (try? JSONEncoder().encode(state)).map(Array.init) ?? []
    let path = Self.statePath(store: store)
    let finished = batch.finishedSegments.map(journal.segmentPath)
    let failure: String?
    switch writers[store]!.run({ () -> String? in
      do {
        try FileSystem.writeAtomically(bytes, to: path)
        for segment in finished { unlink(segment) }
        return nil
      } catch {
        return "cannot save agent state: \(error)"
      }
    }) {
    case .done(let error): failure = error
    case .timedOut:
      failure =
        "saving agent state did not finish in \(Int(Self.saveTimeout)) s: the store's file system is not taking writes"
    case .refused:
      failure = "an earlier save of agent state is still blocked: the store's file system is not taking writes"
    }
    if let failure {
      // Not saved: fold nothing, so the same events are read again next time.
      lock.withLock { problems[store] = failure }
      logger.error("cannot save agent state", metadata: ["store": "\(store)", "error": "\(failure)"])
      return
    }
    lock.withLock {
      totals[store] = state
      problems[store] = nil
      for event in batch.events { windows.record(operation: event.operation, seconds: event.durationSeconds) }
    }
    for event in batch.events { statsd?.send(event) }
    if batch.malformedLines > 0 {
      logger.error(
        "malformed journal lines skipped", metadata: ["store": "\(store)", "count": "\(batch.malformedLines)"])
    }
  }

  /// What /healthz reports: nil when healthy.
  public func problem() -> String? {
    lock.withLock {
      var lines = problems.map { "\($0.key): \($0.value)" }
      for store in config.stores where !FileManager.default.isReadableFile(atPath: store.appending(path: "store.json"))
      {
        lines.append("\(store): store not readable")
      }
      return lines.isEmpty ? nil : lines.sorted().joined(separator: "\n")
    }
  }

  struct Snapshot: Codable {
    var labels: [String: String]
    var stores: [String: StoreTotals]
    var saturation: [String: Saturation]
    var windowSeconds: Double
    var currentWindow: [String: Windows.Summary]
    var lastWindow: [String: Windows.Summary]
  }

  func snapshot() -> Snapshot {
    lock.withLock {
      Snapshot(
        labels: config.labels, stores: totals, saturation: saturation, windowSeconds: windows.length,
        currentWindow: windows.current.mapValues(\.summary), lastWindow: windows.last)
    }
  }
}
