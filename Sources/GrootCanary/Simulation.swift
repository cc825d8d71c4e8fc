import Foundation

/// Cohorts drawn from known distributions, to measure how often the judgement is
/// right: each scenario's truth is known, the seeds are fixed.
public enum Simulation {
  public enum Scenario: String, CaseIterable, Sendable {
    /// Both cohorts from the same distribution: the right answer is promote.
    case aa = "A/A"
    /// 1% of canary creates take 700 ms, the mean moves under 5%: rollback.
    case spikes = "1% at 700 ms"
    /// Every canary create 20% slower: rollback.
    case medianRegression = "p50 +20%"
    /// Failures from 0.1% to 1%: rollback.
    case errors = "errors 0.1% -> 1%"
    /// The canary did 5% of the baseline's work: hold.
    case lowTraffic = "5% traffic"

    public var expected: Judgement.Verdict {
      switch self {
      case .aa: .promote
      case .spikes, .medianRegression, .errors: .rollback
      case .lowTraffic: .hold
      }
    }
  }

  public struct Outcome: Sendable {
    public var scenario: Scenario
    public var trials: Int
    /// Trials whose verdict was the expected one.
    public var right: Int
    /// What a mean-only comparison (Welch's t on the means) got right on the same trials.
    public var meanOnlyRight: Int
    /// How far the canary's mean moved, averaged over trials.
    public var meanShift: Double
    /// Trials in which each signal failed or held.
    public var decidedBy: [String: Int] = [:]
  }

  /// Creates per cohort and trial: an hour of a cohort of busy cells.
  public static let operations = 10_000
  static let sigma = 0.6

  public static func run(
    _ scenario: Scenario, trials: Int = 200, seed: UInt64 = 42, options: JudgementOptions = .init()
  )
    -> Outcome
  {
    var random = SplitMix64(seed: seed &+ UInt64(Scenario.allCases.firstIndex(of: scenario)!) &* 7919)
    var outcome = Outcome(scenario: scenario, trials: trials, right: 0, meanOnlyRight: 0, meanShift: 0)
    for _ in 0..<trials {
      let baseline = draw(operations, errorRate: 0.001, &random)
      var canary = draw(
        scenario == .lowTraffic ? operations / 20 : operations, errorRate: scenario == .errors ? 0.01 : 0.001, &random)
      switch scenario {
      case .spikes:
        for index in canary.latencies.indices where random.unit() < 0.01 { canary.latencies[index] = 0.7 }
      case .medianRegression:
        canary.latencies = canary.latencies.map { $0 * 1.2 }
      default: break
      }
      let judgement = Judge.judge(
        baseline: Cohort(operations: ["create": baseline]), canary: Cohort(operations: ["create": canary]),
        options: options)
      let verdict = judgement.verdict
      for check in judgement.checks where check.result != .pass { outcome.decidedBy[check.signal, default: 0] += 1 }
      if verdict == scenario.expected { outcome.right += 1 }
      let meanOnly = meanOnlyVerdict(baseline, canary, options)
      if meanOnly == scenario.expected { outcome.meanOnlyRight += 1 }
      let (baseMean, _) = Statistics.meanVariance(baseline.latencies)
      let (testMean, _) = Statistics.meanVariance(canary.latencies)
      outcome.meanShift += (testMean / baseMean - 1) / Double(trials)
    }
    return outcome
  }

  /// The dashboards' way: compare the averages (latency and error rate), nothing else.
  static func meanOnlyVerdict(_ baseline: Cohort.Operation, _ canary: Cohort.Operation, _ options: JudgementOptions)
    -> Judgement.Verdict
  {
    let slower = Statistics.welchGreater(baseline: baseline.latencies, canary: canary.latencies) < options.alpha
    let baseRate = Double(baseline.failures) / Double(baseline.count)
    let testRate = Double(canary.failures) / Double(canary.count)
    return slower || testRate > 2 * baseRate + 0.001 ? .rollback : .promote
  }

  /// Create latencies: log-normal around 150 ms with sigma 0.6 (a long right tail,
  /// p99 near 600 ms), the shape of creates on a busy cell; failures at `errorRate`.
  static func draw(_ count: Int, errorRate: Double, _ random: inout SplitMix64) -> Cohort.Operation {
    var operation = Cohort.Operation()
    operation.latencies.reserveCapacity(count)
    for _ in 0..<count {
      operation.latencies.append(0.15 * exp(Self.sigma * random.normal()))
      if random.unit() < errorRate { operation.failures += 1 }
    }
    return operation
  }
}

/// A small, fast, seeded generator (Steele, Lea and Flood's SplitMix64).
public struct SplitMix64: RandomNumberGenerator, Sendable {
  private var state: UInt64

  public init(seed: UInt64) { state = seed }

  public mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }

  /// Uniform in [0, 1).
  mutating func unit() -> Double { Double(next() >> 11) / Double(1 << 53) }

  /// Standard normal (Box-Muller).
  mutating func normal() -> Double {
    let u = max(unit(), 1e-300)
    return (-2 * log(u)).squareRoot() * cos(2 * .pi * unit())
  }
}
