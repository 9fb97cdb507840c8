/*
 * agent/tls.c - https callbacks (PROTOCOL.md section 1): the daemon's
 * certificate is verified against the CA the agent is given, never
 * skipped, and the token only travels once the daemon is proven.
 *
 * The connection code (conn.c, http.c, proto.c) reads and writes file
 * descriptors, from a reader thread and several writers.  An mbedTLS
 * context must not be used from two threads at once, so after the
 * handshake one relay thread owns it and copies between it and one end
 * of a socket pair; the rest of the agent gets the other end and never
 * knows.  Both directions have their own buffer on non-blocking sockets,
 * so a daemon that is sending while it is not reading cannot deadlock it.
 */
#include "agent.h"
#include "relay.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>
#include <mbedtls/error.h>
#include <mbedtls/net_sockets.h>
#include <mbedtls/ssl.h>
#include <mbedtls/x509_crt.h>

#define SYSTEM_BUNDLE "/etc/ssl/certs/ca-certificates.crt"

static mbedtls_ssl_config conf;
static mbedtls_x509_crt ca;
static mbedtls_entropy_context entropy;
static mbedtls_ctr_drbg_context drbg;
static pthread_t relay_thread;
static int relay_running;

struct relay {
	mbedtls_ssl_context ssl;
	int net, loc;
	struct sl_relay_buf b;
};

static int
bio_send(void *ctx, const unsigned char *p, size_t n)
{
	ssize_t r = send(*(int *)ctx, p, n, MSG_NOSIGNAL | MSG_DONTWAIT);

	if (r >= 0)
		return (int)r;
	if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
		return MBEDTLS_ERR_SSL_WANT_WRITE;
	return MBEDTLS_ERR_NET_SEND_FAILED;
}

static int
bio_recv(void *ctx, unsigned char *p, size_t n)
{
	ssize_t r = recv(*(int *)ctx, p, n, MSG_DONTWAIT);

	if (r >= 0)
		return (int)r;
	if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
		return MBEDTLS_ERR_SSL_WANT_READ;
	return MBEDTLS_ERR_NET_RECV_FAILED;
}

int
ag_tls_init(const char *ca_file)
{
	const char *pem = getenv("SOCKERLESS_CALLBACK_CA");
	const char *from;
	int rc;

	mbedtls_ssl_config_init(&conf);
	mbedtls_x509_crt_init(&ca);
	mbedtls_entropy_init(&entropy);
	mbedtls_ctr_drbg_init(&drbg);
	if (ca_file != NULL) {
		from = ca_file;
		rc = mbedtls_x509_crt_parse_file(&ca, ca_file);
	} else if (pem != NULL && *pem != '\0') {
		from = "SOCKERLESS_CALLBACK_CA";
		/* PEM parsing wants the terminating NUL counted. */
		rc = mbedtls_x509_crt_parse(&ca, (const unsigned char *)pem,
		    strlen(pem) + 1);
	} else if (access(SYSTEM_BUNDLE, R_OK) == 0) {
		from = SYSTEM_BUNDLE;
		rc = mbedtls_x509_crt_parse_file(&ca, SYSTEM_BUNDLE);
		/* A bundle may hold a few certificates mbedTLS cannot
		 * parse; the others still count. */
		if (rc > 0 && ca.version != 0)
			rc = 0;
	} else {
		fprintf(stderr, "sockerless-agent: callback %s: no CA to verify "
		    "the daemon's certificate (give --callback-ca FILE or "
		    "SOCKERLESS_CALLBACK_CA; the image has no %s): refusing "
		    "to connect unverified\n", ag_opts.callback, SYSTEM_BUNDLE);
		return -1;
	}
	/* Not a secret, but not the user's either. */
	unsetenv("SOCKERLESS_CALLBACK_CA");
	if (rc != 0 || ca.version == 0) {
		fprintf(stderr, "sockerless-agent: callback CA from %s: no "
		    "usable PEM certificate\n", from);
		return -1;
	}
	if (mbedtls_ctr_drbg_seed(&drbg, mbedtls_entropy_func, &entropy,
	    (const unsigned char *)"sockerless-agent", 16) != 0 ||
	    mbedtls_ssl_config_defaults(&conf, MBEDTLS_SSL_IS_CLIENT,
	    MBEDTLS_SSL_TRANSPORT_STREAM, MBEDTLS_SSL_PRESET_DEFAULT) != 0) {
		fprintf(stderr, "sockerless-agent: cannot set up TLS\n");
		return -1;
	}
	mbedtls_ssl_conf_authmode(&conf, MBEDTLS_SSL_VERIFY_REQUIRED);
	mbedtls_ssl_conf_ca_chain(&conf, &ca, NULL);
	mbedtls_ssl_conf_rng(&conf, mbedtls_ctr_drbg_random, &drbg);
	mbedtls_ssl_conf_min_version(&conf, MBEDTLS_SSL_MAJOR_VERSION_3,
	    MBEDTLS_SSL_MINOR_VERSION_3);
	return 0;
}

/* Says why once per distinct reason: the dialer retries every few
 * seconds and the operator needs the line, not a screenful of it. */
static void refuse(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));

static void
refuse(const char *fmt, ...)
{
	static char last[512];
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (strcmp(msg, last) == 0)
		return;
	snprintf(last, sizeof(last), "%s", msg);
	fprintf(stderr, "sockerless-agent: callback %s: %s\n", ag_opts.callback,
	    msg);
}

/* mbedTLS 2.28 checks DNS names only; an IP literal must be one of the
 * certificate's iPAddress entries.  1 when it is. */
static int
ip_matches(const mbedtls_x509_crt *crt, const unsigned char *ip, size_t len)
{
	const int tag = MBEDTLS_ASN1_CONTEXT_SPECIFIC | 7;

	for (const mbedtls_x509_sequence *s = &crt->subject_alt_names;
	    s != NULL && s->buf.p != NULL; s = s->next)
		if (s->buf.tag == tag && s->buf.len == len &&
		    memcmp(s->buf.p, ip, len) == 0)
			return 1;
	return 0;
}

static int
handshake(struct relay *r, const char *name, long long deadline)
{
	unsigned char ip[16];
	size_t iplen = 0;
	int rc;

	if (inet_pton(AF_INET, name, ip) == 1)
		iplen = 4;
	else if (inet_pton(AF_INET6, name, ip) == 1)
		iplen = 16;
	if (mbedtls_ssl_setup(&r->ssl, &conf) != 0 ||
	    (iplen == 0 && mbedtls_ssl_set_hostname(&r->ssl, name) != 0))
		return -1;
	mbedtls_ssl_set_bio(&r->ssl, &r->net, bio_send, bio_recv, NULL);
	while ((rc = mbedtls_ssl_handshake(&r->ssl)) != 0) {
		int w;

		if (rc != MBEDTLS_ERR_SSL_WANT_READ &&
		    rc != MBEDTLS_ERR_SSL_WANT_WRITE)
			break;
		w = sl_relay_wait(r->net, rc == MBEDTLS_ERR_SSL_WANT_READ ?
		    POLLIN : POLLOUT, deadline);
		if (w == 0)
			ag_log("callback: TLS handshake timed out");
		if (w <= 0)
			return -1;
	}
	if (rc == MBEDTLS_ERR_X509_CERT_VERIFY_FAILED) {
		char why[256];
		uint32_t flags = mbedtls_ssl_get_verify_result(&r->ssl);

		if (mbedtls_x509_crt_verify_info(why, sizeof(why), "", flags) < 0)
			snprintf(why, sizeof(why), "flags %#x", (unsigned)flags);
		why[strcspn(why, "\n")] = '\0';
		refuse("the daemon's certificate is not trusted (%s): refusing "
		    "to connect; give the daemon's CA with --callback-ca or "
		    "SOCKERLESS_CALLBACK_CA", why);
		return -1;
	}
	if (rc != 0) {
		char why[160];

		mbedtls_strerror(rc, why, sizeof(why));
		ag_log("callback: TLS handshake: %s", why);
		return -1;
	}
	if (iplen != 0 && (mbedtls_ssl_get_peer_cert(&r->ssl) == NULL ||
	    !ip_matches(mbedtls_ssl_get_peer_cert(&r->ssl), ip, iplen))) {
		refuse("the daemon's certificate does not name %s (no such IP "
		    "address in its subjectAltName): refusing to connect", name);
		return -1;
	}
	return 0;
}

static int
want(int rc)
{
	return rc == MBEDTLS_ERR_SSL_WANT_READ ||
	    rc == MBEDTLS_ERR_SSL_WANT_WRITE;
}

/* Copies what each side has for the other; *out_wait is set to POLLOUT
 * when TLS waits to write.  -1 when the relay is done. */
static int
pump(struct relay *r, int *net_eof, int *loc_eof, short *net_wait)
{
	int rc;

	if (!*net_eof && r->b.down_off == r->b.down_len) {
		rc = mbedtls_ssl_read(&r->ssl, r->b.down, sizeof(r->b.down));
		if (rc > 0) {
			r->b.down_len = (size_t)rc;
			r->b.down_off = 0;
		} else if (!want(rc)) {
			*net_eof = 1;
		}
	}
	if (sl_relay_local_step(&r->b, r->loc, loc_eof) < 0)
		return -1;
	/* Until all is sent or mbedTLS waits, so that *net_wait says what
	 * a pending write waits for.  After WANT_* mbedTLS wants the same
	 * bytes again. */
	*net_wait = 0;
	while (r->b.up_off < r->b.up_len) {
		rc = mbedtls_ssl_write(&r->ssl, r->b.up + r->b.up_off,
		    r->b.up_len - r->b.up_off);
		if (rc > 0) {
			r->b.up_off += (size_t)rc;
		} else if (want(rc)) {
			*net_wait = rc == MBEDTLS_ERR_SSL_WANT_WRITE ?
			    POLLOUT : POLLIN;
			break;
		} else {
			return -1;
		}
	}
	return sl_relay_ended(&r->b, *net_eof, *loc_eof) ? -1 : 0;
}

static void *
relay_main(void *arg)
{
	struct relay *r = arg;
	int net_eof = 0, loc_eof = 0;
	long long flush_until = 0;
	short net_wait = 0;

	while (pump(r, &net_eof, &loc_eof, &net_wait) == 0) {
		struct pollfd p[2] = { { .fd = r->net }, { .fd = r->loc } };
		int timeout = -1;

		if (!net_eof && r->b.down_off == r->b.down_len &&
		    mbedtls_ssl_check_pending(&r->ssl))
			continue;
		if (!net_eof && r->b.down_off == r->b.down_len)
			p[0].events |= POLLIN;
		p[0].events |= net_wait;
		if (r->b.down_off < r->b.down_len)
			p[1].events |= POLLOUT;
		if (!loc_eof && r->b.up_off == r->b.up_len)
			p[1].events |= POLLIN;
		timeout = sl_relay_poll_timeout(loc_eof || net_eof, &flush_until);
		if (timeout == 0)
			break;
		if (poll(p, 2, timeout) < 0 && errno != EINTR)
			break;
	}
	if (loc_eof)
		(void)mbedtls_ssl_close_notify(&r->ssl);
	mbedtls_ssl_free(&r->ssl);
	close(r->net);
	close(r->loc);
	free(r);
	return NULL;
}

int
ag_tls_connect(int fd, const char *name, int timeout_ms)
{
	struct relay *r;
	int sv[2] = { -1, -1 }, fl;

	ag_tls_wait();
	r = calloc(1, sizeof(*r));
	if (r == NULL) {
		close(fd);
		return -1;
	}
	mbedtls_ssl_init(&r->ssl);
	r->net = fd;
	fl = fcntl(fd, F_GETFL);
	if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0 ||
	    handshake(r, name, sl_agent_now_ms() + timeout_ms) < 0 ||
	    socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		goto fail;
	r->loc = sv[1];
	if (pthread_create(&relay_thread, NULL, relay_main, r) != 0)
		goto fail;
	relay_running = 1;
	return sv[0];
fail:
	if (sv[0] >= 0) {
		close(sv[0]);
		close(sv[1]);
	}
	mbedtls_ssl_free(&r->ssl);
	free(r);
	close(fd);
	return -1;
}

void
ag_tls_wait(void)
{
	if (!relay_running)
		return;
	pthread_join(relay_thread, NULL);
	relay_running = 0;
}
