import Testing

@testable import GrootSource
@testable import GrootStore

@Suite("Image ids and index sniffing")
struct ImageNamingTests {
  @Test("an image id is one path component")
  func imageIDs() throws {
    #expect(try ImageID("container-1").value == "container-1")
    #expect(try ImageID("ünïcode id").value == "ünïcode id")
    #expect(throws: StoreError.imageIDHasSlash("a/b")) { try ImageID("a/b") }
    #expect(throws: StoreError.imageIDHasSlash("/")) { try ImageID("/") }
    for bad in ["", ".", "..", "nul\u{0}byte", String(repeating: "x", count: 256)] {
      #expect(throws: StoreError.invalidImageID(bad)) { try ImageID(bad) }
    }
  }

  @Test("a document labelled a manifest is read as an index when its first 4 KiB have a manifests key")
  func indexSniffing() {
    let index = #"{"schemaVersion":2,"manifests":[]}"#
    let manifest = #"{"schemaVersion":2,"config":{},"layers":[]}"#
    #expect(ImageResolution.looksLikeIndex(Array(index.utf8)))
    #expect(!ImageResolution.looksLikeIndex(Array(manifest.utf8)))
    let late = #"{"annotations":{"a":""# + String(repeating: "x", count: 4096) + #""},"manifests":[]}"#
    #expect(!ImageResolution.looksLikeIndex(Array(late.utf8)))
    // The key's last byte at 4096 counts; one byte later it does not.
    let key = Array(#""manifests""#.utf8)
    for (padding, expected) in [(4096 - key.count, true), (4097 - key.count, false)] {
      #expect(ImageResolution.looksLikeIndex([UInt8](repeating: 0x20, count: padding) + key) == expected)
    }
    #expect(!ImageResolution.looksLikeIndex(Array("{}".utf8)))
  }
}
