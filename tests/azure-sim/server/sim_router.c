/* sim_router.c - maps (method, path) to an operation and its handler, and
 * applies what every request of a kind goes through: stats, faults, the
 * bearer check, api-version checks and ARM's headers.
 *
 * All Azure hosts share one listener; the path alone tells them apart:
 *   /subscriptions/.../providers/...      ARM (management.azure.com)
 *   /subscriptions/.../jobs/.../logstream  ACA data plane (region host)
 *   /{tenant}/oauth2/v2.0/token           Entra ID (login.microsoftonline.com)
 *   /metadata/identity/oauth2/token       IMDS (169.254.169.254)
 *   /msi/token                            IDENTITY_ENDPOINT
 *   /v1/workspaces/{id}/query             Log Analytics (api.loganalytics.io)
 *   /_sim/...                             simulator admin (not Azure) */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sim_arm.h"
#include "sim_authz.h"
#include "sim_ctx.h"
#include "sim_exec.h"
#include "sim_faults.h"
#include "sim_http.h"
#include "sim_routes.h"
#include "sim_stats.h"
#include "sim_util.h"

enum route_kind {
	K_ARM_APP,        /* ARM, Microsoft.App api-versions */
	K_ARM_RES,        /* ARM, Microsoft.Resources api-versions */
	K_ARM_STORAGE,    /* ARM, Microsoft.Storage api-versions */
	K_ARM_ANYVER,     /* ARM, any api-version (LRO status, getAuthToken) */
	K_LA,             /* Log Analytics, LA bearer */
	K_DATA,           /* ACA data plane, handler checks its token */
	K_TOKEN,          /* token endpoints, no bearer */
	K_ADMIN,          /* /_sim/, no auth, no faults */
};

struct route {
	const char *method;
	const char *pattern;   /* '{}' captures a segment */
	const char *op;
	enum route_kind kind;
	sim_handler_fn fn;
	const char *type;      /* resource type for api-version messages */
};

#define SUBP "/subscriptions/{}"
#define RGP SUBP "/resourceGroups/{}"
#define APP RGP "/providers/Microsoft.App"
#define JOB APP "/jobs/{}"
#define ENVST APP "/managedEnvironments/{}/storages"
#define STACCT RGP "/providers/Microsoft.Storage/storageAccounts/{}"
#define SHARE STACCT "/fileServices/default/shares/{}"

static const struct route routes[] = {
	/* Microsoft.Resources */
	{ "PUT", RGP, "ResourceGroups_CreateOrUpdate", K_ARM_RES, sim_h_rg_put, "resourceGroups" },
	{ "GET", RGP, "ResourceGroups_Get", K_ARM_RES, sim_h_rg_get, "resourceGroups" },
	{ "HEAD", RGP, "ResourceGroups_CheckExistence", K_ARM_RES, sim_h_rg_head, "resourceGroups" },
	/* managed environments */
	{ "PUT", APP "/managedEnvironments/{}", "ManagedEnvironments_CreateOrUpdate", K_ARM_APP, sim_h_env_put, "managedEnvironments" },
	{ "GET", APP "/managedEnvironments/{}", "ManagedEnvironments_Get", K_ARM_APP, sim_h_env_get, "managedEnvironments" },
	/* environment storages (Azure Files for volumes) */
	{ "GET", ENVST, "ManagedEnvironmentsStorages_List", K_ARM_APP, sim_h_envstore_list, "managedEnvironments/storages" },
	{ "PUT", ENVST "/{}", "ManagedEnvironmentsStorages_CreateOrUpdate", K_ARM_APP, sim_h_envstore_put, "managedEnvironments/storages" },
	{ "GET", ENVST "/{}", "ManagedEnvironmentsStorages_Get", K_ARM_APP, sim_h_envstore_get, "managedEnvironments/storages" },
	{ "DELETE", ENVST "/{}", "ManagedEnvironmentsStorages_Delete", K_ARM_APP, sim_h_envstore_delete, "managedEnvironments/storages" },
	/* Microsoft.Storage: account keys and file shares */
	{ "POST", STACCT "/listKeys", "StorageAccounts_ListKeys", K_ARM_STORAGE, sim_h_st_list_keys, "storageAccounts" },
	{ "PUT", SHARE, "FileShares_Create", K_ARM_STORAGE, sim_h_share_put, "storageAccounts/fileServices/shares" },
	{ "GET", SHARE, "FileShares_Get", K_ARM_STORAGE, sim_h_share_get, "storageAccounts/fileServices/shares" },
	{ "DELETE", SHARE, "FileShares_Delete", K_ARM_STORAGE, sim_h_share_delete, "storageAccounts/fileServices/shares" },
	/* jobs */
	{ "GET", SUBP "/providers/Microsoft.App/jobs", "Jobs_ListBySubscription", K_ARM_APP, sim_h_jobs_list_sub, "jobs" },
	{ "GET", APP "/jobs", "Jobs_ListByResourceGroup", K_ARM_APP, sim_h_jobs_list_rg, "jobs" },
	{ "PUT", JOB, "Jobs_CreateOrUpdate", K_ARM_APP, sim_h_job_put, "jobs" },
	{ "GET", JOB, "Jobs_Get", K_ARM_APP, sim_h_job_get, "jobs" },
	{ "PATCH", JOB, "Jobs_Update", K_ARM_APP, sim_h_job_patch, "jobs" },
	{ "DELETE", JOB, "Jobs_Delete", K_ARM_APP, sim_h_job_delete, "jobs" },
	{ "POST", JOB "/listSecrets", "Jobs_ListSecrets", K_ARM_APP, sim_h_job_list_secrets, "jobs" },
	{ "POST", JOB "/getAuthToken", "Jobs_GetAuthToken", K_ARM_APP, sim_h_job_auth_token, "jobs" },
	{ "POST", JOB "/start", "Jobs_Start", K_ARM_APP, sim_h_job_start, "jobs" },
	{ "POST", JOB "/stop", "Jobs_StopMultipleExecutions", K_ARM_APP, sim_h_job_stop_all, "jobs" },
	{ "POST", JOB "/stop/{}", "Jobs_StopExecution", K_ARM_APP, sim_h_job_stop_legacy, "jobs" },
	{ "GET", JOB "/executions", "JobsExecutions_List", K_ARM_APP, sim_h_exec_list, "jobs/executions" },
	{ "GET", JOB "/executions/{}", "JobExecution_Get", K_ARM_APP, sim_h_exec_get, "jobs/executions" },
	{ "POST", JOB "/executions/{}/stop", "Jobs_StopExecution", K_ARM_APP, sim_h_exec_stop, "jobs/executions" },
	{ "GET", JOB "/executions/{}/replicas", "JobExecutionReplicas_List", K_ARM_APP, sim_h_replicas_list, "jobs/executions/replicas" },
	{ "GET", JOB "/executions/{}/replicas/{}", "JobExecutionReplicas_Get", K_ARM_APP, sim_h_replica_get, "jobs/executions/replicas" },
	/* async operations (any api-version: the URL we hand out carries one) */
	{ "GET", SUBP "/providers/Microsoft.App/locations/{}/containerappsjobOperationStatuses/{}", "OperationStatus_Get", K_ARM_ANYVER, sim_h_op_status, NULL },
	{ "GET", SUBP "/providers/Microsoft.App/locations/{}/containerappsjobOperationResults/{}", "OperationResult_Get", K_ARM_ANYVER, sim_h_op_result, NULL },
	{ "GET", SUBP "/providers/Microsoft.App/locations/{}/managedEnvironmentOperationStatuses/{}", "OperationStatus_Get", K_ARM_ANYVER, sim_h_op_status, NULL },
	/* ACA data plane (regional host) */
	{ "GET", RGP "/jobs/{}/executions/{}/replicas/{}/containers/{}/logstream", "LogStream", K_DATA, sim_h_logstream, NULL },
	{ "GET", RGP "/containerApps/{}/eventstream", "EventStream", K_DATA, sim_h_eventstream, NULL },
	/* Log Analytics */
	{ "GET", "/v1/workspaces/{}/query", "LogAnalytics_Query", K_LA, sim_h_la_query, NULL },
	{ "POST", "/v1/workspaces/{}/query", "LogAnalytics_Query", K_LA, sim_h_la_query, NULL },
	/* admin */
	{ "GET", "/_sim/health", "_sim_health", K_ADMIN, sim_h_health, NULL },
	{ "GET", "/_sim/replicas", "_sim_replicas", K_ADMIN, sim_h_replicas, NULL },
	{ "GET", "/_sim/stats", "_sim_stats", K_ADMIN, sim_h_stats_get, NULL },
	{ "DELETE", "/_sim/stats", "_sim_stats", K_ADMIN, sim_h_stats_reset, NULL },
	{ "GET", "/_sim/faults", "_sim_faults", K_ADMIN, sim_h_faults_get, NULL },
	{ "POST", "/_sim/faults", "_sim_faults", K_ADMIN, sim_h_faults_post, NULL },
	{ "DELETE", "/_sim/faults", "_sim_faults", K_ADMIN, sim_h_faults_clear, NULL },
	{ "DELETE", "/_sim/faults/{}", "_sim_faults", K_ADMIN, sim_h_fault_delete, NULL },
	{ "GET", "/_sim/settings", "_sim_settings", K_ADMIN, sim_h_settings_get, NULL },
	{ "PUT", "/_sim/settings", "_sim_settings", K_ADMIN, sim_h_settings_put, NULL },
	{ NULL, NULL, NULL, 0, NULL, NULL },
};

#define MAX_SEGS 24

/* Split path into segments in buf; returns the count or -1 if too many. */
static int split(const char *path, char *buf, size_t bufsz, char **segs)
{
	int n = 0;
	char *save = NULL;

	snprintf(buf, bufsz, "%s", path);
	for (char *t = strtok_r(buf, "/", &save); t; t = strtok_r(NULL, "/", &save)) {
		if (n == MAX_SEGS)
			return -1;
		segs[n++] = t;
	}
	return n;
}

/* Match pattern against the segments; fills captures. Literal segments
 * compare case-insensitively, as ARM paths do. */
static int match(const char *pattern, char **segs, int nsegs, const char **caps,
		 int *ncaps)
{
	char pbuf[512], *psegs[MAX_SEGS];
	int np = split(pattern, pbuf, sizeof(pbuf), psegs);

	if (np != nsegs)
		return 0;
	*ncaps = 0;
	for (int i = 0; i < np; i++) {
		if (strcmp(psegs[i], "{}") == 0) {
			if (*ncaps < SIM_MAX_PARAMS)
				caps[(*ncaps)++] = segs[i];
		} else if (strcasecmp(psegs[i], segs[i]) != 0) {
			return 0;
		}
	}
	return 1;
}

static int is_arm(enum route_kind k)
{
	return k == K_ARM_APP || k == K_ARM_RES || k == K_ARM_STORAGE || k == K_ARM_ANYVER;
}

static void fault_response(const struct route *rt, const struct sim_fault_effect *fx,
			   struct sim_resp *resp)
{
	const char *code = "InternalServerError";
	const char *msg = "The server encountered an internal error. Please retry the request.";

	if (fx->status == 429) {
		code = "TooManyRequests";
		msg = "The request is being throttled as the limit has been reached for operation "
		      "type - 'Read'. For more information, see - https://aka.ms/msdn-throttling";
	} else if (fx->status == 503) {
		code = "ServiceUnavailable";
		msg = "The service is temporarily unavailable. Please retry the request.";
	} else if (fx->status == 502) {
		code = "BadGateway";
		msg = "The gateway did not receive a response from the service.";
	} else if (fx->status == 504) {
		code = "GatewayTimeout";
		msg = "The gateway did not receive a response from 'Microsoft.App' within the "
		      "specified time period.";
	} else if (fx->status == 409) {
		code = "Conflict";
		msg = "The request conflicts with the current state of the resource.";
	} else if (fx->status < 500) {
		code = "BadRequest";
		msg = "The request is invalid.";
	}
	if (rt && rt->kind == K_LA) {
		struct sim_buf b = { 0 };
		char cid[37];
		sim_uuid(cid);
		sim_buf_addf(&b, "{\"error\":{\"message\":\"%s\",\"code\":\"%s\","
				 "\"correlationId\":\"%s\"}}", msg,
			     fx->status == 429 ? "ThrottledError" : "ServiceError", cid);
		sim_resp_take(resp, fx->status, "application/json; charset=utf-8", b.data, b.len);
	} else {
		sim_arm_error(resp, fx->status, code, NULL, "%s", msg);
	}
	if (fx->status == 429 || fx->status == 503)
		sim_resp_headerf(resp, "Retry-After", "%ld", fx->retry_after > 0 ? fx->retry_after : 1);
}

static void not_found(const char *path, struct sim_resp *resp)
{
	if (sim_starts_with(path, "/subscriptions/")) {
		sim_arm_error(resp, 404, "InvalidResourceType", NULL,
			      "The resource type could not be found in the namespace for the "
			      "requested api-version.");
		return;
	}
	sim_resp_bytes(resp, 404, "application/json; charset=utf-8",
		       "{\"error\":{\"code\":\"NotFound\",\"message\":\"No route.\"}}", 51);
}

/* ARM's token buckets: take one token for this call and report what is
 * left in the x-ms-ratelimit-remaining-* headers; when a bucket is empty
 * and enforcement is on, answer 429 with Retry-After and return 1. */
static int arm_throttle(const struct sim_req *req, struct sim_resp *resp)
{
	struct sim_arm_quota q;
	char principal[64], name[64];
	const char *cls;
	int empty;

	sim_arm_principal(req, principal, sizeof(principal));
	empty = sim_arm_take_token(req->params[0], principal, req->method, &q) != 0;
	cls = strcmp(q.op_type, "Read") == 0 ? "reads"
	      : strcmp(q.op_type, "Delete") == 0 ? "deletes" : "writes";
	if (empty && sim_ctx()->cfg->arm_throttle) {
		sim_arm_error(resp, 429, "TooManyRequests", NULL,
			      "The request is being throttled as the limit has been reached "
			      "for operation type - '%s'. For more information, see - "
			      "https://aka.ms/msdn-throttling",
			      q.op_type);
		sim_resp_headerf(resp, "Retry-After", "%ld", q.retry_after_s);
	}
	snprintf(name, sizeof(name), "x-ms-ratelimit-remaining-subscription-%s", cls);
	sim_resp_headerf(resp, name, "%ld", q.left);
	snprintf(name, sizeof(name), "x-ms-ratelimit-remaining-subscription-global-%s", cls);
	sim_resp_headerf(resp, name, "%ld", q.global_left);
	return empty && sim_ctx()->cfg->arm_throttle;
}

void sim_router_dispatch(struct sim_req *req, struct sim_resp *resp)
{
	struct sim_ctx *ctx = sim_ctx();
	char buf[2048], *segs[MAX_SEGS];
	const char *caps[SIM_MAX_PARAMS];
	int nsegs, ncaps = 0, path_matched = 0;
	const struct route *rt = NULL;
	struct sim_fault_effect fx;
	const char *path = req->url;

	nsegs = strlen(path) < sizeof(buf) ? split(path, buf, sizeof(buf), segs) : -1;
	if (nsegs >= 0) {
		for (const struct route *r = routes; r->pattern; r++) {
			if (!match(r->pattern, segs, nsegs, caps, &ncaps))
				continue;
			path_matched = 1;
			if (strcmp(r->method, req->method) == 0) {
				rt = r;
				break;
			}
		}
	}
	if (!rt && nsegs >= 0 && sim_authz_is_token_path(path)) {
		static const struct route tok = { "*", "", "Token", K_TOKEN, sim_h_token, NULL };
		rt = &tok;
		ncaps = 0;
	}
	if (!rt) {
		if (path_matched) {
			if (sim_starts_with(path, "/subscriptions/"))
				sim_arm_error(resp, 405, "MethodNotAllowed", NULL,
					      "The requested resource does not support http method '%s'.",
					      req->method);
			else
				sim_resp_empty(resp, 405);
		} else {
			not_found(path, resp);
		}
		sim_stats_count(ctx->stats, "Unknown", resp->status);
		if (sim_starts_with(path, "/subscriptions/"))
			sim_arm_headers(req, resp);
		return;
	}
	req->op = rt->op;
	for (int i = 0; i < ncaps; i++)
		req->params[i] = caps[i];
	req->nparams = ncaps;

	if (rt->kind != K_ADMIN) {
		sim_faults_match(ctx->faults, req->method, path, rt->op, &fx);
		if (fx.latency_ms > 0)
			sim_sleep_ms(fx.latency_ms);
		if (fx.inject) {
			if (fx.drop) {
				resp->drop = 1;
				sim_stats_count(ctx->stats, rt->op, 0);
				return;
			}
			fault_response(rt, &fx, resp);
			goto finish;
		}
	}

	if (is_arm(rt->kind)) {
		if (sim_authz_bearer(req, resp, SIM_AUTHZ_ARM) != 0)
			goto finish;
		if (rt->kind != K_ARM_ANYVER &&
		    sim_arm_check_api_version(req, resp,
					      rt->kind == K_ARM_RES       ? SIM_RP_RESOURCES
					      : rt->kind == K_ARM_STORAGE ? SIM_RP_STORAGE
									  : SIM_RP_APP,
					      rt->type) != 0)
			goto finish;
		if (arm_throttle(req, resp))
			goto finish;
	} else if (rt->kind == K_LA) {
		if (sim_authz_bearer(req, resp, SIM_AUTHZ_LA) != 0)
			goto finish;
	}
	rt->fn(req, resp);
	/* Replica stops queued under the state lock go out now. */
	sim_exec_flush_stops();
finish:
	if (is_arm(rt->kind))
		sim_arm_headers(req, resp);
	if (ctx->cfg->verbose)
		fprintf(stderr, "sockerless-azure-sim: %s %s -> %u (%s)\n", req->method, path,
			resp->drop ? 0 : resp->status, rt->op);
	if (rt->kind != K_ADMIN)
		sim_stats_count(ctx->stats, rt->op, resp->drop ? 0 : resp->status);
}
