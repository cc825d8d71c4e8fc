/// Problems with the store or an image in it, worded for the operator.
import GrootIO

public enum StoreError: ClassifiedError, Equatable {
  case notInitialized(String)
  case grootfsStore(String)
  case initNeedsRoot(String)
  case mappingsMismatch(kind: String)
  case notAStore(String, reason: String)
  case beingDeleted(String)
  case driverMismatch(store: String, existing: String, requested: String)
  case unreadableMetadata(String, reason: String)
  case invalidImageID(String)
  case imageIDHasSlash(String)
  case imageExists(String)
  case imageNotFound(String)
  case notAnImagePath(String)
  case lockTimeout(what: String, seconds: Double)
  case backingStoreNotMounted(String)

  public var kind: ErrorKind? {
    switch self {
    case .imageExists: return .imageExists
    case .imageNotFound: return .imageNotFound
    case .notInitialized, .backingStoreNotMounted, .grootfsStore, .beingDeleted: return .storeNotInitialized
    case .initNeedsRoot, .mappingsMismatch, .notAStore, .imageIDHasSlash, .invalidImageID, .notAnImagePath,
      .driverMismatch:
      return .invalidArgument
    case .lockTimeout: return .lockTimeout
    case .unreadableMetadata: return .storeCorrupt
    }
  }

  public var description: String {
    switch self {
    case .notInitialized:
      // GrootFS's words: Garden's operators and scripts know them.
      return "Store path is not initialized. Please run init-store."
    case .grootfsStore(let path):
      return
        "store \(path) was made by GrootFS (it has volumes/ and meta/), which groot does not read: remove it with 'groot --store \(path) delete-store', then run 'groot --store \(path) init-store'"
    case .initNeedsRoot(let path):
      return "store \(path) can only be initialized by Root user"
    case .mappingsMismatch(let kind):
      return "provided \(kind) mappings do not match those already configured in the store"
    case .beingDeleted(let path):
      return
        "store \(path) is being deleted (a delete-store did not finish): run 'groot --store \(path) delete-store' again"
    case .notAStore(let path, let reason):
      return "refusing to delete \(path): it is not a groot store (\(reason)); groot deletes only stores it made"
    case .driverMismatch(let store, let existing, let requested):
      return "store \(store) was initialized for the \(existing) driver, not \(requested)"
    case .unreadableMetadata(let path, let reason):
      return "cannot read \(path): \(reason)"
    case .invalidImageID(let id):
      return "invalid image id '\(id)': use a name of 1-255 bytes, not '.' or '..'"
    case .imageIDHasSlash(let id):
      return "id `\(id)` contains invalid characters: `/`"
    case .imageExists(let id):
      return "image for id `\(id)` already exists"
    case .imageNotFound(let id):
      return "Image `\(id)` not found."
    case .backingStoreNotMounted(let path):
      return
        "store \(path) has a backing file \(path).backing-store that is not mounted (host restarted?): run 'groot --store \(path) init-store' again"
    case .lockTimeout(let what, let seconds):
      return
        "timed out after \(Int(seconds))s waiting for \(what); another groot process holds it (retry, or raise --lock-timeout)"
    case .notAnImagePath(let path):
      return "path `\(path)` is outside store path"
    }
  }
}
