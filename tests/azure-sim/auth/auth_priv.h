/* auth_priv: internals shared by the auth_*.c files.  Not for other modules
 * (their contract is auth_ctx.h, auth_issue.h, auth_bearer.h, auth_form.h,
 * auth_http.h). */
#ifndef SL_AZSIM_AUTH_PRIV_H
#define SL_AZSIM_AUTH_PRIV_H

#include <pthread.h>
#include <stddef.h>

#include "auth_ctx.h"
#include "auth_http.h"
#include "sim_util.h"

struct json_object;

#define AUTH_STR_MAX 128
#define AUTH_KEY_MAX 256
#define AUTH_KID "sockerless-azure-sim"
#define AUTH_JSON_CT "application/json; charset=utf-8"
#define AUTH_JSON_FLAGS \
	(JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)
/* Issuer of every token, as Entra v1 access tokens carry it. */
#define AUTH_ISS_FMT "https://sts.windows.net/%s/"

struct auth_client {
	char *id;
	char *secret; /* NULL: assertion only */
};

struct auth {
	pthread_mutex_t mu;
	char tenant[AUTH_STR_MAX];       /* immutable after auth_new() */
	unsigned char key[AUTH_KEY_MAX]; /* immutable after auth_new() */
	size_t key_len;
	/* guarded by mu: */
	long lifetime;
	long skew;
	char identity_header[AUTH_STR_MAX];
	char mi_client_id[AUTH_STR_MAX];
	auth_clock_fn clock;
	void *clock_ctx;
	struct auth_client *clients;
	size_t n_clients, cap_clients;
};

/* Outcome of a client-registry check. */
enum auth_client_check {
	AUTH_CLIENT_OK = 0,     /* registry empty, or id known and secret ok */
	AUTH_CLIENT_UNKNOWN,    /* registry non-empty, id not in it */
	AUTH_CLIENT_BAD_SECRET, /* id known, secret wrong or not allowed */
};

/* secret NULL: only check that the id is acceptable (assertion flows). */
enum auth_client_check auth_i_check_client(struct auth *a, const char *id,
					   const char *secret);

/* Copies of the mutable settings, taken under the lock. */
struct auth_snapshot {
	long long now;
	long lifetime;
	long skew;
	char identity_header[AUTH_STR_MAX];
	char mi_client_id[AUTH_STR_MAX];
};
void auth_i_snapshot(struct auth *a, struct auth_snapshot *s);

/* Stable UUID-shaped id derived from (tenant, name), into out[37]. */
void auth_i_derived_uuid(const char *tenant, const char *name, char out[37]);

/* Time formats (UTC) of Entra and ARM texts; the ISO one with 7 digits is
 * sim_time_z(). */
void auth_i_fmt_entra_ts(long long t, char *out, size_t n); /* 2019-11-29 06:39:27Z */
void auth_i_fmt_arm_time(long long t, char *out, size_t n); /* 8/17/2017 10:54:41 PM */

/* Mint an access token.  aud required; appid may be NULL (no appid
 * claim); appidacr "0"/"1"/"2" or NULL; extra_name/extra_value add one
 * string claim when both are non-NULL.  *token heap (caller frees), *iat
 * and *exp (may be NULL) get the times used. */
int auth_i_mint(struct auth *a, const char *aud, const char *appid,
		const char *appidacr, const char *extra_name,
		const char *extra_value, char **token, long long *iat,
		long long *exp);

/* A token endpoint's answer begun: auth_i_mint() (no extra claim) and a
 * new JSON object for the reply. *token and *obj are the caller's on
 * success; on failure there are neither. Returns 0 or -errno. */
int auth_i_mint_reply(struct auth *a, const char *aud, const char *appid,
		      const char *appidacr, char **token, long long *iat,
		      long long *exp, struct json_object **obj);

/* Serialise obj into resp as a JSON body with status; consumes obj.
 * Returns 0 or -ENOMEM. */
int auth_i_send_json(struct auth_response *resp, int status,
		     struct json_object *obj);

#endif
