import Foundation
import GrootFetch
import GrootIO
import GrootOCI
import GrootReference
import GrootUnpack

/// What groot reads from outside, each a fuzz target: a layer's tar stream
/// through the entry reader and the unpacker, the image documents, references,
/// and gzip streams.
enum FuzzTarget: String, CaseIterable {
  case tar, gzip, manifest, index, config, reference

  /// Runs one input. Errors are the expected outcome for most inputs; a crash,
  /// a hang or a write outside the scratch root is the finding.
  func run(_ input: [UInt8]) {
    switch self {
    case .tar:
      Scratch.shared.unpack(MemoryByteStream(input))
    case .gzip:
      // Decompressed and then unpacked: the layer path from a compressed blob.
      guard let stream = try? GzipStream(MemoryByteStream(input), what: "fuzz") else { return }
      Scratch.shared.unpack(stream)
    case .manifest:
      _ = try? Manifest.decode(input, mediaType: nil)
      _ = try? Manifest.decode(input, mediaType: MediaType.dockerManifest)
    case .index:
      _ = try? Index.decode(input).manifest(for: .host)
    case .config:
      _ = try? ImageConfig.decode(input)
    case .reference:
      _ = try? ImageReference(parsing: String(decoding: input, as: UTF8.self))
    }
  }
}

/// A directory the tar targets unpack into, emptied after every input, with
/// limits so that an input cannot fill the disk of the machine fuzzing.
final class Scratch: @unchecked Sendable {
  static let shared = Scratch()
  let base: String

  init() {
    base = (try? FileSystem.makeUniqueDirectory(in: NSTemporaryDirectory(), prefix: "groot-fuzz")) ?? "/tmp/groot-fuzz"
    atexit { try? FileSystem.removeTree(Scratch.shared.base) }
  }

  func unpack(_ stream: ByteStream) {
    let root = base.appending(path: "root")
    try? FileSystem.removeTree(root)
    guard (try? FileSystem.makeDirectory(root, mode: 0o755)) != nil else { return }
    defer { try? FileSystem.removeTree(root) }
    let options = UnpackOptions(
      whiteouts: .overlay, baseDirectory: [], limits: LayerLimits(bytes: 64 << 20, entries: 10_000))
    guard let reader = try? TarReader(stream: stream), let unpacker = try? Unpacker(into: root, options: options)
    else { return }
    _ = try? unpacker.unpack(reader)
  }
}
