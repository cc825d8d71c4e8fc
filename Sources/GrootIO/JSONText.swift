/// A JSON document written without Codable, for the three every create and delete
/// writes (`image.json`, the journal line, the runtime spec on stdout). Foundation's
/// `JSONEncoder` makes its generic containers for each type at run time, each a scan
/// of the binary's 9,000 conformance records, and with its own code paged in it
/// was an eighth of a warm create's CPU (docs/benchmarks.md, warm create).
///
/// The bytes are those `JSONEncoder` writes with `.sortedKeys` and
/// `.withoutEscapingSlashes` (and `.iso8601` dates); the unit tests hold the two
/// equal. Reading stays Codable.
public indirect enum JSONText: Sendable, Equatable {
  case string(String)
  case integer(Int64)
  case number(Double)
  case bool(Bool)
  case array([JSONText])
  /// Members in any order; written sorted by key.
  case object([Member])

  public struct Member: Sendable, Equatable {
    public var key: String
    public var value: JSONText

    public init(_ key: String, _ value: JSONText) {
      self.key = key
      self.value = value
    }
  }

  /// An object of the members that have a value (Codable leaves nil optionals out).
  public static func object(_ members: KeyValuePairs<String, JSONText?>) -> JSONText {
    .object(members.compactMap { member in member.value.map { Member(member.key, $0) } })
  }

  public static func strings(_ values: [String]) -> JSONText { .array(values.map { .string($0) }) }

  /// A time as `JSONEncoder`'s `.iso8601` strategy writes it: UTC, whole seconds.
  public static func iso8601(secondsSince1970 seconds: Double) -> JSONText {
    .string(String(utcSeconds: Int(seconds.rounded(.down))))
  }

  public var utf8: [UInt8] {
    var bytes: [UInt8] = []
    bytes.reserveCapacity(256)
    write(to: &bytes)
    return bytes
  }

  public var text: String { String(decoding: utf8, as: UTF8.self) }

  private func write(to bytes: inout [UInt8]) {
    switch self {
    case .string(let value): Self.write(value, to: &bytes)
    case .integer(let value): bytes += String(value).utf8
    case .number(let value): Self.write(value, to: &bytes)
    case .bool(let value): bytes += (value ? "true" : "false").utf8
    case .array(let values):
      bytes.append(UInt8(ascii: "["))
      for (index, value) in values.enumerated() {
        if index > 0 { bytes.append(UInt8(ascii: ",")) }
        value.write(to: &bytes)
      }
      bytes.append(UInt8(ascii: "]"))
    case .object(let members):
      bytes.append(UInt8(ascii: "{"))
      for (index, member) in members.sorted(by: { $0.key < $1.key }).enumerated() {
        if index > 0 { bytes.append(UInt8(ascii: ",")) }
        Self.write(member.key, to: &bytes)
        bytes.append(UInt8(ascii: ":"))
        member.value.write(to: &bytes)
      }
      bytes.append(UInt8(ascii: "}"))
    }
  }

  /// Integral values as integers, others in Swift's shortest round-trip form, as
  /// `JSONEncoder` does; JSON has no infinity or NaN, so those are written as 0.
  private static func write(_ value: Double, to bytes: inout [UInt8]) {
    guard value.isFinite else { return bytes.append(UInt8(ascii: "0")) }
    if value == value.rounded(), abs(value) < 1e15 {
      bytes += String(Int64(value)).utf8
    } else {
      bytes += String(value).utf8
    }
  }

  private static let hexDigits = Array("0123456789abcdef".utf8)

  private static func write(_ string: String, to bytes: inout [UInt8]) {
    bytes.append(UInt8(ascii: "\""))
    for byte in string.utf8 {
      switch byte {
      case UInt8(ascii: "\""): bytes += #"\""#.utf8
      case UInt8(ascii: "\\"): bytes += #"\\"#.utf8
      case 0x08: bytes += #"\b"#.utf8
      case 0x0c: bytes += #"\f"#.utf8
      case 0x0a: bytes += #"\n"#.utf8
      case 0x0d: bytes += #"\r"#.utf8
      case 0x09: bytes += #"\t"#.utf8
      case 0..<0x20:
        bytes += [
          UInt8(ascii: "\\"), UInt8(ascii: "u"), 0x30, 0x30, hexDigits[Int(byte >> 4)], hexDigits[Int(byte & 0xf)],
        ]
      default: bytes.append(byte)
      }
    }
    bytes.append(UInt8(ascii: "\""))
  }
}
