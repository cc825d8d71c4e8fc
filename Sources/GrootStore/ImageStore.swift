import Foundation
import GrootIO
import GrootOCI

/// An image id as GrootFS and Garden use them: anything that is one path
/// component (GrootFS refuses only `/`; a directory name also cannot be empty,
/// `.`, `..`, hold a NUL or pass 255 bytes).
public struct ImageID: Hashable, CustomStringConvertible, Sendable {
  public let value: String

  public init(_ value: String) throws {
    // Byte tests: Foundation's `contains(String)` goes through NSString.
    guard !value.utf8.contains(UInt8(ascii: "/")) else { throw StoreError.imageIDHasSlash(value) }
    guard !value.isEmpty, value != ".", value != "..", !value.utf8.contains(0), value.utf8.count <= 255 else {
      throw StoreError.invalidImageID(value)
    }
    self.value = value
  }

  public var description: String { value }
}

/// What the store knows of an image (images/ID/image.json).
public struct ImageMetadata: Codable, Sendable {
  public var id: String
  public var reference: String
  public var driver: String
  /// Layer ids, bottom first.
  public var layers: [Digest]
  public var manifestDigest: Digest?
  public var configDigest: Digest?
  public var env: [String]
  public var mounted: Bool
  public var createdAt: Date
  /// The disk limit the image was created with, if any (for committed-space metrics).
  public var diskLimitBytes: Int64?
  /// Whether that limit counts only what the container writes.
  public var excludeImageFromQuota: Bool?

  public init(
    id: String, reference: String, driver: String, layers: [Digest], manifestDigest: Digest?,
    configDigest: Digest?, env: [String], mounted: Bool
  ) {
    self.id = id
    self.reference = reference
    self.driver = driver
    self.layers = layers
    self.manifestDigest = manifestDigest
    self.configDigest = configDigest
    self.env = env
    self.mounted = mounted
    self.createdAt = Date()
  }
}

extension ImageMetadata {
  /// image.json: the bytes `JSONCoding.encoder` writes, without Codable (JSONText).
  public var jsonText: JSONText {
    .object([
      "id": .string(id), "reference": .string(reference), "driver": .string(driver),
      "layers": .strings(layers.map(\.description)),
      "manifestDigest": manifestDigest.map { .string($0.description) },
      "configDigest": configDigest.map { .string($0.description) },
      "env": .strings(env), "mounted": .bool(mounted),
      "createdAt": .iso8601(secondsSince1970: createdAt.timeIntervalSince1970),
      "diskLimitBytes": diskLimitBytes.map { .integer($0) },
      "excludeImageFromQuota": excludeImageFromQuota.map { .bool($0) },
    ])
  }
}

/// The directories of one image.
public struct ImagePaths: Sendable {
  public let root: String
  public var rootfs: String { root.appending(path: "rootfs") }
  public var upper: String { root.appending(path: "diff") }
  /// GrootFS's name, which --without-mount's options show.
  public var work: String { root.appending(path: "workdir") }
  public var metadata: String { root.appending(path: "image.json") }

  public init(root: String) { self.root = root }
}

extension Store {
  public func imagePaths(_ id: ImageID) -> ImagePaths { ImagePaths(root: imagesPath.appending(path: id.value)) }

  public func hasImage(_ id: ImageID) -> Bool { FileSystem.exists(imagePaths(id).root) }

  /// The image an argument names: an id, the image's directory, or its rootfs.
  public func imageID(named argument: String) throws -> ImageID {
    guard argument.hasPrefix("/") else { return try ImageID(argument) }
    let absolute = Paths.absolute(argument)
    var rest = absolute
    if rest.hasSuffix("/rootfs") { rest = String(rest.dropLast("/rootfs".count)) }
    let prefix = imagesPath + "/"
    guard rest.hasPrefix(prefix), !rest.dropFirst(prefix.count).utf8.contains(UInt8(ascii: "/")) else {
      throw StoreError.notAnImagePath(argument)
    }
    return try ImageID(String(rest.dropFirst(prefix.count)))
  }

  public func imageMetadata(_ id: ImageID) throws -> ImageMetadata {
    let metadataPath = imagePaths(id).metadata
    guard FileSystem.exists(metadataPath) else { throw StoreError.imageNotFound(id.value) }
    return try Self.readMetadata(ImageMetadata.self, at: metadataPath)
  }

  /// image.json of an image being assembled in tmp/ (its publishing rename is
  /// what makes it visible), durable before that rename.
  public func writeImageMetadata(_ metadata: ImageMetadata, in paths: ImagePaths) throws {
    try FileSystem.writeNewFile(metadata.jsonText.utf8, to: paths.metadata)
  }

  /// Moves a prepared (and possibly mounted) image directory, a work directory
  /// itself, to images/ID, failing if the id is taken. The caller undoes its
  /// work on failure.
  public func publishImage(_ prepared: ImagePaths, as id: ImageID) throws {
    guard try publish(prepared.root, as: imagePaths(id).root) else { throw StoreError.imageExists(id.value) }
  }

  /// Ids of the images in the store, sorted.
  public func imageIDs() throws -> [ImageID] {
    try FileSystem.listDirectory(imagesPath).sorted().compactMap { try? ImageID($0) }
  }
}

#if canImport(Glibc)
  import Glibc
#endif
