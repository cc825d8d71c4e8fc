import Foundation
import GrootIO
import GrootOCI
import GrootOutput
import GrootStore
import GrootTelemetry
import Testing

/// The documents written by hand (JSONText) are byte for byte what Foundation's
/// JSONEncoder writes for the same values, so readers (groot, the agent, Garden)
/// see no difference.
@Suite("JSON written without Codable")
struct JSONTextTests {
  static let awkward = [
    "", "plain", "quote\" back\\slash /slash", "tab\t newline\n return\r feed\u{0C} backspace\u{08}",
    "control \u{01}\u{1F}\u{7F}", "é 日本 😀", "</script>",
  ]

  static func encoded(_ value: some Encodable) throws -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    encoder.dateEncodingStrategy = .iso8601
    return String(decoding: try encoder.encode(value), as: UTF8.self)
  }

  @Test("journal events, with every optional present or absent and awkward strings", arguments: awkward)
  func events(text: String) throws {
    for duration in [0, 0.5, 1e-05, 123.456, 2.0, 1_234_567.0, 0.1 + 0.2] {
      var event = Event(
        operation: "create", startNanoseconds: 1_764_570_000_123_456_789, durationSeconds: duration,
        outcome: .failure, store: "/var/vcap/data/grootfs/store/\(text)")
      #expect(event.jsonText.text == (try Self.encoded(event)))
      event.errorKind = "fetch"
      event.error = text
      event.image = "docker:///busybox:\(text)"
      event.imageID = text
      event.bytesFetched = 1 << 40
      event.layersReused = 3
      event.pid = 4_194_304
      #expect(event.jsonText.text == (try Self.encoded(event)))
      #expect(try JSONDecoder().decode(Event.self, from: Data(event.jsonText.utf8)) == event)
    }
  }

  @Test("image.json, times with and without fractions of a second", arguments: awkward)
  func imageMetadata(text: String) throws {
    let digest = try Digest(hex: String(repeating: "ab", count: 32))
    var metadata = ImageMetadata(
      id: text, reference: "oci:///tmp/\(text)", driver: "overlay-xfs", layers: [digest, digest],
      manifestDigest: nil, configDigest: digest, env: ["PATH=/bin", text], mounted: true)
    for seconds in [0, 1_764_570_000, 1_764_570_000.999, 951_782_400.5] {
      metadata.createdAt = Date(timeIntervalSince1970: seconds)
      #expect(metadata.jsonText.text == (try Self.encoded(metadata)))
    }
    metadata.diskLimitBytes = 1 << 30
    metadata.excludeImageFromQuota = false
    metadata.manifestDigest = digest
    #expect(metadata.jsonText.text == (try Self.encoded(metadata)))
    let decoded = try JSONCoding.decoder.decode(ImageMetadata.self, from: Data(metadata.jsonText.utf8))
    #expect(decoded.id == text && decoded.env == metadata.env && decoded.diskLimitBytes == 1 << 30)
  }

  @Test("the runtime spec create prints", arguments: awkward)
  func runtimeSpec(text: String) throws {
    let mount = MountSpec(destination: "/", type: "overlay", source: "overlay", options: ["lowerdir=/a:\(text)", "rw"])
    for (mounts, config) in [(nil, nil), ([mount, mount], Array("{\"env\":[\"\(text)\"]}".utf8))]
      as [([MountSpec]?, [UInt8]?)]
    {
      let fragment = RuntimeSpecFragment(
        rootPath: "/store/images/\(text)/rootfs", env: [text], mounts: mounts, imageConfig: config)
      #expect(try fragment.json() == (try Self.encoded(fragment)))
    }
  }

  @Test("UTC timestamps: whole seconds as JSONEncoder writes them, nanoseconds as lager does")
  func timestamps() {
    #expect(String(utcSeconds: 951_782_400) == "2000-02-29T00:00:00Z")
    #expect(String(utcSeconds: 1_764_570_001, nanoseconds: 5) == "2025-12-01T06:20:01.000000005Z")
    #expect(String(utcSeconds: 0, nanoseconds: 999_999_999) == "1970-01-01T00:00:00.999999999Z")
  }
}
