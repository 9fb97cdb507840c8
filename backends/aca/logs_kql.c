/*
 * logs_kql.c - the Log Analytics side of `docker logs`: the KQL for an
 * execution's console rows and exit code in either table family, and the
 * rows of the answer.  Every value put into a query goes through
 * aca_kql_quote.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "logs_priv.h"

/* Job and execution names are at most 32 and ~40 characters, so a query
 * fits easily; a longer one means a bad argument. */
#define QUERY_MAX 4096

/* Column names per family. */
struct family_cols {
	const char *console, *system;
	const char *group, *stream, *log, *replica;
	const char *job;          /* NULL: the family has no job-name column
	                             for console rows we can rely on */
};

static const struct family_cols cols_cl = {
	"ContainerAppConsoleLogs_CL", "ContainerAppSystemLogs_CL",
	"ContainerGroupName_s", "Stream_s", "Log_s", "ReplicaName_s",
	"ContainerJobName_s"
};

/*
 * The resource-specific tables' _ResourceId is the environment's and
 * their JobName the Kubernetes job's (not documented to be the execution
 * name), so rows of an execution are found by the replica name alone,
 * which is "<execution>-<5 characters>".
 */
static const struct family_cols cols_rs = {
	"ContainerAppConsoleLogs", "ContainerAppSystemLogs",
	"ContainerGroupName", "Stream", "Log", "ReplicaName", NULL
};

static const struct family_cols *cols_of(enum aca_log_family fam)
{
	return fam == ACA_LOGS_RESOURCE ? &cols_rs : &cols_cl;
}

static int append(char *buf, size_t len, const char *fmt, ...)
	SL_PRINTF(3, 4);
static int append(char *buf, size_t len, const char *fmt, ...)
{
	size_t at = strlen(buf);
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf + at, len - at, fmt, ap);
	va_end(ap);
	return n < 0 || (size_t)n >= len - at ? SL_EINVAL : SL_OK;
}

int aca_kql_quote(char *buf, size_t len, const char *s)
{
	size_t start = strlen(buf), at = start;

	/* On overflow buf is left as it was. */
#define PUT(c) do { if (at + 1 >= len) { buf[start] = '\0'; return SL_EINVAL; } \
	buf[at++] = (c); } while (0)
	PUT('\'');
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		switch (*p) {
		case '\\': PUT('\\'); PUT('\\'); break;
		case '\'': PUT('\\'); PUT('\''); break;
		case '"': PUT('\\'); PUT('"'); break;
		case '\n': PUT('\\'); PUT('n'); break;
		case '\r': PUT('\\'); PUT('r'); break;
		case '\t': PUT('\\'); PUT('t'); break;
		default:
			if (*p < 0x20 || *p == 0x7f) {
				char u[8];

				snprintf(u, sizeof(u), "\\u%04x", *p);
				for (char *q = u; *q; q++)
					PUT(*q);
			} else {
				PUT((char)*p);
			}
		}
	}
	PUT('\'');
#undef PUT
	buf[at] = '\0';
	return SL_OK;
}

/* "| where COL >= datetime(...)" */
static int where_time(char *q, const char *op, int64_t ns)
{
	char ts[40];

	aca_time_format(ns, ts, sizeof(ts));
	return append(q, QUERY_MAX, "\n| where TimeGenerated %s datetime(%s)",
		op, ts);
}

/* Rows of the execution's replicas: "<execution>-...". */
static int where_replica(char *q, const char *col, const char *execution)
{
	char prefix[256];

	if (snprintf(prefix, sizeof(prefix), "%s-", execution) >=
	    (int)sizeof(prefix))
		return SL_EINVAL;
	if (append(q, QUERY_MAX, "%s startswith ", col))
		return SL_EINVAL;
	return aca_kql_quote(q, QUERY_MAX, prefix);
}

char *aca_kql_console(enum aca_log_family fam, const char *job,
	const char *execution, const struct aca_logs_filter *f, int64_t from)
{
	const struct family_cols *c = cols_of(fam);
	char *q = calloc(1, QUERY_MAX);
	int64_t since = f->since;

	if (!q || !job || !execution || !*execution)
		goto bad;
	if (from > since)
		since = from;
	if (append(q, QUERY_MAX, "%s\n| where ", c->console))
		goto bad;
	if (c->job && (append(q, QUERY_MAX, "%s == ", c->job) ||
		       aca_kql_quote(q, QUERY_MAX, job) ||
		       append(q, QUERY_MAX, " and ")))
		goto bad;
	if (where_replica(q, c->group, execution))
		goto bad;
	if (since > 0 && where_time(q, ">=", since))
		goto bad;
	if (f->until > 0 && where_time(q, "<=", f->until))
		goto bad;
	if (f->out != f->err &&
	    (append(q, QUERY_MAX, "\n| where %s == ", c->stream) ||
	     aca_kql_quote(q, QUERY_MAX, f->out ? "stdout" : "stderr")))
		goto bad;
	if (append(q, QUERY_MAX, "\n| project TimeGenerated, %s, %s",
		c->stream, c->log))
		goto bad;
	if (f->tail >= 0 &&
	    append(q, QUERY_MAX, "\n| top %lld by TimeGenerated desc",
		(long long)f->tail))
		goto bad;
	if (append(q, QUERY_MAX, "\n| order by TimeGenerated asc"))
		goto bad;
	return q;
bad:
	free(q);
	return NULL;
}

char *aca_kql_exit(enum aca_log_family fam, const char *execution)
{
	const struct family_cols *c = cols_of(fam);
	char *q = calloc(1, QUERY_MAX);

	if (!q || !execution || !*execution)
		goto bad;
	if (append(q, QUERY_MAX, "%s\n| where ", c->system) ||
	    where_replica(q, c->replica, execution) ||
	    append(q, QUERY_MAX, " and %s contains ", c->log) ||
	    aca_kql_quote(q, QUERY_MAX, "exit code '") ||
	    append(q, QUERY_MAX, "\n| project TimeGenerated, %s"
		"\n| order by TimeGenerated desc\n| take 20", c->log))
		goto bad;
	return q;
bad:
	free(q);
	return NULL;
}

/* ---- answers ------------------------------------------------------------ */

static int col_index(struct json_object *cols, const char *a, const char *b)
{
	size_t n = json_object_array_length(cols);

	for (size_t i = 0; i < n; i++) {
		struct json_object *c = json_object_array_get_idx(cols, i), *nm;
		const char *s;

		if (!json_object_object_get_ex(c, "name", &nm))
			continue;
		s = json_object_get_string(nm);
		if (s && (strcmp(s, a) == 0 || (b && strcmp(s, b) == 0)))
			return (int)i;
	}
	return -1;
}

int aca_la_rows(const char *body, struct aca_lines *out, struct aca_err *err)
{
	struct json_object *root = json_tokener_parse(body ? body : "");
	struct json_object *tables, *t, *cols, *rows;
	int its, istream, ilog, rc = SL_OK;
	size_t n;

	if (!root || !json_object_object_get_ex(root, "tables", &tables) ||
	    !json_object_is_type(tables, json_type_array) ||
	    json_object_array_length(tables) < 1 ||
	    !(t = json_object_array_get_idx(tables, 0)) ||
	    !json_object_object_get_ex(t, "columns", &cols) ||
	    !json_object_object_get_ex(t, "rows", &rows) ||
	    !json_object_is_type(cols, json_type_array) ||
	    !json_object_is_type(rows, json_type_array)) {
		rc = aca_err_set(err, SL_EINTERNAL,
			"Log Analytics answered without a result table");
		goto out;
	}
	its = col_index(cols, "TimeGenerated", NULL);
	istream = col_index(cols, "Stream_s", "Stream");
	ilog = col_index(cols, "Log_s", "Log");
	if (its < 0 || ilog < 0) {
		rc = aca_err_set(err, SL_EINTERNAL,
			"Log Analytics answered without TimeGenerated and Log columns");
		goto out;
	}
	n = json_object_array_length(rows);
	for (size_t i = 0; i < n; i++) {
		struct json_object *r = json_object_array_get_idx(rows, i);
		struct json_object *cts, *cs, *cl;
		const char *ts, *st, *log;
		int64_t ns;
		size_t len;

		if (!json_object_is_type(r, json_type_array))
			continue;
		cts = json_object_array_get_idx(r, (size_t)its);
		cl = json_object_array_get_idx(r, (size_t)ilog);
		cs = istream >= 0 ? json_object_array_get_idx(r, (size_t)istream)
				  : NULL;
		ts = cts ? json_object_get_string(cts) : NULL;
		if (!ts || aca_time_parse(ts, strlen(ts), &ns, NULL))
			continue;
		st = cs ? json_object_get_string(cs) : NULL;
		log = cl ? json_object_get_string(cl) : "";
		len = cl && json_object_is_type(cl, json_type_string)
			? (size_t)json_object_get_string_len(cl) : strlen(log);
		if (aca_lines_push(out, ns, st && strcmp(st, "stderr") == 0 ? 2 : 1,
			log, len)) {
			rc = aca_err_set(err, SL_ENOMEM, "out of memory");
			goto out;
		}
	}
out:
	json_object_put(root);
	return rc;
}
