/// A content descriptor: what a blob is, where to find it, how big it must be.
public struct Descriptor: Codable, Hashable, Sendable {
  public var mediaType: String
  public var digest: Digest
  public var size: Int64
  public var annotations: [String: String]?
  public var platform: Platform?
  public var urls: [String]?

  public init(mediaType: String, digest: Digest, size: Int64, annotations: [String: String]? = nil) {
    self.mediaType = mediaType
    self.digest = digest
    self.size = size
    self.annotations = annotations
  }

  public static let refNameAnnotation = "org.opencontainers.image.ref.name"

  public var refName: String? { annotations?[Self.refNameAnnotation] }
}

public struct Platform: Codable, Hashable, Sendable {
  public var architecture: String
  public var os: String
  public var variant: String?

  enum CodingKeys: String, CodingKey {
    case architecture, os, variant
  }

  public init(architecture: String, os: String, variant: String? = nil) {
    self.architecture = architecture
    self.os = os
    self.variant = variant
  }

  /// The platform of the host: images are resolved to linux/amd64 (GrootFS's choice).
  public static let host = Platform(architecture: "amd64", os: "linux")
}
