// SPDX-License-Identifier: GPL-2.0
/*
 * Files passed between processes (SCM_RIGHTS), before and after the
 * sender exits.  Child A passes one end of a socket pair it made and
 * waits in read() on the other end.  Child B passes a file at offset 3
 * and a pipe's read end with data buffered (its write end closed), then
 * exits.  Neither message is received when the tree is checkpointed.
 * After restart the parent receives both: it writes to the passed
 * socket (child A gets it and exits 0), reads the file from offset 3,
 * and reads the pipe's data, then end of file.
 */
#include "zdtm.h"
#include <sys/socket.h>

static int send_fds(int sock, const char *msg, const int *fds, int n)
{
	union {
		char buf[CMSG_SPACE(sizeof(int) * 2)];
		struct cmsghdr align;
	} u;
	struct iovec iov = { (void *)msg, strlen(msg) };
	struct msghdr mh = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = u.buf, .msg_controllen = CMSG_SPACE(sizeof(int) * n),
	};
	struct cmsghdr *c = CMSG_FIRSTHDR(&mh);

	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int) * n);
	memcpy(CMSG_DATA(c), fds, sizeof(int) * n);
	return sendmsg(sock, &mh, 0) == (ssize_t)strlen(msg);
}

static void recv_fds(int sock, const char *msg, int *fds, int n)
{
	union {
		char buf[CMSG_SPACE(sizeof(int) * 2)];
		struct cmsghdr align;
	} u;
	char data[16];
	struct iovec iov = { data, strlen(msg) };
	struct msghdr mh = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = u.buf, .msg_controllen = sizeof(u.buf),
	};
	struct cmsghdr *c;
	ssize_t got = recvmsg(sock, &mh, MSG_DONTWAIT);

	if (got != (ssize_t)strlen(msg) || memcmp(data, msg, got))
		fail("message \"%s\": %zd bytes", msg, got);
	c = CMSG_FIRSTHDR(&mh);
	if (!c || c->cmsg_type != SCM_RIGHTS ||
	    c->cmsg_len != CMSG_LEN(sizeof(int) * n))
		fail("message \"%s\": not %d files in flight", msg, n);
	memcpy(fds, CMSG_DATA(c), sizeof(int) * n);
}

int main(void)
{
	int pp[2], got[2], status;
	char buf[32], b;
	pid_t a, bc;

	test_init();
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, pp))
		fail("socketpair: %s", strerror(errno));
	a = fork();
	if (a < 0)
		fail("fork: %s", strerror(errno));
	if (a == 0) {
		int q[2];

		close(pp[0]);
		if (socketpair(AF_UNIX, SOCK_STREAM, 0, q) ||
		    !send_fds(pp[1], "sock", &q[0], 1))
			_exit(2);
		close(q[0]);
		close(pp[1]);
		/* Blocked here when checkpointed. */
		if (read(q[1], buf, 17) != 17 || memcmp(buf, "via-passed-socket", 17))
			_exit(3);
		_exit(0);
	}
	/* A's message first. */
	if (recv(pp[0], &b, 1, MSG_PEEK) != 1)
		fail("nothing from child A");
	bc = fork();
	if (bc < 0)
		fail("fork: %s", strerror(errno));
	if (bc == 0) {
		int f = open("passed.txt", O_RDWR | O_CREAT | O_TRUNC, 0644), p[2], fds[2];

		close(pp[0]);
		if (f < 0 || write(f, "0123456789", 10) != 10 ||
		    lseek(f, 3, SEEK_SET) != 3 || pipe(p) ||
		    write(p[1], "pipe-data", 9) != 9)
			_exit(2);
		close(p[1]);
		fds[0] = f;
		fds[1] = p[0];
		_exit(send_fds(pp[1], "file", fds, 2) ? 0 : 3);
	}
	if (waitpid(bc, &status, 0) != bc || !WIFEXITED(status) ||
	    WEXITSTATUS(status))
		fail("child B: status %#x", status);
	close(pp[1]);

	test_daemon();
	test_waitsig();

	recv_fds(pp[0], "sock", got, 1);
	if (write(got[0], "via-passed-socket", 17) != 17)
		fail("write to the passed socket: %s", strerror(errno));
	recv_fds(pp[0], "file", got, 2);
	if (lseek(got[0], 0, SEEK_CUR) != 3 || read(got[0], buf, 7) != 7 ||
	    memcmp(buf, "3456789", 7))
		fail("the passed file lost its offset or data");
	if (read(got[1], buf, 9) != 9 || memcmp(buf, "pipe-data", 9) ||
	    read(got[1], buf, 1) != 0)
		fail("the passed pipe lost its data or its end of file");
	if (waitpid(a, &status, 0) != a || !WIFEXITED(status) ||
	    WEXITSTATUS(status))
		fail("child A: status %#x", status);
	pass();
}
