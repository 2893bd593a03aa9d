// SPDX-License-Identifier: GPL-2.0
/*
 * A program installed execute-only (mode 0711, owned by root) and run by
 * an ordinary user, who may execute it but not read it: it must restart,
 * its own executable and mappings coming back.
 */
#include "zdtm.h"
#include <sys/prctl.h>
#include <sys/sendfile.h>
#include <sys/stat.h>

int main(int argc, char **argv)
{
	char self[256];
	int in, out;
	struct stat st;

	test_init();
	if (argc < 2) {
		/* Install a copy of ourselves 0711 and run it as uid 1000. */
		in = open("/proc/self/exe", O_RDONLY);
		out = open("prog", O_WRONLY | O_CREAT | O_TRUNC, 0711);
		if (in < 0 || out < 0 || fstat(in, &st) ||
		    sendfile(out, in, NULL, st.st_size) != st.st_size ||
		    fchmod(out, 0711))
			fail("installing prog: %s", strerror(errno));
		close(in);
		close(out);
		if (setresgid(1000, 1000, 1000) || setresuid(1000, 1000, 1000))
			fail("dropping root: %s", strerror(errno));
		execl("./prog", "prog", "child", (char *)NULL);
		fail("exec: %s", strerror(errno));
	}
	/* The runner looks for the case by name. */
	prctl(PR_SET_NAME, "zdtm-execonly");
	if (open("/proc/self/exe", O_RDONLY) >= 0)
		fail("the user can read the program");
	if (readlink("/proc/self/exe", self, sizeof(self)) <= 0)
		fail("readlink: %s", strerror(errno));
	test_daemon();
	test_waitsig();
	if (getuid() != 1000)
		fail("uid %d", getuid());
	/* As after exec of a file its user may not read. */
	if (prctl(PR_GET_DUMPABLE) != 0)
		fail("the process is dumpable");
	pass();
}
