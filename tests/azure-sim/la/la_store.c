/* la_store.c - workspaces, bounded per-table row rings, ingestion delay
 * and jitter, custom-column existence, and the appenders the workload
 * runner calls. */
#include "config.h"

#include "la_store.h"
#include "la_store_priv.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

/* The widest schema has fewer columns (la_schema.c). */
#define MAXCOLS 32

/* A row is one block: the cells, then the bytes of its strings. */
struct la_row {
	int64_t visible_at_ns;
	int64_t time_ticks; /* TimeGenerated, for the timespan filter */
	uint32_t carried;   /* bit i: the record carried column i (a string
	                     * cell cannot tell "" from absent) */
	struct kql_value cells[];
};

struct la_table {
	struct la_row **ring;
	size_t alloc, head, count;
	int64_t exists_at_ns; /* first visible_at ever; INT64_MAX = never */
	int64_t col_at_ns[MAXCOLS]; /* same, per column carried */
};

struct la_ws {
	char id[37]; /* lower-case */
	struct la_table t[LA_TID__COUNT];
};

struct la_store {
	pthread_rwlock_t lock;
	struct la_store_config cfg;
	long delay_ms, jitter_ms;
	uint64_t rng; /* xorshift64 state, under the write lock */
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

	if (!out || (cfg && (cfg->ingestion_delay_ms < 0 ||
			     cfg->ingestion_jitter_ms < 0)))
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
	st->jitter_ms = st->cfg.ingestion_jitter_ms;
	st->rng = st->cfg.seed ? st->cfg.seed
			       : (uint64_t)real_clock(NULL) | 1; /* never 0 */
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

/* The ingestion knobs change at run time (/_sim/config) while queries
 * read them. */
static int set_locked(struct la_store *st, long *field, long ms)
{
	if (ms < 0)
		return -EINVAL;
	pthread_rwlock_wrlock(&st->lock);
	*field = ms;
	pthread_rwlock_unlock(&st->lock);
	return 0;
}

static long get_locked(struct la_store *st, const long *field)
{
	long ms;
	pthread_rwlock_rdlock(&st->lock);
	ms = *field;
	pthread_rwlock_unlock(&st->lock);
	return ms;
}

int la_store_set_ingestion_delay_ms(struct la_store *st, long ms)
{
	return st ? set_locked(st, &st->delay_ms, ms) : -EINVAL;
}

long la_store_get_ingestion_delay_ms(struct la_store *st)
{
	return get_locked(st, &st->delay_ms);
}

int la_store_set_ingestion_jitter_ms(struct la_store *st, long ms)
{
	return st ? set_locked(st, &st->jitter_ms, ms) : -EINVAL;
}

long la_store_get_ingestion_jitter_ms(struct la_store *st)
{
	return get_locked(st, &st->jitter_ms);
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
	for (int t = 0; t < LA_TID__COUNT; t++) {
		w->t[t].exists_at_ns = INT64_MAX;
		for (size_t c = 0; c < MAXCOLS; c++)
			w->t[t].col_at_ns[c] = INT64_MAX;
	}
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
	r->carried = UINT32_MAX;
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
	for (size_t c = 0; c < MAXCOLS; c++)
		if ((row->carried >> c & 1) && row->visible_at_ns < tb->col_at_ns[c])
			tb->col_at_ns[c] = row->visible_at_ns;
	return evicted;
}

/* Under the write lock: this row's ingestion delay.  Azure's latency varies
 * per record, so rows written together do not all appear together. */
static int64_t row_delay_ms(struct la_store *st)
{
	int64_t med = st->delay_ms, jit = st->jitter_ms, d;
	uint64_t x = st->rng;

	if (med <= 0)
		return 0; /* 0 means at once: tests rely on it */
	if (jit <= 0)
		return med;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	st->rng = x;
	d = med - jit + (int64_t)(x % (uint64_t)(2 * jit + 1));
	return d < 0 ? 0 : d;
}

/* _TimeReceived: the simulator's whole latency is the ingestion delay, so
 * the row is received when it becomes visible (ingestion_time()). */
static void received(enum la_table_id tid, struct la_row *r)
{
	int i = la_schema_col(la_schema_get(tid), "_TimeReceived");
	if (i >= 0)
		r->cells[i] = kql_datetime(kql_ticks_from_ns(r->visible_at_ns));
}

/* Store rows[i] into table tids[i] of workspace id, all or nothing as far
 * as the workspace check goes.  Takes ownership of the rows. */
static int store_rows(struct la_store *st, const char *id,
		      const enum la_table_id *tids, struct la_row **rows,
		      size_t n)
{
	struct la_row *evicted[4] = { NULL };
	struct la_ws *w;
	int64_t now;
	int rc = 0;

	pthread_rwlock_wrlock(&st->lock);
	w = find_ws(st, id);
	if (!w) {
		rc = -ENOENT;
		goto out;
	}
	now = la_store_now_ns(st);
	for (size_t i = 0; i < n; i++) {
		int prc = 0;
		rows[i]->visible_at_ns = now + row_delay_ms(st) * 1000000LL;
		received(tids[i], rows[i]);
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

/* The record left this column out: it is not carried (custom columns of a
 * _CL table then need another row to exist). */
static void uncarry(const struct la_schema *s, struct la_row *r,
		    const char *col, const void *given)
{
	int i = la_schema_col(s, col);
	if (!given && i >= 0)
		r->carried &= ~(UINT32_C(1) << i);
}

/* Pack the cells of a row of schema s; 0 or -ENOMEM. */
static int pack_for(const struct la_schema *s, const struct kql_value *cells,
		    struct la_row **rowp)
{
	*rowp = row_pack(cells, s->ncols, s->time_col);
	return *rowp ? 0 : -ENOMEM;
}

/* The columns every row of a _CL table carries besides TenantId,
 * TimeGenerated and _ResourceId. */
static void set_cl_common(const struct la_schema *s, struct kql_value *c, int64_t t)
{
	set_s(s, c, "SourceSystem", "RestAPI");
	set(s, c, "time_t", kql_datetime(t));
	set(s, c, "_timestamp_d", kql_real((double)t / KQL_TICKS_PER_SEC));
	set_s(s, c, "Type", s->name);
}

/* The same for a resource-specific table; last, as _BilledSize is the
 * size of the others. */
static void set_rs_common(const struct la_schema *s, struct kql_value *c, const char *sub)
{
	set_s(s, c, "SourceSystem", "Azure");
	set_s(s, c, "_SubscriptionId", sub);
	set_s(s, c, "_IsBillable", "True");
	set(s, c, "_BilledSize", kql_real(billed_size(c, s->ncols)));
}

/* Pack the cells and store the row; the custom columns the record left
 * out are not carried (job_col is the job's column of the _CL table). */
static int store_one(struct la_store *st, const char *customer_id, enum la_table_id tid,
		     const struct kql_value *c, const char *job_col, const char *job,
		     const char *app, const char *rev)
{
	const struct la_schema *s = la_schema_get(tid);
	struct la_row *row = NULL;
	int rc = pack_for(s, c, &row);

	if (rc)
		return rc;
	uncarry(s, row, job_col, job);
	uncarry(s, row, "ContainerAppName_s", app);
	uncarry(s, row, "RevisionName_s", rev);
	return store_rows(st, customer_id, &tid, &row, 1);
}

/* What both appenders check and derive first. */
static int append_prologue(struct la_store *st, const char *customer_id,
			   enum la_dest dest, const void *rec,
			   const char *resource_id, const char *subscription_id,
			   char tenant[37], char sub[64], char **rid)
{
	if (!st || !customer_id || !rec ||
	    (dest != LA_DEST_NONE && dest != LA_DEST_LOG_ANALYTICS &&
	     dest != LA_DEST_AZURE_MONITOR))
		return -EINVAL;
	if (!kql_is_guid(customer_id, strlen(customer_id)))
		return -ENOENT;
	lower_copy(tenant, customer_id, 36);
	if (subscription_id)
		snprintf(sub, 64, "%s", subscription_id);
	else
		subscription_of(resource_id, sub, 64);
	*rid = lower_dup(resource_id);
	return *rid ? 0 : -ENOMEM;
}

int la_store_append_console(struct la_store *st, const char *customer_id,
			    enum la_dest dest,
			    const struct la_console_record *rec)
{
	enum la_table_id tid = dest == LA_DEST_AZURE_MONITOR ? LA_TID_CONSOLE
							     : LA_TID_CONSOLE_CL;
	const struct la_schema *s = la_schema_get(tid);
	struct kql_value c[MAXCOLS];
	char gid[37], cid[65], sub[64], tenant[37];
	char *rid = NULL;
	int64_t t;
	int rc;

	rc = append_prologue(st, customer_id, dest, rec,
			     rec ? rec->resource_id : NULL,
			     rec ? rec->subscription_id : NULL, tenant, sub, &rid);
	if (rc || dest == LA_DEST_NONE)
		goto out;
	t = time_of(st, rec->time_ns);
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
	struct kql_value logv = kql_string(
		rec->log ? rec->log : "",
		rec->log ? (rec->log_len ? rec->log_len : strlen(rec->log)) : 0);

	init_cells(s, c);
	set_s(s, c, "TenantId", tenant);
	set(s, c, "TimeGenerated", kql_datetime(t));
	set_s(s, c, "_ResourceId", rid);
	if (tid == LA_TID_CONSOLE_CL) {
		set_cl_common(s, c, t);
		set_s(s, c, "ContainerAppName_s", rec->container_app_name);
		set(s, c, "ContainerGroupId_g", kql_str(gid));
		set_s(s, c, "ContainerGroupName_s", rec->container_group_name);
		set_s(s, c, "ContainerId_s", cid);
		set_s(s, c, "ContainerImage_s", rec->container_image);
		set_s(s, c, "ContainerJobName_s", rec->job_name);
		set_s(s, c, "ContainerName_s", rec->container_name);
		set_s(s, c, "EnvironmentName_s", rec->environment_name);
		set(s, c, "Log_s", logv);
		set_s(s, c, "RevisionName_s", rec->revision_name);
		set_s(s, c, "Stream_s", rec->stream);
	} else {
		set_s(s, c, "ContainerAppName", rec->container_app_name);
		set_s(s, c, "ContainerGroupId", gid);
		set_s(s, c, "ContainerGroupName", rec->container_group_name);
		set_s(s, c, "ContainerId", cid);
		set_s(s, c, "ContainerImage", rec->container_image);
		set_s(s, c, "ContainerName", rec->container_name);
		set_s(s, c, "EnvironmentName", rec->environment_name);
		set_s(s, c, "JobName", rec->execution_name ? rec->execution_name
							   : rec->job_name);
		set_s(s, c, "Location", rec->location);
		set(s, c, "Log", logv);
		set_s(s, c, "RevisionName", rec->revision_name);
		set_s(s, c, "Stream", rec->stream);
		set_s(s, c, "Type", LA_TABLE_CONSOLE);
		set_rs_common(s, c, sub);
	}
	rc = store_one(st, customer_id, tid, c, "ContainerJobName_s", rec->job_name,
		       rec->container_app_name, rec->revision_name);
out:
	free(rid);
	return rc;
}

int la_store_append_system(struct la_store *st, const char *customer_id,
			   enum la_dest dest,
			   const struct la_system_record *rec)
{
	enum la_table_id tid = dest == LA_DEST_AZURE_MONITOR ? LA_TID_SYSTEM
							     : LA_TID_SYSTEM_CL;
	const struct la_schema *s = la_schema_get(tid);
	struct kql_value c[MAXCOLS];
	char sub[64], tenant[37];
	char *rid = NULL;
	const char *exec, *sev, *src;
	int count, rc;
	int64_t t;

	rc = append_prologue(st, customer_id, dest, rec,
			     rec ? rec->resource_id : NULL,
			     rec ? rec->subscription_id : NULL, tenant, sub, &rid);
	if (rc || dest == LA_DEST_NONE)
		goto out;
	t = time_of(st, rec->time_ns);
	exec = rec->execution_name ? rec->execution_name : rec->job_name;
	sev = rec->type ? rec->type : "Normal";
	src = rec->event_source ? rec->event_source : "ContainerAppController";
	count = rec->count > 0 ? rec->count : 1;

	init_cells(s, c);
	set_s(s, c, "TenantId", tenant);
	set(s, c, "TimeGenerated", kql_datetime(t));
	set_s(s, c, "_ResourceId", rid);
	if (tid == LA_TID_SYSTEM_CL) {
		set_cl_common(s, c, t);
		set_s(s, c, "ContainerAppName_s", rec->container_app_name);
		set_s(s, c, "EnvironmentName_s", rec->environment_name);
		set_s(s, c, "RevisionName_s", rec->revision_name);
		set_s(s, c, "ReplicaName_s", rec->replica_name);
		set_s(s, c, "JobName_s", exec);
		set_s(s, c, "Log_s", rec->message);
		set_s(s, c, "Reason_s", rec->reason);
		set_s(s, c, "EventSource_s", src);
		set_s(s, c, "Type_s", sev);
		set(s, c, "Count_d", kql_real(count));
	} else {
		set_s(s, c, "ContainerAppName", rec->container_app_name);
		set_s(s, c, "ContainerName", rec->container_name);
		set(s, c, "Count", kql_int(count));
		set_s(s, c, "EnvironmentName", rec->environment_name);
		set_s(s, c, "EventSource", src);
		set_s(s, c, "JobName", exec);
		set_s(s, c, "Location", rec->location);
		set_s(s, c, "Log", rec->message);
		set_s(s, c, "Reason", rec->reason);
		set_s(s, c, "ReplicaName", rec->replica_name);
		set_s(s, c, "RevisionName", rec->revision_name);
		set_s(s, c, "Type", sev); /* severity in this table */
		set_rs_common(s, c, sub);
	}
	rc = store_one(st, customer_id, tid, c, "JobName_s", exec, rec->container_app_name,
		       rec->revision_name);
out:
	free(rid);
	return rc;
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
	uint32_t carried = 0; /* only the fields given create custom columns */
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
		carried |= UINT32_C(1) << i;
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
	row->carried = carried;
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

/* Round n up to the strictest alignment, for carving one block. */
static size_t align_up(size_t n)
{
	size_t a = _Alignof(max_align_t);
	return (n + a - 1) / a * a;
}

int la_store_collect(struct la_store *st, const char *const *ws, size_t nws,
		     enum la_table_id tid, int64_t now_ns, int64_t lo,
		     int64_t hi, const struct kql_column **cols, size_t *ncols,
		     const struct kql_value ***rows, size_t *n, bool *exists)
{
	const struct la_schema *s = la_schema_get(tid);
	const struct kql_value **out = NULL;
	struct kql_value *cells = NULL;
	struct kql_column *kept = NULL;
	size_t total = 0, o = 0, nk = 0, map[MAXCOLS];
	size_t off_cells, off_cols, bytes;

	*rows = NULL;
	*n = 0;
	*exists = st->cfg.tables_exist_initially;
	*cols = s->cols;
	*ncols = s->ncols;
	for (size_t k = 0; k < nws; k++) {
		struct la_ws *w = find_ws(st, ws[k]);
		if (!w)
			return -ENOENT;
		total += w->t[tid].count;
		if (w->t[tid].exists_at_ns <= now_ns)
			*exists = true;
	}
	/* Columns that exist: a custom one once a visible row carried it in
	 * any of the workspaces (a cross-workspace query sees the union). */
	for (size_t c = 0; c < s->ncols; c++) {
		bool have = !la_schema_is_custom(s, c) ||
			    st->cfg.tables_exist_initially;
		for (size_t k = 0; k < nws && !have; k++)
			have = find_ws(st, ws[k])->t[tid].col_at_ns[c] <= now_ns;
		if (have)
			map[nk++] = c;
	}
	off_cells = align_up(total * sizeof(*out));
	off_cols = off_cells;
	if (nk < s->ncols)
		off_cols += align_up(total * nk * sizeof(*cells));
	bytes = off_cols + (nk < s->ncols ? nk * sizeof(*kept) : 0);
	if (!bytes)
		return 0;
	out = malloc(bytes);
	if (!out)
		return -ENOMEM;
	if (nk < s->ncols) {
		cells = (struct kql_value *)((char *)out + off_cells);
		kept = (struct kql_column *)((char *)out + off_cols);
		for (size_t j = 0; j < nk; j++)
			kept[j] = s->cols[map[j]];
		*cols = kept;
		*ncols = nk;
	}
	for (size_t k = 0; k < nws; k++) {
		struct la_table *tb = &find_ws(st, ws[k])->t[tid];
		for (size_t i = 0; i < tb->count; i++) {
			const struct la_row *r = tb->ring[(tb->head + i) % tb->alloc];
			if (r->visible_at_ns > now_ns || r->time_ticks < lo ||
			    r->time_ticks >= hi)
				continue;
			if (!cells) {
				out[o++] = r->cells;
				continue;
			}
			/* string cells still point into the row: the read
			 * lock keeps it alive */
			for (size_t j = 0; j < nk; j++)
				cells[o * nk + j] = r->cells[map[j]];
			out[o] = &cells[o * nk];
			o++;
		}
	}
	*rows = out;
	*n = o;
	return 0;
}
