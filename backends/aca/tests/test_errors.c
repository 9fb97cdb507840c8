/*
 * tests/test_errors.c - errors.c: Azure's error bodies (ARM's envelope,
 * Log Analytics' nested innererror, Entra's OAuth pair, a proxy's HTML)
 * mapped onto Docker's errors, with the request id kept and messages
 * cut on a UTF-8 boundary.  The bodies follow the shapes of the official
 * examples and public captures.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "aca.h"

static int mapped(long status, const char *body, const char *reqid,
	const char *what, struct aca_err *e)
{
	struct aca_resp r = { 0 };

	r.status = status;
	r.body = (char *)body;
	r.len = body ? strlen(body) : 0;
	r.request_id = (char *)reqid;
	r.retry_after_s = -1;
	return aca_err_from_resp(e, &r, what);
}

/* 1 when s is well-formed UTF-8. */
static int utf8_valid(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	while (*p) {
		int n = *p < 0x80 ? 0 : (*p & 0xE0) == 0xC0 ? 1 :
			(*p & 0xF0) == 0xE0 ? 2 : (*p & 0xF8) == 0xF0 ? 3 : -1;

		if (n < 0)
			return 0;
		p++;
		while (n-- > 0)
			if ((*p++ & 0xC0) != 0x80)
				return 0;
	}
	return 1;
}

static void test_not_found(void **state)
{
	struct aca_err e;
	char code[64];
	struct aca_resp r = { 0 };
	const char *body = "{\"error\":{\"code\":\"ResourceNotFound\",\"message\":"
		"\"The Resource 'Microsoft.App/jobs/sl-web-1a2b3c' under resource "
		"group 'rg' was not found. For more details please go to "
		"https://aka.ms/ARMResourceNotFoundFix\"}}";

	(void)state;
	assert_int_equal(mapped(404, body, "6e4f0a51-0c47-4d5e-8f3c-1a2b3c4d5e6f",
		"inspect job sl-web-1a2b3c", &e), SL_ENOTFOUND);
	assert_int_equal(e.status, SL_ENOTFOUND);
	assert_non_null(strstr(e.msg, "inspect job sl-web-1a2b3c"));
	assert_non_null(strstr(e.msg, "was not found"));
	assert_non_null(strstr(e.msg, "ResourceNotFound"));
	/* The request id ends the message. */
	assert_non_null(strstr(e.msg, "(Azure request id "
		"6e4f0a51-0c47-4d5e-8f3c-1a2b3c4d5e6f)"));
	assert_string_equal(e.msg + strlen(e.msg) - 1, ")");

	r.status = 404;
	r.body = (char *)body;
	r.len = strlen(body);
	aca_err_code(&r, code, sizeof(code));
	assert_string_equal(code, "ResourceNotFound");
}

static void test_conflict(void **state)
{
	struct aca_err e;

	(void)state;
	assert_int_equal(mapped(409, "{\"error\":{\"code\":"
		"\"ContainerAppsJobOperationInProgress\",\"message\":\"Cannot "
		"modify a container apps job 'j' because there is an active "
		"provisioning operation in progress.\"}}", NULL, "update job j",
		&e), SL_ECONFLICT);
	assert_non_null(strstr(e.msg, "active provisioning operation"));
	/* No request id, no suffix. */
	assert_null(strstr(e.msg, "request id"));
}

static void test_bad_request(void **state)
{
	struct aca_err e;

	(void)state;
	assert_int_equal(mapped(400, "{\"error\":{\"code\":"
		"\"ContainerAppInvalidResourceTotal\",\"message\":\"The total "
		"requested CPU and memory resources for this application (CPU: "
		"0.3, memory: 1) is invalid. Total CPU and memory for all "
		"containers defined in a Container App must add up to one of the "
		"following CPU - Memory combinations: [cpu: 0.25, memory: 0.5Gi]; "
		"[cpu: 0.5, memory: 1.0Gi]\"}}", "rid", "create job j", &e),
		SL_EINVAL);
	/* Azure's own words reach the user. */
	assert_non_null(strstr(e.msg, "The total requested CPU and memory"));
	assert_non_null(strstr(e.msg, "ContainerAppInvalidResourceTotal"));

	/* Nested details (MultipleErrorsOccurred) still give the top one. */
	assert_int_equal(mapped(400, "{\"error\":{\"code\":"
		"\"MultipleErrorsOccurred\",\"message\":\"Multiple error occurred: "
		"BadRequest. Please see details.\",\"details\":[{\"code\":"
		"\"InvalidParameter\",\"target\":\"x\",\"message\":\"m\"}]}}",
		NULL, "create job j", &e), SL_EINVAL);
	assert_non_null(strstr(e.msg, "MultipleErrorsOccurred"));
}

static void test_auth(void **state)
{
	struct aca_err e;

	(void)state;
	assert_int_equal(mapped(403, "{\"error\":{\"code\":\"AuthorizationFailed\","
		"\"message\":\"The client '0b1f' with object id '0b1f' does not "
		"have authorization to perform action 'Microsoft.App/jobs/write' "
		"over scope '/subscriptions/s/resourceGroups/rg/providers/"
		"Microsoft.App/jobs/j' or the scope is invalid. If access was "
		"recently granted, please refresh your credentials.\"}}", "rid",
		"create job j", &e), SL_EPERM);
	assert_non_null(strstr(e.msg, "create job j"));
	assert_non_null(strstr(e.msg, "not authorized"));
	assert_non_null(strstr(e.msg, "Microsoft.App/jobs/write"));
	assert_non_null(strstr(e.msg, "over scope '/subscriptions/s/"));

	assert_int_equal(mapped(401, "{\"error\":{\"code\":"
		"\"ExpiredAuthenticationToken\",\"message\":\"The access token "
		"expiry UTC time '8/17/2017 10:54:41 PM' is earlier than current "
		"UTC time '8/17/2017 10:55:43 PM'.\"}}", NULL, "list jobs", &e),
		SL_EPERM);
	assert_non_null(strstr(e.msg, "ExpiredAuthenticationToken"));
}

static void test_unavailable(void **state)
{
	struct aca_err e;

	(void)state;
	assert_int_equal(mapped(429, "{\"error\":{\"code\":\"TooManyRequests\","
		"\"message\":\"The request is being throttled as the limit has "
		"been reached for operation type - 'Read'. For more information, "
		"see - https://aka.ms/msdn-throttling\"}}", NULL, "list jobs", &e),
		SL_EUNAVAIL);
	assert_non_null(strstr(e.msg, "throttl"));
	assert_int_equal(mapped(503, "{\"error\":{\"code\":\"ServiceUnavailable\","
		"\"message\":\"The service is temporarily unavailable.\"}}", NULL,
		"start job j", &e), SL_EUNAVAIL);
	assert_int_equal(mapped(500, NULL, NULL, "start job j", &e),
		SL_EUNAVAIL);
	assert_int_equal(mapped(504, "<html><body>Gateway Time-out</body></html>",
		NULL, "start job j", &e), SL_EUNAVAIL);
	/* A body that is not JSON is not quoted. */
	assert_null(strstr(e.msg, "<html>"));
	assert_non_null(strstr(e.msg, "HTTP 504"));
	assert_int_equal(mapped(408, "", NULL, "x", &e), SL_EUNAVAIL);
}

static void test_quota(void **state)
{
	struct aca_err e;

	(void)state;
	/* Quota refusals come with 400, 403 or 409; all are 500 for Docker. */
	assert_int_equal(mapped(400, "{\"error\":{\"code\":"
		"\"SubscriptionQuotaExceeded\",\"message\":\"The subscription has "
		"reached its quota of jobs.\"}}", "rid", "create job j", &e),
		SL_EINTERNAL);
	assert_non_null(strstr(e.msg, "quota"));
	assert_int_equal(mapped(409, "{\"error\":{\"code\":"
		"\"ManagedEnvironmentCoreQuotaExceeded\",\"message\":\"m\"}}",
		NULL, "start", &e), SL_EINTERNAL);
	assert_int_equal(mapped(403, "{\"error\":{\"code\":\"QuotaExceeded\","
		"\"message\":\"m\"}}", NULL, "start", &e), SL_EINTERNAL);
}

static void test_log_analytics(void **state)
{
	struct aca_err e;
	char code[64];
	struct aca_resp r = { 0 };
	const char *body = "{\"error\":{\"message\":\"The request had some "
		"invalid properties\",\"code\":\"BadArgumentError\","
		"\"correlationId\":\"c\",\"innererror\":{\"code\":\"SemanticError\","
		"\"message\":\"A semantic error occurred.\",\"innererror\":{"
		"\"code\":\"SEM0100\",\"message\":\"'take' operator: Failed to "
		"resolve table or column expression named 'X_CL'\"}}}}";

	(void)state;
	assert_int_equal(mapped(400, body, NULL, "query logs", &e), SL_EINVAL);
	/* The innermost message is the one that says what is wrong. */
	assert_non_null(strstr(e.msg, "The request had some invalid properties"));
	assert_non_null(strstr(e.msg, "Failed to resolve table or column "
		"expression named 'X_CL'"));
	r.status = 400;
	r.body = (char *)body;
	r.len = strlen(body);
	aca_err_code(&r, code, sizeof(code));
	assert_string_equal(code, "BadArgumentError");

	assert_int_equal(mapped(401, "{\"error\":{\"message\":\"Valid "
		"authentication was not provided\",\"code\":"
		"\"AuthorizationRequiredError\",\"correlationId\":\"c\"}}", NULL,
		"query logs", &e), SL_EPERM);
	assert_int_equal(mapped(403, "{\"error\":{\"message\":\"The provided "
		"authentication is not valid for this resource\",\"code\":"
		"\"InvalidTokenError\"}}", NULL, "query logs", &e), SL_EPERM);
}

static void test_entra(void **state)
{
	struct aca_resp r = { 0 };
	char code[64], msg[512];

	(void)state;
	r.status = 401;
	r.body = "{\"error\":\"invalid_client\",\"error_description\":"
		"\"AADSTS7000215: Invalid client secret provided.\\r\\nTrace ID: "
		"t\\r\\nCorrelation ID: c\\r\\nTimestamp: 2026-01-01 00:00:00Z\","
		"\"error_codes\":[7000215],\"timestamp\":\"2026-01-01 00:00:00Z\","
		"\"trace_id\":\"t\",\"correlation_id\":\"c\",\"error_uri\":\"u\"}";
	r.len = strlen(r.body);
	aca_err_code(&r, code, sizeof(code));
	aca_err_message(&r, msg, sizeof(msg));
	assert_string_equal(code, "invalid_client");
	assert_non_null(strstr(msg, "AADSTS7000215: Invalid client secret"));
	/* One line: no CR/LF. */
	assert_null(strchr(msg, '\n'));
	assert_null(strchr(msg, '\r'));

	/* App Service's token service. */
	r.status = 401;
	r.body = "{\"statusCode\":401,\"message\":\"The X-IDENTITY-HEADER header "
		"value is not valid.\",\"correlationId\":\"c\"}";
	r.len = strlen(r.body);
	aca_err_message(&r, msg, sizeof(msg));
	assert_string_equal(msg, "The X-IDENTITY-HEADER header value is not "
		"valid.");
	aca_err_code(&r, code, sizeof(code));
	assert_string_equal(code, "");
}

static void test_utf8_cut(void **state)
{
	struct aca_err e;
	size_t n = 0;
	char *msg = malloc(8192), *body = malloc(9000);
	const char *rid = "0f0f0f0f-1111-2222-3333-444444444444";

	(void)state;
	/* 2-, 3- and 4-byte characters, far more than fits. */
	while (n + 10 < 8000) {
		memcpy(msg + n, "\xc3\xa9\xe2\x82\xac\xf0\x9f\x90\xb3x", 10);
		n += 10;
	}
	msg[n] = '\0';
	snprintf(body, 9000, "{\"error\":{\"code\":\"InvalidParameter\","
		"\"message\":\"%s\"}}", msg);
	for (int shift = 0; shift < 10; shift++) {
		char what[32];

		/* Move the cut across every byte of a sequence. */
		snprintf(what, sizeof(what), "%.*s", shift + 1, "wwwwwwwwww");
		assert_int_equal(mapped(400, body, rid, what, &e), SL_EINVAL);
		assert_true(strlen(e.msg) < sizeof(e.msg));
		assert_true(utf8_valid(e.msg));
		/* The request id survives the cut. */
		assert_non_null(strstr(e.msg, rid));
	}

	/* aca_err_set cuts on a boundary too. */
	assert_int_equal(aca_err_set(&e, SL_EINVAL, "%s", msg), SL_EINVAL);
	assert_true(utf8_valid(e.msg));
	assert_true(strlen(e.msg) >= sizeof(e.msg) - 4);
	free(msg);
	free(body);
}

static void test_unexpected(void **state)
{
	struct aca_err e;

	(void)state;
	assert_int_equal(mapped(200, "{}", NULL, "x", &e), SL_EINTERNAL);
	assert_int_equal(mapped(302, NULL, NULL, "x", &e), SL_EINTERNAL);
	/* Control characters in Azure's text do not break the line. */
	assert_int_equal(mapped(400, "{\"error\":{\"code\":\"C\",\"message\":"
		"\"line1\\nline2\\ttab\"}}", NULL, "x", &e), SL_EINVAL);
	assert_null(strchr(e.msg, '\n'));
	assert_null(strchr(e.msg, '\t'));
	/* A message without a code, a code without a message. */
	assert_int_equal(mapped(400, "{\"error\":{\"message\":\"only text\"}}",
		NULL, "x", &e), SL_EINVAL);
	assert_non_null(strstr(e.msg, "only text"));
	assert_int_equal(mapped(409, "{\"error\":{\"code\":\"Conflict\"}}", NULL,
		"x", &e), SL_ECONFLICT);
	assert_non_null(strstr(e.msg, "Conflict"));
	/* Fields of the wrong type are ignored. */
	assert_int_equal(mapped(404, "{\"error\":{\"code\":7,\"message\":[]}}",
		NULL, "x", &e), SL_ENOTFOUND);
	assert_int_equal(mapped(404, "[1,2]", NULL, NULL, &e), SL_ENOTFOUND);
}

/* aca_err_report hands the message to the host. */
static int got_status;
static char got_msg[1100];

static int fake_set_error(sl_call *call, int status, const char *fmt, ...)
{
	va_list ap;

	(void)call;
	got_status = status;
	va_start(ap, fmt);
	vsnprintf(got_msg, sizeof(got_msg), fmt, ap);
	va_end(ap);
	return status;
}

static void test_report(void **state)
{
	struct sl_host_v1 host = { SL_HEADER(struct sl_host_v1),
		.set_error = fake_set_error };
	struct aca_err e;

	(void)state;
	aca_err_set(&e, SL_ECONFLICT, "job %s is busy", "j");
	assert_int_equal(aca_err_report(&host, NULL, &e), SL_ECONFLICT);
	assert_int_equal(got_status, SL_ECONFLICT);
	assert_string_equal(got_msg, "job j is busy");
	/* A "%" in the message is not a format. */
	aca_err_set(&e, SL_EINVAL, "%s", "100%s sure");
	aca_err_report(&host, NULL, &e);
	assert_string_equal(got_msg, "100%s sure");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_not_found),
		cmocka_unit_test(test_conflict),
		cmocka_unit_test(test_bad_request),
		cmocka_unit_test(test_auth),
		cmocka_unit_test(test_unavailable),
		cmocka_unit_test(test_quota),
		cmocka_unit_test(test_log_analytics),
		cmocka_unit_test(test_entra),
		cmocka_unit_test(test_utf8_cut),
		cmocka_unit_test(test_unexpected),
		cmocka_unit_test(test_report),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
