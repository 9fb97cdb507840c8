/*
 * restart.h - Docker's restart policies (--restart), applied by the core
 * for every backend as dockerd's restart manager applies them: after an
 * exit the policy asks to restart, the container is "restarting" for a
 * back-off (100 ms, doubled at each restart up to a minute, back to
 * 100 ms after a run of 10 s or more), then started again through the
 * backend's start hook, and RestartCount goes up.
 *
 * A user's stop or kill ends the policy until the next start; a user's
 * start clears RestartCount.  At the daemon's start, the containers that
 * ran before and whose policy asks (always; unless-stopped unless a user
 * stopped it; on-failure after a failure, under its maximum) are started.
 */
#ifndef SL_RESTART_H
#define SL_RESTART_H

#include <stdint.h>

#include "core/container.h"

/* Whether a container whose policy is `policy` (NULL, "", "no",
 * "always", "unless-stopped", "on-failure") and maximum `max` (0: none)
 * restarts after exiting with `exit_code`, having restarted `count`
 * times, `manual` if a user stopped it. */
int sl_restart_wanted(const char *policy, int64_t max, int count,
	int exit_code, int manual);

/* The back-off before the next restart, given the last one (0: none yet)
 * and how long the container ran. */
int sl_restart_backoff_ms(int last_ms, int64_t ran_ns);

/* At each exit the backend reports (after "die"): moves the container to
 * "restarting" and schedules its start when the policy asks.  Returns 1
 * if it did. */
int sl_restart_on_exit(struct sl_container *c);

/*
 * A user's stop (signo 0) or kill (signo): marks the container stopped by
 * a user and, as dockerd does for its stop signal or SIGKILL, ends the
 * policy for this run.  A pending restart is then dropped and the
 * container left exited: returns 1 in that case.
 */
int sl_restart_user_stop(struct sl_container *c, int signo);

/* A user's start: clears the stop mark, RestartCount and the back-off. */
void sl_restart_user_start(struct sl_container *c);

/* Drops a pending restart (docker rm -f), leaving the container exited.
 * Returns 1 if there was one. */
int sl_restart_cancel(struct sl_container *c);

/* Once the backend has recovered: schedules the containers the policy
 * restarts at the daemon's start. */
void sl_restart_resume(void);

/* Shutdown, after the calls are cancelled: pending restarts end, their
 * containers left exited (the next start of the daemon restarts them). */
void sl_restart_shutdown(void);

#endif
