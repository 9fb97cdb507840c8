/*
 * agent/top.c - the "top" session: the agent's descendants (the
 * container's processes, without the agent itself) read from /proc in
 * ps -ef's columns, as docker top shows them.
 */
#include "agent.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

struct proc {
	pid_t pid, ppid;
	uid_t uid;
	unsigned long long ticks, start;
	int tty;
	char comm[64];
	int keep;
};

static int
read_file(const char *path, char *buf, size_t len)
{
	FILE *fp = fopen(path, "re");
	size_t n;

	if (fp == NULL)
		return -1;
	n = fread(buf, 1, len - 1, fp);
	fclose(fp);
	buf[n] = '\0';
	return (int)n;
}

static int
read_proc(pid_t pid, struct proc *p)
{
	char path[64], buf[4096], *open, *close_;
	unsigned long long ut, st, start;
	int ppid, tty;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if (read_file(path, buf, sizeof(buf)) <= 0 ||
	    (open = strchr(buf, '(')) == NULL || (close_ = strrchr(buf, ')')) == NULL)
		return -1;
	snprintf(p->comm, sizeof(p->comm), "%.*s", (int)(close_ - open - 1), open + 1);
	if (sscanf(close_ + 2, "%*c %d %*d %*d %d %*d %*u %*u %*u %*u %*u %llu %llu "
	    "%*d %*d %*d %*d %*d %*d %llu", &ppid, &tty, &ut, &st, &start) != 5)
		return -1;
	p->pid = pid;
	p->ppid = ppid;
	p->tty = tty;
	p->ticks = ut + st;
	p->start = start;
	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	p->uid = 0;
	if (read_file(path, buf, sizeof(buf)) > 0) {
		char *u = strstr(buf, "\nUid:");

		if (u != NULL)
			p->uid = (uid_t)strtoul(u + 5, NULL, 10);
	}
	return 0;
}

static void
cmdline(const struct proc *p, char *out, size_t len)
{
	char path[64];
	int n;

	snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)p->pid);
	n = read_file(path, out, len);
	if (n <= 0) {
		snprintf(out, len, "[%s]", p->comm);
		return;
	}
	while (n > 0 && out[n - 1] == '\0')
		n--;
	for (int i = 0; i < n; i++)
		if (out[i] == '\0' || out[i] == '\t' || out[i] == '\n')
			out[i] = ' ';
	out[n] = '\0';
}

static long long
boot_time(void)
{
	char buf[8192], *b;

	if (read_file("/proc/stat", buf, sizeof(buf)) <= 0 ||
	    (b = strstr(buf, "\nbtime ")) == NULL)
		return 0;
	return strtoll(b + 7, NULL, 10);
}

void
ag_top(struct ag_session *s)
{
	struct sl_agent_fields f = { 0 };
	struct proc *ps = NULL;
	size_t n = 0, cap = 0;
	DIR *d = opendir("/proc");
	struct dirent *e;
	long hz = sysconf(_SC_CLK_TCK);
	long long btime = boot_time();
	time_t now = time(NULL);
	int ok, grew = 1;

	if (d == NULL) {
		ag_sess_error(s, "internal", "top: cannot read /proc");
		return;
	}
	if (hz <= 0)
		hz = 100;
	while ((e = readdir(d)) != NULL) {
		char *end;
		long pid = strtol(e->d_name, &end, 10);

		if (*end != '\0' || pid <= 0)
			continue;
		if (n == cap) {
			struct proc *np = realloc(ps, (cap ? cap * 2 : 64) * sizeof(*np));

			if (np == NULL)
				break;
			ps = np;
			cap = cap ? cap * 2 : 64;
		}
		if (read_proc((pid_t)pid, &ps[n]) == 0) {
			ps[n].keep = 0;
			n++;
		}
	}
	closedir(d);
	/* The agent's descendants: mark children of marked processes until
	 * nothing changes (the list is small). */
	while (grew) {
		grew = 0;
		for (size_t i = 0; i < n; i++) {
			if (ps[i].keep)
				continue;
			int parent = ps[i].ppid == getpid();

			for (size_t j = 0; j < n && !parent; j++)
				parent = ps[j].keep && ps[j].pid == ps[i].ppid;
			if (parent)
				ps[i].keep = grew = 1;
		}
	}
	ok = sl_agent_fields_add(&f, "titles",
	    "UID\tPID\tPPID\tC\tSTIME\tTTY\tTIME\tCMD") == 0;
	for (size_t i = 0; ok && i < n; i++) {
		struct proc *p = &ps[i];
		char *user, uidbuf[16], cmd[4096], stime[16], ttyname[16];
		long long started = btime + (long long)(p->start / (unsigned long long)hz);
		long long secs = (long long)(p->ticks / (unsigned long long)hz);
		long long age = (long long)now - started;
		time_t ts = (time_t)started;
		struct tm tm;

		if (!p->keep)
			continue;
		user = ag_user_name(p->uid);
		snprintf(uidbuf, sizeof(uidbuf), "%u", (unsigned)p->uid);
		cmdline(p, cmd, sizeof(cmd));
		localtime_r(&ts, &tm);
		strftime(stime, sizeof(stime), "%H:%M", &tm);
		if (p->tty == 0)
			strcpy(ttyname, "?");
		else if ((p->tty >> 8 & 0xfff) >= 136 && (p->tty >> 8 & 0xfff) <= 143)
			snprintf(ttyname, sizeof(ttyname), "pts/%d",
			    (p->tty & 0xff) | (p->tty >> 12 & 0xfff00));
		else
			snprintf(ttyname, sizeof(ttyname), "tty%d", p->tty & 0xff);
		ok = sl_agent_fields_addf(&f, "row", "%s\t%d\t%d\t%lld\t%s\t%s\t"
		    "%02lld:%02lld:%02lld\t%s", user ? user : uidbuf, (int)p->pid,
		    (int)p->ppid, age > 0 ? secs * 100 / age : 0, stime, ttyname,
		    secs / 3600, secs / 60 % 60, secs % 60, cmd) == 0;
		free(user);
	}
	free(ps);
	if (!ok)
		ag_sess_error(s, "internal", "top: out of memory");
	else {
		ag_sess_fields(s, SL_AGENT_REPLY, &f);
		ag_sess_done(s);
	}
	sl_agent_fields_free(&f);
}
