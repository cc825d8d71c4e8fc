import CGrootSys
import GrootIO
import GrootOCI

#if canImport(Glibc)
  import Glibc
#endif

public struct UnpackOptions: Sendable {
  public var whiteouts: WhiteoutMode
  public var uidMappings: [IDMapping]
  public var gidMappings: [IDMapping]
  /// Directories of the layers below this one, topmost first. A parent directory
  /// the layer does not list itself copies owner and mode from the nearest of
  /// them, so /tmp stays 1777 when a layer adds /tmp/x without /tmp.
  public var lowerLayers: [String]
  /// Where in the image the layer's entries go (Garden's
  /// `org.cloudfoundry.experimental.image.base-directory`, e.g. home/vcap); empty: the root.
  public var baseDirectory: [String]
  /// File bytes the unpack may write, shared with the other layers of the pull.
  public var budget: UnpackBudget?
  /// What this layer alone may write.
  public var limits: LayerLimits

  public init(
    whiteouts: WhiteoutMode = .overlay, uidMappings: [IDMapping] = [], gidMappings: [IDMapping] = [],
    lowerLayers: [String] = [], baseDirectory: [String] = [], budget: UnpackBudget? = nil,
    limits: LayerLimits = LayerLimits()
  ) {
    self.limits = limits
    self.whiteouts = whiteouts
    self.uidMappings = uidMappings
    self.gidMappings = gidMappings
    self.lowerLayers = lowerLayers
    self.baseDirectory = baseDirectory
    self.budget = budget
  }
}

/// What one layer may write, so no layer can fill the disk: file data bytes (a
/// sparse file's real size counts in full against it too, though its holes take
/// no space) and entries.
public struct LayerLimits: Sendable {
  public var bytes: Int64
  public var entries: Int

  public init(bytes: Int64 = .max, entries: Int = .max) {
    self.bytes = bytes
    self.entries = entries
  }
}

public struct UnpackSummary: Sendable {
  public var entries = 0
  public var bytes: Int64 = 0
  /// Parents the layer used without listing them (relative paths). Their owner
  /// and mode come from the lower layers, which may be unpacked only later when
  /// layers unpack in parallel: see `inheritAttributes(of:)`.
  public var implicitDirectories: [String] = []
}

/// Writes layer entries into one directory and never outside it.
///
/// Every parent is opened with openat2(RESOLVE_IN_ROOT) against the layer's root, so
/// `..` and symlinks (absolute or relative) resolve inside the layer; every final
/// component is created with an *at call and O_NOFOLLOW/AT_SYMLINK_NOFOLLOW, so a
/// symlink planted by an earlier entry is replaced, never written through.
public final class Unpacker {
  private let root: String
  private let rootFD: Int32
  private let lowerFDs: [Int32]
  private let options: UnpackOptions
  /// Directory mtimes are set last: creating entries inside would change them.
  private var directoryTimes: [(path: String, time: (seconds: Int, nanoseconds: Int))] = []
  /// For `.wh..wh..opq` in delete mode: what this layer itself made survives.
  private var madeHere = Set<String>()
  private var implicitDirectories = Set<String>()
  /// The parent opened for the previous entry; dropped whenever anything that
  /// could change path resolution happens.
  private var cachedParent: (path: [String], fd: Int32)?
  /// Data bytes written so far (holes of sparse files not counted).
  private var dataBytes: Int64 = 0
  /// Data bytes of the last regular file written.
  private var writtenBytes: Int64 = 0

  public init(into root: String, options: UnpackOptions = UnpackOptions()) throws {
    self.root = root
    self.options = options
    self.rootFD = try retryingEINTR("open", root) { open(root, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC) }
    self.lowerFDs = options.lowerLayers.compactMap {
      let fd = open($0, GROOT_O_PATH | O_DIRECTORY | O_CLOEXEC)
      return fd >= 0 ? fd : nil
    }
  }

  deinit {
    dropCachedParent()
    close(rootFD)
    for fd in lowerFDs { close(fd) }
  }

  public func unpack(_ reader: LayerEntryReader) throws -> UnpackSummary {
    var summary = UnpackSummary()
    while let entry = try reader.next() {
      guard summary.entries < options.limits.entries else {
        throw UnpackError.layerTooLarge("more than \(options.limits.entries) entries")
      }
      try apply(entry, from: reader)
      summary.entries += 1
      if entry.kind == .regular { summary.bytes += writtenBytes }
    }
    try reader.finish()
    try applyDirectoryTimes()
    summary.implicitDirectories = implicitDirectories.sorted()
    return summary
  }

  // MARK: - Entries

  private func apply(_ entry: LayerEntry, from reader: LayerEntryReader) throws {
    let path = EntryPath(entry.path, under: options.baseDirectory)
    if path.isRoot {
      if entry.kind == .directory {
        try setAttributes(fd: rootFD, entry: entry, display: ".")
        directoryTimes.append((".", entry.modificationTime))
      }
      return
    }
    if path.name.hasPrefix(Whiteout.prefix) {
      try applyWhiteout(path)
      return
    }
    if entry.kind != .regular { dropCachedParent() }
    let parentFD = try openParent(path)
    let name = path.name
    if case .hardlink(let target) = entry.kind, EntryPath(target, under: options.baseDirectory) == path {
      return  // a link to itself: nothing to do
    }
    try removeConflicting(parentFD, name, keepingDirectory: entry.kind == .directory, path: path)
    madeHere.insert(path.relative)

    switch entry.kind {
    case .regular:
      try writeFile(entry, parentFD: parentFD, name: name, path: path, reader: reader)
    case .directory:
      if mkdirat(parentFD, name, 0o700) != 0 && errno != EEXIST {
        throw systemError(path, "mkdir")
      }
      let fd = openat(parentFD, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
      guard fd >= 0 else { throw systemError(path, "open") }
      defer { close(fd) }
      try setAttributes(fd: fd, entry: entry, display: path.relative)
      directoryTimes.append((path.relative, entry.modificationTime))
      implicitDirectories.remove(path.relative)
    case .symlink(let target):
      guard symlinkat(target, parentFD, name) == 0 else { throw systemError(path, "symlink") }
      try setAttributes(at: parentFD, name: name, entry: entry, path: path, isSymlink: true)
    case .hardlink(let target):
      try link(path, to: target, parentFD: parentFD)
    case .characterDevice(let major, let minor):
      try makeNode(S_IFCHR, groot_makedev(major, minor), entry, parentFD, path)
    case .blockDevice(let major, let minor):
      try makeNode(S_IFBLK, groot_makedev(major, minor), entry, parentFD, path)
    case .fifo:
      try makeNode(S_IFIFO, 0, entry, parentFD, path)
    }
  }

  /// Writes a regular file block by block: a sparse file's holes are left as
  /// holes (skipped, and the file extended to its size), never written as zeros.
  private func writeFile(
    _ entry: LayerEntry, parentFD: Int32, name: String, path: EntryPath, reader: LayerEntryReader
  ) throws {
    guard entry.size <= options.limits.bytes - dataBytes else {
      throw UnpackError.layerTooLarge(
        "entry '\(UnpackError.short(path.relative))' (\(entry.size) bytes) takes it to more than \(options.limits.bytes) bytes"
      )
    }
    let fd = openat(parentFD, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
    guard fd >= 0 else { throw systemError(path, "create") }
    defer { close(fd) }
    var end: Int64 = 0
    var written: Int64 = 0
    while let block = try reader.readBlock() {
      let count = Int64(block.bytes.count)
      guard block.offset >= end, count <= entry.size - block.offset else {
        throw UnpackError.invalidEntry(
          entry: path.relative, reason: "data at \(block.offset)+\(count) outside its \(entry.size) bytes")
      }
      guard count <= options.limits.bytes - dataBytes else {
        throw UnpackError.layerTooLarge("more than \(options.limits.bytes) bytes of files")
      }
      try options.budget?.consume(block.bytes.count)
      dataBytes += count
      var done = 0
      while done < block.bytes.count {
        let n = pwrite(fd, block.bytes.baseAddress! + done, block.bytes.count - done, off_t(block.offset) + off_t(done))
        if n < 0 {
          if errno == EINTR { continue }
          throw systemError(path, "write")
        }
        done += n
      }
      end = block.offset + count
      written += count
    }
    if entry.isSparse {
      guard ftruncate(fd, off_t(entry.size)) == 0 else { throw systemError(path, "truncate") }
    } else if written != entry.size {
      throw UnpackError.invalidEntry(entry: path.relative, reason: "holds \(written) bytes, header says \(entry.size)")
    }
    writtenBytes = written
    try setAttributes(fd: fd, entry: entry, display: path.relative)
    var times = [timespec(entry.modificationTime), timespec(entry.modificationTime)]
    futimens(fd, &times)
  }

  private func link(_ path: EntryPath, to rawTarget: String, parentFD: Int32) throws {
    let target = EntryPath(rawTarget, under: options.baseDirectory)
    let targetFD = groot_open_in_root(rootFD, target.relative, GROOT_O_PATH | O_NOFOLLOW | O_CLOEXEC, 0)
    guard targetFD >= 0 else {
      if errno == ENOENT { throw UnpackError.linkTargetMissing(entry: path.relative, target: rawTarget) }
      throw systemError(path, "open link target")
    }
    defer { close(targetFD) }
    guard linkat(targetFD, "", parentFD, path.name, GROOT_AT_EMPTY_PATH) == 0 else {
      throw systemError(path, "link")
    }
  }

  private func makeNode(
    _ type: mode_t, _ device: UInt64, _ entry: LayerEntry, _ parentFD: Int32, _ path: EntryPath
  ) throws {
    guard mknodat(parentFD, path.name, type | 0o600, dev_t(device)) == 0 else {
      throw systemError(path, "mknod")
    }
    try setAttributes(at: parentFD, name: path.name, entry: entry, path: path, isSymlink: false)
  }

  // MARK: - Whiteouts

  private func applyWhiteout(_ path: EntryPath) throws {
    dropCachedParent()
    let parentFD = try openParent(path)
    let name = path.name
    if name == Whiteout.opaque {
      switch options.whiteouts {
      case .overlay:
        guard fsetxattr(parentFD, "trusted.overlay.opaque", "y", 1, 0) == 0 else {
          throw systemError(path, "setxattr trusted.overlay.opaque")
        }
      case .delete:
        try removeChildrenNotMadeHere(parentFD, parent: path.parent)
      }
      return
    }
    if name.hasPrefix(Whiteout.metaPrefix) { return }  // other AUFS metadata: no meaning here
    let hidden = String(name.dropFirst(Whiteout.prefix.count))
    guard !hidden.isEmpty, hidden != ".", hidden != ".." else {
      throw UnpackError.invalidEntry(entry: path.relative, reason: "whiteout of nothing")
    }
    try FileSystem.removeTree(in: parentFD, name: hidden, displayPath: "\(root)/\(path.relative)")
    if options.whiteouts == .overlay {
      guard mknodat(parentFD, hidden, S_IFCHR, 0) == 0 else { throw systemError(path, "mknod whiteout") }
    }
  }

  private func removeChildrenNotMadeHere(_ directoryFD: Int32, parent: [String]) throws {
    let dupFD = dup(directoryFD)
    guard dupFD >= 0, let directory = fdopendir(dupFD) else { throw UnpackError.archive("cannot list directory") }
    var children: [String] = []
    while let entry = readdir(directory) {
      let child = withUnsafePointer(to: entry.pointee.d_name) {
        $0.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
      }
      if child != "." && child != ".." { children.append(child) }
    }
    closedir(directory)
    for child in children where !madeHere.contains((parent + [child]).joined(separator: "/")) {
      try FileSystem.removeTree(in: directoryFD, name: child, displayPath: child)
    }
  }

  // MARK: - Paths

  /// Opens the parent directory of `path` inside the layer, making missing ones.
  private func openParent(_ path: EntryPath) throws -> Int32 {
    let parent = path.parent
    if let cached = cachedParent, cached.path == parent { return cached.fd }
    dropCachedParent()
    let fd: Int32
    if parent.isEmpty {
      fd = dup(rootFD)
    } else {
      fd = try openDirectory(parent, creating: true, for: path)
    }
    guard fd >= 0 else { throw systemError(path, "open parent") }
    cachedParent = (parent, fd)
    return fd
  }

  private func openDirectory(_ components: [String], creating: Bool, for path: EntryPath) throws -> Int32 {
    let relative = components.joined(separator: "/")
    let fd = groot_open_in_root(rootFD, relative, O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0)
    if fd >= 0 { return fd }
    switch errno {
    case ENOENT where creating:
      let parentFD =
        components.count == 1
        ? dup(rootFD) : try openDirectory(Array(components.dropLast()), creating: true, for: path)
      defer { close(parentFD) }
      try makeImplicitDirectory(components, in: parentFD, for: path)
      let created = groot_open_in_root(rootFD, relative, O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0)
      guard created >= 0 else { throw UnpackError.parentNotDirectory(entry: path.relative) }
      return created
    case ENOTDIR, ENOENT, ELOOP:
      throw UnpackError.parentNotDirectory(entry: path.relative)
    default:
      throw systemError(path, "open parent")
    }
  }

  /// A directory the layer uses without listing it: attributes from the nearest
  /// lower layer that has it, else root-owned 0755.
  private func makeImplicitDirectory(_ components: [String], in parentFD: Int32, for path: EntryPath) throws {
    let name = components.last!
    guard mkdirat(parentFD, name, 0o700) == 0 else {
      if errno == EEXIST { throw UnpackError.parentNotDirectory(entry: path.relative) }
      throw systemError(path, "mkdir parent")
    }
    let (mode, uid, gid) = lowerAttributes(components)
    guard fchownat(parentFD, name, uid, gid, AT_SYMLINK_NOFOLLOW) == 0,
      fchmodat(parentFD, name, mode, 0) == 0
    else { throw systemError(path, "set parent attributes") }
    implicitDirectories.insert(components.joined(separator: "/"))
  }

  /// Owner and mode of a directory in the nearest lower layer that has it.
  private func lowerAttributes(_ components: [String]) -> (mode: mode_t, uid: uid_t, gid: gid_t) {
    for lowerFD in lowerFDs {
      let fd = groot_open_in_root(lowerFD, components.joined(separator: "/"), GROOT_O_PATH | O_NOFOLLOW | O_CLOEXEC, 0)
      guard fd >= 0 else { continue }
      defer { close(fd) }
      var st = stat()
      if fstat(fd, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR {
        return (st.st_mode & 0o7777, st.st_uid, st.st_gid)
      }
    }
    return (0o755, IDMapping.map(0, through: options.uidMappings), IDMapping.map(0, through: options.gidMappings))
  }

  /// Whether `components` name a directory inside the tree at `root`, symlinks
  /// resolved within it.
  public static func hasDirectory(_ components: [String], in root: String) -> Bool {
    let rootFD = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
    guard rootFD >= 0 else { return false }
    defer { close(rootFD) }
    let fd = groot_open_in_root(rootFD, components.joined(separator: "/"), O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0)
    if fd >= 0 { close(fd) }
    return fd >= 0
  }

  /// Gives directories an earlier unpack made implicitly the owner and mode of
  /// the lower layers, now that they are all present. What is no longer a
  /// directory (a later entry replaced it) is left alone.
  public func inheritAttributes(of directories: [String]) throws {
    for relative in directories {
      let fd = groot_open_in_root(rootFD, relative, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC, 0)
      guard fd >= 0 else { continue }
      defer { close(fd) }
      let (mode, uid, gid) = lowerAttributes(relative.split(separator: "/").map(String.init))
      guard fchown(fd, uid, gid) == 0, fchmod(fd, mode) == 0 else {
        throw UnpackError.system(entry: relative, operation: "set parent attributes", errno: errno)
      }
    }
  }

  /// Makes room for an entry: whatever is at `name` goes, unless both are directories.
  private func removeConflicting(_ parentFD: Int32, _ name: String, keepingDirectory: Bool, path: EntryPath) throws {
    var st = stat()
    guard fstatat(parentFD, name, &st, AT_SYMLINK_NOFOLLOW) == 0 else {
      if errno == ENOENT { return }
      throw systemError(path, "stat")
    }
    if keepingDirectory && (st.st_mode & S_IFMT) == S_IFDIR { return }
    if (st.st_mode & S_IFMT) == S_IFDIR {
      // The removed directory may be a cached parent.
      let keep = cachedParent
      cachedParent = nil
      try FileSystem.removeTree(in: parentFD, name: name, displayPath: "\(root)/\(path.relative)")
      cachedParent = keep
      return
    }
    guard unlinkat(parentFD, name, 0) == 0 else { throw systemError(path, "unlink") }
  }

  private func dropCachedParent() {
    if let cached = cachedParent { close(cached.fd) }
    cachedParent = nil
  }

  // MARK: - Attributes

  private func mappedOwner(_ entry: LayerEntry) -> (uid_t, gid_t) {
    (IDMapping.map(entry.uid, through: options.uidMappings), IDMapping.map(entry.gid, through: options.gidMappings))
  }

  /// Owner before mode: chown clears setuid and setgid bits.
  private func setAttributes(fd: Int32, entry: LayerEntry, display: String) throws {
    let (uid, gid) = mappedOwner(entry)
    guard fchown(fd, uid, gid) == 0 else { throw UnpackError.system(entry: display, operation: "chown", errno: errno) }
    guard fchmod(fd, mode_t(entry.permissions)) == 0 else {
      throw UnpackError.system(entry: display, operation: "chmod", errno: errno)
    }
    for (name, value) in entry.xattrs where Self.isAllowedXattr(name) {
      let status = value.withUnsafeBytes { fsetxattr(fd, name, $0.baseAddress, value.count, 0) }
      if status != 0 && errno != ENOTSUP {
        throw UnpackError.system(entry: display, operation: "setxattr \(name)", errno: errno)
      }
    }
  }

  private func setAttributes(at parentFD: Int32, name: String, entry: LayerEntry, path: EntryPath, isSymlink: Bool)
    throws
  {
    let (uid, gid) = mappedOwner(entry)
    guard fchownat(parentFD, name, uid, gid, AT_SYMLINK_NOFOLLOW) == 0 else { throw systemError(path, "chown") }
    if !isSymlink {
      guard fchmodat(parentFD, name, mode_t(entry.permissions), 0) == 0 else { throw systemError(path, "chmod") }
    }
    let procPath = "/proc/self/fd/\(parentFD)/\(name)"
    for (xattr, value) in entry.xattrs where Self.isAllowedXattr(xattr) {
      let status = value.withUnsafeBytes { lsetxattr(procPath, xattr, $0.baseAddress, value.count, 0) }
      if status != 0 && errno != ENOTSUP && errno != EPERM {
        throw systemError(path, "setxattr \(xattr)")
      }
    }
    var times = [timespec(entry.modificationTime), timespec(entry.modificationTime)]
    utimensat(parentFD, name, &times, AT_SYMLINK_NOFOLLOW)
  }

  /// overlayfs reads trusted.overlay.* (redirect, metacopy, opaque) as instructions;
  /// from an image they could splice other paths into the container, so they are
  /// never taken from a layer. Whiteouts arrive as `.wh.` entries instead.
  static func isAllowedXattr(_ name: String) -> Bool {
    !name.hasPrefix("trusted.overlay.") && !name.hasPrefix("user.overlay.")
  }

  private func applyDirectoryTimes() throws {
    dropCachedParent()
    for (path, time) in directoryTimes.reversed() {
      let fd =
        path == "." ? dup(rootFD) : groot_open_in_root(rootFD, path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC, 0)
      guard fd >= 0 else { continue }  // removed again by a later entry
      var times = [timespec(time), timespec(time)]
      futimens(fd, &times)
      close(fd)
    }
  }

  private func systemError(_ path: EntryPath, _ operation: String) -> UnpackError {
    .system(entry: path.relative, operation: operation, errno: errno)
  }
}

extension timespec {
  init(_ time: (seconds: Int, nanoseconds: Int)) {
    self.init(tv_sec: time.seconds, tv_nsec: time.nanoseconds)
  }
}
