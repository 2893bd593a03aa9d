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

/* The daemon: accepts one connection and streams. */
static const char *peer(int ready, void *arg)
{
	struct sockaddr_in sin;
	int l, s, one = 1;

	(void)arg;
	l = socket(AF_INET, SOCK_STREAM, 0);
	if (l < 0 ||
	    setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(l, (struct sockaddr *)&sin, addr(&sin)) || listen(l, 1) ||
	    write(ready, "r", 1) != 1)
		return "listen";
	s = accept(l, NULL, NULL);
	return s < 0 ? "accept" : zdtm_stream(s, QUOTA, 2, 1, &always);
}

int main(void)
{
	struct sockaddr_in sin;
	const char *why;
	int s;

	test_init();
	zdtm_outside(peer, NULL);
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
	zdtm_outside_verdict();
	pass();
}
