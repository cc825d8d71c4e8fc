import Foundation
import GrootOCI

/// Writes the OCI image Garden makes for an app container (`preloaded+layer`),
/// byte for byte as guardian's imageplugin does (oci_image_spec_creator.go,
/// image_spec_generators.go): no `oci-layout` file, every size 0, the base layer
/// a symlink to the rootfs tar with a digest of its path and mtime, and the app
/// droplet as a remote gzip layer with a base-directory annotation, whose
/// diff_id is its compressed digest.
public struct GardenImageSpec {
  public var rootfsTar: String
  public var layerURL: String
  /// The droplet's sha256, hex (Diego's `layer_digest`).
  public var layerDigest: String
  /// Where the droplet goes in the image (Diego's `layer_path`).
  public var layerPath: String

  public init(rootfsTar: String, layerURL: String, layerDigest: String, layerPath: String) {
    self.rootfsTar = rootfsTar
    self.layerURL = layerURL
    self.layerDigest = layerDigest
    self.layerPath = layerPath
  }

  /// Writes DEPOT/HANDLE/image and returns the `oci://` reference Garden passes.
  public func write(depot: String, handle: String) throws -> String {
    let imageDirectory = "\(depot)/\(handle)/image"
    let blobs = imageDirectory + "/blobs/sha256"
    try FileManager.default.createDirectory(atPath: blobs, withIntermediateDirectories: true)
    let attributes = try FileManager.default.attributesOfItem(atPath: rootfsTar)
    let mtime = (attributes[.modificationDate] as! Date).timeIntervalSince1970
    let mtimeNanoseconds = Int64((mtime * 1e9).rounded())
    let baseSHA = Digest(of: Array("\(rootfsTar)-\(mtimeNanoseconds)".utf8)).hex

    // Key order as Go's encoding/json writes these structs.
    let config =
      #"{"architecture":"amd64","os":"linux","config":{},"rootfs":{"type":"layers","diff_ids":["sha256:\#(baseSHA)","sha256:\#(layerDigest)"]}}"#
    let configSHA = try put(config, in: blobs)
    try FileManager.default.createSymbolicLink(atPath: "\(blobs)/\(baseSHA)", withDestinationPath: rootfsTar)
    let manifest =
      #"{"schemaVersion":2,"config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:\#(configSHA)","size":0},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"sha256:\#(baseSHA)","size":0},{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"sha256:\#(layerDigest)","size":0,"urls":["\#(layerURL)"],"annotations":{"\#(Descriptor.baseDirectoryAnnotation)":"\#(layerPath)"}}]}"#
    let manifestSHA = try put(manifest, in: blobs)
    let index =
      #"{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:\#(manifestSHA)","size":0}]}"#
    try Data(index.utf8).write(to: URL(fileURLWithPath: imageDirectory + "/index.json"))
    return "oci://" + imageDirectory
  }

  private func put(_ text: String, in blobs: String) throws -> String {
    let sha = Digest(of: Array(text.utf8)).hex
    try Data(text.utf8).write(to: URL(fileURLWithPath: "\(blobs)/\(sha)"))
    return sha
  }
}
