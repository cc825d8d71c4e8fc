#if canImport(Glibc)
  import Glibc
#endif

/// An owned file descriptor, closed when the value goes away.
public final class FileDescriptor {
  public let rawValue: Int32

  public init(rawValue: Int32) {
    self.rawValue = rawValue
  }

  /// open(2) with O_CLOEXEC, retrying on EINTR.
  public convenience init(path: String, flags: Int32, mode: mode_t = 0) throws {
    let fd = try retryingEINTR("open", path) { open(path, flags | O_CLOEXEC, mode) }
    self.init(rawValue: fd)
  }

  deinit { close(rawValue) }
}

/// A file opened for reading, as a ByteStream.
public final class FileByteStream: ByteStream {
  private let descriptor: FileDescriptor
  private let path: String

  public init(path: String) throws {
    self.descriptor = try FileDescriptor(path: path, flags: O_RDONLY)
    self.path = path
  }

  public func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
    try retryingEINTR("read", path) { Glibc.read(descriptor.rawValue, buffer.baseAddress, buffer.count) }
  }
}
