/* test_oci_tarb.h - what the layer tests share: a small tar writer (so a
 * test can build exactly the hostile header it needs), gzip and zstd
 * compression of a buffer, and a scratch root to unpack into. Test code
 * only: failures abort the test through cmocka. */
#ifndef SL_TEST_OCI_TARB_H
#define SL_TEST_OCI_TARB_H

#include <stddef.h>

#include "oci_image.h"

struct tarb {
	unsigned char *p;
	size_t len, cap;
};

/* Append raw bytes. */
void tb_add(struct tarb *t, const void *d, size_t n);

/* Append one ustar entry (header, data, padding); name and link must fit
 * 100 bytes (use 'L' or 'x' entries for longer ones). */
void tb_entry(struct tarb *t, const char *name, char type, unsigned mode,
	      const char *link, const char *data, size_t dlen);

/* Same with device numbers (types '3' and '4'). */
void tb_dev(struct tarb *t, const char *name, char type, unsigned major,
	    unsigned minor);

/* A PAX 'x' header carrying the record "key=value" for the next entry. */
void tb_pax(struct tarb *t, const char *key, const char *value);

/* A regular file with the given text. */
void tb_file(struct tarb *t, const char *name, const char *data);

/* The two zero blocks that end an archive. */
void tb_end(struct tarb *t);

/* Compress buf; heap result the caller frees, length in *outlen. */
char *tb_gzip(const void *buf, size_t n, size_t *outlen);
char *tb_zstd(const void *buf, size_t n, size_t *outlen);

/* The scratch tree: tb_tmpdir/a/b/root is the root layers go into, so a
 * write that escapes it by a level or two lands where a test looks. */
extern char tb_tmpdir[64];
extern char tb_rootdir[128];

/* cmocka setup and teardown making and removing the scratch tree. */
int tb_make_tmp(void **state);
int tb_drop_tmp(void **state);

/* Unpack buf into tb_rootdir; returns the puller status. */
int tb_unpack(const void *buf, size_t n, const char *diff_id, struct oci_err *err);

/* 1 if dir/rel exists (not following a final symlink). */
int tb_exists_in(const char *dir, const char *rel);

/* Content of the file dir/rel (a static buffer), or NULL. */
char *tb_slurp_in(const char *dir, const char *rel);

#endif
