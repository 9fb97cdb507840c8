/* oci_tar.c - layer unpacking (see oci_tar.h). */
#include "config.h"

#include "oci_tar.h"
#include "oci_digest.h"
#include "oci_fs.h"
#include "oci_util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <zlib.h>

#define BLK 512
#define BUFSZ 65536
#define WH_PREFIX ".wh."
#define WH_OPAQUE ".wh..wh..opq"
#define PAX_MAX (1024 * 1024)

/* ---- decompressing reader that hashes what it yields ---- */

struct tin {
	int fd;
	int gz;
	int zinit;
	int zdone;
	int in_eof;
	z_stream z;
	unsigned char in[BUFSZ];
	size_t in_len; /* bytes in `in` not yet given to zlib (plain: unread) */
	size_t in_pos;
	unsigned char out[BUFSZ];
	size_t opos, olen;
	struct oci_sha256 sha;
	const char *why; /* set on error */
};

static int tin_read_raw(struct tin *t)
{
	ssize_t r;

	if (t->in_eof)
		return 0;
	do {
		r = read(t->fd, t->in, sizeof(t->in));
	} while (r < 0 && errno == EINTR);
	if (r < 0) {
		t->why = "read error";
		return -1;
	}
	if (r == 0)
		t->in_eof = 1;
	t->in_len = (size_t)r;
	t->in_pos = 0;
	return (int)(r > 0);
}

/* Refill t->out; returns bytes available, 0 at end, -1 on error. */
static long tin_fill(struct tin *t)
{
	if (t->opos < t->olen)
		return (long)(t->olen - t->opos);
	t->opos = t->olen = 0;
	if (!t->gz) {
		if (t->in_pos < t->in_len) {
			size_t n = t->in_len - t->in_pos;

			memcpy(t->out, t->in + t->in_pos, n);
			t->in_pos = t->in_len;
			t->olen = n;
		} else {
			int r = tin_read_raw(t);

			if (r <= 0)
				return r;
			memcpy(t->out, t->in, t->in_len);
			t->olen = t->in_len;
			t->in_pos = t->in_len;
		}
		oci_sha256_update(&t->sha, t->out, t->olen);
		return (long)t->olen;
	}
	while (t->olen == 0) {
		int zr;

		if (t->zdone)
			return 0;
		if (t->in_pos >= t->in_len) {
			int r = tin_read_raw(t);

			if (r < 0)
				return -1;
			if (r == 0) {
				t->why = "truncated gzip stream";
				return -1;
			}
		}
		t->z.next_in = t->in + t->in_pos;
		t->z.avail_in = (uInt)(t->in_len - t->in_pos);
		t->z.next_out = t->out;
		t->z.avail_out = sizeof(t->out);
		zr = inflate(&t->z, Z_NO_FLUSH);
		t->in_pos = t->in_len - t->z.avail_in;
		t->olen = sizeof(t->out) - t->z.avail_out;
		if (zr == Z_STREAM_END) {
			/* Concatenated gzip members are one stream. */
			if (t->in_pos >= t->in_len && tin_read_raw(t) <= 0) {
				t->zdone = 1;
			} else if (inflateReset(&t->z) != Z_OK) {
				t->why = "gzip reset failed";
				return -1;
			}
		} else if (zr != Z_OK && zr != Z_BUF_ERROR) {
			t->why = "corrupt gzip data";
			return -1;
		}
	}
	oci_sha256_update(&t->sha, t->out, t->olen);
	return (long)t->olen;
}

/* Read exactly n bytes (buf NULL: skip them). 0, or -1 with t->why. */
static int tin_read(struct tin *t, void *buf, uint64_t n)
{
	unsigned char *p = buf;

	while (n > 0) {
		long avail = tin_fill(t);
		size_t take;

		if (avail < 0)
			return -1;
		if (avail == 0) {
			t->why = "unexpected end of tar data";
			return -1;
		}
		take = (uint64_t)avail < n ? (size_t)avail : (size_t)n;
		if (p) {
			memcpy(p, t->out + t->opos, take);
			p += take;
		}
		t->opos += take;
		n -= take;
	}
	return 0;
}

static int tin_drain(struct tin *t)
{
	long r;

	while ((r = tin_fill(t)) > 0)
		t->opos = t->olen;
	return r < 0 ? -1 : 0;
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

/* ---- header parsing ---- */

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

static int parse_num(const unsigned char *p, size_t n, int64_t *out)
{
	uint64_t v = 0;
	size_t i = 0;

	if (p[0] & 0x80) {
		if (p[0] == 0xff)
			return -1; /* negative */
		v = p[0] & 0x7f;
		for (i = 1; i < n; i++) {
			if (v >> 55)
				return -1;
			v = (v << 8) | p[i];
		}
		*out = (int64_t)v;
		return 0;
	}
	while (i < n && (p[i] == ' ' || p[i] == '\0'))
		i++;
	for (; i < n && p[i] >= '0' && p[i] <= '7'; i++) {
		if (v >> 60)
			return -1;
		v = v * 8 + (uint64_t)(p[i] - '0');
	}
	*out = (int64_t)v;
	return 0;
}

static int checksum_ok(const unsigned char *h)
{
	int64_t want;
	uint64_t us = 0;
	int64_t ss = 0;
	size_t i;

	if (parse_num(h + 148, 8, &want) < 0)
		return 0;
	for (i = 0; i < BLK; i++) {
		unsigned char c = (i >= 148 && i < 156) ? ' ' : h[i];

		us += c;
		ss += (signed char)c;
	}
	return (int64_t)us == want || ss == want;
}

static char *field_str(const unsigned char *p, size_t n)
{
	size_t len = strnlen((const char *)p, n);
	char *s = malloc(len + 1);

	if (s) {
		memcpy(s, p, len);
		s[len] = '\0';
	}
	return s;
}

struct entry {
	char *name;
	char *link;
	int64_t size, uid, gid, mtime;
	int64_t mode;
	int64_t devmaj, devmin;
	char type;
};

struct pending {
	char *name;     /* GNU 'L' or PAX path */
	char *link;     /* GNU 'K' or PAX linkpath */
	int64_t size, uid, gid, mtime;
	int has_size, has_uid, has_gid, has_mtime;
};

static void pending_clear(struct pending *p)
{
	free(p->name);
	free(p->link);
	memset(p, 0, sizeof(*p));
}

static int64_t dec_num(const char *s, size_t n)
{
	int64_t v = 0;
	size_t i;

	for (i = 0; i < n && s[i] >= '0' && s[i] <= '9'; i++)
		v = v * 10 + (s[i] - '0');
	return v;
}

/* Parse PAX records "<len> <key>=<value>\n" into pending. */
static int pax_parse(char *d, size_t n, struct pending *pd)
{
	size_t off = 0;

	while (off < n) {
		size_t reclen = 0, i = off;
		char *key, *eq, *val;
		size_t vlen;

		while (i < n && d[i] >= '0' && d[i] <= '9')
			reclen = reclen * 10 + (size_t)(d[i++] - '0');
		if (reclen == 0 || i >= n || d[i] != ' ' || off + reclen > n ||
		    d[off + reclen - 1] != '\n')
			return -1;
		key = d + i + 1;
		eq = memchr(key, '=', (size_t)(d + off + reclen - key));
		if (!eq)
			return -1;
		val = eq + 1;
		vlen = (size_t)(d + off + reclen - 1 - val);
		*eq = '\0';
		if (!strcmp(key, "path") || !strcmp(key, "linkpath")) {
			char *s = malloc(vlen + 1), **dst;

			if (!s)
				return -1;
			memcpy(s, val, vlen);
			s[vlen] = '\0';
			dst = key[0] == 'p' ? &pd->name : &pd->link;
			free(*dst);
			*dst = s;
		} else if (!strcmp(key, "size")) {
			pd->size = dec_num(val, vlen);
			pd->has_size = 1;
		} else if (!strcmp(key, "uid")) {
			pd->uid = dec_num(val, vlen);
			pd->has_uid = 1;
		} else if (!strcmp(key, "gid")) {
			pd->gid = dec_num(val, vlen);
			pd->has_gid = 1;
		} else if (!strcmp(key, "mtime")) {
			pd->mtime = dec_num(val, vlen);
			pd->has_mtime = 1;
		}
		off += reclen;
	}
	return 0;
}

/* ---- applying entries ---- */

struct unpack {
	int rootfd;
	struct tin *in;
	struct pathset created;
	struct oci_err *err;
};

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

static int write_data(struct unpack *u, int fd, int64_t size, const char *path)
{
	while (size > 0) {
		long avail = tin_fill(u->in);
		size_t take, off = 0;

		if (avail <= 0)
			return oci_err_set(u->err, OCI_E_PROTOCOL,
					   "failed to extract layer: %s",
					   u->in->why ? u->in->why : "unexpected end of tar data");
		take = avail < size ? (size_t)avail : (size_t)size;
		while (off < take) {
			ssize_t w = write(fd, u->in->out + u->in->opos + off, take - off);

			if (w < 0 && errno == EINTR)
				continue;
			if (w < 0)
				return fail(u, "write", path, errno);
			off += (size_t)w;
		}
		u->in->opos += take;
		size -= (int64_t)take;
	}
	return 0;
}

static int apply_entry(struct unpack *u, struct entry *e)
{
	char *clean = NULL, *slash, *parent, *base;
	struct timespec ts[2];
	struct stat st;
	int pfd = -1, fd = -1, rc = 0, exists;
	mode_t perm = (mode_t)(e->mode & 07777);
	int64_t data_left = e->size;

	clean = malloc(strlen(e->name) + 1);
	if (!clean)
		return oci_err_set(u->err, OCI_E_NOMEM, "out of memory");
	oci_tar_clean_path(e->name, clean);
	ts[0].tv_sec = ts[1].tv_sec = (time_t)e->mtime;
	ts[0].tv_nsec = ts[1].tv_nsec = 0;

	if (!*clean) {
		/* The root itself: only a directory's metadata applies. */
		if (e->type == '5') {
			if (own_failed(fchown(u->rootfd, (uid_t)e->uid, (gid_t)e->gid)) ||
			    fchmod(u->rootfd, perm) < 0)
				rc = fail(u, "chmod", "/", errno);
		}
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

	pfd = open_parent(u, parent);
	if (pfd < 0) {
		rc = fail(u, "mkdir", parent, -pfd);
		goto out;
	}
	exists = fstatat(pfd, base, &st, AT_SYMLINK_NOFOLLOW) == 0;
	if (exists && !(e->type == '5' && S_ISDIR(st.st_mode))) {
		int r = oci_fs_rm_rf_at(pfd, base);

		if (r < 0) {
			rc = fail(u, "replace", e->name, -r);
			goto out;
		}
	}

	switch (e->type) {
	case '0':
	case '\0':
	case '7':
		fd = openat(pfd, base, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
			    0600);
		if (fd < 0) {
			rc = fail(u, "create", e->name, errno);
			goto out;
		}
		rc = write_data(u, fd, e->size, e->name);
		data_left = 0;
		if (rc < 0)
			goto out;
		if (own_failed(fchown(fd, (uid_t)e->uid, (gid_t)e->gid)) ||
		    fchmod(fd, perm) < 0 || futimens(fd, ts) < 0) {
			rc = fail(u, "chmod", e->name, errno);
			goto out;
		}
		break;
	case '5':
		if (!exists || !S_ISDIR(st.st_mode)) {
			if (mkdirat(pfd, base, 0700) < 0) {
				rc = fail(u, "mkdir", e->name, errno);
				goto out;
			}
		}
		if (own_failed(fchownat(pfd, base, (uid_t)e->uid, (gid_t)e->gid,
					AT_SYMLINK_NOFOLLOW)) ||
		    fchmodat(pfd, base, perm, 0) < 0 ||
		    utimensat(pfd, base, ts, AT_SYMLINK_NOFOLLOW) < 0) {
			rc = fail(u, "chmod", e->name, errno);
			goto out;
		}
		break;
	case '2':
		/* The target text is stored as is: it is only ever followed
		 * inside the root (here) or after chroot (at run time). */
		if (symlinkat(e->link ? e->link : "", pfd, base) < 0) {
			rc = fail(u, "symlink", e->name, errno);
			goto out;
		}
		if (own_failed(fchownat(pfd, base, (uid_t)e->uid, (gid_t)e->gid,
					AT_SYMLINK_NOFOLLOW)) ||
		    utimensat(pfd, base, ts, AT_SYMLINK_NOFOLLOW) < 0) {
			rc = fail(u, "chown", e->name, errno);
			goto out;
		}
		break;
	case '1': {
		char *tclean = malloc(strlen(e->link ? e->link : "") + 1);
		char *tslash, *tparent, *tbase;
		int tpfd;

		if (!tclean) {
			rc = oci_err_set(u->err, OCI_E_NOMEM, "out of memory");
			goto out;
		}
		oci_tar_clean_path(e->link ? e->link : "", tclean);
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
			free(tclean);
			rc = oci_err_set(u->err, OCI_E_PROTOCOL,
					 "failed to extract layer: hard link \"%s\" to the root",
					 e->name);
			goto out;
		}
		tpfd = oci_fs_open_in_root(u->rootfd, tparent, O_PATH | O_DIRECTORY, 0);
		if (tpfd < 0 || linkat(tpfd, tbase, pfd, base, 0) < 0) {
			int er = tpfd < 0 ? -tpfd : errno;

			rc = fail(u, "link", e->name, er);
		}
		if (tpfd >= 0)
			close(tpfd);
		free(tclean);
		if (rc < 0)
			goto out;
		break;
	}
	case '3':
	case '4':
	case '6': {
		mode_t kind = e->type == '3' ? S_IFCHR : e->type == '4' ? S_IFBLK : S_IFIFO;

		if (mknodat(pfd, base, kind | perm,
			    makedev((unsigned)e->devmaj, (unsigned)e->devmin)) < 0) {
			/* Rootless: device nodes are skipped, as rootless
			 * runtimes do. */
			if (errno == EPERM && geteuid() != 0 && kind != S_IFIFO)
				goto out;
			rc = fail(u, "mknod", e->name, errno);
			goto out;
		}
		if (own_failed(fchownat(pfd, base, (uid_t)e->uid, (gid_t)e->gid,
					AT_SYMLINK_NOFOLLOW)) ||
		    fchmodat(pfd, base, perm, 0) < 0) {
			rc = fail(u, "chown", e->name, errno);
			goto out;
		}
		break;
	}
	default:
		/* Unknown types (sparse, volume labels...) are skipped as
		 * Docker's archive package does. */
		goto out;
	}
	{
		/* Record with the cleaned full path (parent/base). */
		char *full = *parent ? oci_path_join(parent, base) : strdup(base);

		if (!full || set_add(&u->created, full) < 0) {
			free(full);
			rc = oci_err_set(u->err, OCI_E_NOMEM, "out of memory");
			goto out;
		}
		free(full);
	}
out:
	if (rc == 0 && data_left > 0 && tin_read(u->in, NULL, (uint64_t)data_left) < 0)
		rc = oci_err_set(u->err, OCI_E_PROTOCOL, "failed to extract layer: %s",
				 u->in->why);
	if (fd >= 0)
		close(fd);
	if (pfd >= 0)
		close(pfd);
	free(clean);
	return rc;
}

static int is_zero_block(const unsigned char *b)
{
	size_t i;

	for (i = 0; i < BLK; i++)
		if (b[i])
			return 0;
	return 1;
}

static int read_blob_text(struct unpack *u, int64_t size, char **out)
{
	char *d;

	if (size < 0 || size > PAX_MAX)
		return oci_err_set(u->err, OCI_E_PROTOCOL,
				   "failed to extract layer: oversized extended header");
	d = malloc((size_t)size + 1);
	if (!d)
		return oci_err_set(u->err, OCI_E_NOMEM, "out of memory");
	if (tin_read(u->in, d, (uint64_t)size) < 0) {
		free(d);
		return oci_err_set(u->err, OCI_E_PROTOCOL, "failed to extract layer: %s",
				   u->in->why);
	}
	d[size] = '\0';
	*out = d;
	return 0;
}

/* Skip the padding after an entry's data. Returns 0, 1 if the data ended
 * cleanly before the padding (treated as the end of the archive, as Go's
 * archive/tar does; umoci writes such layers), or -1 with in->why. */
static int skip_pad(struct tin *in, int64_t pad)
{
	long avail;

	if (pad == 0)
		return 0;
	avail = tin_fill(in);
	if (avail == 0)
		return 1;
	if (avail < 0)
		return -1;
	return tin_read(in, NULL, (uint64_t)pad);
}

static int unpack_stream(struct unpack *u)
{
	unsigned char h[BLK];
	struct pending pd = { 0 };
	int rc = 0;

	for (;;) {
		struct entry e = { 0 };
		int64_t pad;
		char type;
		int pr;

		long avail = tin_fill(u->in);

		/* Some writers omit the two zero blocks: a clean end of data
		 * at a header boundary ends the archive, as Go's reader has
		 * it. */
		if (avail == 0)
			break;
		if (avail < 0 || tin_read(u->in, h, BLK) < 0) {
			rc = oci_err_set(u->err, OCI_E_PROTOCOL,
					 "failed to extract layer: %s", u->in->why);
			break;
		}
		if (is_zero_block(h)) {
			/* End of archive; the rest (second zero block and
			 * padding) still counts for the diff id. */
			if (tin_drain(u->in) < 0)
				rc = oci_err_set(u->err, OCI_E_PROTOCOL,
						 "failed to extract layer: %s", u->in->why);
			break;
		}
		if (!checksum_ok(h)) {
			rc = oci_err_set(u->err, OCI_E_PROTOCOL,
					 "failed to extract layer: invalid tar header checksum");
			break;
		}
		type = (char)h[156];
		if (parse_num(h + 124, 12, &e.size) < 0 || parse_num(h + 100, 8, &e.mode) < 0 ||
		    parse_num(h + 108, 8, &e.uid) < 0 || parse_num(h + 116, 8, &e.gid) < 0 ||
		    parse_num(h + 136, 12, &e.mtime) < 0 ||
		    parse_num(h + 329, 8, &e.devmaj) < 0 || parse_num(h + 337, 8, &e.devmin) < 0) {
			rc = oci_err_set(u->err, OCI_E_PROTOCOL,
					 "failed to extract layer: bad numeric field");
			break;
		}
		if (pd.has_size)
			e.size = pd.size;
		pad = (BLK - e.size % BLK) % BLK;

		if (type == 'L' || type == 'K' || type == 'x' || type == 'g') {
			char *d = NULL;

			rc = read_blob_text(u, e.size, &d);
			if (rc < 0)
				break;
			if (type == 'L') {
				free(pd.name);
				pd.name = d;
			} else if (type == 'K') {
				free(pd.link);
				pd.link = d;
			} else {
				/* Global headers are rare in layers and carry
				 * nothing we use; per-file ones do. */
				if (type == 'x' && pax_parse(d, (size_t)e.size, &pd) < 0)
					rc = oci_err_set(u->err, OCI_E_PROTOCOL,
							 "failed to extract layer: bad PAX header");
				free(d);
				if (rc < 0)
					break;
			}
			pr = skip_pad(u->in, pad);
			if (pr < 0) {
				rc = oci_err_set(u->err, OCI_E_PROTOCOL,
						 "failed to extract layer: %s", u->in->why);
				break;
			}
			if (pr > 0)
				break;
			continue;
		}

		e.type = type;
		if (pd.name) {
			e.name = pd.name;
			pd.name = NULL;
		} else {
			char *n = field_str(h, 100);
			/* POSIX ustar (not GNU "ustar  ") has a name prefix. */
			if (n && !memcmp(h + 257, "ustar\0", 6) && h[345]) {
				char *pre = field_str(h + 345, 155);
				char *full = pre ? oci_path_join(pre, n) : NULL;

				free(pre);
				free(n);
				n = full;
			}
			e.name = n;
		}
		if (pd.link) {
			e.link = pd.link;
			pd.link = NULL;
		} else {
			e.link = field_str(h + 157, 100);
		}
		if (pd.has_uid)
			e.uid = pd.uid;
		if (pd.has_gid)
			e.gid = pd.gid;
		if (pd.has_mtime)
			e.mtime = pd.mtime;
		pending_clear(&pd);
		if (!e.name || !e.link) {
			free(e.name);
			free(e.link);
			rc = oci_err_set(u->err, OCI_E_NOMEM, "out of memory");
			break;
		}
		/* Links, dirs, devices and fifos carry no data even if a
		 * writer recorded a size (as Go's archive/tar reads them). */
		if (strchr("123456", e.type) && e.type != '\0') {
			e.size = 0;
			pad = 0;
		}
		rc = apply_entry(u, &e);
		free(e.name);
		free(e.link);
		if (rc < 0)
			break;
		pr = skip_pad(u->in, pad);
		if (pr < 0) {
			rc = oci_err_set(u->err, OCI_E_PROTOCOL,
					 "failed to extract layer: %s", u->in->why);
			break;
		}
		if (pr > 0)
			break;
	}
	pending_clear(&pd);
	return rc;
}

int oci_layer_unpack(int rootfd, int blob_fd, const char *diff_id,
		     struct oci_err *err)
{
	struct unpack u = { 0 };
	struct tin *t;
	int rc = 0;

	t = calloc(1, sizeof(*t));
	if (!t)
		return oci_err_set(err, OCI_E_NOMEM, "out of memory");
	t->fd = blob_fd;
	if (oci_sha256_init(&t->sha) < 0) {
		rc = oci_err_set(err, OCI_E_NOMEM, "sha256 init failed");
		goto out;
	}
	if (tin_read_raw(t) < 0) {
		rc = oci_err_set(err, OCI_E_IO, "failed to read layer blob");
		goto out;
	}
	if (t->in_len >= 4 && t->in[0] == 0x28 && t->in[1] == 0xb5 &&
	    t->in[2] == 0x2f && t->in[3] == 0xfd) {
		rc = oci_err_set(err, OCI_E_PROTOCOL,
				 "unsupported layer compression: zstd");
		goto out;
	}
	if (t->in_len >= 2 && t->in[0] == 0x1f && t->in[1] == 0x8b) {
		t->gz = 1;
		if (inflateInit2(&t->z, 15 + 16) != Z_OK) {
			rc = oci_err_set(err, OCI_E_NOMEM, "zlib init failed");
			goto out;
		}
		t->zinit = 1;
	}
	u.rootfd = rootfd;
	u.in = t;
	u.err = err;
	rc = unpack_stream(&u);
	if (rc == 0 && diff_id) {
		char got[72];

		if (oci_sha256_final(&t->sha, got) < 0) {
			rc = oci_err_set(err, OCI_E_NOMEM, "sha256 failed");
		} else if (strcmp(got, diff_id) != 0) {
			rc = oci_err_set(err, OCI_E_PROTOCOL,
					 "layer content digest %s does not match diff_id %s",
					 got, diff_id);
		}
	}
out:
	set_free(&u.created);
	if (t->zinit)
		inflateEnd(&t->z);
	oci_sha256_free(&t->sha);
	free(t);
	return rc;
}
