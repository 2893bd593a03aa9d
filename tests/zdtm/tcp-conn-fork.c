// SPDX-License-Identifier: GPL-2.0
/*
 * Two processes streaming numbered bytes to each other over TCP while
 * the tree is checkpointed: a child connects to the parent's listener
 * (IPv4) and both write and read at once, each checking every byte it
 * reads; a second child does the same over an IPv6 connection made after
 * the fork.  The checkpoint comes mid-stream.  After restart the streams
 * go on until each side has read its quota: no byte lost, duplicated or
 * changed, no reset, then an orderly end of file both ways.
 */
#include "zdtm.h"
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#define QUOTA (4ULL << 20)

static volatile sig_atomic_t child_go;

static void on_usr1(int sig)
{
	(void)sig;
	child_go = 1;
}

static int dial(int family, unsigned short port)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int fd = socket(family, SOCK_STREAM, 0);

	len = zdtm_inet_addr(family, NULL, port, &ss);
	if (fd < 0 || connect(fd, (struct sockaddr *)&ss, len))
		return -1;
	return fd;
}

static int listener(int family, unsigned short port)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int fd = socket(family, SOCK_STREAM, 0), one = 1;

	len = zdtm_inet_addr(family, NULL, port, &ss);
	if (fd < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(fd, (struct sockaddr *)&ss, len) || listen(fd, 2))
		return -1;
	return fd;
}

/* A child streaming with the parent over a connection to port. */
static pid_t child(int family, unsigned short port, int salt)
{
	struct sigaction sa = { .sa_handler = on_usr1 };
	pid_t pid = fork();
	const char *why;
	int fd;

	if (pid)
		return pid;
	sigaction(SIGUSR1, &sa, NULL);
	fd = dial(family, port);
	if (fd < 0)
		_exit(2);
	why = zdtm_stream(fd, QUOTA, salt, salt + 1, &child_go);
	if (why) {
		printf("FAIL: child %d: %s\n", salt, why);
		_exit(3);
	}
	_exit(0);
}

static volatile sig_atomic_t parent_go;

int main(void)
{
	int l4, l6, s4, s6, status;
	const char *why;
	pid_t a, b;

	test_init();
	l4 = listener(AF_INET, 7471);
	l6 = listener(AF_INET6, 7472);
	if (l4 < 0 || l6 < 0)
		fail("listen: %s", strerror(errno));
	a = child(AF_INET, 7471, 10);
	b = child(AF_INET6, 7472, 20);
	if (a < 0 || b < 0)
		fail("fork: %s", strerror(errno));
	s4 = accept(l4, NULL, NULL);
	s6 = accept(l6, NULL, NULL);
	if (s4 < 0 || s6 < 0)
		fail("accept: %s", strerror(errno));
	close(l4);
	close(l6);
	/* Both streams run (slowly) while the tree is checkpointed. */
	test_daemon();
	test_waitsig();
	kill(a, SIGUSR1);
	kill(b, SIGUSR1);
	parent_go = 1;

	/* One stream at a time here; each child keeps writing meanwhile. */
	why = zdtm_stream(s4, QUOTA, 11, 10, &parent_go);
	if (why)
		fail("IPv4 stream: %s", why);
	why = zdtm_stream(s6, QUOTA, 21, 20, &parent_go);
	if (why)
		fail("IPv6 stream: %s", why);
	if (waitpid(a, &status, 0) != a || !WIFEXITED(status) ||
	    WEXITSTATUS(status))
		fail("IPv4 child: status %#x", status);
	if (waitpid(b, &status, 0) != b || !WIFEXITED(status) ||
	    WEXITSTATUS(status))
		fail("IPv6 child: status %#x", status);
	pass();
}
