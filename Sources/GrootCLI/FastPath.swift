import GrootCore

/// Reads the arguments of the commands Garden calls on every container without
/// ArgumentParser, whose reflection costs most of groot's start-up (each first
/// dynamic cast scans the binary's 9,000 protocol conformances; docs/benchmarks.md).
///
/// It reads only what is plainly right: the options below, each at most once
/// (repeatable ones excepted), in `--name value` or `--name=value` form, and the
/// command's positional arguments. Anything else (help, a flag it does not know,
/// a missing or malformed value, a conflict) gives nil, and ArgumentParser reads
/// the arguments instead, with its usual errors and help. Tests hold the two
/// readings equal for every option.
public enum FastPath {
  public static func invocation(_ arguments: [String]) -> Invocation? {
    var reader = Reader()
    for (index, argument) in arguments.enumerated() where !reader.skipping(index) {
      guard reader.read(argument, at: index, of: arguments) else { return nil }
    }
    return reader.invocation()
  }

  /// How an option takes its value (ArgumentParser's parsing strategies).
  enum Option: Sendable {
    case flag(@Sendable (inout Flags) -> Void)
    /// `.next`: a following word that starts with "-" is not a value.
    case value(@Sendable (inout Flags, String) -> Bool)
    /// `.unconditional`: the next word whatever it is (negative numbers).
    case unconditional(@Sendable (inout Flags, String) -> Bool)
    /// A repeatable option: every use adds a value.
    case repeatable(@Sendable (inout Flags, String) -> Void)
  }

  static let globalOptions: KeyValuePairs<String, Option> = [
    "--store": .value {
      $0.store = $1
      return true
    },
    "--driver": .value {
      $0.driver = $1
      return true
    },
    "--config": .value {
      $0.configPath = $1
      return true
    },
    "--log-level": .value {
      $0.logLevel = $1
      return true
    },
    "--log-file": .value {
      $0.logFile = $1
      return true
    },
    "--lock-timeout": .unconditional { flags, text in
      guard let seconds = Double(text) else { return false }
      flags.lockTimeout = seconds
      return true
    },
    // Accepted for GrootFS compatibility and ignored, as by ArgumentParser's reading.
    "--tag": .value { _, _ in true },
    "--tardis-bin": .value { _, _ in true },
    "--newuidmap-bin": .value { _, _ in true },
    "--newgidmap-bin": .value { _, _ in true },
    "--metron-endpoint": .value { _, _ in true },
  ]

  static let createOptions: KeyValuePairs<String, Option> = [
    "--disk-limit-size-bytes": .unconditional { flags, text in
      guard let bytes = Int64(text) else { return false }
      flags.diskLimitSizeBytes = bytes
      return true
    },
    "--threshold-bytes": .unconditional { flags, text in
      guard let bytes = Int64(text) else { return false }
      flags.thresholdBytes = bytes
      return true
    },
    "--exclude-image-from-quota": .flag { $0.excludeImageFromQuota = true },
    "--with-mount": .flag { $0.withMount = true },
    "--without-mount": .flag { $0.withoutMount = true },
    "--with-clean": .flag { $0.withClean = true },
    "--without-clean": .flag { $0.withoutClean = true },
    "--skip-layer-validation": .flag { $0.skipLayerValidation = true },
    "--clean-log-file": .value {
      $0.cleanLogFile = $1
      return true
    },
    "--registry-ca-file": .value {
      $0.registryCAFile = $1
      return true
    },
    "--username": .value {
      $0.username = $1
      return true
    },
    "--password": .value {
      $0.password = $1
      return true
    },
    "--insecure-registry": .repeatable { $0.insecureRegistries.append($1) },
  ]

  /// The commands read here, with their own options and positional arguments.
  static let commands: KeyValuePairs<String, (options: KeyValuePairs<String, Option>, positionals: Int)> = [
    "create": (createOptions, 2), "delete": ([:], 1), "stats": ([:], 1), "list": ([:], 0),
  ]

  /// Tables are searched in order rather than hashed: a dictionary or set of strings
  /// makes the runtime look up `String: Hashable` by scanning every conformance
  /// record in the binary, which a dozen comparisons do not.
  static func entry<Value>(_ name: String, in table: KeyValuePairs<String, Value>) -> Value? {
    table.first { $0.key == name }?.value
  }

  private struct Reader {
    var flags = Flags()
    var command: String?
    var positionals: [String] = []
    var seen: [String] = []
    var valueAt: Int?

    func skipping(_ index: Int) -> Bool { index == valueAt }

    /// Reads one argument (and the value after it); false when it is not plainly right.
    mutating func read(_ argument: String, at index: Int, of arguments: [String]) -> Bool {
      guard argument.hasPrefix("-") else {
        if command == nil {
          guard FastPath.entry(argument, in: FastPath.commands) != nil else { return false }
          command = argument
        } else {
          positionals.append(argument)
        }
        return true
      }
      let parts = argument.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
      let name = String(parts[0])
      let inline = parts.count == 2 ? String(parts[1]) : nil
      // Global options go before or after the command; the command's own only after it.
      let options = command.flatMap { FastPath.entry($0, in: FastPath.commands)?.options } ?? [:]
      guard let option = FastPath.entry(name, in: FastPath.globalOptions) ?? FastPath.entry(name, in: options) else {
        return false
      }
      if case .flag(let set) = option {
        guard inline == nil else { return false }
        set(&flags)
        return true
      }
      var value = inline
      if value == nil {
        guard index + 1 < arguments.count else { return false }
        value = arguments[index + 1]
        valueAt = index + 1
      }
      guard let value else { return false }
      switch option {
      case .flag:
        return false
      case .value(let set):
        guard !value.hasPrefix("-"), firstUse(of: name) else { return false }
        return set(&flags, value)
      case .unconditional(let set):
        guard firstUse(of: name) else { return false }
        return set(&flags, value)
      case .repeatable(let add):
        guard !value.hasPrefix("-") else { return false }
        add(&flags, value)
        return true
      }
    }

    /// Notes the use of an option that may be given once; false on its second use.
    mutating func firstUse(of name: String) -> Bool {
      guard !seen.contains(name) else { return false }
      seen.append(name)
      return true
    }

    func invocation() -> Invocation? {
      guard let command, let expected = FastPath.entry(command, in: FastPath.commands)?.positionals,
        positionals.count == expected,
        !(flags.withMount && flags.withoutMount), !(flags.withClean && flags.withoutClean)
      else { return nil }
      switch command {
      case "create": return Invocation(.create(image: positionals[0], id: positionals[1]), flags)
      case "delete": return Invocation(.delete(image: positionals[0]), flags)
      case "stats": return Invocation(.stats(image: positionals[0]), flags)
      default: return Invocation(.list, flags)
      }
    }
  }
}
