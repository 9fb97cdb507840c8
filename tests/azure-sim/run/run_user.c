/* run_user.c - image USER resolution. */
#include "config.h"

#include "run_user.h"
#include "oci_fs.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int all_digits(const char *s)
{
	if (!*s)
		return 0;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return 0;
	return 1;
}

/* Find in the image file (passwd or group, opened inside the root) the
 * entry whose name (by_name) or id matches key; return its id (field 3)
 * and, for passwd, the primary gid (field 4). */
static int lookup(int rootfd, const char *file, const char *key, int by_name,
		  long *id, long *gid)
{
	char line[1024];
	FILE *f;
	int fd, found = 0;

	fd = oci_fs_open_in_root(rootfd, file, O_RDONLY, 0);
	if (fd < 0)
		return 0;
	f = fdopen(fd, "r");
	if (!f) {
		close(fd);
		return 0;
	}
	while (!found && fgets(line, sizeof(line), f)) {
		char *fields[4] = { 0 }, *save = NULL, *tok;
		int nf = 0;

		line[strcspn(line, "\n")] = '\0';
		/* strtok would merge empty fields like the password. */
		for (tok = line; nf < 4 && tok; nf++) {
			fields[nf] = tok;
			save = strchr(tok, ':');
			if (save)
				*save++ = '\0';
			tok = save;
		}
		if (nf < 3)
			continue;
		if (by_name ? !strcmp(fields[0], key) : !strcmp(fields[2], key)) {
			*id = strtol(fields[2], NULL, 10);
			if (gid)
				*gid = nf >= 4 && fields[3] ? strtol(fields[3], NULL, 10) : 0;
			found = 1;
		}
	}
	fclose(f);
	return found;
}

int run_user_resolve(const char *rootfs, const char *user, uid_t *uid,
		     gid_t *gid, char *msg, size_t msglen)
{
	char *u = NULL, *g;
	long id = 0, pgid = 0;
	int rootfd = -1, rc = 0;

	if (!user || !*user)
		return 1;
	u = strdup(user);
	if (!u) {
		snprintf(msg, msglen, "out of memory");
		return -1;
	}
	g = strchr(u, ':');
	if (g)
		*g++ = '\0';
	rootfd = open(rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0) {
		snprintf(msg, msglen, "cannot open rootfs: %s", strerror(errno));
		rc = -1;
		goto out;
	}
	if (all_digits(u)) {
		id = strtol(u, NULL, 10);
		if (!lookup(rootfd, "etc/passwd", u, 0, &id, &pgid))
			pgid = 0;
	} else if (!lookup(rootfd, "etc/passwd", u, 1, &id, &pgid)) {
		snprintf(msg, msglen,
			 "unable to find user %s: no matching entries in passwd file", u);
		rc = -1;
		goto out;
	}
	if (g && *g) {
		if (all_digits(g)) {
			pgid = strtol(g, NULL, 10);
		} else if (!lookup(rootfd, "etc/group", g, 1, &pgid, NULL)) {
			snprintf(msg, msglen,
				 "unable to find group %s: no matching entries in group file", g);
			rc = -1;
			goto out;
		}
	}
	*uid = (uid_t)id;
	*gid = (gid_t)pgid;
out:
	if (rootfd >= 0)
		close(rootfd);
	free(u);
	return rc;
}
