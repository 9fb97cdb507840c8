/* test_oci_unit.c - unit tests of the image puller's pieces: reference
 * parsing, tar unpacking (whiteouts, path traversal, formats), manifest,
 * index and config parsing. */
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
#include <zlib.h>

#include "oci_digest.h"
#include "oci_fs.h"
#include "oci_image.h"
#include "oci_manifest.h"
#include "oci_tar.h"
#include "oci_util.h"

/* ---- a tiny tar writer ---- */

struct tarb {
	unsigned char *p;
	size_t len, cap;
};

static void tb_add(struct tarb *t, const void *d, size_t n)
{
	if (t->len + n > t->cap) {
		t->cap = (t->len + n) * 2 + 4096;
		t->p = realloc(t->p, t->cap);
		assert_non_null(t->p);
	}
	memcpy(t->p + t->len, d, n);
	t->len += n;
}

/* n-1 octal digits, zero padded, then NUL. */
static void octal(char *dst, size_t n, unsigned long long v)
{
	size_t i;

	dst[n - 1] = '\0';
	for (i = n - 1; i-- > 0; v >>= 3)
		dst[i] = (char)('0' + (v & 7));
}

/* Append one entry; name must fit 100 bytes (use 'L'/'x' entries for
 * longer ones). */
static void tb_entry(struct tarb *t, const char *name, char type, unsigned mode,
		     const char *link, const char *data, size_t dlen)
{
	unsigned char h[512];
	unsigned sum = 0;
	size_t i;
	static const unsigned char zero[512];

	memset(h, 0, sizeof(h));
	strncpy((char *)h, name, 100);
	octal((char *)h + 100, 8, mode);
	octal((char *)h + 108, 8, 0);
	octal((char *)h + 116, 8, 0);
	octal((char *)h + 124, 12, dlen);
	octal((char *)h + 136, 12, 1700000000);
	h[156] = (unsigned char)type;
	if (link)
		strncpy((char *)h + 157, link, 100);
	memcpy(h + 257, "ustar\0" "00", 8);
	memset(h + 148, ' ', 8);
	for (i = 0; i < 512; i++)
		sum += h[i];
	octal((char *)h + 148, 7, sum);
	h[155] = ' ';
	tb_add(t, h, 512);
	if (dlen) {
		tb_add(t, data, dlen);
		tb_add(t, zero, (512 - dlen % 512) % 512);
	}
}

static void tb_file(struct tarb *t, const char *name, const char *data)
{
	tb_entry(t, name, '0', 0644, NULL, data, strlen(data));
}

static void tb_end(struct tarb *t)
{
	static const unsigned char zero[1024];

	tb_add(t, zero, sizeof(zero));
}

static char *gzip_buf(const unsigned char *in, size_t n, size_t *outlen)
{
	z_stream z;
	size_t cap = n + 1024;
	char *out = malloc(cap);

	assert_non_null(out);
	memset(&z, 0, sizeof(z));
	assert_int_equal(deflateInit2(&z, 6, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY), Z_OK);
	z.next_in = (unsigned char *)in;
	z.avail_in = (uInt)n;
	z.next_out = (unsigned char *)out;
	z.avail_out = (uInt)cap;
	assert_int_equal(deflate(&z, Z_FINISH), Z_STREAM_END);
	*outlen = cap - z.avail_out;
	deflateEnd(&z);
	return out;
}

/* ---- fixtures ---- */

static char tmpdir[64];
static char rootdir[128];

static int make_tmp(void **state)
{
	(void)state;
	strcpy(tmpdir, "/tmp/sl-oci-unit-XXXXXX");
	if (!mkdtemp(tmpdir))
		return -1;
	snprintf(rootdir, sizeof(rootdir), "%s/a/b/root", tmpdir);
	return oci_fs_mkdir_p(rootdir, 0755);
}

static int drop_tmp(void **state)
{
	(void)state;
	return oci_fs_rm_rf(tmpdir);
}

/* Unpack buf into rootdir; returns the puller status. */
static int unpack_buf(const void *buf, size_t n, const char *diff_id,
		      struct oci_err *err)
{
	char path[200];
	int fd, rootfd, rc;

	snprintf(path, sizeof(path), "%s/layer", tmpdir);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, buf, n), (ssize_t)n);
	assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
	rootfd = open(rootdir, O_RDONLY | O_DIRECTORY);
	assert_true(rootfd >= 0);
	rc = oci_layer_unpack(rootfd, fd, diff_id, err);
	close(rootfd);
	close(fd);
	unlink(path);
	return rc;
}

static int exists_in(const char *dir, const char *rel)
{
	char p[512];
	struct stat st;

	snprintf(p, sizeof(p), "%s/%s", dir, rel);
	return lstat(p, &st) == 0;
}

static char *slurp_in(const char *dir, const char *rel)
{
	char p[512];
	static char buf[4096];
	ssize_t n;
	int fd;

	snprintf(p, sizeof(p), "%s/%s", dir, rel);
	fd = open(p, O_RDONLY);
	if (fd < 0)
		return NULL;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	buf[n < 0 ? 0 : n] = '\0';
	return buf;
}

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
}

/* ---- tar ---- */

static void test_clean_path(void **state)
{
	static const char *const cases[][2] = {
		{ "../../etc/passwd", "etc/passwd" },
		{ "/a/./b/../c", "a/c" },
		{ "./", "" },
		{ "a/../../b", "b" },
		{ "..", "" },
		{ "a//b/", "a/b" },
		{ "/", "" },
		{ "a/b/../../../../x/y", "x/y" },
	};
	char out[64];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		oci_tar_clean_path(cases[i][0], out);
		assert_string_equal(out, cases[i][1]);
	}
}

static void test_unpack_basic(void **state)
{
	struct tarb t = { 0 };
	struct oci_err err = { { 0 } };
	char p[256];
	struct stat st, st2;

	(void)state;
	tb_entry(&t, "./", '5', 0755, NULL, NULL, 0);
	tb_entry(&t, "bin/", '5', 0755, NULL, NULL, 0);
	tb_entry(&t, "bin/tool", '0', 04755, NULL, "#!/bin/sh\n", 10);
	tb_entry(&t, "bin/sh", '2', 0777, "tool", NULL, 0);
	tb_entry(&t, "bin/hard", '1', 0644, "bin/tool", NULL, 0);
	tb_entry(&t, "deep/er/file", '0', 0600, NULL, "x", 1); /* parents implied */
	tb_entry(&t, "fifo", '6', 0600, NULL, NULL, 0);
	tb_end(&t);
	assert_int_equal(unpack_buf(t.p, t.len, NULL, &err), 0);
	snprintf(p, sizeof(p), "%s/bin/tool", rootdir);
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_mode & 07777, 04755);
	assert_int_equal(st.st_size, 10);
	assert_int_equal(st.st_mtime, 1700000000);
	assert_int_equal(st.st_nlink, 2);
	snprintf(p, sizeof(p), "%s/bin/hard", rootdir);
	assert_int_equal(stat(p, &st2), 0);
	assert_int_equal(st.st_ino, st2.st_ino);
	snprintf(p, sizeof(p), "%s/bin/sh", rootdir);
	assert_int_equal(lstat(p, &st), 0);
	assert_true(S_ISLNK(st.st_mode));
	assert_string_equal(slurp_in(rootdir, "deep/er/file"), "x");
	snprintf(p, sizeof(p), "%s/fifo", rootdir);
	assert_int_equal(lstat(p, &st), 0);
	assert_true(S_ISFIFO(st.st_mode));
	free(t.p);
}

static void test_unpack_traversal(void **state)
{
	struct tarb t = { 0 };
	struct oci_err err = { { 0 } };
	char outside[256];

	(void)state;
	tb_file(&t, "../../escape1", "1");
	tb_file(&t, "/abs", "2");
	/* An absolute symlink to the root, then a write through it. */
	tb_entry(&t, "evil", '2', 0777, "/", NULL, 0);
	tb_file(&t, "evil/through-abs", "3");
	/* A relative symlink climbing out, then a write through it. */
	tb_entry(&t, "up", '2', 0777, "../../../../../../..", NULL, 0);
	tb_file(&t, "up/through-rel", "4");
	tb_entry(&t, "updir", '2', 0777, "../..", NULL, 0);
	tb_entry(&t, "updir/sub/", '5', 0755, NULL, NULL, 0);
	tb_file(&t, "updir/sub/f", "5");
	tb_end(&t);
	assert_int_equal(unpack_buf(t.p, t.len, NULL, &err), 0);
	/* Everything landed inside the root... */
	assert_string_equal(slurp_in(rootdir, "escape1"), "1");
	assert_string_equal(slurp_in(rootdir, "abs"), "2");
	assert_string_equal(slurp_in(rootdir, "through-abs"), "3");
	assert_string_equal(slurp_in(rootdir, "through-rel"), "4");
	assert_string_equal(slurp_in(rootdir, "sub/f"), "5");
	/* ...and nothing outside it. */
	snprintf(outside, sizeof(outside), "%s/a", tmpdir);
	assert_false(exists_in(outside, "escape1"));
	assert_false(exists_in(tmpdir, "escape1"));
	assert_false(exists_in(tmpdir, "through-rel"));
	assert_false(exists_in(tmpdir, "sub"));
	assert_false(exists_in("/", "through-abs"));
	assert_false(exists_in("/", "through-rel"));
	free(t.p);
}

static void test_unpack_hardlink_escape(void **state)
{
	struct tarb t = { 0 };
	struct oci_err err = { { 0 } };
	char victim[256];
	struct stat st;
	int fd;

	(void)state;
	/* A file outside the root that a malicious hard link aims at. */
	snprintf(victim, sizeof(victim), "%s/a/victim", tmpdir);
	fd = open(victim, O_WRONLY | O_CREAT, 0600);
	assert_true(fd >= 0);
	close(fd);
	tb_entry(&t, "hl", '1', 0644, "../../victim", NULL, 0);
	tb_end(&t);
	/* "../../victim" is cleaned to "victim" inside the root, which does
	 * not exist: the link fails instead of reaching outside. */
	assert_int_equal(unpack_buf(t.p, t.len, NULL, &err), OCI_E_IO);
	assert_non_null(strstr(err.msg, "link"));
	assert_int_equal(stat(victim, &st), 0);
	assert_int_equal(st.st_nlink, 1);
	free(t.p);
}

static void test_unpack_whiteouts(void **state)
{
	struct tarb l1 = { 0 }, l2 = { 0 };
	struct oci_err err = { { 0 } };

	(void)state;
	tb_file(&l1, "d/a", "a");
	tb_file(&l1, "d/b", "b");
	tb_file(&l1, "o/x", "x");
	tb_file(&l1, "o/sub/y", "y");
	tb_file(&l1, "gone-dir/z", "z");
	tb_end(&l1);
	assert_int_equal(unpack_buf(l1.p, l1.len, NULL, &err), 0);

	tb_entry(&l2, "d/.wh.a", '0', 0, NULL, NULL, 0);
	tb_file(&l2, "d/c", "c");
	tb_entry(&l2, "d/.wh.c", '0', 0, NULL, NULL, 0); /* same layer: kept */
	tb_entry(&l2, "o/.wh..wh..opq", '0', 0, NULL, NULL, 0);
	tb_file(&l2, "o/new", "n");
	tb_entry(&l2, ".wh.gone-dir", '0', 0, NULL, NULL, 0);
	tb_entry(&l2, "nothere/.wh.x", '0', 0, NULL, NULL, 0); /* harmless */
	tb_end(&l2);
	assert_int_equal(unpack_buf(l2.p, l2.len, NULL, &err), 0);

	assert_false(exists_in(rootdir, "d/a"));
	assert_true(exists_in(rootdir, "d/b"));
	assert_true(exists_in(rootdir, "d/c"));
	assert_false(exists_in(rootdir, "d/.wh.a"));
	assert_false(exists_in(rootdir, "o/x"));
	assert_false(exists_in(rootdir, "o/sub"));
	assert_true(exists_in(rootdir, "o/new"));
	assert_false(exists_in(rootdir, "o/.wh..wh..opq"));
	assert_false(exists_in(rootdir, "gone-dir"));
	free(l1.p);
	free(l2.p);
}

static void test_unpack_replace(void **state)
{
	struct tarb l1 = { 0 }, l2 = { 0 };
	struct oci_err err = { { 0 } };
	char p[256];
	struct stat st;

	(void)state;
	tb_file(&l1, "f", "old");
	tb_file(&l1, "dir/x", "x");
	tb_entry(&l1, "link", '2', 0777, "/nowhere", NULL, 0);
	tb_end(&l1);
	assert_int_equal(unpack_buf(l1.p, l1.len, NULL, &err), 0);
	tb_file(&l2, "f", "new");
	tb_file(&l2, "dir", "now a file");
	tb_file(&l2, "link", "regular"); /* must not follow the old symlink */
	/* No end-of-archive blocks: some writers (umoci) omit them. */
	assert_int_equal(unpack_buf(l2.p, l2.len, NULL, &err), 0);
	assert_string_equal(slurp_in(rootdir, "f"), "new");
	assert_string_equal(slurp_in(rootdir, "dir"), "now a file");
	snprintf(p, sizeof(p), "%s/link", rootdir);
	assert_int_equal(lstat(p, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_false(exists_in("/", "nowhere"));
	free(l1.p);
	free(l2.p);
}

static void test_unpack_long_names(void **state)
{
	struct tarb t = { 0 };
	struct oci_err err = { { 0 } };
	char longname[300], rec[400], pax[512];
	size_t n;

	(void)state;
	memset(longname, 'n', 150);
	strcpy(longname + 150, "/gnu-file");
	tb_entry(&t, "././@LongLink", 'L', 0, NULL, longname, strlen(longname) + 1);
	tb_file(&t, "truncated", "g");
	/* PAX path record: "<len> path=<value>\n", len counts itself. */
	snprintf(rec, sizeof(rec), "path=%.*s/pax-file\n", 120, longname);
	n = strlen(rec) + 4; /* 3 digits + space */
	snprintf(pax, sizeof(pax), "%zu %s", n, rec);
	assert_int_equal(strlen(pax), n);
	tb_entry(&t, "PaxHeaders/x", 'x', 0, NULL, pax, strlen(pax));
	tb_file(&t, "short", "p");
	tb_end(&t);
	assert_int_equal(unpack_buf(t.p, t.len, NULL, &err), 0);
	assert_string_equal(slurp_in(rootdir, longname), "g");
	snprintf(rec, sizeof(rec), "%.*s/pax-file", 120, longname);
	assert_string_equal(slurp_in(rootdir, rec), "p");
	assert_false(exists_in(rootdir, "truncated"));
	assert_false(exists_in(rootdir, "short"));
	free(t.p);
}

static void test_unpack_gzip_diffid(void **state)
{
	struct tarb t = { 0 };
	struct oci_err err = { { 0 } };
	char diff[72];
	char *gz;
	size_t gzlen;

	(void)state;
	tb_file(&t, "hello", "world");
	tb_end(&t);
	assert_int_equal(oci_sha256_digest(t.p, t.len, diff), 0);
	gz = gzip_buf(t.p, t.len, &gzlen);
	assert_int_equal(unpack_buf(gz, gzlen, diff, &err), 0);
	assert_string_equal(slurp_in(rootdir, "hello"), "world");
	/* Same bytes, wrong diff id: refused. */
	assert_int_equal(unpack_buf(gz, gzlen, D64, &err), OCI_E_PROTOCOL);
	assert_non_null(strstr(err.msg, "diff_id"));
	/* Truncated gzip stream: refused. */
	assert_int_equal(unpack_buf(gz, gzlen / 2, NULL, &err), OCI_E_PROTOCOL);
	free(gz);
	free(t.p);
}

static void test_unpack_no_padding(void **state)
{
	struct tarb t = { 0 };
	struct oci_err err = { { 0 } };

	(void)state;
	tb_file(&t, "first", "1");
	tb_file(&t, "last", "abc");
	/* The data of the last entry ends the stream: no padding, no end
	 * blocks (as umoci writes layers). Go's reader accepts it. */
	t.len -= 509;
	assert_int_equal(unpack_buf(t.p, t.len, NULL, &err), 0);
	assert_string_equal(slurp_in(rootdir, "last"), "abc");
	/* Part of the padding present: a truncated archive. */
	assert_int_equal(unpack_buf(t.p, t.len + 100, NULL, &err), OCI_E_PROTOCOL);
	free(t.p);
}

static void test_unpack_bad_input(void **state)
{
	struct tarb t = { 0 };
	struct oci_err err = { { 0 } };
	static const unsigned char zstd[] = { 0x28, 0xb5, 0x2f, 0xfd, 0, 0, 0, 0 };

	(void)state;
	tb_file(&t, "x", "y");
	tb_end(&t);
	t.p[150] ^= 0x55; /* break the header checksum */
	assert_int_equal(unpack_buf(t.p, t.len, NULL, &err), OCI_E_PROTOCOL);
	assert_non_null(strstr(err.msg, "checksum"));
	assert_int_equal(unpack_buf(zstd, sizeof(zstd), NULL, &err), OCI_E_PROTOCOL);
	assert_non_null(strstr(err.msg, "zstd"));
	assert_int_equal(unpack_buf(t.p, 700, NULL, &err), OCI_E_PROTOCOL); /* truncated */
	free(t.p);
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
	assert_int_equal(oci_manifest_parse(zstd, strlen(zstd), &m, &err), OCI_E_PROTOCOL);
	assert_non_null(strstr(err.msg, "tar+zstd"));
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
	struct oci_image img;
	struct oci_err err = { { 0 } };
	char **ids = NULL;

	(void)state;
	memset(&img, 0, sizeof(img));
	assert_int_equal(oci_config_parse(cfg, strlen(cfg), &img, &ids, &err), 0);
	assert_int_equal(oci_strv_len(ids), 1);
	assert_string_equal(img.env[1], "A=b=c");
	assert_string_equal(img.entrypoint[0], "/bin/echo");
	assert_non_null(img.cmd);
	assert_null(img.cmd[0]);
	assert_string_equal(img.working_dir, "/w");
	assert_string_equal(img.user, "1000:1000");
	oci_strv_free(ids);
	oci_strv_free(img.env);
	oci_strv_free(img.entrypoint);
	oci_strv_free(img.cmd);
	free(img.working_dir);
	free(img.user);
	memset(&img, 0, sizeof(img));
	assert_int_equal(oci_config_parse(nocfg, strlen(nocfg), &img, &ids, &err), 0);
	assert_null(img.entrypoint);
	assert_null(img.cmd);
	oci_strv_free(ids);
	assert_int_equal(oci_config_parse("{}", 2, &img, &ids, &err), OCI_E_PROTOCOL);
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
		cmocka_unit_test(test_clean_path),
		cmocka_unit_test_setup_teardown(test_unpack_basic, make_tmp, drop_tmp),
		cmocka_unit_test_setup_teardown(test_unpack_traversal, make_tmp, drop_tmp),
		cmocka_unit_test_setup_teardown(test_unpack_hardlink_escape, make_tmp, drop_tmp),
		cmocka_unit_test_setup_teardown(test_unpack_whiteouts, make_tmp, drop_tmp),
		cmocka_unit_test_setup_teardown(test_unpack_replace, make_tmp, drop_tmp),
		cmocka_unit_test_setup_teardown(test_unpack_long_names, make_tmp, drop_tmp),
		cmocka_unit_test_setup_teardown(test_unpack_gzip_diffid, make_tmp, drop_tmp),
		cmocka_unit_test_setup_teardown(test_unpack_no_padding, make_tmp, drop_tmp),
		cmocka_unit_test_setup_teardown(test_unpack_bad_input, make_tmp, drop_tmp),
		cmocka_unit_test(test_index_pick),
		cmocka_unit_test(test_manifest_parse),
		cmocka_unit_test(test_config_parse),
		cmocka_unit_test(test_digest),
	};

	return cmocka_run_group_tests_name("oci_unit", tests, NULL, NULL);
}
