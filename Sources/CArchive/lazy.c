// libarchive, loaded when groot first reads an archive rather than at every
// start: libarchive.so.13 brings nine more libraries (libxml2, ICU, nettle, lzma,
// ...) whose loading and relocation cost every command about 1 ms, the largest
// share of `groot list`'s start-up once ArgumentParser is out of the hot path
// (docs/benchmarks.md). Each function groot calls is defined here with
// libarchive's own prototype and forwards to the real one, looked up once.
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include "CArchive.h"

static void *library;
static pthread_once_t loaded = PTHREAD_ONCE_INIT;

static void load(void) { library = dlopen("libarchive.so.13", RTLD_NOW | RTLD_LOCAL); }

// Without libarchive groot cannot work at all: one line on stdout (where Garden
// reads a plugin's errors) and on stderr, exit 1.
static void missing(const char *what) {
  printf("cannot load libarchive (%s): install libarchive13\n", what);
  fflush(stdout);
  fprintf(stderr, "groot: cannot load libarchive (%s): install libarchive13\n", what);
  exit(1);
}

static void *symbol(const char *name) {
  pthread_once(&loaded, load);
  if (library == NULL) missing(dlerror());
  void *function = dlsym(library, name);
  if (function == NULL) missing(name);
  return function;
}

// The real `name`, looked up on its first call.
#define LAZY(name)                                            \
  ({                                                          \
    static void *slot;                                        \
    void *function = __atomic_load_n(&slot, __ATOMIC_ACQUIRE); \
    if (function == NULL) {                                   \
      function = symbol(#name);                               \
      __atomic_store_n(&slot, function, __ATOMIC_RELEASE);    \
    }                                                         \
    (__typeof__(&name))function;                              \
  })

__LA_MODE_T archive_entry_filetype(struct archive_entry *p0) {
  return LAZY(archive_entry_filetype)(p0);
}

void archive_entry_free(struct archive_entry *p0) {
  LAZY(archive_entry_free)(p0);
}

la_int64_t archive_entry_gid(struct archive_entry *p0) {
  return LAZY(archive_entry_gid)(p0);
}

const char *archive_entry_hardlink(struct archive_entry *p0) {
  return LAZY(archive_entry_hardlink)(p0);
}

const char *archive_entry_hardlink_utf8(struct archive_entry *p0) {
  return LAZY(archive_entry_hardlink_utf8)(p0);
}

void archive_entry_linkify(struct archive_entry_linkresolver *p0, struct archive_entry **p1, struct archive_entry **p2) {
  LAZY(archive_entry_linkify)(p0, p1, p2);
}

void archive_entry_linkresolver_free(struct archive_entry_linkresolver *p0) {
  LAZY(archive_entry_linkresolver_free)(p0);
}

struct archive_entry_linkresolver *archive_entry_linkresolver_new(void) {
  return LAZY(archive_entry_linkresolver_new)();
}

void archive_entry_linkresolver_set_strategy(struct archive_entry_linkresolver *p0, int p1) {
  LAZY(archive_entry_linkresolver_set_strategy)(p0, p1);
}

time_t archive_entry_mtime(struct archive_entry *p0) {
  return LAZY(archive_entry_mtime)(p0);
}

long archive_entry_mtime_nsec(struct archive_entry *p0) {
  return LAZY(archive_entry_mtime_nsec)(p0);
}

struct archive_entry *archive_entry_new(void) {
  return LAZY(archive_entry_new)();
}

const char *archive_entry_pathname(struct archive_entry *p0) {
  return LAZY(archive_entry_pathname)(p0);
}

const char *archive_entry_pathname_utf8(struct archive_entry *p0) {
  return LAZY(archive_entry_pathname_utf8)(p0);
}

__LA_MODE_T archive_entry_perm(struct archive_entry *p0) {
  return LAZY(archive_entry_perm)(p0);
}

dev_t archive_entry_rdevmajor(struct archive_entry *p0) {
  return LAZY(archive_entry_rdevmajor)(p0);
}

dev_t archive_entry_rdevminor(struct archive_entry *p0) {
  return LAZY(archive_entry_rdevminor)(p0);
}

la_int64_t archive_entry_size(struct archive_entry *p0) {
  return LAZY(archive_entry_size)(p0);
}

int archive_entry_sparse_next(struct archive_entry *p0, la_int64_t *p1, la_int64_t *p2) {
  return LAZY(archive_entry_sparse_next)(p0, p1, p2);
}

int archive_entry_sparse_reset(struct archive_entry *p0) {
  return LAZY(archive_entry_sparse_reset)(p0);
}

const char *archive_entry_symlink(struct archive_entry *p0) {
  return LAZY(archive_entry_symlink)(p0);
}

const char *archive_entry_symlink_utf8(struct archive_entry *p0) {
  return LAZY(archive_entry_symlink_utf8)(p0);
}

la_int64_t archive_entry_uid(struct archive_entry *p0) {
  return LAZY(archive_entry_uid)(p0);
}

int archive_entry_xattr_next(struct archive_entry *p0, const char **p1, const void **p2, size_t *p3) {
  return LAZY(archive_entry_xattr_next)(p0, p1, p2, p3);
}

int archive_entry_xattr_reset(struct archive_entry *p0) {
  return LAZY(archive_entry_xattr_reset)(p0);
}

const char *archive_error_string(struct archive *p0) {
  return LAZY(archive_error_string)(p0);
}

int archive_read_data_block(struct archive *p0, const void **p1, size_t *p2, la_int64_t *p3) {
  return LAZY(archive_read_data_block)(p0, p1, p2, p3);
}

int archive_read_disk_descend(struct archive *p0) {
  return LAZY(archive_read_disk_descend)(p0);
}

struct archive *archive_read_disk_new(void) {
  return LAZY(archive_read_disk_new)();
}

int archive_read_disk_open(struct archive *p0, const char *p1) {
  return LAZY(archive_read_disk_open)(p0, p1);
}

int archive_read_disk_set_symlink_physical(struct archive *p0) {
  return LAZY(archive_read_disk_set_symlink_physical)(p0);
}

int archive_read_free(struct archive *p0) {
  return LAZY(archive_read_free)(p0);
}

struct archive *archive_read_new(void) {
  return LAZY(archive_read_new)();
}

int archive_read_next_header(struct archive *p0, struct archive_entry **p1) {
  return LAZY(archive_read_next_header)(p0, p1);
}

int archive_read_next_header2(struct archive *p0, struct archive_entry *p1) {
  return LAZY(archive_read_next_header2)(p0, p1);
}

int archive_read_open(struct archive *p0, void *p1, archive_open_callback *p2, archive_read_callback *p3, archive_close_callback *p4) {
  return LAZY(archive_read_open)(p0, p1, p2, p3, p4);
}

int archive_read_support_format_gnutar(struct archive *p0) {
  return LAZY(archive_read_support_format_gnutar)(p0);
}

int archive_read_support_format_tar(struct archive *p0) {
  return LAZY(archive_read_support_format_tar)(p0);
}
