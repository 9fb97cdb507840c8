/* auth_entra: Entra ID v2.0 token endpoint, client-credentials grant.
 *
 * Error texts follow what Entra answers (README.md, "Entra ID tokens", and
 * the AADSTS codes observed in public captures); the trace and correlation ids
 * are fresh per request, the correlation id echoes the client's
 * client-request-id header when it sends one, as Entra does. */
#include "config.h"
#include "auth_issue.h"
#include "auth_form.h"
#include "auth_priv.h"
#include "jwt_hs256.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#define JWT_BEARER "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
#define FED_AUDIENCE "api://AzureADTokenExchange"
#define DEFAULT_SUFFIX "/.default"

struct entra_req {
	struct auth *a;
	const struct auth_request *req;
	struct auth_response *resp;
	char trace_id[37];
	char corr_id[37];
	long long now;
};

static int common_headers(struct entra_req *e)
{
	const char *crid = auth_request_header(e->req, "client-request-id");
	int rc;

	rc = auth_response_add_header(e->resp, "Cache-Control",
				      "no-store, no-cache");
	if (!rc)
		rc = auth_response_add_header(e->resp, "Pragma", "no-cache");
	if (!rc)
		rc = auth_response_add_header(e->resp, "x-ms-request-id",
					      e->trace_id);
	if (!rc && crid && *crid)
		rc = auth_response_add_header(e->resp, "client-request-id",
					      crid);
	return rc;
}

/* Entra's error body: error, error_description (with the trace block),
 * error_codes, timestamp, trace_id, correlation_id, error_uri. */
static int entra_error(struct entra_req *e, int status, const char *error,
		       long code, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

static int entra_error(struct entra_req *e, int status, const char *error,
		       long code, const char *fmt, ...)
{
	struct json_object *o = NULL, *codes;
	char ts[40], uri[96];
	char *msg, *desc = NULL;
	va_list ap;
	int rc = -ENOMEM;

	va_start(ap, fmt);
	msg = sim_vstrdupf(fmt, ap);
	va_end(ap);
	if (!msg)
		return -ENOMEM;
	auth_i_fmt_entra_ts(e->now, ts, sizeof(ts));
	desc = sim_strdupf("AADSTS%ld: %s\r\nTrace ID: %s\r\nCorrelation ID: %s\r\n"
			   "Timestamp: %s", code, msg, e->trace_id, e->corr_id, ts);
	if (!desc)
		goto out;
	snprintf(uri, sizeof(uri),
		 "https://login.microsoftonline.com/error?code=%ld", code);
	o = json_object_new_object();
	codes = json_object_new_array();
	if (!o || !codes) {
		json_object_put(codes);
		goto out;
	}
	json_object_object_add(o, "error", json_object_new_string(error));
	json_object_object_add(o, "error_description",
			       json_object_new_string(desc));
	json_object_array_add(codes, json_object_new_int64(code));
	json_object_object_add(o, "error_codes", codes);
	json_object_object_add(o, "timestamp", json_object_new_string(ts));
	json_object_object_add(o, "trace_id",
			       json_object_new_string(e->trace_id));
	json_object_object_add(o, "correlation_id",
			       json_object_new_string(e->corr_id));
	json_object_object_add(o, "error_uri", json_object_new_string(uri));
	rc = auth_i_send_json(e->resp, status, o);
	o = NULL;
	if (rc == 0)
		rc = common_headers(e);
out:
	json_object_put(o);
	free(msg);
	free(desc);
	return rc;
}

static int missing_param(struct entra_req *e, const char *name)
{
	return entra_error(e, 400, "invalid_request", 900144,
			   "The request body must contain the following "
			   "parameter: '%s'.", name);
}

/* Suffix match, ASCII case-insensitive. */
static int ends_with_ci(const char *s, const char *suffix)
{
	size_t ls = strlen(s), lx = strlen(suffix);

	return ls >= lx && sim_streq_ci(s + ls - lx, suffix);
}

static const char *claim_str(struct json_object *c, const char *k)
{
	struct json_object *v;

	if (!json_object_object_get_ex(c, k, &v) ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

/* 1 and *out set when claim k is a number, 0 when absent, -1 otherwise. */
static int claim_time(struct json_object *c, const char *k, long long *out)
{
	struct json_object *v;

	if (!json_object_object_get_ex(c, k, &v))
		return 0;
	if (!json_object_is_type(v, json_type_int) &&
	    !json_object_is_type(v, json_type_double))
		return -1;
	*out = json_object_get_int64(v);
	return 1;
}

static int malformed_assertion(struct entra_req *e)
{
	return entra_error(e, 400, "invalid_request", 50027,
			   "JWT token is invalid or malformed.");
}

/* Checks a client assertion (certificate-signed JWT or federated OIDC
 * token).  The signature cannot be checked without the client's key, so
 * only form, time and the claims Entra matches are checked.  Returns 1
 * when accepted, 0 when *resp holds the refusal, < 0 on error. */
static int check_assertion(struct entra_req *e, const char *client_id,
			   const char *tenant, const char *assertion)
{
	struct json_object *h = NULL, *c = NULL;
	const char *typ, *iss, *sub, *aud;
	long long exp = 0, nbf = 0, iat = 0;
	int has_exp, has_nbf, has_iat;
	struct auth_snapshot s;
	char v2[AUTH_STR_MAX + 40], v1[AUTH_STR_MAX + 40];
	int rc;

	auth_i_snapshot(e->a, &s);
	if (jwt_decode(assertion, &h, &c) != 0) {
		rc = malformed_assertion(e);
		goto refused;
	}
	typ = claim_str(h, "typ");
	if (json_object_object_get_ex(h, "typ", NULL) &&
	    (!typ || (!sim_streq_ci(typ, "JWT") &&
		      strcmp(typ, "http://openid.net/specs/jwt/1.0") != 0))) {
		rc = entra_error(e, 400, "invalid_request", 5002727,
				 "Invalid JWT header type specified, must be "
				 "'JWT' or 'http://openid.net/specs/jwt/1.0'.");
		goto refused;
	}
	iss = claim_str(c, "iss");
	sub = claim_str(c, "sub");
	aud = claim_str(c, "aud"); /* an audience array is refused too */
	has_exp = claim_time(c, "exp", &exp);
	has_nbf = claim_time(c, "nbf", &nbf);
	has_iat = claim_time(c, "iat", &iat);
	if (!iss || !*iss || !sub || !*sub || !aud || !*aud ||
	    has_exp != 1 || has_nbf < 0 || has_iat < 0) {
		rc = malformed_assertion(e);
		goto refused;
	}
	if (s.now >= exp + s.skew || (has_nbf == 1 && nbf > s.now + s.skew)) {
		char cur[48], from[48], to[48];
		struct timespec t_cur = { (time_t)s.now, 0 }, t_to = { (time_t)exp, 0 };
		struct timespec t_from = {
			(time_t)(has_nbf == 1 ? nbf : (has_iat == 1 ? iat : exp)), 0
		};

		sim_time_z(&t_cur, cur, sizeof(cur));
		sim_time_z(&t_from, from, sizeof(from));
		sim_time_z(&t_to, to, sizeof(to));
		rc = entra_error(e, 401, "invalid_client", 700024,
				 "Client assertion is not within its valid "
				 "time range. Current time: %s, assertion "
				 "valid from %s, expiry time of assertion %s. "
				 "Review the documentation at https://"
				 "learn.microsoft.com/entra/identity-platform/"
				 "certificate-credentials .",
				 cur, from, to);
		goto refused;
	}
	if (sim_streq_ci(iss, client_id)) {
		/* Certificate assertion: iss = sub = client id, aud = the
		 * token endpoint (any host: the simulator has many names). */
		snprintf(v2, sizeof(v2), "/%s/oauth2/v2.0/token", tenant);
		snprintf(v1, sizeof(v1), "/%s/oauth2/token", tenant);
		if (!sim_streq_ci(sub, client_id) ||
		    (!ends_with_ci(aud, v2) && !ends_with_ci(aud, v1))) {
			rc = malformed_assertion(e);
			goto refused;
		}
	} else if (strcmp(aud, FED_AUDIENCE) != 0) {
		/* Federated token: any issuer and subject are trusted here
		 * (no federated credential registry), the audience is not. */
		rc = entra_error(e, 401, "invalid_client", 700212,
				 "No matching federated identity record found "
				 "for presented assertion audience '%s'. Please "
				 "check your federated identity credential "
				 "Subject, Audience and Issuer against the "
				 "presented assertion. https://docs.microsoft."
				 "com/en-us/azure/active-directory/develop/"
				 "workload-identity-federation",
				 aud);
		goto refused;
	}
	json_object_put(h);
	json_object_put(c);
	return 1;
refused:
	json_object_put(h);
	json_object_put(c);
	return rc < 0 ? rc : 0;
}

/* Validates scope; on success *resource is a heap copy of the resource
 * (scope without "/.default").  Returns 1, 0 (refused) or < 0. */
static int check_scope(struct entra_req *e, const char *scope, char **resource)
{
	size_t len = strlen(scope), rlen;

	*resource = NULL;
	if (strchr(scope, ' ')) {
		return entra_error(e, 400, "invalid_scope", 70011,
				   "The provided value for the input parameter "
				   "'scope' is not valid. The scope %s is not "
				   "valid.", scope);
	}
	if (len <= strlen(DEFAULT_SUFFIX) ||
	    strcmp(scope + len - strlen(DEFAULT_SUFFIX), DEFAULT_SUFFIX) != 0) {
		return entra_error(e, 400, "invalid_scope", 1002012,
				   "The provided value for scope %s is not "
				   "valid. Client credential flows must have a "
				   "scope value with /.default suffixed to the "
				   "resource identifier (application ID URI).",
				   scope);
	}
	rlen = len - strlen(DEFAULT_SUFFIX);
	/* A resource is an application ID URI or an application id. */
	if (!memchr(scope, ':', rlen) && rlen != 36) {
		char *res = strndup(scope, rlen);
		int rc;

		if (!res)
			return -ENOMEM;
		rc = entra_error(e, 400, "invalid_resource", 500011,
				 "The resource principal named %s was not "
				 "found in the tenant named %s. This can happen "
				 "if the application has not been installed by "
				 "the administrator of the tenant or consented "
				 "to by any user in the tenant. You might have "
				 "sent your authentication request to the wrong "
				 "tenant.",
				 res, e->a->tenant);
		free(res);
		return rc;
	}
	*resource = strndup(scope, rlen);
	return *resource ? 1 : -ENOMEM;
}

static int send_token(struct entra_req *e, const char *resource,
		      const char *client_id, const char *acr)
{
	struct json_object *o;
	char *tok = NULL;
	long long iat = 0, exp = 0;
	int rc;

	rc = auth_i_mint_reply(e->a, resource, client_id, acr, &tok, &iat, &exp, &o);
	if (rc)
		return rc;
	/* Key order as Entra prints them; v2.0 numbers are JSON ints. */
	json_object_object_add(o, "token_type", json_object_new_string("Bearer"));
	json_object_object_add(o, "expires_in", json_object_new_int64(exp - iat));
	json_object_object_add(o, "ext_expires_in",
			       json_object_new_int64(exp - iat));
	json_object_object_add(o, "access_token", json_object_new_string(tok));
	free(tok);
	rc = auth_i_send_json(e->resp, 200, o);
	if (rc == 0)
		rc = common_headers(e);
	return rc;
}

int auth_entra_token(struct auth *a, const struct auth_request *req,
		     struct auth_response *resp)
{
	struct auth_form form = AUTH_FORM_INIT;
	struct entra_req e;
	const char *grant, *client_id, *scope, *secret, *atype, *assertion;
	const char *crid, *slash;
	char tenant[AUTH_STR_MAX];
	char *resource = NULL;
	enum auth_client_check cc;
	size_t tlen;
	int rc;

	if (!a || !req || !resp || !req->path || !req->method)
		return -EINVAL;
	memset(&e, 0, sizeof(e));
	e.a = a;
	e.req = req;
	e.resp = resp;
	e.now = auth_now(a);
	sim_uuid(e.trace_id);
	crid = auth_request_header(req, "client-request-id");
	if (crid && strlen(crid) < sizeof(e.corr_id))
		snprintf(e.corr_id, sizeof(e.corr_id), "%s", crid);
	else
		sim_uuid(e.corr_id);

	if (strcmp(req->method, "POST") != 0) {
		rc = entra_error(&e, 400, "invalid_request", 900561,
				 "The endpoint only accepts POST, OPTIONS "
				 "requests. Received a %s request.", req->method);
		goto out;
	}
	slash = req->path[0] == '/' ? strchr(req->path + 1, '/') : NULL;
	tlen = slash ? (size_t)(slash - req->path - 1) : 0;
	if (tlen == 0 || tlen >= sizeof(tenant)) {
		rc = entra_error(&e, 400, "invalid_request", 90002,
				 "Tenant '%s' not found. Check to make sure you "
				 "have the correct tenant ID and are signing "
				 "into the correct cloud.", "");
		goto out;
	}
	memcpy(tenant, req->path + 1, tlen);
	tenant[tlen] = '\0';
	if (!sim_streq_ci(tenant, a->tenant)) {
		rc = entra_error(&e, 400, "invalid_request", 90002,
				 "Tenant '%s' not found. Check to make sure you "
				 "have the correct tenant ID and are signing "
				 "into the correct cloud.", tenant);
		goto out;
	}
	/* Entra reads the body as a form whatever the Content-Type says; a
	 * body it cannot read has no grant_type for it. */
	rc = auth_form_parse(req->body, req->body_len, &form);
	if (rc == -ENOMEM)
		goto out;
	if (rc) {
		rc = missing_param(&e, "grant_type");
		goto out;
	}
	grant = auth_form_get(&form, "grant_type");
	client_id = auth_form_get(&form, "client_id");
	scope = auth_form_get(&form, "scope");
	secret = auth_form_get(&form, "client_secret");
	atype = auth_form_get(&form, "client_assertion_type");
	assertion = auth_form_get(&form, "client_assertion");
	if (!grant || !*grant) {
		rc = missing_param(&e, "grant_type");
		goto out;
	}
	if (strcmp(grant, "client_credentials") != 0) {
		rc = entra_error(&e, 400, "unsupported_grant_type", 70003,
				 "The app requested an unsupported grant type "
				 "'%s'.", grant);
		goto out;
	}
	if (!client_id || !*client_id) {
		rc = missing_param(&e, "client_id");
		goto out;
	}
	if (!scope || !*scope) {
		rc = entra_error(&e, 400, "invalid_request", 90014,
				 "The required field 'scope' is missing from "
				 "the credential. Ensure that you have all the "
				 "necessary parameters for the login request.");
		goto out;
	}
	rc = check_scope(&e, scope, &resource);
	if (rc <= 0)
		goto out;
	if (auth_i_check_client(a, client_id, NULL) == AUTH_CLIENT_UNKNOWN) {
		rc = entra_error(&e, 400, "unauthorized_client", 700016,
				 "Application with identifier '%s' was not "
				 "found in the directory '%s'. This can happen "
				 "if the application has not been installed by "
				 "the administrator of the tenant or consented "
				 "to by any user in the tenant. You may have "
				 "sent your authentication request to the wrong "
				 "tenant.",
				 client_id, a->tenant);
		goto out;
	}
	if (secret && *secret) {
		cc = auth_i_check_client(a, client_id, secret);
		if (cc != AUTH_CLIENT_OK) {
			rc = entra_error(&e, 401, "invalid_client", 7000215,
					 "Invalid client secret provided. Ensure "
					 "the secret being sent in the request is "
					 "the client secret value, not the client "
					 "secret ID, for a secret added to app "
					 "'%s'.", client_id);
			goto out;
		}
		rc = send_token(&e, resource, client_id, "1");
		goto out;
	}
	if (assertion && *assertion) {
		if (!atype || !*atype) {
			rc = missing_param(&e, "client_assertion_type");
			goto out;
		}
		if (strcmp(atype, JWT_BEARER) != 0) {
			rc = entra_error(&e, 400, "invalid_request", 90011,
					 "Unexpected client assertion type.");
			goto out;
		}
		rc = check_assertion(&e, client_id, tenant, assertion);
		if (rc <= 0)
			goto out;
		rc = send_token(&e, resource, client_id, "2");
		goto out;
	}
	rc = entra_error(&e, 401, "invalid_client", 7000216,
			 "'client_assertion', 'client_secret' or 'request' is "
			 "required for the 'client_credentials' grant type.");
out:
	free(resource);
	auth_form_free(&form);
	return rc < 0 ? rc : 0;
}
