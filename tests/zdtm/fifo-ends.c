// SPDX-License-Identifier: GPL-2.0
/*
 * A named FIFO opened separately for reading and for writing (a
 * non-blocking read-only open first, then a write-only open), data
 * queued in it: after restart the reader gets every byte, the access
 * modes are what they were, and EOF comes once the writer closes.
 */
#include "zdtm.h"
#include <sys/stat.h>

int main(void)
{
	char buf[4096], want[3000];
	int r, w, n, i;

	test_init();
	unlink("fifo");
	if (mkfifo("fifo", 0600))
		fail("mkfifo: %s", strerror(errno));
	r = open("fifo", O_RDONLY | O_NONBLOCK);
	w = open("fifo", O_WRONLY);
	if (r < 0 || w < 0)
		fail("open: %s", strerror(errno));
	for (i = 0; i < (int)sizeof(want); i++)
		want[i] = 'a' + i % 26;
	if (write(w, want, sizeof(want)) != sizeof(want))
		fail("write: %s", strerror(errno));
	test_daemon();
	test_waitsig();
	if ((fcntl(r, F_GETFL) & O_ACCMODE) != O_RDONLY ||
	    (fcntl(w, F_GETFL) & O_ACCMODE) != O_WRONLY)
		fail("access modes changed");
	n = read(r, buf, sizeof(buf));
	if (n != sizeof(want) || memcmp(buf, want, sizeof(want)))
		fail("read %d bytes of %zu queued", n, sizeof(want));
	close(w);
	n = read(r, buf, 1);
	if (n != 0)
		fail("no EOF after the writer closed: %d (%s)", n,
		     n < 0 ? strerror(errno) : "data");
	pass();
}
