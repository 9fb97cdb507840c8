/* sim_ctx.h - the one simulator instance every route handler works on.
 *
 * main() fills it before the listener starts and tears it down after the
 * listener has stopped; handlers reach it through sim_ctx(). */
#ifndef SIM_CTX_H
#define SIM_CTX_H

#include "sim_config.h"

struct auth;
struct run_engine;
struct la_store;
struct sim_faults;
struct sim_stats;
struct sim_state;
struct sim_logs;

struct sim_ctx {
	struct sim_config *cfg;
	char *base_url;             /* "http://127.0.0.1:PORT", no trailing '/' */
	struct auth *auth;          /* the auth module */
	struct run_engine *engine;  /* the runner; NULL when workloads are off */
	struct la_store *la;        /* the Log Analytics module's tables */
	struct sim_state *state;    /* ARM resources */
	struct sim_faults *faults;
	struct sim_stats *stats;
	struct sim_logs *logs;      /* per-replica output for the log stream */
	volatile int stopping;      /* set on SIGTERM/SIGINT */
};

/* The process-wide instance (never NULL after main() set it up). */
struct sim_ctx *sim_ctx(void);
void sim_ctx_set(struct sim_ctx *ctx);

#endif
