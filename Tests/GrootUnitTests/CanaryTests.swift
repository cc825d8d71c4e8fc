import Testing

@testable import GrootCanary

/// groot-canary's judgement on cohorts with known truth: 200 trials a scenario,
/// seeds fixed, 10,000 creates a cohort.
@Suite("Canary judgement")
struct CanaryTests {
  @Test("simulated rollouts: right at least 95% of the time in every scenario", arguments: Simulation.Scenario.allCases)
  func simulation(_ scenario: Simulation.Scenario) {
    let outcome = Simulation.run(scenario)
    print(
      "canary simulation: \(scenario.rawValue): \(outcome.right)/\(outcome.trials) \(scenario.expected.rawValue); "
        + "mean-only comparison right \(outcome.meanOnlyRight)/\(outcome.trials); canary mean moved "
        + "\(Judge.percent(outcome.meanShift)); decided by \(outcome.decidedBy.sorted { $0.key < $1.key })")
    #expect(Double(outcome.right) >= 0.95 * Double(outcome.trials))
    if scenario == .spikes { #expect(abs(outcome.meanShift) < 0.05, "the spikes moved the mean \(outcome.meanShift)") }
  }

  @Test("a stuck thread or failed probe on a canary host is a rollback by itself")
  func saturation() {
    var random = SplitMix64(seed: 1)
    let same = Simulation.draw(1000, errorRate: 0, &random)
    let judgement = Judge.judge(
      baseline: Cohort(operations: ["create": same]), canary: Cohort(operations: ["create": same], stuckThreads: 1))
    #expect(judgement.verdict == .rollback)
    #expect(judgement.reasons.contains { $0.contains("stuck") })
    #expect(Judge.judge(baseline: Cohort(), canary: Cohort()).verdict == .undecided)
  }

  /// The CI run that taught us: from Prometheus buckets, the baseline's shoulder
  /// above its p99 (100 ms) was busy (13 of 2000 in the 250 ms bucket), the canary's
  /// 20 late pulls (1 s bucket) plus its own 9 made a share test of p=0.009; the
  /// pooled p99.9 sees 20 against 0.
  @Test("a few spikes far beyond the baseline's worst fail the tail even when its shoulder is busy")
  func deepTail() {
    func bucketed(_ counts: [(Double, Int)]) -> Cohort.Operation {
      Cohort.Operation(latencies: counts.flatMap { Array(repeating: $0.0, count: $0.1) })
    }
    let baseline = bucketed([(0.05, 1950), (0.1, 37), (0.25, 13)])
    let canary = bucketed([(0.05, 1950), (0.1, 21), (0.25, 9), (1, 20)])
    let judgement = Judge.judge(
      baseline: Cohort(operations: ["create": baseline]), canary: Cohort(operations: ["create": canary]))
    #expect(judgement.verdict == .rollback)
    #expect(judgement.reasons.contains { $0.hasPrefix("latency tail: 1.00% of canary creates took longer than 99.9%") })
    // The same shoulder on both sides and no spikes: promote.
    let calm = bucketed([(0.05, 1950), (0.1, 37), (0.25, 13)])
    #expect(
      Judge.judge(baseline: Cohort(operations: ["create": baseline]), canary: Cohort(operations: ["create": calm]))
        .verdict == .promote)
  }

  @Test("the tests' arithmetic against known values")
  func statistics() {
    // Binomial(10, 0.5): P(X >= 8) = 56/1024.
    #expect(abs(Statistics.binomialUpperTail(k: 8, n: 10, p: 0.5) - 56.0 / 1024) < 1e-12)
    // Fisher, the tea-tasting table (3 of 4 against 1 of 4): one-sided p = 17/70.
    #expect(
      abs(
        Statistics.fisherGreater(baselineFailures: 1, baselineTotal: 4, canaryFailures: 3, canaryTotal: 4) - 17.0 / 70)
        < 1e-12)
    // Identical cohorts: no evidence either way.
    let (p, superiority) = Statistics.mannWhitney(baseline: [1, 2, 3, 4], canary: [1, 2, 3, 4])
    #expect(p > 0.4 && superiority == 0.5)
    let (shifted, all) = Statistics.mannWhitney(
      baseline: Array(1...30).map(Double.init), canary: Array(31...60).map(Double.init))
    #expect(shifted < 1e-9 && all == 1)
  }
}
