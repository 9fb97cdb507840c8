/*
 * broken_wrap.c - deliberately broken backends for
 * tests/conformance-broken.sh: the example backend (loaded from
 * $SL_BROKEN_INNER) with one defect added, so the conformance kit must
 * catch exactly that defect.
 *
 *   -DBROKEN_EXIT  every exit the backend reports says code 0
 *   -DBROKEN_STOP  stop never returns on its own: it blocks until the
 *                  call is cancelled (the client went, the daemon stops)
 *   -DBROKEN_REFUSE create refuses -i as a backend should (naming the
 *                  option and itself, the kit reports "not supported"),
 *                  and -t without naming itself (a failure)
 *
 * The wrapper hands the inner backend a copy of the host table (so it can
 * intercept state_changed) and returns a copy of the inner backend's
 * table with the broken hook replaced.  Unlike a real backend, the entry
 * function loads a library: the tables must exist before init().
 */
#include <dlfcn.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>

#include <sockerless/plugin.h>

#if defined(BROKEN_EXIT)
#define BROKEN_NAME "broken_exit"
#elif defined(BROKEN_STOP)
#define BROKEN_NAME "broken_stop"
#elif defined(BROKEN_REFUSE)
#define BROKEN_NAME "broken_refuse"
#else
#error "build with -DBROKEN_EXIT, -DBROKEN_STOP or -DBROKEN_REFUSE"
#endif

static const struct sl_host_v1 *real_host;
static struct sl_host_v1 wrapped_host;
static struct sl_backend_v1 wrapped;
static struct sl_container_ops_v1 wrapped_ctr;
static const struct sl_backend_v1 *inner;
static void *inner_lib;

#ifdef BROKEN_EXIT
/* The defect: an exited container's code is lost on the way to the host. */
static void lying_state_changed(sl_container *c, const struct sl_state_v1 *st)
{
	struct sl_state_v1 copy;
	size_t n = st->struct_size < sizeof(copy) ? st->struct_size : sizeof(copy);

	memset(&copy, 0, sizeof(copy));
	memcpy(&copy, st, n);
	if (copy.status == SL_STATUS_EXITED)
		copy.exit_code = 0;
	real_host->state_changed(c, &copy);
}
#endif

#ifdef BROKEN_STOP
/* The defect: stop waits for nothing but cancellation; the container
 * keeps running. */
static int blocking_stop(void *state, sl_call *call, sl_container *c,
	int signo, int timeout_s)
{
	struct pollfd p = {.fd = real_host->cancel_fd(call), .events = POLLIN};

	(void)state;
	(void)c;
	(void)signo;
	(void)timeout_s;
	while (!real_host->cancelled(call))
		(void)poll(&p, 1, 1000);
	return real_host->set_error(call, SL_ECANCELED, "stop cancelled");
}
#endif

#ifdef BROKEN_REFUSE
/* Not a defect in itself: refusing at create what the backend cannot
 * honour is allowed, if the refusal says what and where. */
static int refusing_create(void *state, sl_call *call, sl_container *c)
{
	if (real_host->ctr_int(c, SL_CTR_OPEN_STDIN))
		return real_host->set_error(call, SL_EINVAL, "-i (keeping stdin "
			"open) is not possible on the " BROKEN_NAME " backend: a test");
	if (real_host->ctr_int(c, SL_CTR_TTY))
		return real_host->set_error(call, SL_EINVAL, "no terminal here");
	return inner->containers->create ?
		inner->containers->create(state, call, c) : SL_OK;
}
#endif

/* The inner backend keeps the host table init() hands it: give it ours. */
static int wrapped_init(const struct sl_host_v1 *host, sl_call *call, void **state)
{
	(void)host;
	return inner->init(&wrapped_host, call, state);
}

static void wrapped_fini(void *state)
{
	inner->fini(state);
	/* The inner library stays loaded: its threads are joined, but the
	 * host may still hold pointers into its tables until it unloads us. */
}

SL_EXPORT int sockerless_backend_entry_v1(const struct sl_host_v1 *host,
	const struct sl_backend_v1 **out)
{
	const char *path = getenv("SL_BROKEN_INNER");
	sl_backend_entry_v1_fn entry;
	int rc;

	if (!host || !out)
		return SL_EINVAL;
	if (host->abi_major != SL_ABI_MAJOR || !path)
		return SL_EABI;
	real_host = host;
	memset(&wrapped_host, 0, sizeof(wrapped_host));
	memcpy(&wrapped_host, host, host->struct_size < sizeof(wrapped_host) ?
		host->struct_size : sizeof(wrapped_host));
#ifdef BROKEN_EXIT
	wrapped_host.state_changed = lying_state_changed;
#endif
	if (!inner_lib)
		inner_lib = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (!inner_lib)
		return SL_EABI;
	*(void **)&entry = dlsym(inner_lib, SL_ENTRY_SYMBOL);
	if (!entry)
		return SL_EABI;
	rc = entry(&wrapped_host, &inner);
	if (rc != SL_OK)
		return rc;
	wrapped = *inner;
	wrapped.name = BROKEN_NAME;
	wrapped.description = "the example backend with a deliberate defect (tests only)";
	wrapped.init = wrapped_init;
	wrapped.fini = wrapped_fini;
	wrapped_ctr = *inner->containers;
#ifdef BROKEN_STOP
	wrapped_ctr.stop = blocking_stop;
#endif
#ifdef BROKEN_REFUSE
	wrapped_ctr.create = refusing_create;
#endif
	wrapped.containers = &wrapped_ctr;
	*out = &wrapped;
	return SL_OK;
}
