/*
 * exec.h - exec instances (struct sl_exec of the ABI) and their accessors.
 */
#ifndef SL_EXEC_H
#define SL_EXEC_H

#include <pthread.h>
#include <stdint.h>

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
};

const char *sl_exec_str(const sl_exec *e, int field);
const char *const *sl_exec_list(const sl_exec *e, int field);
int64_t sl_exec_int(const sl_exec *e, int field);
int sl_exec_data_set(sl_exec *e, const char *key, const char *value);
/* Returns a malloc'd copy (caller frees) or NULL. */
char *sl_exec_data_get(const sl_exec *e, const char *key);

#endif
