/*
 * agent/proctree.c - the container's processes as the agent sees them in
 * /proc: its descendants, for top and stats.
 */
#include "agent.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int
ag_read_file(const char *path, char *buf, size_t len)
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

int
ag_proc_read(pid_t pid, struct ag_proc *p)
{
	char path[64], buf[4096], *open, *close_;
	unsigned long long ut, st, start;
	long long cut, cst;
	long rss, threads;
	int ppid, tty;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if (ag_read_file(path, buf, sizeof(buf)) <= 0 ||
	    (open = strchr(buf, '(')) == NULL || (close_ = strrchr(buf, ')')) == NULL)
		return -1;
	snprintf(p->comm, sizeof(p->comm), "%.*s", (int)(close_ - open - 1), open + 1);
	/* The command name may hold spaces and ')': fields after the last. */
	if (sscanf(close_ + 2, "%*c %d %*d %*d %d %*d %*u %*u %*u %*u %*u %llu %llu "
	    "%lld %lld %*d %*d %ld %*d %llu %*u %ld", &ppid, &tty, &ut, &st,
	    &cut, &cst, &threads, &start, &rss) != 9)
		return -1;
	p->pid = pid;
	p->ppid = ppid;
	p->tty = tty;
	p->ticks = ut + st;
	p->cticks = (unsigned long long)(cut > 0 ? cut : 0) +
	    (unsigned long long)(cst > 0 ? cst : 0);
	p->start = start;
	p->rss = rss > 0 ? rss : 0;
	p->threads = threads > 0 ? threads : 1;
	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	p->uid = 0;
	if (ag_read_file(path, buf, sizeof(buf)) > 0) {
		char *u = strstr(buf, "\nUid:");

		if (u != NULL)
			p->uid = (uid_t)strtoul(u + 5, NULL, 10);
	}
	return 0;
}

int
ag_proctree(struct ag_proc **out)
{
	struct ag_proc *ps = NULL;
	size_t n = 0, cap = 0, kept = 0;
	DIR *d = opendir("/proc");
	struct dirent *e;
	char *keep = NULL;
	int grew = 1;

	*out = NULL;
	if (d == NULL)
		return -1;
	while ((e = readdir(d)) != NULL) {
		char *end;
		long pid = strtol(e->d_name, &end, 10);

		if (*end != '\0' || pid <= 0)
			continue;
		if (n == cap) {
			struct ag_proc *np = realloc(ps, (cap ? cap * 2 : 64) * sizeof(*np));

			if (np == NULL) {
				free(ps);
				closedir(d);
				return -1;
			}
			ps = np;
			cap = cap ? cap * 2 : 64;
		}
		if (ag_proc_read((pid_t)pid, &ps[n]) == 0)
			n++;
	}
	closedir(d);
	if (n > 0 && (keep = calloc(n, 1)) == NULL) {
		free(ps);
		return -1;
	}
	/* Children of the agent, then children of those, until nothing
	 * changes (the list is small). */
	while (grew) {
		grew = 0;
		for (size_t i = 0; i < n; i++) {
			if (keep[i])
				continue;
			int parent = ps[i].ppid == getpid();

			for (size_t j = 0; j < n && !parent; j++)
				parent = keep[j] && ps[j].pid == ps[i].ppid;
			if (parent)
				keep[i] = grew = 1;
		}
	}
	for (size_t i = 0; i < n; i++)
		if (keep[i])
			ps[kept++] = ps[i];
	free(keep);
	if (kept == 0) {
		free(ps);
		ps = NULL;
	}
	*out = ps;
	return (int)kept;
}
