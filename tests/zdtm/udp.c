// SPDX-License-Identifier: GPL-2.0
/*
 * UDP sockets of a small service: a server bound to 127.0.0.1 (with
 * SO_BROADCAST and a receive buffer set), a client connected to it whose
 * port connect() chose, a dual-stack IPv6 server on the any address, an
 * IPv6 client bound to [::1] and connected to it, and a socket whose port
 * its first sendto() chose.  After restart every socket has its address,
 * peer and options; datagrams flow both ways with the senders' addresses
 * as before (an IPv4 sender seen as v4-mapped by the dual-stack server);
 * the server's reply reaches the socket whose port sendto() chose; and a
 * connected socket still ignores datagrams from anyone but its peer.
 */
#include "zdtm.h"
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

static int udp(int family, const char *ip, unsigned short port)
{
	struct sockaddr_storage ss;
	socklen_t len = ip ? zdtm_inet_addr(family, ip, port, &ss) : 0;
	int fd = socket(family, SOCK_DGRAM, 0);

	if (fd < 0)
		fail("socket: %s", strerror(errno));
	if (ip && bind(fd, (struct sockaddr *)&ss, len))
		fail("bind %s:%u: %s", ip, port, strerror(errno));
	return fd;
}

static void dial(int fd, int family, const char *ip, unsigned short port)
{
	struct sockaddr_storage ss;
	socklen_t len = zdtm_inet_addr(family, ip, port, &ss);

	if (connect(fd, (struct sockaddr *)&ss, len))
		fail("connect to %s:%u: %s", ip, port, strerror(errno));
}

/* Its own address (or peer's) as text, "ip:port". */
static const char *name(int fd, int peer, char *buf)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	char ip[INET6_ADDRSTRLEN];

	if ((peer ? getpeername : getsockname)(fd, (struct sockaddr *)&ss,
					       &len))
		return strcpy(buf, "none");
	if (ss.ss_family == AF_INET)
		sprintf(buf, "%s:%u",
			inet_ntop(AF_INET, &((struct sockaddr_in *)&ss)->sin_addr,
				  ip, sizeof(ip)),
			ntohs(((struct sockaddr_in *)&ss)->sin_port));
	else
		sprintf(buf, "[%s]:%u",
			inet_ntop(AF_INET6,
				  &((struct sockaddr_in6 *)&ss)->sin6_addr, ip,
				  sizeof(ip)),
			ntohs(((struct sockaddr_in6 *)&ss)->sin6_port));
	return buf;
}

/* Receives want on fd; *from is the sender as text. */
static void recv_from(int fd, const char *want, char *from)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	char buf[64], ip[INET6_ADDRSTRLEN];
	ssize_t n;

	n = recvfrom(fd, buf, sizeof(buf), 0, (struct sockaddr *)&ss, &len);
	if (n != (ssize_t)strlen(want) || memcmp(buf, want, n))
		fail("expected \"%s\": %zd bytes (%s)", want, n,
		     strerror(errno));
	if (ss.ss_family == AF_INET)
		sprintf(from, "%s:%u",
			inet_ntop(AF_INET, &((struct sockaddr_in *)&ss)->sin_addr,
				  ip, sizeof(ip)),
			ntohs(((struct sockaddr_in *)&ss)->sin_port));
	else
		sprintf(from, "[%s]:%u",
			inet_ntop(AF_INET6,
				  &((struct sockaddr_in6 *)&ss)->sin6_addr, ip,
				  sizeof(ip)),
			ntohs(((struct sockaddr_in6 *)&ss)->sin6_port));
}

static void expect(const char *what, const char *got, const char *want)
{
	if (strcmp(got, want))
		fail("%s: %s, not %s", what, got, want);
}

int main(void)
{
	char c4name[64], c6peer[64], uname[64], uself[64], got[64], buf[128];
	int s4, c4, s6, c6, u, other, v;
	struct sockaddr_storage ss;
	socklen_t len;

	test_init();
	s4 = udp(AF_INET, "127.0.0.1", 7421);
	v = 1;
	setsockopt(s4, SOL_SOCKET, SO_BROADCAST, &v, sizeof(v));
	v = 50000;
	setsockopt(s4, SOL_SOCKET, SO_RCVBUF, &v, sizeof(v));
	c4 = udp(AF_INET, NULL, 0);
	dial(c4, AF_INET, "127.0.0.1", 7421);
	name(c4, 0, c4name);
	s6 = socket(AF_INET6, SOCK_DGRAM, 0);
	v = 0;
	if (s6 < 0 || setsockopt(s6, IPPROTO_IPV6, IPV6_V6ONLY, &v, sizeof(v)))
		fail("socket: %s", strerror(errno));
	len = zdtm_inet_addr(AF_INET6, "::", 7422, &ss);
	if (bind(s6, (struct sockaddr *)&ss, len))
		fail("bind [::]:7422: %s", strerror(errno));
	c6 = udp(AF_INET6, "::1", 7423);
	dial(c6, AF_INET6, "::1", 7422);
	name(c6, 1, c6peer);
	/* Its port chosen by its first sendto(), read before checkpoint. */
	u = udp(AF_INET, NULL, 0);
	len = zdtm_inet_addr(AF_INET, "127.0.0.1", 7421, &ss);
	if (sendto(u, "hello", 5, 0, (struct sockaddr *)&ss, len) != 5)
		fail("sendto: %s", strerror(errno));
	recv_from(s4, "hello", uname);
	name(u, 0, uself);
	if (strcmp(strrchr(uname, ':'), strrchr(uself, ':')))
		fail("the first sender: %s, not %s", uname, uself);

	test_daemon();
	test_waitsig();

	expect("server's name", name(s4, 0, buf), "127.0.0.1:7421");
	expect("connected client's name", name(c4, 0, buf), c4name);
	expect("connected client's peer", name(c4, 1, buf), "127.0.0.1:7421");
	expect("dual-stack server's name", name(s6, 0, buf), "[::]:7422");
	expect("IPv6 client's name", name(c6, 0, buf), "[::1]:7423");
	expect("IPv6 client's peer", name(c6, 1, buf), c6peer);
	expect("the first sender's name", name(u, 0, buf), uself);
	len = sizeof(v);
	if (getsockopt(s4, SOL_SOCKET, SO_BROADCAST, &v, &len) || v != 1)
		fail("SO_BROADCAST lost");
	if (getsockopt(s4, SOL_SOCKET, SO_RCVBUF, &v, &len) || v != 100000)
		fail("SO_RCVBUF %d, not 100000", v);

	/* Both ways over IPv4, from the port connect() chose. */
	if (send(c4, "ping4", 5, 0) != 5)
		fail("send: %s", strerror(errno));
	recv_from(s4, "ping4", got);
	expect("sender seen by the server", got, c4name);
	len = zdtm_inet_addr(AF_INET, "127.0.0.1", atoi(strrchr(c4name, ':') + 1), &ss);
	if (sendto(s4, "pong4", 5, 0, (struct sockaddr *)&ss, len) != 5)
		fail("sendto: %s", strerror(errno));
	recv_from(c4, "pong4", got);
	/* The reply to the port sendto() chose before the checkpoint. */
	len = zdtm_inet_addr(AF_INET, "127.0.0.1", atoi(strrchr(uname, ':') + 1), &ss);
	if (sendto(s4, "back", 4, 0, (struct sockaddr *)&ss, len) != 4)
		fail("sendto: %s", strerror(errno));
	recv_from(u, "back", got);
	expect("reply's sender", got, "127.0.0.1:7421");
	/* IPv6, and IPv4 into the dual-stack server. */
	if (send(c6, "ping6", 5, 0) != 5)
		fail("send: %s", strerror(errno));
	recv_from(s6, "ping6", got);
	expect("IPv6 sender", got, "[::1]:7423");
	len = zdtm_inet_addr(AF_INET, "127.0.0.1", 7422, &ss);
	if (sendto(u, "mapped", 6, 0, (struct sockaddr *)&ss, len) != 6)
		fail("sendto: %s", strerror(errno));
	recv_from(s6, "mapped", got);
	snprintf(buf, sizeof(buf), "[::ffff:%s", uname);
	*strrchr(buf, ':') = 0;
	strcat(buf, "]");
	strcat(buf, strrchr(uname, ':'));
	expect("IPv4 sender seen by the dual-stack server", got, buf);
	/* A connected socket drops what its peer did not send. */
	other = udp(AF_INET, "127.0.0.1", 0);
	len = zdtm_inet_addr(AF_INET, "127.0.0.1", atoi(strrchr(c4name, ':') + 1), &ss);
	if (sendto(other, "stray", 5, 0, (struct sockaddr *)&ss, len) != 5)
		fail("sendto: %s", strerror(errno));
	usleep(100000);
	if (recv(c4, buf, sizeof(buf), MSG_DONTWAIT) != -1 || errno != EAGAIN)
		fail("the connected socket got a stray datagram");
	pass();
}
