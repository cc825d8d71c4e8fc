import ArgumentParser
import GrootCore
import Logging

struct Groot: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "groot",
    abstract: "Turns container images into root filesystems (a GrootFS-compatible image plugin).",
    version: GrootMain.versionLine,
    subcommands: [
      InitStore.self, Create.self, Delete.self, List.self, Stats.self, Clean.self, Check.self, Capacity.self,
      DeleteStore.self, GenerateVolumeSizeMetadata.self, EmptyTrash.self,
    ])
}

/// Flags every command takes, before or after the command name (GrootFS's global flags).
struct GlobalOptions: ParsableArguments {
  @Option(name: .long, help: "Store directory (default /var/lib/groot).")
  var store: String?

  @Option(name: .long, help: "Driver: overlay or btrfs.")
  var driver: String?

  @Option(name: .long, help: "YAML config file (GrootFS's format); flags override it.")
  var config: String?

  @Option(name: .long, help: "debug, info, error or fatal (any case; default fatal, or info with --log-file).")
  var logLevel: String?

  @Option(name: .long, help: "Write lager JSON logs here instead of stderr.")
  var logFile: String?

  @Option(name: .long, help: "Accepted for GrootFS compatibility; ignored.")
  var tag: String?

  @Option(
    name: .long, parsing: .unconditional,
    help: "Longest wait for a lock held by another groot process, in seconds (default 120).")
  var lockTimeout: Double?

  @Option(name: .long, help: "Accepted for GrootFS compatibility: groot needs no tardis.")
  var tardisBin: String?

  @Option(name: .long, help: "Accepted for GrootFS compatibility: groot runs as root and needs no newuidmap.")
  var newuidmapBin: String?

  @Option(name: .long, help: "Accepted for GrootFS compatibility: groot runs as root and needs no newgidmap.")
  var newgidmapBin: String?

  @Option(name: .long, help: "Accepted for GrootFS compatibility: metrics come from the journal and groot-agent.")
  var metronEndpoint: String?

  /// The command's own flags with these over them.
  func applied(to commandFlags: Flags = Flags()) -> Flags {
    var flags = commandFlags
    flags.store = store
    flags.configPath = config
    flags.driver = driver
    flags.logLevel = logLevel
    flags.logFile = logFile
    flags.lockTimeout = lockTimeout
    return flags
  }

  /// The manager for `command`, with these flags and the command's own over the config file.
  func manager(_ command: String, _ commandFlags: Flags = Flags(), context: CommandContext) throws -> ImageManager {
    try context.manager(command, applied(to: commandFlags))
  }
}

/// What one run of groot carries from main into its command: the event recorder
/// (its clock started with the process) and, once made, the logger.
public final class CommandContext {
  let recorder = EventRecorder()
  var logger: Logger?

  public init() {}

  /// The manager for `command` with `flags` over the config file; its logger is
  /// kept here, for a failure to be logged.
  func manager(_ command: String, _ flags: Flags) throws -> ImageManager {
    let file = try flags.configPath.map(ConfigFile.load(path:)) ?? ConfigFile()
    let settings = try Settings(flags: flags, file: file)
    let logger = try GrootLogging.bootstrap(settings, command: command)
    self.logger = logger
    return ImageManager(settings: settings, logger: logger, recorder: recorder)
  }
}

/// A groot command: run with the process's context, never through globals.
protocol GrootCommand: ParsableCommand {
  func run(_ context: CommandContext) throws
}

extension GrootCommand {
  func run() throws {
    preconditionFailure("groot's main runs commands with run(_:)")
  }
}
