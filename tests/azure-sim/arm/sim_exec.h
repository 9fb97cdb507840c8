/* sim_exec.h - job executions: starting replicas through the runner's engine,
 * feeding their output and events into Log Analytics (the Log Analytics module) and the log
 * stream buffers, and tracking status and exit codes. */
#ifndef SIM_EXEC_H
#define SIM_EXEC_H

#include "sim_http.h"
#include "sim_state.h"

/* ARM's 404 for a missing job. */
void sim_jobs_not_found(struct sim_resp *resp, const char *rg, const char *job);

/* The job the request's path names (params: subscription, resource group,
 * job), with the state lock taken; tick first completes due operations.
 * NULL when there is none: resp holds ARM's 404 and the lock is released. */
struct sim_job *sim_jobs_find_locked(struct sim_req *req, struct sim_resp *resp, int tick);

/* Stop every running execution of job (state lock held): marks them
 * Stopped and queues their replicas for stopping, which happens once the
 * lock is released (sim_exec_flush_stops). */
void sim_exec_stop_job_locked(struct sim_job *job);

/* Send the stop requests queued while the lock was held. Call without the
 * state lock. */
void sim_exec_flush_stops(void);

/* Periodic housekeeping (no lock held): forget finished replicas after
 * the cleanup time, drop expired log output. */
void sim_exec_janitor(void);

/* Free the queued stop list at shutdown. */
void sim_exec_shutdown(void);

#endif
