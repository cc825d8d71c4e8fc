import Foundation
import GrootDriver
import GrootIO
import GrootStore

#if canImport(Glibc)
  import Glibc
#endif

extension ImageManager {
  /// Unmounts the images and removes the store, with its backing file. Only a
  /// store groot made (or GrootFS made) is removed: any other path is refused and
  /// left as it is. Mounted images make it refuse unless `force` (GrootFS always
  /// unmounts them; a busy one still fails). Killed at any point, running it
  /// again finishes the job: the store is marked first (no other command uses it
  /// from then on) and its store.json goes last.
  public func deleteStore(force: Bool) throws {
    let path = settings.storePath
    guard let st = try FileSystem.lstatIfPresent(path) else {
      logger.info("store not found", metadata: ["store": "\(path)"])
      return
    }
    guard (st.st_mode & S_IFMT) == S_IFDIR else { throw StoreError.notAStore(path, reason: "not a directory") }
    if Store.isGrootFSStore(path) { return try deleteGrootFSStore() }
    let backingFile = BackingStore.file(for: path)
    guard Store.isGrootStore(path) else {
      // A backing store unmounted (by a reboot, or a delete-store killed after
      // unmounting it): the mount point is empty, the data is in the file.
      if FileSystem.exists(backingFile), try !MountTable.isMountPoint(path),
        (try? FileManager.default.contentsOfDirectory(atPath: path))?.isEmpty == true
      {
        try BackingStore.detach(store: path, info: BackingStoreInfo(file: backingFile, fileSystem: "", sizeBytes: 0))
        try FileSystem.removeTree(path)
        logger.info("store deleted", metadata: ["store": "\(path)"])
        return
      }
      throw StoreError.notAStore(path, reason: "no store.json")
    }
    let store = try Store.open(at: path, deleting: true)
    let backing = store.configuration.backingStore
    // A delete-store killed half-way may have removed locks/ and images/ already.
    try FileSystem.makeDirectory(store.locksPath)
    let lock = try store.lockStore(.exclusive, timeout: settings.lockTimeout)
    let snapshotter = try dependencies.snapshotter(store.configuration.driver)
    let mounted = try Set(MountTable.mounts(under: store.imagesPath).map(\.mountPoint))
    let images = FileSystem.exists(store.imagesPath) ? try store.imageIDs() : []
    let mountedImages = images.filter { mounted.contains(store.imagePaths($0).rootfs) }
    if !mountedImages.isEmpty && !force {
      throw CoreError.imagesStillMounted(mountedImages.map(\.value))
    }
    try store.markDeleting()
    for id in mountedImages {
      try snapshotter.unmount(store.imagePaths(id), id: id)
    }
    for mount in try MountTable.mounts(under: store.temporaryPath).reversed() {
      umount2(mount.mountPoint, Int32(MNT_DETACH))  // work of killed creates
    }
    let others = try MountTable.mounts(under: path).map(\.mountPoint).filter { $0 != path || backing == nil }
    guard others.isEmpty else { throw CoreError.foreignMounts(others) }
    if let backing {
      lock.release()
      try BackingStore.detach(store: path, info: backing)
    } else {
      try store.removeContents()
    }
    try FileSystem.removeTree(path)
    withExtendedLifetime(lock) {}
    logger.info("store deleted", metadata: ["store": "\(path)"])
  }

  /// A GrootFS store: its images' rootfs mounts and backing store unmounted,
  /// then removed, so an operator can move a host from GrootFS to groot.
  private func deleteGrootFSStore() throws {
    let path = settings.storePath
    for mount in try MountTable.mounts(under: path.appending(path: "images")).reversed() {
      guard umount2(mount.mountPoint, 0) == 0 else {
        throw DriverError.unmountFailed(target: mount.mountPoint, errno: errno)
      }
    }
    if try MountTable.isMountPoint(path) {
      guard umount2(path, 0) == 0 else { throw DriverError.unmountFailed(target: path, errno: errno) }
    }
    let others = try MountTable.mounts(under: path).map(\.mountPoint)
    guard others.isEmpty else { throw CoreError.foreignMounts(others) }
    try FileSystem.removeTree(path)
    if unlink(BackingStore.file(for: path)) != 0 && errno != ENOENT {
      throw SystemError("unlink", BackingStore.file(for: path))
    }
    logger.info("grootfs store deleted", metadata: ["store": "\(path)"])
  }
}
