/* exec_priv.h - what the execution files (exec_*.c) share and nobody else
 * needs: the launch plan of an execution, the runner's per-replica context,
 * and the helpers each file offers the others.
 *
 * exec_plan.c     JobExecutionTemplate -> a plan the runner can start
 * exec_state.c    execution status changes and the queue of replicas to stop
 * exec_runner.c   launching replicas and the runner's callbacks
 * exec_rows.c     Log Analytics rows for a replica's output and events
 * exec_api.c      start/stop/list/get of executions (ARM handlers)
 * exec_replicas.c replicas list/get and periodic housekeeping
 */
#ifndef EXEC_PRIV_H
#define EXEC_PRIV_H

#include <pthread.h>
#include <stddef.h>
#include <time.h>

#include <json-c/json.h>

#include "run_replica.h"
#include "sim_http.h"
#include "sim_state.h"

/* Path captures of the execution routes, in pattern order. */
#define P_SUB 0
#define P_RG 1
#define P_JOB 2
#define P_EXEC 3

/* ---- launch plans ----------------------------------------------------
 * Everything needed to start (more) replicas of one execution, as plain C
 * data (json-c trees must stay in one thread). Shared by the execution's
 * replicas through a reference count. */

struct plan {
	pthread_mutex_t mu;
	int refs;
	char *sub, *rg, *job, *job_id, *exec;
	char *env_name, *workspace, *location;
	char *env_id;                   /* _ResourceId of azure-monitor rows */
	enum la_dest log_dest;          /* the environment's table family */
	struct run_replica_spec spec;   /* replica_name set per replica */
	void **allocs;                  /* everything spec points into */
	size_t nallocs, capallocs;
};

/* One running replica: the runner's callback ud. */
struct rctx {
	struct plan *plan;
	char *replica;
};

/* exec_plan.c. Build a plan for executing tmpl (the effective
 * JobExecutionTemplate) of job; state lock held. Released with
 * sim_plan_unref(); NULL on ENOMEM. */
struct plan *sim_plan_build(struct sim_job *job, const char *exec, struct json_object *tmpl);
void sim_plan_ref(struct plan *p);
void sim_plan_unref(struct plan *p);
/* The value of the job secret called name (borrowed from secrets); NULL
 * when there is none. */
const char *sim_plan_secret(struct json_object *secrets, const char *name);

/* exec_state.c; state lock held. */
void sim_exec_end(struct sim_exec *ex, const char *status, const char *reason,
		  const char *message);
/* Queue every running replica of ex for stopping (sim_exec_flush_stops). */
void sim_exec_stop_replicas(struct sim_exec *ex);
/* A stop request: a running execution becomes Stopped at once and its
 * replicas are queued for stopping. Returns 1 when ex was still running. */
int sim_exec_stop(struct sim_exec *ex);
/* The execution p belongs to, NULL once it (or its job) is gone; *jobp
 * gets the job when jobp is not NULL. */
struct sim_exec *sim_exec_find(struct plan *p, struct sim_job **jobp);

/* exec_runner.c: start one more replica of p's execution (no lock held). */
void sim_exec_launch(struct plan *p);

/* exec_rows.c: Log Analytics rows (no lock needed). */
void sim_exec_row_event(struct plan *p, const char *replica, const char *container,
			const char *reason, const char *message, int warning);
int sim_exec_row_is_warning(const char *reason, const char *message);
void sim_exec_row_console(struct plan *p, const char *replica, const char *container,
			  enum run_stream stream, const char *line, size_t len,
			  const struct timespec *ts);

/* exec_api.c: ARM's 404 for a missing execution. */
void sim_exec_not_found(struct sim_resp *resp, const char *rg, const char *job,
			const char *exec);

/* Find the execution named exec of the request's job: 0 with the state
 * lock held, or -1 with ARM's error answered in resp (lock not held). */
int sim_exec_lookup(struct sim_req *req, struct sim_resp *resp, const char *exec,
		    struct sim_job **jobp, struct sim_exec **exp);

#endif
