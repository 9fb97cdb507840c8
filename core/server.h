/*
 * server.h - the HTTP side of the daemon: one libmicrohttpd daemon per
 * listener, thread per connection, all feeding the router.
 */
#ifndef SL_SERVER_H
#define SL_SERVER_H

#include "core/listen.h"

struct sl_tls {
	char *cert_pem;   /* owned by the caller */
	char *key_pem;
	char *ca_pem;     /* set with --tlsverify: client certs must chain here */
	int verify;
};

/* How many connections a listener takes and how long an idle one lives. */
struct sl_server_limits {
	/* Seconds a connection may stay silent while no request is in flight
	 * (before its first request, between keep-alive requests, during an
	 * upload); 0 for never.  A request being answered, however long
	 * (wait, logs -f, events), and an upgraded stream never time out. */
	unsigned int idle_timeout;
	/* Connections per listener; more clients wait in the listen queue
	 * until one closes or times out. */
	unsigned int max_connections;
};

/* Starts serving every listener.  TLS applies to the TCP ones when
 * tls->cert_pem is set.  Returns 0 or -1 with err. */
int sl_server_start(struct sl_listener *ls, size_t n, const struct sl_tls *tls,
	const struct sl_server_limits *lim, char *err, size_t errlen);

/*
 * Shutdown, in this order (see main.c):
 * sl_server_close_hooks: requests that may call the backend answer 503 from
 * now on; waits for those in flight, which the caller has cancelled.
 * sl_server_hooks_closed: whether that happened; work started outside a
 * request (auto-remove) checks it before it calls the backend.
 * sl_server_closing: set by sl_server_begin_close; the long polls that stay
 * open through fini (wait, events) end when it is.
 * sl_server_wait_idle: lets the last answers reach their clients, for at
 * most timeout_ms.
 * sl_server_stop: stops accepting and closes every connection.
 */
void sl_server_close_hooks(void);
int sl_server_hooks_closed(void);
void sl_server_begin_close(void);
int sl_server_closing(void);
void sl_server_wait_idle(int timeout_ms);
void sl_server_stop(void);

#endif
