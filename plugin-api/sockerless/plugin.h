/*
 * sockerless/plugin.h - the Sockerless backend plugin ABI, version 1.2.
 *
 * A backend is a shared object that exports exactly one function,
 * sockerless_backend_entry_v1().  The daemon (the "host") hands it a table
 * of services (struct sl_host_v1) and receives the backend's table of hooks
 * (struct sl_backend_v1).  Everything a backend can do, and everything the
 * host offers it, crosses this boundary through those two tables and the
 * small structs declared below.  See plugin-api/README.md for a guide.
 *
 * Rules that keep the ABI stable (they are checked by the tests):
 *
 *   - Every struct that crosses the boundary starts with struct_size,
 *     abi_major and abi_minor.  Structs only grow at the end; a zero or NULL
 *     in a newer field means "the old behaviour".  A major bump renames the
 *     entry symbol, so an old plugin fails at load with a clear message.
 *   - The host accepts a plugin whose abi_major equals SL_ABI_MAJOR and
 *     whose abi_minor is at most the host's SL_ABI_MINOR.
 *   - A NULL hook, or a NULL sub-table, means "not supported": the daemon
 *     answers 501 naming the Docker operation.
 *   - No library types cross: no json-c, curl, libmicrohttpd or stdio.
 *     Strings are UTF-8 and borrowed for the duration of the call unless a
 *     comment says otherwise.  Memory handed from one side to the other is
 *     allocated with host->alloc and released with host->free.
 *   - Use designated initializers for your tables; positional ones silently
 *     swap slots of the same type.
 *
 * Threading: every hook may be called concurrently from any thread, even
 * for the same container; the backend locks its own state.  init() returns
 * before any other hook is called and fini() is called after every other
 * hook has returned.  The host holds none of its locks while it calls a
 * hook, and no host service calls a hook back, so a backend thread may
 * call state_changed, ctr_data_set or ctr_lookup while any hook (for the
 * same container too) is in progress: a stop hook may wait for the exit
 * its own supervisor thread reports.
 *
 * Processes: backends install no signal handlers, never call exit(),
 * setenv(), chdir() or setlocale(), and leave no thread running after
 * fini().  The host ignores SIGPIPE process-wide (reset it in a child
 * before execve), never ignores SIGCHLD, never reaps children it did not
 * start (no wait(), no waitpid(-1)), and opens its own descriptors
 * close-on-exec.
 *
 * A backend should check the host table in its entry function with
 * SL_HAS_FIELD(host, struct sl_host_v1, <the newest service it calls>).
 *
 * libcurl: the host calls curl_global_init(CURL_GLOBAL_DEFAULT) once in
 * main(), before it loads the backend and before any thread exists, and
 * curl_global_cleanup() after fini().  A backend that uses libcurl may
 * call curl_global_init itself too (it is reference counted and cheap once
 * the host has done it) but must not rely on being the first caller.
 *
 * History: 1.0 the first release.  1.1 adds the secret store, registry
 * credentials, the local log store and start progress (host services at
 * the end of sl_host_v1), restart_count in sl_state_v1, and the monitor
 * table (top, stats) at the end of sl_backend_v1.  1.2 adds the agent
 * services (agent_token, agent_connect, agent_callback_url, agent_state) at
 * the end of sl_host_v1: a backend that starts sockerless-agent in its
 * containers gets exec, attach, cp, top, pause, kill, exact exit codes and
 * a complete local log copy from the core.  1.3 adds log_append_ex and
 * stream_write_line_ex at the end of sl_host_v1, whose SL_LINE_PARTIAL
 * flag keeps a last line that has no newline as the process wrote it.
 */
#ifndef SOCKERLESS_PLUGIN_H
#define SOCKERLESS_PLUGIN_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

#define SL_ABI_MAJOR 1
#define SL_ABI_MINOR 3

/* The name of the one symbol a v1 plugin exports. */
#define SL_ENTRY_SYMBOL "sockerless_backend_entry_v1"

#if defined(__GNUC__)
#define SL_EXPORT __attribute__((visibility("default")))
#define SL_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define SL_EXPORT
#define SL_PRINTF(f, a)
#endif

/*
 * The version header every boundary struct starts with.  Fill it with
 * SL_HEADER(type) in the struct that owns it.
 */
#define SL_HEADER_FIELDS \
	uint32_t struct_size; \
	uint16_t abi_major; \
	uint16_t abi_minor

#define SL_HEADER(type) \
	.struct_size = sizeof(type), .abi_major = SL_ABI_MAJOR, \
	.abi_minor = SL_ABI_MINOR

/*
 * True when the struct *p (whose size the other side set in struct_size) is
 * large enough to hold member m.  Test this before reading or writing any
 * field added after v1.0, in structs the other side allocated.
 */
#define SL_HAS_FIELD(p, type, m) \
	((p)->struct_size >= offsetof(type, m) + sizeof(((type *)0)->m))

/* ------------------------------------------------------------------ */
/* Status codes                                                         */
/* ------------------------------------------------------------------ */

/*
 * Hooks return SL_OK or one of these negative codes, and set a message with
 * host->set_error().  The daemon maps each to the HTTP status shown.  The
 * list is append-only; values are never reused.
 */
enum sl_status {
	SL_OK = 0,
	SL_ENOTFOUND = -1,   /* 404: no such container, path, execution... */
	SL_ECONFLICT = -2,   /* 409: wrong state, name in use */
	SL_EINVAL = -3,      /* 400: the request cannot be honoured as given */
	SL_ENOTSUP = -4,     /* 501: this backend does not do that */
	SL_EUNAVAIL = -5,    /* 503: cloud or agent unreachable; retryable */
	SL_ETIMEDOUT = -6,   /* 504 (500 for most clients): gave up waiting */
	SL_ECANCELED = -7,   /* the client went away or the daemon stops */
	SL_EPERM = -8,       /* 403: credentials refused */
	SL_ENOMEM = -9,      /* 500: out of memory */
	SL_EABI = -10,       /* load refused: version or table mismatch */
	SL_EINTERNAL = -11,  /* 500: a bug or an unexpected cloud answer */
	SL_ENOTMODIFIED = -12 /* 304: already in the requested state */
};

/* Log levels for host->log(). */
enum sl_log_level {
	SL_LOG_ERROR = 0,
	SL_LOG_WARN = 1,
	SL_LOG_INFO = 2,
	SL_LOG_DEBUG = 3
};

/* ------------------------------------------------------------------ */
/* Opaque host objects                                                  */
/* ------------------------------------------------------------------ */

/*
 * One hook invocation.  Carries the error message and the cancellation
 * state.  Valid only until the hook returns.
 */
typedef struct sl_call sl_call;

/*
 * A container record, owned by the host.  Within a hook the handle is
 * borrowed; to keep it beyond the hook (a poller thread, say) take a
 * reference with host->ctr_ref() and drop it with host->ctr_unref().
 * The configuration read through the accessors never changes while a
 * handle is held.
 */
typedef struct sl_container sl_container;

/* An exec instance, owned by the host; borrowed for the hook. */
typedef struct sl_exec sl_exec;

/*
 * A byte stream between the Docker client and the backend (logs, attach,
 * exec, archive).  The host does Docker's framing (stdcopy headers or the
 * raw TTY stream) and the connection hijack; the backend only moves bytes.
 * Valid only until the hook returns.
 */
typedef struct sl_stream sl_stream;

/* ------------------------------------------------------------------ */
/* Container fields readable through the host accessors                 */
/* ------------------------------------------------------------------ */

/*
 * Field ids for ctr_str / ctr_list / ctr_int.  Append-only.  An id the host
 * does not know, or a field that is unset, reads as NULL or 0.  The values
 * are the effective ones: the create request merged with the image config
 * (so SL_CTR_ENTRYPOINT is the image's ENTRYPOINT unless create overrode
 * it), except the SL_CTR_IMAGE_* ids, which read the image config alone.
 */
enum sl_ctr_str_field {
	SL_CTR_ID = 1,          /* 64 hex */
	SL_CTR_NAME = 2,        /* without the leading '/' */
	SL_CTR_IMAGE = 3,       /* as the user wrote it, e.g. "alpine" */
	SL_CTR_IMAGE_REF = 4,   /* normalised, e.g. "docker.io/library/alpine:latest" */
	SL_CTR_IMAGE_ID = 5,    /* "sha256:..." config digest, if known */
	SL_CTR_WORKING_DIR = 6,
	SL_CTR_USER = 7,
	SL_CTR_HOSTNAME = 8,
	SL_CTR_STOP_SIGNAL = 9, /* e.g. "SIGTERM" */
	SL_CTR_NETWORK_MODE = 10,
	SL_CTR_RESTART_POLICY = 11 /* "no", "always", "on-failure", ... */
};

/* NULL-terminated string arrays. */
enum sl_ctr_list_field {
	SL_CTR_ENTRYPOINT = 1,
	SL_CTR_CMD = 2,
	SL_CTR_ENV = 3,            /* "KEY=value" */
	SL_CTR_LABELS = 4,         /* "key=value" */
	SL_CTR_BINDS = 5,          /* "src:dst[:opts]" as in HostConfig.Binds */
	SL_CTR_EXPOSED_PORTS = 6,  /* "80/tcp" */
	SL_CTR_IMAGE_ENTRYPOINT = 7,
	SL_CTR_IMAGE_CMD = 8,
	SL_CTR_IMAGE_ENV = 9,
	SL_CTR_VOLUMES = 10,       /* named volume mounts "name:dst[:opts]" */
	SL_CTR_PORT_BINDINGS = 11  /* "80/tcp=hostip:hostport" */
};

enum sl_ctr_int_field {
	SL_CTR_TTY = 1,
	SL_CTR_OPEN_STDIN = 2,
	SL_CTR_STDIN_ONCE = 3,
	SL_CTR_ATTACH_STDIN = 4,
	SL_CTR_ATTACH_STDOUT = 5,
	SL_CTR_ATTACH_STDERR = 6,
	SL_CTR_NANO_CPUS = 7,      /* --cpus x 1e9 */
	SL_CTR_MEMORY = 8,         /* bytes, --memory */
	SL_CTR_MEMORY_RESERVATION = 9,
	SL_CTR_CPU_SHARES = 10,
	SL_CTR_AUTO_REMOVE = 11,
	SL_CTR_STOP_TIMEOUT = 12,  /* seconds; -1 when unset */
	SL_CTR_PRIVILEGED = 13,
	SL_CTR_CREATED_NS = 14,    /* unix time in nanoseconds */
	SL_CTR_RESTART_MAX = 15,
	SL_CTR_CONSOLE_HEIGHT = 16,
	SL_CTR_CONSOLE_WIDTH = 17,
	/* The state the host has recorded (what recover() reconciles). */
	SL_CTR_STATUS = 18,        /* enum sl_ctr_status */
	SL_CTR_PID = 19,
	SL_CTR_STARTED_NS = 20,
	SL_CTR_FINISHED_NS = 21,
	SL_CTR_EXIT_CODE = 22
};

/* Exec fields, read through exec_str / exec_list / exec_int. */
enum sl_exec_str_field {
	SL_EXEC_ID = 1,
	SL_EXEC_USER = 2,
	SL_EXEC_WORKING_DIR = 3,
	SL_EXEC_DETACH_KEYS = 4
};

enum sl_exec_list_field {
	SL_EXEC_CMD = 1,
	SL_EXEC_ENV = 2
};

enum sl_exec_int_field {
	SL_EXEC_TTY = 1,
	SL_EXEC_ATTACH_STDIN = 2,
	SL_EXEC_ATTACH_STDOUT = 3,
	SL_EXEC_ATTACH_STDERR = 4,
	SL_EXEC_PRIVILEGED = 5,
	SL_EXEC_CONSOLE_HEIGHT = 6,
	SL_EXEC_CONSOLE_WIDTH = 7
};

/* ------------------------------------------------------------------ */
/* Small structs passed to and from hooks                               */
/* ------------------------------------------------------------------ */

/* Container states, as Docker names them in State.Status. */
enum sl_ctr_status {
	SL_STATUS_CREATED = 1,
	SL_STATUS_RUNNING = 2,
	SL_STATUS_PAUSED = 3,
	SL_STATUS_RESTARTING = 4,
	SL_STATUS_EXITED = 5,
	SL_STATUS_DEAD = 6,
	SL_STATUS_REMOVED = 7  /* the backend removed it (AutoRemove in the cloud) */
};

/* Since 1.2: what host->agent_state() reports of a container's agent. */
enum sl_agent_state {
	SL_AGENT_STATE_NONE = 0,     /* no agent: the backend's hooks answer */
	SL_AGENT_STATE_WAITING = 1,  /* expected (callback URL handed out) or
	                              * reconnecting; not usable yet */
	SL_AGENT_STATE_LIVE = 2,     /* connected: the core routes through it */
	SL_AGENT_STATE_EXITED = 3    /* it reported the main process's exit */
};

/*
 * A state change the backend reports with host->state_changed().  The
 * backend allocates it (on its stack is fine) and fills the header with
 * SL_HEADER(struct sl_state_v1).
 */
struct sl_state_v1 {
	SL_HEADER_FIELDS;
	int32_t status;        /* enum sl_ctr_status */
	/* For EXITED: the process's status, or 128 + the signal number when a
	 * signal killed it (Docker's rule: 137 for SIGKILL). */
	int32_t exit_code;
	int64_t started_ns;    /* unix ns; 0 = unchanged */
	int64_t finished_ns;   /* unix ns; 0 = unchanged */
	int32_t pid;           /* informative; 0 when not local */
	int32_t oom_killed;
	/* Shown as State.Error; say here when exit_code is a guess.  May be NULL. */
	const char *error;
	/*
	 * Since 1.1.  How many times the backend's restart policy (the cloud's
	 * retry, say) restarted the container, shown as RestartCount.  0 =
	 * unchanged; the count never goes down.  `docker restart` does not
	 * count, as in Docker.
	 */
	int32_t restart_count;
};

/*
 * What GET /info shows of the backend.  The host allocates it, zeroes it,
 * sets the header, and the backend fills what it knows.  The host reads
 * the strings after the hook returned, so they must stay valid until
 * fini(): static storage or the backend's own state.
 */
struct sl_info_v1 {
	SL_HEADER_FIELDS;
	const char *driver;           /* "Driver", e.g. "aca-jobs" */
	const char *operating_system; /* "OperatingSystem" */
	const char *os_type;          /* "OSType", normally "linux" */
	const char *architecture;     /* "Architecture", e.g. "x86_64" */
	const char *kernel_version;
	int64_t ncpu;                 /* CPUs a container may use at most */
	int64_t mem_total;            /* bytes a container may use at most */
	/* NULL-terminated "key=value" pairs, shown in DriverStatus. */
	const char *const *driver_status;
};

/*
 * Options for logs().  since/until are unix ns, 0 = unbounded.  tail
 * counts the last lines that pass the stream and time filters, as Docker
 * does.
 */
struct sl_logs_opts_v1 {
	SL_HEADER_FIELDS;
	int32_t follow;
	int32_t stdout_wanted;
	int32_t stderr_wanted;
	int32_t timestamps;   /* the host prefixes them; informative */
	int64_t since_ns;
	int64_t until_ns;
	int64_t tail;         /* -1 = all */
};

/* Options for attach(). */
struct sl_attach_opts_v1 {
	SL_HEADER_FIELDS;
	int32_t stdin_wanted;
	int32_t stdout_wanted;
	int32_t stderr_wanted;
	int32_t logs;         /* replay earlier output first */
	int32_t stream;       /* keep streaming live output */
	int32_t tty;          /* the container has a TTY: one raw stream */
	/*
	 * When the client asked (unix ns).  The client may start the
	 * container before this hook runs (docker run sends attach, then
	 * start, once it has the 101), so stream the output produced since
	 * this time, not only what comes after the hook began.  The host
	 * holds a start back (up to 5 s) until the attach hooks asked for
	 * before it have been called: a hook that takes its place in the
	 * output first, before it blocks or starts threads, loses nothing
	 * to a bounded buffer.
	 */
	int64_t requested_ns;
};

/*
 * A path inside a container, for archive stat/get (Docker's
 * X-Docker-Container-Path-Stat).  Filled by the backend; the strings are
 * allocated with host->alloc and the host frees them.
 */
struct sl_path_stat_v1 {
	SL_HEADER_FIELDS;
	const char *name;
	int64_t size;
	uint32_t mode;         /* Go os.FileMode bits, as Docker sends them */
	int64_t mtime_ns;
	const char *link_target;
};

struct sl_archive_put_opts_v1 {
	SL_HEADER_FIELDS;
	int32_t no_overwrite_dir_non_dir;
	int32_t copy_uid_gid;
};

/* Registry credentials the backend can supply for a pull. */
struct sl_credentials_v1 {
	SL_HEADER_FIELDS;
	const char *username;
	const char *password;       /* or an identity token */
	const char *registry_token; /* a bearer token to send as is */
};

/* A volume, for volume create. */
struct sl_volume_v1 {
	SL_HEADER_FIELDS;
	const char *name;
	const char *driver;
	const char *const *driver_opts; /* "key=value", NULL-terminated */
	const char *const *labels;      /* "key=value", NULL-terminated */
};

/*
 * Since 1.1.  One resource-usage sample for GET /containers/{id}/stats.
 * The host allocates and zeroes it and sets the header; the backend fills
 * what it knows (0 = unknown).  The host keeps the previous sample to
 * compute rates, so counters are cumulative.
 */
struct sl_stats_v1 {
	SL_HEADER_FIELDS;
	int64_t read_ns;          /* when sampled, unix ns; 0 = now */
	uint64_t cpu_total_ns;    /* CPU time the container used, cumulative */
	/* CPU time of the whole machine, cumulative over all its CPUs; 0 =
	 * the host derives it from the wall clock times online_cpus. */
	uint64_t cpu_system_ns;
	uint32_t online_cpus;     /* CPUs the container may use; 0 = 1 */
	uint32_t pids;            /* processes in the container */
	uint64_t mem_usage;       /* bytes */
	uint64_t mem_limit;       /* bytes; 0 = the container's --memory */
	uint64_t net_rx_bytes;
	uint64_t net_tx_bytes;
	uint64_t blk_read_bytes;
	uint64_t blk_write_bytes;
};

/* ------------------------------------------------------------------ */
/* Host services: the host hands this to the plugin                     */
/* ------------------------------------------------------------------ */

/*
 * Valid from the entry call until fini() returns.  Every function is
 * thread-safe.  `hctx` is passed back to the functions that take one.
 */
struct sl_host_v1 {
	SL_HEADER_FIELDS;
	void *hctx;

	/* Logging through the daemon's logger (honours --log-level).  Never
	 * log secrets: the host cannot tell them apart. */
	void (*logv)(void *hctx, int level, const char *fmt, va_list ap);

	/* The allocator for memory that crosses the boundary.  alloc returns
	 * zeroed memory or NULL. */
	void *(*alloc)(size_t size);
	void (*free)(void *p);

	/*
	 * Configuration for this backend: `--backend-opt KEY=VALUE` on the
	 * command line, else the environment variable SOCKERLESS_<NAME>_<KEY>
	 * (KEY upper-cased, '-' and '.' as '_').  NULL when unset.  The string
	 * lives until fini() returns.
	 */
	const char *(*config_get)(void *hctx, const char *key);

	/* A directory the backend may use for its own files (created 0700). */
	const char *(*state_dir)(void *hctx);

	/*
	 * Sets the message the client sees for this call and returns `status`,
	 * so a hook can `return host->set_error(call, SL_ENOTFOUND, "...")`.
	 * The host copies the message.  The message must not hold secrets.
	 */
	int (*set_error)(sl_call *call, int status, const char *fmt, ...)
		SL_PRINTF(3, 4);

	/* Non-zero once the client has gone or the daemon is stopping. */
	int (*cancelled)(sl_call *call);
	/* An fd that becomes readable when the call is cancelled; for poll().
	 * Owned by the host; never close it. */
	int (*cancel_fd)(sl_call *call);

	/* Container accessors; see the field enums above.  Strings and lists
	 * are borrowed for as long as the handle is held. */
	const char *(*ctr_str)(const sl_container *c, int field);
	const char *const *(*ctr_list)(const sl_container *c, int field);
	int64_t (*ctr_int)(const sl_container *c, int field);
	/* The body of the original POST /containers/create, for anything the
	 * accessors do not model.  Borrowed; not NUL-terminated. */
	const void *(*ctr_raw_config)(const sl_container *c, size_t *len);

	/*
	 * The backend's own data for a container (job name, execution name,
	 * ...), persisted with the record and restored after a restart.
	 * data_set with value NULL removes the key.  data_get returns a copy
	 * the caller frees with host->free, or NULL when unset.  Never store
	 * secrets here: `docker inspect` may show these under
	 * `Sockerless.BackendData`.
	 */
	int (*ctr_data_set)(sl_container *c, const char *key, const char *value);
	char *(*ctr_data_get)(const sl_container *c, const char *key);

	/* Keep a handle beyond the hook, and release it. */
	sl_container *(*ctr_ref)(sl_container *c);
	void (*ctr_unref)(sl_container *c);

	/*
	 * A referenced handle to the container with this full id, or NULL.
	 * Release with ctr_unref.
	 */
	sl_container *(*ctr_lookup)(void *hctx, const char *id);

	/*
	 * Calls fn for every container in the store, with a borrowed handle,
	 * over a snapshot: fn may use every host service, including
	 * state_changed.  Stops early and returns fn's value when it returns
	 * non-zero.
	 */
	int (*ctr_foreach)(void *hctx,
		int (*fn)(sl_container *c, void *arg), void *arg);

	/*
	 * Reports a state change from any thread, at any time between init()
	 * and the end of fini().  The host updates the store, emits the
	 * Docker event and wakes waiters.  Reporting the state it already has
	 * is harmless.
	 */
	void (*state_changed)(sl_container *c, const struct sl_state_v1 *st);

	/* Exec accessors, like the container ones. */
	const char *(*exec_str)(const sl_exec *e, int field);
	const char *const *(*exec_list)(const sl_exec *e, int field);
	int64_t (*exec_int)(const sl_exec *e, int field);
	/* Backend data for an exec instance, as for containers (not
	 * persisted: execs do not survive a daemon restart). */
	int (*exec_data_set)(sl_exec *e, const char *key, const char *value);
	char *(*exec_data_get)(const sl_exec *e, const char *key);

	/*
	 * Writes bytes to the client.  `fd` is 1 (stdout) or 2 (stderr); on a
	 * TTY stream and for archives it is ignored.  Blocks until the bytes
	 * are queued; returns n, or SL_ECANCELED once the client is gone.
	 */
	ssize_t (*stream_write)(sl_stream *s, int fd, const void *buf, size_t n);

	/*
	 * Writes one log line received with its timestamp (unix ns).  The
	 * host adds the timestamp prefix when the client asked for one and a
	 * newline when `line` lacks one.  Returns 0 or SL_ECANCELED.
	 */
	int (*stream_write_line)(sl_stream *s, int fd, int64_t ts_ns,
		const char *line, size_t n);

	/*
	 * Reads what the client sends (attach/exec stdin, an archive upload).
	 * Blocks; returns the byte count, 0 at end of input (the client
	 * half-closed: close the process's stdin), or SL_ECANCELED.  What the
	 * client sends after the hook returned is discarded.
	 */
	ssize_t (*stream_read)(sl_stream *s, void *buf, size_t n);

	/*
	 * Like stream_read, but gives up after timeout_ms (-1 = no limit)
	 * with SL_ETIMEDOUT and nothing read, so a stdin pump can notice that
	 * the process ended while the client keeps its stdin open.
	 */
	ssize_t (*stream_read_timeout)(sl_stream *s, void *buf, size_t n,
		int timeout_ms);

	/* ---- Since 1.1 (check with SL_HAS_FIELD before calling) ---- */

	/*
	 * The per-container secret store: an agent token, a registry
	 * password.  The host keeps each value in its own file of mode 0600
	 * under the data root, beside the container's record, restores it
	 * after a daemon restart and deletes it when the container is removed.
	 * Secrets never appear in `docker inspect`, the daemon's logs or its
	 * events.  `name` matches [A-Za-z0-9_.-]{1,64} and does not start with
	 * '.'; a value is at most 64 KiB.  Returns SL_OK, SL_EINVAL (bad name
	 * or size), SL_ENOTFOUND (the container is gone) or SL_EINTERNAL.
	 */
	int (*secret_set)(sl_container *c, const char *name, const void *value,
		size_t len);
	/*
	 * A copy of the secret (host->alloc, with a NUL after the last byte;
	 * free it with host->free, after wiping it if you care), its length in
	 * *len, or NULL when unset.
	 */
	void *(*secret_get)(const sl_container *c, const char *name,
		size_t *len);
	/* Deletes the secret; an unset one is SL_OK. */
	int (*secret_delete)(sl_container *c, const char *name);

	/*
	 * Registry credentials the user gave the host: at pull
	 * (X-Registry-Auth, what `docker login` stored in the client) or per
	 * registry in the daemon's configuration.  `registry` is a host name
	 * as in an image reference ("myacr.azurecr.io", "docker.io").  Fills
	 * *out with strings allocated with host->alloc (free them with
	 * sl_host_credentials_free) and returns SL_OK, or SL_ENOTFOUND when
	 * the host has none (pull anonymously).  Call it at start time: the
	 * client may have logged in after create.  Never log the result.
	 */
	int (*registry_credentials)(void *hctx, const char *registry,
		struct sl_credentials_v1 *out);

	/*
	 * The local log store.  A backend that sees the container's output
	 * (its agent streams it, or the cloud log service delivered it)
	 * appends each line with its timestamp; once its copy is complete
	 * (the container ended and every line arrived) it calls log_complete,
	 * and from then on `docker logs` is served by the host from this copy
	 * alone, instantly, with since/until/tail/timestamps, and the logs hook
	 * is no longer called.  (With an agent the host writes the copy and
	 * serves it while it is whole, before it is complete: see "The
	 * agent's copy" in plugin-api/README.md.)  Until then the logs hook
	 * (the cloud's log service) answers, or, when the backend has no
	 * logs hook, the host
	 * serves what was appended so far (following new lines while the
	 * container runs).  `fd` is 1 or 2; `line` holds one line without
	 * or with its newline (the host adds one).  Returns SL_OK, SL_EINVAL
	 * (bad fd), SL_ECONFLICT (the copy was given up),
	 * SL_ENOTFOUND (the container was removed) or SL_EINTERNAL (disk
	 * full, say: the copy is given up for good, so the logs hook keeps
	 * answering rather than the host serving a copy with a hole).  The
	 * copy lives under the data root beside the container and is removed
	 * with it.
	 */
	int (*log_append)(sl_container *c, int fd, int64_t ts_ns,
		const char *line, size_t len);
	/*
	 * Marks the local copy complete (an empty one too: the container
	 * printed nothing).  When the container runs again, its first
	 * log_append makes the copy incomplete until the next log_complete,
	 * so the logs hook answers meanwhile.  Returns
	 * SL_OK, SL_ECONFLICT when the copy was given up, SL_ENOTFOUND or
	 * SL_EINTERNAL.
	 */
	int (*log_complete)(sl_container *c);

	/*
	 * Progress during a long start hook ("creating job", "waiting for a
	 * replica", ...).  The host logs it at info and publishes a container
	 * event with action "progress" and the text in the attribute
	 * "message" (`docker events` shows it).  It is never written into the
	 * container's output: `x=$(docker run ...)` must capture only what the
	 * container printed.  Text is one line, no secrets; it may be called
	 * from any thread during the start hook.
	 */
	void (*start_progress)(sl_container *c, const char *text);

	/* ---- Since 1.2 (check with SL_HAS_FIELD before calling) ---- */

	/*
	 * The container's agent token: 256 random bits as 64 hex digits,
	 * created on the first call and kept in the secret store under the
	 * name "agent-token" (a value the backend stored there itself, an
	 * operator's default say, is used as is).  Returns a copy (host->alloc,
	 * NUL-terminated; wipe and free it with host->free) for the backend to
	 * hand the agent (SOCKERLESS_AGENT_TOKEN, a cloud secret), or NULL
	 * when the container is gone or out of memory.  Never log it.
	 */
	char *(*agent_token)(sl_container *c);

	/*
	 * Forward mode: the agent listens at `addr` ("host:port", "[v6]:port")
	 * and announced it (agent/PROTOCOL.md).  The host dials it, upgrades
	 * with the container's agent token, says hello and keeps the
	 * connection: from then on exec, attach, archive, top, pause, unpause
	 * and kill of this container go through the agent whatever the
	 * backend's hooks, the agent's exit code is the container's (a later
	 * state report with another code does not overwrite it) and the main
	 * output goes into the local log store.  When the connection drops
	 * while the process runs, the host redials the same address.  Blocks
	 * for the handshake (a few seconds at most, or until the call is
	 * cancelled); SL_OK, SL_EUNAVAIL (unreachable), SL_EPERM (the token
	 * was refused), SL_EINVAL (bad address) or SL_ENOTFOUND.
	 */
	int (*agent_connect)(sl_call *call, sl_container *c, const char *addr);

	/*
	 * Reverse mode: the URL the container's agent must dial
	 * (SOCKERLESS_CALLBACK_URL; the agent appends /v1/agent/<id>), from
	 * the daemon's --agent-advertise, or --agent-listen when no advertise
	 * URL is set.  Also tells the host to expect that agent: its
	 * callback is accepted only with the container's token.  Returns a
	 * copy (host->alloc) or NULL when the daemon has no callback listener
	 * (then use forward mode or run without the agent).
	 */
	char *(*agent_callback_url)(sl_container *c);

	/* The state of the container's agent (enum sl_agent_state). */
	int (*agent_state)(sl_container *c);

	/* ---- Since 1.3 (check with SL_HAS_FIELD before calling) ---- */

	/*
	 * log_append and stream_write_line with flags.  With SL_LINE_PARTIAL
	 * the bytes end mid-line: the process's output stopped without a
	 * newline (its last line, a prompt), or a long line continues in the
	 * next call.  The host then adds no newline, and `docker logs` shows
	 * the bytes exactly as written, as dockerd does.  Without the flag
	 * they behave as log_append and stream_write_line.
	 */
	int (*log_append_ex)(sl_container *c, int fd, int64_t ts_ns,
		const char *line, size_t len, unsigned flags);
	int (*stream_write_line_ex)(sl_stream *s, int fd, int64_t ts_ns,
		const char *line, size_t n, unsigned flags);
};

/* Flags of log_append_ex and stream_write_line_ex (since 1.3). */
#define SL_LINE_PARTIAL 0x1u

/* Frees what host->registry_credentials filled in (NULL fields are fine). */
static inline void sl_host_credentials_free(const struct sl_host_v1 *host,
	struct sl_credentials_v1 *cr)
{
	host->free((void *)cr->username);
	host->free((void *)cr->password);
	host->free((void *)cr->registry_token);
	cr->username = cr->password = cr->registry_token = NULL;
}

/* printf-style logging through the host. */
static inline void sl_host_log(const struct sl_host_v1 *host, int level,
	const char *fmt, ...) SL_PRINTF(3, 4);
static inline void sl_host_log(const struct sl_host_v1 *host, int level,
	const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	host->logv(host->hctx, level, fmt, ap);
	va_end(ap);
}

/* ------------------------------------------------------------------ */
/* Backend hook tables: the plugin hands these to the host              */
/* ------------------------------------------------------------------ */

/*
 * Conventions for every hook below:
 *   - `state` is what init() stored; `call` carries errors/cancellation.
 *   - Return SL_OK or a negative enum sl_status after host->set_error().
 *   - Hooks may block (cloud calls, follow streams) but must return soon
 *     after host->cancelled(call) turns non-zero.
 *   - The host checks the recorded state first (start of a running
 *     container is 304, kill of a stopped one 409, ...).  When the cloud
 *     disagrees with the record, return SL_ENOTMODIFIED for "already in
 *     that state" and SL_ECONFLICT for "not possible in this state".
 */

/* Container lifecycle. */
struct sl_container_ops_v1 {
	SL_HEADER_FIELDS;

	/*
	 * After the host recorded a new container (POST /containers/create).
	 * No container runs yet; validate what the backend cannot honour
	 * (e.g. a CPU/memory pair) and refuse it with SL_EINVAL, so the record
	 * is dropped.  May set backend data.  NULL = accept everything.
	 */
	int (*create)(void *state, sl_call *call, sl_container *c);

	/*
	 * Starts the container.  Returns once it is running (or has already
	 * finished: then report EXITED through state_changed too).  The host
	 * marks the container running when this returns SL_OK unless the
	 * backend reported a state (any) during the call.
	 */
	int (*start)(void *state, sl_call *call, sl_container *c);

	/*
	 * Stops it: signal `signo` (0 = the container's StopSignal, else
	 * SIGTERM), then SIGKILL after `timeout_s` seconds (-1 = the
	 * container's StopTimeout or the backend's default).  Returns when the
	 * container has stopped; report EXITED.
	 */
	int (*stop)(void *state, sl_call *call, sl_container *c, int signo,
		int timeout_s);

	/* Sends a signal (Linux numbering).  Does not wait. */
	int (*kill)(void *state, sl_call *call, sl_container *c, int signo);

	/*
	 * Releases every cloud resource of the container.  `force` is set for
	 * `docker rm -f` on a running container: kill it first.  After SL_OK
	 * the host deletes the record.  A resource already gone is SL_OK.
	 */
	int (*remove)(void *state, sl_call *call, sl_container *c, int force);

	/* NULL = the host runs stop then start. */
	int (*restart)(void *state, sl_call *call, sl_container *c,
		int timeout_s);

	int (*pause)(void *state, sl_call *call, sl_container *c);
	int (*unpause)(void *state, sl_call *call, sl_container *c);

	/*
	 * Reports any change of the container's state through state_changed.
	 * Called by inspect of a running container, on the request's thread,
	 * so it must be cheap: answer from the backend's own poller (a state
	 * it watches anyway) and call the cloud only when that view is older
	 * than a few seconds, with a short timeout.  An error is logged at
	 * debug and inspect shows the recorded state.  NULL = the host trusts
	 * its own view.
	 */
	int (*refresh)(void *state, sl_call *call, sl_container *c);
};

/* Output and interactive streams. */
struct sl_stream_ops_v1 {
	SL_HEADER_FIELDS;

	/*
	 * Writes the container's logs to `out` with stream_write_line,
	 * honouring opts.  With follow, keeps going until the container stops
	 * or the call is cancelled.
	 */
	int (*logs)(void *state, sl_call *call, sl_container *c,
		const struct sl_logs_opts_v1 *opts, sl_stream *out);

	/*
	 * Connects the client to the container's stdio until the container
	 * ends, the client goes or stdin ends with StdinOnce.  The host has
	 * already sent the 101 response.
	 */
	int (*attach)(void *state, sl_call *call, sl_container *c,
		const struct sl_attach_opts_v1 *opts, sl_stream *io);

	/* Resizes the container's TTY. */
	int (*resize)(void *state, sl_call *call, sl_container *c,
		int height, int width);
};

/* docker exec. */
struct sl_exec_ops_v1 {
	SL_HEADER_FIELDS;

	/* Validates an exec about to be created (the container is running;
	 * the host checked that).  NULL = accept. */
	int (*create)(void *state, sl_call *call, sl_container *c,
		sl_exec *e);

	/*
	 * Runs the exec, moving its stdio over `io`, and blocks until the
	 * process ends; stores its exit code in *exit_code.  `io` is NULL for
	 * a detached exec: then start it and return.
	 */
	int (*start)(void *state, sl_call *call, sl_container *c, sl_exec *e,
		sl_stream *io, int *exit_code);

	int (*resize)(void *state, sl_call *call, sl_container *c,
		sl_exec *e, int height, int width);

	/*
	 * For a detached exec: reports whether it still runs and its exit
	 * code.  NULL = the host knows only what start() told it.
	 */
	int (*inspect)(void *state, sl_call *call, sl_container *c,
		sl_exec *e, int *running, int *exit_code);
};

/* docker cp. */
struct sl_archive_ops_v1 {
	SL_HEADER_FIELDS;

	/* Stats `path` (HEAD /archive).  SL_ENOTFOUND when missing. */
	int (*stat)(void *state, sl_call *call, sl_container *c,
		const char *path, struct sl_path_stat_v1 *out);

	/* Writes a tar of `path` to `out` (GET /archive).  The host called
	 * stat first for the header. */
	int (*get)(void *state, sl_call *call, sl_container *c,
		const char *path, sl_stream *out);

	/* Extracts the tar read from `in` under directory `path`. */
	int (*put)(void *state, sl_call *call, sl_container *c,
		const char *path, const struct sl_archive_put_opts_v1 *opts,
		sl_stream *in);
};

/* Image pulls are done by the host's registry client; these let the
 * backend take part.  A NULL table (or hook) means the host pulls alone:
 * unlike the other tables, it is not a 501. */
struct sl_image_ops_v1 {
	SL_HEADER_FIELDS;

	/*
	 * Rewrites a normalised reference before the host pulls it (a
	 * private mirror, say).  Write the new reference, NUL-terminated,
	 * into out (size outlen) and return SL_OK; return SL_ENOTFOUND to
	 * keep the reference unchanged.
	 */
	int (*resolve)(void *state, sl_call *call, const char *ref,
		char *out, size_t outlen);

	/*
	 * Supplies credentials for `registry` (a host name like
	 * "myacr.azurecr.io") when the client sent none.  Fill *out (strings
	 * borrowed until return) or return SL_ENOTFOUND for anonymous.
	 */
	int (*credentials)(void *state, sl_call *call, const char *registry,
		struct sl_credentials_v1 *out);
};

/* Named volumes.  NULL: docker volume create and rm answer 501. */
struct sl_volume_ops_v1 {
	SL_HEADER_FIELDS;

	int (*create)(void *state, sl_call *call,
		const struct sl_volume_v1 *v);
	int (*remove)(void *state, sl_call *call, const char *name,
		int force);
	/*
	 * After the host removed unused volumes (docker volume prune): lets
	 * the backend drop anything left behind.  NULL = nothing to do.
	 */
	int (*prune)(void *state, sl_call *call);
};

/*
 * Since 1.1.  docker top and docker stats.  NULL table or hook: the route
 * answers 501 naming the operation.
 */
struct sl_monitor_ops_v1 {
	SL_HEADER_FIELDS;

	/*
	 * The container's processes (GET /containers/{id}/top).  `ps_args`
	 * is what the client gave (NULL or "" = the default, "-ef"); refuse
	 * options you cannot honour with SL_EINVAL.  Write a table into *out,
	 * allocated with host->alloc and NUL-terminated: the first line holds
	 * the titles ("UID\tPID\tPPID\tC\tSTIME\tTTY\tTIME\tCMD" for the
	 * default), each further line one process, cells separated by a tab;
	 * a cell may hold spaces but no tab or newline.  The container is
	 * running (the host checked).
	 */
	int (*top)(void *state, sl_call *call, sl_container *c,
		const char *ps_args, char **out);

	/*
	 * One resource sample (see struct sl_stats_v1).  The host calls it
	 * once for `stream=false` and about once a second while streaming,
	 * never concurrently for one request.  For a container that is not
	 * running the host answers zeros without calling it.
	 */
	int (*stats)(void *state, sl_call *call, sl_container *c,
		struct sl_stats_v1 *out);
};

/*
 * The backend's table.  Return a pointer to a `static const` instance from
 * the entry function.
 */
struct sl_backend_v1 {
	SL_HEADER_FIELDS;

	/* Short name; should equal the file stem ("aca" for aca.so). */
	const char *name;
	const char *version;
	const char *description;

	/*
	 * Sets the backend up: reads configuration through host->config_get,
	 * creates clients, may start threads.  Stores its state in *state.
	 * On failure set an error on `call` and return its code; the daemon
	 * prints the message and exits.  Required.
	 */
	int (*init)(const struct sl_host_v1 *host, sl_call *call, void **state);

	/* Releases everything; joins every thread.  Required. */
	void (*fini)(void *state);

	/* Fills GET /info's backend part.  NULL = the host's own figures. */
	int (*info)(void *state, sl_call *call, struct sl_info_v1 *out);

	/*
	 * After a daemon restart, before the API is served: reconciles every
	 * container in the store with the cloud (host->ctr_foreach) and
	 * reports what changed while the daemon was down.
	 */
	int (*recover)(void *state, sl_call *call);

	/* Sub-tables; NULL = that whole family is unsupported (501). */
	const struct sl_container_ops_v1 *containers;
	const struct sl_stream_ops_v1 *streams;
	const struct sl_exec_ops_v1 *exec;
	const struct sl_archive_ops_v1 *archive;
	const struct sl_image_ops_v1 *images;
	const struct sl_volume_ops_v1 *volumes;
	/* Since 1.1; the host reads it only when struct_size covers it. */
	const struct sl_monitor_ops_v1 *monitor;
};

/*
 * The one exported symbol.  Checks host->abi_major (return SL_EABI if it
 * differs), stores a pointer to the backend's static table in *out and
 * returns SL_OK.  Must not allocate, start threads or do I/O: init() does
 * that.  Declare it in your plugin exactly like this.
 */
SL_EXPORT int sockerless_backend_entry_v1(const struct sl_host_v1 *host,
	const struct sl_backend_v1 **out);

typedef int (*sl_backend_entry_v1_fn)(const struct sl_host_v1 *host,
	const struct sl_backend_v1 **out);

#ifdef __cplusplus
}
#endif

#endif /* SOCKERLESS_PLUGIN_H */
