// SPDX-License-Identifier: GPL-2.0
/*
 * Two open files of one pipe end with different status flags: the read
 * end opened again through /proc/self/fd with O_NONBLOCK, the original
 * left blocking. After restart each keeps its own flags, and both read
 * from the same pipe.
 */
#include "zdtm.h"

int main(void)
{
	char path[64], c;
	int p[2], again, f0, f1;

	test_init();
	if (pipe(p))
		fail("pipe: %s", strerror(errno));
	snprintf(path, sizeof(path), "/proc/self/fd/%d", p[0]);
	again = open(path, O_RDONLY | O_NONBLOCK);
	if (again < 0)
		fail("reopen: %s", strerror(errno));
	f0 = fcntl(p[0], F_GETFL);
	f1 = fcntl(again, F_GETFL);
	if ((f0 & O_NONBLOCK) || !(f1 & O_NONBLOCK))
		fail("setup: flags %#o and %#o", f0, f1);
	if (write(p[1], "ab", 2) != 2)
		fail("write: %s", strerror(errno));
	test_daemon();
	test_waitsig();
	if (fcntl(p[0], F_GETFL) != f0)
		fail("first file: flags %#o, were %#o", fcntl(p[0], F_GETFL), f0);
	if (fcntl(again, F_GETFL) != f1)
		fail("second file: flags %#o, were %#o", fcntl(again, F_GETFL),
		     f1);
	if (read(again, &c, 1) != 1 || c != 'a' || read(p[0], &c, 1) != 1 ||
	    c != 'b')
		fail("the two files do not read one pipe");
	if (read(again, &c, 1) != -1 || errno != EAGAIN)
		fail("the second file blocks or reads data that is not there");
	pass();
}
