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

  @Test("documents are hashed as swift-crypto hashes them: FIPS 180-4 vectors, every padding case, random bytes")
  func smallSHA256() throws {
    #expect(
      Digest(of: Array("abc".utf8)).hex == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    #expect(
      Digest(of: Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8)).hex
        == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
    var generator = SystemRandomNumberGenerator()
    // Lengths around each block boundary (55, 56, 63, 64 bytes: one or two padding
    // blocks), then longer documents up to the largest SmallSHA256 takes.
    for count in Array(0...200) + [447, 448, 511, 512, 4095, 4096, SmallSHA256.largestInput] {
      let bytes = (0..<count).map { _ in UInt8.random(in: 0...255, using: &generator) }
      var hasher = DigestHasher()
      bytes.withUnsafeBytes { hasher.update($0) }
      #expect(Digest(of: bytes) == hasher.finalize(), "\(count) bytes")
    }
  }

  @Test("annotations: first key wins, equal whatever the order, Codable as an object")
  func annotations() throws {
    let read = Annotations([(key: "a", value: "1"), (key: "b", value: "2"), (key: "a", value: "3")])
    #expect(read["a"] == "1" && read.pairs.count == 2)
    #expect(read == ["b": "2", "a": "1"] && read != ["a": "1"] && read != ["a": "1", "b": "3"])
    let decoded = try JSONDecoder().decode(Annotations.self, from: Data(#"{"b":"2","a":"1"}"#.utf8))
    #expect(decoded == read)
    #expect(try JSONDecoder().decode(Annotations.self, from: JSONEncoder().encode(read)) == read)
    // A hostile document's many keys, every key twice: the first of each wins, in
    // document order.
    let keys = (0..<100_000).map { "k\($0 % 50_000)" }
    let many = Annotations(keys.enumerated().map { (key: $0.element, value: "\($0.offset)") })
    #expect(many.pairs.count == 50_000 && many["k0"] == "0" && many["k49999"] == "49999")
    #expect(many.pairs.map(\.key) == Array(keys.prefix(50_000)))
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
