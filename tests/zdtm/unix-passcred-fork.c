// SPDX-License-Identifier: GPL-2.0
/*
 * The sender another process that asks for credentials itself: the child
 * sets SO_PASSCRED on its ends (its datagram socket is autobound when it
 * sends), sends a datagram and stream data, then waits in read().  The
 * parent turns SO_PASSPIDFD and SO_PASSCRED on only once the data is
 * queued.  After restart the parent's messages carry SCM_PIDFD and
 * SCM_CREDENTIALS naming the child, as restored (its pid, and a pidfd of
 * that process: signal 0 through it reaches the child).
 */
#include "zdtm.h"
#include <sys/socket.h>
#include <sys/syscall.h>

#ifndef SO_PASSPIDFD
#define SO_PASSPIDFD 76
#endif
#ifndef SCM_PIDFD
#define SCM_PIDFD 0x04
#endif

static char why[160];

/* Receive msg; the sender's pid (from a pidfd or a ucred), or -1 (why). */
static pid_t sender(int fd, const char *msg, int pidfd)
{
	union {
		char buf[CMSG_SPACE(sizeof(struct ucred)) + CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	char data[64];
	struct iovec iov = { data, sizeof(data) };
	struct msghdr mh = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = u.buf, .msg_controllen = sizeof(u.buf),
	};
	struct cmsghdr *c;
	ssize_t n = recvmsg(fd, &mh, MSG_DONTWAIT);
	pid_t pid = -1;

	snprintf(why, sizeof(why), "recvmsg %zd (%s), flags %#x, no such message",
		 n, n < 0 ? strerror(errno) : "ok", mh.msg_flags);
	if (n != (ssize_t)strlen(msg) || memcmp(data, msg, n))
		return -1;
	for (c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
		snprintf(why, sizeof(why), "a message of level %d type %d",
			 c->cmsg_level, c->cmsg_type);
		if (c->cmsg_level != SOL_SOCKET)
			continue;
		if (pidfd && c->cmsg_type == SCM_PIDFD) {
			int pfd;
			char path[64], line[128];
			FILE *f;

			memcpy(&pfd, CMSG_DATA(c), sizeof(pfd));
			if (syscall(SYS_pidfd_send_signal, pfd, 0, NULL, 0)) {
				snprintf(why, sizeof(why), "pidfd_send_signal: %s",
					 strerror(errno));
				return -1;
			}
			snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", pfd);
			f = fopen(path, "r");
			while (f && fgets(line, sizeof(line), f))
				if (sscanf(line, "Pid: %d", &pid) == 1)
					break;
			if (f)
				fclose(f);
			close(pfd);
		} else if (!pidfd && c->cmsg_type == SCM_CREDENTIALS) {
			struct ucred uc;

			memcpy(&uc, CMSG_DATA(c), sizeof(uc));
			pid = uc.pid;
		}
	}
	return pid;
}

int main(void)
{
	int dg[2], st[2], one = 1, status;
	pid_t c, got;
	char b;

	test_init();
	if (socketpair(AF_UNIX, SOCK_DGRAM, 0, dg) ||
	    socketpair(AF_UNIX, SOCK_STREAM, 0, st))
		fail("socketpair: %s", strerror(errno));
	c = fork();
	if (c < 0)
		fail("fork: %s", strerror(errno));
	if (c == 0) {
		close(dg[0]);
		close(st[0]);
		if (setsockopt(dg[1], SOL_SOCKET, SO_PASSCRED, &one, sizeof(one)) ||
		    setsockopt(st[1], SOL_SOCKET, SO_PASSCRED, &one, sizeof(one)) ||
		    send(dg[1], "from-child", 10, 0) != 10 ||
		    send(st[1], "stream", 6, 0) != 6)
			_exit(2);
		/* Blocked here when checkpointed. */
		if (read(st[1], &b, 1) != 1)
			_exit(3);
		_exit(0);
	}
	close(dg[1]);
	close(st[1]);
	/* Both have arrived before the options are on. */
	if (recv(dg[0], &b, 1, MSG_PEEK) != 1 || recv(st[0], &b, 1, MSG_PEEK) != 1)
		fail("nothing from the child");
	if (setsockopt(dg[0], SOL_SOCKET, SO_PASSPIDFD, &one, sizeof(one)) ||
	    setsockopt(st[0], SOL_SOCKET, SO_PASSCRED, &one, sizeof(one)))
		fail("setsockopt: %s", strerror(errno));

	test_daemon();
	test_waitsig();

	got = sender(dg[0], "from-child", 1);
	if (got != c)
		fail("SCM_PIDFD names %d, not the child %d (%s)", got, c, why);
	got = sender(st[0], "stream", 0);
	if (got != c)
		fail("SCM_CREDENTIALS names %d, not the child %d (%s)", got, c, why);
	if (write(st[0], "x", 1) != 1 || waitpid(c, &status, 0) != c ||
	    !WIFEXITED(status) || WEXITSTATUS(status))
		fail("child: status %#x", status);
	pass();
}
