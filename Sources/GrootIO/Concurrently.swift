import Foundation

/// Runs blocking work (a layer's fetch and unpack) on a few threads at once.
/// Threads rather than the Dispatch pool, whose width is the number of cores:
/// the work waits on the network as much as on the CPU.
public enum Concurrently {
  /// Calls `body` for 0..<count, at most `width` at a time, lowest index first,
  /// and returns when every call has returned.
  public static func forEach(_ count: Int, width: Int, _ body: (Int) -> Void) {
    guard count > 0 else { return }
    if width <= 1 || count == 1 {
      for index in 0..<count { body(index) }
      return
    }
    withoutActuallyEscaping(body) { body in
      let work = Work(count: count, body: body)
      let group = DispatchGroup()
      for _ in 0..<min(width, count) {
        group.enter()
        Thread {
          while let (index, body) = work.next() { body(index) }
          group.leave()
        }.start()
      }
      group.wait()
      // A finished Thread may still hold `work` for a moment: the closure must
      // not outlive this call.
      work.release()
    }
  }

  /// The shared queue of indices. `body` is called from several threads; the
  /// caller makes what it touches safe for that.
  private final class Work: @unchecked Sendable {
    private var body: ((Int) -> Void)?
    private let count: Int
    private var taken = 0
    private let lock = NSLock()

    init(count: Int, body: @escaping (Int) -> Void) {
      self.count = count
      self.body = body
    }

    func next() -> (Int, (Int) -> Void)? {
      lock.withLock {
        guard taken < count, let body else { return nil }
        defer { taken += 1 }
        return (taken, body)
      }
    }

    func release() { lock.withLock { body = nil } }
  }
}
