// SPDX-License-Identifier: GPL-2.0
/*
 * Zombies of another shape: one child killed by a signal, one in a process
 * group of its own, and a grandchild left a zombie under a living child.
 * SIGCHLD is blocked, so it is pending from before the checkpoint and must
 * still be pending after restart (once, not lost), and every wait status
 * must be the one the exit left.
 */
#include "zdtm.h"
#include <sys/wait.h>

static pid_t child(int how)
{
	sigset_t term;
	pid_t c = fork();

	if (c < 0)
		fail("fork: %s", strerror(errno));
	if (c)
		return c;
	if (how == 1)
		raise(SIGKILL);
	if (how == 2) {
		setpgid(0, 0);
		_exit(7);
	}
	/* how 3: a living child with a zombie of its own, ended by SIGTERM. */
	sigemptyset(&term);
	sigaddset(&term, SIGTERM);
	sigprocmask(SIG_UNBLOCK, &term, NULL);
	c = fork();
	if (c == 0)
		_exit(3);
	if (c < 0 || waitid(P_PID, c, NULL, WEXITED | WNOWAIT))
		_exit(100);
	while (!zdtm_stopped)
		pause();
	{
		int st;

		if (waitpid(c, &st, 0) != c || !WIFEXITED(st) ||
		    WEXITSTATUS(st) != 3)
			_exit(101);
	}
	_exit(0);
}

int main(void)
{
	pid_t k, g, l;
	sigset_t chld, pend;
	int st;

	test_init();
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	sigprocmask(SIG_BLOCK, &chld, NULL);
	l = child(3);
	k = child(1);
	g = child(2);
	if (waitid(P_PID, k, NULL, WEXITED | WNOWAIT) ||
	    waitid(P_PID, g, NULL, WEXITED | WNOWAIT))
		fail("waitid: %s", strerror(errno));
	/* Let the living child's own zombie exist before the checkpoint. */
	usleep(200000);
	test_daemon();
	/* test_waitsig(), but SIGCHLD stays blocked. */
	while (!zdtm_stopped)
		sigsuspend(&chld);
	sigpending(&pend);
	if (!sigismember(&pend, SIGCHLD))
		fail("SIGCHLD no longer pending");
	if (waitpid(k, &st, 0) != k)
		fail("waitpid killed child: %s", strerror(errno));
	if (!WIFSIGNALED(st) || WTERMSIG(st) != SIGKILL)
		fail("killed child status %#x, not SIGKILL", st);
	if (waitpid(g, &st, 0) != g)
		fail("waitpid group leader: %s", strerror(errno));
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 7)
		fail("group leader status %#x, not exit 7", st);
	kill(l, SIGTERM);
	if (waitpid(l, &st, 0) != l)
		fail("waitpid living child: %s", strerror(errno));
	if (!WIFEXITED(st) || WEXITSTATUS(st))
		fail("living child status %#x (its zombie's status was wrong)",
		     st);
	if (waitpid(-1, &st, WNOHANG) != -1 || errno != ECHILD)
		fail("a child too many");
	pass();
}
