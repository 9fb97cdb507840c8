/* run_confine.c - masked paths, capabilities, no_new_privs for the
 * container process (see run_confine.h). */
#include "config.h"

#include "run_confine.h"
#include "oci_fs.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/capability.h>

/* Runs in the cloned child on its own stack (see run_spawn.c). */
#define CHILD_FN __attribute__((no_sanitize_address))

#define BIT(c) ((uint64_t)1 << (c))

CHILD_FN uint64_t run_confine_default_caps(void)
{
	return BIT(CAP_CHOWN) | BIT(CAP_DAC_OVERRIDE) | BIT(CAP_FSETID) |
	       BIT(CAP_FOWNER) | BIT(CAP_MKNOD) | BIT(CAP_NET_RAW) |
	       BIT(CAP_SETGID) | BIT(CAP_SETUID) | BIT(CAP_SETFCAP) |
	       BIT(CAP_SETPCAP) | BIT(CAP_NET_BIND_SERVICE) |
	       BIT(CAP_SYS_CHROOT) | BIT(CAP_KILL) | BIT(CAP_AUDIT_WRITE);
}

/* runc's defaults as moby sets them (daemon/pkg/oci/defaults.go). */
static const char *const masked[] = {
	"proc/acpi", "proc/asound", "proc/interrupts", "proc/kcore", "proc/keys",
	"proc/latency_stats", "proc/sched_debug", "proc/scsi", "proc/timer_list",
	"proc/timer_stats", "sys/devices/virtual/powercap", "sys/firmware",
};

static const char *const readonly[] = {
	"proc/bus", "proc/fs", "proc/irq", "proc/sys", "proc/sysrq-trigger",
};

CHILD_FN void run_confine_fd_path(int fd, char out[32])
{
	char digits[16];
	int n = 0, i = 0;
	unsigned v = (unsigned)fd;

	memcpy(out, "/proc/self/fd/", 14);
	do {
		digits[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (n)
		out[14 + i++] = digits[--n];
	out[14 + i] = '\0';
}

/* A directory gets an empty read-only tmpfs, anything else /dev/null. */
CHILD_FN static int mask_one(int rootfd, const char *rel)
{
	struct stat st;
	char p[32];
	int fd, rc = 0;

	fd = oci_fs_open_in_root(rootfd, rel, O_PATH, 0);
	if (fd == -ENOENT)
		return 0;
	if (fd < 0)
		return fd;
	run_confine_fd_path(fd, p);
	if (fstat(fd, &st) < 0)
		rc = -errno;
	else if (S_ISDIR(st.st_mode))
		rc = mount("tmpfs", p, "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
			   "size=0,mode=555") < 0 ? -errno : 0;
	else
		rc = mount("/dev/null", p, NULL, MS_BIND, NULL) < 0 ? -errno : 0;
	close(fd);
	return rc;
}

/* Bind the path over itself, then remount that bind read-only. */
CHILD_FN static int readonly_one(int rootfd, const char *rel)
{
	char p[32];
	int fd, rc;

	fd = oci_fs_open_in_root(rootfd, rel, O_PATH, 0);
	if (fd == -ENOENT)
		return 0;
	if (fd < 0)
		return fd;
	run_confine_fd_path(fd, p);
	rc = mount(p, p, NULL, MS_BIND | MS_REC, NULL) < 0 ? -errno : 0;
	close(fd);
	if (rc < 0)
		return rc;
	/* Reopen: the old fd names the path under the new mount. */
	fd = oci_fs_open_in_root(rootfd, rel, O_PATH, 0);
	if (fd < 0)
		return fd;
	run_confine_fd_path(fd, p);
	rc = mount(NULL, p, NULL,
		   MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
		   NULL) < 0 ? -errno : 0;
	close(fd);
	return rc;
}

CHILD_FN int run_confine_paths(int rootfd, const char **what)
{
	char p[32];
	size_t i;
	int fd, rc;

	/* sysfs as Docker mounts it: read-only, showing the replica's own
	 * network devices (it is mounted from inside its namespace). */
	*what = "/sys";
	fd = oci_fs_mkdir_in_root(rootfd, "sys", 0555);
	if (fd < 0)
		return fd;
	run_confine_fd_path(fd, p);
	rc = mount("sysfs", p, "sysfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
		   NULL) < 0 ? -errno : 0;
	close(fd);
	if (rc < 0)
		return rc;
	for (i = 0; i < sizeof(masked) / sizeof(masked[0]); i++) {
		*what = masked[i];
		if ((rc = mask_one(rootfd, masked[i])) < 0)
			return rc;
	}
	for (i = 0; i < sizeof(readonly) / sizeof(readonly[0]); i++) {
		*what = readonly[i];
		if ((rc = readonly_one(rootfd, readonly[i])) < 0)
			return rc;
	}
	return 0;
}

CHILD_FN uint64_t run_confine_kept_caps(void)
{
	return run_confine_default_caps() & ~BIT(CAP_MKNOD);
}

CHILD_FN int run_confine_caps(const char **what)
{
	struct __user_cap_header_struct hdr;
	struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3];
	uint64_t keep = run_confine_kept_caps();
	int cap;

	*what = "capability bounding set";
	/* PR_CAPBSET_READ fails with EINVAL past the kernel's last cap. */
	for (cap = 0; cap < 64 && prctl(PR_CAPBSET_READ, cap, 0, 0, 0) >= 0; cap++)
		if (!(keep & BIT(cap)) && prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0)
			return -errno;
	*what = "ambient capabilities";
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
		return -errno;
	/* Inheritable stays empty, as moby does since CVE-2022-24769. */
	*what = "capabilities";
	memset(&hdr, 0, sizeof(hdr));
	memset(data, 0, sizeof(data));
	hdr.version = _LINUX_CAPABILITY_VERSION_3;
	hdr.pid = 0;
	data[0].permitted = data[0].effective = (uint32_t)keep;
	data[1].permitted = data[1].effective = (uint32_t)(keep >> 32);
	if (syscall(SYS_capset, &hdr, data) < 0)
		return -errno;
	return 0;
}

CHILD_FN int run_confine_no_new_privs(const char **what)
{
	*what = "no_new_privs";
	return prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ? -errno : 0;
}
