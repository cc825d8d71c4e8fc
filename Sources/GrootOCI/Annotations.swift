/// A document's annotations: string keys to string values, in document order, the
/// first of a repeated key winning (as GrootIO's JSON reader reads objects).
///
/// A list, not a `Dictionary`: the first `Dictionary<String, String>` a process
/// makes costs it a scan of the binary's 9,000 conformance records (for
/// `String: Hashable`), and a warm create reads annotations on every layer and
/// prints one (docs/benchmarks.md, warm create). Documents carry a handful.
public struct Annotations: Hashable, Sendable, ExpressibleByDictionaryLiteral {
  public struct Pair: Hashable, Sendable {
    public let key: String
    public let value: String
  }

  public private(set) var pairs: [Pair] = []

  public init(_ pairs: some Sequence<(key: String, value: String)>) {
    let all = pairs.map { Pair(key: $0.key, value: $0.value) }
    // The first of each key, found through the indices sorted by key and then by
    // position: a lookup per pair would be quadratic in a hostile manifest's
    // hundreds of thousands of keys (a manifest may hold 4 MiB).
    let byKey = all.indices.sorted { all[$0].key == all[$1].key ? $0 < $1 : all[$0].key < all[$1].key }
    var first = [Bool](repeating: false, count: all.count)
    for (position, index) in byKey.enumerated() where position == 0 || all[byKey[position - 1]].key != all[index].key {
      first[index] = true
    }
    self.pairs = all.indices.filter { first[$0] }.map { all[$0] }
  }

  public init(dictionaryLiteral elements: (String, String)...) {
    self.init(elements.lazy.map { (key: $0.0, value: $0.1) })
  }

  public subscript(key: String) -> String? {
    pairs.first { $0.key == key }?.value
  }

  /// Equal when they map the same keys to the same values, whatever the order
  /// (keys are unique: compared sorted, not looked up one by one).
  public static func == (lhs: Annotations, rhs: Annotations) -> Bool {
    func sorted(_ annotations: Annotations) -> [Pair] { annotations.pairs.sorted { $0.key < $1.key } }
    return lhs.pairs.count == rhs.pairs.count && sorted(lhs) == sorted(rhs)
  }

  /// Order-independent, as `==` is.
  public func hash(into hasher: inout Hasher) {
    hasher.combine(pairs.count)
  }
}

extension Annotations: Codable {
  private struct Name: CodingKey {
    let stringValue: String
    var intValue: Int? { nil }
    init(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
  }

  public init(from decoder: Decoder) throws {
    let container = try decoder.container(keyedBy: Name.self)
    self.init(try container.allKeys.map { (key: $0.stringValue, value: try container.decode(String.self, forKey: $0)) })
  }

  public func encode(to encoder: Encoder) throws {
    var container = encoder.container(keyedBy: Name.self)
    for pair in pairs { try container.encode(pair.value, forKey: Name(stringValue: pair.key)) }
  }
}
