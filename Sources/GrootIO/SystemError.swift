import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// A failed system call, with the operation and path an operator needs to act on it.
public struct SystemError: ClassifiedError, Equatable {
  public let operation: String
  public let path: String
  public let errno: Int32

  public init(_ operation: String, _ path: String, errno: Int32 = Glibc.errno) {
    self.operation = operation
    self.path = path
    self.errno = errno
  }

  public var kind: ErrorKind? { ErrorKind(errno: errno) }

  public var description: String {
    "\(operation) \(path): \(String(cString: strerror(errno)))"
  }
}

/// Runs a system call that returns -1 on failure, retrying on EINTR.
@discardableResult
public func retryingEINTR<T: BinaryInteger>(
  _ operation: String, _ path: String, _ call: () -> T
) throws -> T {
  while true {
    let result = call()
    if result >= 0 { return result }
    let code = errno
    if code == EINTR { continue }
    throw SystemError(operation, path, errno: code)
  }
}
