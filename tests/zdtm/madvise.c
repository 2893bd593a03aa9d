// SPDX-License-Identifier: GPL-2.0
/*
 * Mappings with madvise() advice that the kernel keeps as a VMA flag:
 * MADV_WIPEONFORK, MADV_DONTDUMP and MADV_DONTFORK. After restart the
 * contents are back and /proc/self/smaps shows the same flags (wf, dd,
 * dc); a child forked after restart sees the wipe-on-fork page zeroed.
 */
#include "zdtm.h"
#include <sys/mman.h>
#include <sys/wait.h>

int main(void)
{
	static const struct { int advice; const char *flag; } a[] = {
		{ MADV_WIPEONFORK, "wf" },
		{ MADV_DONTDUMP, "dd" },
		{ MADV_DONTFORK, "dc" },
	};
	char *m[3];
	int i, st;
	pid_t c;

	test_init();
	for (i = 0; i < 3; i++) {
		m[i] = mmap(NULL, 8192, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (m[i] == MAP_FAILED)
			fail("mmap: %s", strerror(errno));
		memset(m[i], 'A' + i, 8192);
		if (madvise(m[i], 8192, a[i].advice))
			fail("madvise %s: %s", a[i].flag, strerror(errno));
		if (!vma_has_flag(m[i], a[i].flag))
			fail("no %s before checkpoint", a[i].flag);
	}
	test_daemon();
	test_waitsig();
	for (i = 0; i < 3; i++) {
		if (m[i][0] != 'A' + i || m[i][8191] != 'A' + i)
			fail("mapping %s lost its contents", a[i].flag);
		if (!vma_has_flag(m[i], a[i].flag))
			fail("mapping lost its %s flag", a[i].flag);
	}
	c = fork();
	if (c == 0)
		_exit(m[0][0] == 0 ? 0 : 1);
	if (waitpid(c, &st, 0) != c || !WIFEXITED(st) || WEXITSTATUS(st))
		fail("a child sees the wipe-on-fork page unwiped");
	pass();
}
