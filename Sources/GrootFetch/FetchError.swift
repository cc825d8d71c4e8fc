import GrootIO
import GrootOCI

/// What can go wrong while a blob flows in.
public enum FetchError: ClassifiedError, Equatable {
  case digestMismatch(what: String, expected: Digest, actual: Digest)
  case sizeMismatch(what: String, expected: Int64, actual: Int64)
  case oversized(what: String, limit: Int64)
  case corruptCompression(what: String, format: String, detail: String)

  public var kind: ErrorKind? {
    switch self {
    case .digestMismatch, .sizeMismatch, .oversized: return .digestMismatch
    case .corruptCompression: return .corruptLayer
    }
  }

  public var description: String {
    switch self {
    case .digestMismatch(let what, let expected, let actual):
      return "digest mismatch for \(what): expected \(expected), got \(actual)"
    case .sizeMismatch(let what, let expected, let actual):
      return "size mismatch for \(what): expected \(expected) bytes, got \(actual)"
    case .oversized(let what, let limit):
      return "digest mismatch for \(what): the blob is longer than the \(limit) bytes its descriptor declares"
    case .corruptCompression(let what, let format, let detail):
      return "corrupt \(format) data in \(what): \(detail)"
    }
  }
}
