import Foundation
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

/// Resolves an image at its source and brings every layer into the store:
/// layers already there are reused; the others stream from the source through
/// the unpacker into tmp/ and are published whole by one rename, each only once
/// all the layers below it are in the store.
///
/// Where layers are independent (overlay), up to `width` layers fetch and unpack
/// at once, each into its own directory; a directory a layer uses without
/// listing it then takes its owner and mode from the layers below, just before
/// publishing. Where each layer is a copy of its parent (btrfs), they come one at
/// a time.
///
/// Each layer's use lock is taken shared and handed back to the caller, who keeps
/// it until the image that needs the layer is published: `clean` cannot remove a
/// layer in between. One process at a time unpacks a layer (its unpack lock); the
/// others wait, then find it published and reuse it. A process holding a layer's
/// unpack lock waits only for its own work on lower layers, and a chain ID fixes
/// every layer below it, so waits always point down the stack: two processes
/// pulling the same layers never wait for each other in a circle.
struct ImagePuller {
  /// As Docker's and containerd's default number of concurrent downloads.
  static let width = 3

  let store: Store
  let source: ImageSource
  let verify: Bool
  let snapshotter: Snapshotter
  let lockTimeout: Double
  let logger: Logger
  var progress: PullProgress?
  /// What each layer may write.
  var limits = LayerLimitPolicy()
  /// Bytes the pull may unpack in all (see `pull`).
  var budget: UnpackBudget? = nil

  enum Outcome {
    case reused
    case unpacked(bytes: Int64)
    case failed(Error)
    /// Not published: a layer below it failed.
    case abandoned
  }

  /// Reads and checks the image's documents; logs what did not stop it.
  func resolve() throws -> ResolvedImage {
    let image = try source.resolve()
    for warning in image.warnings { logger.warning("\(warning)") }
    return image
  }

  /// Takes the use locks of all the image's layers (before a --with-clean runs).
  func lockLayers(_ image: ResolvedImage) throws -> [FileLock] {
    try image.layers.map { try store.lockLayer($0.id, .use, .shared, timeout: lockTimeout) }
  }

  /// Unpacks the layers not yet in the store. The caller holds their use locks.
  /// With `unpackLimit`, the layers unpacked may write that many file bytes in
  /// all (a disk limit that counts the image; GrootFS's check, with its words).
  func pull(_ image: ResolvedImage, unpackLimit: Int64? = nil) throws -> PullSummary {
    var puller = self
    puller.budget = unpackLimit.map { UnpackBudget(bytes: $0) }
    return try puller.pullLayers(image)
  }

  private func pullLayers(_ image: ResolvedImage) throws -> PullSummary {
    let outcomes = PullOutcomes(count: image.layers.count)
    let width = snapshotter.layersAreIndependent ? Self.width : 1
    Concurrently.forEach(image.layers.count, width: width) { position in
      outcomes.record(bring(image, position, outcomes: outcomes), at: position)
    }
    var summary = PullSummary()
    for (position, outcome) in outcomes.all.enumerated() {
      switch outcome {
      case .reused:
        summary.layersReused += 1
      case .unpacked(let bytes):
        summary.layersUnpacked += 1
        summary.bytesUnpacked += bytes
        summary.bytesFetched += image.layers[position].descriptor?.size ?? 0
      case .failed(let error):
        throw error
      case .abandoned:
        preconditionFailure("a layer is abandoned only above a failed one")
      }
    }
    return summary
  }

  /// Makes sure the layer at `position` is in the store.
  private func bring(_ image: ResolvedImage, _ position: Int, outcomes: PullOutcomes) -> Outcome {
    let layer = image.layers[position]
    // Above a failed layer nothing will be published: no need to fetch it.
    guard !outcomes.anyFailed(below: position) else { return .abandoned }
    do {
      if store.hasLayer(layer.id) { return .reused }
      let unpacking = try store.lockLayer(layer.id, .unpack, .exclusive, timeout: lockTimeout)
      // Whoever holds the unpack lock removes its file: waiters notice and retry
      // on a fresh one, and nothing is left once no one is unpacking.
      defer { unpacking.unlinkWhileHeld() }
      if store.hasLayer(layer.id) { return .reused }  // another process unpacked it meanwhile
      let below = image.layers[..<position].reversed().map { store.layerDiffPath($0.id) }
      let work = try store.makeWorkDirectory(purpose: "layer")
      do {
        let unpacked = try unpack(layer, into: work, below: below)
        guard outcomes.waitForAll(below: position) else {
          try? FileSystem.removeTree(work.path)
          return .abandoned
        }
        try publish(layer, unpacked, from: work, below: below, reference: image.reference.description)
        progress?.layerFinished()
        return .unpacked(bytes: unpacked.bytes)
      } catch {
        try? FileSystem.removeTree(work.path)
        throw error
      }
    } catch {
      return .failed(error)
    }
  }

  private func unpackOptions(_ layer: LayerSource, below: [String]) -> UnpackOptions {
    UnpackOptions(
      whiteouts: snapshotter.whiteouts,
      uidMappings: store.configuration.uidMappings,
      gidMappings: store.configuration.gidMappings,
      lowerLayers: snapshotter.layersAreIndependent ? below : [],
      baseDirectory: layer.baseDirectory, budget: budget, limits: limits.forLayer(layer, store: store))
  }

  /// `below`: the diff directories of the layers under this one, nearest first.
  private func unpack(_ layer: LayerSource, into work: WorkDirectory, below: [String]) throws -> UnpackSummary {
    let diff = work.path.appending(path: "diff")
    try snapshotter.prepareLayer(at: diff, parent: below.first, store: store)
    let reader: LayerEntryReader
    switch try source.openLayer(layer, verify: verify) {
    case .tar(let stream): reader = try TarReader(stream: stream)
    case .directory(let path): reader = try DirectoryReader(path: path)
    }
    do {
      return try Unpacker(into: diff, options: unpackOptions(layer, below: below)).unpack(reader)
    } catch let error as UnpackError {
      throw CoreError.layer(name: layer.name, cause: error)
    }
  }

  /// Publishes a layer whose lower layers are all in the store.
  private func publish(
    _ layer: LayerSource, _ unpacked: UnpackSummary, from work: WorkDirectory, below: [String], reference: String
  ) throws {
    let diff = work.path.appending(path: "diff")
    // As GrootFS: a layer goes under a base directory only where the image has one.
    if !layer.baseDirectory.isEmpty && !below.contains(where: { Unpacker.hasDirectory(layer.baseDirectory, in: $0) }) {
      throw CoreError.baseDirectoryMissing(
        layer: layer.name, directory: "/" + layer.baseDirectory.joined(separator: "/"))
    }
    if !unpacked.implicitDirectories.isEmpty && !below.isEmpty && snapshotter.layersAreIndependent {
      try Unpacker(into: diff, options: unpackOptions(layer, below: below))
        .inheritAttributes(of: unpacked.implicitDirectories)
    }
    let metadata = LayerMetadata(
      id: layer.id, diffID: layer.diffID, blobDigest: layer.descriptor?.digest,
      mediaType: layer.descriptor?.mediaType, size: unpacked.bytes, diskUsage: try FileSystem.diskUsage(diff),
      source: reference)
    let published = try store.publishLayer(from: work, metadata: metadata)
    logger.debug(
      "layer unpacked",
      metadata: [
        "layer": "\(layer.id)", "entries": "\(unpacked.entries)", "bytes": "\(unpacked.bytes)",
        "published": "\(published)",
      ])
  }
}

/// The layers' outcomes as the pulling threads settle them.
final class PullOutcomes: @unchecked Sendable {
  private var outcomes: [ImagePuller.Outcome?]
  private let condition = NSCondition()

  init(count: Int) { outcomes = Array(repeating: nil, count: count) }

  func record(_ outcome: ImagePuller.Outcome, at position: Int) {
    condition.withLock {
      outcomes[position] = outcome
      condition.broadcast()
    }
  }

  var all: [ImagePuller.Outcome] { condition.withLock { outcomes.map { $0! } } }

  func anyFailed(below position: Int) -> Bool {
    condition.withLock { outcomes[..<position].contains(where: Self.isFailure) }
  }

  /// Waits until every layer below `position` is settled; true when they are all
  /// in the store. Those layers' threads started first and each waits at most a
  /// lock timeout, so this ends.
  func waitForAll(below position: Int) -> Bool {
    condition.withLock {
      while outcomes[..<position].contains(where: { $0 == nil }) { condition.wait() }
      return !outcomes[..<position].contains(where: Self.isFailure)
    }
  }

  private static func isFailure(_ outcome: ImagePuller.Outcome?) -> Bool {
    switch outcome {
    case .failed, .abandoned: return true
    default: return false
    }
  }
}
