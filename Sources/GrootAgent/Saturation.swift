import Foundation
import GrootIO
import GrootStore

/// How full a store is: its file system, its layer cache, what its images may use.
struct Saturation: Codable, Sendable {
  var capacityBytes: Int64 = 0
  var usedBytes: Int64 = 0
  var freeInodes: Int64 = 0
  var layers = 0
  var images = 0
  /// Layer cache bytes as a share of capacity (GrootFS's DiskCachePercentage).
  var cachePercentage: Double = 0
  /// Sum of the images' disk limits as a share of capacity (DiskCommittedPercentage).
  var committedPercentage: Double = 0

  /// Reads the store's state from disk; nil when the store is not there.
  static func sample(store path: String) -> Saturation? {
    guard let store = try? Store.open(at: path) else { return nil }
    var info = statvfs()
    guard statvfs(path, &info) == 0 else { return nil }
    var result = Saturation()
    result.capacityBytes = Int64(info.f_blocks) * Int64(info.f_frsize)
    result.usedBytes = Int64(info.f_blocks - info.f_bfree) * Int64(info.f_frsize)
    result.freeInodes = Int64(info.f_favail)
    let layers = (try? store.layerIDs()) ?? []
    result.layers = layers.count
    let cache = layers.reduce(Int64(0)) { $0 + ((try? store.layerMetadata($1).diskUsage) ?? 0) }
    let images = (try? store.imageIDs()) ?? []
    result.images = images.count
    let committed = images.reduce(Int64(0)) { $0 + ((try? store.imageMetadata($1).diskLimitBytes) ?? 0 ?? 0) }
    if result.capacityBytes > 0 {
      result.cachePercentage = Double(cache) * 100 / Double(result.capacityBytes)
      result.committedPercentage = Double(committed) * 100 / Double(result.capacityBytes)
    }
    return result
  }
}
