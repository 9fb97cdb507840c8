/*
 * agent_int.h - what the agent client's files share (agent_conn.c,
 * agent_dial.c, agent_listen.c, agent_ops.c); not for the rest of the core.
 */
#ifndef SL_AGENT_INT_H
#define SL_AGENT_INT_H

#include <pthread.h>
#include <stdint.h>

#include "core/agent.h"
#include "core/logstore.h"

/* The most of a PING's payload a PONG echoes (the agent sends a few
 * bytes; the echo need not follow a peer that sends more). */
#define SL_AGENT_PONG_MAX 64

struct sl_agent_frame {
	struct sl_agent_frame *next;
	int type;
	int64_t ts;                  /* log queue: the output's stamp */
	size_t len;
	unsigned char data[];
};

struct sl_agent_sess {
	struct sl_agent *a;          /* referenced */
	uint32_t ch;
	char tag[80];
	/* Under a->lock.  overrun: ended because its client stopped
	 * reading (SESS_STALL_MS). */
	int replied, ended, lost, overrun;
	int reply_type;
	unsigned char *reply;        /* REPLY or ERROR fields, NUL after */
	size_t reply_len;
	struct sl_agent_frame *head, *tail;
	size_t queued;
	struct sl_agent_sess *next;
};

/* A partial output line of the main process, for the log store. */
struct sl_agent_line {
	char *buf;
	size_t len, cap;
	int64_t ts;                  /* stamp of the last bytes fed */
};

struct sl_agent {
	int refs;                    /* under tab_lock */
	struct sl_container *c;      /* referenced */
	char id[65];
	char addr[256];              /* forward: where it listens */
	int reverse;
	pthread_mutex_t lock;        /* guards what follows */
	pthread_cond_t cond;
	int fd;                      /* -1 while not connected */
	int state;                   /* enum sl_agent_state */
	int stopping;
	int has_exit, exit_code, exit_reported;
	int ack_owed;                /* exit ACK held (exit_ack) */
	int exits0;                  /* the container's exit count at start */
	uint32_t next_ch;
	struct sl_agent_sess *sessions;
	uint32_t log_ch;
	int log_live;
	/* The copy's standing, for `docker logs` (sl_agent_log_whole): a
	 * reader runs for this agent, the agent answered it at least once,
	 * and the output session delivered the exit after all output. */
	int copying, contacted, log_done;
	/* The reader's own (no lock). */
	pthread_mutex_t wlock;       /* one frame at a time on the socket */
	/* Control frames the reader could not write at once because another
	 * thread held wlock: that thread sends them before it lets go.  The
	 * reader never waits for wlock (see reader_send). */
	pthread_mutex_t ctl_lock;
	int pong_due, ack_due;
	size_t pong_len;
	unsigned char pong[SL_AGENT_PONG_MAX];
	pthread_t reader;
	int reader_started;
	uint64_t log_off;            /* main output bytes received */
	int log_failed;              /* under lock */
	int resume_fd;               /* the resume record, or -1 */
	int rec_exit;                /* the exit code in the record, or -1 */
	/* The agent's own start (hello "started"): expected after a daemon
	 * restart, learned on the first hello otherwise.  Under lock. */
	int64_t agent_started, hello_started;
	/* Main output bytes whose lines are in the log store (what the
	 * resume record keeps); under lock. */
	uint64_t store_off;
	/* Output on its way to the log store, written by its own thread
	 * (agent_conn.c, log_writer); under lock. */
	struct sl_agent_frame *logq_head, *logq_tail;
	size_t logq_bytes;
	pthread_t logw;
	int logw_started;
	struct sl_agent_line line[2]; /* the writer's own */
	struct sl_logstore_batch logb; /* the writer's own: lines to store */
	unsigned char *reply_buf;
	struct sl_agent *next;
};

/*
 * Dials a->addr and upgrades with the container's token.  Returns the
 * connected fd, or -1 with an SL_* status in *status (when not NULL) and a
 * message in err.  Gives up after a few seconds.
 */
int sl_agent_dial(struct sl_agent *a, int *status, char *err, size_t errlen);

/* 64 hex digits of 256 random bits and a NUL into out[65]; 0 or -1. */
int sl_random_token(char out[65]);

/* Constant-time comparison of a presented token with the expected one. */
int sl_agent_token_equal(const char *a, size_t alen, const char *b,
	size_t blen);

/* A resume record as read back after a daemon restart. */
struct sl_agent_resume {
	int64_t started;             /* the agent's start, 0 = not yet known */
	uint64_t off;                /* main output already in the local copy */
	int gap;                     /* the copy already misses some output */
	int exit;                    /* the exit code received, or -1 */
	int reverse;
	char addr[256];              /* forward: where the agent listens */
};

/* ---- agent_resume.c ---- */

/* Creates (replaces) a's record from its current fields. */
void sl_agent_resume_open(struct sl_agent *a);
/* Rewrites a's record in place; the reader's (or a caller's before the
 * reader runs). */
void sl_agent_resume_save(struct sl_agent *a);
/* The agent will not be resumed (its connect failed): no record. */
void sl_agent_resume_drop(struct sl_agent *a);

/* ---- agent_conn.c, for agent_resume.c ---- */

/* Recreates c's agent from its record: a forward one is dialled again,
 * a reverse one awaited on the callback listener. */
void sl_agent_resume_start(struct sl_container *c,
	const struct sl_agent_resume *r);
/* 1 when this daemon has a callback listener. */
int sl_agent_has_callback(void);

/* Stores one line of the main output, stamped ts, in the local log
 * copy; flags SL_LINE_PARTIAL for a part without its newline. */
void sl_agent_log_line(struct sl_agent *a, int fd, int64_t ts,
	const char *line, size_t len, unsigned flags);

#endif
