/*
 * ctrfiles.h - the per-container directory beside the container records:
 * <data_root>/ctrfiles/<id>/, mode 0700, holding what is not part of the
 * JSON record (the secret store, the local log copy).  Removed with the
 * container.
 */
#ifndef SL_CTRFILES_H
#define SL_CTRFILES_H

#include <stddef.h>

/*
 * Writes <root>/ctrfiles/<id>[/<sub>] into buf.  Returns 0, or -EINVAL
 * when id is not a store id or the path does not fit.
 */
int sl_ctrfiles_path(const char *root, const char *id, const char *sub,
	char *buf, size_t len);

/* Creates <root>/ctrfiles/<id>[/<sub>] (and its parents) with mode 0700.
 * Returns 0 or a negative errno. */
int sl_ctrfiles_mkdir(const char *root, const char *id, const char *sub);

/* Deletes the container's directory and everything in it (two levels:
 * files and the files of its subdirectories).  Missing is success.
 * Returns 0 or a negative errno. */
int sl_ctrfiles_remove(const char *root, const char *id);

/*
 * Removes the directories of containers that have no record
 * (<root>/containers/<id>.json): what a crash between deleting a record
 * and its files left behind.  Returns how many it removed, or a negative
 * errno when the directory cannot be read (a missing one is 0).
 */
int sl_ctrfiles_sweep(const char *root);

/*
 * Atomically replaces `path` with bytes [0, len) at mode 0600: a temp file
 * beside it, fsync, rename, fsync of the directory.  Returns 0 or a
 * negative errno; on failure nothing is left behind.
 */
int sl_ctrfiles_write_atomic(const char *path, const void *buf, size_t len);

#endif
