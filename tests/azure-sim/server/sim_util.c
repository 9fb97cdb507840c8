/* sim_util.c - random names, GUIDs, timestamps and buffers. */
#include "config.h"

#include "sim_util.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void fill_random(unsigned char *p, size_t n)
{
	static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
	static unsigned long long fallback = 0x9e3779b97f4a7c15ULL;
	size_t got = 0;
	int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);

	if (fd >= 0) {
		while (got < n) {
			ssize_t r = read(fd, p + got, n - got);
			if (r <= 0) {
				if (r < 0 && errno == EINTR)
					continue;
				break;
			}
			got += (size_t)r;
		}
		close(fd);
	}
	if (got == n)
		return;
	/* No urandom (odd sandbox): names only need to be unlikely to clash. */
	pthread_mutex_lock(&mu);
	for (; got < n; got++) {
		fallback ^= fallback << 13;
		fallback ^= fallback >> 7;
		fallback ^= fallback << 17;
		fallback += (unsigned long long)sim_mono_ms();
		p[got] = (unsigned char)(fallback >> 24);
	}
	pthread_mutex_unlock(&mu);
}

void sim_rand_alnum(char *out, size_t n)
{
	static const char set[] = "abcdefghijklmnopqrstuvwxyz0123456789";
	unsigned char r[64];
	size_t i = 0;

	while (i < n) {
		size_t chunk = n - i < sizeof(r) ? n - i : sizeof(r);
		fill_random(r, chunk);
		for (size_t k = 0; k < chunk; k++)
			out[i + k] = set[r[k] % 36];
		i += chunk;
	}
	out[n] = '\0';
}

void sim_uuid(char out[37])
{
	unsigned char b[16];

	fill_random(b, sizeof(b));
	b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);
	b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
	snprintf(out, 37,
		 "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
		 b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10],
		 b[11], b[12], b[13], b[14], b[15]);
}

struct timespec sim_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ts;
}

int64_t sim_mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void sim_sleep_ms(int64_t ms)
{
	struct timespec req, rem;

	if (ms <= 0)
		return;
	req.tv_sec = (time_t)(ms / 1000);
	req.tv_nsec = (long)(ms % 1000) * 1000000L;
	while (nanosleep(&req, &rem) != 0 && errno == EINTR)
		req = rem;
}

static void fmt_time(const struct timespec *ts, char *out, size_t outsz,
		     int digits, const char *suffix)
{
	struct tm tm;
	char base[32];
	long frac = ts->tv_nsec;

	/* A time from a client (a JWT's exp) can be past what struct tm
	 * holds: print the epoch rather than garbage. */
	if (!gmtime_r(&ts->tv_sec, &tm))
		memset(&tm, 0, sizeof(tm));
	strftime(base, sizeof(base), "%Y-%m-%dT%H:%M:%S", &tm);
	for (int i = digits; i < 9; i++)
		frac /= 10;
	snprintf(out, outsz, "%s.%0*ld%s", base, digits, frac, suffix);
}

void sim_time_arm(const struct timespec *ts, char *out, size_t outsz)
{
	fmt_time(ts, out, outsz, 7, "+00:00");
}

void sim_time_z(const struct timespec *ts, char *out, size_t outsz)
{
	fmt_time(ts, out, outsz, 7, "Z");
}

void sim_time_plain(const struct timespec *ts, char *out, size_t outsz)
{
	fmt_time(ts, out, outsz, 5, "");
}

int sim_buf_add(struct sim_buf *b, const void *p, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 256;
		char *d;

		while (cap < b->len + n + 1)
			cap *= 2;
		d = realloc(b->data, cap);
		if (!d)
			return -ENOMEM;
		b->data = d;
		b->cap = cap;
	}
	if (n)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
	return 0;
}

int sim_buf_adds(struct sim_buf *b, const char *s)
{
	return sim_buf_add(b, s, strlen(s));
}

int sim_buf_addf(struct sim_buf *b, const char *fmt, ...)
{
	va_list ap;
	char small[256];
	int n;

	va_start(ap, fmt);
	n = vsnprintf(small, sizeof(small), fmt, ap);
	va_end(ap);
	if (n < 0)
		return -EINVAL;
	if ((size_t)n < sizeof(small))
		return sim_buf_add(b, small, (size_t)n);
	{
		char *big = malloc((size_t)n + 1);
		int rc;

		if (!big)
			return -ENOMEM;
		va_start(ap, fmt);
		vsnprintf(big, (size_t)n + 1, fmt, ap);
		va_end(ap);
		rc = sim_buf_add(b, big, (size_t)n);
		free(big);
		return rc;
	}
}

void sim_buf_free(struct sim_buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}

char *sim_buf_steal(struct sim_buf *b)
{
	char *d;

	if (!b->data && sim_buf_add(b, "", 0) != 0)
		return NULL;
	d = b->data;
	b->data = NULL;
	b->len = b->cap = 0;
	return d;
}

char *sim_strdupf(const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	s = sim_vstrdupf(fmt, ap);
	va_end(ap);
	return s;
}

char *sim_vstrdupf(const char *fmt, va_list ap)
{
	va_list ap2;
	char *s;
	int n;

	va_copy(ap2, ap);
	n = vsnprintf(NULL, 0, fmt, ap2);
	va_end(ap2);
	if (n < 0)
		return NULL;
	s = malloc((size_t)n + 1);
	if (s)
		vsnprintf(s, (size_t)n + 1, fmt, ap);
	return s;
}

int sim_streq_ci(const char *a, const char *b)
{
	if (!a || !b)
		return a == b;
	return strcasecmp(a, b) == 0;
}

int sim_starts_with(const char *s, const char *prefix)
{
	return s && strncmp(s, prefix, strlen(prefix)) == 0;
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

char *sim_url_decode(const char *src, size_t len, int plus_is_space)
{
	return sim_url_decode_len(src, len, plus_is_space, NULL);
}

char *sim_url_decode_len(const char *src, size_t len, int plus_is_space,
			 size_t *outlen)
{
	char *out = malloc(len + 1);
	size_t o = 0;

	if (!out)
		return NULL;
	for (size_t i = 0; i < len; i++) {
		if (src[i] == '%' && i + 2 < len &&
		    hexval((unsigned char)src[i + 1]) >= 0 &&
		    hexval((unsigned char)src[i + 2]) >= 0) {
			out[o++] = (char)(hexval((unsigned char)src[i + 1]) * 16 +
					  hexval((unsigned char)src[i + 2]));
			i += 2;
		} else if (src[i] == '+' && plus_is_space) {
			out[o++] = ' ';
		} else {
			out[o++] = src[i];
		}
	}
	out[o] = '\0';
	if (outlen)
		*outlen = o;
	return out;
}

char *sim_url_encode(const char *src)
{
	struct sim_buf b = {0};

	for (const unsigned char *p = (const unsigned char *)src; *p; p++) {
		if (isalnum(*p) || *p == '-' || *p == '_' || *p == '.' || *p == '~')
			sim_buf_add(&b, p, 1);
		else
			sim_buf_addf(&b, "%%%02X", *p);
	}
	return sim_buf_steal(&b);
}
