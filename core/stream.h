/*
 * stream.h - struct sl_stream of the ABI: the host side of a byte stream
 * to a Docker client.  Each transport (an upgraded socket, a chunked
 * response, a buffer in tests) supplies the two primitives; the framing
 * (stdcopy or raw) and log timestamps are done here, once.
 */
#ifndef SL_STREAM_H
#define SL_STREAM_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct sl_stream {
	/* Sends bytes as they should appear on the wire. */
	ssize_t (*send)(struct sl_stream *s, const void *buf, size_t n);
	/* Receives client bytes; 0 at EOF, negative status when gone,
	 * SL_ETIMEDOUT after timeout_ms (-1 = no limit). */
	ssize_t (*recv)(struct sl_stream *s, void *buf, size_t n,
		int timeout_ms);
	int multiplexed;      /* stdcopy frames (non-TTY) */
	int timestamps;       /* prefix log lines with RFC3339Nano */
	int want_stdout, want_stderr;
	void *ctx;
};

/* Writes bytes, framed for stream `fd` when multiplexed. */
ssize_t sl_stream_write(struct sl_stream *s, int fd, const void *buf,
	size_t n);
/* Writes a log line with an optional timestamp prefix, and a newline
 * unless it has one or flags hold SL_LINE_PARTIAL. */
int sl_stream_write_line(struct sl_stream *s, int fd, int64_t ts_ns,
	const char *line, size_t n, unsigned flags);
ssize_t sl_stream_read(struct sl_stream *s, void *buf, size_t n,
	int timeout_ms);

/* Formats unix ns as Docker's fixed-width RFC3339Nano, e.g.
 * "2024-01-02T03:04:05.123456789Z".  buf holds at least 32 bytes. */
void sl_stream_format_ts(int64_t ns, char *buf, size_t len);

#endif
