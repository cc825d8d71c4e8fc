import GrootIO
import GrootStore

#if canImport(Glibc)
  import Glibc
#endif

extension Store {
  /// Deletes an image so that a kill at any moment leaves it whole or gone, never
  /// listed and empty: it leaves images/ first, by one rename into a locked work
  /// directory (mounts move with it), and is unmounted and removed there. A busy
  /// rootfs is put back and reported. Killed after the rename, recovery finishes
  /// the job. False when there was no such image.
  public func withdrawImage(_ id: ImageID, snapshotter: Snapshotter) throws -> Bool {
    let paths = imagePaths(id)
    let work = try makeWorkDirectory(purpose: "delete")
    let aside = ImagePaths(root: work.path.appending(path: "image"))
    guard rename(paths.root, aside.root) == 0 else {
      let code = errno
      try? FileSystem.removeTree(work.path)
      if code == ENOENT { return false }
      throw SystemError("rename", paths.root, errno: code)
    }
    FileSystem.syncDirectory(of: paths.root)
    do {
      try snapshotter.unmount(aside, id: id)
    } catch DriverError.imageBusy {
      if rename(aside.root, paths.root) == 0 {
        try? FileSystem.removeTree(work.path)
        throw DriverError.imageBusy(id: id.value, rootfs: paths.rootfs)
      }
      // A create took the id meanwhile: this one is deleted, once unused.
      umount2(aside.rootfs, Int32(MNT_DETACH))
    }
    try FileSystem.removeTree(work.path)
    return true
  }
}
