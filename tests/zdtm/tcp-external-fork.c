// SPDX-License-Identifier: GPL-2.0
/*
 * A TCP server in the tree and its client outside it: the case listens
 * on [::1] and a daemon (reparented to init, not checkpointed) connects;
 * the case accepts and forks a worker that streams numbered bytes both
 * ways with the daemon over the accepted connection, the parent keeping
 * only the listener.  The checkpoint of the tree comes mid-stream; while
 * it is dead (two seconds) the client keeps sending into the hold.
 * After restart the worker's stream goes on to the end with no byte
 * lost, doubled or changed and no reset; a second client then connects
 * to the restored listener; the daemon writes its verdict to a file.
 */
#include "zdtm.h"
#include <arpa/inet.h>
#include <netinet/in.h>

#define PORT 7482
#define QUOTA (4ULL << 20)

static volatile sig_atomic_t always = 1, go;

static socklen_t addr(struct sockaddr_in6 *sin6)
{
	memset(sin6, 0, sizeof(*sin6));
	sin6->sin6_family = AF_INET6;
	sin6->sin6_port = htons(PORT);
	sin6->sin6_addr = in6addr_loopback;
	return sizeof(*sin6);
}

static void on_usr1(int sig)
{
	(void)sig;
	go = 1;
}

/* The client outside: connects and streams. */
static const char *peer(int ready, void *arg)
{
	struct sockaddr_in6 sin6;
	int s;

	/* Nothing of the case's: its listener stays the case's. */
	close(*(int *)arg);
	s = socket(AF_INET6, SOCK_STREAM, 0);
	if (s < 0 || connect(s, (struct sockaddr *)&sin6, addr(&sin6)) ||
	    write(ready, "r", 1) != 1)
		return "connect";
	return zdtm_stream(s, QUOTA, 4, 3, &always);
}

int main(void)
{
	struct sigaction sa = { .sa_handler = on_usr1 };
	struct sockaddr_in6 sin6;
	int l, s, c, status, one = 1;
	char verdict[64] = "";
	const char *why;
	pid_t worker;

	test_init();
	sigaction(SIGUSR1, &sa, NULL);
	l = socket(AF_INET6, SOCK_STREAM, 0);
	if (l < 0 ||
	    setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(l, (struct sockaddr *)&sin6, addr(&sin6)) || listen(l, 2))
		fail("listen: %s", strerror(errno));
	zdtm_outside(peer, &l);
	s = accept(l, NULL, NULL);
	if (s < 0)
		fail("accept: %s", strerror(errno));
	worker = fork();
	if (worker < 0)
		fail("fork: %s", strerror(errno));
	if (worker == 0) {
		close(l);
		why = zdtm_stream(s, QUOTA, 3, 4, &go);
		if (why) {
			printf("FAIL: worker: %s\n", why);
			_exit(1);
		}
		_exit(0);
	}
	close(s);
	test_between("sleep 2");
	test_daemon();
	test_waitsig();
	kill(worker, SIGUSR1);

	if (waitpid(worker, &status, 0) != worker || !WIFEXITED(status) ||
	    WEXITSTATUS(status))
		fail("worker: status %#x", status);
	zdtm_outside_verdict();
	/* The listener is back too: a new client is served. */
	c = socket(AF_INET6, SOCK_STREAM, 0);
	if (c < 0 || connect(c, (struct sockaddr *)&sin6, addr(&sin6)))
		fail("connect to the restored listener: %s", strerror(errno));
	s = accept(l, NULL, NULL);
	if (s < 0 || write(c, "x", 1) != 1 || read(s, verdict, 1) != 1)
		fail("the restored listener does not serve");
	pass();
}
