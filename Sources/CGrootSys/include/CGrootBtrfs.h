#ifndef CGROOTBTRFS_H
#define CGROOTBTRFS_H

#include <stdint.h>

// btrfs ioctls (linux/btrfs.h). Each returns 0 or -1 with errno set.

/// Creates subvolume `name` in directory `parentfd`.
int groot_btrfs_subvol_create(int parentfd, const char *name);
/// Snapshots the subvolume open at `sourcefd` as `name` in `parentfd`.
int groot_btrfs_snapshot(int sourcefd, int parentfd, const char *name);
/// Deletes subvolume `name` in `parentfd`, contents and all.
int groot_btrfs_subvol_delete(int parentfd, const char *name);
/// The id of the subvolume holding `fd`.
int groot_btrfs_subvol_id(int fd, uint64_t *id);
/// Limits qgroup 0/`subvolid` (0: the subvolume of `fd`): referenced bytes, or
/// exclusive bytes when `exclusive`.
int groot_btrfs_qgroup_limit(int fd, uint64_t subvolid, uint64_t bytes, int exclusive);
/// Removes qgroup 0/`subvolid`.
int groot_btrfs_qgroup_destroy(int fd, uint64_t subvolid);
/// Referenced and exclusive bytes of qgroup 0/`subvolid`, as of the last commit.
int groot_btrfs_qgroup_usage(int fd, uint64_t subvolid, uint64_t *referenced, uint64_t *exclusive);
/// Enables quotas (qgroups) on the file system holding `fd`.
int groot_btrfs_quota_enable(int fd);
/// Commits the current transaction, so qgroup numbers are current.
int groot_btrfs_sync(int fd);
/// 1 if `path` is the root of a mount, 0 if not, -1 with errno on failure (statx).
int groot_is_mount_root(int dirfd, const char *name);

#endif
