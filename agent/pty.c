/*
 * agent/pty.c - pseudo-terminals through posix_openpt, which a static
 * libc has (openpty lives in libutil on older systems).
 */
#include "agent.h"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

int
ag_pty_open(int *master, char *slave, size_t slavelen)
{
	int fd = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);

	if (fd < 0)
		return -1;
	/* ptsname_r: exec sessions open terminals from several threads. */
	if (grantpt(fd) < 0 || unlockpt(fd) < 0 ||
	    ptsname_r(fd, slave, slavelen) != 0) {
		close(fd);
		return -1;
	}
	*master = fd;
	return 0;
}

void
ag_pty_resize(int fd, unsigned rows, unsigned cols)
{
	struct winsize ws = { .ws_row = (unsigned short)rows,
		.ws_col = (unsigned short)cols };

	if (fd >= 0 && rows > 0 && cols > 0)
		(void)ioctl(fd, TIOCSWINSZ, &ws);
}
