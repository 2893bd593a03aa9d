// SPDX-License-Identifier: GPL-2.0
/*
 * Datagrams waiting on UDP sockets: a dual-stack IPv6 server has
 * datagrams from an IPv6 and an IPv4 sender, an empty one, a large one
 * and one already peeked at (SO_PEEK_OFF); an IPv4 socket has a queue
 * near its receive buffer.  After restart each is read in order, with its
 * bytes, its length (boundaries kept) and its sender's address and port,
 * then nothing more is queued.
 */
#include "zdtm.h"
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#define BIG 60000
#define MANY 40

static unsigned char big[BIG];

static int udp6(const struct in6_addr *a, unsigned short port, int v6only)
{
	struct sockaddr_in6 sin6 = { .sin6_family = AF_INET6 };
	int fd = socket(AF_INET6, SOCK_DGRAM, 0);

	sin6.sin6_addr = *a;
	sin6.sin6_port = htons(port);
	if (fd < 0 || setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &v6only,
				 sizeof(v6only)) ||
	    bind(fd, (struct sockaddr *)&sin6, sizeof(sin6)))
		fail("IPv6 socket on port %u: %s", port, strerror(errno));
	return fd;
}

static int udp4(unsigned short port)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sin.sin_port = htons(port);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sin, sizeof(sin)))
		fail("IPv4 socket on port %u: %s", port, strerror(errno));
	return fd;
}

static void send4(int fd, unsigned short port, const void *buf, size_t len)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sin.sin_port = htons(port);
	if (sendto(fd, buf, len, 0, (struct sockaddr *)&sin, sizeof(sin)) !=
	    (ssize_t)len)
		fail("sendto 127.0.0.1:%u: %s", port, strerror(errno));
}

static void send6(int fd, unsigned short port, const void *buf, size_t len)
{
	struct sockaddr_in6 sin6 = { .sin6_family = AF_INET6 };

	sin6.sin6_addr = in6addr_loopback;
	sin6.sin6_port = htons(port);
	if (sendto(fd, buf, len, 0, (struct sockaddr *)&sin6, sizeof(sin6)) !=
	    (ssize_t)len)
		fail("sendto [::1]:%u: %s", port, strerror(errno));
}

/* The next datagram on fd is want (len bytes) from ip:port. */
static void next(int fd, const void *want, size_t len, const char *ip,
		 unsigned short port)
{
	static unsigned char buf[BIG + 16];
	struct sockaddr_in6 from;
	socklen_t flen = sizeof(from);
	char text[INET6_ADDRSTRLEN];
	ssize_t n;

	n = recvfrom(fd, buf, sizeof(buf), MSG_DONTWAIT,
		     (struct sockaddr *)&from, &flen);
	if (n != (ssize_t)len || memcmp(buf, want, len))
		fail("datagram of %zu bytes from %s:%u: got %zd (%s)", len, ip,
		     port, n, n < 0 ? strerror(errno) : "other bytes");
	inet_ntop(from.sin6_family, from.sin6_family == AF_INET6 ?
		  (void *)&from.sin6_addr :
		  (void *)&((struct sockaddr_in *)&from)->sin_addr, text,
		  sizeof(text));
	if (strcmp(text, ip) || ntohs(from.sin6_port) != port)
		fail("datagram from %s:%u, not %s:%u", text,
		     ntohs(from.sin6_port), ip, port);
}

int main(void)
{
	int srv, s6, s4, q, t, i, off = 3, v;
	char buf[16], msg[16];

	test_init();
	for (i = 0; i < BIG; i++)
		big[i] = i * 7;
	srv = udp6(&in6addr_any, 7441, 0);
	s6 = udp6(&in6addr_loopback, 7442, 1);
	s4 = udp4(7443);
	send6(s6, 7441, "from-v6", 7);
	send4(s4, 7441, "from-v4", 7);
	send6(s6, 7441, "", 0);
	send6(s6, 7441, big, BIG);
	send4(s4, 7441, "peeked-at", 9);
	/* Two bytes of the first peeked already: the offset moves on. */
	if (setsockopt(srv, SOL_SOCKET, SO_PEEK_OFF, &off, sizeof(off)) ||
	    recv(srv, buf, 2, MSG_PEEK) != 2 || memcmp(buf, "m-", 2))
		fail("SO_PEEK_OFF: %s", strerror(errno));
	/* Many small datagrams on a small buffer. */
	q = udp4(7444);
	v = 8192;
	setsockopt(q, SOL_SOCKET, SO_RCVBUF, &v, sizeof(v));
	t = socket(AF_INET, SOCK_DGRAM, 0);
	for (i = 0; i < MANY; i++) {
		snprintf(msg, sizeof(msg), "n%d", i);
		send4(t, 7444, msg, strlen(msg));
	}

	test_daemon();
	test_waitsig();

	/* The peek offset is kept, then reading starts over. */
	if (recv(srv, buf, 2, MSG_PEEK) != 2 || memcmp(buf, "v6", 2))
		fail("peek after restart: SO_PEEK_OFF not kept");
	off = -1;
	setsockopt(srv, SOL_SOCKET, SO_PEEK_OFF, &off, sizeof(off));
	next(srv, "from-v6", 7, "::1", 7442);
	next(srv, "from-v4", 7, "::ffff:127.0.0.1", 7443);
	next(srv, "", 0, "::1", 7442);
	next(srv, big, BIG, "::1", 7442);
	next(srv, "peeked-at", 9, "::ffff:127.0.0.1", 7443);
	if (recv(srv, buf, 1, MSG_DONTWAIT) != -1 || errno != EAGAIN)
		fail("more datagrams than were sent on the server");
	/* As many as the buffer took before: each one, in order. */
	for (i = 0; ; i++) {
		ssize_t n = recv(q, buf, sizeof(buf), MSG_DONTWAIT);

		if (n < 0)
			break;
		snprintf(msg, sizeof(msg), "n%d", i);
		if (n != (ssize_t)strlen(msg) || memcmp(buf, msg, n))
			fail("small datagram %d: %.*s", i, (int)n, buf);
	}
	if (i < 4)
		fail("only %d small datagrams kept", i);
	pass();
}
