/*
 * secrets.c - the per-container secret store (see secrets.h).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/ctrfiles.h"
#include "core/secrets.h"

int sl_secrets_valid_name(const char *name)
{
	size_t n = 0;

	if (!name || !*name || *name == '.')
		return 0;
	for (; name[n]; n++) {
		char ch = name[n];

		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		      (ch >= '0' && ch <= '9') || ch == '_' || ch == '.' || ch == '-'))
			return 0;
	}
	/* ".tmp" is the suffix of our own temp files. */
	return n <= SL_SECRET_MAX_NAME &&
		!(n >= 4 && !strcmp(name + n - 4, ".tmp"));
}

static int secret_path(const char *root, const char *id, const char *name,
	char *buf, size_t len)
{
	char sub[128];

	if (!sl_secrets_valid_name(name))
		return -EINVAL;
	strcpy(sub, "secrets/");
	strcat(sub, name);
	return sl_ctrfiles_path(root, id, sub, buf, len);
}

int sl_secrets_set(const char *root, const char *id, const char *name,
	const void *value, size_t len)
{
	char p[4096];
	int rc;

	if (len > SL_SECRET_MAX_LEN || (len && !value))
		return -EINVAL;
	if ((rc = secret_path(root, id, name, p, sizeof(p))))
		return rc;
	if ((rc = sl_ctrfiles_mkdir(root, id, "secrets")))
		return rc;
	return sl_ctrfiles_write_atomic(p, value, len);
}

int sl_secrets_get(const char *root, const char *id, const char *name,
	void **out, size_t *len)
{
	char p[4096], *buf = NULL;
	struct stat st;
	size_t got = 0;
	int fd, rc;

	*out = NULL;
	*len = 0;
	if ((rc = secret_path(root, id, name, p, sizeof(p))))
		return rc;
	fd = open(p, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0 || st.st_size > SL_SECRET_MAX_LEN) {
		rc = st.st_size > SL_SECRET_MAX_LEN ? -EFBIG : -errno;
		goto out;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (!buf) {
		rc = -ENOMEM;
		goto out;
	}
	while (got < (size_t)st.st_size) {
		ssize_t r = read(fd, buf + got, (size_t)st.st_size - got);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	buf[got] = '\0';
	*out = buf;
	*len = got;
	buf = NULL;
out:
	free(buf);
	close(fd);
	return rc;
}

int sl_secrets_delete(const char *root, const char *id, const char *name)
{
	char p[4096];
	int rc = secret_path(root, id, name, p, sizeof(p));

	if (rc)
		return rc;
	return unlink(p) == 0 || errno == ENOENT ? 0 : -errno;
}
