/* run_net.c - bridge, veth pairs and addresses over rtnetlink (see
 * run_net.h). */
#include "config.h"

#include "run_net.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>

#define ALIAS_PREFIX "sockerless-azure-sim pid="
/* Serialises subnet and name choice between simulators starting at once. */
#define LOCK_FILE "/run/sockerless-azure-sim-net.lock"
#define MAX_BRIDGES 100

struct run_net {
	pthread_mutex_t lock;
	char bridge[IFNAMSIZ];
	int bridge_idx;
	uint32_t network; /* host byte order */
	int prefix;
	unsigned n_hosts;  /* usable indices are 2 .. n_hosts */
	unsigned next;     /* round-robin cursor, as the host-local IPAM */
	unsigned in_use;
	unsigned char *used; /* n_hosts + 1 flags */
	char gateway[16];
};

/* ---- netlink messages ---- */

struct nlbuf {
	union {
		struct nlmsghdr h;
		char raw[2048];
	} u;
};

static void *nl_init(struct nlbuf *b, int type, int flags, size_t hdr)
{
	memset(b, 0, sizeof(*b));
	b->u.h.nlmsg_len = (uint32_t)NLMSG_LENGTH(hdr);
	b->u.h.nlmsg_type = (uint16_t)type;
	b->u.h.nlmsg_flags = (uint16_t)(NLM_F_REQUEST | flags);
	return NLMSG_DATA(&b->u.h);
}

static struct rtattr *nl_attr(struct nlbuf *b, int type, const void *data, size_t len)
{
	struct rtattr *a = (struct rtattr *)(b->u.raw + NLMSG_ALIGN(b->u.h.nlmsg_len));
	size_t total = NLMSG_ALIGN(b->u.h.nlmsg_len) + RTA_ALIGN(RTA_LENGTH(len));

	if (total > sizeof(b->u.raw))
		abort(); /* messages are fixed and small: a bug, not input */
	a->rta_type = (unsigned short)type;
	a->rta_len = (unsigned short)RTA_LENGTH(len);
	if (len)
		memcpy(RTA_DATA(a), data, len);
	b->u.h.nlmsg_len = (uint32_t)total;
	return a;
}

static void nl_str(struct nlbuf *b, int type, const char *s)
{
	nl_attr(b, type, s, strlen(s) + 1);
}

static void nl_u32(struct nlbuf *b, int type, uint32_t v)
{
	nl_attr(b, type, &v, sizeof(v));
}

static void nl_nest_end(struct nlbuf *b, struct rtattr *nest)
{
	nest->rta_len = (unsigned short)(b->u.raw + b->u.h.nlmsg_len - (char *)nest);
}

static int nl_open(void)
{
	struct sockaddr_nl sa;
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);

	if (fd < 0)
		return -errno;
	memset(&sa, 0, sizeof(sa));
	sa.nl_family = AF_NETLINK;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int e = errno;

		close(fd);
		return -e;
	}
	return fd;
}

typedef int (*nl_cb)(const struct nlmsghdr *h, void *ud);

/* Send a request and read answers until its ACK/error or, for a dump,
 * NLMSG_DONE. cb sees every data message. Returns 0 or -errno. */
static int nl_talk(int fd, struct nlbuf *b, nl_cb cb, void *ud)
{
	static _Atomic uint32_t seq_src = 1;
	uint32_t seq = seq_src++;
	char buf[32768] __attribute__((aligned(4)));

	/* NLM_F_DUMP shares a bit with NLM_F_EXCL, so tell a dump by its
	 * type: every RTM_GET* is 2 modulo 4. Dumps end in NLMSG_DONE, the
	 * rest get an ACK. */
	if ((b->u.h.nlmsg_type & 3) != 2)
		b->u.h.nlmsg_flags |= NLM_F_ACK;
	b->u.h.nlmsg_seq = seq;
	if (send(fd, b->u.raw, b->u.h.nlmsg_len, 0) < 0)
		return -errno;
	for (;;) {
		ssize_t got = recv(fd, buf, sizeof(buf), 0);
		struct nlmsghdr *h;
		size_t left;

		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0)
			return -errno;
		if (got == 0)
			return -EIO;
		left = (size_t)got;
		for (h = (struct nlmsghdr *)buf; NLMSG_OK(h, left); h = NLMSG_NEXT(h, left)) {
			if (h->nlmsg_seq != seq)
				continue;
			if (h->nlmsg_type == NLMSG_DONE)
				return 0;
			if (h->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *e = NLMSG_DATA(h);

				if (h->nlmsg_len < NLMSG_LENGTH(sizeof(*e)))
					return -EIO;
				return e->error; /* 0 = ACK */
			}
			if (cb) {
				int rc = cb(h, ud);

				if (rc < 0)
					return rc;
			}
		}
	}
}

static int netns_create(int *nsfd, int *nlfd, char *msg, size_t n);

/* ---- links ---- */

struct link_info {
	int index;
	char name[IFNAMSIZ];
	char alias[64];
};

struct link_list {
	struct link_info *v;
	size_t n;
};

static int link_collect(const struct nlmsghdr *h, void *ud)
{
	struct link_list *l = ud;
	const struct ifinfomsg *ifi = NLMSG_DATA(h);
	struct link_info li, *nv;
	const struct rtattr *a;
	int len;

	if (h->nlmsg_type != RTM_NEWLINK)
		return 0;
	memset(&li, 0, sizeof(li));
	li.index = ifi->ifi_index;
	len = (int)(h->nlmsg_len - NLMSG_LENGTH(sizeof(*ifi)));
	for (a = IFLA_RTA(ifi); RTA_OK(a, len); a = RTA_NEXT(a, len)) {
		size_t dl = RTA_PAYLOAD(a);

		if (a->rta_type == IFLA_IFNAME)
			snprintf(li.name, sizeof(li.name), "%.*s", (int)dl, (const char *)RTA_DATA(a));
		else if (a->rta_type == IFLA_IFALIAS)
			snprintf(li.alias, sizeof(li.alias), "%.*s", (int)dl, (const char *)RTA_DATA(a));
	}
	nv = realloc(l->v, (l->n + 1) * sizeof(*nv));
	if (!nv)
		return -ENOMEM;
	l->v = nv;
	l->v[l->n++] = li;
	return 0;
}

/* Every link of the namespace fd lives in; caller frees l->v. */
static int link_dump(int fd, struct link_list *l)
{
	struct nlbuf b;
	struct ifinfomsg *ifi = nl_init(&b, RTM_GETLINK, NLM_F_DUMP, sizeof(*ifi));

	ifi->ifi_family = AF_UNSPEC;
	l->v = NULL;
	l->n = 0;
	return nl_talk(fd, &b, link_collect, l);
}

static int link_index(int fd, const char *name)
{
	struct link_list l;
	int rc, idx = -ENODEV;
	size_t i;

	rc = link_dump(fd, &l);
	for (i = 0; rc == 0 && i < l.n; i++)
		if (!strcmp(l.v[i].name, name))
			idx = l.v[i].index;
	free(l.v);
	return rc < 0 ? rc : idx;
}

/* Set flags (IFF_UP), master, alias of an existing link. */
static int link_set(int fd, int index, int up, int master, const char *alias)
{
	struct nlbuf b;
	struct ifinfomsg *ifi = nl_init(&b, RTM_NEWLINK, 0, sizeof(*ifi));

	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = index;
	if (up) {
		ifi->ifi_flags = IFF_UP;
		ifi->ifi_change = IFF_UP;
	}
	if (master > 0)
		nl_u32(&b, IFLA_MASTER, (uint32_t)master);
	if (alias)
		nl_str(&b, IFLA_IFALIAS, alias);
	return nl_talk(fd, &b, NULL, NULL);
}

static int link_del(int fd, int index)
{
	struct nlbuf b;
	struct ifinfomsg *ifi = nl_init(&b, RTM_DELLINK, 0, sizeof(*ifi));

	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = index;
	return nl_talk(fd, &b, NULL, NULL);
}

static int bridge_create(int fd, const char *name)
{
	struct nlbuf b;
	struct ifinfomsg *ifi = nl_init(&b, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, sizeof(*ifi));
	struct rtattr *info;

	ifi->ifi_family = AF_UNSPEC;
	nl_str(&b, IFLA_IFNAME, name);
	info = nl_attr(&b, IFLA_LINKINFO, NULL, 0);
	nl_str(&b, IFLA_INFO_KIND, "bridge");
	nl_nest_end(&b, info);
	return nl_talk(fd, &b, NULL, NULL);
}

/* A veth pair: name here, "eth0" in the namespace netns_fd. */
static int veth_create(int fd, const char *name, int netns_fd)
{
	struct nlbuf b;
	struct ifinfomsg *ifi = nl_init(&b, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, sizeof(*ifi));
	struct ifinfomsg peer;
	struct rtattr *info, *data, *pa;

	ifi->ifi_family = AF_UNSPEC;
	nl_str(&b, IFLA_IFNAME, name);
	info = nl_attr(&b, IFLA_LINKINFO, NULL, 0);
	nl_str(&b, IFLA_INFO_KIND, "veth");
	data = nl_attr(&b, IFLA_INFO_DATA, NULL, 0);
	memset(&peer, 0, sizeof(peer));
	peer.ifi_family = AF_UNSPEC;
	pa = nl_attr(&b, VETH_INFO_PEER, &peer, sizeof(peer));
	nl_str(&b, IFLA_IFNAME, "eth0");
	nl_u32(&b, IFLA_NET_NS_FD, (uint32_t)netns_fd);
	nl_nest_end(&b, pa);
	nl_nest_end(&b, data);
	nl_nest_end(&b, info);
	return nl_talk(fd, &b, NULL, NULL);
}

/* ---- addresses and routes ---- */

static int addr_add(int fd, int index, uint32_t ip, int prefix)
{
	struct nlbuf b;
	struct ifaddrmsg *ifa = nl_init(&b, RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL, sizeof(*ifa));
	uint32_t be = htonl(ip);

	ifa->ifa_family = AF_INET;
	ifa->ifa_prefixlen = (unsigned char)prefix;
	ifa->ifa_scope = RT_SCOPE_UNIVERSE;
	ifa->ifa_index = (unsigned)index;
	nl_attr(&b, IFA_LOCAL, &be, sizeof(be));
	nl_attr(&b, IFA_ADDRESS, &be, sizeof(be));
	return nl_talk(fd, &b, NULL, NULL);
}

static int route_default(int fd, int index, uint32_t gw)
{
	struct nlbuf b;
	struct rtmsg *rt = nl_init(&b, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL, sizeof(*rt));
	uint32_t be = htonl(gw);

	rt->rtm_family = AF_INET;
	rt->rtm_table = RT_TABLE_MAIN;
	rt->rtm_protocol = RTPROT_BOOT;
	rt->rtm_scope = RT_SCOPE_UNIVERSE;
	rt->rtm_type = RTN_UNICAST;
	nl_attr(&b, RTA_GATEWAY, &be, sizeof(be));
	nl_u32(&b, RTA_OIF, (uint32_t)index);
	return nl_talk(fd, &b, NULL, NULL);
}

struct addr_list {
	uint32_t *net; /* pairs: address, prefix */
	size_t n;
};

static int addr_collect(const struct nlmsghdr *h, void *ud)
{
	struct addr_list *l = ud;
	const struct ifaddrmsg *ifa = NLMSG_DATA(h);
	const struct rtattr *a;
	int len;

	if (h->nlmsg_type != RTM_NEWADDR || ifa->ifa_family != AF_INET)
		return 0;
	len = (int)(h->nlmsg_len - NLMSG_LENGTH(sizeof(*ifa)));
	for (a = IFA_RTA(ifa); RTA_OK(a, len); a = RTA_NEXT(a, len)) {
		uint32_t v, *nv;

		if (a->rta_type != IFA_LOCAL || RTA_PAYLOAD(a) != 4)
			continue;
		memcpy(&v, RTA_DATA(a), 4);
		nv = realloc(l->net, (l->n + 1) * 2 * sizeof(*nv));
		if (!nv)
			return -ENOMEM;
		l->net = nv;
		l->net[2 * l->n] = ntohl(v);
		l->net[2 * l->n + 1] = ifa->ifa_prefixlen;
		l->n++;
	}
	return 0;
}

static uint32_t mask_of(int prefix)
{
	return prefix <= 0 ? 0 : 0xffffffffu << (32 - prefix);
}

/* Whether any IPv4 address of the host (with its prefix) overlaps net/p. */
static int subnet_taken(const struct addr_list *l, uint32_t net, int p)
{
	size_t i;

	for (i = 0; i < l->n; i++) {
		int q = (int)l->net[2 * i + 1];
		uint32_t m = mask_of(q < p ? q : p);

		if ((l->net[2 * i] & m) == (net & m))
			return 1;
	}
	return 0;
}

static void ip_str(uint32_t ip, char out[16])
{
	snprintf(out, 16, "%u.%u.%u.%u", ip >> 24, (ip >> 16) & 255, (ip >> 8) & 255, ip & 255);
}

static int parse_pool(const char *s, uint32_t *net, int *prefix)
{
	char buf[32], *slash, *end;
	struct in_addr a;
	long p;

	if (!s || strlen(s) >= sizeof(buf))
		return -1;
	strcpy(buf, s);
	slash = strchr(buf, '/');
	if (!slash)
		return -1;
	*slash = '\0';
	errno = 0;
	p = strtol(slash + 1, &end, 10);
	if (errno || *end || end == slash + 1 || p < 8 || p > 29 || inet_pton(AF_INET, buf, &a) != 1)
		return -1;
	*prefix = (int)p;
	*net = ntohl(a.s_addr) & mask_of((int)p);
	return 0;
}

/* The owner's pid is only meaningful in its PID namespace, so the alias
 * names that too ("... pid=N pidns=INODE"). */
static unsigned long my_pidns(void)
{
	struct stat st;

	return stat("/proc/self/ns/pid", &st) == 0 ? (unsigned long)st.st_ino : 0;
}

/* 1 owner alive (or unknowable), 0 owner gone, -1 not a simulator's. */
static int pid_alive_alias(const char *alias)
{
	unsigned long ns;
	long pid;
	char *end;

	if (strncmp(alias, ALIAS_PREFIX, strlen(ALIAS_PREFIX)))
		return -1;
	pid = strtol(alias + strlen(ALIAS_PREFIX), &end, 10);
	if (pid <= 0 || strncmp(end, " pidns=", 7))
		return -1;
	ns = strtoul(end + 7, &end, 10);
	if (*end || ns != my_pidns())
		return 1; /* another PID namespace's simulator: leave it be */
	return !(kill((pid_t)pid, 0) < 0 && errno == ESRCH);
}

/* Remove bridges of simulators that are gone (their veths went with the
 * replicas' namespaces). */
static void sweep_stale(int fd)
{
	struct link_list l;
	size_t i;

	if (link_dump(fd, &l) < 0) {
		free(l.v);
		return;
	}
	for (i = 0; i < l.n; i++)
		if (!strncmp(l.v[i].name, "slsim", 5) && pid_alive_alias(l.v[i].alias) == 0)
			(void)link_del(fd, l.v[i].index);
	free(l.v);
}

static int name_free(const struct link_list *l, const char *name)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (!strcmp(l->v[i].name, name))
			return 0;
	return 1;
}

static const char *advice(int e)
{
	if (e == EPERM || e == EACCES)
		return " (this needs CAP_NET_ADMIN in the host's network namespace; "
		       "use --host-network to run replicas without network isolation)";
	if (e == EOPNOTSUPP || e == ENOENT)
		return " (the kernel lacks bridge/veth support; "
		       "use --host-network to run replicas without network isolation)";
	return "";
}

int run_net_new(const char *pool, struct run_net **out, char *msg, size_t n)
{
	struct run_net *net = NULL;
	struct addr_list al = { NULL, 0 };
	struct link_list ll = { NULL, 0 };
	uint32_t base, sub = 0;
	int prefix, sub_prefix, fd = -1, lockfd = -1, rc, found = 0;
	unsigned long slots, i;
	char alias[64];
	struct nlbuf b;
	struct ifaddrmsg *ifa;

	*out = NULL;
	if (!pool)
		pool = RUN_NET_DEFAULT_POOL;
	if (parse_pool(pool, &base, &prefix) < 0) {
		snprintf(msg, n, "replica subnet '%s' is not an IPv4 CIDR with a prefix of 8 to 29",
			 pool);
		return -1;
	}
	sub_prefix = prefix < 24 ? 24 : prefix;
	slots = 1ul << (sub_prefix - prefix);
	net = calloc(1, sizeof(*net));
	if (!net)
		goto nomem;
	pthread_mutex_init(&net->lock, NULL);
	net->bridge_idx = -1;
	fd = nl_open();
	if (fd < 0) {
		snprintf(msg, n, "cannot open a netlink socket: %s", strerror(-fd));
		goto fail;
	}
	lockfd = open(LOCK_FILE, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (lockfd >= 0)
		(void)flock(lockfd, LOCK_EX);
	sweep_stale(fd);

	ifa = nl_init(&b, RTM_GETADDR, NLM_F_DUMP, sizeof(*ifa));
	ifa->ifa_family = AF_INET;
	rc = nl_talk(fd, &b, addr_collect, &al);
	if (rc == 0)
		rc = link_dump(fd, &ll);
	if (rc < 0) {
		snprintf(msg, n, "cannot list the host's interfaces: %s", strerror(-rc));
		goto fail;
	}
	for (i = 0; i < slots && !found; i++) {
		sub = base + (uint32_t)(i << (32 - sub_prefix));
		found = !subnet_taken(&al, sub, sub_prefix);
	}
	if (!found) {
		snprintf(msg, n, "every /%d of the replica subnet %s is already used by an "
			 "interface of this host (another simulator?); choose another with "
			 "--replica-subnet", sub_prefix, pool);
		goto fail;
	}
	for (i = 0; i < MAX_BRIDGES; i++) {
		snprintf(net->bridge, sizeof(net->bridge), "slsim%lu", i);
		if (name_free(&ll, net->bridge))
			break;
	}
	if (i == MAX_BRIDGES) {
		snprintf(msg, n, "bridges slsim0..slsim%d all exist", MAX_BRIDGES - 1);
		goto fail;
	}
	rc = bridge_create(fd, net->bridge);
	if (rc < 0) {
		snprintf(msg, n, "cannot create bridge %s: %s%s", net->bridge, strerror(-rc),
			 advice(-rc));
		goto fail;
	}
	net->bridge_idx = link_index(fd, net->bridge);
	snprintf(alias, sizeof(alias), ALIAS_PREFIX "%ld pidns=%lu", (long)getpid(), my_pidns());
	net->network = sub;
	net->prefix = sub_prefix;
	net->n_hosts = (1u << (32 - sub_prefix)) - 2;
	ip_str(sub + 1, net->gateway);
	rc = net->bridge_idx < 0 ? net->bridge_idx : link_set(fd, net->bridge_idx, 0, 0, alias);
	if (rc == 0)
		rc = addr_add(fd, net->bridge_idx, sub + 1, sub_prefix);
	if (rc == 0)
		rc = link_set(fd, net->bridge_idx, 1, 0, NULL);
	if (rc < 0) {
		snprintf(msg, n, "cannot configure bridge %s (%s/%d): %s", net->bridge,
			 net->gateway, sub_prefix, strerror(-rc));
		goto fail;
	}
	net->used = calloc(net->n_hosts + 2, 1);
	if (!net->used)
		goto nomem;
	/* Fail now, not at the first replica, if namespaces are refused. */
	{
		int nsfd, nlfd;

		if (netns_create(&nsfd, &nlfd, msg, n) < 0) {
			snprintf(msg + strlen(msg), n - strlen(msg),
				 " (use --host-network to run replicas without one)");
			goto fail;
		}
		close(nlfd);
		close(nsfd);
	}
	net->next = 2;
	*out = net;
	net = NULL;
	rc = 0;
	goto out;
nomem:
	snprintf(msg, n, "out of memory");
fail:
	rc = -1;
out:
	if (net && net->bridge_idx > 0 && fd >= 0)
		(void)link_del(fd, net->bridge_idx);
	if (lockfd >= 0)
		close(lockfd); /* releases the flock */
	if (fd >= 0)
		close(fd);
	free(al.net);
	free(ll.v);
	if (net) {
		pthread_mutex_destroy(&net->lock);
		free(net->used);
		free(net);
	}
	return rc;
}

void run_net_free(struct run_net *net)
{
	int fd;

	if (!net)
		return;
	fd = nl_open();
	if (fd >= 0) {
		/* By index, so a bridge renamed or recreated by someone else is
		 * left alone. */
		(void)link_del(fd, net->bridge_idx);
		close(fd);
	}
	pthread_mutex_destroy(&net->lock);
	free(net->used);
	free(net);
}

const char *run_net_bridge(const struct run_net *net)
{
	return net->bridge;
}

const char *run_net_gateway(const struct run_net *net)
{
	return net->gateway;
}

int run_net_prefix(const struct run_net *net)
{
	return net->prefix;
}

unsigned run_net_in_use(struct run_net *net)
{
	unsigned v;

	pthread_mutex_lock(&net->lock);
	v = net->in_use;
	pthread_mutex_unlock(&net->lock);
	return v;
}

static unsigned addr_take(struct run_net *net)
{
	unsigned i, idx = 0;

	pthread_mutex_lock(&net->lock);
	for (i = 0; i < net->n_hosts - 1; i++) {
		unsigned c = 2 + (net->next - 2 + i) % (net->n_hosts - 1);

		if (!net->used[c]) {
			idx = c;
			net->used[c] = 1;
			net->in_use++;
			net->next = c + 1 > net->n_hosts ? 2 : c + 1;
			break;
		}
	}
	pthread_mutex_unlock(&net->lock);
	return idx;
}

static void addr_give(struct run_net *net, unsigned idx)
{
	pthread_mutex_lock(&net->lock);
	if (idx >= 2 && idx <= net->n_hosts && net->used[idx]) {
		net->used[idx] = 0;
		net->in_use--;
	}
	pthread_mutex_unlock(&net->lock);
}

/* A new network namespace (fd) and a netlink socket inside it, made by
 * the calling thread stepping in and back out. */
static int netns_create(int *nsfd, int *nlfd, char *msg, size_t n)
{
	int host = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC), rc = 0;

	*nsfd = *nlfd = -1;
	if (host < 0) {
		snprintf(msg, n, "cannot open this thread's network namespace: %s", strerror(errno));
		return -1;
	}
	if (unshare(CLONE_NEWNET) < 0) {
		snprintf(msg, n, "cannot create a network namespace: %s", strerror(errno));
		close(host);
		return -1;
	}
	*nsfd = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (*nsfd < 0)
		rc = -errno;
	else
		*nlfd = nl_open();
	if (setns(host, CLONE_NEWNET) < 0)
		abort(); /* the thread would pull images from inside: never */
	close(host);
	if (rc == 0 && *nlfd < 0)
		rc = *nlfd;
	if (rc < 0) {
		snprintf(msg, n, "cannot set up the replica's network namespace: %s", strerror(-rc));
		if (*nsfd >= 0)
			close(*nsfd);
		*nsfd = *nlfd = -1;
		return -1;
	}
	return 0;
}

int run_net_replica_up(struct run_net *net, struct run_net_replica *rn, char *msg, size_t n)
{
	int hostfd = -1, nlfd = -1, idx, rc;
	uint32_t ip;

	memset(rn, 0, sizeof(*rn));
	rn->netns_fd = -1;
	rn->host_idx = addr_take(net);
	if (!rn->host_idx) {
		snprintf(msg, n, "no free address left in %s (%u replicas have one)", net->gateway,
			 net->n_hosts - 1);
		return -1;
	}
	ip = net->network + rn->host_idx;
	ip_str(ip, rn->ip);
	/* slsimN + v + host index (a /24 at most: three digits). */
	snprintf(rn->veth, sizeof(rn->veth), "%.7sv%u", net->bridge, (unsigned)(uint8_t)rn->host_idx);
	if (netns_create(&rn->netns_fd, &nlfd, msg, n) < 0)
		goto fail;
	hostfd = nl_open();
	if (hostfd < 0) {
		snprintf(msg, n, "cannot open a netlink socket: %s", strerror(-hostfd));
		goto fail;
	}
	rc = veth_create(hostfd, rn->veth, rn->netns_fd);
	if (rc < 0) {
		snprintf(msg, n, "cannot create veth pair %s: %s%s", rn->veth, strerror(-rc),
			 advice(-rc));
		goto fail;
	}
	idx = link_index(hostfd, rn->veth);
	rc = idx < 0 ? idx : link_set(hostfd, idx, 1, net->bridge_idx, NULL);
	if (rc < 0) {
		snprintf(msg, n, "cannot attach %s to %s: %s", rn->veth, net->bridge, strerror(-rc));
		goto fail;
	}
	/* Inside: loopback, eth0 with the address, default route. */
	rc = link_index(nlfd, "lo");
	if (rc > 0)
		rc = link_set(nlfd, rc, 1, 0, NULL);
	idx = rc < 0 ? rc : link_index(nlfd, "eth0");
	rc = idx < 0 ? idx : addr_add(nlfd, idx, ip, net->prefix);
	if (rc == 0)
		rc = link_set(nlfd, idx, 1, 0, NULL);
	if (rc == 0)
		rc = route_default(nlfd, idx, net->network + 1);
	if (rc < 0) {
		snprintf(msg, n, "cannot configure the replica's eth0 (%s/%d): %s", rn->ip,
			 net->prefix, strerror(-rc));
		goto fail;
	}
	close(nlfd);
	close(hostfd);
	return 0;
fail:
	if (nlfd >= 0)
		close(nlfd);
	if (hostfd >= 0)
		close(hostfd);
	run_net_replica_down(net, rn);
	return -1;
}

void run_net_replica_down(struct run_net *net, struct run_net_replica *rn)
{
	int fd, idx;

	if (rn->veth[0] && (fd = nl_open()) >= 0) {
		/* Deleting the host end takes the peer with it; done here rather
		 * than left to the namespace's teardown so the address is truly
		 * free when it is handed out again. */
		idx = link_index(fd, rn->veth);
		if (idx > 0)
			(void)link_del(fd, idx);
		close(fd);
	}
	if (rn->netns_fd >= 0)
		close(rn->netns_fd);
	if (rn->host_idx)
		addr_give(net, rn->host_idx);
	memset(rn, 0, sizeof(*rn));
	rn->netns_fd = -1;
}
