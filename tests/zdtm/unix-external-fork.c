// SPDX-License-Identifier: GPL-2.0
/*
 * unix-external's daemon and checks, in another shape: the sockets to
 * the daemon are made after fork() by a child of the case, which is
 * blocked in read() on a pipe from its parent when the tree is
 * checkpointed; after restart the parent wakes it and it talks to the
 * daemon over the sockets connected again by name.
 */
#define ZDTM_EXTERNAL_FORK
#include "unix-external.c"

int main(void)
{
	int wake[2], ready[2], st, lg, status;
	pid_t c;
	char b;

	test_init();
	start_daemon();
	if (pipe(wake) || pipe(ready))
		fail("pipe: %s", strerror(errno));
	c = fork();
	if (c < 0)
		fail("fork: %s", strerror(errno));
	if (c == 0) {
		connect_both(&st, &lg);
		if (write(ready[1], "r", 1) != 1)
			_exit(2);
		/* Blocked here when checkpointed. */
		if (read(wake[0], &b, 1) != 1)
			_exit(3);
		check_both(st, lg);
		_exit(0);
	}
	if (read(ready[0], &b, 1) != 1)
		fail("the child did not connect");
	test_checkpoint_opts("--ext-unix");
	test_daemon();
	test_waitsig();
	if (write(wake[1], "w", 1) != 1 || waitpid(c, &status, 0) != c ||
	    !WIFEXITED(status) || WEXITSTATUS(status))
		fail("child: status %#x", status);
	pass();
}
