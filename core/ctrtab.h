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

/*
 * Adds a new record (the table takes its own reference): writes it to the
 * store first and lists it only once written, so a failed write leaves
 * nothing behind (SL_EINTERNAL).  A taken name fails with SL_ECONFLICT,
 * unless `auto_name`: then the name was generated and another one is
 * chosen, as dockerd does.  err gets a message on failure.
 */
int sl_ctrtab_add(struct sl_container *c, int auto_name, char *err,
	size_t errlen);

/*
 * Renames c (name without '/', already valid).  *old receives the
 * previous name, valid while c is.  Fails with SL_EINVAL for the current
 * name, SL_ECONFLICT for another container's, SL_ENOTFOUND once removed,
 * SL_EINTERNAL when the store cannot be written (the old name is back).
 */
int sl_ctrtab_rename(struct sl_container *c, const char *name,
	const char **old, char *err, size_t errlen);

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

/* The generation of c's state: it moves on every applied change. */
unsigned long sl_ctrtab_state_gen(struct sl_container *c);

/* Applies st only if nothing changed c's state since the generation `gen`
 * was read (the host's own "it started" after a hook, which must not
 * override what the backend reported meanwhile).  Returns whether it did. */
int sl_ctrtab_state_changed_if(struct sl_container *c,
	const struct sl_state_v1 *st, unsigned long gen);

/* Writes the record to the store again (after backend data changed);
 * nothing once it was removed. */
int sl_ctrtab_persist(struct sl_container *c);

/* Called (from the reporting thread) after a container exited; the
 * lifecycle code uses it for AutoRemove and restart policies. */
void sl_ctrtab_set_exit_hook(void (*fn)(struct sl_container *c));

/* Called (from the reporting thread) just before an exit's "die" event,
 * with its exit code: events that belong before "die" go out there. */
void sl_ctrtab_set_die_hook(void (*fn)(struct sl_container *c, int exit_code));

/* The agent client's hooks (core/agent.h): exit_code gives the exact code
 * of the run when the agent saw it end (it then wins over the reported
 * one); removed drops a removed container's agent. */
void sl_ctrtab_set_agent_hooks(int (*exit_code)(struct sl_container *c,
	int *code), void (*removed)(struct sl_container *c));

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
