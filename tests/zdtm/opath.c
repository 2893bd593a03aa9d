// SPDX-License-Identifier: GPL-2.0
/*
 * O_PATH descriptors: one of a directory, used with openat() to reach a
 * file in it, and one of a file its user may not read (mode 0), used with
 * fstat(). After restart both still name the same objects with the same
 * flags.
 */
#include "zdtm.h"
#include <sys/stat.h>

int main(void)
{
	struct stat before, after;
	int dir, f, fd, fl_dir, fl_f;
	char c;

	test_init();
	if (mkdir("sub", 0755) && errno != EEXIST)
		fail("mkdir: %s", strerror(errno));
	fd = open("sub/data", O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0 || write(fd, "k", 1) != 1)
		fail("setup: %s", strerror(errno));
	close(fd);
	fd = open("secret", O_WRONLY | O_CREAT | O_TRUNC, 0);
	if (fd < 0)
		fail("setup: %s", strerror(errno));
	close(fd);
	dir = open("sub", O_PATH | O_DIRECTORY);
	f = open("secret", O_PATH);
	if (dir < 0 || f < 0 || fstat(f, &before))
		fail("O_PATH open: %s", strerror(errno));
	fl_dir = fcntl(dir, F_GETFL);
	fl_f = fcntl(f, F_GETFL);
	test_daemon();
	test_waitsig();
	if (fcntl(dir, F_GETFL) != fl_dir || fcntl(f, F_GETFL) != fl_f)
		fail("flags %#o/%#o, were %#o/%#o", fcntl(dir, F_GETFL),
		     fcntl(f, F_GETFL), fl_dir, fl_f);
	fd = openat(dir, "data", O_RDONLY);
	if (fd < 0 || read(fd, &c, 1) != 1 || c != 'k')
		fail("openat through the O_PATH directory: %s", strerror(errno));
	if (fstat(f, &after) || after.st_ino != before.st_ino)
		fail("the O_PATH file is another file");
	if (read(f, &c, 1) != -1 || errno != EBADF)
		fail("the O_PATH descriptor can read");
	pass();
}
