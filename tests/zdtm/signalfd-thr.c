// SPDX-License-Identifier: GPL-2.0
/*
 * A signalfd read by a thread blocked in read() when the process is
 * checkpointed (the event-loop thread of a server), its mask changed
 * with signalfd() on the same fd after creation: after restart the
 * thread wakes for a SIGHUP sent to the process, and the mask is the
 * changed one (SIGUSR1, its first mask, is not read by it).
 */
#include "zdtm.h"
#include <pthread.h>
#include <sys/signalfd.h>

static int fd;
static volatile int got;

static void *loop(void *a)
{
	struct signalfd_siginfo si;

	(void)a;
	if (read(fd, &si, sizeof(si)) == sizeof(si))
		got = si.ssi_signo;
	return NULL;
}

int main(void)
{
	pthread_t t;
	sigset_t m, pend;

	test_init();
	sigemptyset(&m);
	sigaddset(&m, SIGUSR1);
	sigaddset(&m, SIGHUP);
	if (sigprocmask(SIG_BLOCK, &m, NULL))
		fail("sigprocmask: %s", strerror(errno));
	sigdelset(&m, SIGHUP);
	fd = signalfd(-1, &m, 0);
	sigemptyset(&m);
	sigaddset(&m, SIGHUP);
	if (fd < 0 || signalfd(fd, &m, 0) != fd)
		fail("signalfd: %s", strerror(errno));
	if (pthread_create(&t, NULL, loop, NULL))
		fail("pthread_create");
	usleep(100000);
	test_daemon();
	test_waitsig();
	kill(getpid(), SIGUSR1);
	kill(getpid(), SIGHUP);
	pthread_join(t, NULL);
	if (got != SIGHUP)
		fail("the thread read signal %d, not SIGHUP", got);
	sigpending(&pend);
	if (!sigismember(&pend, SIGUSR1))
		fail("SIGUSR1 was taken: the first mask came back");
	pass();
}
