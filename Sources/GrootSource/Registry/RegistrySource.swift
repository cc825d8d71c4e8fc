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
    var (bytes, contentType) = try manifest(registry.manifestReference, expected: registry.digest)
    var manifestDigest = Digest(of: bytes)
    if let type = contentType, MediaType.indexes.contains(type) || isIndex(bytes) {
      let index = try Index.decode(bytes)
      guard let platform = index.manifest(for: .host) else {
        throw SourceError.noManifestForPlatform(.host, image: reference.description)
      }
      (bytes, contentType) = try manifest(platform.digest.description, expected: platform.digest)
      manifestDigest = platform.digest
    }
    let manifest = try Manifest.decode(bytes, mediaType: contentType)
    let config = try client.document(
      "blobs/\(manifest.config.digest)", accept: [], limit: Self.configLimit, what: "image config")
    let actual = Digest(of: config.bytes)
    guard actual == manifest.config.digest else {
      throw FetchError.digestMismatch(what: "image config", expected: manifest.config.digest, actual: actual)
    }
    let imageConfig = try ImageConfig.decode(config.bytes)
    return ResolvedImage(
      reference: reference, manifestDigest: manifestDigest, configDigest: manifest.config.digest,
      configBytes: config.bytes, env: imageConfig.env, layers: try LayerSource.layers(of: manifest, config: imageConfig)
    )
  }

  /// Always verified, whatever `verify` says: the bytes crossed a network
  /// (GrootFS's --skip-layer-validation, too, applies to oci:// images only).
  public func openLayer(_ layer: LayerSource, verify: Bool) throws -> LayerContent {
    guard let descriptor = layer.descriptor else {
      throw SourceError.blobMissing(layer.id, layout: registry.description)
    }
    let (_, body) = try client.open("blobs/\(descriptor.digest)", what: layer.name)
    let blob: ByteStream = options.observeBytes.map { CountingStream(body, observe: $0) } ?? body
    return .tar(
      try LayerStream.make(
        blob: blob, descriptor: descriptor, diffID: layer.diffID, compression: layer.compression, verify: true,
        name: layer.name))
  }

  private func manifest(_ reference: String, expected: Digest?) throws -> ([UInt8], String?) {
    let document = try client.document(
      "manifests/\(reference)", accept: Self.manifestTypes, limit: Self.documentLimit,
      what: "manifest \(registry.repository):\(reference)")
    if let expected {
      let actual = Digest(of: document.bytes)
      guard actual == expected else {
        throw FetchError.digestMismatch(what: "manifest", expected: expected, actual: actual)
      }
    }
    // Registries add parameters (charset) to Content-Type.
    let type = document.contentType?.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces) }
    return (document.bytes, type)
  }

  private func isIndex(_ bytes: [UInt8]) -> Bool {
    String(decoding: bytes.prefix(4096), as: UTF8.self).contains("\"manifests\"")
  }
}
