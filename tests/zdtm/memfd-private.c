// SPDX-License-Identifier: GPL-2.0
/*
 * One memfd mapped twice MAP_PRIVATE: the pages neither mapping wrote are
 * the memfd's own pages, one physical page behind both mappings, before
 * and after restart; a write through one mapping stays its own; a write
 * to the memfd afterwards shows through both where neither wrote.
 */
#include "zdtm.h"
#include <sys/mman.h>

#define PG 4096


static void check(char *a, char *b, const char *when)
{
	volatile char x;
	int i;

	for (i = 0; i < 4; i++) {
		x = a[i * PG];
		x = b[i * PG];
	}
	(void)x;
	if (a[0] != 'z' || b[0] != 'a' || a[PG] != 'b' || b[3 * PG] != 'd')
		fail("%s: contents %c %c %c %c", when, a[0], b[0], a[PG],
		     b[3 * PG]);
	if (page_pfn(getpid(), a) == page_pfn(getpid(), b))
		fail("%s: the written page is shared", when);
	for (i = 1; i < 4; i++)
		if (page_pfn(getpid(), a + i * PG) != page_pfn(getpid(), b + i * PG))
			fail("%s: page %d of the memfd is two pages", when, i);
}

int main(void)
{
	int fd = memfd_create("zdtm-private", 0), i;
	char *a, *b, page[PG];

	test_init();
	if (fd < 0 || ftruncate(fd, 4 * PG))
		fail("memfd: %s", strerror(errno));
	for (i = 0; i < 4; i++) {
		memset(page, 'a' + i, PG);
		if (pwrite(fd, page, PG, i * PG) != PG)
			fail("pwrite: %s", strerror(errno));
	}
	a = mmap(NULL, 4 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	b = mmap(NULL, 4 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	if (a == MAP_FAILED || b == MAP_FAILED)
		fail("mmap: %s", strerror(errno));
	a[0] = 'z';
	check(a, b, "before");
	test_daemon();
	test_waitsig();
	check(a, b, "after restart");
	memset(page, 'q', PG);
	if (pwrite(fd, page, PG, 2 * PG) != PG)
		fail("pwrite: %s", strerror(errno));
	if (a[2 * PG] != 'q' || b[2 * PG] != 'q')
		fail("a write to the memfd does not show through: %c %c",
		     a[2 * PG], b[2 * PG]);
	pass();
}
