// SPDX-License-Identifier: GPL-2.0
/*
 * POSIX record locks, which belong to a process: the parent holds a
 * read lock on bytes 0..99 and a write lock from byte 200 to the end of
 * a file; its child, forked before the parent took them, holds a write
 * lock on bytes 100..149 through its own open.  After restart a process
 * forked then finds each range locked by its owner (F_GETLK's type,
 * range and pid), and the locks still belong to their owners: once the
 * parent unlocks bytes 0..99 they are free, and the child's stay.
 */
#include "zdtm.h"
#include <sys/wait.h>

static int lk(int fd, int cmd, short type, off_t start, off_t len,
	      struct flock *out)
{
	struct flock l = { .l_type = type, .l_whence = SEEK_SET,
			   .l_start = start, .l_len = len };
	int ret = fcntl(fd, cmd, &l);

	if (out)
		*out = l;
	return ret;
}

static pid_t parent, kid;
static int freed;

/* In a process of its own: 0 if every range shows its owner. */
static int check(void)
{
	int fd = open("f", O_RDWR);
	struct flock l;

	if (fd < 0)
		return 1;
	if (lk(fd, F_GETLK, F_WRLCK, 0, 100, &l))
		return 2;
	if (freed ? l.l_type != F_UNLCK :
	    (l.l_type != F_RDLCK || l.l_start || l.l_len != 100 ||
	     l.l_pid != parent))
		return 3;
	if (lk(fd, F_GETLK, F_RDLCK, 120, 1, &l) || l.l_type != F_WRLCK ||
	    l.l_start != 100 || l.l_len != 50 || l.l_pid != kid)
		return 4;
	if (lk(fd, F_GETLK, F_RDLCK, 5000, 1, &l) || l.l_type != F_WRLCK ||
	    l.l_start != 200 || l.l_len || l.l_pid != parent)
		return 5;
	return 0;
}

static int checker(void)
{
	int st;
	pid_t p = fork();

	if (p == 0)
		_exit(check());
	if (p < 0 || waitpid(p, &st, 0) != p || !WIFEXITED(st))
		return -1;
	return WEXITSTATUS(st);
}

int main(void)
{
	int fd, up[2], down[2], r, st;
	char c;

	test_init();
	fd = open("f", O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || pipe(up) || pipe(down))
		fail("setup: %s", strerror(errno));
	kid = fork();
	if (kid < 0)
		fail("fork: %s", strerror(errno));
	if (kid == 0) {
		int own = open("f", O_RDWR);

		if (own < 0 || lk(own, F_SETLK, F_WRLCK, 100, 50, NULL))
			_exit(10);
		if (write(up[1], "k", 1) != 1 || read(down[0], &c, 1) != 1)
			_exit(11);
		/* Still ours after restart: the parent's unlock left it. */
		_exit(lk(own, F_SETLK, F_WRLCK, 100, 50, NULL) ? 12 : 0);
	}
	if (read(up[0], &c, 1) != 1)
		fail("the child could not lock");
	if (lk(fd, F_SETLK, F_RDLCK, 0, 100, NULL) ||
	    lk(fd, F_SETLK, F_WRLCK, 200, 0, NULL))
		fail("taking the locks: %s", strerror(errno));
	parent = getpid();
	r = checker();
	if (r)
		fail("before checkpoint, check %d failed", r);
	test_daemon();
	test_waitsig();

	parent = getpid();
	r = checker();
	if (r)
		fail("after restart, lock check %d failed", r);
	if (lk(fd, F_SETLK, F_UNLCK, 0, 100, NULL))
		fail("unlocking: %s", strerror(errno));
	freed = 1;
	r = checker();
	if (r)
		fail("after the parent's unlock, check %d failed", r);
	if (write(down[1], "d", 1) != 1 || waitpid(kid, &st, 0) != kid ||
	    !WIFEXITED(st) || WEXITSTATUS(st))
		fail("the child's lock (status %#x)", st);
	pass();
}
