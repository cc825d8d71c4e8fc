import GrootIO

/// Why a fetch over HTTP (a registry pull, a remote layer) failed. Messages never
/// carry credentials.
public enum RegistryError: ClassifiedError, Equatable {
  case transport(what: String, reason: String)
  /// A failure trying again cannot cure (an untrusted certificate).
  case transportFatal(what: String, reason: String)
  case stalled(what: String, seconds: Double)
  case status(what: String, code: Int)
  case notFound(what: String)
  case unauthorized(registry: String, reason: String)
  case invalidChallenge(String)
  case documentTooLarge(what: String, limit: Int)

  static func transport(what: String, failure: TransportFailure) -> RegistryError {
    failure.retriable
      ? .transport(what: what, reason: failure.reason) : .transportFatal(what: what, reason: failure.reason)
  }

  public var kind: ErrorKind? {
    switch self {
    case .notFound: return .imageNotFound
    case .unauthorized, .invalidChallenge: return .unauthorized
    case .transport, .transportFatal, .stalled: return .registryUnreachable
    case .status: return .registryError
    case .documentTooLarge: return .invalidImage
    }
  }

  public var description: String {
    switch self {
    case .transport(let what, let reason), .transportFatal(let what, let reason):
      return "cannot fetch \(what): \(reason)"
    case .stalled(let what, let seconds): return "fetching \(what) stalled: no data for \(Int(seconds))s"
    case .status(let what, let code): return "the server answered \(code) for \(what)"
    case .notFound(let what): return "image not found: the registry has no \(what)"
    case .unauthorized(let registry, let reason): return "not authorized by \(registry): \(reason)"
    case .invalidChallenge(let challenge):
      return "registry sent an authentication challenge groot cannot use: \(challenge)"
    case .documentTooLarge(let what, let limit): return "\(what) is larger than \(limit) bytes; refusing it"
    }
  }
}
