/*
 * stream.c - Docker framing on top of a transport.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sockerless/plugin.h"
#include "core/stream.h"

/* A stdcopy frame carries at most this much; larger writes are split so a
 * frame never needs a huge buffer. */
#define FRAME_MAX (1u << 20)

static ssize_t send_all(struct sl_stream *s, const void *buf, size_t n)
{
	const char *p = buf;
	size_t done = 0;

	while (done < n) {
		ssize_t w = s->send(s, p + done, n - done);

		if (w <= 0)
			return w < 0 ? w : SL_ECANCELED;
		done += (size_t)w;
	}
	return (ssize_t)n;
}

ssize_t sl_stream_write(struct sl_stream *s, int fd, const void *buf,
	size_t n)
{
	const char *p = buf;
	size_t done = 0;

	if (!s->multiplexed)
		return send_all(s, buf, n);
	if (fd != 1 && fd != 2 && fd != 3)
		fd = 1;
	while (done < n) {
		size_t chunk = n - done > FRAME_MAX ? FRAME_MAX : n - done;
		unsigned char hdr[8] = {(unsigned char)fd, 0, 0, 0,
			(unsigned char)(chunk >> 24), (unsigned char)(chunk >> 16),
			(unsigned char)(chunk >> 8), (unsigned char)chunk};
		ssize_t w = send_all(s, hdr, sizeof(hdr));

		if (w < 0)
			return w;
		w = send_all(s, p + done, chunk);
		if (w < 0)
			return w;
		done += chunk;
	}
	return (ssize_t)n;
}

void sl_stream_format_ts(int64_t ns, char *buf, size_t len)
{
	time_t sec = (time_t)(ns / 1000000000);
	long frac = (long)(ns % 1000000000);
	struct tm tm;
	char date[24];

	if (frac < 0) {
		frac += 1000000000;
		sec--;
	}
	gmtime_r(&sec, &tm);
	strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf, len, "%s.%09ldZ", date, frac);
}

int sl_stream_write_line(struct sl_stream *s, int fd, int64_t ts_ns,
	const char *line, size_t n, unsigned flags)
{
	int need_nl = !(flags & SL_LINE_PARTIAL) && (n == 0 || line[n - 1] != '\n');
	char ts[48];
	size_t tl = 0, total;
	char *buf;
	ssize_t w;

	if ((fd == 1 && !s->want_stdout) || (fd == 2 && !s->want_stderr))
		return SL_OK;
	if (s->timestamps) {
		sl_stream_format_ts(ts_ns, ts, sizeof(ts) - 1);
		tl = strlen(ts);
		ts[tl++] = ' ';
	}
	/* One buffer so a multiplexed line is one frame, as dockerd sends. */
	total = tl + n + (size_t)need_nl;
	buf = malloc(total);
	if (!buf)
		return SL_ENOMEM;
	memcpy(buf, ts, tl);
	memcpy(buf + tl, line, n);
	if (need_nl)
		buf[total - 1] = '\n';
	w = sl_stream_write(s, fd, buf, total);
	free(buf);
	return w < 0 ? (int)w : SL_OK;
}

ssize_t sl_stream_read(struct sl_stream *s, void *buf, size_t n,
	int timeout_ms)
{
	if (!s->recv)
		return 0;
	return s->recv(s, buf, n, timeout_ms);
}
