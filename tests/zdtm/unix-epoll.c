// SPDX-License-Identifier: GPL-2.0
/*
 * Unix sockets in an epoll set, as an event loop holds them: one stream
 * socket with data waiting (level-triggered EPOLLIN), one with nothing to
 * read, and a datagram socket watched for EPOLLOUT.  After restart
 * epoll_wait() reports the socket with data and the writable one, not the
 * idle one; data written after the restart wakes the idle one.
 */
#include "zdtm.h"
#include <sys/epoll.h>
#include <sys/socket.h>

int main(void)
{
	int busy[2], idle[2], dg[2], ep, n, i, got_busy = 0, got_dg = 0;
	struct epoll_event ev, evs[8];
	char buf[16];

	test_init();
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, busy) ||
	    socketpair(AF_UNIX, SOCK_STREAM, 0, idle) ||
	    socketpair(AF_UNIX, SOCK_DGRAM, 0, dg))
		fail("socketpair: %s", strerror(errno));
	ep = epoll_create1(0);
	if (ep < 0)
		fail("epoll_create1: %s", strerror(errno));
	ev.events = EPOLLIN;
	ev.data.u32 = 1;
	if (epoll_ctl(ep, EPOLL_CTL_ADD, busy[0], &ev))
		fail("epoll_ctl: %s", strerror(errno));
	ev.data.u32 = 2;
	if (epoll_ctl(ep, EPOLL_CTL_ADD, idle[0], &ev))
		fail("epoll_ctl: %s", strerror(errno));
	ev.events = EPOLLOUT;
	ev.data.u32 = 3;
	if (epoll_ctl(ep, EPOLL_CTL_ADD, dg[0], &ev))
		fail("epoll_ctl: %s", strerror(errno));
	if (write(busy[1], "event", 5) != 5)
		fail("write: %s", strerror(errno));
	/* Reported once before the checkpoint: level-triggered, so again after. */
	if (epoll_wait(ep, evs, 8, 1000) != 2)
		fail("epoll_wait before the checkpoint");

	test_daemon();
	test_waitsig();

	n = epoll_wait(ep, evs, 8, 2000);
	for (i = 0; i < n; i++) {
		if (evs[i].data.u32 == 2)
			fail("the idle socket is reported ready");
		got_busy |= evs[i].data.u32 == 1 && evs[i].events & EPOLLIN;
		got_dg |= evs[i].data.u32 == 3 && evs[i].events & EPOLLOUT;
	}
	if (!got_busy || !got_dg)
		fail("epoll_wait reported %d events: socket with data %s, writable %s",
		     n, got_busy ? "yes" : "no", got_dg ? "yes" : "no");
	if (read(busy[0], buf, sizeof(buf)) != 5 || memcmp(buf, "event", 5))
		fail("read: wrong data");
	if (write(idle[1], "x", 1) != 1)
		fail("write: %s", strerror(errno));
	n = epoll_wait(ep, evs, 8, 2000);
	for (i = 0, got_busy = 0; i < n; i++)
		got_busy |= evs[i].data.u32 == 2;
	if (!got_busy)
		fail("new data on the idle socket is not reported");
	pass();
}
