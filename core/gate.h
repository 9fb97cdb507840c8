/*
 * gate.h - accepts a listener's connections for libmicrohttpd, and only
 * while it serves fewer than the connection limit.
 *
 * In thread-per-connection mode libmicrohttpd accepts whatever arrives and
 * closes what is over its limit at once, so at the limit every new client
 * fails.  The gate does not accept at the limit: newcomers wait in the
 * listen queue and are served as soon as a connection ends or times out.
 */
#ifndef SL_GATE_H
#define SL_GATE_H

#include <microhttpd.h>

struct sl_gate;

/* Starts a thread that accepts on listen_fd (which stays the caller's) and
 * hands each connection to d, which must have been started with
 * MHD_USE_NO_LISTEN_SOCKET and sl_gate_notify as its
 * MHD_OPTION_NOTIFY_CONNECTION callback with the gate as its argument:
 * start the daemon with that argument set by sl_gate_new, then
 * sl_gate_start.  Returns NULL on failure (errno set). */
struct sl_gate *sl_gate_new(int listen_fd, unsigned int limit);
int sl_gate_start(struct sl_gate *g, struct MHD_Daemon *d);

/* MHD_OPTION_NOTIFY_CONNECTION callback; cls is the gate. */
void sl_gate_notify(void *cls, struct MHD_Connection *conn,
	void **socket_context, enum MHD_ConnectionNotificationCode toe);

/* Stops accepting and joins the thread; the daemon's connections are left
 * to MHD_stop_daemon, after which sl_gate_free.  Both take NULL. */
void sl_gate_stop(struct sl_gate *g);
void sl_gate_free(struct sl_gate *g);

#endif
