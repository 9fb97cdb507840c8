/*
 * archplug.c - a test backend whose containers all share one directory as
 * their filesystem (--backend-opt root=DIR), with the archive hooks of
 * docker cp over it.  Everything it touches stays under that directory:
 * container paths resolve symlinks in the container's scope (an absolute
 * target starts again at the root, ".." stops there), and an upload is
 * extracted into a staging directory and moved into place only once the
 * whole tar has arrived, so a cut upload leaves nothing behind.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sockerless/plugin.h"
#include "archtar.h"

/* Go's os.FileMode type bits (the docker CLI decodes the stat's mode). */
#define GO_DIR        (1u << 31)
#define GO_SYMLINK    (1u << 27)
#define GO_DEVICE     (1u << 26)
#define GO_PIPE       (1u << 25)
#define GO_SOCKET     (1u << 24)
#define GO_SETUID     (1u << 23)
#define GO_SETGID     (1u << 22)
#define GO_CHARDEV    (1u << 21)
#define GO_STICKY     (1u << 20)

struct ap {
	const struct sl_host_v1 *host;
	char root[PATH_MAX];
};

static uint32_t go_mode(mode_t m)
{
	uint32_t g = m & 0777;

	if (m & S_ISUID)
		g |= GO_SETUID;
	if (m & S_ISGID)
		g |= GO_SETGID;
	if (m & S_ISVTX)
		g |= GO_STICKY;
	if (S_ISDIR(m))
		g |= GO_DIR;
	else if (S_ISLNK(m))
		g |= GO_SYMLINK;
	else if (S_ISBLK(m))
		g |= GO_DEVICE;
	else if (S_ISCHR(m))
		g |= GO_DEVICE | GO_CHARDEV;
	else if (S_ISFIFO(m))
		g |= GO_PIPE;
	else if (S_ISSOCK(m))
		g |= GO_SOCKET;
	return g;
}

/* ---- container paths --------------------------------------------------- */

/*
 * Resolves container path `path` in the scope of the root: `cpath` gets
 * the container path with every symlink followed (the last component only
 * when follow_last), `host` the same under the root.  Returns 0 or an
 * errno.
 */
static int resolve(const struct ap *ap, const char *path, int follow_last,
	char *cpath, char *host)
{
	char rest[PATH_MAX], tmp[PATH_MAX], target[PATH_MAX];
	int links = 0;

	strcpy(cpath, "/");
	if (snprintf(rest, sizeof(rest), "%s", path) >= (int)sizeof(rest))
		return ENAMETOOLONG;
	while (*rest) {
		char *p = rest, comp[NAME_MAX + 1], cand[PATH_MAX];
		size_t k;
		struct stat st;
		ssize_t tl;

		while (*p == '/')
			p++;
		k = strcspn(p, "/");
		if (k > NAME_MAX)
			return ENAMETOOLONG;
		memcpy(comp, p, k);
		comp[k] = '\0';
		memmove(rest, p + k, strlen(p + k) + 1);
		if (!k || !strcmp(comp, "."))
			continue;
		if (!strcmp(comp, "..")) {
			char *slash = strrchr(cpath, '/');

			slash[slash == cpath ? 1 : 0] = '\0';
			continue;
		}
		if (snprintf(cand, sizeof(cand), "%s%s%s", cpath,
		    strcmp(cpath, "/") ? "/" : "", comp) >= (int)sizeof(cand))
			return ENAMETOOLONG;
		if (!rest[strspn(rest, "/")] && !follow_last) {
			strcpy(cpath, cand);
			break;
		}
		if (snprintf(tmp, sizeof(tmp), "%s%s", ap->root, cand) >= (int)sizeof(tmp))
			return ENAMETOOLONG;
		if (lstat(tmp, &st) < 0 || !S_ISLNK(st.st_mode)) {
			strcpy(cpath, cand);
			continue;
		}
		if (++links > 40)
			return ELOOP;
		tl = readlink(tmp, target, sizeof(target) - 1);
		if (tl < 0)
			return errno;
		target[tl] = '\0';
		if (target[0] == '/')
			strcpy(cpath, "/");
		if (snprintf(tmp, sizeof(tmp), "%s/%s", target, rest) >= (int)sizeof(tmp))
			return ENAMETOOLONG;
		strcpy(rest, tmp);
	}
	if (snprintf(host, PATH_MAX, "%s%s", ap->root, cpath) >= PATH_MAX)
		return ENAMETOOLONG;
	return 0;
}

/* A path ending in "/" or "/." names a directory (and follows a link). */
static int trailing(const char *path)
{
	size_t n = strlen(path);

	return (n > 1 && path[n - 1] == '/') ||
		(n > 1 && path[n - 1] == '.' && path[n - 2] == '/');
}

/* The name docker cp shows and archives under: the last component as the
 * request wrote it ("." for "dir/."). */
static void base_name(const char *path, char *out, size_t len)
{
	size_t n = strlen(path);
	const char *b;

	while (n > 1 && path[n - 1] == '/')
		n--;
	b = path + n;
	while (b > path && b[-1] != '/')
		b--;
	snprintf(out, len, "%.*s", (int)(path + n - b), b);
	if (!*out || !strcmp(out, "/"))
		snprintf(out, len, ".");
}

static int errno_status(const struct ap *ap, sl_call *call, int err,
	const char *path)
{
	if (err == ENOENT || err == ENOTDIR)
		return ap->host->set_error(call, SL_ENOTFOUND, "%s: no such file",
			path);
	return ap->host->set_error(call, SL_EINTERNAL, "%s: %s", path,
		strerror(err));
}

/* ---- stat --------------------------------------------------------------- */

static char *host_strdup(const struct ap *ap, const char *s)
{
	char *d = ap->host->alloc(strlen(s) + 1);

	if (d)
		strcpy(d, s);
	return d;
}

static int ap_stat(void *state, sl_call *call, sl_container *c,
	const char *path, struct sl_path_stat_v1 *out)
{
	struct ap *ap = state;
	char cpath[PATH_MAX], host[PATH_MAX], name[NAME_MAX + 2];
	struct stat st;
	int err;

	(void)c;
	err = resolve(ap, path, trailing(path), cpath, host);
	if (!err && lstat(host, &st) < 0)
		err = errno;
	if (err)
		return errno_status(ap, call, err, path);
	if (trailing(path) && !S_ISDIR(st.st_mode))
		return ap->host->set_error(call, SL_EINVAL, "%s: not a directory",
			path);
	base_name(path, name, sizeof(name));
	out->name = host_strdup(ap, name);
	out->size = st.st_size;
	out->mode = go_mode(st.st_mode);
	out->mtime_ns = (int64_t)st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec;
	if (S_ISLNK(st.st_mode)) {
		char target[PATH_MAX], th[PATH_MAX];

		/* As dockerd: the link's target, resolved in the container. */
		if (resolve(ap, path, 1, target, th) == 0)
			out->link_target = host_strdup(ap, target);
	}
	return SL_OK;
}

/* ---- get: a tar of a path ----------------------------------------------- */

struct out {
	const struct sl_host_v1 *host;
	sl_stream *s;
};

static int out_write(void *ctx, const void *buf, size_t n)
{
	struct out *o = ctx;
	ssize_t w = o->host->stream_write(o->s, 1, buf, n);

	return w < 0 ? (int)w : 0;
}

static int tar_one(struct out *o, const char *host, const char *name,
	int depth);

static int tar_dir(struct out *o, const char *host, const char *name,
	int depth)
{
	DIR *d = opendir(host);
	struct dirent *de;
	int rc = 0;

	if (!d)
		return 0;    /* unreadable: its entry is written, not its content */
	while (!rc && (de = readdir(d))) {
		char h[PATH_MAX], n[PATH_MAX];

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (snprintf(h, sizeof(h), "%s/%s", host, de->d_name) >= (int)sizeof(h) ||
		    snprintf(n, sizeof(n), "%s/%s", name, de->d_name) >= (int)sizeof(n))
			continue;
		rc = tar_one(o, h, n, depth + 1);
	}
	closedir(d);
	return rc;
}

static int tar_one(struct out *o, const char *host, const char *name,
	int depth)
{
	struct at_entry e = {0};
	char link[PATH_MAX], dname[PATH_MAX];
	struct stat st;
	int rc, fd = -1;

	if (lstat(host, &st) < 0 || depth > 64)
		return 0;
	e.name = (char *)name;
	e.mode = st.st_mode & 07777;
	e.uid = st.st_uid;
	e.gid = st.st_gid;
	e.mtime = st.st_mtim.tv_sec;
	if (S_ISDIR(st.st_mode)) {
		e.type = '5';
		snprintf(dname, sizeof(dname), "%s/", name);
		e.name = dname;
	} else if (S_ISLNK(st.st_mode)) {
		ssize_t n = readlink(host, link, sizeof(link) - 1);

		if (n < 0)
			return 0;
		link[n] = '\0';
		e.type = '2';
		e.link = link;
	} else if (S_ISREG(st.st_mode)) {
		fd = open(host, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0)
			return 0;
		e.type = '0';
		e.size = st.st_size;
	} else {
		return 0;    /* devices, pipes, sockets: not copied */
	}
	rc = at_write_header(out_write, o, &e);
	if (!rc && fd >= 0) {
		char buf[65536];
		int64_t left = e.size;

		/* Exactly the size in the header, even if the file changes. */
		while (!rc && left > 0) {
			ssize_t n = read(fd, buf, left < (int64_t)sizeof(buf) ?
				(size_t)left : sizeof(buf));

			if (n <= 0) {
				memset(buf, 0, sizeof(buf));
				n = left < (int64_t)sizeof(buf) ? left : (int64_t)sizeof(buf);
			}
			rc = out_write(o, buf, (size_t)n);
			left -= n;
		}
		if (!rc)
			rc = at_write_pad(out_write, o, e.size);
	}
	if (fd >= 0)
		close(fd);
	if (!rc && e.type == '5')
		rc = tar_dir(o, host, name, depth);
	return rc;
}

static int ap_get(void *state, sl_call *call, sl_container *c,
	const char *path, sl_stream *s)
{
	struct ap *ap = state;
	struct out o = {ap->host, s};
	char cpath[PATH_MAX], host[PATH_MAX], name[NAME_MAX + 2];
	int err, rc;

	(void)c;
	err = resolve(ap, path, trailing(path), cpath, host);
	if (err)
		return errno_status(ap, call, err, path);
	base_name(path, name, sizeof(name));
	rc = tar_one(&o, host, name, 0);
	if (!rc)
		rc = at_write_end(out_write, &o);
	return rc ? ap->host->set_error(call, rc, "the client went away") : SL_OK;
}

/* ---- put: extract into staging, then move into place --------------------- */

struct in {
	const struct sl_host_v1 *host;
	sl_stream *s;
};

static ssize_t in_read(void *ctx, void *buf, size_t n)
{
	struct in *i = ctx;

	return i->host->stream_read(i->s, buf, n);
}

static int rm_one(const char *p, const struct stat *st, int flag,
	struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if (flag == FTW_DP)
		rmdir(p);
	else
		unlink(p);
	return 0;
}

static void rm_tree(const char *p)
{
	nftw(p, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/*
 * An entry's name as a path relative to the destination: leading "/" and
 * "./" dropped; "" for the destination itself; NULL when a ".." would
 * climb out of it.
 */
static char *entry_rel(const char *name)
{
	char *out = malloc(strlen(name) + 1), *o = out;
	const char *p = name;

	if (!out)
		return NULL;
	while (*p) {
		size_t k;

		while (*p == '/')
			p++;
		k = strcspn(p, "/");
		if (k == 2 && !strncmp(p, "..", 2)) {
			free(out);
			return NULL;
		}
		if (k && !(k == 1 && *p == '.')) {
			if (o != out)
				*o++ = '/';
			memcpy(o, p, k);
			o += k;
		}
		p += k;
	}
	*o = '\0';
	return out;
}

/* Creates the directories above staging/rel; refuses to go through a
 * symlink the archive made, which could point anywhere. */
static int make_parents(const char *staging, const char *rel)
{
	char p[PATH_MAX];
	size_t base = strlen(staging);
	struct stat st;

	if (snprintf(p, sizeof(p), "%s/%s", staging, rel) >= (int)sizeof(p))
		return ENAMETOOLONG;
	for (char *s = p + base + 1; (s = strchr(s, '/')); s++) {
		*s = '\0';
		if (lstat(p, &st) < 0) {
			if (mkdir(p, 0755) < 0)
				return errno;
		} else if (!S_ISDIR(st.st_mode)) {
			return S_ISLNK(st.st_mode) ? ELOOP : ENOTDIR;
		}
		*s = '/';
	}
	return 0;
}

struct put {
	struct ap *ap;
	sl_call *call;
	const struct sl_archive_put_opts_v1 *opts;
	const char *cdest;    /* the destination in the container */
	char staging[PATH_MAX];
};

static int extract(struct put *pu, struct at_reader *r, struct at_entry *e,
	const char *rel)
{
	const struct sl_host_v1 *host = pu->ap->host;
	char p[PATH_MAX];
	struct stat st;
	int err, fd;

	if ((err = make_parents(pu->staging, rel)))
		return host->set_error(pu->call, SL_EINVAL,
			"archive entry %s: %s", e->name, err == ELOOP ?
			"its path goes through a symlink" : strerror(err));
	if (snprintf(p, sizeof(p), "%s/%s", pu->staging, rel) >= (int)sizeof(p)) {
		errno = ENAMETOOLONG;
		goto fail;
	}
	/* A later entry for the same name replaces the earlier one. */
	if (lstat(p, &st) == 0 && !(S_ISDIR(st.st_mode) && e->type == '5')) {
		if (S_ISDIR(st.st_mode))
			rm_tree(p);
		else
			unlink(p);
	}
	switch (e->type) {
	case '5':
		if (mkdir(p, 0700) < 0 && errno != EEXIST)
			goto fail;
		if (chmod(p, e->mode) < 0)
			goto fail;
		break;
	case '2':
		if (symlink(e->link ? e->link : "", p) < 0)
			goto fail;
		break;
	case '1': {
		char *trel = e->link ? entry_rel(e->link) : NULL;
		char t[PATH_MAX];

		if (!trel || !*trel) {
			free(trel);
			return host->set_error(pu->call, SL_EINVAL,
				"archive entry %s: a hard link out of the archive",
				e->name);
		}
		err = snprintf(t, sizeof(t), "%s/%s", pu->staging, trel) >= (int)sizeof(t);
		free(trel);
		if (err) {
			errno = ENAMETOOLONG;
			goto fail;
		}
		if (link(t, p) < 0)
			goto fail;
		break;
	}
	case '0': {
		char buf[65536];
		ssize_t n;

		fd = open(p, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
			0600);
		if (fd < 0)
			goto fail;
		while ((n = at_read_data(r, buf, sizeof(buf))) > 0) {
			if (write(fd, buf, (size_t)n) != n) {
				close(fd);
				goto fail;
			}
		}
		if (n < 0) {
			close(fd);
			return host->set_error(pu->call, (int)n,
				"%s; nothing was written", r->error);
		}
		if (fchmod(fd, e->mode) < 0 || close(fd) < 0)
			goto fail;
		break;
	}
	default:
		return SL_OK;    /* devices and pipes are not recreated here */
	}
	if (pu->opts->copy_uid_gid && lchown(p, (uid_t)e->uid, (gid_t)e->gid) < 0 &&
	    errno != EPERM)
		goto fail;
	if (e->type != '5') {
		struct timespec ts[2] = {{e->mtime, 0}, {e->mtime, 0}};

		utimensat(AT_FDCWD, p, ts, AT_SYMLINK_NOFOLLOW);
	}
	return SL_OK;
fail:
	return host->set_error(pu->call, SL_EINTERNAL, "archive entry %s: %s",
		e->name, strerror(errno));
}

/*
 * Moves staging's src onto dst, merging directories.  With check set it
 * only looks for conflicts (noOverwriteDirNonDir), so the move itself
 * starts only once it cannot fail on them.
 */
static int merge(struct put *pu, const char *src, const char *dst,
	const char *cname, int check)
{
	const struct sl_host_v1 *host = pu->ap->host;
	struct stat ss, ds;

	if (lstat(src, &ss) < 0)
		return SL_OK;
	if (lstat(dst, &ds) < 0) {
		if (check || rename(src, dst) == 0)
			return SL_OK;
		goto fail;
	}
	if (S_ISDIR(ss.st_mode) && S_ISDIR(ds.st_mode)) {
		DIR *d = opendir(src);
		struct dirent *de;
		int rc = SL_OK;

		if (!d)
			goto fail;
		while (rc == SL_OK && (de = readdir(d))) {
			char s2[PATH_MAX], d2[PATH_MAX], c2[PATH_MAX];

			if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
				continue;
			if (snprintf(s2, sizeof(s2), "%s/%s", src, de->d_name) >= (int)sizeof(s2) ||
			    snprintf(d2, sizeof(d2), "%s/%s", dst, de->d_name) >= (int)sizeof(d2) ||
			    snprintf(c2, sizeof(c2), "%s/%s", cname, de->d_name) >= (int)sizeof(c2))
				rc = host->set_error(pu->call, SL_EINVAL,
					"%s: name too long", de->d_name);
			else
				rc = merge(pu, s2, d2, c2, check);
		}
		closedir(d);
		if (rc == SL_OK && !check)
			chmod(dst, ss.st_mode & 07777);
		return rc;
	}
	if (S_ISDIR(ss.st_mode) != S_ISDIR(ds.st_mode) &&
	    pu->opts->no_overwrite_dir_non_dir) {
		/* go-archive's words (dockerd answers them with 500). */
		if (S_ISDIR(ds.st_mode))
			return host->set_error(pu->call, SL_EINTERNAL,
				"cannot overwrite directory \"%s\" with non-directory \"%s\"",
				cname, pu->cdest);
		return host->set_error(pu->call, SL_EINTERNAL,
			"cannot overwrite non-directory \"%s\" with directory \"%s\"",
			cname, pu->cdest);
	}
	if (check)
		return SL_OK;
	if (S_ISDIR(ds.st_mode))
		rm_tree(dst);
	if (rename(src, dst) == 0)
		return SL_OK;
fail:
	return host->set_error(pu->call, SL_EINTERNAL, "cannot write %s: %s",
		cname, strerror(errno));
}

static int ap_put(void *state, sl_call *call, sl_container *c,
	const char *path, const struct sl_archive_put_opts_v1 *opts,
	sl_stream *s)
{
	struct ap *ap = state;
	struct put pu = {ap, call, opts, NULL, ""};
	struct in in = {ap->host, s};
	struct at_reader r = {in_read, &in, 0, 0, NULL};
	char cpath[PATH_MAX], host[PATH_MAX];
	struct stat st;
	int err, rc;

	(void)c;
	/* dockerd follows every link of the destination, the last one too. */
	err = resolve(ap, path, 1, cpath, host);
	if (!err && stat(host, &st) < 0)
		err = errno;
	if (err)
		return errno_status(ap, call, err, path);
	if (!S_ISDIR(st.st_mode))
		return ap->host->set_error(call, SL_EINVAL,
			"extraction point is not a directory");
	pu.cdest = cpath;
	if (snprintf(pu.staging, sizeof(pu.staging), "%s/.sl-cp-XXXXXX", host) >=
	    (int)sizeof(pu.staging) || !mkdtemp(pu.staging))
		return ap->host->set_error(call, SL_EINTERNAL,
			"cannot stage the upload in %s: %s", cpath, strerror(errno));
	for (;;) {
		struct at_entry e;
		char *rel;

		rc = at_next(&r, &e);
		if (rc == 0)
			break;
		if (rc < 0) {
			rc = ap->host->set_error(call, rc, "%s; nothing was written",
				r.error);
			goto out;
		}
		rel = entry_rel(e.name);
		if (!rel) {
			rc = ap->host->set_error(call, SL_EINVAL,
				"archive entry %s climbs out of the destination; nothing was written",
				e.name);
			at_entry_clear(&e);
			goto out;
		}
		rc = *rel ? extract(&pu, &r, &e, rel) : SL_OK;
		free(rel);
		at_entry_clear(&e);
		if (rc)
			goto out;
	}
	/* The whole tar is in: check for conflicts, then move it in place. */
	{
		DIR *d = opendir(pu.staging);
		struct dirent *de;

		rc = d ? SL_OK : ap->host->set_error(call, SL_EINTERNAL,
			"cannot read the staged upload: %s", strerror(errno));
		for (int check = 1; d && rc == SL_OK && check >= 0; check--) {
			rewinddir(d);
			while (rc == SL_OK && (de = readdir(d))) {
				char src[PATH_MAX], dst[PATH_MAX], cn[PATH_MAX];

				if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
					continue;
				if (snprintf(src, sizeof(src), "%s/%s", pu.staging, de->d_name) >= (int)sizeof(src) ||
				    snprintf(dst, sizeof(dst), "%s/%s", host, de->d_name) >= (int)sizeof(dst) ||
				    snprintf(cn, sizeof(cn), "%s%s%s", cpath,
					strcmp(cpath, "/") ? "/" : "", de->d_name) >= (int)sizeof(cn))
					rc = ap->host->set_error(call, SL_EINVAL,
						"%s: name too long", de->d_name);
				else
					rc = merge(&pu, src, dst, cn, check);
			}
		}
		if (d)
			closedir(d);
	}
out:
	rm_tree(pu.staging);
	return rc;
}

static const struct sl_archive_ops_v1 ap_archive = {
	SL_HEADER(struct sl_archive_ops_v1),
	.stat = ap_stat,
	.get = ap_get,
	.put = ap_put,
};

/* ---- the backend --------------------------------------------------------- */

static int ap_init(const struct sl_host_v1 *host, sl_call *call, void **state)
{
	const char *root = host->config_get(host->hctx, "root");
	struct ap *ap;

	if (!root || !*root)
		return host->set_error(call, SL_EINVAL,
			"the archive test backend needs --backend-opt root=DIR");
	ap = calloc(1, sizeof(*ap));
	if (!ap)
		return host->set_error(call, SL_ENOMEM, "out of memory");
	ap->host = host;
	if (!realpath(root, ap->root)) {
		free(ap);
		return host->set_error(call, SL_EINVAL, "root %s: %s", root,
			strerror(errno));
	}
	if (!strcmp(ap->root, "/"))
		ap->root[0] = '\0';   /* paths are appended to it */
	*state = ap;
	return SL_OK;
}

static void ap_fini(void *state)
{
	free(state);
}

static int ap_info(void *state, sl_call *call, struct sl_info_v1 *out)
{
	(void)state;
	(void)call;
	out->driver = "archtest";
	return SL_OK;
}

static const struct sl_backend_v1 table = {
	SL_HEADER(struct sl_backend_v1),
	.name = "archtest",
	.version = "0.0.1",
	.description = "docker cp test backend over one directory",
	.init = ap_init,
	.fini = ap_fini,
	.info = ap_info,
	.archive = &ap_archive,
};

SL_EXPORT int sockerless_backend_entry_v1(const struct sl_host_v1 *host,
	const struct sl_backend_v1 **out)
{
	if (host->abi_major != SL_ABI_MAJOR)
		return SL_EABI;
	*out = &table;
	return SL_OK;
}
