import Foundation

/// Bytes the layers of one pull may write in all, shared by the layers that
/// unpack at once. Passing it stops the unpack with `exceeded` before the bytes
/// land, so a layer can never write more than the budget allows.
public final class UnpackBudget: @unchecked Sendable {
  private var remaining: Int64
  private let lock = NSLock()
  public let exceeded: UnpackError

  public init(bytes: Int64, exceeded: UnpackError = .quotaExceeded) {
    self.remaining = bytes
    self.exceeded = exceeded
  }

  func consume(_ count: Int) throws(UnpackError) {
    let allowed = lock.withLock {
      remaining -= Int64(count)
      return remaining >= 0
    }
    if !allowed { throw exceeded }
  }
}
