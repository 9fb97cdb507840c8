/* logs_capture.c */
#include "config.h"
#include "logs_priv.h"
