/*
 * secrets.h - the per-container secret store: one file of mode 0600 per
 * secret under <data_root>/ctrfiles/<id>/secrets/.  Nothing here logs a
 * value; callers must not either.
 */
#ifndef SL_SECRETS_H
#define SL_SECRETS_H

#include <stddef.h>

#define SL_SECRET_MAX_NAME 64
#define SL_SECRET_MAX_LEN (64 * 1024)

/* True when name is [A-Za-z0-9_.-]{1,64} not starting with '.'. */
int sl_secrets_valid_name(const char *name);

/* Stores the value (atomically replacing an older one).  Returns 0,
 * -EINVAL (bad id, name or size) or a negative errno. */
int sl_secrets_set(const char *root, const char *id, const char *name,
	const void *value, size_t len);

/*
 * Reads a secret.  On success *out is a malloc'd copy with a NUL after
 * the last byte (owned by the caller: wipe and free), *len its length.
 * Returns 0, -ENOENT when unset, -EINVAL or a negative errno.
 */
int sl_secrets_get(const char *root, const char *id, const char *name,
	void **out, size_t *len);

/* Deletes a secret; an unset one is success.  Returns 0 or -errno. */
int sl_secrets_delete(const char *root, const char *id, const char *name);

#endif
