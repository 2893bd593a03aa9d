// SPDX-License-Identifier: GPL-2.0
/*
 * File status flags of pipe ends set at creation: O_NONBLOCK on the read
 * end only of one pipe, on the write end only of another; F_GETFL must
 * report the same flags after restart.
 */
#include "zdtm.h"

int main(void)
{
	int a[2], b[2], fds[4], want[4], i;

	test_init();
	if (pipe2(a, 0) || pipe2(b, O_NONBLOCK))
		fail("pipe2: %s", strerror(errno));
	/* a: read end non-blocking; b: write end blocking again. */
	if (fcntl(a[0], F_SETFL, O_NONBLOCK) || fcntl(b[1], F_SETFL, 0))
		fail("F_SETFL: %s", strerror(errno));
	fds[0] = a[0]; fds[1] = a[1]; fds[2] = b[0]; fds[3] = b[1];
	for (i = 0; i < 4; i++)
		want[i] = fcntl(fds[i], F_GETFL);
	test_daemon();
	test_waitsig();
	for (i = 0; i < 4; i++) {
		int got = fcntl(fds[i], F_GETFL);

		if (got != want[i])
			fail("fd %d: flags %#o, were %#o", fds[i], got, want[i]);
	}
	pass();
}
