#if canImport(Glibc)
  import Glibc
#endif

/// Waits between attempts: 0.2 s, 0.4 s, 0.8 s…, at most 2 s.
enum Backoff {
  static let attempts = 4

  static func sleep(after attempt: Int) {
    usleep(UInt32(min(200_000 * (1 << (attempt - 1)), 2_000_000)))
  }
}
