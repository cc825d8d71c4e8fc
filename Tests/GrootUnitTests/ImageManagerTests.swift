import Foundation
import GrootCore
import GrootDriver
import GrootIO
import GrootStore
import Testing

/// create, delete, clean and check on a temporary store with a fake snapshotter
/// and source: no root, no mounts, no network.
@Suite("Commands on fakes")
struct ImageManagerTests {
  @Test("create publishes a whole image: layers unpacked, metadata, mounted, event written")
  func publication() throws {
    let unit = try UnitStore()
    let snapshotter = FakeSnapshotter()
    let (manager, recorder) = unit.manager(snapshotter: snapshotter)
    let spec = try unit.run(recorder) { try manager.create(image: "/fake", id: "one") }
    #expect(spec.root.path == unit.path + "/images/one/rootfs")
    #expect(unit.entries("images") == ["one"])
    let metadata = try unit.store.imageMetadata(ImageID("one"))
    #expect(metadata.layers.count == 2 && metadata.mounted)
    for layer in metadata.layers {
      #expect(FileSystem.exists(unit.store.layerDiffPath(layer) + "/etc"))
    }
    #expect(snapshotter.mounted.get().count == 1)  // made in tmp/, moved with the image by its rename
    #expect(unit.entries("tmp").isEmpty)
    let event = try unit.lastEvent()
    #expect(event.outcome == .success && event.layersUnpacked == 2 && event.imageID == "one")
  }

  @Test("a create that fails at any step leaves no image, no work and nothing mounted", arguments: Step.allCases)
  func rollback(step: Step) throws {
    let unit = try UnitStore()
    let path = unit.path
    let snapshotter = FakeSnapshotter(failAt: step) {
      // Another create publishes the same id first.
      if step == .publish {
        try FileSystem.makeDirectory(path + "/images/taken")
        try FileSystem.writeAtomically("{}", to: path + "/images/taken/image.json")
      }
    }
    let source = FakeSource(layers: FakeSource.files("file", count: 3), failAt: step, failingLayer: 1)
    let (manager, recorder) = unit.manager(snapshotter: snapshotter, source: source) { settings in
      settings.create.diskLimitBytes = step == .limitImage ? 1 << 30 : 0
    }
    #expect(throws: (any Error).self) { try unit.run(recorder) { try manager.create(image: "/fake", id: "taken") } }
    #expect(unit.entries("images") == (step == .publish ? ["taken"] : []))
    #expect(unit.entries("tmp").isEmpty)
    #expect(snapshotter.mounted.get().isEmpty)
    // Whole layers may stay, as a cache; never a part of one.
    for layer in unit.entries("layers") {
      #expect(FileSystem.exists(unit.path + "/layers/\(layer)/layer.json"))
    }
    let event = try unit.lastEvent()
    #expect(event.outcome == .failure)
    if step != .publish {
      #expect(event.error?.contains("injected failure at \(step)") == true, "\(event.error ?? "")")
    }
  }

  @Test("lock order: clean skips a layer a create holds; a busy unpack lock times out cleanly")
  func lockOrder() throws {
    let unit = try UnitStore()
    let (manager, recorder) = unit.manager()
    try unit.run(recorder) { _ = try manager.create(image: "/fake", id: "x") }
    let layers = try unit.store.imageMetadata(ImageID("x")).layers
    #expect(try manager.delete("x") == .deleted("x"))
    // A create in flight holds the bottom layer's use lock: clean leaves that one.
    let inUse = try unit.store.lockLayer(layers[0], .use, .shared, timeout: 1)
    let report = try manager.clean()
    #expect(report.layersRemoved == 1 && report.layersInUse == 1)
    #expect(unit.store.hasLayer(layers[0]) && !unit.store.hasLayer(layers[1]))
    withExtendedLifetime(inUse) {}

    // Another process unpacking the missing layer: this create waits, then gives up.
    let unpacking = try unit.store.lockLayer(layers[1], .unpack, .exclusive, timeout: 1)
    let (waiting, waitingRecorder) = unit.manager(lockTimeout: 0.3)
    #expect(throws: StoreError.self) { try unit.run(waitingRecorder) { try waiting.create(image: "/fake", id: "y") } }
    #expect(try unit.lastEvent().errorKind == "lock_timeout")
    #expect(unit.entries("images").isEmpty && unit.entries("tmp").isEmpty)
    withExtendedLifetime(unpacking) {}

    // delete-store takes the store lock exclusively: a command working there holds it shared.
    let working = try unit.store.lockStore(.shared, timeout: 1)
    let (deleting, _) = unit.manager(lockTimeout: 0.3)
    #expect(throws: StoreError.self) { try deleting.deleteStore(force: false) }
    #expect(FileSystem.exists(unit.path + "/store.json"))
    withExtendedLifetime(working) {}
  }

  @Test("delete locks the image where it is: one in flight makes a second wait, then give up; none is left")
  func deleteLocksTheImage() throws {
    let unit = try UnitStore()
    let (manager, recorder) = unit.manager()
    try unit.run(recorder) { _ = try manager.create(image: "/fake", id: "x") }
    // The creator let go when it published: a delete in the same process does not wait.
    let root = unit.store.imagePaths(try ImageID("x")).root
    let inFlight = try #require(try FileLock.attempt(root, .exclusive, create: false))
    let (second, _) = unit.manager(lockTimeout: 0.3)
    #expect(throws: StoreError.lockTimeout(what: "image x", seconds: 0.3)) { try second.delete("x") }
    #expect(unit.entries("images") == ["x"] && unit.entries("tmp").isEmpty)
    inFlight.release()
    #expect(try manager.delete("x") == .deleted("x"))
    #expect(unit.entries("images").isEmpty && unit.entries("tmp").isEmpty)
    #expect(try manager.delete("x") == .skipped(reason: StoreError.imageNotFound("x").description))
  }

  @Test("work a killed process left is moved aside by the next command and removed in the background")
  func recovery() throws {
    let unit = try UnitStore()
    let abandoned = unit.path + "/tmp/layer-1-killed"
    try FileSystem.makeDirectory(abandoned, mode: 0o755)
    try FileSystem.makeDirectory(abandoned + "/diff", mode: 0o755)
    try FileSystem.writeAtomically("half", to: abandoned + "/diff/half-written")
    let (manager, recorder) = unit.manager()
    try unit.run(recorder) { _ = try manager.create(image: "/fake", id: "after") }
    #expect(unit.entries("tmp").isEmpty)
    #expect(unit.entries("trash") == ["layer-1-killed"])
    #expect(unit.started.get().contains { $0.last == "empty-trash" })
    try manager.emptyTrash()
    #expect(unit.entries("trash").isEmpty)
    // A young dot-name belongs to a live process between mkdir and flock: left alone.
    try FileSystem.makeDirectory(unit.path + "/tmp/.new-image-2-young", mode: 0o700)
    #expect(try unit.store.recover().isEmpty)
  }

  @Test("delete withdraws and unmounts; check finds a missing layer and an unmounted image")
  func deleteAndCheck() throws {
    let unit = try UnitStore()
    let snapshotter = FakeSnapshotter()
    let (manager, recorder) = unit.manager(snapshotter: snapshotter)
    try unit.run(recorder) { _ = try manager.create(image: "/fake", id: "a") }
    try unit.run(recorder) { _ = try manager.create(image: "/fake", id: "b") }
    #expect(try manager.delete("a") == .deleted("a"))
    #expect(snapshotter.calls.get().contains("unmount a"))
    #expect(try manager.delete("a") == .skipped(reason: "Image `a` not found."))
    #expect(try manager.check(repair: false).problems.isEmpty == false)  // b is not really mounted
    let layer = try unit.store.imageMetadata(ImageID("b")).layers[1]
    try FileSystem.removeTree(unit.store.layerPath(layer))
    let report = try manager.check(repair: false)
    #expect(report.problems.contains { $0.contains("needs missing layers") }, "\(report.problems)")
  }
}
