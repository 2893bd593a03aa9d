// SPDX-License-Identifier: GPL-2.0
/*
 * A session leader with a pty as its controlling terminal, in raw mode
 * with its own control characters and speed, a window size, and a child
 * in another process group that is the terminal's foreground group. The
 * pty's master is held outside the checkpointed tree; while the tree is
 * checkpointed the pty is made anew (default modes, no size). After
 * restart the terminal has the modes and size it had, it is still the
 * leader's controlling terminal (/dev/tty opens it, its session is the
 * leader's) and the child's group is still in the foreground; the child
 * has the same controlling terminal.
 */
#include "zdtm.h"
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <termios.h>

/* Is fd's terminal the one /dev/tty opens (the controlling terminal)? */
static int same_tty(int fd)
{
	unsigned int dev = 0;
	struct stat a;
	int t = open("/dev/tty", O_RDWR);

	if (t < 0)
		return 0;
	if (fstat(fd, &a) || ioctl(t, TIOCGDEV, &dev)) {
		close(t);
		return 0;
	}
	close(t);
	return a.st_rdev == dev;
}

static void on_usr1(int sig)
{
	(void)sig;
}

int main(void)
{
	struct winsize ws = { .ws_row = 37, .ws_col = 123, .ws_xpixel = 5 };
	struct termios t, now;
	struct winsize got;
	const char *pty;
	sigset_t usr1, old;
	int fd, st, sig;
	pid_t c;

	test_init();
	pty = zdtm_pty();
	if (setsid() < 0)
		fail("setsid: %s", strerror(errno));
	fd = open(pty, O_RDWR);
	if (fd < 0)
		fail("open %s: %s", pty, strerror(errno));
	if (!same_tty(fd))
		fail("%s did not become the controlling terminal", pty);
	if (tcgetattr(fd, &t))
		fail("tcgetattr: %s", strerror(errno));
	cfmakeraw(&t);
	t.c_cc[VMIN] = 3;
	t.c_cc[VTIME] = 7;
	t.c_cc[VINTR] = 7;
	t.c_iflag |= IUTF8;
	cfsetspeed(&t, B57600);
	if (tcsetattr(fd, TCSANOW, &t) || ioctl(fd, TIOCSWINSZ, &ws))
		fail("setting the terminal: %s", strerror(errno));
	sigemptyset(&usr1);
	sigaddset(&usr1, SIGUSR1);
	sigprocmask(SIG_BLOCK, &usr1, &old);
	c = fork();
	if (c < 0)
		fail("fork: %s", strerror(errno));
	if (c == 0) {
		setpgid(0, 0);
		if (sigwait(&usr1, &sig))
			_exit(2);
		if (!same_tty(fd))
			_exit(3);
		_exit(tcgetpgrp(fd) == getpgrp() ? 0 : 4);
	}
	setpgid(c, c);
	signal(SIGUSR1, on_usr1);
	if (tcsetpgrp(fd, c))
		fail("tcsetpgrp: %s", strerror(errno));
	test_daemon();
	test_waitsig();

	if (tcgetattr(fd, &now))
		fail("tcgetattr after restart: %s", strerror(errno));
	if (now.c_iflag != t.c_iflag || now.c_oflag != t.c_oflag ||
	    now.c_lflag != t.c_lflag || now.c_cflag != t.c_cflag)
		fail("modes %#x %#x %#x %#x, not %#x %#x %#x %#x", now.c_iflag,
		     now.c_oflag, now.c_cflag, now.c_lflag, t.c_iflag,
		     t.c_oflag, t.c_cflag, t.c_lflag);
	if (now.c_cc[VMIN] != 3 || now.c_cc[VTIME] != 7 || now.c_cc[VINTR] != 7)
		fail("control characters lost (VMIN %d, VTIME %d, VINTR %d)",
		     now.c_cc[VMIN], now.c_cc[VTIME], now.c_cc[VINTR]);
	if (cfgetospeed(&now) != B57600)
		fail("speed %#x, not B57600", cfgetospeed(&now));
	if (ioctl(fd, TIOCGWINSZ, &got) || got.ws_row != 37 ||
	    got.ws_col != 123 || got.ws_xpixel != 5)
		fail("window %dx%d (%d px), not 37x123 (5 px)", got.ws_row,
		     got.ws_col, got.ws_xpixel);
	if (!same_tty(fd))
		fail("/dev/tty is not the terminal after restart");
	if (tcgetsid(fd) != getpid())
		fail("terminal's session %d, not %d", tcgetsid(fd), getpid());
	if (tcgetpgrp(fd) != c)
		fail("foreground group %d, not the child's %d", tcgetpgrp(fd), c);
	kill(c, SIGUSR1);
	if (waitpid(c, &st, 0) != c || !WIFEXITED(st))
		fail("waitpid: %s", strerror(errno));
	if (WEXITSTATUS(st))
		fail("the child's terminal is wrong (%d)", WEXITSTATUS(st));
	pass();
}
