import Crypto

/// A content digest, `sha256:<64 lowercase hex>`. Only sha256 is accepted: the hex
/// part becomes a file name, so it is validated before anything touches disk.
public struct Digest: Hashable, Codable, CustomStringConvertible, Sendable {
  public let hex: String

  public init(hex: String) throws(OCIError) {
    guard hex.utf8.count == 64, hex.utf8.allSatisfy({ Digest.isLowerHex($0) }) else {
      throw .invalidDigest("sha256:\(hex)")
    }
    self.hex = hex
  }

  public init(parsing string: String) throws(OCIError) {
    guard string.hasPrefix("sha256:") else {
      if let colon = string.firstIndex(of: ":") {
        throw .unsupportedDigestAlgorithm(String(string[..<colon]))
      }
      throw .invalidDigest(string)
    }
    do {
      try self.init(hex: String(string.dropFirst(7)))
    } catch {
      throw .invalidDigest(string)
    }
  }

  /// The digest of `bytes`: a document by SmallSHA256 (no conformance scan), anything
  /// bigger by swift-crypto.
  public init(of bytes: some Sequence<UInt8>) {
    let bytes = Array(bytes)
    guard bytes.count > SmallSHA256.largestInput else {
      self.init(digestBytes: SmallSHA256.hash(bytes))
      return
    }
    var hasher = SHA256()
    bytes.withUnsafeBytes { hasher.update(bufferPointer: $0) }
    self.init(finalized: hasher)
  }

  public init(finalized hasher: SHA256) {
    self.init(digestBytes: hasher.finalize().withUnsafeBytes { Array($0) })
  }

  private init(digestBytes: [UInt8]) {
    let digits = Array("0123456789abcdef".utf8)
    var hex: [UInt8] = []
    hex.reserveCapacity(64)
    for byte in digestBytes {
      hex.append(digits[Int(byte >> 4)])
      hex.append(digits[Int(byte & 0xf)])
    }
    self.hex = String(decoding: hex, as: UTF8.self)
  }

  public var description: String { "sha256:\(hex)" }

  public init(from decoder: Decoder) throws {
    let string = try decoder.singleValueContainer().decode(String.self)
    try self.init(parsing: string)
  }

  public func encode(to encoder: Encoder) throws {
    var container = encoder.singleValueContainer()
    try container.encode(description)
  }

  private static func isLowerHex(_ c: UInt8) -> Bool {
    (c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9")) || (c >= UInt8(ascii: "a") && c <= UInt8(ascii: "f"))
  }
}

/// Incremental sha256 over a stream.
public struct DigestHasher {
  private var hasher = SHA256()
  public private(set) var byteCount: Int64 = 0

  public init() {}

  public mutating func update(_ bytes: UnsafeRawBufferPointer) {
    hasher.update(bufferPointer: bytes)
    byteCount += Int64(bytes.count)
  }

  public func finalize() -> Digest { Digest(finalized: hasher) }
}
