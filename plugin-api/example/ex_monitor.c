/*
 * ex_monitor.c - docker top and docker stats for local processes, read
 * from /proc.  A container is its process session (ex_spawn makes the
 * command a session leader), so its processes are those whose session id
 * is the container's pid; execs run in sessions of their own and are not
 * counted, as they would not be in a cloud backend's sandbox either.
 */
#include <ctype.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ex.h"

/* What /proc/PID/stat says of one process. */
struct proc_stat {
	int pid, ppid, session;
	unsigned long long utime, stime, starttime; /* ticks */
	long rss;                                   /* pages */
};

static int read_small(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "re");
	size_t n;

	if (!f)
		return -1;
	n = fread(buf, 1, len - 1, f);
	fclose(f);
	buf[n] = '\0';
	return (int)n;
}

static int proc_stat(int pid, struct proc_stat *ps)
{
	char path[64], buf[1024], *p;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	if (read_small(path, buf, sizeof(buf)) <= 0)
		return -1;
	/* The command name may hold spaces and ')': parse after the last. */
	p = strrchr(buf, ')');
	ps->pid = pid;
	if (!p || sscanf(p + 1,
	    " %*c %d %*d %d %*d %*d %*u %*u %*u %*u %*u %llu %llu %*d %*d %*d %*d %*d %*d %llu %*u %ld",
	    &ps->ppid, &ps->session, &ps->utime, &ps->stime, &ps->starttime,
	    &ps->rss) != 6)
		return -1;
	return 0;
}

/* The container's session leader, or 0 when nothing runs. */
static pid_t ctr_pid(struct ex_backend *be, sl_container *c)
{
	struct ex_ctr *x = ex_ctr_get(be, c, 0);
	pid_t pid = 0;

	if (!x)
		return 0;
	pthread_mutex_lock(&x->lock);
	if (x->running)
		pid = x->pid;
	pthread_mutex_unlock(&x->lock);
	ex_ctr_put(x);
	return pid;
}

/* Calls fn for every process of session `sid`. */
static void for_session(pid_t sid, void (*fn)(const struct proc_stat *, void *),
	void *arg)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	struct proc_stat ps;

	if (!d)
		return;
	while ((e = readdir(d))) {
		if (!isdigit((unsigned char)e->d_name[0]))
			continue;
		if (!proc_stat(atoi(e->d_name), &ps) && ps.session == sid)
			fn(&ps, arg);
	}
	closedir(d);
}

/* ---- top ---- */

struct table {
	char *buf;
	size_t len, cap;
	int failed;
};

static void add(struct table *t, const char *s, size_t n)
{
	if (t->failed)
		return;
	if (t->len + n + 1 > t->cap) {
		size_t cap = (t->len + n + 1) * 2;
		char *nb = realloc(t->buf, cap);

		if (!nb) {
			t->failed = 1;
			return;
		}
		t->buf = nb;
		t->cap = cap;
	}
	memcpy(t->buf + t->len, s, n);
	t->len += n;
	t->buf[t->len] = '\0';
}

static void top_row(const struct proc_stat *ps, void *arg)
{
	struct table *t = arg;
	char path[64], cmd[1024], cell[256], stime[16];
	long hz = sysconf(_SC_CLK_TCK);
	unsigned long long secs = (ps->utime + ps->stime) / (unsigned long long)(hz > 0 ? hz : 100);
	int64_t started = ex_process_start_ns(ps->pid);
	time_t st = (time_t)(started / 1000000000);
	struct tm tm;
	int n;

	snprintf(path, sizeof(path), "/proc/%d/cmdline", ps->pid);
	n = read_small(path, cmd, sizeof(cmd));
	if (n <= 0)
		return;  /* gone, or a zombie */
	/* argv is NUL-separated; a cell holds no tab or newline. */
	for (int i = 0; i < n; i++)
		if (cmd[i] == '\0' || cmd[i] == '\t' || cmd[i] == '\n')
			cmd[i] = ' ';
	while (n > 0 && cmd[n - 1] == ' ')
		cmd[--n] = '\0';
	if (localtime_r(&st, &tm))
		strftime(stime, sizeof(stime), "%H:%M", &tm);
	else
		strcpy(stime, "?");
	snprintf(cell, sizeof(cell), "%u\t%d\t%d\t0\t%s\t?\t%02llu:%02llu:%02llu\t",
		(unsigned)getuid(), ps->pid, ps->ppid, stime, secs / 3600,
		secs / 60 % 60, secs % 60);
	add(t, cell, strlen(cell));
	add(t, cmd, (size_t)n);
	add(t, "\n", 1);
}

static int ex_top(void *state, sl_call *call, sl_container *c,
	const char *ps_args, char **out)
{
	struct ex_backend *be = state;
	const struct sl_host_v1 *host = be->host;
	static const char titles[] = "UID\tPID\tPPID\tC\tSTIME\tTTY\tTIME\tCMD\n";
	struct table t = {0};
	pid_t pid;

	if (ps_args && *ps_args && strcmp(ps_args, "-ef"))
		return host->set_error(call, SL_EINVAL,
			"the example backend lists processes as ps -ef only, not '%s'",
			ps_args);
	pid = ctr_pid(be, c);
	if (!pid)
		return host->set_error(call, SL_ECONFLICT, "container %s is not running",
			host->ctr_str(c, SL_CTR_ID));
	add(&t, titles, sizeof(titles) - 1);
	for_session(pid, top_row, &t);
	if (!t.failed)
		*out = host->alloc(t.len + 1);
	if (t.failed || !*out) {
		free(t.buf);
		return host->set_error(call, SL_ENOMEM, "out of memory");
	}
	memcpy(*out, t.buf, t.len);
	free(t.buf);
	return SL_OK;
}

/* ---- stats ---- */

static void sum_proc(const struct proc_stat *ps, void *arg)
{
	struct sl_stats_v1 *s = arg;
	long hz = sysconf(_SC_CLK_TCK), page = sysconf(_SC_PAGESIZE);
	char path[64], io[2048], *p;
	unsigned long long v;

	s->pids++;
	s->cpu_total_ns += (ps->utime + ps->stime) *
		(1000000000ULL / (unsigned long long)(hz > 0 ? hz : 100));
	s->mem_usage += (uint64_t)(ps->rss > 0 ? ps->rss : 0) *
		(uint64_t)(page > 0 ? page : 4096);
	snprintf(path, sizeof(path), "/proc/%d/io", ps->pid);
	if (read_small(path, io, sizeof(io)) <= 0)
		return;
	if ((p = strstr(io, "read_bytes:")) && sscanf(p, "read_bytes: %llu", &v) == 1)
		s->blk_read_bytes += v;
	if ((p = strstr(io, "\nwrite_bytes:")) && sscanf(p + 1, "write_bytes: %llu", &v) == 1)
		s->blk_write_bytes += v;
}

/* The machine's CPU time over all CPUs, from the first line of /proc/stat. */
static uint64_t system_ns(void)
{
	char buf[512];
	unsigned long long f[8] = {0}, sum = 0;
	long hz = sysconf(_SC_CLK_TCK);

	if (read_small("/proc/stat", buf, sizeof(buf)) <= 0 ||
	    sscanf(buf, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &f[0], &f[1],
		    &f[2], &f[3], &f[4], &f[5], &f[6], &f[7]) < 4)
		return 0;
	for (int i = 0; i < 8; i++)
		sum += f[i];
	return sum * (1000000000ULL / (unsigned long long)(hz > 0 ? hz : 100));
}

/* The container's --memory, else the machine's physical memory. */
static int64_t host_memory(sl_container *c, struct ex_backend *be)
{
	int64_t m = be->host->ctr_int(c, SL_CTR_MEMORY);
	long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);

	if (m > 0)
		return m;
	return pages > 0 && page > 0 ? (int64_t)pages * page : 0;
}

static int ex_stats(void *state, sl_call *call, sl_container *c,
	struct sl_stats_v1 *out)
{
	struct ex_backend *be = state;
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	pid_t pid = ctr_pid(be, c);

	(void)call;
	out->read_ns = ex_now_ns();
	out->online_cpus = ncpu > 0 ? (uint32_t)ncpu : 1;
	out->cpu_system_ns = system_ns();
	/* Without --memory a process may use the machine's memory, which is
	 * what dockerd reports as the limit too. */
	if (host_memory(c, be) > 0)
		out->mem_limit = (uint64_t)host_memory(c, be);
	if (pid)
		for_session(pid, sum_proc, out);
	return SL_OK;
}

const struct sl_monitor_ops_v1 ex_monitor_ops = {
	SL_HEADER(struct sl_monitor_ops_v1),
	.top = ex_top,
	.stats = ex_stats,
};
