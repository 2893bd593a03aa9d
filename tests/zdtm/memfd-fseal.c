// SPDX-License-Identifier: GPL-2.0
/*
 * F_SEAL_FUTURE_WRITE on a memfd that a parent and its child map shared
 * and writable, made before the seal (a producer that keeps writing
 * through its mapping and hands out a read-only view).  After restart
 * the child's writes through its old mapping show in the parent's, and
 * the seal still refuses write() and new writable shared mappings.
 */
#include "zdtm.h"
#include <sys/mman.h>
#include <sys/wait.h>

int main(void)
{
	int fd, up[2], down[2], st;
	volatile char *m;
	pid_t kid;
	char c;

	test_init();
	fd = memfd_create("fseal", MFD_ALLOW_SEALING);
	if (fd < 0 || ftruncate(fd, 4096) || pipe(up) || pipe(down))
		fail("setup: %s", strerror(errno));
	m = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (m == MAP_FAILED)
		fail("mmap: %s", strerror(errno));
	kid = fork();
	if (kid < 0)
		fail("fork: %s", strerror(errno));
	if (kid == 0) {
		m[0] = 'k';
		if (write(up[1], "r", 1) != 1 || read(down[0], &c, 1) != 1)
			_exit(10);
		m[1] = 'K';
		_exit(write(up[1], "w", 1) == 1 ? 0 : 11);
	}
	if (read(up[0], &c, 1) != 1 || m[0] != 'k')
		fail("the child's first write");
	if (fcntl(fd, F_ADD_SEALS, F_SEAL_FUTURE_WRITE))
		fail("F_ADD_SEALS: %s", strerror(errno));
	test_daemon();
	test_waitsig();

	if (fcntl(fd, F_GET_SEALS) != F_SEAL_FUTURE_WRITE)
		fail("seals %#x after restart", fcntl(fd, F_GET_SEALS));
	if (write(down[1], "g", 1) != 1 || read(up[0], &c, 1) != 1 ||
	    waitpid(kid, &st, 0) != kid || !WIFEXITED(st) || WEXITSTATUS(st))
		fail("the child could not write through its mapping");
	if (m[1] != 'K')
		fail("the child's write through its mapping does not show");
	m[2] = 'P';
	if (pwrite(fd, "x", 1, 0) != -1 || errno != EPERM)
		fail("write() to the sealed memfd succeeded");
	if (mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0) !=
	    MAP_FAILED)
		fail("a new writable mapping of the sealed memfd was made");
	pass();
}
