// SPDX-License-Identifier: GPL-2.0
/*
 * Signals arriving every millisecond while the process is frozen and
 * checkpointed: a 1 ms POSIX timer and a 1 ms ITIMER_REAL, each with a
 * counting handler (an event loop's tick, a profiler's).  Each signal
 * wakes the frozen process in its freezer trap, which it does not leave:
 * the checkpoint must not take that for the process running, and after
 * restart both keep ticking.
 */
#include "zdtm.h"
#include <sys/time.h>
#include <time.h>

static volatile sig_atomic_t rt_ticks, alrm_ticks;

static void on_rt(int sig)
{
	(void)sig;
	rt_ticks++;
}

static void on_alrm(int sig)
{
	(void)sig;
	alrm_ticks++;
}

int main(void)
{
	struct sigaction rt = { .sa_handler = on_rt, .sa_flags = SA_RESTART };
	struct sigaction al = { .sa_handler = on_alrm, .sa_flags = SA_RESTART };
	struct sigevent ev = { .sigev_notify = SIGEV_SIGNAL,
			       .sigev_signo = SIGRTMIN + 4 };
	struct itimerspec ms = { { 0, 1000000 }, { 0, 1000000 } };
	struct itimerval ims = { { 0, 1000 }, { 0, 1000 } };
	int r0, a0, i;
	timer_t t;

	test_init();
	if (sigaction(SIGRTMIN + 4, &rt, NULL) || sigaction(SIGALRM, &al, NULL) ||
	    timer_create(CLOCK_MONOTONIC, &ev, &t) ||
	    timer_settime(t, 0, &ms, NULL) || setitimer(ITIMER_REAL, &ims, NULL))
		fail("setup: %s", strerror(errno));
	test_daemon();
	test_waitsig();

	r0 = rt_ticks;
	a0 = alrm_ticks;
	for (i = 0; i < 200 && (rt_ticks < r0 + 10 || alrm_ticks < a0 + 10); i++)
		usleep(10000);
	if (rt_ticks < r0 + 10 || alrm_ticks < a0 + 10)
		fail("ticks stopped: %d timer, %d alarm in 2 s", rt_ticks - r0,
		     alrm_ticks - a0);
	pass();
}
