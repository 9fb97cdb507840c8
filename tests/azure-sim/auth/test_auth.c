/* test_auth: unit tests for the simulator's auth module (form parsing,
 * base64url, HS256 JWTs, Entra / IMDS / IDENTITY_ENDPOINT token endpoints,
 * bearer checks for ARM, Log Analytics and the ACA data plane). */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <regex.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <cmocka.h>
#include <json-c/json.h>

#include "auth_bearer.h"
#include "auth_ctx.h"
#include "auth_form.h"
#include "auth_http.h"
#include "auth_issue.h"
#include "sim_util.h"
#include "jwt_b64.h"
#include "jwt_hs256.h"

#define TENANT AUTH_DEFAULT_TENANT
#define TOKEN_PATH "/" TENANT "/oauth2/v2.0/token"
#define ARM_SCOPE "https%3A%2F%2Fmanagement.azure.com%2F.default"
#define JWT_BEARER "urn%3Aietf%3Aparams%3Aoauth%3Aclient-assertion-type%3Ajwt-bearer"

static const unsigned char test_key[] = "0123456789abcdef0123456789abcdef";

/* ---- fixtures and helpers ---------------------------------------------- */

struct fake_clock {
	long long now;
};

static long long fake_now(void *ctx)
{
	return ((struct fake_clock *)ctx)->now;
}

/* Headers as name/value pairs, looked up case-insensitively. */
struct hdrs {
	const char *kv[16];
};

static const char *hdr_lookup(void *ctx, const char *name)
{
	struct hdrs *h = ctx;
	size_t i;

	for (i = 0; i + 1 < 16 && h->kv[i]; i += 2)
		if (strcasecmp(h->kv[i], name) == 0)
			return h->kv[i + 1];
	return NULL;
}

static struct auth *new_auth(long lifetime, struct fake_clock *clk)
{
	struct auth_settings s;
	struct auth *a = NULL;

	memset(&s, 0, sizeof(s));
	s.key = test_key;
	s.key_len = sizeof(test_key) - 1;
	s.token_lifetime = lifetime;
	if (clk) {
		s.clock = fake_now;
		s.clock_ctx = clk;
	}
	assert_int_equal(auth_new(&s, &a), 0);
	assert_non_null(a);
	return a;
}

/* POST body to the Entra endpoint at path; returns the parsed body. */
static struct json_object *entra(struct auth *a, const char *method,
				 const char *path, const char *body,
				 struct hdrs *h, struct auth_response *r)
{
	struct auth_request req;
	struct json_object *o;

	memset(&req, 0, sizeof(req));
	req.method = method;
	req.path = path;
	req.body = body;
	req.body_len = body ? strlen(body) : 0;
	if (h) {
		req.header = hdr_lookup;
		req.header_ctx = h;
	}
	auth_response_init(r);
	assert_int_equal(auth_handle(a, &req, r), 0);
	assert_non_null(r->body);
	assert_string_equal(r->content_type, "application/json; charset=utf-8");
	o = json_tokener_parse(r->body);
	assert_non_null(o);
	return o;
}

/* GET path?query with headers; returns the parsed body. */
static struct json_object *get(struct auth *a, const char *method,
			       const char *path, const char *query,
			       struct hdrs *h, struct auth_response *r)
{
	struct auth_form q = AUTH_FORM_INIT;
	struct auth_request req;
	struct json_object *o;

	assert_int_equal(auth_form_parse_query(query, &q), 0);
	memset(&req, 0, sizeof(req));
	req.method = method;
	req.path = path;
	req.query = auth_form_lookup;
	req.query_ctx = &q;
	if (h) {
		req.header = hdr_lookup;
		req.header_ctx = h;
	}
	auth_response_init(r);
	assert_int_equal(auth_handle(a, &req, r), 0);
	auth_form_free(&q);
	assert_non_null(r->body);
	o = json_tokener_parse(r->body);
	assert_non_null(o);
	return o;
}

static const char *jstr(struct json_object *o, const char *k)
{
	struct json_object *v;

	assert_true(json_object_object_get_ex(o, k, &v));
	assert_true(json_object_is_type(v, json_type_string));
	return json_object_get_string(v);
}

static const char *jerr(struct json_object *o, const char *k)
{
	struct json_object *e;

	assert_true(json_object_object_get_ex(o, "error", &e));
	return jstr(e, k);
}

/* Assert an Entra error body: error, code, and a description starting
 * with "AADSTS<code>: <text>". */
static void assert_entra_error(struct json_object *o, const char *error,
			       long code, const char *text)
{
	struct json_object *codes;
	char prefix[64];
	const char *desc;

	assert_string_equal(jstr(o, "error"), error);
	desc = jstr(o, "error_description");
	snprintf(prefix, sizeof(prefix), "AADSTS%ld: ", code);
	assert_memory_equal(desc, prefix, strlen(prefix));
	if (text)
		assert_non_null(strstr(desc, text));
	assert_non_null(strstr(desc, "\r\nTrace ID: "));
	assert_non_null(strstr(desc, jstr(o, "trace_id")));
	assert_non_null(strstr(desc, jstr(o, "correlation_id")));
	assert_true(json_object_object_get_ex(o, "error_codes", &codes));
	assert_int_equal(json_object_array_length(codes), 1);
	assert_int_equal(json_object_get_int64(
				 json_object_array_get_idx(codes, 0)), code);
	assert_non_null(strstr(jstr(o, "error_uri"), "/error?code="));
	assert_int_equal(strlen(jstr(o, "timestamp")), strlen("2019-11-29 06:39:27Z"));
}

static char *bearer(const char *token)
{
	char *s = malloc(strlen(token) + 8);

	assert_non_null(s);
	strcpy(s, "Bearer ");
	strcat(s, token);
	return s;
}

/* Sign arbitrary claims with the test key (tokens the simulator would
 * never mint, to reach every refusal). */
static char *craft(const char *claims_json)
{
	struct json_object *c = json_tokener_parse(claims_json);
	char *tok = NULL;

	assert_non_null(c);
	assert_int_equal(jwt_hs256_sign(test_key, sizeof(test_key) - 1, NULL, c,
					&tok), 0);
	json_object_put(c);
	return tok;
}

/* An unsigned-looking assertion JWT (RS256 header, dummy signature). */
static char *assertion(const char *header_json, const char *claims_json)
{
	char *h = NULL, *c = NULL, *tok;

	assert_int_equal(jwt_b64_encode(header_json, strlen(header_json), &h), 0);
	assert_int_equal(jwt_b64_encode(claims_json, strlen(claims_json), &c), 0);
	tok = malloc(strlen(h) + strlen(c) + 16);
	assert_non_null(tok);
	sprintf(tok, "%s.%s.c2lnbmF0dXJl", h, c);
	free(h);
	free(c);
	return tok;
}

static char *token_body(const char *client_id, const char *assertion_jwt,
			const char *type)
{
	char *b = malloc(strlen(assertion_jwt) + 512);

	assert_non_null(b);
	sprintf(b, "client_id=%s&scope=%s&grant_type=client_credentials"
		"&client_assertion_type=%s&client_assertion=%s",
		client_id, ARM_SCOPE, type, assertion_jwt);
	return b;
}

/* ---- auth_form ----------------------------------------------------------- */

static void test_form_decode(void **state)
{
	char *out = NULL;
	size_t n = 0;

	(void)state;
	assert_int_equal(auth_form_decode("a%20b+c%2Fd", 11, 1, &out, &n), 0);
	assert_string_equal(out, "a b c/d");
	assert_int_equal(n, 7);
	free(out);
	assert_int_equal(auth_form_decode("a+b", 3, 0, &out, NULL), 0);
	assert_string_equal(out, "a+b");
	free(out);
	assert_int_equal(auth_form_decode("%e2%82%AC", 9, 1, &out, NULL), 0);
	assert_string_equal(out, "\xe2\x82\xac");
	free(out);
	/* A bad escape stays as written, as in the rest of the simulator
	 * and .NET's UrlDecode (README "Known choices"). */
	assert_int_equal(auth_form_decode("%zz", 3, 1, &out, NULL), 0);
	assert_string_equal(out, "%zz");
	free(out);
	assert_int_equal(auth_form_decode("ab%4", 4, 1, &out, NULL), 0);
	assert_string_equal(out, "ab%4");
	free(out);
	assert_int_equal(auth_form_decode("%", 1, 1, &out, NULL), 0);
	assert_string_equal(out, "%");
	free(out);
	/* A NUL cannot be carried by a C string: refused. */
	assert_int_equal(auth_form_decode("a%00b", 5, 1, &out, NULL), -EINVAL);
	assert_null(out);
}

static void test_form_parse(void **state)
{
	struct auth_form f = AUTH_FORM_INIT;
	const char body[] = "grant_type=client_credentials&&scope=https%3A%2F%2F"
			    "management.azure.com%2F.default&flag&x=1&x=2&e=";

	(void)state;
	assert_int_equal(auth_form_parse(body, strlen(body), &f), 0);
	assert_int_equal(f.n, 6);
	assert_string_equal(auth_form_get(&f, "grant_type"), "client_credentials");
	assert_string_equal(auth_form_get(&f, "scope"),
			    "https://management.azure.com/.default");
	assert_string_equal(auth_form_get(&f, "flag"), "");
	assert_string_equal(auth_form_get(&f, "x"), "1");
	assert_int_equal(auth_form_count(&f, "x"), 2);
	assert_string_equal(auth_form_get(&f, "e"), "");
	assert_null(auth_form_get(&f, "Grant_Type"));
	assert_string_equal(auth_form_lookup(&f, "x"), "1");
	auth_form_free(&f);
	assert_int_equal(f.n, 0);
	/* not NUL-terminated input: only len bytes count */
	assert_int_equal(auth_form_parse("a=1&b=2XYZ", 7, &f), 0);
	assert_string_equal(auth_form_get(&f, "b"), "2");
	auth_form_free(&f);
	assert_int_equal(auth_form_parse("a=%G1", 5, &f), 0);
	assert_string_equal(auth_form_get(&f, "a"), "%G1");
	auth_form_free(&f);
	assert_int_equal(auth_form_parse("a=%00", 5, &f), -EINVAL);
	auth_form_free(&f);
	assert_int_equal(auth_form_parse(NULL, 0, &f), 0);
	assert_int_equal(f.n, 0);
}

static void test_form_query(void **state)
{
	struct auth_form f = AUTH_FORM_INIT;
	char *enc = NULL;

	(void)state;
	assert_int_equal(auth_form_parse_query("/metadata/identity/oauth2/token?"
					       "api-version=2018-02-01&resource="
					       "https%3A%2F%2Fvault.azure.net#frag",
					       &f), 0);
	assert_int_equal(f.n, 2);
	assert_string_equal(auth_form_get(&f, "resource"), "https://vault.azure.net");
	auth_form_free(&f);
	assert_int_equal(auth_form_parse_query("a=1&b=x+y", &f), 0);
	assert_string_equal(auth_form_get(&f, "b"), "x y");
	auth_form_free(&f);
	assert_int_equal(auth_form_parse_query("/no/query", &f), 0);
	assert_int_equal(f.n, 0);
	assert_int_equal(auth_form_parse_query(NULL, &f), 0);
	assert_int_equal(f.n, 0);

	enc = sim_url_encode("a b/c~d-e_f.g&h=é");
	assert_non_null(enc);
	assert_string_equal(enc, "a%20b%2Fc~d-e_f.g%26h%3D%C3%A9");
	assert_int_equal(auth_form_parse_query(enc, &f), 0);
	assert_string_equal(f.pairs[0].name, "a b/c~d-e_f.g&h=é");
	auth_form_free(&f);
	free(enc);
}

/* ---- base64url ------------------------------------------------------------ */

static void test_b64(void **state)
{
	static const struct {
		const char *in, *out;
	} v[] = { { "", "" }, { "f", "Zg" }, { "fo", "Zm8" }, { "foo", "Zm9v" },
		  { "foob", "Zm9vYg" }, { "\xfb\xff", "-_8" } };
	unsigned char *dec = NULL;
	size_t i, n = 0;
	char *enc = NULL;

	(void)state;
	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		assert_int_equal(jwt_b64_encode(v[i].in, strlen(v[i].in), &enc), 0);
		assert_string_equal(enc, v[i].out);
		assert_int_equal(jwt_b64_decode(enc, strlen(enc), &dec, &n), 0);
		assert_int_equal(n, strlen(v[i].in));
		assert_memory_equal(dec, v[i].in, n);
		free(enc);
		free(dec);
	}
	assert_int_equal(jwt_b64_decode("Zm8=", 4, &dec, &n), 0); /* padding ok */
	assert_string_equal((char *)dec, "fo");
	free(dec);
	assert_int_equal(jwt_b64_decode("+/8", 3, &dec, &n), -EINVAL);
	assert_null(dec);
	assert_int_equal(jwt_b64_decode("Zm9vY", 5, &dec, &n), -EINVAL);
	assert_int_equal(jwt_b64_decode("Zh", 2, &dec, &n), -EINVAL); /* non-canonical */
	assert_int_equal(jwt_b64_decode("Zm 9", 4, &dec, &n), -EINVAL);
}

/* ---- JWT -------------------------------------------------------------------- */

static void test_jwt_roundtrip(void **state)
{
	struct json_object *c = json_tokener_parse("{\"aud\":\"x/y\",\"n\":5}");
	struct json_object *out = NULL, *h = NULL, *v;
	char *tok = NULL;

	(void)state;
	assert_int_equal(jwt_hs256_sign(test_key, 32, "kid1", c, &tok), 0);
	assert_int_equal(jwt_hs256_verify(test_key, 32, tok, &out), 0);
	assert_true(json_object_object_get_ex(out, "aud", &v));
	assert_string_equal(json_object_get_string(v), "x/y");
	json_object_put(out);
	assert_int_equal(jwt_decode(tok, &h, NULL), 0);
	assert_string_equal(jstr(h, "alg"), "HS256");
	assert_string_equal(jstr(h, "typ"), "JWT");
	assert_string_equal(jstr(h, "kid"), "kid1");
	json_object_put(h);
	/* a different key does not verify */
	assert_int_equal(jwt_hs256_verify((const unsigned char *)"other", 5, tok,
					  NULL), -EBADMSG);
	free(tok);
	assert_int_equal(jwt_hs256_sign(test_key, 0, NULL, c, &tok), -EINVAL);
	assert_null(tok);
	json_object_put(c);
}

static void test_jwt_tampered(void **state)
{
	struct json_object *c = json_tokener_parse("{\"aud\":\"a\",\"exp\":1}");
	char *tok = NULL, *t2, *body = NULL, *forged;
	char *dot1, *dot2;
	size_t len;

	(void)state;
	assert_int_equal(jwt_hs256_sign(test_key, 32, NULL, c, &tok), 0);
	json_object_put(c);
	len = strlen(tok);
	/* flip one signature character */
	t2 = strdup(tok);
	t2[len - 2] = t2[len - 2] == 'A' ? 'B' : 'A';
	assert_int_equal(jwt_hs256_verify(test_key, 32, t2, NULL), -EBADMSG);
	free(t2);
	/* swap the payload for another, keep header and signature */
	dot1 = strchr(tok, '.');
	dot2 = strchr(dot1 + 1, '.');
	assert_int_equal(jwt_b64_encode("{\"aud\":\"b\",\"exp\":1}", 19, &body), 0);
	forged = malloc(len + 64);
	sprintf(forged, "%.*s.%s%s", (int)(dot1 - tok), tok, body, dot2);
	assert_int_equal(jwt_hs256_verify(test_key, 32, forged, NULL), -EBADMSG);
	free(forged);
	free(body);
	/* truncated signature (still canonical base64url, 30 bytes) */
	tok[len - 3] = '\0';
	assert_int_equal(jwt_hs256_verify(test_key, 32, tok, NULL), -EBADMSG);
	free(tok);
}

static void test_jwt_malformed(void **state)
{
	char *none;
	static const char *bad[] = {
		"", "abc", "a.b", "a.b.c.d", "eyJ9.e30.", /* header not JSON */
		"W10.e30.", /* header is an array */
		"e30.W10.", /* claims are an array */
		"e30.e30x.", /* bad base64 */
		"e30.e30.+++", /* bad signature alphabet */
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(jwt_hs256_verify(test_key, 32, bad[i], NULL), -EINVAL);
		assert_int_equal(jwt_decode(bad[i], NULL, NULL), -EINVAL);
	}
	assert_int_equal(jwt_hs256_verify(test_key, 32, NULL, NULL), -EINVAL);
	/* alg none (and a missing alg) must not verify */
	none = assertion("{\"alg\":\"none\"}", "{\"aud\":\"x\"}");
	assert_int_equal(jwt_hs256_verify(test_key, 32, none, NULL), -ENOTSUP);
	assert_int_equal(jwt_decode(none, NULL, NULL), 0);
	free(none);
	none = assertion("{\"typ\":\"JWT\"}", "{\"aud\":\"x\"}");
	assert_int_equal(jwt_hs256_verify(test_key, 32, none, NULL), -ENOTSUP);
	free(none);
}

/* ---- context ------------------------------------------------------------------ */

static void test_ctx(void **state)
{
	struct auth_settings s;
	struct auth *a = NULL;

	(void)state;
	assert_int_equal(auth_new(NULL, &a), 0);
	assert_string_equal(auth_tenant(a), TENANT);
	assert_int_equal(auth_token_lifetime(a), AUTH_DEFAULT_LIFETIME);
	auth_set_token_lifetime(a, 10);
	assert_int_equal(auth_token_lifetime(a), 10);
	auth_set_token_lifetime(a, 0);
	assert_int_equal(auth_token_lifetime(a), AUTH_DEFAULT_LIFETIME);
	assert_int_equal(auth_set_identity_header(a, ""), -EINVAL);
	assert_int_equal(auth_add_client(a, "", "x"), -EINVAL);
	auth_free(a);
	memset(&s, 0, sizeof(s));
	s.tenant = "";
	assert_int_equal(auth_new(&s, &a), -EINVAL);
	assert_null(a);
	auth_free(NULL);
}

/* ---- Entra token endpoint -------------------------------------------------- */

static void test_entra_secret_ok(void **state)
{
	struct auth *a = new_auth(0, NULL);
	struct auth_response r, e;
	struct auth_principal who;
	struct json_object *o, *v, *claims = NULL;
	struct hdrs h = { { "client-request-id", "11111111-2222-3333-4444-555555555555" } };
	char *auth;

	(void)state;
	o = entra(a, "POST", TOKEN_PATH,
		  "client_id=app1&scope=" ARM_SCOPE "&client_secret=s3cret"
		  "&grant_type=client_credentials", &h, &r);
	assert_int_equal(r.status, 200);
	assert_string_equal(jstr(o, "token_type"), "Bearer");
	assert_true(json_object_object_get_ex(o, "expires_in", &v));
	assert_true(json_object_is_type(v, json_type_int));
	assert_int_equal(json_object_get_int(v), 3599);
	assert_true(json_object_object_get_ex(o, "ext_expires_in", &v));
	assert_true(json_object_is_type(v, json_type_int));
	assert_string_equal(auth_response_header(&r, "cache-control"),
			    "no-store, no-cache");
	assert_string_equal(auth_response_header(&r, "Pragma"), "no-cache");
	assert_non_null(auth_response_header(&r, "x-ms-request-id"));
	assert_string_equal(auth_response_header(&r, "client-request-id"),
			    "11111111-2222-3333-4444-555555555555");
	/* the token is a signed JWT for the scope's resource */
	assert_int_equal(jwt_hs256_verify(test_key, 32, jstr(o, "access_token"),
					  &claims), 0);
	assert_string_equal(jstr(claims, "aud"), "https://management.azure.com");
	assert_string_equal(jstr(claims, "iss"), "https://sts.windows.net/" TENANT "/");
	assert_string_equal(jstr(claims, "tid"), TENANT);
	assert_string_equal(jstr(claims, "appid"), "app1");
	assert_string_equal(jstr(claims, "appidacr"), "1");
	assert_string_equal(jstr(claims, "sub"), jstr(claims, "oid"));
	json_object_put(claims);
	/* and ARM accepts it */
	auth = bearer(jstr(o, "access_token"));
	auth_response_init(&e);
	assert_int_equal(auth_check_bearer(a, AUTH_API_ARM, auth, &who, &e), 0);
	assert_int_equal(e.status, 0);
	assert_string_equal(who.appid, "app1");
	assert_string_equal(who.tid, TENANT);
	assert_int_equal(strlen(who.oid), 36);
	free(auth);
	json_object_put(o);
	auth_response_clear(&r);

	/* the same client gets the same object id; the correlation id echoes */
	o = entra(a, "POST", TOKEN_PATH, "grant_type=client_credentials", &h, &r);
	assert_string_equal(jstr(o, "correlation_id"),
			    "11111111-2222-3333-4444-555555555555");
	json_object_put(o);
	auth_response_clear(&r);
	auth_free(a);
}

static void test_entra_errors(void **state)
{
	struct auth *a = new_auth(0, NULL);
	struct auth_response r;
	struct json_object *o;
	static const struct {
		const char *method, *path, *body;
		int status;
		const char *error;
		long code;
		const char *text;
	} cases[] = {
		{ "GET", TOKEN_PATH, NULL, 400, "invalid_request", 900561,
		  "The endpoint only accepts POST, OPTIONS requests. Received a GET request." },
		{ "POST", "/other-tenant/oauth2/v2.0/token",
		  "grant_type=client_credentials", 400, "invalid_request", 90002,
		  "Tenant 'other-tenant' not found." },
		{ "POST", TOKEN_PATH, "client_id=x&scope=" ARM_SCOPE, 400,
		  "invalid_request", 900144,
		  "The request body must contain the following parameter: 'grant_type'." },
		{ "POST", TOKEN_PATH, "{\"grant_type\":\"client_credentials\"}", 400,
		  "invalid_request", 900144, "'grant_type'" },
		{ "POST", TOKEN_PATH, "grant_type=%00", 400, "invalid_request",
		  900144, "'grant_type'" },
		{ "POST", TOKEN_PATH, "grant_type=%zz&client_id=x", 400,
		  "unsupported_grant_type", 70003, "grant type '%zz'" },
		{ "POST", TOKEN_PATH, "grant_type=password&client_id=x", 400,
		  "unsupported_grant_type", 70003,
		  "The app requested an unsupported grant type 'password'." },
		{ "POST", TOKEN_PATH, "grant_type=client_credentials&scope=" ARM_SCOPE,
		  400, "invalid_request", 900144, "'client_id'" },
		{ "POST", TOKEN_PATH, "grant_type=client_credentials&client_id=x",
		  400, "invalid_request", 90014,
		  "The required field 'scope' is missing from the credential." },
		{ "POST", TOKEN_PATH, "grant_type=client_credentials&client_id=x"
		  "&client_secret=s&scope=https%3A%2F%2Fmanagement.azure.com", 400,
		  "invalid_scope", 1002012,
		  "The provided value for scope https://management.azure.com is not valid. "
		  "Client credential flows must have a scope value with /.default "
		  "suffixed to the resource identifier (application ID URI)." },
		{ "POST", TOKEN_PATH, "grant_type=client_credentials&client_id=x"
		  "&client_secret=s&scope=" ARM_SCOPE "+openid", 400,
		  "invalid_scope", 70011, "'scope' is not valid" },
		{ "POST", TOKEN_PATH, "grant_type=client_credentials&client_id=x"
		  "&client_secret=s&scope=foo%2F.default", 400, "invalid_resource",
		  500011, "The resource principal named foo was not found" },
		{ "POST", TOKEN_PATH, "grant_type=client_credentials&client_id=x"
		  "&scope=" ARM_SCOPE, 401, "invalid_client", 7000216,
		  "'client_assertion', 'client_secret' or 'request' is required for "
		  "the 'client_credentials' grant type." },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		o = entra(a, cases[i].method, cases[i].path, cases[i].body, NULL, &r);
		assert_int_equal(r.status, cases[i].status);
		assert_entra_error(o, cases[i].error, cases[i].code, cases[i].text);
		assert_non_null(auth_response_header(&r, "x-ms-request-id"));
		json_object_put(o);
		auth_response_clear(&r);
	}
	auth_free(a);
}

static void test_entra_registry(void **state)
{
	struct auth *a = new_auth(0, NULL);
	struct auth_response r;
	struct json_object *o;

	(void)state;
	assert_int_equal(auth_add_client(a, "AAAA-app", "right"), 0);
	o = entra(a, "POST", TOKEN_PATH, "grant_type=client_credentials&client_id="
		  "aaaa-app&client_secret=wrong&scope=" ARM_SCOPE, NULL, &r);
	assert_int_equal(r.status, 401);
	assert_entra_error(o, "invalid_client", 7000215,
			   "Invalid client secret provided. Ensure the secret being "
			   "sent in the request is the client secret value, not the "
			   "client secret ID, for a secret added to app 'aaaa-app'.");
	json_object_put(o);
	auth_response_clear(&r);

	o = entra(a, "POST", TOKEN_PATH, "grant_type=client_credentials&client_id="
		  "nobody&client_secret=right&scope=" ARM_SCOPE, NULL, &r);
	assert_int_equal(r.status, 400);
	assert_entra_error(o, "unauthorized_client", 700016,
			   "Application with identifier 'nobody' was not found in "
			   "the directory '" TENANT "'.");
	json_object_put(o);
	auth_response_clear(&r);

	o = entra(a, "POST", TOKEN_PATH, "grant_type=client_credentials&client_id="
		  "AAAA-app&client_secret=right&scope=" ARM_SCOPE, NULL, &r);
	assert_int_equal(r.status, 200);
	json_object_put(o);
	auth_response_clear(&r);

	/* replacing the secret takes effect */
	assert_int_equal(auth_add_client(a, "AAAA-app", "new"), 0);
	o = entra(a, "POST", TOKEN_PATH, "grant_type=client_credentials&client_id="
		  "AAAA-app&client_secret=right&scope=" ARM_SCOPE, NULL, &r);
	assert_int_equal(r.status, 401);
	json_object_put(o);
	auth_response_clear(&r);
	auth_free(a);
}

static void test_entra_assertion(void **state)
{
	struct fake_clock clk = { 1700000000 };
	struct auth *a = new_auth(0, &clk);
	struct auth_response r;
	struct json_object *o, *claims = NULL;
	char *jwt, *body;

	(void)state;
	/* certificate assertion: iss = sub = client id, aud = token endpoint */
	jwt = assertion("{\"alg\":\"RS256\",\"typ\":\"JWT\",\"x5t\":\"abc\"}",
			"{\"aud\":\"https://login.microsoftonline.com/" TENANT
			"/oauth2/v2.0/token\",\"iss\":\"app2\",\"sub\":\"app2\","
			"\"jti\":\"1\",\"nbf\":1699999990,\"exp\":1700000600}");
	body = token_body("app2", jwt, JWT_BEARER);
	o = entra(a, "POST", TOKEN_PATH, body, NULL, &r);
	assert_int_equal(r.status, 200);
	assert_int_equal(jwt_hs256_verify(test_key, 32, jstr(o, "access_token"),
					  &claims), 0);
	assert_string_equal(jstr(claims, "appidacr"), "2");
	assert_string_equal(jstr(claims, "appid"), "app2");
	json_object_put(claims);
	json_object_put(o);
	auth_response_clear(&r);
	free(body);

	/* wrong assertion type, missing type */
	body = token_body("app2", jwt, "urn%3Aother");
	o = entra(a, "POST", TOKEN_PATH, body, NULL, &r);
	assert_int_equal(r.status, 400);
	assert_entra_error(o, "invalid_request", 90011, "Unexpected client assertion type.");
	json_object_put(o);
	auth_response_clear(&r);
	free(body);
	body = token_body("app2", jwt, "");
	o = entra(a, "POST", TOKEN_PATH, body, NULL, &r);
	assert_entra_error(o, "invalid_request", 900144, "'client_assertion_type'");
	json_object_put(o);
	auth_response_clear(&r);
	free(body);

	/* expired: the clock moved past exp */
	clk.now = 1700000600;
	body = token_body("app2", jwt, JWT_BEARER);
	o = entra(a, "POST", TOKEN_PATH, body, NULL, &r);
	assert_int_equal(r.status, 401);
	assert_entra_error(o, "invalid_client", 700024,
			   "Client assertion is not within its valid time range. "
			   "Current time: 2023-11-14T22:23:20.0000000Z, assertion "
			   "valid from 2023-11-14T22:13:10.0000000Z, expiry time of "
			   "assertion 2023-11-14T22:23:20.0000000Z.");
	json_object_put(o);
	auth_response_clear(&r);
	free(body);
	free(jwt);
	clk.now = 1700000000;

	/* malformed / wrong subject or audience / audience array */
	{
		static const char *bad_claims[] = {
			"{\"aud\":\"https://x/" TENANT "/oauth2/v2.0/token\",\"iss\":"
			"\"app2\",\"sub\":\"other\",\"exp\":1700000600}",
			"{\"aud\":\"https://x/another/oauth2/v2.0/token\",\"iss\":"
			"\"app2\",\"sub\":\"app2\",\"exp\":1700000600}",
			"{\"aud\":[\"https://x/" TENANT "/oauth2/v2.0/token\"],\"iss\":"
			"\"app2\",\"sub\":\"app2\",\"exp\":1700000600}",
			"{\"aud\":\"https://x/" TENANT "/oauth2/v2.0/token\",\"iss\":"
			"\"app2\",\"sub\":\"app2\"}",
			"{\"aud\":\"https://x/" TENANT "/oauth2/v2.0/token\",\"iss\":"
			"\"app2\",\"sub\":\"app2\",\"exp\":\"soon\"}",
		};
		size_t i;

		for (i = 0; i < sizeof(bad_claims) / sizeof(bad_claims[0]); i++) {
			jwt = assertion("{\"alg\":\"RS256\"}", bad_claims[i]);
			body = token_body("app2", jwt, JWT_BEARER);
			o = entra(a, "POST", TOKEN_PATH, body, NULL, &r);
			assert_int_equal(r.status, 400);
			assert_entra_error(o, "invalid_request", 50027,
					   "JWT token is invalid or malformed.");
			json_object_put(o);
			auth_response_clear(&r);
			free(body);
			free(jwt);
		}
	}
	body = token_body("app2", "not-a-jwt", JWT_BEARER);
	o = entra(a, "POST", TOKEN_PATH, body, NULL, &r);
	assert_entra_error(o, "invalid_request", 50027, NULL);
	json_object_put(o);
	auth_response_clear(&r);
	free(body);

	/* header typ other than JWT */
	jwt = assertion("{\"alg\":\"RS256\",\"typ\":\"at+jwt\"}",
			"{\"aud\":\"api://AzureADTokenExchange\",\"iss\":\"https://"
			"token.actions.githubusercontent.com\",\"sub\":\"repo:o/r\","
			"\"exp\":1700000600}");
	body = token_body("app3", jwt, JWT_BEARER);
	o = entra(a, "POST", TOKEN_PATH, body, NULL, &r);
	assert_entra_error(o, "invalid_request", 5002727,
			   "Invalid JWT header type specified, must be 'JWT' or "
			   "'http://openid.net/specs/jwt/1.0'.");
	json_object_put(o);
	auth_response_clear(&r);
	free(body);
	free(jwt);
	auth_free(a);
}

static void test_entra_federated(void **state)
{
	struct fake_clock clk = { 1700000000 };
	struct auth *a = new_auth(0, &clk);
	struct auth_response r;
	struct json_object *o;
	char *jwt, *body;

	(void)state;
	jwt = assertion("{\"alg\":\"RS256\",\"kid\":\"k\"}",
			"{\"aud\":\"api://AzureADTokenExchange\",\"iss\":\"https://"
			"oidc.example/\",\"sub\":\"system:serviceaccount:ns:sa\","
			"\"iat\":1699999000,\"nbf\":1699999000,\"exp\":1700003600}");
	body = token_body("app3", jwt, JWT_BEARER);
	o = entra(a, "POST", TOKEN_PATH, body, NULL, &r);
	assert_int_equal(r.status, 200);
	json_object_put(o);
	auth_response_clear(&r);
	free(body);
	free(jwt);

	jwt = assertion("{\"alg\":\"RS256\"}",
			"{\"aud\":\"api://other\",\"iss\":\"https://oidc.example/\","
			"\"sub\":\"s\",\"exp\":1700003600}");
	body = token_body("app3", jwt, JWT_BEARER);
	o = entra(a, "POST", TOKEN_PATH, body, NULL, &r);
	assert_int_equal(r.status, 401);
	assert_entra_error(o, "invalid_client", 700212,
			   "No matching federated identity record found for "
			   "presented assertion audience 'api://other'.");
	json_object_put(o);
	auth_response_clear(&r);
	free(body);
	free(jwt);

	/* not yet valid */
	jwt = assertion("{\"alg\":\"RS256\"}",
			"{\"aud\":\"api://AzureADTokenExchange\",\"iss\":\"i\","
			"\"sub\":\"s\",\"nbf\":1700000100,\"exp\":1700003600}");
	body = token_body("app3", jwt, JWT_BEARER);
	o = entra(a, "POST", TOKEN_PATH, body, NULL, &r);
	assert_entra_error(o, "invalid_client", 700024, NULL);
	json_object_put(o);
	auth_response_clear(&r);
	free(body);
	free(jwt);
	auth_free(a);
}

/* ---- managed identity ---------------------------------------------------------- */

static void test_imds(void **state)
{
	struct fake_clock clk = { 1700000000 };
	struct auth *a = new_auth(86399, &clk);
	struct auth_response r;
	struct json_object *o, *claims = NULL;
	struct hdrs meta = { { "metadata", "true" } };
	struct hdrs nometa = { { "Accept", "*/*" } };
	struct hdrs falsemeta = { { "Metadata", "false" } };
	const char *q = "api-version=2018-02-01&resource=https%3A%2F%2Fmanagement.azure.com%2F";

	(void)state;
	o = get(a, "GET", AUTH_IMDS_PATH, q, &meta, &r);
	assert_int_equal(r.status, 200);
	assert_string_equal(jstr(o, "expires_in"), "86399");
	assert_string_equal(jstr(o, "ext_expires_in"), "86399");
	assert_string_equal(jstr(o, "expires_on"), "1700086399");
	assert_string_equal(jstr(o, "not_before"), "1700000000");
	assert_string_equal(jstr(o, "resource"), "https://management.azure.com/");
	assert_string_equal(jstr(o, "token_type"), "Bearer");
	assert_string_equal(jstr(o, "client_id"), AUTH_DEFAULT_MI_CLIENT_ID);
	assert_int_equal(jwt_hs256_verify(test_key, 32, jstr(o, "access_token"),
					  &claims), 0);
	assert_string_equal(jstr(claims, "aud"), "https://management.azure.com/");
	json_object_put(claims);
	json_object_put(o);
	auth_response_clear(&r);

	o = get(a, "GET", AUTH_IMDS_PATH, "api-version=2018-02-01&resource=x"
		"&client_id=ua-1", &meta, &r);
	assert_string_equal(jstr(o, "client_id"), "ua-1");
	json_object_put(o);
	auth_response_clear(&r);

	o = get(a, "GET", AUTH_IMDS_PATH, q, &nometa, &r);
	assert_int_equal(r.status, 400);
	assert_string_equal(r.body, "{\"error\":\"invalid_request\",\"error_description\":"
			    "\"Required metadata header not specified\"}");
	json_object_put(o);
	auth_response_clear(&r);
	o = get(a, "GET", AUTH_IMDS_PATH, q, &falsemeta, &r);
	assert_int_equal(r.status, 400);
	json_object_put(o);
	auth_response_clear(&r);
	o = get(a, "GET", AUTH_IMDS_PATH, q, NULL, &r);
	assert_int_equal(r.status, 400);
	json_object_put(o);
	auth_response_clear(&r);

	o = get(a, "GET", AUTH_IMDS_PATH, "api-version=2018-02-01", &meta, &r);
	assert_int_equal(r.status, 400);
	assert_string_equal(jstr(o, "error_description"),
			    "Required query variable 'resource' is missing");
	json_object_put(o);
	auth_response_clear(&r);
	o = get(a, "GET", AUTH_IMDS_PATH, "resource=x", &meta, &r);
	assert_int_equal(r.status, 400);
	assert_string_equal(jstr(o, "error_description"),
			    "Required query variable 'api-version' is missing");
	json_object_put(o);
	auth_response_clear(&r);
	o = get(a, "POST", AUTH_IMDS_PATH, q, &meta, &r);
	assert_int_equal(r.status, 405);
	json_object_put(o);
	auth_response_clear(&r);
	auth_free(a);
}

static void test_identity_endpoint(void **state)
{
	struct fake_clock clk = { 1700000000 };
	struct auth *a = new_auth(0, &clk);
	struct auth_response r;
	struct json_object *o, *v;
	struct hdrs good = { { "X-IDENTITY-HEADER", "sekrit" } };
	struct hdrs bad = { { "x-identity-header", "nope" } };
	const char *q = "resource=https://vault.azure.net&api-version=2019-08-01";

	(void)state;
	assert_int_equal(auth_set_identity_header(a, "sekrit"), 0);
	o = get(a, "GET", AUTH_IDENTITY_PATH, q, &good, &r);
	assert_int_equal(r.status, 200);
	assert_string_equal(jstr(o, "expires_on"), "1700003599");
	assert_string_equal(jstr(o, "resource"), "https://vault.azure.net");
	assert_string_equal(jstr(o, "token_type"), "Bearer");
	assert_string_equal(jstr(o, "client_id"), AUTH_DEFAULT_MI_CLIENT_ID);
	assert_int_equal(jwt_hs256_verify(test_key, 32, jstr(o, "access_token"),
					  NULL), 0);
	assert_false(json_object_object_get_ex(o, "expires_in", NULL));
	json_object_put(o);
	auth_response_clear(&r);

	o = get(a, "GET", AUTH_IDENTITY_PATH, q, &bad, &r);
	assert_int_equal(r.status, 401);
	assert_true(json_object_object_get_ex(o, "statusCode", &v));
	assert_int_equal(json_object_get_int(v), 401);
	assert_int_equal(strlen(jstr(o, "correlationId")), 36);
	json_object_put(o);
	auth_response_clear(&r);
	o = get(a, "GET", AUTH_IDENTITY_PATH, q, NULL, &r);
	assert_int_equal(r.status, 400);
	json_object_put(o);
	auth_response_clear(&r);
	o = get(a, "GET", AUTH_IDENTITY_PATH, "api-version=2019-08-01", &good, &r);
	assert_int_equal(r.status, 400);
	json_object_put(o);
	auth_response_clear(&r);
	o = get(a, "GET", AUTH_IDENTITY_PATH, "resource=x", &good, &r);
	assert_int_equal(r.status, 400);
	json_object_put(o);
	auth_response_clear(&r);
	auth_free(a);
}

static void test_classify(void **state)
{
	struct auth *a = new_auth(0, NULL);
	struct auth_request req;
	struct auth_response r;

	(void)state;
	assert_int_equal(auth_classify(TOKEN_PATH), AUTH_EP_ENTRA);
	assert_int_equal(auth_classify("/contoso.onmicrosoft.com/oauth2/v2.0/token"),
			 AUTH_EP_ENTRA);
	assert_int_equal(auth_classify("//oauth2/v2.0/token"), AUTH_EP_NONE);
	assert_int_equal(auth_classify("/t/oauth2/token"), AUTH_EP_NONE);
	assert_int_equal(auth_classify("/t/x/oauth2/v2.0/token"), AUTH_EP_NONE);
	assert_int_equal(auth_classify(AUTH_IMDS_PATH), AUTH_EP_IMDS);
	assert_int_equal(auth_classify(AUTH_IDENTITY_PATH), AUTH_EP_IDENTITY);
	assert_int_equal(auth_classify("/subscriptions/x"), AUTH_EP_NONE);
	assert_int_equal(auth_classify(NULL), AUTH_EP_NONE);
	memset(&req, 0, sizeof(req));
	req.method = "GET";
	req.path = "/subscriptions/x";
	auth_response_init(&r);
	assert_int_equal(auth_handle(a, &req, &r), -ENOENT);
	assert_int_equal(r.status, 0);
	auth_free(a);
}

/* ---- bearer checks ---------------------------------------------------------------- */

static struct json_object *refuse(struct auth *a, enum auth_api api,
				  const char *authz, int status,
				  struct auth_response *e)
{
	struct json_object *o;

	auth_response_init(e);
	assert_int_equal(auth_check_bearer(a, api, authz, NULL, e), -EACCES);
	assert_int_equal(e->status, status);
	o = json_tokener_parse(e->body);
	assert_non_null(o);
	return o;
}

static void arm_refusal(struct auth *a, const char *authz, const char *code,
			const char *message)
{
	struct auth_response e;
	struct json_object *o = refuse(a, AUTH_API_ARM, authz, 401, &e);
	const char *chal;

	assert_string_equal(jerr(o, "code"), code);
	if (message)
		assert_string_equal(jerr(o, "message"), message);
	chal = auth_response_header(&e, "WWW-Authenticate");
	assert_non_null(chal);
	assert_memory_equal(chal, "Bearer authorization_uri=\"https://login."
			    "windows.net/" TENANT "\", error=\"invalid_token\", "
			    "error_description=\"", 119);
	assert_string_equal(auth_response_header(&e, "x-ms-failure-cause"),
			    "gateway");
	json_object_put(o);
	auth_response_clear(&e);
}

static void test_arm_bearer(void **state)
{
	struct auth *a = new_auth(0, NULL);
	struct auth *other;
	struct auth_settings s;
	struct auth_response e;
	static const char *auds[] = {
		"https://management.azure.com", "https://management.azure.com/",
		"https://management.core.windows.net/",
		"https://management.core.windows.net",
	};
	char *tok = NULL, *authz;
	size_t i;

	(void)state;
	for (i = 0; i < 4; i++) {
		assert_int_equal(auth_issue_token(a, auds[i], "c", &tok, NULL), 0);
		authz = bearer(tok);
		auth_response_init(&e);
		assert_int_equal(auth_check_bearer(a, AUTH_API_ARM, authz, NULL, &e), 0);
		authz[0] = 'b'; /* the scheme is case-insensitive */
		assert_int_equal(auth_check_bearer(a, AUTH_API_ARM, authz, NULL, &e), 0);
		free(authz);
		free(tok);
	}

	arm_refusal(a, NULL, "AuthenticationFailed",
		    "Authentication failed. The 'Authorization' header is missing.");
	{
		struct auth_response e2;
		struct json_object *o = refuse(a, AUTH_API_ARM, "", 401, &e2);

		assert_string_equal(auth_response_header(&e2, "WWW-Authenticate"),
				    "Bearer authorization_uri=\"https://login.windows.net/"
				    TENANT "\", error=\"invalid_token\", error_description="
				    "\"The authentication failed because of missing "
				    "'Authorization' header.\"");
		json_object_put(o);
		auth_response_clear(&e2);
	}
	arm_refusal(a, "Basic dXNlcjpwYXNz", "AuthenticationFailed",
		    "Authentication failed. The 'Authorization' header is provided "
		    "in an invalid format.");
	arm_refusal(a, "Bearer ", "AuthenticationFailed", NULL);
	arm_refusal(a, "Bearer not.a.jwt", "InvalidAuthenticationToken",
		    "The access token is invalid.");
	arm_refusal(a, "Bearer garbage", "InvalidAuthenticationToken",
		    "The access token is invalid.");

	/* tampered signature */
	assert_int_equal(auth_issue_token(a, AUTH_AUD_ARM, "c", &tok, NULL), 0);
	tok[strlen(tok) - 3] = tok[strlen(tok) - 3] == 'x' ? 'y' : 'x';
	authz = bearer(tok);
	arm_refusal(a, authz, "InvalidAuthenticationToken",
		    "The access token is invalid.");
	free(authz);
	free(tok);

	/* a token signed by another simulator (random key) */
	memset(&s, 0, sizeof(s));
	assert_int_equal(auth_new(&s, &other), 0);
	assert_int_equal(auth_issue_token(other, AUTH_AUD_ARM, "c", &tok, NULL), 0);
	authz = bearer(tok);
	arm_refusal(a, authz, "InvalidAuthenticationToken", NULL);
	free(authz);
	free(tok);
	auth_free(other);

	/* wrong audience */
	assert_int_equal(auth_issue_token(a, "https://vault.azure.net", NULL, &tok,
					  NULL), 0);
	authz = bearer(tok);
	arm_refusal(a, authz, "InvalidAuthenticationTokenAudience",
		    "The access token has been obtained for wrong audience or "
		    "resource 'https://vault.azure.net'. It should exactly match "
		    "with one of the allowed audiences 'https://management.core."
		    "windows.net/','https://management.core.windows.net','https://"
		    "management.azure.com/','https://management.azure.com'.");
	free(authz);
	free(tok);

	/* an audience with quotes and a line break stays inside the
	 * challenge's quoted-string */
	tok = craft("{\"aud\":\"a\\\"b\\r\\nX-Evil: 1\",\"iss\":\"https://sts."
		    "windows.net/" TENANT "/\",\"oid\":\"o\",\"exp\":99999999999}");
	authz = bearer(tok);
	{
		struct auth_response e3;
		struct json_object *o3 = refuse(a, AUTH_API_ARM, authz, 401, &e3);
		const char *chal = auth_response_header(&e3, "WWW-Authenticate");

		assert_null(strchr(chal, '\r'));
		assert_null(strchr(chal, '\n'));
		assert_non_null(strstr(chal, "resource 'a'b  X-Evil: 1'."));
		json_object_put(o3);
		auth_response_clear(&e3);
	}
	free(authz);
	free(tok);

	/* crafted: other issuer, no oid, not yet valid, no exp */
	tok = craft("{\"aud\":\"https://management.azure.com/\",\"iss\":\"https://"
		    "sts.windows.net/x/\",\"oid\":\"o\",\"exp\":99999999999}");
	authz = bearer(tok);
	arm_refusal(a, authz, "InvalidAuthenticationTokenTenant",
		    "The access token is from the wrong issuer 'https://sts."
		    "windows.net/x/'. It must match the tenant 'https://sts."
		    "windows.net/" TENANT "/' associated with this subscription. "
		    "Please use the authority (URL) 'https://login.windows.net/"
		    TENANT "' to get the token. Note, if the subscription is "
		    "transferred to another tenant there is no impact to the "
		    "services, but information about new tenant could take time "
		    "to propagate (up to an hour). If you just transferred your "
		    "subscription and see this error message, please try back later.");
	free(authz);
	free(tok);
	tok = craft("{\"aud\":\"https://management.azure.com/\",\"iss\":\"https://"
		    "sts.windows.net/" TENANT "/\",\"exp\":99999999999}");
	authz = bearer(tok);
	arm_refusal(a, authz, "InvalidAuthenticationToken",
		    "The received access token is not valid: at least one of the "
		    "claims 'puid' or 'altsecid' or 'oid' should be present. If you "
		    "are accessing as application please make sure service "
		    "principal is properly created in the tenant.");
	free(authz);
	free(tok);
	tok = craft("{\"aud\":\"https://management.azure.com/\",\"iss\":\"https://"
		    "sts.windows.net/" TENANT "/\",\"oid\":\"o\",\"nbf\":99999999990,"
		    "\"exp\":99999999999}");
	authz = bearer(tok);
	arm_refusal(a, authz, "InvalidAuthenticationToken",
		    "The access token is invalid.");
	free(authz);
	free(tok);
	tok = craft("{\"aud\":\"https://management.azure.com/\",\"iss\":\"https://"
		    "sts.windows.net/" TENANT "/\",\"oid\":\"o\"}");
	authz = bearer(tok);
	arm_refusal(a, authz, "InvalidAuthenticationToken", NULL);
	free(authz);
	free(tok);
	auth_free(a);
}

static void test_arm_expiry_clock(void **state)
{
	struct fake_clock clk = { 1700000000 };
	struct auth *a = new_auth(0, &clk);
	struct auth_response e;
	char *tok = NULL, *authz;

	(void)state;
	assert_int_equal(auth_issue_token(a, AUTH_AUD_ARM, "c", &tok, NULL), 0);
	authz = bearer(tok);
	clk.now = 1700003598;
	auth_response_init(&e);
	assert_int_equal(auth_check_bearer(a, AUTH_API_ARM, authz, NULL, &e), 0);
	clk.now = 1700003600;
	arm_refusal(a, authz, "ExpiredAuthenticationToken",
		    "The access token expiry UTC time '11/14/2023 11:13:19 PM' is "
		    "earlier than current UTC time '11/14/2023 11:13:20 PM'.");
	/* a configured skew tolerates a little lateness */
	auth_set_clock_skew(a, 30);
	assert_int_equal(auth_check_bearer(a, AUTH_API_ARM, authz, NULL, &e), 0);
	auth_set_clock_skew(a, 0);
	/* morning hours print AM and no zero padding */
	clk.now = 1700003599 + 36000;
	{
		struct auth_response e2;
		struct json_object *o = refuse(a, AUTH_API_ARM, authz, 401, &e2);

		assert_non_null(strstr(jerr(o, "message"),
				       "earlier than current UTC time "
				       "'11/15/2023 9:13:19 AM'"));
		json_object_put(o);
		auth_response_clear(&e2);
	}
	free(authz);
	free(tok);
	auth_free(a);
}

static void test_arm_expiry_sleep(void **state)
{
	struct auth *a = new_auth(1, NULL);
	struct auth_response e;
	char *tok = NULL, *authz;
	long long exp = 0;

	(void)state;
	assert_int_equal(auth_issue_token(a, AUTH_AUD_ARM, "c", &tok, &exp), 0);
	assert_true(exp > 0);
	authz = bearer(tok);
	sleep(2);
	arm_refusal(a, authz, "ExpiredAuthenticationToken", NULL);
	auth_response_init(&e);
	free(authz);
	free(tok);
	auth_free(a);
}

static void test_la_bearer(void **state)
{
	struct fake_clock clk = { 1700000000 };
	struct auth *a = new_auth(0, &clk);
	struct auth_response e;
	struct json_object *o, *err, *inner;
	char *tok = NULL, *authz;

	(void)state;
	assert_int_equal(auth_issue_token(a, "https://api.loganalytics.io", "c",
					  &tok, NULL), 0);
	authz = bearer(tok);
	auth_response_init(&e);
	assert_int_equal(auth_check_bearer(a, AUTH_API_LOG_ANALYTICS, authz, NULL,
					   &e), 0);
	/* an LA token is the wrong audience for ARM */
	arm_refusal(a, authz, "InvalidAuthenticationTokenAudience", NULL);
	clk.now += 3600;
	o = refuse(a, AUTH_API_LOG_ANALYTICS, authz, 401, &e);
	assert_string_equal(jerr(o, "code"), "AuthorizationRequiredError");
	json_object_put(o);
	auth_response_clear(&e);
	clk.now -= 3600;
	free(authz);
	free(tok);

	assert_int_equal(auth_issue_token(a, "https://api.loganalytics.azure.com/",
					  "c", &tok, NULL), 0);
	authz = bearer(tok);
	assert_int_equal(auth_check_bearer(a, AUTH_API_LOG_ANALYTICS, authz, NULL,
					   &e), 0);
	free(authz);
	free(tok);

	o = refuse(a, AUTH_API_LOG_ANALYTICS, NULL, 401, &e);
	assert_string_equal(jerr(o, "message"), "Valid authentication was not provided");
	assert_string_equal(jerr(o, "code"), "AuthorizationRequiredError");
	assert_int_equal(strlen(jerr(o, "correlationId")), 36);
	json_object_put(o);
	auth_response_clear(&e);

	/* an ARM token on Log Analytics: 403 InvalidTokenError */
	assert_int_equal(auth_issue_token(a, AUTH_AUD_ARM, "c", &tok, NULL), 0);
	authz = bearer(tok);
	o = refuse(a, AUTH_API_LOG_ANALYTICS, authz, 403, &e);
	assert_string_equal(jerr(o, "message"),
			    "The provided authentication is not valid for this resource");
	assert_string_equal(jerr(o, "code"), "InvalidTokenError");
	assert_true(json_object_object_get_ex(o, "error", &err));
	assert_true(json_object_object_get_ex(err, "innererror", &inner));
	assert_string_equal(jstr(inner, "code"), "SignatureVerificationFailed");
	assert_string_equal(jstr(inner, "message"), "Could not validate the request");
	json_object_put(o);
	auth_response_clear(&e);
	free(authz);
	free(tok);
	o = refuse(a, AUTH_API_LOG_ANALYTICS, "Bearer x.y.z", 403, &e);
	json_object_put(o);
	auth_response_clear(&e);
	auth_free(a);
}

static void test_dataplane(void **state)
{
	struct fake_clock clk = { 1700000000 };
	struct auth *a = new_auth(0, &clk);
	struct auth *real = new_auth(0, NULL);
	struct auth_response e;
	struct json_object *o;
	const char *job = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.App/jobs/j1";
	char *tok = NULL, *exp = NULL, *authz, *arm = NULL;
	regex_t re;

	(void)state;
	assert_int_equal(auth_issue_dataplane(a, job, &tok, &exp), 0);
	assert_string_equal(exp, "2023-11-14T23:13:19.0000000Z");
	free(exp);
	authz = bearer(tok);
	auth_response_init(&e);
	assert_int_equal(auth_check_dataplane(a, authz, job, &e), 0);
	assert_int_equal(auth_check_dataplane(a, authz,
		"/SUBSCRIPTIONS/s/resourcegroups/rg/providers/microsoft.app/jobs/J1",
		&e), 0);
	assert_int_equal(auth_check_dataplane(a, authz, NULL, &e), 0);
	assert_int_equal(auth_check_dataplane(a, authz, "/subscriptions/s/resourceGroups"
					      "/rg/providers/Microsoft.App/jobs/j2", &e),
			 -EACCES);
	assert_int_equal(e.status, 401);
	o = json_tokener_parse(e.body);
	assert_string_equal(jerr(o, "code"), "Unauthorized");
	json_object_put(o);
	auth_response_clear(&e);
	/* the data-plane token is not an ARM token, nor the reverse */
	arm_refusal(a, authz, "InvalidAuthenticationTokenAudience", NULL);
	assert_int_equal(auth_issue_token(a, AUTH_AUD_ARM, "c", &arm, NULL), 0);
	free(authz);
	authz = bearer(arm);
	assert_int_equal(auth_check_dataplane(a, authz, job, &e), -EACCES);
	auth_response_clear(&e);
	free(authz);
	free(arm);
	assert_int_equal(auth_check_dataplane(a, NULL, job, &e), -EACCES);
	assert_non_null(auth_response_header(&e, "WWW-Authenticate"));
	auth_response_clear(&e);
	/* expired */
	authz = bearer(tok);
	clk.now += 3599;
	assert_int_equal(auth_check_dataplane(a, authz, job, &e), -EACCES);
	auth_response_clear(&e);
	free(authz);
	free(tok);
	assert_int_equal(auth_issue_dataplane(a, "", &tok, &exp), -EINVAL);

	/* with the real clock the fraction is real: 7 digits either way */
	assert_int_equal(auth_issue_dataplane(real, job, &tok, &exp), 0);
	assert_int_equal(regcomp(&re, "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:"
				 "[0-9]{2}\\.[0-9]{7}Z$", REG_EXTENDED | REG_NOSUB), 0);
	assert_int_equal(regexec(&re, exp, 0, NULL, 0), 0);
	regfree(&re);
	free(tok);
	free(exp);
	auth_free(real);
	auth_free(a);
}

static void test_response_helpers(void **state)
{
	struct auth_response r = AUTH_RESPONSE_INIT;
	int i;

	(void)state;
	for (i = 0; i < AUTH_RESPONSE_MAX_HEADERS; i++)
		assert_int_equal(auth_response_add_header(&r, "X-A", "v"), 0);
	assert_int_equal(auth_response_add_header(&r, "X-B", "v"), -ENOSPC);
	assert_string_equal(auth_response_header(&r, "x-a"), "v");
	assert_null(auth_response_header(&r, "x-b"));
	auth_response_set(&r, 201, "text/plain", strdup("hi"));
	assert_int_equal(r.body_len, 2);
	auth_response_clear(&r);
	assert_int_equal(r.n_headers, 0);
	assert_null(r.body);
	auth_response_clear(NULL);
}

/* Tokens issued and checked from several threads at once. */
static void *hammer(void *arg)
{
	struct auth *a = arg;
	int i;

	for (i = 0; i < 200; i++) {
		struct auth_response e = AUTH_RESPONSE_INIT;
		char *tok = NULL, *authz;

		if (auth_issue_token(a, AUTH_AUD_ARM, "c", &tok, NULL))
			return (void *)1;
		authz = bearer(tok);
		if (auth_check_bearer(a, AUTH_API_ARM, authz, NULL, &e))
			return (void *)1;
		free(authz);
		free(tok);
		auth_set_token_lifetime(a, 100 + i);
	}
	return NULL;
}

static void test_threads(void **state)
{
	struct auth *a = new_auth(0, NULL);
	pthread_t t[4];
	void *res;
	int i;

	(void)state;
	for (i = 0; i < 4; i++)
		assert_int_equal(pthread_create(&t[i], NULL, hammer, a), 0);
	for (i = 0; i < 4; i++) {
		assert_int_equal(pthread_join(t[i], &res), 0);
		assert_null(res);
	}
	auth_free(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_form_decode),
		cmocka_unit_test(test_form_parse),
		cmocka_unit_test(test_form_query),
		cmocka_unit_test(test_b64),
		cmocka_unit_test(test_jwt_roundtrip),
		cmocka_unit_test(test_jwt_tampered),
		cmocka_unit_test(test_jwt_malformed),
		cmocka_unit_test(test_ctx),
		cmocka_unit_test(test_entra_secret_ok),
		cmocka_unit_test(test_entra_errors),
		cmocka_unit_test(test_entra_registry),
		cmocka_unit_test(test_entra_assertion),
		cmocka_unit_test(test_entra_federated),
		cmocka_unit_test(test_imds),
		cmocka_unit_test(test_identity_endpoint),
		cmocka_unit_test(test_classify),
		cmocka_unit_test(test_arm_bearer),
		cmocka_unit_test(test_arm_expiry_clock),
		cmocka_unit_test(test_arm_expiry_sleep),
		cmocka_unit_test(test_la_bearer),
		cmocka_unit_test(test_dataplane),
		cmocka_unit_test(test_response_helpers),
		cmocka_unit_test(test_threads),
	};

	return cmocka_run_group_tests_name("azure-sim auth", tests, NULL, NULL);
}
