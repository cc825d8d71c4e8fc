import ArgumentParser
import Foundation
import GrootCore

// ArgumentParser's own error output is several lines with usage and exit 64;
// groot promises one line on stderr and exit 1 for every failure. Every command
// that ran leaves one event in the store's journal, whatever its outcome.
let recorder = EventRecorder.shared  // the clock starts here
do {
  let commands = Set(Groot.configuration.subcommands.map { $0._commandName })
  var command = try Groot.parseAsRoot(
    ArgumentOrder.commandFirst(Array(CommandLine.arguments.dropFirst()), commands: commands))
  recorder.operation = type(of: command)._commandName
  do {
    try command.run()
    recorder.finish(error: nil)
  } catch {
    recorder.finish(error: error)
    throw error
  }
} catch {
  if Groot.exitCode(for: error) == .success {
    print(Groot.fullMessage(for: error))
    exit(0)
  }
  if let exit = error as? ExitCode { Foundation.exit(exit.rawValue) }
  let message = Groot.message(for: error).split(separator: "\n").first.map(String.init) ?? "\(error)"
  FileHandle.standardError.write(Data("groot: \(message)\n".utf8))
  exit(1)
}
