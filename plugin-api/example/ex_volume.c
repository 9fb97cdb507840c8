/*
 * ex_volume.c - named volumes as directories.
 *
 * A volume NAME is the directory <state dir>/volumes/NAME (the path the
 * daemon shows as its Mountpoint).  The backend runs containers as host
 * processes without mount namespaces, so nothing is mounted at the
 * container's destination: a process that wants the data uses the
 * Mountpoint.  What this gives compose and the CLI is storage whose life
 * follows `docker volume create` / `rm` / `prune`.
 */
#define _GNU_SOURCE 1

#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ex.h"

/* <state dir>/volumes[/name] into buf; -1 when it does not fit. */
static int vol_path(const struct sl_host_v1 *host, const char *name, char *buf,
	size_t len)
{
	int n = snprintf(buf, len, "%s/volumes%s%s", host->state_dir(host->hctx),
		name ? "/" : "", name ? name : "");

	return n < 0 || (size_t)n >= len ? -1 : 0;
}

/* The host checks names; a path component is still refused here. */
static int bad_name(const char *name)
{
	return !name || !*name || name[0] == '.' || strchr(name, '/');
}

static int vol_create(void *state, sl_call *call, const struct sl_volume_v1 *v)
{
	struct ex_backend *be = state;
	const struct sl_host_v1 *host = be->host;
	char path[4096];

	if (bad_name(v->name))
		return host->set_error(call, SL_EINVAL, "invalid volume name");
	if (vol_path(host, NULL, path, sizeof(path)) < 0 ||
	    (mkdir(path, 0700) < 0 && errno != EEXIST) ||
	    vol_path(host, v->name, path, sizeof(path)) < 0 ||
	    (mkdir(path, 0755) < 0 && errno != EEXIST))
		return host->set_error(call, SL_EINTERNAL,
			"cannot create the directory of volume %s: %s", v->name, strerror(errno));
	return SL_OK;
}

static int rm_one(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)ftw;
	return (flag == FTW_DP ? rmdir(p) : unlink(p)) < 0 && errno != ENOENT ? -1 : 0;
}

static int vol_remove(void *state, sl_call *call, const char *name, int force)
{
	struct ex_backend *be = state;
	const struct sl_host_v1 *host = be->host;
	char path[4096];

	(void)force;
	if (bad_name(name))
		return host->set_error(call, SL_EINVAL, "invalid volume name");
	if (vol_path(host, name, path, sizeof(path)) < 0)
		return host->set_error(call, SL_EINVAL, "volume name too long");
	/* FTW_PHYS: a symlink inside is removed, never followed. */
	if (nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS) < 0 && errno != ENOENT)
		return host->set_error(call, SL_EINTERNAL,
			"cannot remove the directory of volume %s: %s", name, strerror(errno));
	return SL_OK;
}

const struct sl_volume_ops_v1 ex_volume_ops = {
	SL_HEADER(struct sl_volume_ops_v1),
	.create = vol_create,
	.remove = vol_remove,
	.prune = NULL,   /* every directory belongs to a record */
};
