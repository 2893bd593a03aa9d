// SPDX-License-Identifier: GPL-2.0
/*
 * An inotify instance (IN_NONBLOCK) with a watch of a directory, a
 * one-shot watch of a file in it, and a third watch removed again, whose
 * events are queued and not read when the process is checkpointed: a
 * file created, a rename (two events sharing a cookie), the IN_IGNORED
 * of the removed watch. After restart read() returns those events in
 * order, new changes are reported to the same watch descriptors, the
 * one-shot watch fires once, and the next watch gets the descriptor it
 * would have got.
 */
#include "zdtm.h"
#include <limits.h>
#include <sys/inotify.h>
#include <sys/stat.h>

static char dir[64], file[96];

struct ev {
	int wd;
	unsigned int mask, cookie;
	char name[NAME_MAX + 1];
};

static int read_events(int fd, struct ev *out, int max)
{
	char buf[4096] __attribute__((aligned(8)));
	int n = 0;
	ssize_t len, off;

	len = read(fd, buf, sizeof(buf));
	if (len < 0)
		return -errno;
	for (off = 0; off < len && n < max; n++) {
		struct inotify_event *e = (void *)(buf + off);

		out[n].wd = e->wd;
		out[n].mask = e->mask;
		out[n].cookie = e->cookie;
		snprintf(out[n].name, sizeof(out[n].name), "%s",
			 e->len ? e->name : "");
		off += sizeof(*e) + e->len;
	}
	return n;
}

static void touch(const char *name)
{
	char p[160];
	int fd;

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	fd = open(p, O_CREAT | O_WRONLY, 0644);
	if (fd < 0)
		fail("create %s: %s", p, strerror(errno));
	close(fd);
}

static void expect(const struct ev *e, int wd, unsigned int mask,
		   const char *name, const char *what)
{
	if (e->wd != wd || e->mask != mask || strcmp(e->name, name))
		fail("%s: got wd %d mask %#x name '%s', want wd %d mask %#x name '%s'",
		     what, e->wd, e->mask, e->name, wd, mask, name);
}

int main(void)
{
	char from[160], to[160];
	struct ev ev[16];
	int fd, wdir, wfile, wgone, wnext, n, f;

	test_init();
	snprintf(dir, sizeof(dir), "/tmp/zdtm-inotify.%d", getpid());
	snprintf(file, sizeof(file), "%s/watched", dir);
	if (mkdir(dir, 0755))
		fail("mkdir: %s", strerror(errno));
	f = open(file, O_CREAT | O_WRONLY, 0644);
	if (f < 0)
		fail("open: %s", strerror(errno));
	close(f);
	fd = inotify_init1(IN_NONBLOCK);
	if (fd < 0)
		fail("inotify_init1: %s", strerror(errno));
	wdir = inotify_add_watch(fd, dir, IN_CREATE | IN_MOVED_FROM |
				 IN_MOVED_TO | IN_DELETE);
	wfile = inotify_add_watch(fd, file, IN_MODIFY | IN_ONESHOT);
	wgone = inotify_add_watch(fd, "/tmp", IN_CREATE);
	if (wdir < 0 || wfile < 0 || wgone < 0)
		fail("inotify_add_watch: %s", strerror(errno));
	if (inotify_rm_watch(fd, wgone))
		fail("inotify_rm_watch: %s", strerror(errno));
	touch("a");
	snprintf(from, sizeof(from), "%s/a", dir);
	snprintf(to, sizeof(to), "%s/b", dir);
	if (rename(from, to))
		fail("rename: %s", strerror(errno));
	test_daemon();
	test_waitsig();

	n = read_events(fd, ev, 16);
	if (n != 4)
		fail("%d events queued after restart, want 4 (%s)", n,
		     n < 0 ? strerror(-n) : "");
	expect(&ev[0], wgone, IN_IGNORED, "", "removed watch");
	expect(&ev[1], wdir, IN_CREATE, "a", "create");
	expect(&ev[2], wdir, IN_MOVED_FROM, "a", "rename from");
	expect(&ev[3], wdir, IN_MOVED_TO, "b", "rename to");
	if (!ev[2].cookie || ev[2].cookie != ev[3].cookie)
		fail("rename cookies %u and %u", ev[2].cookie, ev[3].cookie);
	n = read_events(fd, ev, 16);
	if (n != -EAGAIN)
		fail("empty queue read gave %d, not EAGAIN", n);
	if (unlink(to))
		fail("unlink: %s", strerror(errno));
	f = open(file, O_WRONLY);
	if (f < 0 || write(f, "x", 1) != 1 || write(f, "y", 1) != 1)
		fail("write: %s", strerror(errno));
	close(f);
	n = read_events(fd, ev, 16);
	if (n != 3)
		fail("%d events after restart's changes, want 3", n);
	expect(&ev[0], wdir, IN_DELETE, "b", "delete");
	expect(&ev[1], wfile, IN_MODIFY, "", "one-shot modify");
	expect(&ev[2], wfile, IN_IGNORED, "", "one-shot done");
	wnext = inotify_add_watch(fd, "/tmp", IN_ATTRIB);
	if (wnext != wgone + 1)
		fail("next watch descriptor %d, want %d", wnext, wgone + 1);
	if (inotify_add_watch(fd, dir, IN_ATTRIB) != wdir)
		fail("the directory watch was lost");
	unlink(file);
	rmdir(dir);
	pass();
}
