import AsyncHTTPClient
import Foundation
import Logging
import NIOCore

/// Says that a thread is stuck or a store probe failed: always a log line; a
/// Slack-compatible webhook POST, retried with backoff; a DogStatsD event. It runs
/// apart from the sampler, so an endpoint that hangs or fails delays nothing but
/// its own alert. At most `perMinute` alerts leave the host in any minute; the
/// rest are counted as suppressed (the log line is still written).
final class Alerter: @unchecked Sendable {
  struct Alert: Sendable {
    var title: String
    var fields: [(String, String)]
    var key: String
  }

  enum Outcome: String, CaseIterable { case sent, failed, suppressed }

  private let webhook: String?
  private let dogstatsd: DogStatsD?
  private let logger: Logger
  private let perMinute: Int
  private let attempts: Int
  private let lock = NSLock()
  private var recent: [Double] = []
  private var counts: [Outcome: Int] = [:]

  init(webhook: String?, dogstatsd: DogStatsD?, logger: Logger, perMinute: Int = 10, attempts: Int = 5) {
    self.webhook = webhook
    self.dogstatsd = dogstatsd
    self.logger = logger
    self.perMinute = perMinute
    self.attempts = attempts
  }

  var totals: [Outcome: Int] { lock.withLock { counts } }

  func send(_ alert: Alert) {
    logger.error(
      "\(alert.title)", metadata: Dictionary(alert.fields.map { ($0.0, .string($0.1)) }, uniquingKeysWith: { $1 }))
    let now = monotonicSecondsNow()
    let allowed = lock.withLock {
      recent = recent.filter { now - $0 < 60 }
      guard recent.count < perMinute else {
        counts[.suppressed, default: 0] += 1
        return false
      }
      recent.append(now)
      return true
    }
    guard allowed else { return }
    dogstatsd?.sendEvent(title: alert.title, text: alert.fields.map { "\($0.0): \($0.1)" }.joined(separator: "\n"))
    guard let webhook else { return }
    let body = Self.slackJSON(alert)
    Task.detached { [self] in
      let sent = await post(body, to: webhook)
      lock.withLock { counts[sent ? .sent : .failed, default: 0] += 1 }
      if !sent { logger.error("alert not delivered", metadata: ["webhook": "\(webhook)", "alert": "\(alert.title)"]) }
    }
  }

  private func post(_ body: [UInt8], to url: String) async -> Bool {
    for attempt in 0..<attempts {
      if attempt > 0 { try? await Task.sleep(nanoseconds: UInt64(min(30, 0.5 * pow(2, Double(attempt))) * 1e9)) }
      var request = HTTPClientRequest(url: url)
      request.method = .POST
      request.headers.add(name: "Content-Type", value: "application/json")
      request.body = .bytes(ByteBuffer(bytes: body))
      if let response = try? await HTTPClient.shared.execute(request, timeout: .seconds(5)),
        (200..<300).contains(response.status.code)
      {
        return true
      }
    }
    return false
  }

  /// Slack's incoming-webhook shape: `text`, and the details as attachment fields.
  static func slackJSON(_ alert: Alert) -> [UInt8] {
    let fields: [[String: Any]] = alert.fields.map { ["title": $0.0, "value": $0.1, "short": $0.1.count < 40] }
    let object: [String: Any] = [
      "text": ":rotating_light: " + alert.title,
      "attachments": [["color": "danger", "fields": fields]],
    ]
    return Array((try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data())
  }
}

func monotonicSecondsNow() -> Double {
  var now = timespec()
  clock_gettime(CLOCK_MONOTONIC, &now)
  return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
}
