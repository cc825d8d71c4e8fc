import ArgumentParser
import Foundation
import GrootAgent
import GrootTelemetry
import Logging

/// groot-agent: tails groot journals and serves the four golden signals.
@main
struct GrootAgentCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "groot-agent",
    abstract: "Per-host metrics for groot: /metrics (Prometheus), /healthz, /snapshot (JSON).")

  @Option(help: "YAML config file; flags override it.")
  var config: String?

  @Option(help: "Store to watch (repeatable).")
  var store: [String] = []

  @Option(help: "HOST:PORT to serve on (default 127.0.0.1:9273; port 0 picks one).")
  var listen: String?

  @Option(help: "Length of a latency window, seconds (default 60).")
  var windowSeconds: Double?

  @Option(help: "How often to read the journals, seconds (default 0.2).")
  var pollInterval: Double?

  @Option(help: "KEY=VALUE label on every series, e.g. cohort=canary (repeatable).")
  var label: [String] = []

  @Option(help: "HOST:PORT of a DogStatsD agent.")
  var dogstatsd: String?

  @Option(help: "Seconds in D with unchanged context switches before a thread is stuck (default 120).")
  var stuckThreshold: Double?

  @Option(help: "Seconds between samples of every thread (default 1).")
  var watchdogInterval: Double?

  @Option(help: "Watch only threads descended from processes of this command name (repeatable).")
  var watchAncestor: [String] = []

  @Option(help: "Slack-compatible webhook URL for alerts.")
  var webhookUrl: String?

  @Option(help: "Directory of evidence bundles (default /var/lib/groot-agent/bundles).")
  var bundleDirectory: String?

  @Option(help: "Seconds between store liveness probes (default 60).")
  var probeInterval: Double?

  @Option(help: "Seconds a store probe may take (default 10).")
  var probeTimeout: Double?

  @Flag(help: "Add a blocked-task dump (sysrq w) to each bundle.")
  var sysrq = false

  @Option(help: "Prometheus URL for the dashboard's cohort view (cohorts told apart by --cohort-label).")
  var cohortPrometheus: String?

  @Option(help: "The label that tells cohorts apart (default cohort; baseline and canary its values).")
  var cohortLabel: String?

  @Option(help: "Where /proc is (default /proc; tests give a tree whose files block).")
  var procRoot: String?

  @Flag(help: "Run without the D-state watchdog and store probe.")
  var noWatchdog = false

  func run() async throws {
    LoggingSystem.bootstrap { label in JSONLogHandler(label: label, fd: 2, level: .info) }
    let logger = Logger(label: "groot-agent")
    var settings = try config.map(AgentConfig.load(path:)) ?? AgentConfig()
    if !store.isEmpty { settings.stores = store }
    settings.listen = listen ?? settings.listen
    settings.windowSeconds = windowSeconds ?? settings.windowSeconds
    settings.pollIntervalSeconds = pollInterval ?? settings.pollIntervalSeconds
    settings.dogstatsd = dogstatsd ?? settings.dogstatsd
    settings.watchdog.stuckThresholdSeconds = stuckThreshold ?? settings.watchdog.stuckThresholdSeconds
    settings.watchdog.intervalSeconds = watchdogInterval ?? settings.watchdog.intervalSeconds
    if !watchAncestor.isEmpty { settings.watchdog.ancestors = watchAncestor }
    settings.watchdog.webhookURL = webhookUrl ?? settings.watchdog.webhookURL
    settings.watchdog.bundleDirectory = bundleDirectory ?? settings.watchdog.bundleDirectory
    settings.watchdog.probeIntervalSeconds = probeInterval ?? settings.watchdog.probeIntervalSeconds
    settings.watchdog.probeTimeoutSeconds = probeTimeout ?? settings.watchdog.probeTimeoutSeconds
    settings.watchdog.sysrq = sysrq || settings.watchdog.sysrq
    settings.watchdog.procRoot = procRoot ?? settings.watchdog.procRoot
    if let cohortPrometheus { settings.cohorts = AgentConfig.CohortView(prometheus: cohortPrometheus) }
    if let cohortLabel { settings.cohorts?.label = cohortLabel }
    if noWatchdog { settings.watchdog.enabled = false }
    for pair in label {
      guard let equals = pair.firstIndex(of: "=") else { throw ValidationError("--label takes KEY=VALUE") }
      settings.labels[String(pair[..<equals])] = String(pair[pair.index(after: equals)...])
    }
    guard !settings.stores.isEmpty else {
      throw ValidationError("no stores to watch: give --store or 'stores' in the config")
    }
    try await AgentServer.run(config: settings, logger: logger)
  }
}
