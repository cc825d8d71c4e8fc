import ArgumentParser
import Foundation
import GrootIO

/// Writes the release link's symbol order (Linker/groot-symbol-order.txt) from what
/// the warm commands ran: every function executed (valgrind's callgrind) and every
/// data symbol read or written (valgrind's lackey), so that lld places them side by
/// side and a command faults in fewer pages of code and data (scripts/link-order
/// runs it; docs/benchmarks.md, warm create).
struct LinkOrder: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "link-order", abstract: "The symbol order for groot's release link, from valgrind runs.")

  @Option(help: "The groot binary the runs used (its data symbols are read with nm).")
  var binary: String

  @Option(help: "lld's link map of that binary (-Map).")
  var map: String

  @Option(parsing: .upToNextOption, help: "callgrind outputs, one per command, most important first.")
  var calls: [String]

  @Option(parsing: .upToNextOption, help: "lackey --trace-mem outputs of the same commands.")
  var memory: [String]

  /// lld moves whole input sections: a symbol in a large one (the standard library's
  /// single 1.6 MB `.text`, ICU's data) would drag the whole section into the hot
  /// region, so such symbols are left where they are.
  static let largestSection = 64 * 1024

  func run() throws {
    let immovable = try LinkMap.symbolsInSections(largerThan: Self.largestSection, map: map)
    var functions = SymbolRanking()
    for file in calls { functions.add(command: try Callgrind.executedFunctions(in: file)) }
    let symbols = try DataSymbols(binary: binary)
    var data = SymbolRanking()
    for file in memory { data.add(command: try symbols.touched(inTrace: file)) }
    let order = (functions.ranked + data.ranked).filter { !immovable.contains($0) }
    FileHandle.standardOutput.write(Data(order.map { $0 + "\n" }.joined().utf8))
  }
}

/// Symbols ranked by how many commands use them, then by when first seen.
struct SymbolRanking {
  private var uses: [String: Int] = [:]
  private var firstSeen: [String: Int] = [:]

  mutating func add(command symbols: [String]) {
    for symbol in Set(symbols) { uses[symbol, default: 0] += 1 }
    for symbol in symbols where firstSeen[symbol] == nil { firstSeen[symbol] = firstSeen.count }
  }

  var ranked: [String] {
    uses.keys.sorted { (uses[$1]!, firstSeen[$0]!) < (uses[$0]!, firstSeen[$1]!) }
  }
}

enum Callgrind {
  /// The functions with cost in a callgrind output (`fn=(id) name`, the name given
  /// once per id, on an `fn=` or `cfn=` line), in order of appearance.
  static func executedFunctions(in file: String) throws -> [String] {
    var names: [Substring: Substring] = [:]
    var executed: [Substring] = []
    for line in try String(contentsOfFile: file, encoding: .utf8).split(separator: "\n") {
      let isFunction = line.hasPrefix("fn=(")
      guard isFunction || line.hasPrefix("cfn=("), let close = line.firstIndex(of: ")") else { continue }
      let id = line[line.index(after: line.firstIndex(of: "(")!)..<close]
      let name = line[line.index(after: close)...].drop { $0 == " " }
      if !name.isEmpty { names[id] = name }
      if isFunction { executed.append(id) }
    }
    return executed.compactMap { names[$0].map(String.init) }
  }
}

enum LinkMap {
  /// The symbols of every input section larger than `limit` bytes, from lld's map:
  /// rows of VMA, LMA, size and alignment, then an output section, an input section
  /// or a symbol, told apart by indentation (0, 8 or 16 columns past the alignment).
  static func symbolsInSections(largerThan limit: Int, map: String) throws -> Set<String> {
    var symbols = Set<String>()
    var inLargeSection = false
    for line in try String(contentsOfFile: map, encoding: .utf8).split(separator: "\n") {
      let fields = line.split(separator: " ", maxSplits: 4, omittingEmptySubsequences: true)
      guard fields.count == 5, let size = Int(fields[2], radix: 16), Int(fields[3]) != nil else { continue }
      let rest = line[fields[3].endIndex...].dropFirst()
      let depth = rest.prefix { $0 == " " }.count
      if depth == 0 {
        inLargeSection = false
      } else if depth <= 8 {
        inLargeSection = size > limit
      } else if inLargeSection {
        symbols.insert(String(rest.drop { $0 == " " }))
      }
    }
    return symbols
  }
}

/// A binary's data symbols (`nm -S`: initialised, zeroed and read-only data), to name
/// the addresses a memory trace touched.
struct DataSymbols {
  private let starts: [UInt64]
  private let ends: [UInt64]
  private let names: [String]

  init(binary: String) throws {
    var rows: [(UInt64, UInt64, String)] = []
    for line in try Subprocess.run("nm", ["-S", "--defined-only", binary]).split(separator: "\n") {
      let fields = line.split(separator: " ")
      guard fields.count == 4, "dDbBrRvV".contains(fields[2]),
        let start = UInt64(fields[0], radix: 16), let size = UInt64(fields[1], radix: 16)
      else { continue }
      rows.append((start, start + max(size, 1), String(fields[3])))
    }
    rows.sort { $0.0 < $1.0 }
    starts = rows.map(\.0)
    ends = rows.map(\.1)
    names = rows.map(\.2)
  }

  /// The symbol holding `address`, if any.
  func symbol(at address: UInt64) -> String? {
    var low = 0
    var high = starts.count
    while low < high {
      let middle = (low + high) / 2
      if starts[middle] <= address { low = middle + 1 } else { high = middle }
    }
    guard low > 0, address < ends[low - 1] else { return nil }
    return names[low - 1]
  }

  /// The data symbols a lackey trace loads, stores or modifies (` L addr,size`,
  /// ` S ...`, ` M ...`; instruction fetches and valgrind's own lines skipped), in
  /// order of first touch.
  func touched(inTrace file: String) throws -> [String] {
    var seen = Set<String>()
    var order: [String] = []
    for line in try String(contentsOfFile: file, encoding: .utf8).split(separator: "\n") {
      guard line.count > 3, line.first == " ", "LSM".contains(line[line.index(after: line.startIndex)]),
        let comma = line.firstIndex(of: ","),
        let address = UInt64(line[line.index(line.startIndex, offsetBy: 3)..<comma], radix: 16),
        let name = symbol(at: address), seen.insert(name).inserted
      else { continue }
      order.append(name)
    }
    return order
  }
}
