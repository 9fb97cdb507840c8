/* auth_mi: managed-identity token endpoints: IMDS and the App Service /
 * Container Apps IDENTITY_ENDPOINT flavour.  Both answer numbers as
 * strings, unlike Entra. */
#include "config.h"
#include "auth_issue.h"
#include "auth_priv.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>
#include <openssl/crypto.h>

/* IMDS answers errors as OAuth pairs. */
static int imds_error(struct auth_response *resp, int status,
		      const char *error, const char *desc)
{
	struct json_object *o = json_object_new_object();

	if (!o)
		return -ENOMEM;
	json_object_object_add(o, "error", json_object_new_string(error));
	json_object_object_add(o, "error_description",
			       json_object_new_string(desc));
	return auth_i_send_json(resp, status, o);
}

static void num_str(long long v, char *buf, size_t n)
{
	snprintf(buf, n, "%lld", v);
}

int auth_imds_token(struct auth *a, const struct auth_request *req,
		    struct auth_response *resp)
{
	struct auth_snapshot s;
	struct json_object *o;
	const char *meta, *resource, *cid;
	char *tok = NULL;
	char n1[32], n2[32], n3[32];
	long long iat = 0, exp = 0;
	int rc;

	if (!a || !req || !resp || !req->method)
		return -EINVAL;
	if (strcmp(req->method, "GET") != 0)
		return imds_error(resp, 405, "invalid_request",
				  "The requested method is not supported.");
	meta = auth_request_header(req, "Metadata");
	if (!meta || !sim_streq_ci(meta, "true"))
		return imds_error(resp, 400, "invalid_request",
				  "Required metadata header not specified");
	if (!auth_request_query(req, "api-version"))
		return imds_error(resp, 400, "invalid_request",
				  "Required query variable 'api-version' is "
				  "missing");
	resource = auth_request_query(req, "resource");
	if (!resource)
		return imds_error(resp, 400, "invalid_request",
				  "Required query variable 'resource' is "
				  "missing");
	auth_i_snapshot(a, &s);
	/* A user-assigned identity chosen by client_id answers with that id;
	 * object_id / msi_res_id select one we cannot name, so the
	 * configured identity answers. */
	cid = auth_request_query(req, "client_id");
	if (!cid)
		cid = s.mi_client_id;
	rc = auth_i_mint_reply(a, resource, cid, "2", &tok, &iat, &exp, &o);
	if (rc)
		return rc;
	num_str(exp - iat, n1, sizeof(n1));
	num_str(exp, n2, sizeof(n2));
	num_str(iat, n3, sizeof(n3));
	json_object_object_add(o, "access_token", json_object_new_string(tok));
	json_object_object_add(o, "client_id", json_object_new_string(cid));
	json_object_object_add(o, "expires_in", json_object_new_string(n1));
	json_object_object_add(o, "expires_on", json_object_new_string(n2));
	json_object_object_add(o, "ext_expires_in", json_object_new_string(n1));
	json_object_object_add(o, "not_before", json_object_new_string(n3));
	json_object_object_add(o, "resource", json_object_new_string(resource));
	json_object_object_add(o, "token_type", json_object_new_string("Bearer"));
	free(tok);
	return auth_i_send_json(resp, 200, o);
}

/* App Service's token service answers errors as
 * {"statusCode","message","correlationId"}. */
static int identity_error(struct auth_response *resp, int status,
			  const char *message)
{
	struct json_object *o = json_object_new_object();
	char corr[37];

	if (!o)
		return -ENOMEM;
	sim_uuid(corr);
	json_object_object_add(o, "statusCode", json_object_new_int(status));
	json_object_object_add(o, "message", json_object_new_string(message));
	json_object_object_add(o, "correlationId", json_object_new_string(corr));
	return auth_i_send_json(resp, status, o);
}

int auth_identity_token(struct auth *a, const struct auth_request *req,
			struct auth_response *resp)
{
	struct auth_snapshot s;
	struct json_object *o;
	const char *secret, *resource, *cid;
	char *tok = NULL;
	char n1[32];
	long long exp = 0;
	int rc;

	if (!a || !req || !resp || !req->method)
		return -EINVAL;
	if (strcmp(req->method, "GET") != 0)
		return identity_error(resp, 405,
				      "The requested method is not supported.");
	auth_i_snapshot(a, &s);
	secret = auth_request_header(req, "X-IDENTITY-HEADER");
	if (!secret || !*secret)
		return identity_error(resp, 400,
				      "The X-IDENTITY-HEADER header is "
				      "required.");
	if (strlen(secret) != strlen(s.identity_header) ||
	    CRYPTO_memcmp(secret, s.identity_header, strlen(secret)) != 0)
		return identity_error(resp, 401,
				      "The X-IDENTITY-HEADER header value is "
				      "not valid.");
	if (!auth_request_query(req, "api-version"))
		return identity_error(resp, 400,
				      "The api-version parameter is required.");
	resource = auth_request_query(req, "resource");
	if (!resource)
		return identity_error(resp, 400,
				      "The resource parameter is required.");
	cid = auth_request_query(req, "client_id");
	if (!cid)
		cid = s.mi_client_id;
	rc = auth_i_mint_reply(a, resource, cid, "2", &tok, NULL, &exp, &o);
	if (rc)
		return rc;
	num_str(exp, n1, sizeof(n1));
	json_object_object_add(o, "access_token", json_object_new_string(tok));
	json_object_object_add(o, "expires_on", json_object_new_string(n1));
	json_object_object_add(o, "resource", json_object_new_string(resource));
	json_object_object_add(o, "token_type", json_object_new_string("Bearer"));
	json_object_object_add(o, "client_id", json_object_new_string(cid));
	free(tok);
	return auth_i_send_json(resp, 200, o);
}
