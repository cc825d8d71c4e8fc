import ArgumentParser
import Foundation
import GrootCore

// GrootFS's contract, which Garden relies on: a failure is one line on stdout
// (Garden puts the plugin's stdout in the error it returns) and exit status 1;
// logs go to stderr or --log-file, where the failure is logged too. Every
// command that ran leaves one event in the store's journal, whatever its outcome.
let context = CommandContext()  // the command's clock starts here
do {
  let commands = Set(Groot.configuration.subcommands.map { $0._commandName })
  ArgumentOrder.visibleCommands = Groot.configuration.subcommands.filter { $0.configuration.shouldDisplay }
    .map { $0._commandName }
  var command = try Groot.parseAsRoot(
    try ArgumentOrder.commandFirst(Array(CommandLine.arguments.dropFirst()), commands: commands))
  guard let grootCommand = command as? GrootCommand else {
    try command.run()  // the root command: --help
    exit(0)
  }
  context.recorder.operation = type(of: command)._commandName
  do {
    try grootCommand.run(context)
    context.recorder.finish(error: nil)
  } catch {
    context.recorder.finish(error: error)
    throw error
  }
} catch {
  if Groot.exitCode(for: error) == .success {
    print(Groot.fullMessage(for: error))
    exit(0)
  }
  if let exit = error as? ExitCode { Foundation.exit(exit.rawValue) }
  let text = error is UnknownCommand ? "\(error)" : Groot.message(for: error)
  let message = text.split(separator: "\n").first.map(String.init) ?? "\(error)"
  context.logger?.error("command failed", metadata: ["error": "\(message)"])
  print(message)  // after whatever the command printed before it failed
  exit(1)
}
