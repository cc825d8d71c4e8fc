import CGrootSys
import Foundation
import GrootIO
import GrootOCI

#if canImport(Glibc)
  import Glibc
#endif

/// What the store knows of an unpacked layer (layers/HEX/layer.json).
public struct LayerMetadata: Codable, Sendable {
  public var id: Digest
  public var diffID: Digest?
  public var blobDigest: Digest?
  public var mediaType: String?
  /// Bytes of file data unpacked.
  public var size: Int64
  /// Bytes the unpacked layer occupies on disk (allocated blocks).
  public var diskUsage: Int64
  public var source: String
  public var unpackedAt: Date

  public init(
    id: Digest, diffID: Digest?, blobDigest: Digest?, mediaType: String?, size: Int64, diskUsage: Int64,
    source: String
  ) {
    self.diskUsage = diskUsage
    self.id = id
    self.diffID = diffID
    self.blobDigest = blobDigest
    self.mediaType = mediaType
    self.size = size
    self.source = source
    self.unpackedAt = Date()
  }
}

extension Store {
  static let layerMetadataName = "layer.json"

  public func layerPath(_ id: Digest) -> String { layersPath.appending(path: id.hex) }

  /// The directory holding the layer's files.
  public func layerDiffPath(_ id: Digest) -> String { layerPath(id).appending(path: "diff") }

  /// A published layer is complete: it appeared by one rename.
  public func hasLayer(_ id: Digest) -> Bool { FileSystem.exists(layerPath(id)) }

  public func layerMetadata(_ id: Digest) throws -> LayerMetadata {
    try Self.readMetadata(LayerMetadata.self, at: layerPath(id).appending(path: Self.layerMetadataName))
  }

  /// Publishes a finished layer directory (holding diff/) under its id. Returns
  /// false when another process published the same layer first; the caller's copy
  /// is then discarded and theirs used.
  @discardableResult
  public func publishLayer(from work: WorkDirectory, metadata: LayerMetadata) throws -> Bool {
    let directory = work.path
    try FileSystem.writeAtomically(
      Array(try JSONCoding.encoder.encode(metadata)), to: directory.appending(path: Self.layerMetadataName))
    // Layer files were written without fsync each; one syncfs makes them durable
    // before the rename makes them visible.
    let fd = Glibc.open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
    if fd >= 0 {
      groot_syncfs(fd)
      close(fd)
    }
    guard try publish(directory, as: layerPath(metadata.id)) else {
      try FileSystem.removeTree(directory)
      return false
    }
    return true
  }

  /// Marks a layer as used now; `clean` removes the least recently used first.
  public func touchLayer(_ id: Digest) {
    utimensat(AT_FDCWD, layerPath(id), nil, 0)
  }

  /// When the layer was last used by a create, in nanoseconds.
  public func layerLastUsed(_ id: Digest) -> Int {
    guard let st = (try? FileSystem.lstatIfPresent(layerPath(id))) ?? nil else { return 0 }
    return st.st_mtim.tv_sec * 1_000_000_000 + st.st_mtim.tv_nsec
  }

  /// Removes a layer. The caller holds the layer's use lock exclusively, has
  /// checked no image needs it, and has let the snapshotter forget it.
  public func removeLayer(_ id: Digest) throws {
    try discard(layerPath(id))
  }

  /// Ids of all published layers.
  public func layerIDs() throws -> [Digest] {
    try FileSystem.listDirectory(layersPath).compactMap { try? Digest(hex: $0) }
  }
}

/// The store's JSON settings: stable key order, ISO dates.
public enum JSONCoding {
  public static var encoder: JSONEncoder {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    encoder.dateEncodingStrategy = .iso8601
    return encoder
  }

  public static var decoder: JSONDecoder {
    let decoder = JSONDecoder()
    decoder.dateDecodingStrategy = .iso8601
    return decoder
  }
}
