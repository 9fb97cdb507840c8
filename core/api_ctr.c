/*
 * api_ctr.c - helpers shared by the container handlers.
 */
#include "config.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/api_ctr.h"
#include "core/ctrtab.h"
#include "core/daemon.h"

struct sl_container *sl_api_ctr_get(struct sl_req *r, enum MHD_Result *ret)
{
	int amb = 0;
	struct sl_container *c = sl_ctrtab_find(r->params[0], &amb);

	if (c)
		return c;
	if (amb)
		*ret = sl_http_error(r, 400,
			"multiple IDs found with provided prefix: %s", r->params[0]);
	else
		*ret = sl_http_error(r, 404, "No such container: %s", r->params[0]);
	return NULL;
}

enum MHD_Result sl_api_hook_error(struct sl_req *r, struct sl_call *call,
	int rc, const char *what)
{
	if (rc == SL_ENOTMODIFIED)
		return sl_http_empty(r, 304);
	return sl_http_error(r, sl_http_status_of(rc), "%s%s%s", what ? what : "",
		what ? ": " : "", sl_call_message(call, rc));
}

enum MHD_Result sl_api_no_hook(struct sl_req *r, const char *operation)
{
	return sl_http_error(r, 501,
		"%s is not supported by the %s backend", operation,
		sl_daemon.backend.name);
}

int sl_api_ctr_status(struct sl_container *c)
{
	int s;

	pthread_mutex_lock(&c->lock);
	s = c->state.status;
	pthread_mutex_unlock(&c->lock);
	return s;
}

int sl_api_parse_signal(const char *s)
{
	static const struct { const char *name; int num; } sigs[] = {
		{"HUP", SIGHUP}, {"INT", SIGINT}, {"QUIT", SIGQUIT},
		{"ILL", SIGILL}, {"TRAP", SIGTRAP}, {"ABRT", SIGABRT},
		{"BUS", SIGBUS}, {"FPE", SIGFPE}, {"KILL", SIGKILL},
		{"USR1", SIGUSR1}, {"SEGV", SIGSEGV}, {"USR2", SIGUSR2},
		{"PIPE", SIGPIPE}, {"ALRM", SIGALRM}, {"TERM", SIGTERM},
		{"CHLD", SIGCHLD}, {"CONT", SIGCONT}, {"STOP", SIGSTOP},
		{"TSTP", SIGTSTP}, {"TTIN", SIGTTIN}, {"TTOU", SIGTTOU},
		{"URG", SIGURG}, {"XCPU", SIGXCPU}, {"XFSZ", SIGXFSZ},
		{"VTALRM", SIGVTALRM}, {"PROF", SIGPROF}, {"WINCH", SIGWINCH},
		{"IO", SIGIO}, {"PWR", SIGPWR}, {"SYS", SIGSYS},
	};
	char *end;
	long n;

	if (!s || !*s)
		return -1;
	n = strtol(s, &end, 10);
	if (!*end)
		return n > 0 && n < 65 ? (int)n : -1;
	if (!strncasecmp(s, "SIG", 3))
		s += 3;
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		if (!strcasecmp(s, sigs[i].name))
			return sigs[i].num;
	return -1;
}

int sl_api_run_error_code(const char *msg, int dflt)
{
	if (!msg)
		return dflt;
	if (strstr(msg, "executable file not found") ||
	    strstr(msg, "no such file or directory") ||
	    strstr(msg, "not a directory"))
		return 127;
	if (strstr(msg, "permission denied") || strstr(msg, "is a directory"))
		return 126;
	return dflt;
}
