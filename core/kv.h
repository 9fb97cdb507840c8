/*
 * kv.h - a small string map (a list: backends keep a handful of keys per
 * container or exec).  Not locked: the owner of the list locks it.
 */
#ifndef SL_KV_H
#define SL_KV_H

struct sl_kv {
	char *key;
	char *value;
	struct sl_kv *next;
};

/* Sets key to a copy of value; value NULL removes the key.  0 or
 * SL_ENOMEM (the list is unchanged then). */
int sl_kv_set(struct sl_kv **head, const char *key, const char *value);

/* A malloc'd copy of the value (caller frees), or NULL when unset. */
char *sl_kv_get(const struct sl_kv *head, const char *key);

void sl_kv_free(struct sl_kv *head);

#endif
