// SPDX-License-Identifier: GPL-2.0
/*
 * SIGIO routed to one thread: a FIFO opened read-write, its owner set
 * with F_SETOWN_EX (F_OWNER_TID) to a worker thread before O_ASYNC is
 * set, no F_SETSIG (plain SIGIO, which carries no si_fd), which every
 * thread blocks and the worker takes with sigtimedwait().  After restart
 * F_GETOWN_EX names the worker again, and a write to the FIFO wakes the
 * worker with SIGIO, not the main thread.
 */
#include "zdtm.h"
#include <pthread.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>

static int fd, go[2];
static volatile pid_t worker_tid;
static volatile int worker_got;

static void *worker(void *a)
{
	struct timespec to = { 5, 0 };
	siginfo_t si;
	sigset_t m;
	char c;

	(void)a;
	worker_tid = syscall(SYS_gettid);
	if (read(go[0], &c, 1) != 1)
		return NULL;
	sigemptyset(&m);
	sigaddset(&m, SIGIO);
	if (sigtimedwait(&m, &si, &to) == SIGIO)
		worker_got = 1;
	return NULL;
}

int main(void)
{
	struct f_owner_ex own;
	pthread_t th;
	sigset_t m;

	test_init();
	sigemptyset(&m);
	sigaddset(&m, SIGIO);
	unlink("fifo");
	if (sigprocmask(SIG_BLOCK, &m, NULL) || mkfifo("fifo", 0600) ||
	    pipe(go) || pthread_create(&th, NULL, worker, NULL))
		fail("setup: %s", strerror(errno));
	fd = open("fifo", O_RDWR | O_NONBLOCK);
	while (!worker_tid)
		usleep(1000);
	own.type = F_OWNER_TID;
	own.pid = worker_tid;
	if (fd < 0 || fcntl(fd, F_SETOWN_EX, &own) ||
	    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_ASYNC))
		fail("O_ASYNC on the FIFO: %s", strerror(errno));
	test_daemon();
	test_waitsig();

	memset(&own, 0, sizeof(own));
	if (fcntl(fd, F_GETOWN_EX, &own) || own.type != F_OWNER_TID ||
	    own.pid != worker_tid)
		fail("F_GETOWN_EX: type %d pid %d, not the worker %d", own.type,
		     own.pid, (int)worker_tid);
	if (!(fcntl(fd, F_GETFL) & O_ASYNC))
		fail("O_ASYNC lost");
	if (write(go[1], "g", 1) != 1 || write(fd, "x", 1) != 1)
		fail("write: %s", strerror(errno));
	pthread_join(th, NULL);
	if (!worker_got)
		fail("the worker got no SIGIO for the FIFO");
	sigpending(&m);
	if (sigismember(&m, SIGIO))
		fail("SIGIO is pending for the main thread too");
	pass();
}
