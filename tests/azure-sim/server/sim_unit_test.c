/* sim_unit_test.c - cmocka unit tests of the front end's self-contained
 * modules: fault rule matching, log stream buffers and record formats,
 * config loading, small utilities. (The HTTP behaviour is covered by the
 * shell tests in t/.) */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <json-c/json.h>

#include "sim_config.h"
#include "sim_faults.h"
#include "sim_logs.h"
#include "sim_util.h"

static struct sim_faults *faults_with(const char *json)
{
	struct sim_faults *f = sim_faults_new();
	struct json_object *o = json_tokener_parse(json);
	char *err = NULL;

	assert_non_null(f);
	assert_non_null(o);
	assert_int_equal(sim_faults_add(f, o, NULL, &err), 0);
	json_object_put(o);
	return f;
}

static void test_fault_glob_and_times(void **state)
{
	struct sim_faults *f = faults_with(
		"{\"path\":\"/subscriptions/**/jobs/*\",\"method\":\"GET\",\"status\":429,"
		"\"retryAfter\":7,\"times\":1}");
	struct sim_fault_effect fx;

	(void)state;
	sim_faults_match(f, "GET", "/subscriptions/s/resourceGroups/r/providers/Microsoft.App/JOBS/j1",
			 "Jobs_Get", &fx);
	assert_true(fx.inject);
	assert_int_equal(fx.status, 429);
	assert_int_equal(fx.retry_after, 7);
	/* times=1: exhausted */
	sim_faults_match(f, "GET", "/subscriptions/s/resourceGroups/r/providers/Microsoft.App/jobs/j1",
			 "Jobs_Get", &fx);
	assert_false(fx.inject);
	sim_faults_free(f);

	f = faults_with("{\"path\":\"/subscriptions/**/jobs/*\",\"status\":500}");
	/* '*' does not cross a '/' */
	sim_faults_match(f, "GET", "/subscriptions/s/jobs/j1/executions", NULL, &fx);
	assert_false(fx.inject);
	sim_faults_match(f, "PUT", "/subscriptions/s/x/y/jobs/j1", NULL, &fx);
	assert_true(fx.inject);
	sim_faults_free(f);
}

static void test_fault_sequence_skip_rate(void **state)
{
	struct sim_faults *f = faults_with("[{\"op\":\"A\",\"sequence\":[503,\"ok\",\"drop\"]},"
					   "{\"op\":\"B\",\"status\":500,\"skip\":2},"
					   "{\"op\":\"C\",\"status\":500,\"rate\":0}]");
	struct sim_fault_effect fx;

	(void)state;
	sim_faults_match(f, "GET", "/x", "A", &fx);
	assert_true(fx.inject);
	assert_int_equal(fx.status, 503);
	sim_faults_match(f, "GET", "/x", "A", &fx);
	assert_false(fx.inject);
	sim_faults_match(f, "GET", "/x", "A", &fx);
	assert_true(fx.drop);
	sim_faults_match(f, "GET", "/x", "A", &fx);
	assert_false(fx.inject); /* exhausted, no repeat */
	sim_faults_match(f, "GET", "/x", "B", &fx);
	assert_false(fx.inject);
	sim_faults_match(f, "GET", "/x", "B", &fx);
	assert_false(fx.inject);
	sim_faults_match(f, "GET", "/x", "B", &fx);
	assert_true(fx.inject);
	for (int i = 0; i < 50; i++) {
		sim_faults_match(f, "GET", "/x", "C", &fx);
		assert_false(fx.inject);
	}
	assert_int_equal(sim_faults_remove(f, "nope"), -2);
	sim_faults_free(f);
}

static void test_fault_rejects_bad_rules(void **state)
{
	struct sim_faults *f = sim_faults_new();
	const char *bad[] = { "{\"op\":\"A\"}", "{\"status\":500}", "{\"op\":\"A\",\"status\":99}",
			      "{\"op\":\"A\",\"rate\":2,\"status\":500}",
			      "{\"op\":\"A\",\"sequence\":[true]}", "[{\"op\":\"A\",\"status\":500},5]" };

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct json_object *o = json_tokener_parse(bad[i]), *arr;
		char *err = NULL;
		assert_int_not_equal(sim_faults_add(f, o, NULL, &err), 0);
		assert_non_null(err);
		free(err);
		json_object_put(o);
		arr = sim_faults_json(f);
		assert_int_equal(json_object_array_length(arr), 0); /* nothing half-added */
		json_object_put(arr);
	}
	sim_faults_free(f);
}

static void test_log_record_formats(void **state)
{
	struct timespec ts = { 1716572365, 439303000 };
	char out[512];
	size_t n;

	(void)state;
	n = sim_logs_format_record(SIM_LOGS_JSON, &ts, 0, 1, 0, "it's \"q\" caf\xc3\xa9+<", 16, out,
				   sizeof(out));
	assert_true(n > 0);
	assert_string_equal(out, "{\"TimeStamp\":\"2024-05-24T17:39:25.439303+00:00\",\"Log\":\"F it\\u0027s "
				 "\\u0022q\\u0022 caf\\u00E9\\u002B\\u003C\"}\n");
	n = sim_logs_format_record(SIM_LOGS_TEXT, &ts, 0, 2, 1, "part", 4, out, sizeof(out));
	assert_string_equal(out, "2024-05-24T17:39:25.4393030Z stderr P part\n");
	n = sim_logs_format_record(SIM_LOGS_TEXT, &ts, 1, 1, 0, "Connecting", 10, out, sizeof(out));
	assert_string_equal(out, "2024-05-24T17:39:25.43930  Connecting\n");
	n = sim_logs_format_record(SIM_LOGS_JSON, &ts, 1, 1, 0, "x", 1, out, sizeof(out));
	assert_string_equal(out, "{\"TimeStamp\":\"2024-05-24T17:39:25.43930\",\"Log\":\"x\"}\n");
	(void)n;
}

static void test_log_buffers(void **state)
{
	struct sim_logs *l = sim_logs_new();
	struct sim_logs_reader *r;
	char buf[4096];
	ssize_t n;

	(void)state;
	assert_non_null(l);
	assert_null(sim_logs_open(l, "/J", "e", "e-r", "c", 10, 0, SIM_LOGS_TEXT));
	assert_int_equal(sim_logs_add(l, "/J", "e", "e-r", "c"), 0);
	for (int i = 0; i < 5; i++) {
		char line[16];
		snprintf(line, sizeof(line), "line-%d", i);
		sim_logs_append(l, "/j", "e", "e-r", "c", 1, line, strlen(line), 0, NULL);
	}
	/* tail 2 of 5, job id compared case-insensitively */
	r = sim_logs_open(l, "/j", "e", "e-r", "c", 2, 0, SIM_LOGS_TEXT);
	assert_non_null(r);
	n = sim_logs_read(r, buf, sizeof(buf) - 1, 0);
	assert_true(n > 0);
	buf[n] = '\0';
	assert_null(strstr(buf, "line-2"));
	assert_non_null(strstr(buf, "line-3"));
	assert_non_null(strstr(buf, "line-4"));
	assert_int_equal(sim_logs_read(r, buf, sizeof(buf), 0), -1); /* no follow: end */
	sim_logs_close(r);

	/* follow: waits, then ends once the container ended */
	r = sim_logs_open(l, "/J", "e", "e-r", "c", 0, 1, SIM_LOGS_JSON);
	assert_int_equal(sim_logs_read(r, buf, sizeof(buf), 50), 0);
	sim_logs_append(l, "/J", "e", "e-r", "c", 1, "late", 4, 0, NULL);
	n = sim_logs_read(r, buf, sizeof(buf) - 1, 50);
	assert_true(n > 0);
	buf[n] = '\0';
	assert_non_null(strstr(buf, "\"F late\""));
	sim_logs_end(l, "/J", "e", "e-r", NULL, 0);
	assert_int_equal(sim_logs_read(r, buf, sizeof(buf), 50), -1);
	sim_logs_close(r);
	/* retention 0: gone after gc */
	sim_logs_gc(l);
	assert_null(sim_logs_open(l, "/J", "e", "e-r", "c", 10, 0, SIM_LOGS_TEXT));
	sim_logs_free(l);
}

static void test_config_file(void **state)
{
	struct sim_config cfg;
	char path[] = "/tmp/sim-unit-cfg-XXXXXX";
	int fd = mkstemp(path);
	char *err = NULL;
	const char *text =
		"{\"subscriptions\":[\"11111111-1111-1111-1111-111111111111\"],"
		"\"resourceGroups\":[{\"name\":\"rg1\"}],"
		"\"managedEnvironments\":[{\"resourceGroup\":\"rg1\",\"name\":\"e1\"}],"
		"\"storageAccounts\":[{\"resourceGroup\":\"rg1\",\"name\":\"st1\"}],"
		"\"registryMap\":{\"docker.io\":\"127.0.0.1:5000\"},"
		"\"ingestionDelayMs\":2500,\"pageSize\":7,\"workloads\":false,"
		"\"faults\":[{\"op\":\"Jobs_Get\",\"status\":500}]}";

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	assert_int_equal(sim_config_defaults(&cfg), 0);
	assert_int_equal(sim_config_load(&cfg, path, &err), 0);
	assert_int_equal(cfg.nsubscriptions, 1);
	assert_string_equal(cfg.rgs[0].subscription, "11111111-1111-1111-1111-111111111111");
	assert_string_equal(cfg.envs[0].workspace, SIM_DEFAULT_WORKSPACE);
	assert_string_equal(cfg.regmap[0].to, "127.0.0.1:5000");
	/* The list replaces the seeded sockerlessstore. */
	assert_int_equal(cfg.naccounts, 1);
	assert_string_equal(cfg.accounts[0].name, "st1");
	assert_string_equal(cfg.accounts[0].subscription, "11111111-1111-1111-1111-111111111111");
	assert_string_equal(cfg.accounts[0].location, SIM_DEFAULT_LOCATION);
	assert_int_equal(cfg.ingestion_delay_ms, 2500);
	assert_int_equal(cfg.page_size, 7);
	assert_int_equal(cfg.workloads, 0);
	assert_non_null(strstr(cfg.faults_json, "Jobs_Get"));
	sim_config_free(&cfg);

	fd = open(path, O_WRONLY | O_TRUNC);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "{\"pageSize\":\"x\"}", 16), 16);
	close(fd);
	assert_int_equal(sim_config_defaults(&cfg), 0);
	assert_int_not_equal(sim_config_load(&cfg, path, &err), 0);
	assert_non_null(err);
	assert_non_null(strstr(err, "pageSize"));
	free(err);
	sim_config_free(&cfg);
	unlink(path);

	assert_int_equal(sim_config_defaults(&cfg), 0);
	assert_int_equal(sim_config_set_listen(&cfg, "127.0.0.1:0"), 0);
	assert_int_not_equal(sim_config_set_listen(&cfg, "nonsense"), 0);
	assert_int_not_equal(sim_config_set_listen(&cfg, "h:70000"), 0);
	assert_int_equal(cfg.naccounts, 1);
	assert_string_equal(cfg.accounts[0].name, SIM_DEFAULT_STORAGE_ACCOUNT);
	assert_int_equal(sim_config_add_account(&cfg, "s/rg/more1"), 0);
	assert_int_equal(cfg.naccounts, 2);
	assert_int_not_equal(sim_config_add_account(&cfg, "s/rg/Upper"), 0);
	assert_int_not_equal(sim_config_add_account(&cfg, "s/rg/ab"), 0);
	assert_int_not_equal(sim_config_add_account(&cfg, "s/more2"), 0);
	sim_config_free(&cfg);
}

static void test_util(void **state)
{
	char name[8], id[37], t[48];
	struct timespec ts = { 0, 123456789 };
	char *d;

	(void)state;
	sim_rand_alnum(name, 7);
	assert_int_equal(strlen(name), 7);
	for (int i = 0; i < 7; i++)
		assert_true((name[i] >= 'a' && name[i] <= 'z') || (name[i] >= '0' && name[i] <= '9'));
	sim_uuid(id);
	assert_int_equal(strlen(id), 36);
	assert_int_equal(id[14], '4');
	sim_time_arm(&ts, t, sizeof(t));
	assert_string_equal(t, "1970-01-01T00:00:00.1234567+00:00");
	d = sim_url_decode("a%20b+c%zz", 10, 1);
	assert_string_equal(d, "a b c%zz");
	free(d);
	d = sim_url_encode("status eq 'x'");
	assert_string_equal(d, "status%20eq%20%27x%27");
	free(d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fault_glob_and_times),
		cmocka_unit_test(test_fault_sequence_skip_rate),
		cmocka_unit_test(test_fault_rejects_bad_rules),
		cmocka_unit_test(test_log_record_formats),
		cmocka_unit_test(test_log_buffers),
		cmocka_unit_test(test_config_file),
		cmocka_unit_test(test_util),
	};

	return cmocka_run_group_tests_name("sim_front", tests, NULL, NULL);
}
