/* extended.c - STUB: replaced by its owner. */
#include "aca.h"

int aca_ext_pause(void *state, sl_call *call, sl_container *c) { (void)state; (void)call; (void)c; return SL_ENOTSUP; }
int aca_ext_unpause(void *state, sl_call *call, sl_container *c) { (void)state; (void)call; (void)c; return SL_ENOTSUP; }
