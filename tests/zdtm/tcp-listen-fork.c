// SPDX-License-Identifier: GPL-2.0
/*
 * A pre-forking server: the parent listens on 127.0.0.1, then forks a
 * worker that accepts on the same (shared) listener.  A second worker
 * makes its own listener after the fork, on the same IPv6 port as the
 * parent's through SO_REUSEPORT.  After restart the first worker accepts
 * a connection on the shared listener and answers it; the SO_REUSEPORT
 * group is whole (every connection lands on one of its two listeners, a
 * third socket with SO_REUSEPORT may still join and one without may
 * not); the workers report to the parent over a pipe.
 */
#include "zdtm.h"
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>

#define PORT4 7411
#define PORT6 7412

static int listener(int family, unsigned short port, int reuseport)
{
	struct sockaddr_storage ss;
	socklen_t len = zdtm_inet_addr(family, NULL, port, &ss);
	int fd = socket(family, SOCK_STREAM, 0), one = 1;

	/* As servers do: a connection in TIME_WAIT does not hold the port. */
	if (fd < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    (reuseport && setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one,
				     sizeof(one))) ||
	    bind(fd, (struct sockaddr *)&ss, len) || listen(fd, 8))
		return -1;
	return fd;
}

static int dial(int family, unsigned short port)
{
	struct sockaddr_storage ss;
	socklen_t len = zdtm_inet_addr(family, NULL, port, &ss);
	int fd = socket(family, SOCK_STREAM, 0);

	if (fd < 0 || connect(fd, (struct sockaddr *)&ss, len))
		return -1;
	return fd;
}

int main(void)
{
	int l4, l6, rep[2], go[2], i, status, c, s, extra, here = 0;
	pid_t w1, w2;
	char b;

	test_init();
	if (pipe(rep) || pipe(go))
		fail("pipe: %s", strerror(errno));
	l4 = listener(AF_INET, PORT4, 0);
	l6 = listener(AF_INET6, PORT6, 1);
	if (l4 < 0 || l6 < 0)
		fail("listen: %s", strerror(errno));

	w1 = fork();
	if (w1 < 0)
		fail("fork: %s", strerror(errno));
	if (w1 == 0) {
		/* Accepts on the listener it shares with the parent. */
		close(l6);
		if (read(go[0], &b, 1) != 1)
			_exit(2);
		s = accept(l4, NULL, NULL);
		if (s < 0 || read(s, &b, 1) != 1 || b != 'q' ||
		    write(s, "a", 1) != 1)
			_exit(3);
		_exit(write(rep[1], "1", 1) == 1 ? 0 : 4);
	}
	w2 = fork();
	if (w2 < 0)
		fail("fork: %s", strerror(errno));
	if (w2 == 0) {
		/* Its own listener, made after the fork, in the group. */
		int mine = listener(AF_INET6, PORT6, 1);
		struct pollfd p;

		if (mine < 0 || write(rep[1], "r", 1) != 1)
			_exit(2);
		p.fd = mine;
		p.events = POLLIN;
		/* Accepts what lands on it until told to stop. */
		for (;;) {
			if (poll(&p, 1, 100) < 0 && errno != EINTR)
				_exit(3);
			if (p.revents & POLLIN) {
				s = accept(mine, NULL, NULL);
				if (s < 0 || write(s, "b", 1) != 1)
					_exit(4);
				close(s);
			}
			if (getppid() == 1)
				_exit(0);
		}
	}
	if (read(rep[0], &b, 1) != 1 || b != 'r')
		fail("the second worker did not listen");

	test_daemon();
	test_waitsig();

	/* The shared listener: the first worker accepts and answers. */
	if (write(go[1], "g", 1) != 1)
		fail("pipe: %s", strerror(errno));
	c = dial(AF_INET, PORT4);
	if (c < 0 || write(c, "q", 1) != 1 || read(c, &b, 1) != 1 || b != 'a')
		fail("no answer from the first worker: %s", strerror(errno));
	if (read(rep[0], &b, 1) != 1 || b != '1')
		fail("the first worker did not report");
	if (waitpid(w1, &status, 0) != w1 || !WIFEXITED(status) ||
	    WEXITSTATUS(status))
		fail("first worker: status %#x", status);
	close(c);

	/* The group: every connection is answered by one of its members. */
	for (i = 0; i < 16; i++) {
		struct pollfd p = { .fd = l6, .events = POLLIN };

		c = dial(AF_INET6, PORT6);
		if (c < 0)
			fail("connect to the group: %s", strerror(errno));
		if (poll(&p, 1, 50) == 1) {
			s = accept(l6, NULL, NULL);
			if (s < 0 || write(s, "b", 1) != 1)
				fail("accept in the parent: %s",
				     strerror(errno));
			close(s);
			here++;
		}
		if (read(c, &b, 1) != 1 || b != 'b')
			fail("connection %d not answered", i);
		close(c);
	}
	/* 2 in 65536 that all land on one side if the group is whole. */
	if (here == 0 || here == 16)
		fail("%d of 16 connections on the parent's listener", here);
	extra = listener(AF_INET6, PORT6, 1);
	if (extra < 0)
		fail("a third SO_REUSEPORT listener cannot join: %s",
		     strerror(errno));
	close(extra);
	if (listener(AF_INET6, PORT6, 0) >= 0 || errno != EADDRINUSE)
		fail("a listener without SO_REUSEPORT took the port");
	kill(w2, SIGKILL);
	waitpid(w2, NULL, 0);
	pass();
}
