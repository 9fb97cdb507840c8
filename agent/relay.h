/*
 * relay.h - the plain side of a TLS relay.  After the handshake one
 * thread owns the TLS session and moves bytes between it and one end of
 * a socket pair, whose other end the frame code reads and writes as it
 * would a plain socket.  The agent (mbedTLS) and the core (GnuTLS) share
 * this part; each keeps its library's side.
 */
#ifndef SL_RELAY_H
#define SL_RELAY_H

#include <stddef.h>

#define SL_RELAY_BUF 16384

/* up: read from the local end, to be sent over TLS; down: received over
 * TLS, to be written to the local end. */
struct sl_relay_buf {
	unsigned char up[SL_RELAY_BUF], down[SL_RELAY_BUF];
	size_t up_len, up_off, down_len, down_off;
};

/* One non-blocking step on the local end LOC: writes what is pending in
 * down, and reads into up once it is empty (*loc_eof set at the end of
 * LOC's input).  Returns 0, or -1 when writing to LOC failed. */
int sl_relay_local_step(struct sl_relay_buf *b, int loc, int *loc_eof);

/* 1 when either side has ended and what it sent has been delivered to
 * the other: the connection ends. */
int sl_relay_ended(const struct sl_relay_buf *b, int net_eof, int loc_eof);

/* How long a closing relay may still flush: a peer that stops reading
 * cannot hold it. */
#define SL_RELAY_FLUSH_MS 5000

/* Waits for EVENTS on FD until DEADLINE (sl_agent_now_ms): 1 ready,
 * 0 timed out, -1 poll failed. */
int sl_relay_wait(int fd, short events, long long deadline);
/* The relay loop's poll timeout: -1 (none) while neither end has ended
 * (CLOSING 0); then what is left of SL_RELAY_FLUSH_MS from the first
 * call that saw it closing (kept in *until, 0 at first), and 0 once that
 * has run out: the loop stops. */
int sl_relay_poll_timeout(int closing, long long *until);

#endif
