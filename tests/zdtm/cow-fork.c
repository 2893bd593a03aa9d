// SPDX-License-Identifier: GPL-2.0
/*
 * Pages a parent and its forked child still share copy-on-write: after
 * restart they are one physical page again (same PFN in both
 * /proc/PID/pagemap) until one side writes, and the contents are right.
 */
#include "zdtm.h"
#include <sys/mman.h>
#include <sys/wait.h>

#define PAGES 16


int main(void)
{
	char *m = mmap(NULL, PAGES * 4096, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	int p[2], i, st;
	pid_t c;

	test_init();
	if (m == MAP_FAILED || pipe(p))
		fail("mmap/pipe: %s", strerror(errno));
	for (i = 0; i < PAGES; i++)
		memset(m + i * 4096, 'a' + i, 4096);
	c = fork();
	if (c == 0) {
		char x;

		signal(SIGTERM, SIG_DFL);
		close(p[1]);
		/* Until the parent says so; then check the contents. */
		if (read(p[0], &x, 1) != 1)
			_exit(2);
		for (i = 0; i < PAGES; i++)
			if (m[i * 4096] != 'a' + i)
				_exit(3);
		_exit(0);
	}
	close(p[0]);
	for (i = 0; i < PAGES; i++)
		if (page_pfn(getpid(), m + i * 4096) != page_pfn(c, m + i * 4096))
			fail("page %d not shared before checkpoint", i);
	test_daemon();
	test_waitsig();
	for (i = 0; i < PAGES; i++)
		if (page_pfn(getpid(), m + i * 4096) != page_pfn(c, m + i * 4096))
			fail("page %d of %d no longer shared with the child", i,
			     PAGES);
	m[0] = 'z';
	if (page_pfn(getpid(), m) == page_pfn(c, m))
		fail("a written page is still shared");
	if (write(p[1], "g", 1) != 1 || waitpid(c, &st, 0) != c ||
	    !WIFEXITED(st) || WEXITSTATUS(st))
		fail("the child saw wrong contents: %#x", st);
	pass();
}
