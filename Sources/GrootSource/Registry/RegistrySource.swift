import GrootFetch
import GrootIO
import GrootOCI
import GrootReference

/// An image in a registry. Manifests and configs are verified strictly (their
/// bytes crossed a network); an index or manifest list resolves to linux/amd64.
/// Layer blobs stream from the socket through the digest check, decompression and
/// the unpacker, with no copy on disk.
public final class RegistrySource: ImageSource {
  static let documentLimit = 4 << 20
  static let configLimit = 16 << 20
  static let manifestTypes = [
    MediaType.ociManifest, MediaType.ociIndex, MediaType.dockerManifest, MediaType.dockerManifestList,
  ]

  let reference: ImageReference
  let registry: RegistryReference
  let client: RegistryClient
  let options: SourceOptions

  public init(reference: ImageReference, registry: RegistryReference, options: SourceOptions) throws {
    self.reference = reference
    self.registry = registry
    self.options = options
    self.client = try RegistryClient(reference: registry, options: options)
  }

  public func resolve() throws -> ResolvedImage {
    let (bytes, contentType) = try manifest(registry.manifestReference, expected: registry.digest)
    return try ImageResolution.resolve(
      reference, top: bytes, mediaType: contentType, digest: Digest(of: bytes), reader: self)
  }

  /// Always verified, whatever `verify` says: the bytes crossed a network
  /// (GrootFS's --skip-layer-validation, too, applies to oci:// images only).
  public func openLayer(_ layer: LayerSource, verify: Bool) throws -> LayerContent {
    guard let descriptor = layer.descriptor else {
      throw SourceError.blobMissing(layer.id, layout: registry.description)
    }
    let (_, body) = try client.open("blobs/\(descriptor.digest)", what: layer.name)
    let blob = options.observed(body)
    return .tar(
      try LayerStream.make(
        blob: blob, descriptor: descriptor, diffID: layer.diffID, compression: layer.compression, verify: true,
        name: layer.name))
  }

  private func manifest(_ reference: String, expected: Digest?) throws -> ([UInt8], String?) {
    let document = try client.document(
      "manifests/\(reference)", accept: Self.manifestTypes, limit: Self.documentLimit,
      what: "manifest \(registry.repository):\(reference)")
    try expected?.verify(document.bytes, what: "manifest")
    // Registries add parameters (charset) to Content-Type.
    let type = document.contentType?.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces) }
    return (document.bytes, type)
  }

}

extension RegistrySource: DocumentReader {
  /// Fetched by digest, and must hash to it.
  func manifest(_ descriptor: Descriptor, warnings: inout [String]) throws -> [UInt8] {
    try manifest(descriptor.digest.description, expected: descriptor.digest).0
  }

  func config(_ descriptor: Descriptor, warnings: inout [String]) throws -> [UInt8] {
    let config = try client.document(
      "blobs/\(descriptor.digest)", accept: [], limit: Self.configLimit, what: "image config")
    try descriptor.digest.verify(config.bytes, what: "image config")
    return config.bytes
  }
}
