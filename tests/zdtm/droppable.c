// SPDX-License-Identifier: GPL-2.0
/*
 * A MAP_DROPPABLE mapping (6.11: memory the kernel may zero under
 * pressure, wiped on fork). After restart it is droppable again (smaps
 * "dp" and "wf"), its pages hold what they held (or zeros, had the kernel
 * dropped them), and a child forked after restart sees zeros.
 */
#include "zdtm.h"
#include <sys/mman.h>
#include <sys/wait.h>

#ifndef MAP_DROPPABLE
#define MAP_DROPPABLE 0x08
#endif

#define LEN (4 * 4096)

int main(void)
{
	char *d;
	int i, st;
	pid_t c;

	test_init();
	d = mmap(NULL, LEN, PROT_READ | PROT_WRITE,
		 MAP_DROPPABLE | MAP_ANONYMOUS, -1, 0);
	if (d == MAP_FAILED)
		fail("mmap(MAP_DROPPABLE): %s", strerror(errno));
	for (i = 0; i < LEN; i += 4096)
		d[i] = 'd' + i / 4096;
	if (!vma_has_flag(d, "dp"))
		fail("not droppable before the checkpoint");
	test_daemon();
	test_waitsig();
	if (!vma_has_flag(d, "dp") || !vma_has_flag(d, "wf"))
		fail("mapping is no longer droppable and wiped on fork");
	for (i = 0; i < LEN; i += 4096)
		if (d[i] && d[i] != 'd' + i / 4096)
			fail("page %d holds %#x", i / 4096, d[i]);
	if (!d[0])
		fail("page 0 was dropped (the test needs it kept)");
	c = fork();
	if (c < 0)
		fail("fork: %s", strerror(errno));
	if (c == 0)
		_exit(d[0] != 0);
	if (waitpid(c, &st, 0) != c || !WIFEXITED(st) || WEXITSTATUS(st))
		fail("the child saw the droppable page");
	pass();
}
