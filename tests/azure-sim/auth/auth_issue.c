/* auth_issue: token minting, endpoint classification and dispatch. */
#include "config.h"
#include "auth_issue.h"
#include "auth_priv.h"
#include "jwt_b64.h"
#include "jwt_hs256.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>
#include <openssl/rand.h>

enum auth_endpoint auth_classify(const char *path)
{
	static const char v2[] = "/oauth2/v2.0/token";
	const char *slash;
	size_t len;

	if (!path || path[0] != '/')
		return AUTH_EP_NONE;
	if (strcmp(path, AUTH_IMDS_PATH) == 0)
		return AUTH_EP_IMDS;
	if (strcmp(path, AUTH_IDENTITY_PATH) == 0)
		return AUTH_EP_IDENTITY;
	/* "/{tenant}/oauth2/v2.0/token" with a non-empty tenant segment */
	slash = strchr(path + 1, '/');
	if (!slash || slash == path + 1)
		return AUTH_EP_NONE;
	len = strlen(slash);
	if (len == sizeof(v2) - 1 && memcmp(slash, v2, len) == 0)
		return AUTH_EP_ENTRA;
	return AUTH_EP_NONE;
}

int auth_handle(struct auth *a, const struct auth_request *req,
		struct auth_response *resp)
{
	if (!a || !req || !resp)
		return -EINVAL;
	switch (auth_classify(req->path)) {
	case AUTH_EP_ENTRA:
		return auth_entra_token(a, req, resp);
	case AUTH_EP_IMDS:
		return auth_imds_token(a, req, resp);
	case AUTH_EP_IDENTITY:
		return auth_identity_token(a, req, resp);
	case AUTH_EP_NONE:
		break;
	}
	return -ENOENT;
}

static int add_str(struct json_object *o, const char *k, const char *v)
{
	struct json_object *s = json_object_new_string(v);

	if (!s)
		return -ENOMEM;
	if (json_object_object_add(o, k, s)) {
		json_object_put(s);
		return -ENOMEM;
	}
	return 0;
}

static int add_int(struct json_object *o, const char *k, long long v)
{
	struct json_object *n = json_object_new_int64(v);

	if (!n)
		return -ENOMEM;
	if (json_object_object_add(o, k, n)) {
		json_object_put(n);
		return -ENOMEM;
	}
	return 0;
}

int auth_i_mint(struct auth *a, const char *aud, const char *appid,
		const char *appidacr, const char *extra_name,
		const char *extra_value, char **token, long long *iat,
		long long *exp)
{
	struct auth_snapshot s;
	struct json_object *c;
	char iss[AUTH_STR_MAX + 32], oid[37];
	unsigned char rnd[16];
	char *uti = NULL;
	int rc = -ENOMEM;

	*token = NULL;
	if (!aud || !*aud)
		return -EINVAL;
	auth_i_snapshot(a, &s);
	snprintf(iss, sizeof(iss), AUTH_ISS_FMT, a->tenant);
	/* The object id of the service principal is stable for a client id,
	 * as a real tenant's would be. */
	auth_i_derived_uuid(a->tenant, appid ? appid : aud, oid);
	if (RAND_bytes(rnd, sizeof(rnd)) != 1)
		memset(rnd, 0x33, sizeof(rnd));
	if (jwt_b64_encode(rnd, sizeof(rnd), &uti))
		return -ENOMEM;
	c = json_object_new_object();
	if (!c)
		goto out;
	if (add_str(c, "aud", aud) || add_str(c, "iss", iss) ||
	    add_int(c, "iat", s.now) || add_int(c, "nbf", s.now) ||
	    add_int(c, "exp", s.now + s.lifetime))
		goto out;
	if (appid && add_str(c, "appid", appid))
		goto out;
	if (appidacr && add_str(c, "appidacr", appidacr))
		goto out;
	if (add_str(c, "idp", iss) || add_str(c, "idtyp", "app") ||
	    add_str(c, "oid", oid) || add_str(c, "sub", oid) ||
	    add_str(c, "tid", a->tenant) || add_str(c, "uti", uti) ||
	    add_str(c, "ver", "1.0"))
		goto out;
	if (extra_name && extra_value && add_str(c, extra_name, extra_value))
		goto out;
	rc = jwt_hs256_sign(a->key, a->key_len, AUTH_KID, c, token);
	if (rc == 0) {
		if (iat)
			*iat = s.now;
		if (exp)
			*exp = s.now + s.lifetime;
	}
out:
	json_object_put(c);
	free(uti);
	return rc;
}

int auth_i_mint_reply(struct auth *a, const char *aud, const char *appid,
		      const char *appidacr, char **token, long long *iat,
		      long long *exp, struct json_object **obj)
{
	int rc = auth_i_mint(a, aud, appid, appidacr, NULL, NULL, token, iat, exp);

	if (rc)
		return rc;
	*obj = json_object_new_object();
	if (!*obj) {
		free(*token);
		*token = NULL;
		return -ENOMEM;
	}
	return 0;
}

int auth_issue_token(struct auth *a, const char *aud, const char *client_id,
		     char **token, long long *exp)
{
	struct auth_snapshot s;

	if (!a || !aud || !token)
		return -EINVAL;
	if (!client_id) {
		auth_i_snapshot(a, &s);
		return auth_i_mint(a, aud, s.mi_client_id, "2", NULL, NULL,
				   token, NULL, exp);
	}
	return auth_i_mint(a, aud, client_id, "1", NULL, NULL, token, NULL,
			   exp);
}

int auth_issue_dataplane(struct auth *a, const char *job_id, char **token,
			 char **expires)
{
	char buf[64];
	long long exp = 0;
	struct timespec when = { 0, 0 };
	int custom_clock;
	int rc;

	if (!a || !job_id || !*job_id || !token || !expires)
		return -EINVAL;
	*expires = NULL;
	rc = auth_i_mint(a, AUTH_AUD_ACA_DATAPLANE, NULL, NULL, "xms_job",
			 job_id, token, NULL, &exp);
	if (rc)
		return rc;
	pthread_mutex_lock(&a->mu);
	custom_clock = a->clock != NULL;
	pthread_mutex_unlock(&a->mu);
	/* ARM prints 7 fractional digits; use the real ones. */
	if (!custom_clock)
		when = sim_now();
	when.tv_sec = (time_t)exp;
	sim_time_z(&when, buf, sizeof(buf));
	*expires = strdup(buf);
	if (!*expires) {
		free(*token);
		*token = NULL;
		return -ENOMEM;
	}
	return 0;
}
