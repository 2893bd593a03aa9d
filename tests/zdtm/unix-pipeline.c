// SPDX-License-Identifier: GPL-2.0
/*
 * A pipeline of four processes joined by stream socket pairs, as a shell
 * joins commands with pipes: a generator writes numbered blocks at a
 * steady pace, two filters pass them on (one transforms each byte, one
 * counts), and the root sums what arrives.  The tree is checkpointed
 * mid-stream, with data in flight in every queue.  After restart the
 * stream goes on: every block arrives once, in order, and the final
 * checksum is the one computed from the generator's own numbers.
 */
#include "zdtm.h"
#include <stdint.h>
#include <sys/socket.h>

#define BLOCKS 4000
#define BLOCK 512

static int full_read(int fd, void *buf, size_t len)
{
	size_t got = 0;
	ssize_t n;

	while (got < len) {
		n = read(fd, (char *)buf + got, len - got);
		if (n <= 0)
			return n < 0 ? -1 : (int)got;
		got += n;
	}
	return got;
}

static int full_write(int fd, const void *buf, size_t len)
{
	size_t put = 0;
	ssize_t n;

	while (put < len) {
		n = write(fd, (const char *)buf + put, len - put);
		if (n <= 0)
			return -1;
		put += n;
	}
	return 0;
}

static void gen_block(uint32_t i, unsigned char *b)
{
	int j;

	memcpy(b, &i, 4);
	for (j = 4; j < BLOCK; j++)
		b[j] = (unsigned char)(i * 31 + j);
}

/* Generator: BLOCKS blocks, a short pause every 50. */
static void generator(int out)
{
	unsigned char b[BLOCK];
	uint32_t i;

	for (i = 0; i < BLOCKS; i++) {
		gen_block(i, b);
		if (full_write(out, b, BLOCK))
			_exit(10);
		if (i % 50 == 0)
			usleep(20000);
	}
	_exit(0);
}

/* Filter: each byte after the number, plus one. */
static void filter(int in, int out)
{
	unsigned char b[BLOCK];
	int j, n;

	while ((n = full_read(in, b, BLOCK)) == BLOCK) {
		for (j = 4; j < BLOCK; j++)
			b[j]++;
		if (full_write(out, b, BLOCK))
			_exit(11);
	}
	_exit(n == 0 ? 0 : 12);
}

static pid_t spawn(void (*fn)(int, int), int in, int out, int *close_a,
		   int nclose)
{
	pid_t p = fork();
	int i;

	if (p < 0)
		fail("fork: %s", strerror(errno));
	if (p == 0) {
		for (i = 0; i < nclose; i++)
			close(close_a[i]);
		fn(in, out);
		_exit(0);
	}
	return p;
}

static void gen_entry(int in, int out)
{
	(void)in;
	generator(out);
}

int main(void)
{
	int a[2], b[2], c[2], i, st, n;
	unsigned char blk[BLOCK], want[BLOCK];
	uint64_t sum = 0, expect = 0;
	pid_t kids[3];

	test_init();
	for (i = 0; i < BLOCKS; i++) {
		int j;

		gen_block(i, want);
		for (j = 4; j < BLOCK; j++)
			want[j] += 2;
		for (j = 0; j < BLOCK; j++)
			expect = expect * 1099511628211ULL + want[j];
	}
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, a) ||
	    socketpair(AF_UNIX, SOCK_STREAM, 0, b) ||
	    socketpair(AF_UNIX, SOCK_STREAM, 0, c))
		fail("socketpair: %s", strerror(errno));
	{
		int g[5] = { a[0], b[0], b[1], c[0], c[1] };
		int f1[4] = { a[1], b[0], c[0], c[1] };
		int f2[4] = { a[0], a[1], b[1], c[0] };

		kids[0] = spawn(gen_entry, -1, a[1], g, 5);
		kids[1] = spawn(filter, a[0], b[1], f1, 4);
		kids[2] = spawn(filter, b[0], c[1], f2, 4);
	}
	close(a[0]);
	close(a[1]);
	close(b[0]);
	close(b[1]);
	close(c[1]);
	/* Read a first part, so that the tree is checkpointed mid-stream. */
	for (i = 0; i < 300; i++) {
		if (full_read(c[0], blk, BLOCK) != BLOCK)
			fail("short read at block %d", i);
		for (n = 0; n < BLOCK; n++)
			sum = sum * 1099511628211ULL + blk[n];
	}
	test_daemon();
	test_waitsig();
	for (; i < BLOCKS; i++) {
		uint32_t num;

		if (full_read(c[0], blk, BLOCK) != BLOCK)
			fail("the stream ended at block %d of %d", i, BLOCKS);
		memcpy(&num, blk, 4);
		if (num != (uint32_t)i)
			fail("block %u arrived where block %d was due", num, i);
		for (n = 0; n < BLOCK; n++)
			sum = sum * 1099511628211ULL + blk[n];
	}
	if (full_read(c[0], blk, BLOCK) != 0)
		fail("more data after the last block");
	for (i = 0; i < 3; i++)
		if (waitpid(kids[i], &st, 0) != kids[i] || !WIFEXITED(st) ||
		    WEXITSTATUS(st))
			fail("stage %d failed (status %#x)", i, st);
	if (sum != expect)
		fail("checksum %#llx, not %#llx", (unsigned long long)sum,
		     (unsigned long long)expect);
	pass();
}
