/*
 * agent/test_outbuf.c - the main output's bounded buffer: appends, reads
 * by offset, and when a writer must wait for an attached reader.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "agent/agent.h"

#define STALL 30000

static void
fill(struct ag_outbuf *b, size_t n)
{
	char chunk[100];

	memset(chunk, 'x', sizeof(chunk));
	while (n > 0) {
		size_t k = n < sizeof(chunk) ? n : sizeof(chunk);

		/* Apart in time, so each append is its own chunk. */
		assert_int_equal(ag_outbuf_append(b, SL_AGENT_STDOUT,
		    (int64_t)b->end * 10000000, chunk, k), 0);
		n -= k;
	}
}

static void
bound_and_read(void **state)
{
	struct ag_outbuf b;
	char out[64];
	int stream;
	int64_t ts;

	(void)state;
	ag_outbuf_init(&b, 1000);
	fill(&b, 2500);
	/* Exactly the newest 1000 bytes stay. */
	assert_int_equal(b.bytes, 1000);
	assert_int_equal(b.start, 1500);
	assert_int_equal(b.end, 2500);
	assert_int_equal(ag_outbuf_read(&b, 1499, out, sizeof(out), &stream,
	    &ts), 0);
	assert_int_equal(ag_outbuf_read(&b, 1500, out, sizeof(out), &stream,
	    &ts), 64);
	assert_int_equal(stream, SL_AGENT_STDOUT);
	ag_outbuf_free(&b);
}

static void
held_by_a_reading_reader(void **state)
{
	struct ag_outbuf b;
	struct ag_outreader r = { 0 };
	int64_t now;

	(void)state;
	ag_outbuf_init(&b, 1000);
	/* No reader: never held. */
	fill(&b, 900);
	assert_false(ag_outbuf_held(&b, 500, sl_agent_now_ms(), STALL));

	r.cursor = 0;
	ag_outbuf_reader_add(&b, &r);
	now = r.moved_ms;
	/* Room without dropping anything. */
	assert_false(ag_outbuf_held(&b, 100, now, STALL));
	/* 101 more would drop byte 0, which the reader has not read. */
	assert_true(ag_outbuf_held(&b, 101, now, STALL));
	/* It read 300 bytes: 300 more fit, 301 do not. */
	r.cursor = 300;
	assert_false(ag_outbuf_held(&b, 400, now, STALL));
	assert_true(ag_outbuf_held(&b, 401, now, STALL));
	/* A write larger than the bound waits until the reader caught up. */
	assert_true(ag_outbuf_held(&b, 1000, now, STALL));
	r.cursor = b.end;
	assert_false(ag_outbuf_held(&b, 1000, now, STALL));
	ag_outbuf_reader_del(&b, &r);
	assert_null(b.readers);
	ag_outbuf_free(&b);
}

static void
not_held_by_a_stalled_or_lost_reader(void **state)
{
	struct ag_outbuf b;
	struct ag_outreader r = { 0 }, r2 = { 0 };
	int64_t now;

	(void)state;
	ag_outbuf_init(&b, 1000);
	fill(&b, 1000);
	ag_outbuf_reader_add(&b, &r);
	now = r.moved_ms;
	r.cursor = 0;
	assert_true(ag_outbuf_held(&b, 10, now + STALL - 1, STALL));
	/* Nothing read for STALL ms: it no longer holds the writer. */
	assert_false(ag_outbuf_held(&b, 10, now + STALL, STALL));
	/* A reader already behind the oldest byte held has overflowed. */
	fill(&b, 10);
	assert_true(r.cursor < b.start);
	assert_false(ag_outbuf_held(&b, 10, now, STALL));
	/* Any one reader that is behind and reading holds it. */
	r2.cursor = b.start;
	ag_outbuf_reader_add(&b, &r2);
	assert_true(ag_outbuf_held(&b, 10, r2.moved_ms, STALL));
	ag_outbuf_reader_del(&b, &r2);
	assert_false(ag_outbuf_held(&b, 10, now, STALL));
	ag_outbuf_reader_del(&b, &r);
	ag_outbuf_free(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(bound_and_read),
		cmocka_unit_test(held_by_a_reading_reader),
		cmocka_unit_test(not_held_by_a_stalled_or_lost_reader),
	};
	return cmocka_run_group_tests_name("agent_outbuf", tests, NULL, NULL);
}
