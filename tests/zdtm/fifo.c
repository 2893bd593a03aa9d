// SPDX-License-Identifier: GPL-2.0
/*
 * Data buffered in a named FIFO, opened read-write by one process: the
 * bytes written before the checkpoint are read back after restart, and
 * the FIFO still works both ways.
 */
#include "zdtm.h"
#include <sys/stat.h>

int main(void)
{
	char buf[64];
	int fd;

	test_init();
	unlink("fifo");
	if (mkfifo("fifo", 0600))
		fail("mkfifo: %s", strerror(errno));
	fd = open("fifo", O_RDWR);
	if (fd < 0)
		fail("open: %s", strerror(errno));
	if (write(fd, "queued-before", 13) != 13)
		fail("write: %s", strerror(errno));
	test_daemon();
	test_waitsig();
	if (fcntl(fd, F_SETFL, O_NONBLOCK))
		fail("F_SETFL: %s", strerror(errno));
	memset(buf, 0, sizeof(buf));
	if (read(fd, buf, sizeof(buf)) != 13 || memcmp(buf, "queued-before", 13))
		fail("read back \"%s\", not \"queued-before\"", buf);
	if (write(fd, "after", 5) != 5 || read(fd, buf, 5) != 5)
		fail("the FIFO no longer carries data");
	pass();
}
