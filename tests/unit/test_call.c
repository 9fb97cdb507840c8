/* tests/unit/test_call.c - the error text of a hook call (core/call.c). */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/call.h"

/* True when s is well-formed UTF-8 (no check for overlongs: the test only
 * ever writes well-formed characters, it wants no cut ones). */
static int utf8_whole(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	while (*p) {
		size_t n = *p < 0x80 ? 1 : *p >= 0xF0 ? 4 : *p >= 0xE0 ? 3 :
			*p >= 0xC0 ? 2 : 0;

		if (!n)
			return 0;
		for (size_t i = 1; i < n; i++)
			if ((p[i] & 0xC0) != 0x80)
				return 0;
		p += n;
	}
	return 1;
}

/* A message of `pad` ASCII bytes then `ch` repeated: the truncation point
 * falls at each byte of a character in turn. */
static void check_cut(const char *ch)
{
	size_t cl = strlen(ch), cap = sizeof(((struct sl_call *)0)->message);
	char msg[2200];

	for (size_t pad = cap - 1 - 2 * cl; pad < cap; pad++) {
		struct sl_call call;
		size_t len, o = 0;

		memset(msg, 'a', pad);
		for (o = pad; o + cl < sizeof(msg); o += cl)
			memcpy(msg + o, ch, cl);
		msg[o] = '\0';
		sl_call_begin(&call);
		assert_int_equal(sl_call_set_error(&call, SL_EINVAL, "%s", msg),
			SL_EINVAL);
		len = strlen(call.message);
		assert_true(utf8_whole(call.message));
		/* What is kept is a prefix, short of the buffer by less than
		 * one character. */
		assert_memory_equal(call.message, msg, len);
		assert_true(len <= cap - 1 && len > cap - 1 - cl);
		sl_call_end(&call);
	}
}

static void test_cut_two_byte(void **state)
{
	(void)state;
	check_cut("\xc3\xa9");          /* é */
}

static void test_cut_three_byte(void **state)
{
	(void)state;
	check_cut("\xe2\x82\xac");      /* € */
}

static void test_cut_four_byte(void **state)
{
	(void)state;
	check_cut("\xf0\x9f\x90\xb3");  /* whale */
}

static void test_short_message_untouched(void **state)
{
	struct sl_call call;

	(void)state;
	sl_call_begin(&call);
	sl_call_set_error(&call, SL_ENOTFOUND, "no such blob: %s", "caf\xc3\xa9");
	assert_string_equal(call.message, "no such blob: caf\xc3\xa9");
	assert_string_equal(sl_call_message(&call, SL_ENOTFOUND), call.message);
	sl_call_end(&call);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cut_two_byte),
		cmocka_unit_test(test_cut_three_byte),
		cmocka_unit_test(test_cut_four_byte),
		cmocka_unit_test(test_short_message_untouched),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
