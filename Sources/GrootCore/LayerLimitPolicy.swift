import GrootIO
import GrootSource
import GrootStore
import GrootUnpack

#if canImport(Glibc)
  import Glibc
#endif

/// How much one layer may unpack, so that no layer can fill the disk (a tar or
/// sparse bomb) while real ones, however compressible, still work:
/// - bytes: `create.max_layer_bytes` if set; else `ratio` times the layer's
///   compressed size plus a floor (512 MiB: a 256 MiB file of zeros compresses to
///   almost nothing), or only the cap when the size is not known;
///   never more than the store's free space less a reserve;
/// - entries: `create.max_layer_entries`, a million by default.
struct LayerLimitPolicy: Sendable {
  static let ratio: Int64 = 50
  static let floor: Int64 = 512 << 20
  static let defaultEntries = 1_000_000

  var configuredBytes: Int64?
  var entries = Self.defaultEntries

  func forLayer(_ layer: LayerSource, store: Store) -> LayerLimits {
    var bytes = configuredBytes ?? .max
    if configuredBytes == nil, let compressed = layer.blobSize {
      bytes = compressed > (Int64.max - Self.floor) / Self.ratio ? .max : Self.ratio * compressed + Self.floor
    }
    if let available = Self.available(store) { bytes = min(bytes, available) }
    return LayerLimits(bytes: bytes, entries: entries)
  }

  /// Free space less a reserve of 2% of the file system (at least 16 MiB).
  static func available(_ store: Store) -> Int64? {
    var info = statvfs()
    guard statvfs(store.path, &info) == 0 else { return nil }
    let free = Int64(info.f_bavail) * Int64(info.f_frsize)
    let reserve = max(16 << 20, Int64(info.f_blocks) * Int64(info.f_frsize) / 50)
    return max(0, free - reserve)
  }
}
