// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
/*
 * tcp-stream: numbered byte streams both ways over TCP, checked end to
 * end, for connections that cross a checkpoint with their peer on the
 * other side of a network card (the CI host, through cr-vmm's tap).
 *
 *   tcp-stream serve PORT N OUT
 *	Listens on [::]:PORT (IPv4 and IPv6), accepts N connections, and
 *	streams to each and checks what each sends until its peer shuts
 *	down its side; then closes them and writes one line, "PASS ..." or
 *	"FAIL ...", to OUT (through a temporary file and a rename).
 *
 *   tcp-stream client HOST PORT SECONDS [reset-after FILE]
 *	Connects, streams both ways for SECONDS, shuts down its side and
 *	reads to the end; prints "tcp-stream: PASS ..." or "tcp-stream:
 *	FAIL ..." and exits 0 or 1. Any reset, any byte lost, repeated or
 *	out of order fails. With "reset-after FILE" the connection must
 *	instead be reset, after FILE exists (not before) and within 5 s of
 *	it.
 *
 * Byte i of each direction is pat(i): a shift by any number of bytes is
 * seen within a few bytes. Each side sends at most RATE bytes a second,
 * so that a stream crossing a checkpoint is under way on both sides while
 * the process is gone.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define RATE (256 * 1024)
#define CHUNK 16384
#define MAX_CONNS 16
#define IDLE_LIMIT_S 180.0

static unsigned char pat(uint64_t i)
{
	return (unsigned char)((i * 0x9E3779B97F4A7C15ull) >> 56);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

struct conn {
	int fd;
	uint64_t sent, recvd;
	int eof;		/* the peer shut down its side */
	int done_sending;
	char err[160];		/* the first failure */
};

/* Checks n received bytes; 0 if they follow the pattern. */
static int check(struct conn *c, const unsigned char *buf, size_t n)
{
	for (size_t k = 0; k < n; k++) {
		if (buf[k] != pat(c->recvd + k)) {
			snprintf(c->err, sizeof(c->err),
				 "byte %llu is %u, not %u (lost, repeated or out of order)",
				 (unsigned long long)(c->recvd + k), buf[k],
				 pat(c->recvd + k));
			return -1;
		}
	}
	c->recvd += n;
	return 0;
}

/* Reads what is there; -1 with c->err on a failure. */
static int pump_in(struct conn *c)
{
	unsigned char buf[CHUNK];

	for (;;) {
		ssize_t n = recv(c->fd, buf, sizeof(buf), MSG_DONTWAIT);

		if (n > 0) {
			if (check(c, buf, n))
				return -1;
			continue;
		}
		if (n == 0) {
			c->eof = 1;
			return 0;
		}
		if (errno == EAGAIN || errno == EINTR)
			return 0;
		snprintf(c->err, sizeof(c->err), "recv after %llu bytes: %s",
			 (unsigned long long)c->recvd, strerror(errno));
		return -1;
	}
}

/* Sends up to `budget` bytes; -1 with c->err on a failure. */
static int pump_out(struct conn *c, uint64_t budget)
{
	unsigned char buf[CHUNK];

	while (budget > 0) {
		size_t n = budget < CHUNK ? budget : CHUNK;
		ssize_t w;

		for (size_t k = 0; k < n; k++)
			buf[k] = pat(c->sent + k);
		w = send(c->fd, buf, n, MSG_DONTWAIT | MSG_NOSIGNAL);
		if (w < 0) {
			if (errno == EAGAIN || errno == EINTR)
				return 0;
			snprintf(c->err, sizeof(c->err),
				 "send after %llu bytes: %s",
				 (unsigned long long)c->sent, strerror(errno));
			return -1;
		}
		c->sent += w;
		budget -= w;
	}
	return 0;
}

/* Bytes the pacing allows now; a pause (a checkpoint) gives no burst. */
static uint64_t allowance(double *last)
{
	double t = now();
	double dt = t - *last;

	if (dt < 0.01)
		return 0;
	*last = t;
	if (dt > 0.1)
		dt = 0.1;
	return (uint64_t)(dt * RATE);
}

static void verdict_file(const char *out, const char *line)
{
	char tmp[4096];
	FILE *f;

	snprintf(tmp, sizeof(tmp), "%s.partial", out);
	f = fopen(tmp, "w");
	if (!f || fprintf(f, "%s\n", line) < 0 || fflush(f) ||
	    fsync(fileno(f)) || fclose(f) || rename(tmp, out))
		perror("tcp-stream: writing the verdict");
}

static int serve(int port, int nconns, const char *out)
{
	struct sockaddr_in6 a = { .sin6_family = AF_INET6,
				  .sin6_port = htons(port),
				  .sin6_addr = IN6ADDR_ANY_INIT };
	struct conn c[MAX_CONNS];
	int one = 1, zero = 0, accepted = 0, lfd;
	double last = now(), idle_since = now();
	char line[2048];
	size_t len = 0;

	if (nconns < 1 || nconns > MAX_CONNS) {
		fprintf(stderr, "tcp-stream: 1..%d connections\n", MAX_CONNS);
		return 2;
	}
	lfd = socket(AF_INET6, SOCK_STREAM, 0);
	if (lfd < 0 ||
	    setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    setsockopt(lfd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero)) ||
	    bind(lfd, (struct sockaddr *)&a, sizeof(a)) || listen(lfd, 16)) {
		perror("tcp-stream: listening");
		return 1;
	}
	printf("tcp-stream: listening on %d\n", port);
	fflush(stdout);
	for (;;) {
		struct pollfd p[MAX_CONNS + 1];
		int open = 0, failed = 0;
		uint64_t budget;

		for (int i = 0; i < accepted; i++) {
			p[i].fd = c[i].fd;
			p[i].events = POLLIN;
		}
		p[accepted].fd = accepted < nconns ? lfd : -1;
		p[accepted].events = POLLIN;
		if (poll(p, accepted + 1, 10) < 0 && errno != EINTR) {
			perror("tcp-stream: poll");
			return 1;
		}
		if (accepted < nconns && (p[accepted].revents & POLLIN)) {
			int fd = accept(lfd, NULL, NULL);

			if (fd >= 0) {
				memset(&c[accepted], 0, sizeof(c[0]));
				c[accepted++].fd = fd;
				idle_since = now();
			}
		}
		budget = allowance(&last);
		for (int i = 0; i < accepted; i++) {
			uint64_t before = c[i].recvd;

			if (c[i].err[0] || c[i].done_sending)
				continue;
			if (pump_in(&c[i]) || pump_out(&c[i], c[i].eof ? 0 : budget)) {
				failed = 1;
				continue;
			}
			if (c[i].recvd != before)
				idle_since = now();
			if (c[i].eof) {
				/* The peer is done: end ours, it reads to the end. */
				shutdown(c[i].fd, SHUT_WR);
				c[i].done_sending = 1;
			}
		}
		for (int i = 0; i < accepted; i++)
			open += !c[i].done_sending && !c[i].err[0];
		if (failed || (accepted == nconns && open == 0))
			break;
		if (now() - idle_since > IDLE_LIMIT_S) {
			verdict_file(out, "FAIL nothing received for 180 s");
			return 1;
		}
	}
	for (int i = 0; i < accepted; i++) {
		if (c[i].err[0]) {
			snprintf(line, sizeof(line), "FAIL connection %d: %s", i,
				 c[i].err);
			verdict_file(out, line);
			return 1;
		}
	}
	len = snprintf(line, sizeof(line), "PASS %d connections:", nconns);
	for (int i = 0; i < accepted && len < sizeof(line); i++) {
		len += snprintf(line + len, sizeof(line) - len,
				" received %llu sent %llu;",
				(unsigned long long)c[i].recvd,
				(unsigned long long)c[i].sent);
		close(c[i].fd);
	}
	verdict_file(out, line);
	return 0;
}

/* A numeric address only: a static program has no name service. */
static int connect_to(const char *host, int port)
{
	struct sockaddr_in6 a6 = { .sin6_family = AF_INET6,
				   .sin6_port = htons(port) };
	struct sockaddr_in a4 = { .sin_family = AF_INET,
				  .sin_port = htons(port) };
	struct sockaddr *sa = (struct sockaddr *)&a4;
	socklen_t len = sizeof(a4);
	int fd;

	if (inet_pton(AF_INET6, host, &a6.sin6_addr) == 1) {
		sa = (struct sockaddr *)&a6;
		len = sizeof(a6);
	} else if (inet_pton(AF_INET, host, &a4.sin_addr) != 1) {
		fprintf(stderr, "tcp-stream: %s: not a numeric address\n", host);
		return -1;
	}
	fd = socket(sa->sa_family, SOCK_STREAM, 0);
	if (fd < 0 || connect(fd, sa, len)) {
		fprintf(stderr, "tcp-stream: connecting to %s port %d: %s\n",
			host, port, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

static int client(const char *host, int port, double secs,
		  const char *reset_after)
{
	struct conn c = { 0 };
	double start = now(), last = start, released = 0;
	struct stat st;

	c.fd = connect_to(host, port);
	if (c.fd < 0)
		return 1;
	for (;;) {
		struct pollfd p = { .fd = c.fd, .events = POLLIN };
		double t = now();

		if (poll(&p, 1, 10) < 0 && errno != EINTR) {
			perror("tcp-stream: poll");
			return 1;
		}
		if (reset_after && !released && stat(reset_after, &st) == 0)
			released = now();
		if (pump_in(&c) ||
		    pump_out(&c, c.done_sending ? 0 : allowance(&last)))
			break;
		if (c.eof && !c.done_sending) {
			snprintf(c.err, sizeof(c.err),
				 "the server ended the stream first (%llu bytes)",
				 (unsigned long long)c.recvd);
			break;
		}
		if (c.eof)
			break;
		if (!c.done_sending && t - start > secs && !reset_after) {
			shutdown(c.fd, SHUT_WR);
			c.done_sending = 1;
		}
		if (t - start > secs + IDLE_LIMIT_S ||
		    (reset_after && released && t - released > 5.0)) {
			snprintf(c.err, sizeof(c.err), "%s after %.1f s",
				 reset_after ? "no reset" : "no end of stream",
				 t - start);
			break;
		}
	}
	if (reset_after) {
		int reset = strstr(c.err, strerror(ECONNRESET)) ||
			    strstr(c.err, strerror(EPIPE));

		if (reset && released) {
			printf("tcp-stream: PASS reset %.2f s after the release; sent %llu received %llu\n",
			       now() - released, (unsigned long long)c.sent,
			       (unsigned long long)c.recvd);
			return 0;
		}
		printf("tcp-stream: FAIL %s%s\n", reset ? "reset before the release: " : "",
		       c.err[0] ? c.err : "the stream ended without a reset");
		return 1;
	}
	if (c.err[0]) {
		printf("tcp-stream: FAIL %s (sent %llu received %llu)\n", c.err,
		       (unsigned long long)c.sent, (unsigned long long)c.recvd);
		return 1;
	}
	printf("tcp-stream: PASS sent %llu received %llu in %.1f s\n",
	       (unsigned long long)c.sent, (unsigned long long)c.recvd,
	       now() - start);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 5 && !strcmp(argv[1], "serve"))
		return serve(atoi(argv[2]), atoi(argv[3]), argv[4]);
	if (argc == 5 && !strcmp(argv[1], "client"))
		return client(argv[2], atoi(argv[3]), atof(argv[4]), NULL);
	if (argc == 7 && !strcmp(argv[1], "client") &&
	    !strcmp(argv[5], "reset-after"))
		return client(argv[2], atoi(argv[3]), atof(argv[4]), argv[6]);
	fprintf(stderr,
		"usage: tcp-stream serve PORT N OUT\n"
		"       tcp-stream client HOST PORT SECONDS [reset-after FILE]\n");
	return 2;
}
