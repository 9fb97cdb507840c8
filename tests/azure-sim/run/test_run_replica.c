/* test_run_replica.c - runs real replicas from images in a local registry
 * (testenv/registry-up.sh): output streaming, exit codes, command/args,
 * env, isolation, EmptyDir, stop, replicaTimeout, pull and start errors,
 * pull back-off, scheduling delay, shutdown, confinement (pivot_root,
 * capabilities, no_new_privs, masked paths) and each replica's own network.
 * Needs root; skipped otherwise. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "oci_fs.h"
#include "run_replica.h"
#include "test_run_helpers.h"

/* ---- recorder of callbacks ---- */

#define MAXREC 512

struct rec_ev {
	char *container, *reason, *msg;
	int64_t ms;
};

struct rec_out {
	char *container, *line;
	int stream, partial;
	size_t len;
	int64_t ms;
};

struct rec_exit {
	char *container;
	int code, is_init;
	int64_t ms;
};

struct rec {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct rec_ev ev[MAXREC];
	int nev;
	struct rec_out out[MAXREC];
	int nout;
	struct rec_exit ex[32];
	int nex;
	char *started[32];
	int nstarted;
	int done;
	enum run_replica_result result;
	char done_msg[RUN_ERR_MAX];
	int64_t done_ms;
};

static int64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static char *xstrdup(const char *s)
{
	return s ? strdup(s) : NULL;
}

static void on_event(void *ud, const char *replica, const char *container,
		     const char *reason, const char *message)
{
	struct rec *r = ud;

	(void)replica;
	pthread_mutex_lock(&r->mu);
	if (r->nev < MAXREC) {
		r->ev[r->nev].container = xstrdup(container);
		r->ev[r->nev].reason = xstrdup(reason);
		r->ev[r->nev].msg = xstrdup(message);
		r->ev[r->nev].ms = mono_ms();
		r->nev++;
	}
	pthread_cond_broadcast(&r->cv);
	pthread_mutex_unlock(&r->mu);
}

static void on_output(void *ud, const char *replica, const char *container,
		      enum run_stream stream, const char *line, size_t len, int partial,
		      const struct timespec *ts)
{
	struct rec *r = ud;

	(void)replica;
	assert_true(ts->tv_sec > 1600000000);
	pthread_mutex_lock(&r->mu);
	if (r->nout < MAXREC) {
		r->out[r->nout].container = xstrdup(container);
		r->out[r->nout].line = malloc(len + 1);
		memcpy(r->out[r->nout].line, line, len + 1);
		r->out[r->nout].len = len;
		r->out[r->nout].stream = (int)stream;
		r->out[r->nout].partial = partial;
		r->out[r->nout].ms = mono_ms();
		r->nout++;
	}
	pthread_cond_broadcast(&r->cv);
	pthread_mutex_unlock(&r->mu);
}

static void on_start(void *ud, const char *replica, const char *container, int is_init)
{
	struct rec *r = ud;

	(void)replica;
	(void)is_init;
	pthread_mutex_lock(&r->mu);
	if (r->nstarted < 32)
		r->started[r->nstarted++] = xstrdup(container);
	pthread_mutex_unlock(&r->mu);
}

static void on_exit_cb(void *ud, const char *replica, const char *container, int is_init,
		       int code)
{
	struct rec *r = ud;

	(void)replica;
	pthread_mutex_lock(&r->mu);
	if (r->nex < 32) {
		r->ex[r->nex].container = xstrdup(container);
		r->ex[r->nex].code = code;
		r->ex[r->nex].is_init = is_init;
		r->ex[r->nex].ms = mono_ms();
		r->nex++;
	}
	pthread_mutex_unlock(&r->mu);
}

static void on_done(void *ud, const char *replica, enum run_replica_result result,
		    const char *message)
{
	struct rec *r = ud;

	(void)replica;
	pthread_mutex_lock(&r->mu);
	r->done++;
	r->result = result;
	snprintf(r->done_msg, sizeof(r->done_msg), "%s", message);
	r->done_ms = mono_ms();
	pthread_cond_broadcast(&r->cv);
	pthread_mutex_unlock(&r->mu);
}

static int resolve(void *ud, const char *ref, char **value)
{
	(void)ud;
	if (strcmp(ref, "db-password"))
		return -1;
	*value = strdup("hunter2");
	return 0;
}

static struct rec *rec_new(void)
{
	struct rec *r = calloc(1, sizeof(*r));

	assert_non_null(r);
	pthread_mutex_init(&r->mu, NULL);
	pthread_cond_init(&r->cv, NULL);
	return r;
}

static void rec_free(struct rec *r)
{
	int i;

	for (i = 0; i < r->nev; i++) {
		free(r->ev[i].container);
		free(r->ev[i].reason);
		free(r->ev[i].msg);
	}
	for (i = 0; i < r->nout; i++) {
		free(r->out[i].container);
		free(r->out[i].line);
	}
	for (i = 0; i < r->nex; i++)
		free(r->ex[i].container);
	for (i = 0; i < r->nstarted; i++)
		free(r->started[i]);
	pthread_cond_destroy(&r->cv);
	pthread_mutex_destroy(&r->mu);
	free(r);
}

static struct run_callbacks callbacks(struct rec *r)
{
	struct run_callbacks cb;

	memset(&cb, 0, sizeof(cb));
	cb.ud = r;
	cb.resolve_secret = resolve;
	cb.on_event = on_event;
	cb.on_output = on_output;
	cb.on_container_start = on_start;
	cb.on_container_exit = on_exit_cb;
	cb.on_replica_done = on_done;
	return cb;
}

/* Wait until done (1) or timeout (0). */
static int wait_done(struct rec *r, int timeout_ms)
{
	struct timespec ts;
	int done;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += timeout_ms / 1000;
	ts.tv_nsec += (long)(timeout_ms % 1000) * 1000000;
	if (ts.tv_nsec >= 1000000000) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000;
	}
	pthread_mutex_lock(&r->mu);
	while (!r->done && pthread_cond_timedwait(&r->cv, &r->mu, &ts) != ETIMEDOUT)
		;
	done = r->done;
	pthread_mutex_unlock(&r->mu);
	return done;
}

/* Wait until some container printed `line`; returns its index or -1. */
static int find_out(struct rec *r, const char *container, const char *line)
{
	int i, found = -1;

	pthread_mutex_lock(&r->mu);
	for (i = 0; i < r->nout && found < 0; i++)
		if ((!container || !strcmp(r->out[i].container, container)) &&
		    !strcmp(r->out[i].line, line))
			found = i;
	pthread_mutex_unlock(&r->mu);
	return found;
}

static int wait_out(struct rec *r, const char *container, const char *line, int timeout_ms)
{
	int64_t end = mono_ms() + timeout_ms;
	int i;

	while ((i = find_out(r, container, line)) < 0 && mono_ms() < end)
		usleep(20000);
	return i;
}

static int find_event(struct rec *r, const char *container, const char *reason,
		      const char *substr)
{
	int i, found = -1;

	pthread_mutex_lock(&r->mu);
	for (i = 0; i < r->nev && found < 0; i++)
		if ((!container || (r->ev[i].container && !strcmp(r->ev[i].container, container))) &&
		    !strcmp(r->ev[i].reason, reason) &&
		    (!substr || strstr(r->ev[i].msg, substr)))
			found = i;
	pthread_mutex_unlock(&r->mu);
	return found;
}

static int exit_code_of(struct rec *r, const char *container)
{
	int i, code = -1000;

	pthread_mutex_lock(&r->mu);
	for (i = 0; i < r->nex; i++)
		if (!strcmp(r->ex[i].container, container))
			code = r->ex[i].code;
	pthread_mutex_unlock(&r->mu);
	return code;
}

static int was_started(struct rec *r, const char *container)
{
	int i, yes = 0;

	pthread_mutex_lock(&r->mu);
	for (i = 0; i < r->nstarted; i++)
		if (!strcmp(r->started[i], container))
			yes = 1;
	pthread_mutex_unlock(&r->mu);
	return yes;
}

/* Print what a replica did, to help when an assertion fails. */
static void rec_dump(struct rec *r)
{
	int i;

	if (!getenv("SL_TEST_VERBOSE"))
		return;
	for (i = 0; i < r->nev; i++)
		printf("# event %s %s: %s\n", r->ev[i].container ? r->ev[i].container : "-",
		       r->ev[i].reason, r->ev[i].msg);
	for (i = 0; i < r->nout && i < 40; i++)
		printf("# out %s/%d: %.200s\n", r->out[i].container, r->out[i].stream,
		       r->out[i].line);
	printf("# done=%d result=%d msg=%s\n", r->done, (int)r->result, r->done_msg);
}

/* ---- environment ---- */

static const char *skip_reason;
static char *tmp;
static char registry_host[128];
static struct run_engine *engine;
static int registry_started;

static struct run_engine *new_engine_net(const char *sub, enum run_rootfs_mode mode,
				     const char *pool, int host_network)
{
	struct oci_registry_map map = { "docker.io", registry_host };
	struct run_engine_config cfg;
	struct run_err err = { { 0 } };
	struct run_engine *e;
	char state[512];

	snprintf(state, sizeof(state), "%s/%s", tmp, sub);
	memset(&cfg, 0, sizeof(cfg));
	cfg.state_dir = state;
	cfg.maps = &map;
	cfg.n_maps = 1;
	cfg.default_grace_s = 2;
	cfg.rootfs_mode = mode;
	cfg.net_pool = pool;
	cfg.host_network = host_network;
	e = run_engine_new(&cfg, &err);
	if (!e)
		printf("# run_engine_new: %s\n", err.msg);
	return e;
}

static struct run_engine *new_engine(const char *sub, enum run_rootfs_mode mode)
{
	return new_engine_net(sub, mode, NULL, 0);
}

static int group_setup(void **state)
{
	struct run_err err = { { 0 } };
	char why[512];

	(void)state;
	if (geteuid() != 0) {
		skip_reason = "needs root";
		return 0;
	}
	if (run_probe(&err) < 0) {
		/* Root without namespaces is a broken test host: fail. */
		printf("# run_probe: %s\n", err.msg);
		return -1;
	}
	tmp = trh_mkdtemp("sl-run-replica");
	if (!tmp)
		return -1;
	if (trh_registry_up(tmp, registry_host, sizeof(registry_host), why, sizeof(why)) < 0) {
		printf("# %s\n", why);
		return -1;
	}
	registry_started = 1;
	engine = new_engine("state", RUN_ROOTFS_AUTO);
	return engine ? 0 : -1;
}

static int group_teardown(void **state)
{
	(void)state;
	run_engine_free(engine);
	if (registry_started)
		trh_registry_down(tmp);
	if (tmp) {
		(void)oci_fs_rm_rf(tmp);
		free(tmp);
	}
	return 0;
}

#define SKIP_IF_NEEDED() do { if (skip_reason) { printf("# skip: %s\n", skip_reason); skip(); } } while (0)

/* A one-container replica spec. */
static struct run_replica_spec one(const char *name, struct run_container_spec *c)
{
	struct run_replica_spec s;

	memset(&s, 0, sizeof(s));
	s.replica_name = name;
	s.containers = c;
	s.n_containers = 1;
	s.stop_grace_s = -1;
	return s;
}

static struct rec *run_one(struct run_engine *e, struct run_replica_spec *s, int timeout_ms)
{
	struct rec *r = rec_new();
	struct run_callbacks cb = callbacks(r);
	struct run_err err = { { 0 } };

	if (run_engine_start(e, s, &cb, &err) != 0)
		fail_msg("run_engine_start: %s", err.msg);
	if (timeout_ms > 0 && !wait_done(r, timeout_ms)) {
		setenv("SL_TEST_VERBOSE", "1", 1);
		rec_dump(r);
		fail_msg("replica %s did not finish in %d ms", s->replica_name, timeout_ms);
	}
	return r;
}

/* ---- tests ---- */

static void test_output_streaming(void **state)
{
	const char *const cmd[] = {
		"sh", "-c", "echo one; echo err1 >&2; sleep 1; echo two; printf tail", NULL
	};
	struct run_container_spec c = { 0 };
	struct run_replica_spec s;
	struct rec *r;
	int i_one, i_err, i_two, i_tail;

	(void)state;
	SKIP_IF_NEEDED();
	c.name = "main";
	c.image = "busybox";
	c.command = cmd;
	s = one("exec-out-aaaaa", &c);
	r = run_one(engine, &s, 20000);
	rec_dump(r);
	assert_int_equal(r->result, RUN_REPLICA_SUCCEEDED);
	assert_int_equal(exit_code_of(r, "main"), 0);
	assert_true(was_started(r, "main"));
	i_one = find_out(r, "main", "one");
	i_err = find_out(r, "main", "err1");
	i_two = find_out(r, "main", "two");
	i_tail = find_out(r, "main", "tail");
	assert_true(i_one >= 0 && i_err >= 0 && i_two >= 0 && i_tail >= 0);
	assert_int_equal(r->out[i_one].stream, RUN_STDOUT);
	assert_int_equal(r->out[i_err].stream, RUN_STDERR);
	/* "one" arrived while the process ran, a second before it ended. */
	assert_true(r->out[i_one].ms + 700 <= r->ex[0].ms);
	assert_true(r->out[i_two].ms <= r->ex[0].ms);
	/* The system events, in order. */
	assert_true(find_event(r, "main", RUN_REASON_PULLING_IMAGE, "Pulling image 'busybox'") >= 0);
	assert_true(find_event(r, "main", RUN_REASON_PULLED_IMAGE, "Successfully pulled image 'busybox' in ") >= 0);
	assert_true(find_event(r, "main", RUN_REASON_CONTAINER_STARTED, "Started container 'main'") >
		    find_event(r, "main", RUN_REASON_PULLED_IMAGE, NULL));
	assert_true(find_event(r, "main", RUN_REASON_CONTAINER_TERMINATED,
			       "Container 'main' was terminated with exit code '0'") >= 0);
	assert_int_equal(r->done, 1);
	rec_free(r);
}

static void test_exit_code(void **state)
{
	const char *const cmd[] = { "sh", "-c", "echo failing; exit 3", NULL };
	struct run_container_spec c = { 0 };
	struct run_replica_spec s;
	struct rec *r;

	(void)state;
	SKIP_IF_NEEDED();
	c.name = "bad";
	c.image = "docker.io/library/busybox:latest";
	c.command = cmd;
	s = one("exec-exit-bbbbb", &c);
	r = run_one(engine, &s, 20000);
	assert_int_equal(r->result, RUN_REPLICA_FAILED);
	assert_int_equal(exit_code_of(r, "bad"), 3);
	assert_true(find_event(r, "bad", RUN_REASON_CONTAINER_TERMINATED,
			       "Container 'bad' was terminated with exit code '3'") >= 0);
	assert_non_null(strstr(r->done_msg, "'3'"));
	rec_free(r);
}

static void test_command_args(void **state)
{
	const char *const cmd[] = { "/bin/echo", "c", NULL };
	const char *const args[] = { "x", "$(WHO)", NULL };
	struct run_env_var env = { "WHO", "y", NULL };
	struct run_container_spec c[4];
	struct run_replica_spec s;
	struct rec *r;
	int i;

	(void)state;
	SKIP_IF_NEEDED();
	memset(c, 0, sizeof(c));
	for (i = 0; i < 4; i++) {
		c[i].image = "library/echoer";
		c[i].env = &env;
		c[i].n_env = 1;
	}
	c[0].name = "none";
	c[1].name = "args";
	c[1].args = args;
	c[2].name = "cmd";
	c[2].command = cmd;
	c[3].name = "both";
	c[3].command = cmd;
	c[3].args = args;
	s = one("exec-args-ccccc", c);
	s.n_containers = 4;
	r = run_one(engine, &s, 30000);
	if (r->result != RUN_REPLICA_SUCCEEDED)
		rec_dump(r);
	assert_int_equal(r->result, RUN_REPLICA_SUCCEEDED);
	assert_true(find_out(r, "none", "entry default cmd") >= 0);
	assert_true(find_out(r, "args", "entry x y") >= 0);
	assert_true(find_out(r, "cmd", "c") >= 0);
	assert_true(find_out(r, "both", "c x y") >= 0);
	rec_free(r);
}

static void test_env_and_isolation(void **state)
{
	const char *const cmd[] = {
		"sh", "-c",
		"echo FOO=$FOO; echo BAR=$BAR; echo SECRET=$SECRET; echo HOST=$(hostname); "
		"echo PID=$$$$; echo HOSTNAME=$HOSTNAME; echo ETC=$(cat /etc/hostname); "
		"test -d /proc/1 && echo proc-ok; test -c /dev/null && echo dev-ok; "
		"echo -n x > /dev/null && echo null-ok; echo PWD=$(pwd); "
		"echo NPROC=$(ls -d /proc/[0-9]* | wc -l)",
		NULL
	};
	struct run_env_var env[] = {
		{ "FOO", "from-spec", NULL },
		{ "SECRET", NULL, "db-password" },
	};
	struct run_container_spec c = { 0 };
	struct run_replica_spec s;
	struct rec *r;

	(void)state;
	SKIP_IF_NEEDED();
	c.name = "envy";
	c.image = "echoer";
	c.command = cmd;
	c.env = env;
	c.n_env = 2;
	c.cpu = 0.25;
	c.memory = "0.5Gi";
	s = one("exec-env-ddddd", &c);
	r = run_one(engine, &s, 20000);
	rec_dump(r);
	assert_int_equal(r->result, RUN_REPLICA_SUCCEEDED);
	assert_true(find_out(r, "envy", "FOO=from-spec") >= 0);     /* spec wins */
	assert_true(find_out(r, "envy", "BAR=image-bar") >= 0);     /* image env kept */
	assert_true(find_out(r, "envy", "SECRET=hunter2") >= 0);    /* secretRef */
	assert_true(find_out(r, "envy", "HOST=exec-env-ddddd") >= 0);
	assert_true(find_out(r, "envy", "HOSTNAME=exec-env-ddddd") >= 0);
	assert_true(find_out(r, "envy", "ETC=exec-env-ddddd") >= 0);
	/* "$$$$" because Kubernetes turns "$$" into "$" in commands. */
	assert_true(find_out(r, "envy", "PID=1") >= 0);             /* own PID namespace */
	assert_true(find_out(r, "envy", "proc-ok") >= 0);
	assert_true(find_out(r, "envy", "dev-ok") >= 0);
	assert_true(find_out(r, "envy", "null-ok") >= 0);
	assert_true(find_out(r, "envy", "PWD=/work") >= 0);         /* image WorkingDir, created */
	/* Only the container's own processes are visible (sh, subshell, ls). */
	{
		static const char *const ok[] = { "NPROC=1", "NPROC=2", "NPROC=3", "NPROC=4" };
		int i = -1, j;

		for (j = 0; j < 4 && i < 0; j++)
			i = find_out(r, "envy", ok[j]);
		assert_true(i >= 0);
	}
	rec_free(r);
}

static void test_emptydir_init(void **state)
{
	const char *const init_cmd[] = {
		"sh", "-c",
		"echo hello > /data/msg && mkdir /data/sub && echo subfile > /data/sub/f && echo init-done",
		NULL
	};
	const char *const main_cmd[] = {
		"sh", "-c", "cat /mnt/in/msg; cat /sub/f; echo more >> /mnt/in/msg", NULL
	};
	struct run_volume_mount init_m = { "shared", "/data", NULL };
	struct run_volume_mount main_m[] = { { "shared", "/mnt/in", NULL },
					     { "shared", "/sub", "sub" } };
	struct run_volume vol = { .name = "shared", .storage_type = "EmptyDir" };
	struct run_container_spec ic = { 0 }, mc = { 0 };
	struct run_replica_spec s;
	struct rec *r;
	int i;

	(void)state;
	SKIP_IF_NEEDED();
	ic.name = "prep";
	ic.image = "busybox";
	ic.command = init_cmd;
	ic.mounts = &init_m;
	ic.n_mounts = 1;
	mc.name = "main";
	mc.image = "busybox";
	mc.command = main_cmd;
	mc.mounts = main_m;
	mc.n_mounts = 2;
	s = one("exec-vol-eeeee", &mc);
	s.init_containers = &ic;
	s.n_init_containers = 1;
	s.volumes = &vol;
	s.n_volumes = 1;
	r = run_one(engine, &s, 20000);
	rec_dump(r);
	assert_int_equal(r->result, RUN_REPLICA_SUCCEEDED);
	assert_true(find_out(r, "prep", "init-done") >= 0);
	assert_true(find_out(r, "main", "hello") >= 0);
	assert_true(find_out(r, "main", "subfile") >= 0);
	/* The init container finished before the main one started. */
	assert_int_equal(r->nex, 2);
	assert_string_equal(r->ex[0].container, "prep");
	assert_true(r->ex[0].is_init);
	assert_true(find_event(r, "prep", RUN_REASON_CONTAINER_TERMINATED, NULL) <
		    find_event(r, "main", RUN_REASON_CONTAINER_STARTED, NULL));
	/* The volume went away with the replica. */
	{
		char p[512];

		snprintf(p, sizeof(p), "%s/state/replicas/exec-vol-eeeee", tmp);
		assert_int_equal(access(p, F_OK), -1);
	}
	(void)i;
	rec_free(r);
}

static void test_stop_ignoring_term(void **state)
{
	/* sh as PID 1 without a TERM trap: the kernel drops SIGTERM for a
	 * namespace init without a handler, exactly as in a pod. */
	const char *const cmd[] = { "sh", "-c", "echo started; sleep 100", NULL };
	struct run_container_spec c = { 0 };
	struct run_replica_spec s;
	struct rec *r;
	int64_t t0;

	(void)state;
	SKIP_IF_NEEDED();
	c.name = "stubborn";
	c.image = "busybox";
	c.command = cmd;
	s = one("exec-stop-fffff", &c);
	r = run_one(engine, &s, 0);
	assert_true(wait_out(r, "stubborn", "started", 20000) >= 0);
	t0 = mono_ms();
	assert_int_equal(run_engine_stop(engine, "exec-stop-fffff", 1), 0);
	assert_true(wait_done(r, 10000));
	assert_int_equal(r->result, RUN_REPLICA_STOPPED);
	assert_int_equal(exit_code_of(r, "stubborn"), 137);
	assert_true(r->done_ms - t0 >= 900);  /* waited for the grace period */
	assert_true(r->done_ms - t0 < 5000);
	assert_true(find_event(r, "stubborn", RUN_REASON_STOPPING_CONTAINER, NULL) >= 0);
	/* Once on_replica_done has returned the name is free. */
	t0 = mono_ms();
	while (run_engine_stop(engine, "exec-stop-fffff", 1) == 0 && mono_ms() - t0 < 2000)
		usleep(10000);
	assert_int_equal(run_engine_stop(engine, "exec-stop-fffff", 1), RUN_E_NOT_FOUND);
	rec_free(r);
}

static void test_stop_handles_term(void **state)
{
	const char *const cmd[] = {
		"sh", "-c",
		"trap 'echo got-term; exit 7' TERM; echo ready; while :; do sleep 0.1; done", NULL
	};
	struct run_container_spec c = { 0 };
	struct run_replica_spec s;
	struct rec *r;
	int64_t t0;

	(void)state;
	SKIP_IF_NEEDED();
	c.name = "polite";
	c.image = "busybox";
	c.command = cmd;
	s = one("exec-term-ggggg", &c);
	r = run_one(engine, &s, 0);
	assert_true(wait_out(r, "polite", "ready", 20000) >= 0);
	t0 = mono_ms();
	assert_int_equal(run_engine_stop(engine, "exec-term-ggggg", 30), 0);
	assert_true(wait_done(r, 10000));
	assert_int_equal(r->result, RUN_REPLICA_STOPPED);
	assert_int_equal(exit_code_of(r, "polite"), 7);
	assert_true(find_out(r, "polite", "got-term") >= 0);
	assert_true(r->done_ms - t0 < 3000);
	rec_free(r);
}

static void test_replica_timeout(void **state)
{
	const char *const cmd[] = { "sleep", "100", NULL };
	struct run_container_spec c = { 0 };
	struct run_replica_spec s;
	struct rec *r;
	int64_t t0 = mono_ms();

	(void)state;
	SKIP_IF_NEEDED();
	c.name = "slow";
	c.image = "busybox";
	c.command = cmd;
	s = one("exec-time-hhhhh", &c);
	s.replica_timeout_s = 1;
	s.stop_grace_s = 1;
	r = run_one(engine, &s, 15000);
	assert_int_equal(r->result, RUN_REPLICA_TIMED_OUT);
	assert_int_equal(exit_code_of(r, "slow"), 137);
	assert_true(find_event(r, NULL, RUN_REASON_DEADLINE_EXCEEDED, "replicaTimeout of 1 seconds") >= 0);
	assert_true(r->done_ms - t0 >= 1000);
	assert_true(r->done_ms - t0 < 6000);
	rec_free(r);
}

static void test_missing_image(void **state)
{
	struct run_container_spec c = { 0 };
	struct run_replica_spec s;
	struct rec *r;

	(void)state;
	SKIP_IF_NEEDED();
	c.name = "app";
	c.image = "library/does-not-exist:latest";
	s = one("exec-pull-iiiii", &c);
	r = run_one(engine, &s, 20000);
	rec_dump(r);
	assert_int_equal(r->result, RUN_REPLICA_FAILED);
	assert_int_equal(exit_code_of(r, "app"), RUN_EXIT_NONE);
	assert_true(find_event(r, "app", RUN_REASON_IMAGE_PULL_FAILURE, "not found") >= 0);
	assert_true(find_event(r, "app", RUN_REASON_CONTAINER_TERMINATED,
			       "Container 'app' was terminated with exit code '' and reason 'ImagePullFailure'") >= 0);
	assert_false(was_started(r, "app"));
	rec_free(r);

	/* An unreachable registry fails the same way. */
	c.image = "127.0.0.1:1/library/busybox:latest";
	s = one("exec-pull-jjjjj", &c);
	r = run_one(engine, &s, 20000);
	assert_int_equal(r->result, RUN_REPLICA_FAILED);
	assert_true(find_event(r, "app", RUN_REASON_IMAGE_PULL_FAILURE, "failed to do request") >= 0);
	rec_free(r);
}

/* Count events of a reason (any container). */
static int count_events(struct rec *r, const char *reason)
{
	int i, n = 0;

	pthread_mutex_lock(&r->mu);
	for (i = 0; i < r->nev; i++)
		if (!strcmp(r->ev[i].reason, reason))
			n++;
	pthread_mutex_unlock(&r->mu);
	return n;
}

/* Time of the k-th (0-based) event of a reason, or -1. */
static int64_t event_ms(struct rec *r, const char *reason, int k)
{
	int i;
	int64_t ms = -1;

	pthread_mutex_lock(&r->mu);
	for (i = 0; i < r->nev && ms < 0; i++)
		if (!strcmp(r->ev[i].reason, reason) && k-- == 0)
			ms = r->ev[i].ms;
	pthread_mutex_unlock(&r->mu);
	return ms;
}

/* With pull_retry a missing image is retried with a doubling back-off
 * (kubelet's ImagePullBackOff) until replicaTimeout ends the replica. */
static void test_pull_backoff(void **state)
{
	struct run_container_spec c = { 0 };
	struct run_replica_spec s;
	struct rec *r;
	int64_t t0 = mono_ms(), g1, g2;

	(void)state;
	SKIP_IF_NEEDED();
	c.name = "app";
	c.image = "library/does-not-exist:latest";
	s = one("exec-boff-kkkkk", &c);
	s.pull_retry = 1;
	s.pull_backoff_ms = 300;
	s.replica_timeout_s = 3;
	s.stop_grace_s = 1;
	r = run_one(engine, &s, 15000);
	rec_dump(r);
	assert_int_equal(r->result, RUN_REPLICA_TIMED_OUT);
	assert_true(r->done_ms - t0 >= 2900);
	assert_true(r->done_ms - t0 < 6000);
	/* 0, 0.3, 0.9, 2.1 s: four attempts before the 3 s deadline. */
	assert_true(count_events(r, RUN_REASON_IMAGE_PULL_FAILURE) >= 3);
	assert_true(count_events(r, RUN_REASON_IMAGE_PULL_BACKOFF) >= 3);
	assert_true(find_event(r, "app", RUN_REASON_IMAGE_PULL_BACKOFF,
			       "Back-off pulling image 'library/does-not-exist:latest'") >= 0);
	g1 = event_ms(r, RUN_REASON_PULLING_IMAGE, 1) - event_ms(r, RUN_REASON_PULLING_IMAGE, 0);
	g2 = event_ms(r, RUN_REASON_PULLING_IMAGE, 2) - event_ms(r, RUN_REASON_PULLING_IMAGE, 1);
	assert_true(g1 >= 250);
	assert_true(g2 >= 2 * g1 - 100); /* doubled */
	assert_true(find_event(r, NULL, RUN_REASON_DEADLINE_EXCEEDED, NULL) >= 0);
	/* The container never ran, and no retry was consumed by a failure. */
	assert_false(was_started(r, "app"));
	assert_int_equal(count_events(r, RUN_REASON_CONTAINER_TERMINATED), 0);
	rec_free(r);
}

/* A stop during the back-off (or while waiting for a node) ends the
 * replica at once, not after the wait. */
static void test_waits_stop_promptly(void **state)
{
	struct run_container_spec c = { 0 };
	struct run_replica_spec s;
	struct rec *r;
	int64_t t0;

	(void)state;
	SKIP_IF_NEEDED();
	c.name = "app";
	c.image = "library/does-not-exist:latest";
	s = one("exec-bstp-lllll", &c);
	s.pull_retry = 1; /* default back-off: 10 s */
	r = run_one(engine, &s, 0);
	t0 = mono_ms();
	while (find_event(r, "app", RUN_REASON_IMAGE_PULL_BACKOFF, NULL) < 0 && mono_ms() - t0 < 10000)
		usleep(20000);
	assert_true(find_event(r, "app", RUN_REASON_IMAGE_PULL_BACKOFF, NULL) >= 0);
	t0 = mono_ms();
	assert_int_equal(run_engine_stop(engine, "exec-bstp-lllll", -1), 0);
	assert_true(wait_done(r, 5000));
	assert_int_equal(r->result, RUN_REPLICA_STOPPED);
	assert_true(r->done_ms - t0 < 1000);
	assert_int_equal(count_events(r, RUN_REASON_PULLING_IMAGE), 1);
	rec_free(r);

	/* Scheduling: nothing is pulled before the delay, and a stop while
	 * waiting for a node ends the replica at once. */
	c.image = "busybox";
	s = one("exec-schd-mmmmm", &c);
	s.schedule_delay_ms = 20000;
	r = run_one(engine, &s, 0);
	usleep(300000);
	assert_int_equal(count_events(r, RUN_REASON_PULLING_IMAGE), 0);
	assert_int_equal(count_events(r, RUN_REASON_ASSIGNING_REPLICA), 0);
	t0 = mono_ms();
	assert_int_equal(run_engine_stop(engine, "exec-schd-mmmmm", -1), 0);
	assert_true(wait_done(r, 5000));
	assert_int_equal(r->result, RUN_REPLICA_STOPPED);
	assert_true(r->done_ms - t0 < 1000);
	rec_free(r);
}

/* schedule_delay_ms: the replica is placed (AssigningReplica) after the
 * delay, then pulls and runs as usual. */
static void test_schedule_delay(void **state)
{
	const char *const cmd[] = { "true", NULL };
	struct run_container_spec c = { 0 };
	struct run_replica_spec s;
	struct rec *r;
	int64_t t0 = mono_ms();

	(void)state;
	SKIP_IF_NEEDED();
	c.name = "app";
	c.image = "busybox";
	c.command = cmd;
	s = one("exec-schd-nnnnn", &c);
	s.schedule_delay_ms = 600;
	r = run_one(engine, &s, 20000);
	assert_int_equal(r->result, RUN_REPLICA_SUCCEEDED);
	assert_true(find_event(r, NULL, RUN_REASON_ASSIGNING_REPLICA,
			       "Replica 'exec-schd-nnnnn' has been scheduled to run on a node.") >= 0);
	assert_true(event_ms(r, RUN_REASON_ASSIGNING_REPLICA, 0) - t0 >= 550);
	assert_true(event_ms(r, RUN_REASON_PULLING_IMAGE, 0) >= event_ms(r, RUN_REASON_ASSIGNING_REPLICA, 0));
	rec_free(r);
}

static void test_start_errors(void **state)
{
	const char *const nosuch[] = { "nosuchcmd", "arg", NULL };
	const char *const init_fail[] = { "sh", "-c", "exit 2", NULL };
	struct run_container_spec c = { 0 }, ic = { 0 };
	struct run_replica_spec s;
	struct rec *r;

	(void)state;
	SKIP_IF_NEEDED();
	c.name = "main";
	c.image = "busybox";
	c.command = nosuch;
	s = one("exec-nocmd-kkkkk", &c);
	r = run_one(engine, &s, 20000);
	assert_int_equal(r->result, RUN_REPLICA_FAILED);
	assert_int_equal(exit_code_of(r, "main"), 128);
	assert_true(find_event(r, "main", RUN_REASON_CONTAINER_CREATE_FAILURE,
			       "exec: \"nosuchcmd\": executable file not found in $PATH") >= 0);
	rec_free(r);

	/* A failing init container: the main container never starts. */
	c.command = NULL;
	ic.name = "setup";
	ic.image = "busybox";
	ic.command = init_fail;
	s = one("exec-initf-lllll", &c);
	s.init_containers = &ic;
	s.n_init_containers = 1;
	r = run_one(engine, &s, 20000);
	assert_int_equal(r->result, RUN_REPLICA_FAILED);
	assert_int_equal(exit_code_of(r, "setup"), 2);
	assert_false(was_started(r, "main"));
	assert_int_equal(find_event(r, "main", RUN_REASON_PULLING_IMAGE, NULL), -1);
	assert_non_null(strstr(r->done_msg, "setup"));
	rec_free(r);
}

static void test_spec_errors(void **state)
{
	const char *const cmd[] = { "sleep", "5", NULL };
	const char *const cmd_echo[] = { "sh", "-c", "echo up; sleep 5", NULL };
	struct run_volume vol = { .name = "files", .storage_type = "AzureFile" };
	struct run_container_spec c = { 0 };
	struct run_replica_spec s;
	struct run_callbacks cb;
	struct run_err err = { { 0 } };
	struct rec *r = rec_new();

	(void)state;
	SKIP_IF_NEEDED();
	cb = callbacks(r);
	c.name = "main";
	c.image = "busybox";
	c.command = cmd;
	s = one("exec-spec-mmmmm", &c);
	s.volumes = &vol;
	s.n_volumes = 1;
	assert_int_equal(run_engine_start(engine, &s, &cb, &err), RUN_E_INVALID);
	assert_non_null(strstr(err.msg, "AzureFile"));
	/* The same live name twice. */
	s.n_volumes = 0;
	c.command = cmd_echo;
	assert_int_equal(run_engine_start(engine, &s, &cb, &err), 0);
	assert_int_equal(run_engine_start(engine, &s, &cb, &err), RUN_E_EXISTS);
	assert_true(wait_out(r, "main", "up", 20000) >= 0);
	assert_int_equal(run_engine_stop(engine, "exec-spec-mmmmm", 0), 0);
	assert_true(wait_done(r, 10000));
	assert_int_equal(r->done, 1); /* the refused start produced no callbacks */
	assert_int_equal(r->result, RUN_REPLICA_STOPPED);
	assert_int_equal(exit_code_of(r, "main"), 137);
	rec_free(r);
}

static void test_long_lines(void **state)
{
	const char *const cmd[] = {
		"sh", "-c", "head -c 40000 /dev/zero | tr '\\0' a; echo; printf 'no-newline'", NULL
	};
	struct run_container_spec c = { 0 };
	struct run_replica_spec s;
	struct rec *r;

	(void)state;
	SKIP_IF_NEEDED();
	c.name = "long";
	c.image = "busybox";
	c.command = cmd;
	s = one("exec-long-nnnnn", &c);
	r = run_one(engine, &s, 20000);
	assert_int_equal(r->result, RUN_REPLICA_SUCCEEDED);
	if (r->nout != 4) {
		int i;

		for (i = 0; i < r->nout; i++)
			printf("# line %d: stream %d len %zu partial %d: %.60s\n", i, r->out[i].stream,
			       r->out[i].len, r->out[i].partial, r->out[i].line);
	}
	assert_int_equal(r->nout, 4);
	assert_int_equal(r->out[0].len, 16384);
	assert_int_equal(r->out[0].partial, 1);
	assert_int_equal(r->out[1].len, 16384);
	assert_int_equal(r->out[1].partial, 1);
	assert_int_equal(r->out[2].len, 40000 - 2 * 16384);
	assert_int_equal(r->out[2].partial, 0);
	assert_string_equal(r->out[3].line, "no-newline");
	rec_free(r);
}

static void test_rootfs_private(void **state)
{
	const char *const write_cmd[] = {
		"sh", "-c", "echo x > /bin/marker && rm /bin/ls && echo wrote", NULL
	};
	const char *const check_cmd[] = {
		"sh", "-c", "test -e /bin/marker || echo no-marker; test -e /bin/ls && echo has-ls", NULL
	};
	struct run_container_spec c = { 0 };
	struct run_replica_spec s;
	struct rec *r;

	(void)state;
	SKIP_IF_NEEDED();
	c.name = "w";
	c.image = "busybox";
	c.command = write_cmd;
	s = one("exec-rw-ooooo", &c);
	r = run_one(engine, &s, 20000);
	assert_true(find_out(r, "w", "wrote") >= 0);
	rec_free(r);
	c.command = check_cmd;
	s = one("exec-rw-ppppp", &c);
	r = run_one(engine, &s, 20000);
	assert_true(find_out(r, "w", "no-marker") >= 0);
	assert_true(find_out(r, "w", "has-ls") >= 0);
	rec_free(r);
}

static void test_layered_image(void **state)
{
	const char *const cmd[] = {
		"sh", "-c", "cat /data/keep; test -e /data/gone || echo gone-ok; ls /opq | tr '\\n' ' '",
		NULL
	};
	struct run_container_spec c = { 0 };
	struct run_replica_spec s;
	struct rec *r;

	(void)state;
	SKIP_IF_NEEDED();
	c.name = "l";
	c.image = "layered";
	c.command = cmd;
	s = one("exec-layer-qqqqq", &c);
	r = run_one(engine, &s, 20000);
	rec_dump(r);
	assert_true(find_out(r, "l", "keep") >= 0);
	assert_true(find_out(r, "l", "gone-ok") >= 0);
	assert_true(find_out(r, "l", "new ") >= 0);
	rec_free(r);
}

static void test_image_user(void **state)
{
	const char *const cmd[] = { "sh", "-c", "echo uid=$(id -u) gid=$(id -g)", NULL };
	struct run_container_spec c = { 0 };
	struct run_replica_spec s;
	struct rec *r;

	(void)state;
	SKIP_IF_NEEDED();
	c.name = "u";
	c.image = "nobody";
	c.command = cmd;
	s = one("exec-user-sssss", &c);
	r = run_one(engine, &s, 20000);
	rec_dump(r);
	assert_int_equal(r->result, RUN_REPLICA_SUCCEEDED);
	assert_true(find_out(r, "u", "uid=65534 gid=65534") >= 0);
	rec_free(r);
}

/* Is a process with this exact argv[1] alive? */
static int process_with_arg(const char *arg)
{
	DIR *d = opendir("/proc");
	struct dirent *de;
	int found = 0;

	assert_non_null(d);
	while (!found && (de = readdir(d)) != NULL) {
		char p[300], buf[256];
		ssize_t n;
		int fd;

		if (de->d_name[0] < '0' || de->d_name[0] > '9')
			continue;
		snprintf(p, sizeof(p), "/proc/%s/cmdline", de->d_name);
		fd = open(p, O_RDONLY);
		if (fd < 0)
			continue;
		n = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		if (n <= 0)
			continue;
		buf[n] = '\0';
		if ((size_t)n > strlen(buf) + 1 && !strcmp(buf + strlen(buf) + 1, arg))
			found = 1;
	}
	closedir(d);
	return found;
}

static void test_copy_mode_and_shutdown(void **state)
{
	const char *const cmd[] = { "sh", "-c", "echo copy-ok; exec sleep 4321", NULL };
	struct run_container_spec c = { 0 };
	struct run_replica_spec s;
	struct run_engine *e2;
	struct rec *r;
	int64_t t0;

	(void)state;
	SKIP_IF_NEEDED();
	e2 = new_engine("state-copy", RUN_ROOTFS_COPY);
	assert_non_null(e2);
	c.name = "c";
	c.image = "busybox";
	c.command = cmd;
	s = one("exec-copy-rrrrr", &c);
	r = run_one(e2, &s, 0);
	assert_true(wait_out(r, "c", "copy-ok", 20000) >= 0);
	t0 = mono_ms();
	while (!process_with_arg("4321") && mono_ms() - t0 < 5000)
		usleep(20000); /* the exec follows the echo */
	assert_true(process_with_arg("4321"));
	assert_int_equal(run_engine_live(e2), 1);
	t0 = mono_ms();
	run_engine_free(e2); /* kills at once and joins */
	assert_true(mono_ms() - t0 < 5000);
	assert_int_equal(r->done, 1);
	assert_int_equal(r->result, RUN_REPLICA_STOPPED);
	assert_false(process_with_arg("4321"));
	rec_free(r);
}

/* ---- confinement and network (issue 7 section 4: Docker's defaults) ---- */

/* Docker's default capabilities are 0x00000000a80425fb (moby
 * daemon/pkg/oci/caps/defaults.go); the runner also drops CAP_MKNOD
 * (bit 27) because it has no device cgroup (README, "choice"). */
#define KEPT_CAPS "00000000a00425fb"

static void test_confinement(void **state)
{
	char script[4096], marker[256];
	const char *cmd[] = { "sh", "-c", script, NULL };
	struct run_container_spec c = { 0 };
	struct run_replica_spec s;
	struct rec *r;
	FILE *f;

	(void)state;
	SKIP_IF_NEEDED();
	/* A file on the host the container must not be able to reach. */
	snprintf(marker, sizeof(marker), "%s/host-marker", tmp);
	f = fopen(marker, "w");
	assert_non_null(f);
	fclose(f);
	snprintf(script, sizeof(script),
		 "grep -E '^(CapEff|CapPrm|CapBnd|CapInh|CapAmb|NoNewPrivs):' /proc/self/status | tr -d '\\t' | tr ':' '=';"
		 /* Which of runc's paths exist depends on the kernel (this
		  * test's VM has no /proc/kcore): check each one present. */
		 "for p in /proc/acpi /proc/asound /proc/interrupts /proc/kcore /proc/keys"
		 " /proc/latency_stats /proc/sched_debug /proc/scsi /proc/timer_list /proc/timer_stats"
		 " /sys/firmware /sys/devices/virtual/powercap; do"
		 " if test -d $p; then test -z \"$(ls -A $p)\" && echo masked=$p || echo unmasked=$p;"
		 " elif test -e $p; then test -c $p && echo masked=$p || echo unmasked=$p; fi; done;"
		 "for p in /proc/bus /proc/fs /proc/irq /proc/sys /proc/sysrq-trigger /sys; do"
		 " test -e $p && awk -v p=$p '$2==p{split($4,o,\",\");print \"mnt\"p\"=\"o[1]}' /proc/mounts; done;"
		 "echo 1 > /proc/sys/kernel/domainname 2>/dev/null || echo procsys=refused;"
		 "mknod /tmp/disk b 8 0 2>/dev/null || echo mknod=refused;"
		 "for p in %s /..%s /../../..%s /proc/1/root%s; do test -e $p && echo escaped=$p; done;"
		 "cd /; cd ../../..; test -e .%s && echo escaped=dotdot;"
		 "awk -v t=%s 'index($5,t)==1{print \"oldroot=\"$5} $5==\"/\"{n++} END{print \"roots=\"n}' /proc/self/mountinfo;"
		 "echo done", marker, marker, marker, marker, marker, tmp);
	c.name = "conf";
	c.image = "busybox";
	c.command = cmd;
	s = one("exec-conf-iiiii", &c);
	r = run_one(engine, &s, 20000);
	rec_dump(r);
	assert_int_equal(r->result, RUN_REPLICA_SUCCEEDED);
	assert_true(find_out(r, "conf", "done") >= 0);
	assert_true(find_out(r, "conf", "CapEff=" KEPT_CAPS) >= 0);
	assert_true(find_out(r, "conf", "CapPrm=" KEPT_CAPS) >= 0);
	assert_true(find_out(r, "conf", "CapBnd=" KEPT_CAPS) >= 0);
	assert_true(find_out(r, "conf", "CapInh=0000000000000000") >= 0);
	assert_true(find_out(r, "conf", "CapAmb=0000000000000000") >= 0);
	assert_true(find_out(r, "conf", "NoNewPrivs=1") >= 0);
	/* runc's maskedPaths and readonlyPaths (moby oci/defaults.go). */
	assert_true(find_out(r, "conf", "masked=/proc/keys") >= 0);
	assert_true(find_out(r, "conf", "masked=/proc/timer_list") >= 0);
	assert_true(find_out(r, "conf", "mnt/proc/sys=ro") >= 0);
	assert_true(find_out(r, "conf", "mnt/sys=ro") >= 0);
	assert_true(find_out(r, "conf", "procsys=refused") >= 0);
	assert_true(find_out(r, "conf", "mknod=refused") >= 0);
	/* pivot_root with the old root detached: no way back to the host. */
	{
		int i;

		pthread_mutex_lock(&r->mu);
		for (i = 0; i < r->nout; i++) {
			assert_null(strstr(r->out[i].line, "escaped="));
			assert_null(strstr(r->out[i].line, "unmasked="));
			assert_null(strstr(r->out[i].line, "oldroot="));
			assert_null(strstr(r->out[i].line, "=rw"));
		}
		pthread_mutex_unlock(&r->mu);
	}
	assert_true(find_out(r, "conf", "roots=1") >= 0); /* only the container's own / */
	rec_free(r);
	unlink(marker);
}

/* The non-root image user keeps the bounding set but, as in Docker, has
 * no effective capabilities. */
static void test_confinement_user(void **state)
{
	const char *const cmd[] = {
		"sh", "-c", "grep -E '^(CapEff|CapBnd|NoNewPrivs):' /proc/self/status | tr -d '\t' | tr ':' '='",
		NULL
	};
	struct run_container_spec c = { 0 };
	struct run_replica_spec s;
	struct rec *r;

	(void)state;
	SKIP_IF_NEEDED();
	c.name = "nob";
	c.image = "nobody";
	c.command = cmd;
	s = one("exec-conf-jjjjj", &c);
	r = run_one(engine, &s, 20000);
	rec_dump(r);
	assert_int_equal(r->result, RUN_REPLICA_SUCCEEDED);
	assert_true(find_out(r, "nob", "CapEff=0000000000000000") >= 0);
	assert_true(find_out(r, "nob", "CapBnd=" KEPT_CAPS) >= 0);
	assert_true(find_out(r, "nob", "NoNewPrivs=1") >= 0);
	rec_free(r);
}

/* Poll until the replica has an address (deadline). */
static int wait_ip(struct run_engine *e, const char *name, char ip[16], int timeout_ms)
{
	int64_t end = mono_ms() + timeout_ms;

	while (run_engine_replica_ip(e, name, ip) != 0 && mono_ms() < end)
		usleep(20000);
	return ip[0] ? 0 : -1;
}

/* Connect to ip:port until it answers or the deadline passes; read what
 * the listener sends into buf. Returns bytes read or -1. */
static int dial_read(const char *ip, int port, char *buf, size_t n, int timeout_ms)
{
	int64_t end = mono_ms() + timeout_ms;
	struct sockaddr_in sa;

	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)port);
	if (inet_pton(AF_INET, ip, &sa.sin_addr) != 1)
		return -1;
	while (mono_ms() < end) {
		int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		ssize_t got = -1;

		if (fd < 0)
			return -1;
		if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0) {
			size_t have = 0;

			while (have + 1 < n && (got = read(fd, buf + have, n - 1 - have)) > 0)
				have += (size_t)got;
			buf[have] = '\0';
			close(fd);
			return (int)have;
		}
		close(fd);
		usleep(50000);
	}
	return -1;
}

/* A replica has its own network namespace and an address the host can
 * dial, as a replica in Azure has its own address in the environment's
 * network (the in-container agent will be dialled there). Two replicas
 * get different addresses; the addresses are released when they end. */
static void test_replica_network(void **state)
{
	const char *const cmd[] = {
		"sh", "-c",
		"echo IFACES=$(ls /sys/class/net | tr '\\n' ' ');"
		"echo IP=$(ip -4 -o addr show eth0 | awk '{split($4,a,\"/\");print a[1]}');"
		"echo GW=$(ip route | awk '/^default/{print $3}');"
		"grep -q \"^$(ip -4 -o addr show eth0 | awk '{split($4,a,\"/\");print a[1]}')\\s$(hostname)$\" /etc/hosts && echo hosts-ok;"
		"echo hello-from-$(hostname) | nc -l -p 8080",
		NULL
	};
	struct run_container_spec c = { 0 };
	struct run_replica_spec s1, s2;
	struct run_network_info ni;
	struct rec *r1, *r2;
	char ip1[16], ip2[16], buf[256], want[64];
	int i;

	(void)state;
	SKIP_IF_NEEDED();
	assert_int_equal(run_engine_network(engine, &ni), 0);
	assert_int_equal(ni.in_use, 0);
	assert_true(if_nametoindex(ni.bridge) > 0);
	c.name = "srv";
	c.image = "busybox";
	c.command = cmd;
	s1 = one("exec-net-kkkkk", &c);
	s2 = one("exec-net-lllll", &c);
	r1 = run_one(engine, &s1, 0);
	r2 = run_one(engine, &s2, 0);
	assert_int_equal(wait_ip(engine, "exec-net-kkkkk", ip1, 20000), 0);
	assert_int_equal(wait_ip(engine, "exec-net-lllll", ip2, 20000), 0);
	assert_string_not_equal(ip1, ip2);
	/* Reachable from the host at the reported address. */
	assert_true(dial_read(ip1, 8080, buf, sizeof(buf), 20000) > 0);
	assert_string_equal(buf, "hello-from-exec-net-kkkkk\n");
	assert_true(dial_read(ip2, 8080, buf, sizeof(buf), 20000) > 0);
	assert_string_equal(buf, "hello-from-exec-net-lllll\n");
	assert_true(wait_done(r1, 20000));
	assert_true(wait_done(r2, 20000));
	rec_dump(r1);
	assert_int_equal(r1->result, RUN_REPLICA_SUCCEEDED);
	/* Inside: only its own loopback and eth0, its address, the route to
	 * the host's bridge address, /etc/hosts naming it. */
	assert_true(find_out(r1, "srv", "IFACES=eth0 lo") >= 0);
	snprintf(want, sizeof(want), "IP=%s", ip1);
	assert_true(find_out(r1, "srv", want) >= 0);
	snprintf(want, sizeof(want), "GW=%s", ni.gateway);
	assert_true(find_out(r1, "srv", want) >= 0);
	assert_true(find_out(r1, "srv", "hosts-ok") >= 0);
	/* Released: no address in use, none reported. */
	assert_int_equal(run_engine_network(engine, &ni), 0);
	assert_int_equal(ni.in_use, 0);
	assert_int_equal(run_engine_replica_ip(engine, "exec-net-kkkkk", ip1), RUN_E_NOT_FOUND);
	for (i = 0; i < 2; i++)
		rec_free(i ? r2 : r1);
}

/* Replicas reach the host at the bridge address (the simulator, a
 * registry listening there); choice, see README. */
static void test_replica_reaches_host(void **state)
{
	char script[256];
	const char *cmd[] = { "sh", "-c", script, NULL };
	struct run_container_spec c = { 0 };
	struct run_replica_spec s;
	struct run_network_info ni;
	struct sockaddr_in sa;
	socklen_t sl = sizeof(sa);
	struct rec *r;
	char buf[64] = "";
	int lfd, cfd;
	ssize_t got;

	(void)state;
	SKIP_IF_NEEDED();
	assert_int_equal(run_engine_network(engine, &ni), 0);
	lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(lfd >= 0);
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	assert_int_equal(inet_pton(AF_INET, ni.gateway, &sa.sin_addr), 1);
	assert_int_equal(bind(lfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(lfd, 1), 0);
	assert_int_equal(getsockname(lfd, (struct sockaddr *)&sa, &sl), 0);
	snprintf(script, sizeof(script), "echo from-replica | nc %s %u", ni.gateway,
		 (unsigned)ntohs(sa.sin_port));
	c.name = "cli";
	c.image = "busybox";
	c.command = cmd;
	s = one("exec-net-mmmmm", &c);
	r = run_one(engine, &s, 0);
	cfd = accept(lfd, NULL, NULL);
	assert_true(cfd >= 0);
	got = read(cfd, buf, sizeof(buf) - 1);
	assert_true(got > 0);
	buf[got] = '\0';
	assert_string_equal(buf, "from-replica\n");
	close(cfd);
	close(lfd);
	assert_true(wait_done(r, 20000));
	assert_int_equal(r->result, RUN_REPLICA_SUCCEEDED);
	rec_free(r);
}

/* More replicas, one after another, than a /29 has addresses: each ends
 * before the next starts, so they all get one only if addresses are
 * released. The engine's bridge goes away with the engine. */
static void test_address_release(void **state)
{
	const char *const cmd[] = { "sh", "-c", "ip -4 -o addr show eth0 | awk '{print \"IP=\"$4}'", NULL };
	struct run_container_spec c = { 0 };
	struct run_network_info ni;
	struct run_engine *e2;
	char name[32];
	int i;

	(void)state;
	SKIP_IF_NEEDED();
	e2 = new_engine_net("state-net", RUN_ROOTFS_AUTO, "10.214.77.0/29", 0);
	assert_non_null(e2);
	assert_int_equal(run_engine_network(e2, &ni), 0);
	assert_string_equal(ni.gateway, "10.214.77.1");
	assert_int_equal(ni.prefix, 29);
	c.name = "c";
	c.image = "busybox";
	c.command = cmd;
	for (i = 0; i < 7; i++) { /* a /29 has 5 addresses for replicas */
		struct run_replica_spec s;
		struct rec *r;

		snprintf(name, sizeof(name), "exec-rel-%05d", i);
		s = one(name, &c);
		r = run_one(e2, &s, 20000);
		rec_dump(r);
		assert_int_equal(r->result, RUN_REPLICA_SUCCEEDED);
		assert_true(find_out(r, "c", i % 5 == 0 ? "IP=10.214.77.2/29" : i % 5 == 1 ? "IP=10.214.77.3/29" :
				     i % 5 == 2 ? "IP=10.214.77.4/29" : i % 5 == 3 ? "IP=10.214.77.5/29" :
				     "IP=10.214.77.6/29") >= 0);
		rec_free(r);
	}
	assert_true(if_nametoindex(ni.bridge) > 0);
	run_engine_free(e2);
	assert_int_equal(if_nametoindex(ni.bridge), 0);
}

/* The explicit opt-out: no namespace, the host's interfaces are seen. */
static void test_host_network_optout(void **state)
{
	char script[128];
	const char *cmd[] = { "sh", "-c", script, NULL };
	struct run_container_spec c = { 0 };
	struct run_replica_spec s;
	struct run_network_info ni, none;
	struct run_engine *e2;
	struct rec *r;
	char ip[16];

	(void)state;
	SKIP_IF_NEEDED();
	assert_int_equal(run_engine_network(engine, &ni), 0);
	snprintf(script, sizeof(script), "test -e /sys/class/net/%s && echo host-net", ni.bridge);
	e2 = new_engine_net("state-hostnet", RUN_ROOTFS_AUTO, NULL, 1);
	assert_non_null(e2);
	assert_int_equal(run_engine_network(e2, &none), RUN_E_NOT_FOUND);
	c.name = "h";
	c.image = "busybox";
	c.command = cmd;
	s = one("exec-hnet-nnnnn", &c);
	r = run_one(e2, &s, 20000);
	assert_int_equal(run_engine_replica_ip(e2, "exec-hnet-nnnnn", ip), RUN_E_NOT_FOUND);
	assert_int_equal(r->result, RUN_REPLICA_SUCCEEDED);
	assert_true(find_out(r, "h", "host-net") >= 0);
	rec_free(r);
	run_engine_free(e2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_output_streaming),
		cmocka_unit_test(test_exit_code),
		cmocka_unit_test(test_command_args),
		cmocka_unit_test(test_env_and_isolation),
		cmocka_unit_test(test_emptydir_init),
		cmocka_unit_test(test_stop_ignoring_term),
		cmocka_unit_test(test_stop_handles_term),
		cmocka_unit_test(test_replica_timeout),
		cmocka_unit_test(test_missing_image),
		cmocka_unit_test(test_pull_backoff),
		cmocka_unit_test(test_waits_stop_promptly),
		cmocka_unit_test(test_schedule_delay),
		cmocka_unit_test(test_start_errors),
		cmocka_unit_test(test_spec_errors),
		cmocka_unit_test(test_long_lines),
		cmocka_unit_test(test_rootfs_private),
		cmocka_unit_test(test_layered_image),
		cmocka_unit_test(test_image_user),
		cmocka_unit_test(test_copy_mode_and_shutdown),
		cmocka_unit_test(test_confinement),
		cmocka_unit_test(test_confinement_user),
		cmocka_unit_test(test_replica_network),
		cmocka_unit_test(test_replica_reaches_host),
		cmocka_unit_test(test_address_release),
		cmocka_unit_test(test_host_network_optout),
	};

	/* cmocka reports skipped tests as "not ok # SKIP", which the TAP
	 * driver counts as failures: skip the whole program instead. */
	if (geteuid() != 0) {
		printf("1..0 # SKIP needs root (namespaces, mounts, root-owned image files)\n");
		return 0;
	}
	return cmocka_run_group_tests_name("run_replica", tests, group_setup, group_teardown);
}
