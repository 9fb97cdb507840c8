/* run_user.h - resolve an image config "User" the way runc does, from the
 * image's own /etc/passwd and /etc/group. Internal to the runner. */
#ifndef SL_RUN_USER_H
#define SL_RUN_USER_H

#include <stddef.h>
#include <sys/types.h>

/* user: "", "name", "uid", "name:group", "uid:gid" (NULL = ""). Returns 0
 * with *uid and *gid set, 1 if no user is configured (stay root), or -1 with
 * msg filled (e.g. "unable to find user app: no matching entries in
 * passwd file"). */
int run_user_resolve(const char *rootfs, const char *user, uid_t *uid,
		     gid_t *gid, char *msg, size_t msglen);

#endif
