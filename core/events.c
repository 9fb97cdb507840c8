/* core/events.c - the Docker events bus (see events.h). */
#include "config.h"

#include "events.h"
#include "imageref.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#define NS_PER_S 1000000000LL

struct slot {
	struct sl_event ev;
	char *line; /* the encoded line, built once at publish */
};

struct sl_events {
	pthread_mutex_t mu;
	pthread_cond_t cv; /* CLOCK_MONOTONIC; broadcast on publish, shutdown, unsubscribe */
	struct slot *ring;
	size_t cap;
	uint64_t next_seq; /* sequence number of the next event; slot = seq % cap */
	size_t n_subs;
	bool shutdown;
	uint64_t shutdown_seq; /* events from here on are never delivered */
	int64_t (*now_fn)(void *arg);
	void *now_arg;
};

struct sl_events_sub {
	struct sl_events *bus;
	struct sl_filters *f;
	int64_t since, until;
	uint64_t cursor;     /* next sequence number to look at */
	uint64_t live_start; /* events before this one are replayed history */
	uint64_t dropped;
};

static int64_t realtime_ns(void *arg)
{
	struct timespec ts;

	(void)arg;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * NS_PER_S + ts.tv_nsec;
}

static int64_t monotonic_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * NS_PER_S + ts.tv_nsec;
}

static void event_clear(struct sl_event *ev)
{
	size_t i;

	free(ev->type);
	free(ev->action);
	free(ev->actor_id);
	if (ev->attrs != NULL)
		for (i = 0; i < 2 * ev->n_attrs; i++)
			free(ev->attrs[i]);
	free(ev->attrs);
	memset(ev, 0, sizeof(*ev));
}

struct sl_events *sl_events_new(size_t ring_capacity)
{
	struct sl_events *bus = calloc(1, sizeof(*bus));
	pthread_condattr_t ca;
	bool cv_ok = false;

	if (bus == NULL)
		return NULL;
	bus->cap = ring_capacity ? ring_capacity : SL_EVENTS_DEFAULT_CAPACITY;
	bus->ring = calloc(bus->cap, sizeof(*bus->ring));
	if (bus->ring == NULL)
		goto fail;
	if (pthread_condattr_init(&ca) != 0)
		goto fail;
	/* Timeouts must not jump with the wall clock. */
	if (pthread_condattr_setclock(&ca, CLOCK_MONOTONIC) == 0 &&
	    pthread_cond_init(&bus->cv, &ca) == 0)
		cv_ok = true;
	pthread_condattr_destroy(&ca);
	if (!cv_ok)
		goto fail;
	if (pthread_mutex_init(&bus->mu, NULL) != 0) {
		pthread_cond_destroy(&bus->cv);
		goto fail;
	}
	bus->now_fn = realtime_ns;
	return bus;
fail:
	free(bus->ring);
	free(bus);
	return NULL;
}

void sl_events_set_clock(struct sl_events *bus, int64_t (*now_ns)(void *arg), void *arg)
{
	pthread_mutex_lock(&bus->mu);
	bus->now_fn = now_ns ? now_ns : realtime_ns;
	bus->now_arg = now_ns ? arg : NULL;
	pthread_mutex_unlock(&bus->mu);
}

/* ---- encoding --------------------------------------------------------------------------- */

static const char *attr_get(const struct sl_event *ev, const char *key)
{
	size_t i;

	for (i = 0; i < ev->n_attrs; i++)
		if (strcmp(ev->attrs[2 * i], key) == 0)
			return ev->attrs[2 * i + 1];
	return NULL;
}

/* Adds key: string; false on OOM (json-c does not take val on failure, so put it here). */
static bool add_str(struct json_object *obj, const char *key, const char *val)
{
	struct json_object *s = json_object_new_string(val);

	if (s == NULL)
		return false;
	if (json_object_object_add(obj, key, s) < 0) {
		json_object_put(s);
		return false;
	}
	return true;
}

static bool add_int(struct json_object *obj, const char *key, int64_t val)
{
	struct json_object *n = json_object_new_int64(val);

	if (n == NULL)
		return false;
	if (json_object_object_add(obj, key, n) < 0) {
		json_object_put(n);
		return false;
	}
	return true;
}

static bool add_obj(struct json_object *obj, const char *key, struct json_object *val)
{
	if (val == NULL)
		return false;
	if (json_object_object_add(obj, key, val) < 0) {
		json_object_put(val);
		return false;
	}
	return true;
}

int sl_events_format(const struct sl_event *ev, char **line)
{
	struct json_object *root = json_object_new_object(), *actor = NULL, *attrs = NULL;
	const char *s;
	bool is_container = strcmp(ev->type, "container") == 0;
	int64_t sec;
	size_t i, len;
	int rc = -ENOMEM;

	*line = NULL;
	if (root == NULL)
		return -ENOMEM;
	/* Field order is Go's struct order in events.Message; json-c keeps insertion order. */
	if (is_container || strcmp(ev->type, "image") == 0) {
		if (ev->action[0] != '\0' && !add_str(root, "status", ev->action))
			goto out;
		if (ev->actor_id[0] != '\0' && !add_str(root, "id", ev->actor_id))
			goto out;
		s = is_container ? attr_get(ev, "image") : NULL;
		if (s != NULL && s[0] != '\0' && !add_str(root, "from", s))
			goto out;
	}
	if (!add_str(root, "Type", ev->type) || !add_str(root, "Action", ev->action))
		goto out;
	actor = json_object_new_object();
	if (!add_obj(root, "Actor", actor))
		goto out;
	if (!add_str(actor, "ID", ev->actor_id))
		goto out;
	attrs = json_object_new_object();
	if (!add_obj(actor, "Attributes", attrs))
		goto out;
	for (i = 0; i < ev->n_attrs; i++)
		if (!add_str(attrs, ev->attrs[2 * i], ev->attrs[2 * i + 1]))
			goto out;
	if (!add_str(root, "scope", ev->scope))
		goto out;
	sec = ev->time_ns / NS_PER_S - (ev->time_ns % NS_PER_S < 0);
	if (!add_int(root, "time", sec) || !add_int(root, "timeNano", ev->time_ns))
		goto out;
	s = json_object_to_json_string_ext(root, JSON_C_TO_STRING_PLAIN |
	                                         JSON_C_TO_STRING_NOSLASHESCAPE);
	if (s == NULL)
		goto out;
	len = strlen(s);
	*line = malloc(len + 2);
	if (*line == NULL)
		goto out;
	memcpy(*line, s, len);
	(*line)[len] = '\n';
	(*line)[len + 1] = '\0';
	rc = 0;
out:
	json_object_put(root);
	return rc;
}

/* ---- matching --------------------------------------------------------------------------- */

/* What dockerd's stripTag gives: the familiar name of a reference ("alpine" for
 * "docker.io/library/alpine:3.19"), s itself when it is not one.  May write into buf (size
 * n); the result is borrowed from s or buf. */
static const char *strip_tag(const char *s, char *buf, size_t n)
{
	char *f = sl_imageref_familiar_name(s);
	size_t len = f ? strlen(f) : n;

	if (len < n)
		memcpy(buf, f, len + 1);
	free(f);
	return len < n ? buf : s;
}

static bool fuzzy_name(const struct sl_filters *f, const char *key, const struct sl_event *ev)
{
	return sl_filters_fuzzy_match(f, key, ev->actor_id) ||
	       sl_filters_fuzzy_match(f, key, attr_get(ev, "name"));
}

static bool match_action(const struct sl_event *ev, const struct sl_filters *f)
{
	const char *const *v = sl_filters_get(f, "event");

	/* moby #25798: "exec_start" must match "exec_start: ls -l" and so on. */
	for (; *v != NULL; v++)
		if (strcmp(*v, "health_status") == 0 || strcmp(*v, "exec_create") == 0 ||
		    strcmp(*v, "exec_start") == 0)
			return sl_filters_fuzzy_match(f, "event", ev->action);
	return sl_filters_exact_match(f, "event", ev->action);
}

static bool match_image(const struct sl_event *ev, const struct sl_filters *f)
{
	const char *name = attr_get(ev, strcmp(ev->type, "image") == 0 ? "name" : "image");
	char b1[512], b2[512];

	if (name == NULL)
		name = "";
	return sl_filters_exact_match(f, "image", ev->actor_id) ||
	       sl_filters_exact_match(f, "image", name) ||
	       sl_filters_exact_match(f, "image", strip_tag(ev->actor_id, b1, sizeof(b1))) ||
	       sl_filters_exact_match(f, "image", strip_tag(name, b2, sizeof(b2)));
}

bool sl_events_match(const struct sl_event *ev, const struct sl_filters *f)
{
	static const char *const by_name[] = { "daemon", "container", "plugin", "volume",
		                               "network", "service", "node", "secret",
		                               "config", NULL };
	size_t i;

	if (sl_filters_len(f) == 0)
		return true;
	if (!match_action(ev, f) || !sl_filters_exact_match(f, "type", ev->type))
		return false;
	if (sl_filters_has_key(f, "scope") && !sl_filters_exact_match(f, "scope", ev->scope))
		return false;
	for (i = 0; by_name[i] != NULL; i++)
		if (!fuzzy_name(f, by_name[i], ev))
			return false;
	if (!match_image(ev, f))
		return false;
	return sl_filters_match_label(f, (const char *const *)ev->attrs);
}

/* ---- publishing ------------------------------------------------------------------------- */

struct pair {
	const char *k, *v;
	size_t idx;
};

static int cmp_pair(const void *a, const void *b)
{
	const struct pair *x = a, *y = b;
	int c = strcmp(x->k, y->k);

	if (c != 0)
		return c;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

/* Copies attrs sorted by key, the last of each repeated key kept. Returns 0 or -ENOMEM. */
static int copy_attrs(struct sl_event *ev, const char *const *attrs)
{
	struct pair *pairs = NULL;
	size_t n = 0, i, out = 0;
	int rc = -ENOMEM;

	while (attrs != NULL && attrs[2 * n] != NULL && attrs[2 * n + 1] != NULL)
		n++;
	ev->attrs = calloc(2 * n + 1, sizeof(char *));
	if (ev->attrs == NULL)
		return -ENOMEM;
	if (n == 0)
		return 0;
	pairs = malloc(n * sizeof(*pairs));
	if (pairs == NULL)
		goto out;
	for (i = 0; i < n; i++) {
		pairs[i].k = attrs[2 * i];
		pairs[i].v = attrs[2 * i + 1];
		pairs[i].idx = i;
	}
	qsort(pairs, n, sizeof(*pairs), cmp_pair);
	for (i = 0; i < n; i++) {
		if (i + 1 < n && strcmp(pairs[i].k, pairs[i + 1].k) == 0)
			continue; /* a later value for the same key follows */
		ev->attrs[2 * out] = strdup(pairs[i].k);
		ev->attrs[2 * out + 1] = strdup(pairs[i].v);
		ev->n_attrs = ++out;
		if (ev->attrs[2 * out - 2] == NULL || ev->attrs[2 * out - 1] == NULL)
			goto out;
	}
	rc = 0;
out:
	free(pairs);
	return rc;
}

int sl_events_publish(struct sl_events *bus, const char *type, const char *action,
                      const char *actor_id, const char *const *attrs)
{
	struct sl_event ev = { 0 };
	struct slot *slot;
	char *line = NULL;
	int rc = -ENOMEM;

	if (type == NULL || type[0] == '\0' || action == NULL || action[0] == '\0')
		return -EINVAL;
	ev.type = strdup(type);
	ev.action = strdup(action);
	ev.actor_id = strdup(actor_id ? actor_id : "");
	ev.scope = "local";
	if (ev.type == NULL || ev.action == NULL || ev.actor_id == NULL)
		goto out;
	if (copy_attrs(&ev, attrs) < 0)
		goto out;

	pthread_mutex_lock(&bus->mu);
	/* Stamped under the lock so sequence order is time order (as far as the clock goes). */
	ev.time_ns = bus->now_fn(bus->now_arg);
	rc = sl_events_format(&ev, &line);
	if (rc == 0) {
		slot = &bus->ring[bus->next_seq % bus->cap];
		event_clear(&slot->ev);
		free(slot->line);
		slot->ev = ev;
		slot->line = line;
		memset(&ev, 0, sizeof(ev));
		bus->next_seq++;
		pthread_cond_broadcast(&bus->cv);
	}
	pthread_mutex_unlock(&bus->mu);
out:
	event_clear(&ev);
	return rc;
}

/* ---- subscribing ------------------------------------------------------------------------- */

static uint64_t oldest_seq(const struct sl_events *bus)
{
	return bus->next_seq > bus->cap ? bus->next_seq - bus->cap : 0;
}

struct sl_events_sub *sl_events_subscribe(struct sl_events *bus, int64_t since_ns,
                                          int64_t until_ns, const struct sl_filters *f)
{
	struct sl_events_sub *sub = calloc(1, sizeof(*sub));

	if (sub == NULL)
		return NULL;
	sub->f = sl_filters_dup(f);
	if (sub->f == NULL) {
		free(sub);
		return NULL;
	}
	sub->bus = bus;
	sub->since = since_ns;
	sub->until = until_ns;
	pthread_mutex_lock(&bus->mu);
	sub->live_start = bus->next_seq;
	/* dockerd replays history only when the client asks for a time range. */
	if (since_ns != SL_EVENTS_NO_TIME || until_ns != SL_EVENTS_NO_TIME)
		sub->cursor = oldest_seq(bus);
	else
		sub->cursor = bus->next_seq;
	bus->n_subs++;
	pthread_mutex_unlock(&bus->mu);
	return sub;
}

/* Whether the event at seq goes to sub. Called with the lock held. */
static bool wanted(const struct sl_events_sub *sub, uint64_t seq, const struct sl_event *ev)
{
	if (sub->until != SL_EVENTS_NO_TIME && ev->time_ns > sub->until)
		return false;
	/* Like dockerd, `since` selects history only; live events are newer by definition. */
	if (seq < sub->live_start && sub->since != SL_EVENTS_NO_TIME && ev->time_ns < sub->since)
		return false;
	return sl_events_match(ev, sub->f);
}

/* Absolute CLOCK_MONOTONIC time `ns` from now. */
static struct timespec mono_deadline(int64_t ns)
{
	int64_t t = monotonic_ns() + ns;
	struct timespec ts;

	ts.tv_sec = (time_t)(t / NS_PER_S);
	ts.tv_nsec = (long)(t % NS_PER_S);
	return ts;
}

int sl_events_next(struct sl_events_sub *sub, int timeout_ms, char **json_line)
{
	struct sl_events *bus = sub->bus;
	int64_t give_up = timeout_ms < 0 ? INT64_MAX : monotonic_ns() + (int64_t)timeout_ms * 1000000;
	bool found;
	int rc;

	*json_line = NULL;
	pthread_mutex_lock(&bus->mu);
	for (;;) {
		int64_t wait_ns, left;
		struct timespec ts;

		if (sub->cursor < oldest_seq(bus)) {
			sub->dropped += oldest_seq(bus) - sub->cursor;
			sub->cursor = oldest_seq(bus);
		}
		found = false;
		while (!found && sub->cursor < (bus->shutdown ? bus->shutdown_seq : bus->next_seq)) {
			const struct slot *slot = &bus->ring[sub->cursor % bus->cap];
			uint64_t seq = sub->cursor++;

			if (wanted(sub, seq, &slot->ev)) {
				*json_line = strdup(slot->line);
				found = true;
			}
		}
		if (found) {
			/* Out of memory ends the stream rather than skipping an event silently. */
			rc = *json_line != NULL ? 1 : -1;
			break;
		}
		/* Shutdown ends the stream once what was published before it
		 * is out: the die events of the containers fini stopped. */
		if (bus->shutdown) {
			rc = -1;
			break;
		}
		wait_ns = INT64_MAX;
		if (sub->until != SL_EVENTS_NO_TIME) {
			int64_t now = bus->now_fn(bus->now_arg);

			if (now > sub->until) {
				rc = -1;
				break;
			}
			wait_ns = sub->until - now + 1;
		}
		left = give_up == INT64_MAX ? INT64_MAX : give_up - monotonic_ns();
		if (left <= 0) {
			rc = 0;
			break;
		}
		if (left < wait_ns)
			wait_ns = left;
		/* Bound each sleep so a clock that moves (or a huge until) is re-read now and then. */
		if (wait_ns > 3600 * NS_PER_S)
			wait_ns = 3600 * NS_PER_S;
		ts = mono_deadline(wait_ns);
		pthread_cond_timedwait(&bus->cv, &bus->mu, &ts);
	}
	pthread_mutex_unlock(&bus->mu);
	return rc;
}

uint64_t sl_events_dropped(const struct sl_events_sub *sub)
{
	return sub->dropped;
}

void sl_events_unsubscribe(struct sl_events_sub *sub)
{
	struct sl_events *bus;

	if (sub == NULL)
		return;
	bus = sub->bus;
	pthread_mutex_lock(&bus->mu);
	bus->n_subs--;
	pthread_cond_broadcast(&bus->cv); /* sl_events_free may be waiting for the last one */
	pthread_mutex_unlock(&bus->mu);
	sl_filters_free(sub->f);
	free(sub);
}

void sl_events_shutdown(struct sl_events *bus)
{
	pthread_mutex_lock(&bus->mu);
	if (!bus->shutdown)
		bus->shutdown_seq = bus->next_seq;
	bus->shutdown = true;
	pthread_cond_broadcast(&bus->cv);
	pthread_mutex_unlock(&bus->mu);
}

void sl_events_free(struct sl_events *bus)
{
	size_t i;

	if (bus == NULL)
		return;
	pthread_mutex_lock(&bus->mu);
	bus->shutdown = true;
	pthread_cond_broadcast(&bus->cv);
	while (bus->n_subs > 0)
		pthread_cond_wait(&bus->cv, &bus->mu);
	pthread_mutex_unlock(&bus->mu);
	for (i = 0; i < bus->cap; i++) {
		event_clear(&bus->ring[i].ev);
		free(bus->ring[i].line);
	}
	free(bus->ring);
	pthread_cond_destroy(&bus->cv);
	pthread_mutex_destroy(&bus->mu);
	free(bus);
}
