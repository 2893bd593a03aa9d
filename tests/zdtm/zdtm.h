/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The zdtm-style checkpoint/restart cases: one small program per case,
 * each written from the behaviour an issue describes (not from our code).
 *
 * A case builds its state, calls test_daemon() (which tells the runner it
 * is ready), waits in test_waitsig() until the runner sends SIGTERM, then
 * checks its state and ends with pass() or fail(). The runner
 * (tests/guest/zdtm-run) runs each case twice: once left alone, which must
 * pass, and once checkpointed with `guest-agent checkpoint --kill` and
 * restarted with `guest-agent restart` in between.
 *
 * One result line on stdout: "PASS" or "FAIL: why"; exit status 0 or 1.
 */
#ifndef ZDTM_H
#define ZDTM_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/wait.h>

static volatile sig_atomic_t zdtm_stopped;

static void zdtm_on_term(int sig)
{
	(void)sig;
	zdtm_stopped = 1;
}

/*
 * Output goes to a file the runner reads; never buffer a result. SIGTERM
 * is blocked except in test_waitsig(), so that it wakes the main thread
 * and not one the case started.
 */
static inline void test_init(void)
{
	struct sigaction sa = { .sa_handler = zdtm_on_term };
	sigset_t term;

	setvbuf(stdout, NULL, _IONBF, 0);
	sigemptyset(&sa.sa_mask);
	sigemptyset(&term);
	sigaddset(&term, SIGTERM);
	if (sigaction(SIGTERM, &sa, NULL) ||
	    sigprocmask(SIG_BLOCK, &term, NULL)) {
		printf("FAIL: sigaction: %s\n", strerror(errno));
		exit(1);
	}
}

static inline __attribute__((noreturn, format(printf, 1, 2)))
void fail(const char *fmt, ...)
{
	va_list ap;

	printf("FAIL: ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	exit(1);
}

static inline __attribute__((noreturn)) void pass(void)
{
	printf("PASS\n");
	exit(0);
}

/* The state is built: create the file named by $ZDTM_READY. */
static inline void test_daemon(void)
{
	const char *ready = getenv("ZDTM_READY");
	int fd;

	if (!ready)
		fail("ZDTM_READY is not set (run me with zdtm-run)");
	fd = open(ready, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0)
		fail("creating %s: %s", ready, strerror(errno));
	close(fd);
}

/* One line in "$ZDTM_READY.SUFFIX", for zdtm-run to read. */
static inline void zdtm_ready_note(const char *suffix, const char *line)
{
	const char *ready = getenv("ZDTM_READY");
	char path[512];
	FILE *f;

	if (!ready)
		fail("ZDTM_READY is not set (run me with zdtm-run)");
	snprintf(path, sizeof(path), "%s.%s", ready, suffix);
	f = fopen(path, "w");
	if (!f || fprintf(f, "%s\n", line) < 0 || fclose(f))
		fail("writing %s: %s", path, strerror(errno));
}

/*
 * A shell command for zdtm-run to run, in the case's directory, after the
 * checkpoint has killed the case and before the restart (in the cr run
 * only): what happens to the world while the process is gone, e.g. a
 * file it left is removed.  Call it before test_daemon().
 */
static inline void test_between(const char *cmd)
{
	zdtm_ready_note("between", cmd);
}

/*
 * Options for zdtm-run to add to `guest-agent checkpoint` in the cr run
 * (e.g. "--ext-unix"), as a user who knows the case would.  Call it
 * before test_daemon().
 */
static inline void test_checkpoint_opts(const char *opts)
{
	zdtm_ready_note("opts", opts);
}

/*
 * The socket address of ip (text; NULL: the family's loopback) and port,
 * for family AF_INET or AF_INET6, in *ss; returns its length.
 */
static inline socklen_t zdtm_inet_addr(int family, const char *ip,
				       unsigned short port,
				       struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)ss;

		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
		sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		if (ip)
			inet_pton(AF_INET, ip, &sin->sin_addr);
		return sizeof(*sin);
	}
	((struct sockaddr_in6 *)ss)->sin6_family = AF_INET6;
	((struct sockaddr_in6 *)ss)->sin6_port = htons(port);
	((struct sockaddr_in6 *)ss)->sin6_addr = in6addr_loopback;
	if (ip)
		inet_pton(AF_INET6, ip, &((struct sockaddr_in6 *)ss)->sin6_addr);
	return sizeof(struct sockaddr_in6);
}

/* Byte i of a stream numbered with salt. */
static inline unsigned char zdtm_pattern(unsigned long long i, int salt)
{
	return (unsigned char)(i * 13 + (i >> 10) + salt);
}

/*
 * Streams numbered bytes both ways over the connected stream socket fd:
 * writes quota bytes numbered with out_salt and reads quota bytes that
 * must be numbered with in_salt, checking every one, then half-closes and
 * waits for end of file.  Until *go it paces itself, so that a checkpoint
 * finds it mid-stream.  Returns NULL, or what went wrong.
 */
static inline const char *zdtm_stream(int fd, unsigned long long quota,
				      int out_salt, int in_salt,
				      volatile sig_atomic_t *go)
{
	static unsigned char buf[16384];
	unsigned long long out = 0, in = 0;
	struct pollfd p = { .fd = fd };
	ssize_t n, i;

	while (in < quota || out < quota) {
		p.events = (in < quota ? POLLIN : 0) |
			   (out < quota ? POLLOUT : 0);
		if (poll(&p, 1, 1000) < 0 && errno != EINTR)
			return "poll";
		if (p.revents & (POLLERR | POLLHUP))
			return "connection reset or hung up";
		if (p.revents & POLLOUT) {
			size_t want = sizeof(buf);

			if (want > quota - out)
				want = quota - out;
			for (i = 0; i < (ssize_t)want; i++)
				buf[i] = zdtm_pattern(out + i, out_salt);
			n = send(fd, buf, want, MSG_DONTWAIT | MSG_NOSIGNAL);
			if (n < 0 && errno != EAGAIN)
				return "send";
			if (n > 0)
				out += n;
		}
		if (p.revents & POLLIN) {
			n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
			if (n == 0)
				return "end of file before the quota";
			if (n < 0 && errno != EAGAIN)
				return "recv";
			for (i = 0; i < n; i++)
				if (buf[i] != zdtm_pattern(in + i, in_salt))
					return "a byte lost, doubled or changed";
			if (n > 0)
				in += n;
		}
		if (!*go)
			usleep(20000);
	}
	if (shutdown(fd, SHUT_WR))
		return "shutdown";
	n = recv(fd, buf, 1, 0);
	return n == 0 ? NULL : "no end of file after the quota";
}

/*
 * Runs fn(ready, arg) in a daemon outside the case's process tree (a
 * grandchild in a session of its own, reparented to init: not
 * checkpointed, it lives on while the case is killed and restarted), and
 * returns once fn has written a byte to ready.  fn closes what of the
 * case's it must not keep (a listener, say).  What it returns, NULL when
 * all went well, is its verdict, for zdtm_outside_verdict().
 */
static inline void zdtm_outside(const char *(*fn)(int ready, void *arg),
				void *arg)
{
	int sync[2];
	pid_t c;
	char b;

	unlink("peer.result");
	if (pipe(sync))
		fail("pipe: %s", strerror(errno));
	c = fork();
	if (c < 0)
		fail("fork: %s", strerror(errno));
	if (c == 0) {
		setsid();
		if (fork() == 0) {
			const char *why;
			FILE *f;

			close(sync[0]);
			alarm(120);
			why = fn(sync[1], arg);
			f = fopen("peer.result.tmp", "w");
			if (f) {
				fprintf(f, "%s\n", why ? why : "ok");
				fclose(f);
				rename("peer.result.tmp", "peer.result");
			}
			_exit(0);
		}
		_exit(0);
	}
	waitpid(c, NULL, 0);
	close(sync[1]);
	if (read(sync[0], &b, 1) != 1)
		fail("the daemon outside did not start");
	close(sync[0]);
}

/* Fails unless the daemon of zdtm_outside() says all went well. */
static inline void zdtm_outside_verdict(void)
{
	char verdict[128] = "";
	FILE *f = NULL;
	int i;

	for (i = 0; i < 100 && !(f = fopen("peer.result", "r")); i++)
		usleep(100000);
	if (!f)
		fail("no verdict from the daemon outside");
	if (!fgets(verdict, sizeof(verdict), f) || strcmp(verdict, "ok\n"))
		fail("the daemon outside: %s", verdict);
	fclose(f);
}

/* Sleep until SIGTERM (checkpoint and restart happen meanwhile). */
static inline void test_waitsig(void)
{
	sigset_t none;

	sigemptyset(&none);
	while (!zdtm_stopped)
		sigsuspend(&none);
}

/*
 * Does the mapping that starts at addr show flag (two letters, e.g. "lo")
 * among its VmFlags in /proc/self/smaps?
 */
static inline int vma_has_flag(const void *addr, const char *flag)
{
	char line[512], want[32];
	unsigned long start = (unsigned long)addr, s, e;
	int in = 0, found = 0;
	FILE *f = fopen("/proc/self/smaps", "r");

	if (!f)
		fail("smaps: %s", strerror(errno));
	snprintf(want, sizeof(want), " %s", flag);
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%lx-%lx ", &s, &e) == 2 && strchr(line, '-') &&
		    line[0] != 'V')
			in = (s == start);
		else if (in && !strncmp(line, "VmFlags:", 8))
			found = strstr(line, want) != NULL;
	}
	fclose(f);
	return found;
}

/* A "Name:  N kB" field of /proc/self/status (e.g. "VmLck"), or -1. */
static inline long status_kb(const char *name)
{
	char line[256];
	size_t n = strlen(name);
	long kb = -1;
	FILE *f = fopen("/proc/self/status", "r");

	if (!f)
		fail("status: %s", strerror(errno));
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, name, n) && line[n] == ':')
			kb = strtol(line + n + 1, NULL, 10);
	fclose(f);
	return kb;
}

/*
 * The physical page (PFN, from /proc/PID/pagemap) that process pid maps at
 * addr; fails the case if the page is not present.
 */
static inline unsigned long long page_pfn(pid_t pid, const void *addr)
{
	unsigned long long e = 0;
	char path[64];
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/pagemap", pid);
	fd = open(path, O_RDONLY);
	if (fd < 0 || pread(fd, &e, 8, (unsigned long)addr / 4096 * 8) != 8)
		fail("reading %s: %s", path, strerror(errno));
	close(fd);
	if (!(e >> 63))
		fail("page %p of %d not present", addr, pid);
	return e & ((1ULL << 55) - 1);
}

/*
 * A terminal for the case: a pty whose master is held by a process
 * outside the case's tree (so not checkpointed), as sshd or a terminal
 * emulator would hold it. Returns the slave's path.
 *
 * The holder writes its pid to "$ZDTM_READY.tty". zdtm-run, after the
 * checkpoint has killed the case, sends it SIGUSR1: it closes the master,
 * which destroys the pty, and opens a new one, which gets the same
 * number, with default modes and no size, as after a reboot; then it
 * creates "$ZDTM_READY.tty-recycled" (with "same" in it if the new pty
 * has the old one's path). Restart must set the terminal's state again.
 * zdtm-run ends the holder with SIGTERM.
 */
static volatile sig_atomic_t zdtm_recycle;

static inline void zdtm_on_usr1(int sig)
{
	(void)sig;
	zdtm_recycle = 1;
}

static inline int zdtm_open_master(char *name, size_t len)
{
	int m = posix_openpt(O_RDWR | O_NOCTTY | O_NONBLOCK);

	if (m < 0 || grantpt(m) || unlockpt(m) || ptsname_r(m, name, len))
		return -1;
	return m;
}

static inline __attribute__((noreturn)) void zdtm_hold(int out)
{
	char name[64], again[64], path[256], buf[256];
	const char *ready = getenv("ZDTM_READY");
	struct sigaction sa = { .sa_handler = zdtm_on_usr1 };
	sigset_t none;
	FILE *f;
	int m;

	for (m = 3; m < 1024; m++)
		if (m != out)
			close(m);
	sigemptyset(&sa.sa_mask);
	sigaction(SIGUSR1, &sa, NULL);
	signal(SIGTERM, SIG_DFL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	m = zdtm_open_master(name, sizeof(name));
	if (m < 0 || !ready)
		_exit(1);
	snprintf(path, sizeof(path), "%s.tty", ready);
	f = fopen(path, "w");
	if (!f)
		_exit(1);
	fprintf(f, "%d\n", getpid());
	fclose(f);
	if (write(out, name, strlen(name) + 1) < 0)
		_exit(1);
	close(out);
	for (;;) {
		/* Drain what the case writes, so that it never blocks. */
		while (read(m, buf, sizeof(buf)) > 0)
			;
		usleep(20000);
		if (!zdtm_recycle)
			continue;
		zdtm_recycle = 0;
		close(m);
		m = zdtm_open_master(again, sizeof(again));
		snprintf(path, sizeof(path), "%s.tty-recycled", ready);
		f = fopen(path, "w");
		if (f) {
			fprintf(f, "%s\n", m >= 0 && !strcmp(name, again) ?
				"same" : "other");
			fclose(f);
		}
	}
}

static inline const char *zdtm_pty(void)
{
	static char name[64];
	int p[2], st;
	pid_t c;

	if (pipe(p))
		fail("pipe: %s", strerror(errno));
	c = fork();
	if (c < 0)
		fail("fork: %s", strerror(errno));
	if (c == 0) {
		close(p[0]);
		setsid();
		if (fork() == 0)
			zdtm_hold(p[1]);
		_exit(0);
	}
	close(p[1]);
	if (waitpid(c, &st, 0) != c || read(p[0], name, sizeof(name)) <= 0)
		fail("no pty from the holder");
	close(p[0]);
	name[sizeof(name) - 1] = '\0';
	return name;
}

#endif
