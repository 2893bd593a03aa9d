// SPDX-License-Identifier: GPL-2.0
/*
 * An exited child not reaped yet (a zombie): after restart the parent's
 * wait() still gets its exit status.
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
	if (c == 0)
		_exit(42);
	/* A zombie: exited, status not collected. */
	if (waitid(P_PID, c, NULL, WEXITED | WNOWAIT))
		fail("waitid: %s", strerror(errno));
	test_daemon();
	test_waitsig();
	if (waitpid(c, &st, 0) != c)
		fail("waitpid: %s", strerror(errno));
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 42)
		fail("child status %#x, not exit 42", st);
	pass();
}
