/* tests/unit/test_imageref.c - image references (core/imageref.c) against the cases of
 * distribution/reference's normalize_test.go and reference_test.go, with dockerd's messages. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/imageref.h"

#define H64 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

static const struct { const char *in, *out; } names[] = {
	{"alpine", "docker.io/library/alpine:latest"},
	{"alpine:3.19", "docker.io/library/alpine:3.19"},
	{"library/alpine", "docker.io/library/alpine:latest"},
	{"docker.io/alpine", "docker.io/library/alpine:latest"},
	{"docker.io/library/alpine:edge", "docker.io/library/alpine:edge"},
	{"index.docker.io/someone/app", "docker.io/someone/app:latest"},
	{"someone/app", "docker.io/someone/app:latest"},
	{"a/b/c/d", "docker.io/a/b/c/d:latest"},
	{"localhost/app", "localhost/app:latest"},
	{"localhost:5000/team/app:v1.2-rc_3", "localhost:5000/team/app:v1.2-rc_3"},
	{"reg.example.com/app", "reg.example.com/app:latest"},
	{"127.0.0.1:5000/app", "127.0.0.1:5000/app:latest"},
	{"[::1]:5000/app", "[::1]:5000/app:latest"},
	{"[2001:db8::1]/app:x", "[2001:db8::1]/app:x"},
	{"my-registry:5000/app", "my-registry:5000/app:latest"},
	/* An uppercase first component is taken for a registry domain. */
	{"UPPER/case", "UPPER/case:latest"},
	{"Reg.Example.COM/app", "Reg.Example.COM/app:latest"},
	/* Separators: one '.', one or two '_', any number of '-'. */
	{"a.b_c__d---e", "docker.io/library/a.b_c__d---e:latest"},
	/* The tag may start with '_' and hold uppercase letters. */
	{"app:_Tag.X-1", "docker.io/library/app:_Tag.X-1"},
	{"app@sha256:" H64, "docker.io/library/app@sha256:" H64},
	{"app:1@sha256:" H64, "docker.io/library/app:1@sha256:" H64},
	/* "sha256:abc" is not a digest (too short): a name with a tag. */
	{"sha256:abc", "docker.io/library/sha256:abc"},
	/* A domain with '_' is no domain: the whole is a path. */
	{"a_b.c/app", "a_b.c/app:latest"},
};

static const struct { const char *in, *msg; } bad[] = {
	{"upper/Case", "invalid reference format: repository name (upper/Case) must be lowercase"},
	{"UPPER", "invalid reference format: repository name (library/UPPER) must be lowercase"},
	{"Alpine:3", "invalid reference format: repository name (library/Alpine) must be lowercase"},
	{"localhost:5000/App", "invalid reference format: repository name (App) must be lowercase"},
	{"app:", "invalid reference format"},
	{"app/", "invalid reference format"},
	{"/app", "invalid reference format"},
	{"a//b", "invalid reference format"},
	{"-app", "invalid reference format"},
	{"app-", "invalid reference format"},
	{"a..b", "invalid reference format"},
	{"a___b", "invalid reference format"},
	{"a b", "invalid reference format"},
	{"app:-tag", "invalid reference format"},
	{"app:.tag", "invalid reference format"},
	{"app@sha256:abc", "invalid reference format"},
	{"app@", "invalid reference format"},
	{"app@@sha256:" H64, "invalid reference format"},
	{"app:a@b@sha256:" H64, "invalid reference format"},
	{"-reg.example.com/app", "invalid reference format"},
	{"reg.example.com:port/app", "invalid reference format"},
	{"[zz::1]/app", "invalid reference format"},
	{"app:tag/more", "invalid reference format"},
	/* The tag is at most 128 characters (checked below); the path 255. */
	{"app@sha256:" H64 "00", "invalid checksum digest length"},
	{"app@sha512:" H64, "invalid checksum digest length"},
	{"app@md5:0123456789abcdef0123456789abcdef", "unsupported digest algorithm"},
	{"app:1@SHA256:" H64, "invalid checksum digest format"},
	/* dockerd checks case up to the first ':', digest included. */
	{"app@SHA256:" H64, "invalid reference format: repository name (library/app@SHA256) must be lowercase"},
	{"app@sha256:0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef",
	 "invalid checksum digest format"},
	/* A digest that is no digest makes the whole reference invalid. */
	{"reg.example.com/app:tag@SHA256:" H64 "x", "invalid reference format"},
};

static void expect_name(const char *in, const char *want)
{
	char err[256] = "", *out = (char *)1;
	int k = sl_imageref_parse(in, &out, err, sizeof(err));

	if (k != SL_IMAGEREF_NAME)
		fail_msg("%s: kind %d, err \"%s\"", in, k, err);
	assert_non_null(out);
	if (strcmp(out, want))
		fail_msg("%s: got %s, want %s", in, out, want);
	free(out);
}

static void expect_bad(const char *in, const char *msg)
{
	char err[256] = "", *out = (char *)1;
	int k = sl_imageref_parse(in, &out, err, sizeof(err));

	if (k != -1)
		fail_msg("%s: accepted as %s", in, out ? out : "(null)");
	assert_null(out);
	if (strcmp(err, msg))
		fail_msg("%s: got \"%s\", want \"%s\"", in, err, msg);
}

/* expect_name with the canonical form pre + mid + post. */
static void expect_cat(const char *in, const char *pre, const char *mid, const char *post)
{
	size_t n = strlen(pre) + strlen(mid) + strlen(post) + 1;
	char *want = malloc(n);

	assert_non_null(want);
	snprintf(want, n, "%s%s%s", pre, mid, post);
	expect_name(in, want);
	free(want);
}

static void test_names(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		expect_name(names[i].in, names[i].out);
}

static void test_invalid(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		expect_bad(bad[i].in, bad[i].msg);
}

static void test_ids(void **state)
{
	char err[256] = "", *out = NULL;

	(void)state;
	assert_int_equal(sl_imageref_parse(H64, &out, err, sizeof(err)), SL_IMAGEREF_ID);
	assert_string_equal(out, H64);
	free(out);
	assert_int_equal(sl_imageref_parse("sha256:" H64, &out, err, sizeof(err)), SL_IMAGEREF_ID);
	assert_string_equal(out, "sha256:" H64);
	free(out);
	/* 63 digits are a plain repository name. */
	expect_cat(H64 + 1, "docker.io/library/", H64 + 1, ":latest");
}

static void test_lengths(void **state)
{
	char tag[130], path[260], in[600];

	(void)state;
	memset(tag, 'a', 128);
	tag[128] = '\0';
	snprintf(in, sizeof(in), "app:%s", tag);
	expect_cat(in, "docker.io/library/app:", tag, "");
	snprintf(in, sizeof(in), "app:%sa", tag);
	expect_bad(in, "invalid reference format");

	/* "library/" and 247 characters make the longest path; one more fails. */
	memset(path, 'p', 247);
	path[247] = '\0';
	expect_cat(path, "docker.io/library/", path, ":latest");
	strcat(path, "p");
	expect_bad(path, "repository name must not be more than 255 characters");

	/* The domain does not count. */
	memset(path, 'p', 255);
	path[255] = '\0';
	snprintf(in, sizeof(in), "reg.example.com/%s", path);
	expect_cat(in, "", in, ":latest");
	snprintf(in, sizeof(in), "reg.example.com/%sp", path);
	expect_bad(in, "repository name must not be more than 255 characters");
}

static void test_familiar(void **state)
{
	static const struct { const char *in, *out; } cases[] = {
		{"alpine", "alpine"},
		{"alpine:3.19", "alpine"},
		{"docker.io/library/alpine:latest", "alpine"},
		{"index.docker.io/library/alpine@sha256:" H64, "alpine"},
		{"docker.io/someone/alpine", "someone/alpine"},
		{"library/a/b", "library/a/b"},
		{"reg.example:5000/team/app:v2", "reg.example:5000/team/app"},
		{"localhost/app", "localhost/app"},
	};
	static const char *const not_names[] = {"Alpine", H64, "app@sha256:0123", "a b"};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *f = sl_imageref_familiar_name(cases[i].in);

		if (!f || strcmp(f, cases[i].out))
			fail_msg("%s: got %s, want %s", cases[i].in, f ? f : "NULL", cases[i].out);
		free(f);
	}
	for (size_t i = 0; i < sizeof(not_names) / sizeof(not_names[0]); i++) {
		char *f = sl_imageref_familiar_name(not_names[i]);

		if (f)
			fail_msg("%s: got %s, want NULL", not_names[i], f);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_invalid),
		cmocka_unit_test(test_ids),
		cmocka_unit_test(test_lengths),
		cmocka_unit_test(test_familiar),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
