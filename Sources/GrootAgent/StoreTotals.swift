import GrootTelemetry

/// Everything cumulative the agent knows about one store, saved together with
/// the journal cursor in one atomic write: after a restart the agent resumes at
/// the cursor with the totals as of that cursor, so no event is lost or counted
/// twice.
struct StoreTotals: Codable, Sendable {
  struct Histogram: Codable, Sendable {
    /// Cumulative counts per bound of MetricFamily.bounds (le semantics).
    var buckets = [Int](repeating: 0, count: MetricFamily.bounds.count)
    var count = 0
    var sum: Double = 0
  }

  var cursor = JournalCursor()
  /// "operation outcome" → count.
  var operations: [String: Int] = [:]
  /// "operation kind" → count.
  var errors: [String: Int] = [:]
  var durations: [String: Histogram] = [:]
  var bytesFetched: Int64 = 0
  var bytesUnpacked: Int64 = 0
  var layersReused = 0
  var layersUnpacked = 0
  var malformedLines = 0
  var eventsFolded = 0

  mutating func fold(_ event: Event) {
    operations["\(event.operation) \(event.outcome.rawValue)", default: 0] += 1
    if let kind = event.errorKind { errors["\(event.operation) \(kind)", default: 0] += 1 }
    var histogram = durations[event.operation] ?? Histogram()
    for (index, bound) in MetricFamily.bounds.enumerated() where event.durationSeconds <= bound {
      histogram.buckets[index] += 1
    }
    histogram.count += 1
    histogram.sum += event.durationSeconds
    durations[event.operation] = histogram
    bytesFetched += event.bytesFetched
    bytesUnpacked += event.bytesUnpacked
    layersReused += event.layersReused
    layersUnpacked += event.layersUnpacked
    eventsFolded += 1
  }
}
