/// Media types of the OCI image spec and their Docker schema 2 equivalents.
public enum MediaType {
  public static let ociIndex = "application/vnd.oci.image.index.v1+json"
  public static let ociManifest = "application/vnd.oci.image.manifest.v1+json"
  public static let ociConfig = "application/vnd.oci.image.config.v1+json"
  public static let dockerManifestList = "application/vnd.docker.distribution.manifest.list.v2+json"
  public static let dockerManifest = "application/vnd.docker.distribution.manifest.v2+json"
  public static let dockerConfig = "application/vnd.docker.container.image.v1+json"

  // Arrays, not sets: a Set<String> costs a conformance scan (Annotations).
  public static let manifests = [ociManifest, dockerManifest]
  public static let indexes = [ociIndex, dockerManifestList]
  public static let configs = [ociConfig, dockerConfig]
}

/// How a layer blob is compressed, derived from its media type.
public enum LayerCompression: String, Sendable, Codable {
  case none, gzip, zstd

  private static let byMediaType: KeyValuePairs<String, LayerCompression> = [
    "application/vnd.oci.image.layer.v1.tar": .none,
    "application/vnd.oci.image.layer.v1.tar+gzip": .gzip,
    "application/vnd.oci.image.layer.v1.tar+zstd": .zstd,
    "application/vnd.oci.image.layer.nondistributable.v1.tar": .none,
    "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip": .gzip,
    "application/vnd.oci.image.layer.nondistributable.v1.tar+zstd": .zstd,
    "application/vnd.docker.image.rootfs.diff.tar": .none,
    "application/vnd.docker.image.rootfs.diff.tar.gzip": .gzip,
    "application/vnd.docker.image.rootfs.diff.tar.zstd": .zstd,
    "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip": .gzip,
  ]

  public init(layerMediaType mediaType: String) throws(OCIError) {
    guard let compression = Self.byMediaType.first(where: { $0.key == mediaType })?.value else {
      throw .unsupportedMediaType(mediaType, what: "a layer")
    }
    self = compression
  }

  /// Recognises a compressed stream by its first bytes (for local tar files).
  public init(sniffing prefix: [UInt8]) {
    if prefix.starts(with: [0x1f, 0x8b]) {
      self = .gzip
    } else if prefix.starts(with: [0x28, 0xb5, 0x2f, 0xfd]) {
      self = .zstd
    } else {
      self = .none
    }
  }
}
