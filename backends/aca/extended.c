/*
 * extended.c - what Container Apps Jobs cannot do, said plainly: pause
 * and unpause.  (restart is the host's stop + start: a new execution of
 * the same job.)
 */
#include "aca.h"

static int no_pause(void *state, sl_call *call, const char *what)
{
	struct aca_backend *b = state;

	return b->host->set_error(call, SL_ENOTSUP,
		"%s is not supported by the aca backend: Azure Container Apps Jobs cannot "
		"freeze a running execution (it needs the sockerless agent in the container)",
		what);
}

int aca_ext_pause(void *state, sl_call *call, sl_container *c)
{
	(void)c;
	return no_pause(state, call, "pause");
}

int aca_ext_unpause(void *state, sl_call *call, sl_container *c)
{
	(void)c;
	return no_pause(state, call, "unpause");
}
