// SPDX-License-Identifier: GPL-2.0
/*
 * UDP across processes: the parent binds a socket to 127.0.0.1 and forks
 * a child that shares it; a second child makes its own IPv6 server after
 * the fork, on [::1], and an IPv6 client connected to the parent's IPv6
 * server.  After restart the first child sends from the shared socket
 * (the parent's server sees the shared port as the source), the second
 * child's server answers the parent at the address it saw, and its
 * connected client reaches the parent; the children report over a pipe.
 */
#include "zdtm.h"
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#define SHARED 7431
#define SRV4 7432
#define SRV6 7433
#define CHILD6 7434

static int udp(int family, unsigned short port)
{
	struct sockaddr_storage ss;
	socklen_t len = zdtm_inet_addr(family, NULL, port, &ss);
	int fd = socket(family, SOCK_DGRAM, 0);

	if (fd < 0 || bind(fd, (struct sockaddr *)&ss, len))
		return -1;
	return fd;
}

/* Receives want on fd; returns the sender's port, or -1. */
static int take(int fd, const char *want)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	char buf[32];
	ssize_t n = recvfrom(fd, buf, sizeof(buf), 0, (struct sockaddr *)&ss,
			     &len);

	if (n != (ssize_t)strlen(want) || memcmp(buf, want, n))
		return -1;
	return ntohs(ss.ss_family == AF_INET ?
		     ((struct sockaddr_in *)&ss)->sin_port :
		     ((struct sockaddr_in6 *)&ss)->sin6_port);
}

int main(void)
{
	int shared, s4, s6, rep[2], go[2], status, port;
	struct sockaddr_storage ss;
	socklen_t len;
	pid_t a, b;
	char c;

	test_init();
	if (pipe(rep) || pipe(go))
		fail("pipe: %s", strerror(errno));
	shared = udp(AF_INET, SHARED);
	s4 = udp(AF_INET, SRV4);
	s6 = udp(AF_INET6, SRV6);
	if (shared < 0 || s4 < 0 || s6 < 0)
		fail("bind: %s", strerror(errno));

	a = fork();
	if (a < 0)
		fail("fork: %s", strerror(errno));
	if (a == 0) {
		if (read(go[0], &c, 1) != 1)
			_exit(2);
		len = zdtm_inet_addr(AF_INET, NULL, SRV4, &ss);
		if (sendto(shared, "from-a", 6, 0, (struct sockaddr *)&ss,
			   len) != 6)
			_exit(3);
		_exit(write(rep[1], "a", 1) == 1 ? 0 : 4);
	}
	b = fork();
	if (b < 0)
		fail("fork: %s", strerror(errno));
	if (b == 0) {
		int srv = udp(AF_INET6, CHILD6), cli = socket(AF_INET6,
							       SOCK_DGRAM, 0);
		struct sockaddr_storage from;
		socklen_t flen = sizeof(from);
		char buf[16];

		len = zdtm_inet_addr(AF_INET6, NULL, SRV6, &ss);
		if (srv < 0 || cli < 0 ||
		    connect(cli, (struct sockaddr *)&ss, len) ||
		    write(rep[1], "r", 1) != 1)
			_exit(2);
		/* After restart: answer whoever asks, then call the parent. */
		if (recvfrom(srv, buf, sizeof(buf), 0,
			     (struct sockaddr *)&from, &flen) != 3 ||
		    sendto(srv, "ans", 3, 0, (struct sockaddr *)&from,
			   flen) != 3 ||
		    send(cli, "from-b", 6, 0) != 6)
			_exit(3);
		_exit(write(rep[1], "b", 1) == 1 ? 0 : 4);
	}
	if (read(rep[0], &c, 1) != 1 || c != 'r')
		fail("the second child is not ready");

	test_daemon();
	test_waitsig();

	if (write(go[1], "g", 1) != 1)
		fail("pipe: %s", strerror(errno));
	port = take(s4, "from-a");
	if (port != SHARED)
		fail("datagram from the shared socket: port %d, not %d", port,
		     SHARED);
	len = zdtm_inet_addr(AF_INET6, NULL, CHILD6, &ss);
	if (sendto(s6, "ask", 3, 0, (struct sockaddr *)&ss, len) != 3)
		fail("sendto: %s", strerror(errno));
	port = take(s6, "ans");
	if (port != CHILD6)
		fail("answer from port %d, not %d", port, CHILD6);
	if (take(s6, "from-b") < 0)
		fail("nothing from the second child's connected socket");
	if (waitpid(a, &status, 0) != a || !WIFEXITED(status) ||
	    WEXITSTATUS(status))
		fail("first child: status %#x", status);
	if (waitpid(b, &status, 0) != b || !WIFEXITED(status) ||
	    WEXITSTATUS(status))
		fail("second child: status %#x", status);
	if (read(rep[0], &c, 1) != 1 || read(rep[0], &c, 1) != 1)
		fail("the children did not report");
	pass();
}
