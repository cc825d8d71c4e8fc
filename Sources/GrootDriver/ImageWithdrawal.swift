import GrootIO
import GrootStore

#if canImport(Glibc)
  import Glibc
#endif

extension Store {
  /// Deletes an image so that a kill at any moment leaves it whole or gone, never
  /// listed and empty: it is locked where it is, then leaves images/ by one rename
  /// into tmp/ (mounts move with it), locked there as any work directory is, and
  /// is unmounted and removed there. A busy rootfs is put back and reported.
  /// Killed after the rename, recovery finishes the job. False when there was no
  /// such image (or another delete took it first).
  public func withdrawImage(_ id: ImageID, snapshotter: Snapshotter, timeout: Double) throws -> Bool {
    let paths = imagePaths(id)
    // Its creator lets go once it is published; another delete, once done.
    guard let lock = try FileLock.acquireExisting(paths.root, .exclusive, timeout: timeout, what: "image \(id)")
    else { return false }
    defer { withExtendedLifetime(lock) {} }
    let aside = ImagePaths(root: FileSystem.uniqueName(in: temporaryPath, prefix: "delete"))
    guard rename(paths.root, aside.root) == 0 else {
      let code = errno
      if code == ENOENT { return false }
      throw SystemError("rename", paths.root, errno: code)
    }
    FileSystem.syncDirectory(of: paths.root)
    do {
      try snapshotter.unmount(aside, id: id)
    } catch DriverError.imageBusy {
      if rename(aside.root, paths.root) == 0 { throw DriverError.imageBusy(id: id.value, rootfs: paths.rootfs) }
      // A create took the id meanwhile: this one is deleted, once unused.
      umount2(aside.rootfs, Int32(MNT_DETACH))
    }
    try FileSystem.removeTree(aside.root)
    return true
  }
}
