#if canImport(Glibc)
  import Glibc
#endif

/// What kind of failure an error is: the stable names the journal records and
/// groot-agent counts (`groot_errors_total{kind}`).
public enum ErrorKind: String, CaseIterable, Sendable {
  case invalidArgument = "invalid_argument"
  case imageNotFound = "image_not_found"
  case invalidImage = "invalid_image"
  case unsupportedMediaType = "unsupported_media_type"
  case blobMissing = "blob_missing"
  case digestMismatch = "digest_mismatch"
  case corruptLayer = "corrupt_layer"
  case invalidLayer = "invalid_layer"
  case layerTooLarge = "layer_too_large"
  case imageExists = "image_exists"
  case imageBusy = "image_busy"
  case storeNotInitialized = "store_not_initialized"
  case storeBusy = "store_busy"
  case storeCorrupt = "store_corrupt"
  case storeInconsistent = "store_inconsistent"
  case lockTimeout = "lock_timeout"
  case mountFailed = "mount_failed"
  case tooManyLayers = "too_many_layers"
  case diskLimitUnsupported = "disk_limit_unsupported"
  case quotaExceeded = "quota_exceeded"
  case diskFull = "disk_full"
  case unauthorized
  case registryUnreachable = "registry_unreachable"
  case registryError = "registry_error"
  case backingStore = "backing_store"
  case system
  case `internal`

  /// The kind of any error: the first error in the chain, from the outside in,
  /// that names its own kind decides; a wrapper that names none defers to its
  /// cause. Errors from outside groot (Foundation's) are internal.
  public static func of(_ error: any Error) -> ErrorKind {
    var current: (any Error)? = error
    while let error = current {
      guard let classified = error as? ClassifiedError else { return .internal }
      if let kind = classified.kind { return kind }
      current = classified.cause
    }
    return .internal
  }

  /// What a failed system call means: a full disk or quota is not a bug.
  public init(errno code: Int32) {
    switch code {
    case ENOSPC: self = .diskFull
    case EDQUOT: self = .quotaExceeded
    default: self = .system
    }
  }
}

/// groot's errors: each says, case by case, what kind it is, or that its cause
/// says; a wrapper keeps its cause.
public protocol ClassifiedError: Error, CustomStringConvertible {
  /// This error's kind; nil when its cause decides.
  var kind: ErrorKind? { get }
  /// The error this one wraps, if any.
  var cause: (any Error)? { get }
}

extension ClassifiedError {
  public var cause: (any Error)? { nil }
}
