#ifndef CGROOTSYS_H
#define CGROOTSYS_H

#include <sys/types.h>
#include <stdint.h>
#include "CGrootBtrfs.h"
#include <sys/xattr.h>

/// Flags glibc hides behind _GNU_SOURCE.
#define GROOT_O_PATH 010000000
#define GROOT_AT_EMPTY_PATH 0x1000
#define GROOT_POSIX_SPAWN_SETSID 0x80

/// LOOP_SET_DIRECT_IO on a loop device: 1 on, 0 off. Returns 0 or -1 with errno set.
int groot_loop_set_direct_io(int fd, unsigned long enabled);

/// openat2(2) with RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS: resolves `path` as if
/// `dirfd` were the root, so neither `..` nor absolute symlinks can leave it.
/// Returns a file descriptor or -1 with errno set.
int groot_open_in_root(int dirfd, const char *path, int flags, mode_t mode);

/// unshare(CLONE_FS): this thread gets a working directory of its own.
int groot_unshare_fs(void);

/// klogctl(3) (syslog(2)): the kernel log's size (type 10) or all of it (type 3).
int groot_klogctl(int type, char *buffer, int length);

/// syncfs(2), hidden behind _GNU_SOURCE.
int groot_syncfs(int fd);

/// statfs(2) f_type of the file system holding `path`; -1 with errno on failure.
long groot_fs_magic(const char *path);

/// makedev(3), major(3), minor(3) are macros; Swift cannot call them.
uint64_t groot_makedev(uint32_t major, uint32_t minor);
uint32_t groot_major(uint64_t dev);
uint32_t groot_minor(uint64_t dev);

#endif
