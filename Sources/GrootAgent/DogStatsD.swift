import Foundation
import GrootTelemetry

#if canImport(Glibc)
  import Glibc
#endif

/// Sends each event to a DogStatsD agent over UDP: the duration as a distribution
/// metric (Datadog keeps true percentiles of those server-side) and a count.
final class DogStatsD: @unchecked Sendable {
  private let fd: Int32
  private var address = sockaddr_in()
  let tags: String

  init?(address text: String, labels: [String: String]) {
    guard let colon = text.lastIndex(of: ":"), let port = UInt16(text[text.index(after: colon)...]) else { return nil }
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = port.bigEndian
    guard inet_pton(AF_INET, String(text[..<colon]), &address.sin_addr) == 1 else { return nil }
    fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
    guard fd >= 0 else { return nil }
    tags = labels.sorted { $0.key < $1.key }.map { "\($0.key):\($0.value)" }.joined(separator: ",")
  }

  deinit { close(fd) }

  func send(_ event: Event) {
    var eventTags = "operation:\(event.operation),outcome:\(event.outcome.rawValue)"
    if let kind = event.errorKind { eventTags += ",error_kind:\(kind)" }
    if !tags.isEmpty { eventTags += "," + tags }
    let milliseconds = String(format: "%.3f", event.durationSeconds * 1000)
    sendRaw("groot.operation.duration:\(milliseconds)|d|#\(eventTags)\ngroot.operations:1|c|#\(eventTags)")
  }

  /// One datagram.
  func sendRaw(_ payload: String) {
    var target = address
    _ = payload.withCString { bytes in
      withUnsafePointer(to: &target) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
          sendto(fd, bytes, strlen(bytes), 0, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
        }
      }
    }
  }
}

extension DogStatsD {
  /// A DogStatsD event: `_e{title length,text length}:title|text|t:error|#tags`.
  func sendEvent(title: String, text: String) {
    let escaped = text.replacingOccurrences(of: "\n", with: "\\n")
    let payload =
      "_e{\(title.utf8.count),\(escaped.utf8.count)}:\(title)|\(escaped)|t:error" + (tags.isEmpty ? "" : "|#\(tags)")
    sendRaw(payload)
  }
}
