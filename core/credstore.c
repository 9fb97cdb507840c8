/*
 * credstore.c - registry credentials in memory (see credstore.h).
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/credstore.h"

struct entry {
	char *registry;
	struct sl_cred cred;
	struct entry *next;
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct entry *head;

/* Overwrites a secret before freeing it, so it does not linger in freed
 * heap memory (a core dump, say).  The volatile pointer keeps the
 * compiler from dropping the stores. */
static void wipe_free(char *s)
{
	if (s) {
		volatile char *v = s;

		while (*v)
			*v++ = 0;
		free(s);
	}
}

void sl_cred_clear(struct sl_cred *c)
{
	wipe_free(c->username);
	wipe_free(c->password);
	wipe_free(c->registry_token);
	c->username = c->password = c->registry_token = NULL;
}

static int dup_opt(const char *s, char **out)
{
	*out = NULL;
	if (!s || !*s)
		return 0;
	*out = strdup(s);
	return *out ? 0 : -ENOMEM;
}

static int cred_copy(const char *u, const char *p, const char *t,
	struct sl_cred *out)
{
	memset(out, 0, sizeof(*out));
	if (dup_opt(u, &out->username) || dup_opt(p, &out->password) ||
	    dup_opt(t, &out->registry_token)) {
		sl_cred_clear(out);
		return -ENOMEM;
	}
	return 0;
}

/* The entry for registry, or NULL; lock held. */
static struct entry **find(const char *registry)
{
	struct entry **e = &head;

	while (*e && strcasecmp((*e)->registry, registry))
		e = &(*e)->next;
	return e;
}

int sl_credstore_set(const char *registry, const char *username,
	const char *password, const char *registry_token)
{
	struct sl_cred c;
	struct entry **e, *n;

	if (!registry || !*registry ||
	    ((!username || !*username) && (!password || !*password) &&
	     (!registry_token || !*registry_token)))
		return -EINVAL;
	if (cred_copy(username, password, registry_token, &c))
		return -ENOMEM;
	pthread_mutex_lock(&lock);
	e = find(registry);
	if (*e) {
		sl_cred_clear(&(*e)->cred);
		(*e)->cred = c;
		pthread_mutex_unlock(&lock);
		return 0;
	}
	n = calloc(1, sizeof(*n));
	if (!n || !(n->registry = strdup(registry))) {
		pthread_mutex_unlock(&lock);
		free(n);
		sl_cred_clear(&c);
		return -ENOMEM;
	}
	n->cred = c;
	*e = n;
	pthread_mutex_unlock(&lock);
	return 0;
}

int sl_credstore_get(const char *registry, struct sl_cred *out)
{
	struct entry *e;
	int rc = -ENOENT;

	memset(out, 0, sizeof(*out));
	if (!registry)
		return -ENOENT;
	pthread_mutex_lock(&lock);
	e = *find(registry);
	if (e)
		rc = cred_copy(e->cred.username, e->cred.password,
			e->cred.registry_token, out);
	pthread_mutex_unlock(&lock);
	return rc;
}

static void entry_free(struct entry *e)
{
	sl_cred_clear(&e->cred);
	free(e->registry);
	free(e);
}

void sl_credstore_forget(const char *registry)
{
	struct entry **e, *gone;

	pthread_mutex_lock(&lock);
	e = find(registry);
	gone = *e;
	if (gone)
		*e = gone->next;
	pthread_mutex_unlock(&lock);
	if (gone)
		entry_free(gone);
}

void sl_credstore_clear(void)
{
	struct entry *e;

	pthread_mutex_lock(&lock);
	e = head;
	head = NULL;
	pthread_mutex_unlock(&lock);
	while (e) {
		struct entry *next = e->next;

		entry_free(e);
		e = next;
	}
}
