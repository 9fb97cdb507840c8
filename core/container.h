/*
 * container.h - the core's container record (struct sl_container of the
 * ABI).
 *
 * The configuration part is parsed once from the Docker create body (and
 * the image config) and never changes afterwards, so accessors hand out
 * borrowed pointers without locking.  The name is the one exception:
 * rename swaps str[SL_CTR_NAME] under the table's lock and keeps the old
 * string in `retired` until the record is freed, so a borrowed name stays
 * valid (if stale).  The state and the backend's data change; they sit
 * behind the record's mutex.
 */
#ifndef SL_CONTAINER_H
#define SL_CONTAINER_H

#include <pthread.h>
#include <stdint.h>
#include <json-c/json.h>

#include "sockerless/plugin.h"
#include "core/kv.h"

struct sl_ctrcache;

#define SL_CTR_NSTR 12
#define SL_CTR_NLIST 12
#define SL_CTR_NINT 18   /* config ints; the state ids read c->state */
#define SL_CTR_NAME_MAX 255  /* longer names are refused, never cut */

struct sl_ctr_state {
	int status;             /* enum sl_ctr_status */
	int exit_code;
	int pid;
	int oom_killed;
	int64_t started_ns;
	int64_t finished_ns;
	char *error;            /* may be NULL */
	int restart_count;
	/* The restart policy in force: the create's, or the last docker
	 * update's (persisted).  The create's strings stay as they were for
	 * the backend (ctr_str borrows them). */
	char restart_policy[16];
	int64_t restart_max;
	int exits;              /* how many times it has exited (wait next-exit) */
	int last_exit_code;     /* of the last exit, kept through a restart */
	/* A user stopped or killed it (dockerd's HasBeenManuallyStopped):
	 * unless-stopped does not restart it, not even at the daemon's
	 * start.  Persisted; a user's start clears it. */
	int manual_stop;
	/* Runtime only (restart.c): a stop or kill since the last start
	 * ended the restart policy for this run; the back-off of the last
	 * restart; the generation of the RESTARTING state a pending restart
	 * belongs to (0: none) and when it is due. */
	int restart_canceled;
	int restart_delay_ms;
	unsigned long restart_gen;
	/* A policy's start hook is running (the restart is no longer
	 * pending, and the container not yet running). */
	int restart_starting;
	/* The generation the last exit was applied as: a restart is
	 * scheduled only if nothing (a user's start) came since. */
	unsigned long exit_gen;
	/* Pending restarts dropped (a stop, a kill, a failed start): a stop
	 * for the waits on the next exit, as dockerd's waiters see it. */
	int stops;
	int removed;            /* gone from the table (wait removed) */
	int removing;           /* a removal is in progress */
	/* Bumped on every change applied to this state, so a caller can tell
	 * "nothing happened during my hook" from "it changed and came back". */
	unsigned long gen;
};

struct sl_container {
	int refs;               /* atomic */
	/* Attach requests accepted and not yet finished (atomic; api_streams.c):
	 * AutoRemove lets them take the end of the output first. */
	int attaching;
	/* Of those, the ones whose hook has not been called yet (atomic): a
	 * start waits for them, so an attach sent before the start (docker
	 * run) takes its place in the output before the process writes. */
	int attach_unhooked;
	char *str[SL_CTR_NSTR];     /* indexed by enum sl_ctr_str_field */
	char **list[SL_CTR_NLIST];  /* indexed by enum sl_ctr_list_field */
	int64_t ints[SL_CTR_NINT];  /* indexed by enum sl_ctr_int_field */
	char *raw;              /* the create body, NUL-terminated copy */
	size_t raw_len;
	int healthcheck;        /* Config.Healthcheck names a test to run */

	/* Orders the writes of this record to the store: held from the
	 * snapshot to the rename, so the last writer holds the newest state,
	 * and by removal, so nothing writes the record back after it. */
	pthread_mutex_t persist_lock;
	/* Guarded by the table's lock. */
	int hidden;             /* name reserved, not yet listed (being added) */
	char **retired;         /* names replaced by rename, NULL-terminated */

	pthread_mutex_t lock;   /* guards everything below */
	struct sl_ctr_state state;
	/* Bumped (under lock) when docker update changes what the cached
	 * configuration parts were rendered from. */
	unsigned long cfg_gen;
	struct sl_kv *data;     /* backend data */
	struct sl_ctrcache *cache;  /* rendered JSON (ctrcache.c) */
};

/*
 * Builds a record from a create body.  `image_config` is the image's
 * config object ({"Entrypoint","Cmd","Env","WorkingDir","User",...}) or
 * NULL.  Returns NULL with a message in err on a body Docker would refuse.
 * The caller owns the result (sl_ctr_unref).
 */
struct sl_container *sl_ctr_from_create(const char *id, const char *name,
	const char *body, size_t len, const char *image_ref,
	const char *image_id, struct json_object *image_config,
	int64_t created_ns, char *err, size_t errlen);

/*
 * Serialises the whole record for the store.  The caller owns the
 * returned object (json_object_put).
 */
struct json_object *sl_ctr_to_json(struct sl_container *c);

/* Rebuilds a record written by sl_ctr_to_json; NULL if malformed. */
struct sl_container *sl_ctr_from_json(struct json_object *doc, char *err,
	size_t errlen);

struct sl_container *sl_ctr_ref(struct sl_container *c);
void sl_ctr_unref(struct sl_container *c);

/* Backend data; get returns a malloc'd copy (caller frees) or NULL. */
int sl_ctr_data_set(struct sl_container *c, const char *key,
	const char *value);
char *sl_ctr_data_get(struct sl_container *c, const char *key);

/* Copies the state out (the error string is strdup'd; caller frees). */
void sl_ctr_get_state(struct sl_container *c, struct sl_ctr_state *out);

const char *sl_ctr_status_name(int status);

/* Frees a NULL-terminated string array. */
void sl_strv_free(char **v);

#endif
