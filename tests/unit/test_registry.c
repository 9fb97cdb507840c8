/* test_registry.c - unit tests of the registry client (core/registry/):
 * reference splitting, manifest, index and config parsing, digests,
 * loopback hosts. Its network side is tested with a fake registry by the
 * simulator's test_oci_pull and against a real one by tests/images.sh. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "oci_digest.h"
#include "oci_registry.h"
#include "oci_types.h"
#include "oci_manifest.h"
#include "oci_util.h"

/* ---- reference parsing ---- */

static void check_ref(const char *in, const char *reg, const char *repo,
		      const char *tag, const char *digest, const char *canon)
{
	struct oci_ref r;
	struct oci_err err = { { 0 } };
	char *s;

	assert_int_equal(oci_ref_parse(in, &r, &err), 0);
	assert_string_equal(r.registry, reg);
	assert_string_equal(r.repository, repo);
	if (tag)
		assert_string_equal(r.tag, tag);
	else
		assert_null(r.tag);
	if (digest)
		assert_string_equal(r.digest, digest);
	else
		assert_null(r.digest);
	s = oci_ref_format(&r);
	assert_string_equal(s, canon);
	free(s);
	oci_ref_clear(&r);
}

#define D64 "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

static void test_ref_parse(void **state)
{
	(void)state;
	check_ref("busybox", "docker.io", "library/busybox", "latest", NULL,
		  "docker.io/library/busybox:latest");
	check_ref("docker.io/library/busybox:1.36", "docker.io", "library/busybox", "1.36",
		  NULL, "docker.io/library/busybox:1.36");
	check_ref("index.docker.io/foo/bar", "docker.io", "foo/bar", "latest", NULL,
		  "docker.io/foo/bar:latest");
	check_ref("foo/bar:v1", "docker.io", "foo/bar", "v1", NULL, "docker.io/foo/bar:v1");
	check_ref("127.0.0.1:5000/library/busybox", "127.0.0.1:5000", "library/busybox",
		  "latest", NULL, "127.0.0.1:5000/library/busybox:latest");
	check_ref("localhost/x:y", "localhost", "x", "y", NULL, "localhost/x:y");
	check_ref("mcr.microsoft.com/k8se/quickstart-jobs:latest", "mcr.microsoft.com",
		  "k8se/quickstart-jobs", "latest", NULL,
		  "mcr.microsoft.com/k8se/quickstart-jobs:latest");
	check_ref("alpine@" D64, "docker.io", "library/alpine", NULL, D64,
		  "docker.io/library/alpine@" D64);
	check_ref("h.io:443/a/b-c__d.e:t1@" D64, "h.io:443", "a/b-c__d.e", "t1", D64,
		  "h.io:443/a/b-c__d.e:t1@" D64);
}

static void test_ref_invalid(void **state)
{
	static const char *const bad[] = {
		"", "Busybox", "busybox:bad tag", "x@sha256:abc", "a//b", "-x",
		"x:", "x@md5:0123", "ubuntu:-x", "a/B", "a/b_", NULL
	};
	struct oci_err err;
	struct oci_ref r;
	size_t i;

	(void)state;
	for (i = 0; bad[i]; i++) {
		err.msg[0] = '\0';
		assert_int_equal(oci_ref_parse(bad[i], &r, &err), OCI_E_INVALID);
		assert_non_null(strstr(err.msg, "invalid reference format"));
		assert_null(r.registry);
	}
	/* Names only: an image ID or a digest other than sha256 is refused. */
	assert_int_equal(oci_ref_parse(D64 + 7, &r, &err), OCI_E_INVALID);
	assert_non_null(strstr(err.msg, "image ID"));
	assert_int_equal(oci_ref_parse("x@sha512:" "0123456789abcdef0123456789abcdef"
				       "0123456789abcdef0123456789abcdef"
				       "0123456789abcdef0123456789abcdef"
				       "0123456789abcdef0123456789abcdef", &r, &err),
			 OCI_E_INVALID);
	assert_non_null(strstr(err.msg, "unsupported digest algorithm"));
	assert_null(r.registry);
	/* dockerd's message, from the one parser (core/imageref.c). */
	assert_int_equal(oci_ref_parse("Busybox", &r, &err), OCI_E_INVALID);
	assert_string_equal(err.msg,
			    "invalid reference format: repository name (library/Busybox) must be lowercase");
}

/* ---- documents ---- */

static const char index_json[] =
	"{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.index.v1+json\","
	"\"manifests\":["
	"{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"sha256:"
	"1111111111111111111111111111111111111111111111111111111111111111\",\"size\":1,"
	"\"platform\":{\"architecture\":\"arm64\",\"os\":\"linux\"}},"
	"{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"sha256:"
	"2222222222222222222222222222222222222222222222222222222222222222\",\"size\":1,"
	"\"platform\":{\"architecture\":\"amd64\",\"os\":\"linux\"}}]}";

static void test_index_pick(void **state)
{
	struct oci_err err = { { 0 } };
	char *d = NULL;

	(void)state;
	assert_int_equal(oci_doc_kind(NULL, index_json, strlen(index_json)), OCI_DOC_INDEX);
	assert_int_equal(oci_doc_kind(OCI_MT_DOCKER_LIST, "{}", 2), OCI_DOC_INDEX);
	assert_int_equal(oci_index_pick(index_json, strlen(index_json), "linux", "amd64", &d,
					&err), 0);
	assert_string_equal(d, "sha256:2222222222222222222222222222222222222222222222222222222222222222");
	free(d);
	assert_int_equal(oci_index_pick(index_json, strlen(index_json), "windows", "amd64",
					&d, &err), OCI_E_NOT_FOUND);
	assert_non_null(strstr(err.msg, "no matching manifest for windows/amd64"));
}

static void test_manifest_parse(void **state)
{
	static const char ok[] =
		"{\"schemaVersion\":2,\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\","
		"\"digest\":\"" D64 "\",\"size\":10},\"layers\":["
		"{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+gzip\",\"digest\":\"" D64 "\",\"size\":5},"
		"{\"mediaType\":\"application/vnd.docker.image.rootfs.diff.tar.gzip\",\"digest\":\"" D64 "\",\"size\":6}]}";
	static const char zstd[] =
		"{\"config\":{\"digest\":\"" D64 "\"},\"layers\":["
		"{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+zstd\",\"digest\":\"" D64 "\"}]}";
	static const char bzip2[] =
		"{\"config\":{\"digest\":\"" D64 "\"},\"layers\":["
		"{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+bzip2\",\"digest\":\"" D64 "\"}]}";
	struct oci_manifest m;
	struct oci_err err = { { 0 } };

	(void)state;
	assert_int_equal(oci_doc_kind(NULL, ok, strlen(ok)), OCI_DOC_MANIFEST);
	assert_int_equal(oci_doc_kind("application/vnd.docker.distribution.manifest.v1+prettyjws",
				      "{\"schemaVersion\":1}", 19), OCI_DOC_UNKNOWN);
	assert_int_equal(oci_manifest_parse(ok, strlen(ok), &m, &err), 0);
	assert_string_equal(m.config_digest, D64);
	assert_int_equal(m.n_layers, 2);
	assert_int_equal(m.layers[1].size, 6);
	oci_manifest_clear(&m);
	/* tar+zstd: an OCI layer type (image-spec media-types.md). */
	assert_int_equal(oci_manifest_parse(zstd, strlen(zstd), &m, &err), 0);
	assert_string_equal(m.layers[0].media_type, "application/vnd.oci.image.layer.v1.tar+zstd");
	oci_manifest_clear(&m);
	assert_int_equal(oci_manifest_parse(bzip2, strlen(bzip2), &m, &err), OCI_E_PROTOCOL);
	assert_non_null(strstr(err.msg, "tar+bzip2"));
	assert_int_equal(oci_manifest_parse("[]", 2, &m, &err), OCI_E_PROTOCOL);
}

static void test_config_parse(void **state)
{
	static const char cfg[] =
		"{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{"
		"\"Env\":[\"PATH=/bin\",\"A=b=c\"],\"Entrypoint\":[\"/bin/echo\",\"e\"],"
		"\"Cmd\":[],\"WorkingDir\":\"/w\",\"User\":\"1000:1000\"},"
		"\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"" D64 "\"]}}";
	static const char nocfg[] =
		"{\"config\":null,\"rootfs\":{\"diff_ids\":[]}}";
	struct oci_config c;
	struct oci_err err = { { 0 } };

	(void)state;
	assert_int_equal(oci_config_parse(cfg, strlen(cfg), &c, &err), 0);
	assert_int_equal(oci_strv_len(c.diff_ids), 1);
	assert_string_equal(c.env[1], "A=b=c");
	assert_string_equal(c.entrypoint[0], "/bin/echo");
	assert_non_null(c.cmd);
	assert_null(c.cmd[0]);
	assert_string_equal(c.working_dir, "/w");
	assert_string_equal(c.user, "1000:1000");
	oci_config_clear(&c);
	assert_null(c.env);
	assert_int_equal(oci_config_parse(nocfg, strlen(nocfg), &c, &err), 0);
	assert_null(c.entrypoint);
	assert_null(c.cmd);
	assert_non_null(c.diff_ids);
	oci_config_clear(&c);
	assert_int_equal(oci_config_parse("{}", 2, &c, &err), OCI_E_PROTOCOL);
	assert_null(c.diff_ids);
}

/* Loopback registries are contacted over plain HTTP, as dockerd does. */
static void test_loopback(void **state)
{
	(void)state;
	assert_true(oci_host_is_loopback("127.0.0.1:5000"));
	assert_true(oci_host_is_loopback("localhost"));
	assert_true(oci_host_is_loopback("LOCALHOST:80"));
	assert_true(oci_host_is_loopback("[::1]:5000"));
	assert_false(oci_host_is_loopback("127.example.com"));
	assert_false(oci_host_is_loopback("localhost.example:5000"));
	assert_false(oci_host_is_loopback("[::2]:5000"));
	assert_false(oci_host_is_loopback("docker.io"));
}

static void test_digest(void **state)
{
	char d[72];

	(void)state;
	assert_int_equal(oci_sha256_digest("abc", 3, d), 0);
	assert_string_equal(d, "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	assert_true(oci_digest_is_sha256(d));
	assert_false(oci_digest_is_sha256("sha256:BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD"));
	assert_false(oci_digest_is_sha256("sha512:00"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ref_parse),
		cmocka_unit_test(test_ref_invalid),
		cmocka_unit_test(test_index_pick),
		cmocka_unit_test(test_manifest_parse),
		cmocka_unit_test(test_config_parse),
		cmocka_unit_test(test_digest),
		cmocka_unit_test(test_loopback),
	};

	return cmocka_run_group_tests_name("oci_unit", tests, NULL, NULL);
}
