import GrootDriver
import GrootIO
import GrootOCI
import GrootOutput
import GrootReference
import GrootSource
import GrootStore
import GrootUnpack
import Logging

/// What `create` is asked to do.
public struct CreateRequest: Sendable {
  public var image: String
  public var id: String
  public var mount = true
  public var diskLimitBytes: Int64 = 0
  public var excludeImageFromQuota = false
  public var skipLayerValidation = false
  public var registry = RegistryOptions()
  /// Draw progress on stderr during long pulls (set when stderr is a terminal).
  public var showProgress = false
  /// Run clean first (GrootFS's --with-clean): never removes this image's layers.
  public var clean: CleanRequest?

  public init(image: String, id: String) {
    self.image = image
    self.id = id
  }
}

public struct CleanRequest: Sendable {
  public var thresholdBytes: Int64
  /// Image references whose layers clean keeps (GrootFS's clean.ignore_images).
  public var ignoredImages: [String]

  public init(thresholdBytes: Int64, ignoredImages: [String] = []) {
    self.thresholdBytes = thresholdBytes
    self.ignoredImages = ignoredImages
  }
}

/// groot's commands on one store. Every operation either completes or leaves the
/// store as it found it.
public struct ImageManager {
  public let settings: Settings
  let logger: Logger

  let recorder: EventRecorder

  public init(settings: Settings, logger: Logger, recorder: EventRecorder = .shared) {
    self.settings = settings
    self.logger = logger
    self.recorder = recorder
    recorder.store = settings.storePath
    recorder.journalEnabled = settings.journalEnabled
  }

  // MARK: - Store

  /// Creates the store; with `storeSizeBytes` on a backing file of that size
  /// (btrfs, or XFS), loop-mounted at the store. Running it again is harmless, and
  /// mounts the backing file again after a restart.
  public func initStore(
    uidMappings: [IDMapping], gidMappings: [IDMapping], storeSizeBytes: Int64, storeFileSystem: String
  ) throws {
    let driver = try ImageDrivers.driver(named: settings.driver)
    guard BackingStore.fileSystems.contains(storeFileSystem) else {
      throw BackingStoreError.unknownFileSystem(storeFileSystem)
    }
    var backing: BackingStoreInfo?
    if storeSizeBytes > 0 || FileSystem.exists(BackingStore.file(for: settings.storePath)) {
      let existing = (try? Store.open(at: settings.storePath))?.configuration.backingStore
      backing = try BackingStore.attach(
        store: settings.storePath, sizeBytes: existing?.sizeBytes ?? storeSizeBytes,
        fileSystem: existing?.fileSystem ?? storeFileSystem)
    }
    let configuration = StoreConfiguration(
      driver: driver.name, uidMappings: uidMappings, gidMappings: gidMappings, backingStore: backing)
    let store = try Store.initialize(at: settings.storePath, configuration: configuration)
    // Quotas on whenever the store is btrfs: limits and stats need qgroups.
    let kind = try FileSystemKind(path: store.path)
    if kind == .btrfs && !Btrfs.quotaEnabled(store.path) { try Btrfs.enableQuota(store.path) }
    if driver is BtrfsDriver && kind != .btrfs {
      throw DriverError.needsBtrfsStore(store: store.path, fileSystem: kind.description)
    }
    logger.info("store initialized", metadata: ["store": "\(settings.storePath)"])
  }

  /// `{"capacity": N}`: the size of the store's file system.
  public func capacity() throws -> Int64 {
    try Store.open(at: settings.storePath).capacity()
  }

  /// Removes the store. Mounted images make it refuse unless `force`, which
  /// unmounts them (a busy one still fails).
  public func deleteStore(force: Bool) throws {
    guard FileSystem.exists(settings.storePath) else { return }
    var lock: FileLock?
    var backing: BackingStoreInfo?
    if let store = try? Store.open(at: settings.storePath) {
      backing = store.configuration.backingStore
      lock = try store.lockStore(.exclusive, timeout: settings.lockTimeout)
      try store.recover()
      let driver = try ImageDrivers.driver(named: store.configuration.driver)
      let mounted = try Set(MountTable.mounts(under: store.imagesPath).map(\.mountPoint))
      let mountedImages = try store.imageIDs().filter { mounted.contains(store.imagePaths($0).rootfs) }
      if !mountedImages.isEmpty && !force {
        throw CoreError.imagesStillMounted(mountedImages.map(\.value))
      }
      for id in mountedImages {
        try driver.unmount(store.imagePaths(id), id: id)
      }
    }
    let mounted = try MountTable.mounts(under: settings.storePath).map(\.mountPoint)
      .filter { $0 != settings.storePath || backing == nil }
    guard mounted.isEmpty else { throw CoreError.foreignMounts(mounted) }
    if let backing {
      lock?.release()
      try BackingStore.detach(store: settings.storePath, info: backing)
    }
    try FileSystem.removeTree(settings.storePath)
    withExtendedLifetime(lock) {}
    logger.info("store deleted", metadata: ["store": "\(settings.storePath)"])
  }

  /// Opens the store for a command that changes it: shared store lock, then
  /// recovery of what killed processes left.
  private func openForWork() throws -> (Store, FileLock) {
    let store = try Store.open(at: settings.storePath)
    let lock = try store.lockStore(.shared, timeout: settings.lockTimeout)
    for path in try store.recover() {
      logger.info("removed work left by a killed groot process", metadata: ["path": "\(path)"])
    }
    return (store, lock)
  }

  public func clean(_ request: CleanRequest) throws -> CleanReport {
    let (store, lock) = try openForWork()
    defer { withExtendedLifetime(lock) {} }
    return try Cleaner(store: store, logger: logger).clean(
      thresholdBytes: request.thresholdBytes, ignoredSources: Set(request.ignoredImages))
  }

  // MARK: - Images

  public func create(_ request: CreateRequest) throws -> RuntimeSpecFragment {
    let (store, storeLock) = try openForWork()
    defer { withExtendedLifetime(storeLock) {} }
    let driver = try ImageDrivers.driver(named: store.configuration.driver)
    recorder.image = request.image
    recorder.imageID = request.id
    let id = try ImageID(request.id)
    guard !store.hasImage(id) else { throw StoreError.imageExists(id.value) }
    let limit =
      request.diskLimitBytes > 0
      ? DiskLimit(bytes: request.diskLimitBytes, excludeImage: request.excludeImageFromQuota) : nil
    try driver.checkLimit(limit, store: store)
    let reference = try ImageReference(parsing: request.image)
    let progress = PullProgress()
    var registryOptions = request.registry
    // Counted only for the progress line: otherwise the blob path stays bare.
    if request.showProgress { registryOptions.observeBytes = { progress.add(bytes: $0) } }
    let source = try ImageSources.source(for: reference, registry: registryOptions)
    let image = try source.resolve()
    for warning in image.warnings { logger.warning("\(warning)") }

    let puller = LayerPuller(
      store: store, source: source, verify: !request.skipLayerValidation, driver: driver,
      lockTimeout: settings.lockTimeout, logger: logger, progress: progress)
    let layers = image.layers.map(\.id)
    let layerLocks = try puller.lockLayers(image)
    defer { store.releaseLayerLocks(layerLocks, layers: layers) }
    if let clean = request.clean {
      let report = try Cleaner(store: store, logger: logger).clean(
        thresholdBytes: clean.thresholdBytes, keep: Set(layers), ignoredSources: Set(clean.ignoredImages))
      logger.info("cleaned before create", metadata: ["bytes_freed": "\(report.bytesFreed)"])
    }
    if request.showProgress, case .registry = reference {
      let missing = image.layers.filter { !store.hasLayer($0.id) }
      if !missing.isEmpty {
        progress.show(
          label: reference.description, layers: missing.count,
          bytes: missing.reduce(0) { $0 + ($1.descriptor?.size ?? 0) })
      }
    }
    defer { progress.stop() }
    let pull = try puller.pull(image)
    recorder.pull = pull
    for layer in layers { store.touchLayer(layer) }

    // The image is assembled (and mounted) in tmp/, then renamed into images/: an
    // image directory is never seen half-made, and a killed create leaves only a
    // locked-then-abandoned tmp/ entry for recovery.
    let paths = store.imagePaths(id)
    let mountSpec = try driver.mountSpec(for: paths, layers: layers, in: store)
    let work = try store.makeWorkDirectory(purpose: "image", subvolume: driver.imageRootIsSubvolume(limit: limit))
    let workPaths = ImagePaths(root: work.path)
    var mounted = false
    do {
      try driver.prepare(workPaths, layers: layers, limit: limit, store: store)
      var metadata = ImageMetadata(
        id: id.value, reference: reference.description, driver: driver.name, layers: layers,
        manifestDigest: image.manifestDigest, configDigest: image.configDigest, env: image.env,
        mounted: request.mount && mountSpec != nil)
      metadata.diskLimitBytes = limit?.bytes
      try store.writeImageMetadata(metadata, in: workPaths)
      if request.mount, let spec = try driver.mountSpec(for: workPaths, layers: layers, in: store) {
        try driver.mount(spec, at: workPaths, in: store)
        mounted = true
      }
      try store.publishImage(from: work, as: id)
    } catch {
      if mounted { try? driver.unmount(workPaths, id: id) }
      try? FileSystem.removeTree(work.path)
      throw error
    }
    logger.info(
      "image created",
      metadata: [
        "id": "\(id)", "image": "\(reference)", "layers_reused": "\(pull.layersReused)",
        "layers_unpacked": "\(pull.layersUnpacked)", "bytes_unpacked": "\(pull.bytesUnpacked)",
      ])
    return RuntimeSpecFragment(
      rootPath: paths.rootfs, env: image.env, mounts: request.mount ? nil : mountSpec.map { [$0] },
      imageConfig: image.configBytes)
  }

  /// Deletes an image; one that is not there is not an error (GrootFS's rule, so
  /// retries after a partial failure succeed).
  public func delete(_ argument: String) throws {
    let (store, lock) = try openForWork()
    defer { withExtendedLifetime(lock) {} }
    recorder.imageID = argument
    let id = try store.imageID(named: argument)
    guard store.hasImage(id) else {
      logger.info("image not found, nothing to delete", metadata: ["id": "\(id)"])
      return
    }
    let paths = store.imagePaths(id)
    try ImageDrivers.driver(named: store.configuration.driver).unmount(paths, id: id)
    try store.discard(paths.root)
    logger.info("image deleted", metadata: ["id": "\(id)"])
  }

  /// One line per image: its directory.
  public func list() throws -> [String] {
    let store = try Store.open(at: settings.storePath)
    return try store.imageIDs().map { store.imagePaths($0).root }
  }

  /// Total bytes (the image's layers plus what the container wrote) and exclusive
  /// bytes (what the container wrote), as allocated on disk.
  public func stats(_ argument: String) throws -> ImageStatsOutput {
    let store = try Store.open(at: settings.storePath)
    let id = try store.imageID(named: argument)
    let metadata = try store.imageMetadata(id)
    let driver = try ImageDrivers.driver(named: store.configuration.driver)
    let usage = try driver.stats(store.imagePaths(id), layers: metadata.layers, store: store)
    return ImageStatsOutput(total: usage.total, exclusive: usage.exclusive)
  }
}
