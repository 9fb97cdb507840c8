/*
 * testplug.c - deliberately broken (and one minimal, valid) backends for
 * the loader tests.  Each variant is this file built with one TP_* macro.
 */
#include <stddef.h>
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

static void tp_fini(void *state)
{
	(void)state;
}

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

#ifdef TP_QUICKEXIT
/*
 * A command that ends at once: start reports RUNNING and then EXITED from
 * inside the hook, as a fast backend's reporting thread can.
 */
static int tp_start(void *state, sl_call *call, sl_container *c)
{
	const struct sl_host_v1 *host = state;
	struct sl_state_v1 st = {SL_HEADER(struct sl_state_v1)};

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
	SL_HEADER(struct sl_container_ops_v1),
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
#endif
	*out = &t;
	return SL_OK;
}
#endif
