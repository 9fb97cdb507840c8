/*
 * ctrcache.h - rendered JSON of containers, reused while nothing it was
 * rendered from has changed.
 *
 * `docker ps` and inspect are what CI runners and compose call in loops;
 * building every container's JSON through json-c objects on each call
 * dominated them.  Two kinds of text are kept per container:
 *
 *  - its list entry, keyed by everything mutable the renderer reads: the
 *    whole state snapshot (compared byte for byte, so a field added to
 *    struct sl_ctr_state is covered without touching this file), the name
 *    (rename), a variant string from the caller (the time-dependent
 *    "Up 5 minutes") and the caller's flags (members asked for, say).  A difference in any of them renders the entry again,
 *    so no code that changes a container has to remember to invalidate
 *    anything.  The rule for the renderer: it reads only the immutable
 *    configuration, the state and name it is given, and the variant.
 *  - parts rendered from the configuration alone (the create body, and
 *    the restart policy docker update may change): kept until c->cfg_gen
 *    moves.
 *
 * Everything is guarded by the container's lock and freed with the record.
 */
#ifndef SL_CTRCACHE_H
#define SL_CTRCACHE_H

#include <json-c/json.h>

#include "core/container.h"
#include "core/http.h"

struct sl_ctrcache;
struct printbuf;

/* Renders a list entry; the caller puts the result. */
typedef struct json_object *(*sl_ctrcache_entry_fn)(struct sl_container *c,
	const struct sl_ctr_state *st, const char *variant, int flags);

/*
 * Appends c's list entry (compact JSON text) to pb: the cached text when st,
 * c's name, variant and flags equal what it was rendered from, else fn's rendering,
 * which is cached.  Returns 0, or -1 when out of memory.
 */
int sl_ctrcache_append_entry(struct sl_container *c,
	const struct sl_ctr_state *st, const char *variant, int flags,
	sl_ctrcache_entry_fn fn, struct printbuf *pb);

/* Writes the variant of a list entry for a state (the caller's status
 * text, say) into buf.  It may read c's immutable configuration only. */
typedef void (*sl_ctrcache_variant_fn)(struct sl_container *c,
	const struct sl_ctr_state *st, char *buf, size_t len);

/*
 * Answers r with the JSON array of the list entries of picked[0..n), in
 * that order: each rendered as sl_ctrcache_append_entry does, with the
 * state current when it is written and variant's text for it.  The body is
 * streamed in blocks, so a list of any length needs no buffer of its size.
 * Takes the references in picked and the array itself (malloc'd), in every
 * case.
 */
enum MHD_Result sl_ctrcache_respond_list(struct sl_req *r,
	struct sl_container **picked, size_t n, int flags,
	sl_ctrcache_entry_fn fn, sl_ctrcache_variant_fn variant);

enum sl_ctrcache_part {
	SL_CTRCACHE_CONFIG,
	SL_CTRCACHE_HOSTCONFIG,
	SL_CTRCACHE_NPARTS
};

/* Renders a part from the container's configuration and its parsed create
 * body (borrowed); the caller puts the result. */
typedef struct json_object *(*sl_ctrcache_part_fn)(struct sl_container *c,
	struct json_object *raw);

/*
 * Returns a new JSON value that serialises exactly as fn(c, create body)
 * did the first time it was asked for (the caller puts it; it is only for
 * serialising: it has no members to read).  NULL when out of memory.
 */
struct json_object *sl_ctrcache_part(struct sl_container *c,
	enum sl_ctrcache_part part, sl_ctrcache_part_fn fn);

/* Frees what the record cached (NULL is a no-op); the record's destructor
 * calls it. */
void sl_ctrcache_free(struct sl_ctrcache *cc);

#endif
