import Foundation

extension String {
  /// The path joined with `component` by one slash.
  public func appending(path component: String) -> String {
    hasSuffix("/") ? self + component : self + "/" + component
  }
}

extension Array where Element == String {
  /// `joined(separator:)` for the warm path: the standard library's, generic over
  /// `StringProtocol`, costs a scan of the binary's conformance records on its first
  /// call in a process (docs/benchmarks.md, warm create).
  public func joined(by separator: String) -> String {
    var result = ""
    for (index, element) in enumerated() {
      if index > 0 { result += separator }
      result += element
    }
    return result
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
    return parts.isEmpty ? "/" : "/" + parts.map(String.init).joined(by: "/")
  }
}
