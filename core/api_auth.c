/*
 * api_auth.c - POST /auth (docker login): the credentials are checked
 * against the registry as dockerd's loginV2 does (GET /v2/, the registry's
 * challenge answered with a token request carrying the credentials, or
 * Basic) and, when they work, kept in the credential store for the backend
 * (core/credstore.h).  The password is never logged nor echoed.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <json-c/json.h>

#include "core/api.h"
#include "core/credstore.h"
#include "core/http.h"
#include "core/imgpull.h"
#include "oci_registry.h"
#include "oci_types.h"

static const char *member(struct json_object *o, const char *key)
{
	struct json_object *v;

	return json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_string) ?
		json_object_get_string(v) : "";
}

/* serveraddress as the CLI sends it ("https://index.docker.io/v1/",
 * "myreg:5000", "http://127.0.0.1:5000/") to the registry's name, "docker.io"
 * for Docker Hub.  Heap; NULL when out of memory. */
static char *registry_of(const char *addr)
{
	size_t n;

	if (!strncasecmp(addr, "http://", 7))
		addr += 7;
	else if (!strncasecmp(addr, "https://", 8))
		addr += 8;
	n = strcspn(addr, "/");
	if (!n || (n == 15 && !strncasecmp(addr, "index.docker.io", n)) ||
	    (n == 9 && !strncasecmp(addr, "docker.io", n)) ||
	    (n == 20 && !strncasecmp(addr, "registry-1.docker.io", n)))
		return strdup("docker.io");
	return strndup(addr, n);
}

static const char *status_text(long s)
{
	switch (s) {
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 500: return "Internal Server Error";
	case 502: return "Bad Gateway";
	case 503: return "Service Unavailable";
	default: return "";
	}
}

/* Checks the credentials at the registry; 0, or -1 with dockerd's message
 * and HTTP status. */
static int login(const char *registry, const char *user, const char *password, char *err,
		 size_t errlen, unsigned int *status)
{
	struct oci_credentials creds = { user, password };
	struct oci_err oe = { { 0 } };
	struct oci_reg_opts ro;
	struct oci_reg *reg = NULL;
	char *host = NULL;
	int plain, rc = -1, prc;
	long st;

	*status = 500;
	if (sl_imgpull_endpoint(registry, &host, &plain) < 0) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	memset(&ro, 0, sizeof(ro));
	ro.host = host;
	ro.plain_http = plain;
	ro.repository = "";
	ro.creds = &creds;
	ro.connect_timeout_s = 10;
	ro.request_timeout_s = 30;
	ro.stall_timeout_s = SL_IMGPULL_STALL_S;
	ro.user_agent = "sockerless/" PACKAGE_VERSION;
	if (oci_reg_open(&ro, &reg, &oe) < 0) {
		snprintf(err, errlen, "%s", oe.msg);
		goto out;
	}
	if ((prc = oci_reg_ping(reg, &oe)) == 0) {
		rc = 0;
		goto out;
	}
	st = oci_reg_answer(reg)->status;
	if (st) {
		/* moby registry/auth.go loginV2's wording, an Unauthorized. */
		*status = 401;
		snprintf(err, errlen, "login attempt to %s://%s/v2/ failed with status: %ld %s",
			 plain ? "http" : "https", host, st, status_text(st));
	} else {
		/* The token request refused the credentials, or transport. */
		*status = prc == OCI_E_UNAUTHORIZED ? 401 : 500;
		snprintf(err, errlen, "%s", oe.msg);
	}
out:
	oci_reg_close(reg);
	free(host);
	return rc;
}

enum MHD_Result sl_api_auth(struct sl_req *r)
{
	struct json_object *body = sl_http_body_json(r), *ans;
	const char *user, *password;
	char *registry = NULL, err[1024];
	unsigned int status;
	enum MHD_Result ret;

	if (!body)
		return MHD_YES;
	user = member(body, "username");
	password = member(body, "password");
	if (!*user) {
		json_object_put(body);
		return sl_http_error(r, 400, "username is required");
	}
	if (!(registry = registry_of(member(body, "serveraddress")))) {
		ret = sl_http_error(r, 500, "out of memory");
		goto out;
	}
	if (login(registry, user, password, err, sizeof(err), &status) < 0) {
		ret = sl_http_error(r, status, "%s", err);
		goto out;
	}
	if (sl_credstore_set(registry, user, password, NULL) < 0) {
		ret = sl_http_error(r, 500, "cannot keep the credentials for %s", registry);
		goto out;
	}
	ans = json_object_new_object();
	json_object_object_add(ans, "Status", json_object_new_string("Login Succeeded"));
	json_object_object_add(ans, "IdentityToken", json_object_new_string(""));
	ret = sl_http_json(r, 200, ans);
	json_object_put(ans);
out:
	free(registry);
	json_object_put(body);
	return ret;
}
