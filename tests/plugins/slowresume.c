/*
 * slowresume.c - an LD_PRELOAD shim for tests/upgrade_close.sh.
 *
 * libmicrohttpd before 0.9.77 frees an upgraded connection in its own
 * thread as soon as both sides are done with it, while
 * MHD_upgrade_action(CLOSE) may still be on its way to writing to it in
 * MHD_resume_connection (see core/worker.c).  The window is a few
 * instructions wide; delaying MHD_resume_connection (which MHD calls
 * through its PLT, so a preloaded definition wins) widens it to
 * milliseconds, so a handful of hijacked sessions hit it every time.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <time.h>

struct MHD_Connection;

void MHD_resume_connection(struct MHD_Connection *c);

void MHD_resume_connection(struct MHD_Connection *c)
{
	static void (*real)(struct MHD_Connection *);
	struct timespec ts = {0, 3 * 1000 * 1000};

	if (!real)
		*(void **)&real = dlsym(RTLD_NEXT, "MHD_resume_connection");
	nanosleep(&ts, NULL);
	if (real)
		real(c);
}
