/*
 * detach.h - Docker's detach sequence on an attached stdin.
 *
 * The client detaches from attach or exec by typing a key sequence
 * (ctrl-p ctrl-q unless it chose another with detachKeys).  Bytes that
 * could begin the sequence are held back; they reach the process only if
 * the sequence breaks, as in Docker's escape proxy.
 */
#ifndef SL_DETACH_H
#define SL_DETACH_H

#include <stddef.h>

#define SL_DETACH_MAX 16

struct sl_detach {
	unsigned char keys[SL_DETACH_MAX];
	size_t n;          /* length of the sequence; 0 = never detach */
	size_t matched;    /* keys[0..matched) seen and held back */
};

/*
 * Parses Docker's format: comma-separated keys, each one character or
 * ctrl-@, ctrl-a..ctrl-z, ctrl-[, ctrl-\, ctrl-], ctrl-^, ctrl-_ (or DEL).
 * NULL or "" gives the default ctrl-p,ctrl-q.  Returns 0, or -1 for a
 * value Docker refuses (d is then left with no sequence).
 */
int sl_detach_parse(struct sl_detach *d, const char *spec);

/*
 * Feeds n client bytes.  Writes to out (room for n + SL_DETACH_MAX) the
 * bytes meant for the process and returns their count.  On a full match
 * sets *hit; the bytes after the sequence are dropped.
 */
size_t sl_detach_feed(struct sl_detach *d, const void *in, size_t n,
	void *out, int *hit);

/* At the end of input: writes the held bytes to out (room for
 * SL_DETACH_MAX) and returns their count. */
size_t sl_detach_release(struct sl_detach *d, void *out);

#endif
