import Foundation
import GrootFetch
import GrootIO
import GrootOCI
import GrootReference

/// An OCI image layout directory (image-spec "image-layout.md"), including the
/// ones Garden writes for app containers (guardian's imageplugin): no
/// `oci-layout` file, sizes of 0, a base layer blob that is a symlink to a
/// rootfs tar, and a top layer fetched from its descriptor's `urls`.
public final class OCILayoutSource: ImageSource, DocumentReader {
  static let documentLimit = 4 << 20
  static let configLimit = 16 << 20

  let reference: ImageReference
  let path: String
  let tag: String?
  let options: SourceOptions
  private var remote: RemoteBlobClient?
  private let remoteLock = NSLock()

  public init(reference: ImageReference, path: String, tag: String?, options: SourceOptions = SourceOptions()) {
    self.reference = reference
    self.path = path
    self.tag = tag
    self.options = options
  }

  public func resolve() throws -> ResolvedImage {
    guard FileSystem.exists(path) else { throw SourceError.imageNotFound(path) }
    try checkLayoutMarker()
    let indexBytes = try readDocument(at: path.appending(path: "index.json"), what: "index.json")
    let index = try Index.decode(indexBytes, what: "\(path)/index.json")
    let descriptor = try select(from: index)
    var warnings: [String] = []
    var image = try ImageResolution.resolve(
      reference, top: try manifest(descriptor, warnings: &warnings), mediaType: descriptor.mediaType,
      digest: descriptor.digest, reader: self, warnings: warnings)
    // Garden declares no sizes: a local blob's own size stands in.
    for (index, layer) in image.layers.enumerated() where layer.blobSize == nil && layer.descriptor?.urls == nil {
      image.layers[index].blobSize = try? FileSystem.size(following: blobPath(layer.descriptor!.digest))
    }
    return image
  }

  /// A remote layer (one with `urls`) is fetched from them and always verified:
  /// its bytes crossed a network. A local blob is checked unless validation is
  /// skipped (Garden skips it: its base layer's digest names the rootfs path, not
  /// its content).
  public func openLayer(_ layer: LayerSource, verify: Bool) throws -> LayerContent {
    guard let descriptor = layer.descriptor else { throw SourceError.blobMissing(layer.id, layout: path) }
    let blob: ByteStream
    if let urls = descriptor.urls, !urls.isEmpty {
      blob = try remoteClient().open(urls: urls, what: layer.name)
    } else {
      blob = try openBlob(descriptor.digest)
    }
    return .tar(
      try LayerStream.make(
        blob: options.observed(blob), descriptor: descriptor, diffID: layer.diffID, compression: layer.compression,
        verify: verify || descriptor.urls?.isEmpty == false, name: layer.name))
  }

  /// One client for the image's remote layers, made when the first is fetched
  /// (layers are fetched from several threads).
  private func remoteClient() throws -> RemoteBlobClient {
    try remoteLock.withLock {
      if let remote { return remote }
      let client = try RemoteBlobClient(
        certificates: options.remoteLayerCertificates, stallTimeout: options.stallTimeout)
      remote = client
      return client
    }
  }

  // MARK: -

  /// The `oci-layout` file, where there is one, must be valid; Garden's layouts
  /// have none, and index.json alone then makes the layout (as for GrootFS).
  private func checkLayoutMarker() throws {
    let markerPath = path.appending(path: "oci-layout")
    guard FileSystem.exists(markerPath) else {
      guard FileSystem.exists(path.appending(path: "index.json")) else {
        throw SourceError.notAnImageLayout(path, reason: "no index.json")
      }
      return
    }
    let bytes = try readDocument(at: markerPath, what: "oci-layout")
    guard (try? JSONFields(JSONValue.parse(bytes)).string("imageLayoutVersion")) != nil else {
      throw SourceError.notAnImageLayout(path, reason: "oci-layout has no imageLayoutVersion")
    }
  }

  /// The manifest named by the tag; without a tag the only one, or `latest`.
  /// Where several remain (one per platform), linux/amd64's, as from a registry.
  private func select(from index: Index) throws -> Descriptor {
    var candidates = index.manifests
    if let tag {
      candidates = candidates.filter { $0.refName == tag }
      guard !candidates.isEmpty else {
        throw SourceError.tagNotFound(tag: tag, layout: path, available: index.manifests.compactMap(\.refName))
      }
    } else if candidates.count > 1, candidates.contains(where: { $0.refName == "latest" }) {
      candidates = candidates.filter { $0.refName == "latest" }
    }
    if candidates.count == 1 { return candidates[0] }
    if candidates.isEmpty {
      throw SourceError.notAnImageLayout(path, reason: "index.json lists no manifests")
    }
    if candidates.contains(where: { $0.platform != nil }) {
      guard let platform = candidates.manifest(for: .host) else {
        throw SourceError.noManifestForPlatform(.host, image: reference.description)
      }
      return platform
    }
    throw SourceError.ambiguousLayout(path, manifests: candidates.count)
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
    guard let bytes = try openBlob(descriptor.digest).readAll(limit: limit) else {
      throw SourceError.documentTooLarge(what: what, limit: limit)
    }
    try descriptor.digest.verify(bytes, what: what)
    return bytes
  }

  /// A layout's manifest is its root of trust (config and layers are checked
  /// against it), and layouts in the wild carry hand-edited manifests whose bytes no
  /// longer match index.json (GrootFS's own test images do; containers/image accepts
  /// them). So a mismatch here is a warning, bounded in size, never silent.
  func manifest(_ descriptor: Descriptor, warnings: inout [String]) throws -> [UInt8] {
    let stream = try openBlob(descriptor.digest)
    guard let bytes = try stream.readAll(limit: Self.documentLimit) else {
      throw SourceError.documentTooLarge(what: "image manifest", limit: Self.documentLimit)
    }
    let actual = Digest(of: bytes)
    if actual != descriptor.digest || Int64(bytes.count) != (descriptor.declaredSize ?? Int64(bytes.count)) {
      warnings.append(
        "manifest \(descriptor.digest) in \(path) hashes to \(actual) (\(bytes.count) bytes, index says \(descriptor.size)); using it as the layout's root of trust"
      )
    }
    return bytes
  }

  /// The config must match its digest; its declared size only bounds the read.
  func config(_ descriptor: Descriptor, warnings: inout [String]) throws -> [UInt8] {
    let bytes = try readBlob(descriptor, limit: Self.configLimit, what: "image config")
    if let size = descriptor.declaredSize, Int64(bytes.count) != size {
      warnings.append(
        "config \(descriptor.digest) is \(bytes.count) bytes, the manifest says \(size); its digest matches, so it is used"
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
