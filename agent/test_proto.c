/*
 * agent/test_proto.c - the agent protocol's frame and field codecs.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "agent/proto.h"

static void
header_round_trip(void **state)
{
	unsigned char b[SL_AGENT_HDR_SIZE];
	struct sl_agent_hdr h;

	(void)state;
	sl_agent_hdr_put(b, SL_AGENT_STDERR, 0x01020304u, 0x000a0b0cu);
	/* Big-endian on the wire, whatever the host. */
	assert_int_equal(b[0], 4);
	assert_int_equal(b[1], 1);
	assert_int_equal(b[4], 4);
	assert_int_equal(b[6], 0x0a);
	assert_int_equal(b[8], 0x0c);
	assert_int_equal(sl_agent_hdr_get(b, &h), 0);
	assert_int_equal(h.type, SL_AGENT_STDERR);
	assert_int_equal(h.channel, 0x01020304u);
	assert_int_equal(h.length, 0x000a0b0cu);
	assert_string_equal(sl_agent_type_name(SL_AGENT_ACK), "ACK");
	assert_string_equal(sl_agent_type_name(99), "?");
}

static void
header_refusals(void **state)
{
	unsigned char b[SL_AGENT_HDR_SIZE];
	struct sl_agent_hdr h;

	(void)state;
	sl_agent_hdr_put(b, 0, 1, 0);
	assert_int_equal(sl_agent_hdr_get(b, &h), -1);
	sl_agent_hdr_put(b, SL_AGENT_TYPE_MAX + 1, 1, 0);
	assert_int_equal(sl_agent_hdr_get(b, &h), -1);
	/* Version 2's stamped output is a known type. */
	sl_agent_hdr_put(b, SL_AGENT_STDERR_AT, 1, 8);
	assert_int_equal(sl_agent_hdr_get(b, &h), 0);
	assert_string_equal(sl_agent_type_name(SL_AGENT_STDOUT_AT), "STDOUT_AT");
	sl_agent_hdr_put(b, SL_AGENT_STDOUT, 1, SL_AGENT_MAX_PAYLOAD + 1);
	assert_int_equal(sl_agent_hdr_get(b, &h), -1);
	sl_agent_hdr_put(b, SL_AGENT_STDOUT, 1, SL_AGENT_MAX_PAYLOAD);
	assert_int_equal(sl_agent_hdr_get(b, &h), 0);
}

static void
stamps_round_trip(void **state)
{
	static const int64_t v[] = { 0, 1, 1764900000123456789LL, -1,
		INT64_MAX, INT64_MIN };
	unsigned char b[8];

	(void)state;
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		sl_agent_i64_put(b, v[i]);
		assert_true(sl_agent_i64_get(b) == v[i]);
	}
	sl_agent_i64_put(b, 0x0102030405060708LL);
	assert_int_equal(b[0], 1);
	assert_int_equal(b[7], 8);
}

/* A stamp from an agent whose clock runs ahead is clamped to the
 * arrival, so a line never sorts after lines stamped later here. */
static void
stamp_clamp(void **state)
{
	const int64_t now = 1764900000000000000LL;

	(void)state;
	assert_true(sl_agent_stamp_clamp(now - 5000, now) == now - 5000);
	assert_true(sl_agent_stamp_clamp(now, now) == now);
	assert_true(sl_agent_stamp_clamp(now + 1, now) == now);
	assert_true(sl_agent_stamp_clamp(now + 3600000000000LL, now) == now);
	assert_true(sl_agent_stamp_clamp(0, now) == now);
	assert_true(sl_agent_stamp_clamp(-1, now) == now);
}

static void
frames_over_a_socket(void **state)
{
	int sv[2];
	struct sl_agent_hdr h;
	unsigned char *buf = NULL;
	size_t cap = 0;
	static char big[300000];

	(void)state;
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	memset(big, 'x', sizeof(big));
	assert_int_equal(sl_agent_frame_write(sv[0], SL_AGENT_STDOUT, 7, "hi", 2), 0);
	assert_int_equal(sl_agent_frame_write(sv[0], SL_AGENT_EOF, 7, NULL, 0), 0);

	assert_int_equal(sl_agent_frame_read(sv[1], &h, &buf, &cap), 0);
	assert_int_equal(h.type, SL_AGENT_STDOUT);
	assert_int_equal(h.channel, 7);
	assert_int_equal(h.length, 2);
	assert_string_equal((char *)buf, "hi");
	assert_int_equal(sl_agent_frame_read(sv[1], &h, &buf, &cap), 0);
	assert_int_equal(h.type, SL_AGENT_EOF);
	assert_int_equal(h.length, 0);

	/* A payload larger than the socket buffer: written by a child while
	 * the parent reads, so short writes and reads are exercised. */
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(sv[1]);
		_exit(sl_agent_frame_write(sv[0], SL_AGENT_STDIN, 9, big,
		    sizeof(big)) == 0 ? 0 : 1);
	}
	assert_int_equal(sl_agent_frame_read(sv[1], &h, &buf, &cap), 0);
	assert_int_equal(h.length, sizeof(big));
	assert_memory_equal(buf, big, sizeof(big));
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_int_equal(status, 0);

	/* Too large to send. */
	errno = 0;
	assert_int_equal(sl_agent_frame_write(sv[0], SL_AGENT_STDIN, 9, big,
	    SL_AGENT_MAX_PAYLOAD + 1), -1);
	assert_int_equal(errno, EMSGSIZE);

	/* A clean end of stream before a header: -1 with errno 0; a frame
	 * cut short: ECONNRESET; a bad header: EPROTO. */
	unsigned char part[SL_AGENT_HDR_SIZE];
	sl_agent_hdr_put(part, SL_AGENT_STDOUT, 1, 10);
	assert_int_equal(write(sv[0], part, sizeof(part)), (ssize_t)sizeof(part));
	assert_int_equal(write(sv[0], "abc", 3), 3);
	shutdown(sv[0], SHUT_WR);
	errno = 0;
	assert_int_equal(sl_agent_frame_read(sv[1], &h, &buf, &cap), -1);
	assert_int_equal(errno, ECONNRESET);
	errno = EAGAIN;
	assert_int_equal(sl_agent_frame_read(sv[1], &h, &buf, &cap), -1);
	assert_int_equal(errno, 0);
	close(sv[0]);
	close(sv[1]);

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	sl_agent_hdr_put(part, 42, 1, 0);
	assert_int_equal(write(sv[0], part, sizeof(part)), (ssize_t)sizeof(part));
	assert_int_equal(sl_agent_frame_read(sv[1], &h, &buf, &cap), -1);
	assert_int_equal(errno, EPROTO);
	close(sv[0]);
	close(sv[1]);
	free(buf);
}

static void
fields_build_and_walk(void **state)
{
	struct sl_agent_fields f = {0};
	size_t pos = 0;
	const char *k, *v;

	(void)state;
	assert_int_equal(sl_agent_fields_add(&f, "kind", "exec"), 0);
	assert_int_equal(sl_agent_fields_add(&f, "argv", "sh"), 0);
	assert_int_equal(sl_agent_fields_add(&f, "argv", ""), 0);
	assert_int_equal(sl_agent_fields_addf(&f, "rows", "%d", 24), 0);
	assert_int_equal(sl_agent_fields_addf(&f, "long", "%0100d", 7), 0);
	assert_int_equal(f.len, 5 + 5 + 5 + 3 + 5 + 1 + 5 + 3 + 5 + 101);

	assert_string_equal(sl_agent_fields_get(f.buf, f.len, "kind"), "exec");
	assert_string_equal(sl_agent_fields_get(f.buf, f.len, "argv"), "sh");
	assert_string_equal(sl_agent_fields_get(f.buf, f.len, "rows"), "24");
	assert_int_equal(strlen(sl_agent_fields_get(f.buf, f.len, "long")), 100);
	assert_null(sl_agent_fields_get(f.buf, f.len, "user"));

	int argc = 0;
	while (sl_agent_fields_next(f.buf, f.len, &pos, &k, &v) == 1)
		if (strcmp(k, "argv") == 0)
			argc++;
	assert_int_equal(argc, 2);
	assert_int_equal(sl_agent_fields_valid(f.buf, f.len), 0);
	sl_agent_fields_free(&f);
	assert_null(f.buf);
}

static void
fields_malformed(void **state)
{
	size_t pos = 0;
	const char *k, *v;

	(void)state;
	/* A key without a value, a value without its NUL. */
	assert_int_equal(sl_agent_fields_valid("kind", 5), -1);
	assert_int_equal(sl_agent_fields_valid("kind\0exec", 9), -1);
	assert_null(sl_agent_fields_get("kind\0exec\0argv", 14, "kind"));
	assert_int_equal(sl_agent_fields_next("", 0, &pos, &k, &v), 0);
	assert_int_equal(sl_agent_fields_valid("", 0), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(header_round_trip),
		cmocka_unit_test(header_refusals),
		cmocka_unit_test(stamps_round_trip),
		cmocka_unit_test(stamp_clamp),
		cmocka_unit_test(frames_over_a_socket),
		cmocka_unit_test(fields_build_and_walk),
		cmocka_unit_test(fields_malformed),
	};
	return cmocka_run_group_tests_name("agent_proto", tests, NULL, NULL);
}
