/* run_lines.c - line splitting for container output. */
#include "config.h"

#include "run_lines.h"

#include <string.h>

static void emit_buf(struct run_lines *l, run_line_fn emit, void *ud, int partial)
{
	l->buf[l->len] = '\0';
	emit(ud, l->buf, l->len, partial);
	l->len = 0;
}

void run_lines_feed(struct run_lines *l, const char *data, size_t n,
		    run_line_fn emit, void *ud)
{
	while (n > 0) {
		const char *nl = memchr(data, '\n', n);
		size_t seg = nl ? (size_t)(nl - data) : n;

		while (seg > 0) {
			size_t room = RUN_LINE_MAX - l->len, take;

			/* Only a byte that does not fit makes the buffered
			 * piece partial, so a line of exactly RUN_LINE_MAX
			 * bytes stays one final line. */
			if (room == 0) {
				emit_buf(l, emit, ud, 1);
				room = RUN_LINE_MAX;
			}
			take = seg < room ? seg : room;
			memcpy(l->buf + l->len, data, take);
			l->len += take;
			data += take;
			n -= take;
			seg -= take;
		}
		if (nl) {
			emit_buf(l, emit, ud, 0);
			data++;
			n--;
		}
	}
}

void run_lines_flush(struct run_lines *l, run_line_fn emit, void *ud)
{
	if (l->len > 0)
		emit_buf(l, emit, ud, 0);
}
