/*
 * loadgen.c - a small keep-alive HTTP/1.1 load generator for the benchmarks.
 *
 * Each of N threads holds one connection (unix socket, or TCP) and sends
 * requests back to back, for a duration or until a total count is reached,
 * recording every request's latency.  It prints one line:
 *
 *   LABEL: R requests, E errors, C conns, S s: X req/s, p50 A us, p99 B us
 *
 * so a script can read the figures with awk.  With --create-remove each
 * request is the pair POST /containers/create + DELETE of the new id, and
 * the latency is the pair's.  Not a test: it asserts nothing beyond "the
 * server answered 2xx" (errors are counted and make the exit status 1).
 *
 *   loadgen -u SOCK [-c CONNS] [-d SECONDS | -n COUNT] [-X METHOD]
 *           [-b BODY] [-l LABEL] [--create-remove] PATH
 *   loadgen -t HOST:PORT ...
 *
 * "{n}" in PATH is replaced by a number unique to each request (0, 1, ...),
 * so creates can name their containers.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define RBUF_SIZE (64 * 1024)

struct opts {
	const char *unix_path;
	const char *tcp;
	const char *method;
	const char *path;
	const char *body;
	const char *label;
	int conns;
	double seconds;
	long count;
	int create_remove;
};

/* One connection: its socket, a read buffer and its latencies (ns). */
struct worker {
	pthread_t th;
	const struct opts *o;
	int fd;
	char *rbuf;
	size_t rlen;            /* bytes buffered in rbuf */
	char *body;             /* last response body (malloc'd) */
	size_t body_len, body_cap;
	int64_t *lat;
	size_t nlat, caplat;
	long errors;
	int started;
};

static atomic_long remaining;   /* count mode: requests left to hand out */
static atomic_long sequence;    /* numbers for "{n}" in the path */
static atomic_int stop;         /* duration mode: set by the main thread */
static atomic_int reported;     /* the first failure was described */

/* Describes the first failed request on stderr, so a run full of errors
 * says why. */
static void report_failure(const char *what, int status, const char *body)
{
	if (atomic_exchange(&reported, 1))
		return;
	if (status < 0)
		fprintf(stderr, "loadgen: %s: connection failed or broke\n", what);
	else
		fprintf(stderr, "loadgen: %s: HTTP %d %.300s\n", what, status,
			body ? body : "");
}

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int connect_to(const struct opts *o)
{
	int fd = -1;

	if (o->unix_path) {
		struct sockaddr_un sa = {.sun_family = AF_UNIX};

		if (strlen(o->unix_path) >= sizeof(sa.sun_path))
			return -1;
		strcpy(sa.sun_path, o->unix_path);
		fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
			close(fd);
			fd = -1;
		}
	} else {
		char host[256], *colon;
		struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *ai, *p;
		int one = 1;

		snprintf(host, sizeof(host), "%s", o->tcp);
		colon = strrchr(host, ':');
		if (!colon)
			return -1;
		*colon = '\0';
		if (getaddrinfo(host, colon + 1, &hints, &ai))
			return -1;
		for (p = ai; p && fd < 0; p = p->ai_next) {
			fd = socket(p->ai_family, p->ai_socktype | SOCK_CLOEXEC, 0);
			if (fd >= 0 && connect(fd, p->ai_addr, p->ai_addrlen) < 0) {
				close(fd);
				fd = -1;
			}
		}
		freeaddrinfo(ai);
		if (fd >= 0)
			setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	}
	return fd;
}

static int send_all(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Reads more bytes into the buffer; -1 on EOF or error. */
static int fill(struct worker *w)
{
	ssize_t n;

	if (w->rlen == RBUF_SIZE)
		return -1;      /* a header larger than the buffer */
	do
		n = recv(w->fd, w->rbuf + w->rlen, RBUF_SIZE - w->rlen, 0);
	while (n < 0 && errno == EINTR);
	if (n <= 0)
		return -1;
	w->rlen += (size_t)n;
	return 0;
}

static void consume(struct worker *w, size_t n)
{
	memmove(w->rbuf, w->rbuf + n, w->rlen - n);
	w->rlen -= n;
}

/* Appends exactly n body bytes (from the buffer, then the socket). */
static int read_body(struct worker *w, size_t n)
{
	if (w->body_len + n + 1 > w->body_cap) {
		size_t cap = w->body_cap ? w->body_cap : 4096;
		char *nb;

		while (cap < w->body_len + n + 1)
			cap *= 2;
		nb = realloc(w->body, cap);
		if (!nb)
			return -1;
		w->body = nb;
		w->body_cap = cap;
	}
	while (n) {
		size_t take;

		if (!w->rlen && fill(w) < 0)
			return -1;
		take = w->rlen < n ? w->rlen : n;
		memcpy(w->body + w->body_len, w->rbuf, take);
		w->body_len += take;
		consume(w, take);
		n -= take;
	}
	w->body[w->body_len] = '\0';
	return 0;
}

/* Returns the index just past the next CRLF in the buffer, reading more as
 * needed; -1 on EOF. */
static long line_end(struct worker *w, size_t from)
{
	for (;;) {
		char *p = w->rlen > from ? memmem(w->rbuf + from, w->rlen - from, "\r\n", 2) : NULL;

		if (p)
			return p - w->rbuf + 2;
		if (fill(w) < 0)
			return -1;
	}
}

static const char *header_value(const char *hdrs, const char *end,
	const char *name)
{
	size_t nl = strlen(name);

	for (const char *p = hdrs; p && p < end; p = memmem(p, (size_t)(end - p), "\r\n", 2)) {
		if (p[0] == '\r')
			p += 2;
		if ((size_t)(end - p) > nl && !strncasecmp(p, name, nl) && p[nl] == ':') {
			p += nl + 1;
			while (*p == ' ')
				p++;
			return p;
		}
	}
	return NULL;
}

/*
 * Reads one response: status, headers and the body (Content-Length or
 * chunked).  Returns the status, or -1 when the connection broke.  Sets
 * *close_after when the server will close the connection.
 */
static int read_response(struct worker *w, int *close_after)
{
	long hend = -1, e;
	const char *v;
	int status;

	w->body_len = 0;
	for (size_t from = 0;;) {
		e = line_end(w, from);
		if (e < 0)
			return -1;
		if ((size_t)e == from + 2) {
			hend = e;
			break;
		}
		from = (size_t)e;
	}
	if (sscanf(w->rbuf, "HTTP/1.%*d %d", &status) != 1)
		return -1;
	v = header_value(w->rbuf, w->rbuf + hend, "Connection");
	*close_after = v && !strncasecmp(v, "close", 5);
	v = header_value(w->rbuf, w->rbuf + hend, "Transfer-Encoding");
	if (v && !strncasecmp(v, "chunked", 7)) {
		consume(w, (size_t)hend);
		for (;;) {
			unsigned long n;

			e = line_end(w, 0);
			if (e < 0)
				return -1;
			n = strtoul(w->rbuf, NULL, 16);
			consume(w, (size_t)e);
			if (n == 0) {
				/* No trailers from the servers we talk to. */
				e = line_end(w, 0);
				if (e < 0)
					return -1;
				consume(w, (size_t)e);
				return status;
			}
			if (read_body(w, n) < 0)
				return -1;
			e = line_end(w, 0);
			if (e < 0)
				return -1;
			consume(w, (size_t)e);
		}
	}
	v = header_value(w->rbuf, w->rbuf + hend, "Content-Length");
	{
		size_t n = v ? strtoul(v, NULL, 10) : 0;

		consume(w, (size_t)hend);
		if (read_body(w, n) < 0)
			return -1;
	}
	return status;
}

/* One request/response on the worker's connection, reconnecting first if
 * the server closed it.  Returns the HTTP status or -1. */
static int exchange(struct worker *w, const char *method, const char *path,
	const char *body)
{
	char req[8192];
	int n, status, close_after = 0;
	size_t bl = body ? strlen(body) : 0;

	if (w->fd < 0) {
		w->fd = connect_to(w->o);
		w->rlen = 0;
		if (w->fd < 0)
			return -1;
	}
	if (body)
		n = snprintf(req, sizeof(req),
			"%s %s HTTP/1.1\r\nHost: d\r\nUser-Agent: sl-loadgen\r\n"
			"Content-Type: application/json\r\nContent-Length: %zu\r\n\r\n%s",
			method, path, bl, body);
	else
		n = snprintf(req, sizeof(req),
			"%s %s HTTP/1.1\r\nHost: d\r\nUser-Agent: sl-loadgen\r\n\r\n",
			method, path);
	if (n >= (int)sizeof(req) || send_all(w->fd, req, (size_t)n) < 0 ||
	    (status = read_response(w, &close_after)) < 0) {
		close(w->fd);
		w->fd = -1;
		return -1;
	}
	if (close_after) {
		close(w->fd);
		w->fd = -1;
	}
	return status;
}

static int record(struct worker *w, int64_t ns)
{
	if (w->nlat == w->caplat) {
		size_t ncap = w->caplat ? w->caplat * 2 : 4096;
		int64_t *n = realloc(w->lat, ncap * sizeof(*n));

		if (!n)
			return -1;
		w->lat = n;
		w->caplat = ncap;
	}
	w->lat[w->nlat++] = ns;
	return 0;
}

/* The request path with "{n}" (first occurrence) replaced by a fresh
 * number. */
static void expand_path(const char *tmpl, char *out, size_t len)
{
	const char *mark = strstr(tmpl, "{n}");

	if (!mark) {
		snprintf(out, len, "%s", tmpl);
		return;
	}
	snprintf(out, len, "%.*s%ld%s", (int)(mark - tmpl), tmpl,
		atomic_fetch_add(&sequence, 1), mark + 3);
}

/* POST create, then DELETE ?force=1 the id it answered. */
static int create_remove(struct worker *w)
{
	char path[2048], id[80];
	const char *p;
	int st;

	expand_path(w->o->path, path, sizeof(path));
	st = exchange(w, "POST", path, w->o->body ? w->o->body : "{}");
	if (st < 200 || st > 299 || !w->body) {
		report_failure(path, st, w->body);
		return -1;
	}
	p = strstr(w->body, "\"Id\"");
	if (!p || sscanf(p, "\"Id\":\"%79[0-9a-f]\"", id) != 1) {
		report_failure(path, st, w->body);
		return -1;
	}
	snprintf(path, sizeof(path), "/containers/%s?force=1", id);
	st = exchange(w, "DELETE", path, NULL);
	if (st < 200 || st > 299) {
		report_failure(path, st, w->body);
		return -1;
	}
	return 0;
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	const struct opts *o = w->o;

	for (;;) {
		int64_t t0;
		int ok;

		if (o->count > 0) {
			if (atomic_fetch_sub(&remaining, 1) <= 0)
				break;
		} else if (atomic_load(&stop)) {
			break;
		}
		t0 = now_ns();
		if (o->create_remove) {
			ok = create_remove(w) == 0;
		} else {
			char path[2048];
			int st;

			expand_path(o->path, path, sizeof(path));
			st = exchange(w, o->method, path, o->body);
			ok = st >= 200 && st <= 299;
			if (!ok)
				report_failure(path, st, w->body);
		}
		if (!ok) {
			w->errors++;
			if (w->fd < 0 && w->errors > 100 && !w->nlat)
				break;  /* nothing listens: do not spin */
			continue;
		}
		if (record(w, now_ns() - t0) < 0)
			break;
	}
	return NULL;
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: loadgen (-u SOCKET | -t HOST:PORT) [-c CONNS] [-d SECONDS | -n COUNT]\n"
		"               [-X METHOD] [-b BODY] [-l LABEL] [--create-remove] PATH\n");
	exit(2);
}

int main(int argc, char **argv)
{
	static const struct option lopts[] = {
		{"create-remove", no_argument, NULL, 'r'},
		{NULL, 0, NULL, 0}};
	struct opts o = {.method = "GET", .conns = 1, .seconds = 2};
	struct worker *w;
	int64_t t0, elapsed, *all;
	size_t total = 0, k = 0;
	long errors = 0;
	int c, started = 0;

	while ((c = getopt_long(argc, argv, "u:t:c:d:n:X:b:l:", lopts, NULL)) != -1) {
		switch (c) {
		case 'u': o.unix_path = optarg; break;
		case 't': o.tcp = optarg; break;
		case 'c': o.conns = atoi(optarg); break;
		case 'd': o.seconds = atof(optarg); break;
		case 'n': o.count = atol(optarg); break;
		case 'X': o.method = optarg; break;
		case 'b': o.body = optarg; break;
		case 'l': o.label = optarg; break;
		case 'r': o.create_remove = 1; break;
		default: usage();
		}
	}
	if (optind != argc - 1 || (!o.unix_path == !o.tcp) || o.conns < 1 ||
	    (o.count <= 0 && o.seconds <= 0))
		usage();
	o.path = argv[optind];
	if (!o.label)
		o.label = o.path;
	if (o.create_remove && !strcmp(o.method, "GET"))
		o.method = "POST";
	atomic_store(&remaining, o.count);
	w = calloc((size_t)o.conns, sizeof(*w));
	if (!w)
		return 1;
	t0 = now_ns();
	for (int i = 0; i < o.conns; i++) {
		w[i].o = &o;
		w[i].fd = -1;
		w[i].rbuf = malloc(RBUF_SIZE);
		if (!w[i].rbuf || pthread_create(&w[i].th, NULL, worker_main, &w[i]))
			break;
		w[i].started = 1;
		started++;
	}
	if (o.count <= 0) {
		struct timespec ts = {(time_t)o.seconds,
			(long)((o.seconds - (double)(time_t)o.seconds) * 1e9)};

		while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
			;
		atomic_store(&stop, 1);
	}
	for (int i = 0; i < o.conns; i++) {
		if (w[i].started)
			pthread_join(w[i].th, NULL);
		total += w[i].nlat;
		errors += w[i].errors;
	}
	elapsed = now_ns() - t0;
	all = malloc((total ? total : 1) * sizeof(*all));
	if (!all)
		return 1;
	for (int i = 0; i < o.conns; i++) {
		if (w[i].nlat)
			memcpy(all + k, w[i].lat, w[i].nlat * sizeof(*all));
		k += w[i].nlat;
		if (w[i].fd >= 0)
			close(w[i].fd);
		free(w[i].lat);
		free(w[i].rbuf);
		free(w[i].body);
	}
	qsort(all, total, sizeof(*all), cmp_i64);
	printf("%s: %zu requests, %ld errors, %d conns, %.2f s: %.0f req/s, p50 %.0f us, p99 %.0f us\n",
		o.label, total, errors, started, (double)elapsed / 1e9,
		(double)total * 1e9 / (double)elapsed,
		total ? (double)all[total / 2] / 1e3 : 0.0,
		total ? (double)all[(total * 99) / 100] / 1e3 : 0.0);
	free(all);
	free(w);
	return errors || started < o.conns ? 1 : 0;
}
