/* tests/unit/test_archive.c - docker cp's container paths and path-stat
 * header (core/archive.c): dockerd's resolution, the refusals, and the
 * encoding the docker CLI decodes (Go's os.FileMode, time.Time). */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/archive.h"

static const struct { const char *in, *out; } clean[] = {
	{"/etc/hosts", "/etc/hosts"},
	{"etc/hosts", "/etc/hosts"},          /* relative to the root */
	{"/", "/"},
	{"//a///b", "/a/b"},
	{"/a/./b/.", "/a/b/."},               /* "dir/." kept: copy the content */
	{"/a/b/", "/a/b/"},                   /* "dir/" kept: must be a dir */
	{"/a/b/c/../d", "/a/b/d"},
	{"/a/..", "/"},
	{"/a/../", "/"},
	{"/.", "/."},
	{".", "/"},
	{"/a/b/..", "/a"},
	{"/x/../y/./z/", "/y/z/"},
	{"/naïve dir/日本", "/naïve dir/日本"},
	{"/...", "/..."},                     /* a name, not a parent */
	{"/a/..b", "/a/..b"},
};

static void test_clean(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(clean) / sizeof(clean[0]); i++) {
		const char *why = NULL;
		char *got = sl_archive_path_clean(clean[i].in, strlen(clean[i].in), &why);

		assert_non_null(got);
		assert_string_equal(got, clean[i].out);
		free(got);
	}
}

static void refused(const char *in, size_t len, const char *msg)
{
	const char *why = NULL;

	assert_null(sl_archive_path_clean(in, len, &why));
	assert_non_null(why);
	assert_non_null(strstr(why, msg));
}

static void test_refused(void **state)
{
	(void)state;
	refused(NULL, 0, "path cannot be empty");
	refused("", 0, "path cannot be empty");
	refused("..", 2, "climbs above");
	refused("/..", 3, "climbs above");
	refused("/a/../..", 8, "climbs above");
	refused("/a/b/../../../etc/passwd", 24, "climbs above");
	refused("../../etc", 9, "climbs above");
	refused("/a\0/b", 5, "NUL byte");
	refused("/etc/hosts\0.png", 15, "NUL byte");
}

static void test_base64(void **state)
{
	static const struct { const char *in, *out; } v[] = {
		{"", ""}, {"f", "Zg=="}, {"fo", "Zm8="}, {"foo", "Zm9v"},
		{"foob", "Zm9vYg=="}, {"fooba", "Zm9vYmE="}, {"foobar", "Zm9vYmFy"},
		{"\xff\xfe", "//4="},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		char *got = sl_archive_base64(v[i].in, strlen(v[i].in));

		assert_string_equal(got, v[i].out);
		free(got);
	}
}

static void test_stat_json(void **state)
{
	struct sl_path_stat_v1 st = {SL_HEADER(struct sl_path_stat_v1)};
	char *got;

	(void)state;
	/* A directory 0755 at 2024-01-02T03:04:05.5Z: Go's time drops the
	 * fraction's trailing zeros. */
	st.name = "dir";
	st.size = 4096;
	st.mode = SL_GO_MODE_DIR | 0755;
	st.mtime_ns = 1704164645500000000;
	got = sl_archive_stat_json(&st);
	assert_string_equal(got, "{\"name\":\"dir\",\"size\":4096,\"mode\":2147484141,"
		"\"mtime\":\"2024-01-02T03:04:05.5Z\",\"linkTarget\":\"\"}");
	free(got);

	/* A symlink, whole seconds (no fraction at all), a slash unescaped. */
	st.name = "lnk";
	st.size = 4;
	st.mode = SL_GO_MODE_SYMLINK | 0777;
	st.mtime_ns = 1704164645000000000;
	st.link_target = "/etc/hosts";
	got = sl_archive_stat_json(&st);
	assert_string_equal(got, "{\"name\":\"lnk\",\"size\":4,\"mode\":134218239,"
		"\"mtime\":\"2024-01-02T03:04:05Z\",\"linkTarget\":\"/etc/hosts\"}");
	free(got);

	/* Nanoseconds kept; a NULL name reads as "". */
	st.name = NULL;
	st.link_target = NULL;
	st.mode = 0644;
	st.mtime_ns = 1704164645000000001;
	got = sl_archive_stat_json(&st);
	assert_non_null(strstr(got, "\"name\":\"\""));
	assert_non_null(strstr(got, "\"mtime\":\"2024-01-02T03:04:05.000000001Z\""));
	free(got);
}

static void test_stat_header(void **state)
{
	struct sl_path_stat_v1 st = {SL_HEADER(struct sl_path_stat_v1)};
	char *json, *hdr, *want;

	(void)state;
	st.name = "a.txt";
	st.size = 6;
	st.mode = 0644;
	st.mtime_ns = 1704164645000000000;
	json = sl_archive_stat_json(&st);
	hdr = sl_archive_stat_header(&st);
	want = sl_archive_base64(json, strlen(json));
	assert_string_equal(hdr, want);
	/* Standard alphabet with padding, as Go's base64.StdEncoding. */
	assert_string_equal(hdr, "eyJuYW1lIjoiYS50eHQiLCJzaXplIjo2LCJtb2RlIjo0MjAsIm10aW1lIjoiMjAyNC0wMS0wMlQwMzowNDowNVoiLCJsaW5rVGFyZ2V0IjoiIn0=");
	free(json);
	free(hdr);
	free(want);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_clean),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_base64),
		cmocka_unit_test(test_stat_json),
		cmocka_unit_test(test_stat_header),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
