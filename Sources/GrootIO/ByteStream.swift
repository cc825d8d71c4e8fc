/// A pull-based stream of bytes: every stage of a layer's way (file or network,
/// digest check, decompression) is one, so a layer flows through in bounded memory.
public protocol ByteStream: AnyObject {
  /// Reads up to `buffer.count` bytes into `buffer`; returns 0 only at the end.
  func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int
}

extension ByteStream {
  /// Reads and discards everything left, so that checks done at the end run.
  public func drain(chunkSize: Int = 64 * 1024) throws {
    let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: chunkSize, alignment: 16)
    defer { buffer.deallocate() }
    while try read(into: buffer) > 0 {}
  }

  /// Reads the whole stream, refusing more than `limit` bytes.
  public func readAll(limit: Int) throws -> [UInt8]? {
    var result: [UInt8] = []
    let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 64 * 1024, alignment: 16)
    defer { buffer.deallocate() }
    while true {
      let count = try read(into: buffer)
      if count == 0 { return result }
      if result.count + count > limit { return nil }
      result.append(contentsOf: buffer[0..<count])
    }
  }
}

/// Passes bytes through and tells `observe` how many went by (for progress).
public final class CountingStream: ByteStream {
  private let base: ByteStream
  private let observe: (Int) -> Void

  public init(_ base: ByteStream, observe: @escaping (Int) -> Void) {
    self.base = base
    self.observe = observe
  }

  public func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
    let count = try base.read(into: buffer)
    if count > 0 { observe(count) }
    return count
  }
}

/// Bytes in memory as a ByteStream (fuzz inputs, small documents).
public final class MemoryByteStream: ByteStream {
  private let bytes: [UInt8]
  private var offset = 0

  public init(_ bytes: [UInt8]) { self.bytes = bytes }

  public func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
    let count = min(buffer.count, bytes.count - offset)
    guard count > 0 else { return 0 }
    bytes.withUnsafeBytes { buffer.copyMemory(from: UnsafeRawBufferPointer(rebasing: $0[offset..<offset + count])) }
    offset += count
    return count
  }
}
