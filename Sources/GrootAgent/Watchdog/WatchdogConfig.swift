/// The watchdog's settings: the `watchdog:` section of the agent's YAML, under flags.
public struct WatchdogConfig: Decodable, Sendable {
  public var enabled = true
  /// How often every thread is read.
  public var intervalSeconds: Double = 1
  /// In D with unchanged context switches for longer than this: stuck (the kernel's
  /// hung-task detector uses 120 s).
  public var stuckThresholdSeconds: Double = 120
  /// Only threads of processes descended from processes with these command names
  /// (e.g. gdn, groot, runc); empty: every thread on the host.
  public var ancestors: [String] = []
  /// Only threads whose cgroup path starts with one of these; empty: any.
  public var cgroups: [String] = []
  /// Slack-compatible webhook that alerts are POSTed to.
  public var webhookURL: String?
  public var alertsPerMinute = 10
  public var bundleDirectory = "/var/lib/groot-agent/bundles"
  public var maxBundles = 50
  public var maxBundleBytes: Int64 = 256 << 20
  /// Write `w` to /proc/sysrq-trigger for a blocked-task dump in each bundle.
  public var sysrq = false
  /// A read of /proc (or a probe write) that takes longer is abandoned.
  public var readTimeoutSeconds: Double = 2
  /// Abandoned workers allowed at once; past that, such reads are refused.
  public var maxBlockedWorkers = 8
  /// The store liveness probe: write, fsync and remove a file in each store.
  public var probeIntervalSeconds: Double = 60
  public var probeTimeoutSeconds: Double = 10
  /// Where /proc is mounted (a test may give a tree whose files block).
  public var procRoot = "/proc"

  enum CodingKeys: String, CodingKey {
    case enabled, ancestors, cgroups, sysrq
    case intervalSeconds = "interval_seconds"
    case stuckThresholdSeconds = "stuck_threshold_seconds"
    case webhookURL = "webhook_url"
    case alertsPerMinute = "alerts_per_minute"
    case bundleDirectory = "bundle_directory"
    case maxBundles = "max_bundles"
    case maxBundleBytes = "max_bundle_bytes"
    case readTimeoutSeconds = "read_timeout_seconds"
    case maxBlockedWorkers = "max_blocked_workers"
    case probeIntervalSeconds = "probe_interval_seconds"
    case probeTimeoutSeconds = "probe_timeout_seconds"
    case procRoot = "proc_root"
  }

  public init() {}

  public init(from decoder: Decoder) throws {
    let c = try decoder.container(keyedBy: CodingKeys.self)
    let d = WatchdogConfig()
    enabled = try c.decodeIfPresent(Bool.self, forKey: .enabled) ?? d.enabled
    intervalSeconds = try c.decodeIfPresent(Double.self, forKey: .intervalSeconds) ?? d.intervalSeconds
    stuckThresholdSeconds =
      try c.decodeIfPresent(Double.self, forKey: .stuckThresholdSeconds) ?? d.stuckThresholdSeconds
    ancestors = try c.decodeIfPresent([String].self, forKey: .ancestors) ?? d.ancestors
    cgroups = try c.decodeIfPresent([String].self, forKey: .cgroups) ?? d.cgroups
    webhookURL = try c.decodeIfPresent(String.self, forKey: .webhookURL)
    alertsPerMinute = try c.decodeIfPresent(Int.self, forKey: .alertsPerMinute) ?? d.alertsPerMinute
    bundleDirectory = try c.decodeIfPresent(String.self, forKey: .bundleDirectory) ?? d.bundleDirectory
    maxBundles = try c.decodeIfPresent(Int.self, forKey: .maxBundles) ?? d.maxBundles
    maxBundleBytes = try c.decodeIfPresent(Int64.self, forKey: .maxBundleBytes) ?? d.maxBundleBytes
    sysrq = try c.decodeIfPresent(Bool.self, forKey: .sysrq) ?? d.sysrq
    readTimeoutSeconds = try c.decodeIfPresent(Double.self, forKey: .readTimeoutSeconds) ?? d.readTimeoutSeconds
    maxBlockedWorkers = try c.decodeIfPresent(Int.self, forKey: .maxBlockedWorkers) ?? d.maxBlockedWorkers
    probeIntervalSeconds = try c.decodeIfPresent(Double.self, forKey: .probeIntervalSeconds) ?? d.probeIntervalSeconds
    probeTimeoutSeconds = try c.decodeIfPresent(Double.self, forKey: .probeTimeoutSeconds) ?? d.probeTimeoutSeconds
    procRoot = try c.decodeIfPresent(String.self, forKey: .procRoot) ?? d.procRoot
  }

  /// A setting that cannot work, named; nil when all can.
  func problem() -> String? {
    if intervalSeconds <= 0 { return "watchdog interval_seconds must be positive" }
    if stuckThresholdSeconds < 1 { return "watchdog stuck_threshold_seconds must be at least 1" }
    if probeIntervalSeconds <= 0 || probeTimeoutSeconds <= 0 {
      return "watchdog probe interval and timeout must be positive"
    }
    if maxBundles < 1 || maxBundleBytes < 1 { return "watchdog max_bundles and max_bundle_bytes must be positive" }
    return nil
  }
}
