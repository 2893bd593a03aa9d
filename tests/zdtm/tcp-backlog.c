// SPDX-License-Identifier: GPL-2.0
/*
 * Connections a server has not accepted yet: clients of the same process
 * connect to TCP listeners on 127.0.0.1 (three connections, two of which
 * sent data, one 30000 bytes), on [::1] (two) and on a dual-stack
 * listener (an IPv4 client, seen v4-mapped), and nobody calls accept()
 * before the checkpoint.  After restart accept() returns each connection
 * in the order they came, with its client's address and the data sent
 * before the checkpoint, and nothing more; then both ends talk and close
 * with an orderly end of file; the queues are empty at the end.
 */
#include "zdtm.h"
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

struct conn {
	int l;			/* its listener */
	int family;
	const char *ip;
	unsigned short port;
	size_t sent;
	int c;			/* the client's socket */
	struct sockaddr_storage me;
};

#define CONN(l, f, ip, port, sent) { l, f, ip, port, sent, -1, { 0 } }

static struct conn conns[] = {
	CONN(0, AF_INET, "127.0.0.1", 7421, 5000),
	CONN(0, AF_INET, "127.0.0.1", 7421, 0),
	CONN(0, AF_INET, "127.0.0.1", 7421, 30000),
	CONN(1, AF_INET6, "::1", 7422, 100),
	CONN(1, AF_INET6, "::1", 7422, 0),
	CONN(2, AF_INET, "127.0.0.1", 7423, 7),
};

#define NR (int)(sizeof(conns) / sizeof(conns[0]))

static int listener(int family, const char *ip, unsigned short port,
		    int v6only, int backlog)
{
	struct sockaddr_storage ss;
	socklen_t len = zdtm_inet_addr(family, ip, port, &ss);
	int fd = socket(family, SOCK_STREAM, 0), one = 1;

	if (fd < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    (family == AF_INET6 &&
	     setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &v6only,
			sizeof(v6only))) ||
	    bind(fd, (struct sockaddr *)&ss, len) || listen(fd, backlog))
		fail("listener on %s:%u: %s", ip, port, strerror(errno));
	return fd;
}

static void wait_in(int fd, const char *what)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	if (poll(&p, 1, 5000) != 1)
		fail("%s: nothing after 5 s", what);
}

/* The port of a socket address, and whether it is the client's. */
static int same_peer(const struct sockaddr_storage *a,
		     const struct sockaddr_storage *peer)
{
	const struct sockaddr_in *a4 = (const void *)a;
	const struct sockaddr_in6 *p6 = (const void *)peer;

	if (a->ss_family == peer->ss_family)
		return a->ss_family == AF_INET ?
		       !memcmp(a4, peer, sizeof(*a4)) :
		       !memcmp(&p6->sin6_addr,
			       &((const struct sockaddr_in6 *)a)->sin6_addr, 16) &&
		       p6->sin6_port == ((const struct sockaddr_in6 *)a)->sin6_port;
	/* An IPv4 client of a dual-stack listener: v4-mapped. */
	return a->ss_family == AF_INET && peer->ss_family == AF_INET6 &&
	       IN6_IS_ADDR_V4MAPPED(&p6->sin6_addr) &&
	       !memcmp(&p6->sin6_addr.s6_addr[12], &a4->sin_addr, 4) &&
	       p6->sin6_port == a4->sin_port;
}

static void check(int ls, struct conn *k, int i)
{
	static unsigned char buf[32768];
	struct sockaddr_storage peer;
	socklen_t len = sizeof(peer);
	char what[32];
	size_t got = 0, j;
	ssize_t n;
	int s;

	snprintf(what, sizeof(what), "connection %d", i);
	wait_in(ls, what);
	s = accept4(ls, (struct sockaddr *)&peer, &len, SOCK_NONBLOCK);
	if (s < 0)
		fail("accept of %s: %s", what, strerror(errno));
	if (!same_peer(&k->me, &peer))
		fail("%s: accept() returned another client's connection", what);
	while (got < k->sent) {
		wait_in(s, what);
		n = recv(s, buf, sizeof(buf), 0);
		if (n <= 0)
			fail("%s: %zu of %zu bytes, then %s", what, got,
			     k->sent, n ? strerror(errno) : "end of file");
		for (j = 0; j < (size_t)n; j++)
			if (buf[j] != zdtm_pattern(got + j, i))
				fail("%s: byte %zu changed", what, got + j);
		got += n;
	}
	if (recv(s, buf, 1, MSG_DONTWAIT) != -1 || errno != EAGAIN)
		fail("%s: more data than was sent", what);
	if (write(s, "pong", 4) != 4 || read(k->c, buf, 4) != 4 ||
	    memcmp(buf, "pong", 4) || write(k->c, "ping", 4) != 4)
		fail("%s: no exchange: %s", what, strerror(errno));
	wait_in(s, what);
	if (read(s, buf, 8) != 4 || memcmp(buf, "ping", 4))
		fail("%s: no ping", what);
	close(k->c);
	wait_in(s, what);
	if (read(s, buf, 1) != 0)
		fail("%s: no end of file: %s", what, strerror(errno));
	close(s);
}

int main(void)
{
	static unsigned char buf[32768];
	int l[3], i;
	size_t j;

	test_init();
	l[0] = listener(AF_INET, "127.0.0.1", 7421, 0, 8);
	l[1] = listener(AF_INET6, "::1", 7422, 1, 4);
	l[2] = listener(AF_INET6, "::", 7423, 0, 2);
	for (i = 0; i < NR; i++) {
		struct conn *k = &conns[i];
		struct sockaddr_storage ss;
		socklen_t len = zdtm_inet_addr(k->family, k->ip, k->port, &ss);

		k->c = socket(k->family, SOCK_STREAM, 0);
		if (k->c < 0 || connect(k->c, (struct sockaddr *)&ss, len))
			fail("connect %d: %s", i, strerror(errno));
		len = sizeof(k->me);
		if (getsockname(k->c, (struct sockaddr *)&k->me, &len))
			fail("getsockname: %s", strerror(errno));
		for (j = 0; j < k->sent; j++)
			buf[j] = zdtm_pattern(j, i);
		if (k->sent && send(k->c, buf, k->sent, MSG_DONTWAIT) !=
			       (ssize_t)k->sent)
			fail("send %d: %s", i, strerror(errno));
	}

	test_daemon();
	test_waitsig();

	for (i = 0; i < NR; i++)
		check(l[conns[i].l], &conns[i], i);
	for (i = 0; i < 3; i++) {
		struct pollfd p = { .fd = l[i], .events = POLLIN };

		if (poll(&p, 1, 200) != 0)
			fail("listener %d: a connection nobody made", i);
	}
	pass();
}
