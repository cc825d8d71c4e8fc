import ArgumentParser
import Foundation
import GrootFixtures
import GrootIO
import GrootTelemetry

#if canImport(Glibc)
  import Glibc
#endif

/// groot-agent's CPU and memory while it folds a steady stream of events, and
/// what writing its event costs a groot create.
struct AgentLoad: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "agent",
    abstract: "Agent CPU and memory at 10,000 events/s; create latency with and without the journal.")

  @Option(help: "Events per second to write.")
  var rate = 10_000

  @Option(help: "Seconds to write for.")
  var seconds = 10

  @Option(help: "Timed creates with and without the journal.")
  var runs = 100

  @OptionGroup var options: BenchOptions

  func run() throws {
    let base = Paths.absolute(try FileSystem.makeUniqueDirectory(in: "/tmp", prefix: "groot-bench-agent"))
    defer { try? FileSystem.removeTree(base) }
    let store = base + "/store"
    try spawn(options.groot, ["--store", store, "init-store"])
    let agentBinary = URL(fileURLWithPath: options.groot).deletingLastPathComponent().path + "/groot-agent"
    let agent = try start(agentBinary, ["--store", store, "--listen", "127.0.0.1:0"])
    defer {
      kill(agent, SIGTERM)
      _ = try? wait(agent, blocking: true)
    }
    usleep(500_000)

    // 1. A steady stream of events, paced per millisecond.
    let journal = Journal(store: store)
    let cpuBefore = try cpuSeconds(agent)
    let started = monotonicSeconds()
    var written = 0
    while monotonicSeconds() - started < Double(seconds) {
      let due = Int((monotonicSeconds() - started) * Double(rate))
      while written < due {
        var event = Event(
          operation: "create", startNanoseconds: 0, durationSeconds: Double(written % 1000) / 1e4,
          outcome: .success, store: store)
        event.imageID = "e\(written)"
        journal.append(event)
        written += 1
      }
      usleep(1000)
    }
    let writeEnd = monotonicSeconds()
    while try folded(store) < written && monotonicSeconds() - writeEnd < 30 { usleep(10_000) }
    let lag = monotonicSeconds() - writeEnd
    let cpu = try cpuSeconds(agent) - cpuBefore
    let elapsed = monotonicSeconds() - started
    let peakRSS = try peakResidentKiB(agent)
    let foldedCount = try folded(store)

    // 2. Create latency with and without the journal, alternating.
    try spawn(options.groot, ["--store", store, "create", try options.image, "warmup"])
    try spawn(options.groot, ["--store", store, "delete", "warmup"])
    var with: [Double] = []
    var without: [Double] = []
    for index in 0..<runs {
      for journalOn in [true, false] {
        if !journalOn { setenv("GROOT_JOURNAL", "off", 1) }
        let id = "\(journalOn ? "j" : "n")\(index)"
        let time = try timed { try spawn(options.groot, ["--store", store, "create", try options.image, id]) }
        unsetenv("GROOT_JOURNAL")
        if journalOn { with.append(time) } else { without.append(time) }
        try spawn(options.groot, ["--store", store, "delete", id])
      }
    }

    print("groot-agent folding \(written) events written at \(rate)/s for \(seconds) s")
    print(
      String(format: "agent CPU            %8.1f%% of one core (%.2f s over %.1f s)", cpu / elapsed * 100, cpu, elapsed)
    )
    print(String(format: "agent peak RSS       %8.1f MiB", Double(peakRSS) / 1024))
    print(String(format: "folded               %8d events; caught up %.2f s after the last write", foldedCount, lag))
    print("")
    print("warm create of \(try options.image), \(runs) runs each, milliseconds")
    print(Figures.header)
    print(Figures(with).row("with journal"))
    print(Figures(without).row("without journal"))
    print(
      String(
        format: "journal cost: median %+.3f ms, p99 %+.3f ms", Figures(with).median - Figures(without).median,
        Figures(with).p99 - Figures(without).p99))
  }

  private func folded(_ store: String) throws -> Int {
    guard let data = try? Data(contentsOf: URL(fileURLWithPath: store + "/events/agent-state.json")),
      let object = try JSONSerialization.jsonObject(with: data) as? [String: Any]
    else { return 0 }
    return object["eventsFolded"] as? Int ?? 0
  }

  private func peakResidentKiB(_ pid: pid_t) throws -> Int {
    let text = try String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)
    let line = text.split(separator: "\n").first { $0.hasPrefix("VmHWM:") }!
    return Int(line.split(separator: " ", omittingEmptySubsequences: true)[1])!
  }
}

/// utime + stime of a process, seconds (/proc/PID/stat fields 14 and 15).
func cpuSeconds(_ pid: pid_t) throws -> Double {
  let text = try String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)
  let fields = text[text.lastIndex(of: ")")!...].split(separator: " ")
  let ticks = Double(sysconf(Int32(_SC_CLK_TCK)))
  return (Double(fields[12])! + Double(fields[13])!) / ticks
}
