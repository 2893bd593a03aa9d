// SPDX-License-Identifier: GPL-2.0
/*
 * A process group whose leader has exited and been reaped: its members
 * keep the group id after restart, and a signal to the group reaches
 * them all. One member joined the group from outside (setpgid() by the
 * parent, before the leader exited); another was the leader's own child,
 * adopted by this process as a child subreaper.
 */
#include "zdtm.h"
#include <sys/prctl.h>
#include <sys/wait.h>

static void on_usr1(int sig)
{
	(void)sig;
	zdtm_stopped = 1;
}

/* Wait for SIGUSR1; exit 0 if still in group pgid, under parent ppid. */
static void member(pid_t pgid, pid_t ppid)
{
	sigset_t none;

	sigemptyset(&none);
	while (!zdtm_stopped)
		sigsuspend(&none);
	_exit(getpgrp() == pgid && getppid() == ppid ? 0 : 3);
}

int main(void)
{
	pid_t me = getpid(), leader, joined, adopted = 0, w;
	int go[2], back[2], i, st = 0;
	sigset_t usr1;
	char x;

	test_init();
	signal(SIGUSR1, on_usr1);
	sigemptyset(&usr1);
	sigaddset(&usr1, SIGUSR1);
	sigprocmask(SIG_BLOCK, &usr1, NULL);
	if (prctl(PR_SET_CHILD_SUBREAPER, 1) || pipe(go) || pipe(back))
		fail("prctl/pipe: %s", strerror(errno));
	leader = fork();
	if (leader == 0) {
		pid_t c;

		setpgid(0, 0);
		c = fork();
		if (c == 0)
			member(getpgrp(), me);
		if (write(back[1], &c, sizeof(c)) != sizeof(c))
			_exit(4);
		/* Until the other member joined. */
		if (read(go[0], &x, 1) != 1)
			_exit(5);
		_exit(0);
	}
	if (leader < 0 || read(back[0], &adopted, sizeof(adopted)) !=
			  sizeof(adopted))
		fail("fork: %s", strerror(errno));
	joined = fork();
	if (joined == 0)
		member(leader, me);
	if (joined < 0 || setpgid(joined, leader))
		fail("fork/setpgid: %s", strerror(errno));
	if (write(go[1], "g", 1) != 1 || waitpid(leader, &st, 0) != leader ||
	    st)
		fail("the leader did not exit: %#x", st);
	if (getpgid(joined) != leader || getpgid(adopted) != leader)
		fail("groups %d, %d before checkpoint, not %d",
		     getpgid(joined), getpgid(adopted), leader);
	test_daemon();
	test_waitsig();
	if (getpgid(joined) != leader || getpgid(adopted) != leader)
		fail("members in groups %d and %d, not %d", getpgid(joined),
		     getpgid(adopted), leader);
	if (kill(-leader, SIGUSR1))
		fail("kill(-%d): %s", leader, strerror(errno));
	for (i = 0; i < 2; i++) {
		w = wait(&st);
		if (w != joined && w != adopted)
			fail("wait: %d: %s", w, strerror(errno));
		if (!WIFEXITED(st) || WEXITSTATUS(st))
			fail("member %d: status %#x (group or parent lost)", w,
			     st);
	}
	pass();
}
