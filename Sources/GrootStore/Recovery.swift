import Foundation
import GrootIO

#if canImport(Glibc)
  import Glibc
#endif

extension Store {
  public var trashPath: String { path.appending(path: "trash") }

  /// Undoes what killed groot processes left in tmp/: half-unpacked layers,
  /// prepared or mounted images that were never published, images half deleted.
  /// A directory still locked belongs to a live process and is left alone. The
  /// rest is unmounted and moved to trash/ at once, however large: a rename, so
  /// the command that finds it is not delayed; `emptyTrash` removes it later.
  /// Returns what was moved.
  @discardableResult
  public func recover() throws -> [String] {
    var recovered: [String] = []
    let entries = (try? FileSystem.listDirectory(temporaryPath)) ?? []
    guard !entries.isEmpty else { return recovered }
    try FileSystem.makeDirectory(trashPath, mode: 0o700)
    for name in entries.sorted() {
      let entry = temporaryPath.appending(path: name)
      guard let lock = try lockIfAbandoned(name) else { continue }
      for mount in try MountTable.mounts(under: entry).reversed() {
        // Never published (or no longer), so nothing outside groot knows the path.
        umount2(mount.mountPoint, Int32(MNT_DETACH))
      }
      let trashed = trashPath.appending(path: name)
      guard rename(entry, trashed) == 0 else { throw SystemError("rename", entry) }
      withExtendedLifetime(lock) {}
      recovered.append(entry)
    }
    return recovered
  }

  /// Whether trash/ holds anything to remove.
  public var hasTrash: Bool {
    !((try? FileSystem.listDirectory(trashPath)) ?? []).isEmpty
  }

  /// Removes what recovery moved to trash/, each entry under its lock so two
  /// processes never work on the same one. Returns the entries removed.
  @discardableResult
  public func emptyTrash() throws -> Int {
    var removed = 0
    for name in (try? FileSystem.listDirectory(trashPath)) ?? [] {
      let entry = trashPath.appending(path: name)
      guard let lock = try FileLock.attempt(entry, .exclusive, create: false) else { continue }
      try FileSystem.removeTree(entry)
      withExtendedLifetime(lock) {}
      removed += 1
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
