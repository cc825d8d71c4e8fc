// libarchive's API, loaded on first use (lazy.c).
#include <archive.h>
#include <archive_entry.h>
