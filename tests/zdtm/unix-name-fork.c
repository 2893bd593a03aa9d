// SPDX-License-Identifier: GPL-2.0
/*
 * Named datagram sockets made after fork(), talking by name without
 * connect(): the child binds a path and an abstract name, the parent a
 * path (its file made 0604).  The child's greeting waits, unread, in the
 * parent's socket, and the child is blocked in recvfrom() when the tree
 * is checkpointed.  While the tree is gone the parent's socket file is
 * removed: restart must make it again, with its mode.  After restart the
 * parent reads the greeting with the child's name as its sender, and the
 * two talk again by path and by abstract name.
 */
#include "zdtm.h"
#include <stddef.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

static socklen_t set_name(struct sockaddr_un *a, const char *path, int abstract)
{
	memset(a, 0, sizeof(*a));
	a->sun_family = AF_UNIX;
	if (abstract) {
		strcpy(a->sun_path + 1, path);
		return offsetof(struct sockaddr_un, sun_path) + 1 + strlen(path);
	}
	strcpy(a->sun_path, path);
	return offsetof(struct sockaddr_un, sun_path) + strlen(path) + 1;
}

static int bound(const struct sockaddr_un *a, socklen_t len)
{
	int fd = socket(AF_UNIX, SOCK_DGRAM, 0);

	if (fd < 0 || bind(fd, (const struct sockaddr *)a, len))
		return -1;
	return fd;
}

static int say(int fd, const char *msg, const struct sockaddr_un *to,
	       socklen_t len)
{
	return sendto(fd, msg, strlen(msg), 0, (const struct sockaddr *)to,
		      len) == (ssize_t)strlen(msg);
}

/* Blocks for the next datagram; 1 if it is msg (from a sender named from). */
static int heard(int fd, const char *msg, const struct sockaddr_un *from,
		 socklen_t flen, int flags)
{
	struct sockaddr_un got;
	socklen_t glen = sizeof(got);
	char buf[64];
	ssize_t n;

	memset(&got, 0, sizeof(got));
	n = recvfrom(fd, buf, sizeof(buf), flags, (struct sockaddr *)&got,
		     &glen);
	if (n != (ssize_t)strlen(msg) || memcmp(buf, msg, n))
		return 0;
	return !from || (glen == flen && !memcmp(&got, from, flen));
}

int main(void)
{
	struct sockaddr_un pa, ca, aa;
	socklen_t plen, clen, alen;
	int sync[2], ps, status;
	struct stat st;
	char abs[64], b;
	pid_t c;

	test_init();
	unlink("parent.sock");
	unlink("child.sock");
	snprintf(abs, sizeof(abs), "zdtm-unix-name-fork-%d", getpid());
	plen = set_name(&pa, "parent.sock", 0);
	clen = set_name(&ca, "child.sock", 0);
	alen = set_name(&aa, abs, 1);
	if (pipe(sync))
		fail("pipe: %s", strerror(errno));
	c = fork();
	if (c < 0)
		fail("fork: %s", strerror(errno));
	if (c == 0) {
		int cs = bound(&ca, clen), as = bound(&aa, alen);

		if (cs < 0 || as < 0)
			_exit(2);
		/* Wait for the parent's name, then greet it. */
		if (read(sync[0], &b, 1) != 1 || !say(cs, "hello", &pa, plen))
			_exit(3);
		/* Blocked here when checkpointed. */
		if (!heard(cs, "wake", &pa, plen, 0))
			_exit(4);
		if (!say(cs, "ack-path", &pa, plen))
			_exit(5);
		if (!heard(as, "by-abstract", &pa, plen, 0) ||
		    !say(as, "ack-abstract", &pa, plen))
			_exit(6);
		_exit(0);
	}
	ps = bound(&pa, plen);
	if (ps < 0 || chmod("parent.sock", 0604))
		fail("parent socket: %s", strerror(errno));
	if (write(sync[1], "g", 1) != 1)
		fail("sync: %s", strerror(errno));
	/* The greeting is queued, not read. */
	if (!heard(ps, "hello", &ca, clen, MSG_PEEK))
		fail("no greeting from the child");
	test_between("rm -f parent.sock");
	test_daemon();
	test_waitsig();

	if (stat("parent.sock", &st))
		fail("parent.sock after restart: %s", strerror(errno));
	if (!S_ISSOCK(st.st_mode) || (st.st_mode & 07777) != 0604)
		fail("parent.sock: mode %o, not a socket 0604", st.st_mode);
	if (!heard(ps, "hello", &ca, clen, MSG_DONTWAIT))
		fail("the queued greeting did not come with the child's name");
	if (!say(ps, "wake", &ca, clen))
		fail("sendto child.sock: %s", strerror(errno));
	if (!heard(ps, "ack-path", &ca, clen, 0))
		fail("no answer from the child's path");
	if (!say(ps, "by-abstract", &aa, alen))
		fail("sendto the child's abstract name: %s", strerror(errno));
	if (!heard(ps, "ack-abstract", &aa, alen, 0))
		fail("no answer from the child's abstract name");
	if (waitpid(c, &status, 0) != c || !WIFEXITED(status) ||
	    WEXITSTATUS(status))
		fail("child: status %#x", status);
	pass();
}
