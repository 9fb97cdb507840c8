/* tests/unit/test_store.c - durable JSON document store (core/store.c). */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <json-c/json.h>

#include "store.h"

struct fixture {
	char dir[256];  /* the mkdtemp directory, removed afterwards */
	char root[512]; /* data root below it, so open has to create it */
	struct sl_store *st;
	char log[4096]; /* every logger message, one per line */
	int n_log;
};

static void logger(void *arg, const char *msg)
{
	struct fixture *fx = arg;
	size_t used = strlen(fx->log);

	snprintf(fx->log + used, sizeof(fx->log) - used, "%s\n", msg);
	fx->n_log++;
}

static int setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));
	const char *tmp = getenv("TMPDIR");
	char err[256] = "";

	if (fx == NULL)
		return -1;
	snprintf(fx->dir, sizeof(fx->dir), "%s/sl-store-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (mkdtemp(fx->dir) == NULL)
		return -1;
	snprintf(fx->root, sizeof(fx->root), "%s/a/data-root", fx->dir);
	if (sl_store_open(fx->root, &fx->st, err, sizeof(err)) != 0) {
		fprintf(stderr, "# open: %s\n", err);
		return -1;
	}
	sl_store_set_logger(fx->st, logger, fx);
	*state = fx;
	return 0;
}

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static int teardown(void **state)
{
	struct fixture *fx = *state;

	sl_store_close(fx->st);
	nftw(fx->dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	free(fx);
	return 0;
}

/* Path of <root>/<rel> in a static buffer. */
static const char *path_of(struct fixture *fx, const char *rel)
{
	static char buf[1024];

	snprintf(buf, sizeof(buf), "%s/%s", fx->root, rel);
	return buf;
}

static void write_raw(struct fixture *fx, const char *rel, const char *content)
{
	FILE *f = fopen(path_of(fx, rel), "w");

	assert_non_null(f);
	fputs(content, f);
	assert_int_equal(fclose(f), 0);
}

static bool exists(struct fixture *fx, const char *rel)
{
	struct stat sb;

	return stat(path_of(fx, rel), &sb) == 0;
}

/* Entries of a kind directory whose name starts with ".tmp-". */
static int count_temp_files(struct fixture *fx, const char *kind)
{
	DIR *d = opendir(path_of(fx, kind));
	struct dirent *de;
	int n = 0;

	assert_non_null(d);
	while ((de = readdir(d)) != NULL)
		n += strncmp(de->d_name, ".tmp-", 5) == 0;
	closedir(d);
	return n;
}

struct collected {
	char ids[64][64];
	char names[64][64];
	int n;
	int stop_at; /* return 7 at this index, -1 never */
	struct sl_store *put_from_callback;
};

static int collect(const char *id, struct json_object *doc, void *arg)
{
	struct collected *c = arg;
	struct json_object *name;

	if (c->n == c->stop_at)
		return 7;
	assert_true(c->n < 64);
	snprintf(c->ids[c->n], sizeof(c->ids[0]), "%s", id);
	if (json_object_object_get_ex(doc, "Name", &name))
		snprintf(c->names[c->n], sizeof(c->names[0]), "%s", json_object_get_string(name));
	c->n++;
	if (c->put_from_callback != NULL)
		assert_int_equal(sl_store_put(c->put_from_callback, "volumes", "from-cb", "{}", 2), 0);
	return 0;
}

static int put_str(struct sl_store *st, const char *kind, const char *id, const char *json)
{
	return sl_store_put(st, kind, id, json, strlen(json));
}

static void test_open_creates_root(void **state)
{
	struct fixture *fx = *state;
	struct stat sb;

	assert_int_equal(stat(fx->root, &sb), 0);
	assert_true(S_ISDIR(sb.st_mode));
	assert_int_equal(sb.st_mode & 0777, 0700);
	assert_string_equal(sl_store_root(fx->st), fx->root);
}

static void test_open_errors(void **state)
{
	struct fixture *fx = *state;
	struct sl_store *st = (struct sl_store *)0x1;
	char err[256] = "";
	char file[600];

	assert_int_equal(sl_store_open("", &st, err, sizeof(err)), -EINVAL);
	assert_null(st);
	snprintf(file, sizeof(file), "%s/plainfile", fx->dir);
	fclose(fopen(file, "w"));
	assert_true(sl_store_open(file, &st, err, sizeof(err)) < 0);
	assert_null(st);
	assert_non_null(strstr(err, "plainfile"));
	snprintf(file, sizeof(file), "%s/plainfile/below", fx->dir);
	assert_true(sl_store_open(file, &st, err, sizeof(err)) < 0);
	assert_non_null(strstr(err, "cannot create data root"));
}

/* One process per data root: a second open is refused, naming the holder, until the first
 * closes. */
static void test_open_locks_root(void **state)
{
	struct fixture *fx = *state;
	struct sl_store *st = (struct sl_store *)0x1;
	char err[512] = "", want[64];

	assert_int_equal(sl_store_open(fx->root, &st, err, sizeof(err)), -EBUSY);
	assert_null(st);
	assert_non_null(strstr(err, fx->root));
	snprintf(want, sizeof(want), "(pid %ld)", (long)getpid());
	assert_non_null(strstr(err, want));
	sl_store_close(fx->st);
	fx->st = NULL;
	assert_int_equal(sl_store_open(fx->root, &fx->st, err, sizeof(err)), 0);
}

static void test_put_get_load(void **state)
{
	struct fixture *fx = *state;
	struct collected c = { .stop_at = -1 };
	struct stat sb;
	char *buf = NULL;
	size_t len = 0;
	int corrupt = -1;

	assert_int_equal(put_str(fx->st, "containers", "bbb", "{\"Name\":\"/second\"}"), 0);
	assert_int_equal(put_str(fx->st, "containers", "aaa", "{\"Name\":\"/first\"}"), 0);
	assert_int_equal(put_str(fx->st, "images", "sha256-x", "{\"Name\":\"img\"}"), 0);

	assert_int_equal(stat(path_of(fx, "containers"), &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0700);
	assert_int_equal(stat(path_of(fx, "containers/aaa.json"), &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);

	assert_int_equal(sl_store_get(fx->st, "containers", "aaa", &buf, &len), 0);
	assert_string_equal(buf, "{\"Name\":\"/first\"}");
	assert_int_equal(len, strlen(buf));
	free(buf);

	assert_int_equal(sl_store_load(fx->st, "containers", collect, &c, &corrupt), 0);
	assert_int_equal(corrupt, 0);
	assert_int_equal(c.n, 2);
	/* Loaded in id order. */
	assert_string_equal(c.ids[0], "aaa");
	assert_string_equal(c.names[0], "/first");
	assert_string_equal(c.ids[1], "bbb");
	assert_string_equal(c.names[1], "/second");
	assert_int_equal(fx->n_log, 0);
}

static void test_overwrite_and_delete(void **state)
{
	struct fixture *fx = *state;
	char *buf = NULL;
	size_t len = 0;

	assert_int_equal(put_str(fx->st, "volumes", "v1", "{\"v\":1}"), 0);
	assert_int_equal(put_str(fx->st, "volumes", "v1", "{\"v\":2}"), 0);
	assert_int_equal(sl_store_get(fx->st, "volumes", "v1", &buf, &len), 0);
	assert_string_equal(buf, "{\"v\":2}");
	free(buf);
	assert_int_equal(count_temp_files(fx, "volumes"), 0);

	assert_int_equal(sl_store_delete(fx->st, "volumes", "v1"), 0);
	assert_false(exists(fx, "volumes/v1.json"));
	assert_int_equal(sl_store_get(fx->st, "volumes", "v1", &buf, &len), -ENOENT);
	assert_null(buf);
	/* Missing document and missing kind are both fine. */
	assert_int_equal(sl_store_delete(fx->st, "volumes", "v1"), 0);
	assert_int_equal(sl_store_delete(fx->st, "networks", "nope"), 0);
	assert_int_equal(sl_store_get(fx->st, "networks", "nope", &buf, &len), -ENOENT);
}

static void test_missing_kind_loads_nothing(void **state)
{
	struct fixture *fx = *state;
	struct collected c = { .stop_at = -1 };
	int corrupt = -1;

	assert_int_equal(sl_store_load(fx->st, "execs", collect, &c, &corrupt), 0);
	assert_int_equal(c.n, 0);
	assert_int_equal(corrupt, 0);
}

static void test_crash_leftover_temp_removed(void **state)
{
	struct fixture *fx = *state;
	struct collected c = { .stop_at = -1 };
	int corrupt = -1;

	assert_int_equal(put_str(fx->st, "containers", "abc", "{\"Name\":\"/old\"}"), 0);
	/* What a put killed between write and rename leaves: a torn temp file beside the intact
	 * old version. */
	write_raw(fx, "containers/.tmp-abc.4242.7", "{\"Name\":\"/ne");
	write_raw(fx, "containers/.tmp-zzz.4242.8", "");
	assert_int_equal(count_temp_files(fx, "containers"), 2);

	assert_int_equal(sl_store_load(fx->st, "containers", collect, &c, &corrupt), 0);
	assert_int_equal(count_temp_files(fx, "containers"), 0);
	assert_int_equal(corrupt, 0);
	assert_int_equal(c.n, 1);
	assert_string_equal(c.ids[0], "abc");
	assert_string_equal(c.names[0], "/old");
}

static void test_corrupt_skipped_and_counted(void **state)
{
	struct fixture *fx = *state;
	struct collected c = { .stop_at = -1 };
	int corrupt = -1;

	assert_int_equal(put_str(fx->st, "containers", "good", "{\"Name\":\"/ok\"}"), 0);
	write_raw(fx, "containers/notjson.json", "{\"Name\":");
	write_raw(fx, "containers/empty.json", "");
	write_raw(fx, "containers/array.json", "[1,2]");
	write_raw(fx, "containers/trailing.json", "{\"a\":1} x");
	write_raw(fx, "containers/garbage.json", "\x01\x02\xff");
	assert_int_equal(mkdir(path_of(fx, "containers/dir.json"), 0700), 0);
	/* Not documents: ignored without a report. */
	write_raw(fx, "containers/README.txt", "hello");
	write_raw(fx, "containers/.hidden.json", "{}");
	/* Not a valid id: reported, but not counted as a corrupt document. */
	write_raw(fx, "containers/bad name.json", "{}");

	assert_int_equal(sl_store_load(fx->st, "containers", collect, &c, &corrupt), 0);
	assert_int_equal(corrupt, 6);
	assert_int_equal(c.n, 1);
	assert_string_equal(c.ids[0], "good");
	assert_int_equal(fx->n_log, 7);
	assert_non_null(strstr(fx->log, "ignoring"));
	assert_non_null(strstr(fx->log, "bad name.json"));
	assert_non_null(strstr(fx->log, "notjson.json: not valid JSON"));
	assert_non_null(strstr(fx->log, "empty.json: empty file"));
	assert_non_null(strstr(fx->log, "array.json: not a JSON object"));
	assert_non_null(strstr(fx->log, "trailing.json: trailing data"));
	assert_non_null(strstr(fx->log, "garbage.json"));
	assert_non_null(strstr(fx->log, "dir.json"));
	assert_null(strstr(fx->log, "README"));
	assert_null(strstr(fx->log, "hidden"));
	/* Corrupt files are left in place for the operator. */
	assert_true(exists(fx, "containers/notjson.json"));
	/* n_corrupt may be NULL. */
	c.n = 0;
	assert_int_equal(sl_store_load(fx->st, "containers", collect, &c, NULL), 0);
	assert_int_equal(c.n, 1);
}

static void test_id_validation(void **state)
{
	struct fixture *fx = *state;
	static const char *const bad[] = { "", ".", "..", "../x", "a/b", "/etc/passwd", ".hidden",
		                           "a b", "a\nb", "a\\b", "caf\xc3\xa9", "x:y", NULL };
	char long_id[SL_STORE_MAX_ID + 2];
	char *buf = NULL;
	size_t len, i;

	for (i = 0; bad[i] != NULL; i++) {
		assert_false(sl_store_valid_id(bad[i]));
		assert_int_equal(put_str(fx->st, "containers", bad[i], "{}"), -EINVAL);
		assert_int_equal(put_str(fx->st, bad[i], "ok", "{}"), -EINVAL);
		assert_int_equal(sl_store_delete(fx->st, "containers", bad[i]), -EINVAL);
		assert_int_equal(sl_store_get(fx->st, "containers", bad[i], &buf, &len), -EINVAL);
	}
	assert_false(sl_store_valid_id(NULL));
	/* An empty document would only be reported as corrupt at the next start. */
	assert_int_equal(sl_store_put(fx->st, "containers", "empty", "", 0), -EINVAL);
	assert_int_equal(sl_store_put(fx->st, "containers", "empty", NULL, 0), -EINVAL);
	assert_false(exists(fx, "containers/empty.json"));
	assert_int_equal(put_str(fx->st, "..", "passwd", "{}"), -EINVAL);
	assert_false(exists(fx, "../passwd.json"));
	assert_int_equal(sl_store_load(fx->st, "../a", collect, NULL, NULL), -EINVAL);

	memset(long_id, 'a', sizeof(long_id) - 1);
	long_id[sizeof(long_id) - 1] = '\0';
	assert_false(sl_store_valid_id(long_id));
	long_id[SL_STORE_MAX_ID] = '\0';
	assert_true(sl_store_valid_id(long_id));
	assert_int_equal(put_str(fx->st, "containers", long_id, "{}"), 0);
	assert_true(sl_store_valid_id("a.b-c_D9"));
	assert_int_equal(put_str(fx->st, "containers", "a.b-c_D9", "{}"), 0);
	assert_true(exists(fx, "containers/a.b-c_D9.json"));
}

static void test_callback_stop_and_reentry(void **state)
{
	struct fixture *fx = *state;
	struct collected c = { .stop_at = 1 };
	char *buf = NULL;
	size_t len;

	assert_int_equal(put_str(fx->st, "networks", "n1", "{}"), 0);
	assert_int_equal(put_str(fx->st, "networks", "n2", "{}"), 0);
	assert_int_equal(put_str(fx->st, "networks", "n3", "{}"), 0);
	assert_int_equal(sl_store_load(fx->st, "networks", collect, &c, NULL), 7);
	assert_int_equal(c.n, 1);

	/* A callback may write to the store (the daemon fixes records up while loading). */
	memset(&c, 0, sizeof(c));
	c.stop_at = -1;
	c.put_from_callback = fx->st;
	assert_int_equal(sl_store_load(fx->st, "networks", collect, &c, NULL), 0);
	assert_int_equal(c.n, 3);
	assert_int_equal(sl_store_get(fx->st, "volumes", "from-cb", &buf, &len), 0);
	free(buf);
}

#define N_THREADS 8
#define N_PUTS 40

struct worker {
	struct sl_store *st;
	int idx;
	int failures;
};

static void *put_worker(void *arg)
{
	struct worker *w = arg;
	char id[32], doc[128];
	int i;

	for (i = 0; i < N_PUTS; i++) {
		snprintf(id, sizeof(id), "t%d-%d", w->idx, i % 10);
		snprintf(doc, sizeof(doc), "{\"thread\":%d,\"i\":%d,\"pad\":\"%064d\"}", w->idx, i, i);
		if (put_str(w->st, "containers", id, doc) != 0)
			w->failures++;
		/* Everyone also hammers one shared id. */
		if (put_str(w->st, "containers", "shared", doc) != 0)
			w->failures++;
		if (i % 7 == 0 && sl_store_delete(w->st, "containers", "nonexistent") != 0)
			w->failures++;
	}
	return NULL;
}

static int count_docs(const char *id, struct json_object *doc, void *arg)
{
	(void)id;
	assert_true(json_object_object_get_ex(doc, "thread", NULL));
	(*(int *)arg)++;
	return 0;
}

static void test_concurrent_puts(void **state)
{
	struct fixture *fx = *state;
	pthread_t th[N_THREADS];
	struct worker w[N_THREADS];
	int i, n = 0, corrupt = -1;

	for (i = 0; i < N_THREADS; i++) {
		w[i] = (struct worker){ .st = fx->st, .idx = i };
		assert_int_equal(pthread_create(&th[i], NULL, put_worker, &w[i]), 0);
	}
	/* Loads racing the writers must neither fail nor eat their temp files (a put whose temp
	 * file vanished would fail its rename and count a failure). */
	for (i = 0; i < 5; i++) {
		assert_int_equal(sl_store_load(fx->st, "containers", count_docs, &n, &corrupt), 0);
		assert_int_equal(corrupt, 0);
	}
	for (i = 0; i < N_THREADS; i++) {
		assert_int_equal(pthread_join(th[i], NULL), 0);
		assert_int_equal(w[i].failures, 0);
	}
	n = 0;
	assert_int_equal(sl_store_load(fx->st, "containers", count_docs, &n, &corrupt), 0);
	assert_int_equal(corrupt, 0);
	assert_int_equal(n, N_THREADS * 10 + 1);
	assert_int_equal(count_temp_files(fx, "containers"), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_open_creates_root, setup, teardown),
		cmocka_unit_test_setup_teardown(test_open_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_open_locks_root, setup, teardown),
		cmocka_unit_test_setup_teardown(test_put_get_load, setup, teardown),
		cmocka_unit_test_setup_teardown(test_overwrite_and_delete, setup, teardown),
		cmocka_unit_test_setup_teardown(test_missing_kind_loads_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_crash_leftover_temp_removed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_corrupt_skipped_and_counted, setup, teardown),
		cmocka_unit_test_setup_teardown(test_id_validation, setup, teardown),
		cmocka_unit_test_setup_teardown(test_callback_stop_and_reentry, setup, teardown),
		cmocka_unit_test_setup_teardown(test_concurrent_puts, setup, teardown),
	};

	return cmocka_run_group_tests_name("store", tests, NULL, NULL);
}
