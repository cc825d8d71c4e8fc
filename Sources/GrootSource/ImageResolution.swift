import GrootOCI
import GrootReference

/// How a source reads an image's documents, and how strictly it checks them
/// (a registry's crossed a network; a layout's manifest is its root of trust).
protocol DocumentReader {
  /// A manifest or index a descriptor names.
  func manifest(_ descriptor: Descriptor, warnings: inout [String]) throws -> [UInt8]
  /// The image config a manifest names.
  func config(_ descriptor: Descriptor, warnings: inout [String]) throws -> [UInt8]
}

/// The way every source goes from its top document to a resolved image: an
/// index resolves to the host's platform, the manifest is decoded, the config
/// read and decoded, the layers keyed by chain ID.
enum ImageResolution {
  static func resolve(
    _ reference: ImageReference, top: [UInt8], mediaType: String?, digest: Digest, reader: DocumentReader,
    warnings: [String] = []
  ) throws -> ResolvedImage {
    var warnings = warnings
    var (bytes, type, manifestDigest) = (top, mediaType, digest)
    if MediaType.indexes.contains(type ?? "") || (type != nil && looksLikeIndex(bytes)) {
      guard let platform = try Index.decode(bytes).manifest(for: .host) else {
        throw SourceError.noManifestForPlatform(.host, image: reference.description)
      }
      (bytes, type, manifestDigest) = (
        try reader.manifest(platform, warnings: &warnings), platform.mediaType, platform.digest
      )
    }
    let manifest = try Manifest.decode(bytes, mediaType: type)
    let configBytes = try reader.config(manifest.config, warnings: &warnings)
    let config = try ImageConfig.decode(configBytes)
    return ResolvedImage(
      reference: reference, manifestDigest: manifestDigest, configDigest: manifest.config.digest,
      configBytes: configBytes, env: config.env, layers: try LayerSource.layers(of: manifest, config: config),
      warnings: warnings)
  }

  /// Registries label some indexes as manifests: a `manifests` key tells.
  /// Searched byte by byte: `firstRange(of:)` (_StringProcessing) instantiated
  /// generic metadata by name, 3% of a warm create (docs/benchmarks.md).
  static func looksLikeIndex(_ bytes: [UInt8]) -> Bool {
    let key = Array(#""manifests""#.utf8)
    let end = min(bytes.count, 4096) - key.count
    guard end >= 0 else { return false }
    return (0...end).contains { start in key.indices.allSatisfy { bytes[start + $0] == key[$0] } }
  }
}
