// SPDX-License-Identifier: GPL-2.0
/*
 * epoll sets in other shapes: an outer epoll watching an inner one, the
 * inner one watching an eventfd registered as fd N that was then dup()ed
 * and closed (the item lives on through the dup), both shared with a
 * child forked afterwards that is blocked in epoll_wait() on the outer
 * set when the tree is checkpointed. After restart a write by the
 * parent wakes the child through both sets, the inner item still has
 * its old fd number and data, and EPOLL_CTL_DEL of the closed fd fails
 * as it did (EBADF), while the parent's view of the same sets agrees.
 */
#include "zdtm.h"
#include <stdint.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/wait.h>

int main(void)
{
	struct epoll_event e = { .events = EPOLLIN }, got;
	int outer, inner, efd, dupfd, st;
	uint64_t one = 1;
	pid_t c;

	test_init();
	inner = epoll_create1(0);
	outer = epoll_create1(0);
	efd = eventfd(0, 0);
	if (inner < 0 || outer < 0 || efd < 0)
		fail("setup: %s", strerror(errno));
	e.data.u64 = 0x1234;
	if (epoll_ctl(inner, EPOLL_CTL_ADD, efd, &e))
		fail("epoll_ctl inner: %s", strerror(errno));
	e.data.u64 = 0x99;
	if (epoll_ctl(outer, EPOLL_CTL_ADD, inner, &e))
		fail("epoll_ctl outer: %s", strerror(errno));
	dupfd = dup(efd);
	close(efd);
	c = fork();
	if (c < 0)
		fail("fork: %s", strerror(errno));
	if (c == 0) {
		int n;

		/*
		 * epoll_wait() fails with EINTR when the process is stopped
		 * or frozen and resumed (see signal(7)), as event loops
		 * expect: wait again.
		 */
		do
			n = epoll_wait(outer, &got, 1, -1);
		while (n < 0 && errno == EINTR);
		if (n != 1 || got.data.u64 != 0x99)
			_exit(2);
		if (epoll_wait(inner, &got, 1, 0) != 1 || got.data.u64 != 0x1234)
			_exit(3);
		_exit(0);
	}
	usleep(100000);
	test_daemon();
	test_waitsig();
	if (write(dupfd, &one, 8) != 8)
		fail("write: %s", strerror(errno));
	if (waitpid(c, &st, 0) != c || !WIFEXITED(st) || WEXITSTATUS(st))
		fail("the child was not woken through both sets (status %#x)", st);
	if (epoll_wait(inner, &got, 1, 0) != 1 || got.data.u64 != 0x1234)
		fail("the parent's inner set lost its item");
	if (epoll_ctl(inner, EPOLL_CTL_DEL, efd, NULL) == 0 || errno != EBADF)
		fail("EPOLL_CTL_DEL of the closed fd did not fail with EBADF");
	pass();
}
