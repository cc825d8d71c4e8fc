import Foundation
import GrootDriver
import GrootIO
import GrootSource
import GrootStore

/// Everything a command runs with, merged in one place: flags over the config
/// file (GrootFS's keys) over GrootFS's defaults. The executable only collects
/// flags; what they mean, and which wins, is decided here.
public struct Settings: Sendable {
  public var storePath: String = Store.defaultPath
  /// The config file, for the clean a create starts to read too.
  public var configPath: String?
  public var driver: String = "overlay"
  /// Whether a flag or the config named the driver (else the store's is used).
  public var driverGiven = false
  public var logLevel: LogLevel = .fatal
  public var logFile: String?
  public var logTimestampFormat: LogTimestampFormat = .rfc3339
  /// Longest wait for any lock, in seconds.
  public var lockTimeout: Double = 120
  /// Whether commands append events to the store's journal (config `journal`;
  /// GROOT_JOURNAL=off in the environment turns it off too).
  public var journalEnabled = true
  public var create = CreateSettings()
  public var clean = CleanSettings()
  public var initStore = InitSettings()

  public struct CreateSettings: Sendable {
    public var mount = true
    public var diskLimitBytes: Int64 = 0
    public var excludeImageFromQuota = false
    public var skipLayerValidation = false
    public var withClean = false
    /// Where the clean that --with-clean starts logs (create.clean_log_file).
    public var cleanLogFile: String?
    /// What one layer may unpack (create.max_layer_bytes, 0: automatic; create.max_layer_entries).
    public var maxLayerBytes: Int64?
    public var maxLayerEntries = 1_000_000
    public var sources = SourceOptions()
  }

  public struct CleanSettings: Sendable {
    public var thresholdBytes: Int64 = 0
    /// Image references whose layers clean keeps (clean.ignore_images).
    public var ignoredImages: [String] = []
  }

  public struct InitSettings: Sendable {
    public var storeSizeBytes: Int64 = 0
    public var storeFileSystem = "btrfs"
    public var withDirectIO = false
  }

  public init() {}

  /// Merges flags (nil or empty: not given) over a config file.
  public init(flags: Flags, file: ConfigFile) throws {
    let store = flags.store ?? file.store ?? Store.defaultPath
    guard !store.isEmpty else { throw CoreError.invalidFlag("--store must not be empty: name the store directory") }
    guard store.hasPrefix("/") else { throw CoreError.invalidFlag("store '\(store)' must be an absolute path") }
    storePath = Paths.absolute(store)
    configPath = flags.configPath.map(Paths.absolute)
    let namedDriver = (flags.driver ?? file.driver).nonEmpty
    driver = namedDriver ?? "overlay"
    driverGiven = namedDriver != nil
    _ = try Snapshotters.named(driver)
    logFile = (flags.logFile ?? file.logFile).nonEmpty
    logLevel = try LogLevel(parsing: flags.logLevel ?? file.logLevel, logFile: logFile)
    logTimestampFormat = try LogTimestampFormat(parsing: file.logTimestampFormat)
    lockTimeout = flags.lockTimeout ?? file.lockTimeoutSeconds ?? 120
    guard lockTimeout >= 0 else {
      throw CoreError.invalidFlag("invalid argument: --lock-timeout cannot be negative (\(lockTimeout))")
    }
    journalEnabled = (file.journal ?? true) && Environment.value("GROOT_JOURNAL") != "off"

    let fileCreate = file.create
    create.mount = flags.withMount || !(flags.withoutMount || fileCreate?.withoutMount == true)
    create.diskLimitBytes = flags.diskLimitSizeBytes ?? fileCreate?.diskLimitSizeBytes ?? 0
    create.excludeImageFromQuota = flags.excludeImageFromQuota || fileCreate?.excludeImageFromQuota == true
    create.skipLayerValidation = flags.skipLayerValidation || fileCreate?.skipLayerValidation == true
    create.withClean = flags.withClean || (!flags.withoutClean && fileCreate?.withClean == true)
    create.cleanLogFile = (flags.cleanLogFile ?? fileCreate?.cleanLogFile).nonEmpty
    create.maxLayerBytes = fileCreate?.maxLayerBytes.flatMap { $0 == 0 ? nil : $0 }
    create.maxLayerEntries = fileCreate?.maxLayerEntries ?? create.maxLayerEntries
    create.sources.insecureRegistries = flags.insecureRegistries + (fileCreate?.insecureRegistries ?? [])
    create.sources.caFile = (flags.registryCAFile ?? fileCreate?.registryCAFile).nonEmpty
    create.sources.remoteLayerCertificates = fileCreate?.remoteLayerClientCertificatesPath.nonEmpty
    create.sources.username = flags.username
    create.sources.password = flags.password

    clean.thresholdBytes = flags.thresholdBytes ?? file.clean?.thresholdBytes ?? 0
    clean.ignoredImages = file.clean?.ignoreImages ?? []

    initStore.storeSizeBytes = flags.storeSizeBytes ?? file.`init`?.storeSizeBytes ?? 0
    initStore.storeFileSystem = flags.storeFileSystem ?? file.`init`?.storeFileSystem ?? "btrfs"
    initStore.withDirectIO = flags.withDirectIO || file.`init`?.withDirectIO == true

    // GrootFS's checks, with its words.
    guard create.diskLimitBytes >= 0 else {
      throw CoreError.invalidFlag("invalid argument: disk limit cannot be negative")
    }
    guard clean.thresholdBytes >= 0 else {
      throw CoreError.invalidFlag("invalid argument: clean threshold cannot be negative")
    }
    guard (create.maxLayerBytes ?? 0) >= 0, create.maxLayerEntries > 0 else {
      throw CoreError.invalidFlag(
        "invalid argument: create.max_layer_bytes must be 0 (automatic) or more, create.max_layer_entries more than 0")
    }
    guard initStore.storeSizeBytes >= 0 else {
      throw CoreError.invalidFlag("invalid argument: store size cannot be negative")
    }
  }
}

/// The flags as given on the command line; nil (or false, or empty) when not given.
public struct Flags: Sendable, Equatable {
  public var store: String?
  public var configPath: String?
  public var driver: String?
  public var logLevel: String?
  public var logFile: String?
  public var lockTimeout: Double?
  // create
  public var diskLimitSizeBytes: Int64?
  public var excludeImageFromQuota = false
  public var withMount = false
  public var withoutMount = false
  public var withClean = false
  public var withoutClean = false
  public var thresholdBytes: Int64?
  public var cleanLogFile: String?
  public var insecureRegistries: [String] = []
  public var registryCAFile: String?
  public var username: String?
  public var password: String?
  public var skipLayerValidation = false
  // init-store
  public var storeSizeBytes: Int64?
  public var storeFileSystem: String?
  public var withDirectIO = false

  public init() {}
}

public enum LogLevel: String, Sendable, CaseIterable {
  case debug, info, error, fatal

  /// GrootFS's rules: any case; nothing given means fatal, or info when logs go
  /// to a file. A level groot does not know is refused rather than guessed.
  init(parsing text: String?, logFile: String?) throws {
    guard let text, !text.isEmpty else {
      self = logFile == nil ? .fatal : .info
      return
    }
    guard let level = LogLevel(rawValue: text.lowercased()) else {
      throw CoreError.invalidFlag("invalid log level '\(text)': use debug, info, error or fatal")
    }
    self = level
  }
}

/// How log lines carry their time (the BOSH job's log_timestamp_format).
public enum LogTimestampFormat: String, Sendable {
  /// `"timestamp":"2026-11-25T10:00:00.000000000Z"` with `"level":"info"`: lager's pretty format.
  case rfc3339
  /// `"timestamp":"1764064800.000000000"` with `"log_level":1`: lager's original format.
  case unixEpoch = "unix-epoch"

  init(parsing text: String?) throws {
    guard let text, !text.isEmpty else {
      self = .rfc3339
      return
    }
    guard let format = LogTimestampFormat(rawValue: text.lowercased()) else {
      throw CoreError.invalidFlag("invalid log_timestamp_format '\(text)': use rfc3339 or unix-epoch")
    }
    self = format
  }
}

extension Optional where Wrapped == String {
  /// YAML and flags say "" for "not set", as GrootFS reads them.
  var nonEmpty: String? { flatMap { $0.isEmpty ? nil : $0 } }
}
