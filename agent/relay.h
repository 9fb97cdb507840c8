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

#endif
