import Foundation
import GrootOCI

/// Builds OCI image layouts on disk: real digests, real files, and on request the
/// quirks of layouts found in the wild.
public struct LayoutBuilder {
  public let path: String
  private var layers: [(descriptor: [String: Any], diffID: String)] = []
  public var env = ["PATH=/bin"]
  public var manifestMediaType = "application/vnd.oci.image.manifest.v1+json"
  /// The platform written on the index entry (GrootFS's hardlink image says darwin).
  public var indexPlatform: (os: String, architecture: String)?

  /// What a hand-edited layout gets wrong; the digests that matter still hold
  /// unless the quirk says otherwise.
  public struct Quirks: OptionSet, Sendable {
    public let rawValue: Int
    public init(rawValue: Int) { self.rawValue = rawValue }
    /// The manifest file was reformatted after index.json was written: its bytes
    /// no longer hash to the index's digest, and its size is off.
    public static let manifestEditedAfterHashing = Quirks(rawValue: 1)
    /// The manifest declares a config size that is not the config's.
    public static let configSizeWrong = Quirks(rawValue: 2)
  }

  public init(path: String) throws {
    self.path = path
    try FileManager.default.createDirectory(atPath: path + "/blobs/sha256", withIntermediateDirectories: true)
    try write(Array(#"{"imageLayoutVersion":"1.0.0"}"#.utf8), to: path + "/oci-layout")
  }

  /// Adds a layer from an uncompressed tar, compressed as asked ("none", "gzip", "zstd").
  public mutating func addLayer(
    tar: [UInt8], compression: String = "none", mediaType: String? = nil, annotations: [String: String]? = nil
  ) throws {
    let diffID = Digest(of: tar)
    let blob = try Self.compress(tar, with: compression, scratch: path + "/.tmp-layer")
    var type = "application/vnd.oci.image.layer.v1.tar"
    if compression != "none" { type += compression == "gzip" ? "+gzip" : "+zstd" }
    let digest = try putBlob(blob)
    var descriptor: [String: Any] = ["mediaType": mediaType ?? type, "digest": "\(digest)", "size": blob.count]
    if let annotations { descriptor["annotations"] = annotations }
    layers.append((descriptor, "\(diffID)"))
  }

  /// `tar` compressed by the system's gzip or zstd (what image tools produce).
  public static func compress(_ tar: [UInt8], with compression: String, scratch: String) throws -> [UInt8] {
    guard compression != "none" else { return tar }
    try Data(tar).write(to: URL(fileURLWithPath: scratch))
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    // gzip -n leaves out the name and time, so the same tar always gives the same blob.
    process.arguments =
      compression == "gzip" ? ["gzip", "-q", "-f", "-n", scratch] : [compression, "-q", "-f", scratch]
    try process.run()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else { throw CocoaError(.fileWriteUnknown) }
    let output = scratch + (compression == "gzip" ? ".gz" : ".zst")
    defer {
      try? FileManager.default.removeItem(atPath: output)
      try? FileManager.default.removeItem(atPath: scratch)
    }
    return Array(try Data(contentsOf: URL(fileURLWithPath: output)))
  }

  /// Writes config, manifest and index.json; returns the manifest's digest.
  @discardableResult
  public func finish(tag: String? = "latest", quirks: Quirks = []) throws -> Digest {
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
        "size": configBytes.count + (quirks.contains(.configSizeWrong) ? 80 : 0),
      ],
      "layers": layers.map(\.descriptor),
    ]
    let manifestBytes = try json(manifest)
    let manifestDigest = try putBlob(manifestBytes)
    if quirks.contains(.manifestEditedAfterHashing) {
      try write(manifestBytes + [0x0a], to: "\(path)/blobs/sha256/\(manifestDigest.hex)")
    }
    var entry: [String: Any] = [
      "mediaType": manifestMediaType, "digest": "\(manifestDigest)", "size": manifestBytes.count,
    ]
    if let tag { entry["annotations"] = [Descriptor.refNameAnnotation: tag] }
    if let indexPlatform { entry["platform"] = ["os": indexPlatform.os, "architecture": indexPlatform.architecture] }
    try write(try json(["schemaVersion": 2, "manifests": [entry]]), to: path + "/index.json")
    return manifestDigest
  }

  /// Overwrites the stored blob of every layer with bytes that no longer match its
  /// digest: one byte of a gzip header's time field, so the blob still
  /// decompresses and only the digest check can tell.
  public func corruptLayerBlobs() throws {
    for layer in layers {
      let digest = (layer.descriptor["digest"] as! String).dropFirst("sha256:".count)
      let file = "\(path)/blobs/sha256/\(digest)"
      var bytes = Array(try Data(contentsOf: URL(fileURLWithPath: file)))
      bytes[4] ^= 0xff
      try write(bytes, to: file)
    }
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
