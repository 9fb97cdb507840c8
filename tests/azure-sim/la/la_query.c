/* la_query.c - a Log Analytics query request turned into Azure's response
 * body: workspace checks, the timespan, the KQL run over a snapshot of the
 * store, and the typed JSON table (or Azure's error envelope). */
#include "config.h"

#include "la_json.h"
#include "la_query.h"
#include "la_store_priv.h"

#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

/* ---- errors ---- */

static void random_guid(char out[37])
{
	unsigned char r[16];
	static const char hx[] = "0123456789abcdef";
	int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
	size_t got = 0;

	if (fd >= 0) {
		while (got < sizeof(r)) {
			ssize_t k = read(fd, r + got, sizeof(r) - got);
			if (k <= 0)
				break;
			got += (size_t)k;
		}
		close(fd);
	}
	if (got < sizeof(r)) {
		struct timespec ts;
		uint64_t x;
		clock_gettime(CLOCK_REALTIME, &ts);
		x = (uint64_t)ts.tv_nsec * 0x9e3779b97f4a7c15ULL ^
		    (uint64_t)ts.tv_sec;
		for (size_t i = 0; i < sizeof(r); i++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			r[i] = (unsigned char)x;
		}
	}
	r[6] = (unsigned char)((r[6] & 0x0F) | 0x40);
	r[8] = (unsigned char)((r[8] & 0x3F) | 0x80);
	for (int i = 0, o = 0; i < 16; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			out[o++] = '-';
		out[o++] = hx[r[i] >> 4];
		out[o++] = hx[r[i] & 15];
	}
	out[36] = '\0';
}

static char *to_text(json_object *o)
{
	const char *s = json_object_to_json_string_ext(
		o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
	char *d = s ? strdup(s) : NULL;
	json_object_put(o);
	return d;
}

/* {"error":{"message","code","correlationId"[,"innererror"]}}; takes the
 * reference to inner.  Returns heap text or NULL. */
static char *error_body(const char *code, const char *message,
			const char *corr, json_object *inner)
{
	json_object *root = json_object_new_object();
	json_object *err = json_object_new_object();
	char gen[37];

	if (!corr) {
		random_guid(gen);
		corr = gen;
	}
	if (!root || !err) {
		json_object_put(root);
		json_object_put(err);
		json_object_put(inner);
		return NULL;
	}
	json_object_object_add(err, "message", json_object_new_string(message));
	json_object_object_add(err, "code", json_object_new_string(code));
	json_object_object_add(err, "correlationId",
			       json_object_new_string(corr));
	if (inner)
		json_object_object_add(err, "innererror", inner);
	json_object_object_add(root, "error", err);
	return to_text(root);
}

char *la_query_error_body(const char *code, const char *message,
			  const char *correlation_id)
{
	return error_body(code ? code : "", message ? message : "",
			  correlation_id, NULL);
}

static json_object *inner(const char *code, const char *message,
			  json_object *deeper)
{
	json_object *o = json_object_new_object();
	if (!o) {
		json_object_put(deeper);
		return NULL;
	}
	json_object_object_add(o, "code", json_object_new_string(code));
	json_object_object_add(o, "message", json_object_new_string(message));
	if (deeper)
		json_object_object_add(o, "innererror", deeper);
	return o;
}

static const char bad_arg_msg[] = "The request had some invalid properties";

static char *kql_error_body(const struct kql_error *e, const char *corr)
{
	json_object *deep = inner(e->code, e->message, NULL);

	if (deep && e->has_location) {
		json_object_object_add(deep, "line",
				       json_object_new_int(e->line));
		json_object_object_add(deep, "pos", json_object_new_int(e->pos));
		json_object_object_add(deep, "token",
				       json_object_new_string(e->token));
	}
	if (e->kind == KQL_ERR_UNSUPPORTED)
		/* not Azure's: valid KQL this simulator does not run, told
		 * apart from a query bug by its own innererror code */
		return error_body("BadArgumentError", bad_arg_msg, corr, deep);
	if (e->kind == KQL_ERR_SYNTAX)
		deep = inner("SyntaxError",
			     "A recognition error occurred in the query.", deep);
	else
		deep = inner("SemanticError", "A semantic error occurred.", deep);
	return error_body("BadArgumentError", bad_arg_msg, corr, deep);
}

static int respond(int *status, char **body, int code, char *text)
{
	if (!text)
		return -ENOMEM;
	*status = code;
	*body = text;
	return 0;
}

/* ---- timespan ---- */

/* "PT1H" | "start/end" | "start/PT1H" | "PT1H/end" -> [lo, hi) in ticks. */
static int parse_timespan(const char *ts, int64_t now, int64_t *lo,
			  int64_t *hi)
{
	const char *slash = strchr(ts, '/');
	int64_t a, b, d;

	if (!slash) {
		if (kql_parse_iso_duration(ts, strlen(ts), &d))
			return -EINVAL;
		*lo = now - d;
		*hi = now + 1; /* up to and including now */
		return 0;
	}
	size_t n1 = (size_t)(slash - ts), n2 = strlen(slash + 1);
	bool d1 = n1 && (ts[0] == 'P' || ts[0] == 'p');
	bool d2 = n2 && (slash[1] == 'P' || slash[1] == 'p');
	if (d1 && d2)
		return -EINVAL;
	if (d1) {
		if (kql_parse_iso_duration(ts, n1, &d) ||
		    kql_parse_datetime(slash + 1, n2, &b))
			return -EINVAL;
		a = b - d;
	} else if (d2) {
		if (kql_parse_datetime(ts, n1, &a) ||
		    kql_parse_iso_duration(slash + 1, n2, &d))
			return -EINVAL;
		b = a + d;
	} else {
		if (kql_parse_datetime(ts, n1, &a) ||
		    kql_parse_datetime(slash + 1, n2, &b))
			return -EINVAL;
	}
	if (b < a)
		return -EINVAL;
	*lo = a;
	*hi = b;
	return 0;
}

/* ---- running ---- */

struct resolve_ctx {
	struct la_store *st;
	const char *const *ws;
	size_t nws;
	int64_t now_ns, lo, hi;
	/* each resolved table's rows (malloc'ed by the store), kept until the
	 * result is printed: union and let resolve several */
	const struct kql_value ***rows;
	size_t nrows;
};

static int resolve(void *vctx, const char *name, struct kql_table *out)
{
	struct resolve_ctx *c = vctx;
	enum la_table_id tid;
	const struct kql_value **rows, ***kept;
	size_t n;
	bool exists;
	int rc;

	if (la_schema_find(name, &tid))
		return -ENOENT;
	rc = la_store_collect(c->st, c->ws, c->nws, tid, c->now_ns, c->lo, c->hi,
			      &out->cols, &out->ncols, &rows, &n, &exists);
	if (rc)
		return rc;
	if (!exists) {
		free(rows);
		return -ENOENT; /* Azure: no table before its first ingestion */
	}
	kept = realloc(c->rows, (c->nrows + 1) * sizeof(*kept));
	if (!kept) {
		free(rows);
		return -ENOMEM;
	}
	c->rows = kept;
	c->rows[c->nrows++] = rows;
	out->rows = (const struct kql_value *const *)rows;
	out->nrows = n;
	return 0;
}

int la_query_run(struct la_store *st, const struct la_query_request *req,
		 int *status, char **body)
{
	const char **ws = NULL;
	struct resolve_ctx rc_ctx;
	struct kql_env env;
	struct kql_error kerr;
	struct kql_result *res = NULL;
	char corr[37];
	size_t nws = 0;
	int rc = 0;

	if (!st || !req || !status || !body)
		return -EINVAL;
	*body = NULL;
	if (req->correlation_id)
		snprintf(corr, sizeof(corr), "%.36s", req->correlation_id);
	else
		random_guid(corr);

	if (!req->workspace_id ||
	    !kql_is_guid(req->workspace_id, strlen(req->workspace_id)))
		return respond(status, body, 404,
			       error_body("PathNotFoundError",
					  "The requested path does not exist",
					  corr, NULL));
	ws = calloc(req->nworkspaces + 1, sizeof(*ws));
	if (!ws)
		return -ENOMEM;
	ws[nws++] = req->workspace_id;
	for (size_t i = 0; i < req->nworkspaces; i++) {
		const char *w = req->workspaces ? req->workspaces[i] : NULL;
		bool dup = false;
		if (!w || !kql_is_guid(w, strlen(w)) ||
		    !la_store_has_workspace(st, w)) {
			rc = respond(status, body, 404,
				     error_body("WorkspaceNotFoundError",
						"The workspace could not be found",
						corr, NULL));
			goto out;
		}
		for (size_t k = 0; k < nws; k++)
			dup = dup || strcasecmp(ws[k], w) == 0;
		if (!dup)
			ws[nws++] = w;
	}
	if (!la_store_has_workspace(st, req->workspace_id)) {
		rc = respond(status, body, 404,
			     error_body("WorkspaceNotFoundError",
					"The workspace could not be found", corr,
					NULL));
		goto out;
	}
	if (!req->query) {
		rc = respond(status, body, 400,
			     error_body("BadArgumentError", bad_arg_msg, corr,
					inner("MissingQuery",
					      "The query parameter is required.",
					      NULL)));
		goto out;
	}

	memset(&rc_ctx, 0, sizeof(rc_ctx));
	rc_ctx.st = st;
	rc_ctx.ws = ws;
	rc_ctx.nws = nws;
	rc_ctx.now_ns = la_store_now_ns(st);
	rc_ctx.lo = INT64_MIN;
	rc_ctx.hi = INT64_MAX;
	if (req->timespan && req->timespan[0] &&
	    parse_timespan(req->timespan, kql_ticks_from_ns(rc_ctx.now_ns),
			   &rc_ctx.lo, &rc_ctx.hi)) {
		char msg[256];
		snprintf(msg, sizeof(msg),
			 "The timespan '%.120s' is not a valid ISO-8601 duration "
			 "or interval.",
			 req->timespan);
		rc = respond(status, body, 400,
			     error_body("BadArgumentError", bad_arg_msg, corr,
					inner("InvalidTimespan", msg, NULL)));
		goto out;
	}
	memset(&env, 0, sizeof(env));
	env.resolve = resolve;
	env.resolve_ctx = &rc_ctx;
	env.now_ticks = kql_ticks_from_ns(rc_ctx.now_ns);
	env.max_rows = LA_MAX_RESULT_ROWS;

	la_store_read_lock(st);
	rc = kql_run(req->query, &env, &res, &kerr);
	if (rc == 0) {
		char *text = la_json_result(res); /* cells point into the store */
		kql_result_free(res);
		la_store_read_unlock(st);
		rc = respond(status, body, 200, text);
	} else {
		la_store_read_unlock(st);
		if (rc == -EINVAL && kerr.kind != KQL_ERR_NONE)
			rc = respond(status, body, 400,
				     kql_error_body(&kerr, corr));
	}
	for (size_t i = 0; i < rc_ctx.nrows; i++)
		free(rc_ctx.rows[i]);
	free(rc_ctx.rows);
out:
	free(ws);
	return rc;
}

int la_query_run_post(struct la_store *st, const char *workspace_id,
		      const char *json, size_t len, const char *correlation_id,
		      int *status, char **body)
{
	struct la_query_request req;
	json_tokener *tok = NULL;
	json_object *root = NULL, *v;
	const char **extra = NULL;
	char corr[37];
	int rc;

	if (!st || !status || !body || (!json && len))
		return -EINVAL;
	*body = NULL;
	if (correlation_id)
		snprintf(corr, sizeof(corr), "%.36s", correlation_id);
	else
		random_guid(corr);
	memset(&req, 0, sizeof(req));
	req.workspace_id = workspace_id;
	req.correlation_id = corr;

	tok = json_tokener_new();
	if (!tok)
		return -ENOMEM;
	if (len > 0 && len < (size_t)INT32_MAX)
		root = json_tokener_parse_ex(tok, json, (int)len);
	if (root && json_tokener_get_error(tok) == json_tokener_success &&
	    json_tokener_get_parse_end(tok) < len) {
		/* trailing bytes other than blanks make it invalid */
		for (size_t i = json_tokener_get_parse_end(tok); i < len; i++) {
			char c = json[i];
			if (c != ' ' && c != '\t' && c != '\r' && c != '\n') {
				json_object_put(root);
				root = NULL;
				break;
			}
		}
	}
	json_tokener_free(tok);
	if (!root || !json_object_is_type(root, json_type_object)) {
		json_object_put(root);
		return respond(status, body, 400,
			       error_body("BadArgumentError", bad_arg_msg, corr,
					  inner("InvalidBody",
						"The request body is not a valid "
						"JSON object.",
						NULL)));
	}
	if (json_object_object_get_ex(root, "query", &v) &&
	    json_object_is_type(v, json_type_string))
		req.query = json_object_get_string(v);
	if (json_object_object_get_ex(root, "timespan", &v) &&
	    json_object_is_type(v, json_type_string))
		req.timespan = json_object_get_string(v);
	if (json_object_object_get_ex(root, "workspaces", &v) &&
	    json_object_is_type(v, json_type_array)) {
		size_t n = json_object_array_length(v);
		extra = calloc(n + 1, sizeof(*extra));
		if (!extra) {
			json_object_put(root);
			return -ENOMEM;
		}
		for (size_t i = 0; i < n; i++) {
			json_object *e = json_object_array_get_idx(v, i);
			extra[i] = json_object_is_type(e, json_type_string)
					   ? json_object_get_string(e)
					   : NULL;
		}
		req.workspaces = extra;
		req.nworkspaces = n;
	}
	rc = la_query_run(st, &req, status, body);
	free(extra);
	json_object_put(root);
	return rc;
}
