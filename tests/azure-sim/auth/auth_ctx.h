/* auth_ctx: the simulator's identity authority.  One struct auth holds the
 * signing key, the tenant, the token lifetime, the managed-identity
 * settings, an optional client registry and the clock.  All issuing and
 * verifying functions (auth_issue.h, auth_bearer.h) take it.
 *
 * Thread-safe: every function may be called from any libmicrohttpd thread;
 * settings changed at runtime (setters below) take effect for the next call.
 */
#ifndef SL_AZSIM_AUTH_CTX_H
#define SL_AZSIM_AUTH_CTX_H

#include <stddef.h>

/* Defaults, as the issue text seeds them. */
#define AUTH_DEFAULT_TENANT "00000000-0000-0000-0000-0000000000aa"
/* Entra's client-credentials tokens report 3599 s. */
#define AUTH_DEFAULT_LIFETIME 3599L
/* Value X-IDENTITY-HEADER must carry on the IDENTITY_ENDPOINT flavour. */
#define AUTH_DEFAULT_IDENTITY_HEADER "sockerless-sim-identity-header"
/* client_id reported by the system-assigned managed identity. */
#define AUTH_DEFAULT_MI_CLIENT_ID "00000000-0000-0000-0000-0000000000c1"

/* Where the simulator serves the managed-identity endpoints (paths only;
 * IMDS's is Azure's real path, the IDENTITY_ENDPOINT one matches the
 * documented example http://localhost:42356/msi/token). */
#define AUTH_IMDS_PATH "/metadata/identity/oauth2/token"
#define AUTH_IDENTITY_PATH "/msi/token"

/* Audiences. ARM accepts all four ARM spellings; Log Analytics both. */
#define AUTH_AUD_ARM "https://management.azure.com/"
#define AUTH_AUD_LOG_ANALYTICS "https://api.loganalytics.io"
/* Audience of the getAuthToken data-plane tokens (log stream).  Azure's are
 * opaque; ours are JWTs bound to one job resource id (claim "xms_job"). */
#define AUTH_AUD_ACA_DATAPLANE "https://azurecontainerapps.dev"

/* Current time in seconds since the epoch. */
typedef long long (*auth_clock_fn)(void *ctx);

struct auth_settings {
	const char *tenant;           /* NULL -> AUTH_DEFAULT_TENANT */
	const unsigned char *key;     /* HS256 key; NULL -> 32 random bytes */
	size_t key_len;
	long token_lifetime;          /* seconds, <= 0 -> AUTH_DEFAULT_LIFETIME;
	                               * used for every issued token */
	long clock_skew;              /* seconds of leeway on exp/nbf when
	                               * verifying; < 0 -> 0 (the default) */
	const char *identity_header;  /* NULL -> AUTH_DEFAULT_IDENTITY_HEADER */
	const char *mi_client_id;     /* NULL -> AUTH_DEFAULT_MI_CLIENT_ID */
	auth_clock_fn clock;          /* NULL -> time(NULL) */
	void *clock_ctx;
};

struct auth;

/* Create an authority.  s may be NULL (all defaults).  Strings and the key
 * are copied.  Returns 0 and *out (free with auth_free()), -EINVAL (tenant
 * or identity header empty / too long (> 127 bytes), key longer than 256
 * bytes), -ENOMEM, or -EIO (no randomness for the key). */
int auth_new(const struct auth_settings *s, struct auth **out);

/* Release.  NULL is a no-op. */
void auth_free(struct auth *a);

/* Register a confidential client.  Once at least one client is registered
 * the token endpoint only accepts registered client ids (others ->
 * AADSTS700016) and, for client_secret requests, the matching secret
 * (else AADSTS7000215).  secret may be NULL: the client then authenticates
 * only with a client assertion.  Registering an existing id replaces its
 * secret.  Returns 0, -EINVAL, -ENOMEM. */
int auth_add_client(struct auth *a, const char *client_id, const char *secret);

/* Runtime setters (e.g. from the /_sim/ admin paths or tests). */
void auth_set_token_lifetime(struct auth *a, long seconds); /* <= 0 -> default */
void auth_set_clock_skew(struct auth *a, long seconds);
int auth_set_identity_header(struct auth *a, const char *secret); /* 0/-EINVAL */
void auth_set_clock(struct auth *a, auth_clock_fn clock, void *ctx); /* NULL -> time() */

/* Read-only accessors.  auth_tenant() returns a pointer valid until
 * auth_free(); the tenant never changes after auth_new(). */
const char *auth_tenant(const struct auth *a);
long auth_token_lifetime(struct auth *a);
long long auth_now(struct auth *a);

#endif
