/* run_lines.h - split a byte stream into lines for on_output. Lines end at
 * '\n'; a line longer than RUN_LINE_MAX bytes is emitted in RUN_LINE_MAX
 * pieces marked partial (like containerd's CRI log "P" records); an
 * unterminated tail is emitted by run_lines_flush() at end of stream. */
#ifndef SL_RUN_LINES_H
#define SL_RUN_LINES_H

#include <stddef.h>

#define RUN_LINE_MAX 16384

typedef void (*run_line_fn)(void *ud, const char *line, size_t len, int partial);

struct run_lines {
	char buf[RUN_LINE_MAX + 1]; /* +1 for the NUL handed to emit */
	size_t len;
};

/* Feed n bytes; emit is called for every complete line or full piece.
 * The line passed to emit is NUL terminated and valid only during the
 * call. */
void run_lines_feed(struct run_lines *l, const char *data, size_t n,
		    run_line_fn emit, void *ud);

/* Emit what is buffered (if anything) as a final, non-partial line. */
void run_lines_flush(struct run_lines *l, run_line_fn emit, void *ud);

#endif
