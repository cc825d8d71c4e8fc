import CGrootSys
import GrootIO

#if canImport(Glibc)
  import Glibc
#endif

/// The file system a path lives on, from statfs(2)'s magic number.
public enum FileSystemKind: Equatable, CustomStringConvertible {
  case btrfs, xfs, ext4, tmpfs, overlay
  case other(Int)

  public init(path: String) throws {
    let magic = groot_fs_magic(path)
    guard magic >= 0 else { throw SystemError("statfs", path) }
    switch magic {
    case 0x9123_683E: self = .btrfs
    case 0x5846_5342: self = .xfs
    case 0xEF53: self = .ext4
    case 0x0102_1994: self = .tmpfs
    case 0x794C_7630: self = .overlay
    case let magic: self = .other(magic)
    }
  }

  public var description: String {
    switch self {
    case .btrfs: return "btrfs"
    case .xfs: return "xfs"
    case .ext4: return "ext4"
    case .tmpfs: return "tmpfs"
    case .overlay: return "overlayfs"
    case .other(let magic): return "a file system with magic 0x\(String(magic, radix: 16))"
    }
  }
}
