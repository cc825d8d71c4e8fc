import CArchive
import GrootIO

#if canImport(Glibc)
  import Glibc
#endif

/// Reads tar entries from a ByteStream through libarchive. Compression is undone
/// before this stage (so the uncompressed stream can be digested), hence only the
/// tar formats are enabled: anything else is refused as not a tar.
public final class TarReader: LayerEntryReader {
  private let archive: OpaquePointer
  private let context: Context

  /// Holds the stream for libarchive's read callback, and the Swift error it hit.
  final class Context {
    let stream: ByteStream
    let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 128 * 1024, alignment: 16)
    var error: Error?
    init(stream: ByteStream) { self.stream = stream }
    deinit { buffer.deallocate() }
  }

  public init(stream: ByteStream) throws {
    guard let archive = archive_read_new() else { throw UnpackError.archive("cannot allocate a reader") }
    self.archive = archive
    self.context = Context(stream: stream)
    archive_read_support_format_tar(archive)
    archive_read_support_format_gnutar(archive)
    let status = archive_read_open(archive, Unmanaged.passUnretained(context).toOpaque(), nil, tarReadCallback, nil)
    guard status == ARCHIVE_OK else { throw failure() }  // deinit frees the archive
  }

  deinit { archive_read_free(archive) }

  public func next() throws -> LayerEntry? {
    var entry: OpaquePointer?
    let status = archive_read_next_header(archive, &entry)
    if status == ARCHIVE_EOF { return nil }
    guard status >= ARCHIVE_WARN, let entry else { throw failure() }
    return try ArchiveEntryConversion.layerEntry(entry)
  }

  public func readBlock() throws -> DataBlock? {
    try ArchiveData.readBlock(archive) { failure() }
  }

  public func finish() throws {
    try context.stream.drain()
  }

  /// The Swift error the stream threw (a digest mismatch, a network fault) wins over
  /// libarchive's summary of it.
  private func failure() -> Error {
    if let error = context.error { return error }
    return UnpackError.archive(archive_error_string(archive).map { String(cString: $0) } ?? "unreadable tar stream")
  }
}

/// libarchive's read callback: pulls the next chunk from the context's stream.
private func tarReadCallback(
  _ archive: OpaquePointer?, _ clientData: UnsafeMutableRawPointer?,
  _ bufferOut: UnsafeMutablePointer<UnsafeRawPointer?>?
) -> la_ssize_t {
  let context = Unmanaged<TarReader.Context>.fromOpaque(clientData!).takeUnretainedValue()
  do {
    let count = try context.stream.read(into: context.buffer)
    bufferOut!.pointee = UnsafeRawPointer(context.buffer.baseAddress)
    return la_ssize_t(count)
  } catch {
    context.error = error
    return -1
  }
}

/// Reads a directory tree on disk as layer entries (for `/path` images), through
/// libarchive's disk reader, with hard links detected like tar does.
public final class DirectoryReader: LayerEntryReader {
  private let archive: OpaquePointer
  private let entry: OpaquePointer
  private let resolver: OpaquePointer
  private let root: String

  public init(path: String) throws {
    guard let archive = archive_read_disk_new(), let entry = archive_entry_new(),
      let resolver = archive_entry_linkresolver_new()
    else { throw UnpackError.archive("cannot allocate a disk reader") }
    self.archive = archive
    self.entry = entry
    self.resolver = resolver
    self.root = path
    archive_entry_linkresolver_set_strategy(resolver, ARCHIVE_FORMAT_TAR_PAX_RESTRICTED)
    archive_read_disk_set_symlink_physical(archive)
    // A directory image's ACLs are not carried, as `tar` without `--acls` does not
    // carry them; groot links libarchive statically without libacl (CArchiveStatic).
    archive_read_disk_set_behavior(archive, ARCHIVE_READDISK_NO_ACL)
    guard archive_read_disk_open(archive, path) == ARCHIVE_OK else {
      throw UnpackError.archive(archive_error_string(archive).map { String(cString: $0) } ?? "cannot read \(path)")
    }
  }

  deinit {
    archive_entry_linkresolver_free(resolver)
    archive_entry_free(entry)
    archive_read_free(archive)
  }

  public func next() throws -> LayerEntry? {
    let status = archive_read_next_header2(archive, entry)
    if status == ARCHIVE_EOF { return nil }
    guard status >= ARCHIVE_WARN else {
      throw UnpackError.archive(archive_error_string(archive).map { String(cString: $0) } ?? "cannot read \(root)")
    }
    if mode_t(archive_entry_filetype(entry)) == Glibc.S_IFDIR {
      archive_read_disk_descend(archive)
    }
    var linked: OpaquePointer? = entry
    var spare: OpaquePointer?
    archive_entry_linkify(resolver, &linked, &spare)
    var converted = try ArchiveEntryConversion.layerEntry(linked ?? entry)
    converted.path = relative(converted.path)
    if case .hardlink(let target) = converted.kind {
      converted.kind = .hardlink(target: relative(target))
    }
    return converted
  }

  public func readBlock() throws -> DataBlock? {
    try ArchiveData.readBlock(archive) {
      UnpackError.archive(archive_error_string(archive).map { String(cString: $0) } ?? "cannot read data")
    }
  }

  public func finish() throws {}

  private func relative(_ path: String) -> String {
    guard path.hasPrefix(root) else { return path }
    let rest = path.dropFirst(root.count)
    return rest.isEmpty ? "." : String(rest)
  }
}

/// An entry's data through archive_read_data_block: libarchive hands over each
/// block with its offset and skips holes, so a sparse file is never expanded.
enum ArchiveData {
  static func readBlock(_ archive: OpaquePointer, failure: () -> Error) throws -> DataBlock? {
    var buffer: UnsafeRawPointer?
    var size = 0
    var offset: la_int64_t = 0
    let status = archive_read_data_block(archive, &buffer, &size, &offset)
    if status == ARCHIVE_EOF { return nil }
    guard status >= ARCHIVE_WARN else { throw failure() }
    return DataBlock(offset: offset, bytes: UnsafeRawBufferPointer(start: buffer, count: size))
  }
}

/// libarchive entry → LayerEntry.
enum ArchiveEntryConversion {
  /// More map entries than a sparse file of any real use has.
  static let sparseMapLimit = 65536

  static func layerEntry(_ entry: OpaquePointer) throws -> LayerEntry {
    guard let rawPath = archive_entry_pathname(entry) ?? archive_entry_pathname_utf8(entry) else {
      throw UnpackError.archive("an entry has no readable path name")
    }
    let path = String(cString: rawPath)
    let kind: LayerEntry.Kind
    if let hardlink = archive_entry_hardlink(entry) ?? archive_entry_hardlink_utf8(entry) {
      kind = .hardlink(target: String(cString: hardlink))
    } else {
      switch mode_t(archive_entry_filetype(entry)) {
      case S_IFREG: kind = .regular
      case S_IFDIR: kind = .directory
      case S_IFLNK:
        guard let target = archive_entry_symlink(entry) ?? archive_entry_symlink_utf8(entry) else {
          throw UnpackError.invalidEntry(entry: path, reason: "symlink without a target")
        }
        kind = .symlink(target: String(cString: target))
      case S_IFCHR:
        let (major, minor) = try deviceNumbers(entry, path: path)
        kind = .characterDevice(major: major, minor: minor)
      case S_IFBLK:
        let (major, minor) = try deviceNumbers(entry, path: path)
        kind = .blockDevice(major: major, minor: minor)
      case S_IFIFO: kind = .fifo
      default:
        throw UnpackError.invalidEntry(entry: path, reason: "unsupported file type (socket or unknown)")
      }
    }
    let uid = archive_entry_uid(entry)
    let gid = archive_entry_gid(entry)
    guard (0..<Int64(UInt32.max)).contains(uid), (0..<Int64(UInt32.max)).contains(gid) else {
      throw UnpackError.invalidEntry(entry: path, reason: "owner \(uid):\(gid) out of range")
    }
    let size = archive_entry_size(entry)
    guard size >= 0 else { throw UnpackError.invalidEntry(entry: path, reason: "negative size") }
    let isSparse = try checkSparseMap(entry, size: size, path: path)

    var xattrs: [(name: String, value: [UInt8])] = []
    if archive_entry_xattr_reset(entry) > 0 {
      var name: UnsafePointer<CChar>?
      var value: UnsafeRawPointer?
      var length = 0
      while archive_entry_xattr_next(entry, &name, &value, &length) == ARCHIVE_OK {
        guard let name else { continue }
        let bytes = value.map { Array(UnsafeRawBufferPointer(start: $0, count: length)) } ?? []
        xattrs.append((String(cString: name), bytes))
      }
    }
    return LayerEntry(
      path: path, kind: kind, permissions: UInt32(archive_entry_perm(entry)) & 0o7777,
      uid: UInt32(uid), gid: UInt32(gid),
      modificationTime: (Int(archive_entry_mtime(entry)), Int(archive_entry_mtime_nsec(entry))),
      size: size, xattrs: xattrs, isSparse: isSparse)
  }

  /// A device's numbers, which tar's base-256 fields can make any size: only
  /// what fits Linux's 32-bit major and minor is a device.
  private static func deviceNumbers(_ entry: OpaquePointer, path: String) throws -> (UInt32, UInt32) {
    let major = archive_entry_rdevmajor(entry)
    let minor = archive_entry_rdevminor(entry)
    guard let major = UInt32(exactly: major), let minor = UInt32(exactly: minor) else {
      throw UnpackError.invalidEntry(entry: path, reason: "device \(major):\(minor) out of range")
    }
    return (major, minor)
  }

  /// A sparse map must lie inside the file, in order, without overlaps, and be of
  /// a sane length; checked before a byte of the file is written.
  private static func checkSparseMap(_ entry: OpaquePointer, size: Int64, path: String) throws -> Bool {
    let count = archive_entry_sparse_reset(entry)
    guard count > 0 else { return false }
    guard count <= sparseMapLimit else {
      throw UnpackError.invalidEntry(entry: path, reason: "sparse map of \(count) entries, more than \(sparseMapLimit)")
    }
    var end: Int64 = 0
    var offset: la_int64_t = 0
    var length: la_int64_t = 0
    while archive_entry_sparse_next(entry, &offset, &length) == ARCHIVE_OK {
      guard offset >= end, length >= 0, offset <= size, length <= size - offset else {
        throw UnpackError.invalidEntry(entry: path, reason: "sparse map does not fit its \(size) bytes")
      }
      end = offset + length
    }
    return true
  }
}
