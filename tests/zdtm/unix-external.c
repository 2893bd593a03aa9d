// SPDX-License-Identifier: GPL-2.0
/*
 * Unix sockets whose peer is outside the checkpointed tree, saved with
 * `checkpoint --ext-unix`: a local daemon (reparented to init, so not
 * checkpointed) listens on a path and has a log socket bound to another.
 * The case talks to it over a stream connection the daemon accepted, and
 * logs over a datagram socket connected to the log socket.  After
 * restart both sockets are connected to the same names again (the
 * daemon sees a new stream connection): a log line sent after restart
 * and a request over the stream reach the daemon, whose answer counts
 * both log lines.  Without the option the checkpoint is refused (see
 * cr-selftest).
 */
#include "zdtm.h"
#include <poll.h>
#include <stddef.h>
#include <sys/socket.h>
#include <sys/un.h>

static socklen_t set_name(struct sockaddr_un *a, const char *path)
{
	memset(a, 0, sizeof(*a));
	a->sun_family = AF_UNIX;
	strcpy(a->sun_path, path);
	return offsetof(struct sockaddr_un, sun_path) + strlen(path) + 1;
}

/*
 * The daemon: answers each line "L\n" on any stream connection with
 * "echo:L:N\n", N the log lines received so far (read first), until it
 * answers "again".
 */
static void __attribute__((noreturn)) daemon_loop(int ls, int lg)
{
	struct pollfd p[8] = { { ls, POLLIN }, { lg, POLLIN } };
	int n = 2, logs = 0, i;
	char buf[128], out[160];

	alarm(120);
	for (;;) {
		if (poll(p, n, -1) < 0)
			_exit(1);
		while (recv(lg, buf, sizeof(buf), MSG_DONTWAIT) > 0)
			logs++;
		if (p[0].revents & POLLIN && n < 8) {
			p[n].fd = accept(ls, NULL, NULL);
			p[n++].events = POLLIN;
		}
		for (i = 2; i < n; i++) {
			ssize_t got;

			if (!(p[i].revents & (POLLIN | POLLHUP)))
				continue;
			got = read(p[i].fd, buf, sizeof(buf) - 1);
			if (got <= 0) {
				close(p[i].fd);
				p[i--] = p[--n];
				continue;
			}
			while (recv(lg, out, sizeof(out), MSG_DONTWAIT) > 0)
				logs++;
			buf[got - 1] = 0;
			snprintf(out, sizeof(out), "echo:%s:%d\n", buf, logs);
			if (write(p[i].fd, out, strlen(out)) < 0)
				_exit(1);
			if (!strcmp(buf, "again"))
				_exit(0);
		}
	}
}

/* Starts the daemon outside the case's tree. */
static void start_daemon(void)
{
	struct sockaddr_un a;
	int sync[2], ls, lg;
	pid_t c;
	char b;

	unlink("ext-stream.sock");
	unlink("ext-log.sock");
	if (pipe(sync))
		fail("pipe: %s", strerror(errno));
	c = fork();
	if (c < 0)
		fail("fork: %s", strerror(errno));
	if (c == 0) {
		setsid();
		if (fork() == 0) {
			ls = socket(AF_UNIX, SOCK_STREAM, 0);
			lg = socket(AF_UNIX, SOCK_DGRAM, 0);
			if (ls < 0 || lg < 0 ||
			    bind(ls, (struct sockaddr *)&a, set_name(&a, "ext-stream.sock")) ||
			    listen(ls, 4) ||
			    bind(lg, (struct sockaddr *)&a, set_name(&a, "ext-log.sock")) ||
			    write(sync[1], "r", 1) != 1)
				_exit(1);
			close(sync[0]);
			close(sync[1]);
			daemon_loop(ls, lg);
		}
		_exit(0);
	}
	waitpid(c, NULL, 0);
	close(sync[1]);
	if (read(sync[0], &b, 1) != 1)
		fail("the daemon did not start");
	close(sync[0]);
}

static void say(int fd, const char *line, const char *want)
{
	char buf[64];
	ssize_t n;

	if (write(fd, line, strlen(line)) != (ssize_t)strlen(line))
		fail("write \"%s\": %s", line, strerror(errno));
	n = read(fd, buf, sizeof(buf));
	if (n != (ssize_t)strlen(want) || memcmp(buf, want, n))
		fail("after \"%s\": got %zd bytes, not \"%s\"", line, n, want);
}

/* The client's sockets, made and connected by name. */
static void connect_both(int *st, int *lg)
{
	struct sockaddr_un a;

	*st = socket(AF_UNIX, SOCK_STREAM, 0);
	*lg = socket(AF_UNIX, SOCK_DGRAM, 0);
	if (*st < 0 || *lg < 0 ||
	    connect(*st, (struct sockaddr *)&a, set_name(&a, "ext-stream.sock")) ||
	    connect(*lg, (struct sockaddr *)&a, set_name(&a, "ext-log.sock")))
		fail("connect: %s", strerror(errno));
	if (send(*lg, "log-before", 10, 0) != 10)
		fail("log: %s", strerror(errno));
	say(*st, "hello\n", "echo:hello:1\n");
}

/* After restart: both sockets reach the daemon again, by name. */
static void check_both(int st, int lg)
{
	struct sockaddr_un a, got;
	socklen_t len = sizeof(got), want = set_name(&a, "ext-stream.sock");

	if (getpeername(st, (struct sockaddr *)&got, &len) || len != want ||
	    memcmp(&got, &a, want))
		fail("the stream socket is not connected to ext-stream.sock");
	if (send(lg, "log-after", 9, 0) != 9)
		fail("log after restart: %s", strerror(errno));
	say(st, "again\n", "echo:again:2\n");
}

#ifndef ZDTM_EXTERNAL_FORK
int main(void)
{
	int st, lg;

	test_init();
	start_daemon();
	connect_both(&st, &lg);
	test_checkpoint_opts("--ext-unix");
	test_daemon();
	test_waitsig();
	check_both(st, lg);
	pass();
}
#endif
