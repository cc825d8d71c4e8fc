#if canImport(Glibc)
  import Glibc
#endif

/// Seconds on the monotonic clock: for durations, never for dates.
public func monotonicSeconds() -> Double {
  var now = timespec()
  clock_gettime(CLOCK_MONOTONIC, &now)
  return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
}

/// Where a command reads the time: the system's, or a test's.
public protocol Clock: Sendable {
  /// Nanoseconds since the Unix epoch, for when something happened.
  func wallNanoseconds() -> Int64
  /// Seconds on a monotonic clock, for how long it took.
  func monotonic() -> Double
}

public struct SystemClock: Clock {
  public init() {}

  public func wallNanoseconds() -> Int64 {
    var now = timespec()
    clock_gettime(CLOCK_REALTIME, &now)
    return Int64(now.tv_sec) * 1_000_000_000 + Int64(now.tv_nsec)
  }

  public func monotonic() -> Double { monotonicSeconds() }
}
