// SPDX-License-Identifier: GPL-2.0
/*
 * A directory removed while an ordinary user (uid 1000) holds it open
 * and sits in another removed directory: both come back after restart
 * as deleted, empty directories, made with that user's credentials in
 * the sticky /tmp; reading the open one finds nothing (a dead
 * directory lists no entries, not even "." and ".."), and fchdir() to
 * it works.
 */
#include "zdtm.h"
#include <dirent.h>
#include <sys/stat.h>

int main(void)
{
	char a[] = "/tmp/zdtm-dira-XXXXXX", b[] = "/tmp/zdtm-dirb-XXXXXX";
	struct dirent *e;
	struct stat st;
	int fd, n = 0;
	DIR *d;

	test_init();
	if (setresgid(1000, 1000, 1000) || setresuid(1000, 1000, 1000))
		fail("dropping root: %s", strerror(errno));
	if (!mkdtemp(a) || !mkdtemp(b))
		fail("mkdtemp: %s", strerror(errno));
	fd = open(a, O_RDONLY | O_DIRECTORY);
	if (fd < 0 || chdir(b) || rmdir(a) || rmdir(b))
		fail("open/chdir/rmdir: %s", strerror(errno));
	test_daemon();
	test_waitsig();
	if (fstat(fd, &st) || !S_ISDIR(st.st_mode) || st.st_nlink ||
	    st.st_uid != 1000)
		fail("fd is not a deleted directory of uid 1000");
	if (stat(".", &st) || st.st_nlink || st.st_uid != 1000)
		fail("cwd is not a deleted directory of uid 1000");
	d = fdopendir(dup(fd));
	if (!d)
		fail("fdopendir: %s", strerror(errno));
	while ((e = readdir(d)))
		n++;
	closedir(d);
	if (n)
		fail("readdir of the deleted directory found %d entries", n);
	if (fchdir(fd) || stat(".", &st) || st.st_nlink)
		fail("fchdir to the open deleted directory: %s",
		     strerror(errno));
	pass();
}
