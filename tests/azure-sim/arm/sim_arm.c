/* sim_arm.c - ARM's envelope, api-versions, headers and throttling. */
#include "config.h"

#include "sim_arm.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <json-c/json.h>

#include "jwt_b64.h"
#include "sim_config.h"
#include "sim_ctx.h"
#include "sim_region.h"
#include "sim_state.h"
#include "sim_util.h"

/* Microsoft.App api-versions that know Microsoft.App/jobs (readme tags of
 * azure-rest-api-specs). */
static const char *const app_versions[] = {
	"2022-11-01-preview", "2023-04-01-preview", "2023-05-01",
	"2023-05-02-preview", "2023-08-01-preview", "2023-11-02-preview",
	"2024-02-02-preview", "2024-03-01",         "2024-08-02-preview",
	"2024-10-02-preview", "2025-01-01",         "2025-02-02-preview",
	"2025-07-01",         "2025-10-02-preview", NULL,
};

/* Preview versions whose JobExecution has detailedStatus.replicas[]. */
static const char *const detailed_versions[] = {
	"2024-08-02-preview", "2024-10-02-preview", "2025-02-02-preview",
	"2025-10-02-preview", NULL,
};

/* Microsoft.Resources resourceGroups api-versions clients commonly pin. */
static const char *const resources_versions[] = {
	"2019-10-01", "2020-06-01", "2020-10-01", "2021-01-01", "2021-04-01",
	"2022-09-01", "2023-07-01", "2024-03-01", "2024-07-01", "2024-11-01",
	"2025-03-01", "2025-04-01", NULL,
};

/* Microsoft.Storage stable api-versions (storage.json readme tags) that
 * know storageAccounts/listKeys and fileServices/shares. */
static const char *const storage_versions[] = {
	"2021-04-01", "2021-06-01", "2021-08-01", "2021-09-01", "2022-05-01",
	"2022-09-01", "2023-01-01", "2023-04-01", "2023-05-01", "2024-01-01",
	"2025-01-01", NULL,
};

void sim_arm_error(struct sim_resp *resp, unsigned int status, const char *code,
		   const char *target, const char *fmt, ...)
{
	char msg[2048];
	va_list ap;
	struct json_object *root, *err;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	root = json_object_new_object();
	err = json_object_new_object();
	json_object_object_add(err, "code", json_object_new_string(code));
	json_object_object_add(err, "message", json_object_new_string(msg));
	if (target)
		json_object_object_add(err, "target", json_object_new_string(target));
	json_object_object_add(root, "error", err);
	sim_resp_json(resp, status, root);
	json_object_put(root);
}

static int in_list(const char *const *list, const char *v)
{
	for (; *list; list++)
		if (strcmp(*list, v) == 0)
			return 1;
	return 0;
}

static void join_list(const char *const *list, char *out, size_t outsz)
{
	size_t o = 0;

	out[0] = '\0';
	for (const char *const *p = list; *p; p++) {
		int n = snprintf(out + o, outsz - o, "%s%s", o ? ", " : "", *p);
		if (n < 0 || (size_t)n >= outsz - o)
			break;
		o += (size_t)n;
	}
}

/* yyyy-mm-dd or yyyy-mm-dd-preview/-beta/-alpha/-privatepreview. */
static int well_formed_version(const char *v)
{
	size_t n = strlen(v);

	if (n < 10)
		return 0;
	for (int i = 0; i < 10; i++) {
		if (i == 4 || i == 7) {
			if (v[i] != '-')
				return 0;
		} else if (!isdigit((unsigned char)v[i])) {
			return 0;
		}
	}
	if (n == 10)
		return 1;
	return strcmp(v + 10, "-preview") == 0 || strcmp(v + 10, "-beta") == 0 ||
	       strcmp(v + 10, "-alpha") == 0 || strcmp(v + 10, "-privatepreview") == 0;
}

int sim_arm_check_api_version(const struct sim_req *req, struct sim_resp *resp,
			      enum sim_arm_rp rp, const char *type)
{
	const char *v = sim_req_query(req, "api-version");
	const char *const *list = rp == SIM_RP_APP       ? app_versions
				  : rp == SIM_RP_STORAGE ? storage_versions
							 : resources_versions;
	char supported[1024];

	if (!v || !*v) {
		sim_arm_error(resp, 400, "MissingApiVersionParameter", NULL,
			      "The api-version query parameter (?api-version=) is required for all requests.");
		return -EINVAL;
	}
	if (in_list(list, v))
		return 0;
	join_list(list, supported, sizeof(supported));
	if (!well_formed_version(v)) {
		sim_arm_error(resp, 400, "InvalidApiVersionParameter", NULL,
			      "The api-version '%s' is invalid. The supported versions are '%s'.",
			      v, supported);
		return -EINVAL;
	}
	sim_arm_error(resp, 400, "NoRegisteredProviderFound", NULL,
		      "No registered resource provider found for location '%s' and API version '%s' "
		      "for type '%s'. The supported api-versions are '%s'. The supported locations are "
		      "'eastus, westus, westeurope, northeurope, northcentralus'.",
		      SIM_DEFAULT_LOCATION, v, type, supported);
	return -EINVAL;
}

int sim_arm_has_detailed_status(const char *api)
{
	return api && in_list(detailed_versions, api);
}

/* --- throttling buckets ------------------------------------------------ */

#define GLOBAL_FACTOR 15.0   /* global limit = 15 x the per-principal one */

struct bucket {
	char sub[64];
	char principal[64];  /* "" = the subscription's global bucket */
	int cls;             /* 0 reads, 1 writes, 2 deletes */
	double tokens;
	int64_t last_ms;
	struct bucket *next;
};

static pthread_mutex_t bucket_mu = PTHREAD_MUTEX_INITIALIZER;
static struct bucket *buckets;

static const double bucket_cap[3] = { 250, 200, 200 };
static const double bucket_refill[3] = { 25, 10, 10 };
static const char *const op_types[3] = { "Read", "Write", "Delete" };

static int method_class(const char *method)
{
	if (strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0)
		return 0;
	if (strcmp(method, "DELETE") == 0)
		return 2;
	return 1;
}

/* The bucket for (sub, principal, cls), refilled up to now; NULL on
 * ENOMEM. Lock held. */
static struct bucket *bucket_get(const char *sub, const char *principal, int cls,
				 double scale, int64_t now)
{
	struct bucket *b;

	for (b = buckets; b; b = b->next)
		if (b->cls == cls && strcasecmp(b->sub, sub) == 0 &&
		    strcmp(b->principal, principal) == 0)
			break;
	if (!b) {
		b = calloc(1, sizeof(*b));
		if (!b)
			return NULL;
		snprintf(b->sub, sizeof(b->sub), "%s", sub);
		snprintf(b->principal, sizeof(b->principal), "%s", principal);
		b->cls = cls;
		b->tokens = bucket_cap[cls] * scale;
		b->last_ms = now;
		b->next = buckets;
		buckets = b;
	}
	b->tokens += (double)(now - b->last_ms) / 1000.0 * bucket_refill[cls] * scale;
	if (b->tokens > bucket_cap[cls] * scale)
		b->tokens = bucket_cap[cls] * scale;
	b->last_ms = now;
	return b;
}

/* Whole seconds until b holds a token again (at least 1). */
static long wait_s(const struct bucket *b, double scale)
{
	double s = (1.0 - b->tokens) / (bucket_refill[b->cls] * scale);
	long w = (long)ceil(s);

	return w < 1 ? 1 : w;
}

int sim_arm_take_token(const char *subscription, const char *principal,
		       const char *method, struct sim_arm_quota *q)
{
	int cls = method_class(method);
	int64_t now = sim_mono_ms();
	struct bucket *mine, *all;
	int rc = 0;

	memset(q, 0, sizeof(*q));
	q->op_type = op_types[cls];
	pthread_mutex_lock(&bucket_mu);
	/* The principal's bucket is keyed apart from the global one ("") by a
	 * leading '@', so no principal id can collide with it. */
	{
		char key[64];
		snprintf(key, sizeof(key), "@%s", principal ? principal : "");
		mine = bucket_get(subscription, key, cls, 1.0, now);
	}
	all = bucket_get(subscription, "", cls, GLOBAL_FACTOR, now);
	if (!mine || !all) {
		/* Out of memory: let the call through rather than fail it. */
		q->left = (long)bucket_cap[cls] - 1;
		q->global_left = (long)(bucket_cap[cls] * GLOBAL_FACTOR) - 1;
		goto out;
	}
	if (mine->tokens < 1.0 || all->tokens < 1.0) {
		long a = mine->tokens < 1.0 ? wait_s(mine, 1.0) : 0;
		long b = all->tokens < 1.0 ? wait_s(all, GLOBAL_FACTOR) : 0;
		q->retry_after_s = a > b ? a : b;
		rc = -EAGAIN;
	} else {
		mine->tokens -= 1.0;
		all->tokens -= 1.0;
	}
	q->left = (long)mine->tokens;
	q->global_left = (long)all->tokens;
out:
	pthread_mutex_unlock(&bucket_mu);
	return rc;
}

void sim_arm_principal(const struct sim_req *req, char *out, size_t outsz)
{
	const char *h = sim_req_header(req, "Authorization");
	const char *p, *dot;
	unsigned char *payload = NULL;
	size_t plen = 0;
	struct json_object *claims = NULL, *v;

	out[0] = '\0';
	if (!h || strncasecmp(h, "Bearer ", 7) != 0)
		return;
	p = strchr(h + 7, '.');
	if (!p)
		return;
	p++;
	dot = strchr(p, '.');
	if (!dot || jwt_b64_decode(p, (size_t)(dot - p), &payload, &plen) != 0)
		return;
	claims = json_tokener_parse((const char *)payload);
	if (json_object_object_get_ex(claims, "oid", &v) && json_object_is_type(v, json_type_string))
		snprintf(out, outsz, "%s", json_object_get_string(v));
	json_object_put(claims);
	free(payload);
}

void sim_arm_buckets_free(void)
{
	pthread_mutex_lock(&bucket_mu);
	while (buckets) {
		struct bucket *n = buckets->next;
		free(buckets);
		buckets = n;
	}
	pthread_mutex_unlock(&bucket_mu);
}

/* --- headers ----------------------------------------------------------- */

static void set_if_absent(struct sim_resp *resp, const char *name, const char *value)
{
	if (!sim_resp_get_header(resp, name))
		sim_resp_header(resp, name, value);
}

void sim_arm_headers(const struct sim_req *req, struct sim_resp *resp)
{
	char id[37], routing[128], ts[32];
	const char *corr = sim_req_header(req, "x-ms-correlation-request-id");
	const char *cid = sim_req_header(req, "x-ms-client-request-id");
	const char *ret = sim_req_header(req, "x-ms-return-client-request-id");
	struct timespec now = sim_now();
	struct tm tm;

	sim_uuid(id);
	set_if_absent(resp, "x-ms-request-id", id);
	set_if_absent(resp, "x-ms-correlation-request-id", corr && *corr ? corr : id);
	gmtime_r(&now.tv_sec, &tm);
	strftime(ts, sizeof(ts), "%Y%m%dT%H%M%SZ", &tm);
	snprintf(routing, sizeof(routing), "EASTUS:%s:%s", ts, id);
	set_if_absent(resp, "x-ms-routing-request-id", routing);
	set_if_absent(resp, "Cache-Control", "no-cache");
	set_if_absent(resp, "Pragma", "no-cache");
	set_if_absent(resp, "Expires", "-1");
	set_if_absent(resp, "Strict-Transport-Security", "max-age=31536000; includeSubDomains");
	set_if_absent(resp, "X-Content-Type-Options", "nosniff");
	if (cid && ret && strcasecmp(ret, "true") == 0)
		set_if_absent(resp, "x-ms-client-request-id", cid);
}

/* --- bodies and scope -------------------------------------------------- */

int sim_arm_parse_body(const struct sim_req *req, struct sim_resp *resp,
		       int allow_empty, struct json_object **out)
{
	struct json_tokener *tok;
	struct json_object *obj;
	size_t i = 0;

	*out = NULL;
	while (i < req->body_len && isspace((unsigned char)req->body[i]))
		i++;
	if (i == req->body_len) {
		if (allow_empty)
			return 0;
		sim_arm_error(resp, 400, "InvalidRequestContent", NULL,
			      "The request content was invalid and could not be deserialized: "
			      "'Request body is required.'.");
		return -EINVAL;
	}
	tok = json_tokener_new();
	if (!tok) {
		sim_arm_error(resp, 500, "InternalServerError", NULL, "Out of memory.");
		return -ENOMEM;
	}
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	obj = json_tokener_parse_ex(tok, req->body, (int)req->body_len + 1);
	if (!obj || json_tokener_get_error(tok) != json_tokener_success) {
		sim_arm_error(resp, 400, "InvalidRequestContent", NULL,
			      "The request content was invalid and could not be deserialized: "
			      "'Unexpected character encountered while parsing value. Path '', "
			      "line 1, position %zu.'.",
			      json_tokener_get_parse_end(tok));
		json_object_put(obj);
		json_tokener_free(tok);
		return -EINVAL;
	}
	json_tokener_free(tok);
	if (!json_object_is_type(obj, json_type_object)) {
		sim_arm_error(resp, 400, "InvalidRequestContent", NULL,
			      "The request content was invalid and could not be deserialized: "
			      "'Cannot deserialize the current JSON value into an object. Path ''.'.");
		json_object_put(obj);
		return -EINVAL;
	}
	*out = obj;
	return 0;
}

int sim_arm_check_scope(struct sim_resp *resp, const char *sub, const char *rg)
{
	struct sim_state *st = sim_ctx()->state;
	int rc = 0;

	sim_state_lock();
	if (!sim_state_has_sub(st, sub)) {
		sim_arm_error(resp, 404, "SubscriptionNotFound", NULL,
			      "The subscription '%s' could not be found.", sub);
		rc = -ENOENT;
	} else if (rg && !sim_state_rg(st, sub, rg)) {
		sim_arm_error(resp, 404, "ResourceGroupNotFound", NULL,
			      "Resource group '%s' could not be found.", rg);
		rc = -ENOENT;
	}
	sim_state_unlock();
	return rc;
}

char *sim_arm_job_id(const char *sub, const char *rg, const char *job)
{
	return sim_strdupf("/subscriptions/%s/resourceGroups/%s/providers/Microsoft.App/jobs/%s",
			   sub, rg, job);
}

int sim_arm_check_location(const char *loc, const char *type, struct sim_resp *resp)
{
	if (!loc || !*loc) {
		sim_arm_error(resp, 400, "LocationRequired", NULL,
			      "The location property is required for this definition.");
		return -EINVAL;
	}
	if (sim_region_name(loc))
		return 0;
	if (!type)
		sim_arm_error(resp, 400, "LocationNotAvailableForResourceGroup", NULL,
			      "The provided location '%s' is not available for resource group. List "
			      "of available regions is '%s'.",
			      loc, sim_region_list());
	else
		sim_arm_error(resp, 400, "LocationNotAvailableForResourceType", NULL,
			      "The provided location '%s' is not available for resource type '%s'. "
			      "List of available regions for the resource type is '%s'.",
			      loc, type, sim_region_list());
	return -EINVAL;
}

void sim_arm_page_init(const struct sim_req *req, struct sim_arm_page *pg)
{
	long page_size = sim_ctx()->cfg->page_size;
	const char *tok = sim_req_query(req, "$skiptoken");

	pg->seen = pg->added = 0;
	pg->more = 0;
	pg->top = sim_req_query(req, "$top");
	pg->skip = tok ? strtol(tok, NULL, 10) : 0;
	pg->size = pg->top ? strtol(pg->top, NULL, 10) : page_size;
	if (pg->size <= 0 || pg->size > 1000)
		pg->size = page_size;
	if (pg->skip < 0)
		pg->skip = 0;
}

int sim_arm_page_next(struct sim_arm_page *pg)
{
	if (pg->seen++ < pg->skip)
		return 0;
	if (pg->added == pg->size) {
		pg->more = 1;
		return -1;
	}
	pg->added++;
	return 1;
}

void sim_arm_page_link(const struct sim_req *req, const struct sim_arm_page *pg,
		       const char *filter, struct json_object *root)
{
	char *fe, *link;

	if (!pg->more) {
		json_object_object_add(root, "nextLink", NULL);
		return;
	}
	fe = filter ? sim_url_encode(filter) : NULL;
	link = sim_strdupf("%s%s?api-version=%s&$skiptoken=%ld%s%s%s%s", sim_ctx()->base_url,
			   req->url, sim_req_query(req, "api-version"), pg->skip + pg->size,
			   pg->top ? "&$top=" : "", pg->top ? pg->top : "", fe ? "&$filter=" : "",
			   fe ? fe : "");
	json_object_object_add(root, "nextLink", json_object_new_string(link ? link : ""));
	free(link);
	free(fe);
}
