// SPDX-License-Identifier: GPL-2.0
/*
 * POSIX timers of a process, made before its signal handler is
 * installed: a periodic CLOCK_MONOTONIC timer whose handler checks its
 * si_value and timer id, a CLOCK_REALTIME timer with most of a minute
 * left, one deleted (a gap in the ids), an absolute CLOCK_REALTIME timer
 * (TIMER_ABSTIME), a SIGEV_NONE interval timer on CLOCK_BOOTTIME, and a
 * disarmed one.  After restart each id names its timer with its time
 * left and interval, the periodic timer keeps firing, the absolute timer
 * expires at the same wall-clock time, the deleted id stays free, and
 * the next timer_create() gets the id it would have got.
 */
#include "zdtm.h"
#include <stdint.h>
#include <time.h>

#define TICK	(SIGRTMIN + 1)

static timer_t t[6];
static volatile sig_atomic_t ticks, wrong, late;

static void on_tick(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)uc;
	if (si->si_code != SI_TIMER || si->si_value.sival_int != 0x5eed ||
	    si->si_timerid != (int)(intptr_t)t[0])
		wrong = 1;
	ticks++;
}

static void on_late(int sig)
{
	(void)sig;
	late = 1;
}

static long long ns(const struct timespec *v)
{
	return v->tv_sec * 1000000000LL + v->tv_nsec;
}

static void make(int i, clockid_t c, int notify, int sig, int val)
{
	struct sigevent ev = {
		.sigev_notify = notify,
		.sigev_signo = sig,
		.sigev_value.sival_int = val,
	};

	if (timer_create(c, &ev, &t[i]))
		fail("timer_create %d: %s", i, strerror(errno));
}

static void arm(int i, int flags, time_t s, long n, time_t is)
{
	struct itimerspec v = { { is, 0 }, { s, n } };

	if (timer_settime(t[i], flags, &v, NULL))
		fail("timer_settime %d: %s", i, strerror(errno));
}

static struct itimerspec get(int i)
{
	struct itimerspec v;

	if (timer_gettime(t[i], &v))
		fail("timer_gettime %d after restart: %s", i, strerror(errno));
	return v;
}

int main(void)
{
	struct sigaction tick = { .sa_sigaction = on_tick,
				  .sa_flags = SA_SIGINFO | SA_RESTART };
	struct sigaction bad = { .sa_handler = on_late };
	struct itimerspec v, p = { { 0, 100000000 }, { 0, 100000000 } };
	struct timespec rt, ts;
	long long abs_ns;
	timer_t extra;
	int i, t0;

	test_init();
	make(0, CLOCK_MONOTONIC, SIGEV_SIGNAL, TICK, 0x5eed);
	make(1, CLOCK_REALTIME, SIGEV_SIGNAL, SIGUSR2, 1);
	make(2, CLOCK_MONOTONIC, SIGEV_SIGNAL, SIGUSR2, 2);
	make(3, CLOCK_REALTIME, SIGEV_SIGNAL, SIGUSR2, 3);
	make(4, CLOCK_BOOTTIME, SIGEV_NONE, 0, 4);
	make(5, CLOCK_MONOTONIC, SIGEV_SIGNAL, SIGUSR2, 5);
	if (timer_settime(t[0], 0, &p, NULL))
		fail("timer_settime: %s", strerror(errno));
	arm(1, 0, 60, 0, 0);
	arm(2, 0, 5, 0, 0);
	if (timer_delete(t[2]))
		fail("timer_delete: %s", strerror(errno));
	clock_gettime(CLOCK_REALTIME, &rt);
	rt.tv_sec += 120;
	abs_ns = ns(&rt);
	arm(3, TIMER_ABSTIME, rt.tv_sec, rt.tv_nsec, 0);
	arm(4, 0, 30, 0, 5);
	sigaction(TICK, &tick, NULL);
	sigaction(SIGUSR2, &bad, NULL);
	test_daemon();
	test_waitsig();

	t0 = ticks;
	for (i = 0; i < 200 && ticks < t0 + 3; i++)
		usleep(10000);
	if (ticks < t0 + 3)
		fail("the periodic timer stopped (%d ticks in 2 s)", ticks - t0);
	if (wrong)
		fail("a tick came without the timer's si_value or id");
	v = get(0);
	if (ns(&v.it_interval) != 100000000)
		fail("periodic timer: interval %lld ns", ns(&v.it_interval));
	v = get(1);
	if (ns(&v.it_value) < 30000000000LL || ns(&v.it_value) > 60000000000LL ||
	    ns(&v.it_interval))
		fail("one-shot timer: %lld ns left, not most of a minute",
		     ns(&v.it_value));
	if (!timer_gettime(t[2], &v) || errno != EINVAL)
		fail("the deleted timer's id names a timer after restart");
	v = get(3);
	clock_gettime(CLOCK_REALTIME, &ts);
	if (llabs(ns(&ts) + ns(&v.it_value) - abs_ns) > 1000000000LL)
		fail("absolute timer expires %lld ms away from its time",
		     (ns(&ts) + ns(&v.it_value) - abs_ns) / 1000000);
	v = get(4);
	if (!ns(&v.it_value) || ns(&v.it_value) > 30000000000LL ||
	    ns(&v.it_interval) != 5000000000LL)
		fail("SIGEV_NONE timer: %lld ns left, interval %lld ns",
		     ns(&v.it_value), ns(&v.it_interval));
	v = get(5);
	if (ns(&v.it_value) || ns(&v.it_interval))
		fail("the disarmed timer is armed");
	if (late)
		fail("a timer fired long before its time");
	if (timer_create(CLOCK_MONOTONIC, NULL, &extra))
		fail("timer_create after restart: %s", strerror(errno));
	if ((intptr_t)extra != (intptr_t)t[5] + 1)
		fail("a new timer got id %ld, not %ld", (long)(intptr_t)extra,
		     (long)(intptr_t)t[5] + 1);
	pass();
}
