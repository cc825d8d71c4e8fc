import Foundation
import Testing

@testable import GrootOCI

@Suite("OCI value types")
struct OCITests {
  @Test("digests: sha256 of bytes, strict parsing")
  func digests() throws {
    #expect(Digest(of: Array("".utf8)).hex == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    #expect(throws: OCIError.self) { try Digest(parsing: "sha256:../../etc/passwd") }
    #expect(throws: OCIError.self) { try Digest(hex: String(repeating: "A", count: 64)) }
  }

  @Test("chain IDs follow the image spec")
  func chainIDs() throws {
    let a = try Digest(hex: String(repeating: "a", count: 64))
    let b = try Digest(hex: String(repeating: "b", count: 64))
    let chain = ChainID.chain([a, b])
    #expect(chain[0] == a)
    #expect(chain[1] == Digest(of: Array("\(a) \(b)".utf8)))
  }

  @Test("layer media types map to compressions; others are refused")
  func compressions() throws {
    #expect(try LayerCompression(layerMediaType: "application/vnd.oci.image.layer.v1.tar+zstd") == .zstd)
    #expect(try LayerCompression(layerMediaType: "application/vnd.docker.image.rootfs.diff.tar.gzip") == .gzip)
    #expect(throws: OCIError.unsupportedMediaType("text/plain", what: "a layer")) {
      try LayerCompression(layerMediaType: "text/plain")
    }
    #expect(LayerCompression(sniffing: [0x28, 0xb5, 0x2f, 0xfd]) == .zstd)
  }

  @Test("a manifest with a wrong schema version or config type is refused")
  func manifestChecks() throws {
    let digest = "sha256:" + String(repeating: "c", count: 64)
    let good =
      #"{"schemaVersion":2,"config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"\#(digest)","size":2},"layers":[]}"#
    #expect(try Manifest.decode(Array(good.utf8), mediaType: nil).layers.isEmpty)
    let v1 = good.replacingOccurrences(of: "\"schemaVersion\":2", with: "\"schemaVersion\":1")
    #expect(throws: OCIError.self) { try Manifest.decode(Array(v1.utf8), mediaType: nil) }
    let schema1 = #"{"schemaVersion":1,"name":"library/busybox","tag":"latest","fsLayers":[]}"#
    #expect {
      try Manifest.decode(Array(schema1.utf8), mediaType: nil)
    } throws: { error in
      "\(error)".contains("Docker schema 1 is deprecated")
    }
    let missing = #"{"schemaVersion":2,"layers":[]}"#
    #expect {
      try Manifest.decode(Array(missing.utf8), mediaType: nil)
    } throws: { error in
      "\(error)".contains("missing field 'config'")
    }
  }
}
