/* test_oci_tarb.c - tar writer and scratch root for the layer tests
 * (see test_oci_tarb.h). */
#include "config.h"

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

#include <archive.h>
#include <archive_entry.h>
#include <cmocka.h>

#include "oci_fs.h"
#include "oci_tar.h"
#include "test_oci_tarb.h"

/* ---- a tiny tar writer ---- */

void tb_add(struct tarb *t, const void *d, size_t n)
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

static void tb_header(struct tarb *t, const char *name, char type, unsigned mode,
		      const char *link, size_t dlen, unsigned major, unsigned minor)
{
	unsigned char h[512];
	unsigned sum = 0;
	size_t i;

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
	octal((char *)h + 329, 8, major);
	octal((char *)h + 337, 8, minor);
	memset(h + 148, ' ', 8);
	for (i = 0; i < 512; i++)
		sum += h[i];
	octal((char *)h + 148, 7, sum);
	h[155] = ' ';
	tb_add(t, h, 512);
}

void tb_entry(struct tarb *t, const char *name, char type, unsigned mode,
	      const char *link, const char *data, size_t dlen)
{
	static const unsigned char zero[512];

	tb_header(t, name, type, mode, link, dlen, 0, 0);
	if (dlen) {
		tb_add(t, data, dlen);
		tb_add(t, zero, (512 - dlen % 512) % 512);
	}
}

void tb_file(struct tarb *t, const char *name, const char *data)
{
	tb_entry(t, name, '0', 0644, NULL, data, strlen(data));
}

void tb_end(struct tarb *t)
{
	static const unsigned char zero[1024];

	tb_add(t, zero, sizeof(zero));
}

void tb_dev(struct tarb *t, const char *name, char type, unsigned major,
	    unsigned minor)
{
	tb_header(t, name, type, 0600, NULL, 0, major, minor);
}

static size_t ndigits(size_t n)
{
	size_t d = 1;

	while (n >= 10) {
		n /= 10;
		d++;
	}
	return d;
}

void tb_pax(struct tarb *t, const char *key, const char *value)
{
	char rec[1024];
	size_t body = strlen(key) + strlen(value) + 3, n = body + 1;

	/* "<len> key=value\n", where len counts its own digits. */
	while (n != body + ndigits(n))
		n = body + ndigits(n);
	assert_int_equal(snprintf(rec, sizeof(rec), "%zu %s=%s\n", n, key, value), (int)n);
	tb_entry(t, "PaxHeaders/x", 'x', 0644, NULL, rec, n);
}

/* libarchive's raw writer with one compression filter: a bare gzip
 * member or zstd frame, as a registry stores a compressed layer. */
static char *compress_with(int (*add_filter)(struct archive *), const void *buf,
			   size_t n, size_t *outlen)
{
	struct archive *a = archive_write_new();
	struct archive_entry *e = archive_entry_new();
	size_t cap = n + 4096;
	char *out = malloc(cap);

	assert_non_null(a);
	assert_non_null(e);
	assert_non_null(out);
	assert_int_equal(add_filter(a), ARCHIVE_OK);
	assert_int_equal(archive_write_set_format_raw(a), ARCHIVE_OK);
	assert_int_equal(archive_write_set_bytes_in_last_block(a, 1), ARCHIVE_OK);
	assert_int_equal(archive_write_open_memory(a, out, cap, outlen), ARCHIVE_OK);
	archive_entry_set_pathname(e, "layer");
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_size(e, (la_int64_t)n);
	assert_int_equal(archive_write_header(a, e), ARCHIVE_OK);
	assert_int_equal(archive_write_data(a, buf, n), (la_ssize_t)n);
	assert_int_equal(archive_write_close(a), ARCHIVE_OK);
	archive_write_free(a);
	archive_entry_free(e);
	return out;
}

char *tb_gzip(const void *buf, size_t n, size_t *outlen)
{
	return compress_with(archive_write_add_filter_gzip, buf, n, outlen);
}

char *tb_zstd(const void *buf, size_t n, size_t *outlen)
{
	return compress_with(archive_write_add_filter_zstd, buf, n, outlen);
}

/* ---- fixtures ---- */

char tb_tmpdir[64];
char tb_rootdir[128];

int tb_make_tmp(void **state)
{
	(void)state;
	strcpy(tb_tmpdir, "/tmp/sl-oci-unit-XXXXXX");
	if (!mkdtemp(tb_tmpdir))
		return -1;
	snprintf(tb_rootdir, sizeof(tb_rootdir), "%s/a/b/root", tb_tmpdir);
	return oci_fs_mkdir_p(tb_rootdir, 0755);
}

int tb_drop_tmp(void **state)
{
	(void)state;
	return oci_fs_rm_rf(tb_tmpdir);
}

int tb_unpack(const void *buf, size_t n, const char *diff_id, struct oci_err *err)
{
	char path[200];
	int fd, rootfd, rc;

	snprintf(path, sizeof(path), "%s/layer", tb_tmpdir);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, buf, n), (ssize_t)n);
	assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
	rootfd = open(tb_rootdir, O_RDONLY | O_DIRECTORY);
	assert_true(rootfd >= 0);
	rc = oci_layer_unpack(rootfd, fd, diff_id, err);
	close(rootfd);
	close(fd);
	unlink(path);
	return rc;
}

int tb_exists_in(const char *dir, const char *rel)
{
	char p[512];
	struct stat st;

	snprintf(p, sizeof(p), "%s/%s", dir, rel);
	return lstat(p, &st) == 0;
}

char *tb_slurp_in(const char *dir, const char *rel)
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
