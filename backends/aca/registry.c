/* registry.c - STUB: replaced by its owner. */
#include "aca.h"

/* registry credentials for configuration.registries */
