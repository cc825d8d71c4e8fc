import GrootIO
import GrootOCI

#if canImport(Glibc)
  import Glibc
#endif

/// The store's locks (all flock(2), so a killed process releases its own):
/// - `locks/store.lock`: shared by every command that works in the store,
///   exclusive by delete-store;
/// - `locks/HEX.use`: shared by each create that uses the layer until its image
///   is published; `clean` removes a layer only if it can take it exclusively;
/// - `locks/HEX.unpack`: exclusive while one process unpacks the layer, so the
///   others wait and then reuse what it published.
/// No lock is held across work that does not need it: clean never waits for a
/// create, and creates of different layers never wait for each other.
extension Store {
  public enum LayerLockKind: String {
    case use, unpack
  }

  public var storeLockPath: String { locksPath.appending(path: "store.lock") }

  public func layerLockPath(_ id: Digest, _ kind: LayerLockKind) -> String {
    locksPath.appending(path: "\(id.hex).\(kind.rawValue)")
  }

  public func lockStore(_ mode: FileLock.Mode, timeout: Double) throws -> FileLock {
    try FileLock.acquire(storeLockPath, mode, timeout: timeout, what: "the store lock of \(path)")
  }

  public func lockLayer(_ id: Digest, _ kind: LayerLockKind, _ mode: FileLock.Mode, timeout: Double) throws
    -> FileLock
  {
    let what = kind == .unpack ? "layer \(id) (another process is unpacking it)" : "layer \(id)"
    return try FileLock.acquire(layerLockPath(id, kind), mode, timeout: timeout, what: what)
  }

  public func attemptLayerLock(_ id: Digest, _ kind: LayerLockKind) throws -> FileLock? {
    try FileLock.attempt(layerLockPath(id, kind), .exclusive)
  }

  /// Drops use locks, then removes the lock files of layers that never made it
  /// into the store (a failed create leaves no lock files behind).
  public func releaseLayerLocks(_ locks: [FileLock], layers: [Digest]) {
    for lock in locks { lock.release() }
    for id in layers where !hasLayer(id) {
      if let lock = try? FileLock.attempt(layerLockPath(id, .use), .exclusive, create: false) {
        if !hasLayer(id) { lock.unlinkWhileHeld() }
      }
    }
  }
}
