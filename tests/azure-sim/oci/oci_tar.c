/* oci_tar.c - layer unpacking (see oci_tar.h).
 *
 * libarchive does the reading: decompression (gzip, zstd or none, told
 * from the data) and the tar formats (ustar, GNU, PAX). It never touches
 * the filesystem: every entry is written here, through descriptors
 * resolved inside the root, because libarchive's own disk writer resolves
 * paths against the host. Two archive objects are chained: the outer one
 * (format "raw") only decompresses, the inner one parses tar from the
 * outer one's output, so the uncompressed bytes pass through our hands
 * once and are hashed for the diff id on the way. */
#include "config.h"

#include "oci_tar.h"
#include "oci_digest.h"
#include "oci_fs.h"
#include "oci_util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>

#define BLK 512
#define BUFSZ 65536
#define WH_PREFIX ".wh."
#define WH_OPAQUE ".wh..wh..opq"

/* ---- the uncompressed stream, hashed as the tar parser pulls it ---- */

struct src {
	struct archive *raw; /* format raw: decompression only */
	struct oci_sha256 sha;
	uint64_t total;      /* uncompressed bytes so far */
	int eof;
	unsigned char buf[BUFSZ];
};

static la_ssize_t src_read(struct archive *a, void *ud, const void **out)
{
	struct src *s = ud;
	la_ssize_t n;

	*out = s->buf;
	if (s->eof)
		return 0;
	n = archive_read_data(s->raw, s->buf, sizeof(s->buf));
	if (n < 0) {
		if (a)
			archive_set_error(a, EIO, "%s", archive_error_string(s->raw));
		return -1;
	}
	if (n == 0)
		s->eof = 1;
	if (n > 0 && oci_sha256_update(&s->sha, s->buf, (size_t)n) < 0) {
		if (a)
			archive_set_error(a, ENOMEM, "sha256 failed");
		return -1;
	}
	s->total += (uint64_t)n;
	return n;
}

/* Read what the tar parser left (the end blocks and the writer's
 * padding): it counts for the diff id. */
static int src_drain(struct src *s)
{
	const void *p;

	while (!s->eof) {
		if (src_read(NULL, s, &p) < 0)
			return -1;
	}
	return 0;
}

/* ---- the set of paths this layer created (whiteouts spare them) ---- */

struct pathset {
	char **slot;
	size_t cap, n;
};

static uint64_t hash_str(const char *s)
{
	uint64_t h = 1469598103934665603ULL;

	while (*s)
		h = (h ^ (unsigned char)*s++) * 1099511628211ULL;
	return h;
}

static int set_has(const struct pathset *s, const char *p)
{
	size_t i;

	if (!s->cap)
		return 0;
	for (i = hash_str(p) & (s->cap - 1); s->slot[i]; i = (i + 1) & (s->cap - 1))
		if (!strcmp(s->slot[i], p))
			return 1;
	return 0;
}

static int set_add1(struct pathset *s, const char *p)
{
	size_t i;

	if (set_has(s, p))
		return 0;
	if ((s->n + 1) * 2 > s->cap) {
		size_t ncap = s->cap ? s->cap * 2 : 64, j;
		char **ns = calloc(ncap, sizeof(*ns));

		if (!ns)
			return -1;
		for (j = 0; j < s->cap; j++) {
			if (!s->slot[j])
				continue;
			for (i = hash_str(s->slot[j]) & (ncap - 1); ns[i];
			     i = (i + 1) & (ncap - 1))
				;
			ns[i] = s->slot[j];
		}
		free(s->slot);
		s->slot = ns;
		s->cap = ncap;
	}
	for (i = hash_str(p) & (s->cap - 1); s->slot[i]; i = (i + 1) & (s->cap - 1))
		;
	s->slot[i] = strdup(p);
	if (!s->slot[i])
		return -1;
	s->n++;
	return 0;
}

/* Add p and all its ancestors. */
static int set_add(struct pathset *s, const char *p)
{
	char *tmp = strdup(p), *slash;
	int rc = 0;

	if (!tmp)
		return -1;
	for (;;) {
		if (set_add1(s, tmp) < 0) {
			rc = -1;
			break;
		}
		slash = strrchr(tmp, '/');
		if (!slash)
			break;
		*slash = '\0';
	}
	free(tmp);
	return rc;
}

static void set_free(struct pathset *s)
{
	size_t i;

	for (i = 0; i < s->cap; i++)
		free(s->slot[i]);
	free(s->slot);
}

/* ---- names ---- */

void oci_tar_clean_path(const char *name, char *out)
{
	size_t o = 0;
	const char *p = name;

	while (*p) {
		const char *e = strchr(p, '/');
		size_t n = e ? (size_t)(e - p) : strlen(p);

		if (n == 0 || (n == 1 && p[0] == '.')) {
			/* skip */
		} else if (n == 2 && p[0] == '.' && p[1] == '.') {
			while (o > 0 && out[o - 1] != '/')
				o--;
			if (o > 0)
				o--; /* drop the separator */
		} else {
			if (o > 0)
				out[o++] = '/';
			memcpy(out + o, p, n);
			o += n;
		}
		p += n;
		if (*p == '/')
			p++;
	}
	out[o] = '\0';
}

/* ---- applying entries ---- */

struct unpack {
	int rootfd;
	struct archive *tar;
	struct src *in;
	struct pathset created;
	struct oci_err *err;
	int64_t data_got; /* data bytes of the current entry read so far */
	int at_end;       /* the stream ended right after an entry's data */
};

static int tar_fail(struct unpack *u)
{
	const char *why = archive_error_string(u->tar);

	return oci_err_set(u->err, OCI_E_PROTOCOL, "failed to extract layer: %s",
			   why ? why : "unreadable tar data");
}

/* Ownership is best effort when not running as root (a rootless pull
 * keeps the caller's ids, as rootless container tools do). */
static int own_failed(int r)
{
	return r < 0 && !(errno == EPERM && geteuid() != 0);
}

static int fail(struct unpack *u, const char *what, const char *path, int e)
{
	return oci_err_set(u->err, OCI_E_IO, "failed to extract layer: %s \"%s\": %s",
			   what, path, strerror(e));
}

/* Open (creating if needed) the parent directory of path inside root. */
static int open_parent(struct unpack *u, const char *parent)
{
	int fd;

	if (!*parent)
		return oci_fs_open_in_root(u->rootfd, ".", O_PATH | O_DIRECTORY, 0);
	fd = oci_fs_open_in_root(u->rootfd, parent, O_PATH | O_DIRECTORY, 0);
	if (fd == -ENOENT)
		fd = oci_fs_mkdir_in_root(u->rootfd, parent, 0755);
	return fd;
}

struct opq_keep {
	struct unpack *u;
	const char *dir;
};

static int opq_keep_fn(void *ud, const char *name)
{
	struct opq_keep *k = ud;
	char *p = oci_path_join(*k->dir ? k->dir : "", name);
	int keep;

	if (!p)
		return 1; /* keeping is the safe failure */
	keep = set_has(&k->u->created, *k->dir ? p : p + 1);
	free(p);
	return keep;
}

static int apply_whiteout(struct unpack *u, const char *parent, const char *base)
{
	int pfd, rc = 0;

	pfd = oci_fs_open_in_root(u->rootfd, *parent ? parent : ".",
				  O_PATH | O_DIRECTORY, 0);
	if (pfd == -ENOENT || pfd == -ENOTDIR)
		return 0;
	if (pfd < 0)
		return fail(u, "open", parent, -pfd);
	if (!strcmp(base, WH_OPAQUE)) {
		struct opq_keep k = { u, parent };
		int r = oci_fs_rm_children_at(pfd, opq_keep_fn, &k);

		if (r < 0)
			rc = fail(u, "opaque whiteout", parent, -r);
	} else if (strncmp(base, WH_PREFIX WH_PREFIX, 8) != 0) {
		const char *victim = base + strlen(WH_PREFIX);
		char *full = oci_path_join(*parent ? parent : "", victim);
		const char *rel;

		if (!full) {
			close(pfd);
			return oci_err_set(u->err, OCI_E_NOMEM, "out of memory");
		}
		rel = *parent ? full : full + 1;
		if (!set_has(&u->created, rel) && strcmp(victim, ".") &&
		    strcmp(victim, "..") && *victim) {
			int r = oci_fs_rm_rf_at(pfd, victim);

			if (r < 0)
				rc = fail(u, "whiteout", rel, -r);
		}
		free(full);
	}
	close(pfd);
	return rc;
}

/* After a failed read: did the stream end exactly where the current
 * entry's data ended, before its padding? Go's archive/tar (and so
 * Docker) takes that as the end of the archive, and umoci writes such
 * layers; libarchive wants the padding. Every byte of the data was read
 * and the stream is a whole number of blocks plus the data's tail. */
static int ended_after_data(struct unpack *u, struct archive_entry *ae)
{
	int64_t size = archive_entry_size(ae);

	return u->in->eof && size > 0 && u->data_got == size &&
	       u->in->total % BLK == (uint64_t)size % BLK;
}

/* Next block of the entry's data: ARCHIVE_OK, ARCHIVE_EOF at its end
 * (also when the archive ends right after it: u->at_end), or an error. */
static int read_block(struct unpack *u, struct archive_entry *ae,
		      const void **buf, size_t *len, la_int64_t *off)
{
	int r = archive_read_data_block(u->tar, buf, len, off);

	if (r == ARCHIVE_WARN)
		r = ARCHIVE_OK;
	if (r == ARCHIVE_OK) {
		u->data_got += (int64_t)*len;
	} else if (r != ARCHIVE_EOF && ended_after_data(u, ae)) {
		u->at_end = 1;
		r = ARCHIVE_EOF;
	}
	return r;
}

/* Copy the entry's data into fd. Sparse entries come as blocks at
 * offsets: the holes stay holes. */
static int write_data(struct unpack *u, int fd, struct archive_entry *ae,
		      const char *path)
{
	const void *buf;
	size_t len;
	la_int64_t off;
	int r;

	while ((r = read_block(u, ae, &buf, &len, &off)) == ARCHIVE_OK) {
		size_t done = 0;

		while (done < len) {
			ssize_t w = pwrite(fd, (const char *)buf + done, len - done,
					   (off_t)off + (off_t)done);

			if (w < 0 && errno == EINTR)
				continue;
			if (w < 0)
				return fail(u, "write", path, errno);
			done += (size_t)w;
		}
	}
	if (r != ARCHIVE_EOF)
		return tar_fail(u);
	/* A sparse file may end in a hole. */
	if (ftruncate(fd, (off_t)archive_entry_size(ae)) < 0)
		return fail(u, "write", path, errno);
	return 0;
}

/* Extended attributes, after the owner is set (a chown clears
 * security.capability). A filesystem or an unprivileged caller that
 * cannot take one is not an error, as in Docker's archive package. */
static int apply_xattrs(struct unpack *u, int fd, struct archive_entry *ae,
			const char *path)
{
	const char *name;
	const void *val;
	size_t len;

	if (archive_entry_xattr_reset(ae) == 0)
		return 0;
	while (archive_entry_xattr_next(ae, &name, &val, &len) == ARCHIVE_OK) {
		if (!name || !*name)
			continue;
		if (fsetxattr(fd, name, val, len, 0) < 0 && errno != ENOTSUP &&
		    errno != EPERM)
			return fail(u, "setxattr", path, errno);
	}
	return 0;
}

/* Owner, mode, xattrs and times of an open file or directory. */
static int apply_meta(struct unpack *u, int fd, struct archive_entry *ae,
		      const struct timespec ts[2], const char *path)
{
	mode_t perm = archive_entry_perm(ae) & 07777;
	int rc;

	if (own_failed(fchown(fd, (uid_t)archive_entry_uid(ae),
			      (gid_t)archive_entry_gid(ae))) ||
	    fchmod(fd, perm) < 0)
		return fail(u, "chmod", path, errno);
	rc = apply_xattrs(u, fd, ae, path);
	if (rc < 0)
		return rc;
	if (futimens(fd, ts) < 0)
		return fail(u, "chmod", path, errno);
	return 0;
}

static int make_hardlink(struct unpack *u, int pfd, const char *base,
			 const char *target, const char *path)
{
	char *tclean = malloc(strlen(target) + 1), *tslash;
	const char *tparent, *tbase;
	int tpfd, rc = 0;

	if (!tclean)
		return oci_err_set(u->err, OCI_E_NOMEM, "out of memory");
	oci_tar_clean_path(target, tclean);
	tslash = strrchr(tclean, '/');
	if (tslash) {
		*tslash = '\0';
		tparent = tclean;
		tbase = tslash + 1;
	} else {
		tparent = ".";
		tbase = tclean;
	}
	if (!*tbase) {
		rc = oci_err_set(u->err, OCI_E_PROTOCOL,
				 "failed to extract layer: hard link \"%s\" to the root",
				 path);
		goto out;
	}
	/* The target's directory is resolved inside the root and linkat
	 * does not follow a final symlink: the link cannot reach a file
	 * outside. */
	tpfd = oci_fs_open_in_root(u->rootfd, tparent, O_PATH | O_DIRECTORY, 0);
	if (tpfd < 0 || linkat(tpfd, tbase, pfd, base, 0) < 0)
		rc = fail(u, "link", path, tpfd < 0 ? -tpfd : errno);
	if (tpfd >= 0)
		close(tpfd);
out:
	free(tclean);
	return rc;
}

/* Device nodes are the one kind of entry that hands out kernel objects
 * (a disk, /dev/mem): they are skipped, with a note, rather than failing
 * the layer, because real images carry /dev entries that a runtime
 * hides under its own /dev anyway (README, Known choices). */
static void note_device(const char *path)
{
	fprintf(stderr, "sockerless-azure-sim: layer: device node \"%s\" not "
		"created (device nodes from images are refused)\n", path);
}

static const char *entry_str(const char *mbs, const char *utf8)
{
	/* Names that the C locale cannot represent come only as UTF-8. */
	return mbs ? mbs : utf8;
}

static int apply_entry(struct unpack *u, struct archive_entry *ae)
{
	const char *name = entry_str(archive_entry_pathname(ae),
				     archive_entry_pathname_utf8(ae));
	const char *hard = entry_str(archive_entry_hardlink(ae),
				     archive_entry_hardlink_utf8(ae));
	mode_t type = archive_entry_filetype(ae);
	mode_t perm = archive_entry_perm(ae) & 07777;
	char *clean = NULL, *slash, *parent, *base, *full;
	struct timespec ts[2];
	struct stat st;
	int pfd = -1, fd = -1, rc = 0, exists;
	long nsec;

	if (!name)
		return oci_err_set(u->err, OCI_E_PROTOCOL,
				   "failed to extract layer: entry without a name");
	if (archive_entry_uid(ae) < 0 || archive_entry_uid(ae) >= UINT32_MAX ||
	    archive_entry_gid(ae) < 0 || archive_entry_gid(ae) >= UINT32_MAX)
		return oci_err_set(u->err, OCI_E_PROTOCOL,
				   "failed to extract layer: bad owner of \"%s\"", name);
	clean = malloc(strlen(name) + 1);
	if (!clean)
		return oci_err_set(u->err, OCI_E_NOMEM, "out of memory");
	oci_tar_clean_path(name, clean);
	nsec = archive_entry_mtime_nsec(ae);
	ts[0].tv_sec = ts[1].tv_sec = (time_t)archive_entry_mtime(ae);
	ts[0].tv_nsec = ts[1].tv_nsec = nsec >= 0 && nsec < 1000000000 ? nsec : 0;

	if (!*clean) {
		/* The root itself: only a directory's metadata applies. */
		if (type == AE_IFDIR && !hard &&
		    (own_failed(fchown(u->rootfd, (uid_t)archive_entry_uid(ae),
				       (gid_t)archive_entry_gid(ae))) ||
		     fchmod(u->rootfd, perm) < 0))
			rc = fail(u, "chmod", "/", errno);
		goto out;
	}
	slash = strrchr(clean, '/');
	if (slash) {
		*slash = '\0';
		parent = clean;
		base = slash + 1;
	} else {
		parent = "";
		base = clean;
	}
	if (!strncmp(base, WH_PREFIX, strlen(WH_PREFIX))) {
		rc = apply_whiteout(u, parent, base);
		goto out;
	}
	if (!hard && (type == AE_IFCHR || type == AE_IFBLK)) {
		note_device(name);
		goto out;
	}
	if (!hard && type != AE_IFREG && type != AE_IFDIR && type != AE_IFLNK &&
	    type != AE_IFIFO)
		goto out; /* sockets and the unknown: skipped, as Docker does */

	pfd = open_parent(u, parent);
	if (pfd < 0) {
		rc = fail(u, "mkdir", parent, -pfd);
		goto out;
	}
	exists = fstatat(pfd, base, &st, AT_SYMLINK_NOFOLLOW) == 0;
	if (exists && !(!hard && type == AE_IFDIR && S_ISDIR(st.st_mode))) {
		int r = oci_fs_rm_rf_at(pfd, base);

		if (r < 0) {
			rc = fail(u, "replace", name, -r);
			goto out;
		}
	}

	if (hard) {
		rc = make_hardlink(u, pfd, base, hard, name);
	} else if (type == AE_IFREG) {
		fd = openat(pfd, base, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
			    0600);
		if (fd < 0) {
			rc = fail(u, "create", name, errno);
			goto out;
		}
		rc = write_data(u, fd, ae, name);
		if (rc == 0)
			rc = apply_meta(u, fd, ae, ts, name);
	} else if (type == AE_IFDIR) {
		if ((!exists || !S_ISDIR(st.st_mode)) && mkdirat(pfd, base, 0700) < 0) {
			rc = fail(u, "mkdir", name, errno);
			goto out;
		}
		fd = openat(pfd, base, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		rc = fd < 0 ? fail(u, "open", name, errno) : apply_meta(u, fd, ae, ts, name);
	} else if (type == AE_IFLNK) {
		const char *target = entry_str(archive_entry_symlink(ae),
					       archive_entry_symlink_utf8(ae));

		/* The target text is stored as is: it is only ever followed
		 * inside the root (here) or after entering it (at run time). */
		if (symlinkat(target ? target : "", pfd, base) < 0) {
			rc = fail(u, "symlink", name, errno);
			goto out;
		}
		if (own_failed(fchownat(pfd, base, (uid_t)archive_entry_uid(ae),
					(gid_t)archive_entry_gid(ae), AT_SYMLINK_NOFOLLOW)) ||
		    utimensat(pfd, base, ts, AT_SYMLINK_NOFOLLOW) < 0)
			rc = fail(u, "chown", name, errno);
	} else {
		/* FIFOs: a pipe with a name, harmless, and some images
		 * need theirs (Docker creates them too). */
		if (mknodat(pfd, base, S_IFIFO | perm, 0) < 0 ||
		    own_failed(fchownat(pfd, base, (uid_t)archive_entry_uid(ae),
					(gid_t)archive_entry_gid(ae), AT_SYMLINK_NOFOLLOW)) ||
		    fchmodat(pfd, base, perm, 0) < 0)
			rc = fail(u, "mknod", name, errno);
	}
	if (rc < 0)
		goto out;
	/* Record with the cleaned full path (parent/base). */
	full = *parent ? oci_path_join(parent, base) : strdup(base);
	if (!full || set_add(&u->created, full) < 0)
		rc = oci_err_set(u->err, OCI_E_NOMEM, "out of memory");
	free(full);
out:
	if (fd >= 0)
		close(fd);
	if (pfd >= 0)
		close(pfd);
	free(clean);
	return rc;
}

/* Read what apply_entry left of the entry's data (links, whiteouts and
 * skipped entries may still carry some). Returns 0 or a status. */
static int finish_entry(struct unpack *u, struct archive_entry *ae)
{
	const void *buf;
	size_t len;
	la_int64_t off;
	int r;

	while ((r = read_block(u, ae, &buf, &len, &off)) == ARCHIVE_OK)
		;
	return r == ARCHIVE_EOF ? 0 : tar_fail(u);
}

static int unpack_stream(struct unpack *u)
{
	struct archive_entry *ae;
	int rc = 0;

	for (;;) {
		int r = archive_read_next_header(u->tar, &ae);

		if (r == ARCHIVE_EOF)
			break;
		if (r != ARCHIVE_OK && r != ARCHIVE_WARN)
			return tar_fail(u);
		u->data_got = 0;
		rc = apply_entry(u, ae);
		if (rc == 0 && !u->at_end)
			rc = finish_entry(u, ae);
		if (rc < 0 || u->at_end)
			return rc;
	}
	return 0;
}

static int open_archives(struct src *s, struct archive **tar, int blob_fd,
			 struct oci_err *err)
{
	s->raw = archive_read_new();
	*tar = archive_read_new();
	if (!s->raw || !*tar)
		return oci_err_set(err, OCI_E_NOMEM, "out of memory");
	/* Only what OCI and Docker layers use: no external programs. */
	if (archive_read_support_filter_gzip(s->raw) != ARCHIVE_OK ||
	    archive_read_support_filter_zstd(s->raw) != ARCHIVE_OK ||
	    archive_read_support_format_raw(s->raw) != ARCHIVE_OK ||
	    archive_read_support_format_empty(s->raw) != ARCHIVE_OK ||
	    archive_read_support_format_tar(*tar) != ARCHIVE_OK ||
	    archive_read_support_format_empty(*tar) != ARCHIVE_OK)
		return oci_err_set(err, OCI_E_IO, "libarchive: %s",
				   archive_error_string(s->raw));
	if (archive_read_open_fd(s->raw, blob_fd, BUFSZ) != ARCHIVE_OK)
		return oci_err_set(err, OCI_E_PROTOCOL, "failed to extract layer: %s",
				   archive_error_string(s->raw));
	return 0;
}

int oci_layer_unpack(int rootfd, int blob_fd, const char *diff_id,
		     struct oci_err *err)
{
	struct unpack u = { 0 };
	struct archive_entry *ae;
	struct src *s;
	int rc, r;

	s = calloc(1, sizeof(*s));
	if (!s)
		return oci_err_set(err, OCI_E_NOMEM, "out of memory");
	if (oci_sha256_init(&s->sha) < 0) {
		rc = oci_err_set(err, OCI_E_NOMEM, "sha256 init failed");
		goto out;
	}
	rc = open_archives(s, &u.tar, blob_fd, err);
	if (rc < 0)
		goto out;
	r = archive_read_next_header(s->raw, &ae);
	if (r == ARCHIVE_EOF) {
		s->eof = 1; /* an empty blob: an empty layer */
	} else if (r != ARCHIVE_OK && r != ARCHIVE_WARN) {
		rc = oci_err_set(err, OCI_E_PROTOCOL, "failed to extract layer: %s",
				 archive_error_string(s->raw));
		goto out;
	}
	if (archive_read_open(u.tar, s, NULL, src_read, NULL) != ARCHIVE_OK) {
		rc = oci_err_set(err, OCI_E_PROTOCOL, "failed to extract layer: %s",
				 archive_error_string(u.tar));
		goto out;
	}
	u.rootfd = rootfd;
	u.in = s;
	u.err = err;
	rc = unpack_stream(&u);
	if (rc == 0 && src_drain(s) < 0)
		rc = oci_err_set(err, OCI_E_PROTOCOL, "failed to extract layer: %s",
				 archive_error_string(s->raw));
	if (rc == 0 && diff_id) {
		char got[72];

		if (oci_sha256_final(&s->sha, got) < 0) {
			rc = oci_err_set(err, OCI_E_NOMEM, "sha256 failed");
		} else if (strcmp(got, diff_id) != 0) {
			rc = oci_err_set(err, OCI_E_PROTOCOL,
					 "layer content digest %s does not match diff_id %s",
					 got, diff_id);
		}
	}
out:
	set_free(&u.created);
	if (u.tar)
		archive_read_free(u.tar);
	if (s->raw)
		archive_read_free(s->raw);
	oci_sha256_free(&s->sha);
	free(s);
	return rc;
}
