// SPDX-License-Identifier: GPL-2.0
/*
 * Signal-driven I/O on a pipe: O_ASYNC set on the read end with
 * fcntl(F_SETFL) after F_SETOWN to the process and F_SETSIG to a
 * real-time signal, whose handler notes si_fd and si_band.  After
 * restart F_GETFL, F_GETOWN and F_GETSIG show the same, and a write to
 * the pipe brings the signal for the read end, once, with POLLIN.
 */
#include "zdtm.h"
#include <poll.h>

#define IO	(SIGRTMIN + 3)

static volatile sig_atomic_t got, got_fd;
static volatile long got_band;

static void on_io(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)uc;
	got++;
	got_fd = si->si_fd;
	got_band = si->si_band;
}

int main(void)
{
	struct sigaction sa = { .sa_sigaction = on_io, .sa_flags = SA_SIGINFO };
	int p[2], i, fl;
	char c;

	test_init();
	if (pipe(p) || sigaction(IO, &sa, NULL) ||
	    fcntl(p[0], F_SETOWN, getpid()) || fcntl(p[0], F_SETSIG, IO))
		fail("setup: %s", strerror(errno));
	fl = fcntl(p[0], F_GETFL);
	if (fcntl(p[0], F_SETFL, fl | O_ASYNC | O_NONBLOCK))
		fail("F_SETFL: %s", strerror(errno));
	test_daemon();
	test_waitsig();

	fl = fcntl(p[0], F_GETFL);
	if (!(fl & O_ASYNC) || !(fl & O_NONBLOCK))
		fail("F_GETFL %#x after restart: O_ASYNC or O_NONBLOCK lost", fl);
	if (fcntl(p[0], F_GETOWN) != getpid())
		fail("F_GETOWN %d, not the process %d", fcntl(p[0], F_GETOWN),
		     getpid());
	if (fcntl(p[0], F_GETSIG) != IO)
		fail("F_GETSIG %d, not %d", fcntl(p[0], F_GETSIG), IO);
	if (got)
		fail("the I/O signal came before any I/O");
	if (write(p[1], "x", 1) != 1)
		fail("write: %s", strerror(errno));
	for (i = 0; i < 100 && !got; i++)
		usleep(10000);
	if (got != 1 || got_fd != p[0] || !(got_band & POLLIN))
		fail("I/O signal: %d times, si_fd %d (want %d), si_band %#lx",
		     (int)got, (int)got_fd, p[0], got_band);
	if (read(p[0], &c, 1) != 1)
		fail("read: %s", strerror(errno));
	pass();
}
