/* test_la_query.c - the query request -> response function: the typed
 * result against the official Log Analytics v1 examples
 * (tests/azure-sim/fixtures/loganalytics-v1), Azure's error bodies
 * byte for byte, workspace checks, timespans, and the POST body. */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <json-c/json.h>

#include "kql.h"
#include "la_json.h"
#include "la_query.h"
#include "la_store.h"

#define WS "00000000-0000-0000-0000-0000000000ee"
#define WS2 "11111111-2222-3333-4444-555555555555"

static int64_t fake_now;

static int64_t fake_clock(void *ctx)
{
	(void)ctx;
	return fake_now;
}

static int64_t ns_of(const char *iso)
{
	int64_t t;
	assert_int_equal(kql_parse_datetime(iso, strlen(iso), &t), 0);
	return t * 100;
}

static struct la_store *new_store(void)
{
	struct la_store_config cfg;
	struct la_store *st = NULL;
	memset(&cfg, 0, sizeof(cfg));
	cfg.clock = fake_clock;
	fake_now = ns_of("2024-03-01T12:00:00Z");
	assert_int_equal(la_store_new(&cfg, &st), 0);
	assert_int_equal(la_store_add_workspace(st, WS), 0);
	assert_int_equal(la_store_add_workspace(st, WS2), 0);
	return st;
}

static void add_line(struct la_store *st, const char *ws, const char *when,
		     const char *log)
{
	struct la_console_record r;
	memset(&r, 0, sizeof(r));
	r.time_ns = ns_of(when);
	r.job_name = "job";
	r.container_group_name = "job-abcdefg-12345";
	r.container_name = "c";
	r.stream = "stdout";
	r.log = log;
	assert_int_equal(la_store_append_console(st, ws, LA_DEST_LOG_ANALYTICS, &r), 0);
}

static char *run(struct la_store *st, const char *ws, const char *q,
		 const char *timespan, int *status)
{
	struct la_query_request req;
	char *body = NULL;
	memset(&req, 0, sizeof(req));
	req.workspace_id = ws;
	req.query = q;
	req.timespan = timespan;
	req.correlation_id = "34f5f93a-6007-48a4-904f-487ca4e62a82";
	assert_int_equal(la_query_run(st, &req, status, &body), 0);
	assert_non_null(body);
	return body;
}

static json_object *parse(const char *body)
{
	json_object *o = json_tokener_parse(body);
	if (!o)
		fail_msg("not JSON: %s", body);
	return o;
}

static size_t rows_of(const char *body)
{
	json_object *o = parse(body), *t, *rows;
	size_t n;
	assert_true(json_object_object_get_ex(o, "tables", &t));
	assert_true(json_object_object_get_ex(json_object_array_get_idx(t, 0),
					      "rows", &rows));
	n = json_object_array_length(rows);
	json_object_put(o);
	return n;
}

/* ---- the official examples ---- */

static char *read_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;
	if (!f)
		fail_msg("cannot open %s", path);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

/* A table built from a fixture's response: the example's own columns and
 * rows, cells parsed by column type from the example's text. */
struct fixture_table {
	struct kql_column *cols;
	size_t ncols;
	struct kql_value **rows;
	size_t nrows;
	json_object *doc;
};

static int resolve_fixture(void *ctx, const char *name, struct kql_table *out)
{
	struct fixture_table *ft = ctx;
	if (strcmp(name, "Usage") != 0)
		return -ENOENT;
	out->cols = ft->cols;
	out->ncols = ft->ncols;
	out->rows = (const struct kql_value *const *)ft->rows;
	out->nrows = ft->nrows;
	return 0;
}

static struct kql_value fixture_cell(enum kql_type t, json_object *v)
{
	const char *s = json_object_get_string(v);
	struct kql_value x = kql_null(t);
	if (!v)
		return x;
	switch (t) {
	case KQL_T_STRING:
		return kql_str(s);
	case KQL_T_DATETIME:
		x = kql_datetime(0);
		assert_int_equal(kql_parse_datetime(s, strlen(s), &x.u.ticks), 0);
		return x;
	case KQL_T_LONG:
		return kql_long(strtoll(s, NULL, 10));
	case KQL_T_REAL:
		return kql_real(strtod(s, NULL));
	case KQL_T_BOOL:
		return kql_bool(strcmp(s, "true") == 0);
	default:
		fail_msg("fixture type %s not handled", kql_type_name(t));
	}
	return x;
}

static void load_fixture(const char *file, struct fixture_table *ft,
			 json_object **table, const char **query)
{
	char path[1024];
	const char *dir = getenv("top_srcdir"); /* set by make check */
	json_object *resp, *t, *cols, *rows, *params, *q;
	char *text;

	if (!dir || !*dir)
		dir = ".";
	snprintf(path, sizeof(path),
		 "%s/tests/azure-sim/fixtures/loganalytics-v1/%s", dir, file);
	text = read_file(path);
	ft->doc = parse(text);
	free(text);
	assert_true(json_object_object_get_ex(ft->doc, "parameters", &params));
	if (!json_object_object_get_ex(params, "query", &q)) {
		json_object *body;
		assert_true(json_object_object_get_ex(params, "body", &body));
		assert_true(json_object_object_get_ex(body, "query", &q));
	}
	*query = json_object_get_string(q);
	assert_true(json_object_object_get_ex(ft->doc, "responses", &resp));
	assert_true(json_object_object_get_ex(resp, "200", &resp));
	assert_true(json_object_object_get_ex(resp, "body", &resp));
	assert_true(json_object_object_get_ex(resp, "tables", &t));
	*table = json_object_array_get_idx(t, 0);
	assert_true(json_object_object_get_ex(*table, "columns", &cols));
	assert_true(json_object_object_get_ex(*table, "rows", &rows));
	ft->ncols = json_object_array_length(cols);
	ft->cols = calloc(ft->ncols, sizeof(*ft->cols));
	assert_non_null(ft->cols);
	for (size_t i = 0; i < ft->ncols; i++) {
		json_object *c = json_object_array_get_idx(cols, i), *n, *ty;
		assert_true(json_object_object_get_ex(c, "name", &n));
		assert_true(json_object_object_get_ex(c, "type", &ty));
		ft->cols[i].name = json_object_get_string(n);
		assert_int_equal(kql_type_parse(json_object_get_string(ty),
						&ft->cols[i].type),
				 0);
	}
	ft->nrows = json_object_array_length(rows);
	ft->rows = calloc(ft->nrows, sizeof(*ft->rows));
	assert_non_null(ft->rows);
	for (size_t r = 0; r < ft->nrows; r++) {
		json_object *row = json_object_array_get_idx(rows, r);
		ft->rows[r] = calloc(ft->ncols, sizeof(struct kql_value));
		assert_non_null(ft->rows[r]);
		for (size_t c = 0; c < ft->ncols; c++)
			ft->rows[r][c] = fixture_cell(
				ft->cols[c].type, json_object_array_get_idx(row, c));
	}
}

static void free_fixture(struct fixture_table *ft)
{
	for (size_t r = 0; r < ft->nrows; r++)
		free(ft->rows[r]);
	free(ft->rows);
	free(ft->cols);
	json_object_put(ft->doc);
}

/* Our cell must carry the example's value with the live API's JSON type. */
static void same_cell(const char *type, json_object *ex, json_object *ours)
{
	const char *exs = json_object_get_string(ex);
	if (strcmp(type, "string") == 0) {
		assert_true(json_object_is_type(ours, json_type_string));
		/* Kusto strings are never null: the example's null is "" */
		assert_string_equal(json_object_get_string(ours), ex ? exs : "");
	} else if (strcmp(type, "datetime") == 0) {
		assert_true(json_object_is_type(ours, json_type_string));
		assert_string_equal(json_object_get_string(ours), exs);
	} else if (strcmp(type, "long") == 0) {
		assert_true(json_object_is_type(ours, json_type_int));
		assert_int_equal(json_object_get_int64(ours), strtoll(exs, NULL, 10));
	} else if (strcmp(type, "real") == 0) {
		assert_true(json_object_is_type(ours, json_type_double) ||
			    json_object_is_type(ours, json_type_int));
		assert_true(json_object_get_double(ours) == strtod(exs, NULL));
	} else if (strcmp(type, "bool") == 0) {
		assert_true(json_object_is_type(ours, json_type_boolean));
		assert_int_equal(json_object_get_boolean(ours),
				 strcmp(exs, "true") == 0);
	} else {
		fail_msg("unexpected type %s", type);
	}
}

static void check_fixture(const char *file)
{
	struct fixture_table ft;
	struct kql_env env;
	struct kql_result *res = NULL;
	struct kql_error err;
	json_object *ex_table, *ours, *tables, *our_table, *ex_cols, *our_cols;
	json_object *ex_rows, *our_rows, *name;
	const char *q;
	char *body;

	memset(&ft, 0, sizeof(ft));
	load_fixture(file, &ft, &ex_table, &q);
	memset(&env, 0, sizeof(env));
	env.resolve = resolve_fixture;
	env.resolve_ctx = &ft;
	env.max_rows = LA_MAX_RESULT_ROWS;
	assert_int_equal(kql_run(q, &env, &res, &err), 0); /* "Usage | take 10" */
	body = la_json_result(res);
	kql_result_free(res);
	assert_non_null(body);
	ours = parse(body);
	free(body);

	/* same shape: {"tables":[{"name","columns","rows"}]} and nothing more */
	assert_int_equal(json_object_object_length(ours), 1);
	assert_true(json_object_object_get_ex(ours, "tables", &tables));
	assert_int_equal(json_object_array_length(tables), 1);
	our_table = json_object_array_get_idx(tables, 0);
	assert_int_equal(json_object_object_length(our_table), 3);
	assert_true(json_object_object_get_ex(our_table, "name", &name));
	assert_string_equal(json_object_get_string(name), "PrimaryResult");
	json_object_object_get_ex(ex_table, "columns", &ex_cols);
	json_object_object_get_ex(our_table, "columns", &our_cols);
	json_object_object_get_ex(ex_table, "rows", &ex_rows);
	json_object_object_get_ex(our_table, "rows", &our_rows);
	/* columns: identical objects, in order */
	assert_string_equal(
		json_object_to_json_string_ext(ex_cols, JSON_C_TO_STRING_PLAIN),
		json_object_to_json_string_ext(our_cols, JSON_C_TO_STRING_PLAIN));
	assert_int_equal(json_object_array_length(our_rows),
			 json_object_array_length(ex_rows));
	for (size_t r = 0; r < json_object_array_length(ex_rows); r++) {
		json_object *er = json_object_array_get_idx(ex_rows, r);
		json_object *orow = json_object_array_get_idx(our_rows, r);
		assert_int_equal(json_object_array_length(orow),
				 json_object_array_length(er));
		for (size_t c = 0; c < json_object_array_length(er); c++) {
			json_object *col = json_object_array_get_idx(ex_cols, c), *ty;
			json_object_object_get_ex(col, "type", &ty);
			same_cell(json_object_get_string(ty),
				  json_object_array_get_idx(er, c),
				  json_object_array_get_idx(orow, c));
		}
	}
	json_object_put(ours);
	free_fixture(&ft);
}

static void test_fixture_get_example(void **state)
{
	(void)state;
	check_fixture("la-get-example.json");
}

static void test_fixture_post_example(void **state)
{
	(void)state;
	check_fixture("oms-post-example.json");
}

/* ---- errors, byte for byte ---- */

static void test_error_bodies(void **state)
{
	struct la_store *st = new_store();
	int status;
	char *body;
	(void)state;

	/* the body the Azure SDK troubleshooting guides show */
	body = run(st, WS, "My Not So Valid Query", NULL, &status);
	assert_int_equal(status, 400);
	assert_string_equal(
		body,
		"{\"error\":{\"message\":\"The request had some invalid "
		"properties\",\"code\":\"BadArgumentError\",\"correlationId\":"
		"\"34f5f93a-6007-48a4-904f-487ca4e62a82\",\"innererror\":{\"code\":"
		"\"SyntaxError\",\"message\":\"A recognition error occurred in the "
		"query.\",\"innererror\":{\"code\":\"SYN0002\",\"message\":\"Query "
		"could not be parsed at 'Not' on line [1,3]\",\"line\":1,\"pos\":3,"
		"\"token\":\"Not\"}}}}");
	free(body);

	body = run(st, WS, "Appquests | take 10", NULL, &status);
	assert_int_equal(status, 400);
	assert_string_equal(
		body,
		"{\"error\":{\"message\":\"The request had some invalid "
		"properties\",\"code\":\"BadArgumentError\",\"correlationId\":"
		"\"34f5f93a-6007-48a4-904f-487ca4e62a82\",\"innererror\":{\"code\":"
		"\"SemanticError\",\"message\":\"A semantic error occurred.\","
		"\"innererror\":{\"code\":\"SEM0100\",\"message\":\"'take' "
		"operator: Failed to resolve table or column expression named "
		"'Appquests'\"}}}}");
	free(body);

	/* a known table before its first row: also SEM0100, as in Azure */
	body = run(st, WS, "ContainerAppConsoleLogs_CL | where Log_s has 'x'",
		   NULL, &status);
	assert_int_equal(status, 400);
	assert_non_null(strstr(body, "\"code\":\"SEM0100\",\"message\":\"'where' "
				     "operator: Failed to resolve table or column "
				     "expression named "
				     "'ContainerAppConsoleLogs_CL'\""));
	free(body);

	add_line(st, WS, "2024-03-01T11:00:00Z", "x");
	body = run(st, WS, "ContainerAppConsoleLogs_CL | where Log == 'x'", NULL,
		   &status);
	assert_int_equal(status, 400);
	assert_non_null(strstr(body, "'where' operator: Failed to resolve column "
				     "or scalar expression named 'Log'"));
	free(body);

	/* valid KQL the simulator does not run: its own innererror code
	 * (a choice, README "Known choices"), never ignored */
	body = run(st, WS, "ContainerAppConsoleLogs_CL | join (T) on x", NULL,
		   &status);
	assert_int_equal(status, 400);
	assert_string_equal(
		body,
		"{\"error\":{\"message\":\"The request had some invalid "
		"properties\",\"code\":\"BadArgumentError\",\"correlationId\":"
		"\"34f5f93a-6007-48a4-904f-487ca4e62a82\",\"innererror\":{\"code\":"
		"\"SimulatorNotSupported\",\"message\":\"The 'join' operator at "
		"'join' on line [1,29] is valid KQL but not supported by this "
		"simulator\",\"line\":1,\"pos\":29,\"token\":\"join\"}}}");
	free(body);
	/* summarize runs across several tables: the rows of each stay alive */
	body = run(st, WS, "union ContainerAppConsoleLogs_CL, "
			   "ContainerAppConsoleLogs_CL | summarize count()",
		   NULL, &status);
	assert_int_equal(status, 200);
	assert_non_null(strstr(body, "\"name\":\"count_\",\"type\":\"long\""));
	assert_non_null(strstr(body, "\"rows\":[[2]]"));
	free(body);

	body = la_query_error_body("PathNotFoundError",
				   "The requested path does not exist", "abc");
	assert_string_equal(body, "{\"error\":{\"message\":\"The requested path "
				  "does not exist\",\"code\":\"PathNotFoundError\","
				  "\"correlationId\":\"abc\"}}");
	free(body);
	la_store_free(st);
}

static void test_workspaces(void **state)
{
	struct la_store *st = new_store();
	struct la_query_request req;
	const char *extra[] = { WS2, WS2, "00000000-0000-0000-0000-0000000000EE" };
	const char *unknown[] = { "99999999-0000-0000-0000-000000000000" };
	int status;
	char *body;
	json_object *o, *e, *v;
	(void)state;

	body = run(st, "myworkspace", "T", NULL, &status);
	assert_int_equal(status, 404);
	o = parse(body);
	assert_true(json_object_object_get_ex(o, "error", &e));
	json_object_object_get_ex(e, "code", &v);
	assert_string_equal(json_object_get_string(v), "PathNotFoundError");
	json_object_object_get_ex(e, "message", &v);
	assert_string_equal(json_object_get_string(v),
			    "The requested path does not exist");
	json_object_object_get_ex(e, "correlationId", &v);
	assert_string_equal(json_object_get_string(v),
			    "34f5f93a-6007-48a4-904f-487ca4e62a82");
	json_object_put(o);
	free(body);

	body = run(st, "99999999-0000-0000-0000-000000000000", "T", NULL, &status);
	assert_int_equal(status, 404);
	assert_non_null(strstr(body, "\"code\":\"WorkspaceNotFoundError\""));
	free(body);

	/* the id is a GUID: any case */
	add_line(st, WS, "2024-03-01T11:00:00Z", "one");
	add_line(st, WS2, "2024-03-01T11:30:00Z", "two");
	body = run(st, "00000000-0000-0000-0000-0000000000EE",
		   "ContainerAppConsoleLogs_CL | project Log_s", NULL, &status);
	assert_int_equal(status, 200);
	assert_int_equal(rows_of(body), 1);
	free(body);

	/* extra workspaces are queried together (duplicates once) */
	memset(&req, 0, sizeof(req));
	req.workspace_id = WS;
	req.query = "ContainerAppConsoleLogs_CL | order by TimeGenerated asc | "
		    "project Log_s, TenantId";
	req.workspaces = extra;
	req.nworkspaces = 3;
	assert_int_equal(la_query_run(st, &req, &status, &body), 0);
	assert_int_equal(status, 200);
	assert_int_equal(rows_of(body), 2);
	assert_non_null(strstr(body, "[\"two\",\"" WS2 "\"]"));
	free(body);
	req.workspaces = unknown;
	req.nworkspaces = 1;
	assert_int_equal(la_query_run(st, &req, &status, &body), 0);
	assert_int_equal(status, 404);
	assert_non_null(strstr(body, "WorkspaceNotFoundError"));
	free(body);

	/* no query */
	memset(&req, 0, sizeof(req));
	req.workspace_id = WS;
	assert_int_equal(la_query_run(st, &req, &status, &body), 0);
	assert_int_equal(status, 400);
	assert_non_null(strstr(body, "\"code\":\"BadArgumentError\""));
	assert_non_null(strstr(body, "\"code\":\"MissingQuery\""));
	/* a correlation id is always there */
	o = parse(body);
	json_object_object_get_ex(o, "error", &e);
	assert_true(json_object_object_get_ex(e, "correlationId", &v));
	assert_int_equal(json_object_get_string_len(v), 36);
	json_object_put(o);
	free(body);
	assert_int_equal(la_query_run(NULL, &req, &status, &body), -EINVAL);
	la_store_free(st);
}

static void test_timespan(void **state)
{
	struct la_store *st = new_store(); /* now = 2024-03-01T12:00:00Z */
	const char *q = "ContainerAppConsoleLogs_CL | project Log_s";
	int status;
	char *body;
	(void)state;

	add_line(st, WS, "2024-03-01T09:00:00Z", "3h ago");
	add_line(st, WS, "2024-03-01T11:30:00Z", "30m ago");
	add_line(st, WS, "2024-03-01T12:00:00Z", "now");
	add_line(st, WS, "2024-03-01T12:30:00Z", "future");

	body = run(st, WS, q, NULL, &status);
	assert_int_equal(rows_of(body), 4);
	free(body);
	body = run(st, WS, q, "PT1H", &status);
	assert_int_equal(status, 200);
	assert_int_equal(rows_of(body), 2);
	assert_null(strstr(body, "future"));
	free(body);
	body = run(st, WS, q, "P1D", &status);
	assert_int_equal(rows_of(body), 3);
	free(body);
	body = run(st, WS, q, "2024-03-01T09:00:00Z/2024-03-01T12:00:00Z", &status);
	assert_int_equal(status, 200);
	assert_int_equal(rows_of(body), 2); /* start included, end excluded */
	free(body);
	body = run(st, WS, q, "2024-03-01T11:00:00Z/PT2H", &status);
	assert_int_equal(rows_of(body), 3);
	free(body);
	body = run(st, WS, q, "PT3H/2024-03-01T12:00:00Z", &status);
	assert_int_equal(rows_of(body), 2);
	free(body);
	/* the query's own filter applies as well */
	body = run(st, "00000000-0000-0000-0000-0000000000ee",
		   "ContainerAppConsoleLogs_CL | where TimeGenerated < ago(1h)",
		   "PT4H", &status);
	assert_int_equal(rows_of(body), 1);
	free(body);
	body = run(st, WS, q, "1 hour", &status);
	assert_int_equal(status, 400);
	assert_non_null(strstr(body, "\"code\":\"InvalidTimespan\""));
	free(body);
	body = run(st, WS, q, "P1M", &status);
	assert_int_equal(status, 400);
	free(body);
	body = run(st, WS, q, "2024-03-02T00:00:00Z/2024-03-01T00:00:00Z", &status);
	assert_int_equal(status, 400);
	free(body);
	la_store_free(st);
}

static void test_post_body(void **state)
{
	struct la_store *st = new_store();
	const char *good = "{\"query\": \"ContainerAppConsoleLogs_CL | project "
			   "Log_s\", \"timespan\": \"PT1H\", \"workspaces\": "
			   "[\"" WS2 "\"], \"ignored\": 1}\n";
	const char *noquery = "{\"timespan\": \"PT1H\"}";
	const char *notjson = "{\"query\": ";
	const char *badws = "{\"query\": \"T\", \"workspaces\": [5]}";
	int status;
	char *body;
	(void)state;

	add_line(st, WS, "2024-03-01T11:30:00Z", "a");
	add_line(st, WS2, "2024-03-01T11:40:00Z", "b");
	add_line(st, WS2, "2024-03-01T01:40:00Z", "old");
	assert_int_equal(la_query_run_post(st, WS, good, strlen(good), "c1",
					   &status, &body),
			 0);
	assert_int_equal(status, 200);
	assert_string_equal(body, "{\"tables\":[{\"name\":\"PrimaryResult\","
				  "\"columns\":[{\"name\":\"Log_s\",\"type\":"
				  "\"string\"}],\"rows\":[[\"a\"],[\"b\"]]}]}");
	free(body);

	assert_int_equal(la_query_run_post(st, WS, noquery, strlen(noquery), "c2",
					   &status, &body),
			 0);
	assert_int_equal(status, 400);
	assert_non_null(strstr(body, "MissingQuery"));
	assert_non_null(strstr(body, "\"correlationId\":\"c2\""));
	free(body);
	assert_int_equal(la_query_run_post(st, WS, notjson, strlen(notjson), NULL,
					   &status, &body),
			 0);
	assert_int_equal(status, 400);
	assert_non_null(strstr(body, "InvalidBody"));
	free(body);
	assert_int_equal(la_query_run_post(st, WS, "[]", 2, NULL, &status, &body),
			 0);
	assert_int_equal(status, 400);
	free(body);
	assert_int_equal(la_query_run_post(st, WS, "{} x", 4, NULL, &status, &body),
			 0);
	assert_int_equal(status, 400);
	free(body);
	assert_int_equal(la_query_run_post(st, WS, badws, strlen(badws), NULL,
					   &status, &body),
			 0);
	assert_int_equal(status, 404);
	free(body);
	assert_int_equal(la_query_run_post(st, "nope", good, strlen(good), NULL,
					   &status, &body),
			 0);
	assert_int_equal(status, 404);
	assert_non_null(strstr(body, "PathNotFoundError"));
	free(body);
	la_store_free(st);
}

static void test_typed_cells(void **state)
{
	struct la_store *st = new_store();
	int status;
	char *body;
	(void)state;

	add_line(st, WS, "2024-03-01T11:59:59.1234567Z", "x");
	body = run(st, WS,
		   "ContainerAppConsoleLogs_CL | project TimeGenerated, "
		   "_timestamp_d, ContainerGroupId_g, n = strlen(Log_s), b = "
		   "Log_s == 'x', r = 1.0 / 4, z = real(null), d = 90s, e = "
		   "int(7), nan = 0.0 / 0.0, inf = -1.0 / 0.0",
		   NULL, &status);
	assert_int_equal(status, 200);
	assert_non_null(strstr(body, "{\"name\":\"TimeGenerated\",\"type\":"
				     "\"datetime\"},{\"name\":\"_timestamp_d\","
				     "\"type\":\"real\"},{\"name\":"
				     "\"ContainerGroupId_g\",\"type\":\"guid\"},"
				     "{\"name\":\"n\",\"type\":\"long\"},{\"name\":"
				     "\"b\",\"type\":\"bool\"},{\"name\":\"r\","
				     "\"type\":\"real\"},{\"name\":\"z\",\"type\":"
				     "\"real\"},{\"name\":\"d\",\"type\":"
				     "\"timespan\"},{\"name\":\"e\",\"type\":"
				     "\"int\"}"));
	assert_non_null(strstr(body, "[[\"2024-03-01T11:59:59.1234567Z\","
				     "1709294399.1234567,\""));
	assert_non_null(strstr(body, "\",1,true,0.25,null,\"00:01:30\",7,\"NaN\","
				     "\"-Infinity\"]]"));
	free(body);
	body = run(st, WS, "ContainerAppConsoleLogs_CL | count", NULL, &status);
	assert_string_equal(body, "{\"tables\":[{\"name\":\"PrimaryResult\","
				  "\"columns\":[{\"name\":\"Count\",\"type\":"
				  "\"long\"}],\"rows\":[[1]]}]}");
	free(body);
	body = run(st, WS, "ContainerAppConsoleLogs_CL | where Log_s == 'y'", NULL,
		   &status);
	assert_int_equal(status, 200);
	assert_non_null(strstr(body, "\"rows\":[]}]}"));
	free(body);
	la_store_free(st);
}

static void test_partial_error(void **state)
{
	struct kql_column col = { "x", KQL_T_LONG, false };
	struct kql_value v = kql_long(1);
	const struct kql_value *rows[1] = { &v };
	struct kql_result r;
	json_object *o, *e, *x;
	char *body;
	(void)state;

	memset(&r, 0, sizeof(r));
	r.cols = &col;
	r.ncols = 1;
	r.rows = rows;
	r.nrows = 1;
	r.truncated = true;
	body = la_json_result(&r);
	assert_non_null(body);
	o = parse(body);
	free(body);
	assert_true(json_object_object_get_ex(o, "tables", &x));
	assert_true(json_object_object_get_ex(o, "error", &e));
	json_object_object_get_ex(e, "code", &x);
	assert_string_equal(json_object_get_string(x), "PartialError");
	assert_true(json_object_object_get_ex(e, "details", &x));
	assert_int_equal(json_object_array_length(x), 1);
	json_object_put(o);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fixture_get_example),
		cmocka_unit_test(test_fixture_post_example),
		cmocka_unit_test(test_error_bodies),
		cmocka_unit_test(test_workspaces),
		cmocka_unit_test(test_timespan),
		cmocka_unit_test(test_post_body),
		cmocka_unit_test(test_typed_cells),
		cmocka_unit_test(test_partial_error),
	};
	return cmocka_run_group_tests_name("la_query", tests, NULL, NULL);
}
