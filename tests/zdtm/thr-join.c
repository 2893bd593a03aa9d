// SPDX-License-Identifier: GPL-2.0
/*
 * Threads that end while the process is checkpointed, in another shape
 * than thr-exit: the main thread starts batches of joinable workers and
 * joins each (blocked in pthread_join() most of the time), while a second
 * long-lived thread counts. A checkpoint taken at any moment succeeds or
 * leaves the process running; after restart, batches keep being started
 * and joined and both counters keep rising.
 */
#include "zdtm.h"
#include <pthread.h>
#include <stdatomic.h>

#define BATCH 4

static atomic_long joined, ticks;

static void *work(void *a)
{
	volatile long n = 0;

	while (n < 20000)
		n++;
	return a;
}

static void *ticker(void *a)
{
	(void)a;
	for (;;) {
		atomic_fetch_add(&ticks, 1);
		usleep(1000);
	}
	return NULL;
}

/* Start and join batches of workers until n more were joined. */
static void batches(long n)
{
	long until = atomic_load(&joined) + n;
	pthread_t t[BATCH];
	int i;

	while (atomic_load(&joined) < until) {
		for (i = 0; i < BATCH; i++)
			if (pthread_create(&t[i], NULL, work, (void *)(long)i))
				fail("pthread_create: %s", strerror(errno));
		for (i = 0; i < BATCH; i++) {
			void *r;

			if (pthread_join(t[i], &r) || r != (void *)(long)i)
				fail("pthread_join of worker %d", i);
			atomic_fetch_add(&joined, 1);
		}
	}
}

int main(void)
{
	long before, tick;
	pthread_t tk;
	sigset_t term;

	test_init();
	if (pthread_create(&tk, NULL, ticker, NULL))
		fail("pthread_create: %s", strerror(errno));
	batches(40);
	test_daemon();
	/* Keep joining until SIGTERM (blocked: poll for it between batches). */
	sigemptyset(&term);
	sigaddset(&term, SIGTERM);
	for (;;) {
		struct timespec zero = { 0, 0 };

		batches(BATCH);
		if (sigtimedwait(&term, NULL, &zero) == SIGTERM)
			break;
	}
	before = atomic_load(&joined);
	tick = atomic_load(&ticks);
	batches(40);
	usleep(50000);
	if (atomic_load(&joined) < before + 40 || atomic_load(&ticks) <= tick)
		fail("workers %ld -> %ld, ticks %ld -> %ld", before,
		     atomic_load(&joined), tick, atomic_load(&ticks));
	pass();
}
