/* @file sock */
// SPDX-License-Identifier: GPL-2.0
/*
 * In-kernel checkpoint/restart: what every socket of a family other than
 * AF_UNIX has, its SOL_SOCKET options and its inode (struct
 * kcr_sockopts), and which family's code saves a socket file.
 *
 * Restart sets each option through setsockopt()'s own checks, as the
 * process would: a buffer above net.core.[rw]mem_max is refused rather
 * than silently cut.
 */
#include <linux/cred.h>
#include <linux/errno.h>
#include <linux/net.h>
#include <linux/nsproxy.h>
#include <linux/socket.h>
#include <net/net_namespace.h>
#include <net/sock.h>

#include "kcr_int.h"

/* Socket flags that are saved, or are not state (sock_flags). */
#define KCR_SOCK_FLAGS							\
	(BIT(SOCK_DONE) | BIT(SOCK_URGINLINE) | BIT(SOCK_KEEPOPEN) |	\
	 BIT(SOCK_LINGER) | BIT(SOCK_BROADCAST) | BIT(SOCK_ZAPPED) |	\
	 BIT(SOCK_FASYNC) | BIT(SOCK_USE_WRITE_QUEUE) |			\
	 BIT(SOCK_RCU_FREE))

/* @inet-rst */
#define KCR_SOCK_TIMEO_MAX	(365ULL * 24 * 3600 * USEC_PER_SEC)
/* @end */

/* Checkpoint: the kind of a socket file, or why it cannot be saved. */
const char *kcr_sock_why_not(struct file *file, u32 *kind)
{
	struct socket *sock = sock_from_file(file);
	const char *why;

	if (!sock || !sock->sk)
		return "socket file opened with O_PATH";
	switch (sock->sk->sk_family) {
	case AF_UNIX:
		why = kcr_unix_why_not(file);
		if (!why)
			*kind = KCR_FILE_UNIX;
		return why;
/* @until inet */
	}
	return "socket of another family than AF_UNIX (TCP, UDP, netlink, packet, ...)";
/* @end */
/* @inet */
	case AF_INET:
	case AF_INET6:
		why = kcr_inet_why_not(sock);
		if (!why)
			*kind = KCR_FILE_INET;
		return why;
	}
	return "socket of another family than AF_UNIX, AF_INET, AF_INET6 (netlink, packet, ...)";
/* @end */
}

/* Checkpoint: what no socket of the image may have. */
const char *kcr_sock_generic_why_not(struct socket *sock)
{
	struct sock *sk = sock->sk;

	if (sock_net(sk) != current->nsproxy->net_ns)
		return "socket of another network namespace";
	if (test_bit(SOCK_PASSSEC, &sock->flags))
		return "socket with SO_PASSSEC (not saved)";
	if (rcu_access_pointer(sk->sk_filter))
		return "socket filter, SO_ATTACH_FILTER (not saved)";
/* @until tcp-conn */
	if (sk->sk_flags & ~KCR_SOCK_FLAGS)
/* @end */
/* @tcp-conn */
	/* The hold is the checkpoint's own, while it runs. */
	if (sk->sk_flags & ~(KCR_SOCK_FLAGS | BIT(SOCK_KCR_HOLD)))
/* @end */
		return "socket option not saved (SO_TIMESTAMP*, SO_DEBUG, SO_RXQ_OVFL, ...)";
	if (READ_ONCE(sk->sk_mark) || READ_ONCE(sk->sk_bound_dev_if) ||
	    READ_ONCE(sk->sk_tsflags))
		return "socket option not saved (SO_MARK, SO_BINDTODEVICE, SO_TIMESTAMPING, ...)";
	if (sk->sk_reuse > SK_CAN_REUSE)
		return "socket in TCP repair mode";
	if (!skb_queue_empty_lockless(&sk->sk_error_queue))
		return "socket with errors queued (MSG_ERRQUEUE: not saved)";
	return NULL;
}

static u64 kcr_sock_us(long timeo)
{
	return timeo == MAX_SCHEDULE_TIMEOUT ? 0 :
	       div_u64(jiffies64_to_nsecs(timeo), NSEC_PER_USEC);
}

/* Checkpoint: the SOL_SOCKET state of sock, whose lock is held. */
void kcr_sock_save(struct socket *sock, struct kcr_sockopts *o)
{
	struct user_namespace *uns = current_user_ns();
	struct inode *inode = SOCK_INODE(sock);
	struct sock *sk = sock->sk;

	o->shutdown = READ_ONCE(sk->sk_shutdown);
	o->err = READ_ONCE(sk->sk_err);
	o->peek_off = READ_ONCE(sk->sk_peek_off);
	o->sndbuf = READ_ONCE(sk->sk_sndbuf);
	o->rcvbuf = READ_ONCE(sk->sk_rcvbuf);
	if (sk->sk_userlocks & SOCK_SNDBUF_LOCK)
		o->flags |= KCR_SO_SNDBUF_LOCK;
	else
		o->sndbuf = 0;
	if (sk->sk_userlocks & SOCK_RCVBUF_LOCK)
		o->flags |= KCR_SO_RCVBUF_LOCK;
	else
		o->rcvbuf = 0;
	if (sk->sk_reuse)
		o->flags |= KCR_SO_REUSEADDR;
	if (sk->sk_reuseport)
		o->flags |= KCR_SO_REUSEPORT;
	if (sock_flag(sk, SOCK_KEEPOPEN))
		o->flags |= KCR_SO_KEEPALIVE;
	if (sock_flag(sk, SOCK_URGINLINE))
		o->flags |= KCR_SO_OOBINLINE;
	if (sock_flag(sk, SOCK_BROADCAST))
		o->flags |= KCR_SO_BROADCAST;
	if (sock_flag(sk, SOCK_LINGER)) {
		o->flags |= KCR_SO_LINGER;
		o->linger = READ_ONCE(sk->sk_lingertime) / HZ;
	}
	o->rcvlowat = READ_ONCE(sk->sk_rcvlowat);
	o->rcvtimeo_us = kcr_sock_us(READ_ONCE(sk->sk_rcvtimeo));
	o->sndtimeo_us = kcr_sock_us(READ_ONCE(sk->sk_sndtimeo));
	o->ino_mode = inode->i_mode;
	o->ino_uid = from_kuid_munged(uns, inode->i_uid);
	o->ino_gid = from_kgid_munged(uns, inode->i_gid);
}

/* @inet-rst */
/* Restart: whether the options of a record are possible, ids mapped. */
int kcr_sock_check(struct kcr_ctx *ctx, const struct kcr_sockopts *o,
		   const struct kcr_rec_file *f, kuid_t *ku, kgid_t *kg)
{
	struct user_namespace *uns = current_user_ns();

	if ((o->flags & ~KCR_SO_FLAGS_ALL) || (o->shutdown & ~3U) ||
	    o->err < 0 || o->err > MAX_ERRNO || o->peek_off < -1 ||
	    o->sndbuf > INT_MAX || o->rcvbuf > INT_MAX ||
	    (!(o->flags & KCR_SO_SNDBUF_LOCK) && o->sndbuf) ||
	    (!(o->flags & KCR_SO_RCVBUF_LOCK) && o->rcvbuf) ||
	    !o->rcvlowat || o->rcvlowat > INT_MAX ||
	    o->linger > INT_MAX / HZ ||
	    (o->linger && !(o->flags & KCR_SO_LINGER)) ||
	    o->rcvtimeo_us > KCR_SOCK_TIMEO_MAX ||
	    o->sndtimeo_us > KCR_SOCK_TIMEO_MAX ||
	    !S_ISSOCK(o->ino_mode) || (o->ino_mode & ~(S_IFSOCK | 07777)) ||
	    o->ino_mode != f->mode || o->reserved)
		return KCR_BAD(ctx, "socket %u: options %#x", f->objid, o->flags);
	*ku = make_kuid(uns, o->ino_uid);
	*kg = make_kgid(uns, o->ino_gid);
	if (!uid_valid(*ku) || !gid_valid(*kg))
		return KCR_BAD(ctx, "socket %u: ids %u/%u do not map", f->objid,
			       o->ino_uid, o->ino_gid);
	if (!kcr_uid_ok(*ku, current_cred()) ||
	    !kcr_gid_ok(*kg, current_cred())) {
		kcr_log(ctx, "socket %u: ids %u/%u: restoring them needs CAP_SETUID/CAP_SETGID",
			f->objid, o->ino_uid, o->ino_gid);
		return -EPERM;
	}
	return 0;
}

/* Restart: setsockopt(), with its checks, on a socket being made. */
int kcr_setsockopt(struct socket *sock, int level, int op, const void *v,
		   unsigned int len)
{
	return do_sock_setsockopt(sock, false, level, op,
				  KERNEL_SOCKPTR((void *)v), len);
}

static int kcr_sock_timeo(struct socket *sock, int op, u64 us)
{
	struct __kernel_sock_timeval tv;
	u32 rem;

	tv.tv_sec = div_u64_rem(us, USEC_PER_SEC, &rem);
	tv.tv_usec = rem;
	return kcr_setsockopt(sock, SOL_SOCKET, op, &tv, sizeof(tv));
}

static int kcr_sock_flag(struct socket *sock, const struct kcr_sockopts *o,
			 u32 flag, int op)
{
	int one = 1;

	if (!(o->flags & flag))
		return 0;
	return kcr_setsockopt(sock, SOL_SOCKET, op, &one, sizeof(one));
}

static int kcr_sock_buf(struct kcr_ctx *ctx, struct socket *sock, int op,
			u32 size, int *now, const char *which)
{
	int v = size / 2, ret;

	ret = kcr_setsockopt(sock, SOL_SOCKET, op, &v, sizeof(v));
	if (!ret && READ_ONCE(*now) != size) {
		kcr_log(ctx, "socket: %s buffer %u is above net.core.%s",
			which, size, op == SO_SNDBUF ? "wmem_max" : "rmem_max");
		return -EPERM;
	}
	return ret;
}

/*
 * Restart: the options of a new socket, before it is bound (SO_REUSEADDR,
 * SO_REUSEPORT count there), and its inode's owner and mode.
 */
int kcr_sock_restore(struct kcr_ctx *ctx, struct socket *sock,
		     const struct kcr_sockopts *o, kuid_t ku, kgid_t kg)
{
	struct sock *sk = sock->sk;
	int v, ret = 0;

	SOCK_INODE(sock)->i_mode = o->ino_mode;
	SOCK_INODE(sock)->i_uid = ku;
	SOCK_INODE(sock)->i_gid = kg;
	sk->sk_uid = ku;
	if (o->flags & KCR_SO_SNDBUF_LOCK)
		ret = kcr_sock_buf(ctx, sock, SO_SNDBUF, o->sndbuf,
				   &sk->sk_sndbuf, "send");
	if (!ret && o->flags & KCR_SO_RCVBUF_LOCK)
		ret = kcr_sock_buf(ctx, sock, SO_RCVBUF, o->rcvbuf,
				   &sk->sk_rcvbuf, "receive");
	if (ret)
		return ret;
	if (o->rcvlowat != 1) {
		v = o->rcvlowat;
		ret = kcr_setsockopt(sock, SOL_SOCKET, SO_RCVLOWAT, &v,
				     sizeof(v));
	}
	if (!ret && o->rcvtimeo_us)
		ret = kcr_sock_timeo(sock, SO_RCVTIMEO_NEW, o->rcvtimeo_us);
	if (!ret && o->sndtimeo_us)
		ret = kcr_sock_timeo(sock, SO_SNDTIMEO_NEW, o->sndtimeo_us);
	if (!ret)
		ret = kcr_sock_flag(sock, o, KCR_SO_REUSEADDR, SO_REUSEADDR);
	if (!ret)
		ret = kcr_sock_flag(sock, o, KCR_SO_REUSEPORT, SO_REUSEPORT);
	if (!ret)
		ret = kcr_sock_flag(sock, o, KCR_SO_KEEPALIVE, SO_KEEPALIVE);
	if (!ret)
		ret = kcr_sock_flag(sock, o, KCR_SO_OOBINLINE, SO_OOBINLINE);
	if (!ret)
		ret = kcr_sock_flag(sock, o, KCR_SO_BROADCAST, SO_BROADCAST);
	if (!ret && o->flags & KCR_SO_LINGER) {
		struct linger l = { .l_onoff = 1, .l_linger = o->linger };

		ret = kcr_setsockopt(sock, SOL_SOCKET, SO_LINGER, &l,
				     sizeof(l));
	}
	if (!ret && o->peek_off != -1) {
		v = o->peek_off;
		ret = kcr_setsockopt(sock, SOL_SOCKET, SO_PEEK_OFF, &v,
				     sizeof(v));
	}
	if (ret)
		kcr_log(ctx, "socket: cannot set its options: %d", ret);
	return ret;
}

/* Restart: what the socket's history left, once it is bound and connected. */
void kcr_sock_restore_last(struct socket *sock, const struct kcr_sockopts *o)
{
	struct sock *sk = sock->sk;

	WRITE_ONCE(sk->sk_shutdown, o->shutdown);
	WRITE_ONCE(sk->sk_err, o->err);
}
/* @end */
