/*
 * agent/test_stats.c - the stats session's readers of cgroup v2 and v1
 * files, /proc/net/dev and /proc/stat, on files made here (a container's
 * cgroup is not there to read in a test).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "agent/agent.h"

/* The session calls stats.c makes; the session itself is not tested here. */
int ag_sess_error(struct ag_session *s, const char *code, const char *fmt, ...)
{
	(void)s; (void)code; (void)fmt;
	return -1;
}
int ag_sess_fields(struct ag_session *s, int type, const struct sl_agent_fields *f)
{
	(void)s; (void)type; (void)f;
	return 0;
}
void ag_sess_done(struct ag_session *s)
{
	(void)s;
}

static char dir[64];

static void
put(const char *sub, const char *name, const char *text)
{
	char p[256];
	FILE *f;

	snprintf(p, sizeof(p), "%s%s%s/%s", dir, *sub ? "/" : "", sub, name);
	assert_non_null(f = fopen(p, "w"));
	fputs(text, f);
	fclose(f);
}

static int
setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/ag-stats-test.XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int
teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static void
cgroup2(void **state)
{
	struct ag_stats st = { 0 };
	char p[128];

	(void)state;
	put("", "cpu.stat", "usage_usec 2500000\nuser_usec 2000000\n"
	    "system_usec 500000\n");
	put("", "memory.current", "10485760\n");
	put("", "memory.stat", "anon 4194304\nfile 6291456\nactive_file 1048576\n"
	    "inactive_file 2097152\n");
	put("", "memory.max", "536870912\n");
	put("", "pids.current", "4\n");
	put("", "io.stat", "8:0 rbytes=1000 wbytes=2000 rios=3 wios=4 dbytes=99 dios=1\n"
	    "8:16 rbytes=10 wbytes=20 rios=1 wios=1 dbytes=0 dios=0\n");
	assert_int_equal(ag_stats_cgroup2(dir, &st), 0);
	assert_true(st.cpu_ns == 2500000000ULL);
	/* Less the inactive page cache, as docker stats shows it. */
	assert_true(st.mem == 10485760 - 2097152);
	assert_true(st.mem_limit == 536870912);
	assert_int_equal(st.pids, 4);
	assert_true(st.blk_read == 1010 && st.blk_write == 2020);

	/* No limit: none reported (the caller uses the machine's memory). */
	memset(&st, 0, sizeof(st));
	put("", "memory.max", "max\n");
	assert_int_equal(ag_stats_cgroup2(dir, &st), 0);
	assert_true(st.mem_limit == 0);

	/* Without cpu.stat it is not a cgroup the agent can read. */
	memset(&st, 0, sizeof(st));
	snprintf(p, sizeof(p), "%s/cpu.stat", dir);
	assert_int_equal(unlink(p), 0);
	assert_int_equal(ag_stats_cgroup2(dir, &st), -1);
}

static void
cgroup1(void **state)
{
	struct ag_stats st = { 0 };
	char cpu[128], mem[128], pids[128], blk[128];

	(void)state;
	snprintf(cpu, sizeof(cpu), "%s/cpuacct", dir);
	snprintf(mem, sizeof(mem), "%s/memory", dir);
	snprintf(pids, sizeof(pids), "%s/pids", dir);
	snprintf(blk, sizeof(blk), "%s/blkio", dir);
	assert_int_equal(mkdir(cpu, 0700) | mkdir(mem, 0700) | mkdir(pids, 0700) |
	    mkdir(blk, 0700), 0);
	put("cpuacct", "cpuacct.usage", "123456789\n");
	put("memory", "memory.usage_in_bytes", "8000000\n");
	put("memory", "memory.stat", "cache 100\ninactive_file 5\n"
	    "total_inactive_file 1000000\n");
	put("memory", "memory.limit_in_bytes", "9223372036854771712\n");
	put("pids", "pids.current", "2\n");
	put("blkio", "blkio.throttle.io_service_bytes", "8:0 Read 4096\n"
	    "8:0 Write 8192\n8:0 Sync 8192\n8:0 Async 4096\n8:0 Total 12288\n"
	    "Total 12288\n");
	assert_int_equal(ag_stats_cgroup1(cpu, mem, pids, blk, &st), 0);
	assert_true(st.cpu_ns == 123456789);
	assert_true(st.mem == 7000000);
	/* The kernel's "unlimited" is no limit. */
	assert_true(st.mem_limit == 0);
	assert_int_equal(st.pids, 2);
	assert_true(st.blk_read == 4096 && st.blk_write == 8192);

	memset(&st, 0, sizeof(st));
	put("memory", "memory.limit_in_bytes", "268435456\n");
	assert_int_equal(ag_stats_cgroup1(cpu, mem, NULL, NULL, &st), 0);
	assert_true(st.mem_limit == 268435456 && st.pids == 0);
	assert_int_equal(ag_stats_cgroup1(NULL, mem, pids, blk, &st), -1);
}

static void
cgroup_dir(void **state)
{
	const char *v1 = "12:pids:/\n4:cpu,cpuacct:/docker/abc\n3:memory:/\n"
	    "1:name=systemd:/\n0::/\n";
	char d[256];

	(void)state;
	/* In a cgroup namespace the agent's cgroup is the mount's root. */
	assert_int_equal(ag_stats_cgroup_dir("0::/\n", NULL, NULL, d, sizeof(d)), 0);
	assert_string_equal(d, "/sys/fs/cgroup");
	assert_int_equal(ag_stats_cgroup_dir("0::/kubepods/pod1/c2\n", NULL, NULL,
	    d, sizeof(d)), 0);
	assert_string_equal(d, "/sys/fs/cgroup/kubepods/pod1/c2");
	assert_int_equal(ag_stats_cgroup_dir(v1, "cpuacct", "cpuacct", d,
	    sizeof(d)), 0);
	assert_string_equal(d, "/sys/fs/cgroup/cpuacct/docker/abc");
	assert_int_equal(ag_stats_cgroup_dir(v1, "memory", "memory", d,
	    sizeof(d)), 0);
	assert_string_equal(d, "/sys/fs/cgroup/memory");
	/* "cpu" is not "cpuacct", and blkio is not mounted. */
	assert_int_equal(ag_stats_cgroup_dir("4:cpuacct:/x\n", "cpu", "cpu", d,
	    sizeof(d)), -1);
	assert_int_equal(ag_stats_cgroup_dir(v1, "blkio", "blkio", d, sizeof(d)), -1);
	assert_int_equal(ag_stats_cgroup_dir("4:memory:/\n", NULL, NULL, d,
	    sizeof(d)), -1);
}

static void
procs_own(void **state)
{
	const pid_t ours[] = { 1, 7, 9 };

	(void)state;
	assert_true(ag_stats_procs_own("1\n7\n9\n", ours, 3));
	assert_true(ag_stats_procs_own("9\n1\n", ours, 3));
	/* Someone else's process, or one outside our PID namespace (0). */
	assert_false(ag_stats_procs_own("1\n7\n12\n", ours, 3));
	assert_false(ag_stats_procs_own("1\n0\n0\n", ours, 3));
	assert_false(ag_stats_procs_own("", ours, 3));
}

static void
netdev(void **state)
{
	struct ag_stats st = { 0 };

	(void)state;
	ag_stats_netdev(
	    "Inter-|   Receive                                                |  Transmit\n"
	    " face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed\n"
	    "    lo:  999999     100    0    0    0     0          0         0   999999     100    0    0    0     0       0          0\n"
	    "  eth0:    5000      40    0    0    0     0          0         0     3000      30    0    0    0     0       0          0\n"
	    "  eth1: 700 7 0 0 0 0 0 0 11 1 0 0 0 0 0 0\n", &st);
	assert_true(st.net);
	assert_true(st.rx == 5700 && st.tx == 3011);
}

static void
system_cpu(void **state)
{
	struct ag_stats st = { 0 };

	(void)state;
	ag_stats_system("cpu  100 20 30 400 5 6 7 8 900 1000\n"
	    "cpu0 50 10 15 200 2 3 3 4 0 0\ncpu1 50 10 15 200 3 3 4 4 0 0\n"
	    "intr 12345\nctxt 99\nbtime 1700000000\n", 100, &st);
	/* user..steal, guest left out: 576 ticks of 10 ms. */
	assert_true(st.system_ns == 5760000000ULL);
	assert_int_equal(st.cpus, 2);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(cgroup2),
		cmocka_unit_test(cgroup1),
		cmocka_unit_test(cgroup_dir),
		cmocka_unit_test(procs_own),
		cmocka_unit_test(netdev),
		cmocka_unit_test(system_cpu),
	};
	return cmocka_run_group_tests_name("agent_stats", tests, setup, teardown);
}
