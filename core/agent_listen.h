/*
 * agent_listen.h - the callback listener for reverse-mode agents.
 */
#ifndef SL_AGENT_LISTEN_H
#define SL_AGENT_LISTEN_H

#include <stddef.h>

/* Listens on ADDR ("host:port", ":0" picks a port) and sets the URL base
 * agents are told to dial (`advertise`, or http://ADDR with the real
 * port, https:// once sl_agent_tls_init succeeded).  0, or -1 with a
 * message in err. */
int sl_agent_listen_start(const char *addr, const char *advertise,
	char *err, size_t errlen);
void sl_agent_listen_stop(void);

#endif
