// SPDX-License-Identifier: GPL-2.0
/*
 * cr-selftest: guest-side test of checkpoint(2)/restart(2).
 *
 *   cr-selftest save IMG       build state, self-checkpoint into IMG
 *   cr-selftest restore IMG    restart(2) from IMG: the saved process goes
 *                              on and checks its own state (PASS/FAIL)
 *   cr-selftest frozen IMG     checkpoint a child frozen by the cgroup v2
 *                              freezer, kill it, restart it in a new child
 *   cr-selftest signals IMG    handlers, sigaltstack and pending signals
 *                              (with their siginfo) survive c/r
 *   cr-selftest creds IMG      uids, gids, groups, umask, rlimits and cwd
 *                              survive c/r; a restarter without
 *                              CAP_SETUID/CAP_SETGID cannot restore them
 *   cr-selftest files IMG      the fd table: file positions, dup sharing,
 *                              pipes with data, FIFOs, /dev/null and
 *                              /dev/zero, directories, close-on-exec
 *   cr-selftest shm IMG        shared memory: MAP_SHARED|MAP_ANONYMOUS,
 *                              a memfd (fd and shared and private
 *                              mappings), a MAP_SHARED file mapping
 *   cr-selftest tree IMG       a process tree (parent in a new session, two
 *                              children, one leading a process group, a
 *                              grandchild in that group) with a pipe and
 *                              shared memory between them: checkpoint it
 *                              frozen, kill it, restart it in place and in
 *                              a new pid namespace (clone3() with set_tid,
 *                              as user space's part of the tree restart)
 *   cr-selftest tree-agent IMG AGENT
 *                              the same tree checkpointed and restarted by
 *                              the guest agent (AGENT checkpoint --kill,
 *                              AGENT restart: its user-space tree builder)
 *   cr-selftest debugregs IMG  a hardware watchpoint set through ptrace on a
 *                              frozen child survives c/r (its SIGTRAPs go
 *                              on); bad debug register records are refused
 *   cr-selftest threads IMG    a process with 5 threads (one in a futex wait,
 *                              one with a signal queued to it, each with its
 *                              own TLS, xmm register and mask), frozen,
 *                              checkpointed, killed and restarted with its
 *                              pid and thread ids; bad thread records refused
 *   cr-selftest errors         error cases of the system calls
 *   cr-selftest fuzz N [SEED]  make an image, restart N mutated copies of
 *                              it in forked children (file and pipe input);
 *                              then N/2 mutated copies of a tree image, each
 *                              restarted by a tree in a new pid namespace,
 *                              and N/4 of an image of a process with threads
 *
 * Build: gcc -static -O2 -o cr-selftest cr-selftest.c
 * Needs a kernel with CONFIG_CHECKPOINT_RESTART (syscalls 463/464).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <stddef.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <grp.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <sys/time.h>
#include <sys/timerfd.h>
#include <linux/netlink.h>
#include <linux/perf_event.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <netinet/udp.h>
#include <sys/file.h>
#include <sys/inotify.h>
#include <sys/fsuid.h>
#include <sys/klog.h>
#include <poll.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <asm/prctl.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <linux/sched.h>

#include "kcr.h"	/* copy of include/uapi/linux/kcr.h */

/* Exit status of a fuzz child whose restart succeeded (errnos are below). */
#define RESTORED 200
static int run_one(const uint8_t *img, size_t len, int use_pipe, int logfd);
#define NR_CHECKPOINT 463
#define NR_RESTART 464

static int failures;

/* Set in the processes of the fuzzer's tree image: their copies stay quiet. */
static int quiet;

#define PASS(...) do { if (!quiet) { printf("PASS: " __VA_ARGS__); putchar('\n'); } } while (0)
#define FAIL(...) do { if (!quiet) { printf("FAIL: " __VA_ARGS__); putchar('\n'); } failures++; } while (0)
#define CHECK(c, ...) do { if (c) PASS(__VA_ARGS__); else FAIL(__VA_ARGS__); } while (0)

static long sys_checkpoint(pid_t pid, int fd, unsigned long flags, int logfd)
{
	return syscall(NR_CHECKPOINT, pid, fd, flags, logfd);
}

/*
 * A self-checkpoint into img while holding the open file held: refused
 * with EOPNOTSUPP.  Closes held; 2 if it could not be opened.
 */
static int refused_holding(int img, int held, const char *what)
{
	long ret;

	if (held < 0)
		return 2;
	ret = syscall(NR_CHECKPOINT, 0, img, 0, 2);
	CHECK(ret < 0 && errno == EOPNOTSUPP,
	      "checkpoint with %s open: EOPNOTSUPP", what);
	close(held);
	return 0;
}

/*
 * TCP and UDP sockets in states not saved, and sockets of other kinds:
 * each refused alone, with its log line.  The TCP peers are in a process
 * outside the checkpoint (their connections, accepted or not, are saved).
 */
static int inet_refusals(int img)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	socklen_t len = sizeof(sin);
	int l, s, u, one = 1, to_child[2], to_parent[2];
	pid_t holder;
	char b;

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	l = socket(AF_INET, SOCK_STREAM, 0);
	if (l < 0 || bind(l, (struct sockaddr *)&sin, len) || listen(l, 4) ||
	    getsockname(l, (struct sockaddr *)&sin, &len) || pipe(to_child) ||
	    pipe(to_parent))
		return 2;
	holder = fork();
	if (holder == 0) {
		int a = socket(AF_INET, SOCK_STREAM, 0);
		int c = socket(AF_INET, SOCK_STREAM, 0);

		/* The listener stays the checkpointed process's alone. */
		close(l);
		if (connect(a, (struct sockaddr *)&sin, len) ||
		    write(to_parent[1], "a", 1) != 1 ||
		    read(to_child[0], &b, 1) != 1 ||
		    connect(c, (struct sockaddr *)&sin, len) ||
		    write(to_parent[1], "c", 1) != 1)
			_exit(1);
		pause();
		_exit(0);
	}
	/* A connection to a process outside: saved; the peer sees a pause. */
	if (read(to_parent[0], &b, 1) != 1)
		return 2;
	s = accept(l, NULL, NULL);
	if (s < 0 || ftruncate(img, 0) || lseek(img, 0, SEEK_SET))
		return 2;
	{
		long r = syscall(NR_CHECKPOINT, 0, img, 0, 2);

		CHECK(r > 0 && send(s, "x", 1, MSG_DONTWAIT) == 1,
		      "checkpoint with a TCP connection to a process outside: saved, still usable (%ld)",
		      r);
	}
	close(s);
	if (write(to_child[1], "g", 1) != 1 ||
	    read(to_parent[0], &b, 1) != 1 || b != 'c')
		return 2;
	usleep(100000);
	/* A connection not accepted yet, its client outside: saved too. */
	if (ftruncate(img, 0) || lseek(img, 0, SEEK_SET))
		return 2;
	{
		long r = syscall(NR_CHECKPOINT, 0, img, 0, 2);
		int a = accept(l, NULL, NULL);

		CHECK(r > 0 && a >= 0 && send(a, "x", 1, MSG_DONTWAIT) == 1,
		      "checkpoint with a TCP connection not accepted yet, its client outside: saved, then accepted (%ld)",
		      r);
		if (a >= 0)
			close(a);
	}
	close(l);
	kill(holder, SIGKILL);
	waitpid(holder, NULL, 0);
	close(to_child[0]);
	close(to_child[1]);
	close(to_parent[0]);
	close(to_parent[1]);
	/* Closing states: shut down one way, and its peer. */
	{
		int pl = socket(AF_INET, SOCK_STREAM, 0);
		int c = socket(AF_INET, SOCK_STREAM, 0), d;

		sin.sin_port = 0;
		len = sizeof(sin);
		if (pl < 0 || c < 0 ||
		    bind(pl, (struct sockaddr *)&sin, len) || listen(pl, 1) ||
		    getsockname(pl, (struct sockaddr *)&sin, &len) ||
		    connect(c, (struct sockaddr *)&sin, len))
			return 2;
		d = accept(pl, NULL, NULL);
		close(pl);
		if (d < 0 || shutdown(c, SHUT_WR))
			return 2;
		usleep(50000);
		if (refused_holding(img, c, "a TCP connection shut down for writing (FIN_WAIT2)") ||
		    refused_holding(img, d, "a TCP connection whose peer closed (CLOSE_WAIT)"))
			return 2;
	}
	/* A UDP socket in a multicast group (on lo). */
	{
		struct ip_mreqn m = { .imr_ifindex = 1 };

		m.imr_multiaddr.s_addr = htonl(0xe0000123);	/* 224.0.1.35 */
		u = socket(AF_INET, SOCK_DGRAM, 0);
		if (u < 0 || setsockopt(u, IPPROTO_IP, IP_ADD_MEMBERSHIP, &m,
					sizeof(m))) {
			FAIL("joining a multicast group on lo: %s", strerror(errno));
			return 2;
		}
		if (refused_holding(img, u, "a UDP socket in a multicast group"))
			return 2;
	}
	/* Data corked on a UDP socket, not sent yet. */
	u = socket(AF_INET, SOCK_DGRAM, 0);
	if (u < 0 || setsockopt(u, IPPROTO_UDP, UDP_CORK, &one, sizeof(one)) ||
	    sendto(u, "d", 1, 0, (struct sockaddr *)&sin, len) != 1)
		return 2;
	if (refused_holding(img, u, "a UDP socket with data corked"))
		return 2;
	/* Options whose effect is not kept. */
	u = socket(AF_INET, SOCK_DGRAM, 0);
	if (u < 0 || setsockopt(u, IPPROTO_IP, IP_PKTINFO, &one, sizeof(one)))
		return 2;
	if (refused_holding(img, u, "a UDP socket with IP_PKTINFO"))
		return 2;
	u = socket(AF_INET6, SOCK_STREAM, 0);
	if (u < 0 || setsockopt(u, IPPROTO_TCP, TCP_DEFER_ACCEPT, &one,
				sizeof(one)))
		return 2;
	if (refused_holding(img, u, "a TCP socket with TCP_DEFER_ACCEPT"))
		return 2;
	/* Other kinds of socket. */
	if (refused_holding(img, socket(AF_INET, SOCK_RAW, IPPROTO_ICMP),
			    "a raw IP socket") ||
	    refused_holding(img, socket(AF_NETLINK, SOCK_RAW, NETLINK_ROUTE),
			    "a netlink socket"))
		return 2;
	return 0;
}

/*
 * A TCP listener, and a bound UDP socket, that a process outside also has
 * open (a child forked before it closed them): its port would stay taken
 * after a kill.  Refused by name, naming that process; saved once it is
 * gone.
 */
static int shared_inet_refusals(int img)
{
	static const int types[2] = { SOCK_STREAM, SOCK_DGRAM };
	static const char * const names[2] = { "a TCP listener",
					       "a bound UDP socket" };
	struct sockaddr_in sin = { .sin_family = AF_INET };
	int i;

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	for (i = 0; i < 2; i++) {
		int s = socket(AF_INET, types[i], 0), logp[2], err;
		char log[4096] = "", want[64];
		pid_t other;
		ssize_t n;
		long r;

		if (s < 0 || bind(s, (struct sockaddr *)&sin, sizeof(sin)) ||
		    (types[i] == SOCK_STREAM && listen(s, 1)) || pipe(logp))
			return 2;
		other = fork();
		if (other < 0)
			return 2;
		if (other == 0) {
			close(logp[0]);
			close(logp[1]);
			pause();
			_exit(0);
		}
		if (ftruncate(img, 0) || lseek(img, 0, SEEK_SET))
			return 2;
		r = sys_checkpoint(0, img, 0, logp[1]);
		err = errno;
		close(logp[1]);
		n = read(logp[0], log, sizeof(log) - 1);
		close(logp[0]);
		log[n > 0 ? n : 0] = 0;
		snprintf(want, sizeof(want), "also open in process %d outside",
			 other);
		CHECK(r < 0 && err == EOPNOTSUPP && strstr(log, want),
		      "checkpoint with %s that process %d outside has open too: EOPNOTSUPP, named (%s)",
		      names[i], other, log);
		kill(other, SIGKILL);
		waitpid(other, NULL, 0);
		if (ftruncate(img, 0) || lseek(img, 0, SEEK_SET))
			return 2;
		r = sys_checkpoint(0, img, 0, 2);
		CHECK(r > 0, "checkpoint with %s once the process outside is gone: saved (%ld)",
		      names[i], r);
		close(s);
	}
	return 0;
}

/*
 * A connection not accepted yet whose listener, or whose connecting
 * socket, is in a process outside the checkpoint: both refused.
 */
static int unix_edge_refusals(int img)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	socklen_t len = offsetof(struct sockaddr_un, sun_path) + 15;
	int sync[2], l, c, ext, status;
	uint8_t *eimg;
	off_t elen;
	pid_t holder;
	long ret;
	char b;

	memcpy(sun.sun_path, "\0kcr-edge-lsn", 14);
	sun.sun_path[14] = 'a';
	if (pipe(sync))
		return 2;
	/* Theirs listens, ours connects. */
	holder = fork();
	if (holder == 0) {
		l = socket(AF_UNIX, SOCK_STREAM, 0);
		if (l < 0 || bind(l, (struct sockaddr *)&sun, len) ||
		    listen(l, 4) || write(sync[1], "l", 1) != 1)
			_exit(1);
		pause();
		_exit(0);
	}
	if (read(sync[0], &b, 1) != 1)
		return 2;
	c = socket(AF_UNIX, SOCK_STREAM, 0);
	if (c < 0 || connect(c, (struct sockaddr *)&sun, len))
		return 2;
	/*
	 * Saved by the listener's name only when asked; restart connects to
	 * it again while it listens, and fails before any change once it
	 * is gone.  A self-checkpoint returns a positive value, 0 in a
	 * restored copy.
	 */
	ext = memfd_create("kcr-ext", 0);
	ret = syscall(NR_CHECKPOINT, 0, ext, KCR_CHECKPOINT_UNIX_EXTERNAL, 2);
	if (ret == 0)
		_exit(RESTORED);
	CHECK(ret > 0, "checkpoint --ext-unix with a connection to a listener outside: saved (%s)",
	      ret < 0 ? strerror(errno) : "ok");
	if (refused_holding(img, c, "a connection to a listener outside, not accepted"))
		return 2;
	elen = lseek(ext, 0, SEEK_END);
	eimg = malloc(elen > 0 ? elen : 1);
	if (elen <= 0 || !eimg || pread(ext, eimg, elen, 0) != elen)
		return 2;
	close(ext);
	status = run_one(eimg, elen, 0, 2);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == RESTORED,
	      "restart connects to the listener outside again (status %#x)", status);
	kill(holder, SIGKILL);
	waitpid(holder, NULL, 0);
	status = run_one(eimg, elen, 0, 2);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == ECONNREFUSED,
	      "restart with the listener outside gone: ECONNREFUSED (status %#x)",
	      status);
	free(eimg);
	/* Ours listens, theirs connects. */
	sun.sun_path[14] = 'b';
	l = socket(AF_UNIX, SOCK_STREAM, 0);
	if (l < 0 || bind(l, (struct sockaddr *)&sun, len) || listen(l, 4))
		return 2;
	holder = fork();
	if (holder == 0) {
		c = socket(AF_UNIX, SOCK_STREAM, 0);
		if (c < 0 || connect(c, (struct sockaddr *)&sun, len) ||
		    write(sync[1], "c", 1) != 1)
			_exit(1);
		pause();
		_exit(0);
	}
	if (read(sync[0], &b, 1) != 1)
		return 2;
	ret = syscall(NR_CHECKPOINT, 0, img, KCR_CHECKPOINT_UNIX_EXTERNAL, 2);
	CHECK(ret < 0 && errno == EOPNOTSUPP,
	      "checkpoint --ext-unix with a listener with a connection from outside: EOPNOTSUPP");
	if (refused_holding(img, l, "a listener with a connection from outside"))
		return 2;
	kill(holder, SIGKILL);
	waitpid(holder, NULL, 0);
	close(sync[0]);
	close(sync[1]);
	return 0;
}

/* Send fd over sock as SCM_RIGHTS, with one byte; 0 or -1. */
static int pass_fd(int sock, int fd)
{
	char cbuf[CMSG_SPACE(sizeof(int))] = { 0 };
	struct iovec iov = { "f", 1 };
	struct msghdr mh = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *c = CMSG_FIRSTHDR(&mh);

	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof(int));
	return sendmsg(sock, &mh, 0) == 1 ? 0 : -1;
}

/* A file checkpoint never saves: a perf event counting our CPU time. */
static int perf_self_clock(void)
{
	struct perf_event_attr a = {
		.type = PERF_TYPE_SOFTWARE,
		.size = sizeof(a),
		.config = PERF_COUNT_SW_TASK_CLOCK,
		.exclude_kernel = 1,
	};

	return syscall(SYS_perf_event_open, &a, 0, -1, -1, PERF_FLAG_FD_CLOEXEC);
}

static long sys_restart(pid_t pid, int fd, unsigned long flags, int logfd)
{
	return syscall(NR_RESTART, pid, fd, flags, logfd);
}

/* ------------------------------------------------------------------ */
/* State that must survive checkpoint/restart. */

#define HEAP_SIZE	(4 << 20)
#define MAP_SIZE	(1 << 20)
#define SPARSE_SIZE	(64 << 20)

static volatile long counter;			/* .bss */
static volatile long data_word = 0x1234;	/* .data */
static __thread long tls_word = 42;
static pid_t saved_pid;
static uint64_t heap_sum, map_sum, ro_sum, sparse_sum;
static uint8_t *heap, *map, *ro, *sparse;
static unsigned long saved_fsbase;
static uint8_t xin[8 * 16], xout[8 * 16];
static uint8_t yin[4 * 32], yout[4 * 32];
static int have_avx;
static uint64_t gout[6];
static uint32_t mxcsr_in = 0x7f80 | (3 << 13);	/* round toward zero */
static uint32_t mxcsr_out;
static uint64_t saved_rbp;	/* not on the stack: rbp may frame it */

static uint64_t sum(const uint8_t *p, size_t n)
{
	uint64_t h = 1469598103934665603ULL;	/* FNV-1a */
	size_t i;

	for (i = 0; i < n; i++)
		h = (h ^ p[i]) * 1099511628211ULL;
	return h;
}

static void fill(uint8_t *p, size_t n, unsigned int seed)
{
	size_t i;

	for (i = 0; i < n; i++)
		p[i] = (uint8_t)(i * 7 + seed + (i >> 12));
}

static void build_state(void)
{
	size_t i;

	saved_pid = getpid();
	heap = malloc(HEAP_SIZE);
	map = mmap(NULL, MAP_SIZE, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ro = mmap(NULL, 4 * 4096, PROT_READ | PROT_WRITE,
		  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	/* Big and mostly empty: the dump must skip the holes. */
	sparse = mmap(NULL, SPARSE_SIZE, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (!heap || map == MAP_FAILED || ro == MAP_FAILED ||
	    sparse == MAP_FAILED) {
		perror("alloc");
		exit(2);
	}
	fill(heap, HEAP_SIZE, 1);
	fill(map, MAP_SIZE, 2);
	fill(ro, 4 * 4096, 3);
	if (mprotect(ro, 4 * 4096, PROT_READ))
		perror("mprotect");
	for (i = 0; i < SPARSE_SIZE; i += 8 << 20)
		sparse[i + 100] = (uint8_t)(i >> 20);
	heap_sum = sum(heap, HEAP_SIZE);
	map_sum = sum(map, MAP_SIZE);
	ro_sum = sum(ro, 4 * 4096);
	sparse_sum = sum(sparse, SPARSE_SIZE);
	for (i = 0; i < sizeof(xin); i++)
		xin[i] = (uint8_t)(0xa5 ^ (i * 13));
	for (i = 0; i < sizeof(yin); i++)
		yin[i] = (uint8_t)(0x3c ^ (i * 29));
	have_avx = __builtin_cpu_supports("avx");
	for (counter = 0; counter < 1000; counter++)
		;
	tls_word = 4242;
	syscall(SYS_arch_prctl, ARCH_GET_FS, &saved_fsbase);
}

/*
 * checkpoint() with live values in xmm8-15, r12-r15, rbx, rbp and MXCSR;
 * they are stored right after the syscall returns (in the original and,
 * after restart, in the restored process).
 */
static long checkpoint_with_regs(int fd, int logfd)
{
	register long r10 asm("r10") = logfd;
	long ret = NR_CHECKPOINT;
	static uint32_t saved_mxcsr;

	asm volatile("stmxcsr %[sm]\n\t"
		     "ldmxcsr %[mi]\n\t"
		     "movdqu %[xin], %%xmm8\n\t"
		     "movdqu 16+%[xin], %%xmm9\n\t"
		     "movdqu 32+%[xin], %%xmm10\n\t"
		     "movdqu 48+%[xin], %%xmm11\n\t"
		     "movdqu 64+%[xin], %%xmm12\n\t"
		     "movdqu 80+%[xin], %%xmm13\n\t"
		     "movdqu 96+%[xin], %%xmm14\n\t"
		     "movdqu 112+%[xin], %%xmm15\n\t"
		     "test %[avx], %[avx]\n\t"
		     "jz 1f\n\t"
		     "vmovdqu %[yin], %%ymm4\n\t"
		     "vmovdqu 32+%[yin], %%ymm5\n\t"
		     "vmovdqu 64+%[yin], %%ymm6\n\t"
		     "vmovdqu 96+%[yin], %%ymm7\n\t"
		     "1:\n\t"
		     "movabs $0x1212121212121212, %%r12\n\t"
		     "movabs $0x1313131313131313, %%r13\n\t"
		     "movabs $0x1414141414141414, %%r14\n\t"
		     "movabs $0x1515151515151515, %%r15\n\t"
		     "movabs $0x0b0b0b0b0b0b0b0b, %%rbx\n\t"
		     "mov %%rbp, %[sbp]\n\t"
		     "movabs $0x0d0d0d0d0d0d0d0d, %%rbp\n\t"
		     "syscall\n\t"
		     "mov %%rbp, 40+%[gout]\n\t"
		     "mov %[sbp], %%rbp\n\t"
		     "movdqu %%xmm8, %[xout]\n\t"
		     "movdqu %%xmm9, 16+%[xout]\n\t"
		     "movdqu %%xmm10, 32+%[xout]\n\t"
		     "movdqu %%xmm11, 48+%[xout]\n\t"
		     "movdqu %%xmm12, 64+%[xout]\n\t"
		     "movdqu %%xmm13, 80+%[xout]\n\t"
		     "movdqu %%xmm14, 96+%[xout]\n\t"
		     "movdqu %%xmm15, 112+%[xout]\n\t"
		     "mov %%r12, %[gout]\n\t"
		     "mov %%r13, 8+%[gout]\n\t"
		     "mov %%r14, 16+%[gout]\n\t"
		     "mov %%r15, 24+%[gout]\n\t"
		     "mov %%rbx, 32+%[gout]\n\t"
		     "test %[avx], %[avx]\n\t"
		     "jz 2f\n\t"
		     "vmovdqu %%ymm4, %[yout]\n\t"
		     "vmovdqu %%ymm5, 32+%[yout]\n\t"
		     "vmovdqu %%ymm6, 64+%[yout]\n\t"
		     "vmovdqu %%ymm7, 96+%[yout]\n\t"
		     "vzeroupper\n\t"
		     "2:\n\t"
		     "stmxcsr %[mo]\n\t"
		     "ldmxcsr %[sm]\n\t"
		     : "+a"(ret), [sm] "=m"(saved_mxcsr), [mo] "=m"(mxcsr_out),
		       [sbp] "=m"(saved_rbp), [xout] "=m"(xout),
		       [gout] "=m"(gout), [yout] "=m"(yout)
		     : "D"(0L), "S"((long)fd), "d"(0L), "r"(r10),
		       [xin] "m"(xin), [mi] "m"(mxcsr_in), [yin] "m"(yin),
		       [avx] "r"(have_avx)
		     : "rcx", "r11", "r12", "r13", "r14", "r15", "rbx",
		       "memory", "xmm8", "xmm9", "xmm10", "xmm11", "xmm12",
		       "xmm13", "xmm14", "xmm15", "xmm4", "xmm5", "xmm6",
		       "xmm7");
	return ret;
}

static void verify_restored(void)
{
	static const uint64_t want[6] = {
		0x1212121212121212ULL, 0x1313131313131313ULL,
		0x1414141414141414ULL, 0x1515151515151515ULL,
		0x0b0b0b0b0b0b0b0bULL, 0x0d0d0d0d0d0d0d0dULL };
	unsigned long fsbase = 0;
	uint8_t *more;

	printf("restored: pid %d (checkpointed as pid %d)\n", getpid(),
	       saved_pid);
	CHECK(memcmp(xin, xout, sizeof(xin)) == 0, "xmm8-15 intact");
	if (have_avx)
		CHECK(memcmp(yin, yout, sizeof(yin)) == 0,
		      "ymm4-7 (AVX, full 256 bits) intact");
	else
		printf("SKIP: no AVX, ymm not checked\n");
	CHECK(memcmp(gout, want, sizeof(want)) == 0,
	      "rbx, rbp, r12-r15 intact");
	CHECK(mxcsr_out == mxcsr_in, "MXCSR intact (%#x)", mxcsr_out);
	CHECK(counter == 1000, "counter is %ld at restore", counter);
	counter++;
	CHECK(counter == 1001, "counter continues (%ld)", counter);
	CHECK(data_word == 0x1234, ".data word intact");
	CHECK(tls_word == 4242, "TLS word intact");
	syscall(SYS_arch_prctl, ARCH_GET_FS, &fsbase);
	CHECK(fsbase == saved_fsbase, "FS base restored (%#lx)", fsbase);
	CHECK(sum(heap, HEAP_SIZE) == heap_sum, "heap checksum (4 MiB)");
	CHECK(sum(map, MAP_SIZE) == map_sum, "mmap checksum (1 MiB)");
	CHECK(sum(ro, 4 * 4096) == ro_sum, "read-only mapping checksum");
	CHECK(sum(sparse, SPARSE_SIZE) == sparse_sum,
	      "sparse 64 MiB mapping checksum");
	/* brk and mmap keep working in the restored address space. */
	more = malloc(8 << 20);
	CHECK(more != NULL, "malloc of 8 MiB after restart");
	if (more) {
		memset(more, 0x5a, 8 << 20);
		free(more);
	}
	more = sbrk(0);
	CHECK(sbrk(4096) == more, "brk extends after restart");
}

static int cmd_save(const char *img)
{
	int fd;
	long ret;

	setvbuf(stdout, NULL, _IONBF, 0);
	build_state();
	fd = open(img, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0) {
		perror(img);
		return 2;
	}
	ret = checkpoint_with_regs(fd, 2);
	if (ret < 0) {
		FAIL("checkpoint(self): %s", strerror(-ret));
		return 1;
	}
	if (ret == 0) {
		/* We are the restored process. */
		verify_restored();
		printf("%s: restored process done, %d failure(s)\n",
		       failures ? "FAIL" : "PASS", failures);
		exit(failures ? 1 : 0);
	}
	close(fd);
	{
		struct stat st;

		stat(img, &st);
		PASS("self-checkpoint returned id %ld, image %lld bytes",
		     ret, (long long)st.st_size);
	}
	CHECK(memcmp(xin, xout, sizeof(xin)) == 0,
	      "xmm8-15 intact after checkpoint");
	/* Scribble over the state; the image must not care. */
	counter = -1;
	memset(heap, 0, HEAP_SIZE);
	return failures ? 1 : 0;
}

static int cmd_restore(const char *img)
{
	int fd = open(img, O_RDONLY);
	long ret;

	setvbuf(stdout, NULL, _IONBF, 0);
	if (fd < 0) {
		perror(img);
		return 2;
	}
	ret = sys_restart(0, fd, 0, 2);
	FAIL("restart returned %ld (%s)", ret, strerror(errno));
	return 1;
}

/* ------------------------------------------------------------------ */
/* A child frozen by the cgroup v2 freezer. */

#define CG "/sys/fs/cgroup/kcrtest"

static int write_str(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY);
	int ret;

	if (fd < 0)
		return -1;
	ret = write(fd, s, strlen(s)) == (ssize_t)strlen(s) ? 0 : -1;
	close(fd);
	return ret;
}

static int wait_frozen(int want)
{
	char buf[256], key[16];
	int i;

	snprintf(key, sizeof(key), "frozen %d", want);
	for (i = 0; i < 500; i++) {
		int fd = open(CG "/cgroup.events", O_RDONLY);
		ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);

		if (fd >= 0)
			close(fd);
		if (n > 0) {
			buf[n] = 0;
			if (strstr(buf, key))
				return 0;
		}
		usleep(10000);
	}
	return -1;
}

/*
 * Fork a child into the test cgroup that runs fn(ready) and wait until it
 * writes a byte to ready; returns its pid, or -1 (reported).
 */
static pid_t start_in_cgroup(void (*fn)(int ready))
{
	int pfd[2];
	char b[32];
	pid_t child;

	mkdir(CG, 0755);
	if (pipe(pfd))
		return -1;
	child = fork();
	if (child == 0) {
		close(pfd[0]);
		snprintf(b, sizeof(b), "%d", getpid());
		if (write_str(CG "/cgroup.procs", b))
			_exit(4);
		fn(pfd[1]);
		_exit(5);
	}
	close(pfd[1]);
	if (child < 0 || read(pfd[0], b, 1) != 1) {
		FAIL("child did not start");
		close(pfd[0]);
		return -1;
	}
	close(pfd[0]);
	return child;
}

/*
 * Freeze the test cgroup, checkpoint child into fd (flags), kill it, thaw,
 * reap it and remove the cgroup.  Returns checkpoint()'s result (errno
 * set), or -1 with errno ETIMEDOUT if the cgroup did not freeze.
 */
static long freeze_checkpoint_kill(pid_t child, int fd, unsigned long flags)
{
	long ret;
	int status;

	write_str(CG "/cgroup.freeze", "1");
	if (wait_frozen(1)) {
		FAIL("cgroup did not freeze");
		ret = -1;
		errno = ETIMEDOUT;
	} else {
		ret = sys_checkpoint(child, fd, flags, 2);
	}
	kill(child, SIGKILL);
	write_str(CG "/cgroup.freeze", "0");
	waitpid(child, &status, 0);
	rmdir(CG);
	return ret;
}

static void frozen_child(int ready)
{
	struct timespec ts = { 0, 5 * 1000 * 1000 };

	build_state();
	counter = 0;
	if (write(ready, "x", 1) != 1)
		_exit(3);
	for (;;) {
		counter++;
		nanosleep(&ts, NULL);
		if (getpid() != saved_pid) {
			long c = counter;

			printf("restored frozen child: pid %d (was %d), counter %ld\n",
			       getpid(), saved_pid, c);
			CHECK(c > 0, "counter continues after restart");
			CHECK(sum(heap, HEAP_SIZE) == heap_sum,
			      "frozen child heap checksum");
			CHECK(sum(map, MAP_SIZE) == map_sum,
			      "frozen child mmap checksum");
			CHECK(tls_word == 4242, "frozen child TLS word");
			_exit(failures ? 1 : 0);
		}
	}
}

static void on_rt(int sig)
{
	(void)sig;
}

static void signalled_child(int ready)
{
	int i;

	for (i = SIGRTMIN; i < SIGRTMIN + 8; i++)
		signal(i, on_rt);
	if (write(ready, "x", 1) != 1)
		_exit(3);
	for (;;)
		pause();
}

/*
 * A frozen task that signals keep waking is still checkpointed: each
 * signal wakes it in its freezer trap for a moment (the cgroup still says
 * frozen), and checkpoint waits for it to go back instead of failing with
 * EBUSY.  A process outside the cgroup sends the signals.
 */
static void frozen_signalled(void)
{
	int i, fd, ok = 0, busy = 0, other = 0, status;
	pid_t child, sender;
	long ret;

	child = start_in_cgroup(signalled_child);
	if (child < 0)
		return;
	write_str(CG "/cgroup.freeze", "1");
	if (wait_frozen(1)) {
		FAIL("cgroup did not freeze");
		goto out;
	}
	sender = fork();
	if (sender == 0) {
		for (i = 0; i < 1000; i++) {
			union sigval v = { .sival_int = i };

			sigqueue(child, SIGRTMIN + i % 8, v);
			usleep(500);
		}
		_exit(0);
	}
	for (i = 0; i < 40; i++) {
		fd = open("/tmp/kcr-signalled.img",
			  O_WRONLY | O_CREAT | O_TRUNC, 0600);
		ret = sys_checkpoint(child, fd, 0, 2);
		close(fd);
		if (!ret)
			ok++;
		else if (errno == EBUSY)
			busy++;
		else
			other++;
		usleep(1000);
	}
	kill(sender, SIGKILL);
	waitpid(sender, &status, 0);
	unlink("/tmp/kcr-signalled.img");
	CHECK(ok == 40,
	      "checkpoints of a frozen task woken by signals: %d ok, %d EBUSY, %d other",
	      ok, busy, other);
out:
	kill(child, SIGKILL);
	write_str(CG "/cgroup.freeze", "0");
	waitpid(child, &status, 0);
	rmdir(CG);
}

static struct sockaddr_in hold_sin;

static void hold_child(int ready)
{
	int c = socket(AF_INET, SOCK_STREAM, 0);

	if (c < 0 || connect(c, (struct sockaddr *)&hold_sin, sizeof(hold_sin)) ||
	    write(ready, "x", 1) != 1)
		_exit(3);
	for (;;)
		pause();
}

/*
 * A child connected to this process (a peer outside its tree),
 * checkpointed with KCR_CHECKPOINT_HOLD and killed with
 * KCR_CHECKPOINT_KILL, its image discarded: its connection is parked.
 * Returns its pid (-1: reported), *s the peer's socket.
 */
static pid_t kill_parked(int *s)
{
	socklen_t len = sizeof(hold_sin);
	int l, fd, status;
	pid_t child;
	long ret;

	*s = -1;
	hold_sin.sin_family = AF_INET;
	hold_sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	hold_sin.sin_port = 0;
	l = socket(AF_INET, SOCK_STREAM, 0);
	if (l < 0 || bind(l, (struct sockaddr *)&hold_sin, len) ||
	    listen(l, 1) || getsockname(l, (struct sockaddr *)&hold_sin, &len)) {
		FAIL("tcp hold setup: %s", strerror(errno));
		return -1;
	}
	child = start_in_cgroup(hold_child);
	*s = child < 0 ? -1 : accept(l, NULL, NULL);
	close(l);
	if (child < 0)
		return -1;
	write_str(CG "/cgroup.freeze", "1");
	fd = open("/tmp/kcr-hold.img", O_WRONLY | O_CREAT | O_TRUNC, 0600);
	ret = *s < 0 || wait_frozen(1) ? -1 :
	      sys_checkpoint(child, fd, KCR_CHECKPOINT_HOLD, 2);
	close(fd);
	unlink("/tmp/kcr-hold.img");
	if (!ret)
		ret = sys_checkpoint(child, -1, KCR_CHECKPOINT_KILL, 2);
	if (ret)
		kill(child, SIGKILL);
	write_str(CG "/cgroup.freeze", "0");
	waitpid(child, &status, 0);
	rmdir(CG);
	CHECK(ret == 0, "checkpoint with HOLD, then KILL, of a connection to a peer outside (%ld %s)",
	      ret, ret ? strerror(errno) : "ok");
	return ret ? -1 : child;
}

/*
 * The peer's side of a parked connection: it keeps sending, for at most
 * max seconds; the seconds until it saw the connection end (-1: it did
 * not), *err how (ECONNRESET for a reset, 0 for an end of file).
 */
static double reset_after(int s, double max, int *err)
{
	struct timespec t0, t;
	double now = 0;
	char b;

	*err = 0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (now < max) {
		usleep(50000);
		clock_gettime(CLOCK_MONOTONIC, &t);
		now = t.tv_sec - t0.tv_sec + (t.tv_nsec - t0.tv_nsec) / 1e9;
		if (send(s, "p", 1, MSG_DONTWAIT | MSG_NOSIGNAL) < 0 &&
		    errno != EAGAIN) {
			*err = errno;
			return now;
		} else {
			ssize_t r = recv(s, &b, 1, MSG_DONTWAIT);

			if (r == 0 || (r < 0 && errno != EAGAIN)) {
				*err = r ? errno : 0;
				return now;
			}
		}
	}
	return -1;
}

/*
 * A parked connection whose image is discarded, and never released: the
 * peer sees a pause, no reset, until kernel.kcr_tcp_hold_secs (set to 2
 * here), then a reset.
 */
static void tcp_hold_expires(void)
{
	const char *knob = "/proc/sys/kernel/kcr_tcp_hold_secs";
	char old[32] = "300";
	double gone;
	int fd, s, err;

	fd = open(knob, O_RDONLY);
	if (fd < 0 || read(fd, old, sizeof(old) - 1) <= 0 ||
	    write_str(knob, "2")) {
		FAIL("no %s", knob);
		return;
	}
	close(fd);
	if (kill_parked(&s) > 0) {
		gone = reset_after(s, 10, &err);
		CHECK(gone >= 1.5 && gone < 8 && err == ECONNRESET,
		      "a parked connection whose image is discarded: a pause, then a reset after kcr_tcp_hold_secs (%.1f s, %s)",
		      gone, err ? strerror(err) : "end of file or nothing");
	}
	if (s >= 0)
		close(s);
	write_str(knob, old);
}

/*
 * The same, released at once: KCR_CHECKPOINT_RELEASE of the killed pid
 * resets the peer now (the hold time is 300 s); a second one: ESRCH.
 */
static void tcp_release_parked(void)
{
	double gone;
	pid_t pid;
	long ret;
	int s, err;

	pid = kill_parked(&s);
	if (pid > 0) {
		ret = sys_checkpoint(pid, -1, KCR_CHECKPOINT_RELEASE, 2);
		gone = reset_after(s, 3, &err);
		CHECK(ret == 0 && gone >= 0 && gone < 1 && err == ECONNRESET,
		      "KCR_CHECKPOINT_RELEASE of a killed tree: its peer is reset at once (%ld, %.1f s, %s)",
		      ret, gone, err ? strerror(err) : "end of file or nothing");
		ret = sys_checkpoint(pid, -1, KCR_CHECKPOINT_RELEASE, 2);
		CHECK(ret < 0 && errno == ESRCH,
		      "KCR_CHECKPOINT_RELEASE of it again: ESRCH (%ld %s)",
		      ret, strerror(errno));
	}
	if (s >= 0)
		close(s);
}

static int cmd_frozen(const char *img)
{
	int fd, status;
	pid_t child, r;
	long ret;

	setvbuf(stdout, NULL, _IONBF, 0);
	mkdir(CG, 0755);
	if (access(CG "/cgroup.freeze", F_OK)) {
		FAIL("no cgroup v2 freezer at %s", CG);
		return 1;
	}
	child = start_in_cgroup(frozen_child);
	if (child < 0)
		return 1;
	fd = open(img, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	ret = sys_checkpoint(child, fd, 0, 2);
	CHECK(ret < 0 && errno == EBUSY,
	      "checkpoint of a running (not frozen) task fails with EBUSY (%ld %s)",
	      ret, strerror(errno));

	write_str(CG "/cgroup.freeze", "1");
	if (wait_frozen(1)) {
		FAIL("cgroup did not freeze");
		kill(child, SIGKILL);
		return 1;
	}
	if (ftruncate(fd, 0) || lseek(fd, 0, SEEK_SET))
		return 2;
	ret = sys_checkpoint(child, fd, 0, 2);
	CHECK(ret == 0, "checkpoint of a frozen task (%ld %s)", ret,
	      ret ? strerror(errno) : "ok");
	close(fd);
	kill(child, SIGKILL);
	write_str(CG "/cgroup.freeze", "0");
	waitpid(child, &status, 0);
	if (ret)
		return 1;

	r = fork();
	if (r == 0) {
		fd = open(img, O_RDONLY);
		ret = sys_restart(0, fd, 0, 2);
		printf("FAIL: restart of frozen image returned %ld (%s)\n",
		       ret, strerror(errno));
		_exit(1);
	}
	waitpid(r, &status, 0);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	      "restarted frozen child exited with status %#x", status);
	rmdir(CG);
	return failures ? 1 : 0;
}

/* ------------------------------------------------------------------ */
/* Debug registers. */

static size_t rec_off[1 << 16];
static int nr_recs;
static void index_records(const uint8_t *img, size_t len);
static void fix_tail(uint8_t *img, size_t len);
static size_t find_rec(const uint8_t *img, uint32_t type);

static volatile int watched;		/* written in a loop, watched by DR0 */
static volatile long traps;		/* SIGTRAPs from the watchpoint */

static void on_trap(int sig)
{
	(void)sig;
	traps++;
}

static void watched_child(int ready)
{
	struct timespec ts = { 0, 5 * 1000 * 1000 };
	long t0;
	int i;

	saved_pid = getpid();
	signal(SIGTRAP, on_trap);
	if (write(ready, "x", 1) != 1)
		_exit(3);
	for (;;) {
		watched++;
		nanosleep(&ts, NULL);
		if (getpid() != saved_pid)
			break;
	}
	t0 = traps;
	for (i = 0; i < 10; i++)
		watched++;
	printf("restored watched child: pid %d (was %d), %ld traps before, %ld after\n",
	       getpid(), saved_pid, t0, traps);
	_exit(t0 > 0 && traps == t0 + 10 ? 0 : 1);
}

static int restart_status(const uint8_t *img, size_t len)
{
	int fd = memfd_create("kcr-dr", 0), status;
	pid_t r;

	if (write(fd, img, len) != (ssize_t)len)
		return -1;
	r = fork();
	if (r == 0) {
		lseek(fd, 0, SEEK_SET);
		_exit(sys_restart(0, fd, 0, 2) < 0 ? errno : 199);
	}
	close(fd);
	waitpid(r, &status, 0);
	return status;
}

static int cmd_debugregs(const char *img)
{
	unsigned long dr7 = 1 | (1UL << 16) | (3UL << 18);	/* L0, write, 4 bytes */
	int fd, status;
	uint8_t *buf, *bad;
	struct stat st;
	pid_t child;
	size_t dr;
	long ret;

	setvbuf(stdout, NULL, _IONBF, 0);
	child = start_in_cgroup(watched_child);
	if (child < 0)
		return 1;
	/* Set DR0/DR7 as a debugger would, then let it go. */
	ret = ptrace(PTRACE_ATTACH, child, 0, 0);
	waitpid(child, &status, 0);
	ret = ret ?: ptrace(PTRACE_POKEUSER, child,
			    offsetof(struct user, u_debugreg[0]), &watched);
	ret = ret ?: ptrace(PTRACE_POKEUSER, child,
			    offsetof(struct user, u_debugreg[7]), dr7);
	ptrace(PTRACE_DETACH, child, 0, 0);
	CHECK(ret == 0, "watchpoint set with ptrace (%ld %s)", ret,
	      ret ? strerror(errno) : "ok");
	usleep(50 * 1000);
	fd = open(img, O_RDWR | O_CREAT | O_TRUNC, 0600);
	ret = freeze_checkpoint_kill(child, fd, 0);
	CHECK(ret == 0, "checkpoint of a task with a watchpoint (%ld %s)", ret,
	      ret ? strerror(errno) : "ok");
	if (ret || fstat(fd, &st))
		return 1;
	buf = malloc(st.st_size);
	bad = malloc(st.st_size);
	if (pread(fd, buf, st.st_size, 0) != st.st_size)
		return 1;
	close(fd);
	index_records(buf, st.st_size);
	dr = find_rec(buf, KCR_REC_DEBUGREGS);
	CHECK(dr && ((struct kcr_rec_debugregs *)(buf + dr))->dr7 == dr7 &&
	      ((struct kcr_rec_debugregs *)(buf + dr))->addr[0] == (uintptr_t)&watched,
	      "the image has the debug registers");
	if (!dr)
		return 1;

	status = restart_status(buf, st.st_size);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	      "restarted child still traps on writes to the watched word (status %#x)",
	      status);

	memcpy(bad, buf, st.st_size);
	((struct kcr_rec_debugregs *)(bad + dr))->addr[0] = 0xffffffff81000000ULL;
	fix_tail(bad, st.st_size);
	status = restart_status(bad, st.st_size);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == EINVAL,
	      "watchpoint on a kernel address: EINVAL (status %#x)", status);
	memcpy(bad, buf, st.st_size);
	((struct kcr_rec_debugregs *)(bad + dr))->addr[0] += 2;
	fix_tail(bad, st.st_size);
	status = restart_status(bad, st.st_size);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == EINVAL,
	      "misaligned 4-byte watchpoint: EINVAL (status %#x)", status);
	memcpy(bad, buf, st.st_size);
	((struct kcr_rec_debugregs *)(bad + dr))->dr7 |= 1UL << 13;	/* GD */
	fix_tail(bad, st.st_size);
	status = restart_status(bad, st.st_size);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == EINVAL,
	      "reserved dr7 bit (GD): EINVAL (status %#x)", status);
	free(buf);
	free(bad);
	return failures ? 1 : 0;
}

/* ------------------------------------------------------------------ */
/* Process trees. */

#define TREE_FLAG "/tmp/kcr-tree-restored"

/* What each process of the test tree reports to the root. */
struct tree_msg {
	int kind;		/* 1 hello (before checkpoint), 2 report */
	int idx;
	pid_t pid, ppid, pgid, sid;
	long counter;
	int ok;
};

struct tree_shared {
	volatile long counters[4];
};

static struct tree_shared *tsh;
static pid_t t_ppid, t_pgid, t_sid;
static int t_msgr;		/* the root reads the messages here */
static long t_hello;

static void tree_wait_children(void)
{
	while (wait(NULL) > 0 || errno == EINTR)
		;
}

/*
 * One process of the tree: count in private and shared memory until the
 * flag file appears (after restart), then check that pid, parent,
 * process group, session and counters survived and report to the root.
 */
static void tree_loop(int idx, int msgw, int ready)
{
	struct timespec ts = { 0, 5 * 1000 * 1000 };
	struct tree_msg m = { .kind = 1, .idx = idx };

	t_ppid = getppid();
	t_pgid = getpgrp();
	t_sid = getsid(0);
	saved_pid = getpid();
	counter = 1;
	tsh->counters[idx] = 1;
	t_hello = counter;
	m.pid = saved_pid;
	m.counter = t_hello;
	if (idx && write(msgw, &m, sizeof(m)) != sizeof(m))
		_exit(5);
	if (write(ready, "x", 1) != 1)
		_exit(3);
	for (;;) {
		counter++;
		tsh->counters[idx]++;
		nanosleep(&ts, NULL);
		if (!access(TREE_FLAG, F_OK))
			break;
	}
	if (quiet)	/* a copy restarted by the fuzzer: done */
		_exit(0);
	m.kind = 2;
	m.pid = getpid();
	m.ppid = getppid();
	m.pgid = getpgrp();
	m.sid = getsid(0);
	m.counter = counter;
	m.ok = m.pid == saved_pid && m.pgid == t_pgid && m.sid == t_sid &&
	       (idx == 0 || m.ppid == t_ppid) && counter > t_hello &&
	       tsh->counters[idx] == counter;
	if (idx && write(msgw, &m, sizeof(m)) != sizeof(m))
		_exit(6);
	if (!idx) {
		struct tree_msg in[6];
		int i, hellos = 0, reports = 0;

		CHECK(m.ok, "tree root %d: pid, group %d and session %d kept, counter %ld continues",
		      m.pid, m.pgid, m.sid, counter);
		for (i = 0; i < 6; i++)
			if (read(t_msgr, &in[i], sizeof(in[i])) != sizeof(in[i]))
				break;
		for (i = 0; i < 6; i++) {
			if (in[i].kind == 1) {
				hellos++;
				continue;
			}
			reports++;
			CHECK(in[i].ok, "tree process %d (#%d): parent %d, group %d, session %d kept, counter %ld continues",
			      in[i].pid, in[i].idx, in[i].ppid, in[i].pgid,
			      in[i].sid, in[i].counter);
			CHECK(in[i].sid == m.pid, "process %d is in the root's session",
			      in[i].pid);
		}
		CHECK(hellos == 3 && reports == 3,
		      "tree: the pipe kept the 3 messages written before the checkpoint, then 3 reports");
	}
	tree_wait_children();
	_exit(failures ? 1 : 0);
}

/* The test tree: root (setsid), children 1 and 2 (group leader), grandchild 3 in 2's group. */
static void tree_root(int ready)
{
	int msg[2];
	pid_t c1, c2;
	int pg[2];

	setsid();
	tsh = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
		   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	/* msg: children -> root. */
	if (tsh == MAP_FAILED || pipe(msg) || pipe(pg))
		_exit(2);
	t_msgr = msg[0];
	c2 = fork();
	if (c2 == 0) {
		setpgid(0, 0);
		if (write(pg[1], "x", 1) != 1)
			_exit(2);
		tree_loop(2, msg[1], ready);
	}
	c1 = fork();
	if (c1 == 0) {
		char b;

		/* The grandchild joins child 2's group: wait until it exists. */
		if (read(pg[0], &b, 1) != 1)
			_exit(2);
		if (fork() == 0) {
			if (setpgid(0, c2))
				_exit(7);
			tree_loop(3, msg[1], ready);
		}
		tree_loop(1, msg[1], ready);
	}
	tree_loop(0, msg[1], ready);
}

static pid_t clone3_tid(pid_t tid, unsigned long flags)
{
	struct clone_args a = { .flags = flags, .exit_signal = SIGCHLD };
	pid_t set_tid[1] = { tid };

	if (tid) {
		a.set_tid = (uintptr_t)set_tid;
		a.set_tid_size = 1;
	}
	return syscall(SYS_clone3, &a, sizeof(a));
}

/*
 * User space's part of a tree restart (linux-cr's mktree): read the tree
 * record, create each process with its pid under its parent, make the
 * session and group leaders, then every process calls restart(); the
 * root coordinates.
 */
static struct kcr_tree_task tree_tt[KCR_TREE_MAX];
static int tree_nr;
static int tree_fuzz;		/* tree_make() for the fuzzer */
/*
 * Fuzzer: user space could not build the (mutated) tree (clone3() with a
 * pid beyond pid_max, setsid(), ...); above every errno.
 */
#define TREE_USER_FAIL	151


static int tree_read(int fd)
{
	struct kcr_rec_header hd;
	struct kcr_rec_tree tr;

	if (pread(fd, &hd, sizeof(hd), 0) != sizeof(hd) ||
	    pread(fd, &tr, sizeof(tr), hd.h.len) != sizeof(tr) ||
	    tr.h.type != KCR_REC_TREE || !tr.nr_tasks ||
	    tr.nr_tasks > KCR_TREE_MAX)
		return -1;
	tree_nr = tr.nr_tasks;
	if (pread(fd, tree_tt, tree_nr * sizeof(tree_tt[0]), hd.h.len + sizeof(tr)) !=
	    (ssize_t)(tree_nr * sizeof(tree_tt[0])))
		return -1;
	return 0;
}

static void __attribute__((noreturn)) tree_make(int i, int fd)
{
	const struct kcr_tree_task *e = &tree_tt[i];
	long ret;
	int j;

	if (e->sid == e->pid && setsid() < 0)
		_exit(tree_fuzz ? TREE_USER_FAIL : 10);
	if (e->pgid == e->pid && e->sid != e->pid && setpgid(0, 0))
		_exit(tree_fuzz ? TREE_USER_FAIL : 11);
	for (j = i + 1; j < tree_nr; j++) {
		pid_t p;

		if (tree_tt[j].ppid != e->pid)
			continue;
		p = clone3_tid(tree_tt[j].pid, 0);
		if (p < 0 && tree_fuzz) {
			/* A fuzzed tree, alone in its pid namespace. */
			kill(-1, SIGKILL);
			_exit(TREE_USER_FAIL);
		}
		if (p < 0) {
			printf("FAIL: clone3 with pid %d: %s\n", tree_tt[j].pid,
			       strerror(errno));
			_exit(12);
		}
		if (p == 0)
			tree_make(j, fd);
	}
	ret = sys_restart(0, fd, i ? KCR_RESTART_JOIN : KCR_RESTART_TREE,
			  i || tree_fuzz ? -1 : 2);
	if (tree_fuzz)
		_exit(errno < RESTORED ? errno : 199);
	printf("FAIL: tree restart of pid %d returned %ld (%s)\n", e->pid, ret,
	       strerror(errno));
	_exit(13);
}

/* Restart the tree in IMG; in a new pid namespace under a helper init. */
static int tree_restart(const char *img, int newpid)
{
	int fd = open(img, O_RDONLY), status = -1;
	pid_t p;

	if (fd < 0 || tree_read(fd)) {
		FAIL("tree: cannot read the tree record of %s", img);
		return -1;
	}
	p = clone3_tid(newpid ? 0 : tree_tt[0].pid,
		       newpid ? CLONE_NEWPID : 0);
	if (p == 0 && !newpid)
		tree_make(0, fd);
	if (p == 0) {
		/* pid 1 of the new namespace: start the root, reap. */
		pid_t r = clone3_tid(tree_tt[0].pid, 0);

		if (r == 0)
			tree_make(0, fd);
		if (r < 0)
			_exit(14);
		for (;;) {
			pid_t w = wait(&status);

			if (w == r)
				_exit(WIFEXITED(status) ? WEXITSTATUS(status) : 15);
			if (w < 0)
				_exit(16);
		}
	}
	close(fd);
	if (p < 0) {
		FAIL("tree: clone3: %s", strerror(errno));
		return -1;
	}
	usleep(300 * 1000);
	/* Let the restarted processes report. */
	close(open(TREE_FLAG, O_CREAT | O_WRONLY, 0600));
	waitpid(p, &status, 0);
	unlink(TREE_FLAG);
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
	return status;
}

/* Run AGENT with arguments, return its wait status. */
static int run_agent(const char *agent, const char *a1, const char *a2,
		     const char *a3, const char *a4, const char *a5)
{
	pid_t p = fork();
	int status = -1;

	if (p == 0) {
		execl(agent, agent, a1, a2, a3, a4, a5, (char *)NULL);
		_exit(127);
	}
	waitpid(p, &status, 0);
	return status;
}

static int start_tree(pid_t *root, int in_cg)
{
	int rd[2], i;
	char buf[32];

	if (pipe(rd))
		return -1;
	*root = fork();
	if (*root == 0) {
		close(rd[0]);
		snprintf(buf, sizeof(buf), "%d", getpid());
		if (in_cg && write_str(CG "/cgroup.procs", buf))
			_exit(4);
		tree_root(rd[1]);
	}
	close(rd[1]);
	for (i = 0; i < 4; i++)
		if (read(rd[0], buf, 1) != 1)
			return -1;
	close(rd[0]);
	return 0;
}

static int cmd_tree_agent(const char *img, const char *agent)
{
	char pidstr[16];
	pid_t root, r;
	int status;

	setvbuf(stdout, NULL, _IONBF, 0);
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	unlink(TREE_FLAG);
	if (start_tree(&root, 0)) {
		FAIL("tree did not start");
		return 1;
	}
	snprintf(pidstr, sizeof(pidstr), "%d", root);
	status = run_agent(agent, "checkpoint", "--pid", pidstr, "-o", img);
	/* The agent left it running: checkpoint again and kill it. */
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	      "agent checkpoint of the tree, left running (status %#x)", status);
	status = run_agent(agent, "checkpoint", "--pid", pidstr, "-o", img);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	      "agent checkpoint of the tree again (status %#x)", status);
	/* Now kill all four ourselves (orphans come to us) and reap. */
	{
		int fd = open(img, O_RDONLY), i;

		if (fd < 0 || tree_read(fd) || tree_nr != 4) {
			FAIL("agent image has no tree of 4 processes");
			return 1;
		}
		close(fd);
		for (i = 0; i < tree_nr; i++)
			kill(tree_tt[i].pid, SIGKILL);
	}
	while ((r = wait(&status)) > 0 || errno == EINTR)
		;
	r = fork();
	if (r == 0) {
		execl(agent, agent, "restart", img, (char *)NULL);
		_exit(127);
	}
	usleep(300 * 1000);
	close(open(TREE_FLAG, O_CREAT | O_WRONLY, 0600));
	waitpid(r, &status, 0);
	unlink(TREE_FLAG);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	      "agent restart of the tree: the root exited with status %#x", status);
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
	r = fork();
	if (r == 0) {
		execl(agent, agent, "restart", "--newpid", img, (char *)NULL);
		_exit(127);
	}
	usleep(300 * 1000);
	close(open(TREE_FLAG, O_CREAT | O_WRONLY, 0600));
	waitpid(r, &status, 0);
	unlink(TREE_FLAG);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	      "agent restart of the tree in a new pid namespace: status %#x", status);
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
	return failures ? 1 : 0;
}

/*
 * A process frozen while it waits in vfork() for its child (which shares
 * its memory) is refused at once, by name, and both go on afterwards.
 */
static int vfork_refused(const char *img)
{
	int rd[2], fd, status;
	pid_t root, kid;
	long ret;

	if (pipe(rd))
		return 2;
	root = fork();
	if (root == 0) {
		char buf[32];

		snprintf(buf, sizeof(buf), "%d", getpid());
		if (write_str(CG "/cgroup.procs", buf))
			_exit(4);
		if (vfork() == 0) {
			/* Shares our memory: system calls only, then exit. */
			pid_t me = syscall(SYS_getpid);

			if (write(rd[1], &me, sizeof(me)) != sizeof(me))
				_exit(5);
			syscall(SYS_pause);
			_exit(0);
		}
		_exit(0);
	}
	if (root < 0 || read(rd[0], &kid, sizeof(kid)) != sizeof(kid)) {
		FAIL("vfork: the child did not start");
		return 1;
	}
	fd = open(img, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	write_str(CG "/cgroup.freeze", "1");
	if (wait_frozen(1)) {
		FAIL("vfork: the cgroup did not freeze");
		ret = 0;
	} else {
		ret = sys_checkpoint(root, fd, KCR_CHECKPOINT_TREE, 2);
		CHECK(ret < 0 && errno == EOPNOTSUPP,
		      "checkpoint of a process in vfork(): EOPNOTSUPP (%ld %s)",
		      ret, ret ? strerror(errno) : "ok");
	}
	close(fd);
	write_str(CG "/cgroup.freeze", "0");
	kill(kid, SIGKILL);
	kill(root, SIGKILL);
	while (waitpid(root, &status, 0) < 0 && errno == EINTR)
		;
	/* The child, ours once its parent died (we are a subreaper). */
	while (waitpid(kid, &status, 0) < 0 && errno == EINTR)
		;
	close(rd[0]);
	close(rd[1]);
	return failures ? 1 : 0;
}

static int cmd_tree(const char *img)
{
	pid_t root, pids[4] = { 0 }, r;
	int rd[2], fd, status, i;
	char buf[32];
	long ret;

	setvbuf(stdout, NULL, _IONBF, 0);
	/* Orphans of the killed tree come to us: their pids get free. */
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	unlink(TREE_FLAG);
	mkdir(CG, 0755);
	if (access(CG "/cgroup.freeze", F_OK)) {
		FAIL("no cgroup v2 freezer at %s", CG);
		return 1;
	}
	if (pipe(rd))
		return 2;
	root = fork();
	if (root == 0) {
		close(rd[0]);
		snprintf(buf, sizeof(buf), "%d", getpid());
		if (write_str(CG "/cgroup.procs", buf))
			_exit(4);
		tree_root(rd[1]);
	}
	close(rd[1]);
	for (i = 0; i < 4; i++)
		if (read(rd[0], buf, 1) != 1) {
			FAIL("tree did not start");
			return 1;
		}
	pids[0] = root;
	fd = open(img, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	write_str(CG "/cgroup.freeze", "1");
	if (wait_frozen(1)) {
		FAIL("cgroup did not freeze");
		kill(root, SIGKILL);
		return 1;
	}
	ret = sys_checkpoint(root, fd, KCR_CHECKPOINT_TREE | 0x100, 2);
	CHECK(ret < 0 && errno == EINVAL, "checkpoint with an unknown flag: EINVAL");
	ret = sys_checkpoint(0, fd, KCR_CHECKPOINT_TREE, 2);
	CHECK(ret < 0 && errno == EINVAL, "self-checkpoint of a tree: EINVAL");
	ret = sys_checkpoint(root, fd, KCR_CHECKPOINT_TREE, 2);
	CHECK(ret == 0, "checkpoint of a frozen tree of 4 processes (%ld %s)",
	      ret, ret ? strerror(errno) : "ok");
	close(fd);
	fd = open(img, O_RDONLY);
	if (fd >= 0 && !tree_read(fd)) {
		CHECK(tree_nr == 4, "tree record has 4 processes");
		for (i = 0; i < tree_nr && i < 4; i++) {
			pids[i] = tree_tt[i].pid;
			printf("tree: pid %d ppid %d pgid %d sid %d\n", tree_tt[i].pid,
			       tree_tt[i].ppid, tree_tt[i].pgid, tree_tt[i].sid);
		}
	} else {
		FAIL("tree: no tree record");
	}
	if (fd >= 0)
		close(fd);
	for (i = 0; i < 4; i++)
		if (pids[i] > 0)
			kill(pids[i], SIGKILL);
	write_str(CG "/cgroup.freeze", "0");
	while ((r = wait(&status)) > 0 || errno == EINTR)
		;
	if (ret)
		return 1;

	ret = sys_restart(0, open(img, O_RDONLY), 0, 2);
	CHECK(ret < 0 && errno == EINVAL, "tree image without KCR_RESTART_TREE: EINVAL");

	status = tree_restart(img, 0);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	      "tree restarted in place, original pids (status %#x)", status);
	status = tree_restart(img, 1);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	      "tree restarted again in a new pid namespace (status %#x)", status);
	/* Its own image file: the tree's stays for later readers. */
	vfork_refused("/tmp/kcr-vfork.img");
	unlink("/tmp/kcr-vfork.img");
	rmdir(CG);
	return failures ? 1 : 0;
}

/* ------------------------------------------------------------------ */
/*
 * The pattern of the signals, creds and files modes: a child builds
 * state and checkpoints itself; another child restarts from the image
 * and, being the restored process, checks the state and exits with the
 * number of failures.
 */

static int self_checkpoint(const char *img, void (*verify)(void))
{
	int fd = open(img, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	long ret;

	if (fd < 0) {
		perror(img);
		return 2;
	}
	ret = sys_checkpoint(0, fd, 0, 2);
	if (ret == 0) {
		/* The restored process. */
		verify();
		printf("%s: restored process: %d failure(s)\n",
		       failures ? "FAIL" : "PASS", failures);
		_exit(failures ? 1 : 0);
	}
	if (ret < 0) {
		FAIL("checkpoint(self): %s", strerror(errno));
		return 1;
	}
	return 0;
}

static int run_child(void (*fn)(const char *), const char *img)
{
	pid_t pid = fork();
	int status;

	if (pid == 0) {
		fn(img);
		_exit(failures ? 1 : 0);
	}
	waitpid(pid, &status, 0);
	return status;
}

static void restart_from(const char *img)
{
	int fd = open(img, O_RDONLY);
	sigset_t set;
	long ret;

	/* Not in the image: the restored task must not have it. */
	dup2(fd, 20);
	/* Nor this pending signal, which would kill it. */
	sigemptyset(&set);
	sigaddset(&set, SIGALRM);
	sigprocmask(SIG_BLOCK, &set, NULL);
	raise(SIGALRM);
	ret = sys_restart(0, fd, 0, 2);
	printf("FAIL: restart from %s returned %ld (%s)\n", img, ret,
	       strerror(errno));
	_exit(1);
}

static int check_restart(const char *what, void (*build)(const char *),
			 const char *img)
{
	int status = run_child(build, img);

	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	      "%s: built and checkpointed (status %#x)", what, status);
	if (status)
		return 1;
	status = run_child(restart_from, img);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	      "%s: restarted process checked its state (status %#x)", what,
	      status);
	return failures ? 1 : 0;
}

/* Signals. */

static char altstack[64 * 1024];
static volatile int got_usr1, usr1_val, hup_count;
static volatile uintptr_t usr1_sp;

static void on_usr1(int sig, siginfo_t *si, void *uc)
{
	int here;

	(void)sig;
	(void)uc;
	got_usr1++;
	usr1_val = si->si_value.sival_int;
	usr1_sp = (uintptr_t)&here;
}

static void on_hup(int sig)
{
	(void)sig;
	hup_count++;
}

static int queue_to_thread(int sig, int val)
{
	siginfo_t si;

	memset(&si, 0, sizeof(si));
	si.si_signo = sig;
	si.si_code = SI_QUEUE;
	si.si_pid = getpid();
	si.si_uid = getuid();
	si.si_value.sival_int = val;
	return syscall(SYS_rt_tgsigqueueinfo, getpid(), getpid(), sig, &si);
}

static void set_signals(void)
{
	struct sigaction sa;
	stack_t ss = { .ss_sp = altstack, .ss_size = sizeof(altstack) };
	sigset_t set;
	int i;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_usr1;
	sa.sa_flags = SA_SIGINFO | SA_RESTART | SA_ONSTACK;
	sigemptyset(&sa.sa_mask);
	sigaddset(&sa.sa_mask, SIGUSR2);
	sigaction(SIGUSR1, &sa, NULL);
	signal(SIGUSR2, SIG_IGN);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_hup;
	sa.sa_flags = SA_RESETHAND | SA_NODEFER;
	sigaction(SIGHUP, &sa, NULL);
	sigaltstack(&ss, NULL);

	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGRTMIN);
	sigaddset(&set, SIGRTMIN + 1);
	sigprocmask(SIG_BLOCK, &set, NULL);
	/* Process-wide queue: */
	sigqueue(getpid(), SIGUSR1, (union sigval){ .sival_int = 7 });
	sigqueue(getpid(), SIGRTMIN + 1, (union sigval){ .sival_int = 11 });
	kill(getpid(), SIGTERM);
	/* The thread's own queue, three of one RT signal, in order: */
	for (i = 1; i <= 3; i++)
		queue_to_thread(SIGRTMIN, i);
}

static void verify_signals(void)
{
	struct timespec zero = { 0, 0 };
	struct sigaction sa;
	siginfo_t si;
	sigset_t set, pend;
	stack_t ss;
	int i, ok;

	printf("restored: pid %d (checkpointed as pid %d)\n", getpid(),
	       saved_pid);
	sigaction(SIGUSR1, NULL, &sa);
	CHECK(sa.sa_sigaction == on_usr1 &&
	      (sa.sa_flags & (SA_SIGINFO | SA_RESTART | SA_ONSTACK)) ==
	      (SA_SIGINFO | SA_RESTART | SA_ONSTACK) &&
	      sigismember(&sa.sa_mask, SIGUSR2) &&
	      !sigismember(&sa.sa_mask, SIGHUP),
	      "SIGUSR1 handler, flags %#x and mask restored", sa.sa_flags);
	sigaction(SIGUSR2, NULL, &sa);
	CHECK(sa.sa_handler == SIG_IGN, "SIGUSR2 ignored");
	sigaction(SIGHUP, NULL, &sa);
	CHECK(sa.sa_handler == on_hup &&
	      (sa.sa_flags & (SA_RESETHAND | SA_NODEFER)) ==
	      (SA_RESETHAND | SA_NODEFER), "SIGHUP handler with SA_RESETHAND");
	sigaction(SIGINT, NULL, &sa);
	CHECK(sa.sa_handler == SIG_DFL, "SIGINT default");
	sigaltstack(NULL, &ss);
	CHECK(ss.ss_sp == altstack && ss.ss_size == sizeof(altstack) &&
	      ss.ss_flags == 0, "sigaltstack restored (%p %zu %#x)",
	      ss.ss_sp, ss.ss_size, ss.ss_flags);
	sigprocmask(SIG_BLOCK, NULL, &set);
	CHECK(sigismember(&set, SIGUSR1) && sigismember(&set, SIGTERM) &&
	      sigismember(&set, SIGRTMIN) && sigismember(&set, SIGRTMIN + 1) &&
	      !sigismember(&set, SIGHUP), "blocked mask restored");
	sigpending(&pend);
	CHECK(sigismember(&pend, SIGUSR1) && sigismember(&pend, SIGTERM) &&
	      sigismember(&pend, SIGRTMIN) && sigismember(&pend, SIGRTMIN + 1) &&
	      !sigismember(&pend, SIGHUP), "pending set restored");

	sigemptyset(&set);
	sigaddset(&set, SIGRTMIN);
	for (i = 1, ok = 1; i <= 3; i++) {
		int s = sigtimedwait(&set, &si, &zero);

		if (s != SIGRTMIN || si.si_code != SI_QUEUE ||
		    si.si_value.sival_int != i || si.si_pid != saved_pid) {
			printf("SIGRTMIN #%d: sig %d code %d value %d pid %d\n",
			       i, s, si.si_code, si.si_value.sival_int,
			       si.si_pid);
			ok = 0;
		}
	}
	CHECK(ok, "three queued SIGRTMIN with their siginfo, in order");
	CHECK(sigtimedwait(&set, &si, &zero) < 0 && errno == EAGAIN,
	      "no fourth SIGRTMIN");
	sigemptyset(&set);
	sigaddset(&set, SIGRTMIN + 1);
	CHECK(sigtimedwait(&set, &si, &zero) == SIGRTMIN + 1 &&
	      si.si_code == SI_QUEUE && si.si_value.sival_int == 11,
	      "SIGRTMIN+1 from the shared queue, value %d",
	      si.si_value.sival_int);
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	CHECK(sigtimedwait(&set, &si, &zero) == SIGTERM &&
	      si.si_code == SI_USER && si.si_pid == saved_pid,
	      "SIGTERM from kill() with its sender (code %d pid %d)",
	      si.si_code, si.si_pid);

	/* Unblock SIGUSR1: its handler runs now, on the alternate stack. */
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigprocmask(SIG_UNBLOCK, &set, NULL);
	CHECK(got_usr1 == 1 && usr1_val == 7, "SIGUSR1 delivered to its handler with value %d",
	      usr1_val);
	CHECK(usr1_sp >= (uintptr_t)altstack &&
	      usr1_sp < (uintptr_t)altstack + sizeof(altstack),
	      "the handler ran on the alternate stack");
	raise(SIGUSR2);
	raise(SIGHUP);
	sigaction(SIGHUP, NULL, &sa);
	CHECK(hup_count == 1 && sa.sa_handler == SIG_DFL,
	      "SIGUSR2 ignored, SIGHUP handled once and reset");
	sigpending(&pend);
	CHECK(sigisemptyset(&pend), "nothing left pending");
}

static void build_signals(const char *img)
{
	saved_pid = getpid();
	set_signals();
	self_checkpoint(img, verify_signals);
}

/*
 * A child frozen inside sigsuspend(): its blocked mask then is the
 * temporary one; the image must carry the mask sigsuspend() restores.
 */
static void suspend_child(int ready)
{
	struct sigaction sa;
	sigset_t set, tmp;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_hup;
	sigaction(SIGUSR1, &sa, NULL);
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGUSR2);
	sigprocmask(SIG_SETMASK, &set, NULL);
	saved_pid = getpid();
	if (write(ready, "x", 1) != 1)
		_exit(3);
	sigemptyset(&tmp);
	sigaddset(&tmp, SIGUSR2);
	for (;;) {
		sigsuspend(&tmp);	/* returns after SIGUSR1's handler */
		if (getpid() != saved_pid) {
			sigprocmask(SIG_SETMASK, NULL, &set);
			_exit(hup_count == 1 && sigismember(&set, SIGUSR1) &&
			      sigismember(&set, SIGUSR2) ? 0 : 1);
		}
	}
}

static int frozen_in_sigsuspend(const char *img)
{
	int pfd[2], fd, status;
	char buf[32];
	pid_t child, r;
	long ret;

	mkdir(CG, 0755);
	if (access(CG "/cgroup.freeze", F_OK) || pipe(pfd)) {
		FAIL("no cgroup v2 freezer at %s", CG);
		return 1;
	}
	child = fork();
	if (child == 0) {
		close(pfd[0]);
		snprintf(buf, sizeof(buf), "%d", getpid());
		if (write_str(CG "/cgroup.procs", buf))
			_exit(4);
		suspend_child(pfd[1]);
	}
	close(pfd[1]);
	if (read(pfd[0], buf, 1) != 1)
		return 1;
	close(pfd[0]);
	usleep(50000);	/* let it reach sigsuspend() */
	write_str(CG "/cgroup.freeze", "1");
	if (wait_frozen(1)) {
		FAIL("cgroup did not freeze");
		kill(child, SIGKILL);
		return 1;
	}
	fd = open(img, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	ret = sys_checkpoint(child, fd, 0, 2);
	close(fd);
	kill(child, SIGKILL);
	write_str(CG "/cgroup.freeze", "0");
	waitpid(child, &status, 0);
	rmdir(CG);
	CHECK(ret == 0, "checkpoint of a child frozen in sigsuspend() (%ld)", ret);
	if (ret)
		return 1;
	r = fork();
	if (r == 0) {
		fd = open(img, O_RDONLY);
		sys_restart(0, fd, 0, 2);
		_exit(5);
	}
	/* Wait until it is restored (SIGUSR1 caught) and asleep again. */
	for (fd = 0; fd < 1000; fd++) {
		char path[64], line[256];
		unsigned long long cgt = 0;
		int sleeping = 0;
		FILE *f;

		snprintf(path, sizeof(path), "/proc/%d/status", r);
		f = fopen(path, "r");
		while (f && fgets(line, sizeof(line), f)) {
			sscanf(line, "SigCgt: %llx", &cgt);
			if (!strncmp(line, "State:\tS", 9))
				sleeping = 1;
		}
		if (f)
			fclose(f);
		if (sleeping && (cgt & (1ULL << (SIGUSR1 - 1))))
			break;
		usleep(10000);
	}
	kill(r, SIGUSR1);
	waitpid(r, &status, 0);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	      "restored sigsuspend() returned to the mask it had saved (status %#x)",
	      status);
	return failures ? 1 : 0;
}

static int cmd_signals(const char *img)
{
	char img2[256];

	setvbuf(stdout, NULL, _IONBF, 0);
	if (check_restart("signals", build_signals, img))
		return 1;
	snprintf(img2, sizeof(img2), "%s.suspend", img);
	return frozen_in_sigsuspend(img2);
}

/* Credentials and process attributes. */

#define CWD_DIR "/tmp/kcr-cwd"

static void verify_creds(void)
{
	uid_t r, e, s;
	gid_t rg, eg, sg, groups[8];
	struct rlimit rl;
	char cwd[256];
	int n;

	getresuid(&r, &e, &s);
	CHECK(r == 1000 && e == 1001 && s == 1002, "uids %d/%d/%d", r, e, s);
	CHECK(setfsuid(-1) == 1001, "fsuid follows the euid");
	getresgid(&rg, &eg, &sg);
	CHECK(rg == 100 && eg == 101 && sg == 102, "gids %d/%d/%d", rg, eg, sg);
	n = getgroups(8, groups);
	CHECK(n == 3 && groups[0] == 5 && groups[1] == 6 && groups[2] == 7,
	      "supplementary groups (%d)", n);
	CHECK(setuid(0) < 0 && errno == EPERM,
	      "no capabilities beyond the ids: setuid(0) fails");
	CHECK(umask(0) == 027, "umask 027");
	getrlimit(RLIMIT_NOFILE, &rl);
	CHECK(rl.rlim_cur == 100 && rl.rlim_max == 200, "RLIMIT_NOFILE %lu/%lu",
	      (unsigned long)rl.rlim_cur, (unsigned long)rl.rlim_max);
	getrlimit(RLIMIT_CORE, &rl);
	CHECK(rl.rlim_cur == 0 && rl.rlim_max == 1 << 20, "RLIMIT_CORE");
	getrlimit(RLIMIT_MSGQUEUE, &rl);
	CHECK(rl.rlim_cur == 4096 && rl.rlim_max == 8192, "RLIMIT_MSGQUEUE");
	CHECK(getcwd(cwd, sizeof(cwd)) && !strcmp(cwd, CWD_DIR), "cwd %s", cwd);
}

#define CREDS_LOG "/tmp/kcr-creds.fifo"

static void build_creds(const char *img)
{
	struct rlimit rl;
	gid_t groups[3] = { 5, 6, 7 };
	int fd;

	mkdir(CWD_DIR, 0755);
	if (chdir(CWD_DIR))
		_exit(3);
	umask(027);
	rl.rlim_cur = 100;
	rl.rlim_max = 200;
	setrlimit(RLIMIT_NOFILE, &rl);
	rl.rlim_cur = 0;
	rl.rlim_max = 1 << 20;
	setrlimit(RLIMIT_CORE, &rl);
	rl.rlim_cur = 4096;
	rl.rlim_max = 8192;
	setrlimit(RLIMIT_MSGQUEUE, &rl);
	/*
	 * Restart opens every file as the restored task: its output goes to
	 * a FIFO of uid 1001 that cmd_creds reads, not to root's console.
	 */
	fd = open(CREDS_LOG, O_WRONLY);
	if (fd < 0 || dup2(fd, 1) < 0 || dup2(fd, 2) < 0 ||
	    dup2(open("/dev/null", O_RDONLY), 0) < 0)
		_exit(3);
	close(fd);
	/* The checkpoint creates the image as uid 1001. */
	unlink(img);
	if (setgroups(3, groups) || setresgid(100, 101, 102) ||
	    setresuid(1000, 1001, 1002)) {
		FAIL("cannot change ids: %s", strerror(errno));
		_exit(1);
	}
	self_checkpoint(img, verify_creds);
}

/* Restart as root without CAP_SETUID and CAP_SETGID: refused. */
static void restart_without_setid(const char *img)
{
	struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct data[2];
	int fd = open(img, O_RDONLY);
	long ret;

	syscall(SYS_capget, &hdr, data);
	data[0].effective &= ~((1U << CAP_SETUID) | (1U << CAP_SETGID));
	data[0].permitted &= ~((1U << CAP_SETUID) | (1U << CAP_SETGID));
	if (syscall(SYS_capset, &hdr, data)) {
		FAIL("capset: %s", strerror(errno));
		_exit(1);
	}
	ret = sys_restart(0, fd, 0, 2);
	CHECK(ret < 0 && errno == EPERM,
	      "restart without CAP_SETUID/CAP_SETGID is refused: EPERM (%ld %s)",
	      ret, strerror(errno));
	_exit(failures ? 1 : 0);
}

/*
 * Supplementary groups are compared as sets: an image whose groups are
 * {A, A} must not restart for an unprivileged caller in {A, B}, which
 * would lose B without CAP_SETGID (and read what B is denied).
 */
#define GRP_A 1001
#define GRP_B 1002

static void become(uid_t uid, const gid_t *groups, int n)
{
	if (setgroups(n, groups) || setresgid(uid, uid, uid) ||
	    setresuid(uid, uid, uid)) {
		printf("FAIL: dropping to uid %d: %s\n", uid, strerror(errno));
		_exit(3);
	}
}

static void groups_restored(void)
{
	printf("FAIL: the {A, A} image restarted for a caller in {A, B}\n");
	_exit(42);
}

static int dup_groups_refused(const char *img)
{
	static const gid_t dup[] = { GRP_A, GRP_A }, both[] = { GRP_A, GRP_B };
	int status, fd;
	pid_t c;

	c = fork();
	if (c == 0) {
		int out;

		/*
		 * Only files uid 1000 may reopen, so that a refusal is the
		 * groups' (the checkpoint's log goes to /dev/null too).
		 */
		out = open("/dev/null", O_RDWR);
		become(1000, dup, 2);
		dup2(out, 0);
		dup2(out, 1);
		dup2(out, 2);
		close(out);
		_exit(self_checkpoint(img, groups_restored));
	}
	waitpid(c, &status, 0);
	if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		FAIL("groups: checkpoint as uid 1000 in {A, A} (status %#x)", status);
		return 1;
	}
	/*
	 * The restarter: uid 1000 in {A, B}, with CAP_CHECKPOINT_RESTORE (which
	 * restart needs) but not CAP_SETGID.
	 */
	c = fork();
	if (c == 0) {
		struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
		struct __user_cap_data_struct data[2] = {};
		long ret;

		prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0);
		become(1000, both, 2);
		data[CAP_TO_INDEX(CAP_CHECKPOINT_RESTORE)].permitted =
			CAP_TO_MASK(CAP_CHECKPOINT_RESTORE);
		data[CAP_TO_INDEX(CAP_CHECKPOINT_RESTORE)].effective =
			CAP_TO_MASK(CAP_CHECKPOINT_RESTORE);
		if (syscall(SYS_capset, &hdr, data)) {
			printf("FAIL: capset: %s\n", strerror(errno));
			_exit(3);
		}
		fd = open(img, O_RDONLY);
		ret = sys_restart(0, fd, 0, 2);
		_exit(ret < 0 && errno == EPERM ? 0 : 1);
	}
	waitpid(c, &status, 0);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	      "groups: a {A, A} image is refused to a caller in {A, B}: EPERM (status %#x)",
	      status);
	return 0;
}

static int cmd_creds(const char *img)
{
	int status, fifo;

	setvbuf(stdout, NULL, _IONBF, 0);
	if (getuid() != 0) {
		printf("SKIP: creds needs root\n");
		return 0;
	}
	chmod("/tmp", 01777);
	unlink(CREDS_LOG);
	if (mkfifo(CREDS_LOG, 0600) || chown(CREDS_LOG, 1001, 101))
		return 2;
	/* Held open for reading throughout, so that no open of it blocks. */
	fifo = open(CREDS_LOG, O_RDWR | O_NONBLOCK);
	status = check_restart("creds", build_creds, img);
	for (;;) {
		char buf[4096];
		ssize_t n = fifo < 0 ? -1 : read(fifo, buf, sizeof(buf));

		if (n <= 0)
			break;
		printf("creds (restored): %.*s", (int)n, buf);
	}
	close(fifo);
	unlink(CREDS_LOG);
	if (status)
		return 1;
	status = run_child(restart_without_setid, img);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	      "creds: unprivileged restart refused (status %#x)", status);
	dup_groups_refused("/tmp/kcr-dupgroups.img");
	return failures ? 1 : 0;
}

/* The fd table. */

#define FILES_TXT "/tmp/kcr-files.txt"
#define FILES_FIFO "/tmp/kcr-fifo"

static void verify_files(void)
{
	char buf[64];
	struct stat st;
	ssize_t n;
	int i, ok;

	printf("restored: pid %d (checkpointed as pid %d)\n", getpid(),
	       saved_pid);
	CHECK(lseek(9, 0, SEEK_CUR) == 1234 && lseek(10, 0, SEEK_CUR) == 1234,
	      "file position 1234 on fd 9 and its dup fd 10");
	lseek(9, 500, SEEK_SET);
	CHECK(lseek(10, 0, SEEK_CUR) == 500,
	      "fd 9 and 10 share one open file (lseek on one moves the other)");
	CHECK(read(10, buf, 4) == 4 && buf[0] == (char)(500 * 7) &&
	      buf[3] == (char)(503 * 7), "file contents at the position");
	CHECK(lseek(11, 0, SEEK_CUR) == 77, "fd 11 (separate open) at 77");
	CHECK((fcntl(11, F_GETFL) & (O_ACCMODE | O_APPEND)) == (O_RDWR | O_APPEND),
	      "fd 11 is O_RDWR|O_APPEND");
	CHECK((fcntl(9, F_GETFL) & (O_ACCMODE | O_APPEND)) == O_RDWR,
	      "fd 9 is O_RDWR");

	n = read(12, buf, sizeof(buf));
	CHECK(n == 10 && !memcmp(buf, "hello pipe", 10),
	      "unread pipe data refilled (%zd bytes)", n);
	CHECK(fcntl(12, F_GETFL) & O_NONBLOCK, "pipe read end is O_NONBLOCK");
	CHECK(read(12, buf, 1) < 0 && errno == EAGAIN,
	      "empty pipe with a writer: EAGAIN");
	CHECK(write(13, "xy", 2) == 2 && read(12, buf, 2) == 2 && buf[1] == 'y',
	      "fds 12 and 13 are the two ends of one pipe");
	CHECK(fcntl(12, F_GETPIPE_SZ) == 8192, "pipe size 8192 (%d)",
	      fcntl(12, F_GETPIPE_SZ));
	n = read(14, buf, sizeof(buf));
	CHECK(n == 8 && !memcmp(buf, "eof pipe", 8) && read(14, buf, 1) == 0,
	      "pipe without a writer: data, then EOF");

	CHECK(fcntl(15, F_GETFD) == FD_CLOEXEC, "fd 15 is close-on-exec");
	for (i = 9, ok = 1; i <= 18; i++)
		if (i != 15 && fcntl(i, F_GETFD) != 0)
			ok = 0;
	CHECK(ok, "the other fds are not close-on-exec");
	CHECK(fstat(15, &st) == 0 && S_ISCHR(st.st_mode) &&
	      st.st_rdev == makedev(1, 3) && write(15, "x", 1) == 1,
	      "fd 15 is /dev/null");
	memset(buf, 1, 16);
	CHECK(read(16, buf, 16) == 16 && !memchr(buf, 1, 16),
	      "fd 16 is /dev/zero");
	CHECK(fstat(17, &st) == 0 && S_ISDIR(st.st_mode), "fd 17 is a directory");
	CHECK(fstat(18, &st) == 0 && S_ISFIFO(st.st_mode) &&
	      write(18, "f", 1) == 1 && read(18, buf, 1) == 1 && buf[0] == 'f',
	      "fd 18 is the FIFO, readable and writable");
	CHECK(fcntl(0, F_GETFD) >= 0 && fcntl(1, F_GETFD) >= 0 &&
	      fcntl(2, F_GETFD) >= 0, "stdin, stdout, stderr open");
	CHECK(fcntl(3, F_GETFD) < 0 && errno == EBADF,
	      "the image fd of the checkpoint is not restored");
	CHECK(fcntl(20, F_GETFD) < 0 && errno == EBADF,
	      "the restarter's own fds are closed");
}

static void build_files(const char *img)
{
	char data[10000];
	int i, p[2], q[2], fd;

	saved_pid = getpid();
	for (i = 0; i < (int)sizeof(data); i++)
		data[i] = (char)(i * 7);
	fd = open(FILES_TXT, O_RDWR | O_CREAT | O_TRUNC, 0644);
	if (fd < 0 || write(fd, data, sizeof(data)) != sizeof(data))
		_exit(3);
	dup2(fd, 9);
	close(fd);
	lseek(9, 1234, SEEK_SET);
	dup2(9, 10);
	fd = open(FILES_TXT, O_RDWR | O_APPEND);
	dup2(fd, 11);
	close(fd);
	lseek(11, 77, SEEK_SET);
	if (pipe(p) || pipe(q))
		_exit(3);
	fcntl(p[0], F_SETPIPE_SZ, 8192);
	if (write(p[1], "hello pipe", 10) != 10 || write(q[1], "eof pipe", 8) != 8)
		_exit(3);
	dup2(p[0], 12);
	dup2(p[1], 13);
	dup2(q[0], 14);
	close(p[0]);
	close(p[1]);
	close(q[0]);
	close(q[1]);
	fcntl(12, F_SETFL, O_NONBLOCK);
	fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
	dup3(fd, 15, O_CLOEXEC);
	close(fd);
	fd = open("/dev/zero", O_RDONLY);
	dup2(fd, 16);
	close(fd);
	fd = open("/tmp", O_RDONLY | O_DIRECTORY);
	dup2(fd, 17);
	close(fd);
	unlink(FILES_FIFO);
	mkfifo(FILES_FIFO, 0600);
	fd = open(FILES_FIFO, O_RDWR);
	dup2(fd, 18);
	close(fd);
	/* The image fd will be 3. */
	self_checkpoint(img, verify_files);
}

static int cmd_files(const char *img)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	return check_restart("files", build_files, img);
}

/* Shared memory. */

#define SHM_FILE "/tmp/kcr-shared.txt"
#define SHANON_PAGES 16
#define MEMFD_SIZE (5 * 4096 + 100)

static uint8_t *shanon, *mfd_shared, *mfd_private, *fshared;
static uint64_t shanon_sum, mfd_sum;

/* Is [p, p+len) one mapping with the given 4-character permissions? */
static int maps_perm(const void *p, const char *perm)
{
	char line[512];
	FILE *f = fopen("/proc/self/maps", "r");
	int ok = 0;

	while (f && fgets(line, sizeof(line), f)) {
		unsigned long lo, hi;
		char pm[5];

		if (sscanf(line, "%lx-%lx %4s", &lo, &hi, pm) == 3 &&
		    lo == (unsigned long)p) {
			ok = !strcmp(pm, perm);
			break;
		}
	}
	if (f)
		fclose(f);
	return ok;
}

static void verify_shm(void)
{
	uint8_t buf[128];
	int fd;

	printf("restored: pid %d (checkpointed as pid %d)\n", getpid(),
	       saved_pid);
	CHECK(sum(shanon, SHANON_PAGES * 4096) == shanon_sum,
	      "shared anonymous mapping contents (with holes)");
	CHECK(maps_perm(shanon, "rw-s"), "shared anonymous mapping is still shared");
	CHECK(sum(mfd_shared, MEMFD_SIZE) == mfd_sum, "memfd contents via its shared mapping");
	CHECK(pread(30, buf, 100, 5 * 4096) == 100 && !memcmp(buf, mfd_shared + 5 * 4096, 100),
	      "memfd contents via its fd (size %lld)", (long long)lseek(30, 0, SEEK_END));
	CHECK(lseek(30, 0, SEEK_END) == MEMFD_SIZE, "memfd size");
	CHECK(pwrite(30, "SHARED", 6, 4096) == 6 && !memcmp(mfd_shared + 4096, "SHARED", 6),
	      "fd and MAP_SHARED mapping share one memfd");
	CHECK(mfd_private[0] == 'P' && mfd_private[1] == mfd_shared[1],
	      "private mapping of the memfd: own copy of page 0");
	CHECK(!memcmp(mfd_private + 4096, "SHARED", 6),
	      "private mapping of the memfd: untouched pages follow the memfd");
	CHECK(maps_perm(fshared, "rw-s") && !memcmp(fshared, "file page 0", 11) &&
	      !memcmp(fshared + 4096, "mmap write", 10),
	      "MAP_SHARED file mapping shows the file");
	memcpy(fshared + 8192, "after restart", 13);
	msync(fshared, 3 * 4096, MS_SYNC);
	fd = open(SHM_FILE, O_RDONLY);
	CHECK(pread(fd, buf, 13, 8192) == 13 && !memcmp(buf, "after restart", 13),
	      "a write through the restored shared file mapping reaches the file");
	close(fd);
}

static void build_shm(const char *img)
{
	char page[4096];
	int i, fd;

	saved_pid = getpid();
	shanon = mmap(NULL, SHANON_PAGES * 4096, PROT_READ | PROT_WRITE,
		      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	for (i = 0; i < SHANON_PAGES; i += 3)
		fill(shanon + i * 4096, 4096, i + 40);
	shanon_sum = sum(shanon, SHANON_PAGES * 4096);

	fd = memfd_create("kcr-memfd", 0);
	if (fd < 0 || ftruncate(fd, MEMFD_SIZE))
		_exit(3);
	dup2(fd, 30);
	close(fd);
	mfd_shared = mmap(NULL, MEMFD_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, 30, 0);
	mfd_private = mmap(NULL, MEMFD_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE, 30, 0);
	if (shanon == MAP_FAILED || mfd_shared == MAP_FAILED || mfd_private == MAP_FAILED)
		_exit(3);
	fill(mfd_shared, MEMFD_SIZE, 7);
	mfd_private[0] = 'P';
	mfd_sum = sum(mfd_shared, MEMFD_SIZE);

	fd = open(SHM_FILE, O_RDWR | O_CREAT | O_TRUNC, 0644);
	memset(page, 0, sizeof(page));
	for (i = 0; i < 3; i++)
		if (write(fd, page, sizeof(page)) != sizeof(page))
			_exit(3);
	if (pwrite(fd, "file page 0", 11, 0) != 11)
		_exit(3);
	fshared = mmap(NULL, 3 * 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	if (fshared == MAP_FAILED)
		_exit(3);
	memcpy(fshared + 4096, "mmap write", 10);
	msync(fshared, 3 * 4096, MS_SYNC);
	self_checkpoint(img, verify_shm);
}

static int cmd_shm(const char *img)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	return check_restart("shm", build_shm, img);
}

/* ------------------------------------------------------------------ */
/* Multi-threaded processes. */

#define NTHR		4
#define THR_FLAG	"/tmp/kcr-threads-restored"

struct thr {
	pthread_t pt;
	pid_t tid;
	volatile long count;
	volatile int verdict;	/* after restart: 1 passed, -1 failed */
};

static struct thr thr[NTHR];
static __thread long thr_tls;		/* each thread's own (FS base) */
static volatile int thr_started, thr_restored, thr_go;
static volatile pid_t thr_usr1_tid;
static pthread_mutex_t thr_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t thr_cv = PTHREAD_COND_INITIALIZER;

static void thr_on_usr1(int sig)
{
	thr_usr1_tid = gettid();
}

/* nanosleep() with a pattern in xmm8 around the call; xmm8 after it. */
static uint64_t thr_sleep_xmm(uint64_t pattern)
{
	struct timespec ts = { 0, 2 * 1000 * 1000 };
	uint64_t out;
	long ret;

	asm volatile("movq %[p], %%xmm8\n\t"
		     "syscall\n\t"
		     "movq %%xmm8, %[o]\n\t"
		     : [o] "=r" (out), "=a" (ret)
		     : [p] "r" (pattern), "a" ((long)SYS_nanosleep), "D" (&ts),
		       "S" (0L)
		     : "rcx", "r11", "memory", "xmm8");
	return out;
}

/*
 * Thread i: 0 waits on a condition variable (futex), 1 blocks SIGUSR2,
 * 2 blocks SIGUSR1 and gets one queued to it, 3 only counts.  After
 * restart each checks its own id, TLS, xmm register, mask and signal.
 */
static void *thr_main(void *arg)
{
	int i = (int)(uintptr_t)arg, ok = 1;
	uint64_t pattern = 0x0101010101010101ULL * (i + 1), x = pattern;
	sigset_t set, cur;

	thr_tls = 1000 + i;
	thr[i].tid = gettid();
	sigemptyset(&set);
	if (i == 1)
		sigaddset(&set, SIGUSR2);
	if (i == 2)
		sigaddset(&set, SIGUSR1);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	__sync_fetch_and_add(&thr_started, 1);

	if (i == 0) {
		pthread_mutex_lock(&thr_mu);
		while (!thr_go)
			pthread_cond_wait(&thr_cv, &thr_mu);
		pthread_mutex_unlock(&thr_mu);
	} else {
		while (!thr_restored) {
			thr[i].count++;
			x = thr_sleep_xmm(pattern);
			if (x != pattern)
				break;
		}
		ok &= x == pattern;
	}
	ok &= gettid() == thr[i].tid && thr_tls == 1000 + i;
	pthread_sigmask(SIG_BLOCK, NULL, &cur);
	ok &= sigismember(&cur, SIGUSR2) == (i == 1) &&
	      sigismember(&cur, SIGUSR1) == (i == 2);
	if (i == 2) {
		sigpending(&cur);
		ok &= sigismember(&cur, SIGUSR1);
		pthread_sigmask(SIG_UNBLOCK, &set, NULL);
		ok &= thr_usr1_tid == gettid();
	}
	thr[i].verdict = ok ? 1 : -1;
	return NULL;
}

static void thr_child(int ready)
{
	struct timespec ts = { 0, 5 * 1000 * 1000 };
	long before[NTHR];
	int i, n;

	saved_pid = getpid();
	signal(SIGUSR1, thr_on_usr1);
	for (i = 0; i < NTHR; i++)
		if (pthread_create(&thr[i].pt, NULL, thr_main, (void *)(uintptr_t)i))
			_exit(5);
	while (thr_started < NTHR)
		nanosleep(&ts, NULL);
	pthread_kill(thr[2].pt, SIGUSR1);	/* blocked: stays pending */
	nanosleep(&ts, NULL);
	if (write(ready, "x", 1) != 1)
		_exit(3);
	while (access(THR_FLAG, F_OK))
		nanosleep(&ts, NULL);

	/* Restarted: the same pid and thread ids, every thread goes on. */
	alarm(20);
	CHECK(getpid() == saved_pid && gettid() == saved_pid,
	      "restarted with its pid %d", saved_pid);
	for (i = 1; i < NTHR; i++)
		before[i] = thr[i].count;
	for (n = 0; n < 400; n++) {
		int moved = 0;

		for (i = 1; i < NTHR; i++)
			moved += thr[i].count > before[i] + 2;
		if (moved == NTHR - 1)
			break;
		nanosleep(&ts, NULL);
	}
	CHECK(n < 400, "threads 1-3 run again after restart (counts %ld %ld %ld)",
	      thr[1].count, thr[2].count, thr[3].count);
	thr_restored = 1;
	pthread_mutex_lock(&thr_mu);
	thr_go = 1;
	pthread_cond_broadcast(&thr_cv);
	pthread_mutex_unlock(&thr_mu);
	for (i = 0; i < NTHR; i++) {
		int r = pthread_join(thr[i].pt, NULL);

		CHECK(r == 0 && thr[i].verdict == 1,
		      "thread %d (tid %d): id, TLS, xmm8, signal mask%s; joined",
		      i, thr[i].tid, i == 0 ? ", futex wait" :
		      i == 2 ? ", its own pending signal" : "");
	}
	_exit(failures ? 1 : 0);
}

/* Offsets of the thread records of an image (at most max). */
static int thr_records(const uint8_t *img, size_t len, size_t *off, int max)
{
	size_t pos = 0;
	int n = 0;

	while (pos + sizeof(struct kcr_hdr) <= len) {
		const struct kcr_hdr *h = (const void *)(img + pos);

		if (h->len < sizeof(*h) || h->len > len - pos)
			break;
		if (h->type == KCR_REC_TASK &&
		    ((const struct kcr_rec_task *)h)->flags & KCR_TASK_THREAD &&
		    n < max)
			off[n++] = pos;
		pos += h->len;
	}
	return n;
}

static int cmd_threads(const char *img)
{
	size_t off[NTHR + 1];
	int fd, status, n;
	struct kcr_rec_task *t;
	uint8_t *buf, *bad;
	struct stat st;
	pid_t child, r;
	long ret;

	setvbuf(stdout, NULL, _IONBF, 0);
	unlink(THR_FLAG);
	child = start_in_cgroup(thr_child);
	if (child < 0)
		return 1;
	fd = open(img, O_RDWR | O_CREAT | O_TRUNC, 0600);
	ret = freeze_checkpoint_kill(child, fd, 0);
	CHECK(ret == 0, "checkpoint of a frozen process with %d threads (%ld %s)",
	      NTHR + 1, ret, ret ? strerror(errno) : "ok");
	if (ret || fstat(fd, &st))
		return 1;
	buf = malloc(st.st_size);
	bad = malloc(st.st_size);
	if (!buf || !bad || pread(fd, buf, st.st_size, 0) != st.st_size)
		return 1;
	close(fd);
	n = thr_records(buf, st.st_size, off, NTHR + 1);
	CHECK(n == NTHR, "the image has %d thread records (%d)", NTHR, n);
	if (n != NTHR)
		return 1;

	/* Bad thread records, refused before anything is torn down. */
	memcpy(bad, buf, st.st_size);
	t = (void *)(bad + off[1]);
	t->tgid++;
	fix_tail(bad, st.st_size);
	status = restart_status(bad, st.st_size);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == EINVAL,
	      "thread record of another process: EINVAL (status %#x)", status);
	memcpy(bad, buf, st.st_size);
	t = (void *)(bad + off[2]);
	t->pid = ((struct kcr_rec_task *)(bad + off[1]))->pid;
	fix_tail(bad, st.st_size);
	status = restart_status(bad, st.st_size);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == EINVAL,
	      "two thread records with one id: EINVAL (status %#x)", status);
	memcpy(bad, buf, st.st_size);
	t = (void *)(bad + off[0]);
	t->pid = 1;
	fix_tail(bad, st.st_size);
	status = restart_status(bad, st.st_size);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == EBUSY,
	      "thread id in use: EBUSY (status %#x)", status);

	/* Restart in place: the original pid (clone3 with set_tid). */
	fd = open(THR_FLAG, O_WRONLY | O_CREAT, 0600);
	close(fd);
	r = clone3_tid(child, 0);
	if (r == 0) {
		fd = open(img, O_RDONLY);
		ret = sys_restart(0, fd, 0, 2);
		printf("FAIL: restart of the threads image returned %ld (%s)\n",
		       ret, strerror(errno));
		_exit(1);
	}
	CHECK(r == child, "restarter has the pid of the checkpointed process (%d)",
	      r);
	waitpid(r, &status, 0);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	      "restarted multi-threaded process checked itself (status %#x)",
	      status);
	unlink(THR_FLAG);
	free(buf);
	free(bad);
	return failures ? 1 : 0;
}

/* ------------------------------------------------------------------ */
/* Attacks by an unprivileged user (issue 18). */

#define VICTIM_MEM (8 << 20)	/* far more than a pipe holds */

static void *victim_thread(void *arg)
{
	for (;;)
		pause();
	return arg;
}

/* Two threads of uid 1000, dumpable, with memory to dump. */
static void victim_two_threads(int ready)
{
	pthread_t th;
	char *mem;

	become(1000, NULL, 0);
	prctl(PR_SET_DUMPABLE, 1, 0, 0, 0);
	mem = malloc(VICTIM_MEM);
	if (!mem || pthread_create(&th, NULL, victim_thread, NULL))
		_exit(3);
	memset(mem, 0x5a, VICTIM_MEM);
	if (write(ready, "x", 1) != 1)
		_exit(3);
	for (;;)
		pause();
}

/*
 * uid 1000 freezes its own two-thread process in a cgroup delegated to it,
 * checkpoints it into a pipe nobody reads yet, and while checkpoint() is
 * blocked in the memory dump, a helper of the same user kills the victim
 * (kill) or thaws it (!kill) and then drains the pipe.  The dump must end
 * in an error, never an oops on the dead threads' freed stacks nor an
 * image of a task that ran.  Returns 0 if the attacker saw an error.
 */
static int attack_mid_dump(int kill_it)
{
	int pfd[2], status, ret;
	pid_t victim, attacker, drain;

	mkdir(CG, 0755);
	if (chown(CG, 1000, 1000) || chown(CG "/cgroup.freeze", 1000, 1000)) {
		FAIL("delegating %s to uid 1000: %s", CG, strerror(errno));
		return 1;
	}
	victim = start_in_cgroup(victim_two_threads);
	if (victim < 0)
		return 1;
	attacker = fork();
	if (attacker == 0) {
		long r;

		become(1000, NULL, 0);
		write_str(CG "/cgroup.freeze", "1");
		if (wait_frozen(1))
			_exit(4);
		if (pipe(pfd))
			_exit(4);
		drain = fork();
		if (drain == 0) {
			char buf[65536];

			close(pfd[1]);
			/* checkpoint() is now blocked on the full pipe. */
			usleep(500 * 1000);
			if (kill_it)
				kill(victim, SIGKILL);
			else
				write_str(CG "/cgroup.freeze", "0");
			usleep(300 * 1000);
			while (read(pfd[0], buf, sizeof(buf)) > 0)
				;
			_exit(0);
		}
		close(pfd[0]);
		r = sys_checkpoint(victim, pfd[1], 0, -1);
		close(pfd[1]);
		waitpid(drain, NULL, 0);
		printf("%s mid-dump: checkpoint() = %ld (%s)\n",
		       kill_it ? "killed" : "thawed", r,
		       r < 0 ? strerror(errno) : "ok");
		_exit(r < 0 && (errno == EBUSY || errno == ESRCH) ? 0 : 1);
	}
	waitpid(attacker, &status, 0);
	ret = !(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	if (WIFSIGNALED(status))
		printf("FAIL: the checkpointer died of signal %d (a kernel oops?)\n",
		       WTERMSIG(status));
	kill(victim, SIGKILL);
	write_str(CG "/cgroup.freeze", "0");
	waitpid(victim, NULL, 0);
	rmdir(CG);
	return ret;
}

#define SEC_IMG "/tmp/kcr-sec.img"
/*
 * Markers made at run time, never kept in a buffer the worker inherits
 * (a string constant would be in its memory whatever the kernel does).
 */
#define MARK_LEN 64

static void mark(uint8_t *p, int seed)
{
	int i;

	for (i = 0; i < MARK_LEN; i++)
		p[i] = (uint8_t)((i * 37 + seed * 101) ^ 0xc3);
}

static int img_has_mark(const uint8_t *img, size_t len, int seed)
{
	uint8_t m[MARK_LEN];

	mark(m, seed);
	return img && len && memmem(img, len, m, MARK_LEN) != NULL;
}

/* The image at SEC_IMG, malloc'ed; NULL if unreadable. */
static uint8_t *load_sec_img(size_t *len)
{
	struct stat st;
	uint8_t *buf;
	int fd = open(SEC_IMG, O_RDONLY);

	if (fd < 0 || fstat(fd, &st) || !(buf = malloc(st.st_size + 1))) {
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	*len = read(fd, buf, st.st_size) == st.st_size ? st.st_size : 0;
	close(fd);
	return buf;
}

/*
 * In a forked worker: put fds 0-2 on /dev/null and checkpoint itself into
 * SEC_IMG.  The worker exits 0 (checkpointed) or 1 (refused); only the
 * restarted copy returns.
 */
static void sec_checkpoint_self(void)
{
	int out = open("/dev/null", O_RDWR), fd, i;
	long r;

	fd = open(SEC_IMG, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	for (i = 0; i < 3; i++)
		dup2(out, i);
	r = sys_checkpoint(0, fd, 0, -1);
	if (r)
		_exit(r > 0 ? 0 : 1);
}

/*
 * Restart SEC_IMG in a forked root process; returns its wait status:
 * the restarted task's, or exit 44 if restart failed.
 */
static int sec_restart_as_root(void)
{
	int status;
	pid_t c = fork();

	if (c == 0) {
		sys_restart(0, open(SEC_IMG, O_RDONLY), 0, 2);
		_exit(44);
	}
	waitpid(c, &status, 0);
	return status;
}

/*
 * Fork a worker that runs prep() as root, drops to uid 1000 with every
 * fd but keep on /dev/null, and checkpoints itself into SEC_IMG.  Returns
 * 0 if checkpoint() succeeded within limit seconds (killed after).
 */
static int worker_checkpoint(void (*prep)(int keep), int keep, int limit)
{
	int status, i;
	pid_t c;

	unlink(SEC_IMG);
	c = fork();
	if (c == 0) {
		prep(keep);
		become(1000, NULL, 0);
		sec_checkpoint_self();
		_exit(1);	/* restarted: not expected */
	}
	for (i = 0; i < limit * 10; i++) {
		if (waitpid(c, &status, WNOHANG) == c)
			return !(WIFEXITED(status) && WEXITSTATUS(status) == 0);
		usleep(100 * 1000);
	}
	kill(c, SIGKILL);
	waitpid(c, &status, 0);
	printf("FAIL: checkpoint() still running after %d s\n", limit);
	return 1;
}

static int sec_pipe[2];

/* The worker keeps only the write end of a pipe holding root's data. */
static void keep_write_end(int keep)
{
	(void)keep;
	close(sec_pipe[0]);
}

static uint8_t *sec_shared;

/* The worker unmaps page 0 of a shared region and keeps page 1. */
static void keep_page_one(int keep)
{
	(void)keep;
	munmap(sec_shared, 4096);
}

static void keep_memfd(int keep)
{
	(void)keep;
}

#define DEPUTY_FILE "/tmp/kcr-dm"	/* as long as "/proc/1/mem" */
#define ROOT_ONLY "/tmp/kcr-ro"		/* the same length, mode 0600 */
#define DEPUTY_FD 7

/*
 * The confused deputy: uid 1000 checkpoints itself with a file of its own
 * at fd 7, edits the image so that the file is /proc/1/mem (path, inode,
 * mode, size and mtime as stat() shows them) and fixes the checksum; a
 * root restarter restarts it.  The restart must fail: the file is opened
 * with the image's ids, and checkpoint never saves a proc file.  Returns
 * 0 when refused.
 */
static int confused_deputy(const char *target, int proc)
{
	struct stat st;
	uint8_t *img;
	size_t len = 0;
	int status, fd, found = 0, i;
	pid_t c;

	fd = open(DEPUTY_FILE, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		return 2;
	close(fd);
	unlink(SEC_IMG);
	c = fork();
	if (c == 0) {
		char link[64] = "";

		become(1000, NULL, 0);
		if (dup2(open(DEPUTY_FILE, O_RDONLY), DEPUTY_FD) != DEPUTY_FD)
			_exit(3);
		sec_checkpoint_self();
		/* Restarted: does fd 7 reach the target? */
		if (readlink("/proc/self/fd/7", link, sizeof(link) - 1) > 0 &&
		    !strcmp(link, target))
			_exit(42);
		_exit(43);
	}
	waitpid(c, &status, 0);
	img = load_sec_img(&len);
	if (!WIFEXITED(status) || WEXITSTATUS(status) || !img || !len) {
		FAIL("deputy: checkpoint as uid 1000 (status %#x)", status);
		free(img);
		return 1;
	}
	if (stat(target, &st)) {
		FAIL("deputy: stat %s: %s", target, strerror(errno));
		free(img);
		return 1;
	}
	index_records(img, len);
	for (i = 0; i < nr_recs; i++) {
		struct kcr_rec_file *f = (void *)(img + rec_off[i]);
		char *path = (char *)(f + 1);

		if (f->h.type != KCR_REC_FILE ||
		    f->path_len != sizeof(DEPUTY_FILE) ||
		    memcmp(path, DEPUTY_FILE, sizeof(DEPUTY_FILE)))
			continue;
		memcpy(path, target, sizeof(DEPUTY_FILE));
		f->ino = st.st_ino;
		f->mode = st.st_mode;
		f->size = st.st_size;
		f->mtime_sec = st.st_mtim.tv_sec;
		f->mtime_nsec = st.st_mtim.tv_nsec;
		if (proc) {
			/* As a file of /proc: no inode number, size or time. */
			f->kind = KCR_FILE_PROC;
			f->ino = 0;
			f->size = 0;
			f->mtime_sec = 0;
			f->mtime_nsec = 0;
		}
		found = 1;
	}
	fix_tail(img, len);
	fd = open(SEC_IMG, O_WRONLY | O_TRUNC);
	if (!found || fd < 0 || write(fd, img, len) != (ssize_t)len) {
		FAIL("deputy: editing the image (found %d)", found);
		free(img);
		return 1;
	}
	close(fd);
	free(img);
	status = sec_restart_as_root();
	if (WIFEXITED(status) && WEXITSTATUS(status) == 42)
		printf("FAIL: the restarted uid-1000 task holds %s\n", target);
	unlink(SEC_IMG);
	unlink(DEPUTY_FILE);
	return !(WIFEXITED(status) && WEXITSTATUS(status) == 44);
}

/*
 * RLIMIT_NPROC across a root restart: uid 1000, already running two
 * processes, lowers its RLIMIT_NPROC to 1 and checkpoints itself; root
 * restarts it.  As after setresuid(), the restored task is over its limit
 * and its next execve() must fail with EAGAIN.  Returns 0 if it did.
 */
static int nproc_kept(void)
{
	pid_t sleepers[2], c;
	int status, i;

	for (i = 0; i < 2; i++) {
		sleepers[i] = fork();
		if (sleepers[i] == 0) {
			become(1000, NULL, 0);
			for (;;)
				pause();
		}
	}
	unlink(SEC_IMG);
	c = fork();
	if (c == 0) {
		struct rlimit one = { 1, 1 };

		become(1000, NULL, 0);
		if (setrlimit(RLIMIT_NPROC, &one))
			_exit(3);
		sec_checkpoint_self();
		execl("/bin/sh", "sh", "-c", "exit 42", (char *)NULL);
		_exit(errno == EAGAIN ? 0 : 43);
	}
	waitpid(c, &status, 0);
	if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		FAIL("nproc: checkpoint as uid 1000 (status %#x)", status);
	} else {
		status = sec_restart_as_root();
		printf("nproc: restored task's execve: status %#x (0: EAGAIN, 42: ran)\n",
		       status);
	}
	for (i = 0; i < 2; i++) {
		kill(sleepers[i], SIGKILL);
		waitpid(sleepers[i], NULL, 0);
	}
	unlink(SEC_IMG);
	return !(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

/*
 * The dumpable flag across a root restart: a process of uid sets it to
 * want and checkpoints itself, root restarts it, the restored process
 * must find it as it left it (a credential change of the restart must not
 * decide it).  Returns 0 if it did.
 */
static int dumpable_kept(uid_t uid, int want)
{
	int status;
	pid_t c;

	unlink(SEC_IMG);
	c = fork();
	if (c == 0) {
		if (uid)
			become(uid, NULL, 0);
		prctl(PR_SET_DUMPABLE, want, 0, 0, 0);
		sec_checkpoint_self();
		_exit(prctl(PR_GET_DUMPABLE, 0, 0, 0, 0) == want ? 0 : 42);
	}
	waitpid(c, &status, 0);
	if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		FAIL("dumpable: checkpoint as uid %d (status %#x)", uid, status);
		return 1;
	}
	status = sec_restart_as_root();
	unlink(SEC_IMG);
	return !(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

static int cmd_security(void)
{
	static uint8_t m[MARK_LEN];
	uint8_t *img;
	size_t len = 0, off;
	int mfd;

	setvbuf(stdout, NULL, _IONBF, 0);
	if (getuid() != 0) {
		printf("SKIP: security needs root to set up uid 1000\n");
		return 0;
	}
	CHECK(!attack_mid_dump(1),
	      "security: victim killed while checkpoint() dumps it: an error, no oops");
	CHECK(!attack_mid_dump(0),
	      "security: victim thawed while checkpoint() dumps it: EBUSY");

	chmod("/tmp", 01777);
	/* A pipe's data is saved only for a task that can read it. */
	mark(m, 1);
	if (pipe(sec_pipe) || write(sec_pipe[1], m, MARK_LEN) < 0)
		return 2;
	explicit_bzero(m, sizeof(m));
	CHECK(!worker_checkpoint(keep_write_end, sec_pipe[1], 20),
	      "security: worker with a pipe's write end checkpoints itself");
	close(sec_pipe[0]);
	close(sec_pipe[1]);
	img = load_sec_img(&len);
	index_records(img ? img : (uint8_t *)"", len);
	off = img ? find_rec(img, KCR_REC_PIPE) : 0;
	CHECK(off && ((struct kcr_rec_pipe *)(img + off))->nr_bytes == 0 &&
	      !img_has_mark(img, len, 1),
	      "security: the data of a pipe held only for writing is not in the image");
	free(img);

	/* A shared region is saved only where the task maps it. */
	sec_shared = mmap(NULL, 2 * 4096, PROT_READ | PROT_WRITE,
			  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sec_shared == MAP_FAILED)
		return 2;
	mark(sec_shared, 2);
	mark(sec_shared + 4096, 3);
	CHECK(!worker_checkpoint(keep_page_one, -1, 20),
	      "security: worker mapping page 1 of a shared region checkpoints itself");
	munmap(sec_shared, 2 * 4096);
	img = load_sec_img(&len);
	CHECK(img_has_mark(img, len, 3) && !img_has_mark(img, len, 2),
	      "security: only the mapped page of a shared region is in the image");
	free(img);

	/*
	 * A memfd of 2^62 bytes with one page: the dump costs its pages, not
	 * its size (2^50 page lookups would never end).
	 */
	mfd = memfd_create("kcr-sparse", 0);
	mark(m, 4);
	if (mfd < 0 || ftruncate(mfd, 1LL << 62) ||
	    pwrite(mfd, m, MARK_LEN, 1LL << 40) < 0)
		return 2;
	explicit_bzero(m, sizeof(m));
	CHECK(!worker_checkpoint(keep_memfd, mfd, 20),
	      "security: a 2^62-byte sparse memfd is checkpointed within 20 s");
	close(mfd);
	img = load_sec_img(&len);
	CHECK(img_has_mark(img, len, 4),
	      "security: the sparse memfd's one page is in the image");
	free(img);
	unlink(SEC_IMG);

	CHECK(!dumpable_kept(0, 0),
	      "security: a root process made undumpable stays so across a root restart");
	CHECK(!dumpable_kept(1000, 1),
	      "security: a dumpable uid-1000 process stays dumpable across a root restart");
	CHECK(!nproc_kept(),
	      "security: a root restart into a user at its RLIMIT_NPROC: the next execve() fails");
	CHECK(!confused_deputy("/proc/1/mem", 0),
	      "security: an image edited to name /proc/1/mem is refused to a root restarter");
	CHECK(!confused_deputy("/proc/1/mem", 1),
	      "security: an image edited to name /proc/1/mem as a file of /proc is refused to a root restarter");
	mfd = open(ROOT_ONLY, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (mfd < 0 || fchmod(mfd, 0600))
		return 2;
	close(mfd);
	CHECK(!confused_deputy(ROOT_ONLY, 0),
	      "security: an image edited to name a root-only file is refused to a root restarter");
	/*
	 * Execute-only for uid 1000: restart maps such a file (a program
	 * installed 0711), but never gives its user a descriptor of it.
	 */
	if (chmod(ROOT_ONLY, 0711))
		return 2;
	CHECK(!confused_deputy(ROOT_ONLY, 0),
	      "security: an image edited to give a descriptor of an execute-only file is refused");
	unlink(ROOT_ONLY);
	printf("%s: security: %d failure(s)\n", failures ? "FAIL" : "PASS",
	       failures);
	return failures ? 1 : 0;
}

/* ------------------------------------------------------------------ */
/* Error cases. */

static void *idle_thread(void *arg)
{
	for (;;)
		pause();
	return arg;
}

/* Ways into a sandbox that restart does not restore; 0 when entered. */
static int enter_seccomp(void)
{
	struct sock_filter allow[] = {
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = { .len = 1, .filter = allow };

	return prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) ||
	       prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog);
}

static int enter_no_new_privs(void)
{
	return prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
}

static int enter_fewer_caps(void)
{
	struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct data[2];

	if (syscall(SYS_capget, &hdr, data))
		return -1;
	data[0].effective &= ~(1U << CAP_DAC_OVERRIDE);
	data[0].permitted &= ~(1U << CAP_DAC_OVERRIDE);
	return syscall(SYS_capset, &hdr, data);
}

static int enter_bounding_set(void)
{
	return prctl(PR_CAPBSET_DROP, CAP_SYS_ADMIN, 0, 0, 0);
}

static int enter_securebits(void)
{
	return prctl(PR_SET_SECUREBITS, 1 << 2 /* SECURE_NO_SETUID_FIXUP */, 0, 0, 0);
}

#ifndef PR_SET_MDWE
#define PR_SET_MDWE 65
#define PR_MDWE_REFUSE_EXEC_GAIN 1
#endif

static int enter_mdwe(void)
{
	return prctl(PR_SET_MDWE, PR_MDWE_REFUSE_EXEC_GAIN, 0, 0, 0);
}

static int enter_uts_ns(void)
{
	return unshare(CLONE_NEWUTS);
}

static int enter_mount_ns(void)
{
	return unshare(CLONE_NEWNS);
}

static const struct {
	const char *what;
	int (*enter)(void);
} sandboxes[] = {
	{ "a seccomp filter", enter_seccomp },
	{ "no_new_privs", enter_no_new_privs },
	{ "CAP_DAC_OVERRIDE dropped", enter_fewer_caps },
	{ "CAP_SYS_ADMIN out of the bounding set", enter_bounding_set },
	{ "securebits", enter_securebits },
	{ "memory-deny-write-execute (PR_SET_MDWE)", enter_mdwe },
	{ "its own UTS namespace", enter_uts_ns },
	{ "its own mount namespace", enter_mount_ns },
};

/*
 * In a child that entered a sandbox, checkpoint itself (or, restart,
 * restart from /dev/null): 0 if that failed with want, else the child's
 * exit status (3: could not enter, 1: another result), -1 if killed.
 */
static int in_sandbox(int (*enter)(void), int restart, int want)
{
	int st = 0;
	pid_t c = fork();

	if (c == 0) {
		int fd = restart ? open("/dev/null", O_RDONLY) :
			 open("/tmp/kcr-refused.img", O_WRONLY | O_CREAT | O_TRUNC, 0600);
		long ret;

		if (enter())
			_exit(3);
		ret = restart ? sys_restart(0, fd, 0, 2) : sys_checkpoint(0, fd, 0, 2);
		_exit(ret < 0 && errno == want ? 0 : 1);
	}
	waitpid(c, &st, 0);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static int cmd_errors(void)
{
	int pfd[2], fd, i;
	long ret;

	setvbuf(stdout, NULL, _IONBF, 0);
	ret = sys_checkpoint(0, 12345, 0, -1);
	CHECK(ret < 0 && errno == EBADF, "checkpoint to a closed fd: EBADF");
	fd = open("/proc/self/stat", O_RDONLY);
	ret = sys_checkpoint(0, fd, 0, -1);
	CHECK(ret < 0 && errno == EBADF, "checkpoint to a read-only fd: EBADF");
	close(fd);
	ret = sys_checkpoint(0, 1, 1, -1);
	CHECK(ret < 0 && errno == EINVAL, "checkpoint with unknown flags: EINVAL");
	ret = sys_checkpoint(0, -1, 0, -1);
	CHECK(ret < 0 && errno == EINVAL, "checkpoint to fd -1 without KCR_CHECKPOINT_KILL: EINVAL");
	ret = sys_checkpoint(0, -1, KCR_CHECKPOINT_KILL, -1);
	CHECK(ret < 0 && errno == EINVAL, "KCR_CHECKPOINT_KILL of itself: EINVAL");
	ret = sys_checkpoint(1, 1, KCR_CHECKPOINT_KILL, -1);
	CHECK(ret < 0 && errno == EINVAL, "KCR_CHECKPOINT_KILL with an image fd: EINVAL");
	ret = sys_checkpoint(1, -1, KCR_CHECKPOINT_KILL | KCR_CHECKPOINT_HOSTINFO, -1);
	CHECK(ret < 0 && errno == EINVAL, "KCR_CHECKPOINT_KILL with other flags: EINVAL");
	ret = sys_checkpoint(1, -1, KCR_CHECKPOINT_KILL | KCR_CHECKPOINT_RELEASE, -1);
	CHECK(ret < 0 && errno == EINVAL, "KCR_CHECKPOINT_KILL with KCR_CHECKPOINT_RELEASE: EINVAL");
	ret = sys_checkpoint(0, -1, KCR_CHECKPOINT_RELEASE, -1);
	CHECK(ret < 0 && errno == EINVAL, "KCR_CHECKPOINT_RELEASE of itself: EINVAL");
	ret = sys_checkpoint(0, 1, KCR_CHECKPOINT_HOLD, -1);
	CHECK(ret < 0 && errno == EINVAL, "KCR_CHECKPOINT_HOLD of itself: EINVAL");
	ret = sys_checkpoint(999999, 1, 0, -1);
	CHECK(ret < 0 && errno == ESRCH, "checkpoint of no process: ESRCH");
	ret = sys_checkpoint(1, 1, 0, 2);
	CHECK(ret < 0 && errno == EBUSY, "checkpoint of running init: EBUSY (%s)",
	      strerror(errno));

	if (pipe2(pfd, O_NONBLOCK))
		return 2;
	ret = sys_checkpoint(0, pfd[1], 0, 2);
	CHECK(ret < 0 && errno == EINVAL, "checkpoint to a non-blocking pipe: EINVAL");
	close(pfd[0]);
	close(pfd[1]);

	/*
	 * A deleted file is saved whole (a ghost file), but not a deleted
	 * name of a file that has another: refused, with a log line.
	 */
	{
		char tmpl[] = "/tmp/kcrXXXXXX";
		int tfd = mkstemp(tmpl);
		void *p;

		if (ftruncate(tfd, 4096) || link(tmpl, "/tmp/kcr-other-name"))
			return 2;
		p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, tfd, 0);
		close(tfd);
		unlink(tmpl);
		fd = open("/tmp/kcr-refused.img", O_WRONLY | O_CREAT | O_TRUNC, 0600);
		ret = sys_checkpoint(0, fd, 0, 2);
		CHECK(ret < 0 && errno == EOPNOTSUPP,
		      "checkpoint with a mapping of a deleted name of a linked file: EOPNOTSUPP");
		munmap(p, 4096);
		close(fd);
		unlink("/tmp/kcr-other-name");
	}

	/* Open files that cannot be checkpointed are refused, with a log line. */
	{
		struct sockaddr_un sun = { .sun_family = AF_UNIX };
		int sv[2], s, one = 1, efd;
		pid_t holder;

		fd = open("/tmp/kcr-refused.img", O_WRONLY | O_CREAT | O_TRUNC, 0600);
		/* Unix sockets in states not saved: a deleted file, SO_PASSSEC. */
		s = socket(AF_UNIX, SOCK_DGRAM, 0);
		strcpy(sun.sun_path, "/tmp/kcr-refused.sock");
		unlink(sun.sun_path);
		if (s < 0 || bind(s, (struct sockaddr *)&sun, sizeof(sun)) ||
		    unlink(sun.sun_path))
			return 2;
		if (refused_holding(fd, s, "a Unix socket whose file was deleted"))
			return 2;
		s = socket(AF_UNIX, SOCK_STREAM, 0);
		if (s < 0 || setsockopt(s, SOL_SOCKET, SO_PASSSEC, &one, sizeof(one)))
			return 2;
		if (refused_holding(fd, s, "a Unix socket with SO_PASSSEC"))
			return 2;
		/* Out-of-band data waiting on a stream socket is not kept. */
		if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) ||
		    send(sv[1], "o", 1, MSG_OOB) != 1)
			return 2;
		close(sv[1]);
		if (refused_holding(fd, sv[0], "out-of-band data on a Unix socket"))
			return 2;
		/* A peer in a process outside the checkpoint. */
		if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv))
			return 2;
		holder = fork();
		if (holder == 0) {
			close(sv[0]);
			pause();
			_exit(0);
		}
		close(sv[1]);
		ret = sys_checkpoint(0, fd, KCR_CHECKPOINT_UNIX_EXTERNAL, 2);
		CHECK(ret < 0 && errno == EOPNOTSUPP,
		      "checkpoint --ext-unix with an unnamed peer outside: EOPNOTSUPP");
		if (refused_holding(fd, sv[0], "a Unix socket whose peer is outside"))
			return 2;
		kill(holder, SIGKILL);
		waitpid(holder, NULL, 0);
		/* Connections not accepted yet, across the checkpoint's edge. */
		if (unix_edge_refusals(fd))
			return 2;
		if (inet_refusals(fd) || shared_inet_refusals(fd))
			return 2;
		/* An anonymous inode of a kind not saved: a perf event. */
		efd = perf_self_clock();
		if (efd < 0)
			return 2;
		/* ... and the same in flight on a Unix socket. */
		if (socketpair(AF_UNIX, SOCK_DGRAM, 0, sv) ||
		    pass_fd(sv[1], efd))
			return 2;
		close(sv[1]);
		if (refused_holding(fd, sv[0], "a perf event in flight on a Unix socket"))
			return 2;
		ret = sys_checkpoint(0, fd, 0, 2);
		CHECK(ret < 0 && errno == EOPNOTSUPP,
		      "checkpoint with a perf event open: EOPNOTSUPP");
		close(efd);
		/* Files of /proc: another process's, or written outside ours. */
		if (refused_holding(fd, open("/proc/1/status", O_RDONLY),
				    "/proc/1/status") ||
		    refused_holding(fd, open("/proc/sys/kernel/hostname", O_RDWR),
				    "/proc/sys/kernel/hostname for writing"))
			return 2;
		close(fd);
	}

	/* Leases are not saved: a file with a lease of ours is refused. */
	{
		int lfd = open("/tmp/kcr-lease", O_RDWR | O_CREAT, 0600);

		if (lfd < 0)
			return 2;
		close(lfd);
		lfd = open("/tmp/kcr-lease", O_RDONLY);
		fd = open("/tmp/kcr-refused.img", O_WRONLY | O_CREAT | O_TRUNC, 0600);
		if (lfd < 0 || fcntl(lfd, F_SETLEASE, F_RDLCK))
			return 2;
		ret = sys_checkpoint(0, fd, 0, 2);
		CHECK(ret < 0 && errno == EOPNOTSUPP,
		      "checkpoint holding a lease: EOPNOTSUPP");
		fcntl(lfd, F_SETLEASE, F_UNLCK);
		close(lfd);
		close(fd);
	}

	/* Timers on CPU-time clocks are not saved: refused. */
	{
		timer_t tid;

		fd = open("/tmp/kcr-refused.img", O_WRONLY | O_CREAT | O_TRUNC, 0600);
		if (timer_create(CLOCK_PROCESS_CPUTIME_ID, NULL, &tid))
			return 2;
		ret = sys_checkpoint(0, fd, 0, 2);
		timer_delete(tid);
		CHECK(ret < 0 && errno == EOPNOTSUPP,
		      "checkpoint with a POSIX timer on a CPU-time clock: EOPNOTSUPP");
		close(fd);
	}

	/*
	 * The sandbox a task runs in is not saved: a task whose filter,
	 * capabilities, securebits or namespaces differ from what restart
	 * would give it is refused, or it would come back with the
	 * restarter's (a root restarter's full capabilities, no filter).
	 */
	for (i = 0; i < (int)(sizeof(sandboxes) / sizeof(sandboxes[0])); i++) {
		int st = in_sandbox(sandboxes[i].enter, 0, EOPNOTSUPP);

		CHECK(!st, "checkpoint with %s: EOPNOTSUPP (child status %d)",
		      sandboxes[i].what, st);
	}

	ret = sys_restart(0, 12345, 0, -1);
	CHECK(ret < 0 && errno == EBADF, "restart from a closed fd: EBADF");
	ret = sys_restart(1, 0, 0, -1);
	CHECK(ret < 0 && errno == EINVAL, "restart of another pid: EINVAL");
	fd = open("/proc/self/stat", O_RDONLY);
	ret = sys_restart(0, fd, 0, 2);
	CHECK(ret < 0 && errno == EINVAL, "restart from garbage: EINVAL");
	close(fd);
	fd = open("/dev/null", O_RDONLY);
	ret = sys_restart(0, fd, 0, 2);
	CHECK(ret < 0 && errno == EINVAL, "restart from an empty file: EINVAL");
	close(fd);
	/* A caller under memory-deny-write-execute may not restart. */
	i = in_sandbox(enter_mdwe, 1, EPERM);
	CHECK(!i, "restart by a caller under PR_SET_MDWE: EPERM (child status %d)", i);
	/* Last: a multi-threaded process cannot checkpoint itself. */
	{
		pthread_t th;

		if (pthread_create(&th, NULL, idle_thread, NULL) == 0) {
			fd = open("/tmp/kcr-refused.img", O_WRONLY | O_CREAT | O_TRUNC, 0600);
			ret = sys_checkpoint(0, fd, 0, 2);
			CHECK(ret < 0 && errno == EOPNOTSUPP,
			      "self-checkpoint with two threads: EOPNOTSUPP");
			close(fd);
		} else {
			FAIL("pthread_create");
		}
	}

	fd = open("/dev/null", O_RDONLY);
	ret = sys_restart(0, fd, 0, 2);
	CHECK(ret < 0 && errno == EBUSY, "restart by a multi-threaded caller: EBUSY");
	close(fd);
	frozen_signalled();
	tcp_hold_expires();
	tcp_release_parked();
	printf("%s: errors: %d failure(s)\n", failures ? "FAIL" : "PASS",
	       failures);
	return failures ? 1 : 0;
}

/* ------------------------------------------------------------------ */
/* Fuzzing. */

/* XXH64 (seed 0), the image checksum, as lib/xxhash.c computes it. */
#define XXH_P1 0x9E3779B185EBCA87ULL
#define XXH_P2 0xC2B2AE3D27D4EB4FULL
#define XXH_P3 0x165667B19E3779F9ULL
#define XXH_P4 0x85EBCA77C2B2AE63ULL
#define XXH_P5 0x27D4EB2F165667C5ULL

static uint64_t xxh_rotl(uint64_t x, int r)
{
	return (x << r) | (x >> (64 - r));
}

static uint64_t xxh_round(uint64_t acc, uint64_t in)
{
	return xxh_rotl(acc + in * XXH_P2, 31) * XXH_P1;
}

static uint64_t xxh_merge(uint64_t acc, uint64_t v)
{
	return (acc ^ xxh_round(0, v)) * XXH_P1 + XXH_P4;
}

static uint64_t xxh64(const uint8_t *p, size_t n)
{
	const uint8_t *end = p + n;
	uint64_t h, v[4] = { XXH_P1 + XXH_P2, XXH_P2, 0, -XXH_P1 };
	uint64_t w;
	uint32_t w32;
	int i;

	if (n >= 32) {
		for (; p + 32 <= end; p += 32) {
			for (i = 0; i < 4; i++) {
				memcpy(&w, p + 8 * i, 8);
				v[i] = xxh_round(v[i], w);
			}
		}
		h = xxh_rotl(v[0], 1) + xxh_rotl(v[1], 7) +
		    xxh_rotl(v[2], 12) + xxh_rotl(v[3], 18);
		for (i = 0; i < 4; i++)
			h = xxh_merge(h, v[i]);
	} else {
		h = XXH_P5;
	}
	h += n;
	for (; p + 8 <= end; p += 8) {
		memcpy(&w, p, 8);
		h = xxh_rotl(h ^ xxh_round(0, w), 27) * XXH_P1 + XXH_P4;
	}
	if (p + 4 <= end) {
		memcpy(&w32, p, 4);
		h = xxh_rotl(h ^ (uint64_t)w32 * XXH_P1, 23) * XXH_P2 + XXH_P3;
		p += 4;
	}
	for (; p < end; p++)
		h = xxh_rotl(h ^ *p * XXH_P5, 11) * XXH_P1;
	h ^= h >> 33;
	h *= XXH_P2;
	h ^= h >> 29;
	h *= XXH_P3;
	h ^= h >> 32;
	return h;
}

static uint64_t rng_state;

static uint64_t rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

/* Offsets of the records of a well-formed image. */

static void index_records(const uint8_t *img, size_t len)
{
	size_t off = 0;

	nr_recs = 0;
	while (off + 8 <= len && nr_recs < (int)(sizeof(rec_off) / sizeof(rec_off[0]))) {
		const struct kcr_hdr *h = (const void *)(img + off);

		if (h->len < 8 || off + h->len > len)
			break;
		rec_off[nr_recs++] = off;
		off += h->len;
	}
}

/* Recompute the tail so that the mutation reaches the record checks. */
static void fix_tail(uint8_t *img, size_t len)
{
	size_t off = 0, last = 0;
	uint32_t n = 0;

	while (off + 8 <= len) {
		const struct kcr_hdr *h = (const void *)(img + off);

		if (h->type == KCR_REC_TAIL || h->len < 8 || off + h->len > len)
			break;
		off += h->len;
		n++;
	}
	last = off;
	if (last + sizeof(struct kcr_rec_tail) <= len) {
		struct kcr_rec_tail *t = (void *)(img + last);

		t->xxh64 = xxh64(img, last);
		t->nr_records = n;
		t->total_len = last;
	}
}

static const char *mutate(uint8_t *img, size_t *len, const uint8_t *orig,
			  size_t olen)
{
	size_t r = nr_recs ? rec_off[rnd() % nr_recs] : 0;
	struct kcr_hdr *h = (void *)(img + r);
	static const uint32_t lens[] = { 0, 4, 8, 12, 16, 24, 4096, 1u << 20,
					 (1u << 20) + 8, 0x7ffffff8, 0xfffffff8 };
	int i, n;

	memcpy(img, orig, olen);
	*len = olen;
	switch (rnd() % 7) {
	case 0:
		n = 1 + rnd() % 8;
		for (i = 0; i < n; i++) {
			size_t o = rnd() % olen;

			img[o] ^= 1 << (rnd() % 8);
		}
		return "bitflip";
	case 1:
		*len = rnd() % olen;
		return "truncate";
	case 2:
		h->len = rnd() % 2 ? lens[rnd() % (sizeof(lens) / sizeof(lens[0]))]
				   : h->len + (int)(rnd() % 33) * 8 - 128;
		return "length";
	case 3:
		h->type = rnd() % 2 ? (uint32_t)(rnd() % 12) : (uint32_t)rnd();
		return "type";
	case 4: {
		/* A random 64-bit field inside a record's fixed part. */
		size_t span = h->len > 64 ? 64 : h->len;
		size_t o = r + 8 + 8 * (rnd() % (span / 8 ? span / 8 : 1));
		static const uint64_t vals[] = { 0, 1, ~0ULL, 0x7fffffffffffULL,
			0x800000000000ULL, 0xffff800000000000ULL, 4096, 0x33,
			0x2b, 0x10, 0x3202, 0x1000 };

		if (o + 8 <= *len)
			memcpy(img + o, &vals[rnd() % (sizeof(vals) / sizeof(vals[0]))], 8);
		return "field";
	}
	case 5: {
		/* Swap two records. */
		size_t r2 = nr_recs ? rec_off[rnd() % nr_recs] : 0;
		struct kcr_hdr *h2 = (void *)(img + r2);

		if (r2 < r) {
			size_t t = r;

			r = r2;
			r2 = t;
			h = (void *)(img + r);
			h2 = (void *)(img + r2);
		}
		if (r != r2 && r + h->len <= r2) {
			uint32_t l1 = h->len, l2 = h2->len;
			uint8_t *tmp = malloc(olen);

			/* r:l1, gap, r2:l2 -> r2 content, gap, r content */
			memcpy(tmp, orig + r2, l2);
			memcpy(tmp + l2, orig + r + l1, r2 - (r + l1));
			memcpy(tmp + l2 + (r2 - (r + l1)), orig + r, l1);
			memcpy(img + r, tmp, l1 + l2 + (r2 - (r + l1)));
			free(tmp);
		}
		return "swap";
	}
	default:
		/* Drop a record. */
		if (nr_recs && r + h->len <= olen) {
			uint32_t l = h->len;

			memmove(img + r, orig + r + l, olen - r - l);
			*len = olen - l;
		}
		return "drop";
	}
}

/* State that puts every kind of record in the fuzzed image. */
/*
 * A controlling terminal (CTTY): a pty whose master another process holds
 * (not in the image: a pty master would be refused; not our child, whom
 * the fuzzer's waits would wait for), made this process's after setsid().
 * The restarted copies, members of this session, take it.
 */
static void fuzz_ctty(void)
{
	char name[64] = "";
	pid_t c, me = getpid();
	int p[2], fd, st;

	if (pipe(p))
		return;
	c = fork();
	if (c == 0 && fork() == 0) {
		int m = posix_openpt(O_RDWR | O_NOCTTY);

		if (m < 0 || grantpt(m) || unlockpt(m) ||
		    ptsname_r(m, name, sizeof(name)) ||
		    write(p[1], name, sizeof(name)) != sizeof(name))
			_exit(1);
		close(p[1]);
		/* Until the fuzzer is gone. */
		while (!kill(me, 0))
			usleep(100000);
		_exit(0);
	}
	if (c == 0)
		_exit(0);
	close(p[1]);
	if (c > 0)
		waitpid(c, &st, 0);
	if (c < 0 || read(p[0], name, sizeof(name)) != sizeof(name) ||
	    !name[0]) {
		printf("fuzz: no pty for a controlling terminal\n");
		close(p[0]);
		return;
	}
	close(p[0]);
	if (setsid() < 0) {
		printf("fuzz: no controlling terminal: setsid: %s\n", strerror(errno));
		return;
	}
	fd = open(name, O_RDWR);
	if (fd >= 0) {
		dup2(fd, 53);
		close(fd);
	}
}

static void fuzz_unix_named(void);
static void fuzz_inet_state(void);
static void fuzz_inet_ports(const uint8_t *orig, size_t olen);

static void fuzz_state(void)
{
	stack_t ss = { .ss_sp = altstack, .ss_size = sizeof(altstack) };
	struct sigaction sa;
	sigset_t set;
	int p[2], fd;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_usr1;
	sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
	sigaction(SIGUSR1, &sa, NULL);
	sigaltstack(&ss, NULL);
	sigemptyset(&set);
	sigaddset(&set, SIGRTMIN);
	sigaddset(&set, SIGUSR2);
	sigprocmask(SIG_BLOCK, &set, NULL);
	queue_to_thread(SIGRTMIN, 1);
	queue_to_thread(SIGRTMIN, 2);
	sigqueue(getpid(), SIGUSR2, (union sigval){ .sival_int = 5 });
	if (pipe(p) || write(p[1], "fuzz pipe data", 14) != 14)
		return;
	dup2(p[0], 40);
	dup2(p[1], 41);
	close(p[0]);
	close(p[1]);
	fd = open("/tmp/kcr-fuzz.txt", O_RDWR | O_CREAT | O_TRUNC, 0644);
	if (fd < 0 || write(fd, "0123456789abcdef", 16) != 16)
		return;
	dup2(fd, 42);
	dup2(fd, 43);
	close(fd);
	lseek(42, 10, SEEK_SET);
	fd = open("/dev/null", O_WRONLY);
	dup3(fd, 44, O_CLOEXEC);
	close(fd);
	/* Shared memory: a memfd (fd and mapping) and a shared anonymous page. */
	fd = memfd_create("kcr-fuzz", 0);
	if (fd < 0 || ftruncate(fd, 2 * 4096))
		return;
	dup2(fd, 45);
	close(fd);
	fshared = mmap(NULL, 2 * 4096, PROT_READ | PROT_WRITE, MAP_SHARED, 45, 0);
	shanon = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (fshared != MAP_FAILED && shanon != MAP_FAILED) {
		memcpy(fshared, "memfd", 5);
		memcpy(shanon, "shared", 6);
	}
	/* An eventfd with a count (a FILE and its EVENTFD record). */
	fd = eventfd(3, EFD_SEMAPHORE | EFD_NONBLOCK);
	if (fd >= 0) {
		dup2(fd, 46);
		close(fd);
	}
	/* An armed timerfd (a FILE and its TIMERFD record). */
	fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK);
	if (fd >= 0) {
		struct itimerspec it = { { 1, 0 }, { 100, 0 } };

		timerfd_settime(fd, 0, &it, NULL);
		dup2(fd, 48);
		close(fd);
	}
	/* An armed interval timer (an ITIMERS record). */
	{
		struct itimerval iv = { { 100, 0 }, { 100, 0 } };

		setitimer(ITIMER_VIRTUAL, &iv, NULL);
	}
	/* An epoll watching the eventfd and the pipe (an EPOLL record). */
	fd = epoll_create1(0);
	if (fd >= 0) {
		struct epoll_event e = { .events = EPOLLIN | EPOLLET };

		epoll_ctl(fd, EPOLL_CTL_ADD, 46, &e);
		e.events = EPOLLIN;
		e.data.u64 = 40;
		epoll_ctl(fd, EPOLL_CTL_ADD, 40, &e);
		dup2(fd, 49);
		close(fd);
	}
	/* A signalfd (a FILE and its SIGNALFD record). */
	fd = signalfd(-1, &set, SFD_NONBLOCK);
	if (fd >= 0) {
		dup2(fd, 47);
		close(fd);
	}
	/* POSIX timers, one signalling a blocked signal (PTIMERS, PTIMER). */
	{
		struct sigevent ev = { .sigev_notify = SIGEV_SIGNAL,
				       .sigev_signo = SIGUSR2 };
		struct itimerspec it = { { 100, 0 }, { 100, 0 } };
		timer_t t;

		if (!timer_create(CLOCK_MONOTONIC, &ev, &t))
			timer_settime(t, 0, &it, NULL);
		ev.sigev_notify = SIGEV_NONE;
		if (!timer_create(CLOCK_BOOTTIME, &ev, &t))
			timer_settime(t, 0, &it, NULL);
	}
	/*
	 * Read locks, which the restarted copies take again beside this
	 * process's (LOCK): POSIX, OFD and flock().
	 */
	{
		struct flock l = { .l_type = F_RDLCK, .l_whence = SEEK_SET,
				   .l_start = 2, .l_len = 4 };

		fcntl(42, F_SETLK, &l);
		l.l_start = 8;
		fcntl(42, F_OFD_SETLK, &l);
		flock(42, LOCK_SH);
	}
	/* Signal-driven I/O on the pipe's read end (FOWN). */
	fcntl(40, F_SETOWN, getpid());
	fcntl(40, F_SETSIG, SIGUSR2);
	fcntl(40, F_SETFL, fcntl(40, F_GETFL) | O_ASYNC);
	/* A sealed memfd (SEALS). */
	fd = memfd_create("kcr-fuzz-sealed", MFD_ALLOW_SEALING);
	if (fd >= 0 && !ftruncate(fd, 4096) &&
	    !fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE)) {
		dup2(fd, 50);
		close(fd);
	}
	/* inotify: two watches and an event queued (INOTIFY_WATCH, _EVENT). */
	fd = inotify_init1(IN_NONBLOCK);
	if (fd >= 0 && inotify_add_watch(fd, "/tmp", IN_CREATE | IN_DELETE) > 0 &&
	    inotify_add_watch(fd, "/tmp/kcr-fuzz.txt", IN_MODIFY | IN_ONESHOT) > 0) {
		int t;

		/* Made anew: an IN_CREATE to queue in every round. */
		unlink("/tmp/kcr-fuzz-inotify");
		t = open("/tmp/kcr-fuzz-inotify", O_CREAT | O_WRONLY, 0644);

		if (t >= 0)
			close(t);
		dup2(fd, 51);
		close(fd);
	}
	/* A terminal, not made the controlling one (FILE and its TTY). */
	fd = open("/dev/ttyS0", O_RDWR | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		printf("fuzz: no terminal: /dev/ttyS0: %s\n", strerror(errno));
	if (fd >= 0) {
		dup2(fd, 52);
		close(fd);
	}
	fuzz_ctty();
	/*
	 * Unix sockets: a stream pair with data queued both ways, and a
	 * datagram socket whose peer was closed with a datagram still
	 * queued (UNIX, UNIX_QUEUE, UNIX_SKB).
	 */
	{
		int sp[2], dg[2];

		if (!socketpair(AF_UNIX, SOCK_STREAM, 0, sp) &&
		    !socketpair(AF_UNIX, SOCK_DGRAM, 0, dg)) {
			if (write(sp[0], "ping", 4) != 4 ||
			    write(sp[1], "pong!", 5) != 5 ||
			    write(dg[1], "dgram", 5) != 5)
				printf("fuzz: cannot queue on a socket: %s\n",
				       strerror(errno));
			dup2(sp[0], 54);
			dup2(sp[1], 55);
			dup2(dg[0], 56);
			close(sp[0]);
			close(sp[1]);
			close(dg[0]);
			close(dg[1]);
		}
	}
	fuzz_unix_named();
	fuzz_inet_state();
}

#define FUZZ_SOCK "/tmp/kcr-fuzz.sock"

/*
 * Named Unix sockets (fds 57-59): a datagram socket bound to a path (its
 * file 0640), and an abstract stream listener with one connection not
 * accepted yet, from fd 59, with data (UNIX with a path, UNIX_EMBRYO).
 */
static void fuzz_unix_named(void)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	socklen_t alen = offsetof(struct sockaddr_un, sun_path) + 11;
	int p, l, c;

	strcpy(sun.sun_path, FUZZ_SOCK);
	unlink(FUZZ_SOCK);
	p = socket(AF_UNIX, SOCK_DGRAM, 0);
	if (p < 0 || bind(p, (struct sockaddr *)&sun, sizeof(sun)) ||
	    chmod(FUZZ_SOCK, 0640)) {
		printf("fuzz: cannot bind %s: %s\n", FUZZ_SOCK, strerror(errno));
		return;
	}
	/* A datagram carrying files in flight: a pipe end, itself, the pipe. */
	{
		int sv[2], fds[3];
		char cbuf[CMSG_SPACE(sizeof(fds))] = { 0 };
		struct iovec iov = { "fds", 3 };
		struct msghdr mh = {
			.msg_iov = &iov, .msg_iovlen = 1,
			.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
		};
		struct cmsghdr *c = CMSG_FIRSTHDR(&mh);

		if (socketpair(AF_UNIX, SOCK_DGRAM, 0, sv))
			return;
		fds[0] = 40;
		fds[1] = sv[0];
		fds[2] = 40;
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(fds));
		memcpy(CMSG_DATA(c), fds, sizeof(fds));
		if (sendmsg(sv[1], &mh, 0) != 3)
			printf("fuzz: cannot pass files: %s\n", strerror(errno));
		dup2(sv[0], 60);
		close(sv[0]);
		close(sv[1]);
	}
	memset(sun.sun_path, 0, sizeof(sun.sun_path));
	memcpy(sun.sun_path, "\0kcr-fuzz-l", 11);
	l = socket(AF_UNIX, SOCK_STREAM, 0);
	c = socket(AF_UNIX, SOCK_STREAM, 0);
	if (l < 0 || c < 0 || bind(l, (struct sockaddr *)&sun, alen) ||
	    listen(l, 2) || connect(c, (struct sockaddr *)&sun, alen) ||
	    write(c, "embryo", 6) != 6) {
		printf("fuzz: cannot listen: %s\n", strerror(errno));
		return;
	}
	dup2(p, 57);
	dup2(l, 58);
	dup2(c, 59);
	close(p);
	close(l);
	close(c);
}

/*
 * The names of the fuzz image's sockets.  While this process holds them,
 * restart fails with EADDRINUSE; once they are closed it binds them again
 * and takes the socket file left behind.  A file of another kind at the
 * path is refused (EEXIST); a missing one is made again with its mode.
 */
static void fuzz_unix_names(const uint8_t *orig, size_t olen)
{
	struct stat st;
	int status, fd;

	status = run_one(orig, olen, 0, 2);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == EADDRINUSE,
	      "fuzz: Unix socket names still held: EADDRINUSE (status %#x)",
	      status);
	close(57);
	close(58);
	close(59);
	fuzz_inet_ports(orig, olen);
	fd = open("/tmp/kcr-fuzz-other", O_CREAT | O_WRONLY, 0640);
	if (fd < 0 || rename("/tmp/kcr-fuzz-other", FUZZ_SOCK))
		FAIL("fuzz: cannot put a file at %s: %s", FUZZ_SOCK,
		     strerror(errno));
	if (fd >= 0)
		close(fd);
	status = run_one(orig, olen, 0, 2);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == EEXIST,
	      "fuzz: a regular file at a Unix socket's path: EEXIST (status %#x)",
	      status);
	unlink(FUZZ_SOCK);
	status = run_one(orig, olen, 0, 2);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == RESTORED &&
	      !stat(FUZZ_SOCK, &st) && S_ISSOCK(st.st_mode) &&
	      (st.st_mode & 07777) == 0640,
	      "fuzz: a missing socket file is made again, mode 0640 (status %#x, mode %o)",
	      status, st.st_mode);
	chmod(FUZZ_SOCK, 0600);
	status = run_one(orig, olen, 0, 2);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == RESTORED &&
	      !stat(FUZZ_SOCK, &st) && (st.st_mode & 07777) == 0640,
	      "fuzz: a stale socket file is taken again, mode 0640 (status %#x, mode %o)",
	      status, st.st_mode);
}

#define FUZZ_TCP_PORT	7491
#define FUZZ_UDP_PORT	7492

/*
 * TCP and UDP sockets (fds 61-63): a TCP listener on 127.0.0.1 with
 * SO_REUSEADDR, an IPv6 UDP socket on [::1] with two datagrams queued
 * (3000 bytes, then 9),
 * and an IPv4 UDP socket connected to 127.0.0.1 (INET, INET_DGRAM).
 */
static void fuzz_inet_state(void)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	struct sockaddr_in6 sin6 = { .sin6_family = AF_INET6 };
	static char big[3000];
	int l, u, c, t, one = 1;

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sin.sin_port = htons(FUZZ_TCP_PORT);
	sin6.sin6_addr = in6addr_loopback;
	sin6.sin6_port = htons(FUZZ_UDP_PORT);
	l = socket(AF_INET, SOCK_STREAM, 0);
	u = socket(AF_INET6, SOCK_DGRAM, 0);
	c = socket(AF_INET, SOCK_DGRAM, 0);
	t = socket(AF_INET6, SOCK_DGRAM, 0);
	if (l < 0 || u < 0 || c < 0 || t < 0 ||
	    setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(l, (struct sockaddr *)&sin, sizeof(sin)) || listen(l, 4) ||
	    bind(u, (struct sockaddr *)&sin6, sizeof(sin6)) ||
	    sendto(t, big, sizeof(big), 0, (struct sockaddr *)&sin6,
		   sizeof(sin6)) != sizeof(big) ||
	    sendto(t, "dgram-two", 9, 0, (struct sockaddr *)&sin6,
		   sizeof(sin6)) != 9 ||
	    connect(c, (struct sockaddr *)&sin, sizeof(sin))) {
		printf("fuzz: cannot make the IP sockets: %s\n", strerror(errno));
		return;
	}
	dup2(l, 61);
	dup2(u, 62);
	dup2(c, 63);
	close(l);
	close(u);
	close(c);
	close(t);
}

/*
 * While this process holds the fuzz image's TCP port, restart fails with
 * EADDRINUSE, before anything is made; once it is closed, restart binds
 * it again.
 */
static void fuzz_inet_ports(const uint8_t *orig, size_t olen)
{
	int status;

	status = run_one(orig, olen, 0, 2);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == EADDRINUSE,
	      "fuzz: a TCP port still held: EADDRINUSE (status %#x)", status);
	close(61);
	close(62);
	close(63);
}

/* Offset of the first record of a type in img, or 0. */
static size_t find_rec(const uint8_t *img, uint32_t type)
{
	int i;

	for (i = 0; i < nr_recs; i++)
		if (((const struct kcr_hdr *)(img + rec_off[i]))->type == type)
			return rec_off[i];
	return 0;
}

static int make_fuzz_image(uint8_t **out, size_t *olen)
{
	int fd = memfd_create("kcr-fuzz-src", 0);
	pid_t me = getpid();
	struct stat st;
	long ret;

	/* A small image (no big heap) keeps each case fast under TCG. */
	ret = checkpoint_with_regs(fd, -1);
	/*
	 * A restarted copy stops quietly.  A mutated image may also return
	 * here with another ax: the pid tells the copies apart.
	 */
	if (getpid() != me)
		_exit(ret == 0 ? RESTORED : RESTORED + 1);
	if (ret < 0) {
		FAIL("fuzz: checkpoint: %s", strerror(-ret));
		return -1;
	}
	fstat(fd, &st);
	*olen = st.st_size;
	*out = malloc(*olen);
	if (pread(fd, *out, *olen, 0) != (ssize_t)*olen)
		return -1;
	close(fd);
	return 0;
}

static void feed_pipe(int wfd, const uint8_t *img, size_t len)
{
	size_t off = 0;

	signal(SIGPIPE, SIG_IGN);
	while (off < len) {
		ssize_t n = write(wfd, img + off, len - off);

		if (n <= 0)
			break;
		off += n;
	}
	_exit(0);
}


/*
 * Targeted cases for the inotify records: each forged field is refused
 * (EINVAL), and a watch whose path now names another file (ESTALE).
 */
static void fuzz_inotify(const uint8_t *orig, uint8_t *img, size_t olen)
{
	size_t w = find_rec(orig, KCR_REC_INOTIFY_WATCH);
	size_t e = find_rec(orig, KCR_REC_INOTIFY_EVENT);
	struct kcr_rec_inotify_watch *rw;
	struct kcr_rec_inotify_event *re;
	int status;

	if (!w || !e)
		return;
	memcpy(img, orig, olen);
	rw = (void *)(img + w);
	rw->wd = 0;
	fix_tail(img, olen);
	status = run_one(img, olen, 0, 2);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == EINVAL,
	      "fuzz: inotify watch descriptor 0: EINVAL (status %#x)", status);
	memcpy(img, orig, olen);
	rw = (void *)(img + w);
	rw->mask = IN_ONESHOT;
	fix_tail(img, olen);
	status = run_one(img, olen, 0, 2);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == EINVAL,
	      "fuzz: inotify watch of no event: EINVAL (status %#x)", status);
	memcpy(img, orig, olen);
	rw = (void *)(img + w);
	((char *)(rw + 1))[0] = 'x';
	fix_tail(img, olen);
	status = run_one(img, olen, 0, 2);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == EINVAL,
	      "fuzz: inotify watch of a relative path: EINVAL (status %#x)", status);
	memcpy(img, orig, olen);
	rw = (void *)(img + w);
	rw->ino ^= 1;
	fix_tail(img, olen);
	status = run_one(img, olen, 0, 2);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == ESTALE,
	      "fuzz: inotify watch of another inode: ESTALE (status %#x)", status);
	memcpy(img, orig, olen);
	re = (void *)(img + e);
	re->mask = IN_Q_OVERFLOW;
	fix_tail(img, olen);
	status = run_one(img, olen, 0, 2);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == EINVAL,
	      "fuzz: inotify overflow event of a watch: EINVAL (status %#x)", status);
	memcpy(img, orig, olen);
	re = (void *)(img + e);
	re->name_len += 1;
	fix_tail(img, olen);
	status = run_one(img, olen, 0, 2);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == EINVAL,
	      "fuzz: inotify event name longer than it is: EINVAL (status %#x)", status);
}

/* The first Unix socket buffer with files in flight, or 0. */
static size_t find_unix_fds(const uint8_t *img)
{
	int i;

	for (i = 0; i < nr_recs; i++) {
		const struct kcr_rec_unix_skb *r = (const void *)(img + rec_off[i]);

		if (r->h.type == KCR_REC_UNIX_SKB && r->nr_fds)
			return rec_off[i];
	}
	return 0;
}

/* Forged files in flight: a count, an id the image does not define. */
static void fuzz_unix_fds(const uint8_t *orig, uint8_t *img, size_t olen)
{
	size_t b = find_unix_fds(orig);
	struct kcr_rec_unix_skb *r = (void *)(img + b);
	int status;

	CHECK(b, "fuzz: the image has a Unix socket buffer with files in flight");
	if (!b)
		return;
	memcpy(img, orig, olen);
	r->nr_fds += 2;
	fix_tail(img, olen);
	status = run_one(img, olen, 0, 2);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == EINVAL,
	      "fuzz: more files in flight than the record holds: EINVAL (status %#x)",
	      status);
	memcpy(img, orig, olen);
	((uint32_t *)(r + 1))[0] = 0xfffff;
	fix_tail(img, olen);
	status = run_one(img, olen, 0, 2);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == EINVAL,
	      "fuzz: a file in flight the image does not define: EINVAL (status %#x)",
	      status);
	/* Three ids: one word of padding. */
	memcpy(img, orig, olen);
	CHECK(r->nr_fds == 3, "fuzz: the buffer carries 3 files (%u)", r->nr_fds);
	((uint32_t *)(r + 1))[3] = 1;
	fix_tail(img, olen);
	status = run_one(img, olen, 0, 2);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == EINVAL,
	      "fuzz: files in flight with padding that is not zero: EINVAL (status %#x)",
	      status);
}

/*
 * Targeted cases for the Unix socket records: each forged field is
 * refused with EINVAL, and nothing is connected to what the image did
 * not define.
 */
static void fuzz_unix(const uint8_t *orig, uint8_t *img, size_t olen)
{
	size_t u = find_rec(orig, KCR_REC_UNIX);
	size_t q = find_rec(orig, KCR_REC_UNIX_QUEUE);
	size_t b = find_rec(orig, KCR_REC_UNIX_SKB);
	size_t e = find_rec(orig, KCR_REC_UNIX_EMBRYO);
	int status;

	if (!u || !q || !b || !e) {
		FAIL("fuzz: the image lacks a Unix socket record (%zu %zu %zu %zu)",
		     u, q, b, e);
		return;
	}
	memcpy(img, orig, olen);
	((struct kcr_rec_unix_embryo *)(img + e))->peer = KCR_UNIX_PEER_EMBRYO;
	fix_tail(img, olen);
	status = run_one(img, olen, 0, 2);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == EINVAL,
	      "fuzz: Unix connection not accepted from an embryo: EINVAL (status %#x)",
	      status);
	memcpy(img, orig, olen);
	((struct kcr_rec_unix_embryo *)(img + e))->bytes += 1;
	fix_tail(img, olen);
	status = run_one(img, olen, 0, 2);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == EINVAL,
	      "fuzz: Unix connection not accepted with a wrong byte count: EINVAL (status %#x)",
	      status);
	memcpy(img, orig, olen);
	((struct kcr_rec_unix *)(img + u))->type = SOCK_RAW;
	fix_tail(img, olen);
	status = run_one(img, olen, 0, 2);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == EINVAL,
	      "fuzz: Unix socket of type SOCK_RAW: EINVAL (status %#x)", status);
	memcpy(img, orig, olen);
	((struct kcr_rec_unix *)(img + u))->addr_len = 5;
	fix_tail(img, olen);
	status = run_one(img, olen, 0, 2);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == EINVAL,
	      "fuzz: Unix socket name of family 0: EINVAL (status %#x)", status);
	memcpy(img, orig, olen);
	((struct kcr_rec_unix *)(img + u))->flags |= KCR_UNIX_BOUND;
	fix_tail(img, olen);
	status = run_one(img, olen, 0, 2);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == EINVAL,
	      "fuzz: Unix socket bound without a name: EINVAL (status %#x)", status);
	memcpy(img, orig, olen);
	((struct kcr_rec_unix_queue *)(img + q))->peer = 4;
	fix_tail(img, olen);
	status = run_one(img, olen, 0, 2);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == EINVAL,
	      "fuzz: Unix socket peer of an unknown kind: EINVAL (status %#x)", status);
	memcpy(img, orig, olen);
	((struct kcr_rec_unix_queue *)(img + q))->peer = KCR_UNIX_PEER_EMBRYO;
	fix_tail(img, olen);
	status = run_one(img, olen, 0, 2);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == EINVAL,
	      "fuzz: Unix socket connecting to a socket that does not listen: EINVAL (status %#x)",
	      status);
	memcpy(img, orig, olen);
	((struct kcr_rec_unix_queue *)(img + q))->peer_ref = 0xfffff;
	fix_tail(img, olen);
	status = run_one(img, olen, 0, 2);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == EINVAL,
	      "fuzz: Unix socket peer the image does not define: EINVAL (status %#x)",
	      status);
	memcpy(img, orig, olen);
	((struct kcr_rec_unix_queue *)(img + q))->bytes += 1;
	fix_tail(img, olen);
	status = run_one(img, olen, 0, 2);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == EINVAL,
	      "fuzz: Unix socket queue of more bytes than its buffers: EINVAL (status %#x)",
	      status);
	memcpy(img, orig, olen);
	((struct kcr_rec_unix_skb *)(img + b))->len += 8;
	fix_tail(img, olen);
	status = run_one(img, olen, 0, 2);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == EINVAL,
	      "fuzz: Unix socket buffer longer than its record: EINVAL (status %#x)",
	      status);
	fuzz_unix_fds(orig, img, olen);
}

/*
 * A forgery: orig with one record of type T at offset off changed by stmt
 * (on r), restarted from a memfd, must exit with want (an errno, or
 * RESTORED).
 */
#define FORGED(T, off, stmt, want, what)				\
	do {								\
		T *r;							\
		int st_;						\
									\
		memcpy(img, orig, olen);				\
		r = (T *)(img + (off));					\
		stmt;							\
		fix_tail(img, olen);					\
		st_ = run_one(img, olen, 0, 2);				\
		CHECK(WIFEXITED(st_) && WEXITSTATUS(st_) == (want),	\
		      "fuzz: %s: %s (status %#x)", what, #want, st_);	\
	} while (0)

/* The TCP and UDP records: each forged field refused before anything. */
static void fuzz_inet(const uint8_t *orig, uint8_t *img, size_t olen)
{
	size_t i = find_rec(orig, KCR_REC_INET);
	size_t d = find_rec(orig, KCR_REC_INET_DGRAM);
	size_t u = 0, c = 0, off;
	int n;

	if (!i || !d) {
		FAIL("fuzz: the image lacks an IP socket record (%zu %zu)", i, d);
		return;
	}
	/* The listener (i), the IPv6 UDP socket (u), the connected one (c). */
	for (n = 0; n < nr_recs; n++) {
		off = rec_off[n];
		if (((const struct kcr_hdr *)(orig + off))->type != KCR_REC_INET ||
		    off == i)
			continue;
		if (!u)
			u = off;
		else if (!c)
			c = off;
	}
	if (!u || !c) {
		FAIL("fuzz: the image lacks the UDP sockets");
		return;
	}
	FORGED(struct kcr_rec_inet, i, r->family = 3, EINVAL,
	       "IP socket of family 3");
	FORGED(struct kcr_rec_inet, i, r->protocol = IPPROTO_SCTP, EINVAL,
	       "IP socket of protocol SCTP");
	FORGED(struct kcr_rec_inet, i, r->saddr[5] = 1, EINVAL,
	       "IPv4 address longer than 4 bytes");
	FORGED(struct kcr_rec_inet, i, r->sport = 0, EINVAL,
	       "TCP listener without a port");
	FORGED(struct kcr_rec_inet, i, r->flags |= KCR_INET_V6ONLY, EINVAL,
	       "IPV6_V6ONLY on an IPv4 socket");
	FORGED(struct kcr_rec_inet, i, r->so.flags |= 0x100, EINVAL,
	       "unknown socket option flag");
	FORGED(struct kcr_rec_inet, i, memset(r->congestion, 'x', 16), EINVAL,
	       "congestion control name without a NUL");
	FORGED(struct kcr_rec_inet, i, strcpy(r->congestion, "nosuch"), ENOENT,
	       "congestion control the kernel lacks");
	FORGED(struct kcr_rec_inet, i, r->nr_skbs = 1, EINVAL,
	       "datagrams on a TCP socket");
	FORGED(struct kcr_rec_inet, u, r->state = KCR_INET_LISTEN, EINVAL,
	       "listening UDP socket");
	FORGED(struct kcr_rec_inet, u, r->bytes += 1, EINVAL,
	       "UDP queue of more bytes than its datagrams");
	FORGED(struct kcr_rec_inet, u, r->so.rcvbuf = 4096;
	       r->so.flags |= KCR_SO_RCVBUF_LOCK, ENOBUFS,
	       "UDP datagrams beyond a receive buffer made small");
	FORGED(struct kcr_rec_inet, c, r->dport = 0, EINVAL,
	       "connected UDP socket without a peer port");
	FORGED(struct kcr_rec_inet_dgram, d, r->family = AF_INET;
	       r->saddr[8] = 1, EINVAL, "IPv4 datagram with a 16-byte address");
	FORGED(struct kcr_rec_inet_dgram, d, r->len += 8, EINVAL,
	       "datagram longer than its record");
	FORGED(struct kcr_rec_inet_dgram, d, r->family = 3, EINVAL,
	       "datagram of family 3");
	FORGED(struct kcr_rec_inet, i, r->sport = 7492; r->flags |= KCR_INET_BIND_PORT, RESTORED,
	       "TCP listener moved to another free port");
}

static void port_restored(void)
{
}

/*
 * An edited image cannot bind a port its process could not: uid 1000's
 * socket on 127.0.0.1, its port edited to 94, fails with EACCES though
 * root restarts it; unedited, it restarts.
 */
static void fuzz_inet_low_port(void)
{
	static const gid_t g[] = { 1000 };
	const char *path = "/tmp/kcr-port.img";
	struct kcr_rec_inet *r = NULL;
	uint8_t *img;
	size_t len, off;
	struct stat st;
	int status, fd;
	pid_t c = fork();

	if (c == 0) {
		struct sockaddr_in sin = { .sin_family = AF_INET };
		int out, s;

		sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		sin.sin_port = htons(7494);
		/* Only files uid 1000 may reopen: none of the fuzz state. */
		syscall(SYS_close_range, 3, ~0U, 0);
		setsid();
		out = open("/dev/null", O_RDWR);
		become(1000, g, 1);
		s = socket(AF_INET, SOCK_STREAM, 0);
		if (s < 0 || bind(s, (struct sockaddr *)&sin, sizeof(sin)))
			_exit(3);
		dup2(out, 0);
		dup2(out, 1);
		dup2(out, 2);
		close(out);
		_exit(self_checkpoint(path, port_restored));
	}
	waitpid(c, &status, 0);
	fd = open(path, O_RDONLY);
	if (!WIFEXITED(status) || WEXITSTATUS(status) || fd < 0 ||
	    fstat(fd, &st)) {
		FAIL("fuzz: checkpoint of uid 1000's socket (status %#x)", status);
		return;
	}
	len = st.st_size;
	img = malloc(len);
	if (!img || pread(fd, img, len, 0) != (ssize_t)len)
		return;
	close(fd);
	unlink(path);
	for (off = 0; off + 8 <= len; off += ((struct kcr_hdr *)(img + off))->len) {
		if (((struct kcr_hdr *)(img + off))->type == KCR_REC_INET)
			r = (void *)(img + off);
		if (((struct kcr_hdr *)(img + off))->len < 8)
			break;
	}
	if (!r) {
		FAIL("fuzz: no IP socket in uid 1000's image");
		free(img);
		return;
	}
	status = run_one(img, len, 0, 2);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	      "fuzz: uid 1000's socket on port 7494 restarts (status %#x)", status);
	r->sport = 94;
	fix_tail(img, len);
	status = run_one(img, len, 0, 2);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == EACCES,
	      "fuzz: uid 1000's socket edited to port 94: EACCES (status %#x)",
	      status);
	free(img);
}

static int tcp_fds[2];

/* Close without a FIN or a reset, and no TIME_WAIT: for another restart. */
static void tcp_quiet_close(int fd)
{
	int one = 1;

	setsockopt(fd, IPPROTO_TCP, TCP_REPAIR, &one, sizeof(one));
	close(fd);
}

static void tcp_conn_restored(void)
{
	char b[8];

	CHECK(read(tcp_fds[1], b, 6) == 6 && !memcmp(b, "queued", 6) &&
	      write(tcp_fds[0], "ping", 4) == 4 &&
	      read(tcp_fds[1], b, 4) == 4 && !memcmp(b, "ping", 4),
	      "TCP connection after checkpoint: the queued bytes, then new ones");
	tcp_quiet_close(tcp_fds[0]);
	tcp_quiet_close(tcp_fds[1]);
}

/* run_one() by a restarter whose effective capabilities lack cap. */
static int run_one_without(const uint8_t *img, size_t len, int cap)
{
	pid_t pid = fork();
	int status;

	if (pid == 0) {
		struct __user_cap_header_struct hdr = {
			_LINUX_CAPABILITY_VERSION_3, 0
		};
		struct __user_cap_data_struct data[2];
		int fd;
		long ret;

		alarm(20);
		if (syscall(SYS_capget, &hdr, data))
			_exit(100);
		data[cap / 32].effective &= ~(1U << (cap % 32));
		if (syscall(SYS_capset, &hdr, data))
			_exit(100);
		fd = memfd_create("kcr-fuzz", 0);
		if (write(fd, img, len) != (ssize_t)len)
			_exit(100);
		lseek(fd, 0, SEEK_SET);
		ret = sys_restart(0, fd, 0, 2);
		_exit(ret < 0 ? errno : 201);
	}
	waitpid(pid, &status, 0);
	return status;
}

/*
 * A TCP connection with both ends in one process, 6 bytes queued: each
 * forged field of its records is refused before anything is made; the
 * image as written restarts, twice (each copy closes it quietly).
 */
static void fuzz_tcp_conn(void)
{
	const char *path = "/tmp/kcr-tcp.img";
	size_t len, olen, off, conn = 0, data = 0;
	uint8_t *orig, *img;
	struct stat st;
	int status, fd;
	pid_t c = fork();

	if (c == 0) {
		struct sockaddr_in sin = { .sin_family = AF_INET };
		socklen_t sl = sizeof(sin);
		int l;

		sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		/* Only the connection: none of the fuzz state. */
		syscall(SYS_close_range, 3, ~0U, 0);
		l = socket(AF_INET, SOCK_STREAM, 0);
		tcp_fds[0] = socket(AF_INET, SOCK_STREAM, 0);
		if (l < 0 || tcp_fds[0] < 0 ||
		    bind(l, (struct sockaddr *)&sin, sl) || listen(l, 1) ||
		    getsockname(l, (struct sockaddr *)&sin, &sl) ||
		    connect(tcp_fds[0], (struct sockaddr *)&sin, sl))
			_exit(3);
		tcp_fds[1] = accept(l, NULL, NULL);
		close(l);
		if (tcp_fds[1] < 0 || write(tcp_fds[0], "queued", 6) != 6)
			_exit(3);
		usleep(50000);
		status = self_checkpoint(path, tcp_conn_restored);
		/* The original goes on: its connection was held, not broken. */
		if (!status)
			tcp_conn_restored();
		_exit(status || failures ? 1 : 0);
	}
	waitpid(c, &status, 0);
	fd = open(path, O_RDONLY);
	if (!WIFEXITED(status) || WEXITSTATUS(status) || fd < 0 ||
	    fstat(fd, &st)) {
		FAIL("fuzz: checkpoint of a TCP connection (status %#x)", status);
		return;
	}
	olen = st.st_size;
	orig = malloc(olen);
	img = malloc(olen);
	if (!orig || !img || pread(fd, orig, olen, 0) != (ssize_t)olen)
		return;
	close(fd);
	unlink(path);
	for (off = 0; off + 8 <= olen; off += len) {
		const struct kcr_hdr *h = (const void *)(orig + off);

		if (h->type == KCR_REC_TCP_CONN && !conn)
			conn = off;
		if (h->type == KCR_REC_TCP_DATA && !data)
			data = off;
		len = h->len;
		if (len < 8)
			break;
	}
	if (!conn || !data) {
		FAIL("fuzz: no TCP connection in the image (%zu %zu)", conn, data);
		goto out;
	}
	FORGED(struct kcr_rec_tcp_conn, conn, r->snd_una = r->snd_nxt + 1,
	       EINVAL, "TCP data acknowledged before it was sent");
	FORGED(struct kcr_rec_tcp_conn, conn,
	       r->opts |= KCR_TCP_OPT_WSCALE; r->rcv_wscale = 15, EINVAL,
	       "TCP window scale 15");
	FORGED(struct kcr_rec_tcp_conn, conn, r->mss_clamp = 10, EINVAL,
	       "TCP MSS 10");
	FORGED(struct kcr_rec_tcp_conn, conn, r->copied_seq -= 1, EINVAL,
	       "TCP receive queue longer than its data");
	FORGED(struct kcr_rec_tcp_conn, conn, r->max_window = r->snd_wnd - 1,
	       EINVAL, "TCP send window above the largest one");
	FORGED(struct kcr_rec_tcp_data, data, r->len += 8, EINVAL,
	       "TCP data longer than its record");
	FORGED(struct kcr_rec_tcp_data, data, r->queue = 3, EINVAL,
	       "TCP data of queue 3");
	FORGED(struct kcr_rec_tcp_data, data, ((uint8_t *)(r + 1))[7] = 1,
	       EINVAL, "TCP data padding");
	status = run_one_without(orig, olen, CAP_NET_ADMIN);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == EPERM,
	      "fuzz: a TCP connection restarted without CAP_NET_ADMIN: EPERM (status %#x)",
	      status);
	status = run_one(orig, olen, 0, 2);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	      "fuzz: a TCP connection restarts, with its queue (status %#x)",
	      status);
	status = run_one(orig, olen, 0, 2);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	      "fuzz: and again, its last copy closed quietly (status %#x)",
	      status);
out:
	free(orig);
	free(img);
}

static int bl_fds[2];	/* a listener, and its client not accepted */

static void tcp_backlog_restored(void)
{
	struct pollfd p = { .fd = bl_fds[0], .events = POLLIN };
	char b[8];
	int s = poll(&p, 1, 2000) == 1 ? accept(bl_fds[0], NULL, NULL) : -1;

	CHECK(s >= 0 && read(s, b, 6) == 6 && !memcmp(b, "queued", 6) &&
	      write(s, "pong", 4) == 4 && read(bl_fds[1], b, 4) == 4 &&
	      !memcmp(b, "pong", 4),
	      "TCP connection not accepted at checkpoint: accepted after, with its data");
	if (s >= 0)
		tcp_quiet_close(s);
	tcp_quiet_close(bl_fds[1]);
}

/*
 * A TCP listener with a connection not accepted yet, from a client of the
 * same process that sent 6 bytes: each forged field of the queued
 * connection's records is refused before anything is made; the image as
 * written restarts, twice.
 */
static void fuzz_tcp_backlog(void)
{
	const char *path = "/tmp/kcr-backlog.img";
	size_t len, olen, off, l = 0, k = 0, conn = 0;
	uint8_t *orig, *img;
	struct stat st;
	int status, fd;
	pid_t c = fork();

	if (c == 0) {
		struct sockaddr_in sin = { .sin_family = AF_INET };
		socklen_t sl = sizeof(sin);

		sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		syscall(SYS_close_range, 3, ~0U, 0);
		bl_fds[0] = socket(AF_INET, SOCK_STREAM, 0);
		bl_fds[1] = socket(AF_INET, SOCK_STREAM, 0);
		if (bl_fds[0] < 0 || bl_fds[1] < 0 ||
		    bind(bl_fds[0], (struct sockaddr *)&sin, sl) ||
		    listen(bl_fds[0], 1) ||
		    getsockname(bl_fds[0], (struct sockaddr *)&sin, &sl) ||
		    connect(bl_fds[1], (struct sockaddr *)&sin, sl) ||
		    write(bl_fds[1], "queued", 6) != 6)
			_exit(3);
		usleep(50000);
		status = self_checkpoint(path, tcp_backlog_restored);
		if (!status)
			tcp_backlog_restored();
		_exit(status || failures ? 1 : 0);
	}
	waitpid(c, &status, 0);
	fd = open(path, O_RDONLY);
	if (!WIFEXITED(status) || WEXITSTATUS(status) || fd < 0 ||
	    fstat(fd, &st)) {
		FAIL("fuzz: checkpoint of a connection not accepted (status %#x)",
		     status);
		return;
	}
	olen = st.st_size;
	orig = malloc(olen);
	img = malloc(olen);
	if (!orig || !img || pread(fd, orig, olen, 0) != (ssize_t)olen)
		return;
	close(fd);
	unlink(path);
	/* The listener's record, the queued connection's, its TCP state. */
	for (off = 0; off + 8 <= olen; off += len) {
		const struct kcr_hdr *h = (const void *)(orig + off);

		if (h->type == KCR_REC_INET && !l)
			l = off;
		else if (h->type == KCR_REC_INET && !k)
			k = off;
		if (h->type == KCR_REC_TCP_CONN && !conn)
			conn = off;
		len = h->len;
		if (len < 8)
			break;
	}
	if (!l || !k || !conn || conn < k ||
	    ((const struct kcr_rec_inet *)(orig + l))->nr_skbs != 1) {
		FAIL("fuzz: no queued connection in the image (%zu %zu %zu)",
		     l, k, conn);
		goto out;
	}
	FORGED(struct kcr_rec_inet, l, r->nr_skbs = r->backlog + 2, EINVAL,
	       "more connections queued than the backlog allows");
	FORGED(struct kcr_rec_inet, l, r->state = KCR_INET_CLOSE, EINVAL,
	       "connections queued on a TCP socket not listening");
	FORGED(struct kcr_rec_inet, k, r->family = AF_INET6, EINVAL,
	       "queued connection of another family");
	FORGED(struct kcr_rec_inet, k, r->sport += 1, EINVAL,
	       "queued connection on another port");
	FORGED(struct kcr_rec_inet, k, r->state = KCR_INET_LISTEN, EINVAL,
	       "queued connection that listens");
	FORGED(struct kcr_rec_inet, k, r->protocol = IPPROTO_UDP, EINVAL,
	       "queued connection over UDP");
	FORGED(struct kcr_rec_tcp_conn, conn, r->write_seq += 1, EINVAL,
	       "queued connection that sent data before accept()");
	status = run_one_without(orig, olen, CAP_NET_ADMIN);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == EPERM,
	      "fuzz: a queued connection restarted without CAP_NET_ADMIN: EPERM (status %#x)",
	      status);
	status = run_one(orig, olen, 0, 2);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	      "fuzz: a queued connection restarts, accepted with its data (status %#x)",
	      status);
	status = run_one(orig, olen, 0, 2);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	      "fuzz: and again (status %#x)", status);
out:
	free(orig);
	free(img);
}

static int run_one(const uint8_t *img, size_t len, int use_pipe, int logfd)
{
	pid_t pid = fork();
	int status;

	if (pid == 0) {
		int fd;
		long ret;

		alarm(20);
		if (use_pipe) {
			int p[2];

			if (pipe(p))
				_exit(100);
			if (fork() == 0) {
				close(p[0]);
				feed_pipe(p[1], img, len);
			}
			close(p[1]);
			fd = p[0];
		} else {
			fd = memfd_create("kcr-fuzz", 0);
			if (write(fd, img, len) != (ssize_t)len)
				_exit(100);
			lseek(fd, 0, SEEK_SET);
		}
		ret = sys_restart(0, fd, 0, logfd);
		_exit(ret < 0 ? errno : 201);
	}
	waitpid(pid, &status, 0);
	return status;
}

static int kmsg_bad(void)
{
	static char buf[1 << 20];
	int n = klogctl(3, buf, sizeof(buf) - 1);	/* READ_ALL */
	int bad = 0;

	if (n < 0)
		return -1;
	buf[n] = 0;
	/* User-space faults ("traps: ... general protection") are fine. */
	bad += strstr(buf, "Oops") != NULL;
	bad += strstr(buf, "BUG:") != NULL;
	bad += strstr(buf, "kernel BUG") != NULL;
	bad += strstr(buf, "WARNING:") != NULL;
	bad += strstr(buf, "Call Trace") != NULL;
	bad += strstr(buf, "UBSAN:") != NULL;
	return bad;
}

/* The test tree, frozen and checkpointed into memory, then killed. */
static int make_tree_image(uint8_t **out, size_t *olen)
{
	int fd = memfd_create("kcr-fuzz-tree", 0), i, status, out_fd, null_fd;
	struct stat st;
	pid_t root;
	long ret;

	prctl(PR_SET_CHILD_SUBREAPER, 1);
	mkdir(CG, 0755);
	/*
	 * The copies restarted from mutated images must not report: quiet is
	 * inherited by the tree, so by its copies, but a mutation may zero it
	 * (a dropped PAGES record is a valid image whose page comes back as
	 * zeros).  So their stdout is /dev/null too: the file, not memory.
	 */
	fflush(stdout);
	out_fd = dup(1);
	null_fd = open("/dev/null", O_WRONLY);
	if (out_fd < 0 || null_fd < 0 || dup2(null_fd, 1) != 1)
		return -1;
	quiet = 1;
	i = start_tree(&root, 1);
	quiet = 0;
	dup2(out_fd, 1);
	close(out_fd);
	close(null_fd);
	if (i)
		return -1;
	write_str(CG "/cgroup.freeze", "1");
	ret = wait_frozen(1) ? -1 : sys_checkpoint(root, fd, KCR_CHECKPOINT_TREE, 2);
	lseek(fd, 0, SEEK_SET);
	if (!ret && !tree_read(fd)) {
		for (i = 0; i < tree_nr; i++)
			kill(tree_tt[i].pid, SIGKILL);
	}
	kill(root, SIGKILL);
	write_str(CG "/cgroup.freeze", "0");
	while (wait(&status) > 0 || errno == EINTR)
		;
	rmdir(CG);
	if (ret || fstat(fd, &st))
		return -1;
	*olen = st.st_size;
	*out = malloc(*olen);
	if (pread(fd, *out, *olen, 0) != (ssize_t)*olen)
		return -1;
	close(fd);
	return 0;
}

/* Change one field of one entry of the tree record. */
static void mutate_tree_rec(uint8_t *img, size_t len)
{
	size_t t = find_rec(img, KCR_REC_TREE);
	struct kcr_rec_tree *r = (void *)(img + t);
	struct kcr_tree_task *e;
	int32_t *f, v;

	if (!t || t + sizeof(*r) > len || !r->nr_tasks || r->nr_tasks > 4)
		return;
	e = (void *)(img + t + sizeof(*r)) + (rnd() % r->nr_tasks) * sizeof(*e);
	f = (int32_t *)e + rnd() % 6;
	switch (rnd() % 4) {
	case 0:		/* another process's pid */
		v = ((struct kcr_tree_task *)(img + t + sizeof(*r)))[rnd() % r->nr_tasks].pid;
		break;
	case 1:
		v = (int32_t[]){ 0, -1, 1, 0x7fffffff, 4194304 }[rnd() % 5];
		break;
	case 2:
		v = *f + (int)(rnd() % 5) - 2;
		break;
	default:
		r->nr_tasks = rnd() % 6;
		return;
	}
	*f = v;
}

/* Is any process blocked inside system call nr (from /proc/PID/syscall)? */
static int procs_in_syscall(long nr)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	int found = 0;

	while (d && (e = readdir(d)) && !found) {
		char path[300], buf[64];
		ssize_t n;
		int fd;

		if (e->d_name[0] < '1' || e->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/syscall", e->d_name);
		fd = open(path, O_RDONLY);
		n = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);
		if (fd >= 0)
			close(fd);
		if (n > 0) {
			buf[n] = 0;
			found = strtol(buf, NULL, 10) == nr;
		}
	}
	if (d)
		closedir(d);
	return found;
}

/*
 * Restart a tree image in a new pid namespace: its init creates the root,
 * which builds the tree (tree_make()), and exits with the root's status.
 * Returns the init's wait status; if it had to be killed after 20 s, -1
 * when a process was still inside restart(), -3 when all had returned to
 * user space (a restored copy of a mutated image that went astray).
 */
static int run_tree_case(const uint8_t *img, size_t len, int use_pipe)
{
	pid_t init = clone3_tid(0, CLONE_NEWPID), w = 0;
	int status = 0, ms;

	if (init == 0) {
		int fd, st;
		pid_t r;

		if (use_pipe) {
			int p[2];

			if (pipe(p))
				_exit(150);
			if (fork() == 0) {
				close(p[0]);
				feed_pipe(p[1], img, len);
			}
			close(p[1]);
			fd = p[0];
		} else {
			fd = memfd_create("kcr-fuzz", 0);
			if (write(fd, img, len) != (ssize_t)len)
				_exit(150);
			lseek(fd, 0, SEEK_SET);
		}
		tree_fuzz = 1;
		tree_nr = 0;
		if (len > sizeof(struct kcr_rec_header) + sizeof(struct kcr_rec_tree)) {
			const struct kcr_rec_tree *tr =
				(const void *)(img + sizeof(struct kcr_rec_header));
			size_t need = sizeof(struct kcr_rec_header) + sizeof(*tr) +
				      tr->nr_tasks * sizeof(tree_tt[0]);

			if (tr->h.type == KCR_REC_TREE && tr->nr_tasks &&
			    tr->nr_tasks <= KCR_TREE_MAX && need <= len) {
				tree_nr = tr->nr_tasks;
				memcpy(tree_tt, tr + 1, tree_nr * sizeof(tree_tt[0]));
			}
		}
		r = clone3_tid(tree_nr && tree_tt[0].pid > 1 ? tree_tt[0].pid : 0, 0);
		if (r == 0) {
			if (tree_nr && tree_tt[0].pid > 1)
				tree_make(0, fd);
			_exit(sys_restart(0, fd, KCR_RESTART_TREE, -1) < 0 ? errno : 199);
		}
		if (r < 0)
			_exit(TREE_USER_FAIL);
		for (;;) {
			pid_t x = wait(&st);

			if (x == r)
				_exit(WIFEXITED(st) ? WEXITSTATUS(st) :
				      RESTORED + 10 + WTERMSIG(st));
			if (x < 0)
				_exit(152);
		}
	}
	if (init < 0)
		return -2;
	for (ms = 0; ms < 20000 && w == 0; ms += 5) {
		w = waitpid(init, &status, WNOHANG);
		if (!w)
			usleep(5000);
	}
	if (w == init)
		return status;
	ms = procs_in_syscall(NR_RESTART);
	kill(init, SIGKILL);
	waitpid(init, &status, 0);
	return ms ? -1 : -3;
}

/* Fuzz restarts of a process tree image. */
static void fuzz_tree(long n)
{
	long i, restored = 0, errs = 0, killed = 0, hung = 0, other = 0;
	long crashed = 0, n_pipe = 0, user_fail = 0, stuck = 0;
	long by_errno[RESTORED] = { 0 };
	const char *what;
	uint8_t *orig, *img;
	size_t olen, len;
	int status;

	if (make_tree_image(&orig, &olen)) {
		FAIL("fuzz: cannot make a tree image");
		return;
	}
	index_records(orig, olen);
	printf("fuzz: tree image %zu bytes, %d records\n", olen, nr_recs);
	img = malloc(olen + 16);
	/* The flag makes restarted copies report and exit at once. */
	close(open(TREE_FLAG, O_CREAT | O_WRONLY, 0600));
	status = run_tree_case(orig, olen, 0);
	CHECK(status >= 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0,
	      "fuzz: unmodified tree image restarts (status %#x)", status);
	status = run_tree_case(orig, olen, 1);
	CHECK(status >= 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0,
	      "fuzz: unmodified tree image restarts from a pipe (status %#x)", status);
	for (i = 0; i < n; i++) {
		int use_pipe = rnd() % 4 == 0;

		if (rnd() % 3 == 0) {
			memcpy(img, orig, olen);
			len = olen;
			mutate_tree_rec(img, len);
			what = "tree entry";
		} else {
			what = mutate(img, &len, orig, olen);
		}
		if (rnd() % 2)
			fix_tail(img, len);
		n_pipe += use_pipe;
		status = run_tree_case(img, len, use_pipe);
		if (status == -1)
			hung++;
		else if (status == -3)
			crashed++, stuck++;
		else if (status < 0 || !WIFEXITED(status))
			other++;
		else if (WEXITSTATUS(status) <= 1)
			restored++;
		else if (WEXITSTATUS(status) == TREE_USER_FAIL)
			user_fail++;
		else if (WEXITSTATUS(status) < 150)
			errs++, by_errno[WEXITSTATUS(status)]++;
		else if (WEXITSTATUS(status) == RESTORED + 10 + SIGKILL)
			killed++;
		else if (WEXITSTATUS(status) > RESTORED + 10)
			crashed++;	/* restored from a mutated image, then faulted */
		else
			other++;
		if (status != -1 && (status < 0 || !WIFEXITED(status) ||
				     (WEXITSTATUS(status) >= 150 &&
				      WEXITSTATUS(status) != TREE_USER_FAIL &&
				      WEXITSTATUS(status) <= RESTORED + 10)))
			printf("fuzz: tree case %ld (%s): status %#x\n", i,
			       what, status);
		if ((i + 1) % 500 == 0)
			printf("fuzz: %ld tree cases\n", i + 1);
	}
	unlink(TREE_FLAG);
	printf("fuzz: %ld tree cases (%ld through a pipe): %ld rejected with an error, %ld killed after the point of no return, %ld restarted, %ld restored-then-crashed (%ld of them stuck in user space), %ld trees user space could not build, %ld hung in restart() (killed after 20 s), %ld other\n",
	       n, n_pipe, errs, killed, restored, crashed, stuck, user_fail, hung,
	       other);
	printf("fuzz: tree errnos:");
	for (i = 0; i < RESTORED; i++)
		if (by_errno[i])
			printf(" %s=%ld", strerrorname_np(i) ? strerrorname_np(i) : "?", by_errno[i]);
	printf("\n");
	CHECK(hung == 0 && other == 0, "fuzz: no tree restart hangs, no unexpected outcome");
	free(img);
	free(orig);
}

/*
 * Restart n mutated copies of orig (indexed) in forked children, from a
 * memfd or a pipe, and count the outcomes; returns the unexpected ones.
 */
/*
 * A restored process may signal the fuzzer as any process of its user
 * may: the fuzz images make the fuzzer the owner of an O_ASYNC pipe
 * (FOWN), and a mutated signal number then arrives here.  Ignore every
 * signal the fuzzer does not use while the cases run (old: the actions to
 * put back).
 */
static void fuzz_shield(struct sigaction *old, int on)
{
	struct sigaction ign = { .sa_handler = SIG_IGN };
	int s;

	for (s = 1; s <= SIGRTMAX; s++) {
		if (s == SIGKILL || s == SIGSTOP || s == SIGCHLD || s == SIGALRM ||
		    s == SIGTERM || s == SIGINT || s == SIGSEGV || s == SIGBUS ||
		    s == SIGILL || s == SIGFPE || s == SIGABRT || s == SIGTRAP)
			continue;
		if (on)
			sigaction(s, &ign, &old[s]);
		else
			sigaction(s, &old[s], NULL);
	}
}

static long fuzz_cases(const uint8_t *orig, size_t olen, long n,
		       const char *label)
{
	long i, errs = 0, killed = 0, restored = 0, crashed = 0, other = 0;
	long killed_file = 0, n_pipe = 0;
	long by_errno[RESTORED] = { 0 };
	uint8_t *img = malloc(olen + 16);
	struct sigaction old[SIGRTMAX + 1];
	const char *what;
	size_t len;
	int status;

	fuzz_shield(old, 1);
	for (i = 0; i < n; i++) {
		int use_pipe = rnd() % 4 == 0;
		int fix = rnd() % 2;

		what = mutate(img, &len, orig, olen);
		if (fix)
			fix_tail(img, len);
		n_pipe += use_pipe;
		status = run_one(img, len, use_pipe, -1);
		if (WIFEXITED(status) && (WEXITSTATUS(status) == RESTORED ||
					    WEXITSTATUS(status) == RESTORED + 1)) {
			restored++;
		} else if (WIFEXITED(status) && WEXITSTATUS(status) < RESTORED) {
			errs++;
			by_errno[WEXITSTATUS(status)]++;
		} else if (WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) {
			killed++;
			killed_file += !use_pipe;
			/* Passed the dry run, failed later: show why. */
			if (!use_pipe && killed_file <= 5) {
				printf("fuzz: case %ld (%s) killed after the dry run:\n", i, what);
				run_one(img, len, 0, 2);
			}
		} else if (WIFSIGNALED(status)) {
			crashed++;
		} else {
			other++;
		}
		if ((i + 1) % 1000 == 0)
			printf("fuzz: %ld cases\n", i + 1);
	}
	printf("fuzz%s: %ld cases: %ld rejected with an error, %ld killed after the point of no return, %ld restarted fine, %ld restored-then-crashed, %ld other\n",
	       label, n, errs, killed, restored, crashed, other);
	printf("fuzz%s: %ld cases fed through a pipe (no dry run), %ld through a memfd; killed: %ld pipe, %ld memfd\n",
	       label, n_pipe, n - n_pipe, killed - killed_file, killed_file);
	printf("fuzz%s: errnos:", label);
	for (i = 0; i < RESTORED; i++)
		if (by_errno[i])
			printf(" %s=%ld", strerrorname_np(i) ? strerrorname_np(i) : "?", by_errno[i]);
	printf("\n");
	fuzz_shield(old, 0);
	free(img);
	return other;
}

/* A process with two idle threads; a restarted copy exits at once. */
static void fuzz_thr_child(int ready)
{
	struct timespec ts = { 0, 2 * 1000 * 1000 };
	pthread_t pt;
	int i;

	saved_pid = getpid();
	for (i = 0; i < 2; i++)
		if (pthread_create(&pt, NULL, idle_thread, NULL))
			_exit(5);
	if (write(ready, "x", 1) != 1)
		_exit(3);
	for (;;) {
		nanosleep(&ts, NULL);
		if (getpid() != saved_pid)
			_exit(RESTORED);
	}
}

/* The image of that process, frozen. */
static int make_thread_image(uint8_t **out, size_t *olen)
{
	int fd = memfd_create("kcr-fuzz-thr", 0);
	struct stat st;
	pid_t child;

	if (fd < 0)
		return -1;
	child = start_in_cgroup(fuzz_thr_child);
	if (child < 0 || freeze_checkpoint_kill(child, fd, 0) || fstat(fd, &st))
		return -1;
	*olen = st.st_size;
	*out = malloc(*olen);
	if (!*out || pread(fd, *out, *olen, 0) != (ssize_t)*olen)
		return -1;
	close(fd);
	return 0;
}

/* Mutated images of a process with three threads. */
static void fuzz_threads(long n)
{
	uint8_t *orig;
	size_t olen;
	int status;

	if (make_thread_image(&orig, &olen)) {
		FAIL("fuzz: checkpoint of a process with threads");
		return;
	}
	index_records(orig, olen);
	printf("fuzz (threads): image %zu bytes, %d records\n", olen, nr_recs);
	status = run_one(orig, olen, 0, 2);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == RESTORED,
	      "fuzz: unmodified threads image restarts (status %#x)", status);
	status = run_one(orig, olen, 1, 2);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == RESTORED,
	      "fuzz: unmodified threads image restarts from a pipe (status %#x)",
	      status);
	CHECK(fuzz_cases(orig, olen, n, " (threads)") == 0,
	      "fuzz: threads image, no unexpected outcome");
	free(orig);
}

/*
 * An image replaced while restart reads it (issue 25 point 11): restart
 * reads a regular-file image twice, in the dry run and for real.  A
 * writer keeps flipping a byte in the middle of the image file (outside
 * the header) while restarts run from it: each must either restart from
 * a consistent image or fail with an error, never be killed after the
 * point of no return.  Returns the number killed.
 */
static int image_writer_race(const uint8_t *img, size_t len, int rounds)
{
	const char *path = "/tmp/kcr-race.img";
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600), i, killed = 0;
	pid_t writer;

	if (fd < 0 || write(fd, img, len) != (ssize_t)len)
		return -1;
	writer = fork();
	if (writer == 0) {
		off_t at = len / 2;
		uint8_t b = img[at];

		for (;;) {
			b ^= 0x40;
			if (pwrite(fd, &b, 1, at) != 1)
				_exit(1);
		}
	}
	for (i = 0; i < rounds; i++) {
		int status;
		pid_t r = fork();

		if (r == 0) {
			int rfd = open(path, O_RDONLY);

			alarm(20);
			_exit(sys_restart(0, rfd, 0, -1) < 0 ? errno : 201);
		}
		waitpid(r, &status, 0);
		if (WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
			killed++;
	}
	kill(writer, SIGKILL);
	waitpid(writer, NULL, 0);
	close(fd);
	unlink(path);
	return killed;
}

static int cmd_fuzz(long n, uint64_t seed)
{
	long other;
	uint8_t *orig, *img;
	size_t olen;
	int status;

	setvbuf(stdout, NULL, _IONBF, 0);
	rng_state = seed ? seed : 0x9e3779b97f4a7c15ULL;
	fuzz_state();
	if (make_fuzz_image(&orig, &olen))
		return 1;
	index_records(orig, olen);
	printf("fuzz: image %zu bytes, %d records, seed %#llx\n", olen,
	       nr_recs, (unsigned long long)rng_state);
	img = malloc(olen + 16);
	fuzz_unix_names(orig, olen);

	/* Sanity: the unmodified image restarts, from a file and a pipe. */
	status = run_one(orig, olen, 0, 2);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == RESTORED,
	      "fuzz: unmodified image restarts from a memfd (status %#x)", status);
	status = run_one(orig, olen, 1, 2);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == RESTORED,
	      "fuzz: unmodified image restarts from a pipe (status %#x)", status);
	status = image_writer_race(orig, olen, 20);
	CHECK(status == 0,
	      "fuzz: an image file changing under restart: never killed after the point of no return (%d killed)",
	      status);

	/* Targeted cases, each must be refused before any damage. */
	{
		struct kcr_rec_header *hd = (void *)img;

		memcpy(img, orig, olen);
		hd->release[0] ^= 1;
		fix_tail(img, olen);
		status = run_one(img, olen, 0, 2);
		CHECK(WIFEXITED(status) && WEXITSTATUS(status) == EINVAL,
		      "fuzz: image of another kernel release: EINVAL (status %#x)", status);
		status = run_one(img, olen, 1, 2);
		CHECK(WIFEXITED(status) && WEXITSTATUS(status) == EINVAL,
		      "fuzz: same, from a pipe: EINVAL (status %#x)", status);
		memcpy(img, orig, olen);
		img[olen / 2] ^= 0x10;
		status = run_one(img, olen, 0, 2);
		CHECK(WIFEXITED(status) && WEXITSTATUS(status) == EINVAL,
		      "fuzz: one flipped bit, bad checksum: EINVAL (status %#x)", status);
		status = run_one(orig, olen - 8, 0, 2);
		CHECK(WIFEXITED(status) && WEXITSTATUS(status) == EINVAL,
		      "fuzz: truncated image: EINVAL (status %#x)", status);
		memcpy(img, orig, olen);
		((struct kcr_rec_tail *)(img + olen - sizeof(struct kcr_rec_tail)))->__pad = 1;
		status = run_one(img, olen, 0, 2);
		CHECK(WIFEXITED(status) && WEXITSTATUS(status) == EINVAL,
		      "fuzz: non-zero padding in the tail: EINVAL (status %#x)", status);
		memcpy(img, orig, olen);
		((struct kcr_rec_cpu *)(img + rec_off[2]))->regs.cs = 0x10;
		fix_tail(img, olen);
		status = run_one(img, olen, 1, 2);
		CHECK(WIFEXITED(status) && WEXITSTATUS(status) == EINVAL,
		      "fuzz: kernel code selector in the image: EINVAL (status %#x)", status);
		memcpy(img, orig, olen);
		((struct kcr_rec_cpu *)(img + rec_off[2]))->regs.flags |= 0x3000;
		fix_tail(img, olen);
		status = run_one(img, olen, 1, 2);
		CHECK(WIFEXITED(status) && WEXITSTATUS(status) == EINVAL,
		      "fuzz: IOPL 3 in eflags: EINVAL (status %#x)", status);
	}
	/* Targeted cases for the signal and file records. */
	{
		size_t sh = find_rec(orig, KCR_REC_SIGHAND);
		size_t sp = find_rec(orig, KCR_REC_SIGPENDING);
		size_t fr = find_rec(orig, KCR_REC_FILE);
		size_t fd = find_rec(orig, KCR_REC_FD);
		struct kcr_rec_sigpending *pe;
		struct kcr_rec_file *fi;

		int nshm = 0, i;

		for (i = 0; i < nr_recs; i++) {
			const struct kcr_rec_file *f = (const void *)(orig + rec_off[i]);

			nshm += f->h.type == KCR_REC_FILE && f->kind == KCR_FILE_SHMEM;
		}
		CHECK(sh && sp && fr && fd && find_rec(orig, KCR_REC_PIPE) &&
		      find_rec(orig, KCR_REC_FS) && find_rec(orig, KCR_REC_RLIMITS) &&
		      find_rec(orig, KCR_REC_GROUPS) && nshm == 3,
		      "fuzz: the image has signal, file, pipe, shmem, fs, fd, rlimit and group records");
		CHECK(find_rec(orig, KCR_REC_PTIMER) && find_rec(orig, KCR_REC_LOCK) &&
		      find_rec(orig, KCR_REC_FOWN) && find_rec(orig, KCR_REC_SEALS),
		      "fuzz: the image has POSIX timer, lock, file owner and seals records");
		CHECK(find_rec(orig, KCR_REC_INOTIFY_WATCH) &&
		      find_rec(orig, KCR_REC_INOTIFY_EVENT),
		      "fuzz: the image has inotify watch and event records");
		CHECK(find_rec(orig, KCR_REC_TTY) && find_rec(orig, KCR_REC_CTTY),
		      "fuzz: the image has terminal and controlling terminal records");
		if (find_rec(orig, KCR_REC_CTTY)) {
			struct kcr_rec_ctty *ct;

			memcpy(img, orig, olen);
			ct = (void *)(img + find_rec(orig, KCR_REC_CTTY));
			ct->sid = 0;
			fix_tail(img, olen);
			status = run_one(img, olen, 0, 2);
			CHECK(WIFEXITED(status) && WEXITSTATUS(status) == EINVAL,
			      "fuzz: controlling terminal of session 0: EINVAL (status %#x)",
			      status);
			memcpy(img, orig, olen);
			ct = (void *)(img + find_rec(orig, KCR_REC_CTTY));
			for (i = 0; i < nr_recs; i++) {
				const struct kcr_rec_file *f = (const void *)(orig + rec_off[i]);

				if (f->h.type == KCR_REC_FILE && f->kind != KCR_FILE_CHR) {
					ct->file_ref = f->objid;
					break;
				}
			}
			fix_tail(img, olen);
			status = run_one(img, olen, 0, 2);
			CHECK(WIFEXITED(status) && WEXITSTATUS(status) == EINVAL,
			      "fuzz: controlling terminal that is no terminal: EINVAL (status %#x)",
			      status);
		}
		if (find_rec(orig, KCR_REC_TTY)) {
			memcpy(img, orig, olen);
			((struct kcr_rec_tty *)(img + find_rec(orig, KCR_REC_TTY)))->c_line = 1;
			fix_tail(img, olen);
			status = run_one(img, olen, 0, 2);
			CHECK(WIFEXITED(status) && WEXITSTATUS(status) == EINVAL,
			      "fuzz: terminal with a line discipline other than N_TTY: EINVAL (status %#x)",
			      status);
		}
		fuzz_inotify(orig, img, olen);
		CHECK(find_rec(orig, KCR_REC_UNIX) && find_rec(orig, KCR_REC_UNIX_QUEUE) &&
		      find_rec(orig, KCR_REC_UNIX_SKB),
		      "fuzz: the image has Unix socket, queue and buffer records");
		fuzz_unix(orig, img, olen);
		fuzz_inet(orig, img, olen);
		fuzz_inet_low_port();
		fuzz_tcp_conn();
		fuzz_tcp_backlog();
		if (sh && sp && fr && fd) {
			memcpy(img, orig, olen);
			((struct kcr_rec_sighand *)(img + sh))->action[SIGUSR1 - 1].handler =
				0xffffffff81000000ULL;
			fix_tail(img, olen);
			status = run_one(img, olen, 0, 2);
			CHECK(WIFEXITED(status) && WEXITSTATUS(status) == EINVAL,
			      "fuzz: kernel address as a signal handler: EINVAL (status %#x)", status);
			memcpy(img, orig, olen);
			pe = (void *)(img + sp);
			pe->code = 42;
			memcpy(pe->siginfo + 8, &pe->code, 4);
			fix_tail(img, olen);
			status = run_one(img, olen, 1, 2);
			CHECK(WIFEXITED(status) && WEXITSTATUS(status) == EINVAL,
			      "fuzz: forged kernel si_code in a pending signal: EINVAL (status %#x)", status);
			memcpy(img, orig, olen);
			pe = (void *)(img + sp);
			pe->signo = SIGKILL;
			memcpy(pe->siginfo, &pe->signo, 4);
			fix_tail(img, olen);
			status = run_one(img, olen, 0, 2);
			CHECK(WIFEXITED(status) && WEXITSTATUS(status) == EINVAL,
			      "fuzz: pending SIGKILL in the image: EINVAL (status %#x)", status);
			memcpy(img, orig, olen);
			((struct kcr_rec_fd *)(img + fd))->file_ref = 9999;
			fix_tail(img, olen);
			status = run_one(img, olen, 0, 2);
			CHECK(WIFEXITED(status) && WEXITSTATUS(status) == EINVAL,
			      "fuzz: fd referring to no file: EINVAL (status %#x)", status);
			memcpy(img, orig, olen);
			fi = (void *)(img + fr);
			fi->kind = KCR_FILE_CHR;
			fi->rdev = (1 << 20) | 1;	/* /dev/mem */
			fix_tail(img, olen);
			status = run_one(img, olen, 0, 2);
			CHECK(WIFEXITED(status) && WEXITSTATUS(status) == EINVAL,
			      "fuzz: file object turned into /dev/mem: EINVAL (status %#x)", status);
		}
	}

	other = fuzz_cases(orig, olen, n, "");
	CHECK(other == 0, "fuzz: no unexpected outcome");
	fuzz_tree(n / 2);
	fuzz_threads(n / 4);
	status = kmsg_bad();
	CHECK(status == 0, "fuzz: kernel log has no Oops/BUG/WARNING (%d)", status);
	return failures ? 1 : 0;
}

int main(int argc, char **argv)
{
	if (argc >= 3 && !strcmp(argv[1], "save"))
		return cmd_save(argv[2]);
	if (argc >= 3 && !strcmp(argv[1], "restore"))
		return cmd_restore(argv[2]);
	if (argc >= 3 && !strcmp(argv[1], "frozen"))
		return cmd_frozen(argv[2]);
	if (argc >= 3 && !strcmp(argv[1], "signals"))
		return cmd_signals(argv[2]);
	if (argc >= 3 && !strcmp(argv[1], "creds"))
		return cmd_creds(argv[2]);
	if (argc >= 3 && !strcmp(argv[1], "files"))
		return cmd_files(argv[2]);
	if (argc >= 3 && !strcmp(argv[1], "shm"))
		return cmd_shm(argv[2]);
	if (argc >= 3 && !strcmp(argv[1], "debugregs"))
		return cmd_debugregs(argv[2]);
	if (argc >= 3 && !strcmp(argv[1], "tree"))
		return cmd_tree(argv[2]);
	if (argc >= 4 && !strcmp(argv[1], "tree-agent"))
		return cmd_tree_agent(argv[2], argv[3]);
	if (argc >= 3 && !strcmp(argv[1], "threads"))
		return cmd_threads(argv[2]);
	if (argc >= 2 && !strcmp(argv[1], "errors"))
		return cmd_errors();
	if (argc >= 2 && !strcmp(argv[1], "tcp-hold")) {
		setvbuf(stdout, NULL, _IONBF, 0);
		tcp_hold_expires();
		tcp_release_parked();
		return failures ? 1 : 0;
	}
	if (argc >= 2 && !strcmp(argv[1], "security"))
		return cmd_security();
	if (argc >= 3 && !strcmp(argv[1], "fuzz"))
		return cmd_fuzz(atol(argv[2]),
				argc > 3 ? strtoull(argv[3], NULL, 0) : 0);
	fprintf(stderr, "usage: %s save IMG | restore IMG | frozen IMG | signals IMG | creds IMG | files IMG | shm IMG | debugregs IMG | threads IMG | tree IMG | tree-agent IMG AGENT | errors | security | fuzz N [SEED]\n",
		argv[0]);
	return 2;
}
