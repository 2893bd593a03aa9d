// SPDX-License-Identifier: GPL-2.0
/*
 * Interval timers: ITIMER_REAL with a minute left and a 7 s interval,
 * ITIMER_VIRTUAL and ITIMER_PROF with CPU time left. After restart
 * getitimer() shows each still armed, the real timer with most of its
 * minute left (counted from the restart) and its interval, and the CPU
 * timers with no more CPU time left than before.
 */
#include "zdtm.h"
#include <sys/time.h>

static long ms(const struct timeval *t)
{
	return t->tv_sec * 1000 + t->tv_usec / 1000;
}

int main(void)
{
	struct itimerval real = { { 7, 0 }, { 60, 0 } };
	struct itimerval cpu = { { 0, 0 }, { 30, 0 } };
	struct itimerval v, p0;

	test_init();
	signal(SIGALRM, SIG_IGN);
	if (setitimer(ITIMER_REAL, &real, NULL) ||
	    setitimer(ITIMER_VIRTUAL, &cpu, NULL) ||
	    setitimer(ITIMER_PROF, &cpu, NULL))
		fail("setitimer: %s", strerror(errno));
	getitimer(ITIMER_PROF, &p0);
	test_daemon();
	test_waitsig();
	getitimer(ITIMER_REAL, &v);
	if (ms(&v.it_value) < 40000 || ms(&v.it_value) > 60000 ||
	    ms(&v.it_interval) != 7000)
		fail("ITIMER_REAL: %ld ms left, interval %ld ms",
		     ms(&v.it_value), ms(&v.it_interval));
	getitimer(ITIMER_VIRTUAL, &v);
	/* CPU timers read back rounded up to the tick. */
	if (!ms(&v.it_value) || ms(&v.it_value) > 30100)
		fail("ITIMER_VIRTUAL: %ld ms left", ms(&v.it_value));
	getitimer(ITIMER_PROF, &v);
	if (!ms(&v.it_value) || ms(&v.it_value) > ms(&p0.it_value) + 100)
		fail("ITIMER_PROF: %ld ms left, had %ld", ms(&v.it_value),
		     ms(&p0.it_value));
	pass();
}
