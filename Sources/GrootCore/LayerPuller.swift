import GrootDriver
import GrootIO
import GrootOCI
import GrootSource
import GrootStore
import GrootUnpack
import Logging

/// What a pull did, for logs and telemetry.
public struct PullSummary: Sendable {
  public var layersReused = 0
  public var layersUnpacked = 0
  public var bytesUnpacked: Int64 = 0
  /// Blob bytes read for the layers unpacked (compressed, as stored at the source).
  public var bytesFetched: Int64 = 0
}

/// Brings every layer of an image into the store: layers already there are
/// reused; the others stream from the source through the unpacker into tmp/ and
/// are published whole by one rename.
///
/// Each layer's use lock is taken shared and handed back to the caller, who keeps
/// it until the image that needs the layer is published: `clean` cannot remove a
/// layer in between. One process at a time unpacks a layer (its unpack lock); the
/// others wait, then find it published and reuse it.
struct LayerPuller {
  let store: Store
  let source: ImageSource
  let verify: Bool
  let driver: ImageDriver
  let lockTimeout: Double
  let logger: Logger

  /// Takes the use locks of all the image's layers (before a --with-clean runs).
  func lockLayers(_ image: ResolvedImage) throws -> [FileLock] {
    try image.layers.map { try store.lockLayer($0.id, .use, .shared, timeout: lockTimeout) }
  }

  /// Unpacks the layers not yet in the store. The caller holds their use locks.
  func pull(_ image: ResolvedImage) throws -> PullSummary {
    var summary = PullSummary()
    for (position, layer) in image.layers.enumerated() {
      if store.hasLayer(layer.id) {
        summary.layersReused += 1
        continue
      }
      let unpacking = try store.lockLayer(layer.id, .unpack, .exclusive, timeout: lockTimeout)
      // Whoever holds the unpack lock removes its file: waiters notice and retry
      // on a fresh one, and nothing is left once no one is unpacking.
      defer { unpacking.unlinkWhileHeld() }
      if store.hasLayer(layer.id) {  // another process unpacked it while this one waited
        summary.layersReused += 1
        continue
      }
      let below = image.layers[..<position].reversed().map { store.layerDiffPath($0.id) }
      let bytes = try unpack(layer, below: below, reference: image.reference.description)
      summary.layersUnpacked += 1
      summary.bytesUnpacked += bytes
      summary.bytesFetched += layer.descriptor?.size ?? 0
    }
    return summary
  }

  /// `below`: the diff directories of the layers under this one, nearest first.
  private func unpack(_ layer: LayerSource, below: [String], reference: String) throws -> Int64 {
    let work = try store.makeWorkDirectory(purpose: "layer")
    do {
      let diff = work.path.appending(path: "diff")
      try driver.makeLayerDirectory(diff, parent: below.first)
      let reader: LayerEntryReader
      switch try source.openLayer(layer, verify: verify) {
      case .tar(let stream): reader = try TarReader(stream: stream)
      case .directory(let path): reader = try DirectoryReader(path: path)
      }
      let options = UnpackOptions(
        whiteouts: driver.whiteouts,
        uidMappings: store.configuration.uidMappings,
        gidMappings: store.configuration.gidMappings,
        lowerLayers: driver.unpacksLayersSeparately ? below : [])
      let result: UnpackSummary
      do {
        result = try Unpacker(into: diff, options: options).unpack(reader)
      } catch let error as UnpackError {
        throw CoreError.layer(name: layer.name, reason: error.description)
      }
      let metadata = LayerMetadata(
        id: layer.id, diffID: layer.diffID, blobDigest: layer.descriptor?.digest,
        mediaType: layer.descriptor?.mediaType, size: result.bytes, diskUsage: try FileSystem.diskUsage(diff),
        source: reference)
      let published = try store.publishLayer(from: work, metadata: metadata)
      logger.debug(
        "layer unpacked",
        metadata: [
          "layer": "\(layer.id)", "entries": "\(result.entries)", "bytes": "\(result.bytes)",
          "published": "\(published)",
        ])
      return result.bytes
    } catch {
      try? FileSystem.removeTree(work.path)
      throw error
    }
  }
}
