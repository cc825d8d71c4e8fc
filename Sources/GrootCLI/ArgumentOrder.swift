/// GrootFS takes global flags before the command (`groot --store S create …`);
/// ArgumentParser wants them after it. Moves leading global flags behind the
/// command name.
enum ArgumentOrder {
  /// The commands to name when an unknown one is given (not the hidden ones).
  nonisolated(unsafe) static var visibleCommands: [String] = []

  static let globalOptionsWithValue: Set<String> = [
    "--store", "--driver", "--config", "--log-level", "--log-file", "--tag", "--lock-timeout", "--tardis-bin",
    "--newuidmap-bin", "--newgidmap-bin", "--metron-endpoint",
  ]

  /// The arguments with the command name first. Global flags with no command
  /// after them (only `--help` or `--version` make sense then) stay as they are;
  /// a word that is not a command where the command should be is refused here,
  /// in one line, rather than read as an unknown option.
  static func commandFirst(_ arguments: [String], commands: Set<String>) throws -> [String] {
    var leading: [String] = []
    var index = 0
    while index < arguments.count {
      let argument = arguments[index]
      if commands.contains(argument) {
        return [argument] + leading + arguments[(index + 1)...]
      }
      if !argument.hasPrefix("-") {
        throw UnknownCommand(name: argument, commands: visibleCommands)
      }
      leading.append(argument)
      if globalOptionsWithValue.contains(argument), index + 1 < arguments.count {
        leading.append(arguments[index + 1])
        index += 1
      }
      index += 1
    }
    return arguments
  }
}

struct UnknownCommand: Error, CustomStringConvertible {
  let name: String
  let commands: [String]

  var description: String {
    "unknown command '\(name)': use one of \(commands.joined(separator: ", "))"
  }
}
