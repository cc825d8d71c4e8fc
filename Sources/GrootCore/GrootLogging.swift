import GrootTelemetry
import Logging

#if canImport(Glibc)
  import Glibc
#endif

extension LogLevel {
  var swiftLogLevel: Logger.Level {
    switch self {
    case .debug: return .debug
    case .info: return .info
    case .error: return .error
    case .fatal: return .critical
    }
  }
}

public enum GrootLogging {
  /// Sets up logging once per process: JSON lines to --log-file, else stderr.
  public static func bootstrap(_ settings: Settings) -> Logger {
    let opened = settings.logFile.map { open($0, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644) } ?? -1
    let fd: Int32 = opened >= 0 ? opened : 2
    let level = settings.logLevel.swiftLogLevel
    LoggingSystem.bootstrap { label in JSONLogHandler(label: label, fd: fd, level: level) }
    return Logger(label: "groot")
  }
}
