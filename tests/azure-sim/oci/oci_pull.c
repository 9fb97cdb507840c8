/* oci_pull.c - the puller: reference -> registry -> manifest -> config ->
 * layers -> cached rootfs (see oci_image.h). */
#include "config.h"

#include "oci_image.h"
#include "oci_digest.h"
#include "oci_fs.h"
#include "oci_manifest.h"
#include "oci_registry.h"
#include "oci_tar.h"
#include "oci_util.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <curl/curl.h>

#define CONFIG_MAX (8 * 1024 * 1024)

struct map_entry {
	char *from;
	char *to;
};

struct oci_puller {
	char *blobs_dir;  /* STATE/blobs/sha256 */
	char *rootfs_dir; /* STATE/rootfs */
	struct map_entry *maps;
	size_t n_maps;
	char **plain_http;
	size_t n_plain_http;
	long connect_timeout_s, request_timeout_s;
};

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static int curl_init_rc;

static void init_curl(void)
{
	curl_init_rc = curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK ? 0 : -1;
}

void oci_puller_free(struct oci_puller *p)
{
	size_t i;

	if (!p)
		return;
	for (i = 0; i < p->n_maps; i++) {
		free(p->maps[i].from);
		free(p->maps[i].to);
	}
	free(p->maps);
	for (i = 0; i < p->n_plain_http; i++)
		free(p->plain_http[i]);
	free(p->plain_http);
	free(p->blobs_dir);
	free(p->rootfs_dir);
	free(p);
}

struct oci_puller *oci_puller_new(const struct oci_puller_config *cfg,
				  struct oci_err *err)
{
	struct oci_puller *p;
	size_t i;
	int r;

	pthread_once(&curl_once, init_curl);
	if (curl_init_rc < 0) {
		oci_err_set(err, OCI_E_NOMEM, "curl_global_init failed");
		return NULL;
	}
	if (!cfg || !cfg->state_dir || !*cfg->state_dir) {
		oci_err_set(err, OCI_E_INVALID, "image state directory not set");
		return NULL;
	}
	p = calloc(1, sizeof(*p));
	if (!p)
		goto nomem;
	p->blobs_dir = oci_path_join(cfg->state_dir, "blobs/sha256");
	p->rootfs_dir = oci_path_join(cfg->state_dir, "rootfs");
	if (!p->blobs_dir || !p->rootfs_dir)
		goto nomem;
	p->maps = calloc(cfg->n_maps ? cfg->n_maps : 1, sizeof(*p->maps));
	p->plain_http = calloc(cfg->n_plain_http ? cfg->n_plain_http : 1, sizeof(char *));
	if (!p->maps || !p->plain_http)
		goto nomem;
	for (i = 0; i < cfg->n_maps; i++) {
		p->maps[i].from = strdup(cfg->maps[i].from);
		p->maps[i].to = strdup(cfg->maps[i].to);
		p->n_maps = i + 1;
		if (!p->maps[i].from || !p->maps[i].to)
			goto nomem;
	}
	for (i = 0; i < cfg->n_plain_http; i++) {
		p->plain_http[i] = strdup(cfg->plain_http[i]);
		p->n_plain_http = i + 1;
		if (!p->plain_http[i])
			goto nomem;
	}
	p->connect_timeout_s = cfg->connect_timeout_s;
	p->request_timeout_s = cfg->request_timeout_s;
	if ((r = oci_fs_mkdir_p(p->blobs_dir, 0700)) < 0 ||
	    (r = oci_fs_mkdir_p(p->rootfs_dir, 0700)) < 0) {
		oci_err_set(err, OCI_E_IO, "cannot create image cache under %s: %s",
			    cfg->state_dir, strerror(-r));
		oci_puller_free(p);
		return NULL;
	}
	return p;
nomem:
	oci_err_set(err, OCI_E_NOMEM, "out of memory");
	oci_puller_free(p);
	return NULL;
}

void oci_image_free(struct oci_image *img)
{
	if (!img)
		return;
	free(img->reference);
	free(img->manifest_digest);
	free(img->config_digest);
	free(img->rootfs);
	oci_strv_free(img->entrypoint);
	oci_strv_free(img->cmd);
	oci_strv_free(img->env);
	free(img->working_dir);
	free(img->user);
	free(img);
}

static const char *map_host(const struct oci_puller *p, const char *registry)
{
	size_t i;

	for (i = 0; i < p->n_maps; i++)
		if (!strcasecmp(p->maps[i].from, registry))
			return p->maps[i].to;
	if (!strcmp(registry, "docker.io"))
		return "registry-1.docker.io";
	return registry;
}

static int is_plain(const struct oci_puller *p, const char *host)
{
	size_t i;

	if (oci_host_is_loopback(host))
		return 1;
	for (i = 0; i < p->n_plain_http; i++)
		if (!strcasecmp(p->plain_http[i], host))
			return 1;
	return 0;
}

static char *blob_path(const struct oci_puller *p, const char *digest)
{
	return oci_path_join(p->blobs_dir, digest + 7);
}

static int read_file(const char *path, size_t max, char **out, size_t *len)
{
	struct stat st;
	char *buf = NULL;
	size_t off = 0;
	int fd, rc = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0) {
		rc = -errno;
		goto out;
	}
	if ((size_t)st.st_size > max) {
		rc = -EFBIG;
		goto out;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (!buf) {
		rc = -ENOMEM;
		goto out;
	}
	while (off < (size_t)st.st_size) {
		ssize_t r = read(fd, buf + off, (size_t)st.st_size - off);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			rc = r < 0 ? -errno : -EIO;
			goto out;
		}
		off += (size_t)r;
	}
	buf[off] = '\0';
	*out = buf;
	*len = off;
	buf = NULL;
out:
	free(buf);
	close(fd);
	return rc;
}

/* Write data to path atomically (temp file + rename). */
static int write_file_atomic(const char *path, const char *data, size_t len)
{
	char *tmp = malloc(strlen(path) + 16);
	size_t off = 0;
	int fd, rc = 0;

	if (!tmp)
		return -ENOMEM;
	sprintf(tmp, "%s.tmp.XXXXXX", path);
	fd = mkstemp(tmp);
	if (fd < 0) {
		rc = -errno;
		free(tmp);
		return rc;
	}
	while (off < len) {
		ssize_t w = write(fd, data + off, len - off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0) {
			rc = -errno;
			break;
		}
		off += (size_t)w;
	}
	if (close(fd) < 0 && rc == 0)
		rc = -errno;
	if (rc == 0 && rename(tmp, path) < 0)
		rc = -errno;
	if (rc < 0)
		unlink(tmp);
	free(tmp);
	return rc;
}

static int get_config(struct oci_puller *p, struct oci_reg *reg,
		      const char *digest, char **body, size_t *len,
		      struct oci_err *err)
{
	char *path = blob_path(p, digest), got[72];
	int rc;

	if (!path)
		return oci_err_set(err, OCI_E_NOMEM, "out of memory");
	if (read_file(path, CONFIG_MAX, body, len) == 0) {
		/* Re-verify: a cached file is cheap to hash. */
		if (oci_sha256_digest(*body, *len, got) == 0 && !strcmp(got, digest)) {
			free(path);
			return 0;
		}
		free(*body);
		*body = NULL;
	}
	rc = oci_reg_blob_mem(reg, digest, CONFIG_MAX, body, len, err);
	if (rc == 0)
		(void)write_file_atomic(path, *body, *len); /* cache is best effort */
	free(path);
	return rc;
}

/* Make sure layer blob `digest` is in the blob cache; returns an open fd
 * positioned at 0 in *fd_out. */
static int get_layer(struct oci_puller *p, struct oci_reg *reg,
		     const char *digest, int *fd_out, struct oci_err *err)
{
	char *path = blob_path(p, digest), *tmp = NULL;
	int fd, rc = 0;

	*fd_out = -1;
	if (!path)
		return oci_err_set(err, OCI_E_NOMEM, "out of memory");
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		*fd_out = fd;
		goto out;
	}
	tmp = malloc(strlen(path) + 16);
	if (!tmp) {
		rc = oci_err_set(err, OCI_E_NOMEM, "out of memory");
		goto out;
	}
	sprintf(tmp, "%s.tmp.XXXXXX", path);
	fd = mkstemp(tmp);
	if (fd < 0) {
		rc = oci_err_set(err, OCI_E_IO, "cannot create %s: %s", tmp, strerror(errno));
		goto out;
	}
	rc = oci_reg_blob_fd(reg, digest, fd, err);
	if (rc == 0 && rename(tmp, path) < 0)
		rc = oci_err_set(err, OCI_E_IO, "cannot store blob %s: %s", digest,
				 strerror(errno));
	if (rc < 0) {
		close(fd);
		unlink(tmp);
		goto out;
	}
	if (lseek(fd, 0, SEEK_SET) < 0) {
		rc = oci_err_set(err, OCI_E_IO, "seek: %s", strerror(errno));
		close(fd);
		goto out;
	}
	*fd_out = fd;
out:
	free(tmp);
	free(path);
	return rc;
}

static int unpack_rootfs(struct oci_puller *p, struct oci_reg *reg,
			 const struct oci_manifest *m, char **diff_ids,
			 const char *final, oci_cancel_fn cancel, void *cancel_ud,
			 struct oci_err *err)
{
	char *tmp = oci_path_join(p->rootfs_dir, "tmp-XXXXXX");
	int rootfd = -1, rc = 0;
	size_t i;

	if (!tmp)
		return oci_err_set(err, OCI_E_NOMEM, "out of memory");
	if (!mkdtemp(tmp)) {
		rc = oci_err_set(err, OCI_E_IO, "cannot create %s: %s", tmp, strerror(errno));
		free(tmp);
		return rc;
	}
	rootfd = open(tmp, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0 || fchmod(rootfd, 0755) < 0) {
		rc = oci_err_set(err, OCI_E_IO, "cannot open %s: %s", tmp, strerror(errno));
		goto out;
	}
	for (i = 0; i < m->n_layers; i++) {
		int fd;

		if (cancel && cancel(cancel_ud)) {
			rc = oci_err_set(err, OCI_E_CANCELLED, "pull cancelled");
			goto out;
		}
		rc = get_layer(p, reg, m->layers[i].digest, &fd, err);
		if (rc < 0)
			goto out;
		rc = oci_layer_unpack(rootfd, fd, diff_ids[i], err);
		close(fd);
		if (rc < 0)
			goto out;
	}
	close(rootfd);
	rootfd = -1;
	if (rename(tmp, final) < 0) {
		if (errno == EEXIST || errno == ENOTEMPTY) {
			/* Another pull published the same image first. */
			(void)oci_fs_rm_rf(tmp);
		} else {
			rc = oci_err_set(err, OCI_E_IO, "cannot publish %s: %s", final,
					 strerror(errno));
		}
	}
out:
	if (rootfd >= 0)
		close(rootfd);
	if (rc < 0)
		(void)oci_fs_rm_rf(tmp);
	free(tmp);
	return rc;
}

int oci_pull(struct oci_puller *p, const char *image,
	     const struct oci_credentials *creds,
	     oci_cancel_fn cancel, void *cancel_ud,
	     struct oci_image **out, struct oci_err *err)
{
	struct oci_ref ref = { 0 };
	struct oci_reg_opts ro;
	struct oci_reg *reg = NULL;
	struct oci_manifest m = { 0 };
	struct oci_image *img = NULL;
	char *body = NULL, *ct = NULL, *mdigest = NULL, *cfg = NULL, *pick = NULL;
	struct oci_config conf = { 0 };
	size_t len = 0, cfglen = 0;
	struct stat st;
	int rc;

	*out = NULL;
	rc = oci_ref_parse(image, &ref, err);
	if (rc < 0)
		return rc;
	img = calloc(1, sizeof(*img));
	if (!img || !(img->reference = oci_ref_format(&ref))) {
		rc = oci_err_set(err, OCI_E_NOMEM, "out of memory");
		goto out;
	}
	memset(&ro, 0, sizeof(ro));
	ro.host = map_host(p, ref.registry);
	ro.plain_http = is_plain(p, ro.host);
	ro.repository = ref.repository;
	ro.display_ref = img->reference;
	ro.creds = creds;
	ro.cancel = cancel;
	ro.cancel_ud = cancel_ud;
	ro.connect_timeout_s = p->connect_timeout_s;
	ro.request_timeout_s = p->request_timeout_s;
	ro.user_agent = "sockerless-azure-sim/0.1";
	rc = oci_reg_open(&ro, &reg, err);
	if (rc < 0)
		goto out;

	rc = oci_reg_manifest(reg, ref.digest ? ref.digest : ref.tag, &body, &len, &ct,
			      &mdigest, err);
	if (rc < 0)
		goto out;
	switch (oci_doc_kind(ct, body, len)) {
	case OCI_DOC_INDEX:
		rc = oci_index_pick(body, len, "linux", "amd64", &pick, err);
		if (rc < 0)
			goto out;
		free(body);
		free(ct);
		free(mdigest);
		body = ct = mdigest = NULL;
		rc = oci_reg_manifest(reg, pick, &body, &len, &ct, &mdigest, err);
		if (rc < 0)
			goto out;
		if (oci_doc_kind(ct, body, len) != OCI_DOC_MANIFEST) {
			rc = oci_err_set(err, OCI_E_PROTOCOL,
					 "image index entry %s of \"%s\" is not an image manifest",
					 pick, img->reference);
			goto out;
		}
		break;
	case OCI_DOC_MANIFEST:
		break;
	default:
		rc = oci_err_set(err, OCI_E_PROTOCOL,
				 "unsupported manifest media type \"%s\" for \"%s\"",
				 ct ? ct : "(none)", img->reference);
		goto out;
	}
	rc = oci_manifest_parse(body, len, &m, err);
	if (rc < 0)
		goto out;
	rc = get_config(p, reg, m.config_digest, &cfg, &cfglen, err);
	if (rc < 0)
		goto out;
	rc = oci_config_parse(cfg, cfglen, &conf, err);
	if (rc < 0)
		goto out;
	if (oci_strv_len(conf.diff_ids) != m.n_layers) {
		rc = oci_err_set(err, OCI_E_PROTOCOL,
				 "image \"%s\": %zu layers but %zu diff_ids", img->reference,
				 m.n_layers, oci_strv_len(conf.diff_ids));
		goto out;
	}
	/* The image takes the runtime settings over from the parse. */
	img->entrypoint = conf.entrypoint;
	img->cmd = conf.cmd;
	img->env = conf.env;
	img->working_dir = conf.working_dir;
	img->user = conf.user;
	conf.entrypoint = conf.cmd = conf.env = NULL;
	conf.working_dir = conf.user = NULL;
	img->manifest_digest = mdigest;
	mdigest = NULL;
	img->config_digest = strdup(m.config_digest);
	img->rootfs = malloc(strlen(p->rootfs_dir) + 80);
	if (!img->config_digest || !img->rootfs) {
		rc = oci_err_set(err, OCI_E_NOMEM, "out of memory");
		goto out;
	}
	sprintf(img->rootfs, "%s/sha256-%s", p->rootfs_dir, m.config_digest + 7);
	if (stat(img->rootfs, &st) == 0 && S_ISDIR(st.st_mode))
		goto out; /* cached */
	rc = unpack_rootfs(p, reg, &m, conf.diff_ids, img->rootfs, cancel, cancel_ud, err);
out:
	if (rc == 0) {
		*out = img;
		img = NULL;
	}
	oci_image_free(img);
	oci_config_clear(&conf);
	oci_manifest_clear(&m);
	oci_reg_close(reg);
	oci_ref_clear(&ref);
	free(body);
	free(ct);
	free(mdigest);
	free(cfg);
	free(pick);
	return rc;
}
