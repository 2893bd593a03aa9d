// SPDX-License-Identifier: GPL-2.0
/*
 * A process whose threads keep starting and exiting (short-lived workers,
 * as a thread pool does under load): a checkpoint taken at any moment
 * must either succeed or leave the process running; after restart the
 * workers keep coming and going and the total keeps rising.
 */
#include "zdtm.h"
#include <pthread.h>
#include <stdatomic.h>

static atomic_long done;

static void *work(void *a)
{
	(void)a;
	atomic_fetch_add(&done, 1);
	return NULL;
}

static void *spawner(void *a)
{
	(void)a;
	for (;;) {
		pthread_t t;

		if (!pthread_create(&t, NULL, work, NULL))
			pthread_detach(t);
	}
	return NULL;
}

int main(void)
{
	pthread_t s;
	long d;

	test_init();
	if (pthread_create(&s, NULL, spawner, NULL))
		fail("pthread_create");
	while (atomic_load(&done) < 100)
		usleep(1000);
	test_daemon();
	test_waitsig();
	d = atomic_load(&done);
	usleep(200000);
	if (atomic_load(&done) <= d)
		fail("no worker finished after restart (%ld)", d);
	pass();
}
