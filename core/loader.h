/*
 * loader.h - finds, loads and checks a backend plugin, and copies its
 * tables into the host's own structs.
 *
 * After sl_loader_load() the rest of the core reads hooks from struct
 * sl_backend only: fields a plugin did not provide (an older minor, a
 * NULL sub-table) are NULL there, so no other code deals with versions.
 */
#ifndef SL_LOADER_H
#define SL_LOADER_H

#include <stddef.h>

#include "sockerless/plugin.h"

struct sl_backend {
	void *dl;
	char path[4096];
	uint16_t abi_major, abi_minor;    /* what the plugin declared */
	const char *name, *version, *description;
	int (*init)(const struct sl_host_v1 *host, sl_call *call, void **state);
	void (*fini)(void *state);
	int (*info)(void *state, sl_call *call, struct sl_info_v1 *out);
	int (*recover)(void *state, sl_call *call);
	struct sl_container_ops_v1 containers;
	struct sl_stream_ops_v1 streams;
	struct sl_exec_ops_v1 exec;
	struct sl_archive_ops_v1 archive;
	struct sl_image_ops_v1 images;
	struct sl_volume_ops_v1 volumes;
	struct sl_monitor_ops_v1 monitor;    /* since 1.1 */
	void *state;                     /* what init stored */
	int initialised;
};

/*
 * Loads `spec`: a path containing '/' is opened as is; otherwise NAME.so
 * is looked up in `plugin_dir` when given, else in each of `search_dirs`
 * (NULL-terminated).  On failure returns a negative status with one line
 * in err, and nothing stays loaded.
 */
int sl_loader_load(const char *spec, const char *plugin_dir,
	const char *const *search_dirs, const struct sl_host_v1 *host,
	struct sl_backend *out, char *err, size_t errlen);

/* Calls the plugin's init; on failure err holds its message. */
int sl_loader_init(struct sl_backend *b, const struct sl_host_v1 *host,
	char *err, size_t errlen);

/* Calls fini (if init succeeded).  The object stays mapped: unloading
 * code that may have left TLS destructors or atexit handlers is unsafe. */
void sl_loader_fini(struct sl_backend *b);

#endif
