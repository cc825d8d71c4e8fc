import Foundation
import GrootIO

#if canImport(Glibc)
  import Glibc
#endif

extension Store {
  /// Finishes or undoes what killed groot processes left in tmp/: half-unpacked
  /// layers, prepared or mounted images that were never published, half-deleted
  /// images and layers. A directory still locked belongs to a live process and
  /// is left alone. Returns what was removed.
  @discardableResult
  public func recover() throws -> [String] {
    var removed: [String] = []
    let entries = (try? FileManager.default.contentsOfDirectory(atPath: temporaryPath)) ?? []
    guard !entries.isEmpty else { return removed }
    for name in entries.sorted() {
      let entry = temporaryPath.appending(path: name)
      guard let lock = try lockIfAbandoned(name) else { continue }
      for mount in try MountTable.mounts(under: entry).reversed() {
        // Never published, so nothing outside groot knows the path.
        umount2(mount.mountPoint, Int32(MNT_DETACH))
      }
      try FileSystem.removeTree(entry)
      withExtendedLifetime(lock) {}
      removed.append(entry)
    }
    return removed
  }

  /// Locks tmp/NAME if it is work a dead process left: unlocked, and not a
  /// dot-name still being born (made, then locked, then renamed into view; a
  /// young one may belong to a live process between mkdir and flock).
  public func lockIfAbandoned(_ name: String) throws -> FileLock? {
    let entry = temporaryPath.appending(path: name)
    if name.hasPrefix("."), let st = try FileSystem.lstatIfPresent(entry), time(nil) - st.st_mtim.tv_sec < 60 {
      return nil
    }
    return try FileLock.attempt(entry, .exclusive, create: false)
  }
}
