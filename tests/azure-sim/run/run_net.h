/* run_net.h - each replica's own network namespace, reachable from the
 * host: a bridge the engine owns (slsimN, the first address of its
 * subnet), one veth pair per replica (eth0 inside), one address per replica
 * from the subnet (released when the replica ends), loopback up and a
 * default route via the bridge. Written with rtnetlink directly, so no
 * tool is needed at run time. Internal to the runner.
 *
 * The subnet is taken from a pool (default RUN_NET_DEFAULT_POOL): the
 * first /24 of the pool (or the pool itself if it is smaller) that no
 * interface of the host uses, so several simulators can run side by
 * side. The bridge carries the alias "sockerless-azure-sim pid=N
 * pidns=I"; a bridge left behind by a process that no longer exists (in
 * the same PID namespace) is removed by the next engine that starts. Replicas reach the host (the simulator, a
 * registry listening on the bridge address); nothing is forwarded or
 * NATed beyond it. */
#ifndef SL_RUN_NET_H
#define SL_RUN_NET_H

#include <stddef.h>

#define RUN_NET_DEFAULT_POOL "10.213.0.0/16"

struct run_net;

struct run_net_replica {
	int netns_fd;      /* -1 when down; the replica's network namespace */
	unsigned host_idx; /* index of its address in the subnet (0 = none) */
	char ip[16];       /* dotted quad */
	char veth[16];     /* host end of the veth pair */
};

/* Create the bridge. pool: "A.B.C.D/P" with 8 <= P <= 29 (NULL: the
 * default). Returns 0, or -1 with msg explaining what failed (e.g. the
 * kernel refused a bridge or veth) and what to do about it. */
int run_net_new(const char *pool, struct run_net **out, char *msg, size_t n);

/* Remove the bridge (every replica must be down). NULL-safe. */
void run_net_free(struct run_net *net);

/* Bridge name, gateway address and prefix length of the subnet. */
const char *run_net_bridge(const struct run_net *net);
const char *run_net_gateway(const struct run_net *net);
int run_net_prefix(const struct run_net *net);

/* Give a replica its namespace, veth and address. Thread-safe. The calling
 * thread enters the new namespace for a moment and comes back. Returns 0,
 * or -1 with msg filled (rn is then down). */
int run_net_replica_up(struct run_net *net, struct run_net_replica *rn,
		       char *msg, size_t n);

/* Undo run_net_replica_up (idempotent; rn must have been zeroed with
 * netns_fd = -1 or brought up). */
void run_net_replica_down(struct run_net *net, struct run_net_replica *rn);

/* Number of addresses currently handed out (tests). */
unsigned run_net_in_use(struct run_net *net);

#endif
