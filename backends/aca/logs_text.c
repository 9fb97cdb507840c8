/*
 * logs_text.c - the texts the logs module reads: Azure's time stamps, the
 * replica log stream's records (text "<ts> stdout F line" or NDJSON
 * {"TimeStamp","Log"}), CRI partial lines, and the system log's
 * "exit code 'N'".
 */
#include "config.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "logs_priv.h"

/* A record or a joined partial line longer than this is cut: it bounds
 * what one hostile or broken stream can make us hold. */
#define MAX_RECORD (1024 * 1024)

/* ---- time ------------------------------------------------------------ */

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
	int64_t era;
	unsigned yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

static int digits(const char *s, size_t n, size_t at, size_t k, unsigned *v)
{
	*v = 0;
	if (at + k > n)
		return -1;
	for (size_t i = at; i < at + k; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		*v = *v * 10 + (unsigned)(s[i] - '0');
	}
	return 0;
}

int aca_time_parse(const char *s, size_t n, int64_t *ns, int *has_zone)
{
	unsigned y, mo, d, h, mi, se, zh = 0, zm = 0;
	int64_t frac = 0, scale = 100000000, off = 0;
	size_t i = 19;
	int zone = 0;

	if (digits(s, n, 0, 4, &y) || n < 19 || s[4] != '-' ||
	    digits(s, n, 5, 2, &mo) || s[7] != '-' || digits(s, n, 8, 2, &d) ||
	    (s[10] != 'T' && s[10] != 't' && s[10] != ' ') ||
	    digits(s, n, 11, 2, &h) || s[13] != ':' ||
	    digits(s, n, 14, 2, &mi) || s[16] != ':' ||
	    digits(s, n, 17, 2, &se))
		return SL_EINVAL;
	if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 ||
	    se > 60)
		return SL_EINVAL;
	if (i < n && (s[i] == '.' || s[i] == ',')) {
		i++;
		if (i >= n || s[i] < '0' || s[i] > '9')
			return SL_EINVAL;
		for (; i < n && s[i] >= '0' && s[i] <= '9'; i++) {
			frac += (s[i] - '0') * scale;
			scale /= 10;
		}
	}
	if (i < n && s[i] == ' ' && i + 1 < n &&
	    (s[i + 1] == '+' || s[i + 1] == '-'))
		i++;                     /* "21:41:33 +0000 UTC" */
	if (i < n && (s[i] == 'Z' || s[i] == 'z')) {
		zone = 1;
		i++;
	} else if (i < n && (s[i] == '+' || s[i] == '-')) {
		int sign = s[i] == '-' ? -1 : 1;

		if (digits(s, n, i + 1, 2, &zh))
			return SL_EINVAL;
		i += 3;
		if (i < n && s[i] == ':')
			i++;
		if (digits(s, n, i, 2, &zm) || zh > 23 || zm > 59)
			return SL_EINVAL;
		i += 2;
		off = sign * ((int64_t)zh * 3600 + zm * 60);
		zone = 1;
	}
	if (i < n && strncmp(s + i, " UTC", n - i < 4 ? n - i : 4) == 0 &&
	    n - i == 4)
		i = n;
	if (i != n)
		return SL_EINVAL;
	*ns = ((days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + se -
	       off) * 1000000000LL) + frac;
	if (has_zone)
		*has_zone = zone;
	return SL_OK;
}

void aca_time_format(int64_t ns, char *buf, size_t len)
{
	time_t sec;
	struct tm tm;
	char base[32];

	if (ns < 0)
		ns = 0;
	sec = (time_t)(ns / 1000000000LL);
	gmtime_r(&sec, &tm);
	strftime(base, sizeof(base), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf, len, "%s.%07ldZ", base,
		(long)(ns % 1000000000LL / 100));
}

int64_t aca_time_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* ---- one record ------------------------------------------------------- */

/* "F msg" / "P msg" (also "F" alone: an empty line) after the stream. */
static int cri_tag(const char *s, size_t n, int *partial, size_t *skip)
{
	if (n >= 1 && (s[0] == 'F' || s[0] == 'P') && (n == 1 || s[1] == ' ')) {
		*partial = s[0] == 'P';
		*skip = n == 1 ? 1 : 2;
		return 1;
	}
	return 0;
}

static enum aca_rec_kind parse_text(const char *line, size_t n,
	struct aca_rec *out)
{
	const char *sp = memchr(line, ' ', n);
	size_t at, skip;
	int zone;

	if (!sp || aca_time_parse(line, (size_t)(sp - line), &out->ts, &zone))
		return ACA_REC_BAD;
	at = (size_t)(sp - line) + 1;
	/* Synthetic records have an empty stream: two spaces. */
	if (at < n && line[at] == ' ') {
		out->text = line + at + 1;
		out->len = n - at - 1;
		return ACA_REC_SYNTHETIC;
	}
	if (n - at >= 6 && (memcmp(line + at, "stdout", 6) == 0 ||
			    memcmp(line + at, "stderr", 6) == 0) &&
	    (n - at == 6 || line[at + 6] == ' ')) {
		out->fd = line[at + 3] == 'e' ? 2 : 1;
		at += n - at == 6 ? 6 : 7;
		if (cri_tag(line + at, n - at, &out->partial, &skip))
			at += skip;
		out->text = line + at;
		out->len = n - at;
		return ACA_REC_LINE;
	}
	return ACA_REC_BAD;
}

static int synthetic_text(const char *s, size_t n)
{
	static const char *const known[] = {
		"Connecting to the container",
		"Successfully Connected to container",
		"No logs since last",
	};

	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++) {
		size_t k = strlen(known[i]);

		if (n >= k && memcmp(s, known[i], k) == 0)
			return 1;
	}
	return 0;
}

static enum aca_rec_kind parse_json(const char *line, size_t n,
	struct aca_rec *out, char **owned)
{
	struct json_tokener *tok = json_tokener_new();
	struct json_object *o = NULL, *jts, *jlog;
	enum aca_rec_kind kind = ACA_REC_BAD;
	const char *ts, *log;
	size_t loglen, skip;
	int zone;

	if (!tok || n > INT_MAX)
		goto out;
	o = json_tokener_parse_ex(tok, line, (int)n);
	if (!o || !json_object_is_type(o, json_type_object) ||
	    !json_object_object_get_ex(o, "TimeStamp", &jts) ||
	    !json_object_object_get_ex(o, "Log", &jlog) ||
	    !json_object_is_type(jts, json_type_string) ||
	    !json_object_is_type(jlog, json_type_string))
		goto out;
	ts = json_object_get_string(jts);
	log = json_object_get_string(jlog);
	loglen = (size_t)json_object_get_string_len(jlog);
	if (aca_time_parse(ts, strlen(ts), &out->ts, &zone))
		goto out;
	out->fd = 1;                 /* this form does not say */
	if (cri_tag(log, loglen, &out->partial, &skip)) {
		log += skip;
		loglen -= skip;
		kind = ACA_REC_LINE;
	} else {
		/* Synthetic stamps carry no offset, container lines do. */
		kind = !zone || synthetic_text(log, loglen) ? ACA_REC_SYNTHETIC
							    : ACA_REC_LINE;
	}
	*owned = malloc(loglen + 1);
	if (!*owned) {
		kind = ACA_REC_BAD;
		goto out;
	}
	memcpy(*owned, log, loglen);
	(*owned)[loglen] = '\0';
	out->text = *owned;
	out->len = loglen;
out:
	json_object_put(o);
	if (tok)
		json_tokener_free(tok);
	return kind;
}

enum aca_rec_kind aca_stream_parse_record(const char *line, size_t n,
	struct aca_rec *out, char **owned)
{
	memset(out, 0, sizeof(*out));
	out->fd = 1;
	*owned = NULL;
	if (n > 0 && line[0] == '{') {
		if (n > 0 && line[n - 1] == '\r')
			n--;
		out->kind = parse_json(line, n, out, owned);
	} else {
		out->kind = parse_text(line, n, out);
	}
	return out->kind;
}

/* ---- the stream --------------------------------------------------------- */

static int grow(char **buf, size_t *cap, size_t need)
{
	char *b;
	size_t c = *cap ? *cap : 4096;

	if (need <= *cap)
		return SL_OK;
	while (c < need)
		c *= 2;
	b = realloc(*buf, c);
	if (!b)
		return SL_ENOMEM;
	*buf = b;
	*cap = c;
	return SL_OK;
}

static int deliver(struct aca_stream_parser *p, int64_t ts, int fd,
	const char *text, size_t len, aca_line_fn fn, void *arg)
{
	if (p->lines++ == 0)
		p->first_ts = ts;
	return fn(arg, ts, fd, text, len);
}

static int flush_part(struct aca_stream_parser *p, aca_line_fn fn, void *arg)
{
	int rc;

	if (!p->pts)
		return 0;          /* no partial line open */
	rc = deliver(p, p->pts, p->pfd, p->part ? p->part : "", p->plen, fn,
		arg);
	p->plen = 0;
	p->pts = 0;
	return rc;
}

static int on_record(struct aca_stream_parser *p, const char *line, size_t n,
	aca_line_fn fn, void *arg)
{
	struct aca_rec r;
	char *owned = NULL;
	int rc = 0;

	switch (aca_stream_parse_record(line, n, &r, &owned)) {
	case ACA_REC_SYNTHETIC:
		if (!p->connected_ts)
			p->connected_ts = r.ts;
		break;
	case ACA_REC_BAD:
		break;
	case ACA_REC_LINE:
		/* Records (not joined lines) are what tailLines counts. */
		if (!p->connected_ts || r.ts < p->connected_ts)
			p->backlog++;
		if (p->pts && p->pfd != r.fd) {
			rc = flush_part(p, fn, arg);
			if (rc)
				break;
		}
		if (!r.partial && !p->pts) {
			rc = deliver(p, r.ts, r.fd, r.text, r.len, fn, arg);
			break;
		}
		/* A piece of a long line: join it to the pieces before. */
		if (!p->pts) {
			p->pts = r.ts ? r.ts : 1;
			p->pfd = r.fd;
		}
		if (p->plen + r.len > MAX_RECORD)
			r.len = MAX_RECORD - p->plen;
		if (grow(&p->part, &p->pcap, p->plen + r.len + 1)) {
			rc = SL_ENOMEM;
			break;
		}
		memcpy(p->part + p->plen, r.text, r.len);
		p->plen += r.len;
		if (!r.partial || p->plen >= MAX_RECORD)
			rc = flush_part(p, fn, arg);
		break;
	}
	free(owned);
	return rc;
}

int aca_stream_feed(struct aca_stream_parser *p, const char *buf, size_t n,
	aca_line_fn fn, void *arg)
{
	size_t start = 0;
	int rc = 0;

	if (grow(&p->buf, &p->cap, p->len + n + 1))
		return SL_ENOMEM;
	memcpy(p->buf + p->len, buf, n);
	p->len += n;
	for (size_t i = p->scanned; i < p->len; i++) {
		if (p->buf[i] != '\n')
			continue;
		if (i > start)
			rc = on_record(p, p->buf + start, i - start, fn, arg);
		start = i + 1;
		if (rc)
			break;
	}
	if (!rc && p->len - start > MAX_RECORD) {
		/* No newline within the limit: take what we have as a record. */
		rc = on_record(p, p->buf + start, p->len - start, fn, arg);
		start = p->len;
	}
	memmove(p->buf, p->buf + start, p->len - start);
	p->len -= start;
	/* After a stop the rest may hold whole records: scan it again. */
	p->scanned = rc ? 0 : p->len;
	return rc;
}

int aca_stream_finish(struct aca_stream_parser *p, aca_line_fn fn, void *arg)
{
	/* Every record ends with a newline: one without was cut by the
	 * connection's end and comes again, whole, on the next one. */
	p->len = p->scanned = 0;
	return flush_part(p, fn, arg);
}

void aca_stream_parser_reset(struct aca_stream_parser *p)
{
	free(p->buf);
	free(p->part);
	memset(p, 0, sizeof(*p));
}

/* ---- exit codes --------------------------------------------------------- */

int aca_exit_code_parse(const char *text, int *code)
{
	static const char key[] = "exit code '";
	const char *p = text ? strstr(text, key) : NULL;
	long v = 0;
	size_t i;

	if (!p)
		return SL_ENOTFOUND;
	p += sizeof(key) - 1;
	for (i = 0; p[i] >= '0' && p[i] <= '9'; i++) {
		if (i >= 9)
			return SL_ENOTFOUND;
		v = v * 10 + (p[i] - '0');
	}
	if (i == 0 || p[i] != '\'')
		return SL_ENOTFOUND;
	*code = (int)v;
	return SL_OK;
}
