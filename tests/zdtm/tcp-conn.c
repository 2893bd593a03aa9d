// SPDX-License-Identifier: GPL-2.0
/*
 * TCP connections with both ends in one process, with data in every
 * queue: over IPv4 a client has written numbered bytes until its send
 * buffer is full (the server's receive queue is full, and part of the
 * client's send queue was never sent), and the server has written a
 * short answer the client has not read; over IPv6 a quiet connection
 * with TCP_NODELAY and keepalive set.  After restart both connections are
 * still there, with their addresses and options: every byte arrives once
 * and in order, the client can write again, and closing one end gives
 * the other end of file, not a reset.
 */
#include "zdtm.h"
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>

static unsigned char pattern(unsigned long long i)
{
	return (unsigned char)(i * 31 + (i >> 8));
}

/* A connected pair over family's loopback: *c the client, *s the server. */
static void pair(int family, unsigned short port, int *c, int *s)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int l, one = 1;

	len = zdtm_inet_addr(family, NULL, port, &ss);
	l = socket(family, SOCK_STREAM, 0);
	*c = socket(family, SOCK_STREAM, 0);
	if (l < 0 || *c < 0 ||
	    setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(l, (struct sockaddr *)&ss, len) || listen(l, 1) ||
	    connect(*c, (struct sockaddr *)&ss, len))
		fail("connection on port %u: %s", port, strerror(errno));
	*s = accept(l, NULL, NULL);
	if (*s < 0)
		fail("accept: %s", strerror(errno));
	close(l);
}

static int opt(int fd, int level, int name)
{
	int v = -1;
	socklen_t len = sizeof(v);

	getsockopt(fd, level, name, &v, &len);
	return v;
}

int main(void)
{
	static unsigned char buf[65536];
	unsigned long long sent = 0, got = 0;
	int c4, s4, c6, s6, one = 1;
	struct pollfd p;
	ssize_t n, i;
	char ans[8];

	test_init();
	pair(AF_INET, 7461, &c4, &s4);
	pair(AF_INET6, 7462, &c6, &s6);
	if (setsockopt(c6, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) ||
	    setsockopt(c6, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof(one)))
		fail("setsockopt: %s", strerror(errno));
	/* The client writes until nothing more fits anywhere. */
	for (;;) {
		for (i = 0; i < (ssize_t)sizeof(buf); i++)
			buf[i] = pattern(sent + i);
		n = send(c4, buf, sizeof(buf), MSG_DONTWAIT);
		if (n < 0 && errno == EAGAIN)
			break;
		if (n <= 0)
			fail("send: %s", strerror(errno));
		sent += n;
	}
	if (write(s4, "answer", 6) != 6 || write(c6, "v6", 2) != 2)
		fail("write: %s", strerror(errno));
	usleep(100000);

	test_daemon();
	test_waitsig();

	if (opt(c6, IPPROTO_TCP, TCP_NODELAY) != 1 ||
	    opt(c6, SOL_SOCKET, SO_KEEPALIVE) != 1)
		fail("IPv6 connection's options lost");
	if (read(c4, ans, sizeof(ans)) != 6 || memcmp(ans, "answer", 6))
		fail("the server's answer was lost");
	if (read(s6, ans, sizeof(ans)) != 2 || memcmp(ans, "v6", 2))
		fail("the IPv6 client's bytes were lost");
	/* Every byte the client wrote, once, in order; then it writes more. */
	while (got < sent) {
		n = read(s4, buf, sizeof(buf));
		if (n <= 0)
			fail("read after %llu of %llu bytes: %zd (%s)", got, sent,
			     n, strerror(errno));
		for (i = 0; i < n; i++)
			if (buf[i] != pattern(got + i))
				fail("byte %llu changed", got + i);
		got += n;
	}
	p.fd = s4;
	p.events = POLLIN;
	if (poll(&p, 1, 200) != 0)
		fail("more bytes than the client wrote");
	if (write(c4, "more", 4) != 4 || read(s4, ans, 4) != 4 ||
	    memcmp(ans, "more", 4))
		fail("the connection does not carry new bytes");
	/* An orderly end: the other side reads end of file. */
	close(c6);
	n = read(s6, ans, 1);
	if (n != 0)
		fail("after close: %zd (%s), not end of file", n,
		     n < 0 ? strerror(errno) : "data");
	pass();
}
