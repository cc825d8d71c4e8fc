import Foundation
import GrootDriver
import GrootIO
import GrootOCI
import GrootStore
import Logging

/// What `check` found, and what it put right.
public struct CheckReport: Sendable {
  public var problems: [String] = []
  public var repaired: [String] = []
}

/// Compares the store with what it should be: every image's layers present and
/// its rootfs mounted, no mounts or work left by dead processes, every layer
/// whole. With `repair`, fixes what can be fixed without losing data.
struct StoreChecker {
  let store: Store
  let snapshotter: Snapshotter
  let repair: Bool
  let logger: Logger

  func check() throws -> CheckReport {
    var report = CheckReport()
    try checkWorkDirectories(&report)
    let images = try checkImages(&report)
    try checkMounts(expected: images, &report)
    try checkLayers(&report)
    for (problem, repaired) in snapshotter.check(store, repair: repair) { record(problem, repaired: repaired, &report) }
    return report
  }

  private func record(_ problem: String, repaired: Bool, _ report: inout CheckReport) {
    if repaired { report.repaired.append(problem) } else { report.problems.append(problem) }
  }

  private func checkWorkDirectories(_ report: inout CheckReport) throws {
    if repair {
      for path in try store.recover() { record("left-over work \(path) removed", repaired: true, &report) }
      try store.emptyTrash()
      return
    }
    for name in (try? FileManager.default.contentsOfDirectory(atPath: store.temporaryPath)) ?? [] {
      let path = store.temporaryPath.appending(path: name)
      if let lock = try store.lockIfAbandoned(name) {
        withExtendedLifetime(lock) {}
        record("left-over work from a killed process: \(path)", repaired: false, &report)
      }
    }
  }

  /// Checks each image; returns the rootfs paths that should be mounted.
  private func checkImages(_ report: inout CheckReport) throws -> Set<String> {
    var shouldBeMounted = Set<String>()
    let mounted = Set(try MountTable.mounts(under: store.imagesPath).map(\.mountPoint))
    for id in try store.imageIDs() {
      let paths = store.imagePaths(id)
      let metadata: ImageMetadata
      do {
        metadata = try store.imageMetadata(id)
      } catch {
        record("image \(id): \(error)", repaired: false, &report)
        continue
      }
      let missing = metadata.layers.filter { !store.hasLayer($0) }
      if !missing.isEmpty {
        record(
          "image \(id) needs missing layers \(missing.map(\.description).joined(separator: ", "))",
          repaired: false, &report)
        continue
      }
      guard metadata.mounted else { continue }
      shouldBeMounted.insert(paths.rootfs)
      if !mounted.contains(paths.rootfs) {
        var fixed = false
        if repair, !(try snapshotter.mounts(for: paths, layers: metadata.layers, store: store)).isEmpty {
          fixed = (try? snapshotter.mount(paths, layers: metadata.layers, store: store)) != nil
        }
        record(
          "image \(id) is not mounted (host restarted?)" + (fixed ? ": mounted again" : ""),
          repaired: fixed, &report)
      }
    }
    return shouldBeMounted
  }

  private func checkMounts(expected: Set<String>, _ report: inout CheckReport) throws {
    for mount in try MountTable.mounts(under: store.path) where !expected.contains(mount.mountPoint) {
      if mount.mountPoint == store.path { continue }  // a backing store mounted at the store itself
      let fixed = repair && umount2(mount.mountPoint, Int32(MNT_DETACH)) == 0
      record("orphan mount \(mount.mountPoint)" + (fixed ? ": unmounted" : ""), repaired: fixed, &report)
    }
  }

  private func checkLayers(_ report: inout CheckReport) throws {
    let entries = (try? FileManager.default.contentsOfDirectory(atPath: store.layersPath)) ?? []
    for name in entries {
      guard let id = try? Digest(hex: name) else {
        record("unexpected entry \(store.layersPath)/\(name)", repaired: false, &report)
        continue
      }
      let whole = (try? store.layerMetadata(id)) != nil && FileSystem.isDirectory(store.layerDiffPath(id))
      if whole { continue }
      var fixed = false
      if repair, let lock = try store.attemptLayerLock(id, .use) {
        snapshotter.removeLayer(id, store: store)
        try store.removeLayer(id)
        withExtendedLifetime(lock) {}
        fixed = true
      }
      record("layer \(id) is incomplete" + (fixed ? ": removed" : ""), repaired: fixed, &report)
    }
    // Lock files of layers that are gone are left by failed unpacks: harmless.
    for name in (try? FileManager.default.contentsOfDirectory(atPath: store.locksPath)) ?? [] {
      guard let dot = name.firstIndex(of: "."), let id = try? Digest(hex: String(name[..<dot])),
        !store.hasLayer(id), repair
      else { continue }
      let path = store.locksPath.appending(path: name)
      if let lock = try FileLock.attempt(path, .exclusive, create: false) {
        lock.unlinkWhileHeld()
      }
    }
  }
}

extension ImageManager {
  /// `groot check`: reports (and with `repair` fixes) inconsistencies.
  public func check(repair: Bool) throws -> CheckReport {
    let store = try Store.open(at: settings.storePath)
    let lock = try store.lockStore(.shared, timeout: settings.lockTimeout)
    defer { withExtendedLifetime(lock) {} }
    let snapshotter = try dependencies.snapshotter(store.configuration.driver)
    return try StoreChecker(store: store, snapshotter: snapshotter, repair: repair, logger: logger).check()
  }
}
