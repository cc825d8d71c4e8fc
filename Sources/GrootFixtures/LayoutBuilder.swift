import Foundation
import GrootOCI

/// Builds OCI image layouts on disk: real digests, real files.
public struct LayoutBuilder {
  public let path: String
  private var layers: [(descriptor: [String: Any], diffID: String)] = []
  public var env = ["PATH=/bin"]
  public var manifestMediaType = "application/vnd.oci.image.manifest.v1+json"

  public init(path: String) throws {
    self.path = path
    try FileManager.default.createDirectory(atPath: path + "/blobs/sha256", withIntermediateDirectories: true)
    try write(Array(#"{"imageLayoutVersion":"1.0.0"}"#.utf8), to: path + "/oci-layout")
  }

  /// Adds a layer from an uncompressed tar, compressed as asked.
  public mutating func addLayer(tar: [UInt8], compression: String = "none", mediaType: String? = nil) throws {
    let diffID = Digest(of: tar)
    var blob = tar
    var type = "application/vnd.oci.image.layer.v1.tar"
    if compression != "none" {
      let input = path + "/.tmp-layer"
      try write(tar, to: input)
      let process = Process()
      process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
      process.arguments = [compression, "-q", "-f", input]
      try process.run()
      process.waitUntilExit()
      guard process.terminationStatus == 0 else { throw CocoaError(.fileWriteUnknown) }
      let suffix = compression == "gzip" ? ".gz" : ".zst"
      blob = Array(try Data(contentsOf: URL(fileURLWithPath: input + suffix)))
      try FileManager.default.removeItem(atPath: input + suffix)
      if FileManager.default.fileExists(atPath: input) { try FileManager.default.removeItem(atPath: input) }
      type += compression == "gzip" ? "+gzip" : "+zstd"
    }
    let digest = try putBlob(blob)
    layers.append((["mediaType": mediaType ?? type, "digest": "\(digest)", "size": blob.count], "\(diffID)"))
  }

  /// Writes config, manifest and index.json; returns the manifest's digest.
  @discardableResult
  public func finish(tag: String? = "latest") throws -> Digest {
    let config: [String: Any] = [
      "architecture": "amd64", "os": "linux", "config": ["Env": env],
      "rootfs": ["type": "layers", "diff_ids": layers.map(\.diffID)],
    ]
    let configBytes = try json(config)
    let configDigest = try putBlob(configBytes)
    let manifest: [String: Any] = [
      "schemaVersion": 2, "mediaType": manifestMediaType,
      "config": [
        "mediaType": "application/vnd.oci.image.config.v1+json", "digest": "\(configDigest)",
        "size": configBytes.count,
      ],
      "layers": layers.map(\.descriptor),
    ]
    let manifestBytes = try json(manifest)
    let manifestDigest = try putBlob(manifestBytes)
    var entry: [String: Any] = [
      "mediaType": manifestMediaType, "digest": "\(manifestDigest)", "size": manifestBytes.count,
    ]
    if let tag { entry["annotations"] = ["org.opencontainers.image.ref.name": tag] }
    try write(try json(["schemaVersion": 2, "manifests": [entry]]), to: path + "/index.json")
    return manifestDigest
  }

  @discardableResult
  public func putBlob(_ bytes: [UInt8]) throws -> Digest {
    let digest = Digest(of: bytes)
    try write(bytes, to: "\(path)/blobs/sha256/\(digest.hex)")
    return digest
  }

  private func json(_ object: Any) throws -> [UInt8] {
    Array(try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]))
  }

  private func write(_ bytes: [UInt8], to file: String) throws {
    try Data(bytes).write(to: URL(fileURLWithPath: file))
  }
}

/// A one-layer layout from a tar, in a fresh directory under `base`.
public func layout(in base: String, name: String = "layout-\(UUID().uuidString.prefix(6))", tar: TarWriter) throws
  -> String
{
  var builder = try LayoutBuilder(path: "\(base)/\(name)")
  try builder.addLayer(tar: tar.archive())
  try builder.finish()
  return builder.path
}
