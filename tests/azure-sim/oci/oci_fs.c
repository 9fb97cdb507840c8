/* oci_fs.c - in-root path resolution, recursive removal and copy. */
#include "config.h"

#include "oci_fs.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <linux/openat2.h>

int oci_fs_open_in_root(int rootfd, const char *rel, int flags, mode_t mode)
{
	struct open_how how;
	long fd;

	memset(&how, 0, sizeof(how));
	how.flags = (unsigned long long)(flags | O_CLOEXEC);
	if (flags & O_CREAT)
		how.mode = mode;
	how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
	while (*rel == '/')
		rel++;
	if (!*rel)
		rel = ".";
	do {
		fd = syscall(SYS_openat2, rootfd, rel, &how, sizeof(how));
	} while (fd < 0 && (errno == EAGAIN || errno == EINTR));
	return fd < 0 ? -errno : (int)fd;
}

int oci_fs_have_openat2(void)
{
	int fd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	int r;

	if (fd < 0)
		return 0;
	r = oci_fs_open_in_root(fd, ".", O_PATH | O_DIRECTORY, 0);
	close(fd);
	if (r < 0)
		return 0;
	close(r);
	return 1;
}

/* The path with the symlink at buf[start..end) replaced by its target,
 * written over buf (rest is what follows the link). A relative target
 * is taken from the link's directory, an absolute one from the root:
 * the result is still resolved in the root. Returns 0 or -errno. */
static int splice_link(int dirfd, char *buf, size_t start, size_t end,
		       const char *rest)
{
	char target[PATH_MAX], next[PATH_MAX];
	size_t keep, rl = strlen(rest);
	ssize_t tl;

	/* No stdio: this runs in the runner's cloned child too. */
	buf[end] = '\0';
	tl = readlinkat(dirfd, buf + start, target, sizeof(target) - 1);
	if (tl < 0)
		return -errno;
	keep = target[0] == '/' ? 0 : start;
	if (keep + (size_t)tl + 1 + rl >= sizeof(next))
		return -ENAMETOOLONG;
	memcpy(next, buf, keep);
	memcpy(next + keep, target, (size_t)tl);
	next[keep + (size_t)tl] = '/';
	memcpy(next + keep + (size_t)tl + 1, rest, rl + 1);
	memcpy(buf, next, keep + (size_t)tl + 1 + rl + 1);
	return 0;
}

int oci_fs_mkdir_in_root(int rootfd, const char *rel, mode_t mode)
{
	char buf[PATH_MAX];
	size_t n, i = 0;
	int cur, links = 0;

	while (*rel == '/')
		rel++;
	n = strlen(rel);
	if (n >= sizeof(buf))
		return -ENAMETOOLONG;
	memcpy(buf, rel, n + 1);
	cur = oci_fs_open_in_root(rootfd, ".", O_PATH | O_DIRECTORY, 0);
	if (cur < 0)
		return cur;
	while (i < n) {
		size_t start = i, end;
		char save;
		int fd;

		while (i < n && buf[i] != '/')
			i++;
		end = i;
		while (i < n && buf[i] == '/')
			i++;
		if (end == start)
			continue;
		save = buf[end];
		buf[end] = '\0';
		fd = oci_fs_open_in_root(rootfd, buf, O_PATH | O_DIRECTORY, 0);
		if (fd == -ENOENT) {
			/* cur is a resolved directory, so creating a plain
			 * name in it cannot escape the root. */
			if (mkdirat(cur, buf + start, mode) < 0 && errno != EEXIST) {
				fd = -errno;
			} else {
				fd = oci_fs_open_in_root(rootfd, buf,
							 O_PATH | O_DIRECTORY, 0);
			}
		}
		buf[end] = save;
		if (fd == -ENOENT) {
			/* A symlink to what does not exist yet (an image's
			 * /var/run -> /run before /run): follow it inside
			 * the root and create its target, as Docker's
			 * FollowSymlinkInScope does. */
			fd = ++links > 40 ? -ELOOP : splice_link(cur, buf, start, end, buf + i);
			close(cur);
			if (fd < 0)
				return fd;
			n = strlen(buf);
			i = 0;
			cur = oci_fs_open_in_root(rootfd, ".", O_PATH | O_DIRECTORY, 0);
			if (cur < 0)
				return cur;
			continue;
		}
		close(cur);
		if (fd < 0)
			return fd;
		cur = fd;
	}
	return cur;
}

/* 1 if name in dirfd is the root of a mount (another filesystem, or a
 * bind mount of the same one), which a removal must not go into. */
static int is_mount_root(int dirfd, const char *name, const struct stat *parent)
{
	struct statx sx;

	if (statx(dirfd, name, AT_SYMLINK_NOFOLLOW, STATX_BASIC_STATS, &sx) < 0)
		return 1; /* unknown: refuse, the safe answer */
	if (sx.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT)
		return (sx.stx_attributes & STATX_ATTR_MOUNT_ROOT) != 0;
	return makedev(sx.stx_dev_major, sx.stx_dev_minor) != parent->st_dev;
}

/* A directory stream over dirfd of its own (its own offset: dirfd is
 * not moved), or NULL with errno set. */
static DIR *open_dir_at(int dirfd)
{
	int fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d;

	if (fd < 0)
		return NULL;
	d = fdopendir(fd);
	if (!d) {
		int e = errno;

		close(fd);
		errno = e;
	}
	return d;
}

static int rm_children(int dirfd, int (*keep)(void *ud, const char *name), void *ud);

/* Remove name in dirfd; parent (the stat of dirfd) or NULL at the top,
 * where the caller named the tree itself. */
static int rm_entry(int dirfd, const char *name, const struct stat *parent)
{
	struct stat st;
	int fd, rc;

	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 : -errno;
	if (!S_ISDIR(st.st_mode))
		return unlinkat(dirfd, name, 0) < 0 && errno != ENOENT ? -errno : 0;
	if (parent && is_mount_root(dirfd, name, parent))
		return -EXDEV;
	fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	rc = rm_children(fd, NULL, NULL);
	close(fd);
	if (rc < 0)
		return rc;
	if (unlinkat(dirfd, name, AT_REMOVEDIR) < 0 && errno != ENOENT)
		return -errno;
	return 0;
}

int oci_fs_rm_rf_at(int dirfd, const char *name)
{
	return rm_entry(dirfd, name, NULL);
}

int oci_fs_rm_rf(const char *path)
{
	return oci_fs_rm_rf_at(AT_FDCWD, path);
}

int oci_fs_rm_children_at(int dirfd, int (*keep)(void *ud, const char *name),
			  void *ud)
{
	return rm_children(dirfd, keep, ud);
}

/* Empty the directory dirfd (but what keep spares); mount points below it
 * are refused (-EXDEV) rather than deleted through. */
static int rm_children(int dirfd, int (*keep)(void *ud, const char *name), void *ud)
{
	struct stat self;
	int rc = 0;
	DIR *d;
	struct dirent *de;

	if (fstat(dirfd, &self) < 0)
		return -errno;
	d = open_dir_at(dirfd);
	if (!d)
		return -errno;
	while ((de = readdir(d)) != NULL) {
		int r;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (keep && keep(ud, de->d_name))
			continue;
		r = rm_entry(dirfd, de->d_name, &self);
		if (r < 0 && rc == 0)
			rc = r;
	}
	closedir(d);
	return rc;
}

int oci_fs_mkdir_p(const char *path, mode_t mode)
{
	char buf[PATH_MAX];
	size_t n = strlen(path), i;

	if (n == 0 || n >= sizeof(buf))
		return -ENAMETOOLONG;
	memcpy(buf, path, n + 1);
	for (i = 1; i <= n; i++) {
		if (buf[i] != '/' && buf[i] != '\0')
			continue;
		buf[i] = '\0';
		if (mkdir(buf, mode) < 0 && errno != EEXIST)
			return -errno;
		buf[i] = path[i];
	}
	return 0;
}

/* ---- copy ---- */

/* Hard links seen during a copy: (dev, ino) -> path relative to dst. */
struct link_seen {
	dev_t dev;
	ino_t ino;
	char *rel;
};

struct copy_ctx {
	struct link_seen *links;
	size_t n, cap;
	int dst_root;
};

static int copy_meta(int dfd, const char *name, const struct stat *st)
{
	struct timespec ts[2] = { st->st_atim, st->st_mtim };

	if (fchownat(dfd, name, st->st_uid, st->st_gid, AT_SYMLINK_NOFOLLOW) < 0)
		return -errno;
	if (!S_ISLNK(st->st_mode) &&
	    fchmodat(dfd, name, st->st_mode & 07777, 0) < 0)
		return -errno;
	if (utimensat(dfd, name, ts, AT_SYMLINK_NOFOLLOW) < 0)
		return -errno;
	return 0;
}

static int copy_file(int sfd_dir, int dfd_dir, const char *name,
		     const struct stat *st)
{
	char buf[65536];
	int in, out, rc = 0;

	in = openat(sfd_dir, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (in < 0)
		return -errno;
	out = openat(dfd_dir, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
		     0600);
	if (out < 0) {
		rc = -errno;
		close(in);
		return rc;
	}
	for (;;) {
		ssize_t r = read(in, buf, sizeof(buf)), off = 0;

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			rc = -errno;
			break;
		}
		if (r == 0)
			break;
		while (off < r) {
			ssize_t w = write(out, buf + off, (size_t)(r - off));

			if (w < 0 && errno == EINTR)
				continue;
			if (w < 0) {
				rc = -errno;
				goto out;
			}
			off += w;
		}
	}
out:
	close(in);
	close(out);
	(void)st;
	return rc;
}

static int remember_link(struct copy_ctx *c, const struct stat *st,
			 const char *rel)
{
	if (c->n == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 16;
		struct link_seen *l = realloc(c->links, cap * sizeof(*l));

		if (!l)
			return -ENOMEM;
		c->links = l;
		c->cap = cap;
	}
	c->links[c->n].rel = strdup(rel);
	if (!c->links[c->n].rel)
		return -ENOMEM;
	c->links[c->n].dev = st->st_dev;
	c->links[c->n].ino = st->st_ino;
	c->n++;
	return 0;
}

static int copy_dir(struct copy_ctx *c, int sfd, int dfd, const char *rel);

static int copy_entry(struct copy_ctx *c, int sfd, int dfd, const char *name,
		      const char *rel)
{
	struct stat st;
	size_t i;
	int rc;

	if (fstatat(sfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return -errno;
	if (!S_ISDIR(st.st_mode) && st.st_nlink > 1) {
		for (i = 0; i < c->n; i++) {
			if (c->links[i].dev == st.st_dev &&
			    c->links[i].ino == st.st_ino) {
				if (linkat(c->dst_root, c->links[i].rel, dfd, name, 0) < 0)
					return -errno;
				return 0;
			}
		}
	}
	if (S_ISDIR(st.st_mode)) {
		int s2, d2;

		if (mkdirat(dfd, name, 0700) < 0)
			return -errno;
		s2 = openat(sfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (s2 < 0)
			return -errno;
		d2 = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (d2 < 0) {
			rc = -errno;
			close(s2);
			return rc;
		}
		rc = copy_dir(c, s2, d2, rel);
		close(s2);
		close(d2);
		if (rc < 0)
			return rc;
	} else if (S_ISREG(st.st_mode)) {
		rc = copy_file(sfd, dfd, name, &st);
		if (rc < 0)
			return rc;
	} else if (S_ISLNK(st.st_mode)) {
		char target[PATH_MAX];
		ssize_t n = readlinkat(sfd, name, target, sizeof(target) - 1);

		if (n < 0)
			return -errno;
		target[n] = '\0';
		if (symlinkat(target, dfd, name) < 0)
			return -errno;
	} else {
		if (mknodat(dfd, name, st.st_mode, st.st_rdev) < 0)
			return -errno;
	}
	if (!S_ISDIR(st.st_mode) && st.st_nlink > 1) {
		rc = remember_link(c, &st, rel);
		if (rc < 0)
			return rc;
	}
	return copy_meta(dfd, name, &st);
}

static int copy_dir(struct copy_ctx *c, int sfd, int dfd, const char *rel)
{
	int rc = 0;
	DIR *d;
	struct dirent *de;

	d = open_dir_at(sfd);
	if (!d)
		return -errno;
	while ((de = readdir(d)) != NULL) {
		char *crel;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		crel = malloc(strlen(rel) + strlen(de->d_name) + 2);
		if (!crel) {
			rc = -ENOMEM;
			break;
		}
		if (*rel)
			strcat(strcat(strcpy(crel, rel), "/"), de->d_name);
		else
			strcpy(crel, de->d_name);
		rc = copy_entry(c, sfd, dfd, de->d_name, crel);
		free(crel);
		if (rc < 0)
			break;
	}
	closedir(d);
	return rc;
}

int oci_fs_copy_tree(const char *src, const char *dst)
{
	struct copy_ctx c = { 0 };
	struct stat st;
	int sfd = -1, dfd = -1, rc;
	size_t i;

	sfd = open(src, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (sfd < 0)
		return -errno;
	if (fstat(sfd, &st) < 0 || mkdir(dst, 0700) < 0) {
		rc = -errno;
		goto out;
	}
	dfd = open(dst, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dfd < 0) {
		rc = -errno;
		goto out;
	}
	c.dst_root = dfd;
	rc = copy_dir(&c, sfd, dfd, "");
	if (rc == 0 && (fchown(dfd, st.st_uid, st.st_gid) < 0 ||
			fchmod(dfd, st.st_mode & 07777) < 0))
		rc = -errno;
out:
	for (i = 0; i < c.n; i++)
		free(c.links[i].rel);
	free(c.links);
	if (sfd >= 0)
		close(sfd);
	if (dfd >= 0)
		close(dfd);
	return rc;
}
