/*
 * credstore.h - registry credentials the user gave the daemon (at pull
 * with X-Registry-Auth, at POST /auth, or in the configuration), kept in
 * memory per registry host so the backend can ask for them at start time
 * (host->registry_credentials).  Never written to disk or to a log: after
 * a daemon restart they come back with the client's next pull.
 */
#ifndef SL_CREDSTORE_H
#define SL_CREDSTORE_H

struct sl_cred {
	char *username, *password, *registry_token;  /* NULL when unset */
};

/*
 * Remembers credentials for `registry` (a host name, "docker.io" for
 * Docker Hub; compared case-insensitively), replacing older ones.  The
 * strings are copied; NULL or "" fields are unset.  Returns 0, -EINVAL
 * (no registry, or nothing to keep) or -ENOMEM.
 */
int sl_credstore_set(const char *registry, const char *username,
	const char *password, const char *registry_token);

/* Copies the credentials for `registry` into *out (owned by the caller:
 * sl_cred_clear).  Returns 0 or -ENOENT. */
int sl_credstore_get(const char *registry, struct sl_cred *out);

/* Forgets one registry's credentials; unknown is success. */
void sl_credstore_forget(const char *registry);

/* Forgets everything (daemon shutdown). */
void sl_credstore_clear(void);

/* Wipes and frees the strings of *c and sets them to NULL. */
void sl_cred_clear(struct sl_cred *c);

#endif
