/* store.c - STUB: replaced by its owner. */
#include "aca.h"

int aca_store_recover(void *state, sl_call *call) { (void)state; (void)call; return SL_OK; }
