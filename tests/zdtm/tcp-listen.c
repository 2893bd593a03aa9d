// SPDX-License-Identifier: GPL-2.0
/*
 * A server's sockets before any client came: TCP listeners on 127.0.0.1
 * (SO_REUSEADDR, TCP_NODELAY, keepalive settings, a send buffer set),
 * on [::1] (IPV6_V6ONLY) and on the IPv6 any address taking IPv4 too
 * (dual stack, port chosen by listen()), a socket bound but not
 * listening, and a socket made but not bound, with options.  After
 * restart every socket has its address and options, each port is still
 * taken (a second bind() fails with EADDRINUSE), and a client connects
 * to each listener, over IPv4 and IPv6, and talks to the server.
 */
#include "zdtm.h"
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

static int opt(int fd, int level, int name)
{
	int v = -1;
	socklen_t len = sizeof(v);

	if (getsockopt(fd, level, name, &v, &len))
		fail("getsockopt(%d, %d): %s", level, name, strerror(errno));
	return v;
}

static void set(int fd, int level, int name, int v)
{
	if (setsockopt(fd, level, name, &v, sizeof(v)))
		fail("setsockopt(%d, %d, %d): %s", level, name, v,
		     strerror(errno));
}

static unsigned short port_of(int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	if (getsockname(fd, (struct sockaddr *)&ss, &len))
		fail("getsockname: %s", strerror(errno));
	return ntohs(ss.ss_family == AF_INET ?
		     ((struct sockaddr_in *)&ss)->sin_port :
		     ((struct sockaddr_in6 *)&ss)->sin6_port);
}

static int bound(int family, const char *ip, unsigned short port)
{
	struct sockaddr_storage ss;
	socklen_t len = zdtm_inet_addr(family, ip, port, &ss);
	int fd = socket(family, SOCK_STREAM, 0);

	if (fd < 0)
		fail("socket: %s", strerror(errno));
	set(fd, SOL_SOCKET, SO_REUSEADDR, 1);
	if (family == AF_INET6)
		set(fd, IPPROTO_IPV6, IPV6_V6ONLY, 1);
	if (bind(fd, (struct sockaddr *)&ss, len))
		fail("bind %s:%u: %s", ip, port, strerror(errno));
	return fd;
}

/* The port is still ours: another socket cannot have it. */
static void taken(int family, const char *ip, unsigned short port)
{
	struct sockaddr_storage ss;
	socklen_t len = zdtm_inet_addr(family, ip, port, &ss);
	int fd = socket(family, SOCK_STREAM, 0);

	if (family == AF_INET6)
		set(fd, IPPROTO_IPV6, IPV6_V6ONLY, 1);
	if (!bind(fd, (struct sockaddr *)&ss, len) || errno != EADDRINUSE)
		fail("%s port %u is free after restart (%s)", ip, port,
		     strerror(errno));
	close(fd);
}

/* A client connects to ip:port; the server accepts and they talk. */
static void talk(int ls, int family, const char *ip, unsigned short port)
{
	struct sockaddr_storage ss;
	socklen_t len = zdtm_inet_addr(family, ip, port, &ss);
	int c = socket(family, SOCK_STREAM, 0), s;
	char buf[8];

	if (c < 0 || connect(c, (struct sockaddr *)&ss, len))
		fail("connect to %s:%u: %s", ip, port, strerror(errno));
	s = accept(ls, NULL, NULL);
	if (s < 0)
		fail("accept on %s:%u: %s", ip, port, strerror(errno));
	if (write(c, "ping", 4) != 4 || read(s, buf, 4) != 4 ||
	    memcmp(buf, "ping", 4) || write(s, "pong", 4) != 4 ||
	    read(c, buf, 4) != 4 || memcmp(buf, "pong", 4))
		fail("no exchange over %s:%u", ip, port);
	close(c);
	close(s);
}

int main(void)
{
	int l4, l6, ld, b4, fresh, v;
	unsigned short pd;

	test_init();
	l4 = bound(AF_INET, "127.0.0.1", 7401);
	set(l4, IPPROTO_TCP, TCP_NODELAY, 1);
	set(l4, IPPROTO_TCP, TCP_KEEPIDLE, 77);
	set(l4, IPPROTO_TCP, TCP_KEEPINTVL, 9);
	set(l4, IPPROTO_TCP, TCP_KEEPCNT, 5);
	set(l4, SOL_SOCKET, SO_KEEPALIVE, 1);
	set(l4, SOL_SOCKET, SO_SNDBUF, 65536);
	if (listen(l4, 7))
		fail("listen: %s", strerror(errno));
	l6 = bound(AF_INET6, "::1", 7402);
	set(l6, IPPROTO_TCP, TCP_USER_TIMEOUT, 4321);
	if (listen(l6, 3))
		fail("listen: %s", strerror(errno));
	/* Dual stack, the port chosen by listen(). */
	ld = socket(AF_INET6, SOCK_STREAM, 0);
	if (ld < 0)
		fail("socket: %s", strerror(errno));
	set(ld, IPPROTO_IPV6, IPV6_V6ONLY, 0);
	if (listen(ld, 5))
		fail("listen: %s", strerror(errno));
	pd = port_of(ld);
	b4 = bound(AF_INET, "127.0.0.1", 7403);
	fresh = socket(AF_INET, SOCK_STREAM, 0);
	if (fresh < 0)
		fail("socket: %s", strerror(errno));
	set(fresh, IPPROTO_TCP, TCP_MAXSEG, 1200);
	set(fresh, IPPROTO_IP, IP_TOS, 0x10);
	set(fresh, SOL_SOCKET, SO_RCVBUF, 32768);

	test_daemon();
	test_waitsig();

	if (port_of(l4) != 7401 || port_of(l6) != 7402 ||
	    port_of(ld) != pd || port_of(b4) != 7403 || port_of(fresh) != 0)
		fail("ports %u %u %u (want %u) %u %u", port_of(l4),
		     port_of(l6), port_of(ld), pd, port_of(b4),
		     port_of(fresh));
	if (opt(l4, SOL_SOCKET, SO_ACCEPTCONN) != 1 ||
	    opt(b4, SOL_SOCKET, SO_ACCEPTCONN) != 0 ||
	    opt(l4, SOL_SOCKET, SO_REUSEADDR) != 1 ||
	    opt(l4, IPPROTO_TCP, TCP_NODELAY) != 1 ||
	    opt(l4, IPPROTO_TCP, TCP_KEEPIDLE) != 77 ||
	    opt(l4, IPPROTO_TCP, TCP_KEEPINTVL) != 9 ||
	    opt(l4, IPPROTO_TCP, TCP_KEEPCNT) != 5 ||
	    opt(l4, SOL_SOCKET, SO_KEEPALIVE) != 1 ||
	    opt(l4, SOL_SOCKET, SO_SNDBUF) != 131072)
		fail("IPv4 listener's options");
	if (opt(l6, IPPROTO_IPV6, IPV6_V6ONLY) != 1 ||
	    opt(l6, IPPROTO_TCP, TCP_USER_TIMEOUT) != 4321 ||
	    opt(ld, IPPROTO_IPV6, IPV6_V6ONLY) != 0)
		fail("IPv6 listeners' options");
	v = opt(fresh, IPPROTO_TCP, TCP_MAXSEG);
	if (v != 1200 || opt(fresh, IPPROTO_IP, IP_TOS) != 0x10 ||
	    opt(fresh, SOL_SOCKET, SO_RCVBUF) != 65536)
		fail("unbound socket's options (mss %d)", v);
	taken(AF_INET, "127.0.0.1", 7401);
	taken(AF_INET6, "::1", 7402);
	taken(AF_INET, "127.0.0.1", 7403);
	talk(l4, AF_INET, "127.0.0.1", 7401);
	talk(l6, AF_INET6, "::1", 7402);
	talk(ld, AF_INET6, "::1", pd);
	talk(ld, AF_INET, "127.0.0.1", pd);
	/* The unbound socket still works: it connects. */
	{
		struct sockaddr_storage ss;
		socklen_t len = zdtm_inet_addr(AF_INET, "127.0.0.1", 7401, &ss);
		int s;

		if (connect(fresh, (struct sockaddr *)&ss, len))
			fail("connect of the unbound socket: %s",
			     strerror(errno));
		s = accept(l4, NULL, NULL);
		if (s < 0)
			fail("accept: %s", strerror(errno));
	}
	pass();
}
