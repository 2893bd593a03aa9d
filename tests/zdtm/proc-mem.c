// SPDX-License-Identifier: GPL-2.0
/*
 * /proc/self/mem open read-write and /proc/self/environ open across
 * checkpoint/restart: after restart, a write through mem changes this
 * process's variable, a read through it sees its memory, and environ
 * reads as before. Both files were opened before the checkpoint, when
 * their address space was the one checkpointed.
 */
#include "zdtm.h"

static volatile long target = 17;
static char before[8192], after[8192];

static int slurp(int fd, char *b, int size)
{
	int n, got = 0;

	while ((n = pread(fd, b + got, size - got, got)) > 0)
		got += n;
	return got;
}

int main(void)
{
	long v = 4242, r = 0;
	int mem, env, n, m;

	test_init();
	mem = open("/proc/self/mem", O_RDWR);
	env = open("/proc/self/environ", O_RDONLY);
	if (mem < 0 || env < 0)
		fail("open: %s", strerror(errno));
	n = slurp(env, before, sizeof(before));
	test_daemon();
	test_waitsig();
	if (pread(mem, &r, sizeof(r), (off_t)(unsigned long)&target) !=
	    sizeof(r) || r != 17)
		fail("read through /proc/self/mem: %ld, %s", r,
		     strerror(errno));
	if (pwrite(mem, &v, sizeof(v), (off_t)(unsigned long)&target) !=
	    sizeof(v))
		fail("write through /proc/self/mem: %s", strerror(errno));
	if (target != 4242)
		fail("the write through /proc/self/mem left %ld", target);
	m = slurp(env, after, sizeof(after));
	if (m != n || memcmp(before, after, n))
		fail("/proc/self/environ reads %d bytes, were %d", m, n);
	pass();
}
