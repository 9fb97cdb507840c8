/* test_la_store.c - the Log Analytics table store: real column sets, one
 * table family per destination, ingestion delay and jitter, table and
 * custom-column existence, row cap, generic appends, and appends racing
 * queries. */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <json-c/json.h>

#include "la_query.h"
#include "la_schema.h"
#include "la_store.h"

#define WS "00000000-0000-0000-0000-0000000000ee"
#define WS_UPPER "00000000-0000-0000-0000-0000000000EE"
#define JOB_ID                                                               \
	"/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/" \
	"Sockerless-RG/providers/Microsoft.App/jobs/myjob"
#define ENV_ID                                                               \
	"/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/" \
	"Sockerless-RG/providers/Microsoft.App/managedEnvironments/sockerless"
#define LA LA_DEST_LOG_ANALYTICS
#define AM LA_DEST_AZURE_MONITOR

static int64_t fake_now;

static int64_t fake_clock(void *ctx)
{
	(void)ctx;
	return fake_now;
}

static struct la_store *new_store(long delay_ms, size_t cap, bool exist)
{
	struct la_store_config cfg;
	struct la_store *st = NULL;
	memset(&cfg, 0, sizeof(cfg));
	cfg.ingestion_delay_ms = delay_ms;
	cfg.max_rows_per_table = cap;
	cfg.tables_exist_initially = exist;
	cfg.clock = fake_clock;
	fake_now = 1700000000123456789LL;
	assert_int_equal(la_store_new(&cfg, &st), 0);
	assert_int_equal(la_store_add_workspace(st, WS), 0);
	return st;
}

/* Run q; return the parsed body (caller puts it) and the status. */
static json_object *query(struct la_store *st, const char *q, int *status)
{
	struct la_query_request req;
	char *body = NULL;
	json_object *o;
	memset(&req, 0, sizeof(req));
	req.workspace_id = WS;
	req.query = q;
	req.correlation_id = "test";
	assert_int_equal(la_query_run(st, &req, status, &body), 0);
	assert_non_null(body);
	o = json_tokener_parse(body);
	if (!o)
		fail_msg("not JSON: %s", body);
	free(body);
	return o;
}

static json_object *table0(json_object *o)
{
	json_object *t, *t0;
	assert_true(json_object_object_get_ex(o, "tables", &t));
	t0 = json_object_array_get_idx(t, 0);
	assert_non_null(t0);
	return t0;
}

static size_t row_count(json_object *o)
{
	json_object *rows;
	assert_true(json_object_object_get_ex(table0(o), "rows", &rows));
	return json_object_array_length(rows);
}

/* Cell (row, column by name) of a success body. */
static json_object *cell(json_object *o, size_t row, const char *col)
{
	json_object *cols, *rows, *r;
	int idx = -1;
	assert_true(json_object_object_get_ex(table0(o), "columns", &cols));
	assert_true(json_object_object_get_ex(table0(o), "rows", &rows));
	for (size_t i = 0; i < json_object_array_length(cols); i++) {
		json_object *c = json_object_array_get_idx(cols, i), *n;
		json_object_object_get_ex(c, "name", &n);
		if (strcmp(json_object_get_string(n), col) == 0)
			idx = (int)i;
	}
	if (idx < 0)
		fail_msg("no column %s", col);
	r = json_object_array_get_idx(rows, row);
	assert_non_null(r);
	return json_object_array_get_idx(r, (size_t)idx);
}

static const char *cell_s(json_object *o, size_t row, const char *col)
{
	json_object *c = cell(o, row, col);
	assert_true(json_object_is_type(c, json_type_string));
	return json_object_get_string(c);
}

/* "code" of the innermost innererror of an error body. */
static const char *inner_code(json_object *o)
{
	json_object *e, *next;
	assert_true(json_object_object_get_ex(o, "error", &e));
	while (json_object_object_get_ex(e, "innererror", &next))
		e = next;
	json_object_object_get_ex(e, "code", &next);
	return json_object_get_string(next);
}

static struct la_console_record console_rec(const char *log, const char *stream)
{
	struct la_console_record r;
	memset(&r, 0, sizeof(r));
	r.job_name = "myjob";
	r.execution_name = "myjob-k3x9a0q";
	r.container_group_name = "myjob-k3x9a0q-7fz2p";
	r.container_name = "main";
	r.container_image = "docker.io/library/busybox:latest";
	r.stream = stream;
	r.log = log;
	r.environment_name = "sockerless";
	r.container_app_name = ""; /* a job's row carries them empty */
	r.revision_name = "";
	r.resource_id = JOB_ID;
	r.location = "eastus";
	return r;
}

/* ---- tests ---- */

static void test_workspaces(void **state)
{
	struct la_store *st = new_store(0, 0, false);
	(void)state;
	assert_int_equal(la_store_add_workspace(st, "not-a-guid"), -EINVAL);
	assert_int_equal(la_store_add_workspace(st, WS_UPPER), 0); /* same */
	assert_true(la_store_has_workspace(st, WS));
	assert_true(la_store_has_workspace(st, WS_UPPER));
	assert_false(la_store_has_workspace(st, "00000000-0000-0000-0000-0000000000ef"));
	assert_false(la_store_has_workspace(st, NULL));
	{
		struct la_console_record r = console_rec("x", "stdout");
		assert_int_equal(la_store_append_console(
					 st, "00000000-0000-0000-0000-0000000000ef", LA, &r),
				 -ENOENT);
		assert_int_equal(la_store_append_console(st, "nope", LA, &r), -ENOENT);
		assert_int_equal(la_store_append_console(st, WS_UPPER, LA, &r), 0);
	}
	assert_int_equal(la_store_get_ingestion_delay_ms(st), 0);
	assert_int_equal(la_store_set_ingestion_delay_ms(st, -1), -EINVAL);
	la_store_free(st);
}

/* The column list of a table as "name:type,...". */
static char *schema_of(struct la_store *st, const char *table)
{
	static char out[2048];
	char q[128];
	int status;
	json_object *o, *cols;
	snprintf(q, sizeof(q), "%s | take 0", table);
	o = query(st, q, &status);
	assert_int_equal(status, 200);
	assert_true(json_object_object_get_ex(table0(o), "columns", &cols));
	out[0] = '\0';
	for (size_t i = 0; i < json_object_array_length(cols); i++) {
		json_object *c = json_object_array_get_idx(cols, i), *n, *t;
		json_object_object_get_ex(c, "name", &n);
		json_object_object_get_ex(c, "type", &t);
		if (i)
			strcat(out, ",");
		strcat(out, json_object_get_string(n));
		strcat(out, ":");
		strcat(out, json_object_get_string(t));
	}
	json_object_put(o);
	return out;
}

static void test_schemas(void **state)
{
	struct la_store *st = new_store(0, 0, true);
	(void)state;
	assert_string_equal(
		schema_of(st, LA_TABLE_CONSOLE_CL),
		"TenantId:string,SourceSystem:string,MG:string,"
		"ManagementGroupName:string,TimeGenerated:datetime,"
		"Computer:string,RawData:string,ContainerAppName_s:string,"
		"ContainerGroupId_g:guid,ContainerGroupName_s:string,"
		"ContainerId_s:string,ContainerImage_s:string,"
		"ContainerJobName_s:string,ContainerName_s:string,"
		"EnvironmentName_s:string,Log_s:string,RevisionName_s:string,"
		"Stream_s:string,time_t:datetime,_timestamp_d:real,"
		"Category:string,Type:string,_ResourceId:string");
	/* the resource-specific tables as in the Azure table reference;
	 * _BilledSize and _IsBillable only when projected */
	assert_string_equal(
		schema_of(st, LA_TABLE_CONSOLE),
		"TenantId:string,TimeGenerated:datetime,ContainerAppName:string,"
		"ContainerGroupId:string,ContainerGroupName:string,"
		"ContainerId:string,ContainerImage:string,ContainerName:string,"
		"EnvironmentName:string,JobName:string,Location:string,"
		"Log:string,OperationName:string,RevisionName:string,"
		"SourceSystem:string,Stream:string,Type:string,"
		"_ResourceId:string,_SubscriptionId:string");
	assert_string_equal(
		schema_of(st, LA_TABLE_SYSTEM_CL),
		"TenantId:string,SourceSystem:string,MG:string,"
		"ManagementGroupName:string,TimeGenerated:datetime,"
		"Computer:string,RawData:string,ContainerAppName_s:string,"
		"EnvironmentName_s:string,RevisionName_s:string,"
		"ReplicaName_s:string,JobName_s:string,Log_s:string,"
		"Reason_s:string,EventSource_s:string,Type_s:string,"
		"Count_d:real,time_t:datetime,_timestamp_d:real,"
		"Category:string,Type:string,_ResourceId:string");
	assert_string_equal(
		schema_of(st, LA_TABLE_SYSTEM),
		"TenantId:string,TimeGenerated:datetime,ComponentName:string,"
		"ComponentType:string,ContainerAppName:string,"
		"ContainerName:string,Count:int,EnvironmentName:string,"
		"EventSource:string,JobName:string,Location:string,Log:string,"
		"OperationName:string,Reason:string,ReplicaName:string,"
		"RevisionName:string,SourceSystem:string,Type:string,"
		"_ResourceId:string,_SubscriptionId:string");
	assert_string_equal(schema_of(st, "ContainerAppConsoleLogs | project "
					  "_BilledSize, _IsBillable"),
			    "_BilledSize:real,_IsBillable:string");
	assert_string_equal(schema_of(st, "ContainerAppSystemLogs_CL | project "
					  "_TimeReceived"),
			    "_TimeReceived:datetime");
	la_store_free(st);
}

static void test_console_rows(void **state)
{
	struct la_store *st = new_store(0, 0, false);
	struct la_console_record r = console_rec("hello world", "stdout");
	json_object *o, *c;
	int status;
	(void)state;

	assert_int_equal(la_store_append_console(st, WS, LA, &r), 0);
	r = console_rec("oops", "stderr");
	r.time_ns = 1700000000999999999LL;
	assert_int_equal(la_store_append_console(st, WS, LA, &r), 0);
	/* log-analytics: the _CL table only */
	assert_int_equal(la_store_row_count(st, WS, LA_TABLE_CONSOLE_CL), 2);
	assert_int_equal(la_store_row_count(st, WS, LA_TABLE_CONSOLE), 0);
	assert_int_equal(la_store_row_count(st, WS, LA_TABLE_SYSTEM_CL), 0);

	o = query(st,
		  "ContainerAppConsoleLogs_CL | where ContainerJobName_s == "
		  "'myjob' and ContainerGroupName_s startswith 'myjob-k3x9a0q' | "
		  "order by TimeGenerated asc",
		  &status);
	assert_int_equal(status, 200);
	assert_int_equal(row_count(o), 2);
	assert_string_equal(cell_s(o, 0, "TenantId"), WS);
	assert_string_equal(cell_s(o, 0, "SourceSystem"), "RestAPI");
	assert_string_equal(cell_s(o, 0, "TimeGenerated"),
			    "2023-11-14T22:13:20.1234567Z");
	assert_string_equal(cell_s(o, 0, "time_t"), "2023-11-14T22:13:20.1234567Z");
	c = cell(o, 0, "_timestamp_d");
	assert_true(json_object_is_type(c, json_type_double));
	assert_true(json_object_get_double(c) > 1700000000.12 &&
		    json_object_get_double(c) < 1700000000.13);
	assert_string_equal(cell_s(o, 1, "TimeGenerated"),
			    "2023-11-14T22:13:20.9999999Z");
	assert_string_equal(cell_s(o, 0, "ContainerJobName_s"), "myjob");
	assert_string_equal(cell_s(o, 0, "ContainerGroupName_s"),
			    "myjob-k3x9a0q-7fz2p");
	assert_string_equal(cell_s(o, 0, "ContainerName_s"), "main");
	assert_string_equal(cell_s(o, 0, "ContainerImage_s"),
			    "docker.io/library/busybox:latest");
	assert_string_equal(cell_s(o, 0, "Stream_s"), "stdout");
	assert_string_equal(cell_s(o, 1, "Stream_s"), "stderr");
	assert_string_equal(cell_s(o, 0, "Log_s"), "hello world");
	assert_string_equal(cell_s(o, 1, "Log_s"), "oops");
	assert_string_equal(cell_s(o, 0, "EnvironmentName_s"), "sockerless");
	assert_string_equal(cell_s(o, 0, "ContainerAppName_s"), "");
	assert_string_equal(cell_s(o, 0, "Type"), "ContainerAppConsoleLogs_CL");
	assert_string_equal(cell_s(o, 0, "_ResourceId"),
			    "/subscriptions/00000000-0000-0000-0000-000000000001/"
			    "resourcegroups/sockerless-rg/providers/microsoft.app/"
			    "jobs/myjob");
	/* one replica, one stable guid and container id */
	assert_string_equal(cell_s(o, 0, "ContainerGroupId_g"),
			    cell_s(o, 1, "ContainerGroupId_g"));
	assert_string_equal(cell_s(o, 0, "ContainerId_s"),
			    cell_s(o, 1, "ContainerId_s"));
	assert_int_equal(strlen(cell_s(o, 0, "ContainerGroupId_g")), 36);
	assert_int_equal(strlen(cell_s(o, 0, "ContainerId_s")), 64);
	json_object_put(o);
	o = query(st, "ContainerAppConsoleLogs | count", &status);
	assert_int_equal(status, 400); /* never received a row */
	assert_string_equal(inner_code(o), "SEM0100");
	json_object_put(o);

	/* azure-monitor: the resource-specific table only, with the
	 * environment's id (README, "Container Apps log tables") */
	r = console_rec("hello world", "stdout");
	r.resource_id = ENV_ID;
	assert_int_equal(la_store_append_console(st, WS, AM, &r), 0);
	r = console_rec("oops", "stderr");
	r.resource_id = ENV_ID;
	r.time_ns = 1700000000999999999LL;
	assert_int_equal(la_store_append_console(st, WS, AM, &r), 0);
	assert_int_equal(la_store_row_count(st, WS, LA_TABLE_CONSOLE_CL), 2);
	assert_int_equal(la_store_row_count(st, WS, LA_TABLE_CONSOLE), 2);
	/* none: nothing at all */
	assert_int_equal(la_store_append_console(st, WS, LA_DEST_NONE, &r), 0);
	assert_int_equal(la_store_append_console(st, WS, (enum la_dest)7, &r),
			 -EINVAL);
	assert_int_equal(la_store_row_count(st, WS, LA_TABLE_CONSOLE_CL), 2);
	assert_int_equal(la_store_row_count(st, WS, LA_TABLE_CONSOLE), 2);

	o = query(st,
		  "ContainerAppConsoleLogs | where ContainerGroupName startswith "
		  "'myjob-k3x9a0q' | order by TimeGenerated desc",
		  &status);
	assert_int_equal(status, 200);
	assert_int_equal(row_count(o), 2);
	assert_string_equal(cell_s(o, 0, "Log"), "oops");
	assert_string_equal(cell_s(o, 0, "Stream"), "stderr");
	assert_string_equal(cell_s(o, 0, "JobName"), "myjob-k3x9a0q");
	assert_string_equal(cell_s(o, 0, "Location"), "eastus");
	assert_string_equal(cell_s(o, 0, "SourceSystem"), "Azure");
	assert_string_equal(cell_s(o, 0, "Type"), "ContainerAppConsoleLogs");
	assert_string_equal(cell_s(o, 0, "_SubscriptionId"),
			    "00000000-0000-0000-0000-000000000001");
	assert_string_equal(cell_s(o, 0, "_ResourceId"),
			    "/subscriptions/00000000-0000-0000-0000-000000000001/"
			    "resourcegroups/sockerless-rg/providers/microsoft.app/"
			    "managedenvironments/sockerless");
	json_object_put(o);
	la_store_free(st);
}

static void test_system_rows(void **state)
{
	struct la_store *st = new_store(0, 0, false);
	struct la_system_record s;
	json_object *o, *c;
	int status;
	(void)state;

	memset(&s, 0, sizeof(s));
	s.job_name = "myjob";
	s.execution_name = "myjob-k3x9a0q";
	s.replica_name = "myjob-k3x9a0q-7fz2p";
	s.container_name = "main";
	s.reason = "ContainerTerminated";
	s.message = "Container 'main' was terminated with exit code '137'";
	s.type = "Warning";
	s.environment_name = "sockerless";
	s.resource_id = JOB_ID;
	assert_int_equal(la_store_append_system(st, WS, LA, &s), 0);
	s.reason = "PullingImage";
	s.message = "Pulling image 'busybox:latest'";
	s.type = NULL;
	s.count = 2;
	assert_int_equal(la_store_append_system(st, WS, AM, &s), 0);
	assert_int_equal(la_store_row_count(st, WS, LA_TABLE_SYSTEM_CL), 1);
	assert_int_equal(la_store_row_count(st, WS, LA_TABLE_SYSTEM), 1);

	o = query(st,
		  "ContainerAppSystemLogs_CL | where ReplicaName_s startswith "
		  "'myjob-k3x9a0q' and Reason_s == 'ContainerTerminated'",
		  &status);
	assert_int_equal(status, 200);
	assert_int_equal(row_count(o), 1);
	assert_string_equal(cell_s(o, 0, "Log_s"),
			    "Container 'main' was terminated with exit code '137'");
	assert_string_equal(cell_s(o, 0, "JobName_s"), "myjob-k3x9a0q");
	assert_string_equal(cell_s(o, 0, "Type_s"), "Warning");
	assert_string_equal(cell_s(o, 0, "Type"), "ContainerAppSystemLogs_CL");
	assert_string_equal(cell_s(o, 0, "EventSource_s"), "ContainerAppController");
	c = cell(o, 0, "Count_d");
	assert_true(json_object_is_type(c, json_type_int) ||
		    json_object_is_type(c, json_type_double));
	assert_true(json_object_get_double(c) == 1.0);
	json_object_put(o);

	o = query(st, "ContainerAppSystemLogs | where Reason == 'PullingImage'",
		  &status);
	assert_int_equal(status, 200);
	assert_int_equal(row_count(o), 1);
	assert_string_equal(cell_s(o, 0, "Type"), "Normal"); /* severity */
	assert_string_equal(cell_s(o, 0, "ReplicaName"), "myjob-k3x9a0q-7fz2p");
	assert_string_equal(cell_s(o, 0, "ContainerName"), "main");
	c = cell(o, 0, "Count");
	assert_true(json_object_is_type(c, json_type_int));
	assert_int_equal(json_object_get_int(c), 2);
	json_object_put(o);
	la_store_free(st);
}

static void test_ingestion_delay(void **state)
{
	struct la_store *st = new_store(5000, 0, false);
	struct la_console_record r = console_rec("first", "stdout");
	int64_t t0;
	json_object *o;
	int status;
	(void)state;

	t0 = fake_now;
	assert_int_equal(la_store_append_console(st, WS, LA, &r), 0);
	assert_int_equal(la_store_row_count(st, WS, LA_TABLE_CONSOLE_CL), 1);
	/* before the first ingestion the table does not exist (SEM0100) */
	o = query(st, "ContainerAppConsoleLogs_CL | take 10", &status);
	assert_int_equal(status, 400);
	assert_string_equal(inner_code(o), "SEM0100");
	json_object_put(o);
	fake_now = t0 + 4999LL * 1000000;
	o = query(st, "ContainerAppConsoleLogs_CL | take 10", &status);
	assert_int_equal(status, 400);
	json_object_put(o);
	fake_now = t0 + 5000LL * 1000000;
	o = query(st, "ContainerAppConsoleLogs_CL | project TimeGenerated, "
		      "_TimeReceived",
		  &status);
	assert_int_equal(status, 200);
	assert_int_equal(row_count(o), 1);
	/* TimeGenerated is when the line was written, _TimeReceived when it
	 * was ingested */
	assert_string_equal(cell_s(o, 0, "TimeGenerated"),
			    "2023-11-14T22:13:20.1234567Z");
	assert_string_equal(cell_s(o, 0, "_TimeReceived"),
			    "2023-11-14T22:13:25.1234567Z");
	json_object_put(o);

	/* a later row is invisible for its own delay, the table stays */
	r = console_rec("second", "stdout");
	assert_int_equal(la_store_append_console(st, WS, LA, &r), 0);
	o = query(st, "ContainerAppConsoleLogs_CL | count", &status);
	assert_int_equal(status, 200);
	assert_int_equal(json_object_get_int(cell(o, 0, "Count")), 1);
	json_object_put(o);
	/* a shorter delay set now makes a newer row visible first: Azure's
	 * rows arrive late and out of order too */
	assert_int_equal(la_store_set_ingestion_delay_ms(st, 0), 0);
	r = console_rec("third", "stdout");
	assert_int_equal(la_store_append_console(st, WS, LA, &r), 0);
	o = query(st, "ContainerAppConsoleLogs_CL | project Log_s", &status);
	assert_int_equal(status, 200);
	assert_int_equal(row_count(o), 2);
	assert_string_equal(cell_s(o, 1, "Log_s"), "third");
	json_object_put(o);
	fake_now += 5000LL * 1000000;
	o = query(st, "ContainerAppConsoleLogs_CL | count", &status);
	assert_int_equal(json_object_get_int(cell(o, 0, "Count")), 3);
	json_object_put(o);
	/* the other tables still do not exist */
	o = query(st, "ContainerAppSystemLogs | count", &status);
	assert_int_equal(status, 400);
	json_object_put(o);
	o = query(st, "ContainerAppConsoleLogs | count", &status);
	assert_int_equal(status, 400);
	json_object_put(o);
	la_store_free(st);
}

static void test_row_cap(void **state)
{
	struct la_store *st = new_store(0, 3, false);
	char line[32];
	json_object *o;
	int status;
	(void)state;
	for (int i = 0; i < 7; i++) {
		struct la_console_record r;
		snprintf(line, sizeof(line), "line %d", i);
		r = console_rec(line, "stdout");
		fake_now += 1000;
		assert_int_equal(la_store_append_console(st, WS, LA, &r), 0);
	}
	assert_int_equal(la_store_row_count(st, WS, LA_TABLE_CONSOLE_CL), 3);
	o = query(st, "ContainerAppConsoleLogs_CL | project Log_s", &status);
	assert_int_equal(status, 200);
	assert_int_equal(row_count(o), 3);
	assert_string_equal(cell_s(o, 0, "Log_s"), "line 4");
	assert_string_equal(cell_s(o, 2, "Log_s"), "line 6");
	json_object_put(o);
	la_store_free(st);
}

static void test_generic_append(void **state)
{
	struct la_store *st = new_store(0, 0, false);
	const struct la_field f[] = {
		{ "Log_s", "from a test" },
		{ "ContainerGroupId_g", "ABCDEF00-0000-4000-8000-000000000001" },
		{ "_timestamp_d", "12.5" },
		{ "time_t", "2024-01-01T00:00:00Z" },
	};
	const struct la_field bad_col[] = { { "Nope_s", "x" } };
	const struct la_field bad_dt[] = { { "time_t", "yesterday" } };
	const struct la_field bad_guid[] = { { "ContainerGroupId_g", "x" } };
	const struct la_field tg[] = { { "TimeGenerated", "2024-05-06T07:08:09.5Z" },
				       { "Count", "7" },
				       { "Type", "Warning" } };
	json_object *o;
	int status;
	(void)state;

	assert_int_equal(la_store_append(st, WS, LA_TABLE_CONSOLE_CL, 0, f, 4), 0);
	assert_int_equal(la_store_append(st, WS, LA_TABLE_CONSOLE_CL, 0, bad_col, 1),
			 -EINVAL);
	assert_int_equal(la_store_append(st, WS, LA_TABLE_CONSOLE_CL, 0, bad_dt, 1),
			 -EINVAL);
	assert_int_equal(la_store_append(st, WS, LA_TABLE_CONSOLE_CL, 0, bad_guid, 1),
			 -EINVAL);
	assert_int_equal(la_store_append(st, WS, "Usage", 0, f, 1), -ENOENT);
	assert_int_equal(la_store_append(st, "00000000-0000-0000-0000-000000000000",
					 LA_TABLE_CONSOLE_CL, 0, f, 1),
			 -ENOENT);
	assert_int_equal(la_store_append(st, WS, LA_TABLE_SYSTEM, 0, tg, 3), 0);

	o = query(st, "ContainerAppConsoleLogs_CL", &status);
	assert_int_equal(status, 200);
	assert_int_equal(row_count(o), 1);
	assert_string_equal(cell_s(o, 0, "Log_s"), "from a test");
	assert_string_equal(cell_s(o, 0, "ContainerGroupId_g"),
			    "abcdef00-0000-4000-8000-000000000001");
	assert_string_equal(cell_s(o, 0, "time_t"), "2024-01-01T00:00:00Z");
	assert_string_equal(cell_s(o, 0, "Type"), "ContainerAppConsoleLogs_CL");
	assert_string_equal(cell_s(o, 0, "TenantId"), WS);
	assert_true(json_object_get_double(cell(o, 0, "_timestamp_d")) == 12.5);
	json_object_put(o);
	/* a row creates only the custom columns it carries */
	o = query(st, "ContainerAppConsoleLogs_CL | project Stream_s", &status);
	assert_int_equal(status, 400);
	assert_string_equal(inner_code(o), "SEM0100");
	json_object_put(o);

	o = query(st, "ContainerAppSystemLogs", &status);
	assert_int_equal(status, 200);
	assert_string_equal(cell_s(o, 0, "TimeGenerated"), "2024-05-06T07:08:09.5Z");
	assert_int_equal(json_object_get_int(cell(o, 0, "Count")), 7);
	assert_string_equal(cell_s(o, 0, "Type"), "Warning");
	json_object_put(o);
	la_store_free(st);
}

/* The SEM0100 message of q (400), for the custom-column checks. */
static void expect_unresolved(struct la_store *st, const char *q,
			      const char *msg)
{
	json_object *o, *e, *next;
	int status;

	o = query(st, q, &status);
	assert_int_equal(status, 400);
	assert_string_equal(inner_code(o), "SEM0100");
	assert_true(json_object_object_get_ex(o, "error", &e));
	while (json_object_object_get_ex(e, "innererror", &next))
		e = next;
	json_object_object_get_ex(e, "message", &next);
	assert_string_equal(json_object_get_string(next), msg);
	json_object_put(o);
}

/* Custom-log columns exist once an ingested row carried them (the HTTP
 * Data Collector API creates them; README, "Known choices"): a workspace
 * that never saw a job has no ContainerJobName_s.  The resource-specific
 * tables have a fixed schema. */
static void test_custom_columns(void **state)
{
	struct la_store *st = new_store(0, 0, false);
	struct la_console_record r = console_rec("from an app", "stdout");
	struct la_system_record s;
	json_object *o;
	int status;
	(void)state;

	r.job_name = NULL; /* an app's row: no job columns */
	r.execution_name = "";
	r.container_app_name = "myapp";
	r.revision_name = "myapp--rev1";
	assert_int_equal(la_store_append_console(st, WS, LA, &r), 0);
	o = query(st, "ContainerAppConsoleLogs_CL | project ContainerAppName_s, Log_s",
		  &status);
	assert_int_equal(status, 200);
	assert_string_equal(cell_s(o, 0, "ContainerAppName_s"), "myapp");
	json_object_put(o);
	expect_unresolved(st,
			  "ContainerAppConsoleLogs_CL | where ContainerJobName_s == 'myjob'",
			  "'where' operator: Failed to resolve column or scalar "
			  "expression named 'ContainerJobName_s'");
	expect_unresolved(st, "ContainerAppConsoleLogs_CL | project ContainerJobName_s",
			  "'project' operator: Failed to resolve scalar expression "
			  "named 'ContainerJobName_s'");
	/* a job's row, not yet ingested, does not create it yet */
	assert_int_equal(la_store_set_ingestion_delay_ms(st, 5000), 0);
	r = console_rec("from a job", "stdout");
	assert_int_equal(la_store_append_console(st, WS, LA, &r), 0);
	expect_unresolved(st, "ContainerAppConsoleLogs_CL | project ContainerJobName_s",
			  "'project' operator: Failed to resolve scalar expression "
			  "named 'ContainerJobName_s'");
	fake_now += 5000LL * 1000000;
	o = query(st,
		  "ContainerAppConsoleLogs_CL | where ContainerJobName_s == 'myjob' "
		  "| project ContainerJobName_s, ContainerAppName_s",
		  &status);
	assert_int_equal(status, 200);
	assert_int_equal(row_count(o), 1);
	assert_string_equal(cell_s(o, 0, "ContainerAppName_s"), "");
	json_object_put(o);
	/* the app's row shows the column empty (KQL strings have no null) */
	o = query(st, "ContainerAppConsoleLogs_CL | where ContainerJobName_s == ''",
		  &status);
	assert_int_equal(status, 200);
	assert_int_equal(row_count(o), 1);
	json_object_put(o);

	/* resource-specific: every column exists with the first row */
	assert_int_equal(la_store_set_ingestion_delay_ms(st, 0), 0);
	memset(&s, 0, sizeof(s));
	s.reason = "RevisionReady";
	s.message = "Revision ready";
	s.container_app_name = "myapp";
	assert_int_equal(la_store_append_system(st, WS, AM, &s), 0);
	o = query(st, "ContainerAppSystemLogs | project JobName, ReplicaName, "
		      "ComponentName, Reason",
		  &status);
	assert_int_equal(status, 200);
	assert_int_equal(row_count(o), 1);
	assert_string_equal(cell_s(o, 0, "JobName"), "");
	json_object_put(o);
	la_store_free(st);
}

/* Rows written together become visible at different times, between
 * median - jitter and median + jitter, and never disappear (Azure's
 * ingestion latency varies per record; README, "Defaults"). */
static void test_ingestion_jitter(void **state)
{
	struct la_store_config cfg;
	struct la_store *st = NULL;
	enum { N = 40 };
	int64_t t0;
	long last = 0, steps = 0;
	json_object *o;
	int status;
	(void)state;

	memset(&cfg, 0, sizeof(cfg));
	cfg.ingestion_delay_ms = 30000;
	cfg.ingestion_jitter_ms = 10000;
	cfg.seed = 42;
	cfg.clock = fake_clock;
	fake_now = 1700000000000000000LL;
	assert_int_equal(la_store_new(&cfg, &st), 0);
	assert_int_equal(la_store_add_workspace(st, WS), 0);
	assert_int_equal(la_store_get_ingestion_jitter_ms(st), 10000);
	assert_int_equal(la_store_set_ingestion_jitter_ms(st, -1), -EINVAL);
	t0 = fake_now;
	for (int i = 0; i < N; i++) {
		struct la_console_record r = console_rec("line", "stdout");
		assert_int_equal(la_store_append_console(st, WS, LA, &r), 0);
	}
	/* nothing before median - jitter: the table does not exist yet */
	fake_now = t0 + 19999LL * 1000000;
	o = query(st, "ContainerAppConsoleLogs_CL | count", &status);
	assert_int_equal(status, 400);
	json_object_put(o);
	for (int sec = 20; sec <= 40; sec++) {
		long n;
		fake_now = t0 + (int64_t)sec * 1000000000LL;
		o = query(st, "ContainerAppConsoleLogs_CL | count", &status);
		if (status == 400) { /* no row yet, so no table yet */
			assert_int_equal(last, 0);
			json_object_put(o);
			continue;
		}
		assert_int_equal(status, 200);
		n = (long)json_object_get_int64(cell(o, 0, "Count"));
		json_object_put(o);
		assert_true(n >= last); /* never disappears */
		if (n > last)
			steps++;
		if (sec == 30) /* some, not all */
			assert_true(n > 0 && n < N);
		last = n;
	}
	assert_int_equal(last, N); /* all by median + jitter */
	assert_true(steps >= 5);    /* spread over time, not at once */
	la_store_free(st);

	/* a median of 0 means at once, whatever the jitter */
	cfg.ingestion_delay_ms = 0;
	assert_int_equal(la_store_new(&cfg, &st), 0);
	assert_int_equal(la_store_add_workspace(st, WS), 0);
	{
		struct la_console_record r = console_rec("now", "stdout");
		assert_int_equal(la_store_append_console(st, WS, LA, &r), 0);
	}
	o = query(st, "ContainerAppConsoleLogs_CL | count", &status);
	assert_int_equal(status, 200);
	assert_int_equal(json_object_get_int64(cell(o, 0, "Count")), 1);
	json_object_put(o);
	la_store_free(st);
}

static void test_utf8_and_escapes(void **state)
{
	struct la_store *st = new_store(0, 0, false);
	struct la_console_record r = console_rec(NULL, "stdout");
	const char raw[] = "bad \xff byte, tab\t\"q\" \\ \x01 caf\xc3\xa9";
	json_object *o;
	int status;
	(void)state;
	r.log = raw;
	assert_int_equal(la_store_append_console(st, WS, LA, &r), 0);
	r.log = "abc\0def";
	r.log_len = 7; /* embedded NUL: kept as \u0000 */
	assert_int_equal(la_store_append_console(st, WS, LA, &r), 0);
	o = query(st, "ContainerAppConsoleLogs_CL | project Log_s", &status);
	assert_int_equal(status, 200);
	assert_string_equal(cell_s(o, 0, "Log_s"),
			    "bad \xef\xbf\xbd byte, tab\t\"q\" \\ \x01 caf\xc3\xa9");
	assert_int_equal(json_object_get_string_len(cell(o, 1, "Log_s")), 7);
	json_object_put(o);
	o = query(st, "ContainerAppConsoleLogs_CL | where Log_s has 'café'",
		  &status);
	assert_int_equal(row_count(o), 1);
	json_object_put(o);
	la_store_free(st);
}

/* ---- concurrency smoke ---- */

struct appender {
	struct la_store *st;
	int id;
	int n;
};

static void *append_thread(void *arg)
{
	struct appender *a = arg;
	char line[64];
	for (int i = 0; i < a->n; i++) {
		struct la_console_record r;
		struct la_system_record s;
		snprintf(line, sizeof(line), "thread %d line %d", a->id, i);
		r = console_rec(line, i % 2 ? "stderr" : "stdout");
		if (la_store_append_console(a->st, WS, LA, &r))
			return (void *)1;
		if (i % 50 == 0) {
			memset(&s, 0, sizeof(s));
			s.job_name = "myjob";
			s.reason = "ContainerStarted";
			s.message = line;
			if (la_store_append_system(a->st, WS, LA, &s))
				return (void *)1;
		}
	}
	return NULL;
}

static void concurrent(size_t cap, long expect_total)
{
	struct la_store_config cfg;
	struct la_store *st;
	enum { THREADS = 4, LINES = 400 };
	pthread_t th[THREADS];
	struct appender ap[THREADS];
	long last = 0;

	memset(&cfg, 0, sizeof(cfg));
	cfg.max_rows_per_table = cap;
	cfg.tables_exist_initially = true;
	assert_int_equal(la_store_new(&cfg, &st), 0); /* real clock */
	assert_int_equal(la_store_add_workspace(st, WS), 0);
	for (int i = 0; i < THREADS; i++) {
		ap[i].st = st;
		ap[i].id = i;
		ap[i].n = LINES;
		assert_int_equal(pthread_create(&th[i], NULL, append_thread, &ap[i]),
				 0);
	}
	for (int q = 0; q < 40; q++) {
		int status;
		json_object *o = query(st,
				       "ContainerAppConsoleLogs_CL | where Log_s "
				       "has 'thread' | order by TimeGenerated desc "
				       "| project TimeGenerated, Log_s | count",
				       &status);
		long n;
		assert_int_equal(status, 200);
		n = (long)json_object_get_int64(cell(o, 0, "Count"));
		json_object_put(o);
		if (!cap)
			assert_true(n >= last); /* never goes backwards */
		assert_true(n <= expect_total);
		last = n;
	}
	for (int i = 0; i < THREADS; i++) {
		void *ret = (void *)1;
		assert_int_equal(pthread_join(th[i], &ret), 0);
		assert_null(ret);
	}
	{
		int status;
		json_object *o = query(st, "ContainerAppConsoleLogs_CL | count",
				       &status);
		assert_int_equal(json_object_get_int64(cell(o, 0, "Count")),
				 expect_total);
		json_object_put(o);
		o = query(st, "ContainerAppSystemLogs_CL | count", &status);
		assert_int_equal(json_object_get_int64(cell(o, 0, "Count")),
				 cap && cap < THREADS * (LINES / 50)
					 ? (long)cap
					 : THREADS * (LINES / 50));
		json_object_put(o);
	}
	la_store_free(st);
}

static void test_threads(void **state)
{
	(void)state;
	concurrent(0, 4 * 400);
	concurrent(100, 100); /* eviction racing queries */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_workspaces),
		cmocka_unit_test(test_schemas),
		cmocka_unit_test(test_console_rows),
		cmocka_unit_test(test_system_rows),
		cmocka_unit_test(test_ingestion_delay),
		cmocka_unit_test(test_ingestion_jitter),
		cmocka_unit_test(test_custom_columns),
		cmocka_unit_test(test_row_cap),
		cmocka_unit_test(test_generic_append),
		cmocka_unit_test(test_utf8_and_escapes),
		cmocka_unit_test(test_threads),
	};
	return cmocka_run_group_tests_name("la_store", tests, NULL, NULL);
}
