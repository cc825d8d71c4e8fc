import Foundation
import GrootIO
import GrootOCI
import Testing

@testable import GrootFetch
@testable import GrootUnpack

@Suite("Unpack helpers")
struct UnpackTests {
  @Test("entry paths are cleaned; climbing above the root stays at the root")
  func entryPaths() throws {
    #expect(EntryPath("./a/./b//c/").components == ["a", "b", "c"])
    #expect(EntryPath("/etc/passwd").components == ["etc", "passwd"])
    #expect(EntryPath("a/../b").components == ["b"])
    #expect(EntryPath("./").isRoot)
    // `..` at the root stays at the root, as in a chroot.
    #expect(EntryPath("a/../../b").components == ["b"])
    #expect(EntryPath("../../../etc/x").components == ["etc", "x"])
    // Under a base directory, names stay inside it.
    #expect(EntryPath("app/../../../x", under: ["home", "vcap"]).components == ["home", "vcap", "x"])
    #expect(EntryPath(".", under: ["home", "vcap"]).components == ["home", "vcap"])
  }

  @Test("id mappings follow uid_map ranges; unmapped ids become nobody")
  func idMappings() {
    let mappings = [IDMapping(containerID: 0, hostID: 100_000, size: 65536)]
    #expect(IDMapping.map(0, through: mappings) == 100_000)
    #expect(IDMapping.map(1000, through: mappings) == 101_000)
    #expect(IDMapping.map(70000, through: mappings) == 65534)
    #expect(IDMapping.map(1000, through: []) == 1000)
    #expect(IDMapping(parsing: "0:100000:65536") == mappings[0])
    #expect(IDMapping(parsing: "0:1") == nil)
  }

  @Test("overlay control xattrs never come from a layer")
  func xattrFilter() {
    #expect(!Unpacker.isAllowedXattr("trusted.overlay.redirect"))
    #expect(!Unpacker.isAllowedXattr("user.overlay.opaque"))
    #expect(Unpacker.isAllowedXattr("security.capability"))
  }
}

/// A ByteStream over bytes in memory, for the stream stages.
final class BytesStream: ByteStream {
  private var bytes: [UInt8]
  private let chunk: Int
  init(_ bytes: [UInt8], chunk: Int = 7) {
    self.bytes = bytes
    self.chunk = chunk
  }
  func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
    let count = min(chunk, buffer.count, bytes.count)
    buffer.copyBytes(from: bytes[0..<count])
    bytes.removeFirst(count)
    return count
  }
}

@Suite("Stream stages")
struct StreamTests {
  @Test("digest verification: exact match passes, any change fails at the end")
  func digestVerification() throws {
    let data = Array("hello layer".utf8)
    let good = DigestVerifyingStream(BytesStream(data), expected: Digest(of: data), size: Int64(data.count), what: "t")
    #expect(try good.readAll(limit: 100) == data)
    var tampered = data
    tampered[0] = 0x48
    let bad = DigestVerifyingStream(BytesStream(tampered), expected: Digest(of: data), size: nil, what: "t")
    #expect(throws: FetchError.self) { try bad.readAll(limit: 100) }
    let long = DigestVerifyingStream(
      BytesStream(data + [0]), expected: Digest(of: data), size: Int64(data.count), what: "t")
    #expect(throws: FetchError.oversized(what: "t", limit: Int64(data.count))) { try long.readAll(limit: 100) }
  }

  @Test("gzip: two concatenated members read as one stream; truncation is an error")
  func gzipMembers() throws {
    // printf 'one\n' | gzip -n ; printf 'two\n' | gzip -n
    let memberOne: [UInt8] = [
      0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03, 0xcb, 0xcf, 0x4b, 0xe5, 0x02, 0x00, 0x9f, 0xa8,
      0x17, 0xf8, 0x04, 0x00, 0x00, 0x00,
    ]
    let memberTwo: [UInt8] = [
      0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03, 0x2b, 0x29, 0xcf, 0xe7, 0x02, 0x00, 0x74, 0x08,
      0x17, 0x96, 0x04, 0x00, 0x00, 0x00,
    ]
    let stream = try GzipStream(BytesStream(memberOne + memberTwo), what: "t")
    #expect(String(decoding: try stream.readAll(limit: 100)!, as: UTF8.self) == "one\ntwo\n")
    let truncated = try GzipStream(BytesStream(Array(memberOne.dropLast(6))), what: "t")
    #expect(throws: FetchError.self) { try truncated.readAll(limit: 100) }
  }
}

/// Every input that once broke a fuzz target (Tests/Fuzz/regressions/TARGET/),
/// unpacked again: each fails with a one-line error, never a crash.
@Suite("Fuzz regressions")
struct FuzzRegressionTests {
  static let directory: String = {
    var url = URL(fileURLWithPath: #filePath)
    url.deleteLastPathComponent()
    url.deleteLastPathComponent()
    return url.path + "/Fuzz/regressions/tar"
  }()

  @Test("a device number too big for Linux is an invalid entry, not a trap")
  func hugeDeviceNumber() throws {
    let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: Self.directory + "/block-device-major-2-32")))
    let reader = try TarReader(stream: MemoryByteStream(bytes))
    #expect(throws: UnpackError.invalidEntry(entry: "dev-huge", reason: "device 4294967296:1 out of range")) {
      _ = try reader.next()
    }
  }
}
