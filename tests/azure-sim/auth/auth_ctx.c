/* auth_ctx: the authority object, its settings and the client registry. */
#include "config.h"
#include "auth_ctx.h"
#include "auth_priv.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

static int copy_setting(char dst[AUTH_STR_MAX], const char *src,
			const char *dflt)
{
	const char *v = src ? src : dflt;
	size_t n = strlen(v);

	if (n == 0 || n >= AUTH_STR_MAX)
		return -EINVAL;
	memcpy(dst, v, n + 1);
	return 0;
}

int auth_new(const struct auth_settings *s, struct auth **out)
{
	struct auth_settings none;
	struct auth *a;
	int rc;

	*out = NULL;
	if (!s) {
		memset(&none, 0, sizeof(none));
		s = &none;
	}
	if (s->key && s->key_len > AUTH_KEY_MAX)
		return -EINVAL;
	a = calloc(1, sizeof(*a));
	if (!a)
		return -ENOMEM;
	rc = copy_setting(a->tenant, s->tenant, AUTH_DEFAULT_TENANT);
	if (rc == 0)
		rc = copy_setting(a->identity_header, s->identity_header,
				  AUTH_DEFAULT_IDENTITY_HEADER);
	if (rc == 0)
		rc = copy_setting(a->mi_client_id, s->mi_client_id,
				  AUTH_DEFAULT_MI_CLIENT_ID);
	if (rc)
		goto fail;
	if (s->key && s->key_len > 0) {
		memcpy(a->key, s->key, s->key_len);
		a->key_len = s->key_len;
	} else {
		/* A fresh key per run: tokens from an earlier simulator
		 * process are rejected, as a rotated signing key would. */
		if (RAND_bytes(a->key, 32) != 1) {
			rc = -EIO;
			goto fail;
		}
		a->key_len = 32;
	}
	a->lifetime = s->token_lifetime > 0 ? s->token_lifetime
					    : AUTH_DEFAULT_LIFETIME;
	a->skew = s->clock_skew > 0 ? s->clock_skew : 0;
	a->clock = s->clock;
	a->clock_ctx = s->clock_ctx;
	if (pthread_mutex_init(&a->mu, NULL) != 0) {
		rc = -ENOMEM;
		goto fail;
	}
	*out = a;
	return 0;
fail:
	OPENSSL_cleanse(a->key, sizeof(a->key));
	free(a);
	return rc;
}

void auth_free(struct auth *a)
{
	size_t i;

	if (!a)
		return;
	for (i = 0; i < a->n_clients; i++) {
		free(a->clients[i].id);
		if (a->clients[i].secret)
			OPENSSL_cleanse(a->clients[i].secret,
					strlen(a->clients[i].secret));
		free(a->clients[i].secret);
	}
	free(a->clients);
	pthread_mutex_destroy(&a->mu);
	OPENSSL_cleanse(a->key, sizeof(a->key));
	free(a);
}

int auth_add_client(struct auth *a, const char *client_id, const char *secret)
{
	char *sec = NULL;
	size_t i;
	int rc = 0;

	if (!a || !client_id || !*client_id)
		return -EINVAL;
	if (secret && !(sec = strdup(secret)))
		return -ENOMEM;
	pthread_mutex_lock(&a->mu);
	for (i = 0; i < a->n_clients; i++) {
		/* Entra compares application ids case-insensitively (GUIDs). */
		if (sim_streq_ci(a->clients[i].id, client_id)) {
			free(a->clients[i].secret);
			a->clients[i].secret = sec;
			goto out;
		}
	}
	if (a->n_clients == a->cap_clients) {
		size_t ncap = a->cap_clients ? a->cap_clients * 2 : 4;
		struct auth_client *nc;

		nc = realloc(a->clients, ncap * sizeof(*nc));
		if (!nc) {
			rc = -ENOMEM;
			goto out;
		}
		a->clients = nc;
		a->cap_clients = ncap;
	}
	a->clients[a->n_clients].id = strdup(client_id);
	if (!a->clients[a->n_clients].id) {
		rc = -ENOMEM;
		goto out;
	}
	a->clients[a->n_clients].secret = sec;
	a->n_clients++;
out:
	pthread_mutex_unlock(&a->mu);
	if (rc)
		free(sec);
	return rc;
}

enum auth_client_check auth_i_check_client(struct auth *a, const char *id,
					   const char *secret)
{
	enum auth_client_check res = AUTH_CLIENT_UNKNOWN;
	size_t i;

	pthread_mutex_lock(&a->mu);
	if (a->n_clients == 0) {
		res = AUTH_CLIENT_OK;
		goto out;
	}
	for (i = 0; i < a->n_clients; i++) {
		const char *want = a->clients[i].secret;

		if (!sim_streq_ci(a->clients[i].id, id))
			continue;
		if (!secret)
			res = AUTH_CLIENT_OK;
		else if (want && strlen(want) == strlen(secret) &&
			 CRYPTO_memcmp(want, secret, strlen(want)) == 0)
			res = AUTH_CLIENT_OK;
		else
			res = AUTH_CLIENT_BAD_SECRET;
		break;
	}
out:
	pthread_mutex_unlock(&a->mu);
	return res;
}

void auth_set_token_lifetime(struct auth *a, long seconds)
{
	pthread_mutex_lock(&a->mu);
	a->lifetime = seconds > 0 ? seconds : AUTH_DEFAULT_LIFETIME;
	pthread_mutex_unlock(&a->mu);
}

void auth_set_clock_skew(struct auth *a, long seconds)
{
	pthread_mutex_lock(&a->mu);
	a->skew = seconds > 0 ? seconds : 0;
	pthread_mutex_unlock(&a->mu);
}

int auth_set_identity_header(struct auth *a, const char *secret)
{
	char tmp[AUTH_STR_MAX];

	if (!secret || copy_setting(tmp, secret, NULL))
		return -EINVAL;
	pthread_mutex_lock(&a->mu);
	memcpy(a->identity_header, tmp, sizeof(tmp));
	pthread_mutex_unlock(&a->mu);
	return 0;
}

void auth_set_clock(struct auth *a, auth_clock_fn clock, void *ctx)
{
	pthread_mutex_lock(&a->mu);
	a->clock = clock;
	a->clock_ctx = ctx;
	pthread_mutex_unlock(&a->mu);
}

const char *auth_tenant(const struct auth *a)
{
	return a->tenant;
}

long auth_token_lifetime(struct auth *a)
{
	long v;

	pthread_mutex_lock(&a->mu);
	v = a->lifetime;
	pthread_mutex_unlock(&a->mu);
	return v;
}

long long auth_now(struct auth *a)
{
	auth_clock_fn fn;
	void *ctx;

	pthread_mutex_lock(&a->mu);
	fn = a->clock;
	ctx = a->clock_ctx;
	pthread_mutex_unlock(&a->mu);
	/* Called outside the lock so a test clock may call back into us. */
	return fn ? fn(ctx) : (long long)time(NULL);
}

void auth_i_snapshot(struct auth *a, struct auth_snapshot *s)
{
	pthread_mutex_lock(&a->mu);
	s->lifetime = a->lifetime;
	s->skew = a->skew;
	memcpy(s->identity_header, a->identity_header,
	       sizeof(s->identity_header));
	memcpy(s->mi_client_id, a->mi_client_id, sizeof(s->mi_client_id));
	pthread_mutex_unlock(&a->mu);
	s->now = auth_now(a);
}
