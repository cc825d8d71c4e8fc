import GrootIO

#if canImport(Glibc)
  import Glibc
#endif

/// Why a root filesystem could not be mounted, unmounted or limited.
public enum DriverError: ClassifiedError, Equatable {
  case unknownDriver(String)
  case tooManyLayers(count: Int, optionBytes: Int, limit: Int)
  case mountFailed(target: String, errno: Int32)
  case unmountFailed(target: String, errno: Int32)
  case imageBusy(id: String, rootfs: String)
  case diskLimitUnsupported(store: String, fileSystem: String)
  case quotaDisabled(store: String)
  case xfsQuotaUnavailable(store: String)
  case limitBelowImageSize(limit: Int64, image: Int64)
  case needsBtrfsStore(store: String, fileSystem: String)

  public var kind: ErrorKind? {
    switch self {
    case .imageBusy: return .imageBusy
    case .mountFailed, .unmountFailed: return .mountFailed
    case .limitBelowImageSize, .unknownDriver: return .invalidArgument
    case .tooManyLayers: return .tooManyLayers
    case .diskLimitUnsupported, .quotaDisabled, .xfsQuotaUnavailable, .needsBtrfsStore: return .diskLimitUnsupported
    }
  }

  public var description: String {
    switch self {
    case .unknownDriver(let name):
      return "unknown driver '\(name)': use overlay or btrfs"
    case .tooManyLayers(let count, let optionBytes, let limit):
      return
        "image has \(count) layers: its overlay mount options need \(optionBytes) bytes, more than the \(limit) the kernel takes"
    case .mountFailed(let target, let errno):
      return "cannot mount overlay at \(target): \(String(cString: strerror(errno)))"
    case .unmountFailed(let target, let errno):
      return "cannot unmount \(target): \(String(cString: strerror(errno)))"
    case .imageBusy(let id, let rootfs):
      return "image '\(id)' is busy: a process is still using \(rootfs); stop it and delete again"
    case .quotaDisabled(let store):
      return
        "cannot enforce --disk-limit-size-bytes: btrfs quotas are off on store \(store) (run 'groot init-store' to enable them)"
    case .xfsQuotaUnavailable(let store):
      return
        "cannot enforce --disk-limit-size-bytes: store \(store) is XFS without project quotas (this kernel or mount has no XFS quota support); use a btrfs store"
    case .limitBelowImageSize(let limit, let image):
      return
        "disk limit of \(limit) bytes is smaller than the image itself (\(image) bytes); raise it or use --exclude-image-from-quota"
    case .needsBtrfsStore(let store, let fileSystem):
      return
        "the btrfs driver needs a btrfs store, but \(store) is on \(fileSystem): use 'init-store --store-size-bytes N' for a btrfs backing store"
    case .diskLimitUnsupported(let store, let fileSystem):
      return
        "cannot enforce --disk-limit-size-bytes: store \(store) is on \(fileSystem), which groot cannot limit (needs btrfs with qgroups or XFS with project quotas)"
    }
  }
}
