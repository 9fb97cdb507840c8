/*
 * ctrtab.h - the table of containers: lookup by id, name or id prefix,
 * persistence through the store, and the state-change path (store update,
 * Docker event, waking waiters).
 */
#ifndef SL_CTRTAB_H
#define SL_CTRTAB_H

#include "core/container.h"

struct sl_store;
struct sl_events;

/* Loads every stored container.  Corrupt records are logged and skipped. */
int sl_ctrtab_init(struct sl_store *store, struct sl_events *events);
void sl_ctrtab_fini(void);

/* Adds a new record (the table takes its own reference) and persists it.
 * Fails with SL_ECONFLICT when the name is taken. */
int sl_ctrtab_add(struct sl_container *c, char *err, size_t errlen);

/*
 * Finds by full id, name (with or without '/') or unique id prefix, as
 * Docker does.  Returns a reference (sl_ctr_unref) or NULL; *ambiguous is
 * set when a prefix matched several.
 */
struct sl_container *sl_ctrtab_find(const char *ref, int *ambiguous);

/* Drops the record from the table and the store. */
void sl_ctrtab_remove(struct sl_container *c);

int sl_ctrtab_foreach(int (*fn)(struct sl_container *c, void *arg),
	void *arg);

/* Applies a backend-reported state change. */
void sl_ctrtab_state_changed(struct sl_container *c,
	const struct sl_state_v1 *st);

/* Writes the record to the store again (after backend data changed). */
int sl_ctrtab_persist(struct sl_container *c);

/* Called (from the reporting thread) after a container exited; the
 * lifecycle code uses it for AutoRemove and restart policies. */
void sl_ctrtab_set_exit_hook(void (*fn)(struct sl_container *c));

void sl_ctrtab_counts(int *total, int *running, int *paused, int *stopped);

/* Publishes a container event with the usual attributes (name, image,
 * labels, and extra "k","v" pairs, NULL-terminated). */
void sl_ctrtab_event(struct sl_container *c, const char *action,
	const char *const *extra);

/* Wakes everyone blocked in sl_ctrtab_wait_change (state changed or
 * shutdown). */
void sl_ctrtab_broadcast(void);

/* Blocks until any container changes state or timeout_ms passes.
 * `seen` is the change counter the caller saw last; returns the new one. */
unsigned long sl_ctrtab_wait_change(unsigned long seen, int timeout_ms);
unsigned long sl_ctrtab_generation(void);

#endif
