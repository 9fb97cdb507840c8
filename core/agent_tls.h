/*
 * agent_tls.h - TLS for the callback listener: reverse-mode agents dial
 * https://, the daemon proves itself with --agent-tlscert, the agent's
 * token still proves the agent.
 */
#ifndef SL_AGENT_TLS_H
#define SL_AGENT_TLS_H

#include <stddef.h>

/* Loads the listener's certificate (chain) and key, PEM text.  0, or -1
 * with a message in err. */
int sl_agent_tls_init(const char *cert_pem, const char *key_pem, char *err,
	size_t errlen);

/* 1 once sl_agent_tls_init succeeded. */
int sl_agent_tls_on(void);

/*
 * Takes `fd`, a freshly accepted socket, and completes the TLS handshake
 * within timeout_ms.  Returns the local end of a socket pair whose other
 * end a relay thread couples to the TLS session, so the agent client reads
 * and writes plain frames on an fd as it does without TLS; or -1, fd
 * closed (a plain-http client is told so in plain HTTP first).
 */
int sl_agent_tls_accept(int fd, int timeout_ms);

/* Waits (at most timeout_ms) for the relays to end, which they do once the
 * agent client has closed their local ends (sl_agent_shutdown), then frees
 * the credentials.  At exit. */
void sl_agent_tls_end(int timeout_ms);

#endif
