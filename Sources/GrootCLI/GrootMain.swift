import ArgumentParser
import GrootCore

#if canImport(Glibc)
  import Glibc
#endif

/// groot's entry point. GrootFS's contract, which Garden relies on: a failure is
/// one line on stdout (Garden puts the plugin's stdout in the error it returns)
/// and exit status 1; logs go to stderr or --log-file, where the failure is logged
/// too. Every command that ran leaves one event in the store's journal, whatever
/// its outcome.
public enum GrootMain {
  public static func run(_ arguments: [String]) -> Never {
    let context = CommandContext()  // the command's clock starts here
    do {
      // The commands Garden calls on every container skip ArgumentParser when
      // their arguments are plainly right (FastPath); --version needs no parsing.
      if arguments == ["--version"] {
        print(versionLine)
        exit(0)
      }
      if let invocation = FastPath.invocation(arguments) {
        try record(invocation.command, context) { try invocation.run(context) }
        exit(0)
      }
      let commands = Set(Groot.configuration.subcommands.map { $0._commandName })
      ArgumentOrder.visibleCommands = Groot.configuration.subcommands.filter { $0.configuration.shouldDisplay }
        .map { $0._commandName }
      var command = try Groot.parseAsRoot(try ArgumentOrder.commandFirst(arguments, commands: commands))
      guard let grootCommand = command as? GrootCommand else {
        try command.run()  // the root command: --help, --version
        exit(0)
      }
      try record(type(of: command)._commandName, context) { try grootCommand.run(context) }
      exit(0)
    } catch {
      fail(error, context)
    }
  }

  static let versionLine = "groot version \(GrootVersion.current)"

  /// Runs `body` as `operation`, its outcome recorded in the journal.
  private static func record(_ operation: String, _ context: CommandContext, _ body: () throws -> Void) throws {
    context.recorder.operation = operation
    do {
      try body()
      context.recorder.finish(error: nil)
    } catch {
      context.recorder.finish(error: error)
      throw error
    }
  }

  private static func fail(_ error: Error, _ context: CommandContext) -> Never {
    if Groot.exitCode(for: error) == .success {
      print(Groot.fullMessage(for: error))
      exit(0)
    }
    if let code = error as? ExitCode { exit(code.rawValue) }
    let text = error is UnknownCommand ? "\(error)" : Groot.message(for: error)
    let message = text.split(separator: "\n").first.map(String.init) ?? "\(error)"
    context.logger?.error("command failed", metadata: ["error": "\(message)"])
    print(message)  // after whatever the command printed before it failed
    exit(1)
  }
}
