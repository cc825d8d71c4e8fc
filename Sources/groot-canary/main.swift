import ArgumentParser
import Foundation
import GrootCanary

/// groot-canary: compares a canary cohort of hosts with a baseline and says
/// promote, hold or roll back (exit 0, 2, 1; 3 when it cannot judge).
struct GrootCanaryCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "groot-canary",
    abstract: "Judges a rollout: promote (0), rollback (1), hold (2), could not judge (3).",
    subcommands: [Judge.self, Simulate.self], defaultSubcommand: Judge.self)
}

struct Judge: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "judge", abstract: "Compare two cohorts' stores, from their journals.")

  @Option(help: "A baseline host's store (repeatable).")
  var baselineStore: [String] = []

  @Option(help: "A canary host's store (repeatable).")
  var canaryStore: [String] = []

  @Option(help: "Judge operations that started in the last SECONDS.")
  var last: Double = 3600

  @Option(help: "text or json.")
  var format = "text"

  func run() throws {
    guard !baselineStore.isEmpty, !canaryStore.isEmpty else {
      throw ValidationError("give at least one --baseline-store and one --canary-store")
    }
    guard ["text", "json"].contains(format) else { throw ValidationError("--format is text or json") }
    let now = Date().timeIntervalSince1970
    let baseline = Cohort.fromJournals(stores: baselineStore, since: now - last, until: now)
    let canary = Cohort.fromJournals(stores: canaryStore, since: now - last, until: now)
    var options = JudgementOptions()
    options.hostRatio = Double(canaryStore.count) / Double(baselineStore.count)
    let judgement = GrootCanary.Judge.judge(baseline: baseline, canary: canary, options: options)
    print(format == "json" ? try judgement.json() : judgement.text())
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

GrootCanaryCommand.main()
