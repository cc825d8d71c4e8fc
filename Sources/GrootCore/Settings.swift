import Foundation
import GrootIO
import GrootStore

/// The settings a command runs with: flags over the config file over defaults.
public struct Settings: Sendable {
  public var storePath: String = Store.defaultPath
  public var driver: String = "overlay"
  public var logLevel: LogLevel = .error
  public var logFile: String?
  /// Longest wait for any lock, in seconds.
  public var lockTimeout: Double = 120
  /// Whether commands append events to the store's journal (config `journal`;
  /// GROOT_JOURNAL=off in the environment turns it off too).
  public var journalEnabled = true

  public init() {}

  /// Merges a config file under explicit flag values (nil = not given).
  public init(flags: GlobalFlags, file: ConfigFile) throws {
    storePath = Paths.absolute(flags.store ?? file.store ?? Store.defaultPath)
    driver = flags.driver ?? file.driver ?? "overlay"
    let level = flags.logLevel ?? file.logLevel ?? "error"
    guard let parsed = LogLevel(rawValue: level) else {
      throw CoreError.invalidFlag("invalid log level '\(level)': use debug, info, error or fatal")
    }
    logLevel = parsed
    logFile = flags.logFile ?? file.logFile
    lockTimeout = flags.lockTimeout ?? file.lockTimeoutSeconds ?? 120
    journalEnabled = (file.journal ?? true) && ProcessInfo.processInfo.environment["GROOT_JOURNAL"] != "off"
    guard lockTimeout >= 0 else { throw CoreError.invalidFlag("--lock-timeout must not be negative") }
  }
}

/// The global flags as given on the command line.
public struct GlobalFlags: Sendable {
  public var store: String?
  public var driver: String?
  public var configPath: String?
  public var logLevel: String?
  public var logFile: String?
  public var lockTimeout: Double?

  public init(
    store: String?, driver: String?, configPath: String?, logLevel: String?, logFile: String?,
    lockTimeout: Double? = nil
  ) {
    self.lockTimeout = lockTimeout
    self.store = store
    self.driver = driver
    self.configPath = configPath
    self.logLevel = logLevel
    self.logFile = logFile
  }
}

public enum LogLevel: String, Sendable {
  case debug, info, error, fatal
}
