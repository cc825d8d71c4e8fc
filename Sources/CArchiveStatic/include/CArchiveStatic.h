// Nothing to import: the target only supplies symbols to groot's static link (acl.c).
