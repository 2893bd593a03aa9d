// SPDX-License-Identifier: GPL-2.0
/*
 * alarm() with 3 s left when the process is checkpointed, a SIGALRM
 * handler installed after arming it: after restart SIGALRM arrives about
 * 3 s later (the time left counts from the restart), once, and alarm(0)
 * then reports nothing left.
 */
#include "zdtm.h"
#include <time.h>

static volatile sig_atomic_t rang;

static void on_alarm(int sig)
{
	(void)sig;
	rang++;
}

static long now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

int main(void)
{
	struct sigaction sa = { .sa_handler = on_alarm };
	long t0;

	test_init();
	alarm(3);
	sigaction(SIGALRM, &sa, NULL);
	test_daemon();
	test_waitsig();
	t0 = now_ms();
	if (rang)
		fail("SIGALRM came before the time left had passed");
	while (!rang && now_ms() - t0 < 5000)
		usleep(10000);
	if (!rang)
		fail("no SIGALRM within 5 s of the restart");
	usleep(300000);
	if (rang != 1 || alarm(0) != 0)
		fail("SIGALRM %d times, or still armed", (int)rang);
	pass();
}
