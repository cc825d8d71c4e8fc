/// What can be wrong with an image's own documents.
import GrootIO

public enum OCIError: ClassifiedError, Equatable {
  case invalidDigest(String)
  case unsupportedDigestAlgorithm(String)
  case unsupportedMediaType(String, what: String)
  case invalidDocument(what: String, reason: String)
  case layerCountMismatch(layers: Int, diffIDs: Int)

  public var kind: ErrorKind? {
    switch self {
    case .unsupportedMediaType: return .unsupportedMediaType
    case .invalidDigest, .unsupportedDigestAlgorithm, .invalidDocument, .layerCountMismatch: return .invalidImage
    }
  }

  public var description: String {
    switch self {
    case .invalidDigest(let digest):
      return "invalid digest '\(digest)': expected sha256:<64 hex digits>"
    case .unsupportedDigestAlgorithm(let algorithm):
      return "unsupported digest algorithm '\(algorithm)': only sha256 is supported"
    case .unsupportedMediaType(let mediaType, let what):
      return "unsupported media type '\(mediaType)' for \(what)"
    case .invalidDocument(let what, let reason):
      return "invalid \(what): \(reason)"
    case .layerCountMismatch(let layers, let diffIDs):
      return "image manifest lists \(layers) layers but its config lists \(diffIDs) diff_ids"
    }
  }
}

extension OCIError {
  /// A document's decoding failure as groot reports it: OCI's own errors as they
  /// are, anything else (not JSON, a missing or mistyped field) as an invalid document.
  init(documentError error: any Error, what: String) {
    if let error = error as? OCIError {
      self = error
    } else {
      self = .invalidDocument(what: what, reason: "\(error)")
    }
  }
}
