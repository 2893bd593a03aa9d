// SPDX-License-Identifier: GPL-2.0
/*
 * A working directory removed while the process sits in it: after
 * restart the process is still in a deleted, empty directory (getcwd()
 * and creating a file there fail with ENOENT, /proc/self/cwd ends in
 * "(deleted)"), of the same mode, and ".." still leads to where it was.
 */
#include "zdtm.h"
#include <sys/stat.h>

int main(void)
{
	char dir[] = "/tmp/zdtm-cwd-XXXXXX", buf[4096];
	struct stat st;
	ssize_t n;

	test_init();
	if (!mkdtemp(dir) || chmod(dir, 0751))
		fail("mkdtemp: %s", strerror(errno));
	if (chdir(dir) || rmdir(dir))
		fail("chdir/rmdir: %s", strerror(errno));
	test_daemon();
	test_waitsig();
	if (getcwd(buf, sizeof(buf)) || errno != ENOENT)
		fail("getcwd() works: the cwd is no longer deleted");
	n = readlink("/proc/self/cwd", buf, sizeof(buf) - 1);
	if (n < 0)
		fail("readlink cwd: %s", strerror(errno));
	buf[n] = 0;
	if (!strstr(buf, " (deleted)"))
		fail("cwd %s is not a deleted directory", buf);
	if (stat(".", &st) || !S_ISDIR(st.st_mode) ||
	    (st.st_mode & 07777) != 0751)
		fail("cwd mode %o, not a directory of mode 751", st.st_mode);
	if (open("f", O_CREAT | O_WRONLY, 0600) >= 0 || errno != ENOENT)
		fail("a file could be created in the deleted cwd");
	if (chdir("..") || !getcwd(buf, sizeof(buf)) || strcmp(buf, "/tmp"))
		fail("\"..\" of the deleted cwd is not /tmp");
	pass();
}
