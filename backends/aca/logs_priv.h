/*
 * logs_priv.h - the pieces of the logs module (logs*.c) shared between its
 * files: output lines, de-duplication, the log-stream parser, time stamps,
 * KQL and Log Analytics answers.  Not used outside logs*.c.
 */
#ifndef ACA_LOGS_PRIV_H
#define ACA_LOGS_PRIV_H

#include "aca.h"

/* ---- lines (logs_lines.c) ----------------------------------------- */

/* One line of output; text is malloc'd, NUL-terminated, without '\n'. */
struct aca_line {
	int64_t ts;               /* unix ns */
	int fd;                   /* 1 stdout, 2 stderr */
	size_t len;
	char *text;
};

/* A growable array of lines, owning their text. */
struct aca_lines {
	struct aca_line *v;
	size_t n, cap;
	size_t bytes;             /* sum of len, for the memory cap */
};

int aca_lines_push(struct aca_lines *ls, int64_t ts, int fd,
	const char *text, size_t len);
/* Frees the first k lines and moves the rest down. */
void aca_lines_drop_head(struct aca_lines *ls, size_t k);
void aca_lines_clear(struct aca_lines *ls);
/* Stable sort by time stamp (rows of one instant keep their order). */
void aca_lines_sort(struct aca_lines *ls);

/* What a reader asked for: streams, [since, until] (0 = open), and the
 * last `tail` lines among those (-1 = all). */
struct aca_logs_filter {
	int out, err;
	int64_t since, until;
	int64_t tail;
};

int aca_logs_filter_pass(const struct aca_logs_filter *f,
	const struct aca_line *ln);
/* The index in [from, ls->n) from which the lines that pass f number at
 * most f->tail (from itself when tail < 0). */
size_t aca_logs_tail_start(const struct aca_lines *ls, size_t from,
	const struct aca_logs_filter *f);

/*
 * A multiset of (time stamp, stream, text) keys for de-duplication across
 * "passes": a pass is one connection to the log stream or one Log
 * Analytics answer, each of which may repeat what an earlier one gave.
 * aca_seen_add returns 1 when this occurrence of the key within the pass
 * is beyond what earlier passes held (a new line: it is counted), 0 for
 * a repeat, SL_ENOMEM.  Two equal lines at the same instant are two
 * lines: the second occurrence in a pass is new unless an earlier pass
 * also held two.  Text is compared by a 64-bit hash, stamps exactly.
 */
struct aca_seen;
struct aca_seen *aca_seen_new(void);
void aca_seen_free(struct aca_seen *s);
int aca_seen_add(struct aca_seen *s, unsigned pass, int64_t ts, int fd,
	const char *text, size_t len);
/* Forgets keys older than ts (they will not be seen again). */
void aca_seen_prune(struct aca_seen *s, int64_t before_ts);
size_t aca_seen_count(const struct aca_seen *s);

/* ---- time stamps and the log stream (logs_text.c) ------------------- */

/* aca_time_parse, aca_time_format and aca_time_now are in aca.h. */

enum aca_rec_kind {
	ACA_REC_LINE = 0,         /* container output */
	ACA_REC_SYNTHETIC = 1,    /* "Connecting...", "No logs since..." */
	ACA_REC_BAD = 2           /* unreadable: skipped */
};

/* One record of the replica log stream, text or NDJSON form. */
struct aca_rec {
	enum aca_rec_kind kind;
	int fd;                   /* 1 or 2; 1 when the form does not say */
	int partial;              /* CRI "P": the line continues */
	int64_t ts;
	const char *text;         /* into the record or *owned */
	size_t len;
};

/* Parses one record (without its '\n').  NDJSON text is unescaped into a
 * malloc'd *owned (caller frees; NULL otherwise). */
enum aca_rec_kind aca_stream_parse_record(const char *line, size_t n,
	struct aca_rec *out, char **owned);

/* Called for each whole line; a non-zero return stops the feed. */
typedef int (*aca_line_fn)(void *arg, int64_t ts, int fd, const char *text,
	size_t len);

/*
 * Cuts the chunks of a stream into records and joins CRI partial pieces
 * into whole lines.  Counts what it saw so the capture can tell whether
 * the tail it asked for was full.
 */
struct aca_stream_parser {
	char *buf;                /* an unfinished record */
	size_t len, cap;
	size_t scanned;           /* buf[0, scanned) holds no '\n' */
	char *part;               /* pieces of a partial line so far */
	size_t plen, pcap;
	int pfd;
	int64_t pts;
	int64_t connected_ts;     /* the synthetic records' stamp, 0 = none */
	unsigned long backlog;    /* records stamped before connected_ts */
	unsigned long lines;      /* lines delivered */
	int64_t first_ts;         /* of the first line delivered */
};

/* Returns 0, or the callback's non-zero value, or SL_ENOMEM. */
int aca_stream_feed(struct aca_stream_parser *p, const char *buf, size_t n,
	aca_line_fn fn, void *arg);
/* End of the stream: delivers a partial line that never got its end and
 * drops a record without its '\n' (cut by the connection's end). */
int aca_stream_finish(struct aca_stream_parser *p, aca_line_fn fn, void *arg);
/* Frees the buffers and zeroes the counters (for the next connection). */
void aca_stream_parser_reset(struct aca_stream_parser *p);

/* The code in "... terminated with exit code 'N' ..."; SL_ENOTFOUND when
 * the text has none (or "exit code ''", a container that never ran). */
int aca_exit_code_parse(const char *text, int *code);

/* ---- KQL and Log Analytics (logs_kql.c) ----------------------------- */

/* Appends s as a single-quoted Kusto literal to buf (size len, holding a
 * NUL-terminated string).  SL_EINVAL when it does not fit. */
int aca_kql_quote(char *buf, size_t len, const char *s);

/*
 * The console query of an execution's output for the table family:
 * rows of the job's replicas of this execution, with f's streams and
 * time bounds, TimeGenerated >= from when from > 0 (follow polls),
 * columns TimeGenerated, stream, log, oldest first; with f->tail >= 0
 * only the newest tail rows (still oldest first).  malloc'd (caller
 * frees), NULL on a bad argument or no memory.
 */
char *aca_kql_console(enum aca_log_family fam, const char *job,
	const char *execution, const struct aca_logs_filter *f, int64_t from);
/* The system-log rows with an exit code of the execution, newest first. */
char *aca_kql_exit(enum aca_log_family fam, const char *execution);

/*
 * Reads a Log Analytics answer's first table into lines: TimeGenerated,
 * the stream column (Stream_s / Stream; absent = stdout) and the log
 * column (Log_s / Log).  Cells may be typed JSON or strings.  SL_OK,
 * SL_EINTERNAL with a message for an answer of another shape, SL_ENOMEM.
 */
int aca_la_rows(const char *body, struct aca_lines *out, struct aca_err *err);

/* ---- the capture (logs_capture.c), used by logs.c --------------------- */

struct aca_capture;

/* The module's state: logs.c allocates it, logs_capture.c runs the
 * capture threads against it. */
struct aca_logs {
	struct aca_backend *b;
	pthread_mutex_t mu;
	pthread_cond_t cv;        /* any capture changed: lines, end */
	struct aca_capture *caps; /* current captures, newest first */
	struct aca_thr *threads;  /* capture threads, to be joined */
	int resolved;             /* family and workspace known */
	int64_t resolve_failed_at; /* unix ns of the last failure */
	enum aca_log_family family;
	char *workspace;          /* NULL: the environment keeps no logs */
	char *destination;        /* "log-analytics", "none", ... for messages */
};

struct aca_thr;

/* A reference to the current capture of a container, or NULL; release it
 * with aca_capture_put.  Takes l->mu itself. */
struct aca_capture *aca_capture_get(struct aca_logs *l, const char *ctr_id);
void aca_capture_put(struct aca_logs *l, struct aca_capture *cp);
/* Stops every capture thread and joins them (l->b->stopping is set). */
void aca_capture_join_all(struct aca_logs *l);

/*
 * A reader's view of a capture, under l->mu: the lines, whether more may
 * come, whether nothing is missing, the execution it captures.
 */
struct aca_capture_view {
	const struct aca_lines *lines;
	size_t base;              /* index of lines->v[0] since the start */
	int done;                 /* no more lines will come */
	int complete;             /* every line of the execution is here */
	int head_dropped;         /* early lines were dropped (memory cap) */
	int missed;               /* the stream skipped lines (a gap) */
	int64_t started_ns;       /* when the capture started */
	const char *execution;
};
void aca_capture_view(struct aca_capture *cp, struct aca_capture_view *v);

#endif
