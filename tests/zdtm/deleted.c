// SPDX-License-Identifier: GPL-2.0
/*
 * A file unlinked while still open (a temporary file, as tmpfile() makes
 * one), with data in it and an offset: after restart the descriptor reads
 * the same data from the same offset and the path is still gone.
 */
#include "zdtm.h"

int main(void)
{
	char buf[16] = "";
	int fd;

	test_init();
	fd = open("scratch", O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || write(fd, "0123456789", 10) != 10 ||
	    lseek(fd, 4, SEEK_SET) != 4 || unlink("scratch"))
		fail("setup: %s", strerror(errno));
	test_daemon();
	test_waitsig();
	if (access("scratch", F_OK) == 0)
		fail("the deleted file is back in the directory");
	if (read(fd, buf, 16) != 6 || memcmp(buf, "456789", 6))
		fail("read \"%s\" from offset 4", buf);
	pass();
}
