/* tests/unit/test_events.c - the Docker events bus (core/events.c). */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "events.h"
#include "filters.h"

#define S 1000000000LL
#define NO SL_EVENTS_NO_TIME
/* since=1 ns: the whole buffer (what since=0 means to dockerd) */
#define ALL 1

/* A clock the test moves by hand. */
static _Atomic int64_t fake_now;

static int64_t fake_clock(void *arg)
{
	(void)arg;
	return atomic_load(&fake_now);
}

static struct sl_events *fake_bus(size_t cap)
{
	struct sl_events *bus = sl_events_new(cap);

	assert_non_null(bus);
	atomic_store(&fake_now, 1700000000LL * S + 123456789);
	sl_events_set_clock(bus, fake_clock, NULL);
	return bus;
}

static int64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

static struct sl_filters *filters(const char *json)
{
	struct sl_filters *f = NULL;
	char err[128];

	assert_int_equal(sl_filters_parse(json, &f, err, sizeof(err)), 0);
	return f;
}

/* Next line without waiting; fails the test when there is none. Owned by the caller. */
static char *must_next(struct sl_events_sub *sub)
{
	char *line = NULL;

	assert_int_equal(sl_events_next(sub, 0, &line), 1);
	assert_non_null(line);
	return line;
}

static void expect_line(struct sl_events_sub *sub, const char *want)
{
	char *line = must_next(sub);

	assert_string_equal(line, want);
	free(line);
}

/* Asserts the next line contains `needle`. */
static void expect_has(struct sl_events_sub *sub, const char *needle)
{
	char *line = must_next(sub);

	if (strstr(line, needle) == NULL)
		fail_msg("line %s lacks %s", line, needle);
	free(line);
}

static void expect_none(struct sl_events_sub *sub)
{
	char *line = NULL;

	assert_int_equal(sl_events_next(sub, 0, &line), 0);
	assert_null(line);
}

static void test_docker_line_shape(void **state)
{
	struct sl_events *bus = fake_bus(16);
	struct sl_events_sub *sub;
	const char *const attrs[] = { "name", "web", "image", "docker.io/library/alpine:3.19",
		                      "com.example.tier", "front", "exitCode", "0", NULL };
	const char *const img_attrs[] = { "name", "alpine:latest", NULL };
	const char *const dup_attrs[] = { "name", "old", "driver", "local", "name", "v1", NULL };

	(void)state;
	assert_int_equal(sl_events_publish(bus, "container", "die", "c0ffee", attrs), 0);
	assert_int_equal(sl_events_publish(bus, "image", "pull", "alpine:latest", img_attrs), 0);
	assert_int_equal(sl_events_publish(bus, "volume", "create", "v1", dup_attrs), 0);
	assert_int_equal(sl_events_publish(bus, "daemon", "reload", NULL, NULL), 0);

	sub = sl_events_subscribe(bus, ALL, NO, NULL);
	assert_non_null(sub);
	/* Legacy status/id/from first, attributes sorted, newline-terminated. */
	expect_line(sub, "{\"status\":\"die\",\"id\":\"c0ffee\","
	                 "\"from\":\"docker.io/library/alpine:3.19\",\"Type\":\"container\","
	                 "\"Action\":\"die\",\"Actor\":{\"ID\":\"c0ffee\","
	                 "\"Attributes\":{\"com.example.tier\":\"front\",\"exitCode\":\"0\","
	                 "\"image\":\"docker.io/library/alpine:3.19\",\"name\":\"web\"}},"
	                 "\"scope\":\"local\",\"time\":1700000000,\"timeNano\":1700000000123456789}\n");
	expect_line(sub, "{\"status\":\"pull\",\"id\":\"alpine:latest\",\"Type\":\"image\","
	                 "\"Action\":\"pull\",\"Actor\":{\"ID\":\"alpine:latest\",\"Attributes\":"
	                 "{\"name\":\"alpine:latest\"}},\"scope\":\"local\",\"time\":1700000000,"
	                 "\"timeNano\":1700000000123456789}\n");
	/* A repeated attribute keeps its last value; no legacy fields for volumes. */
	expect_line(sub, "{\"Type\":\"volume\",\"Action\":\"create\",\"Actor\":{\"ID\":\"v1\","
	                 "\"Attributes\":{\"driver\":\"local\",\"name\":\"v1\"}},\"scope\":\"local\","
	                 "\"time\":1700000000,\"timeNano\":1700000000123456789}\n");
	expect_line(sub, "{\"Type\":\"daemon\",\"Action\":\"reload\",\"Actor\":{\"ID\":\"\","
	                 "\"Attributes\":{}},\"scope\":\"local\",\"time\":1700000000,"
	                 "\"timeNano\":1700000000123456789}\n");
	expect_none(sub);
	sl_events_unsubscribe(sub);

	assert_int_equal(sl_events_publish(bus, "", "x", "a", NULL), -EINVAL);
	assert_int_equal(sl_events_publish(bus, "container", NULL, "a", NULL), -EINVAL);
	sl_events_free(bus);
}

static void test_escaping(void **state)
{
	struct sl_events *bus = fake_bus(4);
	const char *const attrs[] = { "image", "reg.example/a/b:1", "q", "say \"hi\"\n", NULL };
	struct sl_events_sub *sub = sl_events_subscribe(bus, ALL, NO, NULL);
	char *line;

	(void)state;
	assert_int_equal(sl_events_publish(bus, "container", "create", "id1", attrs), 0);
	line = must_next(sub);
	/* Slashes unescaped (NOSLASHESCAPE), quotes and newlines escaped; one line. */
	assert_non_null(strstr(line, "\"from\":\"reg.example/a/b:1\""));
	assert_non_null(strstr(line, "\"q\":\"say \\\"hi\\\"\\n\""));
	assert_ptr_equal(strchr(line, '\n'), line + strlen(line) - 1);
	free(line);
	sl_events_unsubscribe(sub);
	sl_events_free(bus);
}

static void publish_at(struct sl_events *bus, int64_t sec, const char *action)
{
	const char *const attrs[] = { "name", "c", "image", "alpine", NULL };

	atomic_store(&fake_now, sec * S);
	assert_int_equal(sl_events_publish(bus, "container", action, "cid", attrs), 0);
}

static void test_replay_since_until(void **state)
{
	struct sl_events *bus = fake_bus(16);
	struct sl_events_sub *sub;
	char *line = NULL;

	(void)state;
	publish_at(bus, 100, "create");
	publish_at(bus, 200, "start");
	publish_at(bus, 300, "die");
	atomic_store(&fake_now, 400 * S);

	/* No since and no until: live events only, as dockerd. */
	sub = sl_events_subscribe(bus, NO, NO, NULL);
	expect_none(sub);
	sl_events_unsubscribe(sub);

	/* since selects history from that time on, then the stream stays open. */
	sub = sl_events_subscribe(bus, 200 * S, NO, NULL);
	expect_has(sub, "\"Action\":\"start\"");
	expect_has(sub, "\"Action\":\"die\"");
	expect_none(sub);
	publish_at(bus, 410, "destroy");
	expect_has(sub, "\"Action\":\"destroy\"");
	sl_events_unsubscribe(sub);

	/* until in the past: history up to until, then the end of the stream. */
	sub = sl_events_subscribe(bus, NO, 200 * S, NULL);
	expect_has(sub, "\"Action\":\"create\"");
	expect_has(sub, "\"Action\":\"start\"");
	assert_int_equal(sl_events_next(sub, 1000, &line), -1);
	assert_null(line);
	sl_events_unsubscribe(sub);

	/* A window. */
	sub = sl_events_subscribe(bus, 150 * S, 300 * S, NULL);
	expect_has(sub, "\"Action\":\"start\"");
	expect_has(sub, "\"Action\":\"die\"");
	assert_int_equal(sl_events_next(sub, 0, &line), -1);
	sl_events_unsubscribe(sub);

	/* A future until: live events until the clock passes it. */
	atomic_store(&fake_now, 500 * S);
	sub = sl_events_subscribe(bus, 450 * S, 600 * S, NULL);
	expect_none(sub);
	publish_at(bus, 550, "kill");
	expect_has(sub, "\"Action\":\"kill\"");
	atomic_store(&fake_now, 601 * S);
	assert_int_equal(sl_events_next(sub, 0, &line), -1);
	sl_events_unsubscribe(sub);
	sl_events_free(bus);
}

/* Publishes a mixed set of events and returns the actions a filter lets through, in order,
 * joined by spaces. */
static const char *filtered(const char *json)
{
	static char out[512];
	struct sl_events *bus = fake_bus(64);
	struct sl_filters *f = filters(json);
	struct sl_events_sub *sub;
	const char *const web[] = { "name", "web", "image", "docker.io/library/nginx:latest",
		                    "app", "shop", "tier", "front", NULL };
	const char *const db[] = { "name", "db", "image", "postgres:16", "app", "shop", NULL };
	const char *const img[] = { "name", "nginx:latest", NULL };
	const char *const vol[] = { "driver", "local", NULL };
	const char *const net[] = { "name", "bridge", "type", "bridge", "container", "aaaa1111",
		                    NULL };
	char *line;

	sub = sl_events_subscribe(bus, ALL, NO, f);
	sl_filters_free(f); /* the subscription keeps its own copy */
	assert_int_equal(sl_events_publish(bus, "container", "start", "aaaa1111", web), 0);
	assert_int_equal(sl_events_publish(bus, "container", "die", "bbbb2222", db), 0);
	assert_int_equal(sl_events_publish(bus, "container", "exec_start: ls -l", "aaaa1111", web),
	                 0);
	assert_int_equal(sl_events_publish(bus, "image", "pull", "nginx:latest", img), 0);
	assert_int_equal(sl_events_publish(bus, "volume", "create", "vol1", vol), 0);
	assert_int_equal(sl_events_publish(bus, "network", "connect", "net1", net), 0);
	out[0] = '\0';
	while (sl_events_next(sub, 0, &line) == 1) {
		const char *a = strstr(line, "\"Action\":\"");
		const char *e;

		assert_non_null(a);
		a += strlen("\"Action\":\"");
		e = strchr(a, '"');
		snprintf(out + strlen(out), sizeof(out) - strlen(out), "%s%.*s", out[0] ? " " : "",
		         (int)(e - a), a);
		free(line);
	}
	sl_events_unsubscribe(sub);
	sl_events_free(bus);
	return out;
}

static void test_filters(void **state)
{
	(void)state;
	assert_string_equal(filtered("{}"),
	                    "start die exec_start: ls -l pull create connect");
	assert_string_equal(filtered("{\"type\":{\"container\":true}}"),
	                    "start die exec_start: ls -l");
	assert_string_equal(filtered("{\"type\":[\"image\",\"volume\"]}"), "pull create");
	assert_string_equal(filtered("{\"event\":{\"die\":true}}"), "die");
	/* exec_start matches "exec_start: <cmd>" (moby #25798). */
	assert_string_equal(filtered("{\"event\":{\"exec_start\":true}}"), "exec_start: ls -l");
	assert_string_equal(filtered("{\"event\":{\"exec\":true}}"), "");
	/* container: name or ID prefix; it rules out events of other actors. */
	assert_string_equal(filtered("{\"container\":{\"web\":true}}"),
	                    "start exec_start: ls -l");
	assert_string_equal(filtered("{\"container\":{\"bbbb\":true}}"), "die");
	assert_string_equal(filtered("{\"container\":{\"web\":true},\"event\":{\"start\":true}}"),
	                    "start");
	/* image: the container's image with or without registry/tag, or the image itself. */
	assert_string_equal(filtered("{\"image\":{\"nginx\":true}}"),
	                    "start exec_start: ls -l pull");
	assert_string_equal(filtered("{\"image\":{\"postgres\":true}}"), "die");
	assert_string_equal(filtered("{\"image\":{\"postgres:16\":true}}"), "die");
	assert_string_equal(filtered("{\"image\":{\"nginx:latest\":true}}"), "pull");
	/* label: key, or key=value, all required. */
	assert_string_equal(filtered("{\"label\":{\"app=shop\":true}}"),
	                    "start die exec_start: ls -l");
	assert_string_equal(filtered("{\"label\":{\"app=shop\":true,\"tier\":true}}"),
	                    "start exec_start: ls -l");
	assert_string_equal(filtered("{\"label\":{\"tier=back\":true}}"), "");
	assert_string_equal(filtered("{\"volume\":{\"vol1\":true}}"), "create");
	assert_string_equal(filtered("{\"network\":{\"bridge\":true}}"), "connect");
	assert_string_equal(filtered("{\"scope\":{\"local\":true},\"type\":{\"image\":true}}"),
	                    "pull");
	assert_string_equal(filtered("{\"scope\":{\"swarm\":true}}"), "");
	assert_string_equal(filtered("{\"daemon\":{\"x\":true}}"), "");
}

static void test_match_image_names(void **state)
{
	char *attrs[] = { "image", NULL, NULL };
	struct sl_event ev = { .type = "container", .action = "start", .actor_id = "id",
		               .attrs = attrs, .n_attrs = 1, .scope = "local" };
	struct sl_filters *alpine = filters("{\"image\":{\"alpine\":true}}");
	struct sl_filters *foreign = filters("{\"image\":{\"reg.example:5000/team/app\":true}}");

	(void)state;
	attrs[1] = "alpine";
	assert_true(sl_events_match(&ev, alpine));
	attrs[1] = "alpine:3.19";
	assert_true(sl_events_match(&ev, alpine));
	attrs[1] = "docker.io/library/alpine:latest";
	assert_true(sl_events_match(&ev, alpine));
	attrs[1] = "index.docker.io/library/alpine@sha256:"
		   "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
	assert_true(sl_events_match(&ev, alpine));
	/* Not a reference (the digest is too short): compared as it is, as dockerd does. */
	attrs[1] = "index.docker.io/library/alpine@sha256:0123";
	assert_false(sl_events_match(&ev, alpine));
	attrs[1] = "alpinex";
	assert_false(sl_events_match(&ev, alpine));
	attrs[1] = "docker.io/someone/alpine";
	assert_false(sl_events_match(&ev, alpine));
	attrs[1] = "reg.example:5000/team/app:v2";
	assert_true(sl_events_match(&ev, foreign));
	assert_false(sl_events_match(&ev, alpine));
	attrs[1] = "Alpine";
	assert_false(sl_events_match(&ev, alpine));
	assert_true(sl_events_match(&ev, NULL));
	sl_filters_free(alpine);
	sl_filters_free(foreign);
}

struct waiter {
	struct sl_events_sub *sub;
	int timeout_ms;
	int rc;
	char *line;
	int64_t waited_ms;
};

static void *wait_thread(void *arg)
{
	struct waiter *w = arg;
	int64_t t0 = mono_ms();

	w->rc = sl_events_next(w->sub, w->timeout_ms, &w->line);
	w->waited_ms = mono_ms() - t0;
	return NULL;
}

static void test_live_delivery(void **state)
{
	struct sl_events *bus = sl_events_new(0);
	struct waiter w = { .timeout_ms = 5000 };
	const char *const attrs[] = { "name", "web", NULL };
	pthread_t th;

	(void)state;
	w.sub = sl_events_subscribe(bus, NO, NO, NULL);
	assert_int_equal(pthread_create(&th, NULL, wait_thread, &w), 0);
	sleep_ms(50);
	assert_int_equal(sl_events_publish(bus, "container", "start", "abc", attrs), 0);
	assert_int_equal(pthread_join(th, NULL), 0);
	assert_int_equal(w.rc, 1);
	assert_non_null(strstr(w.line, "\"Action\":\"start\""));
	assert_true(w.waited_ms < 4000); /* woken by the publish, not the timeout */
	free(w.line);
	sl_events_unsubscribe(w.sub);
	sl_events_free(bus);
}

static void test_timeout(void **state)
{
	struct sl_events *bus = sl_events_new(8);
	struct sl_events_sub *sub = sl_events_subscribe(bus, NO, NO, NULL);
	char *line = (char *)0x1;
	int64_t t0 = mono_ms();

	(void)state;
	assert_int_equal(sl_events_next(sub, 150, &line), 0);
	assert_null(line);
	assert_true(mono_ms() - t0 >= 140);
	/* An event that does not match does not end the wait early either. */
	sl_events_unsubscribe(sub);
	{
		struct sl_filters *f = filters("{\"type\":{\"image\":true}}");

		sub = sl_events_subscribe(bus, NO, NO, f);
		sl_filters_free(f);
	}
	assert_int_equal(sl_events_publish(bus, "container", "start", "x", NULL), 0);
	t0 = mono_ms();
	assert_int_equal(sl_events_next(sub, 100, &line), 0);
	assert_true(mono_ms() - t0 >= 90);
	sl_events_unsubscribe(sub);
	sl_events_free(bus);
}

static void test_until_passes_live(void **state)
{
	struct sl_events *bus = sl_events_new(8);
	struct timespec ts;
	/* Long but finite, so a broken `until` fails the test instead of hanging it. */
	struct waiter w = { .timeout_ms = 5000 };
	pthread_t th;
	int64_t now;

	(void)state;
	clock_gettime(CLOCK_REALTIME, &ts);
	now = (int64_t)ts.tv_sec * S + ts.tv_nsec;
	w.sub = sl_events_subscribe(bus, NO, now + 200 * 1000000LL, NULL);
	assert_int_equal(pthread_create(&th, NULL, wait_thread, &w), 0);
	assert_int_equal(pthread_join(th, NULL), 0);
	/* The stream ends by itself once `until` passes, long before the
	 * timeout, and not before: measured against the wall clock `until`
	 * is on, so a thread that starts late cannot fail it. */
	assert_int_equal(w.rc, -1);
	assert_true(w.waited_ms < 3000);
	clock_gettime(CLOCK_REALTIME, &ts);
	assert_true((int64_t)ts.tv_sec * S + ts.tv_nsec >= now + 200 * 1000000LL);
	sl_events_unsubscribe(w.sub);
	sl_events_free(bus);
}

static void test_shutdown_wakes_all(void **state)
{
	struct sl_events *bus = sl_events_new(8);
	struct waiter w[3];
	pthread_t th[3];
	int i;

	(void)state;
	for (i = 0; i < 3; i++) {
		w[i] = (struct waiter){ .timeout_ms = i == 2 ? -1 : 5000 };
		w[i].sub = sl_events_subscribe(bus, i == 0 ? ALL : NO, NO, NULL);
		assert_int_equal(pthread_create(&th[i], NULL, wait_thread, &w[i]), 0);
	}
	sleep_ms(50);
	sl_events_shutdown(bus);
	for (i = 0; i < 3; i++) {
		assert_int_equal(pthread_join(th[i], NULL), 0);
		assert_int_equal(w[i].rc, -1);
		assert_null(w[i].line);
		assert_true(w[i].waited_ms < 3000);
	}
	/* Pending events do not keep a stream open after shutdown. */
	assert_int_equal(sl_events_publish(bus, "container", "start", "x", NULL), 0);
	assert_int_equal(sl_events_next(w[0].sub, -1, &w[0].line), -1);
	for (i = 0; i < 3; i++)
		sl_events_unsubscribe(w[i].sub);
	sl_events_shutdown(bus); /* idempotent */
	sl_events_free(bus);
}

/* What was published before shutdown still goes out (the die events of the
 * containers the backend stopped during fini), then the stream ends. */
static void test_shutdown_flushes_earlier_events(void **state)
{
	struct sl_events *bus = sl_events_new(8);
	struct sl_events_sub *sub = sl_events_subscribe(bus, ALL, NO, NULL);
	char *line = NULL;

	(void)state;
	assert_int_equal(sl_events_publish(bus, "container", "die", "x", NULL), 0);
	sl_events_shutdown(bus);
	assert_int_equal(sl_events_publish(bus, "container", "destroy", "x", NULL), 0);
	assert_int_equal(sl_events_next(sub, -1, &line), 1);
	assert_non_null(strstr(line, "\"die\""));
	free(line);
	line = NULL;
	assert_int_equal(sl_events_next(sub, -1, &line), -1);
	assert_null(line);
	sl_events_unsubscribe(sub);
	sl_events_free(bus);
}

struct late_unsub {
	struct sl_events_sub *sub;
	int rc;
};

static void *next_then_unsubscribe(void *arg)
{
	struct late_unsub *l = arg;
	char *line = NULL;

	l->rc = sl_events_next(l->sub, 5000, &line);
	sleep_ms(50); /* sl_events_free must wait for this */
	sl_events_unsubscribe(l->sub);
	return NULL;
}

static void test_free_waits_for_subscribers(void **state)
{
	struct sl_events *bus = sl_events_new(8);
	struct late_unsub l;
	pthread_t th;

	(void)state;
	l.sub = sl_events_subscribe(bus, NO, NO, NULL);
	assert_int_equal(pthread_create(&th, NULL, next_then_unsubscribe, &l), 0);
	sleep_ms(20);
	sl_events_free(bus); /* shuts down, then waits for the unsubscribe */
	assert_int_equal(pthread_join(th, NULL), 0);
	assert_int_equal(l.rc, -1);
	sl_events_free(NULL);
	sl_events_unsubscribe(NULL);
}

static void test_ring_overflow(void **state)
{
	struct sl_events *bus = fake_bus(4);
	struct sl_events_sub *sub = sl_events_subscribe(bus, NO, NO, NULL);
	char action[16];
	int i;

	(void)state;
	for (i = 1; i <= 10; i++) {
		snprintf(action, sizeof(action), "a%d", i);
		assert_int_equal(sl_events_publish(bus, "container", action, "x", NULL), 0);
	}
	/* A reader that fell behind resumes at the oldest event still buffered. */
	expect_has(sub, "\"Action\":\"a7\"");
	assert_int_equal(sl_events_dropped(sub), 6);
	expect_has(sub, "\"Action\":\"a8\"");
	expect_has(sub, "\"Action\":\"a9\"");
	expect_has(sub, "\"Action\":\"a10\"");
	expect_none(sub);
	sl_events_unsubscribe(sub);

	/* Replay covers only what the ring still holds. */
	sub = sl_events_subscribe(bus, ALL, NO, NULL);
	expect_has(sub, "\"Action\":\"a7\"");
	sl_events_unsubscribe(sub);
	sl_events_free(bus);
}

#define N_PUB 4
#define N_EACH 200

static void *publisher(void *arg)
{
	struct sl_events *bus = arg;
	const char *const attrs[] = { "name", "p", NULL };
	int i;

	for (i = 0; i < N_EACH; i++)
		if (sl_events_publish(bus, "container", "start", "id", attrs) != 0)
			return (void *)1;
	return NULL;
}

static void test_concurrent_publishers(void **state)
{
	struct sl_events *bus = sl_events_new(N_PUB * N_EACH);
	struct sl_events_sub *sub = sl_events_subscribe(bus, NO, NO, NULL);
	pthread_t th[N_PUB];
	void *ret;
	char *line;
	int i, got = 0;
	int64_t last_nano = 0;

	(void)state;
	for (i = 0; i < N_PUB; i++)
		assert_int_equal(pthread_create(&th[i], NULL, publisher, bus), 0);
	while (got < N_PUB * N_EACH) {
		const char *p;
		int64_t nano;

		assert_int_equal(sl_events_next(sub, 5000, &line), 1);
		p = strstr(line, "\"timeNano\":");
		assert_non_null(p);
		nano = strtoll(p + strlen("\"timeNano\":"), NULL, 10);
		assert_true(nano >= last_nano); /* stamped under the lock: delivered in time order */
		last_nano = nano;
		free(line);
		got++;
	}
	for (i = 0; i < N_PUB; i++) {
		assert_int_equal(pthread_join(th[i], &ret), 0);
		assert_null(ret);
	}
	expect_none(sub);
	assert_int_equal(sl_events_dropped(sub), 0);
	sl_events_unsubscribe(sub);
	sl_events_free(bus);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_docker_line_shape),
		cmocka_unit_test(test_escaping),
		cmocka_unit_test(test_replay_since_until),
		cmocka_unit_test(test_filters),
		cmocka_unit_test(test_match_image_names),
		cmocka_unit_test(test_live_delivery),
		cmocka_unit_test(test_timeout),
		cmocka_unit_test(test_until_passes_live),
		cmocka_unit_test(test_shutdown_wakes_all),
		cmocka_unit_test(test_shutdown_flushes_earlier_events),
		cmocka_unit_test(test_free_waits_for_subscribers),
		cmocka_unit_test(test_ring_overflow),
		cmocka_unit_test(test_concurrent_publishers),
	};

	return cmocka_run_group_tests_name("events", tests, NULL, NULL);
}
