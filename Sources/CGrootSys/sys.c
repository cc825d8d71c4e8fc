#define _GNU_SOURCE
#include <linux/loop.h>
#include <sys/ioctl.h>
#include "CGrootSys.h"

#include <errno.h>
#include <sched.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <string.h>
#include <sys/klog.h>
#include <sys/syscall.h>
#include <sys/vfs.h>
#include <sys/sysmacros.h>
#include <unistd.h>

int groot_open_in_root(int dirfd, const char *path, int flags, mode_t mode) {
  struct open_how how;
  memset(&how, 0, sizeof(how));
  how.flags = (uint64_t)flags;
  how.mode = (flags & O_CREAT) ? mode : 0;
  how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
  long fd;
  do {
    fd = syscall(SYS_openat2, dirfd, path, &how, sizeof(how));
  } while (fd < 0 && (errno == EINTR || errno == EAGAIN));
  return (int)fd;
}

uint64_t groot_makedev(uint32_t major, uint32_t minor) { return makedev(major, minor); }
uint32_t groot_major(uint64_t dev) { return major(dev); }
uint32_t groot_minor(uint64_t dev) { return minor(dev); }

int groot_syncfs(int fd) { return syncfs(fd); }

long groot_fs_magic(const char *path) {
  struct statfs info;
  if (statfs(path, &info) != 0) return -1;
  return (long)info.f_type;
}

int groot_loop_set_direct_io(int fd, unsigned long enabled) {
  return ioctl(fd, LOOP_SET_DIRECT_IO, enabled);
}

int groot_unshare_fs(void) {
  return unshare(CLONE_FS);
}

int groot_klogctl(int type, char *buffer, int length) { return klogctl(type, buffer, length); }
