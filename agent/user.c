/*
 * agent/user.c - Docker's user spec (name|uid[:group|gid]) resolved from
 * /etc/passwd and /etc/group.  The agent is linked statically, where
 * glibc's getpwnam would need NSS modules at run time, so it reads the
 * files itself, as runc does.
 */
#include "agent.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Splits LINE at ':' into at most MAX fields in place; the count. */
static int
split(char *line, char **f, int max)
{
	int n = 0;

	line[strcspn(line, "\n")] = '\0';
	f[n++] = line;
	for (char *p = line; *p && n < max; p++)
		if (*p == ':') {
			*p = '\0';
			f[n++] = p + 1;
		}
	return n;
}

/* Parses a decimal id; -1 when S is not a number. */
static int
parse_id(const char *s, unsigned long *out)
{
	char *end;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	*out = strtoul(s, &end, 10);
	if (errno != 0 || *end != '\0' || *out > 0x7fffffffUL)
		return -1;
	return 0;
}

struct pwent {
	char *name;
	uid_t uid;
	gid_t gid;
	char *home;
};

/* Finds NAME (or, when NAME is NULL, UID) in /etc/passwd: 1 found. */
static int
pw_find(const char *name, uid_t uid, struct pwent *e)
{
	FILE *fp = fopen("/etc/passwd", "re");
	char *line = NULL, *f[7];
	size_t cap = 0;
	int found = 0;

	if (fp == NULL)
		return 0;
	while (!found && getline(&line, &cap, fp) > 0) {
		unsigned long u, g;

		if (split(line, f, 7) < 7 || parse_id(f[2], &u) < 0 ||
		    parse_id(f[3], &g) < 0)
			continue;
		if (name ? strcmp(f[0], name) != 0 : (uid_t)u != uid)
			continue;
		e->name = strdup(f[0]);
		e->home = strdup(f[5]);
		e->uid = (uid_t)u;
		e->gid = (gid_t)g;
		found = e->name && e->home ? 1 : -1;
	}
	free(line);
	fclose(fp);
	return found;
}

char *
ag_user_name(uid_t uid)
{
	struct pwent e = { 0 };

	if (pw_find(NULL, uid, &e) != 1) {
		free(e.name);
		free(e.home);
		return NULL;
	}
	free(e.home);
	return e.name;
}

/* Group NAME's gid (1), or the supplementary groups of USER into C. */
static int
gr_scan(const char *name, gid_t *gid, const char *user, struct ag_cred *c)
{
	FILE *fp = fopen("/etc/group", "re");
	char *line = NULL, *f[4];
	size_t cap = 0;
	int found = 0;

	if (fp == NULL)
		return 0;
	while (getline(&line, &cap, fp) > 0) {
		unsigned long g;

		if (split(line, f, 4) < 4 || parse_id(f[2], &g) < 0)
			continue;
		if (name != NULL) {
			if (strcmp(f[0], name) == 0) {
				*gid = (gid_t)g;
				found = 1;
				break;
			}
			continue;
		}
		for (char *save, *m = strtok_r(f[3], ",", &save); m;
		    m = strtok_r(NULL, ",", &save)) {
			if (strcmp(m, user) != 0)
				continue;
			gid_t *ng = realloc(c->groups,
			    (c->ngroups + 1) * sizeof(*ng));
			if (ng == NULL)
				break;
			c->groups = ng;
			c->groups[c->ngroups++] = (gid_t)g;
			break;
		}
	}
	free(line);
	fclose(fp);
	return found;
}

int
ag_user_resolve(const char *spec, struct ag_cred *c, char *err, size_t errlen)
{
	char *u = strdup(spec ? spec : ""), *g;
	struct pwent e = { 0 };
	unsigned long id;
	int rc = -1, found;

	memset(c, 0, sizeof(*c));
	if (u == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	g = strchr(u, ':');
	if (g != NULL)
		*g++ = '\0';
	if (*u == '\0') {
		found = pw_find(NULL, 0, &e);
		c->uid = 0;
	} else if (parse_id(u, &id) == 0) {
		found = pw_find(NULL, (uid_t)id, &e);
		c->uid = (uid_t)id;
	} else {
		found = pw_find(u, 0, &e);
		if (found != 1) {
			snprintf(err, errlen, "unable to find user %s: no "
			    "matching entries in passwd file", u);
			goto out;
		}
	}
	if (found == 1) {
		c->uid = e.uid;
		c->gid = e.gid;
		c->home = e.home;
		e.home = NULL;
		gr_scan(NULL, NULL, e.name, c);
	}
	if (g != NULL && *g != '\0') {
		if (parse_id(g, &id) == 0) {
			c->gid = (gid_t)id;
		} else if (gr_scan(g, &c->gid, NULL, NULL) != 1) {
			snprintf(err, errlen, "unable to find group %s: no "
			    "matching entries in group file", g);
			goto out;
		}
	}
	if (c->home == NULL && (c->home = strdup("/")) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	rc = 0;
out:
	if (rc < 0)
		ag_cred_free(c);
	free(e.name);
	free(e.home);
	free(u);
	return rc;
}

void
ag_cred_free(struct ag_cred *c)
{
	free(c->groups);
	free(c->home);
	c->groups = NULL;
	c->home = NULL;
	c->ngroups = 0;
}
