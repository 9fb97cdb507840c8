/* auth_bearer: verification of "Authorization: Bearer <jwt>" for the
 * simulated services, answering failures exactly as each service does.
 *
 * ARM (management.azure.com): 401 with
 *   {"error":{"code":"AuthenticationFailed"|"InvalidAuthenticationToken"|
 *    "ExpiredAuthenticationToken"|"InvalidAuthenticationTokenAudience"|
 *    "InvalidAuthenticationTokenTenant","message":"..."}}
 *   and WWW-Authenticate: Bearer authorization_uri=
 *   "https://login.windows.net/{tenant}",
 *   error="invalid_token", error_description="..."
 *   and x-ms-failure-cause: gateway.  The caller adds its usual ARM
 *   headers (x-ms-request-id, ...).
 * Log Analytics (api.loganalytics.io), OneAPI bodies:
 *   missing/unusable header, expired or not-yet-valid token -> 401
 *   {"error":{"message":"Valid authentication was not provided",
 *    "code":"AuthorizationRequiredError","correlationId":"<guid>"}};
 *   unreadable token, bad signature, other audience or tenant -> 403
 *   {"error":{"message":"The provided authentication is not valid for this
 *    resource","code":"InvalidTokenError","correlationId":"<guid>",
 *    "innererror":{"code":"SignatureVerificationFailed",
 *    "message":"Could not validate the request"}}}  (no WWW-Authenticate:
 *   its value for this API is not documented).
 * ACA data plane (log stream): 401 (see auth_check_dataplane()).
 * The exact message texts are in auth_bearer.c.
 */
#ifndef SL_AZSIM_AUTH_BEARER_H
#define SL_AZSIM_AUTH_BEARER_H

#include "auth_ctx.h"
#include "auth_http.h"

enum auth_api {
	AUTH_API_ARM = 0,      /* accepts https://management.azure.com[/],
	                        * https://management.core.windows.net[/] */
	AUTH_API_LOG_ANALYTICS, /* accepts https://api.loganalytics.io[/] and
	                        * https://api.loganalytics.azure.com[/] */
};

/* Who the token was issued to, for callers that need it (ARM's
 * AuthorizationFailed messages name the oid).  Fixed buffers, no frees. */
struct auth_principal {
	char tid[64];
	char oid[64];
	char appid[128];
	char aud[256];
	long long exp;
};

/* Check the Authorization header value (NULL = header absent) for api.
 * Checks, in this order: presence, "Bearer " scheme, JWT structure,
 * HS256 signature with the simulator key, audience, issuer/tenant,
 * nbf and exp (with the configured skew).
 * Returns 0 (token good; *who filled when non-NULL; *err untouched), or
 * -EACCES with *err filled with the refusal (status 401, or 403 for Log
 * Analytics as above; body, content_type, headers), or -ENOMEM / -EINVAL
 * (NULL a/err).  *err must be initialised (auth_response_init). */
int auth_check_bearer(struct auth *a, enum auth_api api,
		      const char *authorization, struct auth_principal *who,
		      struct auth_response *err);

/* Check a data-plane token from auth_issue_dataplane() for the log stream
 * of job_id (ARM id, case-insensitive; NULL = any job).  Returns 0, or
 * -EACCES with *err = 401, body {"error":{"code":"Unauthorized",
 * "message":"..."}} (Azure's text here is not documented; this shape is
 * the simulator's choice; plus WWW-Authenticate: Bearer
 * error="invalid_token"), or -ENOMEM / -EINVAL. */
int auth_check_dataplane(struct auth *a, const char *authorization,
			 const char *job_id, struct auth_response *err);

#endif
