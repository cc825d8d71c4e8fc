import Foundation
import Logging

/// swift-log handler writing one JSON object per line (to stderr or --log-file),
/// each line in a single write so concurrent groot processes never interleave.
public struct JSONLogHandler: LogHandler {
  public var metadata: Logger.Metadata = [:]
  public var logLevel: Logger.Level
  private let fd: Int32
  private let label: String

  public init(label: String, fd: Int32, level: Logger.Level) {
    self.label = label
    self.fd = fd
    self.logLevel = level
  }

  public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
    get { metadata[key] }
    set { metadata[key] = newValue }
  }

  public func log(event: LogEvent) {
    var object: [String: Any] = [
      "timestamp": ISO8601DateFormatter.string(
        from: Date(), timeZone: .gmt, formatOptions: [.withInternetDateTime, .withFractionalSeconds]),
      "level": event.level.rawValue,
      "source": label,
      "message": "\(event.message)",
    ]
    var data: [String: String] = [:]
    for (key, value) in metadata.merging(event.metadata ?? [:], uniquingKeysWith: { $1 }) {
      data[key] = "\(value)"
    }
    if !data.isEmpty { object["data"] = data }
    guard
      var line = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
    else { return }
    line.append(0x0a)
    line.withUnsafeBytes { _ = write(fd, $0.baseAddress, $0.count) }
  }
}
