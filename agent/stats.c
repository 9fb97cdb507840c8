/*
 * agent/stats.c - the "stats" session: one resource sample for docker
 * stats (PROTOCOL.md section 4).
 *
 * When the agent's cgroup holds nothing but the agent and its descendants,
 * it is the container's own (the agent is its init), so the figures come
 * from there, as dockerd's do, and the network from /proc/net/dev.
 * Otherwise (a host process, as under the example backend; a replica of
 * the simulator, which has no cgroups of its own; or below a platform's
 * own init) the cgroup and the network are not the container's alone, so
 * the agent sums itself and its descendants from /proc and gives no
 * network figures rather than someone else's.
 */
#include "agent.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define CGROUP_ROOT "/sys/fs/cgroup"

/* A cgroup v1 memory.limit_in_bytes at least this large means none. */
#define V1_UNLIMITED (UINT64_C(1) << 62)

/* The number in DIR/NAME: 0, 1 for "max" (*v = 0), or -1. */
static int
file_u64(const char *dir, const char *name, uint64_t *v)
{
	char path[4096], buf[64];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (ag_read_file(path, buf, sizeof(buf)) <= 0)
		return -1;
	if (strncmp(buf, "max", 3) == 0) {
		*v = 0;
		return 1;
	}
	*v = strtoull(buf, NULL, 10);
	return 0;
}

/* The value of the line "KEY VALUE" in TEXT, or 0. */
static uint64_t
keyed(const char *text, const char *key)
{
	size_t kl = strlen(key);
	const char *p = text;

	while (p != NULL) {
		if (strncmp(p, key, kl) == 0 && p[kl] == ' ')
			return strtoull(p + kl + 1, NULL, 10);
		if ((p = strchr(p, '\n')) != NULL)
			p++;
	}
	return 0;
}

/* The keyed file DIR/NAME, or "" (BUF holds it). */
static const char *
keyed_file(const char *dir, const char *name, char *buf, size_t len)
{
	char path[4096];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (ag_read_file(path, buf, len) < 0)
		buf[0] = '\0';
	return buf;
}

/* Usage as docker stats shows it: less the page cache the kernel can
 * drop at once (the CLI does the same with dockerd's figures). */
static uint64_t
less_cache(uint64_t usage, uint64_t inactive_file)
{
	return inactive_file < usage ? usage - inactive_file : usage;
}

int
ag_stats_cgroup2(const char *dir, struct ag_stats *st)
{
	char buf[8192];
	uint64_t v;
	const char *io;

	st->cpu_ns = keyed(keyed_file(dir, "cpu.stat", buf, sizeof(buf)),
	    "usage_usec") * 1000;
	if (buf[0] == '\0')
		return -1;
	if (file_u64(dir, "memory.current", &v) == 0)
		st->mem = less_cache(v, keyed(keyed_file(dir, "memory.stat",
		    buf, sizeof(buf)), "inactive_file"));
	if (file_u64(dir, "memory.max", &v) == 0)
		st->mem_limit = v;
	if (file_u64(dir, "pids.current", &v) == 0)
		st->pids = (uint32_t)v;
	/* One line per device: "8:0 rbytes=N wbytes=N rios=N ...". */
	io = keyed_file(dir, "io.stat", buf, sizeof(buf));
	for (const char *p = io; (p = strstr(p, "bytes=")) != NULL; p += 6) {
		if (p > io && p[-1] == 'r')
			st->blk_read += strtoull(p + 6, NULL, 10);
		else if (p > io && p[-1] == 'w')
			st->blk_write += strtoull(p + 6, NULL, 10);
	}
	return 0;
}

int
ag_stats_cgroup1(const char *cpuacct, const char *memory, const char *pids,
    const char *blkio, struct ag_stats *st)
{
	char buf[8192], *save = NULL;
	uint64_t v;

	if (cpuacct == NULL || file_u64(cpuacct, "cpuacct.usage", &v) != 0)
		return -1;
	st->cpu_ns = v;
	if (memory != NULL && file_u64(memory, "memory.usage_in_bytes", &v) == 0)
		st->mem = less_cache(v, keyed(keyed_file(memory, "memory.stat",
		    buf, sizeof(buf)), "total_inactive_file"));
	if (memory != NULL && file_u64(memory, "memory.limit_in_bytes", &v) == 0 &&
	    v < V1_UNLIMITED)
		st->mem_limit = v;
	if (pids != NULL && file_u64(pids, "pids.current", &v) == 0)
		st->pids = (uint32_t)v;
	if (blkio == NULL)
		return 0;
	/* "8:0 Read N", "8:0 Write N", ..., "Total N". */
	keyed_file(blkio, "blkio.throttle.io_service_bytes", buf, sizeof(buf));
	for (char *line = strtok_r(buf, "\n", &save); line;
	    line = strtok_r(NULL, "\n", &save)) {
		char op[16];
		unsigned long long n;

		if (sscanf(line, "%*s %15s %llu", op, &n) != 2)
			continue;
		if (strcmp(op, "Read") == 0)
			st->blk_read += n;
		else if (strcmp(op, "Write") == 0)
			st->blk_write += n;
	}
	return 0;
}

void
ag_stats_netdev(const char *text, struct ag_stats *st)
{
	/* Two header lines, then "  eth0: rx_bytes packets errs drop fifo
	 * frame compressed multicast tx_bytes ...". */
	const char *p = strchr(text, '\n');

	p = p ? strchr(p + 1, '\n') : NULL;
	st->net = 1;
	while (p != NULL && *++p) {
		const char *colon = strchr(p, ':'), *eol = strchr(p, '\n');
		const char *name = p;
		unsigned long long rx, tx;

		if (colon == NULL || (eol != NULL && colon > eol))
			break;
		while (*name == ' ')
			name++;
		if (!(colon - name == 2 && strncmp(name, "lo", 2) == 0) &&
		    sscanf(colon + 1, "%llu %*u %*u %*u %*u %*u %*u %*u %llu",
		    &rx, &tx) == 2) {
			st->rx += rx;
			st->tx += tx;
		}
		p = eol;
	}
}

void
ag_stats_system(const char *text, long hz, struct ag_stats *st)
{
	unsigned long long f[8] = { 0 }, sum = 0;

	/* user nice system idle iowait irq softirq steal, as dockerd sums
	 * them (guest time is already in user). */
	if (strncmp(text, "cpu ", 4) == 0 &&
	    sscanf(text + 4, "%llu %llu %llu %llu %llu %llu %llu %llu", &f[0],
	    &f[1], &f[2], &f[3], &f[4], &f[5], &f[6], &f[7]) >= 4)
		for (int i = 0; i < 8; i++)
			sum += f[i];
	st->system_ns = hz > 0 ? sum * (1000000000ULL / (unsigned long long)hz) : 0;
	st->cpus = 0;
	for (const char *p = text; (p = strstr(p, "\ncpu")) != NULL; p += 4)
		if (p[4] >= '0' && p[4] <= '9')
			st->cpus++;
}

/* Whether the comma-separated LIST names CTRL. */
static int
listed(const char *list, const char *ctrl)
{
	size_t cl = strlen(ctrl);

	for (const char *t = list; *t; t += strcspn(t, ",")) {
		if (*t == ',')
			t++;
		if (strncmp(t, ctrl, cl) == 0 && (t[cl] == ',' || t[cl] == '\0'))
			return 1;
	}
	return 0;
}

int
ag_stats_cgroup_dir(const char *self_cgroup, const char *ctrl,
    const char *mount, char *out, size_t len)
{
	/* "hierarchy-ID:controller-list:path" per line */
	for (const char *l = self_cgroup, *next; l != NULL && *l; l = next) {
		const char *c1 = strchr(l, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
		size_t pl = c2 ? strcspn(c2 + 1, "\n") : 0;
		char list[256];

		next = strchr(l, '\n');
		if (next != NULL)
			next++;
		if (c2 == NULL || (next != NULL && c2 >= next) ||
		    (size_t)(c2 - c1 - 1) >= sizeof(list))
			continue;
		snprintf(list, sizeof(list), "%.*s", (int)(c2 - c1 - 1), c1 + 1);
		if (ctrl == NULL ? strncmp(l, "0::", 3) != 0 : !listed(list, ctrl))
			continue;
		if (pl == 1 && c2[1] == '/')
			pl = 0;	/* the namespace's root: the mount itself */
		snprintf(out, len, "%s%s%s%.*s", CGROUP_ROOT, mount ? "/" : "",
		    mount ? mount : "", (int)pl, c2 + 1);
		return 0;
	}
	return -1;
}

int
ag_stats_procs_own(const char *procs, const pid_t *ours, size_t n)
{
	const char *p = procs;
	int any = 0;

	while (*p) {
		char *end;
		long pid = strtol(p, &end, 10);
		size_t i;

		if (end == p)
			break;
		/* A process outside our PID namespace reads as 0. */
		for (i = 0; i < n && ours[i] != (pid_t)pid; i++)
			;
		if (pid <= 0 || i == n)
			return 0;
		any = 1;
		p = end;
		while (*p == '\n')
			p++;
	}
	return any;
}

/* Whether the cgroup DIR holds only OURS (the agent and its
 * descendants, N of them). */
static int
own_cgroup(const char *dir, const pid_t *ours, size_t n)
{
	char path[4096], *procs = malloc(65536);
	int own = 0;

	snprintf(path, sizeof(path), "%s/cgroup.procs", dir);
	/* Larger than this: a host's cgroup, not a container's. */
	if (procs != NULL && ag_read_file(path, procs, 65536) > 0 &&
	    strlen(procs) < 65535)
		own = ag_stats_procs_own(procs, ours, n);
	free(procs);
	return own;
}

/* The cgroup directories of the agent (v2: d[0]; v1: cpuacct, memory,
 * pids, blkio, NULL where not mounted), when they hold only the agent
 * and its descendants: 0, or -1. */
static int
container_cgroup(char d[4][4096], const char *p[4], const char **source)
{
	static const char *const v1[] = { "cpuacct", "memory", "pids", "blkio" };
	char self[4096];
	struct ag_proc *ps = NULL;
	pid_t *ours = NULL;
	int n, rc = -1;

	if (ag_read_file("/proc/self/cgroup", self, sizeof(self)) <= 0 ||
	    (n = ag_proctree(&ps)) < 0 ||
	    (ours = malloc(((size_t)n + 1) * sizeof(*ours))) == NULL)
		goto out;
	ours[0] = getpid();
	for (int i = 0; i < n; i++)
		ours[i + 1] = ps[i].pid;
	if (access(CGROUP_ROOT "/cgroup.controllers", F_OK) == 0) {
		*source = "cgroup2";
		p[0] = p[1] = p[2] = p[3] = NULL;
		if (ag_stats_cgroup_dir(self, NULL, NULL, d[0], 4096) == 0 &&
		    own_cgroup(d[0], ours, (size_t)n + 1)) {
			p[0] = d[0];
			rc = 0;
		}
		goto out;
	}
	*source = "cgroup1";
	for (int i = 0; i < 4; i++)
		p[i] = ag_stats_cgroup_dir(self, v1[i], v1[i], d[i], 4096) == 0 ?
		    d[i] : NULL;
	/* CPU and memory are what docker stats shows first: both must be
	 * the container's. */
	if (p[0] != NULL && p[1] != NULL && own_cgroup(p[0], ours, (size_t)n + 1) &&
	    own_cgroup(p[1], ours, (size_t)n + 1))
		rc = 0;
out:
	free(ours);
	free(ps);
	return rc;
}

/* The container's own cgroup: 0, or -1 (none, or not the container's). */
static int
from_cgroup(struct ag_stats *st, const char **source)
{
	char d[4][4096];
	const char *p[4];

	if (container_cgroup(d, p, source) < 0)
		return -1;
	if (strcmp(*source, "cgroup2") == 0)
		return ag_stats_cgroup2(p[0], st);
	return ag_stats_cgroup1(p[0], p[1], p[2], p[3], st);
}

/* read_bytes and write_bytes of PID's /proc/PID/io. */
static void
proc_io(pid_t pid, struct ag_stats *st)
{
	char path[64], buf[1024];

	snprintf(path, sizeof(path), "/proc/%d/io", (int)pid);
	if (ag_read_file(path, buf, sizeof(buf)) <= 0)
		return;
	st->blk_read += keyed(buf, "read_bytes:");
	st->blk_write += keyed(buf, "write_bytes:");
}

/* The agent and its descendants: 0, or -1. */
static int
from_processes(struct ag_stats *st, long hz)
{
	struct ag_proc self, *ps;
	int n = ag_proctree(&ps);
	unsigned long long ticks;
	long page = sysconf(_SC_PAGESIZE);
	uint64_t rss, tasks;

	if (n < 0)
		return -1;
	if (ag_proc_read(getpid(), &self) < 0) {
		free(ps);
		return -1;
	}
	/* A process's time is in its own counters while it lives and in its
	 * reaper's children counters afterwards: each counted once. */
	ticks = self.ticks + self.cticks;
	rss = (uint64_t)self.rss;
	tasks = (uint64_t)self.threads;
	proc_io(self.pid, st);
	for (int i = 0; i < n; i++) {
		ticks += ps[i].ticks + ps[i].cticks;
		rss += (uint64_t)ps[i].rss;
		tasks += (uint64_t)ps[i].threads;
		proc_io(ps[i].pid, st);
	}
	free(ps);
	st->cpu_ns = ticks * (1000000000ULL / (unsigned long long)hz);
	st->mem = rss * (uint64_t)(page > 0 ? page : 4096);
	st->pids = (uint32_t)tasks;
	return 0;
}

void
ag_stats(struct ag_session *s)
{
	struct ag_stats st = { 0 };
	struct sl_agent_fields f = { 0 };
	struct timespec now;
	const char *source = "processes";
	char buf[16384];
	long hz = sysconf(_SC_CLK_TCK);
	int rc;

	if (hz <= 0)
		hz = 100;
	clock_gettime(CLOCK_REALTIME, &now);
	if (from_cgroup(&st, &source) == 0) {
		if (ag_read_file("/proc/net/dev", buf, sizeof(buf)) > 0)
			ag_stats_netdev(buf, &st);
	} else {
		memset(&st, 0, sizeof(st));
		source = "processes";
		if (from_processes(&st, hz) < 0) {
			ag_sess_error(s, "internal", "stats: cannot read /proc");
			return;
		}
	}
	if (ag_read_file("/proc/stat", buf, sizeof(buf)) > 0)
		ag_stats_system(buf, hz, &st);
	/* No limit of its own: the machine's memory, as dockerd reports. */
	if (st.mem_limit == 0 && ag_read_file("/proc/meminfo", buf, sizeof(buf)) > 0)
		st.mem_limit = keyed(buf, "MemTotal:") * 1024;
	rc = sl_agent_fields_addf(&f, "read", "%lld", (long long)now.tv_sec *
	    1000000000LL + now.tv_nsec) ||
	    sl_agent_fields_addf(&f, "cpu", "%" PRIu64, st.cpu_ns) ||
	    sl_agent_fields_addf(&f, "system", "%" PRIu64, st.system_ns) ||
	    sl_agent_fields_addf(&f, "cpus", "%" PRIu32, st.cpus) ||
	    sl_agent_fields_addf(&f, "pids", "%" PRIu32, st.pids) ||
	    sl_agent_fields_addf(&f, "mem", "%" PRIu64, st.mem) ||
	    sl_agent_fields_addf(&f, "memlimit", "%" PRIu64, st.mem_limit) ||
	    sl_agent_fields_addf(&f, "blkread", "%" PRIu64, st.blk_read) ||
	    sl_agent_fields_addf(&f, "blkwrite", "%" PRIu64, st.blk_write) ||
	    sl_agent_fields_add(&f, "source", source) ||
	    (st.net && (sl_agent_fields_addf(&f, "rx", "%" PRIu64, st.rx) ||
	    sl_agent_fields_addf(&f, "tx", "%" PRIu64, st.tx)));
	if (rc)
		ag_sess_error(s, "internal", "stats: out of memory");
	else {
		ag_sess_fields(s, SL_AGENT_REPLY, &f);
		ag_sess_done(s);
	}
	sl_agent_fields_free(&f);
}
