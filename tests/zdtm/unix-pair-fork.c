// SPDX-License-Identifier: GPL-2.0
/*
 * Socket pairs made before fork(), one end in each process: the child is
 * blocked in read() of a stream end when the tree is checkpointed, and
 * datagrams and seqpackets the parent sent wait in the child's queues;
 * the child's own datagrams wait in the parent's.  After restart the
 * child gets every message, in order and whole, answers over the stream,
 * and SO_PEERCRED of each end still names the process that made the pair.
 */
#include "zdtm.h"
#include <sys/socket.h>

static void send_n(int fd, char c, int len)
{
	char buf[2048];

	memset(buf, c, len);
	if (send(fd, buf, len, 0) != len)
		_exit(20);
}

static int recv_n(int fd, char c, int len)
{
	char buf[4096];
	int got = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);

	return got == len && buf[0] == c && buf[len - 1] == c;
}

int main(void)
{
	int st[2], dg[2], sp[2], status, i;
	struct ucred uc;
	socklen_t len = sizeof(uc);
	pid_t maker = getpid(), c;
	char b;

	test_init();
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, st) ||
	    socketpair(AF_UNIX, SOCK_DGRAM, 0, dg) ||
	    socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sp))
		fail("socketpair: %s", strerror(errno));
	c = fork();
	if (c < 0)
		fail("fork: %s", strerror(errno));
	if (c == 0) {
		close(st[0]);
		close(dg[0]);
		close(sp[0]);
		send_n(dg[1], 'q', 5);
		send_n(dg[1], 'r', 1500);
		/* Blocked here when checkpointed. */
		if (read(st[1], &b, 1) != 1 || b != 'g')
			_exit(2);
		for (i = 0; i < 3; i++)
			if (!recv_n(dg[1], 'a' + i, 100 * (i + 1)))
				_exit(3);
		if (!recv_n(sp[1], 'x', 10) || !recv_n(sp[1], 'y', 2000))
			_exit(4);
		if (getsockopt(st[1], SOL_SOCKET, SO_PEERCRED, &uc, &len) ||
		    uc.pid != maker)
			_exit(5);
		if (write(st[1], "ok", 2) != 2)
			_exit(6);
		_exit(0);
	}
	close(st[1]);
	close(dg[1]);
	close(sp[1]);
	for (i = 0; i < 3; i++)
		send_n(dg[0], 'a' + i, 100 * (i + 1));
	send_n(sp[0], 'x', 10);
	send_n(sp[0], 'y', 2000);
	usleep(200000);

	test_daemon();
	test_waitsig();

	if (!recv_n(dg[0], 'q', 5) || !recv_n(dg[0], 'r', 1500))
		fail("the child's datagrams were lost");
	if (write(st[0], "g", 1) != 1)
		fail("write: %s", strerror(errno));
	{
		char ok[2];

		if (read(st[0], ok, 2) != 2 || memcmp(ok, "ok", 2))
			fail("no answer from the child");
	}
	if (waitpid(c, &status, 0) != c || !WIFEXITED(status))
		fail("waitpid: %s", strerror(errno));
	if (WEXITSTATUS(status))
		fail("the child failed (%d)", WEXITSTATUS(status));
	if (getsockopt(st[0], SOL_SOCKET, SO_PEERCRED, &uc, &len) ||
	    uc.pid != maker)
		fail("SO_PEERCRED is pid %d, not %d", uc.pid, maker);
	pass();
}
