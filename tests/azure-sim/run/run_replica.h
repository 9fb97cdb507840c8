/* run_replica.h - run one Container Apps job replica for real.
 *
 * A replica (Kubernetes pod) runs its init containers one after another,
 * then all its containers at once. Each container gets the image's rootfs
 * (an overlay over the cached image when the kernel allows it, else a
 * copy), private mount + PID + UTS + IPC namespaces (hostname = replica
 * name), chroot, /proc, a minimal /dev, the EmptyDir volumes bind-mounted
 * at their mountPath (one directory per volume, shared by every container
 * of the replica) and the AzureFile volumes' host directories (shared with
 * other replicas; read-only when asked), env = image Env overlaid by the spec env, and argv with
 * Kubernetes semantics: `command` replaces the image ENTRYPOINT and `args`
 * replaces CMD (command without args drops CMD; args alone keep
 * ENTRYPOINT). As kubelet does, "$(NAME)" in command, args and env
 * values is replaced by the spec env var NAME (env values see only the
 * vars listed before them; image Env is not used), "$$" becomes "$" and
 * unknown references stay as written. The env also gets HOSTNAME and a
 * default PATH if the image has none; /etc/hostname, /etc/hosts and the
 * host's /etc/resolv.conf are bind-mounted as in a pod. A missing
 * WorkingDir is created.
 *
 * Isolation (Docker's defaults, see run_confine.h and run_net.h): the
 * root is entered with pivot_root (old root detached), /sys is read-only,
 * runc's masked and read-only /proc and /sys paths apply, capabilities
 * are cut to Docker's default set less CAP_MKNOD, no_new_privs is set,
 * and each replica has a network namespace of its own (eth0 on the
 * engine's bridge, an address the host can reach, loopback) shared by its
 * containers, as the containers of a pod share one. Not isolated: no user
 * namespace (root inside is root outside, minus the dropped
 * capabilities), no seccomp filter, no cgroup limits (cpu/memory are
 * accepted and ignored), no AppArmor/SELinux profile.
 *
 * The container's first process is PID 1 of its namespace, so
 * like in Kubernetes a PID 1 that installs no SIGTERM handler ignores the
 * stop signal and is killed after the grace period.
 *
 * Before anything else a replica may wait schedule_delay_ms (placement on
 * a node); then each image is pulled, failed pulls being retried with
 * kubelet's back-off when pull_retry is set. Both waits end at once on a
 * stop, the deadline or engine shutdown.
 *
 * Stop (API or replicaTimeout) = SIGTERM to each running container's init
 * process, then SIGKILL after the grace period; SIGKILL of a namespace's
 * init kills everything in it. Exit codes: the exit status, or 128+signal.
 *
 * Threads: every replica has one thread that pulls, spawns, reads output
 * and reaps. ALL callbacks of a replica are called from that thread, in
 * order, never concurrently with each other; callbacks of different
 * replicas run concurrently. Callbacks must not block for long (they
 * delay output reading) and must not call run_engine_free(); they may call
 * run_engine_stop() and run_engine_start().
 *
 * Requires root (CAP_SYS_ADMIN, CAP_NET_ADMIN) for namespaces, mounts,
 * pivot_root and the bridge; use
 * run_probe() at startup to fail early with a clear message.
 */
#ifndef SL_RUN_REPLICA_H
#define SL_RUN_REPLICA_H

#include <stddef.h>
#include <time.h>

#include "oci_image.h"

enum run_status {
	RUN_OK = 0,
	RUN_E_INVALID = -1, /* bad spec: unknown volume, a volume neither
			     * EmptyDir nor AzureFile with a host directory,
			     * unresolvable secretRef, duplicate name, ... */
	RUN_E_EXISTS = -2,  /* a live replica already has this name */
	RUN_E_NOT_FOUND = -3, /* no live replica with this name */
	RUN_E_SYSTEM = -4,  /* thread/fd/filesystem failure */
	RUN_E_NOMEM = -5,
	RUN_E_SHUTDOWN = -6 /* engine is shutting down */
};

#define RUN_ERR_MAX 512
struct run_err {
	char msg[RUN_ERR_MAX];
};

/* ---- replica specification (all of it is deep-copied by
 * run_engine_start(); the caller may free its copy afterwards) ---- */

struct run_env_var {
	const char *name;
	const char *value;      /* used when secret_ref is NULL */
	const char *secret_ref; /* if set, resolved by run_callbacks.resolve_secret
				 * inside run_engine_start() */
};

struct run_volume_mount {
	const char *volume_name;
	const char *mount_path; /* absolute path inside the container */
	const char *sub_path;   /* NULL/"" = whole volume; else a relative
				 * directory inside the volume, created if
				 * missing (no "..") */
};

struct run_container_spec {
	const char *name;
	const char *image;             /* reference as in the job template */
	const char *const *command;    /* NULL-terminated; NULL or empty = unset */
	const char *const *args;       /* NULL-terminated; NULL or empty = unset */
	const struct run_env_var *env;
	size_t n_env;
	const char *working_dir;       /* NULL = image WorkingDir, else "/" */
	double cpu;                    /* accepted, ignored */
	const char *memory;            /* accepted, ignored */
	const struct run_volume_mount *mounts;
	size_t n_mounts;
};

struct run_volume {
	const char *name;
	const char *storage_type; /* NULL, "" or "EmptyDir": a fresh directory
				   * per replica; "AzureFile": host_path;
				   * anything else (Secret, NfsAzureFile) is
				   * rejected with RUN_E_INVALID */
	const char *host_path;    /* AzureFile: the share's host directory,
				   * bind-mounted as is (shared with other
				   * replicas) */
	int read_only;            /* AzureFile accessMode ReadOnly */
};

/* Registry credentials for this replica (job configuration.registries,
 * passwordSecretRef already resolved); matched on the registry host of
 * the image reference as written (before the simulator's host mapping). */
struct run_registry_cred {
	const char *server;
	const char *username;
	const char *password;
};

/* Upper bound on init containers + containers of one replica. */
#define RUN_MAX_CONTAINERS 64

struct run_replica_spec {
	const char *replica_name; /* "<execution>-<5 alnum>"; also hostname */
	const struct run_container_spec *init_containers;
	size_t n_init_containers;
	const struct run_container_spec *containers; /* at least one */
	size_t n_containers;
	const struct run_volume *volumes;
	size_t n_volumes;
	const struct run_registry_cred *registries;
	size_t n_registries;
	int replica_timeout_s; /* > 0: stop (TERM, grace, KILL) after this
				* many seconds from start, status TIMED_OUT;
				* 0 = no limit */
	int stop_grace_s;      /* < 0: engine default */
	int schedule_delay_ms; /* > 0: wait this long before the first pull,
				* as a replica waits to be placed on a node
				* (stop and replicaTimeout still apply) */
	int pull_retry;        /* 0: a failed pull fails the replica at once;
				* 1: retry with back-off, as kubelet does
				* (ImagePullBackOff consumes no retry), until
				* it succeeds, the replica is stopped or
				* replicaTimeout ends it */
	int pull_backoff_ms;   /* first back-off between attempts (<= 0:
				* RUN_PULL_BACKOFF_MS); doubles up to
				* RUN_PULL_BACKOFF_MAX_MS */
};

/* kubelet's image pull back-off: 10 s, doubling, capped at 5 minutes. */
#define RUN_PULL_BACKOFF_MS 10000
#define RUN_PULL_BACKOFF_MAX_MS 300000

/* ---- callbacks ---- */

enum run_stream { RUN_STDOUT = 1, RUN_STDERR = 2 };

enum run_replica_result {
	RUN_REPLICA_SUCCEEDED, /* every container exited 0 */
	RUN_REPLICA_FAILED,    /* a container exited non-zero, could not be
				* created, or its image could not be pulled */
	RUN_REPLICA_STOPPED,   /* run_engine_stop() or engine shutdown */
	RUN_REPLICA_TIMED_OUT  /* replicaTimeout elapsed */
};

/* Exit code passed to on_container_exit when the container never ran
 * (image pull failure). A container whose process could not be executed
 * (e.g. command not found) reports 128, as Kubernetes' StartError does. */
#define RUN_EXIT_NONE (-1)

/* System log reasons passed to on_event, with their message formats
 * (single quotes as in Container Apps system logs): */
#define RUN_REASON_PULLING_IMAGE "PullingImage"
	/* "Pulling image '<image>'" */
#define RUN_REASON_PULLED_IMAGE "PulledImage"
	/* "Successfully pulled image '<image>' in <seconds>s" */
#define RUN_REASON_IMAGE_PULL_FAILURE "ImagePullFailure"
	/* "Failed to pull image '<image>': <detail>" */
#define RUN_REASON_IMAGE_PULL_UNAUTHORIZED "ImagePullUnauthorized"
	/* "Failed to pull image '<image>': <detail>" (401/403) */
#define RUN_REASON_IMAGE_PULL_BACKOFF "BackOff"
	/* with pull_retry, after each failed attempt:
	 * "Back-off pulling image '<image>'" */
#define RUN_REASON_ASSIGNING_REPLICA "AssigningReplica"
	/* replica-level, after schedule_delay_ms: "Replica '<r>' has been
	 * scheduled to run on a node." */
#define RUN_REASON_CONTAINER_CREATED "ContainerCreated"
	/* "Created container '<c>'" */
#define RUN_REASON_CONTAINER_CREATE_FAILURE "ContainerCreateFailure"
	/* "Failed to create container '<c>': <detail>" */
#define RUN_REASON_CONTAINER_STARTED "ContainerStarted"
	/* "Started container '<c>'" */
#define RUN_REASON_STOPPING_CONTAINER "StoppingContainer"
	/* "Stopping container '<c>'" */
#define RUN_REASON_CONTAINER_TERMINATED "ContainerTerminated"
	/* "Container '<c>' was terminated with exit code '<n>'", or after a
	 * pull failure "Container '<c>' was terminated with exit code '' and
	 * reason 'ImagePullFailure'" */
#define RUN_REASON_ERROR "Error"
	/* not emitted by the runner: the Log Analytics writer adds it beside
	 * ContainerTerminated for a non-zero exit, same message */
#define RUN_REASON_DEADLINE_EXCEEDED "DeadlineExceeded"
	/* replica-level (container NULL): "Replica '<r>' has been running
	 * longer than replicaTimeout of <n> seconds" */

struct run_callbacks {
	void *ud; /* passed first to every callback */

	/* Resolve a secretRef; called synchronously from run_engine_start()
	 * in the caller's thread. Return 0 and a heap string in *value (freed
	 * by the runner with free()), or non-zero if the secret is unknown.
	 * May be NULL if no env var uses secret_ref. */
	int (*resolve_secret)(void *ud, const char *secret_ref, char **value);

	/* A system log event (reasons above). container may be NULL for
	 * replica-level events. */
	void (*on_event)(void *ud, const char *replica, const char *container,
			 const char *reason, const char *message);

	/* A container's process was started (after ContainerStarted). */
	void (*on_container_start)(void *ud, const char *replica,
				   const char *container, int is_init);

	/* One line of output, while the process runs. `line` excludes the
	 * '\n' and is NUL terminated (len bytes; it may contain NUL bytes).
	 * Lines longer than 16 KiB arrive in 16 KiB pieces with partial = 1
	 * except the last piece (CRI "P"/"F" tags); an unterminated last line
	 * is flushed at exit with partial = 0. ts = CLOCK_REALTIME when the
	 * line's last byte was read. */
	void (*on_output)(void *ud, const char *replica, const char *container,
			  enum run_stream stream, const char *line, size_t len,
			  int partial, const struct timespec *ts);

	/* A container ended: exit status, 128+signal, 128 when it could not
	 * be executed, RUN_EXIT_NONE when its image could not be pulled. */
	void (*on_container_exit)(void *ud, const char *replica,
				  const char *container, int is_init,
				  int exit_code);

	/* Last callback of the replica, called once every process of the
	 * replica is gone and its directories are removed. message is a short
	 * human-readable explanation (e.g. "Container 'main' exited with code
	 * '3'"). Once it returns the replica name may be reused. */
	void (*on_replica_done)(void *ud, const char *replica,
				enum run_replica_result result,
				const char *message);
};

/* ---- engine ---- */

enum run_rootfs_mode {
	RUN_ROOTFS_AUTO = 0, /* overlay if it works here, else copy */
	RUN_ROOTFS_OVERLAY,
	RUN_ROOTFS_COPY
};

struct run_engine_config {
	/* Root of all on-disk state: images under STATE/images (see
	 * oci_image.h), replicas under STATE/replicas/<name>/. Created if
	 * missing. */
	const char *state_dir;
	/* Registry host mapping and plain-HTTP hosts for the puller. */
	const struct oci_registry_map *maps;
	size_t n_maps;
	const char *const *plain_http;
	size_t n_plain_http;
	int default_grace_s;   /* <= 0: 30 s, as Container Apps */
	enum run_rootfs_mode rootfs_mode;
	/* Replica addresses come from a /24 of this IPv4 pool (or the pool
	 * itself if smaller) not used on the host; NULL = 10.213.0.0/16. */
	const char *net_pool;
	/* 1: no network namespace, replicas share the host's network (an
	 * explicit opt-out; no bridge is created). */
	int host_network;
};

struct run_engine;

/* Create an engine (and its image puller). Does not probe namespaces; call
 * run_probe() first. Returns NULL with err filled on failure. */
struct run_engine *run_engine_new(const struct run_engine_config *cfg,
				  struct run_err *err);

/* Start a replica asynchronously. Validates and copies the spec, resolves
 * secretRefs, creates the replica thread and returns 0; everything after
 * that is reported through the callbacks (on_replica_done always comes,
 * exactly once, unless this returns an error). cb is copied. */
int run_engine_start(struct run_engine *e, const struct run_replica_spec *spec,
		     const struct run_callbacks *cb, struct run_err *err);

/* Ask a live replica to stop: SIGTERM now, SIGKILL after grace_s seconds
 * (< 0: the replica's stop_grace_s / engine default). A pending pull is
 * cancelled and containers not yet started never start. Returns at once;
 * the result is RUN_REPLICA_STOPPED (unless the replica finished first).
 * Returns RUN_E_NOT_FOUND if no live replica has that name. */
int run_engine_stop(struct run_engine *e, const char *replica_name,
		    int grace_s);

/* Number of replicas whose on_replica_done has not returned yet. */
size_t run_engine_live(struct run_engine *e);

/* The address of a live replica whose network is up ("" and
 * RUN_E_NOT_FOUND otherwise, or always with host_network). */
int run_engine_replica_ip(struct run_engine *e, const char *replica_name, char ip[16]);

/* Call fn for every live replica that has an address, under the engine
 * lock (fn must not call back into the engine). Returns how many. */
size_t run_engine_each_ip(struct run_engine *e,
			  void (*fn)(void *ud, const char *replica, const char *ip), void *ud);

struct run_network_info {
	char bridge[16];  /* e.g. "slsim0" */
	char gateway[16]; /* the bridge's address: the host, seen from replicas */
	int prefix;
	unsigned in_use;  /* addresses handed out now */
};

/* The engine's bridge; RUN_E_NOT_FOUND with host_network. */
int run_engine_network(struct run_engine *e, struct run_network_info *info);

/* Kill every replica at once (SIGKILL, result STOPPED), wait for their
 * threads (their callbacks still run), remove their directories and free
 * the engine. NULL-safe. Must not be called from a callback. */
void run_engine_free(struct run_engine *e);

/* Check that this process can run replicas: root, mount/PID/UTS/IPC
 * namespaces, mounting proc/tmpfs, chroot, openat2(RESOLVE_IN_ROOT).
 * Forks a short-lived child to try it. Returns 0, or -1 with err holding a
 * message suitable to print before exiting. */
int run_probe(struct run_err *err);

/* Whether overlayfs works for rootfs copies under state_dir (0/1). */
int run_probe_overlay(const char *state_dir);

#endif
