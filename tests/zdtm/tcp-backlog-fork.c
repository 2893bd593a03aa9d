// SPDX-License-Identifier: GPL-2.0
/*
 * A server tree whose listeners hold connections nobody accepted yet,
 * from inside the tree and from outside it.  The parent listens on
 * 127.0.0.1 and [::1]; its child connects to both and sends data; then
 * a daemon outside the tree (reparented to init, not checkpointed)
 * connects to the IPv4 listener and streams numbered bytes, which fill
 * the unaccepted connection's receive buffer.  The tree stays dead for
 * two seconds while the daemon keeps sending (held: dropped, no reset).
 * After restart the parent accepts in the old order: the child's IPv4
 * connection (its data, then a reply the child checks), the daemon's
 * (both stream their quota, every byte checked, no reset, orderly end
 * of file; the daemon writes its verdict to a file), the child's IPv6
 * connection.
 */
#include "zdtm.h"
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>

#define P4 7431
#define P6 7432
#define QUOTA (2ULL << 20)
#define SENT4 3000
#define SENT6 10

static volatile sig_atomic_t always = 1, go;
static int l4, l6;

static int dial(int family, unsigned short port)
{
	struct sockaddr_storage ss;
	socklen_t len = zdtm_inet_addr(family, NULL, port, &ss);
	int fd = socket(family, SOCK_STREAM, 0);

	if (fd < 0 || connect(fd, (struct sockaddr *)&ss, len))
		return -1;
	return fd;
}

static int listener(int family, unsigned short port)
{
	struct sockaddr_storage ss;
	socklen_t len = zdtm_inet_addr(family, NULL, port, &ss);
	int fd = socket(family, SOCK_STREAM, 0), one = 1;

	if (fd < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    (family == AF_INET6 &&
	     setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one))) ||
	    bind(fd, (struct sockaddr *)&ss, len) || listen(fd, 4))
		fail("listener on port %u: %s", port, strerror(errno));
	return fd;
}

static int send_pattern(int fd, size_t n, int salt)
{
	unsigned char buf[SENT4];
	size_t i;

	for (i = 0; i < n; i++)
		buf[i] = zdtm_pattern(i, salt);
	return send(fd, buf, n, 0) == (ssize_t)n ? 0 : -1;
}

static int recv_pattern(int fd, size_t n, int salt)
{
	unsigned char buf[SENT4];
	size_t i;

	if (recv(fd, buf, n, MSG_WAITALL) != (ssize_t)n)
		return -1;
	for (i = 0; i < n; i++)
		if (buf[i] != zdtm_pattern(i, salt))
			return -1;
	return 0;
}

/* The child: connects to both, sends, waits for the replies. */
static pid_t start_child(void)
{
	int sync[2], c4, c6;
	char b[4];
	pid_t pid;

	if (pipe(sync))
		fail("pipe: %s", strerror(errno));
	pid = fork();
	if (pid < 0)
		fail("fork: %s", strerror(errno));
	if (pid == 0) {
		close(sync[0]);
		c4 = dial(AF_INET, P4);
		c6 = dial(AF_INET6, P6);
		if (c4 < 0 || c6 < 0 || send_pattern(c4, SENT4, 4) ||
		    send_pattern(c6, SENT6, 6) || write(sync[1], "c", 1) != 1)
			_exit(2);
		if (recv(c4, b, 4, MSG_WAITALL) != 4 || memcmp(b, "ok-4", 4) ||
		    recv(c6, b, 4, MSG_WAITALL) != 4 || memcmp(b, "ok-6", 4))
			_exit(3);
		close(c4);
		close(c6);
		_exit(0);
	}
	close(sync[1]);
	if (read(sync[0], b, 1) != 1)
		fail("the child did not connect");
	close(sync[0]);
	return pid;
}

/* The daemon outside: connects to the IPv4 listener and streams. */
static const char *peer(int ready, void *arg)
{
	int s;

	(void)arg;
	/* Not the server's: the tree's alone. */
	close(l4);
	close(l6);
	s = dial(AF_INET, P4);
	if (s < 0 || write(ready, "r", 1) != 1)
		return "connect";
	return zdtm_stream(s, QUOTA, 2, 1, &always);
}

static int take(int l, const char *what)
{
	struct pollfd p = { .fd = l, .events = POLLIN };
	int s;

	if (poll(&p, 1, 5000) != 1)
		fail("%s: no connection queued", what);
	s = accept(l, NULL, NULL);
	if (s < 0)
		fail("accept of %s: %s", what, strerror(errno));
	return s;
}

int main(void)
{
	int s, status;
	const char *why;
	pid_t child;

	test_init();
	l4 = listener(AF_INET, P4);
	l6 = listener(AF_INET6, P6);
	child = start_child();
	zdtm_outside(peer, NULL);
	/* Dead for a while: the peer's segments meet the hold. */
	test_between("sleep 2");
	test_daemon();
	test_waitsig();
	go = 1;

	s = take(l4, "the child's IPv4 connection");
	if (recv_pattern(s, SENT4, 4) || write(s, "ok-4", 4) != 4)
		fail("the child's IPv4 connection: data or reply");
	close(s);
	s = take(l4, "the daemon's connection");
	why = zdtm_stream(s, QUOTA, 1, 2, &go);
	if (why)
		fail("stream with the peer outside: %s", why);
	close(s);
	s = take(l6, "the child's IPv6 connection");
	if (recv_pattern(s, SENT6, 6) || write(s, "ok-6", 4) != 4)
		fail("the child's IPv6 connection: data or reply");
	close(s);
	if (waitpid(child, &status, 0) != child || !WIFEXITED(status) ||
	    WEXITSTATUS(status))
		fail("the child: status %#x", status);
	zdtm_outside_verdict();
	pass();
}
