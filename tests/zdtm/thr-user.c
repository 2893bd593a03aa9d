// SPDX-License-Identifier: GPL-2.0
/*
 * Threads of a process owned by an ordinary user: the process drops root
 * (uid/gid 1000) first, then starts a thread that loops counting and one
 * that blocks in a futex wait. After restart both are alive: the counter
 * moves and the waiter wakes on FUTEX_WAKE.
 */
#include "zdtm.h"
#include <linux/futex.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sys/syscall.h>

#ifndef ZDTM_LATE
#define ZDTM_LATE 0
#endif

static atomic_long counter;
static atomic_int futex_word, woken;

static void *count(void *a)
{
	(void)a;
	for (;;)
		atomic_fetch_add(&counter, 1);
	return NULL;
}

static void *wait_futex(void *a)
{
	(void)a;
	while (atomic_load(&futex_word) == 0)
		syscall(SYS_futex, &futex_word, FUTEX_WAIT_PRIVATE, 0, NULL,
			NULL, 0);
	atomic_store(&woken, 1);
	return NULL;
}

int main(void)
{
	pthread_t t1, t2;
	long c;
	int i;

	test_init();
	/* thr-late.c: start the threads before dropping root. */
	if (ZDTM_LATE) {
		if (pthread_create(&t1, NULL, count, NULL) ||
		    pthread_create(&t2, NULL, wait_futex, NULL))
			fail("pthread_create");
	}
	if (setresgid(1000, 1000, 1000) || setresuid(1000, 1000, 1000))
		fail("dropping root: %s", strerror(errno));
	if (!ZDTM_LATE) {
		if (pthread_create(&t1, NULL, count, NULL) ||
		    pthread_create(&t2, NULL, wait_futex, NULL))
			fail("pthread_create");
	}
	while (atomic_load(&counter) == 0)
		usleep(1000);
	test_daemon();
	test_waitsig();
	if (getuid() != 1000 || geteuid() != 1000 || getgid() != 1000)
		fail("ids are %d/%d/%d", getuid(), geteuid(), getgid());
	c = atomic_load(&counter);
	usleep(100000);
	if (atomic_load(&counter) == c)
		fail("the counting thread is not running");
	atomic_store(&futex_word, 1);
	syscall(SYS_futex, &futex_word, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
	for (i = 0; i < 200 && !atomic_load(&woken); i++)
		usleep(10000);
	if (!atomic_load(&woken))
		fail("the futex waiter did not wake");
	pass();
}
