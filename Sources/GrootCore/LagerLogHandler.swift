import Foundation
import GrootIO
import Logging

#if canImport(Glibc)
  import Glibc
#endif

/// swift-log handler writing lager's JSON, the format Garden's re-logger (lager's
/// chug) parses from an image plugin's stderr and GrootFS writes:
/// `{"timestamp":…,"level":"info","source":"grootfs","message":"grootfs.create.image-created","data":{…}}`,
/// or with unix-epoch timestamps lager's older `{"timestamp":"1764…","log_level":1,…}`.
/// Each line goes out in one write, so concurrent groot processes never interleave.
struct LagerLogHandler: LogHandler {
  var metadata: Logger.Metadata = [:]
  var logLevel: Logger.Level
  private let fd: Int32
  private let label: String
  private let timestampFormat: LogTimestampFormat

  init(label: String, fd: Int32, level: Logger.Level, timestampFormat: LogTimestampFormat) {
    self.label = label
    self.fd = fd
    self.logLevel = level
    self.timestampFormat = timestampFormat
  }

  subscript(metadataKey key: String) -> Logger.Metadata.Value? {
    get { metadata[key] }
    set { metadata[key] = newValue }
  }

  func log(event: LogEvent) {
    var now = timespec()
    clock_gettime(CLOCK_REALTIME, &now)
    var object: [String: Any] = [
      "source": "grootfs",
      "message": "\(label).\(Self.action(event.message.description))",
    ]
    switch timestampFormat {
    case .rfc3339:
      object["timestamp"] = Self.rfc3339(now)
      object["level"] = Self.lagerLevel(event.level).name
    case .unixEpoch:
      object["timestamp"] = "\(now.tv_sec)." + String(now.tv_nsec, zeroPaddedTo: 9)
      object["log_level"] = Self.lagerLevel(event.level).number
    }
    var data: [String: String] = [:]
    for (key, value) in metadata.merging(event.metadata ?? [:], uniquingKeysWith: { $1 }) {
      data[key] = "\(value)"
    }
    object["data"] = data
    guard
      var line = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
    else { return }
    line.append(0x0a)
    line.withUnsafeBytes { _ = write(fd, $0.baseAddress, $0.count) }
  }

  /// "image created" → "image-created": lager messages are kebab-case actions.
  static func action(_ message: String) -> String {
    var result = ""
    for character in message.lowercased() {
      if character.isLetter || character.isNumber || character == "." || character == "_" {
        result.append(character)
      } else if !result.hasSuffix("-") {
        result.append("-")
      }
    }
    return result.hasSuffix("-") ? String(result.dropLast()) : result
  }

  static func lagerLevel(_ level: Logger.Level) -> (name: String, number: Int) {
    switch level {
    case .trace, .debug: return ("debug", 0)
    case .info, .notice: return ("info", 1)
    case .warning, .error: return ("error", 2)
    case .critical: return ("fatal", 3)
    }
  }

  /// RFC 3339 with nanoseconds in UTC, as lager writes it.
  static func rfc3339(_ time: timespec) -> String {
    String(utcSeconds: Int(time.tv_sec), nanoseconds: Int(time.tv_nsec))
  }
}
