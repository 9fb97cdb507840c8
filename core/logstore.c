/*
 * logstore.c - the local log copy (see logstore.h).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/ctrfiles.h"
#include "core/logstore.h"

/* One lock for every copy: an append is one short write. */
static pthread_mutex_t append_lock = PTHREAD_MUTEX_INITIALIZER;

/* Followers waiting for changes, any container. */
static pthread_mutex_t watch_lock = PTHREAD_MUTEX_INITIALIZER;
static struct sl_logstore_watch *watches;

/* Wakes the followers of id.  A full pipe already holds a wake-up. */
void sl_logstore_notify(const char *id)
{
	static const char one = 1;

	pthread_mutex_lock(&watch_lock);
	for (struct sl_logstore_watch *w = watches; w; w = w->next) {
		ssize_t r;

		if (strcmp(w->id, id))
			continue;
		r = write(w->fd[1], &one, 1);
		(void)r;
	}
	pthread_mutex_unlock(&watch_lock);
}

int sl_logstore_watch_open(struct sl_logstore_watch *w, const char *id)
{
	if (strlen(id) >= sizeof(w->id))
		return -EINVAL;
	if (pipe(w->fd) < 0)
		return -errno;
	for (int i = 0; i < 2; i++)
		if (fcntl(w->fd[i], F_SETFD, FD_CLOEXEC) < 0 ||
		    fcntl(w->fd[i], F_SETFL, O_NONBLOCK) < 0) {
			int e = errno;

			close(w->fd[0]);
			close(w->fd[1]);
			return -e;
		}
	snprintf(w->id, sizeof(w->id), "%s", id);
	pthread_mutex_lock(&watch_lock);
	w->next = watches;
	watches = w;
	pthread_mutex_unlock(&watch_lock);
	return 0;
}

int sl_logstore_watch_fd(const struct sl_logstore_watch *w)
{
	return w->fd[0];
}

void sl_logstore_watch_drain(struct sl_logstore_watch *w)
{
	char buf[64];

	while (read(w->fd[0], buf, sizeof(buf)) > 0)
		;
}

void sl_logstore_watch_close(struct sl_logstore_watch *w)
{
	pthread_mutex_lock(&watch_lock);
	for (struct sl_logstore_watch **p = &watches; *p; p = &(*p)->next)
		if (*p == w) {
			*p = w->next;
			break;
		}
	pthread_mutex_unlock(&watch_lock);
	close(w->fd[0]);
	close(w->fd[1]);
}

static int exists(const char *root, const char *id, const char *sub)
{
	char p[4096];
	struct stat st;

	return !sl_ctrfiles_path(root, id, sub, p, sizeof(p)) && stat(p, &st) == 0;
}

static void mark(const char *root, const char *id, const char *sub)
{
	char p[4096];

	if (!sl_ctrfiles_path(root, id, sub, p, sizeof(p)))
		(void)sl_ctrfiles_write_atomic(p, "", 0);
}

static int unmark(const char *root, const char *id, const char *sub)
{
	char p[4096];
	int rc = sl_ctrfiles_path(root, id, sub, p, sizeof(p));

	if (!rc && unlink(p) < 0 && errno != ENOENT)
		rc = -errno;
	return rc;
}

int sl_logstore_state(const char *root, const char *id)
{
	if (exists(root, id, "log.broken"))
		return SL_LOGSTORE_BROKEN;
	if (exists(root, id, "log.complete"))
		return SL_LOGSTORE_COMPLETE;
	return exists(root, id, "log") ? SL_LOGSTORE_PARTIAL : SL_LOGSTORE_NONE;
}

static int write_all(int fd, const char *b, size_t n)
{
	while (n) {
		ssize_t w = write(fd, b, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return w < 0 ? -errno : -EIO;
		b += w;
		n -= (size_t)w;
	}
	return 0;
}

int sl_logstore_batch_add(struct sl_logstore_batch *b, int fd,
	int64_t ts_ns, const char *line, size_t len, unsigned flags)
{
	char head[64];
	int h;

	if ((fd != 1 && fd != 2) || (len && !line) || (flags & ~SL_LINE_PARTIAL))
		return -EINVAL;
	if (len && line[len - 1] == '\n') {
		len--;
		flags &= ~SL_LINE_PARTIAL;
	}
	h = snprintf(head, sizeof(head), "%d %" PRId64 " %zu%s\n", fd, ts_ns, len,
		flags & SL_LINE_PARTIAL ? " p" : "");
	if (b->len + (size_t)h + len + 1 > b->cap) {
		size_t cap = (b->len + (size_t)h + len + 1) * 2;
		char *nb = realloc(b->buf, cap);

		if (!nb)
			return -ENOMEM;
		b->buf = nb;
		b->cap = cap;
	}
	memcpy(b->buf + b->len, head, (size_t)h);
	if (len)
		memcpy(b->buf + b->len + h, line, len);
	b->buf[b->len + (size_t)h + len] = '\n';
	b->len += (size_t)h + len + 1;
	return 0;
}

void sl_logstore_batch_free(struct sl_logstore_batch *b)
{
	free(b->buf);
	b->buf = NULL;
	b->len = b->cap = 0;
}

int sl_logstore_batch_append(const char *root, const char *id,
	struct sl_logstore_batch *b)
{
	char p[4096];
	int lfd = -1, rc;

	if (!b->len)
		return 0;
	if ((rc = sl_ctrfiles_path(root, id, "log", p, sizeof(p))))
		return rc;
	pthread_mutex_lock(&append_lock);
	rc = sl_logstore_state(root, id);
	if (rc == SL_LOGSTORE_BROKEN) {
		rc = -EPIPE;
		goto out;
	}
	/* The container runs again (docker start, a restart policy): the
	 * copy is incomplete until the backend says this run's output is
	 * all there too. */
	if (rc == SL_LOGSTORE_COMPLETE && (rc = unmark(root, id, "log.complete")))
		goto out;
	if ((rc = sl_ctrfiles_mkdir(root, id, NULL)))
		goto out;
	lfd = open(p, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (lfd < 0) {
		rc = -errno;
		goto out;
	}
	rc = write_all(lfd, b->buf, b->len);
	if (rc)
		/* A torn record would desynchronise every later read: the copy
		 * is given up and the backend's logs hook stays in charge. */
		mark(root, id, "log.broken");
out:
	pthread_mutex_unlock(&append_lock);
	if (lfd >= 0)
		close(lfd);
	b->len = 0;
	sl_logstore_notify(id);
	return rc;
}

int sl_logstore_append(const char *root, const char *id, int fd,
	int64_t ts_ns, const char *line, size_t len, unsigned flags)
{
	struct sl_logstore_batch b = {0};
	int rc = sl_logstore_batch_add(&b, fd, ts_ns, line, len, flags);

	if (!rc)
		rc = sl_logstore_batch_append(root, id, &b);
	sl_logstore_batch_free(&b);
	return rc;
}

int sl_logstore_complete(const char *root, const char *id)
{
	char p[4096];
	int rc, fd;

	if ((rc = sl_ctrfiles_path(root, id, "log", p, sizeof(p))))
		return rc;
	pthread_mutex_lock(&append_lock);
	rc = sl_logstore_state(root, id);
	if (rc == SL_LOGSTORE_BROKEN) {
		rc = -EPIPE;
		goto out;
	}
	rc = sl_ctrfiles_mkdir(root, id, NULL);
	if (rc)
		goto out;
	/* An empty copy is a complete one too: the container printed
	 * nothing. */
	fd = open(p, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0) {
		rc = -errno;
		goto out;
	}
	if (fsync(fd) < 0)
		rc = -errno;
	close(fd);
	if (!rc)
		mark(root, id, "log.complete");
	if (!rc && !exists(root, id, "log.complete"))
		rc = -EIO;
out:
	pthread_mutex_unlock(&append_lock);
	sl_logstore_notify(id);
	return rc;
}

/* Reads the next record.  Returns 1 with the fields set (*line is a
 * malloc'd buffer reused across calls), 0 at the end or at a torn record,
 * or a negative errno. */
static int next_record(FILE *f, int *fd, int64_t *ts, char **line,
	size_t *cap, size_t *len, unsigned *flags)
{
	char head[64], tag = 0;
	long long t;
	size_t n;
	int sfd, k;

	if (!fgets(head, sizeof(head), f) || !strchr(head, '\n'))
		return 0;
	k = sscanf(head, "%d %lld %zu %c", &sfd, &t, &n, &tag);
	if (k < 3 || (k == 4 && tag != 'p'))
		return -EINVAL;
	*flags = tag == 'p' ? SL_LINE_PARTIAL : 0;
	if (n + 1 > *cap) {
		char *nb = realloc(*line, n + 1);

		if (!nb)
			return -ENOMEM;
		*line = nb;
		*cap = n + 1;
	}
	if (fread(*line, 1, n + 1, f) != n + 1)
		return 0;
	(*line)[n] = '\0';
	*fd = sfd;
	*ts = t;
	*len = n;
	return 1;
}

static int passes(const struct sl_logstore_filter *fl, int fd, int64_t ts)
{
	if ((fd == 1 && !fl->want_stdout) || (fd == 2 && !fl->want_stderr))
		return 0;
	if (fl->since_ns && ts < fl->since_ns)
		return 0;
	return !(fl->until_ns && ts > fl->until_ns);
}

int sl_logstore_read(const char *root, const char *id,
	const struct sl_logstore_filter *fl, long long *pos,
	sl_logstore_emit_fn emit, void *arg)
{
	char p[4096], *line = NULL;
	size_t cap = 0, len;
	long long skip = 0, end = *pos;
	int64_t ts;
	unsigned flags;
	FILE *f;
	int fd, rc;

	if ((rc = sl_ctrfiles_path(root, id, "log", p, sizeof(p))))
		return rc;
	f = fopen(p, "re");
	if (!f)
		return errno == ENOENT ? 0 : -errno;
	if (fl->tail >= 0) {
		/* Docker's tail counts the lines that pass the other filters:
		 * count them first, then skip all but the last `tail`. */
		long long n = 0;

		if (fseeko(f, *pos, SEEK_SET) < 0) {
			rc = -errno;
			goto out;
		}
		while ((rc = next_record(f, &fd, &ts, &line, &cap, &len, &flags)) > 0)
			n += passes(fl, fd, ts);
		if (rc < 0)
			goto out;
		skip = n > fl->tail ? n - fl->tail : 0;
	}
	if (fseeko(f, *pos, SEEK_SET) < 0) {
		rc = -errno;
		goto out;
	}
	while ((rc = next_record(f, &fd, &ts, &line, &cap, &len, &flags)) > 0) {
		end = ftello(f);
		if (!passes(fl, fd, ts))
			continue;
		if (skip > 0) {
			skip--;
			continue;
		}
		rc = emit(arg, fd, ts, line, len, flags);
		if (rc)
			break;
	}
	*pos = end;
out:
	free(line);
	fclose(f);
	return rc;
}
