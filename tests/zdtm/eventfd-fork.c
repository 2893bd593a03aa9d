// SPDX-License-Identifier: GPL-2.0
/*
 * eventfds shared by a parent and its child after fork(): the child is
 * blocked in read() of one when the tree is checkpointed, and the other
 * holds a count and was made non-blocking with fcntl() after the fork.
 * After restart the parent adds to the counter and wakes the child,
 * which reads the sum: one eventfd shared by two processes again.
 */
#include "zdtm.h"
#include <stdint.h>
#include <sys/eventfd.h>
#include <sys/wait.h>

int main(void)
{
	uint64_t v = 1ULL << 33, one = 1, seven = 7;
	int a, b, st;
	pid_t c;

	test_init();
	a = eventfd(0, 0);
	b = eventfd(0, 0);
	if (a < 0 || b < 0 || write(a, &v, 8) != 8)
		fail("eventfd: %s", strerror(errno));
	c = fork();
	if (c < 0)
		fail("fork: %s", strerror(errno));
	if (c == 0) {
		if (read(b, &v, 8) != 8)
			_exit(2);
		if (read(a, &v, 8) != 8)
			_exit(3);
		_exit(v == (1ULL << 33) + 7 ? 0 : 4);
	}
	if (fcntl(a, F_SETFL, O_NONBLOCK))
		fail("fcntl: %s", strerror(errno));
	usleep(100000);
	test_daemon();
	test_waitsig();
	if (!(fcntl(a, F_GETFL) & O_NONBLOCK))
		fail("O_NONBLOCK set with fcntl() was lost");
	if (write(a, &seven, 8) != 8 || write(b, &one, 8) != 8)
		fail("write: %s", strerror(errno));
	if (waitpid(c, &st, 0) != c || !WIFEXITED(st))
		fail("waitpid: %s", strerror(errno));
	if (WEXITSTATUS(st))
		fail("the child failed (%d): the eventfds are not shared",
		     WEXITSTATUS(st));
	pass();
}
