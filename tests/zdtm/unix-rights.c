// SPDX-License-Identifier: GPL-2.0
/*
 * Files in flight (SCM_RIGHTS) in one process, held by nothing but the
 * message that carries them: a regular file at offset 5, a pipe's read
 * end with data buffered, an eventfd, a memfd, an epoll set watching the
 * pipe, and a datagram socket passing itself.  A second message carries
 * a file that is also open in the fd table.  After restart each message
 * gives the same files back: the offset, the pipe's data, the counter,
 * the memfd's contents, the epoll set reporting the pipe, the socket
 * itself (same inode), and the shared file's offset moving for both.
 */
#include "zdtm.h"
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>

#define NFDS 5

static void send_fds(int sock, const char *msg, const int *fds, int n)
{
	union {
		char buf[CMSG_SPACE(sizeof(int) * NFDS)];
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
	if (sendmsg(sock, &mh, 0) != (ssize_t)strlen(msg))
		fail("sendmsg: %s", strerror(errno));
}

/* Receive msg and exactly n files into fds. */
static void recv_fds(int sock, const char *msg, int *fds, int n)
{
	union {
		char buf[CMSG_SPACE(sizeof(int) * NFDS)];
		struct cmsghdr align;
	} u;
	char data[64];
	struct iovec iov = { data, sizeof(data) };
	struct msghdr mh = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = u.buf, .msg_controllen = sizeof(u.buf),
	};
	struct cmsghdr *c;
	ssize_t got = recvmsg(sock, &mh, MSG_DONTWAIT);

	if (got != (ssize_t)strlen(msg) || memcmp(data, msg, got))
		fail("message \"%s\": %zd bytes (%s)", msg, got,
		     got < 0 ? strerror(errno) : "other data");
	c = CMSG_FIRSTHDR(&mh);
	if (!c || c->cmsg_type != SCM_RIGHTS ||
	    c->cmsg_len != CMSG_LEN(sizeof(int) * n) || (mh.msg_flags & MSG_CTRUNC))
		fail("message \"%s\": not %d files in flight", msg, n);
	memcpy(fds, CMSG_DATA(c), sizeof(int) * n);
}

static void expect_read(int fd, const char *want, const char *what)
{
	char buf[64];
	ssize_t n = read(fd, buf, sizeof(buf));

	if (n != (ssize_t)strlen(want) || memcmp(buf, want, n))
		fail("%s: read %zd bytes (%s)", what, n,
		     n < 0 ? strerror(errno) : "other data");
}

int main(void)
{
	int st[2], dg[2], p[2], fds[NFDS], got[NFDS], shared, one[1];
	struct epoll_event ev = { .events = EPOLLIN };
	struct stat a, b;
	uint64_t v = 7;

	test_init();
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, st) ||
	    socketpair(AF_UNIX, SOCK_DGRAM, 0, dg) || pipe(p))
		fail("socketpair: %s", strerror(errno));
	fds[0] = open("rights.txt", O_RDWR | O_CREAT | O_TRUNC, 0644);
	if (fds[0] < 0 || write(fds[0], "hello world", 11) != 11 ||
	    lseek(fds[0], 5, SEEK_SET) != 5)
		fail("rights.txt: %s", strerror(errno));
	if (write(p[1], "pipe-data", 9) != 9)
		fail("pipe: %s", strerror(errno));
	close(p[1]);
	fds[1] = p[0];
	fds[2] = eventfd(0, EFD_NONBLOCK);
	if (fds[2] < 0 || write(fds[2], &v, 8) != 8)
		fail("eventfd: %s", strerror(errno));
	fds[3] = memfd_create("rights", 0);
	if (fds[3] < 0 || write(fds[3], "in-memory", 9) != 9)
		fail("memfd: %s", strerror(errno));
	fds[4] = epoll_create1(0);
	ev.data.u32 = 42;
	if (fds[4] < 0 || epoll_ctl(fds[4], EPOLL_CTL_ADD, p[0], &ev))
		fail("epoll: %s", strerror(errno));
	send_fds(st[1], "five", fds, NFDS);
	for (int i = 0; i < NFDS; i++)
		close(fds[i]);
	/* The receiving socket passes itself. */
	send_fds(dg[1], "self", &dg[0], 1);
	/* A file also open here: one file description, two holders. */
	shared = open("shared.txt", O_RDWR | O_CREAT | O_TRUNC, 0644);
	if (shared < 0 || write(shared, "abcdef", 6) != 6 ||
	    lseek(shared, 1, SEEK_SET) != 1)
		fail("shared.txt: %s", strerror(errno));
	send_fds(st[1], "shared", &shared, 1);

	test_daemon();
	test_waitsig();

	recv_fds(st[0], "five", got, NFDS);
	if (lseek(got[0], 0, SEEK_CUR) != 5)
		fail("the regular file in flight is not at offset 5");
	expect_read(got[0], " world", "the regular file in flight");
	{
		struct epoll_event out;

		if (epoll_wait(got[4], &out, 1, 0) != 1 || out.data.u32 != 42 ||
		    !(out.events & EPOLLIN))
			fail("the epoll set in flight does not report the pipe");
	}
	expect_read(got[1], "pipe-data", "the pipe in flight");
	if (read(got[1], &v, 1) != 0)
		fail("the pipe in flight is not at end of file");
	if (read(got[2], &v, 8) != 8 || v != 7)
		fail("the eventfd in flight lost its count");
	if (lseek(got[3], 0, SEEK_SET) != 0)
		fail("memfd lseek: %s", strerror(errno));
	expect_read(got[3], "in-memory", "the memfd in flight");

	recv_fds(dg[0], "self", one, 1);
	if (fstat(one[0], &a) || fstat(dg[0], &b) || a.st_ino != b.st_ino)
		fail("the socket that passed itself came back as another");

	recv_fds(st[0], "shared", one, 1);
	if (lseek(one[0], 0, SEEK_CUR) != 1 || lseek(shared, 4, SEEK_SET) != 4 ||
	    lseek(one[0], 0, SEEK_CUR) != 4)
		fail("the file in flight no longer shares its offset");
	pass();
}
