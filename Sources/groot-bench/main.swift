import ArgumentParser
import Foundation
import GrootFixtures
import GrootIO

#if canImport(Glibc)
  import Glibc
#endif

/// Prints latency figures for groot against a peer doing the bare minimum of the
/// same job, in the same run. Method: docs/benchmarks.md.
struct GrootBench: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "groot-bench", abstract: "Benchmarks groot beside a peer in the same run.",
    subcommands: [
      Fixtures.self, Startup.self, Warm.self, WatchdogLoad.self, Clean.self, Limits.self, AgentLoad.self, Pull.self,
      LinkOrder.self,
    ],
    defaultSubcommand: Warm.self)
}

/// What every benchmark takes: the groot under test and the image it creates.
struct BenchOptions: ParsableArguments {
  @Option(
    name: .customLong("image"), help: "Image to create (default: the fixtures' Debian rootfs, built on first use).")
  var imageOption: String?

  /// The image to create: the option, or the fixture image made from this host's Debian binaries.
  var image: String {
    get throws { try imageOption ?? FixtureImages.reference(.debian) }
  }

  @Option(help: "The groot binary (default: beside this one).")
  var groot = BenchOptions.defaultGroot

  static let defaultGroot = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().path + "/groot"
}

struct Figures {
  let min, median, p99, max: Double

  /// Nearest-rank percentiles over the sorted samples; max is the true maximum.
  init(_ samples: [Double]) {
    let sorted = samples.sorted()
    func rank(_ p: Double) -> Double { sorted[Swift.max(0, Int((p * Double(sorted.count)).rounded(.up)) - 1)] }
    min = sorted.first!
    median = rank(0.5)
    p99 = rank(0.99)
    max = sorted.last!
  }

  static let header = "                          min    median       p99       max"

  func row(_ name: String) -> String {
    name.padding(toLength: 20, withPad: " ", startingAt: 0)
      + [min, median, p99, max].map { String(format: "%10.2f", $0) }.joined()
  }
}

struct BenchError: Error, CustomStringConvertible {
  let description: String
  init(_ description: String) { self.description = description }
}

/// Milliseconds `body` takes.
func timed(_ body: () throws -> Void) rethrows -> Double {
  let start = monotonicSeconds()
  try body()
  return (monotonicSeconds() - start) * 1e3
}

/// User + system seconds of the children waited for so far (getrusage).
func childrenCPUSeconds() -> Double {
  var usage = rusage()
  getrusage(RUSAGE_CHILDREN.rawValue, &usage)
  func seconds(_ time: timeval) -> Double { Double(time.tv_sec) + Double(time.tv_usec) / 1e6 }
  return seconds(usage.ru_utime) + seconds(usage.ru_stime)
}

/// posix_spawn + waitpid: the least overhead a process start can have, so both
/// sides of a comparison pay the same for it. Output goes to /dev/null.
func spawn(_ path: String, _ arguments: [String]) throws {
  let pid = try start(path, arguments)
  guard try wait(pid, blocking: true) == 0 else {
    throw BenchError("\(path) \(arguments.joined(separator: " ")) failed")
  }
}

/// Starts a process, its stdout (and with `quiet` its stderr) to /dev/null;
/// returns its pid.
func start(_ path: String, _ arguments: [String], quiet: Bool = false) throws -> pid_t {
  var actions = posix_spawn_file_actions_t()
  posix_spawn_file_actions_init(&actions)
  defer { posix_spawn_file_actions_destroy(&actions) }
  posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
  if quiet { posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0) }
  let argv = ([path] + arguments).map { strdup($0) } + [nil]
  defer { for argument in argv { free(argument) } }
  var pid: pid_t = 0
  let status = posix_spawn(&pid, path, &actions, nil, argv, environ)
  guard status == 0 else { throw BenchError("cannot start \(path): \(String(cString: strerror(status)))") }
  return pid
}

/// The exit status of `pid`, or nil while it runs (when not blocking).
func wait(_ pid: pid_t, blocking: Bool) throws -> Int32? {
  var status: Int32 = 0
  while true {
    let result = waitpid(pid, &status, blocking ? 0 : WNOHANG)
    if result == pid { return status }
    if result == 0 { return nil }
    if errno != EINTR { throw BenchError("waitpid failed") }
  }
}

GrootBench.main()
