/*
 * agent/agent.h - internal interfaces of sockerless-agent.  Every exported
 * name carries the ag_ prefix; agent/PROTOCOL.md is the wire contract.
 */
#ifndef AG_AGENT_H
#define AG_AGENT_H

#include "config.h"

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>

#include "proto.h"

#define AG_VERSION "sockerless-agent 1.0"

/* ---- outbuf.c: the main process's output, replayable by byte offset ---- */

struct ag_chunk {
	uint64_t off;	/* offset of data[0] over both streams */
	int64_t ts;	/* when its first byte was read (CLOCK_REALTIME ns) */
	int stream;	/* SL_AGENT_STDOUT or SL_AGENT_STDERR */
	size_t len;	/* bytes held, from data + skip */
	size_t skip;	/* trimmed from the front to keep the bound */
	char *data;
};

/* A session reading the buffer at its own pace (attach). */
struct ag_outreader {
	uint64_t cursor;	/* the next offset it reads */
	int64_t moved_ms;	/* when it last read (sl_agent_now_ms) */
	struct ag_outreader *next;
};

struct ag_outbuf {
	struct ag_chunk *c;	/* circular array of chunks */
	size_t head, n, cap;
	size_t bytes, limit;	/* bytes held, and the bound */
	uint64_t start, end;	/* offsets held: [start, end) */
	struct ag_outreader *readers;
};

void ag_outbuf_init(struct ag_outbuf *b, size_t limit);
void ag_outbuf_free(struct ag_outbuf *b);
/* Appends LEN bytes of STREAM read at TS, dropping the oldest chunks over
 * the bound. */
int ag_outbuf_append(struct ag_outbuf *b, int stream, int64_t ts,
    const char *p, size_t len);
/* Readers whose place the buffer keeps while they read on. */
void ag_outbuf_reader_add(struct ag_outbuf *b, struct ag_outreader *r);
void ag_outbuf_reader_del(struct ag_outbuf *b, struct ag_outreader *r);
/* 1 when appending LEN bytes would drop bytes that a reader which read
 * within the last STALL_MS has not read yet: the writer should wait. */
int ag_outbuf_held(const struct ag_outbuf *b, size_t len, int64_t now_ms,
    int64_t stall_ms);
/* Copies at most MAX bytes of one chunk starting at offset OFF (which
 * must be in [start, end)) into OUT; returns the count, *STREAM and *TS
 * (the chunk's stamp) set. */
size_t ag_outbuf_read(const struct ag_outbuf *b, uint64_t off, char *out,
    size_t max, int *stream, int64_t *ts);

/* ---- stdin targets (main process or exec) ---- */

struct ag_stdin {
	pthread_mutex_t mu;
	int fd;		/* pipe write end or pty master; -1 when closed */
	int tty;	/* EOF on a TTY is ^D, the fd stays open */
};

void ag_stdin_init(struct ag_stdin *in, int fd, int tty);
/* Writes all of P; drops the bytes (0) when stdin is closed. */
int ag_stdin_write(struct ag_stdin *in, const void *p, size_t len);
void ag_stdin_eof(struct ag_stdin *in);

/* ---- the main process (supervise.c) ---- */

struct ag_opts {
	const char *listen;	/* forward: ADDR:PORT */
	const char *callback;	/* reverse: http(s)://host:port/path */
	const char *callback_ca;	/* PEM file for https callbacks */
	const char *token;
	const char *container;
	const char *workdir;
	const char *user;
	int tty, stdin_open;
	int exit_wait;		/* seconds */
	size_t replay;		/* replay buffer bytes */
	int ping_interval;	/* seconds, reverse keepalive */
	char **argv;		/* the main command */
};

struct ag_main {
	pthread_mutex_t mu;	/* guards everything below and the outbuf */
	pthread_cond_t cv;	/* any change: output, exit, ack, closed session */
	pthread_cond_t room;	/* a reader of out read on, or left */
	pid_t pid;		/* also its process group */
	int launched;		/* start attempted: pid, tty and in are final */
	int64_t started_ns;
	int tty;
	int pty_fd;		/* master, -1 without a TTY */
	struct ag_stdin in;
	int stdin_taken;	/* an attach session writes stdin */
	int exited;		/* exit code known and output drained */
	int code;
	int acked;
	struct ag_outbuf out;
	/* Holds the output's place at byte 0 from the start until the
	 * first attach session (the daemon's) takes its own. */
	struct ag_outreader first;
};

extern struct ag_main ag_main;
extern struct ag_opts ag_opts;

int ag_supervise(void);		/* runs the main process; returns its code */
/* Blocks the signals the supervisor waits for; before any thread. */
void ag_signals_block(void);

/* ---- proc.c: starting processes (main and exec) ---- */

struct ag_cred {
	uid_t uid;
	gid_t gid;
	gid_t *groups;
	size_t ngroups;
	char *home;
};

struct ag_spawn {
	char *const *argv;
	char **env;		/* complete environment */
	const char *workdir;	/* NULL: keep */
	const struct ag_cred *cred;	/* NULL: keep */
	int tty;
	int stdin_pipe;		/* else /dev/null (without a TTY) */
	int die_with_agent;	/* SIGKILL when the agent dies (the calling
				   thread must live as long as the agent) */
	unsigned short rows, cols;
	/* results */
	pid_t pid;
	int in_fd, out_fd, err_fd;	/* with a TTY all three are the master */
};

/* Starts the process in its own process group (a new session with a
 * TTY).  -1 with a message in ERR when it cannot run; *NOTFOUND set when
 * the command does not exist. */
int ag_spawn(struct ag_spawn *sp, char *err, size_t errlen, int *notfound);
/* Waits until the reaper saw PID exit; returns the Docker exit code. */
int ag_proc_wait(pid_t pid);
/* Called by the reaper for every exited child. */
void ag_proc_reaped(pid_t pid, int status);
int ag_status_code(int status);
/* Finds ARGV0 in the PATH of ENV; caller frees. */
char *ag_which(const char *argv0, char *const *env);

/* ---- user.c ---- */

/* Resolves Docker's user spec (name|uid[:group|gid]) from /etc/passwd
 * and /etc/group under ROOT ("" for /).  -1 with a message in ERR. */
int ag_user_resolve(const char *spec, struct ag_cred *c, char *err,
    size_t errlen);
void ag_cred_free(struct ag_cred *c);
/* The user name for UID from /etc/passwd, or NULL; caller frees. */
char *ag_user_name(uid_t uid);

/* ---- pty.c ---- */

int ag_pty_open(int *master, char *slave, size_t slavelen);
void ag_pty_resize(int fd, unsigned rows, unsigned cols);

/* ---- conn.c: one upgraded connection ---- */

struct ag_session;

struct ag_conn {
	int fd;
	pthread_mutex_t wmu;	/* one frame at a time */
	pthread_mutex_t mu;	/* sessions, refs, dead */
	struct ag_session *sessions;
	int refs;
	int dead;
	int pings_out;		/* unanswered pings (reverse) */
	struct ag_conn *next;	/* in the list of live connections */
};

struct ag_session {
	struct ag_conn *c;
	uint32_t ch;
	int refs;		/* under c->mu */
	int closed;		/* no more frames out (under c->mu) */
	int main_stdin;		/* holds the main process's stdin */
	struct ag_stdin *in;	/* STDIN/EOF/RESIZE target or NULL */
	int can_write;		/* STDIN frames reach IN */
	pid_t pgid;		/* SIGNAL target, 0 */
	char *open;		/* the OPEN fields (owned) */
	size_t openlen;
	void *priv;		/* kind-specific, freed with the session */
	void (*free_priv)(void *);
	struct ag_session *next;
};

/* Serves an upgraded connection until it ends; takes FD. */
void ag_conn_serve(int fd);
/* Sends a frame; -1 when the connection is gone (then it is dead). */
int ag_conn_send(struct ag_conn *c, int type, uint32_t ch, const void *p,
    size_t len);
/* Sends on every live connection's channel 0. */
void ag_conn_broadcast(int type, const void *p, size_t len);
/* Shuts down connections that have not answered N pings; pings the rest. */
void ag_conn_ping_all(int max_missed);
/* Number of live connections. */
int ag_conn_count(void);

/* Session frames; nothing is sent once the session is closed.  EXIT and
 * ERROR end the session. */
int ag_sess_send(struct ag_session *s, int type, const void *p, size_t len);
int ag_sess_fields(struct ag_session *s, int type,
    const struct sl_agent_fields *f);
int ag_sess_error(struct ag_session *s, const char *code, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
int ag_sess_exit(struct ag_session *s, int code);
int ag_sess_closed(struct ag_session *s);
/* Ends a one-shot session after its REPLY. */
void ag_sess_done(struct ag_session *s);
void ag_sess_put(struct ag_session *s);
const char *ag_sess_get(struct ag_session *s, const char *key);

/* ---- session.c, exec.c, archive.c, top.c: the kinds ---- */

/* Handles a freshly opened session in the reader thread: one-shot kinds
 * answer here, streaming kinds set up what later frames need (stdin
 * target, process) and start a thread. */
void ag_session_start(struct ag_session *s);
/* Starts FN(S) on a detached thread holding a reference; -1 on failure. */
int ag_sess_thread(struct ag_session *s, void *(*fn)(void *));
/* Streaming kinds: the open step (reader thread, answers REPLY or ERROR;
 * returns 0 when the session goes on) and the thread body. */
int ag_exec_open(struct ag_session *s);
void *ag_exec_run(void *s);
int ag_archive_put_open(struct ag_session *s);
void *ag_archive_put_run(void *s);
void *ag_archive_get_run(void *s);
void ag_archive_stat(struct ag_session *s);
void ag_top(struct ag_session *s);
void ag_stats(struct ag_session *s);

/* ---- proctree.c: the container's processes in /proc ---- */

struct ag_proc {
	pid_t pid, ppid;
	uid_t uid;
	unsigned long long ticks;	/* utime + stime */
	unsigned long long cticks;	/* of its reaped children */
	unsigned long long start;	/* ticks after boot */
	long rss;			/* pages */
	long threads;
	int tty;
	char comm[64];
};

/* Reads up to LEN - 1 bytes of PATH, NUL-terminated; the count, or -1. */
int ag_read_file(const char *path, char *buf, size_t len);
/* What /proc/PID/stat and status say of PID; 0, or -1. */
int ag_proc_read(pid_t pid, struct ag_proc *p);
/* The agent's descendants: their count, *out malloc'd (NULL for none;
 * the caller frees), or -1. */
int ag_proctree(struct ag_proc **out);

/* ---- stats.c: one resource sample (the parsers, for the unit test) ---- */

struct ag_stats {
	uint64_t cpu_ns;	/* the container's CPU time, cumulative */
	uint64_t system_ns;	/* the machine's, over all its CPUs */
	uint32_t cpus;
	uint32_t pids;		/* tasks (threads), as the pids cgroup counts */
	uint64_t mem, mem_limit;	/* bytes; limit 0: none */
	uint64_t rx, tx, blk_read, blk_write;
	int net;		/* rx and tx are the container's */
};

/* From a cgroup v2 directory (cpu.stat, memory.*, pids.current,
 * io.stat): 0 when it could be read, else -1. */
int ag_stats_cgroup2(const char *dir, struct ag_stats *st);
/* From cgroup v1 controller directories (NULL: not mounted). */
int ag_stats_cgroup1(const char *cpuacct, const char *memory,
    const char *pids, const char *blkio, struct ag_stats *st);
/* The directory of the cgroup that /proc/self/cgroup's text SELF_CGROUP
 * names in the hierarchy holding CTRL (NULL: the v2 one, "0::path"),
 * mounted at /sys/fs/cgroup[/MOUNT]: 0, or -1 when none is named. */
int ag_stats_cgroup_dir(const char *self_cgroup, const char *ctrl,
    const char *mount, char *out, size_t len);
/* Whether the cgroup.procs text PROCS names only pids in OURS (the agent
 * and its descendants), and at least one: the cgroup is the container's. */
int ag_stats_procs_own(const char *procs, const pid_t *ours, size_t n);
/* /proc/net/dev's text: every interface but lo. */
void ag_stats_netdev(const char *text, struct ag_stats *st);
/* /proc/stat's text: system_ns and cpus; HZ its tick rate. */
void ag_stats_system(const char *text, long hz, struct ag_stats *st);

/* ---- http.c: the upgrade handshake ---- */

/* Serves the HTTP request on FD (forward mode): 1 when upgraded, 0 when
 * answered and to be closed. */
int ag_http_accept(int fd);
/* Sends the reverse upgrade request; 0 when the daemon answered 101. */
int ag_http_dial(int fd, const char *host, const char *path);
int ag_token_equal(const char *a, const char *b);

/* ---- resolve.c ---- */
/* NAME (literal, /etc/hosts or DNS A) and PORT into SA: 0 or -1. */
int ag_resolve(const char *name, int port, struct sockaddr_storage *sa,
    socklen_t *len);

/* ---- server.c, reverse.c ---- */

/* Listens on ag_opts.listen, prints the announcement; the accept thread
 * starts.  -1 on failure (message printed). */
int ag_server_start(void);
/* Writes to the agent's stderr, keeping track of line starts for the
 * repeated announcement. */
void ag_server_stderr(const void *p, size_t n);
/* Forward mode, no client authenticated yet: repeats the announcement if
 * stderr is at the start of a line.  1 when it was written. */
int ag_server_reannounce(void);
/* Starts the reverse dialer.  -1 when the URL is unusable. */
int ag_reverse_start(void);
/* Checks a callback URL: 0, or -1 with a message printed. */
int ag_reverse_check(const char *url);

/* ---- tls.c: https callbacks ---- */

/* Loads the CA the daemon's certificate must chain to: CA_FILE, else
 * SOCKERLESS_CALLBACK_CA (PEM text), else the system bundle.  0, or -1
 * with a message printed (no CA: never connect unverified). */
int ag_tls_init(const char *ca_file);
/* Takes the connected socket FD, does the handshake within TIMEOUT_MS
 * verifying the certificate against NAME (DNS name or IP literal), and
 * returns the plain end of a socket pair a relay thread couples to the
 * session; or -1, FD closed. */
int ag_tls_connect(int fd, const char *name, int timeout_ms);
/* Waits for the previous connection's relay to end. */
void ag_tls_wait(void);

/* ---- tar.c ---- */

struct ag_tar_hdr {
	char *name;
	char *linkname;
	int type;	/* '0', '1', '2', '5', ... */
	mode_t mode;
	uid_t uid;
	gid_t gid;
	uint64_t size;
	int64_t mtime;
};

typedef int (*ag_tar_write_fn)(void *ctx, const void *p, size_t len);
/* Writes one header (PAX extension first when needed). */
int ag_tar_put_header(const struct ag_tar_hdr *h, ag_tar_write_fn w,
    void *ctx);
/* Zero padding to the next 512 after SIZE bytes of data, and the end. */
int ag_tar_put_pad(uint64_t size, ag_tar_write_fn w, void *ctx);
int ag_tar_put_end(ag_tar_write_fn w, void *ctx);

/* Reader over a file descriptor. */
struct ag_tar_in {
	int fd;
	uint64_t left;	/* data bytes of the current entry */
	uint64_t pad;
};
/* Next header: 1, 0 at the end, -1 on a broken or truncated archive.
 * Fills H (free with ag_tar_hdr_free). */
int ag_tar_next(struct ag_tar_in *t, struct ag_tar_hdr *h);
/* Reads entry data: the count, 0 at the entry's end, -1 truncated. */
ssize_t ag_tar_read(struct ag_tar_in *t, void *buf, size_t len);
void ag_tar_hdr_free(struct ag_tar_hdr *h);

/* ---- util ---- */
int ag_write_all(int fd, const void *p, size_t len);
int64_t ag_now_ns(void);
void ag_log(const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 1, 2)))
#endif
    ;

#endif
