/* test_oci_tar_fuzz.c - the layer reader against hostile input (issue 7
 * §4 acceptance): valid layers (plain, gzip, zstd) mutated by a
 * deterministic PRNG thousands of times - bit flips, random bytes,
 * truncations, numeric header fields set to extreme values, PAX records
 * with huge lengths. Each unpack must end in success or a clear error,
 * without a crash (run it under --enable-sanitizers for memory errors)
 * and without a single entry appearing outside the target root.
 * OCI_FUZZ_ITERATIONS and OCI_FUZZ_SEED override the defaults (the seed
 * of a failing run is printed, so it can be replayed). */
#include "config.h"

#include <dirent.h>
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

#include "oci_fs.h"
#include "oci_image.h"
#include "test_oci_tarb.h"

#define DEFAULT_ITERATIONS 5000

static uint64_t rng_state;

/* xorshift64*: small, deterministic, good enough to pick mutations. */
static uint64_t rng(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 2685821657736338717ULL;
}

static size_t rng_below(size_t n)
{
	return n ? (size_t)(rng() % n) : 0;
}

/* A layer using every feature the reader knows: directories, files,
 * symlinks (one climbing out), hard links, GNU and PAX long names, PAX
 * times and xattrs, whiteouts (plain and opaque), a FIFO, devices. */
static void seed_layer(struct tarb *t)
{
	char longname[300];

	memset(longname, 'l', 180);
	strcpy(longname + 180, "/long-file");
	tb_entry(t, "./", '5', 0755, NULL, NULL, 0);
	tb_entry(t, "etc/", '5', 0755, NULL, NULL, 0);
	tb_file(t, "etc/passwd", "root:x:0:0:root:/root:/bin/sh\n");
	tb_entry(t, "etc/hard", '1', 0644, "etc/passwd", NULL, 0);
	tb_entry(t, "up", '2', 0777, "../../..", NULL, 0);
	tb_file(t, "up/through", "x");
	tb_entry(t, "tmp/", '5', 01777, NULL, NULL, 0);
	tb_entry(t, "abs", '2', 0777, "/tmp", NULL, 0);
	tb_file(t, "abs/sl-fuzz-through-abs", "x");
	tb_entry(t, "././@LongLink", 'L', 0, NULL, longname, strlen(longname) + 1);
	tb_file(t, "gnu-long", "g");
	tb_pax(t, "path", longname);
	tb_file(t, "pax-long", "p");
	tb_pax(t, "mtime", "1600000000.5");
	tb_file(t, "timed", "t");
	tb_pax(t, "SCHILY.xattr.user.k", "v");
	tb_file(t, "xattr", "x");
	tb_entry(t, "etc/.wh.gone", '0', 0644, NULL, NULL, 0);
	tb_entry(t, "opq/.wh..wh..opq", '0', 0644, NULL, NULL, 0);
	tb_entry(t, "fifo", '6', 0600, NULL, NULL, 0);
	tb_dev(t, "dev/sda", '4', 8, 0);
	tb_file(t, "../../escape", "e");
	tb_end(t);
}

/* Where a header's numeric fields are, to aim mutations at them. */
static const size_t num_fields[][2] = {
	{ 100, 8 }, { 108, 8 }, { 116, 8 }, { 124, 12 }, { 136, 12 },
	{ 148, 8 }, { 329, 8 }, { 337, 8 },
};

static void mutate_number(unsigned char *p, size_t len)
{
	size_t h = rng_below(len / 512) * 512, f = rng_below(8), i;
	size_t off = h + num_fields[f][0], n = num_fields[f][1];

	if (off + n > len)
		return;
	switch (rng_below(4)) {
	case 0: /* all sevens: the largest octal value */
		memset(p + off, '7', n - 1);
		break;
	case 1: /* base-256, maybe negative */
		p[off] = rng_below(2) ? 0x80 : 0xff;
		for (i = 1; i < n; i++)
			p[off + i] = (unsigned char)rng();
		break;
	case 2: /* garbage digits */
		for (i = 0; i < n; i++)
			p[off + i] = (unsigned char)("0123456789 x\0"[rng_below(13)]);
		break;
	default: /* zero */
		memset(p + off, '0', n - 1);
		break;
	}
	/* Usually repair the checksum, so the parser gets past it. */
	if (f != 5 && rng_below(4)) {
		unsigned sum = 0;

		memset(p + h + 148, ' ', 8);
		for (i = 0; i < 512; i++)
			sum += p[h + i];
		snprintf((char *)p + h + 148, 8, "%06o", sum);
	}
}

/* Put a hostile PAX header in front of the layer. */
static void prepend_pax(struct tarb *out, const unsigned char *p, size_t len)
{
	static const char *const recs[] = {
		"99999999999999999999 path=x\n",
		"18446744073709551617 size=1\n",
		"40 size=99999999999999999999999999\n",
		"9999 path=short\n",
		"26 mtime=-99999999999999999\n",
		"20 uid=4294967296\n",
		"31 SCHILY.xattr.=no-name-at-all\n",
		"23 linkpath=/etc/shadow\n",
		"19 GNU.sparse.map=1\n",
		"30 GNU.sparse.size=999999999999\n",
		"\n\n\n",
		"1 \n",
	};
	const char *r = recs[rng_below(sizeof(recs) / sizeof(recs[0]))];

	tb_entry(out, "PaxHeaders/h", rng_below(2) ? 'x' : 'g', 0644, NULL, r, strlen(r));
	tb_add(out, p, len);
}

static void mutate(struct tarb *m, const unsigned char *src, size_t len)
{
	size_t i, n;

	m->len = 0;
	if (rng_below(8) == 0) {
		prepend_pax(m, src, len);
		return;
	}
	tb_add(m, src, len);
	n = 1 + rng_below(4);
	for (i = 0; i < n && m->len; i++) {
		switch (rng_below(5)) {
		case 0:
			m->p[rng_below(m->len)] ^= (unsigned char)(1u << rng_below(8));
			break;
		case 1:
			m->p[rng_below(m->len)] = (unsigned char)rng();
			break;
		case 2:
			m->len = rng_below(m->len + 1);
			break;
		case 3:
			mutate_number(m->p, m->len);
			break;
		default: { /* a run of random bytes */
			size_t at = rng_below(m->len), k = 1 + rng_below(64);

			for (; k && at < m->len; k--, at++)
				m->p[at] = (unsigned char)rng();
			break;
		}
		}
	}
}

/* 1 if dir holds exactly the one entry `only` (or nothing when NULL). */
static int holds_only(const char *dir, const char *only)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int ok = 1;

	if (!d)
		return 0;
	while ((de = readdir(d)) != NULL) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (!only || strcmp(de->d_name, only))
			ok = 0;
	}
	closedir(d);
	return ok;
}

/* The reader's notes (skipped device nodes) would repeat thousands of
 * times: silence stderr during the loop, and bring it back before any
 * failure is reported. */
static int quiet_stderr(void)
{
	int saved = dup(STDERR_FILENO), null = open("/dev/null", O_WRONLY);

	assert_true(saved >= 0 && null >= 0);
	assert_true(dup2(null, STDERR_FILENO) >= 0);
	close(null);
	return saved;
}

static void restore_stderr(int saved)
{
	if (saved < 0)
		return;
	dup2(saved, STDERR_FILENO);
}

static void test_tar_fuzz(void **state)
{
	struct tarb plain = { 0 }, m = { 0 };
	const char *env;
	char *gz, *zs, a[200], b[200];
	size_t gzlen, zslen;
	unsigned long iterations = DEFAULT_ITERATIONS, i, ok = 0;
	unsigned long long seed = 0x5eed0c1da7a5eedULL;
	int rootfd, quiet;

	(void)state;
	env = getenv("OCI_FUZZ_ITERATIONS");
	if (env && *env)
		iterations = strtoul(env, NULL, 10);
	env = getenv("OCI_FUZZ_SEED");
	if (env && *env)
		seed = strtoull(env, NULL, 0);
	rng_state = seed ? seed : 1;
	fprintf(stderr, "# tar fuzz: %lu iterations, OCI_FUZZ_SEED=%#llx\n", iterations, seed);
	seed_layer(&plain);
	gz = tb_gzip(plain.p, plain.len, &gzlen);
	zs = tb_zstd(plain.p, plain.len, &zslen);
	snprintf(a, sizeof(a), "%s/a", tb_tmpdir);
	snprintf(b, sizeof(b), "%s/a/b", tb_tmpdir);
	rootfd = open(tb_rootdir, O_RDONLY | O_DIRECTORY);
	assert_true(rootfd >= 0);
	/* The unmutated layers unpack: the mutations start from valid. */
	{
		struct oci_err err = { { 0 } };

		assert_int_equal(tb_unpack(plain.p, plain.len, NULL, &err), 0);
		assert_int_equal(tb_unpack(gz, gzlen, NULL, &err), 0);
		assert_int_equal(tb_unpack(zs, zslen, NULL, &err), 0);
		assert_int_equal(oci_fs_rm_children_at(rootfd, NULL, NULL), 0);
	}
	quiet = quiet_stderr();
	for (i = 0; i < iterations; i++) {
		struct oci_err err = { { 0 } };
		unsigned kind = (unsigned)rng_below(4);
		int rc;

		/* Mutate the tar, or the compressed bytes, or the tar and
		 * then compress it (the parser behind the decompressor). */
		if (kind == 0) {
			mutate(&m, plain.p, plain.len);
		} else if (kind == 1) {
			mutate(&m, (unsigned char *)gz, gzlen);
		} else if (kind == 2) {
			mutate(&m, (unsigned char *)zs, zslen);
		} else {
			struct tarb t = { 0 };
			size_t clen;
			char *c;

			mutate(&t, plain.p, plain.len);
			c = rng_below(2) ? tb_gzip(t.p, t.len, &clen) : tb_zstd(t.p, t.len, &clen);
			m.len = 0;
			tb_add(&m, c, clen);
			free(c);
			free(t.p);
		}
		rc = tb_unpack(m.p, m.len, NULL, &err);
		if (rc != 0 && (rc > OCI_E_INVALID || rc < OCI_E_CANCELLED || !err.msg[0]))
			restore_stderr(quiet);
		if (rc != 0 && (rc > OCI_E_INVALID || rc < OCI_E_CANCELLED || !err.msg[0]))
			fail_msg("iteration %lu (seed %#llx): status %d, message \"%s\"", i,
				 seed, rc, err.msg);
		if (rc == 0)
			ok++;
		/* Nothing beside the root at any level above it, nor where
		 * the absolute symlink points. */
		if (!holds_only(tb_tmpdir, "a") || !holds_only(a, "b") || !holds_only(b, "root") ||
		    tb_exists_in("/tmp", "sl-fuzz-through-abs") ||
		    tb_exists_in("/", "sl-fuzz-through-abs")) {
			restore_stderr(quiet);
			fail_msg("iteration %lu (seed %#llx): an entry escaped the root", i, seed);
		}
		assert_int_equal(oci_fs_rm_children_at(rootfd, NULL, NULL), 0);
	}
	restore_stderr(quiet);
	close(quiet);
	fprintf(stderr, "# tar fuzz: %lu unpacked, %lu refused\n", ok, iterations - ok);
	/* The mutations must leave both outcomes common, or the test only
	 * exercises one path. */
	assert_true(ok > iterations / 50);
	assert_true(iterations - ok > iterations / 50);
	close(rootfd);
	free(gz);
	free(zs);
	free(plain.p);
	free(m.p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_tar_fuzz, tb_make_tmp, tb_drop_tmp),
	};

	return cmocka_run_group_tests_name("oci_tar_fuzz", tests, NULL, NULL);
}
