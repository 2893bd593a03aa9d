// SPDX-License-Identifier: GPL-2.0
/*
 * A signalfd for SIGUSR1 and SIGRTMIN with both blocked and pending
 * before the checkpoint (SIGRTMIN queued twice with values): after
 * restart the signalfd reads them in order with their values, accepts
 * only its signals (SIGUSR2 stays pending, unread), and a signal sent
 * after restart wakes a poll() on it.
 */
#include "zdtm.h"
#include <poll.h>
#include <sys/signalfd.h>

int main(void)
{
	struct signalfd_siginfo si;
	struct pollfd p;
	sigset_t m, pend;
	int fd;

	test_init();
	sigemptyset(&m);
	sigaddset(&m, SIGUSR1);
	sigaddset(&m, SIGRTMIN);
	fd = signalfd(-1, &m, SFD_NONBLOCK);
	sigaddset(&m, SIGUSR2);
	if (fd < 0 || sigprocmask(SIG_BLOCK, &m, NULL))
		fail("signalfd: %s", strerror(errno));
	kill(getpid(), SIGUSR1);
	kill(getpid(), SIGUSR2);
	sigqueue(getpid(), SIGRTMIN, (union sigval){ .sival_int = 11 });
	sigqueue(getpid(), SIGRTMIN, (union sigval){ .sival_int = 22 });
	test_daemon();
	/* test_waitsig(), with the signals kept blocked. */
	while (!zdtm_stopped)
		sigsuspend(&m);
	if (!(fcntl(fd, F_GETFL) & O_NONBLOCK))
		fail("SFD_NONBLOCK lost");
	if (read(fd, &si, sizeof(si)) != sizeof(si) || si.ssi_signo != SIGUSR1)
		fail("first read is not SIGUSR1");
	if (read(fd, &si, sizeof(si)) != sizeof(si) ||
	    si.ssi_signo != (unsigned int)SIGRTMIN || si.ssi_int != 11)
		fail("second read is not SIGRTMIN with 11");
	if (read(fd, &si, sizeof(si)) != sizeof(si) || si.ssi_int != 22)
		fail("third read is not SIGRTMIN with 22");
	if (read(fd, &si, sizeof(si)) >= 0 || errno != EAGAIN)
		fail("the signalfd read a signal it does not accept");
	sigpending(&pend);
	if (!sigismember(&pend, SIGUSR2))
		fail("SIGUSR2 is no longer pending");
	p.fd = fd;
	p.events = POLLIN;
	kill(getpid(), SIGUSR1);
	if (poll(&p, 1, 1000) != 1)
		fail("a signal sent after restart does not wake poll()");
	pass();
}
