// SPDX-License-Identifier: GPL-2.0
/*
 * Listening Unix sockets in one process.  A stream listener bound to a
 * path has one connection accepted, with data waiting both ways, and
 * three it has not accepted: one with 3000 bytes sent, one whose socket
 * sent data and was closed, and one shut down for writing.  A seqpacket
 * listener on an abstract name has one connection not accepted, with two
 * messages sent.  After restart the accepted connection has its data and
 * its listener's name; accept() returns the others in order, each with
 * its data (then end of file where the sender is gone or shut down) and
 * SO_PEERCRED naming this process; no other connection is pending; and
 * the listeners take new connections.
 */
#include "zdtm.h"
#include <stddef.h>
#include <sys/socket.h>
#include <sys/un.h>

static socklen_t set_name(struct sockaddr_un *a, const char *name, int abstract)
{
	memset(a, 0, sizeof(*a));
	a->sun_family = AF_UNIX;
	if (abstract) {
		strcpy(a->sun_path + 1, name);
		return offsetof(struct sockaddr_un, sun_path) + 1 + strlen(name);
	}
	strcpy(a->sun_path, name);
	return offsetof(struct sockaddr_un, sun_path) + strlen(name) + 1;
}

static int connected(int type, const struct sockaddr_un *a, socklen_t len)
{
	int fd = socket(AF_UNIX, type, 0);

	if (fd < 0 || connect(fd, (const struct sockaddr *)a, len))
		fail("connect: %s", strerror(errno));
	return fd;
}

static void put(int fd, const char *buf, size_t len)
{
	if (send(fd, buf, len, 0) != (ssize_t)len)
		fail("send of %zu bytes: %s", len, strerror(errno));
}

/* Exactly len bytes of c (or the string s) can be read from fd now. */
static void take(int fd, const char *s, char c, size_t len, const char *what)
{
	char buf[4096];
	size_t got = 0, i;
	ssize_t n;

	while (got < len) {
		n = recv(fd, buf, sizeof(buf) < len - got ? sizeof(buf) : len - got,
			 MSG_DONTWAIT);
		if (n <= 0)
			fail("%s: %zu of %zu bytes, then %s", what, got, len,
			     n ? strerror(errno) : "end of file");
		for (i = 0; i < (size_t)n; i++)
			if (buf[i] != (s ? s[got + i] : c))
				fail("%s: byte %zu differs", what, got + i);
		got += n;
	}
}

static void eof(int fd, const char *what)
{
	char b;
	ssize_t n = recv(fd, &b, 1, MSG_DONTWAIT);

	if (n != 0)
		fail("%s: not end of file (%zd, %s)", what, n,
		     n < 0 ? strerror(errno) : "data");
}

static int same_name(int fd, int peer, const struct sockaddr_un *a,
		     socklen_t len)
{
	struct sockaddr_un got;
	socklen_t glen = sizeof(got);

	memset(&got, 0, sizeof(got));
	if ((peer ? getpeername(fd, (struct sockaddr *)&got, &glen) :
		    getsockname(fd, (struct sockaddr *)&got, &glen)))
		return 0;
	return glen == len && !memcmp(&got, a, len);
}

static int accept_now(int l)
{
	int fd = accept4(l, NULL, NULL, SOCK_NONBLOCK);

	if (fd < 0)
		fail("accept: %s", strerror(errno));
	return fd;
}

int main(void)
{
	struct sockaddr_un sa, qa;
	socklen_t slen, qlen;
	int ls, lq, a, acc_a, b, c, d, e, fb, fc, fd, fe, n;
	char big[3000], name[64];
	struct ucred uc;
	socklen_t uclen = sizeof(uc);

	test_init();
	unlink("listen.sock");
	slen = set_name(&sa, "listen.sock", 0);
	snprintf(name, sizeof(name), "zdtm-unix-listen-%d", getpid());
	qlen = set_name(&qa, name, 1);
	memset(big, 'b', sizeof(big));

	ls = socket(AF_UNIX, SOCK_STREAM, 0);
	lq = socket(AF_UNIX, SOCK_SEQPACKET, 0);
	if (ls < 0 || lq < 0 || bind(ls, (struct sockaddr *)&sa, slen) ||
	    listen(ls, 8) || bind(lq, (struct sockaddr *)&qa, qlen) ||
	    listen(lq, 4))
		fail("listen: %s", strerror(errno));
	/* accept() says EAGAIN, not waits, when nothing is pending. */
	if (fcntl(ls, F_SETFL, O_NONBLOCK) || fcntl(lq, F_SETFL, O_NONBLOCK))
		fail("O_NONBLOCK: %s", strerror(errno));

	a = connected(SOCK_STREAM, &sa, slen);
	acc_a = accept_now(ls);
	put(a, "req-a", 5);
	put(acc_a, "resp-a", 6);
	b = connected(SOCK_STREAM, &sa, slen);
	put(b, big, sizeof(big));
	c = connected(SOCK_STREAM, &sa, slen);
	put(c, "data-c", 6);
	close(c);
	d = connected(SOCK_STREAM, &sa, slen);
	if (shutdown(d, SHUT_WR))
		fail("shutdown: %s", strerror(errno));
	e = connected(SOCK_SEQPACKET, &qa, qlen);
	put(e, "first", 5);
	put(e, "second!", 7);

	test_daemon();
	test_waitsig();

	/* The accepted connection. */
	take(acc_a, "req-a", 0, 5, "accepted, its request");
	take(a, "resp-a", 0, 6, "accepted, its response");
	if (!same_name(acc_a, 0, &sa, slen) || !same_name(a, 1, &sa, slen))
		fail("the accepted connection lost its listener's name");
	if (!same_name(b, 1, &sa, slen))
		fail("a connection not accepted lost its peer's name");

	/* The backlog, in order. */
	fb = accept_now(ls);
	take(fb, NULL, 'b', sizeof(big), "first pending");
	if (getsockopt(fb, SOL_SOCKET, SO_PEERCRED, &uc, &uclen) ||
	    uc.pid != getpid() || uc.uid != getuid())
		fail("first pending: SO_PEERCRED pid %d uid %d", uc.pid, uc.uid);
	if (!same_name(fb, 0, &sa, slen))
		fail("first pending: not the listener's name");
	put(fb, "to-b", 4);
	take(b, "to-b", 0, 4, "first pending, the answer");
	fc = accept_now(ls);
	take(fc, "data-c", 0, 6, "second pending (closed)");
	eof(fc, "second pending (closed)");
	fd = accept_now(ls);
	eof(fd, "third pending (shut down)");
	put(fd, "to-d", 4);
	take(d, "to-d", 0, 4, "third pending, the answer");
	n = accept4(ls, NULL, NULL, SOCK_NONBLOCK);
	if (n >= 0 || errno != EAGAIN)
		fail("a fourth connection was pending (%d, %s)", n, strerror(errno));

	/* The seqpacket listener: boundaries kept. */
	fe = accept_now(lq);
	{
		char m[16];

		if (recv(fe, m, sizeof(m), MSG_DONTWAIT) != 5 ||
		    memcmp(m, "first", 5) ||
		    recv(fe, m, sizeof(m), MSG_DONTWAIT) != 7 ||
		    memcmp(m, "second!", 7))
			fail("seqpacket messages lost their boundaries");
	}

	/* New connections. */
	n = connected(SOCK_STREAM, &sa, slen);
	fb = accept_now(ls);
	put(n, "new", 3);
	take(fb, "new", 0, 3, "a new connection");
	n = connected(SOCK_SEQPACKET, &qa, qlen);
	fe = accept_now(lq);
	put(fe, "new-q", 5);
	take(n, "new-q", 0, 5, "a new seqpacket connection");
	pass();
}
