/* core/store.c - durable JSON documents under the data root (see store.h). */
#include "config.h"

#include "store.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include <json-c/json.h>

/* Temp files start with a dot, which no valid id does, so they never collide with documents. */
#define TMP_PREFIX ".tmp-"
#define DOC_SUFFIX ".json"
/* Far above any real document; bounds what a damaged file can make us allocate. */
#define MAX_DOC_BYTES (64L * 1024 * 1024)
/* Container documents embed the client's create body; leave room for deep nesting. */
#define DOC_MAX_DEPTH 64
/* In the data root; holds the pid of the process that has the root open. */
#define LOCK_FILE "sockerlessd.lock"

struct sl_store {
	char *root;
	int root_fd;
	int lock_fd;
	/* Readers: put/delete/get (they may run together). Writer: load's scan, which removes
	 * temp files and must not remove one a put is still writing. */
	pthread_rwlock_t lock;
	atomic_ulong tmp_seq;
	sl_store_log_fn log_fn;
	void *log_arg;
};

/* "<what> <path>[: <strerror(e)>]" into err. */
static void set_err(char *err, size_t errlen, const char *what, const char *path, int e)
{
	if (err != NULL && errlen > 0)
		snprintf(err, errlen, "%s%s%s%s%s", what, path[0] ? " " : "", path, e ? ": " : "",
		         e ? strerror(e) : "");
}

/* "store: <what> <root>/<kind>/<name>: <why>" to the logger, if any. */
static void store_log(struct sl_store *st, const char *what, const char *kind, const char *name,
                      const char *why)
{
	char msg[1024];

	if (st->log_fn == NULL)
		return;
	snprintf(msg, sizeof(msg), "store: %s %s/%s/%s: %s", what, st->root, kind, name, why);
	st->log_fn(st->log_arg, msg);
}

bool sl_store_valid_id(const char *s)
{
	size_t n;

	if (s == NULL || s[0] == '\0' || s[0] == '.')
		return false;
	for (n = 0; s[n] != '\0'; n++) {
		char c = s[n];

		if (n >= SL_STORE_MAX_ID)
			return false;
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '_' || c == '.' || c == '-'))
			return false;
	}
	return true;
}

/* mkdir -p: missing parents 0755, the root itself 0700. Returns 0 or -errno. */
static int mkdir_p(const char *path)
{
	char *copy = strdup(path);
	char *p;
	int rc = 0;

	if (copy == NULL)
		return -ENOMEM;
	for (p = copy + 1; *p != '\0'; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(copy, 0755) < 0 && errno != EEXIST) {
			rc = -errno;
			goto out;
		}
		*p = '/';
	}
	if (mkdir(path, 0700) < 0 && errno != EEXIST)
		rc = -errno;
out:
	free(copy);
	return rc;
}

/* One process per data root: a second daemon would recover (stop) the first one's containers
 * and the two would overwrite each other's records. flock goes with the process however it
 * ends, so a crash leaves no stale lock; O_CLOEXEC keeps it out of the backend's children,
 * which may outlive us. The pid in the file is only for the refusal message. Returns 0 or a
 * negative errno (-EBUSY when another process holds the root) with a message in err. */
static int lock_root(struct sl_store *st, char *err, size_t errlen)
{
	char buf[32];
	ssize_t n;
	long pid;
	int e;

	st->lock_fd = openat(st->root_fd, LOCK_FILE, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW,
	                     0600);
	if (st->lock_fd < 0) {
		e = errno;
		set_err(err, errlen, "cannot open the lock file in", st->root, e);
		return -e;
	}
	if (flock(st->lock_fd, LOCK_EX | LOCK_NB) == 0) {
		/* Without the pid a refusal is only less precise: no error. */
		n = snprintf(buf, sizeof(buf), "%ld\n", (long)getpid());
		if (ftruncate(st->lock_fd, 0) == 0)
			n = pwrite(st->lock_fd, buf, (size_t)n, 0);
		return 0;
	}
	e = errno;
	if (e != EWOULDBLOCK) {
		set_err(err, errlen, "cannot lock", st->root, e);
		return -e;
	}
	n = pread(st->lock_fd, buf, sizeof(buf) - 1, 0);
	buf[n > 0 ? n : 0] = '\0';
	pid = strtol(buf, NULL, 10);
	if (err != NULL && errlen > 0) {
		if (pid > 0)
			snprintf(err, errlen, "data root %s is in use by another sockerlessd (pid %ld)",
			         st->root, pid);
		else
			snprintf(err, errlen, "data root %s is in use by another sockerlessd", st->root);
	}
	return -EBUSY;
}

int sl_store_open(const char *data_root, struct sl_store **out, char *err, size_t errlen)
{
	struct sl_store *st = NULL;
	int rc;

	*out = NULL;
	if (data_root == NULL || data_root[0] == '\0') {
		set_err(err, errlen, "data root is empty", "", 0);
		return -EINVAL;
	}
	st = calloc(1, sizeof(*st));
	if (st == NULL) {
		rc = -ENOMEM;
		set_err(err, errlen, "out of memory opening", data_root, 0);
		goto fail;
	}
	st->root_fd = -1;
	st->lock_fd = -1;
	st->root = strdup(data_root);
	if (st->root == NULL) {
		rc = -ENOMEM;
		set_err(err, errlen, "out of memory opening", data_root, 0);
		goto fail;
	}
	rc = mkdir_p(data_root);
	if (rc < 0) {
		set_err(err, errlen, "cannot create data root", data_root, -rc);
		goto fail;
	}
	st->root_fd = open(data_root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (st->root_fd < 0) {
		rc = -errno;
		set_err(err, errlen, "cannot open data root", data_root, -rc);
		goto fail;
	}
	rc = lock_root(st, err, errlen);
	if (rc < 0)
		goto fail;
	rc = -pthread_rwlock_init(&st->lock, NULL);
	if (rc < 0) {
		set_err(err, errlen, "cannot initialise the lock for", data_root, -rc);
		goto fail;
	}
	atomic_init(&st->tmp_seq, 0);
	*out = st;
	return 0;
fail:
	if (st != NULL) {
		if (st->lock_fd >= 0)
			close(st->lock_fd);
		if (st->root_fd >= 0)
			close(st->root_fd);
		free(st->root);
		free(st);
	}
	return rc;
}

void sl_store_set_logger(struct sl_store *st, sl_store_log_fn fn, void *arg)
{
	st->log_fn = fn;
	st->log_arg = arg;
}

void sl_store_close(struct sl_store *st)
{
	if (st == NULL)
		return;
	pthread_rwlock_destroy(&st->lock);
	close(st->lock_fd);    /* releases the data root */
	close(st->root_fd);
	free(st->root);
	free(st);
}

const char *sl_store_root(const struct sl_store *st)
{
	return st->root;
}

/* Opens <root>/<kind>, creating it (and syncing the root so the new entry survives a crash)
 * when `create`. Returns the fd (caller closes) or -errno. */
static int open_kind_dir(struct sl_store *st, const char *kind, bool create)
{
	int fd = openat(st->root_fd, kind, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);

	if (fd >= 0 || errno != ENOENT || !create)
		return fd >= 0 ? fd : -errno;
	if (mkdirat(st->root_fd, kind, 0700) < 0 && errno != EEXIST)
		return -errno;
	if (fsync(st->root_fd) < 0)
		return -errno;
	fd = openat(st->root_fd, kind, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	return fd >= 0 ? fd : -errno;
}

static int write_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, buf, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

int sl_store_put(struct sl_store *st, const char *kind, const char *id, const char *json,
                 size_t len)
{
	char tmp[NAME_MAX + 1], final[NAME_MAX + 1];
	int dfd = -1, fd = -1, rc;
	bool tmp_made = false;

	if (!sl_store_valid_id(kind) || !sl_store_valid_id(id) || json == NULL || len == 0)
		return -EINVAL;
	snprintf(final, sizeof(final), "%s" DOC_SUFFIX, id);
	snprintf(tmp, sizeof(tmp), TMP_PREFIX "%s.%ld.%lu", id, (long)getpid(),
	         atomic_fetch_add(&st->tmp_seq, 1));

	pthread_rwlock_rdlock(&st->lock);
	dfd = open_kind_dir(st, kind, true);
	if (dfd < 0) {
		rc = dfd;
		goto out;
	}
	fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0) {
		rc = -errno;
		goto out;
	}
	tmp_made = true;
	rc = write_all(fd, json, len);
	if (rc < 0)
		goto out;
	if (fsync(fd) < 0) {
		rc = -errno;
		goto out;
	}
	rc = close(fd) < 0 ? -errno : 0;
	fd = -1;
	if (rc < 0)
		goto out;
	if (renameat(dfd, tmp, dfd, final) < 0) {
		rc = -errno;
		goto out;
	}
	tmp_made = false;
	/* The rename is durable only once the directory itself is synced. */
	if (fsync(dfd) < 0)
		rc = -errno;
out:
	if (fd >= 0)
		close(fd);
	if (tmp_made)
		unlinkat(dfd, tmp, 0);
	if (dfd >= 0)
		close(dfd);
	pthread_rwlock_unlock(&st->lock);
	return rc;
}

int sl_store_delete(struct sl_store *st, const char *kind, const char *id)
{
	char final[NAME_MAX + 1];
	int dfd, rc = 0;

	if (!sl_store_valid_id(kind) || !sl_store_valid_id(id))
		return -EINVAL;
	snprintf(final, sizeof(final), "%s" DOC_SUFFIX, id);
	pthread_rwlock_rdlock(&st->lock);
	dfd = open_kind_dir(st, kind, false);
	if (dfd < 0) {
		rc = dfd == -ENOENT ? 0 : dfd;
		goto out;
	}
	if (unlinkat(dfd, final, 0) < 0)
		rc = errno == ENOENT ? 0 : -errno;
	else if (fsync(dfd) < 0)
		rc = -errno;
	close(dfd);
out:
	pthread_rwlock_unlock(&st->lock);
	return rc;
}

/* Reads a regular file below dfd whole. *buf (NUL-terminated) owned by the caller: free.
 * Returns 0, -errno, -EFBIG (too large) or -EISDIR/-EINVAL (not a regular file). */
static int read_doc(int dfd, const char *name, char **buf, size_t *len)
{
	struct stat sb;
	char *data = NULL;
	size_t have = 0, cap;
	int fd, rc = 0;

	*buf = NULL;
	*len = 0;
	fd = openat(dfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &sb) < 0) {
		rc = -errno;
		goto out;
	}
	if (!S_ISREG(sb.st_mode)) {
		rc = S_ISDIR(sb.st_mode) ? -EISDIR : -EINVAL;
		goto out;
	}
	if (sb.st_size > MAX_DOC_BYTES) {
		rc = -EFBIG;
		goto out;
	}
	cap = (size_t)sb.st_size + 1;
	data = malloc(cap);
	if (data == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	/* Read until EOF rather than trusting st_size: the file may change under us. */
	for (;;) {
		ssize_t n;

		if (have + 1 == cap) {
			char *nd;

			if (cap > (size_t)MAX_DOC_BYTES) {
				rc = -EFBIG;
				goto out;
			}
			nd = realloc(data, cap * 2);
			if (nd == NULL) {
				rc = -ENOMEM;
				goto out;
			}
			data = nd;
			cap *= 2;
		}
		n = read(fd, data + have, cap - 1 - have);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			rc = -errno;
			goto out;
		}
		if (n == 0)
			break;
		have += (size_t)n;
	}
	data[have] = '\0';
	*buf = data;
	*len = have;
	data = NULL;
out:
	free(data);
	close(fd);
	return rc;
}

int sl_store_get(struct sl_store *st, const char *kind, const char *id, char **json,
                 size_t *len)
{
	char final[NAME_MAX + 1];
	int dfd, rc;

	*json = NULL;
	*len = 0;
	if (!sl_store_valid_id(kind) || !sl_store_valid_id(id))
		return -EINVAL;
	snprintf(final, sizeof(final), "%s" DOC_SUFFIX, id);
	pthread_rwlock_rdlock(&st->lock);
	dfd = open_kind_dir(st, kind, false);
	if (dfd < 0) {
		rc = dfd;
		goto out;
	}
	rc = read_doc(dfd, final, json, len);
	close(dfd);
out:
	pthread_rwlock_unlock(&st->lock);
	return rc;
}

/* Parses a whole document: one JSON object, nothing but whitespace after it. *doc owned by the
 * caller (json_object_put). Returns NULL on success or a static reason. */
static const char *parse_doc(const char *buf, size_t len, struct json_object **doc)
{
	struct json_tokener *tok;
	struct json_object *obj;
	const char *why = NULL;
	size_t end;

	*doc = NULL;
	if (len == 0)
		return "empty file";
	if (memchr(buf, '\0', len) != NULL)
		return "contains NUL bytes";
	if (len > INT_MAX - 1)
		return "too large";
	tok = json_tokener_new_ex(DOC_MAX_DEPTH);
	if (tok == NULL)
		return "out of memory";
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_ALLOW_TRAILING_CHARS);
	obj = json_tokener_parse_ex(tok, buf, (int)len + 1);
	if (json_tokener_get_error(tok) != json_tokener_success) {
		why = "not valid JSON";
		goto out;
	}
	for (end = json_tokener_get_parse_end(tok); end < len; end++)
		if (strchr(" \t\r\n", buf[end]) == NULL) {
			why = "trailing data after the JSON value";
			goto out;
		}
	if (!json_object_is_type(obj, json_type_object)) {
		why = "not a JSON object";
		goto out;
	}
	*doc = obj;
	obj = NULL;
out:
	json_object_put(obj);
	json_tokener_free(tok);
	return why;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Lists the document names of a kind directory, removing leftover temp files on the way.
 * *names (each entry and the array) owned by the caller. Runs under the write lock. */
static int scan_kind(struct sl_store *st, const char *kind, int dfd, char ***names,
                     size_t *n_names)
{
	size_t n = 0, cap = 0;
	char **list = NULL;
	struct dirent *de;
	DIR *dir;
	int dup_fd, rc = 0;

	*names = NULL;
	*n_names = 0;
	dup_fd = dup(dfd);
	if (dup_fd < 0)
		return -errno;
	dir = fdopendir(dup_fd);
	if (dir == NULL) {
		rc = -errno;
		close(dup_fd);
		return rc;
	}
	while ((errno = 0, de = readdir(dir)) != NULL) {
		const char *name = de->d_name;
		size_t nlen = strlen(name);

		if (strncmp(name, TMP_PREFIX, strlen(TMP_PREFIX)) == 0) {
			/* A put that died between create and rename: the old document (if any) is
			 * still intact, so the temp file is garbage. */
			if (unlinkat(dfd, name, 0) < 0 && errno != ENOENT)
				store_log(st, "cannot remove leftover temp file",
				          kind, name, strerror(errno));
			continue;
		}
		if (name[0] == '.')
			continue; /* ".", "..", editor and other hidden files */
		if (nlen <= strlen(DOC_SUFFIX) ||
		    strcmp(name + nlen - strlen(DOC_SUFFIX), DOC_SUFFIX) != 0)
			continue;
		if (n == cap) {
			size_t ncap = cap ? cap * 2 : 32;
			char **nl = realloc(list, ncap * sizeof(*nl));

			if (nl == NULL) {
				rc = -ENOMEM;
				goto out;
			}
			list = nl;
			cap = ncap;
		}
		list[n] = strdup(name);
		if (list[n] == NULL) {
			rc = -ENOMEM;
			goto out;
		}
		n++;
	}
	if (errno != 0)
		rc = -errno;
out:
	closedir(dir);
	if (rc < 0) {
		while (n > 0)
			free(list[--n]);
		free(list);
		return rc;
	}
	if (n > 1)
		qsort(list, n, sizeof(*list), cmp_names);
	*names = list;
	*n_names = n;
	return 0;
}

int sl_store_load(struct sl_store *st, const char *kind, sl_store_load_fn fn, void *arg,
                  int *n_corrupt)
{
	char **names = NULL;
	size_t n_names = 0, i;
	int dfd, rc, corrupt = 0;

	if (n_corrupt != NULL)
		*n_corrupt = 0;
	if (!sl_store_valid_id(kind) || fn == NULL)
		return -EINVAL;

	pthread_rwlock_wrlock(&st->lock);
	dfd = open_kind_dir(st, kind, false);
	if (dfd < 0) {
		pthread_rwlock_unlock(&st->lock);
		return dfd == -ENOENT ? 0 : dfd;
	}
	rc = scan_kind(st, kind, dfd, &names, &n_names);
	pthread_rwlock_unlock(&st->lock);
	if (rc < 0)
		goto out;

	/* Reading and callbacks run unlocked: fn may well call sl_store_put. */
	for (i = 0; i < n_names && rc == 0; i++) {
		char id[NAME_MAX + 1];
		struct json_object *doc = NULL;
		const char *why;
		char *buf = NULL;
		size_t len;
		int rrc;

		snprintf(id, sizeof(id), "%.*s", (int)(strlen(names[i]) - strlen(DOC_SUFFIX)),
		         names[i]);
		if (!sl_store_valid_id(id)) {
			store_log(st, "ignoring", kind, names[i],
			          "not a valid document name");
			continue;
		}
		rrc = read_doc(dfd, names[i], &buf, &len);
		if (rrc == -ENOENT)
			continue; /* deleted since the scan */
		if (rrc < 0) {
			why = rrc == -EFBIG ? "too large" : strerror(-rrc);
		} else {
			why = parse_doc(buf, len, &doc);
		}
		free(buf);
		if (why != NULL) {
			store_log(st, "skipping corrupt document", kind, names[i],
			          why);
			corrupt++;
			continue;
		}
		rc = fn(id, doc, arg);
		json_object_put(doc);
	}
out:
	for (i = 0; i < n_names; i++)
		free(names[i]);
	free(names);
	close(dfd);
	if (n_corrupt != NULL)
		*n_corrupt = corrupt;
	return rc;
}
