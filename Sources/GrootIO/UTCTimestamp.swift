#if canImport(Glibc)
  import Glibc
#endif

extension String {
  /// A time as RFC 3339 in UTC, `2026-12-01T07:28:37Z`, with `.nnnnnnnnn` before
  /// the Z when nanoseconds are given (lager's form); whole seconds are what
  /// `JSONEncoder`'s `.iso8601` writes. Without Foundation's formatters, which cost
  /// start-up time on the paths every command takes.
  public init(utcSeconds seconds: Int, nanoseconds: Int? = nil) {
    var time = time_t(seconds)
    var parts = tm()
    gmtime_r(&time, &parts)
    let date =
      String(Int(parts.tm_year) + 1900, zeroPaddedTo: 4) + "-" + String(Int(parts.tm_mon) + 1, zeroPaddedTo: 2) + "-"
      + String(Int(parts.tm_mday), zeroPaddedTo: 2)
    let clock =
      String(Int(parts.tm_hour), zeroPaddedTo: 2) + ":" + String(Int(parts.tm_min), zeroPaddedTo: 2) + ":"
      + String(Int(parts.tm_sec), zeroPaddedTo: 2)
    self = date + "T" + clock + (nanoseconds.map { "." + String($0, zeroPaddedTo: 9) } ?? "") + "Z"
  }
}
