// SPDX-License-Identifier: GPL-2.0
/*
 * A TCP client whose server is outside the checkpointed tree: a daemon
 * (reparented to init, so not checkpointed) listens on 127.0.0.1 and
 * streams numbered bytes both ways with the case, which connected to it.
 * The checkpoint comes mid-stream (both sides' buffers full), and the
 * case stays dead for two seconds while the daemon keeps sending (its
 * segments are held: dropped, never answered with a reset).  After
 * restart the streams go on: neither side loses, doubles or reorders a
 * byte, neither sees a reset, both reach end of file; the daemon writes
 * its verdict to a file the case reads.
 */
#include "zdtm.h"
#include <arpa/inet.h>
#include <netinet/in.h>

#define PORT 7481
#define QUOTA (4ULL << 20)

static volatile sig_atomic_t always = 1, go;

static socklen_t addr(struct sockaddr_in *sin)
{
	memset(sin, 0, sizeof(*sin));
	sin->sin_family = AF_INET;
	sin->sin_port = htons(PORT);
	sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	return sizeof(*sin);
}

/* The daemon: accepts one connection, streams, writes its verdict. */
static void start_peer(void)
{
	struct sockaddr_in sin;
	int sync[2], l, s, one = 1;
	const char *why;
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
			FILE *f;

			alarm(120);
			l = socket(AF_INET, SOCK_STREAM, 0);
			if (l < 0 || setsockopt(l, SOL_SOCKET, SO_REUSEADDR,
						&one, sizeof(one)) ||
			    bind(l, (struct sockaddr *)&sin, addr(&sin)) ||
			    listen(l, 1) || write(sync[1], "r", 1) != 1)
				_exit(1);
			s = accept(l, NULL, NULL);
			why = s < 0 ? "accept" :
			      zdtm_stream(s, QUOTA, 2, 1, &always);
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
		fail("the peer did not start");
	close(sync[0]);
}

int main(void)
{
	struct sockaddr_in sin;
	char verdict[64] = "";
	const char *why;
	FILE *f;
	int s, i;

	test_init();
	start_peer();
	s = socket(AF_INET, SOCK_STREAM, 0);
	if (s < 0 || connect(s, (struct sockaddr *)&sin, addr(&sin)))
		fail("connect: %s", strerror(errno));
	/* Dead for a while: the peer's segments meet the hold. */
	test_between("sleep 2");
	test_daemon();
	test_waitsig();
	go = 1;

	why = zdtm_stream(s, QUOTA, 1, 2, &go);
	if (why)
		fail("stream with the peer outside: %s", why);
	for (i = 0; i < 100 && !(f = fopen("peer.result", "r")); i++)
		usleep(100000);
	if (!f)
		fail("no verdict from the peer");
	if (!fgets(verdict, sizeof(verdict), f) || strcmp(verdict, "ok\n"))
		fail("the peer outside: %s", verdict);
	fclose(f);
	pass();
}
