/*
 * logstore.h - the local log copy a backend appends to (host->log_append),
 * under <data_root>/ctrfiles/<id>/log.  Once the backend marks it complete
 * (log.complete beside it), `docker logs` is served from it alone.
 *
 * Format: one record per line, "<fd> <ts_ns> <len>\n" then len bytes of
 * the line (without its newline) and "\n"; the head is "<fd> <ts_ns>
 * <len> p\n" for a partial line (SL_LINE_PARTIAL: the process wrote no
 * newline after it), which is served without one.  A record is written with one
 * write() under a lock, so a reader sees whole records, or a torn last one
 * while an append is in progress, which it leaves for the next read.
 */
#ifndef SL_LOGSTORE_H
#define SL_LOGSTORE_H

#include <stddef.h>
#include <stdint.h>

#include "sockerless/plugin.h"

enum sl_logstore_state {
	SL_LOGSTORE_NONE = 0,     /* nothing appended */
	SL_LOGSTORE_PARTIAL = 1,  /* lines, not (yet) complete */
	SL_LOGSTORE_COMPLETE = 2, /* the backend said its copy is whole */
	SL_LOGSTORE_BROKEN = 3    /* an append failed: never served alone */
};

/* Appends one line (a trailing newline is dropped; flags may hold
 * SL_LINE_PARTIAL, ignored when the line ends in a newline).  An append
 * to a complete copy makes it incomplete again (the container runs
 * again).  Returns 0, -EINVAL (fd not 1 or 2, unknown flags), -EPIPE once
 * broken, or a negative errno (then the copy is marked broken). */
int sl_logstore_append(const char *root, const char *id, int fd,
	int64_t ts_ns, const char *line, size_t len, unsigned flags);

/*
 * Records built in memory and appended with one write: a writer with many
 * lines at hand (the agent's output) pays for the lock, the state check
 * and the open once, not per line.  add returns 0, -EINVAL (as append) or
 * -ENOMEM; batch_append writes and empties the batch, and returns as
 * sl_logstore_append.  The caller frees the batch.
 */
struct sl_logstore_batch {
	char *buf;
	size_t len, cap;
};
int sl_logstore_batch_add(struct sl_logstore_batch *b, int fd,
	int64_t ts_ns, const char *line, size_t len, unsigned flags);
int sl_logstore_batch_append(const char *root, const char *id,
	struct sl_logstore_batch *b);
void sl_logstore_batch_free(struct sl_logstore_batch *b);

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

/* Receives one line (flags: SL_LINE_PARTIAL when it had no newline); a
 * non-zero return stops the read and is returned. */
typedef int (*sl_logstore_emit_fn)(void *arg, int fd, int64_t ts_ns,
	const char *line, size_t len, unsigned flags);

/*
 * Emits the records from byte offset *pos on that pass the filter, and
 * advances *pos past the last whole record read (so a follower calls it
 * again with tail = -1).  A missing copy reads as empty.  Returns 0,
 * emit's non-zero value, or a negative errno.
 */
int sl_logstore_read(const char *root, const char *id,
	const struct sl_logstore_filter *f, long long *pos,
	sl_logstore_emit_fn emit, void *arg);

/*
 * A follower's wake-up: a pipe that gets a byte whenever c's copy changes
 * (a line appended, marked complete or broken), so a follower sleeps in
 * poll() with its client's cancel fd beside it instead of re-reading the
 * file on a timer.  Drain it before each read: a change after the drain
 * leaves a byte, so none is missed.
 */
struct sl_logstore_watch {
	int fd[2];
	char id[65];
	struct sl_logstore_watch *next;
};

/* Registers w for container id.  0 or a negative errno. */
int sl_logstore_watch_open(struct sl_logstore_watch *w, const char *id);
/* The fd to poll for POLLIN. */
int sl_logstore_watch_fd(const struct sl_logstore_watch *w);
/* Empties the pipe. */
void sl_logstore_watch_drain(struct sl_logstore_watch *w);
/* Unregisters w and closes its pipe. */
void sl_logstore_watch_close(struct sl_logstore_watch *w);
/* Wakes id's followers for a change the store does not see itself (the
 * agent's copy stopped being whole: they hand over at once). */
void sl_logstore_notify(const char *id);

#endif
