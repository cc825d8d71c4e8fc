import GrootIO
import GrootOCI
import GrootReference

/// Where an image's documents and layers come from (a layout on disk, a local
/// root filesystem, a registry). Sources hand out verified, decompressed tar
/// streams; unpacking is the next stage's job.
public protocol ImageSource {
  /// Reads and checks the manifest and config.
  func resolve() throws -> ResolvedImage
  /// The content of one layer of the resolved image.
  func openLayer(_ layer: LayerSource, verify: Bool) throws -> LayerContent
}

/// An image whose documents have been read and checked.
public struct ResolvedImage: Sendable {
  public var reference: ImageReference
  public var manifestDigest: Digest?
  public var configDigest: Digest?
  /// The raw config document, for the runtime spec's annotation.
  public var configBytes: [UInt8]?
  public var env: [String]
  /// Bottom layer first.
  public var layers: [LayerSource]
  /// Things an operator should know that did not stop the create.
  public var warnings: [String] = []

  public init(
    reference: ImageReference, manifestDigest: Digest?, configDigest: Digest?, configBytes: [UInt8]?, env: [String],
    layers: [LayerSource], warnings: [String] = []
  ) {
    self.reference = reference
    self.manifestDigest = manifestDigest
    self.configDigest = configDigest
    self.configBytes = configBytes
    self.env = env
    self.layers = layers
    self.warnings = warnings
  }
}

/// One layer of a resolved image.
public struct LayerSource: Sendable {
  /// The key the store caches the unpacked layer by: the chain ID for layered
  /// images, a hash of path and modification time for local root filesystems.
  public var id: Digest
  public var diffID: Digest?
  public var descriptor: Descriptor?
  public var compression: LayerCompression
  public var name: String
  /// Where in the image the layer's files go (Garden's base-directory annotation).
  public var baseDirectory: [String] = []
  /// The blob's size where known (declared, or of the file holding it): what
  /// bounds how much the layer may unpack.
  public var blobSize: Int64?

  public init(
    id: Digest, diffID: Digest?, descriptor: Descriptor?, compression: LayerCompression, name: String,
    baseDirectory: [String] = [], blobSize: Int64? = nil
  ) {
    self.id = id
    self.diffID = diffID
    self.descriptor = descriptor
    self.compression = compression
    self.name = name
    self.baseDirectory = baseDirectory
    self.blobSize = blobSize
  }

  /// The layers a manifest and its config describe, bottom first, each keyed by
  /// its chain ID. A layer unpacked under a base directory makes other files than
  /// the same blob at the root, so the directory is part of its key (and of every
  /// key above it).
  static func layers(of manifest: Manifest, config: ImageConfig) throws -> [LayerSource] {
    let diffIDs = config.rootfs.diffIDs
    guard diffIDs.count == manifest.layers.count else {
      throw OCIError.layerCountMismatch(layers: manifest.layers.count, diffIDs: diffIDs.count)
    }
    let keys = zip(manifest.layers, diffIDs).map { layer, diffID in
      layer.baseDirectory.isEmpty
        ? diffID : Digest(of: Array("\(diffID) base-directory=/\(layer.baseDirectory.joined(separator: "/"))".utf8))
    }
    let chainIDs = ChainID.chain(keys)
    return try manifest.layers.enumerated().map { position, layer in
      LayerSource(
        id: chainIDs[position], diffID: diffIDs[position], descriptor: layer,
        compression: try LayerCompression(layerMediaType: layer.mediaType), name: "layer \(layer.digest)",
        baseDirectory: layer.baseDirectory, blobSize: layer.declaredSize)
    }
  }
}

/// What a layer's entries are read from.
public enum LayerContent {
  /// An uncompressed tar stream whose checks run as it is read to the end.
  case tar(ByteStream)
  /// A directory tree on disk.
  case directory(String)
}

/// Picks the source for a reference.
public enum ImageSources {
  public static func source(for reference: ImageReference, registry options: SourceOptions = SourceOptions())
    throws -> ImageSource
  {
    switch reference {
    case .ociLayout(let path, let tag):
      return OCILayoutSource(reference: reference, path: path, tag: tag, options: options)
    case .localPath(let path):
      return try LocalPathSource(reference: reference, path: path)
    case .registry(let registry):
      return try RegistrySource(reference: reference, registry: registry, options: options)
    }
  }
}
