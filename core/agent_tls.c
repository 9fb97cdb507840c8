/*
 * agent_tls.c - https on the callback listener.
 *
 * The agent client (agent_conn.c) and the frame code it shares with the
 * agent (agent/proto.c) read and write file descriptors.  Rather than teach
 * them a second transport, an accepted TLS connection is handed to them as
 * one end of a socket pair; a relay thread owns the GnuTLS session and
 * copies between it and the pair's other end.  One thread per session is
 * also what keeps GnuTLS safe: nothing else ever touches the session, so
 * the reader thread and the writers of agent_conn.c need no new locking.
 *
 * The relay never blocks on one direction while the other has work: both
 * sockets are non-blocking and each direction has its own buffer, so a
 * peer sending while it is not reading cannot deadlock the pair.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <gnutls/gnutls.h>

#include "agent/proto.h"
#include "agent/relay.h"

#include "core/agent_tls.h"
#include "core/log.h"

static gnutls_certificate_credentials_t cred;
static pthread_mutex_t relay_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t relay_cond = PTHREAD_COND_INITIALIZER;
static int relays;

struct relay {
	gnutls_session_t s;
	int net, loc;
	struct sl_relay_buf b;
};

int sl_agent_tls_init(const char *cert_pem, const char *key_pem, char *err,
	size_t errlen)
{
	gnutls_datum_t c = {(unsigned char *)cert_pem,
		(unsigned int)strlen(cert_pem)};
	gnutls_datum_t k = {(unsigned char *)key_pem,
		(unsigned int)strlen(key_pem)};
	int rc;

	if (gnutls_certificate_allocate_credentials(&cred) < 0) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	rc = gnutls_certificate_set_x509_key_mem(cred, &c, &k,
		GNUTLS_X509_FMT_PEM);
	if (rc < 0) {
		snprintf(err, errlen, "cannot load the TLS certificate and key: %s",
			gnutls_strerror(rc));
		gnutls_certificate_free_credentials(cred);
		cred = NULL;
		return -1;
	}
	return 0;
}

int sl_agent_tls_on(void)
{
	return cred != NULL;
}

/* A TLS client starts with a handshake record (content type 22); anything
 * else is most likely an agent configured with http://, which deserves an
 * answer it can log rather than a dropped connection.  1 when TLS. */
static int looks_like_tls(int fd, long long deadline)
{
	static const char body[] = "this listener speaks https: dial "
		"https:// with a CA for it\n";
	char no[256];
	unsigned char b;
	int n;

	if (sl_relay_wait(fd, POLLIN, deadline) <= 0 ||
	    recv(fd, &b, 1, MSG_PEEK) != 1)
		return 0;
	if (b == 22)
		return 1;
	n = snprintf(no, sizeof(no), "HTTP/1.1 400 Bad Request\r\n"
		"Content-Type: text/plain\r\nContent-Length: %zu\r\n"
		"Connection: close\r\n\r\n%s", sizeof(body) - 1, body);
	(void)send(fd, no, (size_t)n, MSG_NOSIGNAL | MSG_DONTWAIT);
	sl_info("agent callback refused: plain http on the https listener");
	return 0;
}

/* Copies what each side has for the other.  -1 when the relay is done. */
static int pump(struct relay *r, int *net_eof, int *loc_eof)
{
	ssize_t n;

	if (!*net_eof && r->b.down_off == r->b.down_len) {
		n = gnutls_record_recv(r->s, r->b.down, sizeof(r->b.down));
		if (n > 0) {
			r->b.down_len = (size_t)n;
			r->b.down_off = 0;
		} else if (n == 0 || gnutls_error_is_fatal((int)n)) {
			*net_eof = 1;
		}
	}
	if (sl_relay_local_step(&r->b, r->loc, loc_eof) < 0)
		return -1;
	/* Until all is sent or GnuTLS waits, so that a pending send always
	 * has a valid gnutls_record_get_direction.  After GNUTLS_E_AGAIN the
	 * same bytes are offered again, as GnuTLS asks. */
	while (r->b.up_off < r->b.up_len) {
		n = gnutls_record_send(r->s, r->b.up + r->b.up_off,
			r->b.up_len - r->b.up_off);
		if (n > 0)
			r->b.up_off += (size_t)n;
		else if (n == GNUTLS_E_AGAIN || n == GNUTLS_E_INTERRUPTED)
			break;
		else
			return -1;
	}
	return sl_relay_ended(&r->b, *net_eof, *loc_eof) ? -1 : 0;
}

static void *relay_main(void *arg)
{
	struct relay *r = arg;
	int net_eof = 0, loc_eof = 0;
	long long flush_until = 0;

	while (pump(r, &net_eof, &loc_eof) == 0) {
		struct pollfd p[2] = {{.fd = r->net}, {.fd = r->loc}};
		int busy = r->b.up_off < r->b.up_len;
		int timeout = -1;

		if (!net_eof && r->b.down_off == r->b.down_len &&
		    gnutls_record_check_pending(r->s))
			continue;
		if (!net_eof && r->b.down_off == r->b.down_len)
			p[0].events |= POLLIN;
		if (busy)
			p[0].events |= gnutls_record_get_direction(r->s) ?
				POLLOUT : POLLIN;
		if (r->b.down_off < r->b.down_len)
			p[1].events |= POLLOUT;
		if (!loc_eof && !busy)
			p[1].events |= POLLIN;
		timeout = sl_relay_poll_timeout(loc_eof || net_eof, &flush_until);
		if (timeout == 0)
			break;
		if (poll(p, 2, timeout) < 0 && errno != EINTR)
			break;
	}
	if (loc_eof)
		(void)gnutls_bye(r->s, GNUTLS_SHUT_WR);
	gnutls_deinit(r->s);
	close(r->net);
	close(r->loc);
	free(r);
	pthread_mutex_lock(&relay_lock);
	if (--relays == 0)
		pthread_cond_broadcast(&relay_cond);
	pthread_mutex_unlock(&relay_lock);
	return NULL;
}

int sl_agent_tls_accept(int fd, int timeout_ms)
{
	long long deadline = sl_agent_now_ms() + timeout_ms;
	struct relay *r = NULL;
	int sv[2] = {-1, -1}, rc, fl;
	pthread_t t;

	if (!looks_like_tls(fd, deadline))
		goto fail;
	fl = fcntl(fd, F_GETFL);
	if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)
		goto fail;
	r = calloc(1, sizeof(*r));
	if (!r || gnutls_init(&r->s, GNUTLS_SERVER | GNUTLS_NONBLOCK) < 0) {
		free(r);
		r = NULL;
		goto fail;
	}
	if (gnutls_set_default_priority(r->s) < 0 ||
	    gnutls_credentials_set(r->s, GNUTLS_CRD_CERTIFICATE, cred) < 0)
		goto fail;
	/* Agents authenticate with their token, not a certificate. */
	gnutls_certificate_server_set_request(r->s, GNUTLS_CERT_IGNORE);
	gnutls_transport_set_int(r->s, fd);
	while ((rc = gnutls_handshake(r->s)) < 0) {
		if (gnutls_error_is_fatal(rc)) {
			sl_info("agent callback refused: TLS handshake: %s",
				gnutls_strerror(rc));
			goto fail;
		}
		if (sl_relay_wait(fd, gnutls_record_get_direction(r->s) ?
			    POLLOUT : POLLIN, deadline) <= 0) {
			sl_info("agent callback refused: TLS handshake timed out");
			goto fail;
		}
	}
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		goto fail;
	r->net = fd;
	r->loc = sv[1];
	pthread_mutex_lock(&relay_lock);
	relays++;
	pthread_mutex_unlock(&relay_lock);
	{
		pthread_attr_t at;

		pthread_attr_init(&at);
		pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
		rc = pthread_create(&t, &at, relay_main, r);
		pthread_attr_destroy(&at);
	}
	if (rc) {
		pthread_mutex_lock(&relay_lock);
		relays--;
		pthread_mutex_unlock(&relay_lock);
		goto fail;
	}
	return sv[0];
fail:
	if (r) {
		if (r->s)
			gnutls_deinit(r->s);
		free(r);
	}
	if (sv[0] >= 0) {
		close(sv[0]);
		close(sv[1]);
	}
	close(fd);
	return -1;
}

void sl_agent_tls_end(int timeout_ms)
{
	struct timespec until;
	int left;

	if (!cred)
		return;
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += timeout_ms / 1000;
	pthread_mutex_lock(&relay_lock);
	while (relays &&
	    pthread_cond_timedwait(&relay_cond, &relay_lock, &until) == 0)
		;
	left = relays;
	pthread_mutex_unlock(&relay_lock);
	/* A relay still running uses the credentials: keep them then. */
	if (left) {
		sl_warn("%d agent TLS connections did not close", left);
		return;
	}
	gnutls_certificate_free_credentials(cred);
	cred = NULL;
}
