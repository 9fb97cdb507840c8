/* test_run_helpers.c - registry lifecycle for the runner tests. */
#include "config.h"

#include "test_run_helpers.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

static const char *srcdir(void)
{
	const char *s = getenv("top_srcdir");

	return s && *s ? s : ".";
}

static int run_script(const char *script, const char *dir, const char *log)
{
	char cmd[2048];
	int st;

	snprintf(cmd, sizeof(cmd), "'%s/tests/azure-sim/testenv/%s' '%s' >'%s' 2>&1 </dev/null",
		 srcdir(), script, dir, log);
	st = system(cmd);
	return st != -1 && WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

int trh_registry_up(const char *dir, char *host, size_t n, char *why, size_t whylen)
{
	char log[1024], envf[1024], line[256];
	FILE *f;
	int rc;

	snprintf(log, sizeof(log), "%s/up.log", dir);
	rc = run_script("registry-up.sh", dir, log);
	if (rc != 0) {
		snprintf(why, whylen, "registry-up.sh failed (exit %d), see %s", rc, log);
		return -1;
	}
	snprintf(envf, sizeof(envf), "%s/env", dir);
	f = fopen(envf, "r");
	if (!f) {
		snprintf(why, whylen, "no %s", envf);
		return -1;
	}
	rc = -1;
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, "REGISTRY_HOST=", 14)) {
			line[strcspn(line, "\n")] = '\0';
			snprintf(host, n, "%s", line + 14);
			rc = 0;
		}
	}
	fclose(f);
	if (rc < 0)
		snprintf(why, whylen, "REGISTRY_HOST missing in %s", envf);
	return rc;
}

void trh_registry_down(const char *dir)
{
	char log[1024];

	snprintf(log, sizeof(log), "%s/down.log", dir);
	(void)run_script("registry-down.sh", dir, log);
}

char *trh_mkdtemp(const char *prefix)
{
	char *p = malloc(strlen(prefix) + 16);

	if (!p)
		return NULL;
	sprintf(p, "/tmp/%s-XXXXXX", prefix);
	if (!mkdtemp(p)) {
		free(p);
		return NULL;
	}
	return p;
}
