/// Problems with the store or an image in it, worded for the operator.
public enum StoreError: Error, CustomStringConvertible, Equatable {
  case notInitialized(String)
  case driverMismatch(store: String, existing: String, requested: String)
  case unreadableMetadata(String, reason: String)
  case invalidImageID(String)
  case imageExists(String)
  case imageNotFound(String)
  case notAnImagePath(String)
  case lockTimeout(what: String, seconds: Double)
  case backingStoreNotMounted(String)

  public var description: String {
    switch self {
    case .notInitialized(let path):
      return "store \(path) is not initialized: run 'groot --store \(path) init-store' first"
    case .driverMismatch(let store, let existing, let requested):
      return "store \(store) was initialized for the \(existing) driver, not \(requested)"
    case .unreadableMetadata(let path, let reason):
      return "cannot read \(path): \(reason)"
    case .invalidImageID(let id):
      return "invalid image id '\(id)': use 1-255 characters from A-Z a-z 0-9 . _ - (not starting with '.')"
    case .imageExists(let id):
      return "image '\(id)' already exists"
    case .imageNotFound(let id):
      return "image '\(id)' not found"
    case .backingStoreNotMounted(let path):
      return
        "store \(path) has a backing file \(path).backing-store that is not mounted (host restarted?): run 'groot --store \(path) init-store' again"
    case .lockTimeout(let what, let seconds):
      return
        "timed out after \(Int(seconds))s waiting for \(what); another groot process holds it (retry, or raise --lock-timeout)"
    case .notAnImagePath(let path):
      return "'\(path)' is neither an image id nor the path of an image in this store"
    }
  }
}
