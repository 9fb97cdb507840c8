/*
 * test_volspec.c - the text forms of volume mounts (core/volspec.c).
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "core/volspec.h"

static void test_names(void **state)
{
	char err[512];

	(void)state;
	assert_int_equal(sl_volspec_valid_name("data", err, sizeof(err)), 0);
	assert_int_equal(sl_volspec_valid_name("a1_b.c-d", err, sizeof(err)), 0);
	assert_int_equal(sl_volspec_valid_name("x", err, sizeof(err)), -1);
	assert_string_equal(err,
		"volume name is too short, names should be at least two alphanumeric characters");
	assert_int_equal(sl_volspec_valid_name("foo/bar", err, sizeof(err)), -1);
	assert_string_equal(err,
		"\"foo/bar\" includes invalid characters for a local volume name, only \"[a-zA-Z0-9][a-zA-Z0-9_.-]\" are allowed. If you intended to pass a host directory, use absolute path");
	assert_int_equal(sl_volspec_valid_name("_lead", err, sizeof(err)), -1);
	assert_int_equal(sl_volspec_valid_name(".hidden", err, sizeof(err)), -1);
	assert_int_equal(sl_volspec_valid_name("..", err, sizeof(err)), -1);
	assert_int_equal(sl_volspec_valid_name("", err, sizeof(err)), -1);
	assert_int_equal(sl_volspec_valid_name("sp ace", err, sizeof(err)), -1);
}

static void test_long_name(void **state)
{
	char name[300], err[1024];

	(void)state;
	memset(name, 'a', sizeof(name));
	name[200] = '\0';
	assert_int_equal(sl_volspec_valid_name(name, err, sizeof(err)), 0);
	name[200] = 'a';
	name[201] = '\0';
	assert_int_equal(sl_volspec_valid_name(name, err, sizeof(err)), -1);
}

static void test_binds(void **state)
{
	struct sl_volspec vs;
	char err[512];

	(void)state;
	assert_int_equal(sl_volspec_bind("data:/var/lib/x", &vs, err, sizeof(err)), SL_VOLSPEC_NAMED);
	assert_string_equal(vs.name, "data");
	assert_string_equal(vs.dst, "/var/lib/x");
	assert_string_equal(vs.mode, "");
	assert_int_equal(sl_volspec_bind("data:/x:ro", &vs, err, sizeof(err)), SL_VOLSPEC_NAMED);
	assert_string_equal(vs.mode, "ro");
	assert_int_equal(sl_volspec_bind("/host/p:/x:rw,z", &vs, err, sizeof(err)), SL_VOLSPEC_BIND);
	assert_string_equal(vs.name, "/host/p");
	assert_string_equal(vs.mode, "rw,z");
	assert_int_equal(sl_volspec_bind("/anon", &vs, err, sizeof(err)), SL_VOLSPEC_ANON);
	assert_string_equal(vs.name, "");
	assert_string_equal(vs.dst, "/anon");
	/* The name is checked by the caller: a slash still parses as NAMED. */
	assert_int_equal(sl_volspec_bind("foo/bar:/x", &vs, err, sizeof(err)), SL_VOLSPEC_NAMED);
	assert_string_equal(vs.name, "foo/bar");
}

static void test_bad_binds(void **state)
{
	static const char *const bad[] = {
		"relative", "data:rel", ":/x", "data:/x:", "data:/x:ro:extra", "data:",
	};
	struct sl_volspec vs;
	char err[512], big[2000];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(sl_volspec_bind(bad[i], &vs, err, sizeof(err)), -1);
		assert_non_null(strstr(err, "invalid volume specification: '"));
	}
	memset(big, 'a', sizeof(big));
	big[0] = '/';
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(sl_volspec_bind(big, &vs, err, sizeof(err)), -1);
	memcpy(big, "v:/", 3);
	assert_int_equal(sl_volspec_bind(big, &vs, err, sizeof(err)), -1);
}

static void test_split(void **state)
{
	struct sl_volspec vs;

	(void)state;
	sl_volspec_split("v1:/data:z", &vs);
	assert_string_equal(vs.name, "v1");
	assert_string_equal(vs.dst, "/data");
	assert_string_equal(vs.mode, "z");
	sl_volspec_split("v1:/data", &vs);
	assert_string_equal(vs.dst, "/data");
	assert_string_equal(vs.mode, "");
	sl_volspec_split("lonely", &vs);
	assert_string_equal(vs.name, "lonely");
	assert_string_equal(vs.dst, "");
}

static void test_read_only(void **state)
{
	(void)state;
	assert_true(sl_volspec_read_only("ro"));
	assert_true(sl_volspec_read_only("z,ro"));
	assert_true(sl_volspec_read_only("ro,z"));
	assert_false(sl_volspec_read_only(""));
	assert_false(sl_volspec_read_only("rw"));
	assert_false(sl_volspec_read_only("rox"));
	assert_false(sl_volspec_read_only("z,,rw"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_long_name),
		cmocka_unit_test(test_binds),
		cmocka_unit_test(test_bad_binds),
		cmocka_unit_test(test_split),
		cmocka_unit_test(test_read_only),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
