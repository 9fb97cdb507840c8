/*
 * relay.c - the plain side of a TLS relay (see relay.h).
 */
#include "relay.h"

#include <errno.h>
#include <sys/socket.h>
#include <sys/types.h>

int
sl_relay_local_step(struct sl_relay_buf *b, int loc, int *loc_eof)
{
	ssize_t n;

	if (b->down_off < b->down_len) {
		n = send(loc, b->down + b->down_off, b->down_len - b->down_off,
		    MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n > 0)
			b->down_off += (size_t)n;
		else if (errno != EAGAIN && errno != EINTR)
			return -1;
	}
	if (!*loc_eof && b->up_off == b->up_len) {
		n = recv(loc, b->up, sizeof(b->up), MSG_DONTWAIT);
		if (n > 0) {
			b->up_len = (size_t)n;
			b->up_off = 0;
		} else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
			*loc_eof = 1;
		}
	}
	return 0;
}
