/* test_region.c - the region table: both of ARM's spellings of a region,
 * case and spaces ignored, unknown names refused, the list ARM quotes. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "sim_region.h"

static void test_either_form(void **state)
{
	(void)state;
	assert_string_equal(sim_region_name("East US"), "eastus");
	assert_string_equal(sim_region_name("eastus"), "eastus");
	assert_string_equal(sim_region_name("EASTUS"), "eastus");
	assert_string_equal(sim_region_name("east us 2"), "eastus2");
	assert_string_equal(sim_region_display("eastus"), "East US");
	assert_string_equal(sim_region_display("West Europe"), "West Europe");
	assert_string_equal(sim_region_display("germanywestcentral"), "Germany West Central");
	assert_string_equal(sim_region_display("uaenorth"), "UAE North");
}

static void test_unknown(void **state)
{
	char long_name[200];

	(void)state;
	memset(long_name, 'a', sizeof(long_name) - 1);
	long_name[sizeof(long_name) - 1] = '\0';
	assert_null(sim_region_name("atlantis"));
	assert_null(sim_region_display(""));
	assert_null(sim_region_name(NULL));
	assert_null(sim_region_name(long_name));
	/* Display names are not prefixes: "East" is no region. */
	assert_null(sim_region_name("East"));
}

static void test_list(void **state)
{
	const char *l = sim_region_list();

	(void)state;
	assert_non_null(strstr(l, "eastus,eastus2,"));
	assert_non_null(strstr(l, "westus3"));
	assert_null(strchr(l, ' '));
	assert_ptr_equal(l, sim_region_list());
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_either_form),
		cmocka_unit_test(test_unknown),
		cmocka_unit_test(test_list),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
