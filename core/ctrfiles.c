/*
 * ctrfiles.c - the per-container directory (see ctrfiles.h).
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/ctrfiles.h"
#include "core/store.h"

int sl_ctrfiles_path(const char *root, const char *id, const char *sub,
	char *buf, size_t len)
{
	int n;

	if (!sl_store_valid_id(id))
		return -EINVAL;
	n = snprintf(buf, len, "%s/ctrfiles/%s%s%s", root, id, sub ? "/" : "",
		sub ? sub : "");
	return n < 0 || (size_t)n >= len ? -EINVAL : 0;
}

static int mkdir_one(const char *p)
{
	return mkdir(p, 0700) == 0 || errno == EEXIST ? 0 : -errno;
}

int sl_ctrfiles_mkdir(const char *root, const char *id, const char *sub)
{
	char p[4096];
	int rc;

	if (snprintf(p, sizeof(p), "%s/ctrfiles", root) >= (int)sizeof(p))
		return -EINVAL;
	if ((rc = mkdir_one(p)) || (rc = sl_ctrfiles_path(root, id, NULL, p, sizeof(p))) ||
	    (rc = mkdir_one(p)))
		return rc;
	if (!sub)
		return 0;
	if ((rc = sl_ctrfiles_path(root, id, sub, p, sizeof(p))))
		return rc;
	return mkdir_one(p);
}

/* Removes the entries of `dir`, recursing once more when `depth` > 0. */
static int empty_dir(const char *dir, int depth)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char p[4096];
	int rc = 0;

	if (!d)
		return errno == ENOENT ? 0 : -errno;
	while ((e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		if (snprintf(p, sizeof(p), "%s/%s", dir, e->d_name) >= (int)sizeof(p)) {
			rc = -ENAMETOOLONG;
			continue;
		}
		if (unlink(p) == 0 || errno == ENOENT)
			continue;
		if ((errno == EISDIR || errno == EPERM) && depth > 0) {
			int r = empty_dir(p, depth - 1);

			if (!r && rmdir(p) < 0)
				r = -errno;
			if (r)
				rc = r;
			continue;
		}
		rc = -errno;
	}
	closedir(d);
	return rc;
}

int sl_ctrfiles_remove(const char *root, const char *id)
{
	char p[4096];
	int rc = sl_ctrfiles_path(root, id, NULL, p, sizeof(p));

	if (rc)
		return rc;
	rc = empty_dir(p, 1);
	if (!rc && rmdir(p) < 0 && errno != ENOENT)
		rc = -errno;
	return rc;
}

int sl_ctrfiles_sweep(const char *root)
{
	char dir[4096], rec[4400];
	struct dirent *e;
	struct stat st;
	int n = 0;
	DIR *d;

	if (snprintf(dir, sizeof(dir), "%s/ctrfiles", root) >= (int)sizeof(dir))
		return -ENAMETOOLONG;
	d = opendir(dir);
	if (!d)
		return errno == ENOENT ? 0 : -errno;
	while ((e = readdir(d))) {
		if (!sl_store_valid_id(e->d_name))
			continue;
		snprintf(rec, sizeof(rec), "%s/containers/%s.json", root, e->d_name);
		if (stat(rec, &st) == 0 || errno != ENOENT)
			continue;
		if (sl_ctrfiles_remove(root, e->d_name) == 0)
			n++;
	}
	closedir(d);
	return n;
}

int sl_ctrfiles_write_atomic(const char *path, const void *buf, size_t len)
{
	char tmp[4200], dir[4096];
	const char *b = buf;
	char *slash;
	int fd, rc = 0;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp) ||
	    snprintf(dir, sizeof(dir), "%s", path) >= (int)sizeof(dir))
		return -ENAMETOOLONG;
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return -errno;
	while (len && !rc) {
		ssize_t w = write(fd, b, len);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			rc = w < 0 ? -errno : -EIO;
		else {
			b += w;
			len -= (size_t)w;
		}
	}
	if (!rc && fsync(fd) < 0)
		rc = -errno;
	if (close(fd) < 0 && !rc)
		rc = -errno;
	if (!rc && rename(tmp, path) < 0)
		rc = -errno;
	if (rc) {
		unlink(tmp);
		return rc;
	}
	slash = strrchr(dir, '/');
	if (slash) {
		*slash = '\0';
		fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd >= 0) {
			(void)fsync(fd);
			close(fd);
		}
	}
	return 0;
}
