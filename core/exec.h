/*
 * exec.h - exec instances (struct sl_exec of the ABI) and their accessors.
 */
#ifndef SL_EXEC_H
#define SL_EXEC_H

#include <pthread.h>
#include <stdint.h>

#include <json-c/json.h>

#include "core/container.h"

#define SL_EXEC_NSTR 5
#define SL_EXEC_NLIST 3
#define SL_EXEC_NINT 8

struct sl_exec {
	char *str[SL_EXEC_NSTR];
	char **list[SL_EXEC_NLIST];
	int64_t ints[SL_EXEC_NINT];
	pthread_mutex_t lock;
	struct sl_kv *data;
	/* Core bookkeeping, under lock. */
	struct sl_container *ctr;   /* referenced */
	int refs;
	int started, running, exit_code, has_exit;
	struct sl_exec *next;       /* the exec table */
};

/* Parses an exec create body; NULL with a message in err.  The result
 * holds a reference to c.  Caller releases with sl_exec_unref. */
sl_exec *sl_exec_new(struct sl_container *c, const char *id,
	struct json_object *body, char *err, size_t errlen);
sl_exec *sl_exec_ref(sl_exec *e);
void sl_exec_unref(sl_exec *e);

/* The table of exec instances. */
void sl_exec_table_add(sl_exec *e);
/* Referenced, or NULL. */
sl_exec *sl_exec_table_find(const char *id);
/* Drops the execs of a removed container. */
void sl_exec_table_forget(struct sl_container *c);
void sl_exec_table_clear(void);

const char *sl_exec_str(const sl_exec *e, int field);
const char *const *sl_exec_list(const sl_exec *e, int field);
int64_t sl_exec_int(const sl_exec *e, int field);
int sl_exec_data_set(sl_exec *e, const char *key, const char *value);
/* Returns a malloc'd copy (caller frees) or NULL. */
char *sl_exec_data_get(const sl_exec *e, const char *key);

#endif
