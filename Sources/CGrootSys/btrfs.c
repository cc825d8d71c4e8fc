#define _GNU_SOURCE
#include "CGrootBtrfs.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/btrfs.h>
#include <linux/btrfs_tree.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <endian.h>

static int copy_name(char *dest, size_t size, const char *name) {
  if (strlen(name) >= size) {
    errno = ENAMETOOLONG;
    return -1;
  }
  strcpy(dest, name);
  return 0;
}

int groot_btrfs_subvol_create(int parentfd, const char *name) {
  struct btrfs_ioctl_vol_args args;
  memset(&args, 0, sizeof(args));
  if (copy_name(args.name, sizeof(args.name), name) != 0) return -1;
  return ioctl(parentfd, BTRFS_IOC_SUBVOL_CREATE, &args);
}

int groot_btrfs_snapshot(int sourcefd, int parentfd, const char *name) {
  struct btrfs_ioctl_vol_args_v2 args;
  memset(&args, 0, sizeof(args));
  args.fd = sourcefd;
  if (copy_name(args.name, sizeof(args.name), name) != 0) return -1;
  return ioctl(parentfd, BTRFS_IOC_SNAP_CREATE_V2, &args);
}

int groot_btrfs_subvol_delete(int parentfd, const char *name) {
  struct btrfs_ioctl_vol_args args;
  memset(&args, 0, sizeof(args));
  if (copy_name(args.name, sizeof(args.name), name) != 0) return -1;
  return ioctl(parentfd, BTRFS_IOC_SNAP_DESTROY, &args);
}

int groot_btrfs_subvol_id(int fd, uint64_t *id) {
  struct btrfs_ioctl_ino_lookup_args args;
  memset(&args, 0, sizeof(args));
  args.objectid = BTRFS_FIRST_FREE_OBJECTID;
  if (ioctl(fd, BTRFS_IOC_INO_LOOKUP, &args) != 0) return -1;
  *id = args.treeid;
  return 0;
}

int groot_btrfs_qgroup_limit(int fd, uint64_t subvolid, uint64_t bytes, int exclusive) {
  struct btrfs_ioctl_qgroup_limit_args args;
  memset(&args, 0, sizeof(args));
  args.qgroupid = subvolid;
  if (exclusive) {
    args.lim.flags = BTRFS_QGROUP_LIMIT_MAX_EXCL;
    args.lim.max_excl = bytes;
  } else {
    args.lim.flags = BTRFS_QGROUP_LIMIT_MAX_RFER;
    args.lim.max_rfer = bytes;
  }
  return ioctl(fd, BTRFS_IOC_QGROUP_LIMIT, &args);
}

int groot_btrfs_qgroup_destroy(int fd, uint64_t subvolid) {
  struct btrfs_ioctl_qgroup_create_args args;
  memset(&args, 0, sizeof(args));
  args.create = 0;
  args.qgroupid = subvolid;
  return ioctl(fd, BTRFS_IOC_QGROUP_CREATE, &args);
}

int groot_btrfs_qgroup_usage(int fd, uint64_t subvolid, uint64_t *referenced, uint64_t *exclusive) {
  struct btrfs_ioctl_search_args args;
  memset(&args, 0, sizeof(args));
  struct btrfs_ioctl_search_key *key = &args.key;
  key->tree_id = BTRFS_QUOTA_TREE_OBJECTID;
  key->min_objectid = 0;
  key->max_objectid = 0;
  key->min_type = BTRFS_QGROUP_INFO_KEY;
  key->max_type = BTRFS_QGROUP_INFO_KEY;
  key->min_offset = subvolid;
  key->max_offset = subvolid;
  key->max_transid = (uint64_t)-1;
  key->nr_items = 1;
  if (ioctl(fd, BTRFS_IOC_TREE_SEARCH, &args) != 0) return -1;
  if (key->nr_items == 0) {
    errno = ENOENT;
    return -1;
  }
  struct btrfs_ioctl_search_header *header = (struct btrfs_ioctl_search_header *)args.buf;
  struct btrfs_qgroup_info_item *info = (struct btrfs_qgroup_info_item *)(header + 1);
  *referenced = le64toh(info->rfer);
  *exclusive = le64toh(info->excl);
  return 0;
}

int groot_btrfs_quota_enable(int fd) {
  struct btrfs_ioctl_quota_ctl_args args;
  memset(&args, 0, sizeof(args));
  args.cmd = BTRFS_QUOTA_CTL_ENABLE;
  return ioctl(fd, BTRFS_IOC_QUOTA_CTL, &args);
}

int groot_btrfs_sync(int fd) { return ioctl(fd, BTRFS_IOC_SYNC, 0); }

int groot_is_mount_root(int dirfd, const char *name) {
  struct statx st;
  if (statx(dirfd, name, AT_SYMLINK_NOFOLLOW, STATX_BASIC_STATS, &st) != 0) return -1;
  if (!(st.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT)) {
    errno = ENOTSUP;
    return -1;
  }
  return (st.stx_attributes & STATX_ATTR_MOUNT_ROOT) ? 1 : 0;
}
