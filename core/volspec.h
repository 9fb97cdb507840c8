/*
 * volspec.h - the text forms of volume mounts: dockerd's volume names,
 * HostConfig.Binds entries, and the "name:dst[:mode]" strings a container
 * keeps in SL_CTR_VOLUMES.  Pure functions: no locks, no allocation.
 */
#ifndef SL_VOLSPEC_H
#define SL_VOLSPEC_H

#include <stddef.h>

/* What a HostConfig.Binds entry asks for. */
enum sl_volspec_kind {
	SL_VOLSPEC_BIND = 1,   /* "/host:/dst[:mode]": a host path */
	SL_VOLSPEC_NAMED = 2,  /* "name:/dst[:mode]": a named volume */
	SL_VOLSPEC_ANON = 3,   /* "/dst": an anonymous volume */
};

struct sl_volspec {
	char name[256];   /* the volume (NAMED), or the host path (BIND) */
	char dst[1024];
	char mode[64];    /* as given; "" when none */
};

/* 0 when name is a valid local volume name, else -1 with dockerd's
 * message in err ("volume name is too short, ..." or "\"x/y\" includes
 * invalid characters for a local volume name, ..."). */
int sl_volspec_valid_name(const char *name, char *err, size_t errlen);

/* Parses a Binds entry into out.  Returns its kind, or -1 with a message
 * in err when a part does not fit or the destination is not absolute
 * ("invalid volume specification: 'x'", dockerd's words).  The name of a
 * NAMED one is not checked here (sl_volspec_valid_name). */
int sl_volspec_bind(const char *bind, struct sl_volspec *out, char *err,
	size_t errlen);

/* Splits a kept "name:dst[:mode]" entry into out (missing parts ""). */
void sl_volspec_split(const char *entry, struct sl_volspec *out);

/* Whether a mode string ("ro", "rw", "z,ro", ...) makes the mount read-only. */
int sl_volspec_read_only(const char *mode);

#endif
