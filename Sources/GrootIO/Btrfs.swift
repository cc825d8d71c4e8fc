import CGrootSys

#if canImport(Glibc)
  import Glibc
#endif

/// btrfs subvolumes and qgroups, by ioctl.
public enum Btrfs {
  /// The inode number of every subvolume's root directory.
  public static let subvolumeRootInode: UInt64 = 256

  public static func isSubvolume(_ path: String) -> Bool {
    var st = stat()
    return lstat(path, &st) == 0 && UInt64(st.st_ino) == subvolumeRootInode && (st.st_mode & S_IFMT) == S_IFDIR
  }

  public static func createSubvolume(_ path: String) throws {
    try inParent(of: path) { parent, name in
      guard groot_btrfs_subvol_create(parent, name) == 0 else { throw SystemError("create subvolume", path) }
    }
  }

  /// Snapshots subvolume `source` as `path`.
  public static func snapshot(_ source: String, to path: String) throws {
    let sourceFD = try FileDescriptor(path: source, flags: O_RDONLY | O_DIRECTORY)
    try inParent(of: path) { parent, name in
      guard groot_btrfs_snapshot(sourceFD.rawValue, parent, name) == 0 else {
        throw SystemError("snapshot \(source) as", path)
      }
    }
  }

  /// Deletes subvolume `name` in `parentFD` with its contents, and its qgroup if
  /// the kernel lets go of it at once (otherwise the kernel drops it itself once
  /// the subvolume's space is reclaimed).
  public static func deleteSubvolume(in parentFD: Int32, name: String, displayPath: String) throws {
    var id: UInt64 = 0
    let fd = openat(parentFD, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
    if fd >= 0 {
      _ = groot_btrfs_subvol_id(fd, &id)
      close(fd)
    }
    guard groot_btrfs_subvol_delete(parentFD, name) == 0 else {
      throw SystemError("delete subvolume", displayPath)
    }
    if id != 0 { _ = groot_btrfs_qgroup_destroy(parentFD, id) }
  }

  public static func subvolumeID(_ path: String) throws -> UInt64 {
    let fd = try FileDescriptor(path: path, flags: O_RDONLY | O_DIRECTORY)
    var id: UInt64 = 0
    guard groot_btrfs_subvol_id(fd.rawValue, &id) == 0 else { throw SystemError("subvolume id", path) }
    return id
  }

  /// Limits the subvolume at `path`: referenced bytes, or exclusive ones.
  public static func limit(_ path: String, bytes: UInt64, exclusive: Bool) throws {
    let fd = try FileDescriptor(path: path, flags: O_RDONLY | O_DIRECTORY)
    guard groot_btrfs_qgroup_limit(fd.rawValue, 0, bytes, exclusive ? 1 : 0) == 0 else {
      throw SystemError("qgroup limit", path)
    }
  }

  /// Referenced and exclusive bytes of the subvolume at `path`, after a commit.
  public static func usage(_ path: String) throws -> (referenced: Int64, exclusive: Int64) {
    let fd = try FileDescriptor(path: path, flags: O_RDONLY | O_DIRECTORY)
    var id: UInt64 = 0
    var referenced: UInt64 = 0
    var exclusive: UInt64 = 0
    guard groot_btrfs_subvol_id(fd.rawValue, &id) == 0, groot_btrfs_sync(fd.rawValue) == 0,
      groot_btrfs_qgroup_usage(fd.rawValue, id, &referenced, &exclusive) == 0
    else { throw SystemError("qgroup usage", path) }
    return (Int64(referenced), Int64(exclusive))
  }

  public static func enableQuota(_ path: String) throws {
    let fd = try FileDescriptor(path: path, flags: O_RDONLY | O_DIRECTORY)
    guard groot_btrfs_quota_enable(fd.rawValue) == 0 else { throw SystemError("enable btrfs quota", path) }
  }

  /// Whether qgroups are enabled on the file system holding `path`.
  public static func quotaEnabled(_ path: String) -> Bool {
    guard let fd = try? FileDescriptor(path: path, flags: O_RDONLY | O_DIRECTORY) else { return false }
    var id: UInt64 = 0
    var referenced: UInt64 = 0
    var exclusive: UInt64 = 0
    guard groot_btrfs_subvol_id(fd.rawValue, &id) == 0 else { return false }
    return groot_btrfs_qgroup_usage(fd.rawValue, id, &referenced, &exclusive) == 0
  }

  private static func inParent(of path: String, _ body: (Int32, String) throws -> Void) throws {
    let slash = path.lastIndex(of: "/")!
    let parent = slash == path.startIndex ? "/" : String(path[..<slash])
    let parentFD = try FileDescriptor(path: parent, flags: O_RDONLY | O_DIRECTORY)
    try body(parentFD.rawValue, String(path[path.index(after: slash)...]))
  }
}
