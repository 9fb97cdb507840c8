/* run_confine.h - what a container process gives up before exec, as
 * Docker's defaults do: /proc and /sys paths masked or read-only (runc's
 * maskedPaths / readonlyPaths), the capability bounding, permitted and
 * effective sets cut to Docker's default set less CAP_MKNOD (inheritable
 * and ambient empty), no_new_privs. Internal to the runner.
 *
 * Everything here runs in the cloned child between clone and execve:
 * plain system calls only, no heap, no locks (see run_spawn.c). Each
 * function returns 0, or -errno with *what naming the failing path or
 * step. */
#ifndef SL_RUN_CONFINE_H
#define SL_RUN_CONFINE_H

#include <stdint.h>

/* "/proc/self/fd/N" for fd: mount(2) takes paths, and a path built
 * from an fd opened in the container root cannot be redirected. */
void run_confine_fd_path(int fd, char out[32]);

/* Docker's default capabilities (moby daemon/pkg/oci/caps/defaults.go)
 * as a mask of CAP_* bits. */
uint64_t run_confine_default_caps(void);

/* What a container keeps: Docker's set without CAP_MKNOD. Docker can
 * grant CAP_MKNOD because its device cgroup refuses to open any node but
 * the default ones; the runner has no cgroups, so a node made with it
 * could open the host's disks (choice, see README). */
uint64_t run_confine_kept_caps(void);

/* Mount sysfs read-only at ROOT/sys, then mask and make read-only the
 * paths under ROOT/proc and ROOT/sys (rootfd: the container root, with
 * proc already mounted). Paths the kernel does not have are skipped. */
int run_confine_paths(int rootfd, const char **what);

/* Cut the bounding set to the kept set, clear the ambient and
 * inheritable sets, and set permitted = effective = the kept set.
 * Call while still root and before switching to the image user (whose
 * setresuid then empties permitted/effective as for any non-root
 * process, as in Docker). */
int run_confine_caps(const char **what);

/* Set no_new_privs: setuid bits and file capabilities grant nothing. */
int run_confine_no_new_privs(const char **what);

#endif
