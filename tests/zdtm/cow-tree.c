// SPDX-License-Identifier: GPL-2.0
/*
 * Copy-on-write across three generations, after writes on both sides:
 * a parent maps 16 pages and fills 8, forks a child, which writes page 2
 * and forks a grandchild; then the parent writes page 3 and page 9 (one
 * the child never had). After restart the pages nobody wrote are one
 * physical page in all three, page 2 is one page in the child and the
 * grandchild only, and each process reads what it read before: the
 * child and grandchild see page 3 as it was at fork() and page 9 as
 * zeros, not the parent's later writes.
 */
#include "zdtm.h"
#include <sys/mman.h>
#include <sys/wait.h>

#define PAGES 16
#define PG 4096

static char *m;

/* The physical page of page number page of m in process pid. */
static unsigned long long pfn(pid_t pid, int page)
{
	return page_pfn(pid, m + page * PG);
}

/* The contents a child or grandchild must see: 0 if right. */
static int check_child(void)
{
	int i;

	for (i = 0; i < 8; i++)
		if (m[i * PG] != (i == 2 ? 'c' : 'A' + i) ||
		    m[i * PG + PG - 1] != (i == 2 ? 'c' : 'A' + i))
			return 10 + i;
	for (i = 8; i < PAGES; i++)
		if (m[i * PG] || m[i * PG + 100])
			return 30 + i;
	return 0;
}

/* Wait for a byte on fd, check, then exit with the result. */
static void child_wait(int fd, pid_t kid, int kfd)
{
	int st = 0, r;
	char x;

	signal(SIGTERM, SIG_DFL);
	if (read(fd, &x, 1) != 1)
		_exit(2);
	r = check_child();
	if (kid > 0) {
		if (write(kfd, "g", 1) != 1 || waitpid(kid, &st, 0) != kid)
			_exit(3);
		if (!r && st)
			r = WIFEXITED(st) ? WEXITSTATUS(st) + 100 : 4;
	}
	_exit(r);
}

int main(void)
{
	int pc[2], cg[2], back[2], i, st;
	pid_t c, g = 0;

	test_init();
	m = mmap(NULL, PAGES * PG, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (m == MAP_FAILED || pipe(pc) || pipe(cg) || pipe(back))
		fail("mmap/pipe: %s", strerror(errno));
	for (i = 0; i < 8; i++)
		memset(m + i * PG, 'A' + i, PG);
	c = fork();
	if (c == 0) {
		memset(m + 2 * PG, 'c', PG);
		g = fork();
		if (g == 0)
			child_wait(cg[0], 0, -1);
		if (g < 0 || write(back[1], &g, sizeof(g)) != sizeof(g))
			_exit(5);
		child_wait(pc[0], g, cg[1]);
	}
	if (c < 0 || read(back[0], &g, sizeof(g)) != sizeof(g))
		fail("fork: %s", strerror(errno));
	memset(m + 3 * PG, 'p', PG);
	memset(m + 9 * PG, 'q', PG);
	test_daemon();
	test_waitsig();
	for (i = 0; i < 8; i++) {
		unsigned long long p = pfn(getpid(), i), pc_ = pfn(c, i),
				   pg = pfn(g, i);

		if (i == 2 && (p == pc_ || pc_ != pg))
			fail("page 2: parent %llx, child %llx, grandchild %llx",
			     p, pc_, pg);
		if (i == 3 && p == pc_)
			fail("page 3, written by the parent, still shared");
		if (i != 2 && i != 3 && (p != pc_ || p != pg))
			fail("page %d no longer shared: %llx %llx %llx", i,
			     p, pc_, pg);
	}
	if (m[3 * PG] != 'p' || m[9 * PG] != 'q' || m[2 * PG] != 'C')
		fail("the parent's pages changed");
	if (write(pc[1], "g", 1) != 1 || waitpid(c, &st, 0) != c)
		fail("waitpid: %s", strerror(errno));
	if (!WIFEXITED(st) || WEXITSTATUS(st))
		fail("a descendant saw wrong contents: status %#x", st);
	pass();
}
