/* test_kql.c - the KQL subset engine against an in-memory table: every
 * operator, precedence, literals and escapes, ordering ties, nulls, and the
 * exact error for each construct outside the subset. */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "kql.h"
#include "kql_priv.h"

/* ---- the test table T ---- */

static const struct kql_column t_cols[] = {
	{ "TimeGenerated", KQL_T_DATETIME, false },
	{ "Name", KQL_T_STRING, false },
	{ "Log", KQL_T_STRING, false },
	{ "N", KQL_T_LONG, false },
	{ "R", KQL_T_REAL, false },
	{ "B", KQL_T_BOOL, false },
	{ "G", KQL_T_GUID, false },
	{ "Opt", KQL_T_LONG, false },
	{ "Secret", KQL_T_REAL, true },
};
enum { C_TIME, C_NAME, C_LOG, C_N, C_R, C_B, C_G, C_OPT, C_SECRET, NCOLS };

#define NROWS 5
static struct kql_value t_cells[NROWS][NCOLS];
static const struct kql_value *t_rows[NROWS];

static int64_t dt(const char *s)
{
	int64_t t = 0;
	assert_int_equal(kql_parse_datetime(s, strlen(s), &t), 0);
	return t;
}

static void fill(int i, const char *time, const char *name, const char *log,
		 int64_t n, double r, bool b, const char *g, const int64_t *opt)
{
	t_cells[i][C_TIME] = kql_datetime(dt(time));
	t_cells[i][C_NAME] = kql_str(name);
	t_cells[i][C_LOG] = kql_str(log);
	t_cells[i][C_N] = kql_long(n);
	t_cells[i][C_R] = kql_real(r);
	t_cells[i][C_B] = kql_bool(b);
	t_cells[i][C_G] = kql_str(g);
	t_cells[i][C_G].type = KQL_T_GUID;
	t_cells[i][C_OPT] = opt ? kql_long(*opt) : kql_null(KQL_T_LONG);
	t_cells[i][C_SECRET] = kql_real(42);
	t_rows[i] = t_cells[i];
}

static void fill_u(void);

static int setup(void **state)
{
	static const int64_t five = 5, three = 3;
	(void)state;
	fill(0, "2024-01-01T00:00:00Z", "alpha", "Hello World", 1, 1.5, true,
	     "aaaaaaaa-0000-0000-0000-000000000001", NULL);
	fill(1, "2024-01-01T00:00:01.5Z", "Beta", "error: disk-full at /var", 2,
	     2.5, false, "bbbbbbbb-0000-0000-0000-000000000002", &five);
	fill(2, "2024-01-01T00:00:01.5Z", "gamma", "it's \"quoted\"", 2, -1, true,
	     "cccccccc-0000-0000-0000-000000000003", &three);
	fill(3, "2024-01-02T00:00:00Z", "ALPHA", "helloworld", 3, 0.25, false,
	     "dddddddd-0000-0000-0000-000000000004", NULL);
	fill(4, "2024-01-02T06:00:00.1234567Z", "", "C:\\path\\x", 0, 1e20, true,
	     "eeeeeeee-0000-0000-0000-000000000005", &five);
	fill_u();
	return 0;
}

/* U: a second table for union, sharing some columns with T (N with
 * another type) and adding one. */
static const struct kql_column u_cols[] = {
	{ "Name", KQL_T_STRING, false },
	{ "N", KQL_T_STRING, false },
	{ "TimeGenerated", KQL_T_DATETIME, false },
	{ "Extra", KQL_T_LONG, false },
	{ "Secret", KQL_T_REAL, true },
};
static struct kql_value u_cells[2][5];
static const struct kql_value *u_rows[2];

static void fill_u(void)
{
	for (int i = 0; i < 2; i++) {
		u_cells[i][0] = kql_str(i ? "u2" : "u1");
		u_cells[i][1] = kql_str(i ? "two" : "one");
		u_cells[i][2] = kql_datetime(dt(i ? "2024-01-03T00:00:00Z"
						  : "2023-12-31T00:00:00Z"));
		u_cells[i][3] = i ? kql_null(KQL_T_LONG) : kql_long(7);
		u_cells[i][4] = kql_real(1);
		u_rows[i] = u_cells[i];
	}
}

static int resolve_t(void *ctx, const char *name, struct kql_table *out)
{
	(void)ctx;
	if (strcmp(name, "U") == 0) {
		out->cols = u_cols;
		out->ncols = 5;
		out->rows = u_rows;
		out->nrows = 2;
		return 0;
	}
	if (strcmp(name, "Empty") == 0) {
		out->cols = t_cols;
		out->ncols = NCOLS;
		out->rows = t_rows;
		out->nrows = 0;
		return 0;
	}
	if (strcmp(name, "T") != 0)
		return -ENOENT;
	out->cols = t_cols;
	out->ncols = NCOLS;
	out->rows = t_rows;
	out->nrows = NROWS;
	return 0;
}

static int64_t now_ticks;
static size_t max_rows;

static int run(const char *q, struct kql_result **r, struct kql_error *e)
{
	struct kql_env env;
	memset(&env, 0, sizeof(env));
	env.resolve = resolve_t;
	env.now_ticks = now_ticks ? now_ticks : dt("2024-01-02T12:00:00Z");
	env.max_rows = max_rows;
	return kql_run(q, &env, r, e);
}

/* Run q, expect success, return the result. */
static struct kql_result *ok(const char *q)
{
	struct kql_result *r = NULL;
	struct kql_error e;
	int rc = run(q, &r, &e);
	if (rc)
		fail_msg("query failed (%d): %s\n  %s: %s", rc, q, e.code,
			 e.message);
	return r;
}

/* Run q, expect a query error, return it. */
static struct kql_error bad(const char *q)
{
	struct kql_result *r = NULL;
	struct kql_error e;
	int rc = run(q, &r, &e);
	if (rc == 0) {
		kql_result_free(r);
		fail_msg("query unexpectedly succeeded: %s", q);
	}
	assert_int_equal(rc, -EINVAL);
	assert_int_not_equal(e.kind, KQL_ERR_NONE);
	return e;
}

/* Number of rows of q. */
static size_t nrows(const char *q)
{
	struct kql_result *r = ok(q);
	size_t n = r->nrows;
	kql_result_free(r);
	return n;
}

/* Text of a cell, for comparisons. */
static const char *fmt(const struct kql_value *v)
{
	static char buf[8][128];
	static int k;
	char *b = buf[k++ % 8];
	if (v->null && v->type != KQL_T_STRING)
		return "null";
	switch (v->type) {
	case KQL_T_STRING:
	case KQL_T_GUID:
	case KQL_T_DYNAMIC:
		snprintf(b, 128, "%.*s", (int)v->u.s.n, v->u.s.p);
		break;
	case KQL_T_BOOL:
		snprintf(b, 128, "%s", v->u.b ? "true" : "false");
		break;
	case KQL_T_INT:
	case KQL_T_LONG:
		snprintf(b, 128, "%lld", (long long)v->u.l);
		break;
	case KQL_T_REAL:
		kql_format_real(v->u.r, b, 128);
		break;
	case KQL_T_DATETIME:
		kql_format_datetime(v->u.ticks, b, 128);
		break;
	case KQL_T_TIMESPAN:
		kql_format_timespan(v->u.ticks, b, 128);
		break;
	default:
		return "?";
	}
	return b;
}

/* The values of column col (by name) of q, joined with '|'. */
static char *column(const char *q, const char *col)
{
	static char out[1024];
	struct kql_result *r = ok(q);
	int c = -1;
	out[0] = '\0';
	for (size_t i = 0; i < r->ncols; i++)
		if (strcmp(r->cols[i].name, col) == 0)
			c = (int)i;
	if (c < 0)
		fail_msg("no column %s in result of %s", col, q);
	for (size_t i = 0; i < r->nrows; i++) {
		if (i)
			strcat(out, "|");
		strncat(out, fmt(&r->rows[i][c]), sizeof(out) - strlen(out) - 1);
	}
	kql_result_free(r);
	return out;
}

/* The column names of q's result, joined with ','. */
static char *columns(const char *q)
{
	static char out[1024];
	struct kql_result *r = ok(q);
	out[0] = '\0';
	for (size_t i = 0; i < r->ncols; i++) {
		if (i)
			strcat(out, ",");
		strcat(out, r->cols[i].name);
		strcat(out, ":");
		strcat(out, kql_type_name(r->cols[i].type));
	}
	kql_result_free(r);
	return out;
}

/* ---- tests ---- */

static void test_table_and_take(void **state)
{
	(void)state;
	assert_int_equal(nrows("T"), NROWS);
	assert_int_equal(nrows("T | take 2"), 2);
	assert_int_equal(nrows("T | limit 0"), 0);
	assert_int_equal(nrows("T | take 100"), NROWS);
	assert_int_equal(nrows("T | take 1 + 1"), 2);
	assert_string_equal(column("T | take 3", "Name"), "alpha|Beta|gamma");
	assert_int_equal(nrows("T;"), NROWS);
	assert_int_equal(nrows("// comment\nT // trailing\n| take 1"), 1);
}

static void test_equality_case(void **state)
{
	(void)state;
	assert_string_equal(column("T | where Name == \"alpha\"", "N"), "1");
	assert_string_equal(column("T | where Name == \"ALPHA\"", "N"), "3");
	assert_string_equal(column("T | where Name =~ \"Alpha\"", "N"), "1|3");
	assert_string_equal(column("T | where Name != \"alpha\"", "N"),
			    "2|2|3|0");
	assert_string_equal(column("T | where Name !~ \"alpha\"", "N"), "2|2|0");
	assert_string_equal(column("T | where Name == ''", "N"), "0");
	/* guids are values: compared without case */
	assert_string_equal(
		column("T | where G == 'AAAAAAAA-0000-0000-0000-000000000001'", "N"),
		"1");
	assert_string_equal(
		column("T | where G == guid(bbbbbbbb-0000-0000-0000-000000000002)",
		       "N"),
		"2");
}

static void test_has(void **state)
{
	(void)state;
	/* whole terms, any case */
	assert_string_equal(column("T | where Log has 'world'", "N"), "1");
	assert_string_equal(column("T | where Log has 'WORLD'", "N"), "1");
	assert_string_equal(column("T | where Log has 'disk'", "N"), "2");
	assert_string_equal(column("T | where Log has 'disk-full'", "N"), "2");
	assert_int_equal(nrows("T | where Log has 'isk'"), 0);
	assert_int_equal(nrows("T | where Log has 'hello'"), 1); /* not helloworld */
	assert_string_equal(column("T | where Log has 'var'", "N"), "2");
	assert_string_equal(column("T | where Log has_cs 'World'", "N"), "1");
	assert_int_equal(nrows("T | where Log has_cs 'WORLD'"), 0);
	assert_int_equal(nrows("T | where Log !has 'world'"), NROWS - 1);
	assert_int_equal(nrows("T | where Log !has_cs 'world'"), NROWS);
	assert_true(kql_str_has("a.b", 3, ".b", 2, false));
	assert_false(kql_str_has("ab", 2, "b", 1, false));
	assert_true(kql_str_has("x b", 3, "B", 1, false));
}

static void test_contains_starts_ends(void **state)
{
	(void)state;
	assert_string_equal(column("T | where Log contains 'LOWOR'", "N"), "3");
	assert_string_equal(column("T | where Log contains 'lo wor'", "N"), "1");
	assert_int_equal(nrows("T | where Log contains_cs 'LOWOR'"), 0);
	assert_string_equal(column("T | where Log contains_cs 'lo Wor'", "N"), "1");
	assert_int_equal(nrows("T | where Log !contains 'o'"), 1);
	assert_int_equal(nrows("T | where Log !contains_cs 'H'"), 4);
	assert_string_equal(column("T | where Log startswith 'HEL'", "N"), "1|3");
	assert_string_equal(column("T | where Log startswith_cs 'hel'", "N"), "3");
	assert_int_equal(nrows("T | where Log !startswith 'hel'"), 3);
	assert_int_equal(nrows("T | where Log !startswith_cs 'hel'"), 4);
	assert_string_equal(column("T | where Log endswith '/VAR'", "N"), "2");
	assert_int_equal(nrows("T | where Log endswith_cs '/VAR'"), 0);
	assert_int_equal(nrows("T | where Log !endswith 'D'"), 3);
	assert_int_equal(nrows("T | where Log !endswith_cs 'D'"), NROWS);
	/* string operators compare a number's text */
	assert_string_equal(column("T | where N startswith '3'", "Name"), "ALPHA");
}

static void test_numeric_compare(void **state)
{
	(void)state;
	assert_string_equal(column("T | where N > 1", "N"), "2|2|3");
	assert_string_equal(column("T | where N >= 2", "N"), "2|2|3");
	assert_string_equal(column("T | where N < 2", "N"), "1|0");
	assert_string_equal(column("T | where N <= 2", "N"), "1|2|2|0");
	assert_string_equal(column("T | where N == 2.0", "Name"), "Beta|gamma");
	assert_string_equal(column("T | where R < 0", "N"), "2");
	assert_string_equal(column("T | where R > 1e19", "N"), "0");
	assert_string_equal(column("T | where N == -1 + 3", "N"), "2|2");
	assert_string_equal(column("T | where B", "N"), "1|2|0");
	assert_string_equal(column("T | where B == false", "N"), "2|3");
	assert_string_equal(column("T | where N <> 2", "N"), "1|3|0");
	assert_string_equal(column("T | where ['N'] == 3", "Name"), "ALPHA");
	assert_string_equal(column("T | project [\"a b\"] = N | take 1", "a b"),
			    "1");
}

static void test_logic_precedence(void **state)
{
	(void)state;
	/* and binds tighter than or */
	assert_string_equal(
		column("T | where N == 1 or N == 2 and Name == 'gamma'", "Name"),
		"alpha|gamma");
	assert_string_equal(
		column("T | where (N == 1 or N == 2) and Name == 'gamma'", "Name"),
		"gamma");
	assert_string_equal(
		column("T | where not(Name == 'alpha') and N < 3", "Name"),
		"Beta|gamma|");
	assert_string_equal(column("T | where not(B)", "N"), "2|3");
	assert_string_equal(column("T | where N * 2 + 1 == 5", "N"), "2|2");
	assert_string_equal(column("T | where N + 2 * 2 == 5", "N"), "1");
	assert_string_equal(column("T | where -N < -2", "N"), "3");
	assert_string_equal(column("T | where N % 2 == 1", "N"), "1|3");
	/* filter is where's synonym */
	assert_int_equal(nrows("T | filter N == 2"), 2);
	assert_int_equal(nrows("T | where N == 2 | where Name == 'Beta'"), 1);
}

static void test_datetime_literals(void **state)
{
	(void)state;
	assert_string_equal(
		column("T | where TimeGenerated > datetime(2024-01-01T00:00:01Z)",
		       "N"),
		"2|2|3|0");
	assert_string_equal(
		column("T | where TimeGenerated == datetime(\"2024-01-01 00:00:01.5\")",
		       "Name"),
		"Beta|gamma");
	assert_string_equal(
		column("T | where TimeGenerated == "
		       "datetime(2024-01-01T00:00:01.5000000Z)",
		       "N"),
		"2|2");
	assert_string_equal(
		column("T | where TimeGenerated >= datetime(2024-01-02)", "N"),
		"3|0");
	assert_string_equal(
		column("T | where TimeGenerated == "
		       "datetime(2024-01-02T07:00:00.1234567+01:00)",
		       "N"),
		"0");
	/* the printed value reads back exactly (follow-mode overlap) */
	assert_string_equal(column("T | where N == 0", "TimeGenerated"),
			    "2024-01-02T06:00:00.1234567Z");
	assert_int_equal(
		nrows("T | where TimeGenerated > datetime(2024-01-02T06:00:00.1234567Z)"),
		0);
	assert_int_equal(nrows("T | where TimeGenerated > datetime(null)"), 0);
	assert_int_equal(
		nrows("T | where TimeGenerated between (datetime(2024-01-01) .. "
		      "datetime(2024-01-01T00:00:01.5Z))"),
		3);
	assert_int_equal(
		nrows("T | where N !between (1 .. 2)"), 2);
}

static void test_ago_and_timespans(void **state)
{
	(void)state;
	/* now = 2024-01-02T12:00:00Z */
	assert_string_equal(column("T | where TimeGenerated > ago(1d)", "N"),
			    "3|0");
	assert_string_equal(column("T | where TimeGenerated > ago(6h)", "N"), "0");
	assert_int_equal(nrows("T | where TimeGenerated > ago(5h)"), 0);
	assert_int_equal(nrows("T | where TimeGenerated > ago(360m)"), 1);
	assert_int_equal(nrows("T | where TimeGenerated > ago(21600s)"), 1);
	assert_int_equal(nrows("T | where TimeGenerated > ago(21599800ms)"), 0);
	assert_int_equal(nrows("T | where TimeGenerated > ago(1.5d)"), 4);
	assert_int_equal(nrows("T | where TimeGenerated > ago(timespan(06:00:00))"),
			 1);
	assert_int_equal(nrows("T | where TimeGenerated > now() - 6h"), 1);
	assert_int_equal(nrows("T | where TimeGenerated > now(-6h)"), 1);
	assert_int_equal(nrows("T | where TimeGenerated > ago(2min) - 1d"), 2);
	assert_string_equal(column("T | where N == 1 | extend d = 1d + 2h + 30m + "
				   "10s + 100ms | project d",
				   "d"),
			    "1.02:30:10.1000000");
	assert_string_equal(
		column("T | where N == 0 | project x = TimeGenerated - "
		       "datetime(2024-01-02)",
		       "x"),
		"06:00:00.1234567");
}

static void test_string_literals(void **state)
{
	(void)state;
	assert_string_equal(column("T | where Log == 'it\\'s \"quoted\"'", "N"),
			    "2");
	assert_string_equal(column("T | where Log == \"it's \\\"quoted\\\"\"", "N"),
			    "2");
	assert_string_equal(column("T | where Log == @'C:\\path\\x'", "N"), "0");
	assert_string_equal(column("T | where Log == 'C:\\\\path\\\\x'", "N"), "0");
	assert_string_equal(column("T | where Log == @\"it's \"\"quoted\"\"\"", "N"),
			    "2");
	assert_string_equal(column("T | where Name == 'al' \"pha\"", "N"), "1");
	assert_string_equal(column("T | where Name == h'alpha'", "N"), "1");
	assert_string_equal(column("T | where Name == '\\u0061lpha'", "N"), "1");
	assert_string_equal(
		column("T | take 1 | project s = 'a\\tb\\nc\\\\', u = '\\u00e9'", "s"),
		"a\tb\nc\\");
	assert_string_equal(column("T | take 1 | project u = '\\u00e9'", "u"),
			    "\xc3\xa9");
	assert_string_equal(column("T | take 1 | project u = ```multi\nline```",
				   "u"),
			    "multi\nline");
}

static void test_order_ties_and_nulls(void **state)
{
	(void)state;
	/* default is descending; ties keep input order */
	assert_string_equal(column("T | order by N", "Name"),
			    "ALPHA|Beta|gamma|alpha|");
	assert_string_equal(column("T | sort by N asc", "Name"),
			    "|alpha|Beta|gamma|ALPHA");
	assert_string_equal(column("T | sort by N desc, Name asc", "Name"),
			    "ALPHA|Beta|gamma|alpha|");
	assert_string_equal(column("T | sort by N asc, Name desc", "Name"),
			    "|alpha|gamma|Beta|ALPHA");
	assert_string_equal(column("T | order by TimeGenerated asc", "N"),
			    "1|2|2|3|0");
	/* ordinal string order: upper case before lower case */
	assert_string_equal(column("T | order by Name asc", "Name"),
			    "|ALPHA|Beta|alpha|gamma");
	/* nulls: first when ascending, last when descending, unless told */
	assert_string_equal(column("T | order by Opt asc", "N"), "1|3|2|2|0");
	assert_string_equal(column("T | order by Opt desc", "N"), "2|0|2|1|3");
	assert_string_equal(column("T | order by Opt asc nulls last", "N"),
			    "2|2|0|1|3");
	assert_string_equal(column("T | order by Opt desc nulls first", "N"),
			    "1|3|2|0|2");
	assert_string_equal(column("T | order by N * -1 asc | take 2", "N"), "3|2");
	assert_string_equal(column("T | top 2 by R", "N"), "0|2");
	assert_string_equal(column("T | top 2 by R asc", "N"), "2|3");
	assert_string_equal(column("T | order by B asc, N asc", "N"), "2|3|0|1|2");
}

static void test_project(void **state)
{
	(void)state;
	assert_string_equal(columns("T | project Name, N"),
			    "Name:string,N:long");
	assert_string_equal(columns("T | project X = Name, Y = N * 2.5, Z = B"),
			    "X:string,Y:real,Z:bool");
	assert_string_equal(column("T | project X = Name", "X"),
			    "alpha|Beta|gamma|ALPHA|");
	assert_string_equal(column("T | project Y = N * 2.5 | take 2", "Y"),
			    "2.5|5");
	assert_string_equal(columns("T | project N + 1, strlen(Name)"),
			    "Column1:long,Column2:long");
	assert_string_equal(columns("T | project TimeGenerated, Secret"),
			    "TimeGenerated:datetime,Secret:real");
	/* hidden columns are left out of the default output */
	assert_null(strstr(columns("T"), "Secret"));
	assert_non_null(strstr(columns("T"), "Opt:long"));
	assert_string_equal(columns("T | project-away Log, G, Opt, TimeGenerated"),
			    "Name:string,N:long,R:real,B:bool");
	assert_string_equal(column("T | project N | where N > 2", "N"), "3");
}

static void test_extend_and_count(void **state)
{
	(void)state;
	assert_string_equal(column("T | extend a = N + 1, b = a * 2 | take 2", "b"),
			    "4|6");
	assert_string_equal(columns("T | extend N = N * 10 | project-away Log, "
				    "G, Opt, TimeGenerated, R, B"),
			    "Name:string,N:long");
	assert_string_equal(column("T | extend N = N * 10 | take 2", "N"), "10|20");
	assert_string_equal(columns("T | extend strcat(Name, '!') | project-away "
				    "TimeGenerated, Name, Log, N, R, B, G, Opt"),
			    "Column1:string");
	assert_string_equal(columns("T | count"), "Count:long");
	assert_string_equal(column("T | count", "Count"), "5");
	assert_string_equal(column("T | where N == 2 | count", "Count"), "2");
	assert_string_equal(column("T | where N == 99 | count", "Count"), "0");
	assert_string_equal(column("T | take 3 | count", "Count"), "3");
}

static void test_in_and_functions(void **state)
{
	(void)state;
	assert_string_equal(column("T | where Name in ('alpha', 'gamma')", "N"),
			    "1|2");
	assert_string_equal(column("T | where Name in~ ('ALPHA')", "N"), "1|3");
	assert_string_equal(column("T | where Name !in ('alpha', 'gamma', '')",
				   "N"),
			    "2|3");
	assert_string_equal(column("T | where Name !in~ ('alpha', 'BETA')", "N"),
			    "2|0");
	assert_string_equal(column("T | where N in (2, 3)", "N"), "2|2|3");
	assert_string_equal(column("T | where isempty(Name)", "N"), "0");
	assert_int_equal(nrows("T | where isnotempty(Name)"), 4);
	assert_string_equal(column("T | where isnull(Opt)", "N"), "1|3");
	assert_string_equal(column("T | where isnotnull(Opt)", "N"), "2|2|0");
	assert_string_equal(column("T | where isempty(Opt)", "N"), "1|3");
	assert_string_equal(column("T | project s = tolower(Name) | take 2", "s"),
			    "alpha|beta");
	assert_string_equal(column("T | project s = toupper(Name) | take 2", "s"),
			    "ALPHA|BETA");
	assert_string_equal(column("T | project s = strlen(Log) | take 2", "s"),
			    "11|24");
	assert_string_equal(
		column("T | project s = strcat(Name, '-', N, '-', B) | take 2", "s"),
		"alpha-1-true|Beta-2-false");
	assert_string_equal(
		column("T | project s = tostring(TimeGenerated) | take 1", "s"),
		"2024-01-01T00:00:00Z");
	assert_string_equal(column("T | project s = tostring(R) | take 5", "s"),
			    "1.5|2.5|-1|0.25|1E+20");
	assert_string_equal(column("T | project s = tostring(Opt) | take 2", "s"),
			    "|5");
	assert_string_equal(column("T | take 1 | project t = now()", "t"),
			    "2024-01-02T12:00:00Z");
}

static void test_null_and_arith(void **state)
{
	(void)state;
	assert_int_equal(nrows("T | where Opt > 1"), 3);
	assert_int_equal(nrows("T | where Opt != 5"), 1); /* null != 5 is null */
	assert_int_equal(nrows("T | where not(Opt == 5)"), 1);
	assert_int_equal(nrows("T | where Opt == 5 or N == 1"), 3);
	assert_string_equal(column("T | take 3 | project x = N / 0", "x"),
			    "null|null|null");
	assert_string_equal(column("T | take 3 | project x = 7 / 2", "x"),
			    "3|3|3");
	assert_string_equal(column("T | take 1 | project x = 7 / 2.0", "x"), "3.5");
	assert_string_equal(column("T | take 1 | project x = long(null)", "x"),
			    "null");
	assert_string_equal(column("T | take 1 | project x = real(2) * int(3)",
				   "x"),
			    "6");
	assert_string_equal(column("T | take 1 | project x = 1h / 30m", "x"), "2");
	assert_string_equal(column("T | take 1 | project x = 0x1F", "x"), "31");
	assert_string_equal(column("T | take 1 | project x = bool(false)", "x"),
			    "false");
	assert_string_equal(column("T | take 1 | project x = dynamic(null)", "x"),
			    "null");
}

static void test_max_rows(void **state)
{
	struct kql_result *r;
	(void)state;
	max_rows = 2;
	r = ok("T");
	max_rows = 0;
	assert_int_equal(r->nrows, 2);
	assert_true(r->truncated);
	kql_result_free(r);
	r = ok("T | take 2");
	assert_false(r->truncated);
	kql_result_free(r);
}

/* ---- errors ---- */

static void expect_syntax(const char *q, const char *token, int line, int pos)
{
	struct kql_error e = bad(q);
	char msg[300];
	if (e.kind != KQL_ERR_SYNTAX)
		fail_msg("%s: expected a syntax error, got %s %s", q, e.code,
			 e.message);
	assert_string_equal(e.code, "SYN0002");
	assert_true(e.has_location);
	assert_string_equal(e.token, token);
	assert_int_equal(e.line, line);
	assert_int_equal(e.pos, pos);
	snprintf(msg, sizeof(msg),
		 "Query could not be parsed at '%s' on line [%d,%d]", token, line,
		 pos);
	assert_string_equal(e.message, msg);
}

static void expect_semantic(const char *q, const char *code, const char *msg)
{
	struct kql_error e = bad(q);
	if (e.kind != KQL_ERR_SEMANTIC)
		fail_msg("%s: expected a semantic error, got %s %s", q, e.code,
			 e.message);
	assert_string_equal(e.code, code);
	assert_string_equal(e.message, msg);
	assert_false(e.has_location);
}

static void test_syntax_errors(void **state)
{
	(void)state;
	/* Azure's own example (Azure SDK troubleshooting guides) */
	expect_syntax("My Not So Valid Query", "Not", 1, 3);
	/* valid KQL outside the subset is test_unsupported's; these are not
	 * KQL at all */
	expect_syntax("T | where Name == ['x'", "<EOF>", 1, 22);
	expect_syntax("T | summarize count() by", "<EOF>", 1, 24);
	expect_syntax("T | summarize count(", "<EOF>", 1, 20);
	expect_syntax("T | distinct", "<EOF>", 1, 12);
	expect_syntax("T | distinct N +", "+", 1, 15);
	expect_syntax("union", "<EOF>", 1, 5);
	expect_syntax("union T,", "<EOF>", 1, 8);
	expect_syntax("union kind=sideways T", "sideways", 1, 11);
	expect_syntax("let x = 1 T", "T", 1, 10);
	expect_syntax("let = 1; T", "=", 1, 4);
	expect_syntax("let x = ; T", ";", 1, 8);
	expect_syntax("T | where N > 9223372036854775808", "9223372036854775808",
		      1, 14);
	expect_syntax("T | where N > 92233720368547758080",
		      "92233720368547758080", 1, 14);
	expect_syntax("T | where [Name] == 'x'", "Name", 1, 11);
	expect_syntax("T | project *", "*", 1, 12);
	/* keywords are case-sensitive */
	expect_syntax("T | WHERE N == 1", "WHERE", 1, 4);
	expect_syntax("T | where N == 1 AND N == 2", "AND", 1, 17);
	/* malformed */
	expect_syntax("T | where", "<EOF>", 1, 9);
	expect_syntax("T | where N == 1 and", "<EOF>", 1, 20);
	expect_syntax("T | where Name = 'x'", "=", 1, 15);
	expect_syntax("T | where Name == 'abc", "'abc", 1, 18);
	expect_syntax("T | where Name == 'a\\qb'", "'a\\qb'", 1, 18);
	expect_syntax("T | where N == 1x", "1x", 1, 15);
	expect_syntax("T | take 5 5", "5", 1, 11);
	expect_syntax("T | order N", "N", 1, 10);
	expect_syntax("T | sort by N up", "up", 1, 14);
	expect_syntax("T | order by N nulls middle", "middle", 1, 21);
	expect_syntax("T | top 3", "<EOF>", 1, 9);
	expect_syntax("T | where (N == 1", "<EOF>", 1, 17);
	expect_syntax("T | where N in ()", ")", 1, 16);
	expect_syntax("T | where TimeGenerated > datetime(2024-13-01)",
		      "2024-13-01", 1, 35);
	expect_syntax("T | where x == timespan(5 parsecs)", "5 parsecs", 1, 24);
	expect_syntax("T |", "<EOF>", 1, 3);
	expect_syntax("", "<EOF>", 1, 0);
	expect_syntax("T\n| where N == 1\n| sumarize", "sumarize", 3, 2);
	expect_syntax("T | where N == 1 # 2", "#", 1, 17);
}

static void test_semantic_errors(void **state)
{
	(void)state;
	expect_semantic("Nope | where N == 1", "SEM0100",
			"'where' operator: Failed to resolve table or column "
			"expression named 'Nope'");
	expect_semantic("Nope | take 10", "SEM0100",
			"'take' operator: Failed to resolve table or column "
			"expression named 'Nope'");
	expect_semantic("Nope | limit 10", "SEM0100",
			"'take' operator: Failed to resolve table or column "
			"expression named 'Nope'");
	expect_semantic("Nope", "SEM0100",
			"Failed to resolve table or column expression named "
			"'Nope'");
	/* table names are case-sensitive */
	expect_semantic("t | count", "SEM0100",
			"'count' operator: Failed to resolve table or column "
			"expression named 't'");
	expect_semantic("T | where Nme == 1", "SEM0100",
			"'where' operator: Failed to resolve column or scalar "
			"expression named 'Nme'");
	expect_semantic("T | where name == 'x'", "SEM0100",
			"'where' operator: Failed to resolve column or scalar "
			"expression named 'name'");
	expect_semantic("T | project Nme", "SEM0100",
			"'project' operator: Failed to resolve scalar expression "
			"named 'Nme'");
	expect_semantic("T | order by Nme", "SEM0100",
			"'sort' operator: Failed to resolve scalar expression "
			"named 'Nme'");
	expect_semantic("T | extend x = Nme", "SEM0100",
			"'extend' operator: Failed to resolve scalar expression "
			"named 'Nme'");
	expect_semantic("T | project-away Nme", "SEM0100",
			"'project-away' operator: Failed to resolve scalar "
			"expression named 'Nme'");
	expect_semantic("T | project N | where Name == 'x'", "SEM0100",
			"'where' operator: Failed to resolve column or scalar "
			"expression named 'Name'");
	expect_semantic("T | where ['x'] == 1", "SEM0100",
			"'where' operator: Failed to resolve column or scalar "
			"expression named 'x'");
	expect_semantic("T | take N", "SEM0100",
			"'take' operator: Failed to resolve scalar expression "
			"named 'N'");
	/* unknown functions */
	expect_semantic("T | where isnotnullish(Name)", "SEM0100",
			"'where' operator: Failed to resolve scalar expression "
			"named 'isnotnullish'");
	expect_semantic("T | extend x = extractt('a', 0, Log)", "SEM0100",
			"'extend' operator: Failed to resolve scalar expression "
			"named 'extractt'");
	expect_semantic("T | summarize x = foo(N)", "SEM0100",
			"'summarize' operator: Failed to resolve scalar "
			"expression named 'foo'");
	/* aggregates belong in summarize */
	expect_semantic("T | where count() > 1", "SEM0001",
			"'where' operator: Function 'count' cannot be invoked "
			"in current context (aggregation functions belong in "
			"summarize)");
	expect_semantic("T | summarize x = N", "SEM0001",
			"'summarize' operator: 'N' is not an aggregation "
			"function call");
	expect_semantic("T | summarize max(B)", "SEM0219",
			"'summarize' operator: function 'max' does not accept "
			"an argument of type bool");
	expect_semantic("T | summarize count(N)", "SEM0219",
			"'summarize' operator: function 'count' got 1 "
			"argument(s)");
	expect_semantic("T | summarize arg_max(N)", "SEM0219",
			"'summarize' operator: function 'arg_max' got 1 "
			"argument(s)");
	expect_semantic("T | summarize count() by Nme", "SEM0100",
			"'summarize' operator: Failed to resolve scalar "
			"expression named 'Nme'");
	expect_semantic("T | summarize count(), count()", "SEM0001",
			"'summarize' operator: A column named 'count_' is "
			"specified more than once");
	expect_semantic("T | distinct Nme", "SEM0100",
			"'distinct' operator: Failed to resolve scalar "
			"expression named 'Nme'");
	expect_semantic("T | where todatetime(Name) > 1", "SEM0025",
			"Cannot compare values of types datetime and long. Try "
			"adding explicit casts");
	/* union: a table that does not exist is SEM0100, as for one table */
	expect_semantic("union T, Nope", "SEM0100",
			"'union' operator: Failed to resolve table or column "
			"expression named 'Nope'");
	expect_semantic("T | union Nope", "SEM0100",
			"'union' operator: Failed to resolve table or column "
			"expression named 'Nope'");
	expect_semantic("union isfuzzy=true Nope, Nope2", "SEM0100",
			"'union' operator: Failed to resolve table or column "
			"expression named 'Nope'");
	expect_semantic("union withsource=Name T", "SEM0001",
			"'union' operator: A column named 'Name' is specified "
			"more than once");
	/* let: names resolve like columns; lets see only earlier lets */
	expect_semantic("let x = y; let y = 1; T", "SEM0100",
			"'let' statement: Failed to resolve scalar expression "
			"named 'y'");
	expect_semantic("let x = 1; T | where N == z", "SEM0100",
			"'where' operator: Failed to resolve column or scalar "
			"expression named 'z'");
	expect_semantic("let x = 5; x", "SEM0100",
			"Failed to resolve table or column expression named "
			"'x'");
	/* types */
	expect_semantic("T | where TimeGenerated > '2024-01-01'", "SEM0025",
			"Cannot compare values of types datetime and string. Try "
			"adding explicit casts");
	expect_semantic("T | where N == 'x'", "SEM0025",
			"Cannot compare values of types long and string. Try "
			"adding explicit casts");
	expect_semantic("T | where N", "SEM0025",
			"'where' operator: The predicate must be a Boolean "
			"expression, not long");
	expect_semantic("T | where Name =~ 5", "SEM0025",
			"'where' operator: The operator '=~' is not defined for "
			"the operand types string and long");
	expect_semantic("T | where Name has 5", "SEM0025",
			"'where' operator: The operator 'string operator' is not "
			"defined for the operand types string and long");
	expect_semantic("T | where N == 1 and Name", "SEM0025",
			"'where' operator: The operator 'and' is not defined for "
			"the operand types bool and string");
	expect_semantic("T | where ago('1d') < TimeGenerated", "SEM0219",
			"'where' operator: function 'ago' does not accept an "
			"argument of type string");
	expect_semantic("T | where ago() < TimeGenerated", "SEM0219",
			"'where' operator: function 'ago' got 0 argument(s), "
			"expected 1");
	expect_semantic("T | take 'a'", "SEM0025",
			"'take' operator: the number of rows must be of type "
			"long, not string");
	expect_semantic("T | project N, N", "SEM0001",
			"'project' operator: A column named 'N' is specified more "
			"than once");
	expect_semantic("T | extend x = Name + 1", "SEM0025",
			"'extend' operator: The operator '+' is not defined for "
			"the operand types string and long");
}


/* ---- summarize, distinct, let, union, hasprefix, todatetime ---- */

/* Kusto: summarize's output is the by columns then the aggregates, named
 * count_, min_X, max_X (learn.microsoft.com/kusto/query/summarize-operator);
 * group order is a choice (first appearance; Kusto promises none). */
static void test_summarize(void **state)
{
	(void)state;
	assert_string_equal(columns("T | summarize count()"), "count_:long");
	assert_string_equal(column("T | summarize count()", "count_"), "5");
	assert_string_equal(column("T | summarize n = count()", "n"), "5");
	assert_string_equal(columns("T | summarize count() by N"),
			    "N:long,count_:long");
	assert_string_equal(column("T | summarize count() by N", "N"),
			    "1|2|3|0");
	assert_string_equal(column("T | summarize count() by N", "count_"),
			    "1|2|1|1");
	assert_string_equal(column("T | summarize count() by B", "count_"),
			    "3|2");
	assert_string_equal(columns("T | summarize min(N), max(N)"),
			    "min_N:long,max_N:long");
	assert_string_equal(column("T | summarize min(N), max(N)", "min_N"), "0");
	assert_string_equal(column("T | summarize min(N), max(N)", "max_N"), "3");
	/* nulls are ignored by min/max; a group of nulls gives null */
	assert_string_equal(column("T | summarize min(Opt) by B", "min_Opt"),
			    "3|5");
	assert_string_equal(column("T | where isnull(Opt) | summarize max(Opt)",
				   "max_Opt"),
			    "null");
	/* null is a group key of its own */
	assert_string_equal(column("T | summarize count() by Opt", "Opt"),
			    "null|5|3");
	assert_string_equal(column("T | summarize count() by Opt", "count_"),
			    "2|2|1");
	/* no input: one row without by, none with by */
	assert_string_equal(column("T | where N > 99 | summarize count(), max(N)",
				   "count_"),
			    "0");
	assert_string_equal(column("T | where N > 99 | summarize count(), max(N)",
				   "max_N"),
			    "null");
	assert_int_equal(nrows("T | where N > 99 | summarize count() by Name"), 0);
	assert_string_equal(column("Empty | summarize count()", "count_"), "0");
	/* strings order ordinally; datetimes by time; group keys are
	 * case-sensitive */
	assert_string_equal(column("T | summarize max(Name)", "max_Name"),
			    "gamma");
	assert_string_equal(column("T | summarize min(Name)", "min_Name"), "");
	assert_string_equal(column("T | summarize max(TimeGenerated)",
				   "max_TimeGenerated"),
			    "2024-01-02T06:00:00.1234567Z");
	assert_int_equal(nrows("T | summarize count() by Name"), 5);
	assert_int_equal(nrows("T | summarize count() by tolower(Name)"), 4);
	/* expressions: default names from the first column, Column1 for by */
	assert_string_equal(column("T | summarize max(N * 2)", "max_N"), "6");
	assert_string_equal(columns("T | summarize count() by strlen(Name)"),
			    "Column1:long,count_:long");
	assert_string_equal(columns("T | summarize c = count() by L = strlen(Name)"),
			    "L:long,c:long");
	assert_string_equal(column("T | summarize c = count() by B | where c > 2 "
				   "| project B",
				   "B"),
			    "true");
	assert_string_equal(columns("T | summarize by B, N"), "B:bool,N:long");
	/* hidden columns named explicitly are shown, as by project */
	assert_string_equal(columns("T | summarize count() by Secret"),
			    "Secret:real,count_:long");
	assert_string_equal(columns("T | distinct Secret"), "Secret:real");
	assert_string_equal(columns("T | summarize arg_max(N, Secret)"),
			    "N:long,Secret:real");
	assert_null(strstr(columns("T | summarize arg_max(N, *)"), "Secret"));
	assert_int_equal(nrows("T | summarize by B, N"), 5);
	assert_string_equal(column("let n = 2; T | summarize c = count() by B | "
				   "where c >= n | project c",
				   "c"),
			    "3|2");
}

/* arg_max(X, *) keeps the other columns (by columns first, then X, then
 * the rest): learn.microsoft.com/kusto/query/arg-max-aggregation-function.
 * Ties keep the first row (Kusto returns any: a choice). */
static void test_arg_max(void **state)
{
	(void)state;
	assert_string_equal(columns("T | summarize arg_max(TimeGenerated, *) by B"),
			    "B:bool,TimeGenerated:datetime,Name:string,"
			    "Log:string,N:long,R:real,G:guid,Opt:long");
	assert_string_equal(column("T | summarize arg_max(TimeGenerated, *) by B",
				   "Name"),
			    "|ALPHA");
	assert_string_equal(column("T | summarize arg_max(N, Name) by B", "Name"),
			    "gamma|ALPHA");
	assert_string_equal(column("T | summarize arg_min(N, Name) by B", "Name"),
			    "|Beta");
	assert_string_equal(columns("T | where N == 2 | summarize "
				    "arg_max(TimeGenerated, Name)"),
			    "TimeGenerated:datetime,Name:string");
	assert_string_equal(column("T | where N == 2 | summarize "
				   "arg_max(TimeGenerated, Name)",
				   "Name"),
			    "Beta");
	/* a returned column named like a by column gets a number */
	assert_string_equal(columns("T | summarize arg_max(N, Name) by Name"),
			    "Name:string,N:long,Name1:string");
	/* rows whose value is null are not candidates */
	assert_string_equal(column("T | summarize arg_max(Opt, N)", "N"), "2");
	assert_string_equal(column("T | where isnull(Opt) | summarize "
				   "arg_max(Opt, N)",
				   "Opt"),
			    "null");
	assert_int_equal(nrows("Empty | summarize arg_max(N, *)"), 1);
	assert_string_equal(column("Empty | summarize arg_max(N, *)", "Name"), "");
}

static void test_distinct(void **state)
{
	(void)state;
	assert_string_equal(columns("T | distinct N"), "N:long");
	assert_string_equal(column("T | distinct N", "N"), "1|2|3|0");
	assert_string_equal(columns("T | distinct B, N"), "B:bool,N:long");
	assert_int_equal(nrows("T | distinct B, N"), 5);
	assert_int_equal(nrows("T | distinct TimeGenerated"), 4);
	assert_string_equal(column("T | distinct Opt", "Opt"), "null|5|3");
	assert_int_equal(nrows("T | distinct Name"), 5); /* case-sensitive */
	assert_int_equal(nrows("T | project N | distinct *"), 4);
	assert_string_equal(columns("T | distinct *"), columns("T"));
	assert_int_equal(nrows("union T, T | distinct *"), 5);
	/* guids are values: equal whatever their case */
	assert_int_equal(nrows("T | project G = tostring(G) | extend G2 = "
			       "toupper(G) | project G2 | distinct G2"),
			 5);
}

static void test_let(void **state)
{
	(void)state;
	assert_int_equal(nrows("let x = 2; T | where N == x"), 2);
	assert_int_equal(nrows("let t = ago(7h); T | where TimeGenerated > t"), 1);
	assert_int_equal(nrows("let n = 1; let m = n + 1; T | where N == m"), 2);
	/* the latest definition wins */
	assert_string_equal(column("let x = 1; let x = 3; T | where N == x",
				   "Name"),
			    "ALPHA");
	assert_int_equal(nrows("let s = 'alpha'; T | where Name =~ s"), 2);
	/* a column of the input wins over a let of the same name (choice) */
	assert_int_equal(nrows("let N = 100; T | where N == 1"), 1);
	assert_string_equal(column("let k = 10; T | take 1 | project v = k * 2",
				   "v"),
			    "20");
	assert_int_equal(nrows("let d = datetime(2024-01-02); T | where "
			       "TimeGenerated >= d"),
			 2);
	assert_int_equal(nrows("let n = 2; T | take n"), 2);
	assert_int_equal(nrows("let x = 2;\n// comment\nT | where N == x"), 2);
	assert_int_equal(nrows("let x = 'U'; union T, U | where Name != x"), 7);
}

/* union: learn.microsoft.com/kusto/query/union-operator (kind=outer by
 * default, a name with several types becomes Name_type, isfuzzy);
 * rows come in input order (Kusto promises none: a choice). */
static void test_union(void **state)
{
	(void)state;
	assert_string_equal(columns("union T, U"),
			    "TimeGenerated:datetime,Name:string,Log:string,"
			    "N_long:long,R:real,B:bool,G:guid,Opt:long,"
			    "N_string:string,Extra:long");
	assert_int_equal(nrows("union T, U"), 7);
	assert_string_equal(columns("T | union U"), columns("union T, U"));
	assert_string_equal(column("union T, U | project N_long", "N_long"),
			    "1|2|2|3|0|null|null");
	assert_string_equal(column("union T, U | project N_string", "N_string"),
			    "|||||one|two");
	assert_string_equal(column("union T, U | where isnotnull(Extra) | "
				   "project Name",
				   "Name"),
			    "u1");
	assert_string_equal(column("union T, U | order by TimeGenerated asc | "
				   "take 1 | project Name",
				   "Name"),
			    "u1");
	assert_string_equal(columns("union kind=inner T, U"),
			    "TimeGenerated:datetime,Name:string");
	assert_string_equal(column("union withsource=Src T, U | summarize "
				   "count() by Src",
				   "Src"),
			    "T|U");
	assert_string_equal(column("union withsource=Src T, U | summarize "
				   "count() by Src",
				   "count_"),
			    "5|2");
	assert_int_equal(nrows("union isfuzzy=true T, Nope"), 5);
	assert_int_equal(nrows("T | union isfuzzy=true Nope"), 5);
	assert_string_equal(columns("union T, T"), columns("T"));
	assert_int_equal(nrows("union T, T"), 10);
	assert_int_equal(nrows("union U | count"), 1);
	assert_string_equal(column("union U | count", "Count"), "2");
	assert_string_equal(column("T | where N == 1 | union U | count", "Count"),
			    "3");
	/* hidden columns stay hidden but can be projected */
	assert_string_equal(column("union T, U | where Name == 'u1' | project "
				   "Secret",
				   "Secret"),
			    "1");
}

/* hasprefix/hassuffix: RHS is a prefix/suffix of a term of LHS
 * (learn.microsoft.com/kusto/query/datatypes-string-operators, terms are
 * maximal alphanumeric runs; "North America" hasprefix "ame"). */
static void test_hasprefix(void **state)
{
	(void)state;
	assert_true(kql_str_hasprefix("North America", 13, "ame", 3, false));
	assert_false(kql_str_hasprefix("North America", 13, "mer", 3, false));
	assert_true(kql_str_hasprefix("North America", 13, "Ame", 3, true));
	assert_false(kql_str_hasprefix("North America", 13, "CA", 2, true));
	assert_string_equal(column("T | where Log hasprefix 'wor'", "N"), "1");
	assert_string_equal(column("T | where Log hasprefix 'HEL'", "N"), "1|3");
	assert_string_equal(column("T | where Log hasprefix 'ful'", "N"), "2");
	assert_string_equal(column("T | where Log hasprefix 'disk-f'", "N"), "2");
	assert_int_equal(nrows("T | where Log hasprefix 'isk'"), 0);
	assert_int_equal(nrows("T | where Log !hasprefix 'hel'"), 3);
	assert_string_equal(column("T | where Log hasprefix_cs 'Wor'", "N"), "1");
	assert_int_equal(nrows("T | where Log hasprefix_cs 'wor'"), 0);
	assert_int_equal(nrows("T | where Log !hasprefix_cs 'Wor'"), 4);
	assert_string_equal(column("T | where Log hassuffix 'ORLD'", "N"), "1|3");
	assert_string_equal(column("T | where Log hassuffix 'hello'", "N"), "1");
	assert_int_equal(nrows("T | where Log hassuffix_cs 'hello'"), 0);
	assert_int_equal(nrows("T | where Log !hassuffix 'orld'"), 3);
	assert_int_equal(nrows("T | where Log hassuffix_cs 'ORLD'"), 0);
	assert_int_equal(nrows("T | where Log !hassuffix_cs 'ORLD'"), 5);
	assert_int_equal(nrows("T | where N hasprefix '3'"), 1);
}

static void test_todatetime(void **state)
{
	(void)state;
	assert_string_equal(column("T | take 1 | project d = "
				   "todatetime('2024-05-06T07:08:09Z')",
				   "d"),
			    "2024-05-06T07:08:09Z");
	assert_string_equal(columns("T | take 1 | project d = todatetime('x')"),
			    "d:datetime");
	assert_string_equal(column("T | take 1 | project d = todatetime('x')", "d"),
			    "null");
	assert_string_equal(column("T | take 1 | project d = "
				   "todatetime(TimeGenerated)",
				   "d"),
			    "2024-01-01T00:00:00Z");
	assert_string_equal(column("T | where TimeGenerated > "
				   "todatetime('2024-01-02') | project N",
				   "N"),
			    "0");
	assert_string_equal(column("T | where todatetime(tostring(TimeGenerated)) "
				   "== TimeGenerated | count",
				   "Count"),
			    "5");
}

/* Valid KQL the simulator does not run: its own answer, with the place
 * (a choice: not Azure's; "SimulatorNotSupported" cannot be mistaken for
 * a query bug). */
static void expect_unsupported(const char *q, const char *token, int line,
			       int pos, const char *what)
{
	struct kql_error e = bad(q);
	char msg[600];
	if (e.kind != KQL_ERR_UNSUPPORTED)
		fail_msg("%s: expected not-supported, got %s %s", q, e.code,
			 e.message);
	assert_string_equal(e.code, "SimulatorNotSupported");
	assert_true(e.has_location);
	assert_string_equal(e.token, token);
	assert_int_equal(e.line, line);
	assert_int_equal(e.pos, pos);
	snprintf(msg, sizeof(msg),
		 "%s at '%s' on line [%d,%d] is valid KQL but not supported by "
		 "this simulator",
		 what, token, line, pos);
	assert_string_equal(e.message, msg);
}

static void test_unsupported(void **state)
{
	(void)state;
	expect_unsupported("T | join (T) on N", "join", 1, 4,
			   "The 'join' operator");
	expect_unsupported("T | parse Log with * 'x' y", "parse", 1, 4,
			   "The 'parse' operator");
	expect_unsupported("T | mv-expand Log", "mv-expand", 1, 4,
			   "The 'mv-expand' operator");
	expect_unsupported("T | project-rename X = Name", "project-rename", 1, 4,
			   "The 'project-rename' operator");
	expect_unsupported("T | render table", "render", 1, 4,
			   "The 'render' operator");
	expect_unsupported("T | evaluate bag_unpack(x)", "evaluate", 1, 4,
			   "The 'evaluate' operator");
	expect_unsupported("T | getschema", "getschema", 1, 4,
			   "The 'getschema' operator");
	expect_unsupported("print 1", "print", 1, 0, "The 'print' statement");
	expect_unsupported("search 'x'", "search", 1, 0,
			   "The 'search' statement");
	expect_unsupported("datatable(a:long)[1]", "datatable", 1, 0,
			   "The 'datatable' statement");
	expect_unsupported("T | where Log matches regex 'a'", "matches", 1, 14,
			   "The 'matches regex' operator");
	expect_unsupported("T | where Log has_any ('a')", "has_any", 1, 14,
			   "The 'has_any' operator");
	expect_unsupported("T | where Name.foo == 1", ".", 1, 14,
			   "Dynamic property access");
	expect_unsupported("T | where Log[0] == 'a'", "[", 1, 13,
			   "Dynamic index access");
	expect_unsupported("T | where * has 'x'", "*", 1, 10,
			   "A search over all columns (*)");
	expect_unsupported("T | extend x = extract('a', 0, Log)", "extract", 1,
			   15, "The function 'extract'");
	expect_unsupported("T | where todatetime(N) > ago(1h)", "todatetime", 1,
			   10, "The function 'todatetime' of a long");
	expect_unsupported("T | summarize sum(N)", "sum", 1, 14,
			   "The aggregation function 'sum'");
	expect_unsupported("T | summarize dcount(Name) by B", "dcount", 1, 14,
			   "The aggregation function 'dcount'");
	expect_unsupported("T | summarize count() by bin(TimeGenerated, 1h)",
			   "bin", 1, 25, "The function 'bin'");
	expect_unsupported("T | summarize count() * 2", "*", 1, 22,
			   "An expression around an aggregation function");
	expect_unsupported("T | summarize arg_max(N, strlen(Name))", "strlen", 1,
			   25,
			   "An expression (not a column) returned by "
			   "arg_max/arg_min");
	expect_unsupported("T | summarize hint.strategy=shuffle count()", "hint",
			   1, 14, "A summarize hint");
	expect_unsupported("let f = (x: long) { x + 1 }; T", "let", 1, 0,
			   "A 'let' function definition");
	expect_unsupported("let f = () { T }; f()", "let", 1, 0,
			   "A 'let' function definition");
	expect_unsupported("let ['a b'] = 1; T", "[", 1, 4,
			   "A bracketed 'let' name");
	expect_unsupported("let T2 = T | where N > 1; T2", "let", 1, 0,
			   "A 'let' of a tabular expression");
	expect_unsupported("let T2 = T; T2", "T", 1, 9,
			   "A 'let' of a tabular expression");
	expect_unsupported("let m = toscalar(T | count); T", "toscalar", 1, 8,
			   "The function 'toscalar'");
	expect_unsupported("T | where N > toscalar(T | count)", "toscalar", 1, 14,
			   "The function 'toscalar'");
	expect_unsupported("let m = materialize(T); m", "let", 1, 0,
			   "A 'let' of a tabular expression");
	expect_unsupported("T; T", "T", 1, 3,
			   "A second tabular statement (a query batch)");
	expect_unsupported("union (T | take 1), U", "(", 1, 6,
			   "A union of a subquery");
	expect_unsupported("union T*", "T", 1, 6, "A table name wildcard");
	expect_unsupported("union hint.concurrency=2 T", "hint", 1, 6,
			   "A qualified or computed table reference");
	expect_unsupported("T | union withsource=S U", "U", 1, 23,
			   "'withsource' in the union operator form (T | union "
			   "...)");
	expect_unsupported("(T | take 1)", "(", 1, 0,
			   "A parenthesised tabular expression");
	expect_unsupported("workspace('x').T", "workspace", 1, 0,
			   "The 'workspace' statement");
	expect_unsupported("T2(1)", "T2", 1, 0,
			   "A qualified or computed table reference");
}

/* The parser, binder and evaluator recurse; these limits keep a hostile
 * query far from the end of a 512 KiB thread stack (a choice). */
static void test_depth_limits(void **state)
{
	static char q[400000];
	struct kql_error e;
	size_t o;
	(void)state;

	/* 60 parentheses are fine, 70 are refused */
	o = (size_t)snprintf(q, sizeof(q), "T | where ");
	for (int i = 0; i < 60; i++)
		q[o++] = '(';
	o += (size_t)snprintf(q + o, sizeof(q) - o, "N == 1");
	for (int i = 0; i < 60; i++)
		q[o++] = ')';
	q[o] = '\0';
	assert_int_equal(nrows(q), 1);
	o = (size_t)snprintf(q, sizeof(q), "T | where ");
	for (int i = 0; i < 100000; i++)
		q[o++] = '(';
	q[o] = '\0';
	e = bad(q);
	assert_int_equal(e.kind, KQL_ERR_UNSUPPORTED);
	assert_non_null(strstr(e.message, "nested more than 64 levels deep"));

	/* a long chain of signs on a literal folds without recursion */
	o = (size_t)snprintf(q, sizeof(q), "T | where N == ");
	for (int i = 0; i < 200000; i++)
		q[o++] = '-';
	q[o++] = '1';
	q[o] = '\0';
	assert_int_equal(nrows(q), 1);
	/* on a column it builds a tree, which is bounded */
	o = (size_t)snprintf(q, sizeof(q), "T | where ");
	for (int i = 0; i < 1001; i++)
		q[o++] = '-';
	o += (size_t)snprintf(q + o, sizeof(q) - o, "N == 1");
	e = bad(q);
	assert_int_equal(e.kind, KQL_ERR_UNSUPPORTED);
	assert_non_null(strstr(e.message, "nested more than 256 levels deep"));

	/* long or-chains: 100 terms run, 300 are refused */
	o = (size_t)snprintf(q, sizeof(q), "T | where N == 0");
	for (int i = 0; i < 99; i++)
		o += (size_t)snprintf(q + o, sizeof(q) - o, " or N == %d", i + 10);
	assert_int_equal(nrows(q), 1);
	for (int i = 0; i < 200; i++)
		o += (size_t)snprintf(q + o, sizeof(q) - o, " or N == %d", i + 10);
	e = bad(q);
	assert_int_equal(e.kind, KQL_ERR_UNSUPPORTED);
	o = (size_t)snprintf(q, sizeof(q), "T | take 1 | project x = 1");
	for (int i = 0; i < 20000; i++)
		o += (size_t)snprintf(q + o, sizeof(q) - o, "+1");
	e = bad(q);
	assert_int_equal(e.kind, KQL_ERR_UNSUPPORTED);
}

/* The deepest queries the limits accept, run on a thread with the 512 KiB
 * stack the HTTP server gives each connection (server/sim_http.c): the
 * limits must leave that stack plenty of room. */
static char *deep_queries[4];

static void *run_deep(void *arg)
{
	(void)arg;
	for (size_t i = 0; i < sizeof(deep_queries) / sizeof(deep_queries[0]);
	     i++) {
		struct kql_result *r = NULL;
		struct kql_error e;
		if (run(deep_queries[i], &r, &e) != 0)
			return deep_queries[i];
		kql_result_free(r);
	}
	return NULL;
}

static void test_deep_on_small_stack(void **state)
{
	pthread_attr_t attr;
	pthread_t th;
	void *failed = (void *)1;
	size_t o;
	(void)state;

	for (size_t i = 0; i < 4; i++) {
		deep_queries[i] = malloc(64 * 1024);
		assert_non_null(deep_queries[i]);
	}
	/* 254 minus signs on a column: the tree is 256 high */
	o = (size_t)sprintf(deep_queries[0], "T | where ");
	for (int i = 0; i < 254; i++)
		deep_queries[0][o++] = '-';
	sprintf(deep_queries[0] + o, "N == 1");
	/* 62 nested calls around a 190-term sum */
	o = (size_t)sprintf(deep_queries[1], "T | extend x = ");
	for (int i = 0; i < 62; i++)
		o += (size_t)sprintf(deep_queries[1] + o, "strcat(");
	o += (size_t)sprintf(deep_queries[1] + o, "N");
	for (int i = 0; i < 190; i++)
		o += (size_t)sprintf(deep_queries[1] + o, "+N");
	for (int i = 0; i < 62; i++)
		deep_queries[1][o++] = ')';
	deep_queries[1][o] = '\0';
	/* a 250-term or-chain in summarize's by and arg_max */
	o = (size_t)sprintf(deep_queries[2], "T | summarize arg_max(N, *) by x = N == 0");
	for (int i = 0; i < 250; i++)
		o += (size_t)sprintf(deep_queries[2] + o, " or N == %d", i);
	/* 63 nested parentheses */
	o = (size_t)sprintf(deep_queries[3], "T | where ");
	for (int i = 0; i < 63; i++)
		deep_queries[3][o++] = '(';
	o += (size_t)sprintf(deep_queries[3] + o, "N > 0");
	for (int i = 0; i < 63; i++)
		deep_queries[3][o++] = ')';
	deep_queries[3][o] = '\0';

	assert_int_equal(pthread_attr_init(&attr), 0);
	assert_int_equal(pthread_attr_setstacksize(&attr, 512 * 1024), 0);
	assert_int_equal(pthread_create(&th, &attr, run_deep, NULL), 0);
	assert_int_equal(pthread_join(th, &failed), 0);
	pthread_attr_destroy(&attr);
	if (failed)
		fail_msg("deep query refused: %.200s", (const char *)failed);
	for (size_t i = 0; i < 4; i++)
		free(deep_queries[i]);
}

/* No signed overflow: long arithmetic wraps as .NET's unchecked
 * arithmetic does; INT64_MIN / -1 is null (a choice), % -1 is 0; tick
 * arithmetic that leaves the 64-bit range is null (a choice). */
static void test_int64_edges(void **state)
{
	(void)state;
	assert_string_equal(column("T | take 1 | project x = -9223372036854775808",
				   "x"),
			    "-9223372036854775808");
	assert_string_equal(column("T | take 1 | project x = -(-9223372036854775808)",
				   "x"),
			    "-9223372036854775808");
	assert_string_equal(column("T | take 1 | project x = --9223372036854775807",
				   "x"),
			    "9223372036854775807");
	assert_string_equal(column("T | take 1 | project x = -0x8000000000000000",
				   "x"),
			    "-9223372036854775808");
	assert_string_equal(column("T | take 1 | project x = "
				   "-long(-9223372036854775808)",
				   "x"),
			    "-9223372036854775808");
	assert_string_equal(column("T | take 1 | project x = 9223372036854775807 + 1",
				   "x"),
			    "-9223372036854775808");
	{
		const char *q = "let m = -9223372036854775808; T | take 1 | "
				"project a = m / -1, b = m % -1, c = -m, "
				"d = m - 1, e = m * -1, f = m % 3";
		assert_string_equal(column(q, "a"), "null");
		assert_string_equal(column(q, "b"), "0");
		assert_string_equal(column(q, "c"), "-9223372036854775808");
		assert_string_equal(column(q, "d"), "9223372036854775807");
		assert_string_equal(column(q, "e"), "-9223372036854775808");
		assert_string_equal(column(q, "f"), "-2");
	}
	assert_string_equal(column("T | take 1 | project x = "
				   "timespan(10675199.00:00:00) * 2",
				   "x"),
			    "null");
	assert_string_equal(column("T | take 1 | project x = "
				   "timespan(10675199.00:00:00) + "
				   "timespan(10675199.00:00:00)",
				   "x"),
			    "null");
	assert_string_equal(column("T | take 1 | project x = 1d * 1e300", "x"),
			    "null");
	assert_string_equal(column("T | take 1 | project x = 1d / 1e-300", "x"),
			    "null");
	assert_string_equal(column("T | take 1 | project x = "
				   "ago(-timespan(10675199.00:00:00))",
				   "x"),
			    "null");
	assert_string_equal(column("T | take 1 | project x = "
				   "-timespan(10675199.00:00:00) - 1h",
				   "x"),
			    "-10675199.01:00:00");
	assert_string_equal(column("T | take 1 | project x = "
				   "-timespan(10675199.00:00:00) - 1d",
				   "x"),
			    "null");
	/* more days than a timespan holds: a malformed literal */
	expect_syntax("T | where N == timespan(999999999.00:00:00)",
		      "999999999.00:00:00", 1, 24);
	expect_syntax("T | where N == timespan(99999999999999999999:00)",
		      "99999999999999999999:00", 1, 24);
}

/* ---- values ---- */

static void test_value_formats(void **state)
{
	char b[64];
	int64_t t;
	(void)state;
	kql_format_datetime(dt("2017-08-24T06:59:59Z"), b, sizeof(b));
	assert_string_equal(b, "2017-08-24T06:59:59Z");
	kql_format_datetime(dt("2024-01-15T10:30:00.123Z"), b, sizeof(b));
	assert_string_equal(b, "2024-01-15T10:30:00.123Z");
	kql_format_datetime(dt("2024-01-15T10:30:00.12345678Z"), b, sizeof(b));
	assert_string_equal(b, "2024-01-15T10:30:00.1234567Z");
	kql_format_datetime(kql_ticks_from_ns(1700000000123456789LL), b,
			    sizeof(b));
	assert_string_equal(b, "2023-11-14T22:13:20.1234567Z");
	kql_format_datetime(dt("1969-12-31T23:59:59.9Z"), b, sizeof(b));
	assert_string_equal(b, "1969-12-31T23:59:59.9Z");
	kql_format_datetime(dt("2000-02-29T00:00:00-05:30"), b, sizeof(b));
	assert_string_equal(b, "2000-02-29T05:30:00Z");
	assert_int_equal(kql_parse_datetime("2023-02-29", 10, &t), -EINVAL);
	assert_int_equal(kql_parse_datetime("2024-01-01T25:00", 16, &t), -EINVAL);
	assert_int_equal(kql_parse_datetime("2024-01-01X", 11, &t), -EINVAL);

	kql_format_timespan(10 * KQL_TICKS_PER_SEC, b, sizeof(b));
	assert_string_equal(b, "00:00:10");
	kql_format_timespan(-(KQL_TICKS_PER_SEC / 10), b, sizeof(b));
	assert_string_equal(b, "-00:00:00.1000000");
	assert_int_equal(kql_parse_timespan_literal("100ms", 5, &t), 0);
	assert_int_equal(t, 100 * KQL_TICKS_PER_MS);
	assert_int_equal(kql_parse_timespan_literal("1.5h", 4, &t), 0);
	assert_int_equal(t, 90LL * 60 * KQL_TICKS_PER_SEC);
	assert_int_equal(kql_parse_timespan_literal("2.00:00:01", 10, &t), 0);
	assert_int_equal(t, (2LL * 86400 + 1) * KQL_TICKS_PER_SEC);
	assert_int_equal(kql_parse_timespan_literal("3parsecs", 8, &t), -EINVAL);

	assert_int_equal(kql_parse_iso_duration("PT1H", 4, &t), 0);
	assert_int_equal(t, 3600 * KQL_TICKS_PER_SEC);
	assert_int_equal(kql_parse_iso_duration("P3DT12H", 7, &t), 0);
	assert_int_equal(t, (3LL * 86400 + 12 * 3600) * KQL_TICKS_PER_SEC);
	assert_int_equal(kql_parse_iso_duration("PT0.5S", 6, &t), 0);
	assert_int_equal(t, KQL_TICKS_PER_SEC / 2);
	assert_int_equal(kql_parse_iso_duration("P1W", 3, &t), 0);
	assert_int_equal(kql_parse_iso_duration("P1M", 3, &t), -EINVAL);
	assert_int_equal(kql_parse_iso_duration("PT", 2, &t), -EINVAL);
	assert_int_equal(kql_parse_iso_duration("1H", 2, &t), -EINVAL);

	kql_format_real(1.286, b, sizeof(b));
	assert_string_equal(b, "1.286");
	kql_format_real(0.1 + 0.2, b, sizeof(b));
	assert_string_equal(b, "0.30000000000000004");
	kql_format_real(1e20, b, sizeof(b));
	assert_string_equal(b, "1E+20");
	assert_true(kql_is_guid("00000000-0000-0000-0000-0000000000EE", 36));
	assert_false(kql_is_guid("00000000-0000-0000-0000-0000000000e", 35));
	assert_false(kql_is_guid("00000000x0000-0000-0000-0000000000ee", 36));
	{
		enum kql_type ty;
		assert_int_equal(kql_type_parse("double", &ty), 0);
		assert_int_equal(ty, KQL_T_REAL);
		assert_string_equal(kql_type_name(KQL_T_GUID), "guid");
		assert_int_equal(kql_type_parse("nope", &ty), -EINVAL);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table_and_take),
		cmocka_unit_test(test_equality_case),
		cmocka_unit_test(test_has),
		cmocka_unit_test(test_contains_starts_ends),
		cmocka_unit_test(test_numeric_compare),
		cmocka_unit_test(test_logic_precedence),
		cmocka_unit_test(test_datetime_literals),
		cmocka_unit_test(test_ago_and_timespans),
		cmocka_unit_test(test_string_literals),
		cmocka_unit_test(test_order_ties_and_nulls),
		cmocka_unit_test(test_project),
		cmocka_unit_test(test_extend_and_count),
		cmocka_unit_test(test_in_and_functions),
		cmocka_unit_test(test_null_and_arith),
		cmocka_unit_test(test_max_rows),
		cmocka_unit_test(test_syntax_errors),
		cmocka_unit_test(test_semantic_errors),
		cmocka_unit_test(test_summarize),
		cmocka_unit_test(test_arg_max),
		cmocka_unit_test(test_distinct),
		cmocka_unit_test(test_let),
		cmocka_unit_test(test_union),
		cmocka_unit_test(test_hasprefix),
		cmocka_unit_test(test_todatetime),
		cmocka_unit_test(test_unsupported),
		cmocka_unit_test(test_depth_limits),
		cmocka_unit_test(test_deep_on_small_stack),
		cmocka_unit_test(test_int64_edges),
		cmocka_unit_test(test_value_formats),
	};
	return cmocka_run_group_tests_name("kql", tests, setup, NULL);
}
