import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// Runs work that may block forever (reading a stuck process's `/proc` files,
/// writing to a frozen store) on a thread of its own, and gives up waiting after a
/// timeout. The abandoned thread stays blocked until the kernel lets it go; no
/// more than `limit` are ever left so, and past that the work is refused at once.
final class BoundedWorkers: @unchecked Sendable {
  enum Outcome<Value> {
    case done(Value)
    case timedOut
    /// `limit` workers are blocked already.
    case refused
  }

  let limit: Int
  let timeout: Double
  private let lock = NSLock()
  private var blockedNow = 0
  private var abandoned = 0

  init(limit: Int, timeout: Double) {
    self.limit = limit
    self.timeout = timeout
  }

  /// Workers blocked now, and abandoned since start.
  var counts: (blocked: Int, abandoned: Int) { lock.withLock { (blockedNow, abandoned) } }

  func run<Value>(_ work: @escaping @Sendable () -> Value) -> Outcome<Value> {
    guard lock.withLock({ blockedNow < limit }) else { return .refused }
    let box = ResultBox<Value>()
    let finished = DispatchSemaphore(value: 0)
    let worker = Thread { [self] in
      let value = work()
      // A worker that was given up on says so when it finally returns.
      if box.set(value) { finished.signal() } else { lock.withLock { blockedNow -= 1 } }
    }
    worker.stackSize = 256 << 10
    worker.start()
    if finished.wait(timeout: .now() + timeout) == .success, let value = box.value { return .done(value) }
    if box.abandon() {
      lock.withLock {
        blockedNow += 1
        abandoned += 1
      }
      return .timedOut
    }
    finished.wait()  // it finished just now
    return box.value.map { .done($0) } ?? .timedOut
  }

  /// The first `limit` bytes of a file, read on a worker.
  func read(_ path: String, limit bytes: Int = 256 << 10) -> Outcome<[UInt8]?> {
    run { readPrefix(path, limit: bytes) }
  }
}

/// A worker's result, or the waiter's word that it left.
private final class ResultBox<Value>: @unchecked Sendable {
  private let lock = NSLock()
  private var stored: Value?
  private var left = false

  var value: Value? { lock.withLock { stored } }

  /// False if the waiter had left.
  func set(_ value: Value) -> Bool {
    lock.withLock {
      stored = value
      return !left
    }
  }

  /// False if the value came first.
  func abandon() -> Bool {
    lock.withLock {
      guard stored == nil else { return false }
      left = true
      return true
    }
  }
}

/// Up to `limit` bytes of a file, nil if it cannot be opened.
func readPrefix(_ path: String, limit: Int) -> [UInt8]? {
  let fd = open(path, O_RDONLY | O_CLOEXEC)
  guard fd >= 0 else { return nil }
  defer { close(fd) }
  var bytes: [UInt8] = []
  var buffer = [UInt8](repeating: 0, count: 16 << 10)
  while bytes.count < limit {
    let count = read(fd, &buffer, min(buffer.count, limit - bytes.count))
    if count < 0 && errno == EINTR { continue }
    guard count > 0 else { break }
    bytes += buffer[..<count]
  }
  return bytes
}
