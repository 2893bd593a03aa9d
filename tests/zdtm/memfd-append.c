// SPDX-License-Identifier: GPL-2.0
/*
 * A memfd written through a descriptor with O_APPEND (set with fcntl after
 * memfd_create): after restart the flag and the contents are kept, and a
 * write still lands at the end whatever the offset.
 */
#include "zdtm.h"
#include <sys/mman.h>

int main(void)
{
	char buf[16] = "";
	int fd;

	test_init();
	fd = memfd_create("log", 0);
	if (fd < 0 || write(fd, "one,", 4) != 4 ||
	    fcntl(fd, F_SETFL, O_APPEND) || lseek(fd, 0, SEEK_SET))
		fail("setup: %s", strerror(errno));
	test_daemon();
	test_waitsig();
	if (!(fcntl(fd, F_GETFL) & O_APPEND))
		fail("O_APPEND lost");
	if (write(fd, "two", 3) != 3 || pread(fd, buf, sizeof(buf), 0) != 7 ||
	    memcmp(buf, "one,two", 7))
		fail("the memfd holds \"%s\", not \"one,two\"", buf);
	pass();
}
