/*
 * archive.h - the pure parts of docker cp's wire: the container path a
 * request names, and the X-Docker-Container-Path-Stat header.  No
 * libmicrohttpd here, so the unit tests take them alone.
 */
#ifndef SL_ARCHIVE_H
#define SL_ARCHIVE_H

#include <stddef.h>

#include "sockerless/plugin.h"

/* Go's os.FileMode type bits, as the docker CLI decodes the stat mode. */
#define SL_GO_MODE_DIR        (1u << 31)
#define SL_GO_MODE_SYMLINK    (1u << 27)
#define SL_GO_MODE_DEVICE     (1u << 26)
#define SL_GO_MODE_NAMED_PIPE (1u << 25)
#define SL_GO_MODE_SOCKET     (1u << 24)
#define SL_GO_MODE_SETUID     (1u << 23)
#define SL_GO_MODE_SETGID     (1u << 22)
#define SL_GO_MODE_CHAR_DEVICE (1u << 21)
#define SL_GO_MODE_STICKY     (1u << 20)

/*
 * Resolves the `path` query parameter (len bytes, as decoded) the way
 * dockerd does: relative to "/", "." and ".." collapsed, a trailing "/" or
 * "/." kept because it changes what docker cp copies.  Unlike dockerd,
 * which clamps ".." at the root, a ".." that would climb above "/" is
 * refused, and so is an empty path or one holding a NUL byte.  Returns the
 * clean path (malloc'd; the caller frees it), or NULL with *why set to a
 * static sentence for a 400 (or to "out of memory").
 */
char *sl_archive_path_clean(const char *raw, size_t len, const char **why);

/*
 * The stat as dockerd encodes it: JSON {name, size, mode, mtime,
 * linkTarget} with mtime in Go's RFC 3339 (nanoseconds, trailing zeros
 * dropped, UTC "Z"), then standard base64.  NULL strings read as "".
 * Returns a malloc'd string the caller frees, or NULL when out of memory.
 */
char *sl_archive_stat_json(const struct sl_path_stat_v1 *st);
char *sl_archive_stat_header(const struct sl_path_stat_v1 *st);

/* Standard base64 (with padding) of n bytes; malloc'd, NUL-terminated. */
char *sl_archive_base64(const void *buf, size_t n);

#endif
