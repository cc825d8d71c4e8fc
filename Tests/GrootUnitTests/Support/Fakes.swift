import Foundation
import GrootCore
import GrootDriver
import GrootFixtures
import GrootIO
import GrootOCI
import GrootReference
import GrootSource
import GrootStore
import GrootTelemetry
import Logging

/// The steps a fake can be told to fail at.
enum Step: String, CaseIterable, Sendable {
  case resolve, openLayer, prepareLayer, prepareImage, limitImage, mount, publish
}

struct InjectedFailure: Error, CustomStringConvertible {
  let step: Step
  var description: String { "injected failure at \(step)" }
}

/// A snapshotter with plain directories and no mounts at all: mounting is
/// recorded, not done. It can fail at any of its steps, or take the image's id
/// at mount time (so publishing finds it taken).
final class FakeSnapshotter: Snapshotter, @unchecked Sendable {
  let failAt: Step?
  let mounted = Locked<Set<String>>([])
  let calls = Locked<[String]>([])
  /// Runs at mount time: a test makes another create publish the same id there.
  let beforeMount: (@Sendable () throws -> Void)?

  init(failAt: Step? = nil, beforeMount: (@Sendable () throws -> Void)? = nil) {
    self.failAt = failAt
    self.beforeMount = beforeMount
  }

  var name: String { "overlay" }
  var whiteouts: WhiteoutMode { .delete }
  var layersAreIndependent: Bool { true }

  private func step(_ step: Step, _ detail: String = "") throws {
    calls.set(calls.get() + ["\(step.rawValue) \(detail)"])
    if failAt == step { throw InjectedFailure(step: step) }
  }

  func initialize(_ store: Store) throws {}
  func checkLimit(_ limit: DiskLimit?, store: Store) throws {}

  func prepareLayer(at path: String, parent: String?, store: Store) throws {
    try step(.prepareLayer)
    try FileSystem.makeDirectory(path, mode: 0o755)
  }

  func removeLayer(_ id: Digest, store: Store) { calls.set(calls.get() + ["removeLayer \(id.hex.prefix(8))"]) }

  func makeImageRoot(at path: String, limit: DiskLimit?) throws {
    try FileSystem.makeNewDirectory(path)
  }

  func prepareImage(_ paths: ImagePaths, layers: [Digest], limit: DiskLimit?, store: Store) throws {
    try step(.prepareImage)
    for directory in [paths.upper, paths.work, paths.rootfs] {
      try FileSystem.makeDirectory(directory, mode: 0o755)
    }
  }

  func limitImage(_ paths: ImagePaths, layers: [Digest], limit: DiskLimit, store: Store) throws {
    try step(.limitImage)
  }

  func mounts(for paths: ImagePaths, layers: [Digest], store: Store) throws -> [MountSpec] {
    [MountSpec(destination: "/", type: "fake", source: "fake", options: [])]
  }

  func mount(_ paths: ImagePaths, layers: [Digest], store: Store) throws {
    try step(.mount)
    try beforeMount?()
    mounted.set(mounted.get().union([paths.rootfs]))
  }

  func unmount(_ paths: ImagePaths, id: ImageID) throws {
    calls.set(calls.get() + ["unmount \(id)"])
    mounted.set(mounted.get().subtracting([paths.rootfs]))
  }

  func usage(_ paths: ImagePaths, layers: [Digest], store: Store) throws -> ImageUsage {
    ImageUsage(total: try store.layersDiskUsage(layers), exclusive: 0)
  }

  func check(_ store: Store, repair: Bool) -> [(problem: String, repaired: Bool)] { [] }
}

/// An image source of tar layers in memory, owned by whoever runs the test (so
/// unpacking needs no root). It can fail resolving, or opening one layer.
final class FakeSource: ImageSource, @unchecked Sendable {
  let layers: [[UInt8]]
  let failAt: Step?
  let failingLayer: Int

  init(layers: [[UInt8]], failAt: Step? = nil, failingLayer: Int = 1) {
    self.layers = layers
    self.failAt = failAt
    self.failingLayer = failingLayer
  }

  /// Layers of one file each, `name-N`.
  static func files(_ name: String, count: Int) -> [[UInt8]] {
    (0..<count).map { index in
      var tar = TarWriter()
      tar.directory("etc", uid: Int(geteuid()), gid: Int(getegid()))
      tar.file("etc/\(name)-\(index)", "layer \(index)\n", uid: Int(geteuid()), gid: Int(getegid()))
      return tar.archive()
    }
  }

  func resolve() throws -> ResolvedImage {
    if failAt == .resolve { throw InjectedFailure(step: .resolve) }
    let diffIDs = layers.map { Digest(of: $0) }
    let chain = ChainID.chain(diffIDs)
    return ResolvedImage(
      reference: .localPath("/fake"), manifestDigest: nil, configDigest: nil, configBytes: Array("{}".utf8),
      env: ["PATH=/bin"],
      layers: layers.indices.map { index in
        LayerSource(
          id: chain[index], diffID: diffIDs[index], descriptor: nil, compression: .none, name: "fake layer \(index)",
          blobSize: Int64(layers[index].count))
      })
  }

  func openLayer(_ layer: LayerSource, verify: Bool) throws -> LayerContent {
    let index = layers.firstIndex { Digest(of: $0) == layer.diffID }!
    if failAt == .openLayer && index == failingLayer { throw InjectedFailure(step: .openLayer) }
    return .tar(MemoryByteStream(layers[index]))
  }
}

/// A store in a temporary directory, and an ImageManager on it with fakes.
final class UnitStore: @unchecked Sendable {
  let base: String
  let path: String
  let started = Locked<[[String]]>([])

  init() throws {
    base = try FileSystem.makeUniqueDirectory(in: NSTemporaryDirectory(), prefix: "groot-unit")
    path = base + "/store"
    _ = try Store.initialize(at: path, configuration: StoreConfiguration(driver: "overlay"))
  }

  deinit { try? FileSystem.removeTree(base) }

  var store: Store { try! Store.open(at: path) }

  func manager(
    snapshotter: FakeSnapshotter = FakeSnapshotter(), source: FakeSource? = nil, lockTimeout: Double = 5,
    configure: (inout Settings) -> Void = { _ in }
  ) -> (ImageManager, EventRecorder) {
    var settings = Settings()
    settings.storePath = path
    settings.lockTimeout = lockTimeout
    configure(&settings)
    var dependencies = Dependencies()
    dependencies.snapshotter = { _ in snapshotter }
    let source = source ?? FakeSource(layers: FakeSource.files("file", count: 2))
    dependencies.source = { _, _ in source }
    dependencies.startInBackground = { [started] arguments, _ in started.set(started.get() + [arguments]) }
    let recorder = EventRecorder()
    let logger = Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }
    return (ImageManager(settings: settings, logger: logger, recorder: recorder, dependencies: dependencies), recorder)
  }

  /// Runs as groot's main does: the event is written however it ends.
  @discardableResult
  func run<T>(_ recorder: EventRecorder, _ body: () throws -> T) throws -> T {
    do {
      let result = try body()
      recorder.finish(error: nil)
      return result
    } catch {
      recorder.finish(error: error)
      throw error
    }
  }

  func entries(_ directory: String) -> [String] {
    ((try? FileSystem.listDirectory(path.appending(path: directory))) ?? []).sorted()
  }

  func lastEvent() throws -> Event {
    let journal = Journal(store: path)
    let text = try String(contentsOfFile: journal.segmentPath(journal.segments().last!), encoding: .utf8)
    return try JSONDecoder().decode(Event.self, from: Data(text.split(separator: "\n").last!.utf8))
  }
}
