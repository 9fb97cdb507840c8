/* sim_logs.h - per-container output kept in memory for the data-plane log
 * stream: the last lines of each replica container, appended while the
 * process runs, kept a short while after the replica ends (as Azure keeps
 * a finished replica's log for ~150 s), and readers that follow new lines.
 *
 * Thread-safe. Keys are (job ARM id, execution, replica, container); the
 * job id compares case-insensitively. */
#ifndef SIM_LOGS_H
#define SIM_LOGS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

struct sim_logs;
struct sim_logs_reader;

/* Lines kept per container (the stream serves at most 300 as tail). */
#define SIM_LOGS_MAX_LINES 2000

struct sim_logs *sim_logs_new(void);
/* Free everything; readers must be gone (call sim_logs_shutdown first and
 * let the server drain). */
void sim_logs_free(struct sim_logs *l);

/* Register a container before it produces output, so a stream can attach
 * and wait for its first line. Returns 0 or -ENOMEM. */
int sim_logs_add(struct sim_logs *l, const char *job_id, const char *exec,
		 const char *replica, const char *container);

/* Append one line (stream 1 = stdout, 2 = stderr; partial = CRI "P"). */
void sim_logs_append(struct sim_logs *l, const char *job_id, const char *exec,
		     const char *replica, const char *container, int stream,
		     const char *line, size_t len, int partial,
		     const struct timespec *ts);

/* The container (or, with container NULL, every container of the
 * replica) ended: followers finish once they have read everything, and
 * the output is dropped retention_ms later. */
void sim_logs_end(struct sim_logs *l, const char *job_id, const char *exec,
		  const char *replica, const char *container, int64_t retention_ms);

/* Drop expired output. */
void sim_logs_gc(struct sim_logs *l);

/* Wake every follower and make them finish (daemon stopping). */
void sim_logs_shutdown(struct sim_logs *l);

enum sim_logs_format { SIM_LOGS_JSON = 0, SIM_LOGS_TEXT };

/* Open a reader on a container's output: the last `tail` lines, then (when
 * follow) new lines until the container ends. NULL when unknown (never
 * registered, or expired). */
struct sim_logs_reader *sim_logs_open(struct sim_logs *l, const char *job_id,
				      const char *exec, const char *replica,
				      const char *container, int tail, int follow,
				      enum sim_logs_format fmt);

/* Fill buf with whole formatted records (at most max bytes; a record that
 * alone exceeds max is cut). Blocks up to wait_ms for new lines when
 * following. Returns bytes (> 0), 0 when nothing arrived within wait_ms
 * (call again), or -1 at the end of the stream. */
ssize_t sim_logs_read(struct sim_logs_reader *r, char *buf, size_t max, int wait_ms);

void sim_logs_close(struct sim_logs_reader *r);

/* Format one record like the stream does (NDJSON {TimeStamp, Log} or CRI
 * text) into out; returns its length. Exposed for the synthetic records. */
size_t sim_logs_format_record(enum sim_logs_format fmt, const struct timespec *ts,
			      int synthetic, int stream, int partial,
			      const char *text, size_t len, char *out, size_t outsz);

#endif
