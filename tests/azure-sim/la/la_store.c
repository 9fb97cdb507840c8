/* la_store.c - workspaces, bounded per-table row rings, ingestion delay,
 * and the appenders the workload runner calls. */
#include "config.h"

#include "la_store.h"
#include "la_store_priv.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

/* A row is one block: the cells, then the bytes of its strings. */
struct la_row {
	int64_t visible_at_ns;
	int64_t time_ticks; /* TimeGenerated, for the timespan filter */
	struct kql_value cells[];
};

struct la_table {
	struct la_row **ring;
	size_t alloc, head, count;
	int64_t exists_at_ns; /* first visible_at ever; INT64_MAX = never */
};

struct la_ws {
	char id[37]; /* lower-case */
	struct la_table t[LA_TID__COUNT];
};

struct la_store {
	pthread_rwlock_t lock;
	struct la_store_config cfg;
	long delay_ms;
	struct la_ws **ws;
	size_t nws;
};

static int64_t real_clock(void *ctx)
{
	struct timespec ts;
	(void)ctx;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

int la_store_new(const struct la_store_config *cfg, struct la_store **out)
{
	struct la_store *st;

	if (!out || (cfg && cfg->ingestion_delay_ms < 0))
		return -EINVAL;
	st = calloc(1, sizeof(*st));
	if (!st)
		return -ENOMEM;
	if (cfg)
		st->cfg = *cfg;
	if (!st->cfg.max_rows_per_table)
		st->cfg.max_rows_per_table = LA_STORE_DEFAULT_MAX_ROWS;
	if (!st->cfg.clock)
		st->cfg.clock = real_clock;
	st->delay_ms = st->cfg.ingestion_delay_ms;
	if (pthread_rwlock_init(&st->lock, NULL)) {
		free(st);
		return -ENOMEM;
	}
	*out = st;
	return 0;
}

void la_store_free(struct la_store *st)
{
	if (!st)
		return;
	for (size_t w = 0; w < st->nws; w++) {
		for (int t = 0; t < LA_TID__COUNT; t++) {
			struct la_table *tb = &st->ws[w]->t[t];
			for (size_t i = 0; i < tb->count; i++)
				free(tb->ring[(tb->head + i) % tb->alloc]);
			free(tb->ring);
		}
		free(st->ws[w]);
	}
	free(st->ws);
	pthread_rwlock_destroy(&st->lock);
	free(st);
}

int la_store_set_ingestion_delay_ms(struct la_store *st, long ms)
{
	if (!st || ms < 0)
		return -EINVAL;
	pthread_rwlock_wrlock(&st->lock);
	st->delay_ms = ms;
	pthread_rwlock_unlock(&st->lock);
	return 0;
}

long la_store_get_ingestion_delay_ms(struct la_store *st)
{
	long ms;
	pthread_rwlock_rdlock(&st->lock);
	ms = st->delay_ms;
	pthread_rwlock_unlock(&st->lock);
	return ms;
}

int64_t la_store_now_ns(struct la_store *st)
{
	return st->cfg.clock(st->cfg.clock_ctx);
}

static void lower_copy(char *dst, const char *src, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char c = src[i];
		dst[i] = (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
	}
	dst[n] = '\0';
}

/* Under a lock. */
static struct la_ws *find_ws(struct la_store *st, const char *id)
{
	char low[37];
	if (!id || !kql_is_guid(id, strlen(id)))
		return NULL;
	lower_copy(low, id, 36);
	for (size_t i = 0; i < st->nws; i++)
		if (strcmp(st->ws[i]->id, low) == 0)
			return st->ws[i];
	return NULL;
}

int la_store_add_workspace(struct la_store *st, const char *customer_id)
{
	struct la_ws *w, **grown;
	int rc = 0;

	if (!st || !customer_id || !kql_is_guid(customer_id, strlen(customer_id)))
		return -EINVAL;
	pthread_rwlock_wrlock(&st->lock);
	if (find_ws(st, customer_id))
		goto out;
	w = calloc(1, sizeof(*w));
	grown = realloc(st->ws, (st->nws + 1) * sizeof(*st->ws));
	if (!w || !grown) {
		free(w);
		if (grown)
			st->ws = grown;
		rc = -ENOMEM;
		goto out;
	}
	st->ws = grown;
	lower_copy(w->id, customer_id, 36);
	for (int t = 0; t < LA_TID__COUNT; t++)
		w->t[t].exists_at_ns = INT64_MAX;
	st->ws[st->nws++] = w;
out:
	pthread_rwlock_unlock(&st->lock);
	return rc;
}

bool la_store_has_workspace(struct la_store *st, const char *customer_id)
{
	bool found;
	if (!st)
		return false;
	pthread_rwlock_rdlock(&st->lock);
	found = find_ws(st, customer_id) != NULL;
	pthread_rwlock_unlock(&st->lock);
	return found;
}

/* ---- building rows ---- */

/* Length of s[0..n) once invalid UTF-8 is replaced by U+FFFD (Azure stores
 * text; a log line with stray bytes must still serialise as JSON).  When
 * out is non-NULL the sanitised bytes are written there. */
static size_t utf8_clean(const char *s, size_t n, char *out)
{
	size_t i = 0, o = 0;
	while (i < n) {
		unsigned char c = (unsigned char)s[i];
		size_t len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3
				: (c >> 3) == 30 ? 4 : 0;
		bool ok = len > 0 && i + len <= n;
		for (size_t k = 1; ok && k < len; k++)
			ok = ((unsigned char)s[i + k] & 0xC0) == 0x80;
		if (ok && len == 2 && c < 0xC2)
			ok = false; /* overlong */
		if (ok && len == 3) {
			unsigned char c1 = (unsigned char)s[i + 1];
			if ((c == 0xE0 && c1 < 0xA0) || (c == 0xED && c1 >= 0xA0))
				ok = false; /* overlong or surrogate */
		}
		if (ok && len == 4) {
			unsigned char c1 = (unsigned char)s[i + 1];
			if ((c == 0xF0 && c1 < 0x90) || c > 0xF4 ||
			    (c == 0xF4 && c1 >= 0x90))
				ok = false;
		}
		if (ok) {
			if (out)
				memcpy(out + o, s + i, len);
			o += len;
			i += len;
		} else {
			if (out)
				memcpy(out + o, "\xEF\xBF\xBD", 3);
			o += 3;
			i++;
		}
	}
	return o;
}

static bool has_bytes(enum kql_type t)
{
	return t == KQL_T_STRING || t == KQL_T_GUID || t == KQL_T_DYNAMIC;
}

/* Pack cells (strings borrowed from the caller) into one heap block.
 * Returns NULL on ENOMEM; the caller frees the row with free(). */
static struct la_row *row_pack(const struct kql_value *cells, size_t ncols,
			       size_t time_col)
{
	size_t bytes = 0;
	struct la_row *r;
	char *p;

	for (size_t i = 0; i < ncols; i++)
		if (has_bytes(cells[i].type) && !cells[i].null)
			bytes += utf8_clean(cells[i].u.s.p, cells[i].u.s.n, NULL) + 1;
	r = malloc(sizeof(*r) + ncols * sizeof(struct kql_value) + bytes);
	if (!r)
		return NULL;
	p = (char *)(r->cells + ncols);
	for (size_t i = 0; i < ncols; i++) {
		r->cells[i] = cells[i];
		if (!has_bytes(cells[i].type) || cells[i].null)
			continue;
		size_t n = utf8_clean(cells[i].u.s.p, cells[i].u.s.n, p);
		if (cells[i].type == KQL_T_GUID)
			lower_copy(p, p, n);
		p[n] = '\0';
		r->cells[i].u.s.p = p;
		r->cells[i].u.s.n = n;
		p += n + 1;
	}
	r->time_ticks = cells[time_col].null ? INT64_MIN : cells[time_col].u.ticks;
	return r;
}

/* Under the write lock.  Returns the evicted row (to free after unlocking)
 * or NULL; *rc = -ENOMEM if the ring could not grow (row not stored). */
static struct la_row *table_put(struct la_store *st, struct la_table *tb,
				struct la_row *row, int *rc)
{
	size_t max = st->cfg.max_rows_per_table;
	struct la_row *evicted = NULL;

	if (tb->count == max) {
		evicted = tb->ring[tb->head];
		tb->ring[tb->head] = row;
		tb->head = (tb->head + 1) % tb->alloc;
	} else {
		if (tb->count == tb->alloc) {
			/* not full yet, so head is 0 and growing is safe */
			size_t na = tb->alloc ? tb->alloc * 2 : 64;
			struct la_row **g;
			if (na > max)
				na = max;
			g = realloc(tb->ring, na * sizeof(*g));
			if (!g) {
				*rc = -ENOMEM;
				return NULL;
			}
			tb->ring = g;
			tb->alloc = na;
		}
		tb->ring[(tb->head + tb->count) % tb->alloc] = row;
		tb->count++;
	}
	if (row->visible_at_ns < tb->exists_at_ns)
		tb->exists_at_ns = row->visible_at_ns;
	return evicted;
}

/* Store rows[i] into table tids[i] of workspace id, all or nothing as far
 * as the workspace check goes.  Takes ownership of the rows. */
static int store_rows(struct la_store *st, const char *id,
		      const enum la_table_id *tids, struct la_row **rows,
		      size_t n)
{
	struct la_row *evicted[4] = { NULL };
	struct la_ws *w;
	int64_t vis;
	int rc = 0;

	pthread_rwlock_wrlock(&st->lock);
	w = find_ws(st, id);
	if (!w) {
		rc = -ENOENT;
		goto out;
	}
	vis = la_store_now_ns(st) + (int64_t)st->delay_ms * 1000000LL;
	for (size_t i = 0; i < n; i++) {
		int prc = 0;
		rows[i]->visible_at_ns = vis;
		evicted[i] = table_put(st, &w->t[tids[i]], rows[i], &prc);
		if (prc)
			rc = prc; /* this row was not stored: free it below */
		else
			rows[i] = NULL;
	}
out:
	pthread_rwlock_unlock(&st->lock);
	for (size_t i = 0; i < n; i++) {
		free(evicted[i]);
		free(rows[i]);
	}
	return rc;
}

/* ---- derived values ---- */

static uint64_t fnv1a(const char *s, uint64_t seed)
{
	uint64_t h = 1469598103934665603ULL ^ seed;
	for (; s && *s; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211ULL;
	}
	/* final avalanche so similar names differ in every digit */
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	return h;
}

static const char hexd[] = "0123456789abcdef";

static void hex64(uint64_t v, char *out)
{
	for (int i = 15; i >= 0; i--) {
		out[i] = hexd[v & 15];
		v >>= 4;
	}
}

/* A stable GUID (version 4 layout) derived from a name. */
static void derived_guid(const char *name, char out[37])
{
	char h[32];
	hex64(fnv1a(name, 1), h);
	hex64(fnv1a(name, 2), h + 16);
	h[12] = '4';
	h[16] = hexd[8 | (h[16] <= '9' ? h[16] - '0' : h[16] - 'a' + 10) % 4];
	memcpy(out, h, 8);
	out[8] = '-';
	memcpy(out + 9, h + 8, 4);
	out[13] = '-';
	memcpy(out + 14, h + 12, 4);
	out[18] = '-';
	memcpy(out + 19, h + 16, 4);
	out[23] = '-';
	memcpy(out + 24, h + 20, 12);
	out[36] = '\0';
}

/* A 64-hex-digit container id derived from replica and container names. */
static void derived_container_id(const char *replica, const char *container,
				 char out[65])
{
	char key[512];
	size_t n = 0;
	for (const char *s = replica ? replica : ""; *s && n < 250; s++)
		key[n++] = *s;
	key[n++] = '/';
	for (const char *s = container ? container : ""; *s && n < 510; s++)
		key[n++] = *s;
	key[n] = '\0';
	for (int i = 0; i < 4; i++)
		hex64(fnv1a(key, 10 + (uint64_t)i), out + 16 * i);
	out[64] = '\0';
}

/* "/subscriptions/<id>/..." -> <id> (into out), else "". */
static void subscription_of(const char *rid, char *out, size_t outsz)
{
	static const char pre[] = "/subscriptions/";
	size_t n = 0;
	out[0] = '\0';
	if (!rid || strncasecmp(rid, pre, sizeof(pre) - 1) != 0)
		return;
	rid += sizeof(pre) - 1;
	while (rid[n] && rid[n] != '/' && n + 1 < outsz) {
		out[n] = rid[n];
		n++;
	}
	out[n] = '\0';
}

static char *lower_dup(const char *s)
{
	size_t n = s ? strlen(s) : 0;
	char *d = malloc(n + 1);
	if (d)
		lower_copy(d, s ? s : "", n);
	return d;
}

/* Cell setter by column name; the schema tables are fixed, so a miss is a
 * programming error caught by the unit tests. */
static void set(const struct la_schema *s, struct kql_value *cells,
		const char *col, struct kql_value v)
{
	int i = la_schema_col(s, col);
	if (i >= 0) {
		v.type = s->cols[i].type;
		cells[i] = v;
	}
}

static void set_s(const struct la_schema *s, struct kql_value *cells,
		  const char *col, const char *val)
{
	set(s, cells, col, kql_str(val));
}

static void init_cells(const struct la_schema *s, struct kql_value *cells)
{
	for (size_t i = 0; i < s->ncols; i++)
		cells[i] = kql_null(s->cols[i].type);
}

static double billed_size(const struct kql_value *cells, size_t n)
{
	double b = 0;
	for (size_t i = 0; i < n; i++)
		b += has_bytes(cells[i].type) ? (double)cells[i].u.s.n : 8.0;
	return b;
}

static int64_t time_of(struct la_store *st, int64_t ns)
{
	return kql_ticks_from_ns(ns ? ns : la_store_now_ns(st));
}

#define MAXCOLS 32

int la_store_append_console(struct la_store *st, const char *customer_id,
			    const struct la_console_record *rec)
{
	const struct la_schema *cl = la_schema_get(LA_TID_CONSOLE_CL);
	const struct la_schema *rs = la_schema_get(LA_TID_CONSOLE);
	struct kql_value a[MAXCOLS], b[MAXCOLS];
	struct la_row *rows[2] = { NULL, NULL };
	enum la_table_id tids[2] = { LA_TID_CONSOLE_CL, LA_TID_CONSOLE };
	char gid[37], cid[65], sub[64], tenant[37];
	char *rid = NULL;
	const char *exec;
	int64_t t;
	int rc;

	if (!st || !customer_id || !rec)
		return -EINVAL;
	if (!kql_is_guid(customer_id, strlen(customer_id)))
		return -ENOENT;
	lower_copy(tenant, customer_id, 36);
	t = time_of(st, rec->time_ns);
	exec = rec->execution_name ? rec->execution_name : rec->job_name;
	if (rec->container_group_id)
		snprintf(gid, sizeof(gid), "%s", rec->container_group_id);
	else
		derived_guid(rec->container_group_name ? rec->container_group_name
						       : "",
			     gid);
	if (rec->container_id)
		snprintf(cid, sizeof(cid), "%s", rec->container_id);
	else
		derived_container_id(rec->container_group_name,
				     rec->container_name, cid);
	rid = lower_dup(rec->resource_id);
	if (!rid)
		return -ENOMEM;
	if (rec->subscription_id)
		snprintf(sub, sizeof(sub), "%s", rec->subscription_id);
	else
		subscription_of(rec->resource_id, sub, sizeof(sub));
	struct kql_value logv = kql_string(
		rec->log ? rec->log : "",
		rec->log ? (rec->log_len ? rec->log_len : strlen(rec->log)) : 0);

	init_cells(cl, a);
	set_s(cl, a, "TenantId", tenant);
	set_s(cl, a, "SourceSystem", "RestAPI");
	set(cl, a, "TimeGenerated", kql_datetime(t));
	set_s(cl, a, "ContainerAppName_s", rec->container_app_name);
	set(cl, a, "ContainerGroupId_g", kql_str(gid));
	set_s(cl, a, "ContainerGroupName_s", rec->container_group_name);
	set_s(cl, a, "ContainerId_s", cid);
	set_s(cl, a, "ContainerImage_s", rec->container_image);
	set_s(cl, a, "ContainerJobName_s", rec->job_name);
	set_s(cl, a, "ContainerName_s", rec->container_name);
	set_s(cl, a, "EnvironmentName_s", rec->environment_name);
	set(cl, a, "Log_s", logv);
	set_s(cl, a, "RevisionName_s", rec->revision_name);
	set_s(cl, a, "Stream_s", rec->stream);
	set(cl, a, "time_t", kql_datetime(t));
	set(cl, a, "_timestamp_d", kql_real((double)t / KQL_TICKS_PER_SEC));
	set_s(cl, a, "Type", LA_TABLE_CONSOLE_CL);
	set_s(cl, a, "_ResourceId", rid);

	init_cells(rs, b);
	set_s(rs, b, "TenantId", tenant);
	set(rs, b, "TimeGenerated", kql_datetime(t));
	set_s(rs, b, "ContainerAppName", rec->container_app_name);
	set_s(rs, b, "ContainerGroupId", gid);
	set_s(rs, b, "ContainerGroupName", rec->container_group_name);
	set_s(rs, b, "ContainerId", cid);
	set_s(rs, b, "ContainerImage", rec->container_image);
	set_s(rs, b, "ContainerName", rec->container_name);
	set_s(rs, b, "EnvironmentName", rec->environment_name);
	set_s(rs, b, "JobName", exec);
	set_s(rs, b, "Location", rec->location);
	set(rs, b, "Log", logv);
	set_s(rs, b, "RevisionName", rec->revision_name);
	set_s(rs, b, "SourceSystem", "Azure");
	set_s(rs, b, "Stream", rec->stream);
	set_s(rs, b, "Type", LA_TABLE_CONSOLE);
	set_s(rs, b, "_ResourceId", rid);
	set_s(rs, b, "_SubscriptionId", sub);
	set_s(rs, b, "_IsBillable", "True");
	set(rs, b, "_BilledSize", kql_real(billed_size(b, rs->ncols)));

	rows[0] = row_pack(a, cl->ncols, cl->time_col);
	rows[1] = row_pack(b, rs->ncols, rs->time_col);
	free(rid);
	if (!rows[0] || !rows[1]) {
		free(rows[0]);
		free(rows[1]);
		return -ENOMEM;
	}
	rc = store_rows(st, customer_id, tids, rows, 2);
	return rc;
}

int la_store_append_system(struct la_store *st, const char *customer_id,
			   const struct la_system_record *rec)
{
	const struct la_schema *cl = la_schema_get(LA_TID_SYSTEM_CL);
	const struct la_schema *rs = la_schema_get(LA_TID_SYSTEM);
	struct kql_value a[MAXCOLS], b[MAXCOLS];
	struct la_row *rows[2] = { NULL, NULL };
	enum la_table_id tids[2] = { LA_TID_SYSTEM_CL, LA_TID_SYSTEM };
	char sub[64], tenant[37];
	char *rid;
	const char *exec, *sev, *src;
	int count;
	int64_t t;

	if (!st || !customer_id || !rec)
		return -EINVAL;
	if (!kql_is_guid(customer_id, strlen(customer_id)))
		return -ENOENT;
	lower_copy(tenant, customer_id, 36);
	t = time_of(st, rec->time_ns);
	exec = rec->execution_name ? rec->execution_name : rec->job_name;
	sev = rec->type ? rec->type : "Normal";
	src = rec->event_source ? rec->event_source : "ContainerAppController";
	count = rec->count > 0 ? rec->count : 1;
	rid = lower_dup(rec->resource_id);
	if (!rid)
		return -ENOMEM;
	if (rec->subscription_id)
		snprintf(sub, sizeof(sub), "%s", rec->subscription_id);
	else
		subscription_of(rec->resource_id, sub, sizeof(sub));

	init_cells(cl, a);
	set_s(cl, a, "TenantId", tenant);
	set_s(cl, a, "SourceSystem", "RestAPI");
	set(cl, a, "TimeGenerated", kql_datetime(t));
	set_s(cl, a, "ContainerAppName_s", rec->container_app_name);
	set_s(cl, a, "EnvironmentName_s", rec->environment_name);
	set_s(cl, a, "RevisionName_s", rec->revision_name);
	set_s(cl, a, "ReplicaName_s", rec->replica_name);
	set_s(cl, a, "JobName_s", exec);
	set_s(cl, a, "Log_s", rec->message);
	set_s(cl, a, "Reason_s", rec->reason);
	set_s(cl, a, "EventSource_s", src);
	set_s(cl, a, "Type_s", sev);
	set(cl, a, "Count_d", kql_real(count));
	set(cl, a, "time_t", kql_datetime(t));
	set(cl, a, "_timestamp_d", kql_real((double)t / KQL_TICKS_PER_SEC));
	set_s(cl, a, "Type", LA_TABLE_SYSTEM_CL);
	set_s(cl, a, "_ResourceId", rid);

	init_cells(rs, b);
	set_s(rs, b, "TenantId", tenant);
	set(rs, b, "TimeGenerated", kql_datetime(t));
	set_s(rs, b, "ContainerAppName", rec->container_app_name);
	set_s(rs, b, "ContainerName", rec->container_name);
	set(rs, b, "Count", kql_int(count));
	set_s(rs, b, "EnvironmentName", rec->environment_name);
	set_s(rs, b, "EventSource", src);
	set_s(rs, b, "JobName", exec);
	set_s(rs, b, "Location", rec->location);
	set_s(rs, b, "Log", rec->message);
	set_s(rs, b, "Reason", rec->reason);
	set_s(rs, b, "ReplicaName", rec->replica_name);
	set_s(rs, b, "RevisionName", rec->revision_name);
	set_s(rs, b, "SourceSystem", "Azure");
	set_s(rs, b, "Type", sev); /* severity in this table */
	set_s(rs, b, "_ResourceId", rid);
	set_s(rs, b, "_SubscriptionId", sub);
	set_s(rs, b, "_IsBillable", "True");
	set(rs, b, "_BilledSize", kql_real(billed_size(b, rs->ncols)));

	rows[0] = row_pack(a, cl->ncols, cl->time_col);
	rows[1] = row_pack(b, rs->ncols, rs->time_col);
	free(rid);
	if (!rows[0] || !rows[1]) {
		free(rows[0]);
		free(rows[1]);
		return -ENOMEM;
	}
	return store_rows(st, customer_id, tids, rows, 2);
}

static int parse_field(enum kql_type t, const char *v, struct kql_value *out)
{
	char *end;
	size_t n = strlen(v);

	switch (t) {
	case KQL_T_STRING:
	case KQL_T_DYNAMIC:
		*out = kql_string(v, n);
		out->type = t;
		return 0;
	case KQL_T_GUID:
		if (!kql_is_guid(v, n))
			return -EINVAL;
		*out = kql_string(v, n);
		out->type = t;
		return 0;
	case KQL_T_DATETIME:
		*out = kql_datetime(0);
		return kql_parse_datetime(v, n, &out->u.ticks);
	case KQL_T_TIMESPAN:
		*out = kql_timespan(0);
		return kql_parse_timespan_literal(v, n, &out->u.ticks);
	case KQL_T_BOOL:
		if (strcasecmp(v, "true") == 0)
			*out = kql_bool(true);
		else if (strcasecmp(v, "false") == 0)
			*out = kql_bool(false);
		else
			return -EINVAL;
		return 0;
	case KQL_T_INT:
	case KQL_T_LONG: {
		long long l;
		errno = 0;
		l = strtoll(v, &end, 10);
		if (errno || end == v || *end)
			return -EINVAL;
		if (t == KQL_T_INT && (l > INT32_MAX || l < INT32_MIN))
			return -EINVAL;
		*out = t == KQL_T_INT ? kql_int((int32_t)l) : kql_long(l);
		return 0;
	}
	case KQL_T_REAL:
		errno = 0;
		*out = kql_real(strtod(v, &end));
		if (errno || end == v || *end)
			return -EINVAL;
		return 0;
	default:
		return -EINVAL;
	}
}

int la_store_append(struct la_store *st, const char *customer_id,
		    const char *table, int64_t time_ns,
		    const struct la_field *fields, size_t nfields)
{
	struct kql_value cells[MAXCOLS];
	const struct la_schema *s;
	enum la_table_id tid;
	struct la_row *row;
	char tenant[37];
	int i;

	if (!st || !customer_id || !table || (nfields && !fields))
		return -EINVAL;
	if (!kql_is_guid(customer_id, strlen(customer_id)) ||
	    la_schema_find(table, &tid))
		return -ENOENT;
	s = la_schema_get(tid);
	lower_copy(tenant, customer_id, 36);
	init_cells(s, cells);
	set_s(s, cells, "TenantId", tenant);
	if (tid != LA_TID_SYSTEM)
		set_s(s, cells, "Type", s->name);
	set(s, cells, "TimeGenerated", kql_datetime(time_of(st, time_ns)));
	for (size_t f = 0; f < nfields; f++) {
		if (!fields[f].name)
			return -EINVAL;
		i = la_schema_col(s, fields[f].name);
		if (i < 0)
			return -EINVAL;
		if (!fields[f].value) {
			cells[i] = kql_null(s->cols[i].type);
			continue;
		}
		if (parse_field(s->cols[i].type, fields[f].value, &cells[i]))
			return -EINVAL;
	}
	row = row_pack(cells, s->ncols, s->time_col);
	if (!row)
		return -ENOMEM;
	return store_rows(st, customer_id, &tid, &row, 1);
}

size_t la_store_row_count(struct la_store *st, const char *customer_id,
			  const char *table)
{
	enum la_table_id tid;
	struct la_ws *w;
	size_t n = 0;

	if (!st || !table || la_schema_find(table, &tid))
		return 0;
	pthread_rwlock_rdlock(&st->lock);
	w = find_ws(st, customer_id);
	if (w)
		n = w->t[tid].count;
	pthread_rwlock_unlock(&st->lock);
	return n;
}

void la_store_read_lock(struct la_store *st)
{
	pthread_rwlock_rdlock(&st->lock);
}

void la_store_read_unlock(struct la_store *st)
{
	pthread_rwlock_unlock(&st->lock);
}

int la_store_collect(struct la_store *st, const char *const *ws, size_t nws,
		     enum la_table_id tid, int64_t now_ns, int64_t lo,
		     int64_t hi, const struct kql_value ***rows, size_t *n,
		     bool *exists)
{
	const struct kql_value **out = NULL;
	size_t total = 0, o = 0;

	*rows = NULL;
	*n = 0;
	*exists = st->cfg.tables_exist_initially;
	for (size_t k = 0; k < nws; k++) {
		struct la_ws *w = find_ws(st, ws[k]);
		if (!w)
			return -ENOENT;
		total += w->t[tid].count;
		if (w->t[tid].exists_at_ns <= now_ns)
			*exists = true;
	}
	if (!total)
		return 0;
	out = malloc(total * sizeof(*out));
	if (!out)
		return -ENOMEM;
	for (size_t k = 0; k < nws; k++) {
		struct la_table *tb = &find_ws(st, ws[k])->t[tid];
		for (size_t i = 0; i < tb->count; i++) {
			const struct la_row *r = tb->ring[(tb->head + i) % tb->alloc];
			if (r->visible_at_ns > now_ns || r->time_ticks < lo ||
			    r->time_ticks >= hi)
				continue;
			out[o++] = r->cells;
		}
	}
	if (!o) {
		free(out);
		out = NULL;
	}
	*rows = out;
	*n = o;
	return 0;
}
