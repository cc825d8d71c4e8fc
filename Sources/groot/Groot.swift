import ArgumentParser
import GrootCore

struct Groot: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "groot",
    abstract: "Turns container images into root filesystems (a GrootFS-compatible image plugin).",
    subcommands: [
      InitStore.self, Create.self, Delete.self, List.self, Stats.self, Clean.self, Check.self, Capacity.self,
      DeleteStore.self,
    ])
}

/// Flags every command takes, before or after the command name.
struct GlobalOptions: ParsableArguments {
  @Option(name: .long, help: "Store directory (default /var/lib/groot).")
  var store: String?

  @Option(name: .long, help: "Driver: overlay or btrfs.")
  var driver: String?

  @Option(name: .long, help: "YAML config file (GrootFS's format); flags override it.")
  var config: String?

  @Option(name: .long, help: "debug, info, error or fatal.")
  var logLevel: String?

  @Option(name: .long, help: "Write JSON logs here instead of stderr.")
  var logFile: String?

  @Option(name: .long, help: "Accepted for GrootFS compatibility; ignored.")
  var tag: String?

  @Option(name: .long, help: "Longest wait for a lock held by another groot process, in seconds (default 120).")
  var lockTimeout: Double?

  func manager() throws -> (ImageManager, ConfigFile) {
    let file = try config.map(ConfigFile.load(path:)) ?? ConfigFile()
    let settings = try Settings(
      flags: GlobalFlags(
        store: store, driver: driver, configPath: config, logLevel: logLevel, logFile: logFile,
        lockTimeout: lockTimeout),
      file: file)
    return (ImageManager(settings: settings, logger: GrootLogging.bootstrap(settings)), file)
  }
}
