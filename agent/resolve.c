/*
 * agent/resolve.c - host name to IPv4/IPv6 address for the reverse
 * callback, without NSS: a static glibc would need its shared NSS modules
 * at run time, which busybox, musl and distroless images do not have.
 * Literal addresses, then /etc/hosts, then one DNS A query per nameserver
 * of /etc/resolv.conf (with its search domains for a name without a dot).
 */
#include "agent.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static int
literal(const char *name, int port, struct sockaddr_storage *sa, socklen_t *len)
{
	struct sockaddr_in *s4 = (struct sockaddr_in *)sa;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)sa;

	memset(sa, 0, sizeof(*sa));
	if (inet_pton(AF_INET, name, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons((uint16_t)port);
		*len = sizeof(*s4);
		return 0;
	}
	if (inet_pton(AF_INET6, name, &s6->sin6_addr) == 1) {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)port);
		*len = sizeof(*s6);
		return 0;
	}
	return -1;
}

static int
from_hosts(const char *name, int port, struct sockaddr_storage *sa,
    socklen_t *len)
{
	FILE *fp = fopen("/etc/hosts", "re");
	char line[512];
	int rc = -1;

	if (fp == NULL)
		return -1;
	while (rc < 0 && fgets(line, sizeof(line), fp) != NULL) {
		char *save, *addr, *h;

		line[strcspn(line, "#\n")] = '\0';
		if ((addr = strtok_r(line, " \t", &save)) == NULL)
			continue;
		while (rc < 0 && (h = strtok_r(NULL, " \t", &save)) != NULL)
			if (strcasecmp(h, name) == 0)
				rc = literal(addr, port, sa, len);
	}
	fclose(fp);
	return rc;
}

/* One A query for NAME to SERVER; the first address, 0 or -1. */
static int
query(const char *server, const char *name, struct in_addr *out)
{
	unsigned char q[512], r[1500];
	size_t n = 12;
	struct sockaddr_in ns = { .sin_family = AF_INET, .sin_port = htons(53) };
	struct pollfd pf;
	uint16_t id = (uint16_t)(time(NULL) ^ getpid());
	int fd, rc = -1;
	ssize_t got;

	if (inet_pton(AF_INET, server, &ns.sin_addr) != 1)
		return -1;
	memset(q, 0, n);
	q[0] = (unsigned char)(id >> 8);
	q[1] = (unsigned char)id;
	q[2] = 0x01;	/* recursion desired */
	q[5] = 1;	/* one question */
	for (const char *p = name; *p;) {
		size_t l = strcspn(p, ".");

		if (l == 0 || l > 63 || n + l + 6 > sizeof(q))
			return -1;
		q[n++] = (unsigned char)l;
		memcpy(q + n, p, l);
		n += l;
		p += l;
		if (*p == '.')
			p++;
	}
	q[n++] = 0;
	q[n++] = 0, q[n++] = 1;	/* type A */
	q[n++] = 0, q[n++] = 1;	/* class IN */
	if ((fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0)) < 0)
		return -1;
	if (sendto(fd, q, n, 0, (struct sockaddr *)&ns, sizeof(ns)) < 0)
		goto out;
	pf.fd = fd;
	pf.events = POLLIN;
	if (poll(&pf, 1, 2000) != 1 || (got = recv(fd, r, sizeof(r), 0)) < 12)
		goto out;
	if (r[0] != q[0] || r[1] != q[1] || (r[3] & 0x0f) != 0)
		goto out;
	size_t an = (size_t)(r[6] << 8 | r[7]), pos = n;	/* answers follow the question */

	if ((size_t)got < n || memcmp(r + 12, q + 12, n - 12) != 0)
		goto out;
	for (size_t i = 0; i < an && pos < (size_t)got; i++) {
		/* The owner name: a pointer (2 bytes) or labels. */
		while (pos < (size_t)got && r[pos] != 0 && (r[pos] & 0xc0) != 0xc0)
			pos += (size_t)r[pos] + 1;
		pos += pos < (size_t)got && r[pos] == 0 ? 1 : 2;
		if (pos + 10 > (size_t)got)
			break;
		unsigned type = (unsigned)(r[pos] << 8 | r[pos + 1]);
		size_t rdlen = (size_t)(r[pos + 8] << 8 | r[pos + 9]);

		pos += 10;
		if (pos + rdlen > (size_t)got)
			break;
		if (type == 1 && rdlen == 4) {
			memcpy(out, r + pos, 4);
			rc = 0;
			break;
		}
		pos += rdlen;
	}
out:
	close(fd);
	return rc;
}

static int
from_dns(const char *name, int port, struct sockaddr_storage *sa,
    socklen_t *len)
{
	FILE *fp = fopen("/etc/resolv.conf", "re");
	char line[512], servers[3][64], search[256] = "";
	int ns = 0, rc = -1;

	if (fp == NULL)
		return -1;
	while (fgets(line, sizeof(line), fp) != NULL) {
		line[strcspn(line, "#;\n")] = '\0';
		if (ns < 3 && sscanf(line, "nameserver %63s", servers[ns]) == 1)
			ns++;
		else if (strncmp(line, "search ", 7) == 0 || strncmp(line, "domain ", 7) == 0)
			snprintf(search, sizeof(search), "%.250s", line + 7);
	}
	fclose(fp);
	for (int i = 0; i < ns && rc < 0; i++) {
		struct in_addr a;
		char full[512], *save, *dom, list[256];

		if (query(servers[i], name, &a) == 0)
			rc = 0;
		memcpy(list, search, sizeof(list));
		for (dom = strtok_r(list, " \t", &save); rc < 0 && dom && !strchr(name, '.');
		    dom = strtok_r(NULL, " \t", &save)) {
			snprintf(full, sizeof(full), "%.250s.%.250s", name, dom);
			if (query(servers[i], full, &a) == 0)
				rc = 0;
		}
		if (rc == 0) {
			char txt[INET_ADDRSTRLEN];

			inet_ntop(AF_INET, &a, txt, sizeof(txt));
			rc = literal(txt, port, sa, len);
		}
	}
	return rc;
}

int
ag_resolve(const char *name, int port, struct sockaddr_storage *sa,
    socklen_t *len)
{
	if (literal(name, port, sa, len) == 0 || from_hosts(name, port, sa, len) == 0)
		return 0;
	return from_dns(name, port, sa, len);
}
