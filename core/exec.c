/*
 * exec.c - exec instance accessors.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "core/exec.h"

const char *sl_exec_str(const sl_exec *e, int f)
{
	return f > 0 && f < SL_EXEC_NSTR ? e->str[f] : NULL;
}

const char *const *sl_exec_list(const sl_exec *e, int f)
{
	return f > 0 && f < SL_EXEC_NLIST ? (const char *const *)e->list[f] : NULL;
}

int64_t sl_exec_int(const sl_exec *e, int f)
{
	return f > 0 && f < SL_EXEC_NINT ? e->ints[f] : 0;
}

int sl_exec_data_set(sl_exec *e, const char *key, const char *value)
{
	struct sl_kv **pp, *kv;
	int rc = 0;

	pthread_mutex_lock(&e->lock);
	for (pp = &e->data; *pp && strcmp((*pp)->key, key); pp = &(*pp)->next)
		;
	kv = *pp;
	if (kv) {
		*pp = kv->next;
		free(kv->key);
		free(kv->value);
		free(kv);
	}
	if (value) {
		kv = calloc(1, sizeof(*kv));
		if (!kv || !(kv->key = strdup(key)) || !(kv->value = strdup(value))) {
			if (kv)
				free(kv->key);
			free(kv);
			rc = SL_ENOMEM;
		} else {
			kv->next = e->data;
			e->data = kv;
		}
	}
	pthread_mutex_unlock(&e->lock);
	return rc;
}

char *sl_exec_data_get(const sl_exec *e, const char *key)
{
	sl_exec *me = (sl_exec *)e;
	char *v = NULL;

	pthread_mutex_lock(&me->lock);
	for (struct sl_kv *kv = me->data; kv; kv = kv->next)
		if (!strcmp(kv->key, key)) {
			v = strdup(kv->value);
			break;
		}
	pthread_mutex_unlock(&me->lock);
	return v;
}
