/*
 * ex_util.c - environment building, signal names, clocks, process
 * start times.
 */
#define _GNU_SOURCE 1
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "ex.h"

void ex_strv_free(char **v)
{
	if (!v)
		return;
	for (char **p = v; *p; p++)
		free(*p);
	free(v);
}

static size_t strv_len(const char *const *v)
{
	size_t n = 0;

	while (v && v[n])
		n++;
	return n;
}

static size_t key_len(const char *kv)
{
	const char *eq = strchr(kv, '=');

	return eq ? (size_t)(eq - kv) : strlen(kv);
}

/* Index of the entry with kv's key in v[0..n), or -1. */
static long find_key(char **v, size_t n, const char *kv)
{
	size_t kl = key_len(kv);

	for (size_t i = 0; i < n; i++)
		if (key_len(v[i]) == kl && strncmp(v[i], kv, kl) == 0)
			return (long)i;
	return -1;
}

/* Sets or replaces kv in v (which has room); takes ownership of kv. */
static void put(char **v, size_t *n, char *kv)
{
	long i = find_key(v, *n, kv);

	if (i >= 0) {
		free(v[i]);
		v[i] = kv;
	} else {
		v[(*n)++] = kv;
	}
}

char **ex_env_build(const char *const *base, const char *const *over,
	const char *hostname, int tty)
{
	size_t cap = strv_len(base) + strv_len(over) + 4, n = 0;
	char **v = calloc(cap, sizeof(*v));
	const char *const *lists[2] = { base, over };
	char *kv;

	if (!v)
		return NULL;
	for (int l = 0; l < 2; l++) {
		for (const char *const *p = lists[l]; p && *p; p++) {
			/* "KEY" without '=' unsets in Docker's exec env. */
			if (!strchr(*p, '='))
				continue;
			kv = strdup(*p);
			if (!kv)
				goto nomem;
			put(v, &n, kv);
		}
	}
	/* What Docker adds when the image does not set them. */
	if (find_key(v, n, "PATH=") < 0) {
		kv = strdup("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
		if (!kv)
			goto nomem;
		v[n++] = kv;
	}
	if (hostname && *hostname && find_key(v, n, "HOSTNAME=") < 0) {
		if (asprintf(&kv, "HOSTNAME=%s", hostname) < 0)
			goto nomem;
		v[n++] = kv;
	}
	if (tty && find_key(v, n, "TERM=") < 0) {
		kv = strdup("TERM=xterm");
		if (!kv)
			goto nomem;
		v[n++] = kv;
	}
	return v;
nomem:
	ex_strv_free(v);
	return NULL;
}

int64_t ex_process_start_ns(pid_t pid)
{
	char path[64], stat[1024];
	unsigned long long ticks = 0;
	struct timespec boot;
	long hz = sysconf(_SC_CLK_TCK);
	int64_t age;
	FILE *f;
	char *p;
	size_t n;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return 0;
	n = fread(stat, 1, sizeof(stat) - 1, f);
	fclose(f);
	stat[n] = '\0';
	/* Field 22, in ticks since boot; the command name (field 2) may
	 * contain spaces and parentheses, so parse after the last ')'. */
	p = strrchr(stat, ')');
	if (!p || hz <= 0 || sscanf(p + 1,
	    " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d %*d %*d %*d %*d %llu",
	    &ticks) != 1 || clock_gettime(CLOCK_BOOTTIME, &boot) < 0)
		return 0;
	age = (int64_t)boot.tv_sec * 1000000000 + boot.tv_nsec -
		(int64_t)(ticks * (1000000000ULL / (unsigned long long)hz));
	return ex_now_ns() - age;
}

int64_t ex_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

void ex_deadline(struct timespec *ts, long ms)
{
	clock_gettime(CLOCK_REALTIME, ts);
	ts->tv_sec += ms / 1000;
	ts->tv_nsec += (ms % 1000) * 1000000L;
	if (ts->tv_nsec >= 1000000000L) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000L;
	}
}

static const struct {
	const char *name;
	int num;
} signames[] = {
	{ "HUP", SIGHUP }, { "INT", SIGINT }, { "QUIT", SIGQUIT },
	{ "ILL", SIGILL }, { "TRAP", SIGTRAP }, { "ABRT", SIGABRT },
	{ "BUS", SIGBUS }, { "FPE", SIGFPE }, { "KILL", SIGKILL },
	{ "USR1", SIGUSR1 }, { "SEGV", SIGSEGV }, { "USR2", SIGUSR2 },
	{ "PIPE", SIGPIPE }, { "ALRM", SIGALRM }, { "TERM", SIGTERM },
	{ "CHLD", SIGCHLD }, { "CONT", SIGCONT }, { "STOP", SIGSTOP },
	{ "TSTP", SIGTSTP }, { "TTIN", SIGTTIN }, { "TTOU", SIGTTOU },
	{ "URG", SIGURG }, { "XCPU", SIGXCPU }, { "XFSZ", SIGXFSZ },
	{ "VTALRM", SIGVTALRM }, { "PROF", SIGPROF }, { "WINCH", SIGWINCH },
	{ "IO", SIGIO }, { "PWR", SIGPWR }, { "SYS", SIGSYS },
};

int ex_parse_signal(const char *s)
{
	char *end;
	long v;

	if (!s || !*s)
		return 0;
	if (*s >= '0' && *s <= '9') {
		v = strtol(s, &end, 10);
		return (*end || v <= 0 || v >= NSIG) ? 0 : (int)v;
	}
	if (strncasecmp(s, "SIG", 3) == 0)
		s += 3;
	for (size_t i = 0; i < sizeof(signames) / sizeof(signames[0]); i++)
		if (strcasecmp(s, signames[i].name) == 0)
			return signames[i].num;
	return 0;
}

int ex_exit_code(int wstatus)
{
	if (WIFSIGNALED(wstatus))
		return 128 + WTERMSIG(wstatus);
	if (WIFEXITED(wstatus))
		return WEXITSTATUS(wstatus);
	return 255;
}
