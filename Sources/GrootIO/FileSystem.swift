import CGrootSys
import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// File-system operations that never follow symlinks out of the tree they work on
/// and that publish whole files or nothing.
public enum FileSystem {
  /// lstat(2); nil when nothing is there.
  public static func lstatIfPresent(_ path: String) throws -> stat? {
    var st = stat()
    if lstat(path, &st) == 0 { return st }
    if errno == ENOENT { return nil }
    throw SystemError("lstat", path)
  }

  /// realpath(3): absolute, symlinks resolved; nil if it cannot be resolved.
  public static func realPath(_ path: String) -> String? {
    guard let resolved = realpath(path, nil) else { return nil }
    defer { free(resolved) }
    return String(cString: resolved)
  }

  /// The size of the file at `path`, symlinks followed.
  public static func size(following path: String) throws -> Int64 {
    var st = stat()
    guard stat(path, &st) == 0 else { throw SystemError("stat", path) }
    return Int64(st.st_size)
  }

  public static func exists(_ path: String) -> Bool {
    var st = stat()
    return lstat(path, &st) == 0
  }

  public static func isDirectory(_ path: String) -> Bool {
    var st = stat()
    return stat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR
  }

  /// mkdir(2); an existing directory is fine.
  public static func makeDirectory(_ path: String, mode: mode_t = 0o755) throws {
    if mkdir(path, mode) == 0 || (errno == EEXIST && isDirectory(path)) { return }
    throw SystemError("mkdir", path)
  }

  /// mkdir(2) of a directory that must be new: an existing one is an error (EEXIST).
  public static func makeNewDirectory(_ path: String, mode: mode_t = 0o700) throws {
    guard mkdir(path, mode) == 0 else { throw SystemError("mkdir", path) }
  }

  /// chown and chmod of a path (not following a final symlink for the owner).
  public static func setOwner(_ path: String, uid: UInt32, gid: UInt32, mode: mode_t) throws {
    guard lchown(path, uid, gid) == 0 else { throw SystemError("chown", path) }
    guard chmod(path, mode) == 0 else { throw SystemError("chmod", path) }
  }

  /// Writes `data` to `path` whole or not at all: a temporary file beside it,
  /// fsync, rename, fsync of the directory.
  public static func writeAtomically(_ data: [UInt8], to path: String, mode: mode_t = 0o644) throws {
    let temporary = "\(path).tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
    do {
      try writeNewFile(data, to: temporary, mode: mode, syncingDirectory: false)
      try retryingEINTR("rename", path) { rename(temporary, path) }
    } catch {
      unlink(temporary)
      throw error
    }
    syncDirectory(of: path)
  }

  /// Writes a file that must not exist yet and fsyncs it (and, unless told not
  /// to, its directory): for a directory not yet published, whose own rename is
  /// the step that makes the file visible, so no temporary name is needed.
  public static func writeNewFile(
    _ data: [UInt8], to path: String, mode: mode_t = 0o644, syncingDirectory: Bool = true
  ) throws {
    let descriptor = try FileDescriptor(path: path, flags: O_WRONLY | O_CREAT | O_EXCL, mode: mode)
    var written = 0
    while written < data.count {
      let count = try data.withUnsafeBytes { bytes in
        try retryingEINTR("write", path) {
          write(descriptor.rawValue, bytes.baseAddress! + written, data.count - written)
        }
      }
      written += count
    }
    try retryingEINTR("fsync", path) { fsync(descriptor.rawValue) }
    if syncingDirectory { syncDirectory(of: path) }
  }

  public static func writeAtomically(_ string: String, to path: String) throws {
    try writeAtomically(Array(string.utf8), to: path)
  }

  public static func readFile(_ path: String, limit: Int = 16 << 20) throws -> [UInt8] {
    let stream = try FileByteStream(path: path)
    guard let bytes = try stream.readAll(limit: limit) else {
      throw SystemError("read", path, errno: EFBIG)
    }
    return bytes
  }

  /// fsync of the directory holding `path`, so a rename in it survives a crash.
  public static func syncDirectory(of path: String) {
    let directory = (path as NSString).deletingLastPathComponent
    let fd = open(directory.isEmpty ? "." : directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
    if fd >= 0 {
      fsync(fd)
      close(fd)
    }
  }

  /// Removes `path` and everything below it without following any symlink.
  /// Nothing there is fine.
  public static func removeTree(_ path: String) throws {
    let parent = (path as NSString).deletingLastPathComponent
    let name = (path as NSString).lastPathComponent
    let parentFD = open(parent.isEmpty ? "." : parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
    if parentFD < 0 {
      if errno == ENOENT { return }
      throw SystemError("open", parent)
    }
    defer { close(parentFD) }
    try removeTree(in: parentFD, name: name, displayPath: path)
  }

  /// Removes `name` in the directory `parentFD`, recursing into directories by
  /// descriptor so a symlink swapped in mid-way is removed, never followed.
  public static func removeTree(in parentFD: Int32, name: String, displayPath: String) throws {
    if unlinkat(parentFD, name, 0) == 0 || errno == ENOENT { return }
    guard errno == EISDIR || errno == EPERM else { throw SystemError("unlink", displayPath) }
    let fd = openat(parentFD, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
    if fd < 0 {
      if errno == ENOENT { return }
      throw SystemError("open", displayPath)
    }
    // Another device below: a btrfs subvolume is deleted whole; a mount point (a
    // leaked rootfs mount) is refused, never emptied through.
    var parentStat = stat()
    var childStat = stat()
    if fstat(parentFD, &parentStat) == 0, fstat(fd, &childStat) == 0, parentStat.st_dev != childStat.st_dev {
      close(fd)
      if groot_is_mount_root(parentFD, name) == 0 && UInt64(childStat.st_ino) == Btrfs.subvolumeRootInode {
        try Btrfs.deleteSubvolume(in: parentFD, name: name, displayPath: displayPath)
        return
      }
      throw SystemError("remove (a file system is mounted there)", displayPath, errno: EBUSY)
    }
    guard let directory = fdopendir(fd) else {
      close(fd)
      throw SystemError("opendir", displayPath)
    }
    defer { closedir(directory) }
    while let entry = readdir(directory) {
      let child = withUnsafePointer(to: entry.pointee.d_name) {
        $0.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
      }
      if child == "." || child == ".." { continue }
      try removeTree(in: fd, name: child, displayPath: "\(displayPath)/\(child)")
    }
    if unlinkat(parentFD, name, AT_REMOVEDIR) != 0 && errno != ENOENT {
      throw SystemError("rmdir", displayPath)
    }
  }

  /// The names in a directory (not `.` and `..`), unsorted; a failure is a SystemError.
  public static func listDirectory(_ path: String) throws -> [String] {
    guard let directory = opendir(path) else { throw SystemError("opendir", path) }
    defer { closedir(directory) }
    var names: [String] = []
    while let entry = readdir(directory) {
      let name = withUnsafePointer(to: entry.pointee.d_name) {
        $0.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
      }
      if name != "." && name != ".." { names.append(name) }
    }
    return names
  }

  /// Bytes the tree at `path` occupies on disk (allocated blocks), counting each
  /// inode once, like `du -s`.
  public static func diskUsage(_ path: String) throws -> Int64 {
    var seen = Set<UInt64>()
    var total: Int64 = 0
    let fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
    guard fd >= 0 else { throw SystemError("open", path) }
    defer { close(fd) }
    try diskUsage(directoryFD: fd, displayPath: path, seen: &seen, total: &total)
    return total
  }

  private static func diskUsage(
    directoryFD: Int32, displayPath: String, seen: inout Set<UInt64>, total: inout Int64
  ) throws {
    let dupFD = dup(directoryFD)
    guard dupFD >= 0, let directory = fdopendir(dupFD) else { throw SystemError("opendir", displayPath) }
    defer { closedir(directory) }
    while let entry = readdir(directory) {
      let child = withUnsafePointer(to: entry.pointee.d_name) {
        $0.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
      }
      if child == "." || child == ".." { continue }
      var st = stat()
      guard fstatat(directoryFD, child, &st, AT_SYMLINK_NOFOLLOW) == 0 else { continue }
      if st.st_nlink > 1 && !seen.insert(UInt64(st.st_ino)).inserted { continue }
      total += Int64(st.st_blocks) * 512
      if (st.st_mode & S_IFMT) == S_IFDIR {
        let childFD = openat(directoryFD, child, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        guard childFD >= 0 else { continue }
        defer { close(childFD) }
        try diskUsage(directoryFD: childFD, displayPath: "\(displayPath)/\(child)", seen: &seen, total: &total)
      }
    }
  }

  /// A fresh, unique directory inside `parent`.
  public static func makeUniqueDirectory(in parent: String, prefix: String) throws -> String {
    try makeUniqueDirectory(in: parent, prefix: prefix) { try makeNewDirectory($0) }
  }

  /// A path in `parent` no other process picks: the prefix, this process's id and
  /// 64 random bits.
  public static func uniqueName(in parent: String, prefix: String) -> String {
    "\(parent)/\(prefix)-\(getpid())-\(String(UInt64.random(in: 0...UInt64.max), radix: 36))"
  }

  /// The same, the directory made by `make` (a subvolume, say), which throws a
  /// `SystemError` with EEXIST when the name is taken.
  public static func makeUniqueDirectory(
    in parent: String, prefix: String, make: (String) throws -> Void
  ) throws -> String {
    for _ in 0..<16 {
      let path = uniqueName(in: parent, prefix: prefix)
      do {
        try make(path)
        return path
      } catch let error as SystemError where error.errno == EEXIST {
        continue
      }
    }
    throw SystemError("mkdir", "\(parent)/\(prefix)-*", errno: EEXIST)
  }
}
