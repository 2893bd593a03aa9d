// SPDX-License-Identifier: GPL-2.0
/*
 * Copy-on-write of a program's own data after fork(): pages of an
 * initialized global array (.data, a private mapping of the executable)
 * and of a zeroed one (.bss) that the parent wrote before fork() are one
 * physical page in parent and child after restart, until the parent
 * writes one; the child still reads what it read before.
 */
#include "zdtm.h"
#include <sys/wait.h>

#define PAGES 8
#define PG 4096

static char data[PAGES * PG] __attribute__((aligned(PG))) = { 1 };
static char bss[PAGES * PG] __attribute__((aligned(PG)));


static void shared(pid_t c, const char *when)
{
	int i;

	for (i = 0; i < PAGES; i++) {
		if (page_pfn(getpid(), data + i * PG) != page_pfn(c, data + i * PG))
			fail("%s: page %d of .data not shared", when, i);
		if (page_pfn(getpid(), bss + i * PG) != page_pfn(c, bss + i * PG))
			fail("%s: page %d of .bss not shared", when, i);
	}
}

int main(void)
{
	int p[2], i, st;
	pid_t c;

	test_init();
	for (i = 0; i < PAGES; i++) {
		memset(data + i * PG, 'd' + i, PG);
		memset(bss + i * PG, 'b' + i, PG);
	}
	if (pipe(p))
		fail("pipe: %s", strerror(errno));
	c = fork();
	if (c == 0) {
		char x;

		signal(SIGTERM, SIG_DFL);
		if (read(p[0], &x, 1) != 1)
			_exit(2);
		for (i = 0; i < PAGES; i++)
			if (data[i * PG] != 'd' + i || bss[i * PG] != 'b' + i)
				_exit(3);
		_exit(0);
	}
	shared(c, "before");
	test_daemon();
	test_waitsig();
	shared(c, "after restart");
	data[0] = 'X';
	bss[PG] = 'Y';
	if (page_pfn(getpid(), data) == page_pfn(c, data) ||
	    page_pfn(getpid(), bss + PG) == page_pfn(c, bss + PG))
		fail("a written page is still shared");
	if (write(p[1], "g", 1) != 1 || waitpid(c, &st, 0) != c ||
	    !WIFEXITED(st) || WEXITSTATUS(st))
		fail("the child saw wrong contents: %#x", st);
	pass();
}
