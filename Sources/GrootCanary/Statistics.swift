import Foundation

/// The tests groot-canary decides with. Each returns a p-value for the one-sided
/// question "is the canary worse?", with an effect size beside it.
enum Statistics {
  /// Mann-Whitney U (Kayenta's test), normal approximation with tie correction and
  /// continuity correction: p for "canary values tend to be larger". Effect size:
  /// the probability that a canary value exceeds a baseline value (ties count half),
  /// 0.5 when the cohorts are alike.
  static func mannWhitney(baseline: [Double], canary: [Double]) -> (p: Double, superiority: Double) {
    let n1 = Double(baseline.count)
    let n2 = Double(canary.count)
    guard n1 > 0, n2 > 0 else { return (1, 0.5) }
    var all = baseline.map { ($0, false) } + canary.map { ($0, true) }
    all.sort { $0.0 < $1.0 }
    var rankSumCanary = 0.0
    var tieTerm = 0.0
    var index = 0
    while index < all.count {
      var end = index
      while end + 1 < all.count && all[end + 1].0 == all[index].0 { end += 1 }
      let rank = Double(index + end) / 2 + 1
      let tied = Double(end - index + 1)
      tieTerm += tied * tied * tied - tied
      for position in index...end where all[position].1 { rankSumCanary += rank }
      index = end + 1
    }
    let u = rankSumCanary - n2 * (n2 + 1) / 2  // pairs where the canary value is larger
    let mean = n1 * n2 / 2
    let n = n1 + n2
    let variance = n1 * n2 / 12 * ((n + 1) - tieTerm / (n * (n - 1)))
    guard variance > 0 else { return (1, u / (n1 * n2)) }
    let z = (u - mean - 0.5) / variance.squareRoot()
    return (upperNormalTail(z), u / (n1 * n2))
  }

  /// P(X >= k) for X ~ Binomial(n, p): exact, summed in log space.
  static func binomialUpperTail(k: Int, n: Int, p: Double) -> Double {
    guard k > 0 else { return 1 }
    guard k <= n else { return 0 }
    var total = 0.0
    for x in k...n {
      total += exp(logChoose(n, x) + Double(x) * log(p) + Double(n - x) * log1p(-p))
    }
    return min(1, total)
  }

  /// Fisher's exact test, one-sided: p that the canary's failure rate is this much
  /// higher or more by chance, given the margins.
  static func fisherGreater(baselineFailures a: Int, baselineTotal n1: Int, canaryFailures b: Int, canaryTotal n2: Int)
    -> Double
  {
    let failures = a + b
    let total = n1 + n2
    guard failures > 0, n2 > 0 else { return 1 }
    var p = 0.0
    for x in b...min(failures, n2) {
      p += exp(logChoose(n2, x) + logChoose(n1, failures - x) - logChoose(total, failures))
    }
    return min(1, p)
  }

  /// Welch's t-test on the means, one-sided (the mean-only comparison the report
  /// shows beside the real judgement, because averages hide spikes).
  static func welchGreater(baseline: [Double], canary: [Double]) -> Double {
    guard baseline.count > 1, canary.count > 1 else { return 1 }
    let (m1, v1) = meanVariance(baseline)
    let (m2, v2) = meanVariance(canary)
    let se = (v1 / Double(baseline.count) + v2 / Double(canary.count)).squareRoot()
    guard se > 0 else { return m2 > m1 ? 0 : 1 }
    return upperNormalTail((m2 - m1) / se)
  }

  static func meanVariance(_ values: [Double]) -> (mean: Double, variance: Double) {
    let mean = values.reduce(0, +) / Double(values.count)
    let variance = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(max(1, values.count - 1))
    return (mean, variance)
  }

  /// Nearest-rank quantile of sorted values.
  static func quantile(_ sorted: [Double], _ q: Double) -> Double {
    guard !sorted.isEmpty else { return .nan }
    return sorted[max(0, min(sorted.count - 1, Int((q * Double(sorted.count)).rounded(.up)) - 1))]
  }

  static func upperNormalTail(_ z: Double) -> Double { 0.5 * erfc(z / 2.squareRoot()) }

  static func logChoose(_ n: Int, _ k: Int) -> Double {
    lgamma(Double(n + 1)) - lgamma(Double(k + 1)) - lgamma(Double(n - k + 1))
  }
}
