/// Why a layer could not be unpacked. Each names the entry so an operator can find it.
import GrootIO

public enum UnpackError: ClassifiedError, Equatable {
  case linkTargetMissing(entry: String, target: String)
  case parentNotDirectory(entry: String)
  case invalidEntry(entry: String, reason: String)
  case archive(String)
  /// A limit that counts the image was passed (GrootFS's words).
  case quotaExceeded
  /// The layer passed what one layer may write (see LayerLimits).
  case layerTooLarge(String)
  case system(entry: String, operation: String, errno: Int32)

  /// An entry name for a one-line message: long names (a GNU long-name chain
  /// can make them megabytes) are cut, with their length said.
  static func short(_ name: String) -> String {
    guard name.utf8.count > 120 else { return name }
    return String(name.prefix(100)) + "… (\(name.utf8.count) bytes)"
  }

  public var kind: ErrorKind? {
    switch self {
    case .linkTargetMissing, .parentNotDirectory, .invalidEntry, .archive: return .invalidLayer
    case .quotaExceeded: return .quotaExceeded
    case .layerTooLarge: return .layerTooLarge
    case .system(_, _, let errno): return ErrorKind(errno: errno)
    }
  }

  public var description: String {
    switch self {
    case .linkTargetMissing(let entry, let target):
      let (entry, target) = (Self.short(entry), Self.short(target))
      return "hard link '\(entry)' points to '\(target)', which is not in the same layer"
    case .parentNotDirectory(let entry):
      let entry = Self.short(entry)
      return
        "refusing layer entry '\(entry)': a path above it is not a directory in this layer (a file, or a symlink leading nowhere inside the layer)"
    case .invalidEntry(let entry, let reason):
      let entry = Self.short(entry)
      return "invalid layer entry '\(entry)': \(reason)"
    case .archive(let message):
      return "invalid layer archive: \(message)"
    case .quotaExceeded:
      return "uncompressed layer size exceeds quota"
    case .layerTooLarge(let what):
      return
        "the layer is too large: \(what) (a limit against layers that fill the disk: create.max_layer_bytes, create.max_layer_entries)"
    case .system(let entry, let operation, let errno):
      let entry = Self.short(entry)
      return "cannot unpack '\(entry)': \(operation) failed: \(String(cString: strerror(errno)))"
    }
  }
}

#if canImport(Glibc)
  import Glibc
#endif
