import Foundation
import GrootDriver
import GrootIO
import GrootOCI
import GrootStore
import Logging

/// What `clean` did.
public struct CleanReport: Encodable, Sendable {
  public var layersRemoved = 0
  public var bytesFreed: Int64 = 0
  /// Unused layers left because a create was using them at that moment.
  public var layersInUse = 0
  public var storeBytesBefore: Int64 = 0
  public var storeBytesAfter: Int64 = 0
  public var thresholdBytes: Int64 = 0
  /// False when the store used no more than the threshold, so nothing was tried
  /// (GrootFS's "threshold not reached: skipping clean").
  public var thresholdReached = true

  enum CodingKeys: String, CodingKey {
    case layersRemoved = "layers_removed"
    case bytesFreed = "bytes_freed"
    case layersInUse = "layers_in_use"
    case storeBytesBefore = "store_bytes_before"
    case storeBytesAfter = "store_bytes_after"
    case thresholdBytes = "threshold_bytes"
    case thresholdReached = "threshold_reached"
  }

  public func json() throws -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    return String(decoding: try encoder.encode(self), as: UTF8.self)
  }
}

/// Removes layers no image references, least recently used first, while the
/// store uses more than the threshold (0: remove them all).
///
/// Safety against concurrent creates: a layer is removed only under its use lock
/// taken exclusively (a create holds it shared until its image is published), and
/// only if a scan of the images made after taking that lock finds no reference.
struct Cleaner {
  static let batchSize = 128

  let store: Store
  let snapshotter: Snapshotter
  let logger: Logger

  func clean(thresholdBytes: Int64, keep: Set<Digest> = [], ignoredSources: Set<String> = []) throws -> CleanReport {
    var report = CleanReport()
    report.thresholdBytes = thresholdBytes
    var layers: [Digest: LayerMetadata] = [:]
    for id in try store.layerIDs() {
      if let metadata = try? store.layerMetadata(id) { layers[id] = metadata }
    }
    let upperBytes = try store.imageIDs().reduce(Int64(0)) {
      $0 + ((try? FileSystem.diskUsage(store.imagePaths($1).upper)) ?? 0)
    }
    var usage = layers.values.reduce(upperBytes) { $0 + $1.diskUsage }
    report.storeBytesBefore = usage
    report.storeBytesAfter = usage
    if thresholdBytes > 0 && usage <= thresholdBytes {
      report.thresholdReached = false
      return report
    }

    let referenced = try referencedLayers()
    let candidates = layers.values
      .filter { !referenced.contains($0.id) && !keep.contains($0.id) && !ignoredSources.contains($0.source) }
      .map { (metadata: $0, lastUsed: store.layerLastUsed($0.id)) }
      .sorted { ($0.lastUsed, $0.metadata.id.hex) < ($1.lastUsed, $1.metadata.id.hex) }
      .map(\.metadata)

    var start = 0
    while start < candidates.count, thresholdBytes == 0 || usage > thresholdBytes {
      let batch = candidates[start..<min(start + Self.batchSize, candidates.count)]
      start += Self.batchSize
      var locked: [(LayerMetadata, FileLock)] = []
      for layer in batch {
        if let lock = try store.attemptLayerLock(layer.id, .use) {
          locked.append((layer, lock))
        } else {
          report.layersInUse += 1
        }
      }
      // Images published since the first scan hold no use lock any more: look again.
      let stillReferenced = try referencedLayers()
      for (layer, lock) in locked {
        if thresholdBytes > 0 && usage <= thresholdBytes { break }
        if stillReferenced.contains(layer.id) { continue }
        snapshotter.removeLayer(layer.id, store: store)
        try store.removeLayer(layer.id)
        lock.unlinkWhileHeld()
        report.layersRemoved += 1
        report.bytesFreed += layer.diskUsage
        usage -= layer.diskUsage
      }
    }
    report.storeBytesAfter = usage
    logger.info(
      "clean done",
      metadata: [
        "layers_removed": "\(report.layersRemoved)", "bytes_freed": "\(report.bytesFreed)",
        "layers_in_use": "\(report.layersInUse)",
      ])
    return report
  }

  /// Layers some image needs. An image whose metadata cannot be read stops the
  /// clean: its layers are unknown, so nothing could be removed safely.
  private func referencedLayers() throws -> Set<Digest> {
    var result = Set<Digest>()
    for id in try store.imageIDs() {
      do {
        result.formUnion(try store.imageMetadata(id).layers)
      } catch StoreError.imageNotFound {
        continue  // deleted or being deleted meanwhile
      }
    }
    return result
  }
}
