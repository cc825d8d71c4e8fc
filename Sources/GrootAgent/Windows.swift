import Histogram

/// Latency per operation over fixed time windows, in an HDR histogram (three
/// significant digits) plus the exact maximum: percentiles and the max of the
/// current window and of the last complete one, never an average.
struct Windows: Sendable {
  struct Summary: Codable, Sendable {
    var count: Int
    var max: Double
    var p50: Double
    var p90: Double
    var p99: Double
    var p999: Double
  }

  struct Window: Sendable {
    var histogram = Histogram<UInt64>(highestTrackableValue: 3_600_000_000, numberOfSignificantValueDigits: .three)
    var exactMax: Double = 0
    var count = 0

    mutating func record(_ seconds: Double) {
      _ = histogram.record(UInt64(max(1, (seconds * 1e6).rounded())))
      exactMax = max(exactMax, seconds)
      count += 1
    }

    var summary: Summary {
      func quantile(_ q: Double) -> Double { Double(histogram.valueAtPercentile(q * 100)) / 1e6 }
      return Summary(
        count: count, max: exactMax, p50: quantile(0.5), p90: quantile(0.9), p99: quantile(0.99),
        p999: quantile(0.999))
    }
  }

  let length: Double
  private(set) var start: Double
  private(set) var current: [String: Window] = [:]
  private(set) var last: [String: Summary] = [:]

  init(length: Double, now: Double) {
    self.length = length
    self.start = now
  }

  /// Ends the current window if its time is up.
  mutating func roll(now: Double) {
    guard now - start >= length else { return }
    last = current.mapValues(\.summary)
    current = [:]
    // Windows stay aligned to their length even after an idle spell.
    start += ((now - start) / length).rounded(.down) * length
  }

  mutating func record(operation: String, seconds: Double) {
    current[operation, default: Window()].record(seconds)
  }
}
