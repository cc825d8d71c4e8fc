/// Why a layer could not be unpacked. Each names the entry so an operator can find it.
public enum UnpackError: Error, CustomStringConvertible, Equatable {
  case linkTargetMissing(entry: String, target: String)
  case parentNotDirectory(entry: String)
  case invalidEntry(entry: String, reason: String)
  case archive(String)
  /// The pull wrote as much as it may: the words say which limit.
  case limitExceeded(String)
  case system(entry: String, operation: String, errno: Int32)

  public var description: String {
    switch self {
    case .linkTargetMissing(let entry, let target):
      return "hard link '\(entry)' points to '\(target)', which is not in the same layer"
    case .parentNotDirectory(let entry):
      return
        "refusing layer entry '\(entry)': a path above it is not a directory in this layer (a file, or a symlink leading nowhere inside the layer)"
    case .invalidEntry(let entry, let reason):
      return "invalid layer entry '\(entry)': \(reason)"
    case .archive(let message):
      return "invalid layer archive: \(message)"
    case .limitExceeded(let message):
      return message
    case .system(let entry, let operation, let errno):
      return "cannot unpack '\(entry)': \(operation) failed: \(String(cString: strerror(errno)))"
    }
  }
}

#if canImport(Glibc)
  import Glibc
#endif
