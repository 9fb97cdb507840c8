/* sim_logs.c - in-memory container output for the log stream. */
#include "config.h"

#include "sim_logs.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sim_util.h"

struct line {
	struct timespec ts;
	int stream;
	int partial;
	char *text;
	size_t len;
};

struct entry {
	char *job_id, *exec, *replica, *container;
	struct line *lines;        /* ring of SIM_LOGS_MAX_LINES */
	uint64_t first_seq;        /* seq of the oldest kept line */
	uint64_t next_seq;         /* seq the next line gets */
	int ended;
	int64_t expire_at_ms;      /* 0 = not yet */
	int refs;                  /* open readers */
	struct entry *next;
};

struct sim_logs {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct entry *entries;
	int shutdown;
};

struct sim_logs_reader {
	struct sim_logs *l;
	struct entry *e;
	uint64_t seq;
	int follow;
	enum sim_logs_format fmt;
};

struct sim_logs *sim_logs_new(void)
{
	struct sim_logs *l = calloc(1, sizeof(*l));
	pthread_condattr_t ca;

	if (!l)
		return NULL;
	pthread_mutex_init(&l->mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&l->cv, &ca);
	pthread_condattr_destroy(&ca);
	return l;
}

static void entry_free(struct entry *e)
{
	uint64_t n = e->next_seq - e->first_seq;

	for (uint64_t s = 0; s < n; s++)
		free(e->lines[(e->first_seq + s) % SIM_LOGS_MAX_LINES].text);
	free(e->lines);
	free(e->job_id);
	free(e->exec);
	free(e->replica);
	free(e->container);
	free(e);
}

void sim_logs_free(struct sim_logs *l)
{
	if (!l)
		return;
	while (l->entries) {
		struct entry *n = l->entries->next;
		entry_free(l->entries);
		l->entries = n;
	}
	pthread_cond_destroy(&l->cv);
	pthread_mutex_destroy(&l->mu);
	free(l);
}

static struct entry *find(struct sim_logs *l, const char *job_id, const char *exec,
			  const char *replica, const char *container)
{
	for (struct entry *e = l->entries; e; e = e->next)
		if (strcasecmp(e->job_id, job_id) == 0 && strcmp(e->exec, exec) == 0 &&
		    strcmp(e->replica, replica) == 0 &&
		    (!container || strcmp(e->container, container) == 0))
			return e;
	return NULL;
}

int sim_logs_add(struct sim_logs *l, const char *job_id, const char *exec,
		 const char *replica, const char *container)
{
	struct entry *e;
	int rc = 0;

	pthread_mutex_lock(&l->mu);
	if (find(l, job_id, exec, replica, container))
		goto out;
	e = calloc(1, sizeof(*e));
	if (!e) {
		rc = -ENOMEM;
		goto out;
	}
	e->lines = calloc(SIM_LOGS_MAX_LINES, sizeof(*e->lines));
	e->job_id = strdup(job_id);
	e->exec = strdup(exec);
	e->replica = strdup(replica);
	e->container = strdup(container);
	if (!e->lines || !e->job_id || !e->exec || !e->replica || !e->container) {
		entry_free(e);
		rc = -ENOMEM;
		goto out;
	}
	e->next = l->entries;
	l->entries = e;
out:
	pthread_mutex_unlock(&l->mu);
	return rc;
}

void sim_logs_append(struct sim_logs *l, const char *job_id, const char *exec,
		     const char *replica, const char *container, int stream,
		     const char *line, size_t len, int partial,
		     const struct timespec *ts)
{
	struct entry *e;
	struct line *slot;
	char *copy = malloc(len + 1);

	if (!copy)
		return;
	memcpy(copy, line, len);
	copy[len] = '\0';
	pthread_mutex_lock(&l->mu);
	e = find(l, job_id, exec, replica, container);
	if (!e || e->ended) {
		pthread_mutex_unlock(&l->mu);
		free(copy);
		return;
	}
	if (e->next_seq - e->first_seq == SIM_LOGS_MAX_LINES) {
		free(e->lines[e->first_seq % SIM_LOGS_MAX_LINES].text);
		e->first_seq++;
	}
	slot = &e->lines[e->next_seq % SIM_LOGS_MAX_LINES];
	slot->ts = ts ? *ts : sim_now();
	slot->stream = stream;
	slot->partial = partial;
	slot->text = copy;
	slot->len = len;
	e->next_seq++;
	pthread_cond_broadcast(&l->cv);
	pthread_mutex_unlock(&l->mu);
}

void sim_logs_end(struct sim_logs *l, const char *job_id, const char *exec,
		  const char *replica, const char *container, int64_t retention_ms)
{
	pthread_mutex_lock(&l->mu);
	for (struct entry *e = l->entries; e; e = e->next) {
		if (strcasecmp(e->job_id, job_id) != 0 || strcmp(e->exec, exec) != 0 ||
		    strcmp(e->replica, replica) != 0 ||
		    (container && strcmp(e->container, container) != 0))
			continue;
		if (!e->ended) {
			e->ended = 1;
			e->expire_at_ms = sim_mono_ms() + retention_ms;
		}
	}
	pthread_cond_broadcast(&l->cv);
	pthread_mutex_unlock(&l->mu);
}

void sim_logs_gc(struct sim_logs *l)
{
	int64_t now = sim_mono_ms();

	pthread_mutex_lock(&l->mu);
	for (struct entry **p = &l->entries; *p;) {
		struct entry *e = *p;
		if (e->ended && e->refs == 0 && now >= e->expire_at_ms) {
			*p = e->next;
			entry_free(e);
			continue;
		}
		p = &e->next;
	}
	pthread_mutex_unlock(&l->mu);
}

void sim_logs_shutdown(struct sim_logs *l)
{
	pthread_mutex_lock(&l->mu);
	l->shutdown = 1;
	pthread_cond_broadcast(&l->cv);
	pthread_mutex_unlock(&l->mu);
}

struct sim_logs_reader *sim_logs_open(struct sim_logs *l, const char *job_id,
				      const char *exec, const char *replica,
				      const char *container, int tail, int follow,
				      enum sim_logs_format fmt)
{
	struct sim_logs_reader *r;
	struct entry *e;

	pthread_mutex_lock(&l->mu);
	e = find(l, job_id, exec, replica, container);
	if (!e || (e->ended && sim_mono_ms() >= e->expire_at_ms)) {
		pthread_mutex_unlock(&l->mu);
		return NULL;
	}
	r = calloc(1, sizeof(*r));
	if (!r) {
		pthread_mutex_unlock(&l->mu);
		return NULL;
	}
	r->l = l;
	r->e = e;
	r->follow = follow;
	r->fmt = fmt;
	{
		uint64_t have = e->next_seq - e->first_seq;
		uint64_t t = tail < 0 ? 0 : (uint64_t)tail;
		r->seq = have > t ? e->next_seq - t : e->first_seq;
	}
	e->refs++;
	pthread_mutex_unlock(&l->mu);
	return r;
}

/* JSON string body the way the service's .NET encoder writes it: quotes,
 * apostrophes, '+', '<', '>', '&' and every non-ASCII character as \uXXXX. */
static size_t json_escape(const char *s, size_t len, char *out, size_t outsz)
{
	size_t o = 0;
	const unsigned char *p = (const unsigned char *)s, *end = p + len;

#define PUT(...)                                                              \
	do {                                                                  \
		int w_ = snprintf(out + o, outsz - o, __VA_ARGS__);           \
		if (w_ < 0 || (size_t)w_ >= outsz - o)                        \
			return o;                                             \
		o += (size_t)w_;                                              \
	} while (0)
	while (p < end) {
		unsigned int cp = *p;
		int n = 1;

		if (cp >= 0x80) {
			if ((cp & 0xe0) == 0xc0 && p + 1 < end && (p[1] & 0xc0) == 0x80) {
				cp = ((cp & 0x1f) << 6) | (p[1] & 0x3f);
				n = 2;
			} else if ((cp & 0xf0) == 0xe0 && p + 2 < end && (p[1] & 0xc0) == 0x80 &&
				   (p[2] & 0xc0) == 0x80) {
				cp = ((cp & 0x0f) << 12) | ((p[1] & 0x3f) << 6) | (p[2] & 0x3f);
				n = 3;
			} else if ((cp & 0xf8) == 0xf0 && p + 3 < end && (p[1] & 0xc0) == 0x80 &&
				   (p[2] & 0xc0) == 0x80 && (p[3] & 0xc0) == 0x80) {
				cp = ((cp & 0x07) << 18) | ((p[1] & 0x3f) << 12) |
				     ((p[2] & 0x3f) << 6) | (p[3] & 0x3f);
				n = 4;
			} else {
				cp = 0xfffd;
			}
			if (cp >= 0x10000) {
				cp -= 0x10000;
				PUT("\\u%04X\\u%04X", 0xd800 + (cp >> 10), 0xdc00 + (cp & 0x3ff));
			} else {
				PUT("\\u%04X", cp);
			}
		} else if (cp == '\\') {
			PUT("\\\\");
		} else if (cp == '\n') {
			PUT("\\n");
		} else if (cp == '\r') {
			PUT("\\r");
		} else if (cp == '\t') {
			PUT("\\t");
		} else if (cp < 0x20 || cp == '"' || cp == '\'' || cp == '+' || cp == '<' ||
			   cp == '>' || cp == '&' || cp == '`' || cp == 0x7f) {
			PUT("\\u%04X", cp);
		} else {
			if (o + 1 >= outsz)
				return o;
			out[o++] = (char)cp;
			out[o] = '\0';
		}
		p += n;
	}
#undef PUT
	return o;
}

size_t sim_logs_format_record(enum sim_logs_format fmt, const struct timespec *ts,
			      int synthetic, int stream, int partial,
			      const char *text, size_t len, char *out, size_t outsz)
{
	char stamp[80];
	size_t o;
	int w;

	if (outsz < 64)
		return 0;
	if (synthetic) {
		sim_time_plain(ts, stamp, sizeof(stamp));
	} else if (fmt == SIM_LOGS_JSON) {
		struct tm tm;
		char base[32];
		gmtime_r(&ts->tv_sec, &tm);
		strftime(base, sizeof(base), "%Y-%m-%dT%H:%M:%S", &tm);
		snprintf(stamp, sizeof(stamp), "%.32s.%06d+00:00", base, (int)(ts->tv_nsec / 1000) % 1000000);
	} else {
		sim_time_z(ts, stamp, sizeof(stamp));
	}
	if (fmt == SIM_LOGS_TEXT) {
		if (synthetic)
			w = snprintf(out, outsz, "%s  ", stamp);
		else
			w = snprintf(out, outsz, "%s %s %s ", stamp,
				     stream == 2 ? "stderr" : "stdout", partial ? "P" : "F");
		if (w < 0 || (size_t)w >= outsz)
			return 0;
		o = (size_t)w;
		if (len > outsz - o - 2)
			len = outsz - o - 2;
		memcpy(out + o, text, len);
		o += len;
		out[o++] = '\n';
		out[o] = '\0';
		return o;
	}
	w = snprintf(out, outsz, "{\"TimeStamp\":\"%s\",\"Log\":\"%s", stamp,
		     synthetic ? "" : partial ? "P " : "F ");
	if (w < 0 || (size_t)w >= outsz)
		return 0;
	o = (size_t)w;
	/* Leave room for the closing "}\n. */
	o += json_escape(text, len, out + o, outsz - o - 4);
	memcpy(out + o, "\"}\n", 4);
	return o + 3;
}

ssize_t sim_logs_read(struct sim_logs_reader *r, char *buf, size_t max, int wait_ms)
{
	struct sim_logs *l = r->l;
	struct entry *e = r->e;
	size_t o = 0;

	pthread_mutex_lock(&l->mu);
	for (;;) {
		if (r->seq < e->first_seq)
			r->seq = e->first_seq;
		while (r->seq < e->next_seq) {
			struct line *ln = &e->lines[r->seq % SIM_LOGS_MAX_LINES];
			char rec[6 * 16384 + 256];
			size_t n = sim_logs_format_record(r->fmt, &ln->ts, 0, ln->stream,
							  ln->partial, ln->text, ln->len, rec,
							  sizeof(rec));
			if (n > max - o) {
				if (o)
					goto out;
				n = max; /* a single oversized record: cut it */
			}
			memcpy(buf + o, rec, n);
			o += n;
			r->seq++;
		}
		if (o)
			goto out;
		if (!r->follow || e->ended || l->shutdown) {
			pthread_mutex_unlock(&l->mu);
			return -1;
		}
		if (wait_ms <= 0)
			break;
		{
			struct timespec dl;
			clock_gettime(CLOCK_MONOTONIC, &dl);
			dl.tv_sec += wait_ms / 1000;
			dl.tv_nsec += (long)(wait_ms % 1000) * 1000000L;
			if (dl.tv_nsec >= 1000000000L) {
				dl.tv_sec++;
				dl.tv_nsec -= 1000000000L;
			}
			if (pthread_cond_timedwait(&l->cv, &l->mu, &dl) == ETIMEDOUT &&
			    r->seq >= e->next_seq && !e->ended && !l->shutdown)
				break;
		}
	}
out:
	pthread_mutex_unlock(&l->mu);
	return (ssize_t)o;
}

void sim_logs_close(struct sim_logs_reader *r)
{
	if (!r)
		return;
	pthread_mutex_lock(&r->l->mu);
	r->e->refs--;
	pthread_mutex_unlock(&r->l->mu);
	free(r);
}
