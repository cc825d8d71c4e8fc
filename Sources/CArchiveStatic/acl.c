// What libarchive.a needs and Debian ships no static archive of: libacl, which
// libarchive's disk reader and writer call for POSIX ACLs. groot never uses the
// writer, and its disk reader turns ACL reading off (ARCHIVE_READDISK_NO_ACL: a
// directory image's ACLs are not carried, as `tar` without `--acls` does not carry
// them), so none of these is called: they let the static link resolve, and answer
// "not supported" should one ever be.
#include <errno.h>
#include <stddef.h>

#include "CArchiveStatic.h"

typedef void *acl_t;
typedef void *acl_entry_t;
typedef void *acl_permset_t;
typedef int acl_tag_t;
typedef unsigned int acl_perm_t;
typedef unsigned int acl_type_t;

static int unsupported(void) {
  errno = ENOTSUP;
  return -1;
}

// Read by the disk reader.
acl_t acl_get_file(const char *path, acl_type_t type) { return unsupported(), NULL; }
acl_t acl_get_fd(int fd) { return unsupported(), NULL; }
int acl_get_entry(acl_t acl, int which, acl_entry_t *entry) { return unsupported(); }
int acl_get_tag_type(acl_entry_t entry, acl_tag_t *tag) { return unsupported(); }
int acl_get_permset(acl_entry_t entry, acl_permset_t *permissions) { return unsupported(); }
int acl_get_perm(acl_permset_t permissions, acl_perm_t permission) { return unsupported(); }
void *acl_get_qualifier(acl_entry_t entry) { return unsupported(), NULL; }
int acl_free(void *object) { return 0; }

// Written by the disk writer.
acl_t acl_init(int count) { return unsupported(), NULL; }
int acl_create_entry(acl_t *acl, acl_entry_t *entry) { return unsupported(); }
int acl_set_tag_type(acl_entry_t entry, acl_tag_t tag) { return unsupported(); }
int acl_set_qualifier(acl_entry_t entry, const void *qualifier) { return unsupported(); }
int acl_clear_perms(acl_permset_t permissions) { return unsupported(); }
int acl_add_perm(acl_permset_t permissions, acl_perm_t permission) { return unsupported(); }
int acl_set_file(const char *path, acl_type_t type, acl_t acl) { return unsupported(); }
int acl_set_fd(int fd, acl_t acl) { return unsupported(); }
