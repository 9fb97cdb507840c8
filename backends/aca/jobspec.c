/*
 * jobspec.c - a Docker container's configuration as the body of a
 * Container Apps Job (api-version 2025-07-01): names within Azure's rules,
 * a valid CPU/memory pair, env with secretRefs, tags; and the checks that
 * refuse at create what Azure would refuse, or silently not do, at start.
 */
#include "aca.h"

#include <ctype.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <json-c/json.h>

#define JOB_NAME_MAX 32
#define JOB_PREFIX "sl-"
#define JOB_SUFFIX 6        /* hex digits of the container id */
/* What of the Docker name fits between "sl-" and "-" + suffix. */
#define JOB_PART_MAX (JOB_NAME_MAX - (int)sizeof(JOB_PREFIX) + 1 - 1 - JOB_SUFFIX)

/* A share allows 63 characters, but the environment storage and the
 * template volume carry the same name, and Azure documents no limit for
 * those: 32, like a job's name, is the safe side. */
#define SHARE_NAME_MAX 32

/* Azure's tag limits (Azure Resource Manager, "Tag resources"). */
#define TAGS_MAX 50
#define TAG_NAME_MAX 512
#define TAG_VALUE_MAX 256

/* Container Apps' CPU steps: quarters of a core, memory 2 GiB per core. */
#define QUARTER_NANO 250000000LL
#define HALF_GIB (512LL * 1024 * 1024)
#define QUARTERS_CONSUMPTION 8  /* 2 cores / 4Gi */
#define QUARTERS_PROFILE 16     /* 4 cores / 8Gi */
#define QUARTERS_DEFAULT 2      /* 0.5 / 1Gi */

size_t aca_jobspec_sanitize(const char *in, char *out, size_t max)
{
	size_t n = 0;
	int dash = 0;

	for (; in && *in && n < max; in++) {
		unsigned char ch = (unsigned char)tolower((unsigned char)*in);

		if ((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9')) {
			if (dash && n > 0 && n + 1 < max)
				out[n++] = '-';
			else if (dash && n > 0)
				break;  /* no room for the letter after the '-' */
			dash = 0;
			out[n++] = (char)ch;
		} else {
			dash = 1;
		}
	}
	out[n] = 0;
	return n;
}

static uint32_t fnv1a(const char *s)
{
	uint32_t h = 2166136261u;

	while (*s) {
		h ^= (unsigned char)*s++;
		h *= 16777619u;
	}
	return h;
}

/* The id's first hex digits (Docker's short id), or a hash of it when it
 * is not hex (the record should always be). */
static void id_suffix(const char *id, char *out)
{
	int hex = id && strlen(id) >= JOB_SUFFIX;

	for (int i = 0; hex && i < JOB_SUFFIX; i++)
		hex = isxdigit((unsigned char)id[i]);
	if (hex) {
		for (int i = 0; i < JOB_SUFFIX; i++)
			out[i] = (char)tolower((unsigned char)id[i]);
		out[JOB_SUFFIX] = 0;
	} else {
		snprintf(out, JOB_SUFFIX + 1, "%06x",
			(unsigned)(fnv1a(id ? id : "") & 0xffffff));
	}
}

void aca_jobspec_job_name(const char *ctr_name, const char *ctr_id, char *out)
{
	/* "sl-" keeps a letter first whatever the Docker name starts with,
	 * and marks the jobs the daemon made in a shared environment. */
	char part[JOB_PART_MAX + 1], suffix[JOB_SUFFIX + 1];

	id_suffix(ctr_id, suffix);
	if (aca_jobspec_sanitize(ctr_name, part, JOB_PART_MAX))
		snprintf(out, JOB_NAME_MAX + 1, JOB_PREFIX "%s-%s", part, suffix);
	else
		snprintf(out, JOB_NAME_MAX + 1, JOB_PREFIX "%s", suffix);
}

void aca_jobspec_container_name(const char *ctr_name, char *out)
{
	if (!aca_jobspec_sanitize(ctr_name, out, 63))
		strcpy(out, "main");
}

void aca_jobspec_share_name(const char *volume, char *out)
{
	char cut[SHARE_NAME_MAX - 9 + 1];   /* + "-" + 8 hex */
	size_t n = aca_jobspec_sanitize(volume, out, SHARE_NAME_MAX);

	if (n >= 3 && !strcmp(out, volume))
		return;
	n = aca_jobspec_sanitize(volume, cut, SHARE_NAME_MAX - 9);
	snprintf(out, 64, "%s-%08x", n ? cut : "vol",
		(unsigned)fnv1a(volume ? volume : ""));
}

/* "0.25/0.5Gi, 0.5/1Gi, ..." up to max quarters. */
static void valid_pairs(int max, char *buf, size_t len)
{
	size_t n = 0;

	buf[0] = 0;
	for (int q = 1; q <= max && n < len; q++)
		n += (size_t)snprintf(buf + n, len - n, "%s%g/%gGi",
			q > 1 ? ", " : "", q / 4.0, q / 2.0);
}

int aca_jobspec_resources(const struct aca_config *cfg, int64_t nano_cpus,
	int64_t memory, double *cpu, char *mem, struct aca_err *err)
{
	int max = cfg && cfg->workload_profile ? QUARTERS_PROFILE
		: QUARTERS_CONSUMPTION;
	int64_t qc = 0, qm = 0, q;
	char pairs[512];

	/* Round up: a container never gets less than it asked for. */
	if (nano_cpus > 0)
		qc = (nano_cpus + QUARTER_NANO - 1) / QUARTER_NANO;
	if (memory > 0)
		qm = (memory + HALF_GIB - 1) / HALF_GIB;
	if (qc && qm && qc != qm) {
		valid_pairs(max, pairs, sizeof(pairs));
		return aca_err_set(err, SL_EINVAL,
			"Azure Container Apps runs a container with 2 GiB of "
			"memory per CPU: --cpus %g with --memory %gGi is no valid "
			"pair (rounded up: %g CPU, %gGi); valid --cpus/--memory "
			"pairs: %s", nano_cpus / 1e9, memory / (1024.0 * 1024 * 1024),
			qc / 4.0, qm / 2.0, pairs);
	}
	q = qc ? qc : qm ? qm : QUARTERS_DEFAULT;
	if (q > max) {
		valid_pairs(max, pairs, sizeof(pairs));
		return aca_err_set(err, SL_EINVAL,
			"Azure Container Apps gives a container at most %g CPU and "
			"%gGi%s; asked for %g CPU / %gGi; valid --cpus/--memory "
			"pairs: %s", max / 4.0, max / 2.0,
			cfg && cfg->workload_profile ? " on its workload profile"
			: " on the Consumption plan (configure a workload profile "
			  "for up to 4 CPU / 8Gi)",
			q / 4.0, q / 2.0, pairs);
	}
	*cpu = (double)q / 4.0;
	if (q % 2)
		snprintf(mem, 16, "%d.5Gi", (int)(q / 2));
	else
		snprintf(mem, 16, "%dGi", (int)(q / 2));
	return SL_OK;
}

/* ---- validation ---------------------------------------------------- */

/* The create body, parsed (NULL when the host has none or it is not
 * JSON).  Caller puts it. */
static struct json_object *raw_config(const struct sl_host_v1 *host,
	sl_container *c)
{
	struct json_tokener *tok;
	struct json_object *o;
	size_t len = 0;
	const void *raw;

	if (!host->ctr_raw_config)
		return NULL;
	raw = host->ctr_raw_config(c, &len);
	if (!raw || !len || len > INT32_MAX)
		return NULL;
	tok = json_tokener_new();
	if (!tok)
		return NULL;
	o = json_tokener_parse_ex(tok, raw, (int)len);
	json_tokener_free(tok);
	if (o && !json_object_is_type(o, json_type_object)) {
		json_object_put(o);
		o = NULL;
	}
	return o;
}

static struct json_object *member(struct json_object *o, const char *key)
{
	struct json_object *v = NULL;

	if (!o || !json_object_object_get_ex(o, key, &v))
		return NULL;
	return v;
}

static const char *member_str(struct json_object *o, const char *key)
{
	struct json_object *v = member(o, key);

	return v && json_object_is_type(v, json_type_string) ?
		json_object_get_string(v) : NULL;
}

/* One volume mount, "name:dst[:mode]", pointing into the host's string. */
struct vmount {
	const char *entry;
	const char *name;
	size_t nlen;
	const char *dst;
	size_t dlen;
	const char *mode;   /* "" when none */
};

#define VMOUNTS_MAX 64     /* the daemon's own limit per container */

static int vmount_split(const char *entry, struct vmount *m)
{
	const char *c1 = strchr(entry, ':'), *c2;

	if (!c1 || c1 == entry || c1[1] != '/')
		return -1;
	c2 = strchr(c1 + 1, ':');
	m->entry = entry;
	m->name = entry;
	m->nlen = (size_t)(c1 - entry);
	m->dst = c1 + 1;
	m->dlen = c2 ? (size_t)(c2 - m->dst) : strlen(m->dst);
	m->mode = c2 ? c2 + 1 : "";
	return 0;
}

/* Whether a mode ("ro", "z,ro", "rw") asks for a read-only mount. */
static int mode_read_only(const char *mode)
{
	while (*mode) {
		size_t n = strcspn(mode, ",");

		if (n == 2 && !strncmp(mode, "ro", 2))
			return 1;
		mode += n + (mode[n] == ',');
	}
	return 0;
}

/* dockerd's name for an anonymous volume: 64 lowercase hex digits. */
static int looks_anonymous(const char *name, size_t n)
{
	if (n != 64)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!isdigit((unsigned char)name[i]) && (name[i] < 'a' || name[i] > 'f'))
			return 0;
	return 1;
}

/*
 * Whether the user named this volume (HostConfig.Binds "name:..." or a
 * Mounts entry of type volume with that Source) rather than the daemon
 * making it up for an image's VOLUME or a lone "-v /path".  Anonymous
 * volumes are not mounted: they would each cost a share.  Without the
 * create body, dockerd's anonymous name shape decides.
 */
static int vmount_named(struct json_object *raw, const struct vmount *m)
{
	struct json_object *hc = member(raw, "HostConfig");
	struct json_object *binds = member(hc, "Binds"), *mounts = member(hc, "Mounts");

	if (!raw)
		return !looks_anonymous(m->name, m->nlen);
	for (size_t i = 0; binds && json_object_is_type(binds, json_type_array) &&
	     i < json_object_array_length(binds); i++) {
		const char *b = json_object_get_string(json_object_array_get_idx(binds, i));

		if (b && b[0] != '/' && !strncmp(b, m->name, m->nlen) && b[m->nlen] == ':')
			return 1;
	}
	for (size_t i = 0; mounts && json_object_is_type(mounts, json_type_array) &&
	     i < json_object_array_length(mounts); i++) {
		struct json_object *o = json_object_array_get_idx(mounts, i);
		const char *type = member_str(o, "Type"), *src = member_str(o, "Source");

		if (type && !strcmp(type, "volume") && src && strlen(src) == m->nlen &&
		    !strncmp(src, m->name, m->nlen))
			return 1;
	}
	return 0;
}

/*
 * The named volume mounts of c into out (at most VMOUNTS_MAX): its volume
 * mounts (SL_CTR_VOLUMES), then the named entries of SL_CTR_BINDS on a
 * destination not taken yet.  Returns how many.
 */
static size_t named_mounts(const struct sl_host_v1 *host, sl_container *c,
	struct json_object *raw, struct vmount *out)
{
	const char *const *lists[2] = {
		host->ctr_list(c, SL_CTR_VOLUMES), host->ctr_list(c, SL_CTR_BINDS)
	};
	size_t n = 0;

	for (int l = 0; l < 2; l++)
		for (size_t i = 0; lists[l] && lists[l][i] && n < VMOUNTS_MAX; i++) {
			struct vmount m;
			int taken = 0;

			if (lists[l][i][0] == '/' || vmount_split(lists[l][i], &m))
				continue;
			if (l == 0 && !vmount_named(raw, &m))
				continue;
			for (size_t k = 0; k < n; k++)
				taken |= out[k].dlen == m.dlen &&
					!strncmp(out[k].dst, m.dst, m.dlen);
			if (!taken)
				out[n++] = m;
		}
	return n;
}

/*
 * An anonymous volume the user asked for (-v /path, --mount type=volume
 * without a source) into *dst ("" when none).  An image's VOLUMEs are
 * not asked for: they stay unmounted (refusing them would refuse the
 * image).
 */
static void asked_anonymous(struct json_object *raw, const char **dst)
{
	struct json_object *hc = member(raw, "HostConfig");
	struct json_object *binds = member(hc, "Binds"), *mounts = member(hc, "Mounts");

	*dst = "";
	for (size_t i = 0; binds && json_object_is_type(binds, json_type_array) &&
	     i < json_object_array_length(binds); i++) {
		const char *b = json_object_get_string(json_object_array_get_idx(binds, i));
		const char *colon = b ? strchr(b, ':') : NULL;

		if (b && b[0] == '/' && (!colon || colon[1] != '/')) {
			*dst = b;
			return;
		}
	}
	for (size_t i = 0; mounts && json_object_is_type(mounts, json_type_array) &&
	     i < json_object_array_length(mounts); i++) {
		struct json_object *o = json_object_array_get_idx(mounts, i);
		const char *type = member_str(o, "Type"), *src = member_str(o, "Source");

		if (type && !strcmp(type, "volume") && (!src || !*src)) {
			*dst = member_str(o, "Target") ? member_str(o, "Target") : "?";
			return;
		}
	}
}

/*
 * Named volumes are Azure Files shares registered on the environment
 * (volumes.c), so they need the storage account.  Without one, refuse
 * them rather than run a container whose writes to the volume vanish.
 */
static int check_volumes(const struct sl_host_v1 *host,
	const struct aca_config *cfg, sl_container *c, struct json_object *raw,
	struct aca_err *err)
{
	struct json_object *mounts = member(member(raw, "HostConfig"), "Mounts");
	struct vmount vm[VMOUNTS_MAX];
	size_t n = named_mounts(host, c, raw, vm);
	const char *name = n ? vm[0].entry : NULL, *anon;

	for (size_t i = 0; !name && mounts &&
	     json_object_is_type(mounts, json_type_array) &&
	     i < json_object_array_length(mounts); i++) {
		struct json_object *m = json_object_array_get_idx(mounts, i);
		const char *type = member_str(m, "Type"), *src = member_str(m, "Source");

		if (type && !strcmp(type, "volume") && src && *src)
			name = src;
	}
	/* Each start is a new replica: what it wrote there would be gone at
	 * the next, where Docker keeps it for the container's life. */
	asked_anonymous(raw, &anon);
	if (*anon)
		return aca_err_set(err, SL_EINVAL,
			"anonymous volumes ('%.200s') are not kept by the aca backend: the "
			"container would lose what it writes there at its next start; name "
			"the volume (-v NAME:/path) to have it as an Azure Files share", anon);
	if (name && !cfg->storage_account)
		return aca_err_set(err, SL_EINVAL,
			"named volumes ('%.200s') need an Azure Files storage account on "
			"the aca backend: set SOCKERLESS_ACA_STORAGE_ACCOUNT (or "
			"--backend-opt storage-account=NAME) to a storage account in resource "
			"group %s; without one what the container writes there would be lost",
			name, cfg->resource_group);
	for (size_t i = 0; i < n; i++)
		if (mode_read_only(vm[i].mode))
			return aca_err_set(err, SL_EINVAL,
				"read-only volume mounts ('%.200s') are not possible on the aca "
				"backend: Azure Container Apps sets a volume's access mode for "
				"the whole environment storage, not per mount; mount it "
				"read-write", vm[i].entry);
	return SL_OK;
}

static int check_binds(const struct sl_host_v1 *host, sl_container *c,
	struct json_object *hc, struct aca_err *err)
{
	const char *const *binds = host->ctr_list(c, SL_CTR_BINDS);
	struct json_object *mounts = member(hc, "Mounts");
	const char *src = NULL;

	for (size_t i = 0; binds && binds[i]; i++)
		if (binds[i][0] == '/') {
			src = binds[i];
			break;
		}
	for (size_t i = 0; !src && mounts &&
	     json_object_is_type(mounts, json_type_array) &&
	     i < json_object_array_length(mounts); i++) {
		struct json_object *m = json_object_array_get_idx(mounts, i);
		const char *type = member_str(m, "Type");

		if (type && !strcmp(type, "bind"))
			src = member_str(m, "Source") ? member_str(m, "Source") : "?";
	}
	if (src)
		return aca_err_set(err, SL_EINVAL,
			"bind mounts of host paths cannot work in Azure Container "
			"Apps: the container runs in Azure, where '%.200s' does not "
			"exist", src);
	return SL_OK;
}

static int check_ports(const struct sl_host_v1 *host, sl_container *c,
	struct json_object *hc, struct aca_err *err)
{
	const char *const *pb = host->ctr_list(c, SL_CTR_PORT_BINDINGS);
	struct json_object *all = member(hc, "PublishAllPorts");

	if ((pb && pb[0]) || (all && json_object_get_boolean(all)))
		return aca_err_set(err, SL_EINVAL,
			"publishing ports (-p, -P) is not possible in Azure "
			"Container Apps: a Job has no ingress, so nothing can "
			"reach the container from outside");
	return SL_OK;
}

/* What the user gave at create and ACA cannot apply: the Job template
 * has no working directory or user, so the image's own always apply. */
static int check_overrides(struct json_object *raw, struct aca_err *err)
{
	const char *wd = member_str(raw, "WorkingDir");
	const char *user = member_str(raw, "User");

	if (wd && *wd)
		return aca_err_set(err, SL_EINVAL,
			"the working directory (-w %.200s) cannot be applied in "
			"Azure Container Apps without the sockerless agent (the "
			"backend's agent setting is off): a Job always starts in the "
			"image's WORKDIR; set WORKDIR in the image or cd in the command",
			wd);
	if (user && *user)
		return aca_err_set(err, SL_EINVAL,
			"the user (-u %.200s) cannot be applied in Azure Container "
			"Apps without the sockerless agent (the backend's agent "
			"setting is off): a Job always runs as the image's USER; set "
			"USER in the image instead", user);
	return SL_OK;
}

static int check_command(const struct sl_host_v1 *host, sl_container *c,
	struct aca_err *err)
{
	char **command, **args;
	int rc = aca_images_command(host, c, &command, &args);

	aca_strv_free(command);
	aca_strv_free(args);
	if (rc == SL_EINVAL)
		return aca_err_set(err, SL_EINVAL,
			"no command specified: the image has no ENTRYPOINT or CMD "
			"and none was given");
	if (rc)
		return aca_err_set(err, rc, "aca: out of memory");
	return SL_OK;
}

/* Whether a start will run the agent, as far as create can tell: the
 * agent applies -w, -u and -i, which Azure alone cannot. */
static int agent_possible(const struct sl_host_v1 *host,
	const struct aca_config *cfg)
{
	return cfg->agent_mode != ACA_AGENT_OFF &&
		SL_HAS_FIELD(host, struct sl_host_v1, agent_state);
}

int aca_jobspec_validate(const struct sl_host_v1 *host,
	const struct aca_config *cfg, sl_container *c, struct aca_err *err)
{
	struct json_object *raw = raw_config(host, c);
	struct json_object *hc = member(raw, "HostConfig");
	const char *image = host->ctr_str(c, SL_CTR_IMAGE_REF);
	double cpu;
	char mem[16];
	int rc;

	rc = aca_jobspec_resources(cfg, host->ctr_int(c, SL_CTR_NANO_CPUS),
		host->ctr_int(c, SL_CTR_MEMORY), &cpu, mem, err);
	if (rc)
		goto out;
	if (!image || !*image) {
		rc = aca_err_set(err, SL_EINVAL, "aca: the container has no image");
		goto out;
	}
	if (host->ctr_int(c, SL_CTR_PRIVILEGED)) {
		rc = aca_err_set(err, SL_EINVAL,
			"--privileged is not possible in Azure Container Apps: "
			"replicas run without extra privileges");
		goto out;
	}
	if ((host->ctr_int(c, SL_CTR_OPEN_STDIN) || host->ctr_int(c, SL_CTR_TTY)) &&
	    !aca_agent_will_run(host, cfg, c)) {
		int in = (int)host->ctr_int(c, SL_CTR_OPEN_STDIN);

		/* Refused here: once attach has hijacked the connection a
		 * refusal can no longer reach the client.  A TTY too: running
		 * without the terminal the user asked for would change what
		 * the program does (isatty, line buffering, colours). */
		rc = aca_err_set(err, SL_EINVAL,
			"%s is not possible on the aca backend "
			"without the sockerless agent: Azure Container Apps Jobs give "
			"a container no %s, and %s",
			in ? "-i (keeping stdin open)" : "-t (a terminal)",
			in ? "stdin" : "terminal",
			cfg->agent_mode == ACA_AGENT_OFF ?
				"the agent is disabled by configuration (agent=off)" :
			!agent_possible(host, cfg) ?
				"the daemon has no agent client (plugin ABI before 1.2)" :
				"the image's ENTRYPOINT and CMD are unknown, so the agent "
				"cannot start them");
		goto out;
	}
	rc = check_binds(host, c, hc, err);
	if (!rc)
		rc = check_volumes(host, cfg, c, raw, err);
	if (!rc)
		rc = check_ports(host, c, hc, err);
	if (!rc && !agent_possible(host, cfg))
		rc = check_overrides(raw, err);
	if (!rc)
		rc = check_command(host, c, err);
out:
	json_object_put(raw);
	return rc;
}

/* ---- the body ------------------------------------------------------ */

/* json-c's adders fail only without memory; collect that in one flag so
 * building reads straight. */
struct body {
	int oom;
};

static struct json_object *jadd(struct body *b, struct json_object *o,
	const char *key, struct json_object *v)
{
	if (!v || json_object_object_add(o, key, v)) {
		json_object_put(v);
		b->oom = 1;
		return NULL;
	}
	return v;
}

static struct json_object *jpush(struct body *b, struct json_object *a,
	struct json_object *v)
{
	if (!v || json_object_array_add(a, v)) {
		json_object_put(v);
		b->oom = 1;
		return NULL;
	}
	return v;
}

static struct json_object *jstr(const char *s)
{
	return json_object_new_string(s);
}

static struct json_object *jstrv(char **v)
{
	struct json_object *a = json_object_new_array();

	for (size_t i = 0; a && v[i]; i++)
		if (json_object_array_add(a, json_object_new_string(v[i]))) {
			json_object_put(a);
			return NULL;
		}
	return a;
}

/* Adds a tag when it fits Azure's limits and no tag of that name (tag
 * names are case-insensitive) exists yet; what does not fit stays in the
 * local store.  Returns 1 when added. */
static int tag_add(struct body *b, struct json_object *tags, const char *name,
	size_t nlen, const char *value)
{
	char key[TAG_NAME_MAX + 1];

	if (json_object_object_length(tags) >= TAGS_MAX || nlen == 0 ||
	    nlen > TAG_NAME_MAX || strlen(value) > TAG_VALUE_MAX)
		return 0;
	memcpy(key, name, nlen);
	key[nlen] = 0;
	if (strpbrk(key, "<>%&\\?/"))   /* Azure refuses these in names */
		return 0;
	json_object_object_foreach(tags, k, v) {
		(void)v;
		if (!strcasecmp(k, key))
			return 0;
	}
	return jadd(b, tags, key, jstr(value)) != NULL;
}

static struct json_object *build_tags(struct body *b,
	const struct sl_host_v1 *host, const struct aca_config *cfg,
	sl_container *c)
{
	const char *const *labels = host->ctr_list(c, SL_CTR_LABELS);
	const char *name = host->ctr_str(c, SL_CTR_NAME);
	const char *id = host->ctr_str(c, SL_CTR_ID);
	char cut[TAG_VALUE_MAX + 1];
	struct json_object *tags = json_object_new_object();

	if (!tags) {
		b->oom = 1;
		return NULL;
	}
	snprintf(cut, sizeof(cut), "%s", name ? name : "");
	jadd(b, tags, "sockerless-managed", jstr("true"));
	jadd(b, tags, "sockerless-container-id", jstr(id ? id : ""));
	jadd(b, tags, "sockerless-instance", jstr(cfg->instance_id));
	jadd(b, tags, "sockerless-name", jstr(cut));
	for (size_t i = 0; labels && labels[i]; i++) {
		const char *eq = strchr(labels[i], '=');

		if (eq)
			tag_add(b, tags, labels[i], (size_t)(eq - labels[i]), eq + 1);
	}
	return tags;
}

static int env_is_secret(const char *patterns, const char *name)
{
	char pat[256];

	while (patterns && *patterns) {
		size_t n = strcspn(patterns, ",");
		const char *p = patterns;

		patterns += n + (patterns[n] == ',');
		while (n > 0 && isspace((unsigned char)*p))
			p++, n--;
		while (n > 0 && isspace((unsigned char)p[n - 1]))
			n--;
		if (n == 0 || n >= sizeof(pat))
			continue;
		memcpy(pat, p, n);
		pat[n] = 0;
		if (!fnmatch(pat, name, 0))
			return 1;
	}
	return 0;
}

/* "env-<name>-<hash>": the sanitized name for people reading the portal,
 * the hash of the real name so FOO_BAR and foo-bar stay apart. */
static void env_secret_name(const char *name, char *out, size_t len)
{
	char part[64];

	if (!aca_jobspec_sanitize(name, part, 40))
		strcpy(part, "var");
	snprintf(out, len, "env-%s-%08x", part, (unsigned)fnv1a(name));
}

static void build_env(struct body *b, const struct sl_host_v1 *host,
	const struct aca_config *cfg, sl_container *c, struct json_object *env,
	struct json_object *secrets)
{
	const char *const *vars = host->ctr_list(c, SL_CTR_ENV);
	char name[1024], sname[96];

	for (size_t i = 0; vars && vars[i] && !b->oom; i++) {
		const char *eq = strchr(vars[i], '=');
		size_t n = eq ? (size_t)(eq - vars[i]) : 0;
		struct json_object *e, *s;

		/* "NAME" alone asks Docker to pass the client's value, which
		 * the CLI already did; nothing else to send. */
		if (!eq || n == 0 || n >= sizeof(name))
			continue;
		memcpy(name, vars[i], n);
		name[n] = 0;
		if (!(e = jpush(b, env, json_object_new_object())))
			break;
		jadd(b, e, "name", jstr(name));
		if (!env_is_secret(cfg->secret_env, name)) {
			jadd(b, e, "value", jstr(eq + 1));
			continue;
		}
		env_secret_name(name, sname, sizeof(sname));
		jadd(b, e, "secretRef", jstr(sname));
		if ((s = jpush(b, secrets, json_object_new_object()))) {
			jadd(b, s, "name", jstr(sname));
			jadd(b, s, "value", jstr(eq + 1));
		}
	}
}

/* The agent's volume and where it is mounted in both containers. */
#define AGENT_VOLUME "sl-agent"
#define AGENT_DIR "/sl-agent"
#define AGENT_SECRET "sl-agent-token"
/* The CA an https reverse agent verifies the daemon with: public, but a
 * secret keeps a PEM block out of the job's env list and the portal. */
#define AGENT_CA_SECRET "sl-agent-callback-ca"
/* Choice: Azure documents no rule for an init container's resources on
 * Jobs; the smallest valid pair keeps the replica's total low. */
#define AGENT_INIT_CPU 0.25
#define AGENT_INIT_MEM "0.5Gi"

/* An array member of o, added when absent. */
static struct json_object *array_member(struct body *b, struct json_object *o,
	const char *key)
{
	struct json_object *a = member(o, key);

	if (a && json_object_is_type(a, json_type_array))
		return a;
	return jadd(b, o, key, json_object_new_array());
}

static void push_strv(struct body *b, struct json_object *a,
	const char *const *v)
{
	for (size_t i = 0; v && v[i]; i++)
		jpush(b, a, jstr(v[i]));
}

static void push_env(struct body *b, struct json_object *env,
	const char *name, const char *key, const char *value)
{
	struct json_object *e = jpush(b, env, json_object_new_object());

	if (e) {
		jadd(b, e, "name", jstr(name));
		jadd(b, e, key, jstr(value));
	}
}

static void push_mount(struct body *b, struct json_object *ctr)
{
	struct json_object *m, *mnts = array_member(b, ctr, "volumeMounts");

	if (mnts && (m = jpush(b, mnts, json_object_new_object()))) {
		jadd(b, m, "volumeName", jstr(AGENT_VOLUME));
		jadd(b, m, "mountPath", jstr(AGENT_DIR));
	}
}

/*
 * The main container runs the agent, which runs what Docker would:
 * ENTRYPOINT + CMD (the user's or the image's, already merged in the
 * record) after "--", as the user and in the directory given at create.
 */
static void agent_command(struct body *b, const struct sl_host_v1 *host,
	sl_container *c, const struct aca_agent_plan *agent,
	struct json_object *ctr)
{
	struct json_object *raw = raw_config(host, c), *cmd, *args;
	const char *wd = member_str(raw, "WorkingDir");
	const char *user = member_str(raw, "User");
	char listen[32];

	if ((cmd = jadd(b, ctr, "command", json_object_new_array())))
		jpush(b, cmd, jstr(AGENT_DIR "/sockerless-agent"));
	if (!(args = jadd(b, ctr, "args", json_object_new_array())))
		goto out;
	if (agent->mode == ACA_AGENT_REVERSE) {
		jpush(b, args, jstr("--callback"));
		jpush(b, args, jstr(agent->callback_url));
	} else {
		snprintf(listen, sizeof(listen), "0.0.0.0:%d", agent->port);
		jpush(b, args, jstr("--listen"));
		jpush(b, args, jstr(listen));
	}
	if (host->ctr_int(c, SL_CTR_TTY))
		jpush(b, args, jstr("--tty"));
	if (host->ctr_int(c, SL_CTR_OPEN_STDIN))
		jpush(b, args, jstr("--stdin"));
	if (wd && *wd) {
		jpush(b, args, jstr("--workdir"));
		jpush(b, args, jstr(wd));
	}
	if (user && *user) {
		jpush(b, args, jstr("--user"));
		jpush(b, args, jstr(user));
	}
	jpush(b, args, jstr("--"));
	push_strv(b, args, host->ctr_list(c, SL_CTR_ENTRYPOINT));
	push_strv(b, args, host->ctr_list(c, SL_CTR_CMD));
out:
	json_object_put(raw);
}

/* An https reverse agent gets the configured CA (callback-ca); without
 * one it falls back to the image's system bundle. */
static void agent_ca(struct body *b, const struct aca_config *cfg,
	const struct aca_agent_plan *agent, struct json_object *env,
	struct json_object *secrets)
{
	struct json_object *s;

	if (agent->mode != ACA_AGENT_REVERSE || !cfg->callback_ca ||
	    !agent->callback_url || strncasecmp(agent->callback_url,
		"https://", 8))
		return;
	push_env(b, env, "SOCKERLESS_CALLBACK_CA", "secretRef", AGENT_CA_SECRET);
	if ((s = jpush(b, secrets, json_object_new_object()))) {
		jadd(b, s, "name", jstr(AGENT_CA_SECRET));
		jadd(b, s, "value", jstr(cfg->callback_ca));
	}
}

static struct json_object *build_container(struct body *b,
	const struct sl_host_v1 *host, const struct aca_config *cfg,
	sl_container *c, const struct aca_agent_plan *agent,
	struct json_object *secrets, struct aca_err *err)
{
	struct json_object *ctr = json_object_new_object(), *res, *env, *s;
	char cname[64], mem[16], **command = NULL, **args = NULL;
	double cpu;
	int rc;

	if (!ctr) {
		b->oom = 1;
		return NULL;
	}
	if (aca_jobspec_resources(cfg, host->ctr_int(c, SL_CTR_NANO_CPUS),
		    host->ctr_int(c, SL_CTR_MEMORY), &cpu, mem, err))
		goto fail;
	rc = aca_images_command(host, c, &command, &args);
	if (rc) {
		aca_err_set(err, rc, rc == SL_EINVAL ? "no command specified"
			: "aca: out of memory");
		goto fail;
	}
	aca_jobspec_container_name(host->ctr_str(c, SL_CTR_NAME), cname);
	jadd(b, ctr, "name", jstr(cname));
	jadd(b, ctr, "image", jstr(host->ctr_str(c, SL_CTR_IMAGE_REF)));
	if (agent) {
		agent_command(b, host, c, agent, ctr);
	} else {
		if (command)
			jadd(b, ctr, "command", jstrv(command));
		if (args)
			jadd(b, ctr, "args", jstrv(args));
	}
	aca_strv_free(command);
	aca_strv_free(args);
	if ((env = jadd(b, ctr, "env", json_object_new_array()))) {
		build_env(b, host, cfg, c, env, secrets);
		if (agent) {
			push_env(b, env, "SOCKERLESS_AGENT_TOKEN", "secretRef",
				AGENT_SECRET);
			push_env(b, env, "SOCKERLESS_CONTAINER_ID", "value",
				host->ctr_str(c, SL_CTR_ID));
			if ((s = jpush(b, secrets, json_object_new_object()))) {
				jadd(b, s, "name", jstr(AGENT_SECRET));
				jadd(b, s, "value", jstr(agent->token));
			}
			agent_ca(b, cfg, agent, env, secrets);
		}
	}
	if ((res = jadd(b, ctr, "resources", json_object_new_object()))) {
		jadd(b, res, "cpu", json_object_new_double(cpu));
		jadd(b, res, "memory", jstr(mem));
	}
	if (agent)
		push_mount(b, ctr);
	return ctr;
fail:
	json_object_put(ctr);
	return NULL;
}

/* The init container that copies the agent into the shared volume, and
 * that volume (an EmptyDir: it lives as long as the replica). */
static void build_agent_init(struct body *b, const struct aca_config *cfg,
	struct json_object *tmpl)
{
	static const char *const install[] = { "install", AGENT_DIR, NULL };
	struct json_object *inits, *ic, *a, *res, *vols, *v;

	if (!(inits = jadd(b, tmpl, "initContainers", json_object_new_array())) ||
	    !(ic = jpush(b, inits, json_object_new_object())))
		return;
	jadd(b, ic, "name", jstr("sl-agent-install"));
	jadd(b, ic, "image", jstr(cfg->agent_image));
	if ((a = jadd(b, ic, "command", json_object_new_array())))
		jpush(b, a, jstr("/sockerless-agent"));
	if ((a = jadd(b, ic, "args", json_object_new_array())))
		push_strv(b, a, install);
	if ((res = jadd(b, ic, "resources", json_object_new_object()))) {
		jadd(b, res, "cpu", json_object_new_double(AGENT_INIT_CPU));
		jadd(b, res, "memory", jstr(AGENT_INIT_MEM));
	}
	push_mount(b, ic);
	if ((vols = array_member(b, tmpl, "volumes")) &&
	    (v = jpush(b, vols, json_object_new_object()))) {
		jadd(b, v, "name", jstr(AGENT_VOLUME));
		jadd(b, v, "storageType", jstr("EmptyDir"));
	}
}

/*
 * template.volumes (one AzureFile volume per named volume, named like
 * its share and environment storage) and the container's volumeMounts.
 * Anonymous volumes are not mounted (named_mounts).
 */
static void build_volumes(struct body *b, const struct sl_host_v1 *host,
	const struct aca_config *cfg, sl_container *c, struct json_object *ctr,
	struct json_object *tmpl)
{
	struct json_object *raw = raw_config(host, c), *vols = NULL, *mnts = NULL;
	struct vmount vm[VMOUNTS_MAX];
	size_t n = cfg->storage_account ? named_mounts(host, c, raw, vm) : 0;

	for (size_t i = 0; i < n && !b->oom; i++) {
		char name[256], share[64], dst[1024];
		struct json_object *v, *m;
		int have = 0;

		snprintf(name, sizeof(name), "%.*s", (int)vm[i].nlen, vm[i].name);
		snprintf(dst, sizeof(dst), "%.*s", (int)vm[i].dlen, vm[i].dst);
		aca_jobspec_share_name(name, share);
		if (!vols && (!(vols = array_member(b, tmpl, "volumes")) ||
			      !(mnts = array_member(b, ctr, "volumeMounts"))))
			break;
		for (size_t k = 0; k < json_object_array_length(vols); k++) {
			const char *vn = member_str(json_object_array_get_idx(vols, k), "name");

			have |= vn && !strcmp(vn, share);
		}
		if (!have && (v = jpush(b, vols, json_object_new_object()))) {
			jadd(b, v, "name", jstr(share));
			jadd(b, v, "storageType", jstr("AzureFile"));
			jadd(b, v, "storageName", jstr(share));
		}
		if ((m = jpush(b, mnts, json_object_new_object()))) {
			jadd(b, m, "volumeName", jstr(share));
			jadd(b, m, "mountPath", jstr(dst));
		}
	}
	json_object_put(raw);
}

static struct json_object *build_configuration(struct body *b,
	const struct aca_config *cfg, struct json_object *secrets,
	struct json_object *registries)
{
	struct json_object *conf = json_object_new_object(), *manual;

	if (!conf) {
		b->oom = 1;
		return NULL;
	}
	jadd(b, conf, "triggerType", jstr("Manual"));
	if ((manual = jadd(b, conf, "manualTriggerConfig",
		    json_object_new_object()))) {
		jadd(b, manual, "parallelism", json_object_new_int(1));
		jadd(b, manual, "replicaCompletionCount", json_object_new_int(1));
	}
	/* A retry would run the container twice; Docker never does. */
	jadd(b, conf, "replicaRetryLimit", json_object_new_int(0));
	jadd(b, conf, "replicaTimeout", json_object_new_int(cfg->job_timeout_s));
	jadd(b, conf, "secrets", json_object_get(secrets));
	jadd(b, conf, "registries", json_object_get(registries));
	return conf;
}

/* The agent image's registry credentials, when it is not the registry
 * of the container's image (Azure takes one entry per server). */
static int agent_registry(const struct sl_host_v1 *host,
	const struct aca_config *cfg, sl_container *c,
	struct json_object *registries, struct json_object *secrets,
	struct aca_err *err)
{
	char a[256], m[256];

	if (!aca_registry_host(cfg->agent_image, a, sizeof(a)) &&
	    !aca_registry_host(host->ctr_str(c, SL_CTR_IMAGE_REF), m, sizeof(m)) &&
	    !strcmp(a, m))
		return SL_OK;
	return aca_registry_add(host, cfg->agent_image, registries, secrets, err);
}

char *aca_jobspec_build(const struct sl_host_v1 *host,
	const struct aca_config *cfg, sl_container *c, const char *job,
	struct aca_err *err)
{
	return aca_jobspec_build_agent(host, cfg, c, job, NULL, err);
}

char *aca_jobspec_build_agent(const struct sl_host_v1 *host,
	const struct aca_config *cfg, sl_container *c, const char *job,
	const struct aca_agent_plan *agent, struct aca_err *err)
{
	struct body b = { 0 };
	struct json_object *root = json_object_new_object();
	struct json_object *secrets = json_object_new_array();
	struct json_object *registries = json_object_new_array();
	struct json_object *ctrs = json_object_new_array();
	struct json_object *props, *tmpl;
	char *env_id = aca_config_env_id(cfg), *out = NULL;

	(void)job;  /* the name is the URL's; the body does not repeat it */
	if (agent && agent->mode != ACA_AGENT_FORWARD &&
	    agent->mode != ACA_AGENT_REVERSE)
		agent = NULL;
	err->status = SL_OK;
	if (!root || !secrets || !registries || !ctrs || !env_id) {
		b.oom = 1;
		goto out;
	}
	if (!jpush(&b, ctrs, build_container(&b, host, cfg, c, agent, secrets,
		    err)) ||
	    aca_registry_add(host, host->ctr_str(c, SL_CTR_IMAGE_REF),
		    registries, secrets, err) ||
	    (agent && agent_registry(host, cfg, c, registries, secrets, err)))
		goto out;
	jadd(&b, root, "location", jstr(cfg->location));
	jadd(&b, root, "tags", build_tags(&b, host, cfg, c));
	if ((props = jadd(&b, root, "properties", json_object_new_object()))) {
		jadd(&b, props, "environmentId", jstr(env_id));
		if (cfg->workload_profile)
			jadd(&b, props, "workloadProfileName",
				jstr(cfg->workload_profile));
		jadd(&b, props, "configuration",
			build_configuration(&b, cfg, secrets, registries));
		if ((tmpl = jadd(&b, props, "template", json_object_new_object()))) {
			jadd(&b, tmpl, "containers", json_object_get(ctrs));
			build_volumes(&b, host, cfg, c,
				json_object_array_get_idx(ctrs, 0), tmpl);
			if (agent)
				build_agent_init(&b, cfg, tmpl);
		}
	}
	if (!b.oom) {
		out = strdup(json_object_to_json_string_ext(root,
			JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
		b.oom = !out;
	}
out:
	if (b.oom && !err->status)
		aca_err_set(err, SL_ENOMEM, "aca: out of memory building the job");
	json_object_put(secrets);
	json_object_put(registries);
	json_object_put(ctrs);
	json_object_put(root);
	free(env_id);
	if (err->status) {
		free(out);
		return NULL;
	}
	return out;
}
