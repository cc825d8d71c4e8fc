import AsyncHTTPClient
import Foundation
import NIOCore
import NIOFoundationCompat

/// Cohorts from a Prometheus server that scrapes the agents, told apart by a label
/// the agents export (`groot-agent --label cohort=canary`). Each operation's
/// latencies come from its histogram's bucket increases over the range (each
/// operation counted at its bucket's upper bound, so ties are many and the rank test
/// stays exact about them); the exact max from the agents' `_max` gauges.
public struct PrometheusCohorts: Sendable {
  public let url: String
  public let label: String
  /// How far back to look.
  public let rangeSeconds: Int
  /// The same as a Prometheus range.
  var range: String { "\(rangeSeconds)s" }

  public init(url: String, label: String, rangeSeconds: Int) {
    self.url = url.hasSuffix("/") ? String(url.dropLast()) : url
    self.label = label
    self.rangeSeconds = rangeSeconds
  }

  static let families = [
    ("create", "groot_image_creation_time_seconds"), ("delete", "groot_image_deletion_time_seconds"),
    ("stats", "groot_image_stats_time_seconds"), ("clean", "groot_image_clean_time_seconds"),
  ]

  public func cohort(_ value: String) async throws -> Cohort {
    let selector = "\(label)=\"\(value)\""
    var cohort = Cohort()
    for (operation, family) in Self.families {
      let buckets = try await increase(of: "\(family)_bucket{\(selector)}", by: "le")
      var bounds = buckets.compactMap { entry -> (Double, Double)? in
        guard let le = entry.labels["le"] else { return nil }
        return (le == "+Inf" ? .infinity : Double(le) ?? .nan, entry.value)
      }.filter { !$0.0.isNaN }
      bounds.sort { $0.0 < $1.0 }
      let max = try await vector("max(max_over_time(\(family)_max{\(selector)}[\(range)]))").first?.value
      var latencies: [Double] = []
      var below = 0.0
      for (bound, cumulative) in bounds {
        let count = Int((cumulative - below).rounded())
        below = cumulative
        guard count > 0 else { continue }
        let value = bound.isFinite ? bound : (max ?? bounds.last(where: { $0.0.isFinite })?.0 ?? 0)
        latencies += Array(repeating: value, count: count)
      }
      guard !latencies.isEmpty else { continue }
      let operations = "groot_operations_total{\(selector),operation=\"\(operation)\""
      let failed = operations + ",outcome=\"failure\"}"
      let failures = try await increase(of: failed, by: nil).first?.value ?? 0
      var judged = Cohort.Operation(latencies: latencies, failures: Int(failures.rounded()), max: max)
      // Traffic and failures over time, for the report: the counters' growth per thirtieth of the range.
      judged.starts = try await timeline("sum(\(operations)})")
      judged.failureStarts = try await timeline("sum(\(failed))")
      cohort.operations[operation] = judged
    }
    cohort.stuckThreads = Int(
      try await vector("max(max_over_time(groot_stuck_threads{\(selector)}[\(range)]))").first?.value ?? 0)
    cohort.probeFailures = Int(
      (try await increase(of: "groot_store_probe_failures_total{\(selector)}", by: nil).first?.value ?? 0).rounded())
    return cohort
  }

  /// How much the sum of a series' counters grew over the range: its value now less its value
  /// a range ago (a series that did not exist then counts from 0). Unlike
  /// `increase()`, this counts a series born inside the range from zero, and the
  /// agents' counters never reset (their totals survive restarts).
  func increase(of series: String, by label: String?) async throws -> [Sample] {
    let sum = label.map { "sum by (\($0))" } ?? "sum"
    let now = try await vector("\(sum) (\(series))")
    let before = try await vector("\(sum) (\(series) offset \(range))")
    return now.map { sample in
      let earlier = before.first { label == nil || $0.labels[label!] == sample.labels[label!] }?.value ?? 0
      return Sample(labels: sample.labels, value: sample.value - earlier)
    }
  }

  struct Sample {
    var labels: [String: String]
    var value: Double
  }

  /// A counter sum's growth in each of 30 steps over the range, as that many
  /// times at each step's middle (the shape the report's timeline takes).
  func timeline(_ sum: String) async throws -> [Double] {
    let seconds = Double(rangeSeconds)
    let end = Date().timeIntervalSince1970
    let step = Swift.max(1, seconds / 30)
    var components = URLComponents(string: url + "/api/v1/query_range")
    components?.queryItems = [
      URLQueryItem(name: "query", value: sum), URLQueryItem(name: "start", value: String(end - seconds - step)),
      URLQueryItem(name: "end", value: String(end)), URLQueryItem(name: "step", value: String(step)),
    ]
    guard let target = components?.url?.absoluteString,
      let json = try await get(target) as? [String: Any], let data = json["data"] as? [String: Any],
      let series = (data["result"] as? [[String: Any]])?.first, let values = series["values"] as? [[Any]]
    else { return [] }
    let points = values.compactMap { pair -> (Double, Double)? in
      guard let time = pair.first as? Double, let text = pair.last as? String, let value = Double(text) else {
        return nil
      }
      return (time, value)
    }
    var starts: [Double] = []
    for (previous, next) in zip(points, points.dropFirst()) {
      let grown = Int((next.1 - previous.1).rounded())
      if grown > 0 { starts += Array(repeating: (previous.0 + next.0) / 2, count: grown) }
    }
    return starts
  }

  /// A query's decoded JSON answer; any status but 200 is an error.
  private func get(_ target: String) async throws -> Any {
    let response = try await HTTPClient.shared.execute(HTTPClientRequest(url: target), timeout: .seconds(30))
    let body = try await response.body.collect(upTo: 64 << 20)
    guard response.status.code == 200 else { throw CanaryError.prometheus(url, "HTTP \(response.status.code)") }
    return try JSONSerialization.jsonObject(with: Data(buffer: body))
  }

  /// An instant query's vector.
  func vector(_ query: String) async throws -> [Sample] {
    var components = URLComponents(string: url + "/api/v1/query")
    components?.queryItems = [URLQueryItem(name: "query", value: query)]
    guard let target = components?.url?.absoluteString else { throw CanaryError.prometheus(url, "not a URL") }
    guard let json = try await get(target) as? [String: Any], let data = json["data"] as? [String: Any],
      let result = data["result"] as? [[String: Any]]
    else { throw CanaryError.prometheus(url, "query failed: \(query)") }
    return result.compactMap { entry in
      guard let value = entry["value"] as? [Any], let text = value.last as? String, let number = Double(text) else {
        return nil
      }
      return Sample(labels: entry["metric"] as? [String: String] ?? [:], value: number)
    }
  }
}

public enum CanaryError: Error, CustomStringConvertible {
  case prometheus(String, String)

  public var description: String {
    switch self {
    case .prometheus(let url, let reason): "cannot read cohorts from Prometheus at \(url): \(reason)"
    }
  }
}
