import CGrootSys
import Foundation
import GrootIO
import GrootStore

#if canImport(Glibc)
  import Glibc
#endif

/// Makes, mounts and removes a store's backing file (`STORE.backing-store`): a
/// file of a fixed size, formatted btrfs (quotas on) or XFS, loop-mounted at the
/// store so disk limits work on any host. The loop device is set to free itself
/// when the store is unmounted.
public enum BackingStore {
  public static let fileSystems = ["btrfs", "xfs"]

  public static func file(for store: String) -> String { store + ".backing-store" }

  /// Mounts the store's backing file, making and formatting it first if needed.
  /// An already mounted store is left as it is.
  public static func attach(store: String, sizeBytes: Int64, fileSystem: String) throws -> BackingStoreInfo {
    let file = file(for: store)
    let info = BackingStoreInfo(file: file, fileSystem: fileSystem, sizeBytes: sizeBytes)
    try FileSystem.makeDirectory((store as NSString).deletingLastPathComponent)
    try FileSystem.makeDirectory(store, mode: 0o700)
    if try MountTable.isMountPoint(store) { return info }

    var created = false
    if !FileSystem.exists(file) {
      let fd = try FileDescriptor(path: file, flags: O_WRONLY | O_CREAT | O_EXCL, mode: 0o600)
      created = true
      do {
        guard ftruncate(fd.rawValue, off_t(sizeBytes)) == 0 else { throw SystemError("truncate", file) }
        try Subprocess.run(fileSystem == "xfs" ? "mkfs.xfs" : "mkfs.btrfs", ["-q", "-f", file])
      } catch {
        unlink(file)
        throw BackingStoreError.format(file: file, reason: "\(error)")
      }
    }
    do {
      try Subprocess.run("mount", ["-o", "loop", "-t", fileSystem, file, store])
      if fileSystem == "btrfs" && !Btrfs.quotaEnabled(store) { try Btrfs.enableQuota(store) }
    } catch {
      if try MountTable.isMountPoint(store) { umount2(store, 0) }
      if created { unlink(file) }
      throw BackingStoreError.mount(file: file, reason: "\(error)")
    }
    return info
  }

  /// Turns direct I/O on the store's loop device on or off (GrootFS's
  /// --with-direct-io: the page cache is not filled twice, once for the backing
  /// file and once for the store). No backing store: nothing to do.
  public static func setDirectIO(store: String, enabled: Bool) throws {
    guard let mount = try MountTable.current().last(where: { $0.mountPoint == store }),
      mount.source.hasPrefix("/dev/loop")
    else { return }
    let device = try FileDescriptor(path: mount.source, flags: O_RDWR)
    guard groot_loop_set_direct_io(device.rawValue, enabled ? 1 : 0) == 0 else {
      throw SystemError("set direct I/O on", mount.source)
    }
  }

  /// Unmounts the store (freeing its loop device) and removes the backing file.
  public static func detach(store: String, info: BackingStoreInfo) throws {
    if try MountTable.isMountPoint(store) {
      guard umount2(store, 0) == 0 else { throw SystemError("umount", store) }
    }
    if unlink(info.file) != 0 && errno != ENOENT { throw SystemError("unlink", info.file) }
  }
}

public enum BackingStoreError: ClassifiedError {
  case format(file: String, reason: String)
  case mount(file: String, reason: String)
  case unknownFileSystem(String)

  public var kind: ErrorKind? {
    switch self {
    case .format, .mount: return .backingStore
    case .unknownFileSystem: return .invalidArgument
    }
  }

  public var description: String {
    switch self {
    case .format(let file, let reason): return "cannot make backing store \(file): \(reason)"
    case .mount(let file, let reason): return "cannot mount backing store \(file): \(reason)"
    case .unknownFileSystem(let name): return "unknown backing store file system '\(name)': use btrfs or xfs"
    }
  }
}
