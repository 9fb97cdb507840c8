/*
 * volume.h - the core's volume records (docker volume ...).
 *
 * A volume is a JSON document shaped as dockerd's `docker volume inspect`
 * entry (Name, Driver, Mountpoint, CreatedAt, Labels, Scope, Options),
 * kept in memory and in the store under kind "volumes", id = name.  The
 * storage behind it belongs to the backend (sl_volume_ops_v1): the core
 * calls create before it writes the record and remove before it deletes
 * it, so a refused hook leaves nothing behind.
 *
 * A volume is "in use" while a container names it in SL_CTR_VOLUMES;
 * there is no reference count to drift: the container table is asked.
 * Anonymous volumes carry dockerd's label com.docker.volume.anonymous.
 *
 * Thread safety: every function may be called from any thread; one mutex
 * orders creates and removes (hooks included: volume operations are rare).
 */
#ifndef SL_VOLUME_H
#define SL_VOLUME_H

#include <stddef.h>
#include <json-c/json.h>

#include "core/container.h"

struct sl_store;
struct sl_events;
struct sl_call;
struct sl_filters;

#define SL_VOL_ANON_LABEL "com.docker.volume.anonymous"

/* The raw create body member through which the container record keeps
 * its volume mounts ("name:dst:mode", SL_CTR_VOLUMES): the names of the
 * anonymous ones are chosen at create and must survive a restart. */
#define SL_VOL_CTR_KEY "SockerlessVolumeMounts"

/* Loads the records.  Returns 0 or a negative errno. */
int sl_vol_init(struct sl_store *store, struct sl_events *events,
	const char *backend_state_dir);
void sl_vol_fini(void);

/*
 * Creates the volume, or finds it when it exists (dockerd answers the
 * existing one).  name NULL or "" makes an anonymous one with a random
 * 64-hex name.  labels / opts are JSON objects of strings or NULL
 * (borrowed).  On success *out (may be NULL) is the record, owned by the
 * caller.  Returns SL_OK or a status with the message in call.
 */
int sl_vol_create(const char *name, const char *driver,
	struct json_object *labels, struct json_object *opts, int anonymous,
	struct sl_call *call, struct json_object **out);

/* The record (a copy, owned by the caller), or NULL when unknown. */
struct json_object *sl_vol_get(const char *name);

/* Removes an unused volume (force: even a missing one is fine).
 * SL_ENOTFOUND "get NAME: no such volume", SL_ECONFLICT "remove NAME:
 * volume is in use - [ids]", or the hook's status. */
int sl_vol_remove(const char *name, int force, struct sl_call *call);

/* The records matching f (name, label, label!, dangling, driver), as a
 * new array owned by the caller. */
struct json_object *sl_vol_list(const struct sl_filters *f);

/* Removes the unused volumes matching f; anonymous ones only unless all.
 * Fills deleted (an array of names) and returns SL_OK. */
int sl_vol_prune(const struct sl_filters *f, int all,
	struct json_object *deleted);

/* ---- containers ---- */

/*
 * Reads the volume mounts of a create body (Config.Volumes, HostConfig
 * Binds without a host path, HostConfig.Mounts of type volume), creates
 * the volumes that are missing, and adds SL_VOL_CTR_KEY to body.  The
 * names of the volumes it created are appended to *created (a JSON array
 * it makes; owned by the caller) so a later refusal can drop them.
 * Returns SL_OK or a status (400 for a bad name) with the message in call.
 */
int sl_vol_ctr_prepare(struct json_object *body, struct sl_call *call,
	struct json_object **created);

/* Removes the volumes named in created (after a refused create). */
void sl_vol_ctr_undo(struct json_object *created);

/* After the container was removed: drops its anonymous volumes when
 * remove_anon (docker rm -v, --rm) and no other container uses them. */
void sl_vol_ctr_removed(struct sl_container *c, int remove_anon);

/* Inspect's Mounts (volumes, then binds).  Owned by the caller. */
struct json_object *sl_vol_ctr_mounts(struct sl_container *c);

/* Publishes mount / unmount events for c's volumes. */
void sl_vol_ctr_event(struct sl_container *c, const char *action);

#endif
