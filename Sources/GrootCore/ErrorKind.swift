import GrootDriver
import GrootFetch
import GrootIO
import GrootOCI
import GrootReference
import GrootSource
import GrootStore
import GrootUnpack

#if canImport(Glibc)
  import Glibc
#endif

/// A short, stable name for what went wrong, for error counters by kind.
public enum ErrorKind {
  public static func of(_ error: Error) -> String {
    switch error {
    case let error as FetchError:
      if case .corruptCompression = error { return "corrupt_layer" }
      return "digest_mismatch"
    case let error as OCIError:
      if case .unsupportedMediaType = error { return "unsupported_media_type" }
      return "invalid_image"
    case let error as SourceError:
      switch error {
      case .imageNotFound, .tagNotFound: return "image_not_found"
      case .blobMissing: return "blob_missing"
      default: return "invalid_image"
      }
    case let error as UnpackError: return of(unpack: error)
    case let error as CoreError:
      switch error {
      case .layer(_, let cause): return of(unpack: cause)
      case .baseDirectoryMissing: return "invalid_layer"
      case .config, .invalidFlag: return "invalid_argument"
      case .unsupported: return "unsupported"
      case .imagesStillMounted, .foreignMounts: return "store_busy"
      case .inconsistent: return "store_inconsistent"
      case .noStore: return "store_not_initialized"
      case .imageOverlapsStore: return "invalid_argument"
      case .layersExceedQuota: return "quota_exceeded"
      }
    case let error as StoreError:
      switch error {
      case .imageExists: return "image_exists"
      case .imageNotFound: return "image_not_found"
      case .notInitialized, .backingStoreNotMounted, .grootfsStore, .beingDeleted: return "store_not_initialized"
      case .initNeedsRoot, .mappingsMismatch, .notAStore, .imageIDHasSlash: return "invalid_argument"
      case .lockTimeout: return "lock_timeout"
      case .invalidImageID, .notAnImagePath, .driverMismatch: return "invalid_argument"
      case .unreadableMetadata: return "store_corrupt"
      }
    case let error as DriverError:
      switch error {
      case .imageBusy: return "image_busy"
      case .mountFailed, .unmountFailed: return "mount_failed"
      case .limitBelowImageSize, .unknownDriver: return "invalid_argument"
      case .tooManyLayers: return "too_many_layers"
      default: return "disk_limit_unsupported"
      }
    case let error as RegistryError:
      switch error {
      case .notFound: return "image_not_found"
      case .unauthorized, .invalidChallenge: return "unauthorized"
      case .transport, .transportFatal, .stalled: return "registry_unreachable"
      case .status: return "registry_error"
      case .documentTooLarge: return "invalid_image"
      }
    case is ReferenceError: return "invalid_argument"
    case is BackingStoreError: return "backing_store"
    case let error as SystemError:
      switch error.errno {
      case ENOSPC: return "disk_full"
      case EDQUOT: return "quota_exceeded"
      default: return "system"
      }
    default: return "internal"
    }
  }

  private static func of(unpack error: UnpackError) -> String {
    switch error {
    case .quotaExceeded: return "quota_exceeded"
    case .layerTooLarge: return "layer_too_large"
    case .system(_, _, let errno) where errno == ENOSPC: return "disk_full"
    case .system(_, _, let errno) where errno == EDQUOT: return "quota_exceeded"
    default: return "invalid_layer"
    }
  }
}
