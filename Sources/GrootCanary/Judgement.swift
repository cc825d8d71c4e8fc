import Foundation

/// promote / hold / rollback, from the evidence: every check per signal and
/// operation, with its test, p-value and effect size, and the reasons that decided.
public struct Judgement: Codable, Sendable {
  public enum Verdict: String, Codable, Sendable {
    case promote, hold, rollback
    case undecided = "could not judge"

    /// For pipelines: 0 promote, 1 rollback, 2 hold, 3 could not judge.
    public var exitCode: Int32 {
      switch self {
      case .promote: 0
      case .rollback: 1
      case .hold: 2
      case .undecided: 3
      }
    }
  }

  public enum Result: String, Codable, Sendable { case pass, hold, fail }

  public struct Check: Codable, Sendable {
    public var signal: String
    public var operation: String
    public var baseline: String
    public var canary: String
    public var difference: String
    public var test: String
    public var p: Double?
    public var effect: String
    public var result: Result
    public var reason: String?
  }

  public var verdict: Verdict
  public var reasons: [String]
  public var checks: [Check]
}

/// The thresholds of the judgement. Each p-value is compared with `alpha`, small
/// because several tests run per operation and a false rollback has a cost too.
public struct JudgementOptions: Codable, Sendable {
  public var alpha = 0.001
  /// A canary with fewer operations than this is not judged ("hold: not enough data").
  public var minimumOperations = 100
  /// ... nor one doing less than this share of the baseline's work (per host).
  public var minimumTrafficRatio = 0.2
  /// The rank test fails only past this effect: P(canary > baseline) above it.
  public var minimumSuperiority = 0.55
  /// The tail: the share of operations above the baseline's p99 is expected to be this.
  public var tailShare = 0.01
  /// Canary hosts over baseline hosts, for comparing traffic.
  public var hostRatio = 1.0

  public init() {}
}

public enum Judge {
  public static func judge(baseline: Cohort, canary: Cohort, options: JudgementOptions = JudgementOptions())
    -> Judgement
  {
    var checks: [Judgement.Check] = []
    // Saturation and D-state: any stuck thread or failed probe on a canary host decides alone.
    checks.append(
      Judgement.Check(
        signal: "saturation", operation: "-",
        baseline: "\(baseline.stuckThreads) stuck, \(baseline.probeFailures) probe failures",
        canary: "\(canary.stuckThreads) stuck, \(canary.probeFailures) probe failures", difference: "-", test: "any",
        p: nil, effect: "-", result: canary.stuckThreads + canary.probeFailures > 0 ? .fail : .pass,
        reason: canary.stuckThreads + canary.probeFailures > 0
          ? "saturation: \(canary.stuckThreads) stuck threads and \(canary.probeFailures) failed store probes on canary hosts"
          : nil))
    for operation in Set(baseline.operations.keys).union(canary.operations.keys).sorted() {
      let base = baseline.operations[operation] ?? Cohort.Operation()
      let test = canary.operations[operation] ?? Cohort.Operation()
      checks += judge(operation, base, test, options)
    }
    let reasons = checks.compactMap(\.reason)
    let verdict: Judgement.Verdict
    if checks.contains(where: { $0.result == .fail }) {
      verdict = .rollback
    } else if baseline.operations.isEmpty && canary.operations.isEmpty {
      verdict = .undecided
    } else if checks.contains(where: { $0.result == .hold }) {
      verdict = .hold
    } else {
      verdict = .promote
    }
    return Judgement(
      verdict: verdict, reasons: verdict == .undecided ? ["no operations in either cohort"] : reasons, checks: checks)
  }

  static func judge(
    _ operation: String, _ base: Cohort.Operation, _ test: Cohort.Operation, _ options: JudgementOptions
  )
    -> [Judgement.Check]
  {
    // An operation both cohorts did only a few times (init-store, capacity) is not judged.
    guard base.count >= options.minimumOperations || test.count >= options.minimumOperations else {
      return [
        Judgement.Check(
          signal: "traffic", operation: operation, baseline: "\(base.count)", canary: "\(test.count)", difference: "-",
          test: "too few to judge", p: nil, effect: "-", result: .pass, reason: nil)
      ]
    }
    // Traffic: a canary that did much less is not evidence either way.
    let expected = Double(base.count) * options.hostRatio
    let enough = test.count >= options.minimumOperations && Double(test.count) >= expected * options.minimumTrafficRatio
    var checks = [
      Judgement.Check(
        signal: "traffic", operation: operation, baseline: "\(base.count)", canary: "\(test.count)",
        difference: expected > 0 ? percent(Double(test.count) / expected - 1) : "-", test: "minimum", p: nil,
        effect: "-", result: enough ? .pass : .hold,
        reason: enough
          ? nil
          : "hold: not enough data for \(operation) (\(test.count) canary operations against \(base.count) in the baseline)"
      )
    ]
    guard enough, base.count >= options.minimumOperations else { return checks }

    // Errors: rates compared exactly (small counts).
    let errorP = Statistics.fisherGreater(
      baselineFailures: base.failures, baselineTotal: base.count, canaryFailures: test.failures, canaryTotal: test.count
    )
    let baseRate = Double(base.failures) / Double(base.count)
    let testRate = Double(test.failures) / Double(test.count)
    let errorsFail = errorP < options.alpha && testRate > baseRate
    checks.append(
      Judgement.Check(
        signal: "errors", operation: operation, baseline: share(baseRate), canary: share(testRate),
        difference: String(format: "%+.2f pt", (testRate - baseRate) * 100), test: "Fisher exact", p: errorP,
        effect: baseRate > 0 ? String(format: "%.1fx", testRate / baseRate) : "-", result: errorsFail ? .fail : .pass,
        reason: errorsFail
          ? "errors: \(operation) failed \(share(testRate)) on the canary against \(share(baseRate)) (Fisher p=\(String(format: "%.2g", errorP)))"
          : nil))

    let baseSorted = base.latencies.sorted()
    let testSorted = test.latencies.sorted()
    // Latency, the body of the distribution: a rank test, as Kayenta.
    let (rankP, superiority) = Statistics.mannWhitney(baseline: base.latencies, canary: test.latencies)
    let baseMedian = Statistics.quantile(baseSorted, 0.5)
    let testMedian = Statistics.quantile(testSorted, 0.5)
    let bodyFail = rankP < options.alpha && superiority > options.minimumSuperiority
    checks.append(
      Judgement.Check(
        signal: "latency p50", operation: operation, baseline: milliseconds(baseMedian),
        canary: milliseconds(testMedian), difference: percent(testMedian / baseMedian - 1), test: "Mann-Whitney U",
        p: rankP, effect: String(format: "P(canary>baseline)=%.3f", superiority), result: bodyFail ? .fail : .pass,
        reason: bodyFail
          ? "latency: \(operation) is slower on the canary (median \(milliseconds(testMedian)) against \(milliseconds(baseMedian)), Mann-Whitney p=\(String(format: "%.2g", rankP)))"
          : nil))

    // Latency, the tail: rare spikes that leave the mean and median alone, tested
    // twice. (1) The canary's share above the baseline's p99 against the baseline's
    // own share (1% by construction), exactly: Fisher's test, which also allows for
    // the p99 being an estimate from the baseline's sample (a plain binomial test
    // against 1% does not, and cries wolf in about 5% of A/A trials). (2) The deep
    // tail: who holds the pooled p99.9 and above. The threshold is a function of
    // both cohorts together, so Fisher's test is exact under the null whatever the
    // ties (buckets from Prometheus); it finds a few late spikes far beyond the
    // baseline's worst that (1) misses when the baseline's own p99 shoulder is busy.
    // Each at alpha/2, so the pair cries wolf no more often than one test.
    let threshold = Statistics.quantile(baseSorted, 0.99)
    let above = test.latencies.filter { $0 > threshold }.count
    let baseAbove = base.latencies.filter { $0 > threshold }.count
    let shoulderP = Statistics.fisherGreater(
      baselineFailures: baseAbove, baselineTotal: base.count, canaryFailures: above, canaryTotal: test.count)
    let deep = Statistics.quantile((baseSorted + testSorted).sorted(), 0.999)
    let deepAbove = test.latencies.filter { $0 >= deep }.count
    let deepBaseAbove = base.latencies.filter { $0 >= deep }.count
    let deepP = Statistics.fisherGreater(
      baselineFailures: deepBaseAbove, baselineTotal: base.count, canaryFailures: deepAbove, canaryTotal: test.count)
    let tailP = min(1, 2 * min(shoulderP, deepP))
    let deepDecides = deepP < shoulderP
    let share = Double(above) / Double(test.count)
    let baseMax = base.max ?? baseSorted.last ?? 0
    let testMax = test.max ?? testSorted.last ?? 0
    let tailFail = tailP < options.alpha
    let maxima =
      "canary max \(milliseconds(testMax)) against \(milliseconds(baseMax)) (Fisher p=\(String(format: "%.2g", tailP)))"
    let tailReason =
      deepDecides
      ? "latency tail: \(Self.share(Double(deepAbove) / Double(test.count))) of canary \(operation)s took longer than 99.9% of all (\(milliseconds(deep)) or more), against \(Self.share(Double(deepBaseAbove) / Double(base.count))) of the baseline's; \(maxima)"
      : "latency tail: \(Self.share(share)) of canary \(operation)s took longer than the baseline's p99 (\(milliseconds(threshold))); \(maxima)"
    checks.append(
      Judgement.Check(
        signal: "latency tail", operation: operation,
        baseline: "p99 \(milliseconds(threshold)), max \(milliseconds(baseMax))",
        canary: "\(Self.share(share)) above, max \(milliseconds(testMax))",
        difference: "max " + percent(testMax / baseMax - 1),
        test: deepDecides
          ? "Fisher exact, share at or above pooled p99.9" : "Fisher exact, share above baseline p99",
        p: tailP,
        effect: String(format: "%.1fx the expected share", share / options.tailShare), result: tailFail ? .fail : .pass,
        reason: tailFail ? tailReason : nil))
    return checks
  }

  /// A change, signed: "+20.0%".
  static func percent(_ value: Double) -> String { String(format: "%+.1f%%", value * 100) }
  /// A share: "1.25%".
  static func share(_ value: Double) -> String { String(format: "%.2f%%", value * 100) }
  static func milliseconds(_ seconds: Double) -> String { String(format: "%.1f ms", seconds * 1000) }
}
