/* tests/unit/test_credstore.c - registry credentials kept in memory
 * (core/credstore.c). */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "core/credstore.h"

static int teardown(void **state)
{
	(void)state;
	sl_credstore_clear();
	return 0;
}

static void test_set_get_replace(void **state)
{
	struct sl_cred c;

	(void)state;
	assert_int_equal(sl_credstore_get("myacr.azurecr.io", &c), -ENOENT);
	assert_null(c.username);
	assert_int_equal(sl_credstore_set("myacr.azurecr.io", "u", "p", NULL), 0);
	assert_int_equal(sl_credstore_get("MyAcr.AzureCR.io", &c), 0);
	assert_string_equal(c.username, "u");
	assert_string_equal(c.password, "p");
	assert_null(c.registry_token);
	sl_cred_clear(&c);
	assert_null(c.username);

	/* The newest credentials win; "" is unset. */
	assert_int_equal(sl_credstore_set("myacr.azurecr.io", "", "", "tok"), 0);
	assert_int_equal(sl_credstore_get("myacr.azurecr.io", &c), 0);
	assert_null(c.username);
	assert_null(c.password);
	assert_string_equal(c.registry_token, "tok");
	sl_cred_clear(&c);

	/* Another registry is separate. */
	assert_int_equal(sl_credstore_get("docker.io", &c), -ENOENT);
	assert_int_equal(sl_credstore_set("docker.io", "hub", "pw", NULL), 0);
	assert_int_equal(sl_credstore_get("docker.io", &c), 0);
	assert_string_equal(c.username, "hub");
	sl_cred_clear(&c);
	sl_credstore_forget("docker.io");
	assert_int_equal(sl_credstore_get("docker.io", &c), -ENOENT);
	assert_int_equal(sl_credstore_get("myacr.azurecr.io", &c), 0);
	sl_cred_clear(&c);
}

static void test_refusals(void **state)
{
	struct sl_cred c;

	(void)state;
	assert_int_equal(sl_credstore_set(NULL, "u", "p", NULL), -EINVAL);
	assert_int_equal(sl_credstore_set("", "u", "p", NULL), -EINVAL);
	assert_int_equal(sl_credstore_set("r.io", NULL, "", NULL), -EINVAL);
	assert_int_equal(sl_credstore_get("r.io", &c), -ENOENT);
	assert_int_equal(sl_credstore_get(NULL, &c), -ENOENT);
	sl_credstore_forget("never.set");
}

/* The store is read by backend threads while pulls write it. */
static void *hammer(void *arg)
{
	struct sl_cred c;
	char reg[32];

	for (int i = 0; i < 2000; i++) {
		snprintf(reg, sizeof(reg), "r%d.io", i % 7);
		if (sl_credstore_set(reg, (const char *)arg, "pw", NULL))
			return (void *)1;
		if (sl_credstore_get(reg, &c) == 0) {
			if (!c.username || strcmp(c.password, "pw"))
				return (void *)1;
			sl_cred_clear(&c);
		}
		if (i % 100 == 0)
			sl_credstore_forget(reg);
	}
	return NULL;
}

static void test_concurrent(void **state)
{
	pthread_t t[4];
	void *rv;

	(void)state;
	for (int i = 0; i < 4; i++)
		assert_int_equal(pthread_create(&t[i], NULL, hammer,
			i % 2 ? "alice" : "bob"), 0);
	for (int i = 0; i < 4; i++) {
		assert_int_equal(pthread_join(t[i], &rv), 0);
		assert_null(rv);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_set_get_replace, teardown),
		cmocka_unit_test_teardown(test_refusals, teardown),
		cmocka_unit_test_teardown(test_concurrent, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
