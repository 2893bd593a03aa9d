// SPDX-License-Identifier: GPL-2.0
/*
 * Pages a parent and its forked child still share copy-on-write: after
 * restart they are one physical page again (same PFN in both
 * /proc/PID/pagemap) until one side writes, and the contents are right.
 */
#include "zdtm.h"
#include <stdint.h>
#include <sys/mman.h>
#include <sys/wait.h>

#define PAGES 16

static uint64_t pfn(pid_t pid, void *addr)
{
	char path[64];
	uint64_t e = 0;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/pagemap", pid);
	fd = open(path, O_RDONLY);
	if (fd < 0 || pread(fd, &e, 8, (uintptr_t)addr / 4096 * 8) != 8)
		fail("reading %s: %s", path, strerror(errno));
	close(fd);
	if (!(e >> 63))
		fail("page %p of %d not present", addr, pid);
	return e & ((1ULL << 55) - 1);
}

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
		if (pfn(getpid(), m + i * 4096) != pfn(c, m + i * 4096))
			fail("page %d not shared before checkpoint", i);
	test_daemon();
	test_waitsig();
	for (i = 0; i < PAGES; i++)
		if (pfn(getpid(), m + i * 4096) != pfn(c, m + i * 4096))
			fail("page %d of %d no longer shared with the child", i,
			     PAGES);
	m[0] = 'z';
	if (pfn(getpid(), m) == pfn(c, m))
		fail("a written page is still shared");
	if (write(p[1], "g", 1) != 1 || waitpid(c, &st, 0) != c ||
	    !WIFEXITED(st) || WEXITSTATUS(st))
		fail("the child saw wrong contents: %#x", st);
	pass();
}
