// SPDX-License-Identifier: GPL-2.0
/*
 * memfd seals: a memfd sealed against writing, shrinking and growing,
 * mapped shared read-only after the seal; a sealable memfd with no seal
 * yet; a memfd never made sealable; one sealed against growing and
 * further seals.  After restart F_GET_SEALS reports each as before, and
 * each seal holds: writes and truncation of the first fail with EPERM
 * while its mapping still reads its contents, the second takes a seal,
 * the third and fourth refuse one, and the fourth refuses to grow.
 */
#include "zdtm.h"
#include <sys/mman.h>

#define SZ	8192

static int mk(const char *name, unsigned int flags, int seals)
{
	int fd = memfd_create(name, flags);
	char buf[SZ];

	memset(buf, name[0], sizeof(buf));
	if (fd < 0 || write(fd, buf, sizeof(buf)) != sizeof(buf) ||
	    (seals && fcntl(fd, F_ADD_SEALS, seals)))
		fail("memfd %s: %s", name, strerror(errno));
	return fd;
}

int main(void)
{
	int a, b, c, d, s;
	char *m;

	test_init();
	a = mk("a", MFD_ALLOW_SEALING, F_SEAL_WRITE | F_SEAL_SHRINK | F_SEAL_GROW);
	b = mk("b", MFD_ALLOW_SEALING, 0);
	c = mk("c", 0, 0);
	d = mk("d", MFD_ALLOW_SEALING, F_SEAL_GROW | F_SEAL_SEAL);
	m = mmap(NULL, SZ, PROT_READ, MAP_SHARED, a, 0);
	if (m == MAP_FAILED)
		fail("mmap of the sealed memfd: %s", strerror(errno));
	test_daemon();
	test_waitsig();

	s = fcntl(a, F_GET_SEALS);
	if (s != (F_SEAL_WRITE | F_SEAL_SHRINK | F_SEAL_GROW))
		fail("write-sealed memfd: seals %#x", s);
	if (fcntl(b, F_GET_SEALS) != 0 || fcntl(c, F_GET_SEALS) != F_SEAL_SEAL ||
	    fcntl(d, F_GET_SEALS) != (F_SEAL_GROW | F_SEAL_SEAL))
		fail("seals %#x %#x %#x, not 0, F_SEAL_SEAL, GROW|SEAL",
		     fcntl(b, F_GET_SEALS), fcntl(c, F_GET_SEALS),
		     fcntl(d, F_GET_SEALS));
	if (pwrite(a, "x", 1, 0) != -1 || errno != EPERM ||
	    ftruncate(a, 0) != -1 || errno != EPERM)
		fail("the sealed memfd took a write or a truncation");
	if (m[0] != 'a' || m[SZ - 1] != 'a')
		fail("the sealed memfd's mapping lost its contents");
	if (mprotect(m, SZ, PROT_READ | PROT_WRITE) != -1)
		fail("the sealed memfd's mapping became writable");
	if (mmap(NULL, SZ, PROT_READ | PROT_WRITE, MAP_SHARED, a, 0) !=
	    MAP_FAILED)
		fail("a writable mapping of the sealed memfd was made");
	if (fcntl(b, F_ADD_SEALS, F_SEAL_SHRINK) ||
	    fcntl(b, F_GET_SEALS) != F_SEAL_SHRINK)
		fail("the sealable memfd took no seal: %s", strerror(errno));
	if (fcntl(c, F_ADD_SEALS, F_SEAL_GROW) != -1 || errno != EPERM ||
	    fcntl(d, F_ADD_SEALS, F_SEAL_SHRINK) != -1 || errno != EPERM)
		fail("a memfd sealed against seals took one");
	if (pwrite(d, "x", 1, SZ) != -1 || errno != EPERM ||
	    pwrite(d, "y", 1, 0) != 1)
		fail("the grow-sealed memfd grew, or refused a write within");
	pass();
}
