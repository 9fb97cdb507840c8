/*
 * network_int.h - what network.c (the records) and network_ctr.c (the
 * attachments of containers) share; not for other modules.
 *
 * Functions named *_locked expect sl_net_lock() held; records are
 * borrowed from the table and valid until the lock is released.
 */
#ifndef SL_NETWORK_INT_H
#define SL_NETWORK_INT_H

#include <json-c/json.h>

#include "core/container.h"

struct sl_call;

void sl_net_lock(void);
void sl_net_unlock(void);

/* The table, id -> record. */
struct json_object *sl_net_table_locked(void);

/* The record for ref: id, name, unique id prefix; "default" is the bridge. */
struct json_object *sl_net_find_locked(const char *ref);

/* A string member of o, or NULL. */
const char *sl_net_str(struct json_object *o, const char *key);

/* Writes the record to the store; 0 or a negative errno. */
int sl_net_persist(const char *id, struct json_object *doc);

/* A network event for doc (ctr_id NULL: none). */
void sl_net_publish(const char *action, struct json_object *doc, const char *ctr_id);

/* Adds c to doc's Containers with aliases (a JSON array or NULL) and
 * persists; SL_EPERM when attached already (message in call, if any). */
int sl_net_attach_locked(struct json_object *doc, struct sl_container *c,
	struct json_object *aliases, struct sl_call *call);

/* Removes c from doc; whether it was there. */
int sl_net_detach_locked(struct json_object *doc, const char *ctr_id);

#endif
