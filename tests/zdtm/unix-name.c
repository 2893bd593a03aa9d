// SPDX-License-Identifier: GPL-2.0
/*
 * Named Unix sockets in one process: datagram sockets bound to a path
 * relative to the working directory (its file made 0640), to an abstract
 * name, and autobound, each with a socket connected to it by name that
 * queued a datagram: one itself bound to a path, one unnamed, one
 * autobound.  After restart every socket shows its name (getsockname()),
 * the socket file is the same one (inode, mode), the queued datagrams
 * come with their sender's name, the connected sockets still reach their
 * peer, and a new socket reaches each name.
 */
#include "zdtm.h"
#include <stddef.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

struct name {
	struct sockaddr_un a;
	socklen_t len;
};

static void get_name(int fd, struct name *n)
{
	memset(n, 0, sizeof(*n));
	n->len = sizeof(n->a);
	if (getsockname(fd, (struct sockaddr *)&n->a, &n->len))
		fail("getsockname: %s", strerror(errno));
}

static int same_name(const struct name *x, const struct name *y)
{
	return x->len == y->len && !memcmp(&x->a, &y->a, x->len);
}

static int dgram(void)
{
	int fd = socket(AF_UNIX, SOCK_DGRAM, 0);

	if (fd < 0)
		fail("socket: %s", strerror(errno));
	return fd;
}

static void bind_to(int fd, const struct name *n)
{
	if (bind(fd, (const struct sockaddr *)&n->a, n->len))
		fail("bind: %s", strerror(errno));
}

static void connect_to(int fd, const struct name *n)
{
	if (connect(fd, (const struct sockaddr *)&n->a, n->len))
		fail("connect: %s", strerror(errno));
}

/* The next datagram on fd is msg, from a sender named from. */
static void expect_from(int fd, const char *msg, const struct name *from,
			const char *what)
{
	struct name got = { .len = sizeof(got.a) };
	char buf[64];
	ssize_t n = recvfrom(fd, buf, sizeof(buf), MSG_DONTWAIT,
			     (struct sockaddr *)&got.a, &got.len);

	if (n != (ssize_t)strlen(msg) || memcmp(buf, msg, n))
		fail("%s: got %zd bytes (%s), not \"%s\"", what, n,
		     n < 0 ? strerror(errno) : "other data", msg);
	if (from && !same_name(&got, from))
		fail("%s: sender name of %u bytes, not the sender's (%u)", what,
		     got.len, from->len);
}

static void send_str(int fd, const char *msg, const struct name *to)
{
	ssize_t n = to ? sendto(fd, msg, strlen(msg), 0,
				(const struct sockaddr *)&to->a, to->len) :
		    send(fd, msg, strlen(msg), 0);

	if (n != (ssize_t)strlen(msg))
		fail("send \"%s\": %s", msg, strerror(errno));
}

int main(void)
{
	struct name path = { .len = sizeof(path.a) }, sender = path;
	struct name abs = { .len = offsetof(struct sockaddr_un, sun_path) };
	struct name autob = abs, n_path, n_abs, n_auto, n_sender, n_cauto;
	int s_path, s_abs, s_auto, c_path, c_abs, c_auto, fresh;
	struct stat st0, st1;

	test_init();
	path.a.sun_family = sender.a.sun_family = AF_UNIX;
	abs.a.sun_family = autob.a.sun_family = AF_UNIX;
	strcpy(path.a.sun_path, "bound.sock");
	strcpy(sender.a.sun_path, "sender.sock");
	path.len = offsetof(struct sockaddr_un, sun_path) + strlen("bound.sock") + 1;
	sender.len = offsetof(struct sockaddr_un, sun_path) + strlen("sender.sock") + 1;
	abs.len += 1 + snprintf(abs.a.sun_path + 1, sizeof(abs.a.sun_path) - 1,
				"zdtm-unix-name-%d", getpid());
	unlink("bound.sock");
	unlink("sender.sock");

	s_path = dgram();
	bind_to(s_path, &path);
	if (chmod("bound.sock", 0640) || stat("bound.sock", &st0))
		fail("chmod: %s", strerror(errno));
	s_abs = dgram();
	bind_to(s_abs, &abs);
	s_auto = dgram();
	bind_to(s_auto, &autob);	/* only the family: autobind */
	get_name(s_path, &n_path);
	get_name(s_abs, &n_abs);
	get_name(s_auto, &n_auto);
	if (n_auto.len != offsetof(struct sockaddr_un, sun_path) + 6 ||
	    n_auto.a.sun_path[0])
		fail("autobind gave a name of %u bytes", n_auto.len);

	c_path = dgram();
	bind_to(c_path, &sender);
	connect_to(c_path, &path);
	c_abs = dgram();
	connect_to(c_abs, &abs);
	c_auto = dgram();
	bind_to(c_auto, &autob);
	connect_to(c_auto, &n_auto);
	get_name(c_path, &n_sender);
	get_name(c_auto, &n_cauto);
	send_str(c_path, "from-path", NULL);
	send_str(c_abs, "from-unnamed", NULL);
	send_str(c_auto, "from-auto", NULL);

	test_daemon();
	test_waitsig();

	{
		struct name x;

		get_name(s_path, &x);
		if (!same_name(&x, &n_path) || !same_name(&x, &path))
			fail("the path-bound socket lost its name");
		get_name(s_abs, &x);
		if (!same_name(&x, &n_abs))
			fail("the abstract socket lost its name");
		get_name(s_auto, &x);
		if (!same_name(&x, &n_auto))
			fail("the autobound socket lost its name");
		get_name(c_path, &x);
		if (!same_name(&x, &n_sender))
			fail("the path-bound sender lost its name");
		get_name(c_auto, &x);
		if (!same_name(&x, &n_cauto))
			fail("the autobound sender lost its name");
	}
	if (stat("bound.sock", &st1))
		fail("stat bound.sock: %s", strerror(errno));
	if (!S_ISSOCK(st1.st_mode) || st1.st_ino != st0.st_ino ||
	    st1.st_mode != st0.st_mode)
		fail("bound.sock: mode %o inode %lu, was %o inode %lu",
		     st1.st_mode, (unsigned long)st1.st_ino, st0.st_mode,
		     (unsigned long)st0.st_ino);

	expect_from(s_path, "from-path", &n_sender, "queued on the path");
	expect_from(s_abs, "from-unnamed", NULL, "queued on the abstract name");
	expect_from(s_auto, "from-auto", &n_cauto, "queued on the autobound");

	/* The connected sockets still reach their peers. */
	send_str(c_path, "again-path", NULL);
	send_str(c_abs, "again-abs", NULL);
	send_str(c_auto, "again-auto", NULL);
	expect_from(s_path, "again-path", &n_sender, "after restart, path");
	expect_from(s_abs, "again-abs", NULL, "after restart, abstract");
	expect_from(s_auto, "again-auto", &n_cauto, "after restart, autobound");

	/* A new socket reaches each name. */
	fresh = dgram();
	send_str(fresh, "new-path", &path);
	send_str(fresh, "new-abs", &abs);
	send_str(fresh, "new-auto", &n_auto);
	expect_from(s_path, "new-path", NULL, "a new sender, path");
	expect_from(s_abs, "new-abs", NULL, "a new sender, abstract");
	expect_from(s_auto, "new-auto", NULL, "a new sender, autobound");

	/* The names are held: binding them again fails. */
	close(fresh);
	fresh = dgram();
	if (!bind(fresh, (struct sockaddr *)&abs.a, abs.len) ||
	    errno != EADDRINUSE)
		fail("the abstract name is free after restart");
	pass();
}
