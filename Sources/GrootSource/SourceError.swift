import GrootIO
import GrootOCI

/// Why an image could not be read from its source.
public enum SourceError: ClassifiedError, Equatable {
  case imageNotFound(String)
  case notAnImageLayout(String, reason: String)
  case tagNotFound(tag: String, layout: String, available: [String])
  case ambiguousLayout(String, manifests: Int)
  case noManifestForPlatform(Platform, image: String)
  case blobMissing(Digest, layout: String)
  case documentTooLarge(what: String, limit: Int)
  case unsupportedLocalFile(String)

  public var kind: ErrorKind? {
    switch self {
    case .imageNotFound, .tagNotFound: return .imageNotFound
    case .blobMissing: return .blobMissing
    case .notAnImageLayout, .ambiguousLayout, .noManifestForPlatform, .documentTooLarge: return .invalidImage
    case .unsupportedLocalFile: return .invalidArgument
    }
  }

  public var description: String {
    switch self {
    case .imageNotFound(let path):
      return "image not found: \(path) does not exist"
    case .notAnImageLayout(let path, let reason):
      return "\(path) is not an OCI image layout: \(reason)"
    case .tagNotFound(let tag, let layout, let available):
      let tags = available.isEmpty ? "none" : available.joined(separator: ", ")
      return "image not found: no manifest tagged '\(tag)' in \(layout) (tags: \(tags))"
    case .ambiguousLayout(let path, let count):
      return "\(path) holds \(count) manifests and none is tagged 'latest': name one with oci://\(path):TAG"
    case .noManifestForPlatform(let platform, let image):
      return "\(image) has no manifest for \(platform.os)/\(platform.architecture)"
    case .blobMissing(let digest, let layout):
      return "blob \(digest) is missing from \(layout)"
    case .documentTooLarge(let what, let limit):
      return "\(what) is larger than \(limit) bytes; refusing to read it"
    case .unsupportedLocalFile(let path):
      return "\(path) is neither a directory nor a tar file"
    }
  }
}
