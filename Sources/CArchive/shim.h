// libarchive's API: linked into groot from libarchive.a (groot is one static
// executable: docs/design-notes.md, start-up), and as the shared library into
// the tests and the other tools.
#include <archive.h>
#include <archive_entry.h>
