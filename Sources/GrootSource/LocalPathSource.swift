import GrootFetch
import GrootIO
import GrootOCI
import GrootReference

#if canImport(Glibc)
  import Glibc
#endif

/// A root filesystem on local disk: a directory, or a tar file (plain, gzip or
/// zstd). It is one layer, cached by path, size and modification time (GrootFS's
/// rule): touch the path to make groot unpack it again.
public struct LocalPathSource: ImageSource {
  let reference: ImageReference
  let path: String
  let isDirectory: Bool
  let size: Int64
  let layerID: Digest

  public init(reference: ImageReference, path: String) throws {
    guard let st = try FileSystem.lstatIfPresent(path) ?? (try? statFollowing(path)) else {
      throw SourceError.imageNotFound(path)
    }
    let resolved = (st.st_mode & S_IFMT) == S_IFLNK ? try statFollowing(path) : st
    switch resolved.st_mode & S_IFMT {
    case S_IFDIR: isDirectory = true
    case S_IFREG: isDirectory = false
    default: throw SourceError.unsupportedLocalFile(path)
    }
    self.reference = reference
    self.path = path
    self.size = Int64(resolved.st_size)
    let stamp = "local:\(path):\(resolved.st_size):\(resolved.st_mtim.tv_sec).\(resolved.st_mtim.tv_nsec)"
    self.layerID = Digest(of: Array(stamp.utf8))
  }

  public func resolve() throws -> ResolvedImage {
    let compression: LayerCompression
    if isDirectory {
      compression = .none
    } else {
      var prefix = [UInt8](repeating: 0, count: 4)
      let stream = try FileByteStream(path: path)
      let count = try prefix.withUnsafeMutableBytes { try stream.read(into: $0) }
      compression = LayerCompression(sniffing: Array(prefix.prefix(count)))
    }
    let layer = LayerSource(
      id: layerID, diffID: nil, descriptor: nil, compression: compression, name: path,
      blobSize: isDirectory ? nil : size)
    return ResolvedImage(
      reference: reference, manifestDigest: nil, configDigest: nil, configBytes: nil, env: [], layers: [layer])
  }

  public func openLayer(_ layer: LayerSource, verify: Bool) throws -> LayerContent {
    if isDirectory { return .directory(path) }
    return .tar(try LayerStream.decompressing(FileByteStream(path: path), compression: layer.compression, what: path))
  }
}

private func statFollowing(_ path: String) throws -> stat {
  var st = stat()
  guard stat(path, &st) == 0 else {
    if errno == ENOENT { throw SourceError.imageNotFound(path) }
    throw SystemError("stat", path)
  }
  return st
}
