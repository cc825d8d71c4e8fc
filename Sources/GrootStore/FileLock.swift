import Foundation
import GrootIO

#if canImport(Glibc)
  import Glibc
#endif

/// An flock(2) lock, released when the value goes away (or its process dies, so a
/// killed groot never leaves a lock held).
///
/// Lock files can be removed: a holder may unlink its file while holding it, and
/// every taker checks after locking that the path still names the inode it
/// locked, retrying if not. So no one ever holds a lock on a file that is gone.
public final class FileLock {
  public enum Mode {
    case shared, exclusive

    var operation: Int32 { self == .shared ? LOCK_SH : LOCK_EX }
  }

  let path: String
  private var fd: Int32

  private init(path: String, fd: Int32) {
    self.path = path
    self.fd = fd
  }

  deinit { release() }

  public func release() {
    if fd >= 0 { close(fd) }
    fd = -1
  }

  /// Removes the lock file; only while holding the lock exclusively.
  public func unlinkWhileHeld() {
    if fd >= 0 && isCurrent(fd: fd, path: path) { unlink(path) }
  }

  /// Takes the lock on `path` (a file, made if missing, or a directory), waiting at
  /// most `timeout` seconds; `what` names it in the timeout error.
  public static func acquire(_ path: String, _ mode: Mode, timeout: Double, what: String) throws -> FileLock {
    // Made if missing, so it is never reported missing.
    guard let lock = try waitFor(path, mode, create: true, timeout: timeout, what: what) else {
      throw SystemError("open", path, errno: ENOENT)
    }
    return lock
  }

  /// Takes the lock on a path that must exist (a directory to be renamed away,
  /// say), waiting at most `timeout` seconds while another process holds it.
  /// Nil when nothing is there, or no longer once the holder let go.
  public static func acquireExisting(_ path: String, _ mode: Mode, timeout: Double, what: String) throws
    -> FileLock?
  {
    try waitFor(path, mode, create: false, timeout: timeout, what: what)
  }

  /// Attempts until the lock is free (backing off from 1 ms to 100 ms) or the
  /// path is missing; past `timeout` seconds, the lock-timeout error.
  private static func waitFor(_ path: String, _ mode: Mode, create: Bool, timeout: Double, what: String) throws
    -> FileLock?
  {
    var delay: UInt32 = 1000
    let deadline = monotonicSeconds() + timeout
    while true {
      switch try attemptOnce(path, mode, create: create) {
      case .locked(let lock): return lock
      case .missing: return nil
      case .busy:
        guard monotonicSeconds() < deadline else { throw StoreError.lockTimeout(what: what, seconds: timeout) }
        usleep(delay)
        delay = min(delay * 2, 100_000)
      }
    }
  }

  /// Takes the lock only if nobody holds a conflicting one. With `create` false a
  /// missing path gives nil instead of a new lock file.
  public static func attempt(_ path: String, _ mode: Mode, create: Bool = true) throws -> FileLock? {
    if case .locked(let lock) = try attemptOnce(path, mode, create: create) { return lock }
    return nil
  }

  private enum Attempt {
    case locked(FileLock)
    case busy
    case missing
  }

  private static func attemptOnce(_ path: String, _ mode: Mode, create: Bool) throws -> Attempt {
    while true {
      guard let fd = try openTarget(path, create: create) else { return .missing }
      if flock(fd, mode.operation | LOCK_NB) != 0 {
        let code = errno
        close(fd)
        if code == EWOULDBLOCK || code == EINTR { return .busy }
        throw SystemError("flock", path, errno: code)
      }
      if isCurrent(fd: fd, path: path) { return .locked(FileLock(path: path, fd: fd)) }
      close(fd)  // unlinked (or replaced) by its holder meanwhile: try the new one
      if !create && !FileSystem.exists(path) { return .missing }
    }
  }

  private static func openTarget(_ path: String, create: Bool) throws -> Int32? {
    let flags = O_RDONLY | O_CLOEXEC | O_NOFOLLOW | (create ? O_CREAT : 0)
    let fd = open(path, flags, 0o600)
    if fd >= 0 { return fd }
    if errno == EISDIR {
      return try retryingEINTR("open", path) { open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW) }
    }
    if errno == ENOENT && !create { return nil }
    throw SystemError("open", path)
  }
}

private func isCurrent(fd: Int32, path: String) -> Bool {
  var held = stat()
  var named = stat()
  return fstat(fd, &held) == 0 && lstat(path, &named) == 0 && held.st_ino == named.st_ino
    && held.st_dev == named.st_dev
}

/// A directory under tmp/ that this process is working in. It is flocked for as
/// long as the value lives, so recovery can tell live work from a dead process's.
/// It is made under a dot-name, locked, then renamed into view: recovery never
/// sees it unlocked.
public final class WorkDirectory {
  public let path: String
  private let lock: FileLock

  /// `make` makes the directory (a plain one, or a subvolume); whatever it makes
  /// is locked before it is renamed into view.
  init(in parent: String, purpose: String, make: (String) throws -> Void) throws {
    let hidden = try FileSystem.makeUniqueDirectory(in: parent, prefix: ".new-\(purpose)", make: make)
    guard let lock = try FileLock.attempt(hidden, .exclusive, create: false) else {
      throw SystemError("flock", hidden, errno: EWOULDBLOCK)
    }
    let visible = parent.appending(path: String((hidden as NSString).lastPathComponent.dropFirst(".new-".count)))
    guard rename(hidden, visible) == 0 else { throw SystemError("rename", hidden) }
    self.path = visible
    self.lock = lock
  }

  /// Gives up the lock once the directory itself has left tmp/ (renamed into
  /// place), so nobody who locks it there waits for this process to exit.
  public func release() { lock.release() }
}
