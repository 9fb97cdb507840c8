/*
 * ex.h - internal declarations of the example backend ("process").
 *
 * The example backend runs each container's command as a host process.
 * Nothing here is exported from the .so: the build uses
 * -fvisibility=hidden, so only sockerless_backend_entry_v1 is visible.
 */
#ifndef EX_H
#define EX_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <sockerless/plugin.h>

/* ------------------------------------------------------------------ */
/* Captured output (ex_logbuf.c)                                        */
/* ------------------------------------------------------------------ */

/*
 * One chunk of output: a whole line ending in '\n', or a fragment that
 * arrived without one (a prompt, a line still being written).
 */
struct ex_rec {
	int64_t ts_ns;
	uint64_t off;    /* bytes appended to the buffer before this record */
	int fd;          /* 1 or 2 */
	size_t len;
	char data[];
};

/*
 * A reader that must not lose output (attach): the records from `seq` on
 * stay in the buffer, whatever the limit, until the reader has copied
 * them.  The reader passes &pin->seq as ex_logbuf_copy's from and next.
 */
struct ex_logpin {
	struct ex_logpin *next;
	uint64_t seq;         /* the next record the reader wants */
};

/*
 * A bounded FIFO of records.  Record number `seq` stays addressable until
 * the byte limit pushes it out (unless a pin holds it); readers remember
 * the next seq they want.
 * Not locked: the owner (struct ex_ctr) holds its mutex around every call.
 */
struct ex_logbuf {
	struct ex_rec **ring;
	size_t cap, head, count;
	uint64_t first_seq;   /* seq of ring[head] */
	size_t bytes, limit;
	uint64_t total;       /* bytes ever appended */
	struct ex_logpin *pins;
};

void ex_logbuf_init(struct ex_logbuf *lb, size_t limit);
void ex_logbuf_fini(struct ex_logbuf *lb);
static inline uint64_t ex_logbuf_end(const struct ex_logbuf *lb)
{
	return lb->first_seq + lb->count;
}
/* Splits `data` at newlines and appends the pieces.  0 or SL_ENOMEM. */
int ex_logbuf_append(struct ex_logbuf *lb, int fd, int64_t ts_ns,
	const char *data, size_t len);
/*
 * Copies records [from, end) (from is raised to the oldest kept record).
 * *out is a malloc'd array of malloc'd records; the caller frees it with
 * ex_recs_free.  *next receives the seq after the last copied record.
 */
int ex_logbuf_copy(const struct ex_logbuf *lb, uint64_t from,
	struct ex_rec ***out, size_t *n, uint64_t *next);
void ex_recs_free(struct ex_rec **v, size_t n);
/* Adds or removes a pin (see struct ex_logpin); seq is where it starts. */
void ex_logbuf_pin(struct ex_logbuf *lb, struct ex_logpin *p, uint64_t seq);
void ex_logbuf_unpin(struct ex_logbuf *lb, struct ex_logpin *p);
/* Bytes the slowest pinned reader has yet to copy (0 without pins). */
uint64_t ex_logbuf_backlog(const struct ex_logbuf *lb);
/* The seq of the oldest kept record read at or after ts_ns (the end when
 * there is none). */
uint64_t ex_logbuf_since(const struct ex_logbuf *lb, int64_t ts_ns);

/* Joins fragments back into lines, per stream (ex_lines.c). */
struct ex_line {
	int64_t ts_ns;
	int fd;
	int partial;         /* the output ended without a newline after it */
	size_t len;
	char *data;          /* malloc'd, owned by the struct ex_lines */
};

struct ex_pending {
	char *buf;
	size_t len, cap;
	int64_t ts_ns;
};

struct ex_lines {
	struct ex_line *v;   /* completed lines, in order */
	size_t n, cap;
	struct ex_pending pend[3];  /* index = fd */
};

void ex_lines_init(struct ex_lines *l);
/* Adds a record; completes a line when it ends in '\n'.  0 or SL_ENOMEM. */
int ex_lines_feed(struct ex_lines *l, const struct ex_rec *r);
/* Turns every pending fragment into a partial line (the output has
 * ended without a newline). */
int ex_lines_flush(struct ex_lines *l);
/* Drops the completed lines, keeping the pending fragments. */
void ex_lines_clear(struct ex_lines *l);
void ex_lines_fini(struct ex_lines *l);

/* ------------------------------------------------------------------ */
/* Host processes (ex_spawn.c, ex_pump.c)                               */
/* ------------------------------------------------------------------ */

struct ex_spawn_req {
	const char *const *argv;   /* argv[0] looked up in env's PATH */
	char *const *envp;         /* complete environment */
	const char *cwd;           /* must exist */
	const char *user;          /* "", "uid[:gid]" or "name[:group]" */
	int tty;                   /* allocate a pseudo-terminal */
	int want_stdin;            /* a pipe to stdin (else /dev/null) */
	int discard_output;        /* stdout/stderr to /dev/null */
	unsigned short rows, cols; /* initial TTY size; 0 = leave */
};

/* The parent's ends of a child's stdio; -1 when absent. */
struct ex_child {
	pid_t pid;                 /* also its process group and session id */
	int in_fd;                 /* write end of stdin, or the pty master */
	int out_fd;                /* read end of stdout, or the pty master */
	int err_fd;
	int pty;                   /* out_fd/in_fd are one pty master */
	/* After a failed ex_spawn: the exit code Docker gives a command
	 * that could not be run (127 not found, 126 found but not
	 * executable), or 0 for any other failure; and the message that
	 * was set on the call. */
	int not_run;
	char why[512];
};

/*
 * Starts a process in its own session.  Returns 0 once execve succeeded,
 * else an SL_E* code with the message set on `call` (and in ch->why).
 * The caller owns the fds in *ch and must reap ch->pid.
 */
int ex_spawn(const struct sl_host_v1 *host, sl_call *call,
	const struct ex_spawn_req *req, struct ex_child *ch);

/* Closes the fds in *ch (not the process). */
void ex_child_close(struct ex_child *ch);

/*
 * Builds the environment of a container or exec: `base` overridden by
 * `over` (either may be NULL), plus PATH and HOSTNAME when missing and
 * TERM=xterm with a TTY.  The result is a malloc'd NULL-terminated array
 * of malloc'd strings; free with ex_strv_free.  NULL on ENOMEM.
 */
char **ex_env_build(const char *const *base, const char *const *over,
	const char *hostname, int tty);
void ex_strv_free(char **v);

/* Receives output chunks from ex_pump(); returns 0, or < 0 to stop
 * forwarding (the pump keeps draining so the child does not block). */
typedef int (*ex_sink_fn)(void *arg, int fd, const char *buf, size_t n);

/*
 * Reads the child's output into `sink` until it exits, then kills what is
 * left of its process group and reaps it.  `cancel_fd` (or -1) makes the
 * pump SIGKILL the group when it turns readable.  `lock`/`pid_slot`, when
 * given, are the mutex and variable through which other threads signal
 * the child: the pump sets *pid_slot to 0 under `lock` before it reaps, so
 * nobody signals a recycled pid.  Returns the wait status; *cancelled is
 * set when cancel_fd fired.
 */
int ex_pump(struct ex_child *ch, int cancel_fd, ex_sink_fn sink, void *arg,
	pthread_mutex_t *lock, pid_t *pid_slot, int *cancelled);

/* Whether process `pid` (our child, not yet reaped) has exited; does not
 * reap it.  Waits for the exit when `block`. */
int ex_pid_exited(pid_t pid, int block);

/* 128+signal for a signal, else the exit status (Docker's convention). */
int ex_exit_code(int wstatus);

/* ------------------------------------------------------------------ */
/* Backend and container state (example.c, ex_ctr.c)                    */
/* ------------------------------------------------------------------ */

/* One exec instance (docker exec) while it runs or after (detached). */
struct ex_exec {
	struct ex_exec *next;
	char id[72];
	pid_t pid;            /* 0 once reaped */
	int pty_fd;           /* -1 without TTY; owned by the exec's runner */
	int running;
	int exit_code;
	int reaper;           /* `thread` is a detached exec's reaper to join */
	pthread_t thread;
};

struct ex_backend;

struct ex_ctr {
	struct ex_ctr *next;
	struct ex_backend *be;
	char id[72];
	unsigned refs;        /* under be->lock */
	int listed;           /* in be->ctrs; under be->lock */

	/* Serialises state reports so RUNNING never follows its EXITED. */
	pthread_mutex_t report_lock;
	/* Protects everything below; never held across host callbacks. */
	pthread_mutex_t lock;
	pthread_cond_t cond;  /* output, start, exit, removal */
	pthread_cond_t room;  /* a pinned reader copied output or left */

	struct ex_logbuf log;
	uint64_t gen;         /* runs started so far */
	int64_t finished_ns;  /* when run `gen` ended; 0 while it runs */
	int running;          /* a process runs for gen */
	uint64_t exited_gen;  /* the last run whose EXITED was reported */
	int paused;
	int removed;
	pid_t pid;            /* 0 when none (see ex_pump) */
	int in_fd;            /* container stdin (pipe or pty), or -1 */
	int pty;              /* in_fd is the pty master */
	int pty_fd;           /* the pty master for resize, or -1 */
	int exit_code;
	int sup_joinable;
	pthread_t sup;        /* the supervisor of the current run */
	sl_container *handle; /* referenced while the supervisor runs */
	struct ex_exec *execs;
	/* The agent option (ex_agent.c): waiting for its announce line, and
	 * the address it gave. */
	int agent_wait;
	char agent_addr[128];
};

struct ex_backend {
	const struct sl_host_v1 *host;
	pthread_mutex_t lock;          /* the container list */
	struct ex_ctr *ctrs;
	size_t log_limit;              /* per container, bytes */
	int stop_timeout;              /* seconds, when the container has none */
	int shutdown_timeout;          /* seconds fini waits after SIGTERM */
	/* Strings for info(), filled at init. */
	char os_name[512];
	char arch[72];
	char kernel[72];
	char status_buf[64];
	const char *driver_status[3];
	/* The agent option (ex_agent.c); NULL = containers run bare. */
	const char *agent_path;
	int agent_reverse;
};

/* A container's command wrapped in the agent (ex_agent.c). */
struct ex_agent_run {
	int active;
	char **argv;      /* agent, its flags, "--", the container's argv */
	char **env;       /* token, container id, callback URL */
};

/* Reads the agent options at init; SL_OK or SL_EINVAL. */
int ex_agent_init(struct ex_backend *be, sl_call *call);
/* At create, with the agent option on: makes the container's token, which
 * tells the host an agent will come, so an attach sent before the start
 * (docker run -i) waits for it.  SL_OK or SL_ENOMEM. */
int ex_agent_expect(struct ex_backend *be, sl_call *call, sl_container *c);
/* Fills *run when the agent option is on (else run->active = 0). */
int ex_agent_wrap(struct ex_backend *be, sl_call *call, sl_container *c,
	const char **argv, struct ex_agent_run *run);
void ex_agent_run_free(struct ex_agent_run *run);
/* In the output sink (x->lock held): takes the announce line off the
 * agent's stderr; 1 when it did (*buf and *n then skip it). */
int ex_agent_announce(struct ex_ctr *x, int fd, const char **buf, size_t *n);
/* After the start (forward mode): waits for the announce and has the host
 * dial it.  A failure is logged; the container runs without the agent. */
int ex_agent_connect(struct ex_backend *be, sl_call *call, sl_container *c,
	struct ex_ctr *x);

/* Finds the container's record, creating it when absent.  Returns a
 * reference (release with ex_ctr_put) or NULL on ENOMEM. */
struct ex_ctr *ex_ctr_get(struct ex_backend *be, const sl_container *c,
	int create);
void ex_ctr_put(struct ex_ctr *x);
/* Takes x out of the list (remove, fini) and drops the list's ref. */
void ex_ctr_unlist(struct ex_ctr *x);
/* Joins the finished supervisor and exec reapers of x; x->lock NOT held. */
void ex_ctr_join(struct ex_ctr *x);

/* Signals the container's process group (and its execs' groups when
 * `execs`); call with x->lock held.  No-op when nothing runs. */
void ex_ctr_signal(struct ex_ctr *x, int signo, int execs);

/* Unix time in nanoseconds, CLOCK_REALTIME. */
int64_t ex_now_ns(void);
/* Absolute CLOCK_REALTIME deadline `ms` from now, for cond waits. */
void ex_deadline(struct timespec *ts, long ms);
/*
 * When process `pid` started, in unix ns (from /proc/PID/stat and the
 * boot clock, so accurate to a clock tick unless the wall clock has been
 * stepped since); 0 when there is no such process.
 */
int64_t ex_process_start_ns(pid_t pid);
/* "SIGTERM", "TERM", "15" -> 15; 0 when unknown. */
int ex_parse_signal(const char *s);

/* ------------------------------------------------------------------ */
/* Hook tables (ex_lifecycle.c, ex_streams.c, ex_exec.c)                */
/* ------------------------------------------------------------------ */

extern const struct sl_container_ops_v1 ex_container_ops;
extern const struct sl_stream_ops_v1 ex_stream_ops;
extern const struct sl_exec_ops_v1 ex_exec_ops;
extern const struct sl_monitor_ops_v1 ex_monitor_ops;  /* ex_monitor.c */
extern const struct sl_volume_ops_v1 ex_volume_ops;

/* Kills every container and joins every thread (fini). */
void ex_lifecycle_shutdown(struct ex_backend *be);

/* Copies the client's stdin to a process (ex_stdin.c). */
struct ex_stdin {
	const struct sl_host_v1 *host;
	sl_stream *s;
	struct ex_ctr *ctr;      /* container stdin: written via ctr->in_fd */
	int fd;                  /* exec stdin: written directly, or -1 */
	int close_on_eof;
	atomic_int stop;         /* set by ex_stdin_join: the hook returns */
	pthread_t thread;
	int started;
};

/* Starts the copy thread; 0 or SL_ENOMEM. */
int ex_stdin_start(struct ex_stdin *p);
/*
 * Stops the thread and waits for it (within one read slice).  Call it
 * once the output has ended: the client may keep its stdin open after
 * the process is gone (docker run -i at a terminal).
 */
void ex_stdin_join(struct ex_stdin *p);

#endif /* EX_H */
