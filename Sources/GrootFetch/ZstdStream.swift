import CZstd
import GrootIO

/// Streams zstd decompression (any number of frames) through libzstd.
public final class ZstdStream: ByteStream {
  private let upstream: ByteStream
  private let what: String
  private let context: OpaquePointer
  private let input: UnsafeMutableRawBufferPointer
  private var inBuffer = ZSTD_inBuffer(src: nil, size: 0, pos: 0)
  private var frameOpen = false
  private var finished = false

  public init(_ upstream: ByteStream, what: String) throws {
    self.upstream = upstream
    self.what = what
    guard let context = ZSTD_createDCtx() else {
      throw FetchError.corruptCompression(what: what, format: "zstd", detail: "cannot create context")
    }
    self.context = context
    self.input = .allocate(byteCount: ZSTD_DStreamInSize(), alignment: 16)
  }

  deinit {
    ZSTD_freeDCtx(context)
    input.deallocate()
  }

  public func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
    guard !finished, buffer.count > 0 else { return 0 }
    var output = ZSTD_outBuffer(dst: buffer.baseAddress, size: buffer.count, pos: 0)
    while output.pos == 0 {
      if inBuffer.pos == inBuffer.size {
        let count = try upstream.read(into: input)
        if count == 0 {
          if frameOpen {
            throw FetchError.corruptCompression(what: what, format: "zstd", detail: "unexpected end of data")
          }
          finished = true
          return 0
        }
        inBuffer = ZSTD_inBuffer(src: input.baseAddress, size: count, pos: 0)
      }
      let hint = ZSTD_decompressStream(context, &output, &inBuffer)
      if ZSTD_isError(hint) != 0 {
        throw FetchError.corruptCompression(
          what: what, format: "zstd", detail: String(cString: ZSTD_getErrorName(hint)))
      }
      // 0 means a frame just ended and was fully flushed.
      frameOpen = hint != 0
    }
    return output.pos
  }
}
