import CGrootSys
import Foundation
import GrootIO

#if canImport(Glibc)
  import Glibc
#endif

/// mount(2) with relative paths resolved against `directory`, on a thread that
/// has its own working directory (unshare(CLONE_FS)): the process's, and every
/// other thread's, stays where it was.
enum MountThread {
  static func mount(source: String, target: String, type: String, data: String, in directory: String) throws {
    let result = Locked<Error?>(nil)
    let done = DispatchSemaphore(value: 0)
    let thread = Thread {
      defer { done.signal() }
      guard groot_unshare_fs() == 0 else { return result.set(SystemError("unshare(CLONE_FS)", directory)) }
      guard chdir(directory) == 0 else { return result.set(SystemError("chdir", directory)) }
      if Glibc.mount(source, target, type, 0, data) != 0 {
        result.set(DriverError.mountFailed(target: target, errno: errno))
      }
    }
    thread.start()
    done.wait()
    if let error = result.get() { throw error }
  }
}
