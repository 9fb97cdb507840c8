/*
 * test_logs.c - the pure parts of the logs module: time stamps, the
 * replica log stream's records and partial lines, de-duplication across
 * reconnections and overlapping queries, since/until/tail, KQL quoting
 * and queries per table family, Log Analytics answers, exit-code text.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "logs_priv.h"

#define NS(s) ((int64_t)(s) * 1000000000LL)
/* 2025-12-15T08:33:59Z */
#define T0 NS(1765787639)

static void test_time_parse(void **st)
{
	int64_t ns;
	int zone;

	(void)st;
	assert_int_equal(aca_time_parse("2025-12-15T08:33:59.0671054Z", 28,
		&ns, &zone), SL_OK);
	assert_int_equal(ns, T0 + 67105400);
	assert_int_equal(zone, 1);
	assert_int_equal(aca_time_parse("2025-12-15T09:33:59.5+01:00", 27, &ns,
		&zone), SL_OK);
	assert_int_equal(ns, T0 + 500000000);
	assert_int_equal(aca_time_parse("2025-12-15T08:33:59.72656", 25, &ns,
		&zone), SL_OK);
	assert_int_equal(ns, T0 + 726560000);
	assert_int_equal(zone, 0);
	assert_int_equal(aca_time_parse("2025-12-15 08:33:59 +0000 UTC", 29,
		&ns, &zone), SL_OK);
	assert_int_equal(ns, T0);
	assert_int_equal(zone, 1);
	assert_int_equal(aca_time_parse("1970-01-01T00:00:00Z", 20, &ns, NULL),
		SL_OK);
	assert_int_equal(ns, 0);
	assert_int_equal(aca_time_parse("2024-02-29T00:00:00Z", 20, &ns, NULL),
		SL_OK);
	assert_int_equal(ns, NS(1709164800));
	assert_int_equal(aca_time_parse("2025-12-15T08:33", 16, &ns, NULL),
		SL_EINVAL);
	assert_int_equal(aca_time_parse("2025-13-15T08:33:59Z", 20, &ns, NULL),
		SL_EINVAL);
	assert_int_equal(aca_time_parse("2025-12-15T08:33:59Zx", 21, &ns, NULL),
		SL_EINVAL);
	assert_int_equal(aca_time_parse("2025-12-15T08:33:59.", 20, &ns, NULL),
		SL_EINVAL);
}

static void test_time_format(void **st)
{
	char buf[40];
	int64_t ns;

	(void)st;
	aca_time_format(T0 + 67105499, buf, sizeof(buf));
	assert_string_equal(buf, "2025-12-15T08:33:59.0671054Z");
	assert_int_equal(aca_time_parse(buf, strlen(buf), &ns, NULL), SL_OK);
	assert_int_equal(ns, T0 + 67105400);
}

static void test_record_text(void **st)
{
	struct aca_rec r;
	char *owned;
	const char *l;

	(void)st;
	l = "2025-12-15T08:33:59.0671054Z stdout F INFO: it's up";
	assert_int_equal(aca_stream_parse_record(l, strlen(l), &r, &owned),
		ACA_REC_LINE);
	assert_null(owned);
	assert_int_equal(r.fd, 1);
	assert_int_equal(r.partial, 0);
	assert_int_equal(r.ts, T0 + 67105400);
	assert_int_equal(r.len, strlen("INFO: it's up"));
	assert_memory_equal(r.text, "INFO: it's up", r.len);

	l = "2025-12-15T08:33:59Z stderr P  two  spaces ";
	assert_int_equal(aca_stream_parse_record(l, strlen(l), &r, &owned),
		ACA_REC_LINE);
	assert_int_equal(r.fd, 2);
	assert_int_equal(r.partial, 1);
	assert_int_equal(r.len, strlen(" two  spaces "));

	/* An empty line: the tag and its space, nothing after. */
	l = "2025-12-15T08:33:59Z stdout F ";
	assert_int_equal(aca_stream_parse_record(l, strlen(l), &r, &owned),
		ACA_REC_LINE);
	assert_int_equal(r.len, 0);

	l = "2025-12-15T08:43:48.72656  Connecting to the container 'main'...";
	assert_int_equal(aca_stream_parse_record(l, strlen(l), &r, &owned),
		ACA_REC_SYNTHETIC);
	l = "2025-12-15T08:43:48.72656  No logs since last 60 seconds";
	assert_int_equal(aca_stream_parse_record(l, strlen(l), &r, &owned),
		ACA_REC_SYNTHETIC);
	l = "not a time stdout F x";
	assert_int_equal(aca_stream_parse_record(l, strlen(l), &r, &owned),
		ACA_REC_BAD);
	l = "2025-12-15T08:33:59Z stdin F x";
	assert_int_equal(aca_stream_parse_record(l, strlen(l), &r, &owned),
		ACA_REC_BAD);
}

static void test_record_json(void **st)
{
	struct aca_rec r;
	char *owned;
	const char *l;

	(void)st;
	l = "{\"TimeStamp\":\"2025-12-15T08:33:59.000000+00:00\","
	    "\"Log\":\"F it\\u0027s \\u002B1\"}";
	assert_int_equal(aca_stream_parse_record(l, strlen(l), &r, &owned),
		ACA_REC_LINE);
	assert_non_null(owned);
	assert_int_equal(r.ts, T0);
	assert_string_equal(r.text, "it's +1");
	assert_int_equal(r.partial, 0);
	free(owned);

	l = "{\"TimeStamp\":\"2025-05-24T17:39:34.30993\",\"Log\":\"Connecting "
	    "to the container \\u0027quickstart\\u0027...\"}\r";
	assert_int_equal(aca_stream_parse_record(l, strlen(l), &r, &owned),
		ACA_REC_SYNTHETIC);
	free(owned);

	/* The 2023 form: no CRI tag, but a zone: container output. */
	l = "{\"TimeStamp\":\"2025-12-15T08:33:59Z\",\"Log\":\"plain\"}";
	assert_int_equal(aca_stream_parse_record(l, strlen(l), &r, &owned),
		ACA_REC_LINE);
	assert_string_equal(r.text, "plain");
	free(owned);

	l = "{\"TimeStamp\":3,\"Log\":\"x\"}";
	assert_int_equal(aca_stream_parse_record(l, strlen(l), &r, &owned),
		ACA_REC_BAD);
	assert_null(owned);
}

struct got {
	struct aca_lines lines;
	int stop_after;           /* 0 = never */
};

static int collect(void *arg, int64_t ts, int fd, const char *text,
	size_t len)
{
	struct got *g = arg;

	assert_int_equal(aca_lines_push(&g->lines, ts, fd, text, len), SL_OK);
	return g->stop_after && (int)g->lines.n >= g->stop_after;
}

static void test_stream_chunks(void **st)
{
	static const char in[] =
		"2025-12-15T08:33:59.00000  Connecting to the container 'm'...\n"
		"2025-12-15T08:33:59.00000  Successfully Connected to container: "
		"'m' [Execution: 'e', Replica: 'e-abcde']\n"
		"2025-12-15T08:33:58.0000000Z stdout F old\n"
		"2025-12-15T08:34:00.0000000Z stderr P first half, \n"
		"2025-12-15T08:34:00.1000000Z stderr F second half\n"
		"2025-12-15T08:34:01.0000000Z stdout F \n"
		"2025-12-15T08:35:01.00000  No logs since last 60 seconds\n"
		"2025-12-15T08:35:02.0000000Z stdout F last\n"
		"2025-12-15T08:35:03.0000000Z stdout P open \n"
		"2025-12-15T08:35:04.0000000Z stdout F cut by the conn";
	struct aca_stream_parser p = { 0 };
	struct got g = { 0 };

	(void)st;
	/* Feed in awkward pieces: records cut anywhere. */
	for (size_t i = 0; i < sizeof(in) - 1; i += 7) {
		size_t k = sizeof(in) - 1 - i < 7 ? sizeof(in) - 1 - i : 7;

		assert_int_equal(aca_stream_feed(&p, in + i, k, collect, &g), 0);
	}
	assert_int_equal(g.lines.n, 4);
	assert_int_equal(aca_stream_finish(&p, collect, &g), 0);
	assert_int_equal(g.lines.n, 5);
	assert_string_equal(g.lines.v[4].text, "open ");
	assert_string_equal(g.lines.v[0].text, "old");
	assert_int_equal(g.lines.v[0].fd, 1);
	assert_string_equal(g.lines.v[1].text, "first half, second half");
	assert_int_equal(g.lines.v[1].fd, 2);
	assert_int_equal(g.lines.v[1].ts, T0 + NS(1));
	assert_int_equal(g.lines.v[2].len, 0);
	assert_string_equal(g.lines.v[3].text, "last");
	assert_int_equal(p.connected_ts, T0);
	assert_int_equal(p.backlog, 1);
	assert_int_equal(p.lines, 5);
	assert_int_equal(p.first_ts, T0 - NS(1));
	aca_stream_parser_reset(&p);
	assert_int_equal(p.lines, 0);
	aca_lines_clear(&g.lines);
}

static void test_stream_stop(void **st)
{
	static const char in[] =
		"2025-12-15T08:34:00Z stdout F a\n"
		"2025-12-15T08:34:01Z stdout F b\n"
		"2025-12-15T08:34:02Z stdout F c\n";
	struct aca_stream_parser p = { 0 };
	struct got g = { .stop_after = 1 };

	(void)st;
	assert_int_equal(aca_stream_feed(&p, in, sizeof(in) - 1, collect, &g),
		1);
	assert_int_equal(g.lines.n, 1);
	/* What was not consumed is kept for the next call. */
	g.stop_after = 0;
	assert_int_equal(aca_stream_feed(&p, "", 0, collect, &g), 0);
	assert_int_equal(g.lines.n, 3);
	assert_string_equal(g.lines.v[2].text, "c");
	assert_int_equal(aca_stream_finish(&p, collect, &g), 0);
	assert_int_equal(g.lines.n, 3);
	aca_stream_parser_reset(&p);
	aca_lines_clear(&g.lines);
}

/* A reconnection repeats part of what the first connection gave; two
 * identical lines at one instant are two lines. */
static void test_seen_reconnect(void **st)
{
	struct aca_seen *s = aca_seen_new();

	(void)st;
	assert_non_null(s);
	/* pass 1: a, x, x (same instant), b */
	assert_int_equal(aca_seen_add(s, 1, T0, 1, "a", 1), 1);
	assert_int_equal(aca_seen_add(s, 1, T0 + 1, 1, "x", 1), 1);
	assert_int_equal(aca_seen_add(s, 1, T0 + 1, 1, "x", 1), 1);
	assert_int_equal(aca_seen_add(s, 1, T0 + 2, 2, "b", 1), 1);
	/* pass 2 replays x, x, b, then a third x and new lines */
	assert_int_equal(aca_seen_add(s, 2, T0 + 1, 1, "x", 1), 0);
	assert_int_equal(aca_seen_add(s, 2, T0 + 1, 1, "x", 1), 0);
	assert_int_equal(aca_seen_add(s, 2, T0 + 2, 2, "b", 1), 0);
	assert_int_equal(aca_seen_add(s, 2, T0 + 1, 1, "x", 1), 1);
	/* same text and time on the other stream: another line */
	assert_int_equal(aca_seen_add(s, 2, T0 + 2, 1, "b", 1), 1);
	/* same stream and text at another time: another line */
	assert_int_equal(aca_seen_add(s, 2, T0 + 3, 2, "b", 1), 1);
	/* pass 3 replays everything: nothing new */
	assert_int_equal(aca_seen_add(s, 3, T0, 1, "a", 1), 0);
	for (int i = 0; i < 3; i++)
		assert_int_equal(aca_seen_add(s, 3, T0 + 1, 1, "x", 1), 0);
	assert_int_equal(aca_seen_add(s, 3, T0 + 1, 1, "x", 1), 1);
	assert_int_equal(aca_seen_count(s), 5);
	aca_seen_free(s);
}

/* Follow over Log Analytics: overlapping polls, rows that arrive late
 * inside the overlap, pruning below the window, growth past the first
 * table size. */
static void test_seen_overlap(void **st)
{
	struct aca_seen *s = aca_seen_new();
	char t[32];
	int fresh = 0;

	(void)st;
	/* poll 1 sees r1, r2 */
	assert_int_equal(aca_seen_add(s, 1, T0 + NS(1), 1, "r1", 2), 1);
	assert_int_equal(aca_seen_add(s, 1, T0 + NS(2), 1, "r2", 2), 1);
	/* poll 2 (window from T0): r0 arrived late, r1, r2 again, r3 */
	assert_int_equal(aca_seen_add(s, 2, T0, 1, "r0", 2), 1);
	assert_int_equal(aca_seen_add(s, 2, T0 + NS(1), 1, "r1", 2), 0);
	assert_int_equal(aca_seen_add(s, 2, T0 + NS(2), 1, "r2", 2), 0);
	assert_int_equal(aca_seen_add(s, 2, T0 + NS(3), 1, "r3", 2), 1);
	aca_seen_prune(s, T0 + NS(2));
	assert_int_equal(aca_seen_count(s), 2);
	assert_int_equal(aca_seen_add(s, 3, T0 + NS(2), 1, "r2", 2), 0);
	assert_int_equal(aca_seen_add(s, 3, T0 + NS(3), 1, "r3", 2), 0);
	for (int i = 0; i < 2000; i++) {
		snprintf(t, sizeof(t), "line %d", i);
		fresh += aca_seen_add(s, 4, T0 + NS(10) + i / 3, i % 2 + 1, t,
			strlen(t));
	}
	assert_int_equal(fresh, 2000);
	for (int i = 0; i < 2000; i++) {
		snprintf(t, sizeof(t), "line %d", i);
		assert_int_equal(aca_seen_add(s, 5, T0 + NS(10) + i / 3,
			i % 2 + 1, t, strlen(t)), 0);
	}
	aca_seen_free(s);
}

static void fill(struct aca_lines *ls)
{
	/* out0 err1 out2 err3 out4 at T0+0..4 s */
	for (int i = 0; i < 5; i++) {
		char t[16];

		snprintf(t, sizeof(t), "%s%d", i % 2 ? "err" : "out", i);
		assert_int_equal(aca_lines_push(ls, T0 + NS(i), i % 2 ? 2 : 1, t,
			strlen(t)), SL_OK);
	}
}

static void test_filter_tail(void **st)
{
	struct aca_lines ls = { 0 };
	struct aca_logs_filter f = { .out = 1, .err = 1, .tail = -1 };

	(void)st;
	fill(&ls);
	assert_int_equal(aca_logs_tail_start(&ls, 0, &f), 0);
	f.tail = 2;
	assert_int_equal(aca_logs_tail_start(&ls, 0, &f), 3);
	f.tail = 0;
	assert_int_equal(aca_logs_tail_start(&ls, 0, &f), 5);
	f.tail = 9;
	assert_int_equal(aca_logs_tail_start(&ls, 0, &f), 0);
	/* tail counts only lines that pass: the last 2 stdout lines */
	f.tail = 2;
	f.err = 0;
	assert_int_equal(aca_logs_tail_start(&ls, 0, &f), 2);
	assert_false(aca_logs_filter_pass(&f, &ls.v[3]));
	assert_true(aca_logs_filter_pass(&f, &ls.v[4]));
	/* since and until are inclusive, as in Docker */
	f.err = 1;
	f.since = T0 + NS(1);
	f.until = T0 + NS(3);
	assert_false(aca_logs_filter_pass(&f, &ls.v[0]));
	assert_true(aca_logs_filter_pass(&f, &ls.v[1]));
	assert_true(aca_logs_filter_pass(&f, &ls.v[3]));
	assert_false(aca_logs_filter_pass(&f, &ls.v[4]));
	f.tail = 1;
	assert_int_equal(aca_logs_tail_start(&ls, 0, &f), 3);
	aca_lines_drop_head(&ls, 2);
	assert_int_equal(ls.n, 3);
	assert_string_equal(ls.v[0].text, "out2");
	aca_lines_clear(&ls);
}

static void test_sort_stable(void **st)
{
	struct aca_lines ls = { 0 };

	(void)st;
	aca_lines_push(&ls, T0 + 2, 1, "c", 1);
	aca_lines_push(&ls, T0 + 1, 1, "a", 1);
	aca_lines_push(&ls, T0 + 2, 2, "d", 1);
	aca_lines_push(&ls, T0 + 1, 1, "b", 1);
	aca_lines_sort(&ls);
	assert_string_equal(ls.v[0].text, "a");
	assert_string_equal(ls.v[1].text, "b");
	assert_string_equal(ls.v[2].text, "c");
	assert_string_equal(ls.v[3].text, "d");
	aca_lines_clear(&ls);
}

static void test_kql_quote(void **st)
{
	char buf[64] = "x == ";
	char tiny[6] = "";

	(void)st;
	assert_int_equal(aca_kql_quote(buf, sizeof(buf),
		"a'b\\c\"d\ne\x01"), SL_OK);
	assert_string_equal(buf, "x == 'a\\'b\\\\c\\\"d\\ne\\u0001'");
	assert_int_equal(aca_kql_quote(tiny, sizeof(tiny), "abcd"), SL_EINVAL);
	assert_int_equal(aca_kql_quote(tiny, sizeof(tiny), "abc"), SL_OK);
	assert_string_equal(tiny, "'abc'");
}

static void test_kql_console_cl(void **st)
{
	struct aca_logs_filter f = { .out = 1, .err = 1, .tail = -1 };
	char *q;

	(void)st;
	q = aca_kql_console(ACA_LOGS_CL, "web", "web-a1b2c3d", &f, 0);
	assert_non_null(q);
	assert_string_equal(q,
		"ContainerAppConsoleLogs_CL\n"
		"| where ContainerJobName_s == 'web' and ContainerGroupName_s "
		"startswith 'web-a1b2c3d-'\n"
		"| project TimeGenerated, Stream_s, Log_s\n"
		"| order by TimeGenerated asc");
	free(q);

	f.err = 0;
	f.tail = 10;
	f.since = T0;
	f.until = T0 + NS(60);
	q = aca_kql_console(ACA_LOGS_CL, "o'hara", "x", &f, T0 + NS(5));
	assert_non_null(q);
	assert_non_null(strstr(q, "ContainerJobName_s == 'o\\'hara'"));
	assert_non_null(strstr(q,
		"| where TimeGenerated >= datetime(2025-12-15T08:34:04.0000000Z)"));
	assert_non_null(strstr(q,
		"| where TimeGenerated <= datetime(2025-12-15T08:34:59.0000000Z)"));
	assert_non_null(strstr(q, "| where Stream_s == 'stdout'"));
	assert_non_null(strstr(q, "| top 10 by TimeGenerated desc\n"
		"| order by TimeGenerated asc"));
	free(q);
	assert_null(aca_kql_console(ACA_LOGS_CL, "web", "", &f, 0));
}

static void test_kql_console_rs(void **st)
{
	struct aca_logs_filter f = { .out = 0, .err = 1, .tail = -1 };
	char *q;

	(void)st;
	q = aca_kql_console(ACA_LOGS_RESOURCE, "web", "web-a1b2c3d", &f, 0);
	assert_non_null(q);
	assert_string_equal(q,
		"ContainerAppConsoleLogs\n"
		"| where ContainerGroupName startswith 'web-a1b2c3d-'\n"
		"| where Stream == 'stderr'\n"
		"| project TimeGenerated, Stream, Log\n"
		"| order by TimeGenerated asc");
	free(q);
}

static void test_kql_exit(void **st)
{
	char *q;

	(void)st;
	q = aca_kql_exit(ACA_LOGS_CL, "web-a1b2c3d");
	assert_non_null(q);
	assert_string_equal(q,
		"ContainerAppSystemLogs_CL\n"
		"| where ReplicaName_s startswith 'web-a1b2c3d-' and Log_s "
		"contains 'exit code \\''\n"
		"| project TimeGenerated, Log_s\n"
		"| order by TimeGenerated desc\n| take 20");
	free(q);
	q = aca_kql_exit(ACA_LOGS_RESOURCE, "web-a1b2c3d");
	assert_non_null(q);
	assert_non_null(strstr(q, "ContainerAppSystemLogs\n| where ReplicaName "
		"startswith 'web-a1b2c3d-' and Log contains"));
	free(q);
}

static void test_la_rows(void **st)
{
	struct aca_lines ls = { 0 };
	struct aca_err err = { 0 };
	const char *typed =
		"{\"tables\":[{\"name\":\"PrimaryResult\",\"columns\":["
		"{\"name\":\"TimeGenerated\",\"type\":\"datetime\"},"
		"{\"name\":\"Stream_s\",\"type\":\"string\"},"
		"{\"name\":\"Log_s\",\"type\":\"string\"}],\"rows\":["
		"[\"2025-12-15T08:33:59.0671054Z\",\"stdout\",\"hello\"],"
		"[\"2025-12-15T08:34:00Z\",\"stderr\",\"to stderr\"],"
		"[\"2025-12-15T08:34:01Z\",null,null],"
		"[\"garbage\",\"stdout\",\"skipped\"]]}]}";
	const char *rs =
		"{\"tables\":[{\"name\":\"PrimaryResult\",\"columns\":["
		"{\"name\":\"TimeGenerated\",\"type\":\"datetime\"},"
		"{\"name\":\"Stream\",\"type\":\"string\"},"
		"{\"name\":\"Log\",\"type\":\"string\"}],\"rows\":["
		"[\"2025-12-15T08:33:59Z\",\"stderr\",\"x\"]]}]}";

	(void)st;
	assert_int_equal(aca_la_rows(typed, &ls, &err), SL_OK);
	assert_int_equal(ls.n, 3);
	assert_int_equal(ls.v[0].ts, T0 + 67105400);
	assert_string_equal(ls.v[0].text, "hello");
	assert_int_equal(ls.v[1].fd, 2);
	assert_int_equal(ls.v[2].fd, 1);
	assert_int_equal(ls.v[2].len, 0);
	aca_lines_clear(&ls);
	assert_int_equal(aca_la_rows(rs, &ls, &err), SL_OK);
	assert_int_equal(ls.n, 1);
	assert_int_equal(ls.v[0].fd, 2);
	aca_lines_clear(&ls);
	assert_int_equal(aca_la_rows("{\"tables\":[]}", &ls, &err),
		SL_EINTERNAL);
	assert_int_equal(aca_la_rows("not json", &ls, &err), SL_EINTERNAL);
	assert_int_equal(aca_la_rows("{\"tables\":[{\"columns\":[{\"name\":"
		"\"X\"}],\"rows\":[]}]}", &ls, &err), SL_EINTERNAL);
}

static void test_exit_code(void **st)
{
	int code = -1;

	(void)st;
	assert_int_equal(aca_exit_code_parse("Container 'main' was terminated "
		"with exit code '137'", &code), SL_OK);
	assert_int_equal(code, 137);
	assert_int_equal(aca_exit_code_parse("Container 'main' was terminated "
		"with exit code '0'", &code), SL_OK);
	assert_int_equal(code, 0);
	assert_int_equal(aca_exit_code_parse("Container 'app' was terminated "
		"with exit code '' and reason 'ImagePullFailure'", &code),
		SL_ENOTFOUND);
	assert_int_equal(aca_exit_code_parse("Container started", &code),
		SL_ENOTFOUND);
	assert_int_equal(aca_exit_code_parse("exit code '12", &code),
		SL_ENOTFOUND);
	assert_int_equal(aca_exit_code_parse("exit code '99999999999'", &code),
		SL_ENOTFOUND);
	assert_int_equal(aca_exit_code_parse(NULL, &code), SL_ENOTFOUND);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_time_parse),
		cmocka_unit_test(test_time_format),
		cmocka_unit_test(test_record_text),
		cmocka_unit_test(test_record_json),
		cmocka_unit_test(test_stream_chunks),
		cmocka_unit_test(test_stream_stop),
		cmocka_unit_test(test_seen_reconnect),
		cmocka_unit_test(test_seen_overlap),
		cmocka_unit_test(test_filter_tail),
		cmocka_unit_test(test_sort_stable),
		cmocka_unit_test(test_kql_quote),
		cmocka_unit_test(test_kql_console_cl),
		cmocka_unit_test(test_kql_console_rs),
		cmocka_unit_test(test_kql_exit),
		cmocka_unit_test(test_la_rows),
		cmocka_unit_test(test_exit_code),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
