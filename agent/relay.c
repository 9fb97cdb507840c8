/*
 * relay.c - the plain side of a TLS relay (see relay.h).
 */
#include "relay.h"
#include "proto.h"

#include <errno.h>
#include <poll.h>
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

int
sl_relay_wait(int fd, short events, long long deadline)
{
	for (;;) {
		struct pollfd p = { .fd = fd, .events = events };
		long long left = deadline - sl_agent_now_ms();
		int r;

		if (left <= 0)
			return 0;
		r = poll(&p, 1, (int)left);
		if (r < 0 && errno == EINTR)
			continue;
		return r > 0 ? 1 : r == 0 ? 0 : -1;
	}
}

int
sl_relay_poll_timeout(int closing, long long *until)
{
	long long left;

	if (!closing)
		return -1;
	if (*until == 0)
		*until = sl_agent_now_ms() + SL_RELAY_FLUSH_MS;
	left = *until - sl_agent_now_ms();
	return left > 0 ? (int)left : 0;
}

int
sl_relay_ended(const struct sl_relay_buf *b, int net_eof, int loc_eof)
{
	return (net_eof && b->down_off == b->down_len) ||
	    (loc_eof && b->up_off == b->up_len);
}
