/*
 * exec.c - exec instance accessors.
 */
#include "config.h"

#include <stdio.h>
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
	int rc;

	pthread_mutex_lock(&e->lock);
	rc = sl_kv_set(&e->data, key, value);
	pthread_mutex_unlock(&e->lock);
	return rc;
}

char *sl_exec_data_get(const sl_exec *e, const char *key)
{
	sl_exec *me = (sl_exec *)e;
	char *v;

	pthread_mutex_lock(&me->lock);
	v = sl_kv_get(me->data, key);
	pthread_mutex_unlock(&me->lock);
	return v;
}

static int get_strv(struct json_object *o, const char *k, char ***out)
{
	struct json_object *v;
	size_t n;

	*out = NULL;
	if (!json_object_object_get_ex(o, k, &v) || !v)
		return 0;
	if (!json_object_is_type(v, json_type_array))
		return -1;
	n = json_object_array_length(v);
	*out = calloc(n + 1, sizeof(char *));
	if (!*out)
		return -1;
	for (size_t i = 0; i < n; i++) {
		struct json_object *e = json_object_array_get_idx(v, i);

		if (!json_object_is_type(e, json_type_string))
			return -1;
		(*out)[i] = strdup(json_object_get_string(e));
	}
	return 0;
}

static int get_bool(struct json_object *o, const char *k, int64_t *out)
{
	struct json_object *v;

	*out = 0;
	if (!json_object_object_get_ex(o, k, &v) || !v)
		return 0;
	if (!json_object_is_type(v, json_type_boolean))
		return -1;
	*out = json_object_get_boolean(v);
	return 0;
}

static int get_string(struct json_object *o, const char *k, char **out)
{
	struct json_object *v;

	*out = NULL;
	if (!json_object_object_get_ex(o, k, &v) || !v)
		return 0;
	if (!json_object_is_type(v, json_type_string))
		return -1;
	*out = strdup(json_object_get_string(v));
	return 0;
}

sl_exec *sl_exec_new(struct sl_container *c, const char *id,
	struct json_object *body, char *err, size_t errlen)
{
	sl_exec *e = calloc(1, sizeof(*e));
	struct json_object *cs;

	if (!e) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	pthread_mutex_init(&e->lock, NULL);
	e->refs = 1;
	e->ctr = sl_ctr_ref(c);
	e->str[SL_EXEC_ID] = strdup(id);
	if (get_strv(body, "Cmd", &e->list[SL_EXEC_CMD]) ||
	    get_strv(body, "Env", &e->list[SL_EXEC_ENV])) {
		snprintf(err, errlen, "invalid JSON: Cmd and Env must be arrays of strings");
		goto fail;
	}
	if (!e->list[SL_EXEC_CMD] || !e->list[SL_EXEC_CMD][0]) {
		snprintf(err, errlen, "No exec command specified");
		goto fail;
	}
	if (get_string(body, "User", &e->str[SL_EXEC_USER]) ||
	    get_string(body, "WorkingDir", &e->str[SL_EXEC_WORKING_DIR]) ||
	    get_string(body, "DetachKeys", &e->str[SL_EXEC_DETACH_KEYS]) ||
	    get_bool(body, "Tty", &e->ints[SL_EXEC_TTY]) ||
	    get_bool(body, "AttachStdin", &e->ints[SL_EXEC_ATTACH_STDIN]) ||
	    get_bool(body, "AttachStdout", &e->ints[SL_EXEC_ATTACH_STDOUT]) ||
	    get_bool(body, "AttachStderr", &e->ints[SL_EXEC_ATTACH_STDERR]) ||
	    get_bool(body, "Privileged", &e->ints[SL_EXEC_PRIVILEGED])) {
		snprintf(err, errlen, "invalid JSON: wrong type in exec config");
		goto fail;
	}
	if (json_object_object_get_ex(body, "ConsoleSize", &cs) && cs &&
	    json_object_is_type(cs, json_type_array) && json_object_array_length(cs) == 2) {
		e->ints[SL_EXEC_CONSOLE_HEIGHT] = json_object_get_int64(json_object_array_get_idx(cs, 0));
		e->ints[SL_EXEC_CONSOLE_WIDTH] = json_object_get_int64(json_object_array_get_idx(cs, 1));
	}
	return e;
fail:
	sl_exec_unref(e);
	return NULL;
}

sl_exec *sl_exec_ref(sl_exec *e)
{
	if (e)
		__atomic_add_fetch(&e->refs, 1, __ATOMIC_SEQ_CST);
	return e;
}

void sl_exec_unref(sl_exec *e)
{
	if (!e || __atomic_sub_fetch(&e->refs, 1, __ATOMIC_SEQ_CST) > 0)
		return;
	for (int i = 0; i < SL_EXEC_NSTR; i++)
		free(e->str[i]);
	for (int i = 0; i < SL_EXEC_NLIST; i++)
		sl_strv_free(e->list[i]);
	sl_kv_free(e->data);
	sl_ctr_unref(e->ctr);
	pthread_mutex_destroy(&e->lock);
	free(e);
}

static pthread_mutex_t table_lock = PTHREAD_MUTEX_INITIALIZER;
static sl_exec *table;

void sl_exec_table_add(sl_exec *e)
{
	pthread_mutex_lock(&table_lock);
	e->next = table;
	table = sl_exec_ref(e);
	pthread_mutex_unlock(&table_lock);
}

sl_exec *sl_exec_table_find(const char *id)
{
	sl_exec *hit = NULL;

	pthread_mutex_lock(&table_lock);
	for (sl_exec *e = table; e && !hit; e = e->next)
		if (!strcmp(e->str[SL_EXEC_ID], id))
			hit = sl_exec_ref(e);
	pthread_mutex_unlock(&table_lock);
	return hit;
}

void sl_exec_table_forget(struct sl_container *c)
{
	sl_exec **pp, *dead = NULL;

	pthread_mutex_lock(&table_lock);
	for (pp = &table; *pp;) {
		sl_exec *e = *pp;

		if (e->ctr == c) {
			*pp = e->next;
			e->next = dead;
			dead = e;
		} else {
			pp = &e->next;
		}
	}
	pthread_mutex_unlock(&table_lock);
	while (dead) {
		sl_exec *n = dead->next;

		sl_exec_unref(dead);
		dead = n;
	}
}

void sl_exec_table_clear(void)
{
	pthread_mutex_lock(&table_lock);
	while (table) {
		sl_exec *n = table->next;

		sl_exec_unref(table);
		table = n;
	}
	pthread_mutex_unlock(&table_lock);
}
