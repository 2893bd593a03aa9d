// SPDX-License-Identifier: GPL-2.0
/*
 * A pipe enlarged with F_SETPIPE_SZ to 1 MiB and holding more than the
 * default 64 KiB: after restart the size is the same and every byte is
 * there, in order.
 */
#include "zdtm.h"

#define BYTES (200 * 1024)

int main(void)
{
	static unsigned char buf[BYTES];
	int p[2], i, n, got = 0;

	test_init();
	if (pipe(p) || fcntl(p[0], F_SETPIPE_SZ, 1 << 20) < (1 << 20))
		fail("pipe: %s", strerror(errno));
	for (i = 0; i < BYTES; i++)
		buf[i] = i * 7;
	if (write(p[1], buf, BYTES) != BYTES)
		fail("write: %s", strerror(errno));
	test_daemon();
	test_waitsig();
	if (fcntl(p[0], F_GETPIPE_SZ) != 1 << 20)
		fail("pipe size %d", fcntl(p[0], F_GETPIPE_SZ));
	memset(buf, 0, sizeof(buf));
	fcntl(p[0], F_SETFL, O_NONBLOCK);
	while (got < BYTES && (n = read(p[0], buf + got, BYTES - got)) > 0)
		got += n;
	if (got != BYTES)
		fail("read %d of %d bytes", got, BYTES);
	for (i = 0; i < BYTES; i++)
		if (buf[i] != (unsigned char)(i * 7))
			fail("byte %d differs", i);
	pass();
}
