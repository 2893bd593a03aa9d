// SPDX-License-Identifier: GPL-2.0
/*
 * Datagrams whose senders are gone, on a socket two processes share: the
 * parent binds an IPv4 UDP socket and forks a reader that shares it; four
 * children each send two numbered datagrams from their own bound port
 * and exit.  After restart the reader takes the first four datagrams and
 * checks each sender, then the parent takes the last four: every
 * datagram once, in the order sent, from the port that sent it.
 */
#include "zdtm.h"
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#define PORT 7451
#define FIRST_SENDER 7452

static int bound(unsigned short port)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sin.sin_port = htons(port);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sin, sizeof(sin)))
		return -1;
	return fd;
}

/* Datagram i: "dgram-i" from the port of sender i / 2. */
static int check(int fd, int i)
{
	struct sockaddr_in from;
	socklen_t flen = sizeof(from);
	char buf[32], want[32];
	ssize_t n;

	snprintf(want, sizeof(want), "dgram-%d", i);
	n = recvfrom(fd, buf, sizeof(buf), MSG_DONTWAIT,
		     (struct sockaddr *)&from, &flen);
	return n == (ssize_t)strlen(want) && !memcmp(buf, want, n) &&
	       ntohs(from.sin_port) == FIRST_SENDER + i / 2 &&
	       from.sin_addr.s_addr == htonl(INADDR_LOOPBACK);
}

int main(void)
{
	int s, i, go[2], done[2], status;
	pid_t reader, c;
	char b;

	test_init();
	if (pipe(go) || pipe(done))
		fail("pipe: %s", strerror(errno));
	s = bound(PORT);
	if (s < 0)
		fail("bind: %s", strerror(errno));
	reader = fork();
	if (reader < 0)
		fail("fork: %s", strerror(errno));
	if (reader == 0) {
		if (read(go[0], &b, 1) != 1)
			_exit(2);
		for (i = 0; i < 4; i++)
			if (!check(s, i))
				_exit(10 + i);
		_exit(write(done[1], "r", 1) == 1 ? 0 : 3);
	}
	close(done[1]);
	for (i = 0; i < 4; i++) {
		c = fork();
		if (c < 0)
			fail("fork: %s", strerror(errno));
		if (c == 0) {
			struct sockaddr_in to = { .sin_family = AF_INET };
			int me = bound(FIRST_SENDER + i), k;
			char msg[32];

			to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
			to.sin_port = htons(PORT);
			for (k = 0; k < 2; k++) {
				snprintf(msg, sizeof(msg), "dgram-%d", 2 * i + k);
				if (me < 0 ||
				    sendto(me, msg, strlen(msg), 0,
					   (struct sockaddr *)&to,
					   sizeof(to)) != (ssize_t)strlen(msg))
					_exit(2);
			}
			_exit(0);
		}
		if (waitpid(c, &status, 0) != c || !WIFEXITED(status) ||
		    WEXITSTATUS(status))
			fail("sender %d: status %#x", i, status);
	}

	test_daemon();
	test_waitsig();

	if (write(go[1], "g", 1) != 1 || read(done[0], &b, 1) != 1)
		fail("the reader did not finish");
	if (waitpid(reader, &status, 0) != reader || !WIFEXITED(status) ||
	    WEXITSTATUS(status))
		fail("reader: status %#x", status);
	for (i = 4; i < 8; i++)
		if (!check(s, i))
			fail("datagram %d lost or changed", i);
	if (recv(s, &b, 1, MSG_DONTWAIT) != -1 || errno != EAGAIN)
		fail("more datagrams than were sent");
	pass();
}
