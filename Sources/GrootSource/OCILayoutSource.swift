import Foundation
import GrootFetch
import GrootIO
import GrootOCI
import GrootReference

/// An OCI image layout directory (image-spec "image-layout.md").
public struct OCILayoutSource: ImageSource {
  static let documentLimit = 4 << 20
  static let configLimit = 16 << 20

  let reference: ImageReference
  let path: String
  let tag: String?

  public init(reference: ImageReference, path: String, tag: String?) {
    self.reference = reference
    self.path = path
    self.tag = tag
  }

  public func resolve() throws -> ResolvedImage {
    guard FileSystem.exists(path) else { throw SourceError.imageNotFound(path) }
    try checkLayoutMarker()
    let indexBytes = try readDocument(at: path.appending(path: "index.json"), what: "index.json")
    let index = try Index.decode(indexBytes, what: "\(path)/index.json")
    var descriptor = try select(from: index)
    if MediaType.indexes.contains(descriptor.mediaType) {
      let nested = try Index.decode(try readBlob(descriptor, limit: Self.documentLimit, what: "image index"))
      guard let platformManifest = nested.manifest(for: .host) else {
        throw SourceError.noManifestForPlatform(.host, image: reference.description)
      }
      descriptor = platformManifest
    }
    var warnings: [String] = []
    let manifestBytes = try readManifest(descriptor, warnings: &warnings)
    let manifest = try Manifest.decode(manifestBytes, mediaType: descriptor.mediaType)
    let configBytes = try readBlob(manifest.config, limit: Self.configLimit, what: "image config")
    if Int64(configBytes.count) != manifest.config.size {
      warnings.append(
        "config \(manifest.config.digest) is \(configBytes.count) bytes, the manifest says \(manifest.config.size); its digest matches, so it is used"
      )
    }
    let config = try ImageConfig.decode(configBytes)
    let diffIDs = config.rootfs.diffIDs
    guard diffIDs.count == manifest.layers.count else {
      throw OCIError.layerCountMismatch(layers: manifest.layers.count, diffIDs: diffIDs.count)
    }
    let chainIDs = ChainID.chain(diffIDs)
    var layers: [LayerSource] = []
    for (position, layer) in manifest.layers.enumerated() {
      layers.append(
        LayerSource(
          id: chainIDs[position], diffID: diffIDs[position], descriptor: layer,
          compression: try LayerCompression(layerMediaType: layer.mediaType), name: "layer \(layer.digest)"))
    }
    return ResolvedImage(
      reference: reference, manifestDigest: descriptor.digest, configDigest: manifest.config.digest,
      configBytes: configBytes, env: config.env, layers: layers, warnings: warnings)
  }

  public func openLayer(_ layer: LayerSource, verify: Bool) throws -> LayerContent {
    guard let descriptor = layer.descriptor else { throw SourceError.blobMissing(layer.id, layout: path) }
    let blob = try openBlob(descriptor.digest)
    return .tar(
      try LayerStream.make(
        blob: blob, descriptor: descriptor, diffID: layer.diffID, compression: layer.compression,
        verify: verify, name: layer.name))
  }

  // MARK: -

  private func checkLayoutMarker() throws {
    let markerPath = path.appending(path: "oci-layout")
    guard FileSystem.exists(markerPath) else {
      throw SourceError.notAnImageLayout(path, reason: "no oci-layout file")
    }
    struct Marker: Decodable { var imageLayoutVersion: String }
    let bytes = try readDocument(at: markerPath, what: "oci-layout")
    guard (try? JSONDecoder().decode(Marker.self, from: Data(bytes))) != nil else {
      throw SourceError.notAnImageLayout(path, reason: "oci-layout has no imageLayoutVersion")
    }
  }

  /// The manifest named by the tag; without a tag the only one, or `latest`.
  private func select(from index: Index) throws -> Descriptor {
    if let tag {
      guard let match = index.manifests.first(where: { $0.refName == tag }) else {
        throw SourceError.tagNotFound(tag: tag, layout: path, available: index.manifests.compactMap(\.refName))
      }
      return match
    }
    if index.manifests.count == 1 { return index.manifests[0] }
    if let latest = index.manifests.first(where: { $0.refName == "latest" }) { return latest }
    if index.manifests.isEmpty {
      throw SourceError.notAnImageLayout(path, reason: "index.json lists no manifests")
    }
    throw SourceError.ambiguousLayout(path, manifests: index.manifests.count)
  }

  private func blobPath(_ digest: Digest) -> String {
    path.appending(path: "blobs/sha256/\(digest.hex)")
  }

  private func openBlob(_ digest: Digest) throws -> ByteStream {
    do {
      return try FileByteStream(path: blobPath(digest))
    } catch let error as SystemError where error.errno == ENOENT {
      throw SourceError.blobMissing(digest, layout: path)
    }
  }

  /// Reads a small document, checking its digest. The declared size only bounds the
  /// read: the digest proves the content.
  private func readBlob(_ descriptor: Descriptor, limit: Int, what: String) throws -> [UInt8] {
    guard descriptor.size <= limit else { throw SourceError.documentTooLarge(what: what, limit: limit) }
    let stream = DigestVerifyingStream(
      try openBlob(descriptor.digest), expected: descriptor.digest, size: nil, what: what)
    guard let bytes = try stream.readAll(limit: limit) else {
      throw SourceError.documentTooLarge(what: what, limit: limit)
    }
    return bytes
  }

  /// A layout's manifest is its root of trust (config and layers are checked
  /// against it), and layouts in the wild carry hand-edited manifests whose bytes no
  /// longer match index.json (GrootFS's own test images do; containers/image accepts
  /// them). So a mismatch here is a warning, bounded in size, never silent.
  private func readManifest(_ descriptor: Descriptor, warnings: inout [String]) throws -> [UInt8] {
    let stream = try openBlob(descriptor.digest)
    guard let bytes = try stream.readAll(limit: Self.documentLimit) else {
      throw SourceError.documentTooLarge(what: "image manifest", limit: Self.documentLimit)
    }
    let actual = Digest(of: bytes)
    if actual != descriptor.digest || Int64(bytes.count) != descriptor.size {
      warnings.append(
        "manifest \(descriptor.digest) in \(path) hashes to \(actual) (\(bytes.count) bytes, index says \(descriptor.size)); using it as the layout's root of trust"
      )
    }
    return bytes
  }

  private func readDocument(at documentPath: String, what: String) throws -> [UInt8] {
    guard let bytes = try FileByteStream(path: documentPath).readAll(limit: Self.documentLimit) else {
      throw SourceError.documentTooLarge(what: what, limit: Self.documentLimit)
    }
    return bytes
  }
}
