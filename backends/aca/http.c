/*
 * http.c - the transport: one HTTP exchange over a pool of curl handles.
 *
 * Each pooled entry is an easy handle with its own multi handle, so the
 * entry keeps its connections between calls (curl_easy_reset keeps the
 * connection cache) and a waiting transfer can watch the call's cancel
 * fd: curl_multi_poll wakes on it, so a cancelled call ends at once
 * instead of at the next progress tick.  Entries go back to the pool
 * after use, so concurrent calls each hold their own.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <curl/curl.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "aca.h"

#define POOL_MAX 8
#define BODY_MAX (64u << 20)    /* more is not an ARM answer */
#define STREAM_IDLE_S 180       /* the log stream speaks every 60 s */
#define CANCEL_POLL_MS 100      /* the stop flag has no fd */

struct entry {
	CURL *easy;
	CURLM *multi;
};

struct aca_http {
	pthread_mutex_t mu;
	struct entry idle[POOL_MAX];
	int nidle;
};

/* Per-call state handed to the callbacks. */
struct xfer {
	CURL *easy;
	struct aca_resp *resp;
	const struct aca_http_req *rq;
	char *buf;
	size_t len, cap;
	int streaming;     /* the body goes to rq->on_data */
	int stopped;       /* on_data asked to stop */
	int overflow;
};

int aca_http_new(struct aca_http **out, struct aca_err *err)
{
	struct aca_http *h = calloc(1, sizeof(*h));

	*out = NULL;
	if (!h)
		return aca_err_set(err, SL_ENOMEM, "out of memory");
	pthread_mutex_init(&h->mu, NULL);
	*out = h;
	return SL_OK;
}

static void entry_free(struct entry *en)
{
	if (en->multi)
		curl_multi_cleanup(en->multi);
	if (en->easy)
		curl_easy_cleanup(en->easy);
	en->easy = NULL;
	en->multi = NULL;
}

void aca_http_free(struct aca_http *h)
{
	if (!h)
		return;
	while (h->nidle > 0)
		entry_free(&h->idle[--h->nidle]);
	pthread_mutex_destroy(&h->mu);
	free(h);
}

static int entry_take(struct aca_http *h, struct entry *en)
{
	pthread_mutex_lock(&h->mu);
	if (h->nidle > 0) {
		*en = h->idle[--h->nidle];
		pthread_mutex_unlock(&h->mu);
		curl_easy_reset(en->easy);
		return 0;
	}
	pthread_mutex_unlock(&h->mu);
	en->easy = curl_easy_init();
	en->multi = curl_multi_init();
	if (!en->easy || !en->multi) {
		entry_free(en);
		return -1;
	}
	return 0;
}

static void entry_give(struct aca_http *h, struct entry *en)
{
	pthread_mutex_lock(&h->mu);
	if (h->nidle < POOL_MAX) {
		h->idle[h->nidle++] = *en;
		en->easy = NULL;
		en->multi = NULL;
	}
	pthread_mutex_unlock(&h->mu);
	entry_free(en);
}

void aca_resp_free(struct aca_resp *r)
{
	if (!r)
		return;
	free(r->body);
	free(r->request_id);
	free(r->async_url);
	free(r->location);
	memset(r, 0, sizeof(*r));
	r->retry_after_s = -1;
}

void aca_http_uuid(char out[37])
{
	unsigned char b[16];

	if (RAND_bytes(b, sizeof(b)) != 1) {
		/* Only an identifier, never a secret. */
		for (size_t i = 0; i < sizeof(b); i++)
			b[i] = (unsigned char)(rand() & 0xff);
	}
	b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);
	b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
	snprintf(out, 37,
		"%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
		"%02x%02x%02x%02x%02x%02x",
		b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9],
		b[10], b[11], b[12], b[13], b[14], b[15]);
}

/* Retry-After: delay-seconds or an HTTP-date (RFC 9110 10.2.3). */
int aca_http_retry_after(const char *v)
{
	char *end;
	long s;
	time_t t;

	while (*v == ' ' || *v == '\t')
		v++;
	if (*v >= '0' && *v <= '9') {
		errno = 0;
		s = strtol(v, &end, 10);
		if (errno || s < 0)
			return -1;
		return s > 86400 ? 86400 : (int)s;
	}
	t = curl_getdate(v, NULL);
	if (t == (time_t)-1)
		return -1;
	t -= time(NULL);
	return t < 0 ? 0 : (t > 86400 ? 86400 : (int)t);
}

static char *header_value(const char *line, size_t n, const char *name)
{
	size_t k = strlen(name), e;

	if (n <= k || line[k] != ':' || strncasecmp(line, name, k) != 0)
		return NULL;
	line += k + 1;
	n -= k + 1;
	while (n && (*line == ' ' || *line == '\t')) {
		line++;
		n--;
	}
	for (e = n; e && (line[e - 1] == '\r' || line[e - 1] == '\n' ||
		line[e - 1] == ' '); e--)
		;
	return strndup(line, e);
}

static void set_str(char **dst, char *v)
{
	if (!v)
		return;
	free(*dst);
	*dst = v;
}

static size_t on_header(char *line, size_t sz, size_t nm, void *arg)
{
	struct xfer *x = arg;
	struct aca_resp *r = x->resp;
	size_t n = sz * nm;
	char *v;

	if (n >= 5 && strncmp(line, "HTTP/", 5) == 0) {
		/* A new answer (after 100 Continue): forget the last one's. */
		aca_resp_free(r);
		return n;
	}
	set_str(&r->request_id, header_value(line, n, "x-ms-request-id"));
	set_str(&r->async_url, header_value(line, n, "Azure-AsyncOperation"));
	set_str(&r->location, header_value(line, n, "Location"));
	if ((v = header_value(line, n, "Retry-After")) != NULL) {
		r->retry_after_s = aca_http_retry_after(v);
		free(v);
	}
	return n;
}

static int buf_add(struct xfer *x, const char *p, size_t n)
{
	char *nb;
	size_t cap;

	if (x->len + n + 1 > x->cap) {
		if (x->len + n + 1 > BODY_MAX) {
			x->overflow = 1;
			return -1;
		}
		cap = x->cap ? x->cap : 4096;
		while (cap < x->len + n + 1)
			cap *= 2;
		nb = realloc(x->buf, cap);
		if (!nb)
			return -1;
		x->buf = nb;
		x->cap = cap;
	}
	memcpy(x->buf + x->len, p, n);
	x->len += n;
	x->buf[x->len] = '\0';
	return 0;
}

static size_t on_body(char *p, size_t sz, size_t nm, void *arg)
{
	struct xfer *x = arg;
	size_t n = sz * nm;
	long st = 0;

	if (x->rq->on_data && !x->streaming && x->len == 0) {
		curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &st);
		/* Only a success is the stream; an error body is kept for
		 * the error message. */
		x->streaming = st >= 200 && st < 300;
	}
	if (x->streaming) {
		if (x->rq->on_data(x->rq->arg, p, n) != 0) {
			x->stopped = 1;
			return 0;
		}
		return n;
	}
	return buf_add(x, p, n) == 0 ? n : 0;
}

/* Errors where no byte of the request can have left. */
static int never_sent(CURLcode rc, CURL *easy)
{
	double pre = 0;

	switch (rc) {
	case CURLE_COULDNT_RESOLVE_PROXY:
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_CONNECT:
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_URL_MALFORMAT:
	case CURLE_UNSUPPORTED_PROTOCOL:
		return 1;
	default:
		break;
	}
	/* Pre-transfer time is set once connected and about to send: a
	 * timeout before it never sent anything. */
	if (curl_easy_getinfo(easy, CURLINFO_PRETRANSFER_TIME, &pre) ==
		CURLE_OK && pre <= 0)
		return 1;
	return 0;
}

/* "https://host:port" of url, for messages (no path: it may hold a
 * query with secrets in other services; ours name only resources, but
 * the host is what a transport error is about). */
void aca_http_origin(const char *url, char *out, size_t len)
{
	const char *p = strstr(url, "://");
	size_t n;

	p = p ? p + 3 : url;
	n = strcspn(p, "/?#");
	snprintf(out, len, "%.*s%.*s", (int)(p - url), url, (int)n, p);
}

static int run(struct entry *en, const struct aca_cancel *cx, CURLcode *res)
{
	const struct sl_host_v1 *host = cx ? cx->host : NULL;
	int fd = -1, running = 1;
	CURLMsg *m;
	int left;

	if (host && cx->call && host->cancel_fd)
		fd = host->cancel_fd(cx->call);
	*res = CURLE_OK;
	if (curl_multi_add_handle(en->multi, en->easy) != CURLM_OK)
		return -1;
	while (running) {
		struct curl_waitfd w = { .fd = fd, .events = CURL_WAIT_POLLIN };

		if (curl_multi_perform(en->multi, &running) != CURLM_OK)
			break;
		if (!running)
			break;
		if (aca_cancelled(cx)) {
			curl_multi_remove_handle(en->multi, en->easy);
			return 1;
		}
		curl_multi_poll(en->multi, fd >= 0 ? &w : NULL, fd >= 0 ? 1 : 0,
			CANCEL_POLL_MS, NULL);
		if (aca_cancelled(cx)) {
			curl_multi_remove_handle(en->multi, en->easy);
			return 1;
		}
	}
	*res = CURLE_GOT_NOTHING;
	while ((m = curl_multi_info_read(en->multi, &left)) != NULL)
		if (m->msg == CURLMSG_DONE && m->easy_handle == en->easy)
			*res = m->data.result;
	curl_multi_remove_handle(en->multi, en->easy);
	return 0;
}

int aca_http_do(struct aca_http *h, const struct aca_cancel *cx,
	const struct aca_http_req *rq, struct aca_resp *resp, int *unsent,
	struct aca_err *err)
{
	struct entry en = { 0 };
	struct curl_slist *hdrs = NULL, *t;
	struct xfer x = { 0 };
	char origin[256];
	CURLcode res;
	int rc = SL_OK, c;

	memset(resp, 0, sizeof(*resp));
	resp->retry_after_s = -1;
	if (unsent)
		*unsent = 1;
	aca_http_origin(rq->url, origin, sizeof(origin));
	if (aca_cancelled(cx))
		return aca_err_set(err, SL_ECANCELED, "request to %s cancelled",
			origin);
	if (entry_take(h, &en) != 0)
		return aca_err_set(err, SL_ENOMEM, "out of memory (curl)");
	for (const char *const *p = rq->headers; p && *p; p++) {
		if (!(t = curl_slist_append(hdrs, *p)))
			goto nomem;
		hdrs = t;
	}
	/* No 100-continue round trip for our small JSON bodies. */
	if (!(t = curl_slist_append(hdrs, "Expect:")))
		goto nomem;
	hdrs = t;

	x.easy = en.easy;
	x.resp = resp;
	x.rq = rq;
	curl_easy_setopt(en.easy, CURLOPT_URL, rq->url);
	curl_easy_setopt(en.easy, CURLOPT_CUSTOMREQUEST, rq->method);
	if (strcmp(rq->method, "HEAD") == 0)
		curl_easy_setopt(en.easy, CURLOPT_NOBODY, 1L);
	if (rq->body) {
		curl_easy_setopt(en.easy, CURLOPT_POSTFIELDS, rq->body);
		curl_easy_setopt(en.easy, CURLOPT_POSTFIELDSIZE_LARGE,
			(curl_off_t)rq->body_len);
	} else if (strcmp(rq->method, "POST") == 0 ||
		strcmp(rq->method, "PUT") == 0 ||
		strcmp(rq->method, "PATCH") == 0) {
		/* ARM wants Content-Length: 0 on an empty POST. */
		curl_easy_setopt(en.easy, CURLOPT_POSTFIELDS, "");
		curl_easy_setopt(en.easy, CURLOPT_POSTFIELDSIZE_LARGE,
			(curl_off_t)0);
	}
	curl_easy_setopt(en.easy, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(en.easy, CURLOPT_USERAGENT, "sockerless-aca/1");
	curl_easy_setopt(en.easy, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(en.easy, CURLOPT_ACCEPT_ENCODING, "");
	curl_easy_setopt(en.easy, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(en.easy, CURLOPT_HEADERDATA, &x);
	curl_easy_setopt(en.easy, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(en.easy, CURLOPT_WRITEDATA, &x);
	curl_easy_setopt(en.easy, CURLOPT_PROTOCOLS_STR, "http,https");
	if (rq->timeout_s > 0) {
		curl_easy_setopt(en.easy, CURLOPT_TIMEOUT, (long)rq->timeout_s);
		curl_easy_setopt(en.easy, CURLOPT_CONNECTTIMEOUT,
			(long)rq->timeout_s);
	} else {
		curl_easy_setopt(en.easy, CURLOPT_CONNECTTIMEOUT, 60L);
		curl_easy_setopt(en.easy, CURLOPT_LOW_SPEED_LIMIT, 1L);
		curl_easy_setopt(en.easy, CURLOPT_LOW_SPEED_TIME,
			(long)STREAM_IDLE_S);
	}
	if (rq->fresh)
		curl_easy_setopt(en.easy, CURLOPT_FRESH_CONNECT, 1L);

	c = run(&en, cx, &res);
	if (c < 0) {
		rc = aca_err_set(err, SL_EINTERNAL, "curl refused the request "
			"to %s", origin);
		goto fail;
	}
	if (c > 0) {
		if (unsent)
			*unsent = never_sent(CURLE_ABORTED_BY_CALLBACK, en.easy);
		rc = aca_err_set(err, SL_ECANCELED, "request to %s cancelled",
			origin);
		goto fail;
	}
	if (res == CURLE_WRITE_ERROR && x.stopped)
		res = CURLE_OK;
	if (res != CURLE_OK) {
		if (unsent)
			*unsent = never_sent(res, en.easy);
		if (x.overflow)
			rc = aca_err_set(err, SL_EINTERNAL, "the answer of %s "
				"is larger than %u MiB", origin, BODY_MAX >> 20);
		else
			rc = aca_err_set(err, SL_EUNAVAIL, "cannot reach %s: %s",
				origin, curl_easy_strerror(res));
		goto fail;
	}
	if (unsent)
		*unsent = 0;
	curl_easy_getinfo(en.easy, CURLINFO_RESPONSE_CODE, &resp->status);
	resp->body = x.buf;
	resp->len = x.len;
	x.buf = NULL;
	goto out;
nomem:
	rc = aca_err_set(err, SL_ENOMEM, "out of memory");
fail:
	aca_resp_free(resp);
out:
	free(x.buf);
	/* The copies hold the bearer token or the identity header. */
	for (t = hdrs; t; t = t->next)
		OPENSSL_cleanse(t->data, strlen(t->data));
	curl_slist_free_all(hdrs);
	if (en.easy) {
		/* The handle points at our header list and callbacks' state:
		 * clear them before it goes back to the pool. */
		curl_easy_setopt(en.easy, CURLOPT_HTTPHEADER, NULL);
		entry_give(h, &en);
	}
	return rc;
}
