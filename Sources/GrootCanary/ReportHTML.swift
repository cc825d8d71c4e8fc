import Foundation

/// The judgement as one self-contained HTML page (inline CSS and SVG, no script, no
/// asset from the network): the verdict and its reasons, the checks side by side,
/// and per operation the two cohorts' latency distributions on one axis with the
/// baseline's p99 and both maxima marked, and traffic and errors over time.
public struct ReportHTML {
  public let judgement: Judgement
  public let baseline: Cohort
  public let canary: Cohort
  public let names: (baseline: String, canary: String)

  public init(judgement: Judgement, baseline: Cohort, canary: Cohort, names: (baseline: String, canary: String)) {
    self.judgement = judgement
    self.baseline = baseline
    self.canary = canary
    self.names = names
  }

  static let colors = (baseline: "#3b6fd4", canary: "#e0761b")

  public func render() -> String {
    var html = """
      <!doctype html>
      <html lang="en"><head><meta charset="utf-8"><title>groot-canary: \(judgement.verdict.rawValue)</title>
      <style>
      body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5em; color: #1d2330; background: #f7f8fa; }
      h1 { font-size: 1.4em; } h2 { font-size: 1.1em; margin-top: 1.6em; }
      .promote { color: #17803d; } .rollback { color: #c0262d; } .hold { color: #b26b00; }
      table { border-collapse: collapse; background: #fff; box-shadow: 0 1px 2px #0001; }
      th, td { padding: .3em .7em; border-bottom: 1px solid #e6e8ee; text-align: left; }
      th { background: #eef0f5; } td.fail { color: #c0262d; font-weight: 700; } td.hold { color: #b26b00; font-weight: 700; }
      svg { background: #fff; box-shadow: 0 1px 2px #0001; margin: .3em 1em .3em 0; }
      .legend span { display: inline-block; margin-right: 1.2em; } .swatch { width: 1em; height: .6em; display: inline-block; }
      </style></head><body>
      <h1>groot-canary: <span id="verdict" class="\(judgement.verdict.rawValue)">\(escape(judgement.verdict.rawValue))</span></h1>
      <div class="legend"><span><i class="swatch" style="background:\(Self.colors.baseline)"></i> baseline: <b id="baseline-name">\(escape(names.baseline))</b></span>
      <span><i class="swatch" style="background:\(Self.colors.canary)"></i> canary: <b id="canary-name">\(escape(names.canary))</b></span></div>
      <ul id="reasons">\(judgement.reasons.map { "<li>\(escape($0))</li>" }.joined())</ul>
      <h2>Checks</h2>
      <table id="checks"><thead><tr><th>signal</th><th>operation</th><th>baseline</th><th>canary</th><th>difference</th><th>test</th><th>p</th><th>effect</th><th>result</th></tr></thead><tbody>

      """
    for check in judgement.checks {
      let cells = [
        check.signal, check.operation, check.baseline, check.canary, check.difference, check.test,
        check.p.map { String(format: "%.2g", $0) } ?? "-", check.effect,
      ].map { "<td>\(escape($0))</td>" }.joined()
      html +=
        "<tr data-signal=\"\(escape(check.signal))\" data-operation=\"\(escape(check.operation))\">\(cells)"
        + "<td class=\"\(check.result.rawValue)\">\(check.result.rawValue)</td></tr>\n"
    }
    html += "</tbody></table>\n"
    for operation in Set(baseline.operations.keys).union(canary.operations.keys).sorted() {
      let base = baseline.operations[operation] ?? Cohort.Operation()
      let test = canary.operations[operation] ?? Cohort.Operation()
      guard base.count + test.count >= 10 else { continue }
      html += "<h2>\(escape(operation))</h2>\n"
      html += distribution(operation, base, test)
      html += timeline(operation, base, test)
    }
    return html + "</body></html>\n"
  }

  /// Both cohorts' latency distributions on one log axis, as percentile curves whose
  /// vertical axis opens up the tail (p50, p90, p99, p99.9 evenly spaced, as HDR
  /// histogram plots do); the baseline's p99 and each cohort's max marked.
  func distribution(_ operation: String, _ base: Cohort.Operation, _ test: Cohort.Operation) -> String {
    let (width, height, left, bottom) = (640.0, 300.0, 60.0, 40.0)
    let all = (base.latencies + test.latencies).filter { $0 > 0 }
    guard let low = all.min(), let high = ([base.max, test.max].compactMap { $0 } + [all.max() ?? 1]).max() else {
      return ""
    }
    let (lo, hi) = (log10(low), Swift.max(log10(high), log10(low) + 0.5))
    func x(_ value: Double) -> Double { left + (log10(Swift.max(value, low)) - lo) / (hi - lo) * (width - left - 10) }
    // t = -log10(1 - share): p50 at 0.3, p90 at 1, p99 at 2, p99.9 at 3.
    let depth = 3.3
    func y(_ share: Double) -> Double {
      let t = Swift.min(depth, -log10(Swift.max(1e-9, 1 - share)))
      return (height - bottom) * (1 - t / depth) + 10
    }
    var svg = "<svg id=\"latency-\(escape(operation))\" width=\"\(Int(width))\" height=\"\(Int(height))\" role=\"img\">"
    svg +=
      "<text x=\"\(left)\" y=\"14\" font-size=\"12\">\(escape(operation)) latency percentiles (log axis; the tail opened up)</text>"
    var tick = pow(10, lo.rounded(.down))
    while tick <= pow(10, hi) {
      if tick >= low / 1.01 {
        svg += "<line x1=\"\(x(tick))\" x2=\"\(x(tick))\" y1=\"\(y(0))\" y2=\"\(y(1))\" stroke=\"#e6e8ee\"/>"
        svg +=
          "<text x=\"\(x(tick))\" y=\"\(height - bottom + 24)\" font-size=\"11\" text-anchor=\"middle\">\(label(tick))</text>"
      }
      tick *= 10
    }
    for (share, name) in [(0.5, "p50"), (0.9, "p90"), (0.99, "p99"), (0.999, "p99.9")] {
      svg += "<text x=\"\(left - 6)\" y=\"\(y(share) + 4)\" font-size=\"11\" text-anchor=\"end\">\(name)</text>"
      svg += "<line x1=\"\(left)\" x2=\"\(width - 10)\" y1=\"\(y(share))\" y2=\"\(y(share))\" stroke=\"#eef0f5\"/>"
    }
    for (cohort, values, color) in [
      ("baseline", base.latencies, Self.colors.baseline), ("canary", test.latencies, Self.colors.canary),
    ] {
      let sorted = values.sorted()
      guard !sorted.isEmpty else { continue }
      // Evenly spaced in t, up to the last percentile the sample resolves.
      let reach = Swift.min(depth, log10(Double(sorted.count)))
      let points = (0...200).map { step -> String in
        let share = 1 - pow(10, -reach * Double(step) / 200)
        let value = Statistics.quantile(sorted, Swift.max(share, 1 / Double(sorted.count)))
        return "\(x(value)),\(y(share))"
      }
      svg +=
        "<polyline data-cohort=\"\(cohort)\" fill=\"none\" stroke=\"\(color)\" stroke-width=\"2\" points=\"\(points.joined(separator: " "))\"/>"
    }
    let p99 = Statistics.quantile(base.latencies.sorted(), 0.99)
    if p99.isFinite {
      svg +=
        "<line data-mark=\"baseline-p99\" x1=\"\(x(p99))\" x2=\"\(x(p99))\" y1=\"\(y(0))\" y2=\"\(y(1))\" stroke=\"#c0262d\" stroke-dasharray=\"4 3\"/>"
      svg +=
        "<text x=\"\(x(p99) + 4)\" y=\"\(y(0.3))\" font-size=\"11\" fill=\"#c0262d\">baseline p99 \(label(p99))</text>"
    }
    for (cohort, operation, color) in [("baseline", base, Self.colors.baseline), ("canary", test, Self.colors.canary)] {
      guard let max = operation.max ?? operation.latencies.max() else { continue }
      svg +=
        "<circle data-mark=\"\(cohort)-max\" cx=\"\(x(max))\" cy=\"\(y(1 - pow(10, -depth)))\" r=\"5\" fill=\"\(color)\"><title>\(cohort) max \(label(max))</title></circle>"
    }
    return svg + "</svg>\n"
  }

  /// Operations and failures per interval over the range, both cohorts (where the source has times).
  func timeline(_ operation: String, _ base: Cohort.Operation, _ test: Cohort.Operation) -> String {
    let times = base.starts + test.starts
    guard let first = times.min(), let last = times.max(), last > first else { return "" }
    let (width, height, left, bins) = (640.0, 180.0, 60.0, 30)
    let span = (last - first) / Double(bins)
    func counts(_ starts: [Double]) -> [Int] {
      var counts = Array(repeating: 0, count: bins)
      for start in starts { counts[Swift.min(bins - 1, Int((start - first) / span))] += 1 }
      return counts
    }
    let series = [
      ("baseline", counts(base.starts), counts(base.failureStarts), Self.colors.baseline),
      ("canary", counts(test.starts), counts(test.failureStarts), Self.colors.canary),
    ]
    let top = Double(Swift.max(1, series.flatMap(\.1).max() ?? 1))
    func x(_ bin: Int) -> Double { left + Double(bin) / Double(bins - 1) * (width - left - 10) }
    func y(_ count: Int) -> Double { 20 + (height - 40) * (1 - Double(count) / top) }
    var svg =
      "<svg id=\"timeline-\(escape(operation))\" width=\"\(Int(width))\" height=\"\(Int(height))\" role=\"img\">"
    svg +=
      "<text x=\"\(left)\" y=\"14\" font-size=\"12\">\(escape(operation))s (lines) and failures (bars) per \(Int(span.rounded())) s</text>"
    svg += "<text x=\"\(left - 6)\" y=\"24\" font-size=\"11\" text-anchor=\"end\">\(Int(top))</text>"
    for (offset, (cohort, total, failed, color)) in series.enumerated() {
      let points = total.indices.map { "\(x($0)),\(y(total[$0]))" }.joined(separator: " ")
      svg +=
        "<polyline data-cohort=\"\(cohort)\" fill=\"none\" stroke=\"\(color)\" stroke-width=\"2\" points=\"\(points)\"/>"
      for (bin, count) in failed.enumerated() where count > 0 {
        svg +=
          "<rect data-failures=\"\(cohort)\" x=\"\(x(bin) - 4 + Double(offset) * 4)\" y=\"\(y(count))\" width=\"4\" height=\"\(y(0) - y(count))\" fill=\"\(color)\" opacity=\"0.6\"/>"
      }
    }
    return svg + "</svg>\n"
  }

  func label(_ seconds: Double) -> String {
    seconds >= 1 ? String(format: "%.3g s", seconds) : String(format: "%.3g ms", seconds * 1000)
  }

  func escape(_ text: String) -> String {
    text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
      .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
  }
}
