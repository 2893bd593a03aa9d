// SPDX-License-Identifier: GPL-2.0
/*
 * A session whose leader has exited: this process, a child subreaper,
 * adopted the leader's children, one in the leader's own group (with a
 * child of its own, which it reaps) and one that made a group of its own. After restart
 * each keeps its session, its group and its parent, and a signal to each
 * group reaches its members.
 */
#include "zdtm.h"
#include <sys/prctl.h>
#include <sys/wait.h>

static void on_usr1(int sig)
{
	(void)sig;
	zdtm_stopped = 1;
}

/*
 * Wait for SIGUSR1; exit 0 if the ids are still these (and the child
 * kid, if any, exited 0 too).
 */
static void member(pid_t sid, pid_t pgid, pid_t ppid, pid_t kid)
{
	int ok, st = 0;
	sigset_t none;

	sigemptyset(&none);
	while (!zdtm_stopped)
		sigsuspend(&none);
	ok = getsid(0) == sid && getpgrp() == pgid && getppid() == ppid;
	if (kid > 0 && (waitpid(kid, &st, 0) != kid || st))
		_exit(7);
	_exit(ok ? 0 : 3);
}

int main(void)
{
	pid_t me = getpid(), leader, kids[2], w;
	int back[2], i, st;
	sigset_t usr1;

	test_init();
	signal(SIGUSR1, on_usr1);
	sigemptyset(&usr1);
	sigaddset(&usr1, SIGUSR1);
	sigprocmask(SIG_BLOCK, &usr1, NULL);
	if (prctl(PR_SET_CHILD_SUBREAPER, 1) || pipe(back))
		fail("prctl/pipe: %s", strerror(errno));
	leader = fork();
	if (leader == 0) {
		pid_t s = setsid(), c[2];
		int p[2];

		if (s < 0 || pipe(p))
			_exit(4);
		c[0] = fork();
		if (c[0] == 0) {
			/* In the leader's group, with a child of its own. */
			pid_t g = fork();

			if (g == 0)
				member(s, s, getppid(), 0);
			if (write(p[1], "r", 1) != 1)
				_exit(6);
			member(s, s, me, g);
		}
		c[1] = fork();
		if (c[1] == 0) {
			setpgid(0, 0);
			if (write(p[1], "r", 1) != 1)
				_exit(6);
			member(s, getpid(), me, 0);
		}
		for (i = 0; i < 2; i++) {
			char x;

			if (read(p[0], &x, 1) != 1)
				_exit(5);
		}
		if (write(back[1], c, sizeof(c)) != sizeof(c))
			_exit(4);
		_exit(0);
	}
	if (leader < 0 || read(back[0], kids, sizeof(kids)) != sizeof(kids))
		fail("fork: %s", strerror(errno));
	if (waitpid(leader, &st, 0) != leader || st)
		fail("the leader did not exit: %#x", st);
	for (i = 0; i < 100 && getsid(kids[1]) != leader; i++)
		usleep(10000);
	if (getsid(kids[0]) != leader || getpgid(kids[1]) != kids[1])
		fail("session %d, group %d before checkpoint",
		     getsid(kids[0]), getpgid(kids[1]));
	test_daemon();
	test_waitsig();
	for (i = 0; i < 2; i++)
		if (getsid(kids[i]) != leader)
			fail("child %d in session %d, not %d", kids[i],
			     getsid(kids[i]), leader);
	if (getpgid(kids[0]) != leader || getpgid(kids[1]) != kids[1])
		fail("children in groups %d and %d, not %d and %d",
		     getpgid(kids[0]), getpgid(kids[1]), leader, kids[1]);
	if (kill(-leader, SIGUSR1) || kill(-kids[1], SIGUSR1))
		fail("kill: %s", strerror(errno));
	for (i = 0; i < 2; i++) {
		w = waitpid(kids[i], &st, 0);
		if (w != kids[i] || !WIFEXITED(st) || WEXITSTATUS(st))
			fail("child %d: status %#x (ids or parent lost)",
			     kids[i], st);
	}
	pass();
}
