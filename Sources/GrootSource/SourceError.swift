import GrootOCI

/// Why an image could not be read from its source.
public enum SourceError: Error, CustomStringConvertible, Equatable {
  case imageNotFound(String)
  case notAnImageLayout(String, reason: String)
  case tagNotFound(tag: String, layout: String, available: [String])
  case ambiguousLayout(String, manifests: Int)
  case noManifestForPlatform(Platform, image: String)
  case blobMissing(Digest, layout: String)
  case documentTooLarge(what: String, limit: Int)
  case unsupportedLocalFile(String)
  case registryUnavailable(String)

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
    case .registryUnavailable(let reference):
      return "cannot pull \(reference): registry images are not supported by this build yet"
    }
  }
}
