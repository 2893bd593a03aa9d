// SPDX-License-Identifier: GPL-2.0
/*
 * A large epoll set: 300 eventfds, every third one ready before the
 * checkpoint. After restart epoll_wait() reports exactly those 100, each
 * with its own data, and writing to another one adds it.
 */
#include "zdtm.h"
#include <stdint.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>

#define N 300

int main(void)
{
	static struct epoll_event got[N];
	static unsigned char seen[N];
	uint64_t one = 1;
	int ep, fd[N], i, n;

	test_init();
	ep = epoll_create1(0);
	if (ep < 0)
		fail("epoll_create1: %s", strerror(errno));
	for (i = 0; i < N; i++) {
		struct epoll_event e = { .events = EPOLLIN, .data.u32 = i };

		fd[i] = eventfd(0, EFD_NONBLOCK);
		if (fd[i] < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, fd[i], &e))
			fail("eventfd %d: %s", i, strerror(errno));
		if (i % 3 == 0 && write(fd[i], &one, 8) != 8)
			fail("write: %s", strerror(errno));
	}
	test_daemon();
	test_waitsig();
	n = epoll_wait(ep, got, N, 0);
	if (n != N / 3)
		fail("%d items ready, not %d", n, N / 3);
	for (i = 0; i < n; i++) {
		if (got[i].data.u32 >= N || got[i].data.u32 % 3 || seen[got[i].data.u32])
			fail("item %u reported, or reported twice", got[i].data.u32);
		seen[got[i].data.u32] = 1;
	}
	if (write(fd[1], &one, 8) != 8 || epoll_wait(ep, got, N, 0) != N / 3 + 1)
		fail("a write after restart does not add its item");
	pass();
}
