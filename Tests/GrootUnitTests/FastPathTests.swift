import ArgumentParser
import GrootCore
import Testing

@testable import GrootCLI

/// The fast path reads what Garden passes on every container exactly as
/// ArgumentParser does, and declines (nil) whatever it does not plainly know, so
/// that ArgumentParser's errors and help stay the CLI's.
@Suite("Fast path")
struct FastPathTests {
  /// ArgumentParser's reading, through the same reordering groot's main does.
  static func parsed(_ arguments: [String]) throws -> Invocation? {
    let commands = Set(Groot.configuration.subcommands.map { $0._commandName })
    let command = try Groot.parseAsRoot(try ArgumentOrder.commandFirst(arguments, commands: commands))
    return (command as? any HotCommand)?.invocation
  }

  /// A value each option of the fast path accepts.
  static func sample(_ name: String) -> String {
    switch name {
    case "--lock-timeout": "2.5"
    case "--disk-limit-size-bytes", "--threshold-bytes": "1048576"
    default: "value-of\(name)"
    }
  }

  static let garden: [[String]] = [
    [
      "--config", "/var/vcap/jobs/garden/config/grootfs_config.yml", "create", "--disk-limit-size-bytes", "10485760",
      "oci:///var/vcap/data/garden/depot/h/image", "h",
    ],
    [
      "--config", "/c.yml", "create", "--exclude-image-from-quota", "--disk-limit-size-bytes=0",
      "docker:///cfgarden/empty", "id",
    ],
    [
      "--store", "/s", "--log-level", "debug", "create", "--without-mount", "--with-clean", "--threshold-bytes", "-1",
      "/rootfs", "x",
    ],
    ["--config", "/c.yml", "delete", "handle-1"],
    ["--config", "/c.yml", "stats", "handle-1"],
    ["--store", "/s", "list"],
    ["list", "--store", "/s", "--lock-timeout", "-3"],
    ["create", "--insecure-registry", "a:5000", "--insecure-registry", "b:5000", "docker://a:5000/x", "y"],
    [
      "--tardis-bin", "/t", "--newuidmap-bin", "/u", "--newgidmap-bin", "/g", "--metron-endpoint", "m:1", "--tag", "t",
      "list",
    ],
  ]

  @Test("Garden's invocations read the same both ways", arguments: garden)
  func gardenInvocations(_ arguments: [String]) throws {
    let fast = try #require(FastPath.invocation(arguments))
    #expect(fast == (try Self.parsed(arguments)))
  }

  @Test("every option the fast path knows means what ArgumentParser says it means")
  func everyOption() throws {
    let options =
      FastPath.globalOptions.map { ($0.key, $0.value, true) }
      + FastPath.createOptions.map { ($0.key, $0.value, false) }
    for (name, option, global) in options {
      let words: [String]
      if case .flag = option { words = [name] } else { words = [name, Self.sample(name)] }
      // Global options before the command and after it; the command's own after it.
      var forms = [["create"] + words + ["docker:///x", "y"]]
      if global { forms += [words + ["list"], ["delete"] + words + ["z"], words + ["stats", "z"]] }
      for arguments in forms {
        let fast = try #require(FastPath.invocation(arguments), "\(arguments)")
        #expect(fast == (try Self.parsed(arguments)), "\(arguments)")
        #expect(
          fast.flags != Flags()
            || ["--tag", "--tardis-bin", "--newuidmap-bin", "--newgidmap-bin", "--metron-endpoint"].contains(name),
          "\(name) had no effect")
      }
    }
  }

  @Test("every option ArgumentParser declares for the hot commands is known to the fast path")
  func coverage() throws {
    for command in ["create", "delete", "stats", "list"] {
      let help = Groot.helpMessage(
        for: try #require(Groot.configuration.subcommands.first { $0._commandName == command }))
      let declared = Set(
        help.split(whereSeparator: { !"-abcdefghijklmnopqrstuvwxyz".contains($0) }).filter { $0.hasPrefix("--") }.map(
          String.init))
      let commandOptions = FastPath.entry(command, in: FastPath.commands)?.options.map(\.key) ?? []
      let known = Set(FastPath.globalOptions.map(\.key)).union(commandOptions)
      #expect(
        declared.subtracting(known).subtracting(["--help", "--version"]).isEmpty,
        "\(command): \(declared.subtracting(known))")
    }
  }

  static let declined: [[String]] = [
    ["--help"], ["create", "--help"], ["-h"], ["--version"], ["list", "--version"],
    ["create", "only-image"], ["delete"], ["delete", "a", "b"], ["list", "extra"],
    ["create", "--with-mount", "--without-mount", "i", "x"], ["create", "--with-clean", "--without-clean", "i", "x"],
    ["create", "--no-such-flag", "i", "x"], ["list", "--store"], ["list", "--store", "--driver", "btrfs"],
    ["list", "--store", "/a", "--store", "/b"], ["create", "--skip-layer-validation=true", "i", "x"],
    ["create", "--disk-limit-size-bytes", "ten", "i", "x"], ["list", "--lock-timeout", "soon"],
    ["delete", "--", "-x"], ["clean"], ["init-store"], ["nope"], [], ["--store", "/s"],
  ]

  @Test("what the fast path does not plainly know goes to ArgumentParser", arguments: declined)
  func declines(_ arguments: [String]) {
    #expect(FastPath.invocation(arguments) == nil)
  }
}
