// SPDX-License-Identifier: GPL-2.0
/*
 * A FIFO whose write end is held by the parent alone and whose read end
 * belongs to a child forked afterwards, with data queued: on restart the
 * parent's write-only file comes back before any reader exists. After
 * restart the child reads the bytes written before and after, in order,
 * and EOF once the parent closes its end.
 */
#include "zdtm.h"
#include <sys/stat.h>
#include <sys/wait.h>

int main(void)
{
	char path[] = "/tmp/zdtm-fifo-wronly-XXXXXX", buf[64];
	int w, r, st, n, got = 0;
	pid_t c;

	test_init();
	if (!mkdtemp(path))
		fail("mkdtemp: %s", strerror(errno));
	strcat(path, "/f");
	if (mkfifo(path, 0600))
		fail("mkfifo: %s", strerror(errno));
	/* The write end alone: a reader is needed only while it opens. */
	r = open(path, O_RDONLY | O_NONBLOCK);
	w = open(path, O_WRONLY);
	if (r < 0 || w < 0)
		fail("open: %s", strerror(errno));
	c = fork();
	if (c < 0)
		fail("fork: %s", strerror(errno));
	if (c == 0) {
		int fd;

		close(w);
		fd = open(path, O_RDONLY);
		close(r);
		if (fd < 0)
			_exit(2);
		while ((n = read(fd, buf + got, sizeof(buf) - got - 1)) > 0)
			got += n;
		buf[got] = 0;
		_exit(strcmp(buf, "before|after") ? 3 : 0);
	}
	close(r);
	if (write(w, "before|", 7) != 7)
		fail("write: %s", strerror(errno));
	/* Let the child open its read end before the checkpoint. */
	usleep(200000);
	test_daemon();
	test_waitsig();
	if ((fcntl(w, F_GETFL) & O_ACCMODE) != O_WRONLY)
		fail("write end is no longer write-only");
	if (write(w, "after", 5) != 5)
		fail("write after restart: %s", strerror(errno));
	close(w);
	if (waitpid(c, &st, 0) != c || !WIFEXITED(st))
		fail("waitpid: %s", strerror(errno));
	if (WEXITSTATUS(st))
		fail("the reader child failed (%d): bytes lost or reordered",
		     WEXITSTATUS(st));
	unlink(path);
	pass();
}
