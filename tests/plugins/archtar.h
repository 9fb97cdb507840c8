/*
 * archtar.h - a small tar writer and reader (ustar, with PAX records for
 * long or non-ASCII names, GNU long names read too) for the archive test
 * backend.  Bytes move through callbacks so the backend can use the host's
 * streams.
 */
#ifndef ARCHTAR_H
#define ARCHTAR_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Writes n bytes; returns 0 or a negative status. */
typedef int (*at_write_fn)(void *ctx, const void *buf, size_t n);
/* Reads up to n bytes; returns the count, 0 at the end, or negative. */
typedef ssize_t (*at_read_fn)(void *ctx, void *buf, size_t n);

struct at_entry {
	char type;            /* '0' file, '5' dir, '2' symlink, '1' hard link, other */
	char *name;           /* as stored, malloc'd */
	char *link;           /* link target, malloc'd or NULL */
	uint32_t mode;        /* permission bits (07777) */
	int64_t uid, gid, size, mtime;
};

void at_entry_clear(struct at_entry *e);

/* Writes one header (with a PAX record first when the name or link needs
 * one).  The content follows with at_write_data and at_write_pad. */
int at_write_header(at_write_fn w, void *ctx, const struct at_entry *e);
int at_write_pad(at_write_fn w, void *ctx, int64_t size);
/* The end-of-archive marker: two zero blocks. */
int at_write_end(at_write_fn w, void *ctx);

/* A reader over a byte source. */
struct at_reader {
	at_read_fn read;
	void *ctx;
	int64_t left;         /* content bytes of the current entry not read */
	int64_t pad;          /* padding after them */
	const char *error;    /* why the last call failed */
};

/*
 * The next entry.  Returns 1 with *e filled, 0 at the end marker, or a
 * negative status with r->error set: a source that ends before the end
 * marker is SL_EINVAL "unexpected EOF".
 */
int at_next(struct at_reader *r, struct at_entry *e);
/* Reads the current entry's content; 0 once it is all read. */
ssize_t at_read_data(struct at_reader *r, void *buf, size_t n);

#endif
