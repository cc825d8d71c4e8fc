/// A JSON document as values, read without Codable. Foundation's JSONDecoder makes the
/// Swift runtime scan all 9,000 conformance records of groot's binary once for every
/// Codable type it decodes (the `CodingKeys` of each), about a tenth of a warm
/// create's CPU (docs/benchmarks.md, warm create); the documents a warm create and
/// delete read (the store's config, the OCI layout's index, manifest and config) are
/// read with this and `JSONFields` instead.
///
/// Strict RFC 8259: one value with only whitespace around it, no comments, no
/// trailing commas, strings of valid UTF-8 without raw control characters, at most
/// `maximumDepth` arrays and objects deep (JSONDecoder's limit).
public enum JSONValue: Equatable, Sendable {
  case null
  case bool(Bool)
  /// A number as written; `JSONFields` reads it as the integer or double a field needs.
  case number(String)
  case string(String)
  case array([JSONValue])
  /// The members in document order; where a key repeats, `JSONFields` reads the first.
  case object([Member])

  public struct Member: Equatable, Sendable {
    public let key: String
    public let value: JSONValue

    public init(key: String, value: JSONValue) {
      self.key = key
      self.value = value
    }
  }

  public static let maximumDepth = 512

  /// Parses one JSON document.
  public static func parse(_ bytes: [UInt8]) throws(JSONReadError) -> JSONValue {
    var parser = JSONParser(bytes: bytes)
    return try parser.document()
  }
}

/// Why a document is not JSON, and where.
public struct JSONReadError: Error, Equatable, CustomStringConvertible {
  public let reason: String
  public let offset: Int

  public var description: String { "not valid JSON (\(reason) at byte \(offset))" }
}

/// A recursive-descent reader over the document's bytes.
private struct JSONParser {
  let bytes: [UInt8]
  var index = 0
  var depth = 0

  init(bytes: [UInt8]) { self.bytes = bytes }

  mutating func document() throws(JSONReadError) -> JSONValue {
    skipWhitespace()
    let value = try self.value()
    skipWhitespace()
    guard index == bytes.count else { throw failure("text after the document") }
    return value
  }

  private mutating func value() throws(JSONReadError) -> JSONValue {
    guard let byte = peek() else { throw failure("unexpected end") }
    switch byte {
    case UInt8(ascii: "{"): return try object()
    case UInt8(ascii: "["): return try array()
    case UInt8(ascii: "\""): return .string(try string())
    case UInt8(ascii: "t"): return try literal("true", .bool(true))
    case UInt8(ascii: "f"): return try literal("false", .bool(false))
    case UInt8(ascii: "n"): return try literal("null", .null)
    case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try number())
    default: throw failure("unexpected character")
    }
  }

  private mutating func object() throws(JSONReadError) -> JSONValue {
    try enter()
    defer { depth -= 1 }
    index += 1
    var members: [JSONValue.Member] = []
    skipWhitespace()
    if peek() == UInt8(ascii: "}") {
      index += 1
      return .object(members)
    }
    while true {
      skipWhitespace()
      guard peek() == UInt8(ascii: "\"") else { throw failure("expected a key") }
      let key = try string()
      skipWhitespace()
      try expect(UInt8(ascii: ":"), "expected ':'")
      skipWhitespace()
      members.append(JSONValue.Member(key: key, value: try value()))
      skipWhitespace()
      if peek() == UInt8(ascii: ",") {
        index += 1
        continue
      }
      try expect(UInt8(ascii: "}"), "expected ',' or '}'")
      return .object(members)
    }
  }

  private mutating func array() throws(JSONReadError) -> JSONValue {
    try enter()
    defer { depth -= 1 }
    index += 1
    var elements: [JSONValue] = []
    skipWhitespace()
    if peek() == UInt8(ascii: "]") {
      index += 1
      return .array(elements)
    }
    while true {
      skipWhitespace()
      elements.append(try value())
      skipWhitespace()
      if peek() == UInt8(ascii: ",") {
        index += 1
        continue
      }
      try expect(UInt8(ascii: "]"), "expected ',' or ']'")
      return .array(elements)
    }
  }

  private mutating func string() throws(JSONReadError) -> String {
    let start = index
    index += 1
    var text: [UInt8] = []
    while true {
      guard let byte = peek() else { throw JSONReadError(reason: "unterminated string", offset: start) }
      index += 1
      switch byte {
      case UInt8(ascii: "\""):
        guard let string = String(validating: text, as: UTF8.self) else {
          throw JSONReadError(reason: "a string that is not UTF-8", offset: start)
        }
        return string
      case UInt8(ascii: "\\"):
        try escape(into: &text)
      case 0..<0x20:
        index -= 1
        throw failure("a control character in a string")
      default:
        text.append(byte)
      }
    }
  }

  /// One escape after its backslash, appended as UTF-8.
  private mutating func escape(into text: inout [UInt8]) throws(JSONReadError) {
    guard let byte = peek() else { throw failure("unexpected end") }
    index += 1
    switch byte {
    case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): text.append(byte)
    case UInt8(ascii: "b"): text.append(0x08)
    case UInt8(ascii: "f"): text.append(0x0C)
    case UInt8(ascii: "n"): text.append(0x0A)
    case UInt8(ascii: "r"): text.append(0x0D)
    case UInt8(ascii: "t"): text.append(0x09)
    case UInt8(ascii: "u"):
      var scalar = try hexQuad()
      if (0xD800..<0xDC00).contains(scalar) {
        // A high surrogate: the low half must follow as its own escape.
        guard peek() == UInt8(ascii: "\\"), peek(1) == UInt8(ascii: "u") else { throw failure("a lone surrogate") }
        index += 2
        let low = try hexQuad()
        guard (0xDC00..<0xE000).contains(low) else { throw failure("a lone surrogate") }
        scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
      } else if (0xDC00..<0xE000).contains(scalar) {
        throw failure("a lone surrogate")
      }
      guard let unicode = Unicode.Scalar(scalar) else { throw failure("an invalid \\u escape") }
      UTF8.encode(unicode) { text.append($0) }
    default:
      index -= 1
      throw failure("an invalid escape")
    }
  }

  private mutating func hexQuad() throws(JSONReadError) -> UInt32 {
    var value: UInt32 = 0
    for _ in 0..<4 {
      guard let byte = peek(), let digit = Self.hexDigit(byte) else { throw failure("an invalid \\u escape") }
      value = value << 4 | digit
      index += 1
    }
    return value
  }

  private static func hexDigit(_ byte: UInt8) -> UInt32? {
    switch byte {
    case UInt8(ascii: "0")...UInt8(ascii: "9"): UInt32(byte - UInt8(ascii: "0"))
    case UInt8(ascii: "a")...UInt8(ascii: "f"): UInt32(byte - UInt8(ascii: "a") + 10)
    case UInt8(ascii: "A")...UInt8(ascii: "F"): UInt32(byte - UInt8(ascii: "A") + 10)
    default: nil
    }
  }

  /// `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`, returned as written.
  private mutating func number() throws(JSONReadError) -> String {
    let start = index
    if peek() == UInt8(ascii: "-") { index += 1 }
    if peek() == UInt8(ascii: "0") {
      index += 1
    } else {
      guard digits() > 0 else { throw failure("a malformed number") }
    }
    if peek() == UInt8(ascii: ".") {
      index += 1
      guard digits() > 0 else { throw failure("a malformed number") }
    }
    if peek() == UInt8(ascii: "e") || peek() == UInt8(ascii: "E") {
      index += 1
      if peek() == UInt8(ascii: "+") || peek() == UInt8(ascii: "-") { index += 1 }
      guard digits() > 0 else { throw failure("a malformed number") }
    }
    return String(decoding: bytes[start..<index], as: UTF8.self)
  }

  /// Skips decimal digits; how many there were.
  private mutating func digits() -> Int {
    let start = index
    while let byte = peek(), byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") { index += 1 }
    return index - start
  }

  private mutating func literal(_ word: StaticString, _ value: JSONValue) throws(JSONReadError) -> JSONValue {
    let count = word.utf8CodeUnitCount
    guard index + count <= bytes.count,
      word.withUTF8Buffer({ expected in bytes[index..<index + count].elementsEqual(expected) })
    else { throw failure("unexpected character") }
    index += count
    return value
  }

  private mutating func enter() throws(JSONReadError) {
    depth += 1
    guard depth <= JSONValue.maximumDepth else { throw failure("nested more than \(JSONValue.maximumDepth) deep") }
  }

  private mutating func expect(_ byte: UInt8, _ reason: String) throws(JSONReadError) {
    guard peek() == byte else { throw failure(reason) }
    index += 1
  }

  private mutating func skipWhitespace() {
    while let byte = peek(),
      byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\n") || byte == UInt8(ascii: "\r")
        || byte == UInt8(ascii: "\t")
    {
      index += 1
    }
  }

  private func peek(_ ahead: Int = 0) -> UInt8? {
    index + ahead < bytes.count ? bytes[index + ahead] : nil
  }

  private func failure(_ reason: String) -> JSONReadError {
    JSONReadError(reason: index < bytes.count ? reason : "unexpected end", offset: index)
  }
}
