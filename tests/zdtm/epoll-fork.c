// SPDX-License-Identifier: GPL-2.0
/*
 * epoll sets built after fork(): parent and child each make their own
 * epoll set over the same inherited pipe, the child's edge-triggered and
 * the parent's level-triggered, and a timerfd armed before either set
 * existed sits in the parent's. Data is written to the pipe before the
 * checkpoint and consumed by nobody. After restart each set reports the
 * pipe once more to its owner (pending events are not lost), the
 * child's edge-triggered set does not report it twice, and the timerfd
 * fires in the parent's set.
 */
#include "zdtm.h"
#include <stdint.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <sys/wait.h>

int main(void)
{
	struct itimerspec t = { .it_value = { 1, 0 } };
	struct epoll_event e, got[4];
	int p[2], tfd, ep, st, n, i, seen_pipe = 0, seen_timer = 0;
	pid_t c;

	test_init();
	tfd = timerfd_create(CLOCK_MONOTONIC, 0);
	if (tfd < 0 || timerfd_settime(tfd, 0, &t, NULL) || pipe(p))
		fail("setup: %s", strerror(errno));
	c = fork();
	if (c < 0)
		fail("fork: %s", strerror(errno));
	if (c == 0) {
		int cep = epoll_create1(0);

		e.events = EPOLLIN | EPOLLET;
		e.data.u32 = 7;
		if (cep < 0 || epoll_ctl(cep, EPOLL_CTL_ADD, p[0], &e))
			_exit(2);
		/* Wait for the data, report nothing, then wait for SIGTERM. */
		do
			n = epoll_wait(cep, got, 4, -1);
		while (n < 0 && errno == EINTR);
		if (n != 1 || got[0].data.u32 != 7)
			_exit(3);
		/* Edge-triggered and reported: nothing more until new data. */
		while (!zdtm_stopped) {
			sigset_t none;

			sigemptyset(&none);
			sigsuspend(&none);
		}
		if (epoll_wait(cep, got, 4, 0) != 0)
			_exit(4);
		_exit(0);
	}
	ep = epoll_create1(0);
	e.events = EPOLLIN;
	e.data.u32 = 1;
	if (ep < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &e))
		fail("epoll_ctl: %s", strerror(errno));
	e.data.u32 = 2;
	if (epoll_ctl(ep, EPOLL_CTL_ADD, tfd, &e))
		fail("epoll_ctl: %s", strerror(errno));
	if (write(p[1], "x", 1) != 1)
		fail("write: %s", strerror(errno));
	usleep(200000);
	test_daemon();
	test_waitsig();
	kill(c, SIGTERM);
	/* The pipe is ready at once; the timer within its second. */
	for (i = 0; i < 60 && !(seen_pipe && seen_timer); i++) {
		n = epoll_wait(ep, got, 4, 50);
		while (n-- > 0) {
			seen_pipe |= got[n].data.u32 == 1;
			seen_timer |= got[n].data.u32 == 2;
		}
		usleep(50000);
	}
	if (!seen_pipe || !seen_timer)
		fail("the parent's set lost the pipe (%d) or the timer (%d)",
		     seen_pipe, seen_timer);
	if (waitpid(c, &st, 0) != c || !WIFEXITED(st) || WEXITSTATUS(st))
		fail("the child's set failed (status %#x)", st);
	pass();
}
