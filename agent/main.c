/*
 * agent/main.c - sockerless-agent: command line, environment, and the
 * "install" subcommand the init container runs.
 */
#include "agent.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct ag_opts ag_opts = {
	.exit_wait = 15,
	.replay = 1 << 20,
	.ping_interval = 20,
};

/* Exit status for the agent's own errors, as docker run uses. */
#define EXIT_AGENT 125

static void
usage(FILE *fp)
{
	fputs("usage: sockerless-agent install DIR\n"
	    "       sockerless-agent [--listen ADDR:PORT | --callback URL] "
	    "[--tty] [--stdin]\n"
	    "                        [--callback-ca FILE] "
	    "(https callbacks: the daemon's CA)\n"
	    "                        [--workdir DIR] [--user USER] "
	    "[--exit-wait SECONDS]\n"
	    "                        [--replay-bytes N] [--ping-interval "
	    "SECONDS] [--] CMD [ARG...]\n"
	    "environment: SOCKERLESS_AGENT_TOKEN (required), "
	    "SOCKERLESS_CALLBACK_URL,\n"
	    "             SOCKERLESS_CALLBACK_CA (PEM text), "
	    "SOCKERLESS_CONTAINER_ID (reverse mode),\n             "
	    "SOCKERLESS_AGENT_DEBUG\n", fp);
}

/* Copies /proc/self/exe to DIR/sockerless-agent through a temporary
 * name, so a reader never sees half a binary. */
static int
install(const char *dir)
{
	char tmp[PATH_MAX], dst[PATH_MAX], buf[65536];
	int in = -1, out = -1, rc = -1;
	ssize_t r;

	if (snprintf(dst, sizeof(dst), "%s/sockerless-agent", dir) >=
	    (int)sizeof(dst) ||
	    snprintf(tmp, sizeof(tmp), "%s/.sockerless-agent.XXXXXX", dir) >=
	    (int)sizeof(tmp)) {
		fprintf(stderr, "sockerless-agent: install: path too long\n");
		return -1;
	}
	if ((in = open("/proc/self/exe", O_RDONLY | O_CLOEXEC)) < 0 ||
	    (out = mkostemp(tmp, O_CLOEXEC)) < 0)
		goto fail;
	while ((r = read(in, buf, sizeof(buf))) != 0) {
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 || ag_write_all(out, buf, (size_t)r) < 0)
			goto fail;
	}
	if (fchmod(out, 0755) < 0 || fsync(out) < 0 || close(out) < 0) {
		out = -1;
		goto fail;
	}
	out = -1;
	if (rename(tmp, dst) < 0)
		goto fail;
	rc = 0;
	goto done;
fail:
	fprintf(stderr, "sockerless-agent: install into %s: %s\n", dir,
	    strerror(errno));
	if (out >= 0)
		close(out);
	unlink(tmp);
done:
	if (in >= 0)
		close(in);
	return rc;
}

static int
number(const char *opt, const char *v, long min, long max, long *out)
{
	char *end;

	errno = 0;
	*out = v ? strtol(v, &end, 10) : 0;
	if (v == NULL || *v == '\0' || *end != '\0' || errno || *out < min ||
	    *out > max) {
		fprintf(stderr, "sockerless-agent: %s: expected a number "
		    "from %ld to %ld\n", opt, min, max);
		return -1;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	const char *tok;
	int i;
	long n;

	if (argc == 3 && strcmp(argv[1], "install") == 0)
		return install(argv[2]) == 0 ? 0 : 1;
	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (strcmp(a, "--") == 0) {
			i++;
			break;
		} else if (strcmp(a, "--tty") == 0 || strcmp(a, "-t") == 0) {
			ag_opts.tty = 1;
			continue;
		} else if (strcmp(a, "--stdin") == 0 || strcmp(a, "-i") == 0) {
			ag_opts.stdin_open = 1;
			continue;
		} else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			usage(stdout);
			return 0;
		} else if (strcmp(a, "--version") == 0) {
			puts(AG_VERSION);
			return 0;
		}
		if (v == NULL) {
			fprintf(stderr, "sockerless-agent: %s needs a value\n", a);
			return EXIT_AGENT;
		}
		i++;
		if (strcmp(a, "--listen") == 0)
			ag_opts.listen = v;
		else if (strcmp(a, "--callback") == 0)
			ag_opts.callback = v;
		else if (strcmp(a, "--callback-ca") == 0)
			ag_opts.callback_ca = v;
		else if (strcmp(a, "--workdir") == 0 || strcmp(a, "-w") == 0)
			ag_opts.workdir = v;
		else if (strcmp(a, "--user") == 0 || strcmp(a, "-u") == 0)
			ag_opts.user = v;
		else if (strcmp(a, "--exit-wait") == 0) {
			if (number(a, v, 0, 3600, &n) < 0)
				return EXIT_AGENT;
			ag_opts.exit_wait = (int)n;
		} else if (strcmp(a, "--replay-bytes") == 0) {
			if (number(a, v, 1, 1L << 30, &n) < 0)
				return EXIT_AGENT;
			ag_opts.replay = (size_t)n;
		} else if (strcmp(a, "--ping-interval") == 0) {
			if (number(a, v, 1, 3600, &n) < 0)
				return EXIT_AGENT;
			ag_opts.ping_interval = (int)n;
		} else {
			fprintf(stderr, "sockerless-agent: unknown option %s\n", a);
			usage(stderr);
			return EXIT_AGENT;
		}
	}
	if (i >= argc) {
		fprintf(stderr, "sockerless-agent: no command to run\n");
		usage(stderr);
		return EXIT_AGENT;
	}
	ag_opts.argv = argv + i;

	tok = getenv("SOCKERLESS_AGENT_TOKEN");
	if (tok == NULL || *tok == '\0') {
		fprintf(stderr, "sockerless-agent: SOCKERLESS_AGENT_TOKEN is "
		    "not set\n");
		return EXIT_AGENT;
	}
	if ((ag_opts.token = strdup(tok)) == NULL)
		return EXIT_AGENT;
	/* The user's processes never see the token. */
	unsetenv("SOCKERLESS_AGENT_TOKEN");
	if (ag_opts.listen == NULL && ag_opts.callback == NULL)
		ag_opts.callback = getenv("SOCKERLESS_CALLBACK_URL");
	if (ag_opts.callback != NULL && *ag_opts.callback == '\0')
		ag_opts.callback = NULL;
	if (ag_opts.listen != NULL && ag_opts.callback != NULL) {
		fprintf(stderr, "sockerless-agent: --listen and --callback "
		    "exclude each other\n");
		return EXIT_AGENT;
	}
	if (ag_opts.callback != NULL) {
		ag_opts.container = getenv("SOCKERLESS_CONTAINER_ID");
		if (ag_opts.container == NULL || *ag_opts.container == '\0') {
			fprintf(stderr, "sockerless-agent: reverse mode needs "
			    "SOCKERLESS_CONTAINER_ID\n");
			return EXIT_AGENT;
		}
		if (ag_reverse_check(ag_opts.callback) < 0)
			return EXIT_AGENT;
	} else if (ag_opts.listen == NULL) {
		ag_opts.listen = "0.0.0.0:0";
	}
	/* Read by ag_tls_init for https only; never the user's. */
	unsetenv("SOCKERLESS_CALLBACK_CA");
	ag_outbuf_init(&ag_main.out, ag_opts.replay);
	ag_signals_block();
	if (ag_opts.callback != NULL ? ag_reverse_start() < 0 :
	    ag_server_start() < 0)
		return EXIT_AGENT;
	int code = ag_supervise();

	fflush(stdout);
	/* Threads may still hold connections: leave without unwinding. */
	_exit(code);
}
