import ArgumentParser
import Foundation
import GrootCanary

/// groot-canary: compares a canary cohort of hosts with a baseline and says
/// promote, hold or roll back (exit 0, 2, 1; 3 when it cannot judge).
@main
struct GrootCanaryCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "groot-canary",
    abstract: "Judges a rollout: promote (0), rollback (1), hold (2), could not judge (3).",
    subcommands: [Judge.self, Simulate.self], defaultSubcommand: Judge.self)
}

struct Judge: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "judge",
    abstract: "Compare two cohorts: from a Prometheus server scraping their agents, or from their stores' journals.")

  @Option(help: "Prometheus server (http://HOST:PORT) scraping both cohorts' groot-agents.")
  var prometheus: String?

  @Option(help: "The label that tells the cohorts apart (the agents' --label).")
  var label = "cohort"

  @Option(help: "The baseline's value of the label.")
  var baseline = "baseline"

  @Option(help: "The canary's value of the label.")
  var canary = "canary"

  @Option(help: "Canary hosts over baseline hosts (for comparing traffic from Prometheus).")
  var hostRatio = 1.0

  @Option(help: "A baseline host's store, read offline (repeatable).")
  var baselineStore: [String] = []

  @Option(help: "A canary host's store, read offline (repeatable).")
  var canaryStore: [String] = []

  @Option(help: "Judge the last SECONDS.")
  var last: Double = 3600

  @Option(help: "text, json or html (a self-contained report with charts).")
  var format = "text"

  @Option(help: "Write the report here instead of stdout.")
  var output: String?

  func run() async throws {
    guard ["text", "json", "html"].contains(format) else { throw ValidationError("--format is text, json or html") }
    var options = JudgementOptions()
    let baselineCohort: Cohort
    let canaryCohort: Cohort
    if let prometheus {
      let source = PrometheusCohorts(url: prometheus, label: label, rangeSeconds: Int(last))
      (baselineCohort, canaryCohort) = (try await source.cohort(baseline), try await source.cohort(canary))
      options.hostRatio = hostRatio
    } else {
      guard !baselineStore.isEmpty, !canaryStore.isEmpty else {
        throw ValidationError("give --prometheus, or at least one --baseline-store and one --canary-store")
      }
      let now = Date().timeIntervalSince1970
      baselineCohort = Cohort.fromJournals(stores: baselineStore, since: now - last, until: now)
      canaryCohort = Cohort.fromJournals(stores: canaryStore, since: now - last, until: now)
      options.hostRatio = Double(canaryStore.count) / Double(baselineStore.count)
    }
    let (baseline, canary) = (baselineCohort, canaryCohort)
    let judgement = GrootCanary.Judge.judge(baseline: baseline, canary: canary, options: options)
    let names =
      prometheus == nil
      ? (baselineStore.joined(separator: ", "), canaryStore.joined(separator: ", "))
      : ("\(label)=\(self.baseline)", "\(label)=\(self.canary)")
    let report: String
    switch format {
    case "json": report = try judgement.json()
    case "html": report = ReportHTML(judgement: judgement, baseline: baseline, canary: canary, names: names).render()
    default: report = judgement.text()
    }
    if let output {
      try report.write(toFile: output, atomically: true, encoding: .utf8)
      print(judgement.verdict.rawValue)
    } else {
      print(report)
    }
    throw ExitCode(judgement.verdict.exitCode)
  }
}

struct Simulate: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "simulate",
    abstract: "How often the judgement is right on cohorts with known truth, beside a mean-only comparison.")

  @Option(help: "Trials per scenario.")
  var trials = 200

  @Option(help: "Seed.")
  var seed: UInt64 = 42

  func run() {
    print("scenario               expected   right     mean-only right   canary mean moved")
    for scenario in Simulation.Scenario.allCases {
      let outcome = Simulation.run(scenario, trials: trials, seed: seed)
      print(
        scenario.rawValue.padding(toLength: 23, withPad: " ", startingAt: 0)
          + scenario.expected.rawValue.padding(toLength: 11, withPad: " ", startingAt: 0)
          + String(
            format: "%5.1f%%    %5.1f%%            %+.1f%%", Double(outcome.right) / Double(trials) * 100,
            Double(outcome.meanOnlyRight) / Double(trials) * 100, outcome.meanShift * 100))
    }
    print("(\(Simulation.operations) creates per cohort per trial, \(trials) trials, seed \(seed))")
  }
}
