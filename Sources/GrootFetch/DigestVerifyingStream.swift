import GrootIO
import GrootOCI

/// Passes bytes through while hashing them; at the end of the stream checks the
/// size and digest, and fails early when more bytes arrive than declared.
public final class DigestVerifyingStream: ByteStream {
  private let upstream: ByteStream
  private let expected: Digest
  private let expectedSize: Int64?
  private let what: String
  private var hasher = DigestHasher()
  private var verified = false

  public init(_ upstream: ByteStream, expected: Digest, size: Int64?, what: String) {
    self.upstream = upstream
    self.expected = expected
    self.expectedSize = size
    self.what = what
  }

  public var bytesRead: Int64 { hasher.byteCount }

  public func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
    let count = try upstream.read(into: buffer)
    if count > 0 {
      hasher.update(UnsafeRawBufferPointer(rebasing: buffer[0..<count]))
      if let expectedSize, hasher.byteCount > expectedSize {
        throw FetchError.oversized(what: what, limit: expectedSize)
      }
      return count
    }
    if !verified {
      if let expectedSize, hasher.byteCount != expectedSize {
        throw FetchError.sizeMismatch(what: what, expected: expectedSize, actual: hasher.byteCount)
      }
      let actual = hasher.finalize()
      guard actual == expected else {
        throw FetchError.digestMismatch(what: what, expected: expected, actual: actual)
      }
      verified = true
    }
    return 0
  }
}

extension Digest {
  /// Checks a document read whole against the digest it was fetched by, as
  /// DigestVerifyingStream checks a stream (by Digest(of:): no conformance scan).
  public func verify(_ bytes: [UInt8], what: String) throws(FetchError) {
    let actual = Digest(of: bytes)
    guard actual == self else { throw .digestMismatch(what: what, expected: self, actual: actual) }
  }
}
