/*
 * fakehost.h - a host table for the ACA unit tests: container accessors
 * over a struct the test fills, configuration from a key table, a
 * temporary state directory and registry credentials on demand.  Not
 * thread-safe; one fake host per test.
 */
#ifndef ACA_FAKEHOST_H
#define ACA_FAKEHOST_H

#include <stddef.h>
#include <stdint.h>

#include <sockerless/plugin.h>

#define FAKE_FIELDS 32

/* A container: fields indexed by the sl_ctr_*_field ids; NULL/0 = unset. */
struct fake_ctr {
	const char *str[FAKE_FIELDS];
	const char *const *list[FAKE_FIELDS];
	int64_t ints[FAKE_FIELDS];
	const char *raw;            /* the create body, NULL = none */
};

#define FAKE_CTR(fc) ((sl_container *)(void *)(fc))

struct fake_host {
	struct sl_host_v1 host;
	const char *const *config;  /* "key=value", NULL-terminated */
	char state_dir[256];        /* made by fakehost_init */

	/* Credentials registry_credentials hands out for cred_registry. */
	const char *cred_registry;
	const char *cred_user;
	const char *cred_pass;
	int cred_calls;

	char error[1024];           /* the last set_error message */
	int error_status;
	int logs;                   /* log lines written */
	char last_log[1024];
};

/* Fills the table and creates the state dir; returns 0 or -1. */
int fakehost_init(struct fake_host *fh);
/* Removes the state dir and what is in it. */
void fakehost_fini(struct fake_host *fh);

/* A container with an id, a name and an image (busybox: sh, no
 * entrypoint) set; tests change what they need. */
void fakehost_ctr(struct fake_ctr *fc, const char *id, const char *name);

#endif
