// SPDX-License-Identifier: GPL-2.0
/*
 * A timerfd armed after fork() and shared by a parent and its child, the
 * child blocked in read() of it when the tree is checkpointed: a one-shot
 * timer with 3 s left. After restart the child's read() returns once the
 * time left has passed (not at once, not never), and a second, periodic
 * timerfd armed with fcntl(O_NONBLOCK) set later keeps ticking.
 */
#include "zdtm.h"
#include <stdint.h>
#include <time.h>
#include <sys/timerfd.h>
#include <sys/wait.h>

static int64_t now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

int main(void)
{
	struct itimerspec three = { .it_value = { 3, 0 } };
	struct itimerspec tick = { { 0, 50000000 }, { 0, 50000000 } };
	int fd, per, st;
	uint64_t n;
	int64_t t0;
	pid_t c;

	test_init();
	fd = timerfd_create(CLOCK_MONOTONIC, 0);
	per = timerfd_create(CLOCK_MONOTONIC, 0);
	if (fd < 0 || per < 0)
		fail("timerfd_create: %s", strerror(errno));
	c = fork();
	if (c < 0)
		fail("fork: %s", strerror(errno));
	if (c == 0) {
		if (read(fd, &n, 8) != 8 || n != 1)
			_exit(2);
		_exit(0);
	}
	if (timerfd_settime(fd, 0, &three, NULL) ||
	    timerfd_settime(per, 0, &tick, NULL) ||
	    fcntl(per, F_SETFL, O_NONBLOCK))
		fail("timerfd_settime: %s", strerror(errno));
	test_daemon();
	test_waitsig();
	t0 = now_ms();
	if (waitpid(c, &st, 0) != c || !WIFEXITED(st) || WEXITSTATUS(st))
		fail("the child's read() of the shared timer failed");
	if (now_ms() - t0 > 3500)
		fail("the timer fired %lld ms after restart, more than it had left",
		     (long long)(now_ms() - t0));
	if (!(fcntl(per, F_GETFL) & O_NONBLOCK))
		fail("O_NONBLOCK set with fcntl() was lost");
	usleep(120000);
	if (read(per, &n, 8) != 8 || n < 1)
		fail("the periodic timer stopped");
	pass();
}
