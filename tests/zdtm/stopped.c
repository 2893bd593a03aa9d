// SPDX-License-Identifier: GPL-2.0
/*
 * A child stopped by SIGSTOP (as job control stops it): after restart it
 * is still stopped, and SIGCONT lets it go on and exit normally.
 */
#include "zdtm.h"
#include <sys/wait.h>

int main(void)
{
	int st;
	pid_t c;

	test_init();
	c = fork();
	if (c < 0)
		fail("fork: %s", strerror(errno));
	if (c == 0) {
		signal(SIGTERM, SIG_DFL);
		raise(SIGSTOP);
		_exit(7);
	}
	if (waitpid(c, &st, WUNTRACED) != c || !WIFSTOPPED(st))
		fail("the child did not stop");
	test_daemon();
	test_waitsig();
	if (waitpid(c, &st, WNOHANG) != 0)
		fail("the child changed state: %#x", st);
	{
		char path[64], buf[256], *s;
		FILE *f;

		snprintf(path, sizeof(path), "/proc/%d/stat", c);
		f = fopen(path, "r");
		if (!f || !fgets(buf, sizeof(buf), f))
			fail("reading %s", path);
		fclose(f);
		s = strrchr(buf, ')');
		if (!s || s[2] != 'T')
			fail("the child is not stopped: %s", buf);
	}
	kill(c, SIGCONT);
	if (waitpid(c, &st, 0) != c || !WIFEXITED(st) || WEXITSTATUS(st) != 7)
		fail("the child did not exit 7 after SIGCONT: %#x", st);
	pass();
}
