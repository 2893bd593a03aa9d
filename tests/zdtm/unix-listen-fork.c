// SPDX-License-Identifier: GPL-2.0
/*
 * A server and its clients, each a process.  The server listens on a
 * path.  The first client connects and sends its request; the server
 * accepts it but has not read it when the tree is checkpointed, and the
 * client is blocked in read() for the answer.  The second client
 * connects, sends its request and exits: its connection waits in the
 * backlog, not accepted.  After restart the server reads the first
 * request and answers it (the client checks the answer), then accepts
 * the second connection and reads its request, then end of file.
 */
#include "zdtm.h"
#include <stddef.h>
#include <sys/socket.h>
#include <sys/un.h>

static struct sockaddr_un sa;
static socklen_t slen;

static int client(const char *req)
{
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, slen) ||
	    write(fd, req, strlen(req)) != (ssize_t)strlen(req))
		return -1;
	return fd;
}

/* Reads exactly the string want from fd (blocking). */
static int got(int fd, const char *want)
{
	char buf[64];
	size_t len = strlen(want), have = 0;
	ssize_t n;

	while (have < len) {
		n = read(fd, buf + have, len - have);
		if (n <= 0)
			return 0;
		have += n;
	}
	return !memcmp(buf, want, len);
}

int main(void)
{
	int ls, s1, s2, status;
	pid_t c1, c2;
	char b;

	test_init();
	unlink("server.sock");
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	strcpy(sa.sun_path, "server.sock");
	slen = offsetof(struct sockaddr_un, sun_path) + strlen("server.sock") + 1;
	ls = socket(AF_UNIX, SOCK_STREAM, 0);
	if (ls < 0 || bind(ls, (struct sockaddr *)&sa, slen) || listen(ls, 4))
		fail("listen: %s", strerror(errno));

	c1 = fork();
	if (c1 < 0)
		fail("fork: %s", strerror(errno));
	if (c1 == 0) {
		int fd = client("request-1");

		close(ls);
		/* Blocked here when checkpointed. */
		if (fd < 0 || !got(fd, "answer-1"))
			_exit(2);
		_exit(0);
	}
	s1 = accept(ls, NULL, NULL);
	if (s1 < 0)
		fail("accept: %s", strerror(errno));
	/* Its request has arrived, unread. */
	if (recv(s1, &b, 1, MSG_PEEK) != 1)
		fail("no request from the first client");

	c2 = fork();
	if (c2 < 0)
		fail("fork: %s", strerror(errno));
	if (c2 == 0) {
		close(ls);
		close(s1);
		_exit(client("request-2") < 0 ? 2 : 0);
	}
	if (waitpid(c2, &status, 0) != c2 || !WIFEXITED(status) ||
	    WEXITSTATUS(status))
		fail("second client: status %#x", status);

	test_daemon();
	test_waitsig();

	if (!got(s1, "request-1"))
		fail("the first request was lost");
	if (write(s1, "answer-1", 8) != 8)
		fail("answer: %s", strerror(errno));
	s2 = accept(ls, NULL, NULL);
	if (s2 < 0)
		fail("accept of the pending connection: %s", strerror(errno));
	if (!got(s2, "request-2"))
		fail("the pending connection's request was lost");
	if (read(s2, &b, 1) != 0)
		fail("the pending connection is not at end of file");
	if (waitpid(c1, &status, 0) != c1 || !WIFEXITED(status) ||
	    WEXITSTATUS(status))
		fail("first client: status %#x", status);
	pass();
}
