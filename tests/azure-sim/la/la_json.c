/* la_json.c - the success body of the Log Analytics query API: one
 * PrimaryResult table with typed cells (format in la_query.h). */
#include "config.h"

#include "la_json.h"
#include "sim_util.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- output buffer ---- */

/* sim_buf with a sticky out-of-memory flag, so that the writers below
 * need not check every append. */
struct obuf {
	struct sim_buf b;
	bool oom;
};

static void ob_add(struct obuf *b, const char *s, size_t n)
{
	if (!b->oom && sim_buf_add(&b->b, s, n) != 0)
		b->oom = true;
}

static void ob_adds(struct obuf *b, const char *s)
{
	ob_add(b, s, strlen(s));
}

/* A JSON string, escaped as json-c does with
 * JSON_C_TO_STRING_NOSLASHESCAPE (UTF-8 passes through). */
static void ob_json_str(struct obuf *b, const char *s, size_t n)
{
	size_t start = 0;
	ob_add(b, "\"", 1);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		const char *esc = NULL;
		char u[8];
		switch (c) {
		case '"': esc = "\\\""; break;
		case '\\': esc = "\\\\"; break;
		case '\b': esc = "\\b"; break;
		case '\f': esc = "\\f"; break;
		case '\n': esc = "\\n"; break;
		case '\r': esc = "\\r"; break;
		case '\t': esc = "\\t"; break;
		default:
			if (c < 0x20) {
				snprintf(u, sizeof(u), "\\u%04x", c);
				esc = u;
			}
			break;
		}
		if (!esc)
			continue;
		ob_add(b, s + start, i - start);
		ob_adds(b, esc);
		start = i + 1;
	}
	ob_add(b, s + start, n - start);
	ob_add(b, "\"", 1);
}

static void ob_cell(struct obuf *b, const struct kql_value *v)
{
	char buf[64];

	if (v->null && v->type != KQL_T_STRING) {
		ob_adds(b, "null");
		return;
	}
	switch (v->type) {
	case KQL_T_STRING:
	case KQL_T_GUID:
	case KQL_T_DYNAMIC: /* dynamic travels as its JSON text */
		ob_json_str(b, v->u.s.p, v->u.s.n);
		return;
	case KQL_T_BOOL:
		ob_adds(b, v->u.b ? "true" : "false");
		return;
	case KQL_T_INT:
	case KQL_T_LONG:
		snprintf(buf, sizeof(buf), "%lld", (long long)v->u.l);
		ob_adds(b, buf);
		return;
	case KQL_T_REAL:
		kql_format_real(v->u.r, buf, sizeof(buf));
		if (buf[0] == 'N' || buf[0] == 'I' || buf[1] == 'I')
			ob_json_str(b, buf, strlen(buf)); /* not JSON numbers */
		else
			ob_adds(b, buf);
		return;
	case KQL_T_DATETIME:
		kql_format_datetime(v->u.ticks, buf, sizeof(buf));
		ob_json_str(b, buf, strlen(buf));
		return;
	case KQL_T_TIMESPAN:
		kql_format_timespan(v->u.ticks, buf, sizeof(buf));
		ob_json_str(b, buf, strlen(buf));
		return;
	default:
		ob_adds(b, "null");
		return;
	}
}

char *la_json_result(const struct kql_result *r)
{
	struct obuf b = { 0 };

	ob_adds(&b, "{\"tables\":[{\"name\":\"PrimaryResult\",\"columns\":[");
	for (size_t c = 0; c < r->ncols; c++) {
		if (c)
			ob_add(&b, ",", 1);
		ob_adds(&b, "{\"name\":");
		ob_json_str(&b, r->cols[c].name, strlen(r->cols[c].name));
		ob_adds(&b, ",\"type\":\"");
		ob_adds(&b, kql_type_name(r->cols[c].type));
		ob_adds(&b, "\"}");
	}
	ob_adds(&b, "],\"rows\":[");
	for (size_t i = 0; i < r->nrows; i++) {
		ob_adds(&b, i ? ",[" : "[");
		for (size_t c = 0; c < r->ncols; c++) {
			if (c)
				ob_add(&b, ",", 1);
			ob_cell(&b, &r->rows[i][c]);
		}
		ob_add(&b, "]", 1);
	}
	ob_adds(&b, "]}]");
	if (r->truncated) {
		/* wording UNVERIFIED beyond the PartialError envelope */
		ob_adds(&b,
			",\"error\":{\"code\":\"PartialError\",\"message\":"
			"\"There were some errors when processing your query.\","
			"\"details\":[{\"code\":\"EngineError\",\"message\":"
			"\"Something went wrong processing your query on the "
			"server.\",\"innererror\":{\"code\":"
			"\"E_QUERY_RESULT_SET_TOO_LARGE\",\"message\":\"Query "
			"result set has exceeded the internal record count limit "
			"500000 records (E_QUERY_RESULT_SET_TOO_LARGE; see "
			"https://aka.ms/kustoquerylimits)\",\"severity\":2,"
			"\"severityName\":\"Error\"}}]}");
	}
	ob_add(&b, "}", 1);
	if (b.oom) {
		sim_buf_free(&b.b);
		return NULL;
	}
	return sim_buf_steal(&b.b);
}
