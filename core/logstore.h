/*
 * logstore.h - the local log copy a backend appends to (host->log_append),
 * under <data_root>/ctrfiles/<id>/log.  Once the backend marks it complete
 * (log.complete beside it), `docker logs` is served from it alone.
 *
 * Format: one record per line, "<fd> <ts_ns> <len>\n" then len bytes of
 * the line (without its newline) and "\n".  A record is written with one
 * write() under a lock, so a reader sees whole records, or a torn last one
 * while an append is in progress, which it leaves for the next read.
 */
#ifndef SL_LOGSTORE_H
#define SL_LOGSTORE_H

#include <stddef.h>
#include <stdint.h>

enum sl_logstore_state {
	SL_LOGSTORE_NONE = 0,     /* nothing appended */
	SL_LOGSTORE_PARTIAL = 1,  /* lines, not (yet) complete */
	SL_LOGSTORE_COMPLETE = 2, /* the backend said its copy is whole */
	SL_LOGSTORE_BROKEN = 3    /* an append failed: never served alone */
};

/* Appends one line (a trailing newline is dropped).  An append to a
 * complete copy makes it incomplete again (the container runs again).
 * Returns 0, -EINVAL (fd not 1 or 2), -EPIPE once broken, or a negative
 * errno (then the copy is marked broken). */
int sl_logstore_append(const char *root, const char *id, int fd,
	int64_t ts_ns, const char *line, size_t len);

/* Flushes the copy to disk and marks it complete.  Returns 0, -EPIPE when
 * broken, or a negative errno. */
int sl_logstore_complete(const char *root, const char *id);

/* enum sl_logstore_state of the container's copy. */
int sl_logstore_state(const char *root, const char *id);

struct sl_logstore_filter {
	int want_stdout, want_stderr;
	int64_t since_ns, until_ns;  /* 0 = unbounded; since <= ts <= until */
	int64_t tail;                /* -1 = all; the last n that pass the rest */
};

/* Receives one line; a non-zero return stops the read and is returned. */
typedef int (*sl_logstore_emit_fn)(void *arg, int fd, int64_t ts_ns,
	const char *line, size_t len);

/*
 * Emits the records from byte offset *pos on that pass the filter, and
 * advances *pos past the last whole record read (so a follower calls it
 * again with tail = -1).  A missing copy reads as empty.  Returns 0,
 * emit's non-zero value, or a negative errno.
 */
int sl_logstore_read(const char *root, const char *id,
	const struct sl_logstore_filter *f, long long *pos,
	sl_logstore_emit_fn emit, void *arg);

#endif
