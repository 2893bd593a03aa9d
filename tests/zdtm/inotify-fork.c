// SPDX-License-Identifier: GPL-2.0
/*
 * A blocking inotify instance shared by a parent and its child after
 * fork(), whose queue overflowed before the checkpoint: it holds a full
 * queue of alternating open/close events of a file and IN_Q_OVERFLOW
 * last. The child is blocked in read() of a second inotify, made after
 * the fork, that watches the file for a change of attributes. After
 * restart the parent reads every queued event in order and the overflow,
 * then changes the file: the child's read() returns that change.
 */
#include "zdtm.h"
#include <sys/inotify.h>
#include <sys/stat.h>
#include <sys/wait.h>

static char file[64];

static long queue_max(void)
{
	FILE *f = fopen("/proc/sys/fs/inotify/max_queued_events", "r");
	long v = -1;

	if (!f || fscanf(f, "%ld", &v) != 1)
		fail("max_queued_events: %s", strerror(errno));
	fclose(f);
	return v;
}

int main(void)
{
	static char buf[1 << 16] __attribute__((aligned(8)));
	long max = queue_max(), got = 0, i;
	int fd, f, st, overflow = 0;
	pid_t c;

	test_init();
	snprintf(file, sizeof(file), "/tmp/zdtm-inotify-fork.%d", getpid());
	f = open(file, O_CREAT | O_WRONLY, 0644);
	if (f < 0)
		fail("open: %s", strerror(errno));
	close(f);
	fd = inotify_init();
	if (fd < 0 || inotify_add_watch(fd, file, IN_OPEN | IN_CLOSE) != 1)
		fail("inotify: %s", strerror(errno));
	c = fork();
	if (c < 0)
		fail("fork: %s", strerror(errno));
	if (c == 0) {
		struct inotify_event *e = (void *)buf;
		int mine = inotify_init1(IN_CLOEXEC);

		if (mine < 0 || inotify_add_watch(mine, file, IN_ATTRIB) != 1)
			_exit(2);
		if (read(mine, buf, sizeof(buf)) < (ssize_t)sizeof(*e))
			_exit(3);
		_exit(e->wd == 1 && e->mask == IN_ATTRIB ? 0 : 4);
	}
	/* Open and close alternate, so no two events merge. */
	for (i = 0; i < max / 2 + 1; i++) {
		f = open(file, O_RDONLY);
		if (f < 0)
			fail("open %ld: %s", i, strerror(errno));
		close(f);
	}
	usleep(200000);
	test_daemon();
	test_waitsig();

	if (fcntl(fd, F_GETFL) & O_NONBLOCK)
		fail("the instance became non-blocking");
	fcntl(fd, F_SETFL, O_NONBLOCK);
	for (;;) {
		ssize_t len = read(fd, buf, sizeof(buf)), off;

		if (len < 0 && errno == EAGAIN)
			break;
		if (len <= 0)
			fail("read: %s", strerror(errno));
		for (off = 0; off < len; got++) {
			struct inotify_event *e = (void *)(buf + off);
			unsigned int want = got % 2 ? IN_CLOSE_NOWRITE : IN_OPEN;

			off += sizeof(*e) + e->len;
			if (overflow)
				fail("event %ld after IN_Q_OVERFLOW", got);
			if (e->mask == IN_Q_OVERFLOW && e->wd == -1) {
				overflow = 1;
				continue;
			}
			if (e->wd != 1 || e->mask != want)
				fail("event %ld: wd %d mask %#x, want wd 1 mask %#x",
				     got, e->wd, e->mask, want);
		}
	}
	if (!overflow || got != max + 1)
		fail("%ld events read (overflow %d), want %ld and the overflow",
		     got, overflow, max + 1);
	if (chmod(file, 0600))
		fail("chmod: %s", strerror(errno));
	if (waitpid(c, &st, 0) != c || !WIFEXITED(st))
		fail("waitpid: %s", strerror(errno));
	if (WEXITSTATUS(st))
		fail("the child's inotify failed (%d)", WEXITSTATUS(st));
	unlink(file);
	pass();
}
