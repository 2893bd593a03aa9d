// SPDX-License-Identifier: GPL-2.0
/*
 * eventfds of each flavour: a plain counter, an EFD_SEMAPHORE one and an
 * EFD_NONBLOCK one at zero. After restart each counter holds what it
 * held, a semaphore read returns 1 at a time, the non-blocking one
 * still fails with EAGAIN while empty, and writing wakes a poll().
 */
#include "zdtm.h"
#include <poll.h>
#include <stdint.h>
#include <sys/eventfd.h>

static uint64_t rd(int fd)
{
	uint64_t v = 0;

	if (read(fd, &v, 8) != 8)
		return (uint64_t)-1;
	return v;
}

int main(void)
{
	uint64_t big = (1ULL << 40) + 5;
	struct pollfd p;
	int plain, sem, nb, i;

	test_init();
	plain = eventfd(0, 0);
	sem = eventfd(3, EFD_SEMAPHORE | EFD_CLOEXEC);
	nb = eventfd(0, EFD_NONBLOCK);
	if (plain < 0 || sem < 0 || nb < 0)
		fail("eventfd: %s", strerror(errno));
	if (write(plain, &big, 8) != 8)
		fail("write: %s", strerror(errno));
	test_daemon();
	test_waitsig();
	if (fcntl(plain, F_GETFL) & O_NONBLOCK || !(fcntl(nb, F_GETFL) & O_NONBLOCK))
		fail("O_NONBLOCK is not what it was");
	if (!(fcntl(sem, F_GETFD) & FD_CLOEXEC))
		fail("close-on-exec lost");
	if (rd(plain) != big)
		fail("plain counter is not %llu", (unsigned long long)big);
	for (i = 0; i < 3; i++)
		if (rd(sem) != 1)
			fail("semaphore read %d did not return 1", i);
	fcntl(sem, F_SETFL, O_NONBLOCK);
	if (read(sem, &big, 8) >= 0 || errno != EAGAIN)
		fail("semaphore not empty after 3 reads");
	if (read(nb, &big, 8) >= 0 || errno != EAGAIN)
		fail("non-blocking eventfd did not fail with EAGAIN");
	p.fd = nb;
	p.events = POLLIN;
	if (poll(&p, 1, 0) != 0)
		fail("empty eventfd polls readable");
	big = 2;
	if (write(nb, &big, 8) != 8 || poll(&p, 1, 1000) != 1 || rd(nb) != 2)
		fail("a write does not wake poll() or read 2");
	pass();
}
