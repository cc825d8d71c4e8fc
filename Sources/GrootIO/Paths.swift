import Foundation

extension String {
  /// The path joined with `component` by one slash.
  public func appending(path component: String) -> String {
    hasSuffix("/") ? self + component : self + "/" + component
  }
}

public enum Paths {
  /// An absolute, normalised form of `path` (no `.`/`..`, no trailing slash), without
  /// resolving symlinks.
  public static func absolute(_ path: String) -> String {
    let base = path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath.appending(path: path)
    var parts: [Substring] = []
    for part in base.split(separator: "/") {
      if part == "." { continue }
      if part == ".." {
        _ = parts.popLast()
        continue
      }
      parts.append(part)
    }
    // Appended one by one: `joined(separator:)` costs a conformance scan
    // (docs/benchmarks.md, warm create).
    var result = ""
    for part in parts {
      result += "/"
      result += String(part)
    }
    return result.isEmpty ? "/" : result
  }
}
