// SPDX-License-Identifier: GPL-2.0
/*
 * Locked memory: one mapping locked with mlock(), one with
 * mlock2(MLOCK_ONFAULT) and only partly touched. After restart both are
 * locked again as they were (smaps "lo", and "lf" for the second), their
 * contents are back, VmLck counts them, and a new mapping is not locked.
 */
#include "zdtm.h"
#include <sys/mman.h>
#include <sys/syscall.h>

#define LEN (16 * 4096)

int main(void)
{
	char *a, *b, *n;
	long before, after;
	int i;

	test_init();
	a = mmap(NULL, LEN, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	b = mmap(NULL, LEN, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (a == MAP_FAILED || b == MAP_FAILED)
		fail("mmap: %s", strerror(errno));
	for (i = 0; i < LEN; i += 4096)
		a[i] = 'a' + i / 4096;
	if (mlock(a, LEN))
		fail("mlock: %s", strerror(errno));
	if (syscall(SYS_mlock2, b, LEN, MLOCK_ONFAULT))
		fail("mlock2: %s", strerror(errno));
	b[0] = 'B';
	b[5 * 4096] = 'b';
	before = status_kb("VmLck");
	if (!vma_has_flag(a, "lo") || !vma_has_flag(b, "lf"))
		fail("not locked before the checkpoint");
	test_daemon();
	test_waitsig();
	if (!vma_has_flag(a, "lo") || vma_has_flag(a, "lf"))
		fail("mlock()ed mapping is not locked as before");
	if (!vma_has_flag(b, "lo") || !vma_has_flag(b, "lf"))
		fail("MLOCK_ONFAULT mapping is not locked on fault");
	for (i = 0; i < LEN; i += 4096)
		if (a[i] != 'a' + i / 4096)
			fail("locked page %d lost its contents", i / 4096);
	if (b[0] != 'B' || b[5 * 4096] != 'b' || b[4096])
		fail("lock-on-fault mapping lost its contents");
	after = status_kb("VmLck");
	if (after < LEN / 1024 || after < before)
		fail("VmLck %ld kB, was %ld kB", after, before);
	n = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (n == MAP_FAILED || vma_has_flag(n, "lo"))
		fail("a new mapping is locked (no mlockall was made)");
	pass();
}
