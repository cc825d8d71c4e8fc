import CZlib
import GrootIO

/// Streams gzip decompression through zlib. Concatenated gzip members (allowed by
/// RFC 1952, and produced by parallel compressors) are read as one stream.
public final class GzipStream: ByteStream {
  private let upstream: ByteStream
  private let what: String
  private var stream = z_stream()
  private let input: UnsafeMutableRawBufferPointer
  private var finished = false
  private var sawData = false

  public init(_ upstream: ByteStream, what: String, chunkSize: Int = 128 * 1024) throws {
    self.upstream = upstream
    self.what = what
    self.input = .allocate(byteCount: chunkSize, alignment: 16)
    // 15 + 32: largest window, detect gzip or zlib header automatically.
    let status = inflateInit2_(&stream, 15 + 32, zlibVersion(), Int32(MemoryLayout<z_stream>.size))
    guard status == Z_OK else {
      input.deallocate()
      throw FetchError.corruptCompression(what: what, format: "gzip", detail: "inflateInit failed (\(status))")
    }
  }

  deinit {
    inflateEnd(&stream)
    input.deallocate()
  }

  public func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
    guard !finished, buffer.count > 0 else { return 0 }
    stream.next_out = buffer.baseAddress!.assumingMemoryBound(to: Bytef.self)
    stream.avail_out = uInt(buffer.count)
    while stream.avail_out == buffer.count {
      if stream.avail_in == 0 {
        let count = try upstream.read(into: input)
        if count == 0 {
          // A clean end lands between members; anything else is truncation.
          if sawData { throw corrupt("unexpected end of data") }
          finished = true
          return 0
        }
        stream.next_in = input.baseAddress!.assumingMemoryBound(to: Bytef.self)
        stream.avail_in = uInt(count)
      }
      sawData = true
      let status = inflate(&stream, Z_NO_FLUSH)
      switch status {
      case Z_OK, Z_BUF_ERROR:
        continue
      case Z_STREAM_END:
        sawData = false
        inflateReset(&stream)
        if stream.avail_out != buffer.count { break }
      default:
        throw corrupt(stream.msg.map { String(cString: $0) } ?? "inflate error \(status)")
      }
    }
    return buffer.count - Int(stream.avail_out)
  }

  private func corrupt(_ detail: String) -> FetchError {
    .corruptCompression(what: what, format: "gzip", detail: detail)
  }
}
