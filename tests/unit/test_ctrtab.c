/*
 * tests/unit/test_ctrtab.c - the container table (core/ctrtab.c): the
 * order of writes to the store, removal, the state generation, the
 * /wait clock.
 */
#include "config.h"

#include <errno.h>
#include <ftw.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>
#include <json-c/json.h>

#include "core/ctrtab.h"
#include "core/store.h"

#define ID "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

/* ---- a wall clock the test can step ---------------------------------- */

int __real_clock_gettime(clockid_t clk, struct timespec *ts);
int __wrap_clock_gettime(clockid_t clk, struct timespec *ts);
static time_t realtime_shift;  /* seconds added to CLOCK_REALTIME */

int __wrap_clock_gettime(clockid_t clk, struct timespec *ts)
{
	int rc = __real_clock_gettime(clk, ts);

	if (!rc && clk == CLOCK_REALTIME)
		ts->tv_sec += __atomic_load_n(&realtime_shift, __ATOMIC_SEQ_CST);
	return rc;
}

static int64_t mono_ms(void)
{
	struct timespec ts;

	__real_clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- fixture: a data root with an empty table ------------------------ */

struct fixture {
	char dir[256];
	struct sl_store *st;
	struct sl_container *c;   /* added, referenced */
};

static int rm_entry(const char *path, const struct stat *sb, int flag,
	struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static int setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));
	const char *tmp = getenv("TMPDIR");
	const char *body = "{\"Image\":\"busybox\",\"Cmd\":[\"true\"]}";
	char err[256] = "";

	if (!fx)
		return -1;
	snprintf(fx->dir, sizeof(fx->dir), "%s/sl-ctrtab-XXXXXX",
		tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(fx->dir) || sl_store_open(fx->dir, &fx->st, err, sizeof(err)))
		return -1;
	if (sl_ctrtab_init(fx->st, NULL))
		return -1;
	fx->c = sl_ctr_from_create(ID, "subject", body, strlen(body),
		"docker.io/library/busybox:latest", NULL, NULL, 1, err, sizeof(err));
	if (!fx->c || sl_ctrtab_add(fx->c, 0, err, sizeof(err))) {
		fprintf(stderr, "# add: %s\n", err);
		return -1;
	}
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;

	sl_ctr_unref(fx->c);
	sl_ctrtab_fini();
	sl_store_close(fx->st);
	nftw(fx->dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	free(fx);
	realtime_shift = 0;
	return 0;
}

/* The stored record of ID, parsed (json_object_put), or NULL if none. */
static struct json_object *stored(struct fixture *fx)
{
	struct json_object *doc;
	char *buf;
	size_t len;
	int rc = sl_store_get(fx->st, "containers", ID, &buf, &len);

	if (rc == -ENOENT)
		return NULL;
	assert_int_equal(rc, 0);
	doc = json_tokener_parse(buf);
	free(buf);
	assert_non_null(doc);
	return doc;
}

static int64_t path_int(struct json_object *doc, const char *obj,
	const char *key)
{
	struct json_object *o, *v;

	assert_true(json_object_object_get_ex(doc, obj, &o));
	assert_true(json_object_object_get_ex(o, key, &v));
	return json_object_is_type(v, json_type_string) ?
		strtoll(json_object_get_string(v), NULL, 10) : json_object_get_int64(v);
}

static void report(struct sl_container *c, int status, int code)
{
	struct sl_state_v1 st = {SL_HEADER(struct sl_state_v1)};

	st.status = status;
	st.exit_code = code;
	sl_ctrtab_state_changed(c, &st);
}

/* ---- writers racing a removal ----------------------------------------- */

struct writer {
	struct sl_container *c;
	int stop;       /* atomic */
	long writes;    /* atomic */
	int by_state;   /* report states rather than set backend data */
	pthread_t th;
};

static void *write_loop(void *arg)
{
	struct writer *w = arg;
	char v[32];

	for (int i = 0; !__atomic_load_n(&w->stop, __ATOMIC_SEQ_CST); i++) {
		if (w->by_state) {
			report(w->c, i % 2 ? SL_STATUS_EXITED : SL_STATUS_RUNNING, i);
		} else {
			snprintf(v, sizeof(v), "%d", i);
			sl_ctr_data_set(w->c, "seq", v);
			sl_ctrtab_persist(w->c);
		}
		__atomic_add_fetch(&w->writes, 1, __ATOMIC_SEQ_CST);
	}
	return NULL;
}

static long writes(struct writer *w, size_t n)
{
	long sum = 0;

	for (size_t i = 0; i < n; i++)
		sum += __atomic_load_n(&w[i].writes, __ATOMIC_SEQ_CST);
	return sum;
}

/* Polls until the writers have done `target` writes in all (30 s cap). */
static void wait_writes(struct writer *w, size_t n, long target)
{
	int64_t end = mono_ms() + 30000;

	while (writes(w, n) < target && mono_ms() < end) {
		struct timespec ts = {0, 1000000};

		nanosleep(&ts, NULL);
	}
	assert_true(writes(w, n) >= target);
}

static void test_removed_stays_removed(void **state)
{
	struct fixture *fx = *state;
	struct writer w[4];
	struct sl_container *again;
	int amb;
	long before;

	for (size_t i = 0; i < 4; i++) {
		memset(&w[i], 0, sizeof(w[i]));
		w[i].c = fx->c;
		w[i].by_state = i % 2;
		assert_int_equal(pthread_create(&w[i].th, NULL, write_loop, &w[i]), 0);
	}
	wait_writes(w, 4, 20);
	sl_ctrtab_remove(fx->c);
	/* Backend threads keep reporting on their reference after the rm. */
	before = writes(w, 4);
	wait_writes(w, 4, before + 40);
	for (size_t i = 0; i < 4; i++) {
		__atomic_store_n(&w[i].stop, 1, __ATOMIC_SEQ_CST);
		pthread_join(w[i].th, NULL);
	}
	assert_null(stored(fx));

	/* And a restart does not bring it back. */
	sl_ctrtab_fini();
	assert_int_equal(sl_ctrtab_init(fx->st, NULL), 0);
	again = sl_ctrtab_find(ID, &amb);
	assert_null(again);
	sl_ctr_unref(again);
}

/* Two threads change the record and write it, again and again; after each
 * round the store must hold what memory holds. */
struct round {
	struct sl_container *c;
	pthread_barrier_t *go;
	int rounds, by_state;
};

static void *round_loop(void *arg)
{
	struct round *r = arg;
	char v[32];

	for (int i = 1; i <= r->rounds; i++) {
		pthread_barrier_wait(r->go);
		if (r->by_state) {
			report(r->c, i % 2 ? SL_STATUS_EXITED : SL_STATUS_RUNNING, i);
		} else {
			snprintf(v, sizeof(v), "%d", i);
			sl_ctr_data_set(r->c, "seq", v);
			sl_ctrtab_persist(r->c);
		}
		pthread_barrier_wait(r->go);
		pthread_barrier_wait(r->go);   /* main has checked */
	}
	return NULL;
}

static void test_newest_write_wins(void **state)
{
	struct fixture *fx = *state;
	enum { ROUNDS = 300 };
	pthread_barrier_t go;
	struct round r[2];
	pthread_t th[2];
	int stale = 0;

	pthread_barrier_init(&go, NULL, 3);
	for (int i = 0; i < 2; i++) {
		r[i] = (struct round){fx->c, &go, ROUNDS, i};
		assert_int_equal(pthread_create(&th[i], NULL, round_loop, &r[i]), 0);
	}
	for (int i = 1; i <= ROUNDS; i++) {
		struct json_object *doc;
		struct sl_ctr_state s;
		char *seq;

		pthread_barrier_wait(&go);
		pthread_barrier_wait(&go);
		doc = stored(fx);
		assert_non_null(doc);
		sl_ctr_get_state(fx->c, &s);
		seq = sl_ctr_data_get(fx->c, "seq");
		if (path_int(doc, "State", "ExitCode") != s.exit_code ||
		    path_int(doc, "State", "Status") != s.status ||
		    path_int(doc, "BackendData", "seq") != strtoll(seq, NULL, 10))
			stale++;
		free(seq);
		free(s.error);
		json_object_put(doc);
		pthread_barrier_wait(&go);
	}
	for (int i = 0; i < 2; i++)
		pthread_join(th[i], NULL);
	pthread_barrier_destroy(&go);
	assert_int_equal(stale, 0);
}

/* ---- the state generation ---------------------------------------------- */

static int status_of(struct sl_container *c)
{
	struct sl_ctr_state s;

	sl_ctr_get_state(c, &s);
	free(s.error);
	return s.status;
}

static void test_generation_guards_the_hosts_report(void **state)
{
	struct fixture *fx = *state;
	struct sl_state_v1 st = {SL_HEADER(struct sl_state_v1)};
	unsigned long gen;

	report(fx->c, SL_STATUS_RUNNING, 0);
	report(fx->c, SL_STATUS_EXITED, 3);
	/* A second start: the backend goes RUNNING and EXITED again during
	 * the hook, so the status reads as before it. */
	gen = sl_ctrtab_state_gen(fx->c);
	report(fx->c, SL_STATUS_RUNNING, 0);
	report(fx->c, SL_STATUS_EXITED, 3);
	st.status = SL_STATUS_RUNNING;
	assert_int_equal(sl_ctrtab_state_changed_if(fx->c, &st, gen), 0);
	assert_int_equal(status_of(fx->c), SL_STATUS_EXITED);
	/* Nothing reported: the host's own report applies. */
	gen = sl_ctrtab_state_gen(fx->c);
	assert_int_equal(sl_ctrtab_state_changed_if(fx->c, &st, gen), 1);
	assert_int_equal(status_of(fx->c), SL_STATUS_RUNNING);
}

/* ---- the agent's exit code --------------------------------------------- */

static int agent_code = -1;
static struct sl_container *agent_removed;

static int fake_agent_exit(struct sl_container *c, int *code)
{
	(void)c;
	if (agent_code < 0)
		return 0;
	*code = agent_code;
	return 1;
}

static void fake_agent_forget(struct sl_container *c)
{
	agent_removed = c;
}

static int exit_code_of(struct sl_container *c)
{
	struct sl_ctr_state s;

	sl_ctr_get_state(c, &s);
	free(s.error);
	return s.exit_code;
}

static void test_agent_exit_code_wins(void **state)
{
	struct fixture *fx = *state;

	sl_ctrtab_set_agent_hooks(fake_agent_exit, fake_agent_forget);
	report(fx->c, SL_STATUS_RUNNING, 0);
	/* No agent code: the backend's report stands. */
	report(fx->c, SL_STATUS_EXITED, 1);
	assert_int_equal(exit_code_of(fx->c), 1);
	/* The agent saw 42: a later report's guess does not overwrite it. */
	agent_code = 42;
	report(fx->c, SL_STATUS_EXITED, 137);
	assert_int_equal(exit_code_of(fx->c), 42);
	report(fx->c, SL_STATUS_RUNNING, 0);
	report(fx->c, SL_STATUS_EXITED, 0);
	assert_int_equal(exit_code_of(fx->c), 42);
	/* A removal tells the agent client. */
	sl_ctr_ref(fx->c);
	sl_ctrtab_remove(fx->c);
	assert_ptr_equal(agent_removed, fx->c);
	sl_ctr_unref(fx->c);
	agent_code = -1;
	sl_ctrtab_set_agent_hooks(NULL, NULL);
}

/* ---- names ------------------------------------------------------------- */

static struct sl_container *new_ctr(const char *id, const char *name)
{
	const char *body = "{\"Image\":\"busybox\",\"Cmd\":[\"true\"]}";
	char err[256];
	struct sl_container *c = sl_ctr_from_create(id, name, body, strlen(body),
		NULL, NULL, NULL, 1, err, sizeof(err));

	assert_non_null(c);
	return c;
}

static void test_taken_automatic_name_is_replaced(void **state)
{
	struct fixture *fx = *state;
	struct sl_container *c;
	char err[512];

	(void)fx;
	/* A name the user chose: refused as dockerd does. */
	c = new_ctr("1111111111111111111111111111111111111111111111111111111111111111", "subject");
	assert_int_equal(sl_ctrtab_add(c, 0, err, sizeof(err)), SL_ECONFLICT);
	assert_string_equal(err, "Conflict. The container name \"/subject\" is already in use by container \"" ID "\". You have to remove (or rename) that container to be able to reuse that name.");
	/* The same name drawn by the generator: another one is drawn. */
	assert_int_equal(sl_ctrtab_add(c, 1, err, sizeof(err)), SL_OK);
	assert_string_not_equal(c->str[SL_CTR_NAME], "subject");
	assert_true(strlen(c->str[SL_CTR_NAME]) > 3);
	sl_ctr_unref(c);
}

/* ---- /wait slices ------------------------------------------------------- */

static void test_wait_slice_ignores_wall_clock(void **state)
{
	int64_t t0, took;

	(void)state;
	/* The wall clock reads an hour behind: a deadline taken from it has
	 * passed before the wait begins. */
	__atomic_store_n(&realtime_shift, -3600, __ATOMIC_SEQ_CST);
	t0 = mono_ms();
	sl_ctrtab_wait_change(sl_ctrtab_generation(), 300);
	took = mono_ms() - t0;
	assert_true(took >= 290);
	assert_true(took < 60000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_removed_stays_removed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_newest_write_wins, setup, teardown),
		cmocka_unit_test_setup_teardown(test_generation_guards_the_hosts_report, setup, teardown),
		cmocka_unit_test_setup_teardown(test_agent_exit_code_wins, setup, teardown),
		cmocka_unit_test_setup_teardown(test_wait_slice_ignores_wall_clock, setup, teardown),
		cmocka_unit_test_setup_teardown(test_taken_automatic_name_is_replaced, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
