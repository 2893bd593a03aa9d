// SPDX-License-Identifier: GPL-2.0
/*
 * The session leader is not the tree's root: a child of the root starts
 * a session and takes a pty as its controlling terminal with TIOCSCTTY
 * (opened with O_NOCTTY), turns off echo and sets a window size, then
 * closes every fd of the terminal; only its own child, a member of the
 * session in the leader's (foreground) process group, keeps one, dup'ed
 * to fd 9. The root is in no way attached to the terminal. After restart, with the pty made anew meanwhile, the leader
 * reaches its terminal through /dev/tty again, with its size and modes,
 * as the foreground group's leader; so does the member, through fd 9.
 */
#include "zdtm.h"
#include <sys/ioctl.h>
#include <termios.h>

static int check(int fd, pid_t fg)
{
	struct winsize ws;
	struct termios t;

	if (tcgetattr(fd, &t) || (t.c_lflag & ECHO) || !(t.c_lflag & ICANON) ||
	    t.c_cc[VEOF] != 0x01)
		return 10;
	if (ioctl(fd, TIOCGWINSZ, &ws) || ws.ws_row != 50 || ws.ws_col != 132)
		return 11;
	if (tcgetpgrp(fd) != fg)
		return 12;
	return 0;
}

static void on_usr1(int sig)
{
	(void)sig;
}

/* The session leader; exits with 0 if all is well after restart. */
static __attribute__((noreturn)) void leader(const char *pty, sigset_t *usr1)
{
	struct winsize ws = { .ws_row = 50, .ws_col = 132 };
	struct termios t;
	int fd, tty, st, sig, r;
	pid_t m;

	if (setsid() < 0)
		_exit(20);
	fd = open(pty, O_RDWR | O_NOCTTY);
	if (fd < 0 || ioctl(fd, TIOCSCTTY, 0))
		_exit(21);
	if (tcgetattr(fd, &t))
		_exit(22);
	t.c_lflag &= ~(ECHO | ECHOE | ECHOK);
	t.c_lflag |= ICANON;
	t.c_cc[VEOF] = 0x01;
	if (ioctl(fd, TIOCSWINSZ, &ws))
		_exit(23);
	if (fcntl(fd, F_SETFL, O_NONBLOCK) || tcsetattr(fd, TCSADRAIN, &t))
		_exit(24);
	m = fork();
	if (m < 0)
		_exit(25);
	if (m == 0) {
		if (dup2(fd, 9) != 9)
			_exit(26);
		close(fd);
		if (sigwait(usr1, &sig))
			_exit(27);
		tty = open("/dev/tty", O_RDWR);
		if (tty < 0)
			_exit(32);
		_exit(check(9, getpgrp()));
	}
	close(fd);
	if (sigwait(usr1, &sig))
		_exit(28);
	tty = open("/dev/tty", O_RDWR);
	if (tty < 0)
		_exit(29);
	r = check(tty, getpid());
	if (r)
		_exit(r);
	if (tcgetsid(tty) != getpid())
		_exit(30);
	kill(m, SIGUSR1);
	if (waitpid(m, &st, 0) != m || !WIFEXITED(st))
		_exit(31);
	_exit(WEXITSTATUS(st) ? 40 + WEXITSTATUS(st) : 0);
}

int main(void)
{
	const char *pty;
	sigset_t usr1;
	int st, t;
	pid_t c;

	test_init();
	pty = zdtm_pty();
	sigemptyset(&usr1);
	sigaddset(&usr1, SIGUSR1);
	sigprocmask(SIG_BLOCK, &usr1, NULL);
	signal(SIGUSR1, on_usr1);
	c = fork();
	if (c < 0)
		fail("fork: %s", strerror(errno));
	if (c == 0)
		leader(pty, &usr1);
	usleep(300000);
	t = open("/dev/tty", O_RDWR);
	if (t >= 0)
		fail("the root has a controlling terminal");
	test_daemon();
	test_waitsig();

	t = open("/dev/tty", O_RDWR);
	if (t >= 0)
		fail("the root has a controlling terminal after restart");
	kill(c, SIGUSR1);
	if (waitpid(c, &st, 0) != c || !WIFEXITED(st))
		fail("waitpid: %s", strerror(errno));
	if (WEXITSTATUS(st))
		fail("the session's terminal is wrong (%d)", WEXITSTATUS(st));
	pass();
}
