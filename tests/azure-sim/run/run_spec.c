/* run_spec.c - spec copy/validation and Kubernetes argv/env rules. */
#include "config.h"

#include "run_spec.h"
#include "oci_util.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_PATH "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

int run_err_set(struct run_err *err, int code, const char *fmt, ...)
{
	va_list ap;

	if (err) {
		va_start(ap, fmt);
		vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
		va_end(ap);
	}
	return code;
}

/* Names become directory names and hostnames: keep them boring. */
static int name_ok(const char *s, size_t max)
{
	size_t n, i;

	if (!s)
		return 0;
	n = strlen(s);
	if (n == 0 || n > max || !strcmp(s, ".") || !strcmp(s, ".."))
		return 0;
	for (i = 0; i < n; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.'))
			return 0;
	}
	return 1;
}

static int rel_path_ok(const char *s)
{
	const char *p = s;

	if (*s == '/')
		return 0;
	while (*p) {
		const char *e = strchr(p, '/');
		size_t n = e ? (size_t)(e - p) : strlen(p);

		if (n == 2 && p[0] == '.' && p[1] == '.')
			return 0;
		p += n;
		if (*p)
			p++;
	}
	return 1;
}

static char *dup_or_null(const char *s, int *fail)
{
	char *d;

	if (!s)
		return NULL;
	d = strdup(s);
	if (!d)
		*fail = 1;
	return d;
}

static char **argv_copy(const char *const *v, int *fail)
{
	int f = 0;
	char **out;

	if (!v || !v[0])
		return NULL; /* Kubernetes: an empty list is the same as unset */
	out = oci_strv_dup(v, &f);
	if (f)
		*fail = 1;
	return out;
}

static void cspec_clear(struct run_cspec *c)
{
	size_t i;

	free(c->name);
	free(c->image);
	oci_strv_free(c->command);
	oci_strv_free(c->args);
	for (i = 0; i < c->n_env; i++) {
		free(c->env_names[i]);
		free(c->env_values[i]);
	}
	free(c->env_names);
	free(c->env_values);
	free(c->working_dir);
	for (i = 0; i < c->n_mounts; i++) {
		free(c->mounts[i].volume);
		free(c->mounts[i].path);
		free(c->mounts[i].sub);
	}
	free(c->mounts);
}

void run_spec_free(struct run_rspec *s)
{
	size_t i;

	if (!s)
		return;
	for (i = 0; i < s->n_init + s->n_main; i++)
		cspec_clear(&s->c[i]);
	free(s->c);
	for (i = 0; i < s->n_volumes; i++) {
		free(s->volumes[i]);
		free(s->vol_src[i]);
	}
	free(s->volumes);
	free(s->vol_src);
	free(s->vol_ro);
	for (i = 0; i < s->n_creds; i++) {
		free(s->creds[i].server);
		free(s->creds[i].username);
		free(s->creds[i].password);
	}
	free(s->creds);
	free(s->name);
	free(s);
}

int run_spec_volume(const struct run_rspec *s, const char *name)
{
	for (size_t i = 0; i < s->n_volumes; i++)
		if (!strcmp(s->volumes[i], name))
			return (int)i;
	return -1;
}

static int has_volume(const struct run_rspec *s, const char *name)
{
	size_t i;

	for (i = 0; i < s->n_volumes; i++)
		if (!strcmp(s->volumes[i], name))
			return 1;
	return 0;
}

static int copy_container(const struct run_container_spec *in, int is_init,
			  const struct run_rspec *rs,
			  const struct run_callbacks *cb, struct run_cspec *c,
			  struct run_err *err)
{
	int fail = 0;
	size_t i;

	c->is_init = is_init;
	if (!name_ok(in->name, 63))
		return run_err_set(err, RUN_E_INVALID, "invalid container name \"%s\"",
			       in->name ? in->name : "");
	if (!in->image || !*in->image)
		return run_err_set(err, RUN_E_INVALID, "container \"%s\" has no image", in->name);
	c->name = dup_or_null(in->name, &fail);
	c->image = dup_or_null(in->image, &fail);
	c->command = argv_copy(in->command, &fail);
	c->args = argv_copy(in->args, &fail);
	c->working_dir = dup_or_null(in->working_dir && *in->working_dir ? in->working_dir : NULL,
				     &fail);
	if (fail)
		return run_err_set(err, RUN_E_NOMEM, "out of memory");
	if (c->working_dir && c->working_dir[0] != '/')
		return run_err_set(err, RUN_E_INVALID,
			       "container \"%s\": workingDir must be absolute", in->name);

	c->env_names = calloc(in->n_env + 1, sizeof(char *));
	c->env_values = calloc(in->n_env + 1, sizeof(char *));
	if (!c->env_names || !c->env_values)
		return run_err_set(err, RUN_E_NOMEM, "out of memory");
	for (i = 0; i < in->n_env; i++) {
		const struct run_env_var *v = &in->env[i];
		char *val = NULL;

		if (!v->name || !*v->name || strchr(v->name, '='))
			return run_err_set(err, RUN_E_INVALID,
				       "container \"%s\": invalid env var name", in->name);
		if (v->secret_ref) {
			if (!cb || !cb->resolve_secret ||
			    cb->resolve_secret(cb->ud, v->secret_ref, &val) != 0 || !val)
				return run_err_set(err, RUN_E_INVALID,
					       "container \"%s\": env var \"%s\" references unknown secret \"%s\"",
					       in->name, v->name, v->secret_ref);
		} else {
			val = strdup(v->value ? v->value : "");
			if (!val)
				return run_err_set(err, RUN_E_NOMEM, "out of memory");
		}
		c->env_values[i] = val;
		c->env_names[i] = strdup(v->name);
		c->n_env = i + 1;
		if (!c->env_names[i])
			return run_err_set(err, RUN_E_NOMEM, "out of memory");
	}

	c->mounts = calloc(in->n_mounts + 1, sizeof(*c->mounts));
	if (!c->mounts)
		return run_err_set(err, RUN_E_NOMEM, "out of memory");
	for (i = 0; i < in->n_mounts; i++) {
		const struct run_volume_mount *m = &in->mounts[i];

		if (!m->volume_name || !has_volume(rs, m->volume_name))
			return run_err_set(err, RUN_E_INVALID,
				       "container \"%s\": volumeMount refers to unknown volume \"%s\"",
				       in->name, m->volume_name ? m->volume_name : "");
		if (!m->mount_path || m->mount_path[0] != '/' || !rel_path_ok(m->mount_path + 1) ||
		    !strcmp(m->mount_path, "/"))
			return run_err_set(err, RUN_E_INVALID,
				       "container \"%s\": invalid mountPath \"%s\"", in->name,
				       m->mount_path ? m->mount_path : "");
		if (m->sub_path && *m->sub_path && !rel_path_ok(m->sub_path))
			return run_err_set(err, RUN_E_INVALID,
				       "container \"%s\": invalid subPath \"%s\"", in->name,
				       m->sub_path);
		c->mounts[i].volume = dup_or_null(m->volume_name, &fail);
		c->mounts[i].path = dup_or_null(m->mount_path, &fail);
		c->mounts[i].sub = dup_or_null(m->sub_path && *m->sub_path ? m->sub_path : NULL,
					       &fail);
		c->n_mounts = i + 1;
		if (fail)
			return run_err_set(err, RUN_E_NOMEM, "out of memory");
	}
	return 0;
}

/* Registry host as image references normalise it. */
static char *norm_server(const char *s)
{
	const char *p = s;
	size_t n;
	char *out;

	if (!strncmp(p, "https://", 8))
		p += 8;
	else if (!strncmp(p, "http://", 7))
		p += 7;
	n = strcspn(p, "/");
	if ((n == 15 && !strncmp(p, "index.docker.io", 15)) ||
	    (n == 20 && !strncmp(p, "registry-1.docker.io", 20)))
		return strdup("docker.io");
	out = malloc(n + 1);
	if (out) {
		memcpy(out, p, n);
		out[n] = '\0';
	}
	return out;
}

int run_spec_copy(const struct run_replica_spec *in,
		  const struct run_callbacks *cb, struct run_rspec **out,
		  struct run_err *err)
{
	struct run_rspec *s;
	size_t i, j, total;
	int rc;

	*out = NULL;
	if (!in || !name_ok(in->replica_name, 253))
		return run_err_set(err, RUN_E_INVALID, "invalid replica name \"%s\"",
			       in && in->replica_name ? in->replica_name : "");
	if (in->n_containers == 0 || !in->containers)
		return run_err_set(err, RUN_E_INVALID, "replica \"%s\" has no containers",
			       in->replica_name);
	/* The replica thread polls three fds per container in a fixed
	 * array; Container Apps allows far fewer containers anyway. */
	if (in->n_containers + in->n_init_containers > RUN_MAX_CONTAINERS)
		return run_err_set(err, RUN_E_INVALID, "replica \"%s\" has more than %d containers",
			       in->replica_name, RUN_MAX_CONTAINERS);
	if (in->replica_timeout_s < 0)
		return run_err_set(err, RUN_E_INVALID, "negative replicaTimeout");
	s = calloc(1, sizeof(*s));
	if (!s)
		return run_err_set(err, RUN_E_NOMEM, "out of memory");
	s->name = strdup(in->replica_name);
	s->timeout_s = in->replica_timeout_s;
	s->grace_s = in->stop_grace_s;
	total = in->n_init_containers + in->n_containers;
	s->c = calloc(total, sizeof(*s->c));
	s->volumes = calloc(in->n_volumes + 1, sizeof(char *));
	s->vol_src = calloc(in->n_volumes + 1, sizeof(char *));
	s->vol_ro = calloc(in->n_volumes + 1, sizeof(int));
	s->creds = calloc(in->n_registries + 1, sizeof(*s->creds));
	if (!s->name || !s->c || !s->volumes || !s->vol_src || !s->vol_ro || !s->creds) {
		rc = run_err_set(err, RUN_E_NOMEM, "out of memory");
		goto fail;
	}
	for (i = 0; i < in->n_volumes; i++) {
		const struct run_volume *v = &in->volumes[i];

		if (!name_ok(v->name, 253)) {
			rc = run_err_set(err, RUN_E_INVALID, "invalid volume name \"%s\"",
				     v->name ? v->name : "");
			goto fail;
		}
		if (v->storage_type && !strcmp(v->storage_type, "AzureFile")) {
			if (!v->host_path || v->host_path[0] != '/') {
				rc = run_err_set(err, RUN_E_INVALID,
					     "volume \"%s\": AzureFile without a share directory",
					     v->name);
				goto fail;
			}
		} else if (v->storage_type && *v->storage_type && strcmp(v->storage_type, "EmptyDir")) {
			rc = run_err_set(err, RUN_E_INVALID,
				     "volume \"%s\": storageType \"%s\" is not supported by the simulator (EmptyDir and AzureFile only)",
				     v->name, v->storage_type);
			goto fail;
		}
		if (has_volume(s, v->name)) {
			rc = run_err_set(err, RUN_E_INVALID, "duplicate volume name \"%s\"", v->name);
			goto fail;
		}
		s->volumes[i] = strdup(v->name);
		s->n_volumes = i + 1;
		if (v->storage_type && !strcmp(v->storage_type, "AzureFile")) {
			s->vol_ro[i] = v->read_only != 0;
			if (!(s->vol_src[i] = strdup(v->host_path))) {
				rc = run_err_set(err, RUN_E_NOMEM, "out of memory");
				goto fail;
			}
		}
		if (!s->volumes[i]) {
			rc = run_err_set(err, RUN_E_NOMEM, "out of memory");
			goto fail;
		}
	}
	for (i = 0; i < in->n_registries; i++) {
		const struct run_registry_cred *r = &in->registries[i];
		int fail = 0;

		if (!r->server) {
			rc = run_err_set(err, RUN_E_INVALID, "registry credential without server");
			goto fail;
		}
		s->creds[i].server = norm_server(r->server);
		s->creds[i].username = dup_or_null(r->username, &fail);
		s->creds[i].password = dup_or_null(r->password, &fail);
		s->n_creds = i + 1;
		if (!s->creds[i].server || fail) {
			rc = run_err_set(err, RUN_E_NOMEM, "out of memory");
			goto fail;
		}
	}
	for (i = 0; i < total; i++) {
		int is_init = i < in->n_init_containers;
		const struct run_container_spec *cs =
			is_init ? &in->init_containers[i]
				: &in->containers[i - in->n_init_containers];

		if (is_init)
			s->n_init = i + 1;
		else
			s->n_main = i + 1 - in->n_init_containers;
		rc = copy_container(cs, is_init, s, cb, &s->c[i], err);
		if (rc < 0)
			goto fail;
		for (j = 0; j < i; j++) {
			if (!strcmp(s->c[j].name, s->c[i].name)) {
				rc = run_err_set(err, RUN_E_INVALID, "duplicate container name \"%s\"",
					     s->c[i].name);
				goto fail;
			}
		}
	}
	*out = s;
	return 0;
fail:
	run_spec_free(s);
	return rc;
}

/* ---- Kubernetes expansion ---- */

static const char *lookup(const char *name, size_t nlen, char *const *names,
			  char *const *values, size_t n)
{
	size_t i;

	for (i = n; i-- > 0;)
		if (strlen(names[i]) == nlen && !strncmp(names[i], name, nlen))
			return values[i];
	return NULL;
}

char *run_expand(const char *s, char *const *names, char *const *values,
		 size_t n)
{
	size_t cap = strlen(s) + 1, len = 0;
	char *out = malloc(cap);
	const char *p = s;

#define PUT(ptr, cnt) do { \
		size_t c_ = (cnt); \
		if (len + c_ + 1 > cap) { \
			char *nb_; \
			while (len + c_ + 1 > cap) \
				cap *= 2; \
			nb_ = realloc(out, cap); \
			if (!nb_) { free(out); return NULL; } \
			out = nb_; \
		} \
		memcpy(out + len, (ptr), c_); \
		len += c_; \
	} while (0)

	if (!out)
		return NULL;
	while (*p) {
		if (p[0] == '$' && p[1] == '$') {
			PUT("$", 1);
			p += 2;
		} else if (p[0] == '$' && p[1] == '(') {
			const char *close = strchr(p + 2, ')');
			const char *val;

			if (!close) {
				PUT(p, strlen(p));
				break;
			}
			val = lookup(p + 2, (size_t)(close - p - 2), names, values, n);
			if (val)
				PUT(val, strlen(val));
			else
				PUT(p, (size_t)(close - p + 1));
			p = close + 1;
		} else {
			PUT(p, 1);
			p++;
		}
	}
#undef PUT
	out[len] = '\0';
	return out;
}

/* Replace or append NAME=value in a growing env array. */
static int env_set(char ***env, size_t *n, const char *kv)
{
	size_t klen = strcspn(kv, "="), i;
	char *dup = strdup(kv), **nv;

	if (!dup)
		return -1;
	for (i = 0; i < *n; i++) {
		if (!strncmp((*env)[i], kv, klen) && (*env)[i][klen] == '=') {
			free((*env)[i]);
			(*env)[i] = dup;
			return 0;
		}
	}
	nv = realloc(*env, (*n + 2) * sizeof(char *));
	if (!nv) {
		free(dup);
		return -1;
	}
	*env = nv;
	nv[(*n)++] = dup;
	nv[*n] = NULL;
	return 0;
}

/* The spec env with each value expanded against the vars before it, as
 * kubelet does. Heap array of n_env heap strings (values only). */
static char **expanded_values(const struct run_cspec *c)
{
	char **vals = calloc(c->n_env + 1, sizeof(char *));
	size_t i;

	if (!vals)
		return NULL;
	for (i = 0; i < c->n_env; i++) {
		vals[i] = run_expand(c->env_values[i], c->env_names, vals, i);
		if (!vals[i]) {
			oci_strv_free(vals);
			return NULL;
		}
	}
	return vals;
}

char **run_build_env(const struct oci_image *img, const struct run_cspec *c,
		     const char *hostname)
{
	char **env = calloc(1, sizeof(char *)), **vals = NULL, *kv = NULL;
	size_t n = 0, i;
	int have_path = 0;

	if (!env)
		return NULL;
	for (i = 0; img && img->env && img->env[i]; i++)
		if (!strncmp(img->env[i], "PATH=", 5))
			have_path = 1;
	if (!have_path && env_set(&env, &n, DEFAULT_PATH) < 0)
		goto fail;
	for (i = 0; img && img->env && img->env[i]; i++)
		if (strchr(img->env[i], '=') && env_set(&env, &n, img->env[i]) < 0)
			goto fail;
	kv = malloc(strlen(hostname) + 10);
	if (!kv)
		goto fail;
	sprintf(kv, "HOSTNAME=%s", hostname);
	if (env_set(&env, &n, kv) < 0)
		goto fail;
	free(kv);
	kv = NULL;
	vals = expanded_values(c);
	if (!vals)
		goto fail;
	for (i = 0; i < c->n_env; i++) {
		kv = malloc(strlen(c->env_names[i]) + strlen(vals[i]) + 2);
		if (!kv)
			goto fail;
		sprintf(kv, "%s=%s", c->env_names[i], vals[i]);
		if (env_set(&env, &n, kv) < 0)
			goto fail;
		free(kv);
		kv = NULL;
	}
	oci_strv_free(vals);
	return env;
fail:
	free(kv);
	oci_strv_free(vals);
	oci_strv_free(env);
	return NULL;
}

static int append_expanded(char ***argv, size_t *n, char *const *src,
			   const struct run_cspec *c, char **vals)
{
	size_t i;

	for (i = 0; src && src[i]; i++) {
		char **nv;
		char *e = vals ? run_expand(src[i], c->env_names, vals, c->n_env)
			       : strdup(src[i]);

		if (!e)
			return -1;
		nv = realloc(*argv, (*n + 2) * sizeof(char *));
		if (!nv) {
			free(e);
			return -1;
		}
		*argv = nv;
		nv[(*n)++] = e;
		nv[*n] = NULL;
	}
	return 0;
}

char **run_build_argv(const struct oci_image *img, const struct run_cspec *c,
		      int *empty)
{
	char **argv = calloc(1, sizeof(char *)), **vals = NULL;
	size_t n = 0;

	*empty = 0;
	if (!argv)
		return NULL;
	vals = expanded_values(c);
	if (!vals)
		goto fail;
	/* Image Entrypoint/Cmd are not expanded: kubelet only expands what
	 * the pod spec says. */
	if (c->command) {
		if (append_expanded(&argv, &n, c->command, c, vals) < 0)
			goto fail;
	} else if (img && append_expanded(&argv, &n, img->entrypoint, c, NULL) < 0) {
		goto fail;
	}
	if (c->args) {
		if (append_expanded(&argv, &n, c->args, c, vals) < 0)
			goto fail;
	} else if (!c->command && img &&
		   append_expanded(&argv, &n, img->cmd, c, NULL) < 0) {
		goto fail;
	}
	oci_strv_free(vals);
	if (n == 0) {
		oci_strv_free(argv);
		*empty = 1;
		return NULL;
	}
	return argv;
fail:
	oci_strv_free(vals);
	oci_strv_free(argv);
	return NULL;
}

const struct run_cred *run_spec_creds_for(const struct run_rspec *s,
					  const char *image)
{
	struct oci_ref ref;
	const struct run_cred *found = NULL;
	size_t i;

	if (!s->n_creds || oci_ref_parse(image, &ref, NULL) < 0)
		return NULL;
	for (i = 0; i < s->n_creds; i++) {
		if (!strcmp(s->creds[i].server, ref.registry)) {
			found = &s->creds[i];
			break;
		}
	}
	oci_ref_clear(&ref);
	return found;
}
