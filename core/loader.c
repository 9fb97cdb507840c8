/*
 * loader.c - dlopen, the version checks, and the copy into the host's
 * structs.  Every refusal is one line naming the file and the reason.
 */
#include "config.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/call.h"
#include "core/loader.h"

/* The v1.0 size of each table: the end of its last v1.0 member.  These
 * never change, even when later minors append fields. */
#define END_OF(type, m) (offsetof(type, m) + sizeof(((type *)0)->m))
#define BACKEND_V1_0_SIZE END_OF(struct sl_backend_v1, volumes)

static int file_exists(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

static int find_plugin(const char *spec, const char *plugin_dir,
	const char *const *dirs, char *path, size_t pathlen, char *err,
	size_t errlen)
{
	char looked[2048] = "";
	size_t used = 0;

	if (strchr(spec, '/')) {
		if (!file_exists(spec)) {
			snprintf(err, errlen, "backend file %s not found", spec);
			return SL_ENOTFOUND;
		}
		snprintf(path, pathlen, "%s", spec);
		return SL_OK;
	}
	if (!*spec || strchr(spec, '.') == spec) {
		snprintf(err, errlen, "invalid backend name '%s'", spec);
		return SL_EINVAL;
	}
	const char *only[] = {plugin_dir, NULL};
	const char *const *list = plugin_dir ? only : dirs;

	for (size_t i = 0; list && list[i]; i++) {
		int n = snprintf(path, pathlen, "%s/%s.so", list[i], spec);

		if (n > 0 && (size_t)n < pathlen && file_exists(path))
			return SL_OK;
		n = snprintf(looked + used, sizeof(looked) - used, "%s%s",
			used ? ", " : "", list[i]);
		if (n > 0 && (size_t)n < sizeof(looked) - used)
			used += (size_t)n;
	}
	snprintf(err, errlen, "backend '%s' not found: looked for %s.so in %s",
		spec, spec, used ? looked : "(no directories)");
	return SL_ENOTFOUND;
}

/* Distinguishes "not an ELF shared object" from other dlopen failures. */
static int is_elf(const char *path)
{
	unsigned char magic[4];
	int fd = open(path, O_RDONLY | O_CLOEXEC), ok = 0;

	if (fd < 0)
		return 0;
	if (read(fd, magic, 4) == 4)
		ok = !memcmp(magic, "\177ELF", 4);
	close(fd);
	return ok;
}

/*
 * Checks one sub-table and copies it into `dst` (host size `dst_size`);
 * NULL leaves dst zeroed.
 */
static int copy_table(const void *src, void *dst, size_t dst_size,
	size_t v10_size, const char *what, const char *path, char *err,
	size_t errlen)
{
	const struct { SL_HEADER_FIELDS; } *h = src;
	size_t n;

	memset(dst, 0, dst_size);
	if (!src)
		return SL_OK;
	if (h->abi_major != SL_ABI_MAJOR || h->abi_minor > SL_ABI_MINOR) {
		snprintf(err, errlen,
			"%s: %s table has ABI %u.%u, this daemon supports %d.0 to %d.%d",
			path, what, h->abi_major, h->abi_minor, SL_ABI_MAJOR,
			SL_ABI_MAJOR, SL_ABI_MINOR);
		return SL_EABI;
	}
	if (h->struct_size < v10_size) {
		snprintf(err, errlen,
			"%s: %s table is %u bytes, smaller than its minimum of %zu",
			path, what, h->struct_size, v10_size);
		return SL_EABI;
	}
	n = h->struct_size < dst_size ? h->struct_size : dst_size;
	memcpy(dst, src, n);
	return SL_OK;
}

int sl_loader_load(const char *spec, const char *plugin_dir,
	const char *const *search_dirs, const struct sl_host_v1 *host,
	struct sl_backend *out, char *err, size_t errlen)
{
	const struct sl_backend_v1 *t = NULL;
	sl_backend_entry_v1_fn entry;
	void *dl = NULL, *sym;
	int rc;

	memset(out, 0, sizeof(*out));
	rc = find_plugin(spec, plugin_dir, search_dirs, out->path,
		sizeof(out->path), err, errlen);
	if (rc)
		return rc;

	dl = dlopen(out->path, RTLD_NOW | RTLD_LOCAL);
	if (!dl) {
		const char *why = dlerror();

		if (!is_elf(out->path))
			snprintf(err, errlen, "%s is not a shared object (%s)",
				out->path, why ? why : "not ELF");
		else
			snprintf(err, errlen, "cannot load %s: %s", out->path,
				why ? why : "unknown dlopen error");
		return SL_EINVAL;
	}
	*(void **)&entry = dlsym(dl, SL_ENTRY_SYMBOL);
	if (!entry) {
		char other[64];

		/* Name the ABI a plugin was built for when it exports another
		 * major's entry, which is more useful than "missing". */
		for (int major = 0; major < 10; major++) {
			if (major == SL_ABI_MAJOR)
				continue;
			snprintf(other, sizeof(other), "sockerless_backend_entry_v%d", major);
			sym = dlsym(dl, other);
			if (sym) {
				snprintf(err, errlen,
					"%s is built for plugin ABI major %d, this daemon speaks major %d (it exports %s, not %s)",
					out->path, major, SL_ABI_MAJOR, other, SL_ENTRY_SYMBOL);
				rc = SL_EABI;
				goto fail;
			}
		}
		snprintf(err, errlen,
			"%s is not a Sockerless backend: entry symbol %s not found",
			out->path, SL_ENTRY_SYMBOL);
		rc = SL_EABI;
		goto fail;
	}
	rc = entry(host, &t);
	if (rc != SL_OK || !t) {
		snprintf(err, errlen,
			"%s: entry function refused the host (status %d)",
			out->path, rc ? rc : SL_EINTERNAL);
		rc = SL_EABI;
		goto fail;
	}
	if (t->abi_major != SL_ABI_MAJOR) {
		snprintf(err, errlen,
			"%s: backend ABI %u.%u is incompatible with this daemon's ABI %d.%d (major versions differ)",
			out->path, t->abi_major, t->abi_minor, SL_ABI_MAJOR, SL_ABI_MINOR);
		rc = SL_EABI;
		goto fail;
	}
	if (t->abi_minor > SL_ABI_MINOR) {
		snprintf(err, errlen,
			"%s: backend needs plugin ABI %u.%u but this daemon provides %d.%d; upgrade sockerlessd",
			out->path, t->abi_major, t->abi_minor, SL_ABI_MAJOR, SL_ABI_MINOR);
		rc = SL_EABI;
		goto fail;
	}
	if (t->struct_size < BACKEND_V1_0_SIZE) {
		snprintf(err, errlen,
			"%s: backend table is %u bytes, smaller than the v1.0 minimum of %zu (table too small)",
			out->path, t->struct_size, (size_t)BACKEND_V1_0_SIZE);
		rc = SL_EABI;
		goto fail;
	}
	if (!t->init || !t->fini || !t->name) {
		snprintf(err, errlen, "%s: backend table lacks %s", out->path,
			!t->name ? "a name" : !t->init ? "init" : "fini");
		rc = SL_EABI;
		goto fail;
	}

#define COPY(field, type, last, what) \
	rc = copy_table(t->field, &out->field, sizeof(out->field), \
		END_OF(type, last), what, out->path, err, errlen); \
	if (rc) \
		goto fail
	COPY(containers, struct sl_container_ops_v1, refresh, "containers");
	COPY(streams, struct sl_stream_ops_v1, resize, "streams");
	COPY(exec, struct sl_exec_ops_v1, inspect, "exec");
	COPY(archive, struct sl_archive_ops_v1, put, "archive");
	COPY(images, struct sl_image_ops_v1, credentials, "images");
	COPY(volumes, struct sl_volume_ops_v1, prune, "volumes");
	/* Tables appended in later minors exist only when the plugin's
	 * table is large enough to hold their pointer (a 1.0 plugin's is
	 * not, and what lies beyond its struct_size is not ours to read). */
	if (SL_HAS_FIELD(t, struct sl_backend_v1, monitor)) {
		COPY(monitor, struct sl_monitor_ops_v1, stats, "monitor");
	} else {
		memset(&out->monitor, 0, sizeof(out->monitor));
	}
#undef COPY

	out->dl = dl;
	out->abi_major = t->abi_major;
	out->abi_minor = t->abi_minor;
	out->name = t->name;
	out->version = t->version ? t->version : "";
	out->description = t->description ? t->description : "";
	out->init = t->init;
	out->fini = t->fini;
	out->info = t->info;
	out->recover = t->recover;
	return SL_OK;
fail:
	dlclose(dl);
	return rc;
}

int sl_loader_init(struct sl_backend *b, const struct sl_host_v1 *host,
	char *err, size_t errlen)
{
	struct sl_call call;
	int rc;

	sl_call_begin(&call);
	rc = b->init(host, &call, &b->state);
	if (rc == SL_OK) {
		b->initialised = 1;
	} else {
		snprintf(err, errlen, "backend '%s' failed to initialise: %s",
			b->name, sl_call_message(&call, rc));
		/* Nothing of it runs yet, so unloading is safe here. */
		dlclose(b->dl);
		b->dl = NULL;
	}
	sl_call_end(&call);
	return rc;
}

void sl_loader_fini(struct sl_backend *b)
{
	if (b->initialised && b->fini)
		b->fini(b->state);
	b->initialised = 0;
}
