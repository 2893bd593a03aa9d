// SPDX-License-Identifier: GPL-2.0
/*
 * mlockall() by an ordinary user: uid 1000 locks everything it has and
 * what it maps later (MCL_CURRENT | MCL_FUTURE | MCL_ONFAULT), within
 * its RLIMIT_MEMLOCK. After restart a mapping made before is still
 * locked, and one made after restart is locked on fault too: the
 * MCL_FUTURE setting came back, checked against the user's limit.
 */
#include "zdtm.h"
#include <sys/mman.h>
#include <sys/resource.h>

int main(void)
{
	struct rlimit rl = { 64 << 20, 64 << 20 };
	char *a, *n;

	test_init();
	if (setrlimit(RLIMIT_MEMLOCK, &rl))
		fail("setrlimit: %s", strerror(errno));
	if (setresgid(1000, 1000, 1000) || setresuid(1000, 1000, 1000))
		fail("dropping root: %s", strerror(errno));
	a = mmap(NULL, 8 * 4096, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (a == MAP_FAILED)
		fail("mmap: %s", strerror(errno));
	memset(a, 'x', 2 * 4096);
	if (mlockall(MCL_CURRENT | MCL_FUTURE | MCL_ONFAULT))
		fail("mlockall: %s", strerror(errno));
	if (!vma_has_flag(a, "lo") || !vma_has_flag(a, "lf"))
		fail("not locked before the checkpoint");
	test_daemon();
	test_waitsig();
	if (getuid() != 1000)
		fail("uid %d after restart", getuid());
	if (!vma_has_flag(a, "lo") || !vma_has_flag(a, "lf"))
		fail("mapping made before is no longer locked on fault");
	if (a[0] != 'x' || a[2 * 4096 - 1] != 'x' || a[2 * 4096])
		fail("locked mapping lost its contents");
	n = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (n == MAP_FAILED)
		fail("mmap after restart: %s", strerror(errno));
	if (!vma_has_flag(n, "lo") || !vma_has_flag(n, "lf"))
		fail("a new mapping is not locked: MCL_FUTURE was lost");
	pass();
}
