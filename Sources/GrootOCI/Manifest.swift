import Foundation
import GrootIO

/// An image manifest (OCI or Docker schema 2).
public struct Manifest: Codable, Sendable {
  public var schemaVersion: Int
  public var mediaType: String?
  public var config: Descriptor
  public var layers: [Descriptor]

  /// Decodes and checks a manifest document.
  public static func decode(_ bytes: [UInt8], mediaType declared: String?) throws(OCIError) -> Manifest {
    let manifest: Manifest
    do {
      let fields = try JSONFields(JSONValue.parse(bytes))
      let schemaVersion = try fields.int("schemaVersion")
      if schemaVersion == 1 {
        throw OCIError.invalidDocument(
          what: "image manifest", reason: "Docker schema 1 is deprecated and not supported; push the image again")
      }
      manifest = Manifest(
        schemaVersion: schemaVersion, mediaType: try fields.optionalString("mediaType"),
        config: try Descriptor(json: fields.requiredValue("config"), at: fields.subpath("config")),
        layers: try fields.array("layers", Descriptor.init(json:at:)))
    } catch {
      throw OCIError(documentError: error, what: "image manifest")
    }
    guard manifest.schemaVersion == 2 else {
      throw .invalidDocument(what: "image manifest", reason: "schemaVersion \(manifest.schemaVersion), expected 2")
    }
    let mediaType = manifest.mediaType ?? declared ?? MediaType.ociManifest
    guard MediaType.manifests.contains(mediaType) else {
      throw .unsupportedMediaType(mediaType, what: "an image manifest")
    }
    guard MediaType.configs.contains(manifest.config.mediaType) else {
      throw .unsupportedMediaType(manifest.config.mediaType, what: "an image config")
    }
    try manifest.config.checkSize(what: "image manifest")
    for layer in manifest.layers {
      _ = try LayerCompression(layerMediaType: layer.mediaType)
      try layer.checkSize(what: "image manifest")
    }
    return manifest
  }
}

/// An image index (OCI) or manifest list (Docker).
public struct Index: Codable, Sendable {
  public var schemaVersion: Int
  public var mediaType: String?
  public var manifests: [Descriptor]

  public static func decode(_ bytes: [UInt8], what: String = "image index") throws(OCIError) -> Index {
    let index: Index
    do {
      let fields = try JSONFields(JSONValue.parse(bytes))
      index = Index(
        schemaVersion: try fields.int("schemaVersion"), mediaType: try fields.optionalString("mediaType"),
        manifests: try fields.array("manifests", Descriptor.init(json:at:)))
    } catch {
      throw OCIError(documentError: error, what: what)
    }
    guard index.schemaVersion == 2 else {
      throw .invalidDocument(what: what, reason: "schemaVersion \(index.schemaVersion), expected 2")
    }
    for manifest in index.manifests { try manifest.checkSize(what: what) }
    return index
  }

  /// The manifest for `platform`, among those that name one.
  public func manifest(for platform: Platform) -> Descriptor? { manifests.manifest(for: platform) }
}

/// One-line text for a JSON decoding error.
public enum JSONErrorText {
  public static func describe(_ error: Error) -> String {
    switch error {
    case DecodingError.dataCorrupted(let context):
      return "not valid JSON (\(context.debugDescription))"
    case DecodingError.keyNotFound(let key, let context):
      return "missing field '\(path(context.codingPath + [key]))'"
    case DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context):
      return "wrong type at '\(path(context.codingPath))'"
    case let error as OCIError:
      return error.description
    default:
      return "\(error)"
    }
  }

  private static func path(_ keys: [CodingKey]) -> String {
    keys.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
  }
}

extension Array where Element == Descriptor {
  /// The first descriptor for `platform`, among those that name one.
  public func manifest(for platform: Platform) -> Descriptor? {
    first { $0.platform?.os == platform.os && $0.platform?.architecture == platform.architecture }
  }
}
