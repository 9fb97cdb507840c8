/* run_spec.h - the runner's private copy of a replica spec, its
 * validation, and Kubernetes' rules for a container's argv and env.
 * Internal to the runner; exposed for unit tests. */
#ifndef SL_RUN_SPEC_H
#define SL_RUN_SPEC_H

#include <stddef.h>

#include "oci_image.h"
#include "run_replica.h"

struct run_mnt {
	char *volume;
	char *path;
	char *sub; /* NULL for the whole volume */
};

struct run_cspec {
	char *name;
	char *image;
	char **command;   /* NULL when unset or empty */
	char **args;      /* NULL when unset or empty */
	char **env_names; /* n_env entries each, values already resolved */
	char **env_values;
	size_t n_env;
	char *working_dir;
	struct run_mnt *mounts;
	size_t n_mounts;
	int is_init;
};

struct run_cred {
	char *server; /* normalised registry host */
	char *username;
	char *password;
};

struct run_rspec {
	char *name;
	struct run_cspec *c; /* n_init init containers, then n_main others */
	size_t n_init, n_main;
	char **volumes;      /* names */
	char **vol_src;      /* per volume: AzureFile host directory or NULL */
	int *vol_ro;         /* per volume: mounted read-only */
	size_t n_volumes;
	struct run_cred *creds;
	size_t n_creds;
	int timeout_s;
	int grace_s;         /* < 0: engine default */
};

/* Index of the volume called name, or -1. */
int run_spec_volume(const struct run_rspec *s, const char *name);

/* printf into err->msg (truncating); err may be NULL. Returns code, so
 * that callers can `return run_err_set(err, RUN_E_..., ...)`. */
int run_err_set(struct run_err *err, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Validate and deep-copy in (resolving secretRefs through
 * cb->resolve_secret). Returns 0 and *out (free with run_spec_free) or a
 * negative enum run_status with err filled. */
int run_spec_copy(const struct run_replica_spec *in,
		  const struct run_callbacks *cb, struct run_rspec **out,
		  struct run_err *err);
void run_spec_free(struct run_rspec *s);

/* Kubernetes variable expansion: "$(NAME)" is replaced by the value of
 * NAME among names/values[0..n) (the last definition wins), "$$" becomes
 * "$", and unknown or malformed references are kept as written. Returns a
 * heap string the caller frees, or NULL on allocation failure. */
char *run_expand(const char *s, char *const *names, char *const *values,
		 size_t n);

/* The container's environment, "NAME=value" strings: a default PATH if
 * the image has none, the image Env, HOSTNAME=<hostname>, then the spec
 * env (each value expanded against the spec vars before it), later
 * definitions replacing earlier ones. Heap NULL-terminated array the
 * caller frees with oci_strv_free(); NULL on allocation failure. */
char **run_build_env(const struct oci_image *img, const struct run_cspec *c,
		     const char *hostname);

/* The container's argv by Kubernetes rules: command (or else the image
 * Entrypoint) followed by args (or, only when command is unset, the
 * image Cmd); command and args have $(VAR) expanded against the spec env.
 * Returns a heap NULL-terminated array (free with oci_strv_free), or
 * NULL with *empty = 1 when there is nothing to run, or NULL with
 * *empty = 0 on allocation failure. */
char **run_build_argv(const struct oci_image *img, const struct run_cspec *c,
		      int *empty);

/* Credentials for an image reference's registry, or NULL. */
const struct run_cred *run_spec_creds_for(const struct run_rspec *s,
					  const char *image);

#endif
