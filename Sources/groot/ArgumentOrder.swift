/// GrootFS takes global flags before the command (`groot --store S create …`);
/// ArgumentParser wants them after it. Moves leading global flags behind the
/// command name.
enum ArgumentOrder {
  static let globalOptionsWithValue: Set<String> = [
    "--store", "--driver", "--config", "--log-level", "--log-file", "--tag", "--lock-timeout", "--tardis-bin",
    "--newuidmap-bin", "--newgidmap-bin", "--metron-endpoint",
  ]

  static func commandFirst(_ arguments: [String], commands: Set<String>) -> [String] {
    var leading: [String] = []
    var index = 0
    while index < arguments.count {
      let argument = arguments[index]
      if commands.contains(argument) {
        return [argument] + leading + arguments[(index + 1)...]
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
