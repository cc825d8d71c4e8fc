import Foundation
import GrootIO
import Yams

/// groot-agent's settings: a YAML file, overridden by flags.
public struct AgentConfig: Decodable, Sendable {
  public var stores: [String] = []
  public var listen = "127.0.0.1:9273"
  public var windowSeconds: Double = 60
  public var pollIntervalSeconds: Double = 0.2
  /// Labels on every series, e.g. cohort and host, so that hosts on new and old
  /// code can be told apart downstream.
  public var labels: [String: String] = [:]
  /// host:port of a DogStatsD agent to send distributions to (optional).
  public var dogstatsd: String?
  /// The D-state watchdog and store liveness probe.
  public var watchdog = WatchdogConfig()
  /// The dashboard's cohort view: cohorts compared from this Prometheus.
  public var cohorts: CohortView?

  /// A Prometheus that scrapes both cohorts' agents, and how they are told apart.
  public struct CohortView: Decodable, Sendable {
    public var prometheus: String
    public var label = "cohort"
    public var baseline = "baseline"
    public var canary = "canary"
    public var rangeSeconds = 3600

    enum CodingKeys: String, CodingKey {
      case prometheus, label, baseline, canary
      case rangeSeconds = "range_seconds"
    }

    public init(prometheus: String) { self.prometheus = prometheus }

    public init(from decoder: Decoder) throws {
      let c = try decoder.container(keyedBy: CodingKeys.self)
      prometheus = try c.decode(String.self, forKey: .prometheus)
      label = try c.decodeIfPresent(String.self, forKey: .label) ?? label
      baseline = try c.decodeIfPresent(String.self, forKey: .baseline) ?? baseline
      canary = try c.decodeIfPresent(String.self, forKey: .canary) ?? canary
      rangeSeconds = try c.decodeIfPresent(Int.self, forKey: .rangeSeconds) ?? rangeSeconds
    }
  }

  enum CodingKeys: String, CodingKey {
    case stores, listen, labels, dogstatsd, watchdog, cohorts
    case windowSeconds = "window_seconds"
    case pollIntervalSeconds = "poll_interval_seconds"
  }

  public init() {}

  public init(from decoder: Decoder) throws {
    let container = try decoder.container(keyedBy: CodingKeys.self)
    stores = try container.decodeIfPresent([String].self, forKey: .stores) ?? []
    listen = try container.decodeIfPresent(String.self, forKey: .listen) ?? listen
    windowSeconds = try container.decodeIfPresent(Double.self, forKey: .windowSeconds) ?? windowSeconds
    pollIntervalSeconds = try container.decodeIfPresent(Double.self, forKey: .pollIntervalSeconds) ?? 0.2
    labels = try container.decodeIfPresent([String: String].self, forKey: .labels) ?? [:]
    dogstatsd = try container.decodeIfPresent(String.self, forKey: .dogstatsd)
    watchdog = try container.decodeIfPresent(WatchdogConfig.self, forKey: .watchdog) ?? WatchdogConfig()
    cohorts = try container.decodeIfPresent(CohortView.self, forKey: .cohorts)
  }

  public static func load(path: String) throws -> AgentConfig {
    let text = String(decoding: try FileSystem.readFile(path, limit: 1 << 20), as: UTF8.self)
    do {
      return try YAMLDecoder().decode(AgentConfig.self, from: text)
    } catch {
      throw AgentError.config(path: path, reason: "\(error)".split(separator: "\n").first.map(String.init) ?? "")
    }
  }

  /// Host and port of `listen`.
  public func listenAddress() throws -> (host: String, port: Int) {
    guard let colon = listen.lastIndex(of: ":"), let port = Int(listen[listen.index(after: colon)...]) else {
      throw AgentError.config(path: "--listen", reason: "expected HOST:PORT, got '\(listen)'")
    }
    return (String(listen[..<colon]), port)
  }
}

public enum AgentError: ClassifiedError {
  case config(path: String, reason: String)

  public var kind: ErrorKind? {
    switch self {
    case .config: return .invalidArgument
    }
  }

  public var description: String {
    switch self {
    case .config(let path, let reason): return "invalid agent config \(path): \(reason)"
    }
  }
}
