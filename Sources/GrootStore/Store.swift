import Foundation
import GrootIO
import GrootOCI

#if canImport(Glibc)
  import Glibc
#endif

/// The on-disk store: shared unpacked layers, per-image directories, work space.
///
/// ```
/// STORE/store.json         version, driver, id mappings
/// STORE/layers/HEX/        one layer: diff/ (its files) and layer.json
/// STORE/images/ID/         rootfs/, diff/, work/, image.json
/// STORE/DRIVER/            the snapshotter's own (overlay/: short links to layer diffs)
/// STORE/tmp/               in-flight work, renamed into place when whole
/// STORE/trash/             what killed processes left, moved aside, removed later
/// STORE/locks/             lock files
/// ```
/// Everything appears by rename(2) of a finished directory: a layer or image is
/// either whole or absent.
public final class Store {
  public static let defaultPath = "/var/lib/groot"
  static let configName = "store.json"

  public let path: String
  public let configuration: StoreConfiguration

  public var layersPath: String { path.appending(path: "layers") }
  public var imagesPath: String { path.appending(path: "images") }
  public var temporaryPath: String { path.appending(path: "tmp") }
  public var locksPath: String { path.appending(path: "locks") }

  private init(path: String, configuration: StoreConfiguration) {
    self.path = path
    self.configuration = configuration
  }

  /// Creates the store's layout, 0700 and owned by the user the id mappings make
  /// root (as GrootFS: a container's root must reach its rootfs through it). On an
  /// existing store of the same driver and mappings it only makes sure the layout
  /// and its owner are right; other mappings are refused, as by GrootFS.
  public static func initialize(at path: String, configuration: StoreConfiguration) throws -> Store {
    let configPath = path.appending(path: configName)
    if FileSystem.exists(configPath) {
      let existing = try open(at: path)
      guard existing.configuration.driver == configuration.driver else {
        throw StoreError.driverMismatch(
          store: path, existing: existing.configuration.driver, requested: configuration.driver)
      }
      for (kind, old, new) in [
        ("UID", existing.configuration.uidMappings, configuration.uidMappings),
        ("GID", existing.configuration.gidMappings, configuration.gidMappings),
      ] where IDMapping.normalized(old) != IDMapping.normalized(new) {
        throw StoreError.mappingsMismatch(kind: kind)
      }
      try existing.makeLayout()
      return existing
    }
    try checkNotGrootFS(path)
    try FileSystem.makeDirectory((path as NSString).deletingLastPathComponent)
    try FileSystem.makeDirectory(path, mode: 0o700)
    let store = Store(path: path, configuration: configuration)
    try store.makeLayout()
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    try FileSystem.writeAtomically(Array(try encoder.encode(configuration)), to: configPath)
    return store
  }

  /// Opens an initialized store. One a delete-store began is refused, unless
  /// `deleting` (delete-store itself, to finish).
  public static func open(at path: String, deleting: Bool = false) throws -> Store {
    let configPath = path.appending(path: configName)
    guard FileSystem.exists(configPath) else {
      try checkNotGrootFS(path)
      if FileSystem.exists(path.appending(path: deletingMarker)) { throw StoreError.beingDeleted(path) }
      if FileSystem.exists(path + ".backing-store") { throw StoreError.backingStoreNotMounted(path) }
      throw StoreError.notInitialized(path)
    }
    if !deleting && FileSystem.exists(path.appending(path: deletingMarker)) { throw StoreError.beingDeleted(path) }
    do {
      let document = try JSONValue.parse(try FileSystem.readFile(configPath))
      return Store(path: path, configuration: try StoreConfiguration(json: JSONFields(document)))
    } catch {
      throw StoreError.unreadableMetadata(configPath, reason: JSONErrorText.describe(error))
    }
  }

  /// Written first by delete-store: the store is no longer used, only deleted.
  static let deletingMarker = "deleting"

  /// Whether `path` is a store groot made (or one it was deleting).
  public static func isGrootStore(_ path: String) -> Bool {
    FileSystem.exists(path.appending(path: configName)) || FileSystem.exists(path.appending(path: deletingMarker))
  }

  public func markDeleting() throws {
    try FileSystem.writeAtomically([], to: path.appending(path: Self.deletingMarker))
  }

  /// Removes everything in the store but the files that make it one, which go
  /// last: a delete-store killed half-way leaves a store delete-store recognises.
  public func removeContents() throws {
    let keep = [Self.configName, Self.deletingMarker]
    for name in try FileSystem.listDirectory(path) where !keep.contains(name) {
      try FileSystem.removeTree(path.appending(path: name))
    }
    unlink(path.appending(path: Self.configName))
  }

  /// The directories by which a GrootFS store is known (its store.go).
  static let grootfsMarkers = ["volumes", "meta", "images"]

  /// Whether `path` holds a store GrootFS made.
  public static func isGrootFSStore(_ path: String) -> Bool {
    !FileSystem.exists(path.appending(path: configName))
      && grootfsMarkers.allSatisfy { FileSystem.isDirectory(path.appending(path: $0)) }
  }

  /// A GrootFS store is never read as ours: it is refused, with the way out.
  private static func checkNotGrootFS(_ path: String) throws {
    if isGrootFSStore(path) { throw StoreError.grootfsStore(path) }
  }

  /// Decodes one of the store's JSON files, naming the file when it cannot.
  static func readMetadata<T: Decodable>(_ type: T.Type, at path: String) throws -> T {
    do {
      return try JSONCoding.decoder.decode(type, from: Data(try FileSystem.readFile(path)))
    } catch {
      throw StoreError.unreadableMetadata(path, reason: JSONErrorText.describe(error))
    }
  }

  private func makeLayout() throws {
    let owner = configuration.owner
    try FileSystem.setOwner(path, uid: owner.uid, gid: owner.gid, mode: 0o700)
    for directory in [layersPath, imagesPath, temporaryPath, locksPath, trashPath] {
      try FileSystem.makeDirectory(directory, mode: 0o755)
      try FileSystem.setOwner(directory, uid: owner.uid, gid: owner.gid, mode: 0o755)
    }
    _ = try FileLock.attempt(storeLockPath, .shared)
  }

  /// A fresh directory under tmp/ for work that is renamed into place when done;
  /// locked while this process works in it. `make` makes it: a plain directory
  /// unless told otherwise.
  public func makeWorkDirectory(
    purpose: String, make: (String) throws -> Void = { try FileSystem.makeNewDirectory($0) }
  ) throws -> WorkDirectory {
    try WorkDirectory(in: temporaryPath, purpose: purpose, make: make)
  }

  /// Makes a finished directory visible at `target` by one rename, durable once
  /// it returns. False when another process published `target` first.
  func publish(_ directory: String, as target: String) throws -> Bool {
    if rename(directory, target) == 0 {
      FileSystem.syncDirectory(of: target)
      return true
    }
    let code = errno
    if code == EEXIST || code == ENOTEMPTY { return false }
    throw SystemError("rename", target, errno: code)
  }

  /// Bytes the store's file system holds in all (its backing store's size).
  public func capacity() throws -> Int64 {
    var info = statvfs()
    guard statvfs(path, &info) == 0 else { throw SystemError("statvfs", path) }
    return Int64(info.f_blocks) * Int64(info.f_frsize)
  }

  /// Removes a directory by first renaming it into tmp/ (so it vanishes from its
  /// place at once), then deleting it. Killed half-way, recovery finishes the job.
  public func discard(_ directory: String) throws {
    guard FileSystem.exists(directory) else { return }
    let graveyard = try makeWorkDirectory(purpose: "discard")
    let target = graveyard.path.appending(path: "content")
    guard rename(directory, target) == 0 else { throw SystemError("rename", directory) }
    try FileSystem.removeTree(graveyard.path)
  }
}

/// store.json.
public struct StoreConfiguration: Codable, Equatable, Sendable {
  public var version: Int
  public var driver: String
  public var uidMappings: [IDMapping]
  public var gidMappings: [IDMapping]
  /// The loop-mounted file the store lives on, when init-store made one.
  public var backingStore: BackingStoreInfo?

  public init(
    driver: String, uidMappings: [IDMapping] = [], gidMappings: [IDMapping] = [],
    backingStore: BackingStoreInfo? = nil
  ) {
    self.backingStore = backingStore
    self.version = 1
    self.driver = driver
    self.uidMappings = uidMappings
    self.gidMappings = gidMappings
  }

  /// Reads store.json without Codable (GrootIO's JSONValue: start-up), as every
  /// command opens the store.
  init(json fields: JSONFields) throws {
    func mappings(_ key: String) throws -> [IDMapping] {
      try fields.array(key) { value, path in
        let mapping = try JSONFields(value, path: path)
        func id(_ key: String) throws -> UInt32 {
          guard let id = UInt32(exactly: try mapping.int64(key)) else {
            throw JSONFieldError.wrongType(mapping.subpath(key))
          }
          return id
        }
        return IDMapping(containerID: try id("containerID"), hostID: try id("hostID"), size: try id("size"))
      }
    }
    self.init(
      driver: try fields.string("driver"), uidMappings: try mappings("uidMappings"),
      gidMappings: try mappings("gidMappings"),
      backingStore: try fields.optionalFields("backingStore").map { backing in
        BackingStoreInfo(
          file: try backing.string("file"), fileSystem: try backing.string("fileSystem"),
          sizeBytes: try backing.int64("sizeBytes"))
      })
    version = try fields.int("version")
  }

  /// Who owns the store, its images and their rootfs: the host user and group
  /// the mappings make root in a container (Garden's maximus), else whoever runs
  /// groot (root, under Garden), as GrootFS's store manager decides.
  public var owner: (uid: UInt32, gid: UInt32) {
    (IDMapping.hostID(ofRoot: uidMappings) ?? geteuid(), IDMapping.hostID(ofRoot: gidMappings) ?? getegid())
  }
}

/// A backing store: a file of a fixed size, formatted and loop-mounted at the store
/// (GrootFS puts it at `STORE.backing-store`).
public struct BackingStoreInfo: Codable, Equatable, Sendable {
  public var file: String
  public var fileSystem: String
  public var sizeBytes: Int64

  public init(file: String, fileSystem: String, sizeBytes: Int64) {
    self.file = file
    self.fileSystem = fileSystem
    self.sizeBytes = sizeBytes
  }
}
