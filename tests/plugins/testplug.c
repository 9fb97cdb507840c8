/*
 * testplug.c - deliberately broken (and one minimal, valid) backends for
 * the loader tests.  Each variant is this file built with one TP_* macro.
 * TP_V10: a plugin built for ABI 1.0, as an old binary is: it declares
 * minor 0 and the v1.0 table size, and its state reports are v1.0 sized,
 * with garbage where 1.1 appended fields (the host must not read them).
 * It runs containers like TP_QUICKEXIT.
 * TP_STREAMS: logs and attach hooks that block until cancelled and then
 * linger, to check that the host cancels them when the client goes and
 * never calls fini while one is still inside.
 */
#include <poll.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sockerless/plugin.h"

static int tp_init(const struct sl_host_v1 *host, sl_call *call, void **state)
{
#ifdef TP_INITFAIL
	*state = NULL;
	return host->set_error(call, SL_EUNAVAIL,
		"cannot reach the cloud: credentials missing (test)");
#else
	(void)call;
	sl_host_log(host, SL_LOG_INFO, "minimal test backend up");
	*state = (void *)host;
	return SL_OK;
#endif
}

#ifdef TP_STREAMS
static int inside;    /* hooks running; atomic */
static int fini_ran;  /* atomic */
#endif

static void tp_fini(void *state)
{
	(void)state;
#ifdef TP_STREAMS
	if (__atomic_load_n(&inside, __ATOMIC_SEQ_CST)) {
		sl_host_log(state, SL_LOG_ERROR, "fini while a stream hook runs");
		abort();
	}
	__atomic_store_n(&fini_ran, 1, __ATOMIC_SEQ_CST);
	sl_host_log(state, SL_LOG_INFO, "testplug fini");
#endif
}

#ifdef TP_STREAMS
/* Writes a line, waits for cancellation without writing again, then
 * lingers like a backend finishing a cloud call. */
static int block_until_cancelled(const struct sl_host_v1 *host, sl_call *call,
	sl_stream *s, const char *what)
{
	struct pollfd pf = {.fd = host->cancel_fd(call), .events = POLLIN};

	__atomic_add_fetch(&inside, 1, __ATOMIC_SEQ_CST);
	host->stream_write(s, 1, "ready\n", 6);
	sl_host_log(host, SL_LOG_INFO, "%s hook entered", what);
	while (!host->cancelled(call))
		(void)poll(&pf, 1, 1000);
	sl_host_log(host, SL_LOG_INFO, "%s hook cancelled", what);
	(void)poll(NULL, 0, 300);
	if (__atomic_load_n(&fini_ran, __ATOMIC_SEQ_CST)) {
		sl_host_log(host, SL_LOG_ERROR, "%s hook still inside after fini",
			what);
		abort();
	}
	sl_host_log(host, SL_LOG_INFO, "%s hook returns", what);
	__atomic_sub_fetch(&inside, 1, __ATOMIC_SEQ_CST);
	return host->set_error(call, SL_ECANCELED, "cancelled");
}

static int tp_logs(void *state, sl_call *call, sl_container *c,
	const struct sl_logs_opts_v1 *opts, sl_stream *out)
{
	(void)c;
	(void)opts;
	return block_until_cancelled(state, call, out, "logs");
}

static int tp_attach(void *state, sl_call *call, sl_container *c,
	const struct sl_attach_opts_v1 *opts, sl_stream *io)
{
	(void)c;
	(void)opts;
	return block_until_cancelled(state, call, io, "attach");
}

static const struct sl_stream_ops_v1 tp_streams = {
	SL_HEADER(struct sl_stream_ops_v1),
	.logs = tp_logs,
	.attach = tp_attach,
};
#endif

static int tp_info(void *state, sl_call *call, struct sl_info_v1 *out)
{
	(void)state;
	(void)call;
	out->driver = "testplug";
	out->operating_system = "Test OS";
	out->ncpu = 3;
	out->mem_total = 3 << 20;
	return SL_OK;
}

#if defined(TP_V10)
#define TP_QUICKEXIT
/* What a 1.0 binary's sizes are: the ends of the last 1.0 members. */
#define TP_END(type, m) (offsetof(type, m) + sizeof(((type *)0)->m))
#define TP_STATE_HEADER \
	.struct_size = TP_END(struct sl_state_v1, error), .abi_major = 1, \
	.abi_minor = 0, .restart_count = 99
#define TP_OPS_HEADER(type) \
	.struct_size = sizeof(type), .abi_major = 1, .abi_minor = 0
#else
#define TP_STATE_HEADER SL_HEADER(struct sl_state_v1)
#define TP_OPS_HEADER(type) SL_HEADER(type)
#endif

#ifdef TP_QUICKEXIT
/*
 * A command that ends at once: start reports RUNNING and then EXITED from
 * inside the hook, as a fast backend's reporting thread can.
 */
static int tp_start(void *state, sl_call *call, sl_container *c)
{
	const struct sl_host_v1 *host = state;
	struct sl_state_v1 st = {TP_STATE_HEADER};

	(void)call;
	st.status = SL_STATUS_RUNNING;
	host->state_changed(c, &st);
	st.status = SL_STATUS_EXITED;
	st.exit_code = 3;
	host->state_changed(c, &st);
	return SL_OK;
}

static int tp_remove(void *state, sl_call *call, sl_container *c, int force)
{
	(void)state;
	(void)call;
	(void)c;
	(void)force;
	return SL_OK;
}

static const struct sl_container_ops_v1 tp_containers = {
	TP_OPS_HEADER(struct sl_container_ops_v1),
	.start = tp_start,
	.remove = tp_remove,
};
#endif

static const struct sl_backend_v1 table = {
	SL_HEADER(struct sl_backend_v1),
	.name = "testplug",
	.version = "0.0.1",
	.description = "loader test backend",
	.init = tp_init,
	.fini = tp_fini,
	.info = tp_info,
#ifdef TP_QUICKEXIT
	.containers = &tp_containers,
#endif
#ifdef TP_STREAMS
	.streams = &tp_streams,
#endif
};

#if defined(TP_V2ENTRY)
SL_EXPORT int sockerless_backend_entry_v2(const struct sl_host_v1 *host,
	const struct sl_backend_v1 **out);
SL_EXPORT int sockerless_backend_entry_v2(const struct sl_host_v1 *host,
	const struct sl_backend_v1 **out)
{
	(void)host;
	*out = &table;
	return SL_OK;
}
#elif defined(TP_NOENTRY)
SL_EXPORT int some_other_function(void);
SL_EXPORT int some_other_function(void)
{
	return table.struct_size != 0;
}
#else
SL_EXPORT int sockerless_backend_entry_v1(const struct sl_host_v1 *host,
	const struct sl_backend_v1 **out)
{
	static struct sl_backend_v1 t;

	if (host->abi_major != SL_ABI_MAJOR)
		return SL_EABI;
	t = table;
#if defined(TP_BADMAJOR)
	t.abi_major = 2;
#elif defined(TP_NEWMINOR)
	t.abi_minor = SL_ABI_MINOR + 1;
#elif defined(TP_SMALL)
	t.struct_size = 16;
#elif defined(TP_V10)
	t.abi_minor = 0;
	t.struct_size = TP_END(struct sl_backend_v1, volumes);
	/* Beyond a 1.0 table: whatever lies there must never be read. */
	t.monitor = (const struct sl_monitor_ops_v1 *)(uintptr_t)1;
#endif
	*out = &t;
	return SL_OK;
}
#endif
