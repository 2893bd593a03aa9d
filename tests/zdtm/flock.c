// SPDX-License-Identifier: GPL-2.0
/*
 * flock() and open file description (OFD) locks, which belong to the
 * open file: an exclusive flock() on one file, a shared one on another
 * taken through a dup()ed descriptor whose original was closed, an OFD
 * write lock on bytes 10..19 of a third and an OFD read lock from byte
 * 100 to its end.  After restart a child, through opens of its own, finds
 * each lock held as before (flock(LOCK_NB) and F_OFD_GETLK), and once
 * the process drops its exclusive flock() another open can take it.
 */
#include "zdtm.h"
#include <sys/file.h>
#include <sys/wait.h>

static int ofd(int fd, int cmd, short type, off_t start, off_t len,
	       struct flock *out)
{
	struct flock l = { .l_type = type, .l_whence = SEEK_SET,
			   .l_start = start, .l_len = len };
	int ret = fcntl(fd, cmd, &l);

	if (out)
		*out = l;
	return ret;
}

/* In a child: 0 if every lock is seen as expected, else which is not. */
static int check(void)
{
	int a = open("a", O_RDWR), b = open("b", O_RDWR), c = open("c", O_RDWR);
	struct flock l;

	if (a < 0 || b < 0 || c < 0)
		return 1;
	if (!flock(a, LOCK_SH | LOCK_NB) || errno != EWOULDBLOCK)
		return 2;
	if (flock(b, LOCK_SH | LOCK_NB) || flock(b, LOCK_UN))
		return 3;
	if (!flock(b, LOCK_EX | LOCK_NB) || errno != EWOULDBLOCK)
		return 4;
	if (ofd(c, F_OFD_GETLK, F_RDLCK, 0, 50, &l) ||
	    l.l_type != F_WRLCK || l.l_start != 10 || l.l_len != 10)
		return 5;
	if (ofd(c, F_OFD_GETLK, F_WRLCK, 150, 10, &l) ||
	    l.l_type != F_RDLCK || l.l_start != 100 || l.l_len != 0)
		return 6;
	if (ofd(c, F_OFD_GETLK, F_RDLCK, 150, 10, &l) || l.l_type != F_UNLCK)
		return 7;
	return 0;
}

static int in_child(int (*fn)(void))
{
	int st;
	pid_t p = fork();

	if (p == 0)
		_exit(fn());
	if (p < 0 || waitpid(p, &st, 0) != p || !WIFEXITED(st))
		return -1;
	return WEXITSTATUS(st);
}

static int take_a(void)
{
	int a = open("a", O_RDWR);

	return a < 0 || flock(a, LOCK_EX | LOCK_NB);
}

int main(void)
{
	int a, b, b2, c, r;

	test_init();
	a = open("a", O_RDWR | O_CREAT | O_TRUNC, 0600);
	b = open("b", O_RDWR | O_CREAT | O_TRUNC, 0600);
	c = open("c", O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (a < 0 || b < 0 || c < 0 || ftruncate(c, 4096))
		fail("setup: %s", strerror(errno));
	b2 = dup(b);
	close(b);
	if (flock(a, LOCK_EX) || flock(b2, LOCK_SH) ||
	    ofd(c, F_OFD_SETLK, F_WRLCK, 10, 10, NULL) ||
	    ofd(c, F_OFD_SETLK, F_RDLCK, 100, 0, NULL))
		fail("taking the locks: %s", strerror(errno));
	r = in_child(check);
	if (r)
		fail("before checkpoint, check %d failed", r);
	test_daemon();
	test_waitsig();

	r = in_child(check);
	if (r)
		fail("after restart, lock check %d failed", r);
	if (flock(a, LOCK_UN))
		fail("flock(LOCK_UN): %s", strerror(errno));
	if (in_child(take_a))
		fail("the exclusive flock() outlived its LOCK_UN");
	pass();
}
