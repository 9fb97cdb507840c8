/*
 * kv.c - the string map behind backend data.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "sockerless/plugin.h"
#include "core/kv.h"

void sl_kv_free(struct sl_kv *kv)
{
	while (kv) {
		struct sl_kv *n = kv->next;

		free(kv->key);
		free(kv->value);
		free(kv);
		kv = n;
	}
}

int sl_kv_set(struct sl_kv **head, const char *key, const char *value)
{
	struct sl_kv **pp, *kv;
	char *copy;

	for (pp = head; *pp && strcmp((*pp)->key, key); pp = &(*pp)->next)
		;
	kv = *pp;
	if (!value) {
		if (kv) {
			*pp = kv->next;
			kv->next = NULL;
			sl_kv_free(kv);
		}
		return SL_OK;
	}
	copy = strdup(value);
	if (!copy)
		return SL_ENOMEM;
	if (kv) {
		free(kv->value);
		kv->value = copy;
		return SL_OK;
	}
	kv = calloc(1, sizeof(*kv));
	if (!kv || !(kv->key = strdup(key))) {
		free(kv);
		free(copy);
		return SL_ENOMEM;
	}
	kv->value = copy;
	*pp = kv;
	return SL_OK;
}

char *sl_kv_get(const struct sl_kv *head, const char *key)
{
	for (; head; head = head->next)
		if (!strcmp(head->key, key))
			return strdup(head->value);
	return NULL;
}
