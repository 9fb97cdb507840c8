/* containers.c - STUB: replaced by its owner. */
#include "aca.h"

const struct sl_container_ops_v1 aca_container_ops = { SL_HEADER(struct sl_container_ops_v1) };
const struct sl_volume_ops_v1 aca_volume_ops = { SL_HEADER(struct sl_volume_ops_v1) };
