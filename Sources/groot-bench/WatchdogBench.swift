import ArgumentParser
import Foundation
import GrootIO

#if canImport(Glibc)
  import Glibc
#endif

/// The watchdog's sampler: CPU per sample of every thread on a host with
/// thousands of threads, beside `ps -eLo stat` doing the same scan.
struct WatchdogLoad: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "watchdog", abstract: "Watchdog sampler CPU per interval with 2,000 threads, beside `ps -eLo stat`.")

  @Option(help: "Idle threads this benchmark starts, on top of the host's.")
  var threads = 2000

  @Option(help: "Seconds each agent runs.")
  var seconds = 20

  @Option(help: "Runs of ps.")
  var runs = 100

  @OptionGroup var options: BenchOptions

  func run() throws {
    let base = Paths.absolute(try FileSystem.makeUniqueDirectory(in: "/tmp", prefix: "groot-bench-watchdog"))
    defer { try? FileSystem.removeTree(base) }
    let store = base + "/store"
    try spawn(options.groot, ["--store", store, "init-store"])
    let idle = DispatchSemaphore(value: 0)
    for _ in 0..<threads {
      let thread = Thread { idle.wait() }
      thread.stackSize = 64 << 10
      thread.start()
    }
    defer { for _ in 0..<threads { idle.signal() } }
    usleep(500_000)
    let onHost = hostThreads()

    // The same agent with and without the watchdog, side by side; the difference is the sampler.
    let agentBinary = URL(fileURLWithPath: options.groot).deletingLastPathComponent().path + "/groot-agent"
    let interval = 0.1
    let common = ["--store", store, "--listen", "127.0.0.1:0", "--probe-interval", "3600"]
    let watching = try start(
      agentBinary, common + ["--watchdog-interval", "\(interval)", "--bundle-directory", base + "/bundles"],
      quiet: true)
    let plain = try start(agentBinary, common + ["--no-watchdog"], quiet: true)
    defer {
      for pid in [watching, plain] {
        kill(pid, SIGTERM)
        _ = try? wait(pid, blocking: true)
      }
    }
    usleep(1_000_000)
    let before = (try cpuSeconds(watching), try cpuSeconds(plain))
    usleep(useconds_t(seconds * 1_000_000))
    let after = (try cpuSeconds(watching), try cpuSeconds(plain))
    let samples = Double(seconds) / interval
    let samplerMs = ((after.0 - before.0) - (after.1 - before.1)) / samples * 1e3

    // ps reads the same files for every thread.
    let childrenBefore = childrenCPUSeconds()
    var wall: [Double] = []
    for _ in 0..<runs {
      wall.append(try timed { try spawn("/usr/bin/ps", ["-eLo", "stat"]) })
    }
    let psMs = (childrenCPUSeconds() - childrenBefore) / Double(runs) * 1e3

    print("watchdog sampler with \(onHost) threads on the host (\(threads) idle ones started here)")
    print(
      String(
        format: "groot-agent sampler    %8.2f ms CPU a sample (%d samples, %d s, minus an agent without it)", samplerMs,
        Int(samples), seconds))
    print(
      String(
        format: "ps -eLo stat           %8.2f ms CPU a run (%d runs; wall median %.2f ms)", psMs, runs,
        Figures(wall).median))
    print(
      String(
        format: "ratio sampler/ps: %.2fx; at 1 s intervals the sampler uses %.2f%% of a core", samplerMs / psMs,
        samplerMs / 10))
  }

  private func hostThreads() -> Int {
    ((try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []).filter { Int($0) != nil }.reduce(0) {
      $0 + (((try? FileManager.default.contentsOfDirectory(atPath: "/proc/\($1)/task")) ?? []).count)
    }
  }
}
