/*
 * agent/top.c - the "top" session: the agent's descendants (the
 * container's processes, without the agent itself) read from /proc in
 * ps -ef's columns, as docker top shows them.
 */
#include "agent.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static void
cmdline(const struct ag_proc *p, char *out, size_t len)
{
	char path[64];
	int n;

	snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)p->pid);
	n = ag_read_file(path, out, len);
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

	if (ag_read_file("/proc/stat", buf, sizeof(buf)) <= 0 ||
	    (b = strstr(buf, "\nbtime ")) == NULL)
		return 0;
	return strtoll(b + 7, NULL, 10);
}

void
ag_top(struct ag_session *s)
{
	struct sl_agent_fields f = { 0 };
	struct ag_proc *ps = NULL;
	int n = ag_proctree(&ps);
	long hz = sysconf(_SC_CLK_TCK);
	long long btime = boot_time();
	time_t now = time(NULL);
	int ok;

	if (n < 0) {
		ag_sess_error(s, "internal", "top: cannot read /proc");
		return;
	}
	if (hz <= 0)
		hz = 100;
	ok = sl_agent_fields_add(&f, "titles",
	    "UID\tPID\tPPID\tC\tSTIME\tTTY\tTIME\tCMD") == 0;
	for (int i = 0; ok && i < n; i++) {
		struct ag_proc *p = &ps[i];
		char *user, uidbuf[16], cmd[4096], stime[16], ttyname[16];
		long long started = btime + (long long)(p->start / (unsigned long long)hz);
		long long secs = (long long)(p->ticks / (unsigned long long)hz);
		long long age = (long long)now - started;
		time_t ts = (time_t)started;
		struct tm tm;

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
