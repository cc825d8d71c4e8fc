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

  func run() async throws {
    LoggingSystem.bootstrap { label in JSONLogHandler(label: label, fd: 2, level: .info) }
    let logger = Logger(label: "groot-agent")
    var settings = try config.map(AgentConfig.load(path:)) ?? AgentConfig()
    if !store.isEmpty { settings.stores = store }
    settings.listen = listen ?? settings.listen
    settings.windowSeconds = windowSeconds ?? settings.windowSeconds
    settings.pollIntervalSeconds = pollInterval ?? settings.pollIntervalSeconds
    settings.dogstatsd = dogstatsd ?? settings.dogstatsd
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
