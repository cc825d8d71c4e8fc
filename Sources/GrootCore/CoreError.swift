import GrootIO
import GrootUnpack

/// Failures of groot's own commands that are not a stage's.
public enum CoreError: ClassifiedError, Equatable {
  case config(path: String, reason: String)
  case invalidFlag(String)
  case layer(name: String, cause: UnpackError)
  case baseDirectoryMissing(layer: String, directory: String)
  case imagesStillMounted([String])
  case foreignMounts([String])
  case inconsistent(count: Int, repairable: Bool)
  case noStore(String)
  case imageOverlapsStore(image: String, store: String)
  case layersExceedQuota(total: Int64, limit: Int64)

  public var kind: ErrorKind? {
    switch self {
    case .layer: return nil  // the unpack error inside says
    case .baseDirectoryMissing: return .invalidLayer
    case .config, .invalidFlag, .imageOverlapsStore: return .invalidArgument
    case .imagesStillMounted, .foreignMounts: return .storeBusy
    case .inconsistent: return .storeInconsistent
    case .noStore: return .storeNotInitialized
    case .layersExceedQuota: return .quotaExceeded
    }
  }

  public var cause: (any Error)? {
    if case .layer(_, let cause) = self { return cause }
    return nil
  }

  public var description: String {
    switch self {
    case .config(_, let reason): return reason
    case .invalidFlag(let reason): return reason
    case .layer(let name, let cause): return "cannot unpack \(name): \(cause)"
    case .baseDirectoryMissing(let layer, let directory):
      return "cannot unpack \(layer): base directory not found in parent layer: \(directory)"
    case .imagesStillMounted(let ids):
      return "store still has mounted images (\(ids.joined(separator: ", "))): delete them first, or use --force"
    case .inconsistent(let count, let repairable):
      return "store has \(count) problem\(count == 1 ? "" : "s")"
        + (repairable ? ": run 'groot check --repair'" : " that need an operator")
    case .noStore(let path): return "no store found at \(path)"
    case .imageOverlapsStore(let image, let store):
      return "image \(image) and store \(store) overlap: a root filesystem cannot be the store, lie in it or hold it"
    case .layersExceedQuota(let total, let limit): return "layers exceed disk quota \(total)/\(limit) bytes"
    case .foreignMounts(let paths):
      return "refusing to delete the store: file systems are mounted in it (\(paths.joined(separator: ", ")))"
    }
  }
}
