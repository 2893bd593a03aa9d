// SPDX-License-Identifier: GPL-2.0
/*
 * cr-selftest: guest-side test of checkpoint(2)/restart(2).
 *
 *   cr-selftest save IMG       build state, self-checkpoint into IMG
 *   cr-selftest restore IMG    restart(2) from IMG: the saved process goes
 *                              on and checks its own state (PASS/FAIL)
 *   cr-selftest frozen IMG     checkpoint a child frozen by the cgroup v2
 *                              freezer, kill it, restart it in a new child
 *   cr-selftest errors         error cases of the system calls
 *   cr-selftest fuzz N [SEED]  make an image, restart N mutated copies of
 *                              it in forked children (file and pipe input)
 *
 * Build: gcc -static -O2 -o cr-selftest cr-selftest.c
 * Needs a kernel with CONFIG_CHECKPOINT_RESTART (syscalls 463/464).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/klog.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <asm/prctl.h>

#include "kcr.h"	/* copy of include/uapi/linux/kcr.h */

#define NR_CHECKPOINT 463
#define NR_RESTART 464

static int failures;

#define PASS(...) do { printf("PASS: " __VA_ARGS__); putchar('\n'); } while (0)
#define FAIL(...) do { printf("FAIL: " __VA_ARGS__); putchar('\n'); failures++; } while (0)
#define CHECK(c, ...) do { if (c) PASS(__VA_ARGS__); else FAIL(__VA_ARGS__); } while (0)

static long sys_checkpoint(pid_t pid, int fd, unsigned long flags, int logfd)
{
	return syscall(NR_CHECKPOINT, pid, fd, flags, logfd);
}

static long sys_restart(pid_t pid, int fd, unsigned long flags, int logfd)
{
	return syscall(NR_RESTART, pid, fd, flags, logfd);
}

/* ------------------------------------------------------------------ */
/* State that must survive checkpoint/restart. */

#define HEAP_SIZE	(4 << 20)
#define MAP_SIZE	(1 << 20)
#define SPARSE_SIZE	(64 << 20)

static volatile long counter;			/* .bss */
static volatile long data_word = 0x1234;	/* .data */
static __thread long tls_word = 42;
static pid_t saved_pid;
static uint64_t heap_sum, map_sum, ro_sum, sparse_sum;
static uint8_t *heap, *map, *ro, *sparse;
static unsigned long saved_fsbase;
static uint8_t xin[8 * 16], xout[8 * 16];
static uint8_t yin[4 * 32], yout[4 * 32];
static int have_avx;
static uint64_t gout[6];
static uint32_t mxcsr_in = 0x7f80 | (3 << 13);	/* round toward zero */
static uint32_t mxcsr_out;
static uint64_t saved_rbp;	/* not on the stack: rbp may frame it */

static uint64_t sum(const uint8_t *p, size_t n)
{
	uint64_t h = 1469598103934665603ULL;	/* FNV-1a */
	size_t i;

	for (i = 0; i < n; i++)
		h = (h ^ p[i]) * 1099511628211ULL;
	return h;
}

static void fill(uint8_t *p, size_t n, unsigned int seed)
{
	size_t i;

	for (i = 0; i < n; i++)
		p[i] = (uint8_t)(i * 7 + seed + (i >> 12));
}

static void build_state(void)
{
	size_t i;

	saved_pid = getpid();
	heap = malloc(HEAP_SIZE);
	map = mmap(NULL, MAP_SIZE, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ro = mmap(NULL, 4 * 4096, PROT_READ | PROT_WRITE,
		  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	/* Big and mostly empty: the dump must skip the holes. */
	sparse = mmap(NULL, SPARSE_SIZE, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (!heap || map == MAP_FAILED || ro == MAP_FAILED ||
	    sparse == MAP_FAILED) {
		perror("alloc");
		exit(2);
	}
	fill(heap, HEAP_SIZE, 1);
	fill(map, MAP_SIZE, 2);
	fill(ro, 4 * 4096, 3);
	if (mprotect(ro, 4 * 4096, PROT_READ))
		perror("mprotect");
	for (i = 0; i < SPARSE_SIZE; i += 8 << 20)
		sparse[i + 100] = (uint8_t)(i >> 20);
	heap_sum = sum(heap, HEAP_SIZE);
	map_sum = sum(map, MAP_SIZE);
	ro_sum = sum(ro, 4 * 4096);
	sparse_sum = sum(sparse, SPARSE_SIZE);
	for (i = 0; i < sizeof(xin); i++)
		xin[i] = (uint8_t)(0xa5 ^ (i * 13));
	for (i = 0; i < sizeof(yin); i++)
		yin[i] = (uint8_t)(0x3c ^ (i * 29));
	have_avx = __builtin_cpu_supports("avx");
	for (counter = 0; counter < 1000; counter++)
		;
	tls_word = 4242;
	syscall(SYS_arch_prctl, ARCH_GET_FS, &saved_fsbase);
}

/*
 * checkpoint() with live values in xmm8-15, r12-r15, rbx, rbp and MXCSR;
 * they are stored right after the syscall returns (in the original and,
 * after restart, in the restored process).
 */
static long checkpoint_with_regs(int fd, int logfd)
{
	register long r10 asm("r10") = logfd;
	long ret = NR_CHECKPOINT;
	static uint32_t saved_mxcsr;

	asm volatile("stmxcsr %[sm]\n\t"
		     "ldmxcsr %[mi]\n\t"
		     "movdqu %[xin], %%xmm8\n\t"
		     "movdqu 16+%[xin], %%xmm9\n\t"
		     "movdqu 32+%[xin], %%xmm10\n\t"
		     "movdqu 48+%[xin], %%xmm11\n\t"
		     "movdqu 64+%[xin], %%xmm12\n\t"
		     "movdqu 80+%[xin], %%xmm13\n\t"
		     "movdqu 96+%[xin], %%xmm14\n\t"
		     "movdqu 112+%[xin], %%xmm15\n\t"
		     "test %[avx], %[avx]\n\t"
		     "jz 1f\n\t"
		     "vmovdqu %[yin], %%ymm4\n\t"
		     "vmovdqu 32+%[yin], %%ymm5\n\t"
		     "vmovdqu 64+%[yin], %%ymm6\n\t"
		     "vmovdqu 96+%[yin], %%ymm7\n\t"
		     "1:\n\t"
		     "movabs $0x1212121212121212, %%r12\n\t"
		     "movabs $0x1313131313131313, %%r13\n\t"
		     "movabs $0x1414141414141414, %%r14\n\t"
		     "movabs $0x1515151515151515, %%r15\n\t"
		     "movabs $0x0b0b0b0b0b0b0b0b, %%rbx\n\t"
		     "mov %%rbp, %[sbp]\n\t"
		     "movabs $0x0d0d0d0d0d0d0d0d, %%rbp\n\t"
		     "syscall\n\t"
		     "mov %%rbp, 40+%[gout]\n\t"
		     "mov %[sbp], %%rbp\n\t"
		     "movdqu %%xmm8, %[xout]\n\t"
		     "movdqu %%xmm9, 16+%[xout]\n\t"
		     "movdqu %%xmm10, 32+%[xout]\n\t"
		     "movdqu %%xmm11, 48+%[xout]\n\t"
		     "movdqu %%xmm12, 64+%[xout]\n\t"
		     "movdqu %%xmm13, 80+%[xout]\n\t"
		     "movdqu %%xmm14, 96+%[xout]\n\t"
		     "movdqu %%xmm15, 112+%[xout]\n\t"
		     "mov %%r12, %[gout]\n\t"
		     "mov %%r13, 8+%[gout]\n\t"
		     "mov %%r14, 16+%[gout]\n\t"
		     "mov %%r15, 24+%[gout]\n\t"
		     "mov %%rbx, 32+%[gout]\n\t"
		     "test %[avx], %[avx]\n\t"
		     "jz 2f\n\t"
		     "vmovdqu %%ymm4, %[yout]\n\t"
		     "vmovdqu %%ymm5, 32+%[yout]\n\t"
		     "vmovdqu %%ymm6, 64+%[yout]\n\t"
		     "vmovdqu %%ymm7, 96+%[yout]\n\t"
		     "vzeroupper\n\t"
		     "2:\n\t"
		     "stmxcsr %[mo]\n\t"
		     "ldmxcsr %[sm]\n\t"
		     : "+a"(ret), [sm] "=m"(saved_mxcsr), [mo] "=m"(mxcsr_out),
		       [sbp] "=m"(saved_rbp), [xout] "=m"(xout),
		       [gout] "=m"(gout), [yout] "=m"(yout)
		     : "D"(0L), "S"((long)fd), "d"(0L), "r"(r10),
		       [xin] "m"(xin), [mi] "m"(mxcsr_in), [yin] "m"(yin),
		       [avx] "r"(have_avx)
		     : "rcx", "r11", "r12", "r13", "r14", "r15", "rbx",
		       "memory", "xmm8", "xmm9", "xmm10", "xmm11", "xmm12",
		       "xmm13", "xmm14", "xmm15", "xmm4", "xmm5", "xmm6",
		       "xmm7");
	return ret;
}

static void verify_restored(void)
{
	static const uint64_t want[6] = {
		0x1212121212121212ULL, 0x1313131313131313ULL,
		0x1414141414141414ULL, 0x1515151515151515ULL,
		0x0b0b0b0b0b0b0b0bULL, 0x0d0d0d0d0d0d0d0dULL };
	unsigned long fsbase = 0;
	uint8_t *more;

	printf("restored: pid %d (checkpointed as pid %d)\n", getpid(),
	       saved_pid);
	CHECK(memcmp(xin, xout, sizeof(xin)) == 0, "xmm8-15 intact");
	if (have_avx)
		CHECK(memcmp(yin, yout, sizeof(yin)) == 0,
		      "ymm4-7 (AVX, full 256 bits) intact");
	else
		printf("SKIP: no AVX, ymm not checked\n");
	CHECK(memcmp(gout, want, sizeof(want)) == 0,
	      "rbx, rbp, r12-r15 intact");
	CHECK(mxcsr_out == mxcsr_in, "MXCSR intact (%#x)", mxcsr_out);
	CHECK(counter == 1000, "counter is %ld at restore", counter);
	counter++;
	CHECK(counter == 1001, "counter continues (%ld)", counter);
	CHECK(data_word == 0x1234, ".data word intact");
	CHECK(tls_word == 4242, "TLS word intact");
	syscall(SYS_arch_prctl, ARCH_GET_FS, &fsbase);
	CHECK(fsbase == saved_fsbase, "FS base restored (%#lx)", fsbase);
	CHECK(sum(heap, HEAP_SIZE) == heap_sum, "heap checksum (4 MiB)");
	CHECK(sum(map, MAP_SIZE) == map_sum, "mmap checksum (1 MiB)");
	CHECK(sum(ro, 4 * 4096) == ro_sum, "read-only mapping checksum");
	CHECK(sum(sparse, SPARSE_SIZE) == sparse_sum,
	      "sparse 64 MiB mapping checksum");
	/* brk and mmap keep working in the restored address space. */
	more = malloc(8 << 20);
	CHECK(more != NULL, "malloc of 8 MiB after restart");
	if (more) {
		memset(more, 0x5a, 8 << 20);
		free(more);
	}
	more = sbrk(0);
	CHECK(sbrk(4096) == more, "brk extends after restart");
}

static int cmd_save(const char *img)
{
	int fd;
	long ret;

	setvbuf(stdout, NULL, _IONBF, 0);
	build_state();
	fd = open(img, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0) {
		perror(img);
		return 2;
	}
	ret = checkpoint_with_regs(fd, 2);
	if (ret < 0) {
		FAIL("checkpoint(self): %s", strerror(-ret));
		return 1;
	}
	if (ret == 0) {
		/* We are the restored process. */
		verify_restored();
		printf("%s: restored process done, %d failure(s)\n",
		       failures ? "FAIL" : "PASS", failures);
		exit(failures ? 1 : 0);
	}
	close(fd);
	{
		struct stat st;

		stat(img, &st);
		PASS("self-checkpoint returned id %ld, image %lld bytes",
		     ret, (long long)st.st_size);
	}
	CHECK(memcmp(xin, xout, sizeof(xin)) == 0,
	      "xmm8-15 intact after checkpoint");
	/* Scribble over the state; the image must not care. */
	counter = -1;
	memset(heap, 0, HEAP_SIZE);
	return failures ? 1 : 0;
}

static int cmd_restore(const char *img)
{
	int fd = open(img, O_RDONLY);
	long ret;

	setvbuf(stdout, NULL, _IONBF, 0);
	if (fd < 0) {
		perror(img);
		return 2;
	}
	ret = sys_restart(0, fd, 0, 2);
	FAIL("restart returned %ld (%s)", ret, strerror(errno));
	return 1;
}

/* ------------------------------------------------------------------ */
/* A child frozen by the cgroup v2 freezer. */

#define CG "/sys/fs/cgroup/kcrtest"

static int write_str(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY);
	int ret;

	if (fd < 0)
		return -1;
	ret = write(fd, s, strlen(s)) == (ssize_t)strlen(s) ? 0 : -1;
	close(fd);
	return ret;
}

static int wait_frozen(int want)
{
	char buf[256], key[16];
	int i;

	snprintf(key, sizeof(key), "frozen %d", want);
	for (i = 0; i < 500; i++) {
		int fd = open(CG "/cgroup.events", O_RDONLY);
		ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);

		if (fd >= 0)
			close(fd);
		if (n > 0) {
			buf[n] = 0;
			if (strstr(buf, key))
				return 0;
		}
		usleep(10000);
	}
	return -1;
}

static void frozen_child(int ready)
{
	struct timespec ts = { 0, 5 * 1000 * 1000 };

	build_state();
	counter = 0;
	if (write(ready, "x", 1) != 1)
		_exit(3);
	for (;;) {
		counter++;
		nanosleep(&ts, NULL);
		if (getpid() != saved_pid) {
			long c = counter;

			printf("restored frozen child: pid %d (was %d), counter %ld\n",
			       getpid(), saved_pid, c);
			CHECK(c > 0, "counter continues after restart");
			CHECK(sum(heap, HEAP_SIZE) == heap_sum,
			      "frozen child heap checksum");
			CHECK(sum(map, MAP_SIZE) == map_sum,
			      "frozen child mmap checksum");
			CHECK(tls_word == 4242, "frozen child TLS word");
			_exit(failures ? 1 : 0);
		}
	}
}

static int cmd_frozen(const char *img)
{
	int pfd[2], fd, status;
	char buf[32];
	pid_t child, r;
	long ret;

	setvbuf(stdout, NULL, _IONBF, 0);
	mkdir(CG, 0755);
	if (access(CG "/cgroup.freeze", F_OK)) {
		FAIL("no cgroup v2 freezer at %s", CG);
		return 1;
	}
	if (pipe(pfd))
		return 2;
	child = fork();
	if (child == 0) {
		close(pfd[0]);
		snprintf(buf, sizeof(buf), "%d", getpid());
		if (write_str(CG "/cgroup.procs", buf))
			_exit(4);
		frozen_child(pfd[1]);
	}
	close(pfd[1]);
	if (read(pfd[0], buf, 1) != 1) {
		FAIL("child did not start");
		return 1;
	}
	fd = open(img, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	ret = sys_checkpoint(child, fd, 0, 2);
	CHECK(ret < 0 && errno == EBUSY,
	      "checkpoint of a running (not frozen) task fails with EBUSY (%ld %s)",
	      ret, strerror(errno));

	write_str(CG "/cgroup.freeze", "1");
	if (wait_frozen(1)) {
		FAIL("cgroup did not freeze");
		kill(child, SIGKILL);
		return 1;
	}
	if (ftruncate(fd, 0) || lseek(fd, 0, SEEK_SET))
		return 2;
	ret = sys_checkpoint(child, fd, 0, 2);
	CHECK(ret == 0, "checkpoint of a frozen task (%ld %s)", ret,
	      ret ? strerror(errno) : "ok");
	close(fd);
	kill(child, SIGKILL);
	write_str(CG "/cgroup.freeze", "0");
	waitpid(child, &status, 0);
	if (ret)
		return 1;

	r = fork();
	if (r == 0) {
		fd = open(img, O_RDONLY);
		ret = sys_restart(0, fd, 0, 2);
		printf("FAIL: restart of frozen image returned %ld (%s)\n",
		       ret, strerror(errno));
		_exit(1);
	}
	waitpid(r, &status, 0);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	      "restarted frozen child exited with status %#x", status);
	rmdir(CG);
	return failures ? 1 : 0;
}

/* ------------------------------------------------------------------ */
/* Error cases. */

static void *idle_thread(void *arg)
{
	for (;;)
		pause();
	return arg;
}

static int cmd_errors(void)
{
	int pfd[2], fd;
	long ret;

	setvbuf(stdout, NULL, _IONBF, 0);
	ret = sys_checkpoint(0, 12345, 0, -1);
	CHECK(ret < 0 && errno == EBADF, "checkpoint to a closed fd: EBADF");
	fd = open("/proc/self/stat", O_RDONLY);
	ret = sys_checkpoint(0, fd, 0, -1);
	CHECK(ret < 0 && errno == EBADF, "checkpoint to a read-only fd: EBADF");
	close(fd);
	ret = sys_checkpoint(0, 1, 1, -1);
	CHECK(ret < 0 && errno == EINVAL, "checkpoint with unknown flags: EINVAL");
	ret = sys_checkpoint(999999, 1, 0, -1);
	CHECK(ret < 0 && errno == ESRCH, "checkpoint of no process: ESRCH");
	ret = sys_checkpoint(1, 1, 0, 2);
	CHECK(ret < 0 && errno == EBUSY, "checkpoint of running init: EBUSY (%s)",
	      strerror(errno));

	if (pipe2(pfd, O_NONBLOCK))
		return 2;
	ret = sys_checkpoint(0, pfd[1], 0, 2);
	CHECK(ret < 0 && errno == EINVAL, "checkpoint to a non-blocking pipe: EINVAL");
	close(pfd[0]);
	close(pfd[1]);

	/* A file-backed shared mapping is refused, with a log line. */
	{
		char tmpl[] = "/tmp/kcrXXXXXX";
		int tfd = mkstemp(tmpl);
		void *p;

		if (ftruncate(tfd, 4096))
			return 2;
		p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, tfd, 0);
		fd = open("/tmp/kcr-refused.img", O_WRONLY | O_CREAT | O_TRUNC, 0600);
		ret = sys_checkpoint(0, fd, 0, 2);
		CHECK(ret < 0 && errno == EOPNOTSUPP,
		      "checkpoint with a shared file mapping: EOPNOTSUPP");
		munmap(p, 4096);
		close(fd);
		close(tfd);
		unlink(tmpl);
	}

	ret = sys_restart(0, 12345, 0, -1);
	CHECK(ret < 0 && errno == EBADF, "restart from a closed fd: EBADF");
	ret = sys_restart(1, 0, 0, -1);
	CHECK(ret < 0 && errno == EINVAL, "restart of another pid: EINVAL");
	fd = open("/proc/self/stat", O_RDONLY);
	ret = sys_restart(0, fd, 0, 2);
	CHECK(ret < 0 && errno == EINVAL, "restart from garbage: EINVAL");
	close(fd);
	fd = open("/dev/null", O_RDONLY);
	ret = sys_restart(0, fd, 0, 2);
	CHECK(ret < 0 && errno == EINVAL, "restart from an empty file: EINVAL");
	close(fd);
	/* Last: a second thread is refused (threads are not supported yet). */
	{
		pthread_t th;

		if (pthread_create(&th, NULL, idle_thread, NULL) == 0) {
			fd = open("/tmp/kcr-refused.img", O_WRONLY | O_CREAT | O_TRUNC, 0600);
			ret = sys_checkpoint(0, fd, 0, 2);
			CHECK(ret < 0 && errno == EOPNOTSUPP,
			      "self-checkpoint with two threads: EOPNOTSUPP");
			close(fd);
		} else {
			FAIL("pthread_create");
		}
	}

	fd = open("/dev/null", O_RDONLY);
	ret = sys_restart(0, fd, 0, 2);
	CHECK(ret < 0 && errno == EBUSY, "restart by a multi-threaded caller: EBUSY");
	close(fd);
	printf("%s: errors: %d failure(s)\n", failures ? "FAIL" : "PASS",
	       failures);
	return failures ? 1 : 0;
}

/* ------------------------------------------------------------------ */
/* Fuzzing. */

static uint32_t crc_table[256];

static uint32_t crc32(const uint8_t *p, size_t n)
{
	uint32_t c = ~0U;
	size_t i;

	if (!crc_table[1]) {
		for (i = 0; i < 256; i++) {
			uint32_t v = i;
			int k;

			for (k = 0; k < 8; k++)
				v = v & 1 ? 0xedb88320U ^ (v >> 1) : v >> 1;
			crc_table[i] = v;
		}
	}
	for (i = 0; i < n; i++)
		c = crc_table[(c ^ p[i]) & 0xff] ^ (c >> 8);
	return ~c;
}

/* Exit status of a fuzz child whose restart succeeded (errnos are below). */
#define RESTORED 200

static uint64_t rng_state;

static uint64_t rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

/* Offsets of the records of a well-formed image. */
static size_t rec_off[1 << 16];
static int nr_recs;

static void index_records(const uint8_t *img, size_t len)
{
	size_t off = 0;

	nr_recs = 0;
	while (off + 8 <= len && nr_recs < (int)(sizeof(rec_off) / sizeof(rec_off[0]))) {
		const struct kcr_hdr *h = (const void *)(img + off);

		if (h->len < 8 || off + h->len > len)
			break;
		rec_off[nr_recs++] = off;
		off += h->len;
	}
}

/* Recompute the tail so that the mutation reaches the record checks. */
static void fix_tail(uint8_t *img, size_t len)
{
	size_t off = 0, last = 0;
	uint32_t n = 0;

	while (off + 8 <= len) {
		const struct kcr_hdr *h = (const void *)(img + off);

		if (h->type == KCR_REC_TAIL || h->len < 8 || off + h->len > len)
			break;
		off += h->len;
		n++;
	}
	last = off;
	if (last + sizeof(struct kcr_rec_tail) <= len) {
		struct kcr_rec_tail *t = (void *)(img + last);

		t->crc32 = crc32(img, last);
		t->nr_records = n;
		t->total_len = last;
	}
}

static const char *mutate(uint8_t *img, size_t *len, const uint8_t *orig,
			  size_t olen)
{
	size_t r = nr_recs ? rec_off[rnd() % nr_recs] : 0;
	struct kcr_hdr *h = (void *)(img + r);
	static const uint32_t lens[] = { 0, 4, 8, 12, 16, 24, 4096, 1u << 20,
					 (1u << 20) + 8, 0x7ffffff8, 0xfffffff8 };
	int i, n;

	memcpy(img, orig, olen);
	*len = olen;
	switch (rnd() % 7) {
	case 0:
		n = 1 + rnd() % 8;
		for (i = 0; i < n; i++) {
			size_t o = rnd() % olen;

			img[o] ^= 1 << (rnd() % 8);
		}
		return "bitflip";
	case 1:
		*len = rnd() % olen;
		return "truncate";
	case 2:
		h->len = rnd() % 2 ? lens[rnd() % (sizeof(lens) / sizeof(lens[0]))]
				   : h->len + (int)(rnd() % 33) * 8 - 128;
		return "length";
	case 3:
		h->type = rnd() % 2 ? (uint32_t)(rnd() % 12) : (uint32_t)rnd();
		return "type";
	case 4: {
		/* A random 64-bit field inside a record's fixed part. */
		size_t span = h->len > 64 ? 64 : h->len;
		size_t o = r + 8 + 8 * (rnd() % (span / 8 ? span / 8 : 1));
		static const uint64_t vals[] = { 0, 1, ~0ULL, 0x7fffffffffffULL,
			0x800000000000ULL, 0xffff800000000000ULL, 4096, 0x33,
			0x2b, 0x10, 0x3202, 0x1000 };

		if (o + 8 <= *len)
			memcpy(img + o, &vals[rnd() % (sizeof(vals) / sizeof(vals[0]))], 8);
		return "field";
	}
	case 5: {
		/* Swap two records. */
		size_t r2 = nr_recs ? rec_off[rnd() % nr_recs] : 0;
		struct kcr_hdr *h2 = (void *)(img + r2);

		if (r2 < r) {
			size_t t = r;

			r = r2;
			r2 = t;
			h = (void *)(img + r);
			h2 = (void *)(img + r2);
		}
		if (r != r2 && r + h->len <= r2) {
			uint32_t l1 = h->len, l2 = h2->len;
			uint8_t *tmp = malloc(olen);

			/* r:l1, gap, r2:l2 -> r2 content, gap, r content */
			memcpy(tmp, orig + r2, l2);
			memcpy(tmp + l2, orig + r + l1, r2 - (r + l1));
			memcpy(tmp + l2 + (r2 - (r + l1)), orig + r, l1);
			memcpy(img + r, tmp, l1 + l2 + (r2 - (r + l1)));
			free(tmp);
		}
		return "swap";
	}
	default:
		/* Drop a record. */
		if (nr_recs && r + h->len <= olen) {
			uint32_t l = h->len;

			memmove(img + r, orig + r + l, olen - r - l);
			*len = olen - l;
		}
		return "drop";
	}
}

static int make_fuzz_image(uint8_t **out, size_t *olen)
{
	int fd = memfd_create("kcr-fuzz-src", 0);
	pid_t me = getpid();
	struct stat st;
	long ret;

	/* A small image (no big heap) keeps each case fast under TCG. */
	ret = checkpoint_with_regs(fd, -1);
	/*
	 * A restarted copy stops quietly.  A mutated image may also return
	 * here with another ax: the pid tells the copies apart.
	 */
	if (getpid() != me)
		_exit(ret == 0 ? RESTORED : RESTORED + 1);
	if (ret < 0) {
		FAIL("fuzz: checkpoint: %s", strerror(-ret));
		return -1;
	}
	fstat(fd, &st);
	*olen = st.st_size;
	*out = malloc(*olen);
	if (pread(fd, *out, *olen, 0) != (ssize_t)*olen)
		return -1;
	close(fd);
	return 0;
}

static void feed_pipe(int wfd, const uint8_t *img, size_t len)
{
	size_t off = 0;

	signal(SIGPIPE, SIG_IGN);
	while (off < len) {
		ssize_t n = write(wfd, img + off, len - off);

		if (n <= 0)
			break;
		off += n;
	}
	_exit(0);
}

static int run_one(const uint8_t *img, size_t len, int use_pipe, int logfd)
{
	pid_t pid = fork();
	int status;

	if (pid == 0) {
		int fd;
		long ret;

		alarm(20);
		if (use_pipe) {
			int p[2];

			if (pipe(p))
				_exit(100);
			if (fork() == 0) {
				close(p[0]);
				feed_pipe(p[1], img, len);
			}
			close(p[1]);
			fd = p[0];
		} else {
			fd = memfd_create("kcr-fuzz", 0);
			if (write(fd, img, len) != (ssize_t)len)
				_exit(100);
			lseek(fd, 0, SEEK_SET);
		}
		ret = sys_restart(0, fd, 0, logfd);
		_exit(ret < 0 ? errno : 201);
	}
	waitpid(pid, &status, 0);
	return status;
}

static int kmsg_bad(void)
{
	static char buf[1 << 20];
	int n = klogctl(3, buf, sizeof(buf) - 1);	/* READ_ALL */
	int bad = 0;

	if (n < 0)
		return -1;
	buf[n] = 0;
	/* User-space faults ("traps: ... general protection") are fine. */
	bad += strstr(buf, "Oops") != NULL;
	bad += strstr(buf, "BUG:") != NULL;
	bad += strstr(buf, "kernel BUG") != NULL;
	bad += strstr(buf, "WARNING:") != NULL;
	bad += strstr(buf, "Call Trace") != NULL;
	bad += strstr(buf, "UBSAN:") != NULL;
	return bad;
}

static int cmd_fuzz(long n, uint64_t seed)
{
	long i, errs = 0, killed = 0, restored = 0, crashed = 0, other = 0;
	long killed_file = 0, n_pipe = 0;
	const char *what;
	long by_errno[RESTORED] = { 0 };
	uint8_t *orig, *img;
	size_t olen, len;
	int status;

	setvbuf(stdout, NULL, _IONBF, 0);
	rng_state = seed ? seed : 0x9e3779b97f4a7c15ULL;
	if (make_fuzz_image(&orig, &olen))
		return 1;
	index_records(orig, olen);
	printf("fuzz: image %zu bytes, %d records, seed %#llx\n", olen,
	       nr_recs, (unsigned long long)rng_state);
	img = malloc(olen + 16);

	/* Sanity: the unmodified image restarts, from a file and a pipe. */
	status = run_one(orig, olen, 0, 2);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == RESTORED,
	      "fuzz: unmodified image restarts from a memfd (status %#x)", status);
	status = run_one(orig, olen, 1, 2);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == RESTORED,
	      "fuzz: unmodified image restarts from a pipe (status %#x)", status);

	/* Targeted cases, each must be refused before any damage. */
	{
		struct kcr_rec_header *hd = (void *)img;

		memcpy(img, orig, olen);
		hd->release[0] ^= 1;
		fix_tail(img, olen);
		status = run_one(img, olen, 0, 2);
		CHECK(WIFEXITED(status) && WEXITSTATUS(status) == EINVAL,
		      "fuzz: image of another kernel release: EINVAL (status %#x)", status);
		status = run_one(img, olen, 1, 2);
		CHECK(WIFEXITED(status) && WEXITSTATUS(status) == EINVAL,
		      "fuzz: same, from a pipe: EINVAL (status %#x)", status);
		memcpy(img, orig, olen);
		img[olen / 2] ^= 0x10;
		status = run_one(img, olen, 0, 2);
		CHECK(WIFEXITED(status) && WEXITSTATUS(status) == EINVAL,
		      "fuzz: one flipped bit, bad checksum: EINVAL (status %#x)", status);
		status = run_one(orig, olen - 8, 0, 2);
		CHECK(WIFEXITED(status) && WEXITSTATUS(status) == EINVAL,
		      "fuzz: truncated image: EINVAL (status %#x)", status);
		memcpy(img, orig, olen);
		((struct kcr_rec_cpu *)(img + rec_off[2]))->regs.cs = 0x10;
		fix_tail(img, olen);
		status = run_one(img, olen, 1, 2);
		CHECK(WIFEXITED(status) && WEXITSTATUS(status) == EINVAL,
		      "fuzz: kernel code selector in the image: EINVAL (status %#x)", status);
		memcpy(img, orig, olen);
		((struct kcr_rec_cpu *)(img + rec_off[2]))->regs.flags |= 0x3000;
		fix_tail(img, olen);
		status = run_one(img, olen, 1, 2);
		CHECK(WIFEXITED(status) && WEXITSTATUS(status) == EINVAL,
		      "fuzz: IOPL 3 in eflags: EINVAL (status %#x)", status);
	}

	for (i = 0; i < n; i++) {
		int use_pipe = rnd() % 4 == 0;
		int fix = rnd() % 2;

		what = mutate(img, &len, orig, olen);
		if (fix)
			fix_tail(img, len);
		n_pipe += use_pipe;
		status = run_one(img, len, use_pipe, -1);
		if (WIFEXITED(status) && (WEXITSTATUS(status) == RESTORED ||
					    WEXITSTATUS(status) == RESTORED + 1)) {
			restored++;
		} else if (WIFEXITED(status) && WEXITSTATUS(status) < RESTORED) {
			errs++;
			by_errno[WEXITSTATUS(status)]++;
		} else if (WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) {
			killed++;
			killed_file += !use_pipe;
			/* Passed the dry run, failed later: show why. */
			if (!use_pipe && killed_file <= 5) {
				printf("fuzz: case %ld (%s) killed after the dry run:\n", i, what);
				run_one(img, len, 0, 2);
			}
		} else if (WIFSIGNALED(status)) {
			crashed++;
		} else {
			other++;
		}
		if ((i + 1) % 1000 == 0)
			printf("fuzz: %ld cases\n", i + 1);
	}
	printf("fuzz: %ld cases: %ld rejected with an error, %ld killed after the point of no return, %ld restarted fine, %ld restored-then-crashed, %ld other\n",
	       n, errs, killed, restored, crashed, other);
	printf("fuzz: %ld cases fed through a pipe (no dry run), %ld through a memfd; killed: %ld pipe, %ld memfd\n",
	       n_pipe, n - n_pipe, killed - killed_file, killed_file);
	printf("fuzz: errnos:");
	for (i = 0; i < RESTORED; i++)
		if (by_errno[i])
			printf(" %s=%ld", strerrorname_np(i) ? strerrorname_np(i) : "?", by_errno[i]);
	printf("\n");
	CHECK(other == 0, "fuzz: no unexpected outcome");
	status = kmsg_bad();
	CHECK(status == 0, "fuzz: kernel log has no Oops/BUG/WARNING (%d)", status);
	return failures ? 1 : 0;
}

int main(int argc, char **argv)
{
	if (argc >= 3 && !strcmp(argv[1], "save"))
		return cmd_save(argv[2]);
	if (argc >= 3 && !strcmp(argv[1], "restore"))
		return cmd_restore(argv[2]);
	if (argc >= 3 && !strcmp(argv[1], "frozen"))
		return cmd_frozen(argv[2]);
	if (argc >= 2 && !strcmp(argv[1], "errors"))
		return cmd_errors();
	if (argc >= 3 && !strcmp(argv[1], "fuzz"))
		return cmd_fuzz(atol(argv[2]),
				argc > 3 ? strtoull(argv[3], NULL, 0) : 0);
	fprintf(stderr, "usage: %s save IMG | restore IMG | frozen IMG | errors | fuzz N [SEED]\n",
		argv[0]);
	return 2;
}
