// SPDX-License-Identifier: GPL-2.0
/*
 * A file mapped MAP_SHARED and then deleted (its descriptor closed), with
 * a hole in the middle, and a second deleted file kept only through a
 * write-only descriptor: after restart the mapping shows the same bytes
 * and still writes through to the file, the hole reads as zeros, and the
 * write-only descriptor appends where it was.
 */
#include "zdtm.h"
#include <sys/mman.h>

#define SIZE (5 * 4096)

int main(void)
{
	char *m;
	int fd, w;

	test_init();
	fd = open("mapped", O_RDWR | O_CREAT | O_TRUNC, 0600);
	w = open("wonly", O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || w < 0 || ftruncate(fd, SIZE))
		fail("setup: %s", strerror(errno));
	m = mmap(NULL, SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (m == MAP_FAILED)
		fail("mmap: %s", strerror(errno));
	memset(m, 'x', 4096);
	memset(m + 4 * 4096, 'y', 4096);
	if (write(w, "abc", 3) != 3)
		fail("write: %s", strerror(errno));
	close(fd);
	if (unlink("mapped") || unlink("wonly"))
		fail("unlink: %s", strerror(errno));
	test_daemon();
	test_waitsig();
	if (m[0] != 'x' || m[4095] != 'x' || m[2 * 4096] != 0 ||
	    m[4 * 4096] != 'y' || m[SIZE - 1] != 'y')
		fail("the mapping of the deleted file lost its contents");
	if ((fcntl(w, F_GETFL) & O_ACCMODE) != O_WRONLY)
		fail("the write-only descriptor is not write-only");
	if (write(w, "d", 1) != 1 || lseek(w, 0, SEEK_CUR) != 4)
		fail("the write-only descriptor is not at offset 3");
	/* The mapping still reaches a file. */
	m[1] = 'z';
	if (msync(m, SIZE, MS_SYNC))
		fail("msync: %s", strerror(errno));
	if (access("mapped", F_OK) == 0 || access("wonly", F_OK) == 0)
		fail("a deleted file is back in the directory");
	pass();
}
