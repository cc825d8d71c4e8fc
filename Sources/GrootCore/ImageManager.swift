import Foundation
import GrootDriver
import GrootIO
import GrootOCI
import GrootOutput
import GrootReference
import GrootSource
import GrootStore
import GrootUnpack
import Logging

/// What `delete` did: GrootFS reports an id it cannot find, and succeeds, since
/// Garden deletes through both its privileged and unprivileged plugins.
public enum DeleteOutcome: Equatable {
  case deleted(String)
  case skipped(reason: String)

  /// GrootFS's line on stdout.
  public var line: String {
    switch self {
    case .deleted(let id): return "Image \(id) deleted"
    case .skipped(let reason): return "\(reason) Skipping delete."
    }
  }
}

/// groot's commands on one store, each composed of the components that do the
/// work (ImagePuller, ImageAssembler, Cleaner, StoreChecker), each given the
/// store, snapshotter, sources, event recorder and logger. Every operation either
/// completes or leaves the store as it found it.
public struct ImageManager {
  public let settings: Settings
  let logger: Logger
  let recorder: EventRecorder
  let dependencies: Dependencies

  public init(settings: Settings, logger: Logger, recorder: EventRecorder, dependencies: Dependencies = Dependencies())
  {
    self.settings = settings
    self.logger = logger
    self.recorder = recorder
    self.dependencies = dependencies
    recorder.store = settings.storePath
    recorder.journalEnabled = settings.journalEnabled
  }

  // MARK: - Store

  /// Creates the store; with a store size on a backing file of that size (btrfs,
  /// or XFS), loop-mounted at the store. Running it again is harmless, mounts the
  /// backing file again after a restart, and sets direct I/O as asked.
  public func initStore(uidMappings: [IDMapping], gidMappings: [IDMapping]) throws {
    guard getuid() == 0 else { throw StoreError.initNeedsRoot(settings.storePath) }
    let options = settings.initStore
    let snapshotter = try dependencies.snapshotter(settings.driver)
    guard BackingStore.fileSystems.contains(options.storeFileSystem) else {
      throw BackingStoreError.unknownFileSystem(options.storeFileSystem)
    }
    if Store.isGrootFSStore(settings.storePath) { throw StoreError.grootfsStore(settings.storePath) }
    var backing: BackingStoreInfo?
    if options.storeSizeBytes > 0 || FileSystem.exists(BackingStore.file(for: settings.storePath)) {
      let existing = (try? Store.open(at: settings.storePath))?.configuration.backingStore
      backing = try BackingStore.attach(
        store: settings.storePath, sizeBytes: existing?.sizeBytes ?? options.storeSizeBytes,
        fileSystem: existing?.fileSystem ?? options.storeFileSystem)
      try BackingStore.setDirectIO(store: settings.storePath, enabled: options.withDirectIO)
    }
    let configuration = StoreConfiguration(
      driver: snapshotter.name, uidMappings: uidMappings, gidMappings: gidMappings, backingStore: backing)
    let existed = FileSystem.exists(settings.storePath.appending(path: "store.json"))
    let store = try Store.initialize(at: settings.storePath, configuration: configuration)
    try snapshotter.initialize(store)
    logger.info(
      existed ? "store already initialized" : "store initialized", metadata: ["store": "\(settings.storePath)"])
  }

  /// The store's size: init.store_size_bytes where the config gives it (GrootFS
  /// prints that), else the size of the store's file system.
  public func capacity() throws -> Int64 {
    if settings.initStore.storeSizeBytes > 0 { return settings.initStore.storeSizeBytes }
    return try Store.open(at: settings.storePath).capacity()
  }

  /// Opens the store for a command that changes it: shared store lock, then
  /// recovery of what killed processes left: moved aside at once, and removed by
  /// a process of its own, so this command's work is not delayed by it.
  private func openForWork() throws -> (Store, FileLock, Snapshotter) {
    let store = try Store.open(at: settings.storePath)
    let snapshotter = try dependencies.snapshotter(store.configuration.driver)
    if settings.driverGiven, try dependencies.snapshotter(settings.driver).name != snapshotter.name {
      throw StoreError.driverMismatch(store: store.path, existing: snapshotter.name, requested: settings.driver)
    }
    let lock = try store.lockStore(.shared, timeout: settings.lockTimeout)
    let recovered = try store.recover()
    for path in recovered {
      logger.info("moved aside work left by a killed groot process", metadata: ["path": "\(path)"])
    }
    if !recovered.isEmpty { startInBackground(["empty-trash"], log: settings.logFile) }
    return (store, lock, snapshotter)
  }

  public func clean() throws -> CleanReport {
    let (store, lock, snapshotter) = try openForWork()
    defer { withExtendedLifetime(lock) {} }
    try store.emptyTrash()
    return try Cleaner(store: store, snapshotter: snapshotter, logger: logger).clean(
      thresholdBytes: settings.clean.thresholdBytes, ignoredSources: Set(settings.clean.ignoredImages))
  }

  /// `empty-trash`: removes what recovery moved aside (started by the command
  /// that moved it).
  public func emptyTrash() throws {
    let store = try Store.open(at: settings.storePath)
    let lock = try store.lockStore(.shared, timeout: settings.lockTimeout)
    defer { withExtendedLifetime(lock) {} }
    let removed = try store.emptyTrash()
    logger.info("trash emptied", metadata: ["entries": "\(removed)"])
  }

  // MARK: - Images

  /// Creates image `id` from `image`, as the create settings say: the puller
  /// resolves it and brings its layers into the store, the assembler makes the
  /// image of them.
  public func create(image: String, id idText: String, showProgress: Bool = false) throws -> RuntimeSpecFragment {
    let options = settings.create
    let (store, storeLock, snapshotter) = try openForWork()
    defer { withExtendedLifetime(storeLock) {} }
    recorder.image = image
    recorder.imageID = idText
    let id = try ImageID(idText)
    guard !store.hasImage(id) else { throw StoreError.imageExists(id.value) }
    let limit =
      options.diskLimitBytes > 0
      ? DiskLimit(bytes: options.diskLimitBytes, excludeImage: options.excludeImageFromQuota) : nil
    try snapshotter.checkLimit(limit, store: store)
    let reference = try ImageReference(parsing: image)
    if case .localPath(let path) = reference { try Self.checkOutside(store, path) }
    let progress = PullProgress()
    var sourceOptions = options.sources
    // Counted only for the progress line: otherwise the blob path stays bare.
    if showProgress { sourceOptions.observeBytes = { progress.add(bytes: $0) } }
    var puller = ImagePuller(
      store: store, source: try dependencies.source(reference, sourceOptions), verify: !options.skipLayerValidation,
      snapshotter: snapshotter, lockTimeout: settings.lockTimeout, logger: logger, progress: progress)
    puller.limits = LayerLimitPolicy(configuredBytes: options.maxLayerBytes, entries: options.maxLayerEntries)
    let resolved = try puller.resolve()
    try Self.checkCompressedSize(resolved, against: limit)
    let layers = resolved.layers.map(\.id)
    let layerLocks = try puller.lockLayers(resolved)
    defer { store.releaseLayerLocks(layerLocks, layers: layers) }
    // The clean runs beside the create, as GrootFS's: it cannot remove this
    // image's layers (their use locks are held) and does not delay it.
    if options.withClean { startClean() }
    if showProgress, case .registry = reference {
      let missing = resolved.layers.filter { !store.hasLayer($0.id) }
      if !missing.isEmpty {
        progress.show(
          label: reference.description, layers: missing.count,
          bytes: missing.reduce(0) { $0 + ($1.descriptor?.size ?? 0) })
      }
    }
    defer { progress.stop() }
    let pull = try puller.pull(resolved, unpackLimit: limit.flatMap { $0.excludeImage ? nil : $0.bytes })
    recorder.pull = pull
    for layer in layers { store.touchLayer(layer) }

    let paths = store.imagePaths(id)
    let mounts = try snapshotter.mounts(for: paths, layers: layers, store: store)
    var metadata = ImageMetadata(
      id: id.value, reference: reference.description, driver: snapshotter.name, layers: layers,
      manifestDigest: resolved.manifestDigest, configDigest: resolved.configDigest, env: resolved.env,
      mounted: options.mount && !mounts.isEmpty)
    metadata.diskLimitBytes = limit?.bytes
    metadata.excludeImageFromQuota = limit?.excludeImage
    try ImageAssembler(store: store, snapshotter: snapshotter, logger: logger)
      .assemble(metadata, id: id, limit: limit, mount: options.mount)
    logger.info(
      "image created",
      metadata: [
        "id": "\(id)", "image": "\(reference)", "layers_reused": "\(pull.layersReused)",
        "layers_unpacked": "\(pull.layersUnpacked)", "bytes_unpacked": "\(pull.bytesUnpacked)",
      ])
    return RuntimeSpecFragment(
      rootPath: paths.rootfs, env: resolved.env, mounts: options.mount || mounts.isEmpty ? nil : mounts,
      imageConfig: resolved.configBytes)
  }

  /// A root filesystem that is the store, lies in it or holds it would be copied
  /// into itself.
  static func checkOutside(_ store: Store, _ path: String) throws {
    guard let image = FileSystem.realPath(path), let storePath = FileSystem.realPath(store.path) else { return }
    if image == storePath || image.hasPrefix(storePath + "/") || storePath.hasPrefix(image == "/" ? "/" : image + "/") {
      throw CoreError.imageOverlapsStore(image: path, store: store.path)
    }
  }

  /// GrootFS refuses, before fetching anything, an image whose compressed layers
  /// alone pass a limit that counts them.
  static func checkCompressedSize(_ image: ResolvedImage, against limit: DiskLimit?) throws {
    guard let limit, !limit.excludeImage else { return }
    let total = image.layers.reduce(Int64(0)) { $0 + ($1.descriptor?.size ?? 0) }
    if total > limit.bytes { throw CoreError.layersExceedQuota(total: total, limit: limit.bytes) }
  }

  /// Starts `groot clean` in the background with this command's store, config
  /// and threshold, logging to create.clean_log_file (else the log file).
  private func startClean() {
    startInBackground(
      ["clean", "--threshold-bytes", "\(settings.clean.thresholdBytes)"],
      log: settings.create.cleanLogFile ?? settings.logFile)
  }

  /// Starts `groot COMMAND…` on this store, with this config, detached: it
  /// outlives this process and holds none of its pipes.
  private func startInBackground(_ command: [String], log: String?) {
    var arguments = ["--store", settings.storePath, "--log-level", settings.logLevel.rawValue]
    if let config = settings.configPath { arguments = ["--config", config] + arguments }
    if let log { arguments += ["--log-file", log] }
    do {
      try dependencies.startInBackground(arguments + command, log)
      logger.info("started in the background", metadata: ["command": "\(command.joined(separator: " "))"])
    } catch {
      logger.error("cannot start in the background", metadata: ["command": "\(command[0])", "error": "\(error)"])
    }
  }

  /// Deletes an image. One that cannot be found, in a store that is not there,
  /// or a path outside the store, is skipped with GrootFS's message, not an error:
  /// Garden deletes every container through both its image plugins.
  public func delete(_ argument: String) throws -> DeleteOutcome {
    recorder.imageID = argument
    let store: Store
    let lock: FileLock
    let id: ImageID
    let snapshotter: Snapshotter
    do {
      (store, lock, snapshotter) = try openForWork()
      id = try store.imageID(named: argument)
    } catch let error as StoreError {
      switch error {
      case .notInitialized, .invalidImageID, .imageIDHasSlash:
        return .skipped(reason: StoreError.imageNotFound(argument).description)
      case .notAnImagePath:
        return .skipped(reason: error.description)
      default: throw error
      }
    }
    defer { withExtendedLifetime(lock) {} }
    guard try store.withdrawImage(id, snapshotter: snapshotter, timeout: settings.lockTimeout) else {
      return .skipped(reason: StoreError.imageNotFound(id.value).description)
    }
    logger.info("image deleted", metadata: ["id": "\(id)"])
    return .deleted(id.value)
  }

  /// One line per image: its directory. A missing store is GrootFS's error.
  public func list() throws -> [String] {
    guard FileSystem.exists(settings.storePath) else { throw CoreError.noStore(settings.storePath) }
    let store = try Store.open(at: settings.storePath)
    return try store.imageIDs().map { store.imagePaths($0).root }
  }

  /// Disk usage as GrootFS reports it: total (the image's layers plus what the
  /// container wrote) and exclusive (what the container wrote) bytes as allocated
  /// on disk; the quota the container may write into, and the space committed to
  /// the image (its layers plus that quota).
  public func stats(_ argument: String) throws -> ImageStatsOutput {
    let store = try Store.open(at: settings.storePath)
    let id = try store.imageID(named: argument)
    let metadata = try store.imageMetadata(id)
    let snapshotter = try dependencies.snapshotter(store.configuration.driver)
    let usage = try snapshotter.usage(store.imagePaths(id), layers: metadata.layers, store: store)
    let imageBytes = try store.layersDiskUsage(metadata.layers)
    var quota: Int64 = 0
    if let limit = metadata.diskLimitBytes {
      quota = metadata.excludeImageFromQuota == true ? limit : max(0, limit - imageBytes)
    }
    return ImageStatsOutput(
      total: usage.total, exclusive: usage.exclusive, quota: quota, committed: imageBytes + quota)
  }

  /// GrootFS's pre-start step that wrote each layer's size where it had none.
  /// groot records the size when it unpacks a layer, so there is nothing to
  /// write; the store must be there.
  public func generateVolumeSizeMetadata() throws {
    let store = try Store.open(at: settings.storePath)
    let count = try store.layerIDs().count
    logger.info("layer sizes already recorded", metadata: ["layers": "\(count)"])
  }
}
