/* auth_bearer: bearer-token checks with each service's refusal.
 *
 * ARM texts: AuthenticationFailed / InvalidAuthenticationToken /
 * ExpiredAuthenticationToken / InvalidAuthenticationTokenAudience /
 * InvalidAuthenticationTokenTenant as ARM answers them (public captures;
 * README.md, "ARM bearer errors").  Log Analytics: 401 AuthorizationRequiredError when
 * no valid authentication is presented (missing, expired), 403
 * InvalidTokenError when the token is not valid for the API (unreadable,
 * bad signature, other audience), the split its support guide describes. */
#include "config.h"
#include "auth_bearer.h"
#include "auth_priv.h"
#include "jwt_hs256.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <json-c/json.h>

enum verdict {
	V_OK = 0,
	V_MISSING,  /* no Authorization header */
	V_FORMAT,   /* not "Bearer <token>" */
	V_INVALID,  /* unreadable token or bad signature */
	V_AUDIENCE, /* signed by us for another resource */
	V_TENANT,   /* issued for another tenant */
	V_NO_OID,   /* no principal claim */
	V_NOT_YET,  /* nbf in the future */
	V_EXPIRED,  /* exp passed */
};

struct inspected {
	enum verdict v;
	struct json_object *claims; /* owned; NULL unless the signature held */
	const char *aud, *iss;
	long long exp, now;
};

static const char *const arm_auds[] = {
	"https://management.core.windows.net/",
	"https://management.core.windows.net",
	"https://management.azure.com/",
	"https://management.azure.com",
	NULL,
};

static const char *const la_auds[] = {
	"https://api.loganalytics.io",
	"https://api.loganalytics.io/",
	"https://api.loganalytics.azure.com",
	"https://api.loganalytics.azure.com/",
	NULL,
};

static const char *claim_str(struct json_object *c, const char *k)
{
	struct json_object *v;

	if (!c || !json_object_object_get_ex(c, k, &v) ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

static int claim_time(struct json_object *c, const char *k, long long *out)
{
	struct json_object *v;

	if (!json_object_object_get_ex(c, k, &v) ||
	    (!json_object_is_type(v, json_type_int) &&
	     !json_object_is_type(v, json_type_double)))
		return 0;
	*out = json_object_get_int64(v);
	return 1;
}

static int aud_allowed(const char *aud, const char *const *list)
{
	for (; *list; list++)
		if (strcmp(aud, *list) == 0)
			return 1;
	return 0;
}

/* Extract the token from "Bearer <token>"; NULL if the format is wrong. */
static const char *bearer_token(const char *authorization)
{
	const char *p = authorization;

	/* The scheme is case-insensitive (RFC 7235). */
	if (strncasecmp(p, "Bearer ", 7) != 0)
		return NULL;
	p += 7;
	while (*p == ' ')
		p++;
	return *p ? p : NULL;
}

/* The checks shared by every API; auds NULL = the caller checks aud. */
static void inspect(struct auth *a, const char *authorization,
		    const char *const *auds, struct inspected *in)
{
	struct auth_snapshot s;
	const char *tok;
	char iss[AUTH_STR_MAX + 32];
	long long nbf = 0;
	int has_exp;

	memset(in, 0, sizeof(*in));
	auth_i_snapshot(a, &s);
	in->now = s.now;
	if (!authorization || !*authorization) {
		in->v = V_MISSING;
		return;
	}
	tok = bearer_token(authorization);
	if (!tok) {
		in->v = V_FORMAT;
		return;
	}
	if (jwt_hs256_verify(a->key, a->key_len, tok, &in->claims) != 0) {
		in->v = V_INVALID;
		return;
	}
	in->aud = claim_str(in->claims, "aud");
	in->iss = claim_str(in->claims, "iss");
	has_exp = claim_time(in->claims, "exp", &in->exp);
	if (!in->aud || !in->iss || !has_exp) {
		in->v = V_INVALID;
		return;
	}
	if (auds && !aud_allowed(in->aud, auds)) {
		in->v = V_AUDIENCE;
		return;
	}
	snprintf(iss, sizeof(iss), AUTH_ISS_FMT, a->tenant);
	if (strcmp(in->iss, iss) != 0) {
		in->v = V_TENANT;
		return;
	}
	if (!claim_str(in->claims, "oid")) {
		in->v = V_NO_OID;
		return;
	}
	if (claim_time(in->claims, "nbf", &nbf) && nbf > s.now + s.skew) {
		in->v = V_NOT_YET;
		return;
	}
	if (s.now >= in->exp + s.skew) {
		in->v = V_EXPIRED;
		return;
	}
	in->v = V_OK;
}

static void fill_principal(const struct inspected *in,
			   struct auth_principal *who)
{
	const char *v;

	memset(who, 0, sizeof(*who));
	if ((v = claim_str(in->claims, "tid")))
		snprintf(who->tid, sizeof(who->tid), "%s", v);
	if ((v = claim_str(in->claims, "oid")))
		snprintf(who->oid, sizeof(who->oid), "%s", v);
	if ((v = claim_str(in->claims, "appid")))
		snprintf(who->appid, sizeof(who->appid), "%s", v);
	if (in->aud)
		snprintf(who->aud, sizeof(who->aud), "%s", in->aud);
	who->exp = in->exp;
}

static struct json_object *error_obj(const char *code, const char *message,
				     int la)
{
	struct json_object *o = json_object_new_object();
	struct json_object *e = json_object_new_object();

	if (!o || !e) {
		json_object_put(o);
		json_object_put(e);
		return NULL;
	}
	if (la) {
		/* OneAPI order: message, code, correlationId. */
		char corr[37];

		sim_uuid(corr);
		json_object_object_add(e, "message",
				       json_object_new_string(message));
		json_object_object_add(e, "code", json_object_new_string(code));
		json_object_object_add(e, "correlationId",
				       json_object_new_string(corr));
	} else {
		json_object_object_add(e, "code", json_object_new_string(code));
		json_object_object_add(e, "message",
				       json_object_new_string(message));
	}
	json_object_object_add(o, "error", e);
	return o;
}

/* The description may quote a client-chosen audience: keep it inside
 * its quoted-string and on one header line. */
static void quoted_safe(char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n && p[i]; i++) {
		if (p[i] == '"' || p[i] == '\\')
			p[i] = '\'';
		else if ((unsigned char)p[i] < 0x20 || p[i] == 0x7f)
			p[i] = ' ';
	}
}

static int arm_refuse(struct auth *a, const struct inspected *in,
		      struct auth_response *err)
{
	char msg[1024], safe[1024], when[2][48], chal[1400];
	const char *code = "InvalidAuthenticationToken";
	const char *desc = NULL;
	struct json_object *o;
	int rc;

	switch (in->v) {
	case V_MISSING:
		code = "AuthenticationFailed";
		snprintf(msg, sizeof(msg), "Authentication failed. The "
			 "'Authorization' header is missing.");
		desc = "The authentication failed because of missing "
		       "'Authorization' header.";
		break;
	case V_FORMAT:
		code = "AuthenticationFailed";
		snprintf(msg, sizeof(msg), "Authentication failed. The "
			 "'Authorization' header is provided in an invalid "
			 "format.");
		desc = "The authentication failed because of invalid "
		       "'Authorization' header format.";
		break;
	case V_AUDIENCE:
		code = "InvalidAuthenticationTokenAudience";
		snprintf(msg, sizeof(msg), "The access token has been obtained "
			 "for wrong audience or resource '%.300s'. It should "
			 "exactly match with one of the allowed audiences "
			 "'https://management.core.windows.net/',"
			 "'https://management.core.windows.net',"
			 "'https://management.azure.com/',"
			 "'https://management.azure.com'.", in->aud);
		break;
	case V_TENANT:
		code = "InvalidAuthenticationTokenTenant";
		snprintf(msg, sizeof(msg), "The access token is from the wrong "
			 "issuer '%.200s'. It must match the tenant "
			 "'https://sts.windows.net/%s/' associated with this "
			 "subscription. Please use the authority (URL) "
			 "'https://login.windows.net/%s' to get the token. "
			 "Note, if the subscription is transferred to another "
			 "tenant there is no impact to the services, but "
			 "information about new tenant could take time to "
			 "propagate (up to an hour). If you just transferred "
			 "your subscription and see this error message, please "
			 "try back later.", in->iss, a->tenant, a->tenant);
		break;
	case V_NO_OID:
		snprintf(msg, sizeof(msg), "The received access token is not "
			 "valid: at least one of the claims 'puid' or 'altsecid' "
			 "or 'oid' should be present. If you are accessing as "
			 "application please make sure service principal is "
			 "properly created in the tenant.");
		break;
	case V_EXPIRED:
		code = "ExpiredAuthenticationToken";
		auth_i_fmt_arm_time(in->exp, when[0], sizeof(when[0]));
		auth_i_fmt_arm_time(in->now, when[1], sizeof(when[1]));
		snprintf(msg, sizeof(msg), "The access token expiry UTC time "
			 "'%s' is earlier than current UTC time '%s'.",
			 when[0], when[1]);
		break;
	case V_INVALID:
	case V_NOT_YET:
	case V_OK:
	default:
		snprintf(msg, sizeof(msg), "The access token is invalid.");
		break;
	}
	if (!desc)
		desc = msg;
	o = error_obj(code, msg, 0);
	rc = auth_i_send_json(err, 401, o);
	if (rc)
		return rc;
	snprintf(safe, sizeof(safe), "%s", desc);
	quoted_safe(safe, strlen(safe));
	snprintf(chal, sizeof(chal), "Bearer authorization_uri="
		 "\"https://login.windows.net/%s\", error=\"invalid_token\", "
		 "error_description=\"%s\"", a->tenant, safe);
	rc = auth_response_add_header(err, "WWW-Authenticate", chal);
	if (!rc)
		rc = auth_response_add_header(err, "x-ms-failure-cause",
					      "gateway");
	return rc;
}

static int la_refuse(const struct inspected *in, struct auth_response *err)
{
	struct json_object *o, *inner;

	switch (in->v) {
	case V_MISSING:
	case V_FORMAT:
	case V_NOT_YET:
	case V_EXPIRED:
		o = error_obj("AuthorizationRequiredError",
			      "Valid authentication was not provided", 1);
		return auth_i_send_json(err, 401, o);
	default:
		break;
	}
	o = error_obj("InvalidTokenError",
		      "The provided authentication is not valid for this "
		      "resource", 1);
	inner = json_object_new_object();
	if (!o || !inner) {
		json_object_put(o);
		json_object_put(inner);
		return -ENOMEM;
	}
	json_object_object_add(inner, "code",
			       json_object_new_string("SignatureVerificationFailed"));
	json_object_object_add(inner, "message",
			       json_object_new_string("Could not validate the request"));
	json_object_object_add(json_object_object_get(o, "error"), "innererror",
			       inner);
	return auth_i_send_json(err, 403, o);
}

int auth_check_bearer(struct auth *a, enum auth_api api,
		      const char *authorization, struct auth_principal *who,
		      struct auth_response *err)
{
	struct inspected in;
	int rc;

	if (!a || !err)
		return -EINVAL;
	inspect(a, authorization, api == AUTH_API_ARM ? arm_auds : la_auds,
		&in);
	if (in.v == V_OK) {
		if (who)
			fill_principal(&in, who);
		json_object_put(in.claims);
		return 0;
	}
	rc = api == AUTH_API_ARM ? arm_refuse(a, &in, err) : la_refuse(&in, err);
	json_object_put(in.claims);
	return rc ? rc : -EACCES;
}

static int dp_refuse(struct auth_response *err, const char *message)
{
	struct json_object *o = error_obj("Unauthorized", message, 0);
	int rc = auth_i_send_json(err, 401, o);

	if (!rc)
		rc = auth_response_add_header(err, "WWW-Authenticate",
					      "Bearer error=\"invalid_token\"");
	return rc ? rc : -EACCES;
}

int auth_check_dataplane(struct auth *a, const char *authorization,
			 const char *job_id, struct auth_response *err)
{
	static const char *const dp_auds[] = { AUTH_AUD_ACA_DATAPLANE, NULL };
	struct inspected in;
	const char *job;
	int rc = 0;

	if (!a || !err)
		return -EINVAL;
	inspect(a, authorization, dp_auds, &in);
	switch (in.v) {
	case V_OK:
		job = claim_str(in.claims, "xms_job");
		if (job_id && (!job || !sim_streq_ci(job, job_id)))
			rc = dp_refuse(err, "The token was not issued for this "
				       "job.");
		break;
	case V_MISSING:
		rc = dp_refuse(err, "The 'Authorization' header is missing.");
		break;
	case V_EXPIRED:
		rc = dp_refuse(err, "The token has expired.");
		break;
	default:
		rc = dp_refuse(err, "The token is invalid.");
		break;
	}
	json_object_put(in.claims);
	return rc;
}
