/* tests/unit/test_detach.c - Docker's detach keys (core/detach.c): the
 * --detach-keys format and the matching on the stdin path, where a
 * partial match is held back and released when the sequence breaks. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/detach.h"

static void parse_is(const char *spec, const char *want, size_t n)
{
	struct sl_detach d;

	assert_int_equal(sl_detach_parse(&d, spec), 0);
	assert_int_equal(d.n, n);
	assert_memory_equal(d.keys, want, n);
}

static void test_parse(void **state)
{
	(void)state;
	parse_is(NULL, "\x10\x11", 2);
	parse_is("", "\x10\x11", 2);
	parse_is("ctrl-a", "\x01", 1);
	parse_is("ctrl-z,ctrl-@", "\x1a\x00", 2);
	parse_is("ctrl-[,ctrl-\\,ctrl-],ctrl-^,ctrl-_", "\x1b\x1c\x1d\x1e\x1f", 5);
	parse_is("a,b,c", "abc", 3);
	parse_is("ctrl-x,x,DEL", "\x18x\x7f", 3);
}

static void test_parse_bad(void **state)
{
	static const char *const bad[] = {"ctrl-", "ctrl-A", "ctrl-1", "ab",
		"a,,b", "a,", ",", "ctrl-p,ctrl-", "ctrl-aa", "CTRL-a", "del",
		"a,b,c,d,e,f,g,h,i,j,k,l,m,n,o,p,q"};
	struct sl_detach d;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(sl_detach_parse(&d, bad[i]), -1);
		assert_int_equal(d.n, 0);
	}
}

/* Feeds the chunks in turn; returns what reached the process. */
static size_t feed(struct sl_detach *d, const char *const *chunks,
	char *out, int *hit)
{
	size_t w = 0;

	*hit = 0;
	for (size_t i = 0; chunks[i] && !*hit; i++)
		w += sl_detach_feed(d, chunks[i], strlen(chunks[i]), out + w, hit);
	out[w] = '\0';
	return w;
}

static void test_match(void **state)
{
	struct sl_detach d;
	char out[256];
	int hit;

	(void)state;
	assert_int_equal(sl_detach_parse(&d, NULL), 0);
	/* Plain input passes. */
	feed(&d, (const char *const[]){"hello", NULL}, out, &hit);
	assert_string_equal(out, "hello");
	assert_false(hit);
	/* The sequence split across reads still detaches; what came before
	 * it is delivered, what came after is not. */
	feed(&d, (const char *const[]){"ab\x10", "\x11" "cd", NULL}, out, &hit);
	assert_string_equal(out, "ab");
	assert_true(hit);
	/* A broken sequence releases the held byte, in order. */
	feed(&d, (const char *const[]){"x\x10", "y", NULL}, out, &hit);
	assert_string_equal(out, "x\x10y");
	assert_false(hit);
	/* ctrl-p ctrl-p ctrl-q: the first is released, the rest detaches. */
	feed(&d, (const char *const[]){"\x10\x10\x11", NULL}, out, &hit);
	assert_string_equal(out, "\x10");
	assert_true(hit);
}

static void test_single_key_and_release(void **state)
{
	struct sl_detach d;
	char out[64];
	int hit;

	(void)state;
	assert_int_equal(sl_detach_parse(&d, "ctrl-a"), 0);
	feed(&d, (const char *const[]){"abc\x01zz", NULL}, out, &hit);
	assert_string_equal(out, "abc");
	assert_true(hit);
	/* End of input with a partial match: the held bytes are input. */
	assert_int_equal(sl_detach_parse(&d, "x,y,z"), 0);
	feed(&d, (const char *const[]){"wxy", NULL}, out, &hit);
	assert_string_equal(out, "w");
	assert_false(hit);
	assert_int_equal(sl_detach_release(&d, out), 2);
	assert_memory_equal(out, "xy", 2);
	assert_int_equal(sl_detach_release(&d, out), 0);
}

static void test_no_sequence(void **state)
{
	struct sl_detach d;
	char out[16];
	int hit;

	(void)state;
	memset(&d, 0, sizeof(d));
	assert_int_equal(sl_detach_feed(&d, "\x10\x11", 2, out, &hit), 2);
	assert_false(hit);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_parse_bad),
		cmocka_unit_test(test_match),
		cmocka_unit_test(test_single_key_and_release),
		cmocka_unit_test(test_no_sequence),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
