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
  /// Sets up logging once per process: lager JSON lines to the log file, else
  /// stderr, under `grootfs.COMMAND` (GrootFS's sessions).
  public static func bootstrap(_ settings: Settings, command: String) throws -> Logger {
    let fd: Int32
    if let file = settings.logFile {
      fd = open(file, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
      guard fd >= 0 else {
        throw CoreError.invalidFlag("cannot open log file \(file): \(String(cString: strerror(errno)))")
      }
    } else {
      fd = 2
    }
    let level = settings.logLevel.swiftLogLevel
    let format = settings.logTimestampFormat
    LoggingSystem.bootstrap { label in LagerLogHandler(label: label, fd: fd, level: level, timestampFormat: format) }
    return Logger(label: "grootfs.\(command)")
  }
}
