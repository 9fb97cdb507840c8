/*
 * agent/proto.c - frames and field lists of the agent protocol.
 */
#include "config.h"

#include "proto.h"

#include <errno.h>
#include <time.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

static const char *const type_names[] = {
	[SL_AGENT_OPEN] = "OPEN",     [SL_AGENT_STDIN] = "STDIN",
	[SL_AGENT_STDOUT] = "STDOUT", [SL_AGENT_STDERR] = "STDERR",
	[SL_AGENT_EOF] = "EOF",       [SL_AGENT_RESIZE] = "RESIZE",
	[SL_AGENT_SIGNAL] = "SIGNAL", [SL_AGENT_REPLY] = "REPLY",
	[SL_AGENT_EXIT] = "EXIT",     [SL_AGENT_ERROR] = "ERROR",
	[SL_AGENT_PING] = "PING",     [SL_AGENT_PONG] = "PONG",
	[SL_AGENT_ACK] = "ACK",       [SL_AGENT_CLOSE] = "CLOSE",
	[SL_AGENT_STDOUT_AT] = "STDOUT_AT",
	[SL_AGENT_STDERR_AT] = "STDERR_AT",
};

const char *
sl_agent_type_name(int type)
{
	if (type < SL_AGENT_OPEN || type > SL_AGENT_TYPE_MAX)
		return "?";
	return type_names[type];
}

void
sl_agent_u32_put(unsigned char out[4], uint32_t v)
{
	out[0] = (unsigned char)(v >> 24);
	out[1] = (unsigned char)(v >> 16);
	out[2] = (unsigned char)(v >> 8);
	out[3] = (unsigned char)v;
}

uint32_t
sl_agent_u32_get(const unsigned char in[4])
{
	return (uint32_t)in[0] << 24 | (uint32_t)in[1] << 16 |
	    (uint32_t)in[2] << 8 | (uint32_t)in[3];
}

void
sl_agent_i64_put(unsigned char out[8], int64_t v)
{
	uint64_t u = (uint64_t)v;

	sl_agent_u32_put(out, (uint32_t)(u >> 32));
	sl_agent_u32_put(out + 4, (uint32_t)u);
}

int64_t
sl_agent_i64_get(const unsigned char in[8])
{
	uint64_t u = (uint64_t)sl_agent_u32_get(in) << 32 |
	    sl_agent_u32_get(in + 4);

	/* Two's complement without implementation-defined conversion. */
	return u <= INT64_MAX ? (int64_t)u : -(int64_t)(~u) - 1;
}

int64_t
sl_agent_stamp_clamp(int64_t stamp, int64_t arrival)
{
	return stamp <= 0 || stamp > arrival ? arrival : stamp;
}

int64_t
sl_agent_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void
sl_agent_hdr_put(unsigned char out[SL_AGENT_HDR_SIZE], int type,
    uint32_t channel, uint32_t length)
{
	out[0] = (unsigned char)type;
	sl_agent_u32_put(out + 1, channel);
	sl_agent_u32_put(out + 5, length);
}

int
sl_agent_hdr_get(const unsigned char in[SL_AGENT_HDR_SIZE],
    struct sl_agent_hdr *h)
{
	h->type = in[0];
	h->channel = sl_agent_u32_get(in + 1);
	h->length = sl_agent_u32_get(in + 5);
	if (h->type < SL_AGENT_OPEN || h->type > SL_AGENT_TYPE_MAX)
		return -1;
	if (h->length > SL_AGENT_MAX_PAYLOAD)
		return -1;
	return 0;
}

int
sl_agent_frame_write(int fd, int type, uint32_t channel, const void *payload,
    size_t len)
{
	unsigned char hdr[SL_AGENT_HDR_SIZE];
	struct iovec iov[2];
	int n = 1;

	if (len > SL_AGENT_MAX_PAYLOAD) {
		errno = EMSGSIZE;
		return -1;
	}
	sl_agent_hdr_put(hdr, type, channel, (uint32_t)len);
	iov[0].iov_base = hdr;
	iov[0].iov_len = sizeof(hdr);
	if (len > 0) {
		iov[1].iov_base = (void *)payload;
		iov[1].iov_len = len;
		n = 2;
	}
	struct iovec *v = iov;
	while (n > 0) {
		struct msghdr msg = { .msg_iov = v, .msg_iovlen = (size_t)n };
		/* MSG_NOSIGNAL: a peer gone is an error, not a SIGPIPE. */
		ssize_t w = sendmsg(fd, &msg, MSG_NOSIGNAL);

		if (w < 0 && errno == ENOTSOCK)
			w = writev(fd, v, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		while (n > 0 && (size_t)w >= v->iov_len) {
			w -= (ssize_t)v->iov_len;
			v++;
			n--;
		}
		if (n > 0) {
			v->iov_base = (char *)v->iov_base + w;
			v->iov_len -= (size_t)w;
		}
	}
	return 0;
}

/* read_full: FD into BUF, exactly LEN bytes.  1 done, 0 clean end of
 * stream before any byte, -1 error (ECONNRESET for a short stream). */
static int
read_full(int fd, void *buf, size_t len)
{
	size_t got = 0;

	while (got < len) {
		ssize_t r = read(fd, (char *)buf + got, len - got);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (r == 0) {
			if (got == 0)
				return 0;
			errno = ECONNRESET;
			return -1;
		}
		got += (size_t)r;
	}
	return 1;
}

int
sl_agent_frame_read(int fd, struct sl_agent_hdr *h, unsigned char **buf,
    size_t *cap)
{
	unsigned char hdr[SL_AGENT_HDR_SIZE];
	int rc = read_full(fd, hdr, sizeof(hdr));

	if (rc == 0)
		errno = 0;
	if (rc <= 0)
		return -1;
	if (sl_agent_hdr_get(hdr, h) < 0) {
		errno = EPROTO;
		return -1;
	}
	if (*buf == NULL || *cap < (size_t)h->length + 1) {
		size_t want = (size_t)h->length + 1;
		unsigned char *nb;

		if (want < 256)
			want = 256;
		nb = realloc(*buf, want);
		if (nb == NULL)
			return -1;
		*buf = nb;
		*cap = want;
	}
	if (h->length > 0) {
		rc = read_full(fd, *buf, h->length);
		if (rc == 0)
			errno = ECONNRESET;
		if (rc <= 0)
			return -1;
	}
	(*buf)[h->length] = '\0';
	return 0;
}

static int
fields_put(struct sl_agent_fields *f, const char *s, size_t n)
{
	if (f->len + n + 1 > SL_AGENT_MAX_PAYLOAD) {
		errno = EINVAL;
		return -1;
	}
	if (f->len + n + 1 > f->cap) {
		size_t want = f->cap ? f->cap * 2 : 128;
		char *nb;

		while (want < f->len + n + 1)
			want *= 2;
		nb = realloc(f->buf, want);
		if (nb == NULL)
			return -1;
		f->buf = nb;
		f->cap = want;
	}
	memcpy(f->buf + f->len, s, n);
	f->buf[f->len + n] = '\0';
	f->len += n + 1;
	return 0;
}

int
sl_agent_fields_add(struct sl_agent_fields *f, const char *key,
    const char *value)
{
	size_t mark = f->len;

	if (fields_put(f, key, strlen(key)) < 0 ||
	    fields_put(f, value, strlen(value)) < 0) {
		f->len = mark;
		return -1;
	}
	return 0;
}

int
sl_agent_fields_addf(struct sl_agent_fields *f, const char *key,
    const char *fmt, ...)
{
	va_list ap;
	char small[64];
	char *big = NULL;
	int n, rc;

	va_start(ap, fmt);
	n = vsnprintf(small, sizeof(small), fmt, ap);
	va_end(ap);
	if (n < 0)
		return -1;
	if ((size_t)n < sizeof(small))
		return sl_agent_fields_add(f, key, small);
	big = malloc((size_t)n + 1);
	if (big == NULL)
		return -1;
	va_start(ap, fmt);
	vsnprintf(big, (size_t)n + 1, fmt, ap);
	va_end(ap);
	rc = sl_agent_fields_add(f, key, big);
	free(big);
	return rc;
}

void
sl_agent_fields_free(struct sl_agent_fields *f)
{
	free(f->buf);
	f->buf = NULL;
	f->len = f->cap = 0;
}

int
sl_agent_fields_next(const char *buf, size_t len, size_t *pos,
    const char **key, const char **value)
{
	const char *k, *v, *end;

	if (*pos >= len)
		return 0;
	k = buf + *pos;
	end = memchr(k, '\0', len - *pos);
	if (end == NULL)
		return -1;
	v = end + 1;
	if ((size_t)(v - buf) >= len)
		return -1;
	end = memchr(v, '\0', len - (size_t)(v - buf));
	if (end == NULL)
		return -1;
	*key = k;
	*value = v;
	*pos = (size_t)(end + 1 - buf);
	return 1;
}

int
sl_agent_fields_valid(const char *buf, size_t len)
{
	size_t pos = 0;
	const char *k, *v;
	int rc;

	while ((rc = sl_agent_fields_next(buf, len, &pos, &k, &v)) == 1)
		;
	return rc;
}

const char *
sl_agent_fields_get(const char *buf, size_t len, const char *key)
{
	size_t pos = 0;
	const char *k, *v;

	if (sl_agent_fields_valid(buf, len) < 0)
		return NULL;
	while (sl_agent_fields_next(buf, len, &pos, &k, &v) == 1)
		if (strcmp(k, key) == 0)
			return v;
	return NULL;
}
