/*
 * names.h - container names: the rule Docker applies to them and the
 * generator of the automatic ones ("focused_turing").
 */
#ifndef SL_NAMES_H
#define SL_NAMES_H

#include <stddef.h>

/* Longest name we keep, in bytes, without the leading '/'. */
#define SL_NAMES_MAX 255

/* True when `name` (with or without one leading '/') matches Docker's
 * [a-zA-Z0-9][a-zA-Z0-9_.-]+ and is at most SL_NAMES_MAX bytes. */
int sl_names_valid(const char *name);

/*
 * Writes a random "adjective_surname" into out (len >= 64 always fits).
 * As dockerd's generator, a non-zero `retry` appends one random digit, so
 * a caller that met a taken name widens the pool tenfold on each retry.
 */
void sl_names_random(char *out, size_t len, unsigned retry);

#endif
