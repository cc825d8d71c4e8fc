import Foundation
import GrootIO
import Testing

@testable import GrootOCI
@testable import GrootStore

/// The hand-written JSON reader: RFC 8259 exactly, and the documents groot reads
/// decoded as JSONDecoder decoded them (the Codable conformances are the oracle).
@Suite("JSON read without Codable")
struct JSONReaderTests {
  @Test("values, escapes and numbers read as written")
  func values() throws {
    #expect(
      try JSONValue.parse(Array(#" {"a" : [1, -0, 1.5e3, true, false, null] } "#.utf8))
        == .object([
          .init(
            key: "a", value: .array([.number("1"), .number("-0"), .number("1.5e3"), .bool(true), .bool(false), .null]))
        ]))
    let escaped = #""\"\\\/\b\f\n\r\t\u00e9\u20AC\ud83d\ude00 é""#
    #expect(try JSONValue.parse(Array(escaped.utf8)) == .string("\"\\/\u{8}\u{c}\n\r\té€😀 é"))
    // Duplicate keys are kept in order; a field read takes the first, as JSONDecoder does.
    let twice = try JSONFields(JSONValue.parse(Array(#"{"k":"first","k":"last","m":{"a":"1","a":"2"}}"#.utf8)))
    #expect(try twice.string("k") == "first")
    let annotations = try twice.optionalStringPairs("m").map(Annotations.init)
    #expect(annotations == ["a": "1"] && annotations?.pairs.count == 1)
    let deep =
      String(repeating: "[", count: JSONValue.maximumDepth) + String(repeating: "]", count: JSONValue.maximumDepth)
    #expect(throws: Never.self) { try JSONValue.parse(Array(deep.utf8)) }
  }

  /// Each of these is not JSON; Foundation's JSONSerialization agrees, but for
  /// trailing commas, which it lets through and RFC 8259 does not.
  static let trailingCommas = ["[1,]", "{\"a\":1,}"]
  static let invalid: [String] =
    trailingCommas + [
      "", " ", "{", "}", "[,1]", "{\"a\" 1}", "{a:1}", "{'a':1}", "[1 2]", "01", "-", "1.", ".5",
      "1e", "1e+", "+1", "0x10", "NaN", "Infinity", "tru", "nul", "\"abc", "\"\\x\"", "\"\\u12\"", "\"\\u12G4\"",
      "\"tab\there\"", "\"line\nbreak\"", "[1] [2]", "{} x", "[\"a\"\u{0}]", "\"\\ud800\"", "\"\\udc00\"",
      "\"\\ud800\\u0041\"", String(repeating: "[", count: 600) + String(repeating: "]", count: 600),
    ]

  @Test("malformed documents are refused with a reason and an offset", arguments: invalid)
  func refused(_ text: String) {
    #expect(throws: JSONReadError.self) { try JSONValue.parse(Array(text.utf8)) }
    let foundation = try? JSONSerialization.jsonObject(with: Data(text.utf8), options: .fragmentsAllowed)
    #expect((foundation == nil) != Self.trailingCommas.contains(text))
  }

  @Test("bytes that are not UTF-8 are refused")
  func notUTF8() {
    for bytes: [UInt8] in [[0x22, 0xff, 0x22], [0x22, 0xc3, 0x22], [0x22, 0xed, 0xa0, 0x80, 0x22]] {
      #expect(throws: JSONReadError.self) { try JSONValue.parse(bytes) }
    }
  }

  @Test("errors name the field's path")
  func fieldErrors() throws {
    let fields = try JSONFields(JSONValue.parse(Array(#"{"a":{"b":[1,"x"]},"n":null,"s":"t"}"#.utf8)))
    #expect(throws: JSONFieldError.wrongType("n")) { try fields.string("n") }
    #expect(throws: JSONFieldError.missing("m")) { try fields.string("m") }
    #expect(try fields.optionalString("n") == nil)
    #expect(throws: JSONFieldError.wrongType("s")) { try fields.int64("s") }
    #expect(throws: JSONFieldError.missing("a.c")) { try fields.fields("a").string("c") }
    #expect(throws: JSONFieldError.wrongType("a.b.[1]")) {
      try fields.fields("a").array("b") { value, path in try JSONFields.int64(value, at: path) }
    }
  }

  static let digest = "sha256:" + String(repeating: "c", count: 64)
  static let descriptor = #"{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"\#(digest)","size":7}"#
  static let config = #"{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"\#(digest)","size":7}"#

  /// Manifests, good and bad in the ways a registry or a hostile layout can be.
  static let manifests: [String] = [
    #"{"schemaVersion":2,"config":\#(config),"layers":[\#(descriptor),\#(descriptor)]}"#,
    #"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":\#(config),"layers":[],"annotations":{"a":"b"}}"#,
    #"{"schemaVersion":2.0,"config":\#(config),"layers":[]}"#,
    #"{"schemaVersion":2,"config":{"digest":"\#(digest)","size":1.0e1},"layers":[]}"#,
    #"{"schemaVersion":2,"config":\#(config),"layers":[{"digest":"\#(digest)","size":1,"urls":["u"],"annotations":{"k":"v"},"platform":{"os":"linux","architecture":"arm64","variant":"v8"}}]}"#,
    #"{"schemaVersion":2,"layers":[]}"#,
    #"{"schemaVersion":2,"config":null,"layers":[]}"#,
    #"{"schemaVersion":2,"config":\#(config)}"#,
    #"{"schemaVersion":"2","config":\#(config),"layers":[]}"#,
    #"{"schemaVersion":2.5,"config":\#(config),"layers":[]}"#,
    #"{"schemaVersion":2,"config":\#(config),"layers":{}}"#,
    #"{"schemaVersion":2,"config":\#(config),"layers":[{"digest":"\#(digest)"}]}"#,
    #"{"schemaVersion":2,"config":\#(config),"layers":[{"digest":"sha256:abc","size":1}]}"#,
    #"{"schemaVersion":2,"config":\#(config),"layers":[{"digest":"\#(digest)","size":-1}]}"#,
    #"{"schemaVersion":2,"config":\#(config),"layers":[{"digest":"\#(digest)","size":"1"}]}"#,
    #"{"schemaVersion":2,"config":{"digest":"\#(digest)","size":1,"annotations":{"k":1}},"layers":[]}"#,
    #"{"schemaVersion":2,"config":\#(config),"layers":[],"layers":[\#(descriptor)]}"#,
    #"{"schemaVersion":2,"config":\#(config),"layers":[{"digest":"\#(digest)","size":1,"annotations":{"a":"1","a":"2"}}]}"#,
    #"[]"#, #"{"schemaVersion":2,"config":\#(config),"layers":[]"#,
  ]

  @Test("manifests decode as JSONDecoder decoded them, with the same errors", arguments: manifests)
  func manifest(_ text: String) {
    expectSame(text) {
      try Manifest.decode($0, mediaType: nil)
    } oracle: {
      try JSONDecoder().decode(Manifest.self, from: Data($0))
    }
  }

  static let indexes: [String] = [
    #"{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"\#(digest)","size":3,"platform":{"os":"linux","architecture":"amd64","os.features":["x"]}}]}"#,
    #"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[]}"#,
    #"{"schemaVersion":2}"#,
    #"{"schemaVersion":2,"manifests":[{"digest":"\#(digest)","size":3,"platform":{"os":"linux"}}]}"#,
    #"{"schemaVersion":2,"manifests":[{"digest":"\#(digest)","size":3,"platform":7}]}"#,
  ]

  @Test("indexes decode as JSONDecoder decoded them, with the same errors", arguments: indexes)
  func index(_ text: String) {
    expectSame(text) {
      try Index.decode($0)
    } oracle: {
      try JSONDecoder().decode(Index.self, from: Data($0))
    }
  }

  static let configs: [String] = [
    #"{"architecture":"amd64","os":"linux","config":{"Env":["PATH=/bin"],"User":"1000:1000","WorkingDir":"/w","Cmd":["sh"]},"rootfs":{"type":"layers","diff_ids":["\#(digest)"]},"history":[{"created":"2020-01-01T00:00:00Z"}]}"#,
    #"{"rootfs":{"type":"layers","diff_ids":[]}}"#, #"{"config":null,"rootfs":{"type":"layers","diff_ids":[]}}"#,
    #"{"config":{"Env":null,"User":null},"rootfs":{"type":"layers","diff_ids":[]}}"#,
    #"{"config":{"Env":"PATH=/bin"},"rootfs":{"type":"layers","diff_ids":[]}}"#,
    #"{"rootfs":{"type":"layers"}}"#, #"{"rootfs":{"diff_ids":[]}}"#, #"{"config":{}}"#,
    #"{"rootfs":{"type":"layers","diff_ids":["md5:abc"]}}"#,
  ]

  @Test("image configs decode as JSONDecoder decoded them, with the same errors", arguments: configs)
  func config(_ text: String) {
    expectSame(text) {
      try ImageConfig.decode($0)
    } oracle: {
      try JSONDecoder().decode(ImageConfig.self, from: Data($0))
    }
  }

  static let storeConfigurations: [String] = [
    #"{"version":1,"driver":"overlay-xfs","uidMappings":[{"containerID":0,"hostID":4294967294,"size":1},{"containerID":1,"hostID":1,"size":4294967293}],"gidMappings":[],"backingStore":{"file":"/s.backing-store","fileSystem":"xfs","sizeBytes":1073741824}}"#,
    #"{"version":1,"driver":"btrfs","uidMappings":[],"gidMappings":[],"backingStore":null}"#,
    #"{"version":1,"driver":"btrfs","uidMappings":[]}"#,
    #"{"version":1,"driver":"btrfs","uidMappings":[{"containerID":0,"hostID":4294967296,"size":1}],"gidMappings":[]}"#,
    #"{"version":1,"driver":"btrfs","uidMappings":[{"containerID":-1,"hostID":0,"size":1}],"gidMappings":[]}"#,
    #"{"driver":"btrfs","uidMappings":[],"gidMappings":[]}"#,
    #"{"version":1,"driver":7,"uidMappings":[],"gidMappings":[]}"#,
  ]

  @Test("store.json reads as JSONDecoder read it, with the same errors", arguments: storeConfigurations)
  func storeConfiguration(_ text: String) {
    expectSame(text) {
      try StoreConfiguration(json: JSONFields(JSONValue.parse($0)))
    } oracle: {
      try JSONDecoder().decode(StoreConfiguration.self, from: Data($0))
    }
  }

  /// Both succeed with the same value (compared as JSONEncoder writes it), or both
  /// fail, and then with the same message when the oracle's error is about a field.
  private func expectSame<Value: Encodable>(
    _ text: String, _ decode: ([UInt8]) throws -> Value, oracle: ([UInt8]) throws -> Value,
    sourceLocation: SourceLocation = #_sourceLocation
  ) {
    let bytes = Array(text.utf8)
    let encoder = JSONEncoder()
    encoder.outputFormatting = .sortedKeys
    let ours = Result { try encoder.encode(decode(bytes)) }
    let theirs = Result { try encoder.encode(oracle(bytes)) }
    switch (ours, theirs) {
    case (.success(let ours), .success(let theirs)):
      #expect(ours == theirs, "\(text)", sourceLocation: sourceLocation)
    case (.failure(let error), .failure(let expected)):
      let oracleText = JSONErrorText.describe(expected)
      if oracleText.hasPrefix("missing field") || oracleText.hasPrefix("wrong type") {
        #expect(
          "\(error)".contains(oracleText), "\(text): \(error) against \(oracleText)", sourceLocation: sourceLocation)
      }
    case (.success, .failure(let expected)):
      // The hand decoder may only be stricter after decoding, never looser.
      Issue.record("accepted what JSONDecoder refused (\(expected)): \(text)", sourceLocation: sourceLocation)
    case (.failure(let error), .success):
      // Checks after decoding (schemaVersion, digests) refuse what Codable alone accepted.
      #expect(
        "\(error)".contains("schemaVersion") || "\(error)".contains("expected 2"), "\(text): \(error)",
        sourceLocation: sourceLocation)
    }
  }
}
