import Glibc

/// One environment variable, read with getenv(3). `ProcessInfo.environment` copies
/// the whole environment into a dictionary, whose first use in a process costs a
/// warm create or delete a scan of the binary's conformance records
/// (docs/benchmarks.md, warm create).
public enum Environment {
  public static func value(_ name: String) -> String? {
    getenv(name).map { String(cString: $0) }
  }
}
