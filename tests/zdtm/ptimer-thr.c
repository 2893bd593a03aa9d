// SPDX-License-Identifier: GPL-2.0
/*
 * POSIX timers that signal one thread (SIGEV_THREAD_ID, as glibc's
 * SIGEV_THREAD helper and language runtimes use them), made after the
 * worker thread started.  A 20 ms interval timer signals the worker,
 * which takes its signals with sigwaitinfo() slowly enough that each one
 * carries overruns, then stops taking them: at the checkpoint the
 * timer's signal is queued to the worker and the timer waits for its
 * delivery to rearm it.  A one-shot timer with 2 s left signals the main
 * thread.  After restart timer_getoverrun() still reports the last
 * delivery's overruns, the queued signal is the worker's (not pending
 * for the main thread), its delivery rearms the timer, which keeps
 * firing, and the one-shot timer fires once, no sooner than 2 s of the
 * process's life after it was armed.
 */
#include "zdtm.h"
#include <pthread.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <time.h>

#define TICK	(SIGRTMIN + 2)

static timer_t tick, once;
static int go[2], done[2];
static volatile pid_t worker_tid;
static volatile long rang_at;
static volatile sig_atomic_t rang;
static volatile int worker_err, started;

static long now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static void on_once(int sig)
{
	(void)sig;
	if (!rang)
		rang_at = now_ms();
	rang++;
}

static int take(void)
{
	struct timespec to = { 1, 0 };
	siginfo_t si;
	sigset_t m;

	sigemptyset(&m);
	sigaddset(&m, TICK);
	if (sigtimedwait(&m, &si, &to) != TICK)
		return 1;
	return si.si_code != SI_TIMER || si.si_value.sival_int != 77;
}

static void *worker(void *a)
{
	sigset_t p;
	char c;
	int i;

	(void)a;
	worker_tid = syscall(SYS_gettid);
	/* Before the checkpoint: a few signals, each with overruns. */
	while (!started)
		usleep(1000);
	for (i = 0; i < 4; i++) {
		usleep(100000);
		if (take())
			worker_err = 1;
	}
	if (write(done[1], "r", 1) != 1 || read(go[0], &c, 1) != 1)
		worker_err = 2;
	/*
	 * After restart: the queued signal is ours (left alone, the next
	 * expiry queues it within 20 ms of the last delivery), and more
	 * follow.
	 */
	for (i = 0; i < 100; i++) {
		sigpending(&p);
		if (sigismember(&p, TICK))
			break;
		usleep(10000);
	}
	if (i == 100)
		worker_err = 3;
	for (i = 0; i < 3 && !worker_err; i++)
		if (take())
			worker_err = 4;
	if (write(done[1], "d", 1) != 1)
		worker_err = 5;
	return NULL;
}

int main(void)
{
	/*
	 * SA_RESTART: the one-shot timer may fire while the main thread waits
	 * for the worker (a loaded host), which must not end that wait.
	 */
	struct sigaction sa = { .sa_handler = on_once, .sa_flags = SA_RESTART };
	struct itimerspec p = { { 0, 20000000 }, { 0, 20000000 } };
	struct itimerspec o = { { 0, 0 }, { 2, 0 } };
	struct sigevent ev = { .sigev_notify = SIGEV_THREAD_ID };
	sigset_t m;
	pthread_t th;
	long armed;
	int ov, ov2;
	char c;

	test_init();
	sigemptyset(&m);
	sigaddset(&m, TICK);
	if (sigprocmask(SIG_BLOCK, &m, NULL) || pipe(go) || pipe(done) ||
	    pthread_create(&th, NULL, worker, NULL))
		fail("setup: %s", strerror(errno));
	while (!worker_tid)
		usleep(1000);
	sigaction(SIGUSR1, &sa, NULL);

	ev.sigev_signo = TICK;
	ev.sigev_value.sival_int = 77;
	ev._sigev_un._tid = worker_tid;
	if (timer_create(CLOCK_MONOTONIC, &ev, &tick) ||
	    timer_settime(tick, 0, &p, NULL))
		fail("thread timer: %s", strerror(errno));
	started = 1;
	ev.sigev_signo = SIGUSR1;
	ev._sigev_un._tid = syscall(SYS_gettid);
	armed = now_ms();
	if (timer_create(CLOCK_MONOTONIC, &ev, &once) ||
	    timer_settime(once, 0, &o, NULL))
		fail("main-thread timer: %s", strerror(errno));
	if (read(done[0], &c, 1) != 1 || worker_err)
		fail("the worker's signals before the checkpoint (%d)",
		     worker_err);
	ov = timer_getoverrun(tick);
	if (ov < 1)
		fail("no overrun after a slow sigwaitinfo() (%d)", ov);
	test_daemon();
	test_waitsig();

	ov2 = timer_getoverrun(tick);
	if (ov2 != ov)
		fail("timer_getoverrun() %d after restart, %d before", ov2, ov);
	sigpending(&m);
	if (sigismember(&m, TICK))
		fail("the worker's timer signal is pending for the main thread");
	if (write(go[1], "g", 1) != 1 || read(done[0], &c, 1) != 1)
		fail("the worker did not finish");
	if (worker_err)
		fail("worker after restart: %s",
		     worker_err == 3 ? "its timer signal is not queued to it" :
		     "the timer did not keep firing for it");
	while (!rang && now_ms() - armed < 10000)
		usleep(10000);
	if (!rang)
		fail("the main thread's one-shot timer never fired");
	if (rang_at - armed < 1900)
		fail("the one-shot timer fired %ld ms after it was armed",
		     rang_at - armed);
	usleep(200000);
	if (rang != 1)
		fail("the one-shot timer fired %d times", (int)rang);
	pthread_join(th, NULL);
	pass();
}
