/* sim_state.h - the ARM resources the simulator holds in memory:
 * subscriptions, resource groups, managed environments, jobs, executions,
 * replicas and long-running operations.
 *
 * One mutex guards all of it (sim_state_lock/unlock); every pointer into
 * the state is valid only while the lock is held. json objects stored here
 * are only touched under the lock (json-c is not thread-safe), and handlers
 * deep-copy what they send. */
#ifndef SIM_STATE_H
#define SIM_STATE_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "la_store.h"
#include "sim_config.h"

struct json_object;

struct sim_rg {
	char *sub;
	char *name;
	char *location;
	struct json_object *tags;   /* object or NULL */
	struct sim_rg *next;
};

struct sim_env {
	char *sub, *rg, *name;
	char *location;
	char *workspace;            /* LA customer id for its logs */
	enum la_dest log_dest;      /* appLogsConfiguration.destination;
	                             * azure-monitor stands for a diagnostic
	                             * setting sending to workspace */
	struct json_object *doc;    /* as PUT (properties etc.) or NULL */
	int64_t ready_at_ms;        /* provisioning completes (monotonic) */
	struct sim_envstore *stores; /* managedEnvironments/{env}/storages */
	struct sim_env *next;
};

/* An environment's Azure Files storage definition (the key stays here and
 * is never rendered). */
struct sim_envstore {
	char *name;
	char *account, *key, *share;
	int read_only;              /* accessMode ReadOnly */
	struct sim_envstore *next;
};

/* A Microsoft.Storage account; its file shares are directories under
 * <state-dir>/shares/<name>/ (sim_storage.c). */
struct sim_stacct {
	char *sub, *rg, *name, *location;
	char key1[96], key2[96];    /* base64 of 64 random bytes, as Azure's */
	struct json_object *shares; /* share name -> its properties, or NULL */
	struct sim_stacct *next;
};

/* Container state inside a replica. */
enum sim_ctr_state { SIM_CTR_WAITING = 0, SIM_CTR_RUNNING, SIM_CTR_TERMINATED };

struct sim_ctr {
	char *name;
	char *image;
	int is_init;
	enum sim_ctr_state state;
	int exit_code;              /* valid when TERMINATED; -1 = never ran */
	struct timespec started;
	struct timespec finished;
	char container_id[96];      /* "containerd://<64 hex>" */
	char waiting_reason[24];    /* while WAITING: "" (ContainerCreating)
				     * or "ImagePullBackOff" */
};

struct sim_replica {
	char *name;                 /* <exec>-<5 alnum> */
	struct timespec created;
	int running;                /* 1 once a container started */
	int done;
	int64_t done_at_ms;         /* monotonic, for cleanup */
	struct sim_ctr *ctrs;       /* init containers first, then containers */
	size_t nctrs;
	struct sim_replica *next;
};

struct sim_exec {
	char *name;
	char status[16];            /* Processing (until a main container
				     * starts), Running, Succeeded, Failed,
				     * Stopped; Degraded and Unknown come
				     * from fault rules (sim_faults.h) */
	struct timespec start;
	struct timespec end;
	int ended;
	char *reason, *message;     /* preview api-versions, NULL until end */
	struct json_object *template; /* {containers, initContainers} as run */
	struct sim_replica *replicas;
	int succeeded, failed, active; /* replica counters */
	int completions, parallelism, retry_limit;
	int stop_requested;
	uint64_t seq;               /* creation order, newest listed first */
	struct sim_exec *next;
};

struct sim_job {
	char *sub, *rg, *name;
	char *id;                   /* ARM id (original case) */
	struct json_object *doc;    /* stored resource incl. secret values */
	int64_t ready_at_ms;        /* provisioning InProgress until then */
	int deleting;
	char created_at[48], modified_at[48];
	struct sim_exec *execs;
	struct sim_job *next;
};

enum sim_op_kind {
	SIM_OP_JOB_PUT = 1,
	SIM_OP_JOB_PATCH,
	SIM_OP_JOB_DELETE,
	SIM_OP_JOB_START,
	SIM_OP_EXEC_STOP,
	SIM_OP_ENV_PUT,
};

struct sim_op {
	char id[40];
	enum sim_op_kind kind;
	char *resource_id;          /* what it acts on */
	char *sub, *rg, *job;       /* for delete completion */
	char *result;               /* final body for Location polls (JSON), or NULL */
	struct timespec start;
	int64_t done_at_ms;         /* monotonic */
	struct sim_op *next;
};

struct sim_state {
	char **subs;
	size_t nsubs;
	struct sim_rg *rgs;
	struct sim_env *envs;
	struct sim_stacct *accounts;
	struct sim_job *jobs;
	struct sim_op *ops;
	uint64_t exec_seq;
};

/* Create the state seeded from cfg (subscriptions, resource groups,
 * environments). Returns NULL on ENOMEM. Free with sim_state_free. */
struct sim_state *sim_state_new(const struct sim_config *cfg);
void sim_state_free(struct sim_state *st);

void sim_state_lock(void);
void sim_state_unlock(void);

/* Lookups (case-insensitive names, as ARM). Call with the lock held. */
int sim_state_has_sub(struct sim_state *st, const char *sub);
struct sim_rg *sim_state_rg(struct sim_state *st, const char *sub, const char *rg);
struct sim_env *sim_state_env(struct sim_state *st, const char *sub,
			      const char *rg, const char *name);
struct sim_stacct *sim_state_account(struct sim_state *st, const char *sub,
				     const char *rg, const char *name);
/* An environment's storage by name; NULL when absent. */
struct sim_envstore *sim_env_store(struct sim_env *e, const char *name);
void sim_envstore_free(struct sim_envstore *s);
/* Find an environment by its ARM id; NULL if malformed or unknown. */
struct sim_env *sim_state_env_by_id(struct sim_state *st, const char *id);
struct sim_job *sim_state_job(struct sim_state *st, const char *sub,
			      const char *rg, const char *name);
struct sim_exec *sim_job_exec(struct sim_job *job, const char *name);
struct sim_replica *sim_exec_replica(struct sim_exec *ex, const char *name);
struct sim_ctr *sim_replica_ctr(struct sim_replica *r, const char *name);

/* Add (lock held). Strings are copied; the returned object belongs to st. */
struct sim_rg *sim_state_add_rg(struct sim_state *st, const char *sub,
				const char *name, const char *location);
struct sim_env *sim_state_add_env(struct sim_state *st, const char *sub,
				  const char *rg, const char *name,
				  const char *location, const char *workspace);
/* A storage account with two fresh keys. */
struct sim_stacct *sim_state_add_account(struct sim_state *st, const char *sub,
					 const char *rg, const char *name,
					 const char *location);
struct sim_job *sim_state_add_job(struct sim_state *st, const char *sub,
				  const char *rg, const char *name);
/* Unlink and free a job and its executions (lock held). */
void sim_state_remove_job(struct sim_state *st, struct sim_job *job);

/* New execution at the head of job->execs (lock held). */
struct sim_exec *sim_job_add_exec(struct sim_state *st, struct sim_job *job,
				  const char *name);
struct sim_replica *sim_exec_add_replica(struct sim_exec *ex, const char *name);

/* Long-running operations (lock held). done_in_ms from now. */
struct sim_op *sim_state_add_op(struct sim_state *st, enum sim_op_kind kind,
				const char *resource_id, int64_t done_in_ms);
struct sim_op *sim_state_op(struct sim_state *st, const char *id);

/* Free helpers for the pieces above. */
void sim_exec_free(struct sim_exec *ex);
void sim_replica_free(struct sim_replica *r);

#endif
