/* core/store.h - durable key-value store of JSON documents under --data-root.
 *
 * Layout: <data_root>/<kind>/<id>.json, one JSON object per file. Kinds in use: "containers",
 * "images", "volumes", "networks", "execs"; any name that passes the id rules works.
 *
 * Durability: sl_store_put writes a temp file (".tmp-..." in the kind directory), fsyncs it,
 * renames it over <id>.json and fsyncs the directory, so after a crash a document is either the
 * old or the new version, never a torn one. sl_store_delete unlinks and fsyncs the directory.
 * sl_store_load removes leftover temp files and skips (and reports) corrupt documents.
 *
 * Names: kinds and ids must match [A-Za-z0-9_.-]+, not start with '.', and be at most
 * SL_STORE_MAX_ID bytes, so no id can name a path outside its kind directory or collide with a
 * temp file. Anything else is -EINVAL.
 *
 * Thread safety: every function may be called from any thread. Puts and deletes run in parallel
 * (each has its own temp file); sl_store_load's directory scan excludes them so it never removes
 * the temp file of a put in progress. Concurrent calls on the same id are ordered only by the
 * caller: the last rename wins.
 *
 * Errors: functions return 0 or a negative errno value; messages go to the logger (load) or the
 * err buffer (open).
 */
#ifndef SL_STORE_H
#define SL_STORE_H

#include <stdbool.h>
#include <stddef.h>

struct json_object;
struct sl_store;

#define SL_STORE_MAX_ID 200

/* Receives one message per problem found by sl_store_load (corrupt document, unreadable file,
 * failed temp-file removal). msg is borrowed for the call. Called without store locks held. */
typedef void (*sl_store_log_fn)(void *arg, const char *msg);

/* Opens (creating with mode 0700, parents 0755, if missing) the data root and locks it for this
 * process until sl_store_close (flock on <data_root>/sockerlessd.lock, which holds our pid). On
 * success *out is owned by the caller: close with sl_store_close. Returns 0 or a negative errno,
 * with a message in err; -EBUSY when another process has the data root open ("data root D is in
 * use by another sockerlessd (pid N)"). */
int sl_store_open(const char *data_root, struct sl_store **out, char *err, size_t errlen);

/* Sets the logger for later sl_store_load calls (NULL: silent). Not synchronized with a
 * running load: call it right after open. */
void sl_store_set_logger(struct sl_store *st, sl_store_log_fn fn, void *arg);

/* Closes the store; no call may be in progress or follow. NULL is a no-op. */
void sl_store_close(struct sl_store *st);

/* The data root as given to open. Borrowed: valid until sl_store_close. */
const char *sl_store_root(const struct sl_store *st);

/* True when s is a valid id / kind. */
bool sl_store_valid_id(const char *s);

/* Atomically writes json[0..len) as <kind>/<id>.json, creating the kind directory on demand.
 * The bytes are stored as given (the caller serializes; sl_store_load rejects non-objects).
 * Returns 0, -EINVAL (bad kind/id, no bytes), or the -errno of the failing system call. */
int sl_store_put(struct sl_store *st, const char *kind, const char *id, const char *json,
                 size_t len);

/* Removes <kind>/<id>.json; a missing document (or kind) is success. Returns 0, -EINVAL or a
 * negative errno. */
int sl_store_delete(struct sl_store *st, const char *kind, const char *id);

/* Reads <kind>/<id>.json raw. On success *json (NUL-terminated, owned by the caller: free) and
 * *len are set. Returns 0, -ENOENT, -EINVAL or a negative errno. */
int sl_store_get(struct sl_store *st, const char *kind, const char *id, char **json,
                 size_t *len);

/* Called once per valid document, in id order. doc is borrowed for the call (take a reference
 * with json_object_get to keep it); it belongs to the calling thread. A non-zero return stops
 * the load and is returned by sl_store_load. */
typedef int (*sl_store_load_fn)(const char *id, struct json_object *doc, void *arg);

/* Loads every <kind>/<id>.json: removes leftover temp files, skips files that are empty,
 * unreadable, too large, not JSON or not a JSON object (each reported to the logger and counted
 * in *n_corrupt, which may be NULL), and calls fn for the rest. Hidden files are ignored, other
 * names that are not valid ids are reported but not counted. A missing kind directory is an
 * empty kind. Returns 0, fn's non-zero return, or a negative errno when the directory itself
 * cannot be read. */
int sl_store_load(struct sl_store *st, const char *kind, sl_store_load_fn fn, void *arg,
                  int *n_corrupt);

#endif /* SL_STORE_H */
