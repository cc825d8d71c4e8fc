import Foundation

extension Judgement {
  /// The side-by-side table: baseline | canary | difference | test | result, then the verdict and its reasons.
  public func text() -> String {
    let header = ["signal", "operation", "baseline", "canary", "difference", "test", "p", "result"]
    let rows = checks.map { check in
      [
        check.signal, check.operation, check.baseline, check.canary, check.difference, check.test,
        check.p.map { String(format: "%.2g", $0) } ?? "-", check.result.rawValue,
      ]
    }
    let widths = header.indices.map { column in ([header] + rows).map { $0[column].count }.max() ?? 0 }
    func line(_ cells: [String]) -> String {
      zip(cells, widths).map { $0.padding(toLength: $1, withPad: " ", startingAt: 0) }.joined(separator: "  ")
    }
    var lines = [line(header), line(widths.map { String(repeating: "-", count: $0) })] + rows.map(line)
    lines.append("")
    lines.append("verdict: \(verdict.rawValue)")
    lines += reasons.map { "  - \($0)" }
    return lines.joined(separator: "\n")
  }

  public func json() throws -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
    return String(decoding: try encoder.encode(self), as: UTF8.self)
  }
}
