// SPDX-License-Identifier: GPL-2.0
/*
 * socketpair() of every type inside one process, with data queued in both
 * directions when it is checkpointed: message boundaries of datagrams and
 * seqpackets, a stream partly read, a peek offset, a stream whose peer was
 * closed with data unread, a pair shut down one way, a non-blocking end
 * and a send buffer set with SO_SNDBUF.  After restart every byte and
 * boundary is there, each pair still carries new data, the closed peer's
 * end reads its data, a reset and end of file, and SO_PEERCRED names this
 * process.
 */
#include "zdtm.h"
#include <sys/socket.h>

#define BIG (100 * 1024)

static unsigned char big[BIG];

static void check_msgs(int fd, const char *what, const int *lens, int n)
{
	char buf[4096];
	int i, got;

	for (i = 0; i < n; i++) {
		got = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (got != lens[i])
			fail("%s: message %d is %d bytes, not %d (%s)", what, i,
			     got, lens[i], got < 0 ? strerror(errno) : "");
		if (buf[0] != 'a' + i || buf[got - 1] != 'a' + i)
			fail("%s: message %d has the wrong bytes", what, i);
	}
	if (recv(fd, buf, sizeof(buf), MSG_DONTWAIT) != -1 || errno != EAGAIN)
		fail("%s: more than %d messages", what, n);
}

static void send_msgs(int fd, const int *lens, int n)
{
	char buf[4096];
	int i;

	for (i = 0; i < n; i++) {
		memset(buf, 'a' + i, lens[i]);
		if (send(fd, buf, lens[i], 0) != lens[i])
			fail("send: %s", strerror(errno));
	}
}

static void still_connected(int a, int b, const char *what)
{
	char c = 0;

	if (send(a, "z", 1, 0) != 1 || recv(b, &c, 1, 0) != 1 || c != 'z')
		fail("%s: the pair no longer carries data", what);
}

int main(void)
{
	static const int la[] = { 1, 700, 3000 }, lb[] = { 17, 4000 };
	int dg[2], sp[2], st[2], half[2], gone[2], nb[2];
	int i, v, sndbuf = 0, got;
	struct ucred uc;
	socklen_t len;
	char buf[64];

	test_init();
	for (i = 0; i < BIG; i++)
		big[i] = i * 7 + i / 251;
	if (socketpair(AF_UNIX, SOCK_DGRAM, 0, dg) ||
	    socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sp) ||
	    socketpair(AF_UNIX, SOCK_STREAM, 0, st) ||
	    socketpair(AF_UNIX, SOCK_STREAM, 0, half) ||
	    socketpair(AF_UNIX, SOCK_STREAM, 0, gone) ||
	    socketpair(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK, 0, nb))
		fail("socketpair: %s", strerror(errno));
	send_msgs(dg[0], la, 3);
	send_msgs(dg[1], lb, 2);
	send_msgs(sp[1], la, 3);
	send_msgs(sp[0], lb, 2);
	/* 100 KiB one way, of which 1000 bytes are read; "hello" back. */
	if (write(st[0], big, BIG) != BIG || write(st[1], "hello", 5) != 5)
		fail("write: %s", strerror(errno));
	if (read(st[1], buf, 10) != 10 || memcmp(buf, big, 10))
		fail("read: %s", strerror(errno));
	for (i = 10; i < 1000; i += got) {
		got = read(st[1], buf, 1000 - i < 64 ? 1000 - i : 64);
		if (got <= 0 || memcmp(buf, big + i, got))
			fail("read: %s", strerror(errno));
	}
	/* Peek from an offset: the next peek starts 5 bytes further in. */
	v = 3;
	if (setsockopt(st[0], SOL_SOCKET, SO_PEEK_OFF, &v, sizeof(v)))
		fail("SO_PEEK_OFF: %s", strerror(errno));
	if (recv(st[0], buf, 1, MSG_PEEK) != 1 || buf[0] != 'l')
		fail("peek: %s", strerror(errno));
	if (write(half[0], "abc", 3) != 3 || shutdown(half[0], SHUT_WR))
		fail("shutdown: %s", strerror(errno));
	if (write(gone[0], "bye", 3) != 3 || write(gone[1], "lost", 4) != 4)
		fail("write: %s", strerror(errno));
	close(gone[1]);
	v = 8192;
	if (setsockopt(nb[0], SOL_SOCKET, SO_SNDBUF, &v, sizeof(v)))
		fail("SO_SNDBUF: %s", strerror(errno));
	len = sizeof(sndbuf);
	getsockopt(nb[0], SOL_SOCKET, SO_SNDBUF, &sndbuf, &len);

	test_daemon();
	test_waitsig();

	check_msgs(dg[1], "datagrams a->b", la, 3);
	check_msgs(dg[0], "datagrams b->a", lb, 2);
	check_msgs(sp[0], "seqpackets b->a", la, 3);
	check_msgs(sp[1], "seqpackets a->b", lb, 2);
	/* A seqpacket longer than the buffer is cut, the rest dropped. */
	send_msgs(sp[0], la, 3);
	if (recv(sp[1], buf, 2, MSG_TRUNC) != 1 ||
	    recv(sp[1], buf, 2, MSG_TRUNC) != 700)
		fail("seqpacket MSG_TRUNC: wrong lengths");
	if (recv(st[0], buf, 5, MSG_PEEK) != 1 || buf[0] != 'o')
		fail("the peek offset was lost");
	if (recv(st[0], buf, 5, 0) != 5 || memcmp(buf, "hello", 5))
		fail("stream b->a: wrong data");
	for (i = 1000; i < BIG; i += got) {
		got = read(st[1], buf, sizeof(buf));
		if (got <= 0)
			fail("stream a->b ends at %d of %d bytes", i, BIG);
		if (memcmp(buf, big + i, got))
			fail("stream a->b: wrong bytes at %d", i);
	}
	still_connected(st[0], st[1], "stream");
	still_connected(st[1], st[0], "stream");
	still_connected(dg[0], dg[1], "datagram");
	still_connected(sp[1], sp[0], "seqpacket");
	if (read(half[1], buf, 8) != 3 || read(half[1], buf, 8) != 0)
		fail("shut down for writing: data then end of file expected");
	if (send(half[0], "x", 1, MSG_NOSIGNAL) != -1 || errno != EPIPE)
		fail("shut down for writing: write() did not fail with EPIPE");
	still_connected(half[1], half[0], "half-closed stream");
	if (read(gone[0], buf, 8) != 4 || memcmp(buf, "lost", 4))
		fail("closed peer: its data was lost");
	/* It closed with our data unread: a reset, once, then end of file. */
	if (read(gone[0], buf, 8) != -1 || errno != ECONNRESET)
		fail("closed peer: no ECONNRESET after its data");
	if (read(gone[0], buf, 8) != 0)
		fail("closed peer: no end of file after the reset");
	if (!(fcntl(nb[0], F_GETFL) & O_NONBLOCK) ||
	    (fcntl(dg[0], F_GETFL) & O_NONBLOCK))
		fail("O_NONBLOCK changed");
	len = sizeof(v);
	if (getsockopt(nb[0], SOL_SOCKET, SO_SNDBUF, &v, &len) || v != sndbuf)
		fail("SO_SNDBUF is %d, not %d", v, sndbuf);
	len = sizeof(uc);
	if (getsockopt(st[1], SOL_SOCKET, SO_PEERCRED, &uc, &len) ||
	    uc.pid != getpid() || uc.uid != getuid() || uc.gid != getgid())
		fail("SO_PEERCRED is %d/%d/%d, not this process", uc.pid,
		     uc.uid, uc.gid);
	pass();
}
