/*
 * agent/proto.h - frames and field lists of the agent protocol
 * (agent/PROTOCOL.md).  Shared by sockerless-agent and the core's agent
 * client, so it uses libc only.
 */
#ifndef SL_AGENT_PROTO_H
#define SL_AGENT_PROTO_H

#include <stddef.h>
#include <stdint.h>

#define SL_AGENT_UPGRADE "sockerless-agent/1"
/* The protocol version in hello's "proto" (the upgrade token stays /1:
 * version 2 only adds frames that are sent on request). */
#define SL_AGENT_PROTO 2
#define SL_AGENT_ANNOUNCE "SOCKERLESS_AGENT"
#define SL_AGENT_HDR_SIZE 9
#define SL_AGENT_MAX_PAYLOAD (1u << 20)

enum sl_agent_type {
	SL_AGENT_OPEN = 1,
	SL_AGENT_STDIN = 2,
	SL_AGENT_STDOUT = 3,
	SL_AGENT_STDERR = 4,
	SL_AGENT_EOF = 5,
	SL_AGENT_RESIZE = 6,
	SL_AGENT_SIGNAL = 7,
	SL_AGENT_REPLY = 8,
	SL_AGENT_EXIT = 9,
	SL_AGENT_ERROR = 10,
	SL_AGENT_PING = 11,
	SL_AGENT_PONG = 12,
	SL_AGENT_ACK = 13,
	SL_AGENT_CLOSE = 14,
	/* Version 2: output with the stamp of its reading, sent only on an
	 * attach opened with "stamps" 1.  Payload: the stamp (Unix time in
	 * ns, i64 big-endian), then the bytes. */
	SL_AGENT_STDOUT_AT = 15,
	SL_AGENT_STDERR_AT = 16
};
#define SL_AGENT_TYPE_MAX SL_AGENT_STDERR_AT
#define SL_AGENT_STAMP_SIZE 8

struct sl_agent_hdr {
	int type;
	uint32_t channel;
	uint32_t length;
};

/* The name of a frame type for messages ("OPEN"), "?" when unknown. */
const char *sl_agent_type_name(int type);

/* Writes the 9-byte header into OUT. */
void sl_agent_hdr_put(unsigned char out[SL_AGENT_HDR_SIZE], int type,
    uint32_t channel, uint32_t length);

/* Reads a header; 0, or -1 when the type is unknown or the length is
 * over SL_AGENT_MAX_PAYLOAD (a protocol error: close the connection). */
int sl_agent_hdr_get(const unsigned char in[SL_AGENT_HDR_SIZE],
    struct sl_agent_hdr *h);

/* Big-endian 32-bit numbers in payloads (EXIT, SIGNAL, RESIZE). */
void sl_agent_u32_put(unsigned char out[4], uint32_t v);
uint32_t sl_agent_u32_get(const unsigned char in[4]);
/* And the 64-bit stamps of STDOUT_AT/STDERR_AT. */
void sl_agent_i64_put(unsigned char out[8], int64_t v);
int64_t sl_agent_i64_get(const unsigned char in[8]);
/* The time to keep for output stamped STAMP that arrived at ARRIVAL (both
 * Unix ns): the stamp, unless it is missing or from the future (the
 * agent's clock ahead of the daemon's), then the arrival (PROTOCOL.md,
 * "Clock skew"). */
int64_t sl_agent_stamp_clamp(int64_t stamp, int64_t arrival);
/* The monotonic clock in ms, for deadlines on either end. */
int64_t sl_agent_now_ms(void);

/*
 * Blocking frame I/O on a socket or pipe.  Both retry on EINTR and short
 * counts.  sl_agent_frame_write sends header and payload in one writev so
 * that frames from threads that share a connection never interleave when
 * the caller holds the connection's write lock.  Both return 0 or -1 with
 * errno set (EPROTO for a bad header, ECONNRESET for end of stream inside
 * a frame, 0-byte read before a header gives -1 with errno 0).
 */
int sl_agent_frame_write(int fd, int type, uint32_t channel,
    const void *payload, size_t len);
/* Reads one frame.  The payload goes into *BUF, grown with realloc as
 * needed (*CAP is its size; the caller owns and frees *BUF); a NUL is
 * stored after the payload so text can be read directly. */
int sl_agent_frame_read(int fd, struct sl_agent_hdr *h, unsigned char **buf,
    size_t *cap);

/*
 * Field lists: "key NUL value NUL" pairs.  A builder owns its buffer
 * (free it with sl_agent_fields_free); adding fails with -1 (ENOMEM, or
 * EINVAL when the list would pass SL_AGENT_MAX_PAYLOAD).
 */
struct sl_agent_fields {
	char *buf;
	size_t len;
	size_t cap;
};

int sl_agent_fields_add(struct sl_agent_fields *f, const char *key,
    const char *value);
int sl_agent_fields_addf(struct sl_agent_fields *f, const char *key,
    const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
void sl_agent_fields_free(struct sl_agent_fields *f);

/*
 * Walks a received list: returns 1 with *KEY and *VALUE pointing into BUF,
 * 0 at the end, -1 when the list is malformed (a key without a value or a
 * missing final NUL).  *POS starts at 0.
 */
int sl_agent_fields_next(const char *buf, size_t len, size_t *pos,
    const char **key, const char **value);
/* The first value of KEY, or NULL when absent or the list is malformed. */
const char *sl_agent_fields_get(const char *buf, size_t len, const char *key);
/* Checks a list is well formed: 0 or -1. */
int sl_agent_fields_valid(const char *buf, size_t len);

#endif
