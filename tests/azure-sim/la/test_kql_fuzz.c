/* test_kql_fuzz.c - hostile input for the KQL engine: tens of thousands of
 * queries from a deterministic generator (random token soups, random
 * bytes, deep nesting, long sign chains, huge numbers, every truncation
 * and byte flip of valid queries, random well-typed expressions).  Each
 * answer must be a result or an error with a code and a message; nothing
 * may crash, and under --enable-sanitizers nothing may trip ASan/UBSan. */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "kql.h"

/* ---- a small table with every type ---- */

static const struct kql_column cols[] = {
	{ "TimeGenerated", KQL_T_DATETIME, false },
	{ "Name", KQL_T_STRING, false },
	{ "N", KQL_T_LONG, false },
	{ "R", KQL_T_REAL, false },
	{ "B", KQL_T_BOOL, false },
	{ "G", KQL_T_GUID, false },
	{ "D", KQL_T_DYNAMIC, false },
	{ "S", KQL_T_TIMESPAN, false },
	{ "I", KQL_T_INT, false },
	{ "H", KQL_T_LONG, true },
};
#define NCOLS (sizeof(cols) / sizeof(cols[0]))
#define NROWS 6
static struct kql_value cells[NROWS][NCOLS];
static const struct kql_value *rows[NROWS];

static const struct kql_column ucols[] = {
	{ "Name", KQL_T_STRING, false },
	{ "N", KQL_T_STRING, false },
	{ "X", KQL_T_REAL, false },
};
static struct kql_value ucells[2][3];
static const struct kql_value *urows[2];

static void fill(void)
{
	static const char *const names[] = { "a", "B b", "", "x-y.z",
					     "\xc3\xa9t\xc3\xa9", "a" };
	static const int64_t ns[] = { 0, 1, -1, INT64_MAX, INT64_MIN, 7 };
	for (int i = 0; i < NROWS; i++) {
		struct kql_value *c = cells[i];
		c[0] = i == 3 ? kql_null(KQL_T_DATETIME)
			      : kql_datetime(1704067200LL * 10000000 + i);
		c[1] = kql_str(names[i]);
		c[2] = i == 5 ? kql_null(KQL_T_LONG) : kql_long(ns[i]);
		c[3] = kql_real(i == 2 ? -0.0 : i == 4 ? 1e308 : i * 0.5);
		c[4] = i == 1 ? kql_null(KQL_T_BOOL) : kql_bool(i & 1);
		c[5] = kql_str("aaaaaaaa-0000-0000-0000-00000000000a");
		c[5].type = KQL_T_GUID;
		c[6] = kql_str("{\"k\":1}");
		c[6].type = KQL_T_DYNAMIC;
		c[7] = kql_timespan(i == 4 ? INT64_MIN : (int64_t)i * 10000000);
		c[8] = kql_int(i == 0 ? INT32_MIN : i);
		c[9] = kql_long(i);
		rows[i] = c;
	}
	for (int i = 0; i < 2; i++) {
		ucells[i][0] = kql_str(i ? "u" : "a");
		ucells[i][1] = kql_str("s");
		ucells[i][2] = kql_real(i);
		urows[i] = ucells[i];
	}
}

static int resolve(void *ctx, const char *name, struct kql_table *out)
{
	(void)ctx;
	if (strcmp(name, "T") == 0) {
		out->cols = cols;
		out->ncols = NCOLS;
		out->rows = rows;
		out->nrows = NROWS;
		return 0;
	}
	if (strcmp(name, "U") == 0) {
		out->cols = ucols;
		out->ncols = 3;
		out->rows = urows;
		out->nrows = 2;
		return 0;
	}
	return -ENOENT;
}

/* ---- deterministic PRNG (xorshift64*) ---- */

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

static uint64_t rnd(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dULL;
}

static size_t pick(size_t n)
{
	return (size_t)(rnd() % n);
}

/* ---- the check every query goes through ---- */

static size_t n_ok, n_err;
static volatile unsigned sink; /* string bytes read, for ASan */

static void check(const char *q)
{
	struct kql_env env;
	struct kql_result *r = NULL;
	struct kql_error e;
	int rc;

	memset(&env, 0, sizeof(env));
	env.resolve = resolve;
	env.now_ticks = 1704153600LL * 10000000;
	env.max_rows = 1000;
	rc = kql_run(q, &env, &r, &e);
	if (rc == 0) {
		assert_non_null(r);
		/* touch every cell so ASan sees any bad pointer */
		for (size_t i = 0; i < r->nrows; i++) {
			for (size_t c = 0; c < r->ncols; c++) {
				const struct kql_value *v = &r->rows[i][c];
				assert_true((unsigned)v->type < KQL_T__COUNT);
				if ((v->type == KQL_T_STRING ||
				     v->type == KQL_T_GUID ||
				     v->type == KQL_T_DYNAMIC) && !v->null)
					for (size_t k = 0; k < v->u.s.n; k++)
						sink += (unsigned char)v->u.s.p[k];
			}
		}
		for (size_t c = 0; c < r->ncols; c++)
			assert_non_null(r->cols[c].name);
		kql_result_free(r);
		n_ok++;
		return;
	}
	if (rc != -EINVAL || e.kind == KQL_ERR_NONE || !e.code[0] ||
	    !e.message[0])
		fail_msg("query answered rc=%d kind=%d code='%s' msg='%s': %s",
			 rc, (int)e.kind, e.code, e.message, q);
	n_err++;
}

/* ---- generators ---- */

static const char *const tokens[] = {
	"T", "U", "Nope", "|", "where", "summarize", "count()", "count", "by",
	"distinct", "union", ",", "let", "x", "=", ";", "(", ")", "-", "+",
	"*", "/", "%", "==", "!=", "<", ">", "<=", ">=", "=~", "!~", "and",
	"or", "not(", "N", "Name", "R", "B", "G", "D", "S", "I", "H",
	"TimeGenerated", "'str'", "\"s\"", "1", "0", "-1",
	"0x7fffffffffffffff", "0x8000000000000000", "9223372036854775807",
	"9223372036854775808", "-9223372036854775808", "1.5e308", "1e-320",
	"1d", "10675199d", "1.5h", "datetime(2024-01-01)", "datetime(",
	"datetime(null)", "timespan(10675199.02:48:05)", "long(null)",
	"has", "!has", "hasprefix", "!hasprefix", "hassuffix", "contains",
	"startswith", "endswith", "in", "!in", "in~", "between", "..",
	"project", "extend", "take", "limit", "top", "order by", "sort by",
	"asc", "desc", "nulls first", "nulls last", "arg_max(", "arg_min(",
	"min(", "max(", "todatetime(", "ago(", "now()", "strcat(",
	"tostring(", "tolower(", "strlen(", "isnull(", "isempty(", "[", "]",
	".", "@'x'", "```", "\\", "{", "}", "print", "join", "mv-expand",
	"isfuzzy=true", "kind=inner", "withsource=Src", "project-away",
	"matches regex", "bin(", "sum(", ":", "//", "\n", "h'x'", "'\\u00e9'",
	"'\\ud800'", "'unterminated", "*", "!", "~", "$", "#", "\xff",
};
#define NTOKENS (sizeof(tokens) / sizeof(tokens[0]))

static char qbuf[1 << 20];

static void token_soup(void)
{
	size_t n = 1 + pick(40), o = 0;
	qbuf[0] = '\0';
	if (pick(3))
		o += (size_t)snprintf(qbuf, sizeof(qbuf), "T | ");
	for (size_t i = 0; i < n && o < sizeof(qbuf) - 64; i++)
		o += (size_t)snprintf(qbuf + o, sizeof(qbuf) - o, "%s%s",
				      tokens[pick(NTOKENS)],
				      pick(4) ? " " : "");
	check(qbuf);
}

static void random_bytes(void)
{
	size_t n = pick(200);
	for (size_t i = 0; i < n; i++) {
		char c = (char)(1 + pick(255)); /* no NUL: C strings */
		qbuf[i] = c;
	}
	qbuf[n] = '\0';
	check(qbuf);
}

/* Deep nesting of several kinds, on both sides of the limits. */
static void deep(void)
{
	static const char *const open[] = { "(", "-", "not(", "strcat(",
					    "tostring(", "- -", "+", "!" };
	static const char *const close[] = { ")", "", ")", ")", ")", "", "",
					     "" };
	size_t k = pick(8), depth = pick(3) ? pick(300) : pick(20000), o;
	const char *atom = pick(2) ? "N" : "1";
	o = (size_t)snprintf(qbuf, sizeof(qbuf), "T | extend x = ");
	for (size_t i = 0; i < depth && o < sizeof(qbuf) / 2; i++)
		o += (size_t)snprintf(qbuf + o, sizeof(qbuf) - o, "%s", open[k]);
	o += (size_t)snprintf(qbuf + o, sizeof(qbuf) - o, "%s", atom);
	for (size_t i = 0; i < depth && o < sizeof(qbuf) - 16; i++)
		o += (size_t)snprintf(qbuf + o, sizeof(qbuf) - o, "%s",
				      close[k]);
	check(qbuf);
	/* chains of binary operators */
	o = (size_t)snprintf(qbuf, sizeof(qbuf), "T | where N");
	depth = pick(2) ? pick(400) : pick(30000);
	for (size_t i = 0; i < depth && o < sizeof(qbuf) - 32; i++)
		o += (size_t)snprintf(qbuf + o, sizeof(qbuf) - o, " %s N",
				      pick(2) ? "+" : "or");
	check(qbuf);
}

static void huge_numbers(void)
{
	size_t o = (size_t)snprintf(qbuf, sizeof(qbuf), "T | project x = %s",
				    pick(2) ? "-" : "");
	size_t n = 1 + pick(40);
	if (pick(4) == 0)
		o += (size_t)snprintf(qbuf + o, sizeof(qbuf) - o, "0x");
	for (size_t i = 0; i < n; i++)
		qbuf[o++] = "0123456789abcdef.e"[pick(pick(3) ? 10 : 18)];
	qbuf[o] = '\0';
	if (pick(2))
		snprintf(qbuf + o, sizeof(qbuf) - o, "%s",
			 (const char *[]){ " * 2", " + 9223372036854775807", "d",
					   " / -1", " % -1", "ms * 1e300" }[pick(6)]);
	check(qbuf);
}

/* A random expression; depth-bounded so most are small. */
static size_t expr(char *out, size_t cap, int depth)
{
	static const char *const leaves[] = {
		"N", "R", "I", "B", "Name", "TimeGenerated", "S", "G", "D",
		"1", "-9223372036854775808", "2.5", "1d", "'a'", "true",
		"datetime(2024-01-01)", "long(null)", "now()", "x",
	};
	static const char *const bin[] = {
		"+", "-", "*", "/", "%", "==", "!=", "<", ">=", "and", "or",
		"has", "hasprefix", "!hassuffix", "contains", "=~", "startswith",
	};
	static const char *const fn[] = {
		"tostring", "tolower", "strlen", "isnull", "isempty", "not",
		"ago", "todatetime", "strcat",
	};
	if (depth <= 0 || pick(3) == 0)
		return (size_t)snprintf(out, cap, "%s",
					leaves[pick(sizeof(leaves) /
						    sizeof(leaves[0]))]);
	switch (pick(4)) {
	case 0: {
		size_t o = (size_t)snprintf(out, cap, "(");
		o += expr(out + o, cap - o, depth - 1);
		o += (size_t)snprintf(out + o, cap - o, " %s ",
				      bin[pick(sizeof(bin) / sizeof(bin[0]))]);
		o += expr(out + o, cap - o, depth - 1);
		return o + (size_t)snprintf(out + o, cap - o, ")");
	}
	case 1: {
		size_t o = (size_t)snprintf(out, cap, "%s(",
					    fn[pick(sizeof(fn) / sizeof(fn[0]))]);
		o += expr(out + o, cap - o, depth - 1);
		return o + (size_t)snprintf(out + o, cap - o, ")");
	}
	case 2: {
		size_t o = (size_t)snprintf(out, cap, "-");
		return o + expr(out + o, cap - o, depth - 1);
	}
	default: {
		size_t o = expr(out, cap, depth - 1);
		o += (size_t)snprintf(out + o, cap - o, " in (");
		o += expr(out + o, cap - o, depth - 1);
		return o + (size_t)snprintf(out + o, cap - o, ")");
	}
	}
}

static void typed_queries(void)
{
	/* text, expression, text, expression, text */
	static const char *const shapes[][3] = {
		{ "let x = ", "; T | where ", "" },
		{ "T | extend e = ",
		  " | summarize count(), min(e), max(e) by B | where isnotnull(",
		  ")" },
		{ "union T, U | extend e = ", " | project e, f = ", "" },
		{ "T | summarize arg_max(", ", *) by G | where ", "" },
		{ "T | extend k = ", " | distinct k, B | where ", "" },
		{ "T | order by ", " asc nulls first | take 3 | where ", "" },
		{ "union withsource=Src T, U | extend v = ",
		  " | top 2 by v | where ", "" },
	};
	char a[2048], b[2048];
	size_t k = pick(sizeof(shapes) / sizeof(shapes[0]));
	expr(a, sizeof(a), 4);
	expr(b, sizeof(b), 4);
	snprintf(qbuf, sizeof(qbuf), "%s%s%s%s%s", shapes[k][0], a, shapes[k][1],
		 b, shapes[k][2]);
	check(qbuf);
}

static const char *const valid[] = {
	"T | where N > 1 and Name has 'b' | project N, Name | order by N asc",
	"let t = ago(1h); T | where TimeGenerated > t | summarize count() by B",
	"union T, U | summarize arg_max(Name, *) by N_string",
	"T | summarize min(R), max(TimeGenerated), c = count() by Name",
	"T | distinct Name, B | top 3 by Name desc nulls last",
	"union kind=inner withsource=W isfuzzy=true T, U, Nope | count",
	"T | where Name hasprefix 'b' or Name !hassuffix_cs 'Z' | take 2",
	"T | extend d = todatetime('2024-01-01T00:00:00.1234567Z') | "
	"project-away G, D",
	"T | where N between (-9223372036854775808 .. 9223372036854775807)",
	"T | where Name in~ ('A', \"b b\", @'x-y.z') | extend s = strcat(N, "
	"'-', S)",
};
#define NVALID (sizeof(valid) / sizeof(valid[0]))

static void test_valid_queries_run(void **state)
{
	(void)state;
	for (size_t i = 0; i < NVALID; i++) {
		size_t before = n_ok;
		check(valid[i]);
		if (n_ok == before)
			fail_msg("valid query refused: %s", valid[i]);
	}
}

static void test_truncations_and_flips(void **state)
{
	(void)state;
	for (size_t i = 0; i < NVALID; i++) {
		size_t n = strlen(valid[i]);
		for (size_t k = 0; k <= n; k++) {
			memcpy(qbuf, valid[i], k);
			qbuf[k] = '\0';
			check(qbuf);
		}
		for (size_t k = 0; k < n; k++) {
			memcpy(qbuf, valid[i], n + 1);
			qbuf[k] = (char)(1 + pick(255));
			check(qbuf);
		}
	}
}

static void test_token_soup(void **state)
{
	(void)state;
	for (int i = 0; i < 20000; i++)
		token_soup();
}

static void test_random_bytes(void **state)
{
	(void)state;
	for (int i = 0; i < 5000; i++)
		random_bytes();
}

static void test_deep_and_huge(void **state)
{
	(void)state;
	for (int i = 0; i < 400; i++)
		deep();
	for (int i = 0; i < 5000; i++)
		huge_numbers();
}

static void test_typed_expressions(void **state)
{
	(void)state;
	for (int i = 0; i < 10000; i++)
		typed_queries();
	/* the generator must reach both answers, or it tests little */
	print_message("%zu results, %zu errors\n", n_ok, n_err);
	assert_true(n_ok > 1000);
	assert_true(n_err > 1000);
}

static int setup(void **state)
{
	(void)state;
	fill();
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid_queries_run),
		cmocka_unit_test(test_truncations_and_flips),
		cmocka_unit_test(test_token_soup),
		cmocka_unit_test(test_random_bytes),
		cmocka_unit_test(test_deep_and_huge),
		cmocka_unit_test(test_typed_expressions),
	};
	return cmocka_run_group_tests_name("kql_fuzz", tests, setup, NULL);
}
