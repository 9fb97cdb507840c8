/*
 * listen.h - turns -H specs into listening sockets, as dockerd does:
 * unix:///path (mode 0660), tcp://host:port, fd://N.
 */
#ifndef SL_LISTEN_H
#define SL_LISTEN_H

#include <stddef.h>
#include <sys/types.h>

struct sl_listener {
	int fd;
	int is_unix;
	int is_tcp;
	char spec[512];       /* as given, normalised */
	char path[256];       /* unix socket path, to unlink at exit */
	dev_t dev;            /* and the socket file we bound there */
	ino_t ino;
};

/* The default unix socket: /run/sockerless.sock for root, else
 * $XDG_RUNTIME_DIR/sockerless.sock (or /tmp/sockerless-UID.sock). */
void sl_listen_default(char *buf, size_t len);

/*
 * Opens a listener.  `allow_insecure_tcp` permits plain TCP on a
 * non-loopback address; `tls` says TLS will be layered on it.  Returns 0 or
 * -1 with a message in err.
 */
int sl_listen_open(const char *spec, int tls, int allow_insecure_tcp,
	struct sl_listener *out, char *err, size_t errlen);

/* Closes the socket if MHD has not taken it, and removes the unix socket
 * file if it is still the one this listener created. */
void sl_listen_close(struct sl_listener *l);

#endif
