/*
 * agent/archive.c - archive-stat, archive-get and archive-put (docker cp):
 * tar streams of container paths, written and extracted by the agent
 * (tar.c).  Extraction never writes outside the destination and never
 * leaves a half-written file: each file goes to a temporary name first.
 */
#include "agent.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define OUT_CHUNK (64 * 1024)

static int
stat_fields(struct sl_agent_fields *f, const char *path, const struct stat *st)
{
	char *copy = strdup(path), link[PATH_MAX] = "";
	const char *name;
	int rc;

	if (copy == NULL)
		return -1;
	name = strcmp(path, "/") == 0 ? "/" : basename(copy);
	if (S_ISLNK(st->st_mode)) {
		ssize_t n = readlink(path, link, sizeof(link) - 1);

		link[n > 0 ? n : 0] = '\0';
	}
	rc = sl_agent_fields_add(f, "name", name) < 0 ||
	    sl_agent_fields_addf(f, "size", "%lld", (long long)st->st_size) < 0 ||
	    sl_agent_fields_addf(f, "mode", "%u", (unsigned)st->st_mode) < 0 ||
	    sl_agent_fields_addf(f, "mtime", "%lld", (long long)st->st_mtime) < 0 ||
	    sl_agent_fields_add(f, "link", link) < 0 ? -1 : 0;
	free(copy);
	return rc;
}

/* The session's absolute "path" lstat'ed, or an ERROR sent (NULL). */
static const char *
stat_path(struct ag_session *s, struct stat *st)
{
	const char *path = ag_sess_get(s, "path");

	if (path == NULL || path[0] != '/') {
		ag_sess_error(s, "invalid", "archive: an absolute path is "
		    "required");
		return NULL;
	}
	if (lstat(path, st) < 0) {
		ag_sess_error(s, errno == ENOENT ? "notfound" : "permission",
		    "Could not find the file %s in container: %s", path,
		    strerror(errno));
		return NULL;
	}
	return path;
}

/* Sends PATH's stat as the REPLY: 0, or -1 with an ERROR sent. */
static int
reply_stat(struct ag_session *s, const char *path, const struct stat *st)
{
	struct sl_agent_fields f = { 0 };
	int rc = stat_fields(&f, path, st);

	if (rc < 0)
		ag_sess_error(s, "internal", "out of memory");
	else
		ag_sess_fields(s, SL_AGENT_REPLY, &f);
	sl_agent_fields_free(&f);
	return rc;
}

void
ag_archive_stat(struct ag_session *s)
{
	struct stat st;
	const char *path = stat_path(s, &st);

	if (path != NULL && reply_stat(s, path, &st) == 0)
		ag_sess_done(s);
}

/* ---- archive-get ---- */

struct out {
	struct ag_session *s;
	char buf[OUT_CHUNK];
	size_t n;
};

static int
out_flush(struct out *o)
{
	if (o->n == 0)
		return 0;
	if (ag_sess_closed(o->s) ||
	    ag_sess_send(o->s, SL_AGENT_STDOUT, o->buf, o->n) < 0)
		return -1;
	o->n = 0;
	return 0;
}

static int
out_write(void *ctx, const void *p, size_t len)
{
	struct out *o = ctx;
	const char *c = p;

	while (len > 0) {
		size_t k = sizeof(o->buf) - o->n;

		if (k > len)
			k = len;
		memcpy(o->buf + o->n, c, k);
		o->n += k;
		c += k;
		len -= k;
		if (o->n == sizeof(o->buf) && out_flush(o) < 0)
			return -1;
	}
	return 0;
}

/* Writes PATH as NAME and, for a directory, everything under it.  A
 * file that vanishes or cannot be read while walking is left out, as
 * the tree changes under a running container. */
static int
put_tree(struct out *o, const char *path, const char *name)
{
	struct ag_tar_hdr h = { 0 };
	struct stat st;
	char link[PATH_MAX], *tname = NULL;
	int rc = -1;

	if (lstat(path, &st) < 0)
		return errno == ENOENT ? 0 : -1;
	h.mode = st.st_mode;
	h.uid = st.st_uid;
	h.gid = st.st_gid;
	h.mtime = st.st_mtime;
	h.name = (char *)name;
	if (S_ISDIR(st.st_mode)) {
		DIR *d;
		struct dirent *e;

		if (asprintf(&tname, "%s/", name) < 0)
			return -1;
		h.name = tname;
		h.type = '5';
		if (ag_tar_put_header(&h, out_write, o) < 0)
			goto out;
		if ((d = opendir(path)) == NULL) {
			rc = 0;
			goto out;
		}
		rc = 0;
		while (rc == 0 && (e = readdir(d)) != NULL) {
			char *cp, *cn;

			if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
				continue;
			if (asprintf(&cp, "%s/%s", strcmp(path, "/") ? path : "",
			    e->d_name) < 0)
				rc = -1;
			else if (asprintf(&cn, "%s%s", tname, e->d_name) < 0) {
				free(cp);
				rc = -1;
			} else {
				rc = put_tree(o, cp, cn);
				free(cp);
				free(cn);
			}
		}
		closedir(d);
	} else if (S_ISLNK(st.st_mode)) {
		ssize_t n = readlink(path, link, sizeof(link) - 1);

		if (n < 0)
			return 0;
		link[n] = '\0';
		h.type = '2';
		h.linkname = link;
		rc = ag_tar_put_header(&h, out_write, o);
	} else if (S_ISREG(st.st_mode)) {
		/* Hard links are written as separate files: simpler, and a
		 * reader needs nothing from an earlier entry. */
		int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
		uint64_t left = (uint64_t)st.st_size;
		char buf[OUT_CHUNK];

		if (fd < 0)
			return 0;
		h.type = '0';
		h.size = left;
		rc = ag_tar_put_header(&h, out_write, o);
		while (rc == 0 && left > 0) {
			ssize_t r = read(fd, buf, left < sizeof(buf) ? left : sizeof(buf));

			if (r < 0 && errno == EINTR)
				continue;
			if (r <= 0) {
				/* The file shrank: pad with zeros so the
				 * archive stays well formed. */
				memset(buf, 0, sizeof(buf));
				r = (ssize_t)(left < sizeof(buf) ? left : sizeof(buf));
			}
			rc = out_write(o, buf, (size_t)r);
			left -= (uint64_t)r;
		}
		close(fd);
		if (rc == 0)
			rc = ag_tar_put_pad(h.size, out_write, o);
	} else {
		/* Devices, FIFOs and sockets: docker cp has no use for them. */
		rc = 0;
	}
out:
	free(tname);
	return rc;
}

void *
ag_archive_get_run(void *arg)
{
	struct ag_session *s = arg;
	struct stat st;
	const char *path = stat_path(s, &st);
	struct out *o;
	char *copy, *top;

	if (path == NULL)
		return NULL;
	if ((o = calloc(1, sizeof(*o))) == NULL || (copy = strdup(path)) == NULL) {
		free(o);
		ag_sess_error(s, "internal", "out of memory");
		return NULL;
	}
	if (reply_stat(s, path, &st) < 0) {
		free(copy);
		free(o);
		return NULL;
	}
	o->s = s;
	top = strcmp(path, "/") == 0 ? "." : basename(copy);
	if (put_tree(o, path, top) == 0 && ag_tar_put_end(out_write, o) == 0 &&
	    out_flush(o) == 0)
		ag_sess_exit(s, 0);
	else
		ag_sess_error(s, "internal", "archive of %s failed: %s", path,
		    strerror(errno));
	free(copy);
	free(o);
	return NULL;
}

/* ---- archive-put ---- */

struct put {
	struct ag_stdin in;	/* write end of the pipe STDIN frames go to */
	int rfd;
	char *dest;		/* realpath of the destination */
	int no_overwrite, copy_ids;
};

static void
put_free(void *p)
{
	struct put *x = p;

	if (x == NULL)
		return;
	if (x->in.fd >= 0)
		close(x->in.fd);
	if (x->rfd >= 0)
		close(x->rfd);
	pthread_mutex_destroy(&x->in.mu);
	free(x->dest);
	free(x);
}

int
ag_archive_put_open(struct ag_session *s)
{
	struct stat st;
	const char *path = stat_path(s, &st);
	struct put *x;
	int p[2];
	const char *v;

	if (path == NULL)
		return -1;
	if (!S_ISDIR(st.st_mode) && !(S_ISLNK(st.st_mode) &&
	    stat(path, &st) == 0 && S_ISDIR(st.st_mode))) {
		ag_sess_error(s, "invalid", "extraction point is not a "
		    "directory: %s", path);
		return -1;
	}
	if ((x = calloc(1, sizeof(*x))) == NULL ||
	    (x->dest = realpath(path, NULL)) == NULL || pipe2(p, O_CLOEXEC) < 0) {
		if (x)
			free(x->dest);
		free(x);
		ag_sess_error(s, "internal", "archive: %s", strerror(errno));
		return -1;
	}
	ag_stdin_init(&x->in, p[1], 0);
	x->rfd = p[0];
	x->no_overwrite = (v = ag_sess_get(s, "noOverwriteDirNonDir")) && strcmp(v, "1") == 0;
	x->copy_ids = (v = ag_sess_get(s, "copyUIDGID")) && strcmp(v, "1") == 0;
	s->priv = x;
	s->free_priv = put_free;
	s->in = &x->in;
	s->can_write = 1;
	ag_sess_send(s, SL_AGENT_REPLY, NULL, 0);
	return 0;
}

/* NAME cleaned: no leading "/" or "./", no "." parts; -1 for "..". An
 * empty result is the destination itself. */
static int
clean_name(const char *name, char *out, size_t outlen)
{
	size_t n = 0;
	const char *p = name;

	while (*p) {
		size_t len;

		while (*p == '/')
			p++;
		len = strcspn(p, "/");
		if (len == 0)
			break;
		if (len == 2 && p[0] == '.' && p[1] == '.')
			return -1;
		if (!(len == 1 && p[0] == '.')) {
			if (n + len + 2 > outlen)
				return -1;
			if (n > 0)
				out[n++] = '/';
			memcpy(out + n, p, len);
			n += len;
		}
		p += len;
	}
	out[n] = '\0';
	return 0;
}

static int
inside(const char *dest, const char *real)
{
	size_t n = strlen(dest);

	if (strcmp(dest, "/") == 0)
		return 1;
	return strncmp(real, dest, n) == 0 && (real[n] == '\0' || real[n] == '/');
}

/* Creates the directories of REL's parent under DEST, checking after
 * each that it resolves inside DEST (a symlink in the archive or the
 * container must not carry later entries out).  0, or -1 with a message. */
static int
make_parents(const char *dest, const char *rel, char *err, size_t errlen)
{
	char path[PATH_MAX], *real;
	size_t dl = strlen(dest);
	const char *p = rel, *slash;

	while ((slash = strchr(p, '/')) != NULL) {
		struct stat st;

		if (dl + 1 + (size_t)(slash - rel) >= sizeof(path))
			return -1;
		snprintf(path, sizeof(path), "%s/%.*s", dest, (int)(slash - rel), rel);
		if (lstat(path, &st) < 0 && mkdir(path, 0755) < 0 && errno != EEXIST) {
			snprintf(err, errlen, "mkdir %s: %s", path, strerror(errno));
			return -1;
		}
		if ((real = realpath(path, NULL)) == NULL || !inside(dest, real)) {
			snprintf(err, errlen, "refusing %s: it leads outside of "
			    "the destination", rel);
			free(real);
			return -1;
		}
		free(real);
		p = slash + 1;
	}
	return 0;
}

static void
set_meta(int fd, const char *path, const struct ag_tar_hdr *h, int copy_ids)
{
	struct timespec ts[2] = { { h->mtime, 0 }, { h->mtime, 0 } };

	if (copy_ids)
		(void)(fd >= 0 ? fchown(fd, h->uid, h->gid) :
		    lchown(path, h->uid, h->gid));
	if (fd >= 0) {
		(void)fchmod(fd, h->mode & 07777);
		(void)futimens(fd, ts);
	} else {
		(void)utimensat(AT_FDCWD, path, ts, AT_SYMLINK_NOFOLLOW);
	}
}

/* A temporary name next to TARGET; caller frees. */
static char *
temp_for(const char *target)
{
	char *t;
	const char *slash = strrchr(target, '/');

	if (asprintf(&t, "%.*s/.sl-put-XXXXXX", (int)(slash - target), target) < 0)
		return NULL;
	return t;
}

/* DEST/REL into OUT (PATH_MAX + 1 bytes), DEST "/" not doubled. */
static void
dest_path(const char *dest, const char *rel, char *out)
{
	snprintf(out, PATH_MAX + 1, "%s/%s", strcmp(dest, "/") ? dest : "", rel);
}

/* Moves the finished temporary *TMP onto TARGET.  0 with *TMP freed and
 * NULL (nothing left to remove), or -1 with errno. */
static int
place(char **tmp, const char *target)
{
	if (rename(*tmp, target) < 0)
		return -1;
	free(*tmp);
	*tmp = NULL;
	return 0;
}

static int
extract_one(struct put *x, struct ag_tar_in *t, const struct ag_tar_hdr *h,
    char *err, size_t errlen)
{
	char rel[PATH_MAX], target[PATH_MAX + 1], *tmp = NULL;
	struct stat st;
	int have, rc = -1, fd = -1;

	if (clean_name(h->name, rel, sizeof(rel)) < 0) {
		snprintf(err, errlen, "refusing %s: it leads outside of the "
		    "destination", h->name);
		return -1;
	}
	if (rel[0] == '\0')
		return 0;	/* "./": the destination itself */
	if (make_parents(x->dest, rel, err, errlen) < 0)
		return -1;
	dest_path(x->dest, rel, target);
	have = lstat(target, &st) == 0;
	if (have && x->no_overwrite) {
		if (S_ISDIR(st.st_mode) && h->type != '5') {
			snprintf(err, errlen, "cannot overwrite directory \"%s\" "
			    "with non-directory \"%s\"", target, h->name);
			return -1;
		}
		if (!S_ISDIR(st.st_mode) && h->type == '5') {
			snprintf(err, errlen, "cannot overwrite non-directory "
			    "\"%s\" with directory \"%s\"", target, h->name);
			return -1;
		}
	}
	switch (h->type) {
	case '5':
		if (have && !S_ISDIR(st.st_mode) && unlink(target) < 0)
			goto sys;
		if ((!have || !S_ISDIR(st.st_mode)) && mkdir(target, 0755) < 0)
			goto sys;
		fd = open(target, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
		if (fd >= 0)
			set_meta(fd, target, h, x->copy_ids);
		rc = 0;
		break;
	case '0':
	case '7': {
		char buf[65536];
		ssize_t r;

		if ((tmp = temp_for(target)) == NULL ||
		    (fd = mkostemp(tmp, O_CLOEXEC)) < 0)
			goto sys;
		while ((r = ag_tar_read(t, buf, sizeof(buf))) > 0)
			if (ag_write_all(fd, buf, (size_t)r) < 0)
				goto sys;
		if (r < 0) {
			snprintf(err, errlen, "archive truncated in %s", h->name);
			goto out;
		}
		set_meta(fd, tmp, h, x->copy_ids);
		if ((have && S_ISDIR(st.st_mode) && rmdir(target) < 0) ||
		    place(&tmp, target) < 0)
			goto sys;
		rc = 0;
		break;
	}
	case '2':
		if ((tmp = temp_for(target)) == NULL)
			goto sys;
		/* mkstemp reserves a name; symlink needs it free again. */
		if ((fd = mkostemp(tmp, O_CLOEXEC)) < 0 || unlink(tmp) < 0 ||
		    symlink(h->linkname, tmp) < 0)
			goto sys;
		set_meta(-1, tmp, h, x->copy_ids);
		if (place(&tmp, target) < 0)
			goto sys;
		rc = 0;
		break;
	case '1': {
		char lrel[PATH_MAX], src[PATH_MAX + 1], *real;

		if (clean_name(h->linkname, lrel, sizeof(lrel)) < 0) {
			snprintf(err, errlen, "refusing hard link %s: it leads "
			    "outside of the destination", h->name);
			return -1;
		}
		dest_path(x->dest, lrel, src);
		if ((real = realpath(src, NULL)) == NULL || !inside(x->dest, real)) {
			free(real);
			snprintf(err, errlen, "refusing hard link %s: its target "
			    "is not in the destination", h->name);
			return -1;
		}
		free(real);
		if (have && unlink(target) < 0)
			goto sys;
		if (link(src, target) < 0)
			goto sys;
		rc = 0;
		break;
	}
	default:
		rc = 0;	/* devices and FIFOs: not for docker cp */
		break;
	}
	goto out;
sys:
	snprintf(err, errlen, "%s: %s", h->name, strerror(errno));
out:
	if (fd >= 0)
		close(fd);
	if (tmp != NULL) {
		unlink(tmp);
		free(tmp);
	}
	return rc;
}

void *
ag_archive_put_run(void *arg)
{
	struct ag_session *s = arg;
	struct put *x = s->priv;
	struct ag_tar_in t = { .fd = x->rfd };
	struct ag_tar_hdr h;
	char err[PATH_MAX + 128] = "", buf[8192];
	int r;

	while ((r = ag_tar_next(&t, &h)) == 1) {
		int rc = extract_one(x, &t, &h, err, sizeof(err));

		ag_tar_hdr_free(&h);
		if (rc < 0)
			break;
	}
	if (r < 0 && err[0] == '\0')
		snprintf(err, sizeof(err), "malformed or truncated archive");
	if (err[0] != '\0') {
		/* Stop taking data: the reader's writes fail with EPIPE
		 * instead of blocking the connection. */
		close(x->rfd);
		x->rfd = -1;
		ag_sess_error(s, "invalid", "%s", err);
		return NULL;
	}
	/* The end blocks may come before the daemon's EOF: read to it. */
	while ((r = (int)read(x->rfd, buf, sizeof(buf))) > 0 || (r < 0 && errno == EINTR))
		;
	ag_sess_exit(s, 0);
	return NULL;
}
