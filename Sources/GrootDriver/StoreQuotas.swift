import GrootIO
import GrootStore

/// btrfs qgroups on the store: on whenever the store is btrfs (limits and stats
/// need them), required for a limit.
enum StoreQuotas {
  static func enableWhereBtrfs(_ store: Store) throws {
    if try FileSystemKind(path: store.path) == .btrfs && !Btrfs.quotaEnabled(store.path) {
      try Btrfs.enableQuota(store.path)
    }
  }

  static func requireBtrfsQuotas(_ store: Store) throws {
    switch try FileSystemKind(path: store.path) {
    case .btrfs:
      guard Btrfs.quotaEnabled(store.path) else { throw DriverError.quotaDisabled(store: store.path) }
    case .xfs:
      throw DriverError.xfsQuotaUnavailable(store: store.path)
    case let other:
      throw DriverError.diskLimitUnsupported(store: store.path, fileSystem: other.description)
    }
  }
}
