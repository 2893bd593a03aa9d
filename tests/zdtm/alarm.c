// SPDX-License-Identifier: GPL-2.0
/*
 * alarm() with 3 s left when the process is checkpointed, a SIGALRM
 * handler installed after arming it: after restart SIGALRM arrives about
 * 3 s later (the time left counts from the restart), once, and alarm(0)
 * then reports nothing left.  How long the harness takes between the
 * restart and its wake-up signal is not known, so the handler notes when
 * it ran: never less than 3 s of the process's life after alarm(3).
 */
#include "zdtm.h"
#include <time.h>

static volatile sig_atomic_t rang;
static volatile long rang_at;

static long now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static void on_alarm(int sig)
{
	(void)sig;
	if (!rang)
		rang_at = now_ms();
	rang++;
}

int main(void)
{
	struct sigaction sa = { .sa_handler = on_alarm };
	long armed, t0;

	test_init();
	armed = now_ms();
	alarm(3);
	sigaction(SIGALRM, &sa, NULL);
	test_daemon();
	test_waitsig();
	t0 = now_ms();
	while (!rang && now_ms() - t0 < 5000)
		usleep(10000);
	if (!rang)
		fail("no SIGALRM within 5 s of the restart");
	if (rang_at - armed < 2900)
		fail("SIGALRM %ld ms after alarm(3)", rang_at - armed);
	usleep(300000);
	if (rang != 1 || alarm(0) != 0)
		fail("SIGALRM %d times, or still armed", (int)rang);
	pass();
}
