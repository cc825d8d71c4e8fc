import GrootIO
import GrootOCI

/// Builds the chain a layer blob flows through: digest check of the compressed
/// bytes, decompression, then a diffID check of the uncompressed tar stream.
public enum LayerStream {
  public static func make(
    blob: ByteStream, descriptor: Descriptor, diffID: Digest?, compression: LayerCompression,
    verify: Bool, name: String
  ) throws -> ByteStream {
    let compressed: ByteStream =
      verify
      ? DigestVerifyingStream(blob, expected: descriptor.digest, size: descriptor.declaredSize, what: name) : blob
    let tar = try decompressing(compressed, compression: compression, what: name)
    guard verify, let diffID else { return tar }
    // Garden writes a compressed layer's own digest as its diff_id (guardian's
    // image_spec_generators): that digest is checked above, on every byte.
    if compression != .none && diffID == descriptor.digest { return tar }
    return DigestVerifyingStream(tar, expected: diffID, size: nil, what: "\(name) (uncompressed, diff_id)")
  }

  public static func decompressing(
    _ stream: ByteStream, compression: LayerCompression, what: String
  ) throws -> ByteStream {
    switch compression {
    case .none: return stream
    case .gzip: return try GzipStream(stream, what: what)
    case .zstd: return try ZstdStream(stream, what: what)
    }
  }
}
