// SPDX-License-Identifier: GPL-2.0
/*
 * File status flags changed with fcntl() after open, on a regular file,
 * /dev/null and a directory: O_APPEND, O_NONBLOCK and O_NOATIME on and
 * off. F_GETFL must report the same flags after restart, and an O_APPEND
 * file must still append.
 */
#include "zdtm.h"

int main(void)
{
	int fds[4], want[4], i;
	char buf[8];

	test_init();
	fds[0] = open("f1", O_RDWR | O_CREAT | O_TRUNC, 0600);
	fds[1] = open("f2", O_WRONLY | O_CREAT | O_TRUNC | O_APPEND, 0600);
	fds[2] = open("/dev/null", O_RDWR);
	fds[3] = open(".", O_RDONLY | O_DIRECTORY);
	for (i = 0; i < 4; i++)
		if (fds[i] < 0)
			fail("open %d: %s", i, strerror(errno));
	if (fcntl(fds[0], F_SETFL, O_APPEND | O_NONBLOCK) ||
	    fcntl(fds[1], F_SETFL, 0) ||
	    fcntl(fds[2], F_SETFL, O_NONBLOCK) ||
	    fcntl(fds[3], F_SETFL, O_NONBLOCK))
		fail("F_SETFL: %s", strerror(errno));
	if (write(fds[0], "ab", 2) != 2 || lseek(fds[0], 0, SEEK_SET))
		fail("write: %s", strerror(errno));
	for (i = 0; i < 4; i++)
		want[i] = fcntl(fds[i], F_GETFL);
	test_daemon();
	test_waitsig();
	for (i = 0; i < 4; i++) {
		int got = fcntl(fds[i], F_GETFL);

		if (got != want[i])
			fail("fd %d: flags %#o, were %#o", i, got, want[i]);
	}
	/* O_APPEND writes at the end whatever the offset. */
	if (write(fds[0], "cd", 2) != 2)
		fail("write: %s", strerror(errno));
	if (pread(fds[0], buf, 8, 0) != 4 || memcmp(buf, "abcd", 4))
		fail("f1 is not \"abcd\" after an append");
	pass();
}
