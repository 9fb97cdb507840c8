/* core/events.h - the Docker events bus behind GET /events.
 *
 * Publishers (any thread) append events to a ring of the last `ring_capacity` events. Each
 * /events request subscribes: it first gets the buffered events whose time is in [since, until]
 * and that match its filters (only when since or until is given, as dockerd), then every later
 * event that matches, until `until` passes or the bus shuts down. Lines are Docker's exact
 * events.Message encoding:
 *   {"status":"start","id":"<id>","from":"alpine","Type":"container","Action":"start",
 *    "Actor":{"ID":"<id>","Attributes":{"image":"alpine","name":"web"}},"scope":"local",
 *    "time":1700000000,"timeNano":1700000000123456789}\n
 * status/id/from are the pre-1.22 fields dockerd still fills for container events (from = the
 * "image" attribute) and status/id for image events; Attributes are sorted by key.
 *
 * A subscriber that falls more than ring_capacity events behind loses the oldest ones (dockerd
 * drops events for slow readers too); sl_events_dropped counts them.
 *
 * Thread safety: publish, subscribe and shutdown may be called from any thread; a subscription
 * is used by one thread at a time. One mutex guards the ring; subscribers wait on one condition
 * variable that every publish broadcasts.
 */
#ifndef SL_EVENTS_H
#define SL_EVENTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "filters.h"

struct sl_events;
struct sl_events_sub;

/* "No since" / "no until": 0, what a route gets from an absent parameter. dockerd tells an
 * absent `since` from since=0 (the latter replays the whole buffer); to get that, pass 1 (no
 * event is stamped in the first nanosecond of 1970). */
#define SL_EVENTS_NO_TIME 0

/* Used when sl_events_new is given 0. */
#define SL_EVENTS_DEFAULT_CAPACITY 1024

/* One event as published. Strings owned by the bus. */
struct sl_event {
	char *type;      /* container, image, volume, network, daemon, plugin, ... */
	char *action;    /* create, start, die, destroy, pull, exec_start: ls, ... */
	char *actor_id;  /* "" when none */
	char **attrs;    /* k1, v1, k2, v2, ..., NULL; keys unique and sorted */
	size_t n_attrs;  /* number of pairs */
	const char *scope; /* always "local" */
	int64_t time_ns;
};

/* A new bus, owned by the caller (sl_events_free); NULL on OOM. */
struct sl_events *sl_events_new(size_t ring_capacity);

/* Replaces the clock used to stamp events and to decide that `until` has passed (tests).
 * NULL restores CLOCK_REALTIME. Call before any other use. */
void sl_events_set_clock(struct sl_events *bus, int64_t (*now_ns)(void *arg), void *arg);

/* Stamps and records an event and wakes subscribers. attrs is a flat k, v, ..., NULL list (NULL
 * for none); a repeated key keeps its last value. All strings are copied. actor_id NULL is "".
 * Returns 0, -EINVAL (type or action NULL/empty) or -ENOMEM. */
int sl_events_publish(struct sl_events *bus, const char *type, const char *action,
                      const char *actor_id, const char *const *attrs);

/* Subscribes. since_ns / until_ns are SL_EVENTS_NO_TIME when absent. f may be NULL (all events);
 * it is copied. Returns the subscription (release with sl_events_unsubscribe) or NULL on OOM. */
struct sl_events_sub *sl_events_subscribe(struct sl_events *bus, int64_t since_ns,
                                          int64_t until_ns, const struct sl_filters *f);

/* Waits up to timeout_ms (< 0: without limit) for the next matching event.
 * Returns 1 with *json_line set (a NUL-terminated line ending in "\n", owned by the caller:
 * free), 0 on timeout, -1 once `until` has passed and every earlier event was delivered, or
 * when the bus is shutting down (also when events are still pending: shutdown ends streams). */
int sl_events_next(struct sl_events_sub *sub, int timeout_ms, char **json_line);

/* Events this subscription skipped because it fell behind the ring. */
uint64_t sl_events_dropped(const struct sl_events_sub *sub);

/* Ends the subscription and frees it. NULL is a no-op. */
void sl_events_unsubscribe(struct sl_events_sub *sub);

/* Wakes every subscriber; from now on sl_events_next returns -1 (SIGTERM path). Publishing
 * still records events. Idempotent. */
void sl_events_shutdown(struct sl_events *bus);

/* Shuts the bus down, waits until every subscription is unsubscribed, then frees it. NULL is a
 * no-op. */
void sl_events_free(struct sl_events *bus);

/* dockerd's events filter (daemon/events/filter.go): type, event (prefix match for
 * health_status / exec_create / exec_start), scope, container/volume/network/daemon/plugin/...
 * (ID or "name" attribute, prefix), image (ID, "image" attribute or "name" for image events,
 * also without tag/registry), label (k or k=v against the attributes). f NULL matches all. */
bool sl_events_match(const struct sl_event *ev, const struct sl_filters *f);

/* The Docker JSON line for ev (with the trailing "\n"). *line owned by the caller: free.
 * Returns 0 or -ENOMEM. */
int sl_events_format(const struct sl_event *ev, char **line);

#endif /* SL_EVENTS_H */
