/* sim_routes.h - every route handler the router dispatches to. Each reads a
 * complete request and fills the response; path captures are in
 * req->params in pattern order. */
#ifndef SIM_ROUTES_H
#define SIM_ROUTES_H

#include "sim_http.h"

typedef void (*sim_handler_fn)(struct sim_req *req, struct sim_resp *resp);

/* sim_rg.c: Microsoft.Resources resource groups, Microsoft.App managed
 * environments (minimal, so tests can create them). */
void sim_h_rg_put(struct sim_req *req, struct sim_resp *resp);
void sim_h_rg_get(struct sim_req *req, struct sim_resp *resp);
void sim_h_rg_head(struct sim_req *req, struct sim_resp *resp);
void sim_h_env_put(struct sim_req *req, struct sim_resp *resp);
void sim_h_env_get(struct sim_req *req, struct sim_resp *resp);

/* sim_storage.c: Microsoft.Storage keys and file shares, environment
 * storages. */
void sim_h_st_list_keys(struct sim_req *req, struct sim_resp *resp);
void sim_h_share_put(struct sim_req *req, struct sim_resp *resp);
void sim_h_share_get(struct sim_req *req, struct sim_resp *resp);
void sim_h_share_delete(struct sim_req *req, struct sim_resp *resp);
void sim_h_envstore_put(struct sim_req *req, struct sim_resp *resp);
void sim_h_envstore_get(struct sim_req *req, struct sim_resp *resp);
void sim_h_envstore_list(struct sim_req *req, struct sim_resp *resp);
void sim_h_envstore_delete(struct sim_req *req, struct sim_resp *resp);

/* sim_jobs.c: Microsoft.App/jobs CRUD. */
void sim_h_job_put(struct sim_req *req, struct sim_resp *resp);
void sim_h_job_get(struct sim_req *req, struct sim_resp *resp);
void sim_h_job_patch(struct sim_req *req, struct sim_resp *resp);
void sim_h_job_delete(struct sim_req *req, struct sim_resp *resp);
void sim_h_jobs_list_rg(struct sim_req *req, struct sim_resp *resp);
void sim_h_jobs_list_sub(struct sim_req *req, struct sim_resp *resp);
void sim_h_job_list_secrets(struct sim_req *req, struct sim_resp *resp);
void sim_h_job_auth_token(struct sim_req *req, struct sim_resp *resp);

/* sim_exec.c: executions and replicas. */
void sim_h_job_start(struct sim_req *req, struct sim_resp *resp);
void sim_h_job_stop_all(struct sim_req *req, struct sim_resp *resp);
void sim_h_job_stop_legacy(struct sim_req *req, struct sim_resp *resp);
void sim_h_exec_stop(struct sim_req *req, struct sim_resp *resp);
void sim_h_exec_list(struct sim_req *req, struct sim_resp *resp);
void sim_h_exec_get(struct sim_req *req, struct sim_resp *resp);
void sim_h_replicas_list(struct sim_req *req, struct sim_resp *resp);
void sim_h_replica_get(struct sim_req *req, struct sim_resp *resp);

/* sim_lro.c: async operation status resources. */
void sim_h_op_status(struct sim_req *req, struct sim_resp *resp);
void sim_h_op_result(struct sim_req *req, struct sim_resp *resp);

/* sim_logstream.c: the data-plane log stream and event stream. */
void sim_h_logstream(struct sim_req *req, struct sim_resp *resp);
void sim_h_eventstream(struct sim_req *req, struct sim_resp *resp);

/* sim_la_http.c: Log Analytics query API. */
void sim_h_la_query(struct sim_req *req, struct sim_resp *resp);

/* sim_authz.c: token endpoints. */
void sim_h_token(struct sim_req *req, struct sim_resp *resp);

/* sim_admin.c: /_sim/ admin paths. */
void sim_h_health(struct sim_req *req, struct sim_resp *resp);
void sim_h_replicas(struct sim_req *req, struct sim_resp *resp);
void sim_h_stats_get(struct sim_req *req, struct sim_resp *resp);
void sim_h_stats_reset(struct sim_req *req, struct sim_resp *resp);
void sim_h_faults_get(struct sim_req *req, struct sim_resp *resp);
void sim_h_faults_post(struct sim_req *req, struct sim_resp *resp);
void sim_h_faults_clear(struct sim_req *req, struct sim_resp *resp);
void sim_h_fault_delete(struct sim_req *req, struct sim_resp *resp);
void sim_h_settings_get(struct sim_req *req, struct sim_resp *resp);
void sim_h_settings_put(struct sim_req *req, struct sim_resp *resp);

#endif
