/*
 * ctrtab.c - the container table.
 *
 * A plain array under one mutex: Docker hosts hold tens to thousands of
 * containers, and every lookup by prefix or name has to scan anyway.
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/ctrfiles.h"
#include "core/ctrtab.h"
#include "core/events.h"
#include "core/log.h"
#include "core/names.h"
#include "core/store.h"

static pthread_mutex_t tab_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_once_t tab_cond_once = PTHREAD_ONCE_INIT;
static pthread_cond_t tab_cond;  /* CLOCK_MONOTONIC, as the event bus */
static struct sl_container **tab;
static size_t tab_len, tab_cap;
static unsigned long tab_gen;
static struct sl_store *tab_store;
static void (*tab_exit_hook)(struct sl_container *c);
static void (*tab_die_hook)(struct sl_container *c, int exit_code);
static int (*tab_exit_code_hook)(struct sl_container *c, int *code);
static void (*tab_remove_hook)(struct sl_container *c);
static struct sl_events *tab_events;

/* Waits run on the monotonic clock: a wall-clock step must neither end a
 * /wait slice early nor stretch it. */
static void tab_cond_init(void)
{
	pthread_condattr_t ca;

	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&tab_cond, &ca);
	pthread_condattr_destroy(&ca);
}

static int tab_push(struct sl_container *c)
{
	if (tab_len == tab_cap) {
		size_t ncap = tab_cap ? tab_cap * 2 : 64;
		struct sl_container **n = realloc(tab, ncap * sizeof(*n));

		if (!n)
			return SL_ENOMEM;
		tab = n;
		tab_cap = ncap;
	}
	tab[tab_len++] = c;
	return SL_OK;
}

/* Drops c from the array; returns whether it was there.  Under tab_lock. */
static int tab_drop(struct sl_container *c)
{
	for (size_t i = 0; i < tab_len; i++)
		if (tab[i] == c) {
			tab[i] = tab[--tab_len];
			return 1;
		}
	return 0;
}

static int tab_has(const struct sl_container *c)
{
	for (size_t i = 0; i < tab_len; i++)
		if (tab[i] == c)
			return 1;
	return 0;
}

/* The record holding `name`, reserved ones included.  Under tab_lock. */
static struct sl_container *name_owner(const char *name)
{
	for (size_t i = 0; i < tab_len; i++)
		if (!strcmp(tab[i]->str[SL_CTR_NAME], name))
			return tab[i];
	return NULL;
}

static void conflict_message(char *err, size_t errlen, const char *name,
	const struct sl_container *owner)
{
	snprintf(err, errlen,
		"Conflict. The container name \"/%s\" is already in use by container \"%s\". You have to remove (or rename) that container to be able to reuse that name.",
		name, owner->str[SL_CTR_ID]);
}

static int load_one(const char *id, struct json_object *doc, void *arg)
{
	char err[256];
	struct sl_container *c = sl_ctr_from_json(doc, err, sizeof(err));

	(void)arg;
	if (!c) {
		sl_warn("store: skipping container %s: %s", id, err);
		return 0;
	}
	if (tab_push(c))
		sl_ctr_unref(c);
	return 0;
}

int sl_ctrtab_init(struct sl_store *store, struct sl_events *events)
{
	int corrupt = 0, rc;

	tab_store = store;
	tab_events = events;
	if (!store)
		return SL_OK;
	rc = sl_store_load(store, "containers", load_one, NULL, &corrupt);
	if (corrupt)
		sl_warn("store: %d corrupt container record(s) skipped", corrupt);
	/* Secrets and log copies of containers removed during a crash. */
	if (rc >= 0 && sl_ctrfiles_sweep(sl_store_root(store)) > 0)
		sl_info("store: removed the files of containers that no longer exist");
	return rc < 0 ? SL_EINTERNAL : SL_OK;
}

void sl_ctrtab_fini(void)
{
	pthread_mutex_lock(&tab_lock);
	for (size_t i = 0; i < tab_len; i++)
		sl_ctr_unref(tab[i]);
	free(tab);
	tab = NULL;
	tab_len = tab_cap = 0;
	pthread_mutex_unlock(&tab_lock);
}

/*
 * Writes the record as it is now, unless it was removed.  The snapshot and
 * the write happen under the record's persist_lock, so of two concurrent
 * calls the later snapshot is written last; sl_ctrtab_remove takes the
 * same lock, so no write lands after the delete.  Returns 0 or the store's
 * negative errno.
 */
static int persist(struct sl_container *c)
{
	struct json_object *o;
	const char *s;
	int removed, rc = 0;

	if (!tab_store)
		return 0;
	pthread_mutex_lock(&c->persist_lock);
	pthread_mutex_lock(&c->lock);
	removed = c->state.removed;
	pthread_mutex_unlock(&c->lock);
	if (removed)
		goto out;
	o = sl_ctr_to_json(c);
	if (!o) {
		rc = -ENOMEM;
		goto out;
	}
	s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
		JSON_C_TO_STRING_NOSLASHESCAPE);
	rc = s ? sl_store_put(tab_store, "containers", c->str[SL_CTR_ID], s,
		strlen(s)) : -ENOMEM;
	json_object_put(o);
out:
	pthread_mutex_unlock(&c->persist_lock);
	return rc;
}

int sl_ctrtab_persist(struct sl_container *c)
{
	int rc = persist(c);

	if (rc)
		sl_error("store: cannot write container %.12s: %s",
			c->str[SL_CTR_ID], strerror(-rc));
	return rc ? SL_EINTERNAL : SL_OK;
}

/*
 * Gives c a free automatic name as dockerd does: random names, the later
 * ones with a digit, then the short id.  The full id is the last resort: a
 * name the user did not choose must never fail a create.  c is not shared
 * yet, so its name may be replaced.  Under tab_lock.
 */
static int pick_auto_name(struct sl_container *c)
{
	const char *id = c->str[SL_CTR_ID];
	char buf[80];
	char *n;

	if (!name_owner(c->str[SL_CTR_NAME]))
		return SL_OK;
	for (unsigned retry = 1; retry < 6; retry++) {
		sl_names_random(buf, sizeof(buf), retry);
		if (!name_owner(buf))
			goto take;
	}
	snprintf(buf, sizeof(buf), "%.12s", id);
	if (name_owner(buf)) {
		if (name_owner(id))
			return SL_ECONFLICT;
		snprintf(buf, sizeof(buf), "%s", id);
	}
take:
	n = strdup(buf);
	if (!n)
		return SL_ENOMEM;
	free(c->str[SL_CTR_NAME]);
	c->str[SL_CTR_NAME] = n;
	return SL_OK;
}

int sl_ctrtab_add(struct sl_container *c, int auto_name, char *err,
	size_t errlen)
{
	struct sl_container *owner = NULL;
	int rc = SL_OK, prc;

	pthread_mutex_lock(&tab_lock);
	if (auto_name)
		rc = pick_auto_name(c);
	else
		owner = name_owner(c->str[SL_CTR_NAME]);
	if (owner || rc == SL_ECONFLICT) {
		conflict_message(err, errlen, c->str[SL_CTR_NAME],
			owner ? owner : name_owner(c->str[SL_CTR_NAME]));
		rc = SL_ECONFLICT;
	} else if (!rc) {
		/* Reserved (the name is taken) but not listed until written. */
		c->hidden = 1;
		rc = tab_push(c);
		if (!rc)
			sl_ctr_ref(c);
	}
	pthread_mutex_unlock(&tab_lock);
	if (rc) {
		if (rc != SL_ECONFLICT)
			snprintf(err, errlen, "out of memory");
		return rc;
	}

	/* Written before it is listed: a create that cannot be recorded must
	 * leave nothing behind, neither in `docker ps` nor holding its name. */
	prc = persist(c);
	pthread_mutex_lock(&tab_lock);
	if (prc)
		tab_drop(c);
	else
		c->hidden = 0;
	pthread_mutex_unlock(&tab_lock);
	if (!prc)
		return SL_OK;
	/* A put can fail after its rename (syncing the directory). */
	sl_store_delete(tab_store, "containers", c->str[SL_CTR_ID]);
	sl_ctr_unref(c);
	snprintf(err, errlen, "cannot record the container in %s: %s",
		sl_store_root(tab_store), strerror(-prc));
	sl_error("store: %s", err);
	return SL_EINTERNAL;
}

int sl_ctrtab_rename(struct sl_container *c, const char *name,
	const char **old, char *err, size_t errlen)
{
	struct sl_container *owner;
	char **nr;
	char *n = NULL, *prev;
	size_t nret = 0;
	int rc = SL_OK;

	pthread_mutex_lock(&tab_lock);
	prev = c->str[SL_CTR_NAME];
	*old = prev;
	if (c->hidden || !tab_has(c)) {
		snprintf(err, errlen, "No such container: %s", c->str[SL_CTR_ID]);
		rc = SL_ENOTFOUND;
		goto out;
	}
	if (!strcmp(prev, name)) {
		snprintf(err, errlen, "Renaming a container with the same name as its current name");
		rc = SL_EINVAL;
		goto out;
	}
	owner = name_owner(name);
	if (owner) {
		conflict_message(err, errlen, name, owner);
		rc = SL_ECONFLICT;
		goto out;
	}
	while (c->retired && c->retired[nret])
		nret++;
	n = strdup(name);
	nr = realloc(c->retired, (nret + 3) * sizeof(*nr));
	if (!n || !nr) {
		free(n);
		snprintf(err, errlen, "out of memory");
		rc = SL_ENOMEM;
		goto out;
	}
	c->retired = nr;
	/* Room for one more: a failed write below puts n there. */
	nr[nret] = prev;
	nr[nret + 1] = NULL;
	nr[nret + 2] = NULL;
	__atomic_store_n(&c->str[SL_CTR_NAME], n, __ATOMIC_RELEASE);
out:
	pthread_mutex_unlock(&tab_lock);
	if (rc)
		return rc;
	rc = persist(c);
	if (!rc)
		return SL_OK;
	snprintf(err, errlen, "cannot record the new name in %s: %s",
		sl_store_root(tab_store), strerror(-rc));
	sl_error("store: %s", err);
	/* Back to the old name, unless a create took it meanwhile. */
	pthread_mutex_lock(&tab_lock);
	if (!name_owner(prev) && c->str[SL_CTR_NAME] == n) {
		c->retired[nret] = n;
		__atomic_store_n(&c->str[SL_CTR_NAME], prev, __ATOMIC_RELEASE);
	}
	pthread_mutex_unlock(&tab_lock);
	return SL_EINTERNAL;
}

struct sl_container *sl_ctrtab_find(const char *ref, int *ambiguous)
{
	struct sl_container *hit = NULL;
	size_t rl;
	int n = 0;

	*ambiguous = 0;
	if (!ref || !*ref)
		return NULL;
	if (ref[0] == '/')
		ref++;
	rl = strlen(ref);
	pthread_mutex_lock(&tab_lock);
	/* Docker's order: full id, then exact name, then id prefix.  Records
	 * still being added are not there yet.  The first bytes are compared
	 * inline: every call by id or name scans the table, and a strcmp call
	 * per record costs more. */
	for (size_t i = 0; i < tab_len && !hit; i++)
		if (!tab[i]->hidden && tab[i]->str[SL_CTR_ID][0] == ref[0] &&
		    !strcmp(tab[i]->str[SL_CTR_ID], ref))
			hit = tab[i];
	for (size_t i = 0; i < tab_len && !hit; i++)
		if (!tab[i]->hidden && tab[i]->str[SL_CTR_NAME][0] == ref[0] &&
		    !strcmp(tab[i]->str[SL_CTR_NAME], ref))
			hit = tab[i];
	if (!hit) {
		for (size_t i = 0; i < tab_len; i++)
			if (!tab[i]->hidden &&
			    !strncmp(tab[i]->str[SL_CTR_ID], ref, rl)) {
				hit = tab[i];
				n++;
			}
		if (n > 1) {
			*ambiguous = 1;
			hit = NULL;
		}
	}
	sl_ctr_ref(hit);
	pthread_mutex_unlock(&tab_lock);
	return hit;
}

void sl_ctrtab_remove(struct sl_container *c)
{
	int found;

	pthread_mutex_lock(&tab_lock);
	found = tab_drop(c);
	pthread_mutex_unlock(&tab_lock);
	if (!found)
		return;
	/* Under persist_lock: a write in progress lands before the delete,
	 * and every later one sees `removed` and writes nothing. */
	pthread_mutex_lock(&c->persist_lock);
	pthread_mutex_lock(&c->lock);
	c->state.removed = 1;
	c->state.gen++;
	pthread_mutex_unlock(&c->lock);
	if (tab_store) {
		sl_store_delete(tab_store, "containers", c->str[SL_CTR_ID]);
		/* The secrets and the log copy go with the record. */
		sl_ctrfiles_remove(sl_store_root(tab_store), c->str[SL_CTR_ID]);
	}
	pthread_mutex_unlock(&c->persist_lock);
	if (tab_remove_hook)
		tab_remove_hook(c);
	sl_ctrtab_broadcast();
	sl_ctrtab_event(c, "destroy", NULL);
	sl_ctr_unref(c);
}

int sl_ctrtab_foreach(int (*fn)(struct sl_container *c, void *arg),
	void *arg)
{
	struct sl_container **snap;
	size_t n;
	int rc = 0;

	/* Iterate over a snapshot so fn may call back into the table. */
	pthread_mutex_lock(&tab_lock);
	snap = malloc((tab_len ? tab_len : 1) * sizeof(*snap));
	if (!snap) {
		pthread_mutex_unlock(&tab_lock);
		return SL_ENOMEM;
	}
	n = 0;
	for (size_t i = 0; i < tab_len; i++)
		if (!tab[i]->hidden)
			snap[n++] = sl_ctr_ref(tab[i]);
	pthread_mutex_unlock(&tab_lock);
	for (size_t i = 0; i < n; i++) {
		if (!rc)
			rc = fn(snap[i], arg);
		sl_ctr_unref(snap[i]);
	}
	free(snap);
	return rc;
}

void sl_ctrtab_event(struct sl_container *c, const char *action,
	const char *const *extra)
{
	const char *attrs[64];
	size_t n = 0;
	char **labels = c->list[SL_CTR_LABELS];
	char *kbuf[16];
	size_t nk = 0;

	if (!tab_events)
		return;
	attrs[n++] = "image";
	attrs[n++] = c->str[SL_CTR_IMAGE] ? c->str[SL_CTR_IMAGE] : "";
	attrs[n++] = "name";
	attrs[n++] = c->str[SL_CTR_NAME];
	for (size_t i = 0; extra && extra[i] && extra[i + 1] && n < 40; i += 2) {
		attrs[n++] = extra[i];
		attrs[n++] = extra[i + 1];
	}
	/* Labels ride along as attributes, as in dockerd. */
	for (size_t i = 0; labels && labels[i] && nk < 16 && n < 60; i++) {
		size_t kl = strcspn(labels[i], "=");

		kbuf[nk] = strndup(labels[i], kl);
		if (!kbuf[nk])
			break;
		attrs[n++] = kbuf[nk++];
		attrs[n++] = labels[i][kl] ? labels[i] + kl + 1 : "";
	}
	attrs[n] = NULL;
	sl_events_publish(tab_events, "container", action, c->str[SL_CTR_ID],
		attrs);
	for (size_t i = 0; i < nk; i++)
		free(kbuf[i]);
}

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Applies st; when `expect` is given, only if the state's generation is
 * still *expect.  Returns whether it applied. */
static int apply_state(struct sl_container *c, const struct sl_state_v1 *st,
	const unsigned long *expect)
{
	int old, changed, exit_code, agent_code;
	char code[16];

	if (!c || !st || st->struct_size < offsetof(struct sl_state_v1, error))
		return 0;
	if (st->status == SL_STATUS_REMOVED) {
		/* The cloud side is gone (an AutoRemove done by the backend). */
		sl_ctrtab_remove(c);
		return 1;
	}
	/* The agent saw the process end: its code is exact, a backend's
	 * later report may be a guess. */
	exit_code = st->exit_code;
	if ((st->status == SL_STATUS_EXITED || st->status == SL_STATUS_DEAD) &&
	    tab_exit_code_hook && tab_exit_code_hook(c, &agent_code))
		exit_code = agent_code;
	pthread_mutex_lock(&c->lock);
	if (expect && c->state.gen != *expect) {
		pthread_mutex_unlock(&c->lock);
		return 0;
	}
	c->state.gen++;
	old = c->state.status;
	changed = old != st->status;
	c->state.status = st->status;
	if (st->status == SL_STATUS_RUNNING && changed) {
		c->state.started_ns = st->started_ns ? st->started_ns : now_ns();
		c->state.finished_ns = 0;
		c->state.exit_code = 0;
		free(c->state.error);
		c->state.error = NULL;
	}
	if (st->status == SL_STATUS_EXITED || st->status == SL_STATUS_DEAD) {
		if (changed)
			c->state.exits++;
		c->state.exit_code = exit_code;
		c->state.last_exit_code = exit_code;
		c->state.exit_gen = c->state.gen;
		if (changed || st->finished_ns)
			c->state.finished_ns = st->finished_ns ? st->finished_ns : now_ns();
		c->state.pid = 0;
		c->state.oom_killed = st->oom_killed;
	} else if (st->pid) {
		c->state.pid = st->pid;
	}
	/* 1.1: the backend's restart policy counts; a 1.0 state has no
	 * such field, and the count never goes down. */
	if (SL_HAS_FIELD(st, struct sl_state_v1, restart_count) &&
	    st->restart_count > c->state.restart_count)
		c->state.restart_count = st->restart_count;
	if (SL_HAS_FIELD(st, struct sl_state_v1, error) && st->error) {
		free(c->state.error);
		c->state.error = strdup(st->error);
	}
	pthread_mutex_unlock(&c->lock);

	sl_ctrtab_persist(c);
	if (changed) {
		switch (st->status) {
		case SL_STATUS_RUNNING:
			sl_ctrtab_event(c, old == SL_STATUS_PAUSED ? "unpause" : "start", NULL);
			break;
		case SL_STATUS_PAUSED:
			sl_ctrtab_event(c, "pause", NULL);
			break;
		case SL_STATUS_EXITED:
		case SL_STATUS_DEAD: {
			const char *extra[] = {"exitCode", code, NULL};

			snprintf(code, sizeof(code), "%d", exit_code);
			if (tab_die_hook)
				tab_die_hook(c, exit_code);
			sl_ctrtab_event(c, "die", extra);
			if (tab_exit_hook)
				tab_exit_hook(c);
			break;
		}
		default:
			break;
		}
	}
	sl_ctrtab_broadcast();
	return 1;
}

void sl_ctrtab_state_changed(struct sl_container *c,
	const struct sl_state_v1 *st)
{
	apply_state(c, st, NULL);
}

int sl_ctrtab_state_changed_if(struct sl_container *c,
	const struct sl_state_v1 *st, unsigned long gen)
{
	return apply_state(c, st, &gen);
}

unsigned long sl_ctrtab_state_gen(struct sl_container *c)
{
	unsigned long g;

	pthread_mutex_lock(&c->lock);
	g = c->state.gen;
	pthread_mutex_unlock(&c->lock);
	return g;
}

void sl_ctrtab_set_exit_hook(void (*fn)(struct sl_container *c))
{
	tab_exit_hook = fn;
}

void sl_ctrtab_set_die_hook(void (*fn)(struct sl_container *c, int exit_code))
{
	tab_die_hook = fn;
}

void sl_ctrtab_set_agent_hooks(int (*exit_code)(struct sl_container *c,
	int *code), void (*removed)(struct sl_container *c))
{
	tab_exit_code_hook = exit_code;
	tab_remove_hook = removed;
}

void sl_ctrtab_counts(int *total, int *running, int *paused, int *stopped)
{
	*total = *running = *paused = *stopped = 0;
	pthread_mutex_lock(&tab_lock);
	for (size_t i = 0; i < tab_len; i++) {
		int s;

		if (tab[i]->hidden)
			continue;
		pthread_mutex_lock(&tab[i]->lock);
		s = tab[i]->state.status;
		pthread_mutex_unlock(&tab[i]->lock);
		(*total)++;
		if (s == SL_STATUS_RUNNING || s == SL_STATUS_RESTARTING)
			(*running)++;
		else if (s == SL_STATUS_PAUSED)
			(*paused)++;
		else
			(*stopped)++;
	}
	pthread_mutex_unlock(&tab_lock);
}

void sl_ctrtab_broadcast(void)
{
	pthread_once(&tab_cond_once, tab_cond_init);
	pthread_mutex_lock(&tab_lock);
	tab_gen++;
	pthread_cond_broadcast(&tab_cond);
	pthread_mutex_unlock(&tab_lock);
}

unsigned long sl_ctrtab_generation(void)
{
	unsigned long g;

	pthread_mutex_lock(&tab_lock);
	g = tab_gen;
	pthread_mutex_unlock(&tab_lock);
	return g;
}

unsigned long sl_ctrtab_wait_change(unsigned long seen, int timeout_ms)
{
	struct timespec ts;
	unsigned long g;

	pthread_once(&tab_cond_once, tab_cond_init);
	clock_gettime(CLOCK_MONOTONIC, &ts);
	ts.tv_sec += timeout_ms / 1000;
	ts.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&tab_lock);
	while (tab_gen == seen) {
		if (pthread_cond_timedwait(&tab_cond, &tab_lock, &ts))
			break;
	}
	g = tab_gen;
	pthread_mutex_unlock(&tab_lock);
	return g;
}
