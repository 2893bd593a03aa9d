// SPDX-License-Identifier: GPL-2.0
/*
 * The pages of anonymous private mappings, which restart maps as new
 * pages filled from the image: after restart each mapping has its
 * contents, the same pages resident (mincore(): the holes of a sparse
 * mapping are still holes) and counted as anonymous memory in
 * /proc/self/smaps and in the process's RssAnon; a read-only mapping's
 * pages fault on write until mprotect() makes them writable; a PROT_NONE mapping's pages come back
 * when it is made readable; a child forked after restart writes to its
 * copy of the heap without changing the parent's; MADV_DONTNEED drops a
 * restored page (it reads back as zeros).
 */
#include "zdtm.h"
#include <setjmp.h>
#include <sys/mman.h>
#include <sys/wait.h>

#define PG 4096UL
#define HEAP_PAGES 1024UL	/* 4 MiB */
#define SPARSE_PAGES 256UL
#define SMALL_PAGES 8UL

static unsigned char pat(unsigned long i, int salt)
{
	return zdtm_pattern(i, salt);
}

static void fill(unsigned char *m, unsigned long len, int salt)
{
	unsigned long i;

	for (i = 0; i < len; i++)
		m[i] = pat(i, salt);
}

static int same(const unsigned char *m, unsigned long len, int salt)
{
	unsigned long i;

	for (i = 0; i < len; i++)
		if (m[i] != pat(i, salt))
			return 0;
	return 1;
}

/* A page of the sparse mapping that the case touches: every seventh. */
static int touched(unsigned long p)
{
	return p % 7 == 3;
}

/* A mapping of its own: a hole on each side, so that none merge. */
static void *map(unsigned long pages)
{
	unsigned char *m = mmap(NULL, (pages + 2) * PG, PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (m == MAP_FAILED)
		fail("mmap: %s", strerror(errno));
	if (munmap(m, PG) || munmap(m + (pages + 1) * PG, PG))
		fail("munmap: %s", strerror(errno));
	return m + PG;
}

/* "Rss:" or "Anonymous:" (kB) of the mapping that starts at addr. */
static long smaps_kb(const void *addr, const char *field)
{
	unsigned long start = (unsigned long)addr, s, e;
	char line[512];
	size_t n = strlen(field);
	long kb = -1;
	int in = 0;
	FILE *f = fopen("/proc/self/smaps", "r");

	if (!f)
		fail("smaps: %s", strerror(errno));
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%lx-%lx ", &s, &e) == 2 && line[0] != 'V' &&
		    strchr(line, '-'))
			in = (s == start);
		else if (in && !strncmp(line, field, n))
			kb = strtol(line + n, NULL, 10);
	}
	fclose(f);
	return kb;
}

/* Which pages of the sparse mapping are resident (mincore()). */
static void resident(const unsigned char *sparse, unsigned char *vec)
{
	unsigned long p;

	if (mincore((void *)sparse, SPARSE_PAGES * PG, vec))
		fail("mincore: %s", strerror(errno));
	for (p = 0; p < SPARSE_PAGES; p++) {
		vec[p] &= 1;
		if (touched(p) && !vec[p])
			fail("sparse page %lu, written, is not resident", p);
	}
}

static sigjmp_buf jb;

static void on_segv(int sig)
{
	(void)sig;
	siglongjmp(jb, 1);
}

int main(void)
{
	unsigned char before[SPARSE_PAGES], after[SPARSE_PAGES];
	unsigned char *heap, *sparse, *ro, *none;
	unsigned long p, tsparse = 0;
	long kb;
	int st;
	pid_t c;

	test_init();
	heap = map(HEAP_PAGES);
	sparse = map(SPARSE_PAGES);
	ro = map(SMALL_PAGES);
	none = map(SMALL_PAGES);
	/* Page by page (no large folios), where the kernel has them. */
	madvise(sparse, SPARSE_PAGES * PG, MADV_NOHUGEPAGE);
	fill(heap, HEAP_PAGES * PG, 1);
	for (p = 0; p < SPARSE_PAGES; p++) {
		if (touched(p))
			memset(sparse + p * PG, (int)(p & 0xff) | 1, PG);
	}
	fill(ro, SMALL_PAGES * PG, 2);
	fill(none, SMALL_PAGES * PG, 3);
	if (mprotect(ro, SMALL_PAGES * PG, PROT_READ) ||
	    mprotect(none, SMALL_PAGES * PG, PROT_NONE))
		fail("mprotect: %s", strerror(errno));
	/* Only the written pages, but for large folios where there are. */
	resident(sparse, before);

	test_daemon();
	test_waitsig();

	/* Before anything reads a hole (which maps the zero page there). */
	resident(sparse, after);
	for (p = 0; p < SPARSE_PAGES; p++)
		if (before[p] != after[p])
			fail("sparse page %lu was %sresident and is %sresident", p,
			     before[p] ? "" : "not ", after[p] ? "" : "not ");
	if (!same(heap, HEAP_PAGES * PG, 1))
		fail("the heap lost its contents");
	for (p = 0; p < SPARSE_PAGES; p++) {
		unsigned char want = touched(p) ? ((p & 0xff) | 1) : 0;

		if (sparse[p * PG] != want || sparse[p * PG + PG - 1] != want)
			fail("sparse page %lu reads %#x, not %#x", p,
			     sparse[p * PG], want);
	}
	kb = smaps_kb(heap, "Anonymous:");
	if (kb != (long)(HEAP_PAGES * PG / 1024))
		fail("the heap counts %ld kB anonymous, not %lu", kb,
		     HEAP_PAGES * PG / 1024);
	kb = smaps_kb(heap, "Rss:");
	if (kb != (long)(HEAP_PAGES * PG / 1024))
		fail("the heap has %ld kB resident, not %lu", kb,
		     HEAP_PAGES * PG / 1024);
	for (p = 0, tsparse = 0; p < SPARSE_PAGES; p++)
		tsparse += after[p];
	kb = smaps_kb(sparse, "Anonymous:");
	if (kb != (long)(tsparse * PG / 1024))
		fail("the sparse mapping counts %ld kB anonymous, not %lu", kb,
		     tsparse * PG / 1024);
	kb = status_kb("RssAnon");
	if (kb < (long)((HEAP_PAGES + tsparse) * PG / 1024))
		fail("RssAnon is %ld kB, less than the heap and the sparse pages",
		     kb);

	/* Read-only: readable, a write faults, then mprotect() allows it. */
	if (!same(ro, SMALL_PAGES * PG, 2))
		fail("the read-only mapping lost its contents");
	signal(SIGSEGV, on_segv);
	if (!sigsetjmp(jb, 1)) {
		*(volatile unsigned char *)ro = 0;
		fail("a write to the read-only mapping did not fault");
	}
	signal(SIGSEGV, SIG_DFL);
	if (mprotect(ro, SMALL_PAGES * PG, PROT_READ | PROT_WRITE))
		fail("mprotect rw: %s", strerror(errno));
	ro[5] = 0x5a;
	if (ro[5] != 0x5a || ro[4] != pat(4, 2))
		fail("the read-only mapping, made writable, does not write");

	/* PROT_NONE: its pages are there once it may be read. */
	if (mprotect(none, SMALL_PAGES * PG, PROT_READ))
		fail("mprotect r: %s", strerror(errno));
	if (!same(none, SMALL_PAGES * PG, 3))
		fail("the PROT_NONE mapping lost its contents");

	/* A child's writes stay its own (copy-on-write of restored pages). */
	c = fork();
	if (c < 0)
		fail("fork: %s", strerror(errno));
	if (c == 0) {
		memset(heap, 0xee, HEAP_PAGES * PG);
		_exit(heap[12345] == 0xee ? 0 : 1);
	}
	if (waitpid(c, &st, 0) != c || !WIFEXITED(st) || WEXITSTATUS(st))
		fail("the child could not write to its heap (status %#x)", st);
	if (!same(heap, HEAP_PAGES * PG, 1))
		fail("the child's writes reached the parent's heap");

	/* MADV_DONTNEED drops a restored page: zeros. */
	if (madvise(heap + 10 * PG, PG, MADV_DONTNEED))
		fail("madvise: %s", strerror(errno));
	for (p = 0; p < PG; p++)
		if (heap[10 * PG + p])
			fail("a page dropped with MADV_DONTNEED is not zero");
	if (heap[11 * PG] != pat(11 * PG, 1))
		fail("MADV_DONTNEED dropped the next page too");
	pass();
}
