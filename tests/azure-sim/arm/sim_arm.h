/* sim_arm.h - Azure Resource Manager conventions shared by every ARM route:
 * the error envelope, api-version checks, the response headers ARM adds,
 * and its subscription/resource-group lookups. */
#ifndef SIM_ARM_H
#define SIM_ARM_H

#include "sim_http.h"

struct json_object;

/* Which resource provider an ARM route belongs to (api-version sets). */
enum sim_arm_rp {
	SIM_RP_APP = 0,       /* Microsoft.App: jobs, managedEnvironments */
	SIM_RP_RESOURCES,     /* Microsoft.Resources: resource groups */
	SIM_RP_STORAGE,       /* Microsoft.Storage: accounts, file shares */
};

/* ARM's error envelope {"error":{"code","message"[,"target"]}} with
 * Content-Type application/json; charset=utf-8. target may be NULL. */
void sim_arm_error(struct sim_resp *resp, unsigned int status, const char *code,
		   const char *target, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

/* Check ?api-version= for rp and the resource type named in messages
 * (e.g. "jobs"). Returns 0 when acceptable, else fills resp with ARM's
 * 400 (MissingApiVersionParameter, InvalidApiVersionParameter or
 * NoRegisteredProviderFound) and returns -EINVAL. */
int sim_arm_check_api_version(const struct sim_req *req, struct sim_resp *resp,
			      enum sim_arm_rp rp, const char *type);

/* True when api (a Microsoft.App api-version) carries
 * properties.detailedStatus on executions (the 2024-08-02-preview line). */
int sim_arm_has_detailed_status(const char *api);

/* Add the headers ARM puts on every response: x-ms-request-id,
 * x-ms-correlation-request-id, x-ms-routing-request-id, the
 * x-ms-ratelimit-remaining-* pair for the method, Cache-Control/Pragma/
 * Expires, and x-ms-client-request-id when x-ms-return-client-request-id
 * is true. Idempotent (already-set headers are kept). */
void sim_arm_headers(const struct sim_req *req, struct sim_resp *resp);

/* What one ARM call left in its buckets. */
struct sim_arm_quota {
	long left;          /* per principal: x-ms-ratelimit-remaining-subscription-* */
	long global_left;   /* whole subscription: ...-subscription-global-* */
	long retry_after_s; /* when throttled: seconds until a token is back */
	const char *op_type; /* "Read", "Write" or "Delete" (429 message) */
};

/* ARM's token buckets (since 2024, "Understand how Azure Resource Manager
 * throttles requests"): per subscription, principal and operation class,
 * reads 250 tokens refilled at 25/s, writes and deletes 200 at 10/s; and
 * one per subscription and class for all principals, 15 times larger.
 * Takes one token from both and returns 0, or -EAGAIN (nothing taken, q
 * says when to retry) when either is empty; the caller answers 429 when
 * enforcement is on. principal may be NULL or "". */
int sim_arm_take_token(const char *subscription, const char *principal,
		       const char *method, struct sim_arm_quota *q);

/* The calling principal of an ARM request: its bearer token's oid (the
 * token was verified before). Writes "" when there is none. */
void sim_arm_principal(const struct sim_req *req, char *out, size_t outsz);

/* Free the throttling buckets (shutdown). */
void sim_arm_buckets_free(void);

/* Parse a request body as a JSON object. Empty body -> *out = NULL and 0
 * when allow_empty, else an InvalidRequestContent error. Returns 0 or
 * -EINVAL with resp filled. The caller puts *out. */
int sim_arm_parse_body(const struct sim_req *req, struct sim_resp *resp,
		       int allow_empty, struct json_object **out);

/* 404 ResourceGroupNotFound / SubscriptionNotFound check: returns 0 when
 * the subscription and resource group exist (rg may be NULL to check only
 * the subscription), else fills resp and returns -ENOENT. */
int sim_arm_check_scope(struct sim_resp *resp, const char *sub, const char *rg);

/* ARM list paging: $skiptoken (an offset here) and $top, with the
 * configured page size when $top is absent or out of range. */
struct sim_arm_page {
	long skip;       /* items to pass over */
	long size;       /* items on this page */
	const char *top; /* the request's $top, or NULL */
	long seen, added;
	int more;        /* the page filled up before the items ran out */
};
void sim_arm_page_init(const struct sim_req *req, struct sim_arm_page *pg);

/* Called for each listed item in order: 1 = put it on this page, 0 = pass
 * over it, -1 = the page is full (stop; nextLink will follow). */
int sim_arm_page_next(struct sim_arm_page *pg);

/* Add "nextLink" to a list answer: the request's URL for the next page
 * (keeping $top, and $filter when not NULL) when more, else null. */
void sim_arm_page_link(const struct sim_req *req, const struct sim_arm_page *pg,
		       const char *filter, struct json_object *root);

/* ARM's checks of a PUT body's location: present (LocationRequired) and a
 * region it knows. type is the resource type named by the error
 * ("Microsoft.App/jobs"), NULL for a resource group, whose error reads
 * differently. Returns 0, or -EINVAL with resp filled. */
int sim_arm_check_location(const char *loc, const char *type, struct sim_resp *resp);

/* The operation id for a stats/fault name of an ARM request: the
 * route's op. Helper for ids. Writes "/subscriptions/{sub}/resourceGroups/
 * {rg}/providers/Microsoft.App/jobs/{job}" into a new string (caller
 * frees). */
char *sim_arm_job_id(const char *sub, const char *rg, const char *job);

#endif
