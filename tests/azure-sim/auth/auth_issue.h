/* auth_issue: the token endpoints (Entra ID v2.0 client credentials, IMDS,
 * the App Service / Container Apps IDENTITY_ENDPOINT flavour) and direct
 * issuing (data-plane tokens for getAuthToken, tests).
 *
 * Issued access tokens are HS256 JWTs (jwt_hs256.h) shaped like Entra v1
 * access tokens: aud, iss "https://sts.windows.net/{tenant}/", iat, nbf,
 * exp, tid, oid, sub (= oid), appid, appidacr, idtyp "app", ver "1.0", uti.
 * The client's object id is derived from (tenant, client id), so it is
 * stable across restarts.
 *
 * Every handler fills *resp completely (status, JSON body, content_type
 * "application/json; charset=utf-8", and the headers Azure sends such as
 * Cache-Control/Pragma for Entra) for success AND for protocol errors, and
 * returns 0.  A negative return (-ENOMEM, -EINVAL for a NULL argument)
 * means nothing usable was produced: answer 500.
 */
#ifndef SL_AZSIM_AUTH_ISSUE_H
#define SL_AZSIM_AUTH_ISSUE_H

#include "auth_ctx.h"
#include "auth_http.h"

enum auth_endpoint {
	AUTH_EP_NONE = 0,   /* not an auth path */
	AUTH_EP_ENTRA,      /* /{tenant}/oauth2/v2.0/token */
	AUTH_EP_IMDS,       /* AUTH_IMDS_PATH */
	AUTH_EP_IDENTITY,   /* AUTH_IDENTITY_PATH */
};

/* Which token endpoint, if any, path (without query) names.  Pure; lets the
 * router decide before building a request. */
enum auth_endpoint auth_classify(const char *path);

/* Dispatch on auth_classify(req->path).  Returns 0 with *resp filled, or
 * -ENOENT (resp untouched) when the path is not an auth endpoint, or a
 * negative error as above. */
int auth_handle(struct auth *a, const struct auth_request *req,
		struct auth_response *resp);

/* Entra ID POST /{tenant}/oauth2/v2.0/token, body
 * application/x-www-form-urlencoded (parsed whatever the Content-Type, as
 * Entra does).  grant_type=client_credentials with client_id, scope
 * ("<resource>/.default", exactly one) and either client_secret or
 * client_assertion_type=urn:ietf:params:oauth:client-assertion-type:jwt-bearer
 * + client_assertion.  The assertion's signature cannot be checked here
 * (no client certificates or OIDC issuers), so a well-formed JWT is
 * accepted when exp (required) and nbf are current and either
 *   - iss equals client_id (certificate assertion): sub must equal it too
 *     and aud must be a string ending in "/{tenant}/oauth2/v2.0/token" or
 *     "/{tenant}/oauth2/token" (any host), or
 *   - iss is anything else (federated token): aud must be
 *     "api://AzureADTokenExchange"; any issuer and subject are trusted.
 * A client_secret, when present, is used instead of an assertion.
 * Tenant in the path: the configured tenant id, case-insensitively.
 * 200 {"token_type":"Bearer","expires_in":N,"ext_expires_in":N,
 *      "access_token":"..."} with aud = the scope's resource.
 * Errors use Entra's body {"error","error_description":"AADSTSnnn: ...
 * \r\nTrace ID: ...\r\nCorrelation ID: ...\r\nTimestamp: ...",
 * "error_codes":[n],"timestamp","trace_id","correlation_id","error_uri"}
 * (correlation_id echoes a client-request-id request header):
 *   non-POST                         400 invalid_request     AADSTS900561
 *   tenant in path not ours          400 invalid_request     AADSTS90002
 *   grant_type/client_id missing     400 invalid_request     AADSTS900144
 *   grant_type not client_credentials 400 unsupported_grant_type AADSTS70003
 *   scope missing                    400 invalid_request     AADSTS90014
 *   scope without "/.default"        400 invalid_scope       AADSTS1002012
 *   several scopes                   400 invalid_scope       AADSTS70011
 *   resource not a URI / app id      400 invalid_resource    AADSTS500011
 *   client not in the registry       400 unauthorized_client AADSTS700016
 *   wrong secret (registry)          401 invalid_client      AADSTS7000215
 *   no secret and no assertion       401 invalid_client      AADSTS7000216
 *   client_assertion_type missing    400 invalid_request     AADSTS900144
 *   client_assertion_type other      400 invalid_request     AADSTS90011
 *   assertion malformed / claims off 400 invalid_request     AADSTS50027
 *   assertion header typ not JWT     400 invalid_request     AADSTS5002727
 *   assertion outside exp/nbf        401 invalid_client      AADSTS700024
 *   federated aud not api://AzureADTokenExchange
 *                                    401 invalid_client      AADSTS700212
 * Every answer carries Cache-Control: no-store, no-cache, Pragma:
 * no-cache and x-ms-request-id (= trace_id). */
int auth_entra_token(struct auth *a, const struct auth_request *req,
		     struct auth_response *resp);

/* IMDS GET AUTH_IMDS_PATH?api-version=2018-02-01&resource=R, header
 * "Metadata: true" required.  Optional client_id / object_id / msi_res_id
 * (user-assigned; client_id becomes the token's appid, the others are
 * accepted and use the configured MI client id).  200 body with string
 * numerics: {"access_token","client_id","expires_in","expires_on",
 * "ext_expires_in","not_before","resource","token_type":"Bearer"}; aud =
 * resource as given.  Errors as IMDS answers them,
 * {"error":"invalid_request","error_description":...}: 400 "Required
 * metadata header not specified" (header absent or not "true"), 400
 * "Required query variable 'api-version' is missing", 400 "Required query
 * variable 'resource' is missing", 405 for non-GET. */
int auth_imds_token(struct auth *a, const struct auth_request *req,
		    struct auth_response *resp);

/* IDENTITY_ENDPOINT flavour: GET AUTH_IDENTITY_PATH?api-version=2019-08-01
 * &resource=R with "X-IDENTITY-HEADER: <configured secret>".  Optional
 * client_id / principal_id / object_id / mi_res_id.  200 body
 * {"access_token","expires_on":"<epoch>","resource","token_type":"Bearer",
 * "client_id"}.  Errors in App Service's token-service shape
 * {"statusCode":N,"message":"...","correlationId":"<guid>"}: header
 * missing -> 400, header wrong -> 401, api-version or resource missing ->
 * 400, non-GET -> 405 (status codes beyond the documented shape are the
 * simulator's choice). */
int auth_identity_token(struct auth *a, const struct auth_request *req,
			struct auth_response *resp);

/* Issue an access token directly (no request parsing): aud as given,
 * client_id as appid (NULL -> the MI client id).  Returns 0 with *token
 * (heap, caller frees with free()) and *exp (epoch seconds, may be NULL),
 * or -EINVAL / -ENOMEM / -EIO. */
int auth_issue_token(struct auth *a, const char *aud, const char *client_id,
		     char **token, long long *exp);

/* Data-plane token for POST .../jobs/{job}/getAuthToken: a JWT with aud
 * AUTH_AUD_ACA_DATAPLANE bound to job_id (the ARM id of the job, compared
 * case-insensitively by auth_check_dataplane()).  On success *token and
 * *expires are heap strings (caller frees both with free()); *expires is
 * the ARM form "2022-07-14T19:22:50.3080223Z" (7 fractional digits, UTC)
 * for properties.expires.  Returns 0, -EINVAL, -ENOMEM, -EIO. */
int auth_issue_dataplane(struct auth *a, const char *job_id, char **token,
			 char **expires);

#endif
