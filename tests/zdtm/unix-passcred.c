// SPDX-License-Identifier: GPL-2.0
/*
 * SO_PASSCRED on a datagram and a stream socket of one process: messages
 * queued before the checkpoint carry SCM_CREDENTIALS naming this process
 * (pid, uid, gid) after restart, the option is still on, and a message
 * sent after restart carries them too.  The datagram socket with
 * SO_PASSCRED sent unbound, so it was autobound: it keeps that name.
 */
#include "zdtm.h"
#include <stddef.h>
#include <sys/socket.h>
#include <sys/un.h>

/* Receive msg from fd; 1 if it came with this process's credentials. */
static int with_creds(int fd, const char *msg)
{
	union {
		char buf[CMSG_SPACE(sizeof(struct ucred))];
		struct cmsghdr align;
	} u;
	char data[64];
	struct iovec iov = { data, sizeof(data) };
	struct msghdr mh = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = u.buf, .msg_controllen = sizeof(u.buf),
	};
	struct cmsghdr *c;
	struct ucred uc;
	ssize_t n = recvmsg(fd, &mh, MSG_DONTWAIT);

	if (n != (ssize_t)strlen(msg) || memcmp(data, msg, n))
		return 0;
	c = CMSG_FIRSTHDR(&mh);
	if (!c || c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_CREDENTIALS)
		return 0;
	memcpy(&uc, CMSG_DATA(c), sizeof(uc));
	return uc.pid == getpid() && uc.uid == getuid() && uc.gid == getgid();
}

static int opt(int fd)
{
	int v = 0;
	socklen_t len = sizeof(v);

	return getsockopt(fd, SOL_SOCKET, SO_PASSCRED, &v, &len) ? -1 : v;
}

int main(void)
{
	int dg[2], st[2], one = 1;
	struct sockaddr_un a0, a1;
	socklen_t l0 = sizeof(a0), l1 = sizeof(a1);

	test_init();
	if (socketpair(AF_UNIX, SOCK_DGRAM, 0, dg) ||
	    socketpair(AF_UNIX, SOCK_STREAM, 0, st))
		fail("socketpair: %s", strerror(errno));
	if (setsockopt(dg[0], SOL_SOCKET, SO_PASSCRED, &one, sizeof(one)) ||
	    setsockopt(dg[1], SOL_SOCKET, SO_PASSCRED, &one, sizeof(one)) ||
	    setsockopt(st[0], SOL_SOCKET, SO_PASSCRED, &one, sizeof(one)))
		fail("SO_PASSCRED: %s", strerror(errno));
	if (send(dg[1], "dgram", 5, 0) != 5 || send(st[1], "strm", 4, 0) != 4)
		fail("send: %s", strerror(errno));
	if (getsockname(dg[1], (struct sockaddr *)&a0, &l0) ||
	    l0 != offsetof(struct sockaddr_un, sun_path) + 6)
		fail("the sender was not autobound (%u)", l0);

	test_daemon();
	test_waitsig();

	if (opt(dg[0]) != 1 || opt(st[0]) != 1 || opt(st[1]) != 0)
		fail("SO_PASSCRED is %d/%d/%d, not 1/1/0", opt(dg[0]),
		     opt(st[0]), opt(st[1]));
	if (!with_creds(dg[0], "dgram"))
		fail("the queued datagram lost its credentials");
	if (!with_creds(st[0], "strm"))
		fail("the queued stream data lost its credentials");
	if (getsockname(dg[1], (struct sockaddr *)&a1, &l1) || l1 != l0 ||
	    memcmp(&a0, &a1, l0))
		fail("the autobound sender lost its name");
	if (send(dg[1], "again", 5, 0) != 5 || !with_creds(dg[0], "again"))
		fail("a datagram after restart came without credentials");
	pass();
}
