// SPDX-License-Identifier: GPL-2.0
/*
 * One epoll set with items in every state: a level-triggered pipe with
 * data, an edge-triggered eventfd whose event is pending (not reported),
 * an edge-triggered eventfd whose event was already reported, a one-shot
 * item that fired (disarmed, its file still ready), an EPOLLEXCLUSIVE
 * item, each with its own data. After restart the first epoll_wait()
 * reports exactly the pending ones with their data, nothing is lost or
 * reported twice, and re-arming the one-shot item with EPOLL_CTL_MOD
 * reports it again.
 */
#include "zdtm.h"
#include <stdint.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>

enum { LT = 1, ET_PENDING, ET_DONE, ONESHOT, EXCL };

static int add(int ep, int fd, uint32_t ev, uint64_t data)
{
	struct epoll_event e = { .events = ev, .data.u64 = data };

	return epoll_ctl(ep, EPOLL_CTL_ADD, fd, &e);
}

/* The set of data values epoll_wait() reports now, as bits. */
static unsigned int ready(int ep)
{
	struct epoll_event e[8];
	unsigned int got = 0;
	int n, i;

	n = epoll_wait(ep, e, 8, 0);
	for (i = 0; i < n; i++)
		got |= 1U << e[i].data.u64;
	return got;
}

int main(void)
{
	uint64_t one = 1;
	int ep, p[2], q[2], a, b, x;
	struct epoll_event e;
	unsigned int got;

	test_init();
	ep = epoll_create1(EPOLL_CLOEXEC);
	a = eventfd(0, EFD_NONBLOCK);
	b = eventfd(0, EFD_NONBLOCK);
	x = eventfd(0, EFD_NONBLOCK);
	if (ep < 0 || a < 0 || b < 0 || x < 0 || pipe(p) || pipe(q))
		fail("setup: %s", strerror(errno));
	if (add(ep, p[0], EPOLLIN, LT) || add(ep, a, EPOLLIN | EPOLLET, ET_PENDING) ||
	    add(ep, b, EPOLLIN | EPOLLET, ET_DONE) ||
	    add(ep, q[0], EPOLLIN | EPOLLONESHOT, ONESHOT) ||
	    add(ep, x, EPOLLIN | EPOLLEXCLUSIVE, EXCL))
		fail("epoll_ctl: %s", strerror(errno));
	/* b and q fire and are reported; the one-shot item is disarmed. */
	if (write(b, &one, 8) != 8 || write(q[1], "q", 1) != 1)
		fail("write: %s", strerror(errno));
	got = ready(ep);
	if (got != (1U << ET_DONE | 1U << ONESHOT))
		fail("before: reported %#x", got);
	/* Then a, p and x become ready and nobody asks. */
	if (write(a, &one, 8) != 8 || write(p[1], "p", 1) != 1 ||
	    write(x, &one, 8) != 8)
		fail("write: %s", strerror(errno));
	test_daemon();
	test_waitsig();
	got = ready(ep);
	if (got != (1U << LT | 1U << ET_PENDING | 1U << EXCL))
		fail("after restart: reported %#x, not %#x", got,
		     1U << LT | 1U << ET_PENDING | 1U << EXCL);
	got = ready(ep);
	if (got != (1U << LT | 1U << EXCL))
		fail("second wait: reported %#x (edge-triggered twice?)", got);
	e.events = EPOLLIN | EPOLLONESHOT;
	e.data.u64 = ONESHOT;
	if (epoll_ctl(ep, EPOLL_CTL_MOD, q[0], &e) || !(ready(ep) & 1U << ONESHOT))
		fail("the one-shot item does not fire once re-armed");
	if (!(fcntl(ep, F_GETFD) & FD_CLOEXEC))
		fail("EPOLL_CLOEXEC lost");
	pass();
}
