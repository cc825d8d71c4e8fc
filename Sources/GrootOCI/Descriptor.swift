import GrootIO

/// A content descriptor: what a blob is, where to find it, how big it must be.
public struct Descriptor: Codable, Hashable, Sendable {
  public var mediaType: String
  public var digest: Digest
  public var size: Int64
  public var annotations: Annotations?
  public var platform: Platform?
  public var urls: [String]?

  public init(mediaType: String, digest: Digest, size: Int64, annotations: Annotations? = nil) {
    self.mediaType = mediaType
    self.digest = digest
    self.size = size
    self.annotations = annotations
  }

  public static let refNameAnnotation = "org.opencontainers.image.ref.name"
  /// Garden's annotation for a layer unpacked below a directory of the image
  /// (guardian's imageplugin: the app droplet under /home/vcap).
  public static let baseDirectoryAnnotation = "org.cloudfoundry.experimental.image.base-directory"
  /// The largest size a descriptor may declare; anything above is a lie, not a layer.
  public static let maximumSize: Int64 = 1 << 40

  public var refName: String? { annotations?[Self.refNameAnnotation] }

  /// The base directory a layer is unpacked under, as path components; empty for the root.
  public var baseDirectory: [String] {
    (annotations?[Self.baseDirectoryAnnotation] ?? "").split(separator: "/").map(String.init)
      .filter { $0 != "." && $0 != ".." }
  }

  /// The declared size where it bounds the content; guardian writes 0 for "not
  /// given", and the digest proves the content either way.
  public var declaredSize: Int64? { size > 0 ? size : nil }

  /// Reads a descriptor without Codable (GrootIO's JSONValue: start-up).
  public init(json value: JSONValue, at path: String) throws {
    let fields = try JSONFields(value, path: path)
    self.init(
      mediaType: try fields.string("mediaType"), digest: try Digest(parsing: fields.string("digest")),
      size: try fields.int64("size"), annotations: try fields.optionalStringPairs("annotations").map(Annotations.init))
    platform = try fields.optionalFields("platform").map(Platform.init(json:))
    urls = try fields.optionalStrings("urls")
  }

  /// Refuses sizes no blob can have.
  public func checkSize(what: String) throws(OCIError) {
    guard size >= 0 else { throw .invalidDocument(what: what, reason: "\(digest) declares a negative size (\(size))") }
    guard size <= Self.maximumSize else {
      throw .invalidDocument(what: what, reason: "\(digest) declares \(size) bytes, more than the 1 TiB groot accepts")
    }
  }
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

  init(json fields: JSONFields) throws {
    self.init(
      architecture: try fields.string("architecture"), os: try fields.string("os"),
      variant: try fields.optionalString("variant"))
  }

  /// The platform of the host: images are resolved to linux/amd64 (GrootFS's choice).
  public static let host = Platform(architecture: "amd64", os: "linux")
}
