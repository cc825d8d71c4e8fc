/// What one cohort of hosts did over the range judged, per operation.
public struct Cohort: Codable, Sendable {
  public struct Operation: Codable, Sendable {
    /// Latencies in seconds: every operation's (from journals) or bucket values (from histograms).
    public var latencies: [Double] = []
    public var failures = 0
    /// The true maximum, where the source keeps one (it may exceed the samples').
    public var max: Double?
    /// Unix start times of every operation and of the failed ones, where the source
    /// keeps them (journals), for the report's traffic and errors over time.
    public var starts: [Double] = []
    public var failureStarts: [Double] = []

    public init(latencies: [Double] = [], failures: Int = 0, max: Double? = nil) {
      self.latencies = latencies
      self.failures = failures
      self.max = max
    }

    public var count: Int { latencies.count }
  }

  public var operations: [String: Operation] = [:]
  /// Threads stuck in D seen on any host of the cohort (the watchdog's figure).
  public var stuckThreads = 0
  /// Store liveness probes that failed on any host of the cohort.
  public var probeFailures = 0

  public init(operations: [String: Operation] = [:], stuckThreads: Int = 0, probeFailures: Int = 0) {
    self.operations = operations
    self.stuckThreads = stuckThreads
    self.probeFailures = probeFailures
  }
}
