/* tests/unit/test_ctrfiles.c - the per-container secret store and local
 * log copy (core/secrets.c, core/logstore.c over core/ctrfiles.c). */
#include "config.h"

#include <errno.h>
#include <poll.h>
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

#include "core/ctrfiles.h"
#include "core/logstore.h"
#include "core/secrets.h"

#define ID "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

static char root[256];

static int setup(void **state)
{
	(void)state;
	snprintf(root, sizeof(root), "%s/sl-ctrfiles.XXXXXX",
		getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	return mkdtemp(root) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[600];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	return system(cmd) == 0 ? 0 : -1;
}

static void test_secret_roundtrip_mode(void **state)
{
	char path[1024];
	struct stat st;
	void *v;
	size_t n;

	(void)state;
	/* Binary values, NUL bytes included, come back whole. */
	assert_int_equal(sl_secrets_set(root, ID, "agent-token", "a\0b", 3), 0);
	assert_int_equal(sl_secrets_get(root, ID, "agent-token", &v, &n), 0);
	assert_int_equal(n, 3);
	assert_memory_equal(v, "a\0b", 3);
	assert_int_equal(((char *)v)[3], '\0');
	free(v);
	snprintf(path, sizeof(path), "%s/ctrfiles/%s/secrets/agent-token", root, ID);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	snprintf(path, sizeof(path), "%s/ctrfiles/%s", root, ID);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0700);

	/* Replace, then delete; a second delete is fine. */
	assert_int_equal(sl_secrets_set(root, ID, "agent-token", "new", 3), 0);
	assert_int_equal(sl_secrets_get(root, ID, "agent-token", &v, &n), 0);
	assert_memory_equal(v, "new", 3);
	free(v);
	assert_int_equal(sl_secrets_delete(root, ID, "agent-token"), 0);
	assert_int_equal(sl_secrets_get(root, ID, "agent-token", &v, &n), -ENOENT);
	assert_null(v);
	assert_int_equal(sl_secrets_delete(root, ID, "agent-token"), 0);
}

static void test_secret_refusals(void **state)
{
	static char big[SL_SECRET_MAX_LEN + 1];
	const char *bad[] = {"", ".hidden", "../x", "a/b", "x.tmp", "sp ace",
		"0123456789012345678901234567890123456789012345678901234567890123456789"};
	void *v;
	size_t n;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(sl_secrets_set(root, ID, bad[i], "x", 1), -EINVAL);
	assert_int_equal(sl_secrets_set(root, "../etc", "n", "x", 1), -EINVAL);
	assert_int_equal(sl_secrets_set(root, ID, "big", big, sizeof(big)), -EINVAL);
	assert_int_equal(sl_secrets_get(root, ID, "big", &v, &n), -ENOENT);
	/* The largest value is fine. */
	assert_int_equal(sl_secrets_set(root, ID, "big", big, SL_SECRET_MAX_LEN), 0);
}

static void test_remove_takes_everything(void **state)
{
	char path[1024];
	struct stat st;

	(void)state;
	assert_int_equal(sl_secrets_set(root, ID, "a", "1", 1), 0);
	assert_int_equal(sl_logstore_append(root, ID, 1, 1, "x", 1, 0), 0);
	assert_int_equal(sl_logstore_complete(root, ID), 0);
	assert_int_equal(sl_ctrfiles_remove(root, ID), 0);
	snprintf(path, sizeof(path), "%s/ctrfiles/%s", root, ID);
	assert_int_not_equal(stat(path, &st), 0);
	assert_int_equal(sl_logstore_state(root, ID), SL_LOGSTORE_NONE);
	/* Removing what is not there is success. */
	assert_int_equal(sl_ctrfiles_remove(root, ID), 0);
}

static void test_sweep_keeps_recorded(void **state)
{
	const char *other = "fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210";
	char path[1024];
	struct stat st;
	FILE *fp;

	(void)state;
	assert_int_equal(sl_ctrfiles_sweep(root), 0);
	assert_int_equal(sl_secrets_set(root, ID, "a", "1", 1), 0);
	assert_int_equal(sl_secrets_set(root, other, "a", "1", 1), 0);
	/* ID has a record; `other` was removed during a crash. */
	snprintf(path, sizeof(path), "%s/containers", root);
	assert_int_equal(mkdir(path, 0700), 0);
	snprintf(path, sizeof(path), "%s/containers/%s.json", root, ID);
	fp = fopen(path, "w");
	assert_non_null(fp);
	fputs("{}", fp);
	fclose(fp);
	assert_int_equal(sl_ctrfiles_sweep(root), 1);
	snprintf(path, sizeof(path), "%s/ctrfiles/%s/secrets/a", root, ID);
	assert_int_equal(stat(path, &st), 0);
	snprintf(path, sizeof(path), "%s/ctrfiles/%s", root, other);
	assert_int_not_equal(stat(path, &st), 0);
}

/* Collects what a read emits as "fd:ts:line;" ("fd:ts:line+;" for a
 * partial line). */
struct got {
	char buf[4096];
};

static int collect(void *arg, int fd, int64_t ts, const char *line, size_t len,
	unsigned flags)
{
	struct got *g = arg;
	size_t used = strlen(g->buf);

	snprintf(g->buf + used, sizeof(g->buf) - used, "%d:%lld:%.*s%s;", fd,
		(long long)ts, (int)len, line, flags & SL_LINE_PARTIAL ? "+" : "");
	return 0;
}

static void read_all(const struct sl_logstore_filter *f, struct got *g)
{
	long long pos = 0;

	memset(g, 0, sizeof(*g));
	assert_int_equal(sl_logstore_read(root, ID, f, &pos, collect, g), 0);
}

static void test_log_filters(void **state)
{
	struct sl_logstore_filter all = {1, 1, 0, 0, -1};
	struct sl_logstore_filter f;
	struct got g;

	(void)state;
	assert_int_equal(sl_logstore_state(root, ID), SL_LOGSTORE_NONE);
	read_all(&all, &g);
	assert_string_equal(g.buf, "");
	assert_int_equal(sl_logstore_append(root, ID, 1, 10, "one\n", 4, 0), 0);
	assert_int_equal(sl_logstore_append(root, ID, 2, 20, "two", 3, 0), 0);
	/* A line may hold anything but is one record, newlines included. */
	assert_int_equal(sl_logstore_append(root, ID, 1, 30, "3 4 5\n6", 7, 0), 0);
	assert_int_equal(sl_logstore_append(root, ID, 1, 40, "", 0, 0), 0);
	assert_int_equal(sl_logstore_append(root, ID, 3, 50, "x", 1, 0), -EINVAL);
	assert_int_equal(sl_logstore_state(root, ID), SL_LOGSTORE_PARTIAL);

	read_all(&all, &g);
	assert_string_equal(g.buf, "1:10:one;2:20:two;1:30:3 4 5\n6;1:40:;");
	f = all;
	f.want_stderr = 0;
	read_all(&f, &g);
	assert_string_equal(g.buf, "1:10:one;1:30:3 4 5\n6;1:40:;");
	f = all;
	f.since_ns = 20;
	f.until_ns = 30;
	read_all(&f, &g);
	assert_string_equal(g.buf, "2:20:two;1:30:3 4 5\n6;");
	/* tail counts the lines that pass the other filters. */
	f = all;
	f.want_stderr = 0;
	f.tail = 2;
	read_all(&f, &g);
	assert_string_equal(g.buf, "1:30:3 4 5\n6;1:40:;");
	f.tail = 0;
	read_all(&f, &g);
	assert_string_equal(g.buf, "");
	f.tail = 100;
	read_all(&f, &g);
	assert_string_equal(g.buf, "1:10:one;1:30:3 4 5\n6;1:40:;");
}

/* A batch reads back as the same appends one at a time would, and a
 * complete copy taking a batch is incomplete again. */
static void test_log_batch(void **state)
{
	struct sl_logstore_filter all = {1, 1, 0, 0, -1};
	struct sl_logstore_batch b = {0};
	struct got g;

	(void)state;
	assert_int_equal(sl_logstore_batch_append(root, ID, &b), 0);
	assert_int_equal(sl_logstore_state(root, ID), SL_LOGSTORE_NONE);
	assert_int_equal(sl_logstore_batch_add(&b, 1, 10, "one\n", 4, 0), 0);
	assert_int_equal(sl_logstore_batch_add(&b, 2, 20, "two", 3, SL_LINE_PARTIAL), 0);
	assert_int_equal(sl_logstore_batch_add(&b, 3, 30, "x", 1, 0), -EINVAL);
	assert_int_equal(sl_logstore_batch_add(&b, 1, 40, "", 0, 0), 0);
	assert_int_equal(sl_logstore_batch_append(root, ID, &b), 0);
	assert_int_equal(b.len, 0);
	read_all(&all, &g);
	assert_string_equal(g.buf, "1:10:one;2:20:two+;1:40:;");
	assert_int_equal(sl_logstore_complete(root, ID), 0);
	assert_int_equal(sl_logstore_batch_add(&b, 1, 50, "five\n", 5, 0), 0);
	assert_int_equal(sl_logstore_batch_append(root, ID, &b), 0);
	assert_int_equal(sl_logstore_state(root, ID), SL_LOGSTORE_PARTIAL);
	read_all(&all, &g);
	assert_string_equal(g.buf, "1:10:one;2:20:two+;1:40:;1:50:five;");
	sl_logstore_batch_free(&b);
}

static void test_log_follow_and_complete(void **state)
{
	struct sl_logstore_filter f = {1, 1, 0, 0, 1};
	long long pos = 0;
	struct got g = {{0}};

	(void)state;
	assert_int_equal(sl_logstore_append(root, ID, 1, 1, "a", 1, 0), 0);
	assert_int_equal(sl_logstore_append(root, ID, 1, 2, "b", 1, 0), 0);
	assert_int_equal(sl_logstore_read(root, ID, &f, &pos, collect, &g), 0);
	assert_string_equal(g.buf, "1:2:b;");
	/* A follower reads on from where it stopped, without tail. */
	f.tail = -1;
	assert_int_equal(sl_logstore_append(root, ID, 2, 3, "c", 1, 0), 0);
	assert_int_equal(sl_logstore_read(root, ID, &f, &pos, collect, &g), 0);
	assert_string_equal(g.buf, "1:2:b;2:3:c;");
	assert_int_equal(sl_logstore_read(root, ID, &f, &pos, collect, &g), 0);
	assert_string_equal(g.buf, "1:2:b;2:3:c;");

	assert_int_equal(sl_logstore_complete(root, ID), 0);
	assert_int_equal(sl_logstore_state(root, ID), SL_LOGSTORE_COMPLETE);
	/* The container runs again: the copy grows and is incomplete until
	 * the backend completes it again. */
	assert_int_equal(sl_logstore_append(root, ID, 1, 4, "again", 5, 0), 0);
	assert_int_equal(sl_logstore_state(root, ID), SL_LOGSTORE_PARTIAL);
	assert_int_equal(sl_logstore_read(root, ID, &f, &pos, collect, &g), 0);
	assert_string_equal(g.buf, "1:2:b;2:3:c;1:4:again;");
	assert_int_equal(sl_logstore_complete(root, ID), 0);
	assert_int_equal(sl_logstore_state(root, ID), SL_LOGSTORE_COMPLETE);
}

static void test_log_broken_stays_broken(void **state)
{
	char path[1024];
	FILE *fp;

	(void)state;
	assert_int_equal(sl_logstore_append(root, ID, 1, 1, "a", 1, 0), 0);
	/* What a failed append leaves (the disk filled up). */
	snprintf(path, sizeof(path), "%s/ctrfiles/%s/log.broken", root, ID);
	fp = fopen(path, "w");
	assert_non_null(fp);
	fclose(fp);
	assert_int_equal(sl_logstore_state(root, ID), SL_LOGSTORE_BROKEN);
	assert_int_equal(sl_logstore_append(root, ID, 1, 2, "b", 1, 0), -EPIPE);
	assert_int_equal(sl_logstore_complete(root, ID), -EPIPE);
	assert_int_equal(sl_logstore_state(root, ID), SL_LOGSTORE_BROKEN);
}

static void test_log_torn_record_waits(void **state)
{
	struct sl_logstore_filter all = {1, 1, 0, 0, -1};
	char path[1024];
	long long pos = 0;
	struct got g = {{0}};
	FILE *fp;

	(void)state;
	assert_int_equal(sl_logstore_append(root, ID, 1, 1, "whole", 5, 0), 0);
	/* An append caught halfway: the reader stops before it. */
	snprintf(path, sizeof(path), "%s/ctrfiles/%s/log", root, ID);
	fp = fopen(path, "a");
	assert_non_null(fp);
	fputs("1 2 11\nhal", fp);
	fclose(fp);
	assert_int_equal(sl_logstore_read(root, ID, &all, &pos, collect, &g), 0);
	assert_string_equal(g.buf, "1:1:whole;");
	fp = fopen(path, "a");
	fputs("f a line\n", fp);
	fclose(fp);
	assert_int_equal(sl_logstore_read(root, ID, &all, &pos, collect, &g), 0);
	assert_string_equal(g.buf, "1:1:whole;1:2:half a line;");
}

/* A line without its newline stays so; a newline wins over the flag. */
static void test_log_partial_line(void **state)
{
	struct sl_logstore_filter all = {1, 1, 0, 0, -1};
	struct got g;

	(void)state;
	assert_int_equal(sl_logstore_append(root, ID, 1, 1, "whole\n", 6, 0), 0);
	assert_int_equal(sl_logstore_append(root, ID, 1, 2, "prompt> ", 8,
		SL_LINE_PARTIAL), 0);
	assert_int_equal(sl_logstore_append(root, ID, 2, 3, "done\n", 5,
		SL_LINE_PARTIAL), 0);
	assert_int_equal(sl_logstore_append(root, ID, 2, 4, "", 0, SL_LINE_PARTIAL), 0);
	assert_int_equal(sl_logstore_append(root, ID, 1, 5, "x", 1, 0x2), -EINVAL);
	read_all(&all, &g);
	assert_string_equal(g.buf, "1:1:whole;1:2:prompt> +;2:3:done;2:4:+;");
}

static void test_empty_copy_completes(void **state)
{
	struct sl_logstore_filter all = {1, 1, 0, 0, -1};
	struct got g;

	(void)state;
	assert_int_equal(sl_logstore_complete(root, ID), 0);
	assert_int_equal(sl_logstore_state(root, ID), SL_LOGSTORE_COMPLETE);
	read_all(&all, &g);
	assert_string_equal(g.buf, "");
}

static int readable(int fd)
{
	struct pollfd pf = {.fd = fd, .events = POLLIN};

	return poll(&pf, 1, 0) == 1;
}

/* A follower's watch wakes on its container's appends and completion
 * only, and is quiet again once drained. */
static void test_log_watch(void **state)
{
	static const char other[] = "fedcba9876543210fedcba9876543210"
		"fedcba9876543210fedcba9876543210";
	struct sl_logstore_watch w, w2;

	(void)state;
	assert_int_equal(sl_logstore_watch_open(&w, ID), 0);
	assert_int_equal(sl_logstore_watch_open(&w2, other), 0);
	assert_false(readable(sl_logstore_watch_fd(&w)));
	assert_int_equal(sl_logstore_append(root, ID, 1, 5, "a\n", 2, 0), 0);
	assert_true(readable(sl_logstore_watch_fd(&w)));
	assert_false(readable(sl_logstore_watch_fd(&w2)));
	sl_logstore_watch_drain(&w);
	assert_false(readable(sl_logstore_watch_fd(&w)));
	/* A follower that does not drain never blocks an append: fill its
	 * pipe, then append. */
	for (;;) {
		char buf[4096] = {0};

		if (write(w.fd[1], buf, sizeof(buf)) < 0) {
			assert_int_equal(errno, EAGAIN);
			break;
		}
	}
	assert_int_equal(sl_logstore_append(root, ID, 2, 7, "b", 1, 0), 0);
	sl_logstore_watch_drain(&w);
	assert_false(readable(sl_logstore_watch_fd(&w)));
	assert_int_equal(sl_logstore_complete(root, ID), 0);
	assert_true(readable(sl_logstore_watch_fd(&w)));
	sl_logstore_watch_close(&w);
	sl_logstore_watch_close(&w2);
	/* Closed watches are gone from the list: appends still work. */
	assert_int_equal(sl_logstore_append(root, ID, 1, 6, "c", 1, 0), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_secret_roundtrip_mode, setup, teardown),
		cmocka_unit_test_setup_teardown(test_secret_refusals, setup, teardown),
		cmocka_unit_test_setup_teardown(test_remove_takes_everything, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sweep_keeps_recorded, setup, teardown),
		cmocka_unit_test_setup_teardown(test_log_filters, setup, teardown),
		cmocka_unit_test_setup_teardown(test_log_batch, setup, teardown),
		cmocka_unit_test_setup_teardown(test_log_follow_and_complete, setup, teardown),
		cmocka_unit_test_setup_teardown(test_log_broken_stays_broken, setup, teardown),
		cmocka_unit_test_setup_teardown(test_log_torn_record_waits, setup, teardown),
		cmocka_unit_test_setup_teardown(test_log_partial_line, setup, teardown),
		cmocka_unit_test_setup_teardown(test_empty_copy_completes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_log_watch, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
