/* tests/unit/test_filters.c - the query parameters /events, /containers/json and the prune
 * endpoints share: Docker `filters` parsing and matching (core/filters.c) and the since/until
 * time forms plus RFC3339Nano output (core/timeparse.c). */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "filters.h"
#include "timeparse.h"

static struct sl_filters *parse_ok(const char *json)
{
	struct sl_filters *f = NULL;
	char err[128] = "";

	assert_int_equal(sl_filters_parse(json, &f, err, sizeof(err)), 0);
	assert_non_null(f);
	assert_string_equal(err, "");
	return f;
}

static void parse_bad(const char *json)
{
	struct sl_filters *f = (struct sl_filters *)0x1;
	char err[128] = "";

	assert_int_equal(sl_filters_parse(json, &f, err, sizeof(err)), -EINVAL);
	assert_null(f);
	/* dockerd's FromJSON error text, answered with 400. */
	assert_string_equal(err, "invalid filter");
}

static void test_modern_form(void **state)
{
	struct sl_filters *f;
	const char *const *v;

	(void)state;
	f = parse_ok("{\"type\":{\"container\":true},\"label\":{\"a=b\":true,\"c\":true}}");
	assert_int_equal(sl_filters_len(f), 2);
	assert_string_equal(sl_filters_key_at(f, 0), "type");
	assert_string_equal(sl_filters_key_at(f, 1), "label");
	assert_null(sl_filters_key_at(f, 2));
	v = sl_filters_get(f, "label");
	assert_string_equal(v[0], "a=b");
	assert_string_equal(v[1], "c");
	assert_null(v[2]);
	v = sl_filters_get(f, "type");
	assert_string_equal(v[0], "container");
	assert_null(v[1]);
	assert_true(sl_filters_has_key(f, "type"));
	assert_false(sl_filters_has_key(f, "event"));
	v = sl_filters_get(f, "event");
	assert_non_null(v);
	assert_null(v[0]);
	sl_filters_free(f);
}

static void test_modern_false_and_empty(void **state)
{
	struct sl_filters *f;

	(void)state;
	f = parse_ok("{\"status\":{\"running\":false,\"exited\":true},\"label\":{},\"x\":null}");
	assert_string_equal(sl_filters_get(f, "status")[0], "exited");
	assert_null(sl_filters_get(f, "status")[1]);
	/* Keys with no values are present but do not constrain. */
	assert_true(sl_filters_has_key(f, "label"));
	assert_true(sl_filters_has_key(f, "x"));
	assert_null(sl_filters_get(f, "label")[0]);
	assert_true(sl_filters_exact_match(f, "label", "anything"));
	sl_filters_free(f);
}

static void test_legacy_form(void **state)
{
	struct sl_filters *f;
	const char *const *v;

	(void)state;
	f = parse_ok("{\"name\":[\"web\",\"db\",\"web\"],\"dangling\":[\"true\"],\"n\":null,"
	             "\"z\":[null]}");
	v = sl_filters_get(f, "name");
	assert_string_equal(v[0], "web");
	assert_string_equal(v[1], "db");
	assert_null(v[2]); /* a set: the duplicate collapses */
	assert_string_equal(sl_filters_get(f, "dangling")[0], "true");
	assert_true(sl_filters_has_key(f, "n"));
	assert_string_equal(sl_filters_get(f, "z")[0], "");
	sl_filters_free(f);
}

static void test_empty_inputs(void **state)
{
	struct sl_filters *f;

	(void)state;
	f = parse_ok(NULL);
	assert_int_equal(sl_filters_len(f), 0);
	sl_filters_free(f);
	f = parse_ok("");
	assert_int_equal(sl_filters_len(f), 0);
	sl_filters_free(f);
	f = parse_ok("{}");
	assert_int_equal(sl_filters_len(f), 0);
	sl_filters_free(f);
	f = parse_ok("null");
	assert_int_equal(sl_filters_len(f), 0);
	sl_filters_free(f);
	f = parse_ok("  {\"a\":{\"b\":true}}\n ");
	assert_int_equal(sl_filters_len(f), 1);
	sl_filters_free(f);
}

static void test_errors(void **state)
{
	(void)state;
	parse_bad("{");
	parse_bad("not json");
	parse_bad("[]");
	parse_bad("\"x\"");
	parse_bad("42");
	parse_bad("   ");
	parse_bad("{\"type\":\"container\"}");          /* neither form */
	parse_bad("{\"type\":{\"container\":1}}");      /* inner value not a bool */
	parse_bad("{\"type\":{\"container\":\"yes\"}}");
	parse_bad("{\"type\":[1]}");                     /* legacy element not a string */
	parse_bad("{\"a\":{\"x\":true},\"b\":[\"y\"]}"); /* mixed forms */
	parse_bad("{\"a\":{\"x\":true}} trailing");
	parse_bad("{\"a\":{\"x\":true}}{}");
	parse_bad("{'a':['x']}");
	parse_bad("{\"a\":[\"x\",]}");
}

static void test_exact_and_fuzzy(void **state)
{
	struct sl_filters *f = parse_ok("{\"container\":{\"abc\":true,\"web\":true}}");

	(void)state;
	assert_true(sl_filters_exact_match(f, "container", "web"));
	assert_false(sl_filters_exact_match(f, "container", "abcdef"));
	assert_true(sl_filters_fuzzy_match(f, "container", "abcdef"));
	assert_false(sl_filters_fuzzy_match(f, "container", "xabc"));
	assert_false(sl_filters_fuzzy_match(f, "container", NULL));
	/* Absent keys and a NULL set match everything. */
	assert_true(sl_filters_exact_match(f, "image", "x"));
	assert_true(sl_filters_fuzzy_match(NULL, "container", "x"));
	assert_true(sl_filters_exact_match(NULL, "container", NULL));
	sl_filters_free(f);
}

/* moby's Match: exact, else an unanchored regular expression; a bad one matches nothing. */
static void test_regex(void **state)
{
	struct sl_filters *f = parse_ok("{\"name\":{\"^/web$\":true,\"db\":true,\"a[\":true}}");

	(void)state;
	assert_true(sl_filters_regex_match(f, "name", "/web"));
	assert_false(sl_filters_regex_match(f, "name", "/web2"));
	assert_true(sl_filters_regex_match(f, "name", "my-db-1"));
	assert_true(sl_filters_regex_match(f, "name", "a["));
	assert_false(sl_filters_regex_match(f, "name", "a"));
	assert_false(sl_filters_regex_match(f, "name", NULL));
	assert_true(sl_filters_regex_match(f, "id", "x"));
	assert_true(sl_filters_regex_match(NULL, "name", "x"));
	sl_filters_free(f);
}

static void test_match_label(void **state)
{
	const char *const labels[] = { "app", "web", "tier", "front", "empty", "", NULL };
	const char *const none[] = { NULL };
	struct sl_filters *f;

	(void)state;
	f = parse_ok("{\"label\":{\"app\":true}}");
	assert_true(sl_filters_match_label(f, labels));
	assert_false(sl_filters_match_label(f, none));
	assert_false(sl_filters_match_label(f, NULL));
	sl_filters_free(f);

	f = parse_ok("{\"label\":{\"app=web\":true,\"tier\":true}}");
	assert_true(sl_filters_match_label(f, labels)); /* every value must hold */
	sl_filters_free(f);

	f = parse_ok("{\"label\":{\"app=db\":true}}");
	assert_false(sl_filters_match_label(f, labels));
	sl_filters_free(f);

	f = parse_ok("{\"label\":[\"app=web\",\"missing\"]}");
	assert_false(sl_filters_match_label(f, labels));
	sl_filters_free(f);

	f = parse_ok("{\"label\":{\"empty=\":true}}");
	assert_true(sl_filters_match_label(f, labels));
	sl_filters_free(f);

	f = parse_ok("{\"label\":{\"app=web=x\":true}}"); /* only the first '=' splits */
	assert_false(sl_filters_match_label(f, labels));
	sl_filters_free(f);

	f = parse_ok("{\"status\":{\"running\":true}}");
	assert_true(sl_filters_match_label(f, none)); /* no label filter */
	sl_filters_free(f);
}

static void test_validate_keys(void **state)
{
	const char *const accepted[] = { "label", "name", "status", NULL };
	struct sl_filters *f;
	char err[128];

	(void)state;
	f = parse_ok("{\"label\":{\"a\":true},\"name\":{\"x\":true}}");
	assert_int_equal(sl_filters_validate_keys(f, accepted, err, sizeof(err)), 0);
	sl_filters_free(f);

	f = parse_ok("{\"label\":{\"a\":true},\"bogus\":{\"x\":true},\"worse\":{}}");
	assert_int_equal(sl_filters_validate_keys(f, accepted, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "invalid filter 'bogus'");
	sl_filters_free(f);

	assert_int_equal(sl_filters_validate_keys(NULL, accepted, err, sizeof(err)), 0);
}

static void test_get_bool(void **state)
{
	struct sl_filters *f;
	char err[128];
	bool b = false;

	(void)state;
	f = parse_ok("{\"dangling\":{\"true\":true}}");
	assert_int_equal(sl_filters_get_bool(f, "dangling", false, &b, err, sizeof(err)), 0);
	assert_true(b);
	assert_int_equal(sl_filters_get_bool(f, "other", true, &b, err, sizeof(err)), 0);
	assert_true(b);
	sl_filters_free(f);

	f = parse_ok("{\"dangling\":[\"0\"]}");
	assert_int_equal(sl_filters_get_bool(f, "dangling", true, &b, err, sizeof(err)), 0);
	assert_false(b);
	sl_filters_free(f);

	f = parse_ok("{\"dangling\":[\"true\",\"false\"]}");
	assert_int_equal(sl_filters_get_bool(f, "dangling", false, &b, err, sizeof(err)),
	                 -EINVAL);
	assert_string_equal(err, "invalid filter 'dangling=[true false]'");
	sl_filters_free(f);

	f = parse_ok("{\"dangling\":{}}");
	assert_int_equal(sl_filters_get_bool(f, "dangling", false, &b, err, sizeof(err)),
	                 -EINVAL);
	assert_string_equal(err, "invalid filter 'dangling'");
	sl_filters_free(f);
}

static void test_build_and_dup(void **state)
{
	struct sl_filters *f = sl_filters_new(), *d;
	int i;

	(void)state;
	assert_non_null(f);
	/* Enough values to force the value array to grow several times. */
	for (i = 0; i < 40; i++) {
		char v[16];

		snprintf(v, sizeof(v), "v%d", i);
		assert_int_equal(sl_filters_add(f, "k", v), 0);
	}
	assert_int_equal(sl_filters_add(f, "k", "v3"), 0);
	assert_int_equal(sl_filters_add(f, "empty", NULL), 0);
	assert_int_equal(sl_filters_add(f, NULL, "x"), -EINVAL);
	d = sl_filters_dup(f);
	sl_filters_free(f);
	assert_non_null(d);
	assert_int_equal(sl_filters_len(d), 2);
	assert_string_equal(sl_filters_get(d, "k")[39], "v39");
	assert_null(sl_filters_get(d, "k")[40]);
	assert_true(sl_filters_has_key(d, "empty"));
	sl_filters_free(d);
	d = sl_filters_dup(NULL);
	assert_non_null(d);
	assert_int_equal(sl_filters_len(d), 0);
	sl_filters_free(d);
	sl_filters_free(NULL);
}

/* ---- since/until and timestamps (core/timeparse.c) ---------------------------------- */

#define S 1000000000LL
/* 2024-01-02T03:04:05Z */
#define T0 1704164645LL
/* 2023-11-14T22:13:20.5Z, the reference "now" for relative forms */
#define NOW (1700000000LL * S + 500000000LL)

static int64_t docker(const char *s)
{
	int64_t v = 0;

	if (sl_time_parse_docker(s, NOW, &v) != 0)
		fail_msg("did not parse: %s", s);
	return v;
}

static int docker_rc(const char *s)
{
	int64_t v = 0;

	return sl_time_parse_docker(s, NOW, &v);
}

static int64_t dur(const char *s)
{
	int64_t v = 0;

	if (sl_time_parse_duration(s, &v) != 0)
		fail_msg("duration did not parse: %s", s);
	return v;
}

static int dur_rc(const char *s)
{
	int64_t v = 0;

	return sl_time_parse_duration(s, &v);
}

static int setup_tz(void **state)
{
	(void)state;
	/* A fixed zone two hours east of UTC, with no tzdata needed. */
	setenv("TZ", "TST-2", 1);
	tzset();
	return 0;
}

static void test_go_durations(void **state)
{
	(void)state;
	assert_int_equal(dur("10m"), 600 * S);
	assert_int_equal(dur("1h30m"), 5400 * S);
	assert_int_equal(dur("1.5h"), 5400 * S);
	assert_int_equal(dur("-1m"), -60 * S);
	assert_int_equal(dur("+3s"), 3 * S);
	assert_int_equal(dur(".5s"), S / 2);
	assert_int_equal(dur("5.s"), 5 * S);
	assert_int_equal(dur("300ms"), 300000000);
	assert_int_equal(dur("1h2m3.5s"), 3723 * S + S / 2);
	assert_int_equal(dur("1us"), 1000);
	assert_int_equal(dur("1\xc2\xb5s"), 1000);
	assert_int_equal(dur("1\xce\xbcs"), 1000);
	assert_int_equal(dur("7ns"), 7);
	assert_int_equal(dur("0"), 0);
	assert_int_equal(dur("-0"), 0);
	assert_int_equal(dur("0s"), 0);
	assert_int_equal(dur("2562047h47m16.854775807s"), INT64_MAX);
	assert_int_equal(dur("-2562047h47m16.854775808s"), INT64_MIN);
	assert_int_equal(dur_rc("2562047h47m16.854775808s"), -ERANGE);
	assert_int_equal(dur_rc("9999999999999h"), -ERANGE);
	assert_int_equal(dur_rc(""), -EINVAL);
	assert_int_equal(dur_rc("-"), -EINVAL);
	assert_int_equal(dur_rc("5"), -EINVAL);  /* missing unit */
	assert_int_equal(dur_rc("m"), -EINVAL);
	assert_int_equal(dur_rc(".s"), -EINVAL);
	assert_int_equal(dur_rc("5x"), -EINVAL); /* unknown unit */
	assert_int_equal(dur_rc("5m3"), -EINVAL);
	assert_int_equal(dur_rc("1h "), -EINVAL);
	assert_int_equal(dur_rc(NULL), -EINVAL);
}

static void test_relative(void **state)
{
	(void)state;
	/* now - d, truncated to whole seconds as dockerd's GetTimestamp does. */
	assert_int_equal(docker("10m"), (1700000000LL - 600) * S);
	assert_int_equal(docker("1h30m"), (1700000000LL - 5400) * S);
	assert_int_equal(docker("250ms"), 1700000000LL * S);
	assert_int_equal(docker("750ms"), (1700000000LL - 1) * S);
	assert_int_equal(docker("-5s"), (1700000000LL + 5) * S); /* future */
}

static void test_rfc3339(void **state)
{
	(void)state;
	assert_int_equal(docker("2024-01-02T03:04:05Z"), T0 * S);
	assert_int_equal(docker("2024-01-02T03:04:05.123456789Z"), T0 * S + 123456789);
	assert_int_equal(docker("2024-01-02T03:04:05.5Z"), T0 * S + 500000000);
	/* More than 9 fractional digits are truncated. */
	assert_int_equal(docker("2024-01-02T03:04:05.1234567891Z"), T0 * S + 123456789);
	assert_int_equal(docker("2024-01-02T03:04:05.5+02:00"), (T0 - 7200) * S + 500000000);
	assert_int_equal(docker("2024-01-02T03:04:05-01:30"), (T0 + 5400) * S);
	assert_int_equal(docker("2024-01-02T03:04:05+00:00"), T0 * S);
	/* Shorter zoned layouts dockerd picks by counting colons. */
	assert_int_equal(docker("2024-01-02T03:04Z"), (T0 - 5) * S);
	assert_int_equal(docker("2024-01-02T03:04-01:00"), (T0 - 5 + 3600) * S);
	assert_int_equal(docker("2024-01-02T03Z"), (T0 - 245) * S);
	assert_int_equal(docker("2024-01-02Z"), (T0 - 11045) * S);
	assert_int_equal(docker("2024-01-02-05:00"), (T0 - 11045 + 5 * 3600) * S);
	assert_int_equal(docker("2024-02-29T00:00:00Z"), 1709164800LL * S);
	assert_int_equal(docker("1969-12-31T23:59:59.5Z"), -S / 2);
	assert_int_equal(docker("1970-01-01T00:00:00Z"), 0);

	assert_int_equal(docker_rc("2023-02-29T00:00:00Z"), -EINVAL);
	assert_int_equal(docker_rc("2024-13-01T00:00:00Z"), -EINVAL);
	assert_int_equal(docker_rc("2024-01-02T24:00:00Z"), -EINVAL);
	assert_int_equal(docker_rc("2024-01-02T03:60:00Z"), -EINVAL);
	assert_int_equal(docker_rc("2024-01-02T03:04:05"
	                           "+2:00"), -EINVAL);
	assert_int_equal(docker_rc("2024-1-02T03:04:05Z"), -EINVAL);
	assert_int_equal(docker_rc("2024-01-02T03:04:05Zjunk"), -EINVAL);
	assert_int_equal(docker_rc("2024-01-02 03:04:05Z"), -EINVAL);
	assert_int_equal(docker_rc("3000-01-01T00:00:00Z"), -ERANGE);
}

static void test_local(void **state)
{
	(void)state;
	/* No zone: local time at the zone's current offset (TST-2 = UTC+2). */
	assert_int_equal(docker("2024-01-02T03:04:05"), (T0 - 7200) * S);
	assert_int_equal(docker("2024-01-02T03:04:05.25"), (T0 - 7200) * S + 250000000);
	assert_int_equal(docker("2024-01-02T03:04"), (T0 - 5 - 7200) * S);
	assert_int_equal(docker("2024-01-02T03"), (T0 - 245 - 7200) * S);
	assert_int_equal(docker("2024-01-02"), (T0 - 11045 - 7200) * S);
	assert_int_equal(docker_rc("2024-01-32"), -EINVAL);
}

static void test_unix(void **state)
{
	int64_t v = 0;

	(void)state;
	assert_int_equal(docker("1700000000"), 1700000000LL * S);
	assert_int_equal(docker("1700000000.123456789"), 1700000000LL * S + 123456789);
	assert_int_equal(docker("1700000000.5"), 1700000000LL * S + 500000000);
	assert_int_equal(docker("1700000000.000000001"), 1700000000LL * S + 1);
	assert_int_equal(docker("1700000000.1234567899"), 1700000000LL * S + 123456789);
	assert_int_equal(docker("0"), 0); /* "0" is not a duration for dockerd */
	assert_int_equal(docker("0.5"), S / 2);
	assert_int_equal(docker_rc("-1"), -EINVAL); /* a dash means a date to dockerd */
	assert_int_equal(docker_rc("1700000000."), -EINVAL);
	assert_int_equal(docker_rc("17x"), -EINVAL);
	assert_int_equal(docker_rc("abc"), -EINVAL);
	assert_int_equal(docker_rc(""), -EINVAL);
	assert_int_equal(docker_rc(NULL), -EINVAL);
	assert_int_equal(docker_rc("9999999999"), -ERANGE);
	assert_int_equal(docker_rc("99999999999999999999"), -ERANGE);

	/* The wire-only parser takes a sign; the fraction adds, as time.Unix(sec, nsec). */
	assert_int_equal(sl_time_parse_unix("-1", &v), 0);
	assert_int_equal(v, -S);
	assert_int_equal(sl_time_parse_unix("-1.25", &v), 0);
	assert_int_equal(v, -S + 250000000);
	assert_int_equal(sl_time_parse_unix("1.2.3", &v), -EINVAL);
	assert_int_equal(sl_time_parse_unix("1e9", &v), -EINVAL);
	assert_int_equal(sl_time_parse_unix(" 1", &v), -EINVAL);
}

static void test_format_fixed(void **state)
{
	char buf[SL_TIME_BUFLEN];

	(void)state;
	assert_int_equal(sl_time_format_rfc3339nano(0, buf), 30);
	assert_string_equal(buf, "1970-01-01T00:00:00.000000000Z");
	sl_time_format_rfc3339nano(T0 * S + 123456789, buf);
	assert_string_equal(buf, "2024-01-02T03:04:05.123456789Z");
	sl_time_format_rfc3339nano(T0 * S + 500000000, buf);
	assert_string_equal(buf, "2024-01-02T03:04:05.500000000Z");
	sl_time_format_rfc3339nano(-S / 2, buf);
	assert_string_equal(buf, "1969-12-31T23:59:59.500000000Z");
	sl_time_format_rfc3339nano(1709164800LL * S + 1, buf);
	assert_string_equal(buf, "2024-02-29T00:00:00.000000001Z");
	sl_time_format_rfc3339nano(INT64_MAX, buf);
	assert_string_equal(buf, "2262-04-11T23:47:16.854775807Z");
	sl_time_format_rfc3339nano(INT64_MIN, buf);
	assert_string_equal(buf, "1677-09-21T00:12:43.145224192Z");
}

static void test_format_trimmed(void **state)
{
	char buf[SL_TIME_BUFLEN];

	(void)state;
	assert_int_equal(sl_time_format_rfc3339nano_trim(0, buf), 20);
	assert_string_equal(buf, "1970-01-01T00:00:00Z");
	sl_time_format_rfc3339nano_trim(T0 * S + 500000000, buf);
	assert_string_equal(buf, "2024-01-02T03:04:05.5Z");
	sl_time_format_rfc3339nano_trim(T0 * S + 120000, buf);
	assert_string_equal(buf, "2024-01-02T03:04:05.00012Z");
	sl_time_format_rfc3339nano_trim(T0 * S + 123456789, buf);
	assert_string_equal(buf, "2024-01-02T03:04:05.123456789Z");
}

static void test_round_trip(void **state)
{
	int64_t t, back;
	char buf[SL_TIME_BUFLEN];

	(void)state;
	/* Days across leap years and both sides of the epoch, odd nanoseconds. */
	for (t = -3000000000LL * S; t < 4000000000LL * S; t += 86399LL * S * 37 + 987654321) {
		sl_time_format_rfc3339nano(t, buf);
		assert_int_equal(sl_time_parse_docker(buf, NOW, &back), 0);
		assert_int_equal(back, t);
		sl_time_format_rfc3339nano_trim(t, buf);
		assert_int_equal(sl_time_parse_docker(buf, NOW, &back), 0);
		assert_int_equal(back, t);
	}
}

static void test_now(void **state)
{
	int64_t a = sl_time_now_ns(), b = (int64_t)time(NULL) * S;

	(void)state;
	assert_true(a > b - 2 * S && a < b + 2 * S);
}

/* publish / expose values: moby's ParsePortRange and its messages. */
static void port_bad(const char *value, const char *msg)
{
	struct sl_filters *f = sl_filters_new();
	char err[160] = "";

	assert_non_null(f);
	assert_int_equal(sl_filters_add(f, "publish", value), 0);
	assert_int_equal(sl_filters_check_ports(f, "publish", err, sizeof(err)), -EINVAL);
	assert_string_equal(err, msg);
	sl_filters_free(f);
}

static void test_ports(void **state)
{
	struct sl_filters *f;
	char err[160];

	(void)state;
	f = parse_ok("{\"expose\":{\"80\":true,\"8000-8010/UDP\":true,\"53-53/udp\":true}}");
	assert_int_equal(sl_filters_check_ports(f, "expose", err, sizeof(err)), 0);
	assert_true(sl_filters_port_in(f, "expose", 80, "tcp"));
	assert_true(sl_filters_port_in(f, "expose", 80, NULL));
	assert_false(sl_filters_port_in(f, "expose", 80, "udp"));
	assert_true(sl_filters_port_in(f, "expose", 8000, "udp"));
	assert_true(sl_filters_port_in(f, "expose", 8010, "UDP"));
	assert_false(sl_filters_port_in(f, "expose", 8011, "udp"));
	assert_true(sl_filters_port_in(f, "expose", 53, "udp"));
	assert_false(sl_filters_port_in(f, "publish", 80, "tcp"));
	sl_filters_free(f);

	port_bad("8080:80", "filter for 'publish' should not contain ':': 8080:80");
	port_bad("", "error while looking up for publish : invalid port range: value is empty");
	port_bad("abc", "error while looking up for publish abc: invalid start port 'abc': "
		 "invalid syntax");
	port_bad("70000/tcp", "error while looking up for publish 70000/tcp: invalid start port "
		 "'70000': value out of range");
	port_bad("90-80", "error while looking up for publish 90-80: invalid port range: 90-80");
	port_bad("80-", "error while looking up for publish 80-: invalid end port '': "
		 "value is empty");
	port_bad("1-2-3", "error while looking up for publish 1-2-3: invalid end port '2-3': "
		 "invalid syntax");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_modern_form),
		cmocka_unit_test(test_modern_false_and_empty),
		cmocka_unit_test(test_legacy_form),
		cmocka_unit_test(test_empty_inputs),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_exact_and_fuzzy),
		cmocka_unit_test(test_regex),
		cmocka_unit_test(test_match_label),
		cmocka_unit_test(test_validate_keys),
		cmocka_unit_test(test_get_bool),
		cmocka_unit_test(test_ports),
		cmocka_unit_test(test_build_and_dup),
		cmocka_unit_test(test_go_durations),
		cmocka_unit_test(test_relative),
		cmocka_unit_test(test_rfc3339),
		cmocka_unit_test(test_local),
		cmocka_unit_test(test_unix),
		cmocka_unit_test(test_format_fixed),
		cmocka_unit_test(test_format_trimmed),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_now),
	};

	return cmocka_run_group_tests_name("filters_and_time", tests, setup_tz, NULL);
}
