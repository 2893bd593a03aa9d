/* @file inet */
// SPDX-License-Identifier: GPL-2.0
/*
 * In-kernel checkpoint/restart: TCP and UDP sockets, over IPv4 and IPv6.
 *
 * A socket is a file object (KCR_FILE_INET) whose FILE record is followed
 * by a KCR_REC_INET: its addresses, its SOL_SOCKET, IP and TCP options.
 * Unlike a Unix socket it names no other file, so it stands alone.
 *
 * Saved: TCP sockets not connected (bound or not) and listening ones with
 * no connection waiting; UDP sockets, bound or not, connected or not.
 * Anything else is refused by name.
/* @inet-rst */
 *
 * Restart makes each as its process did: socket(), its options, bind()
 * (with the privilege a port below 1024 needs, as the process's), then
 * listen() or connect(), which for UDP sends nothing.  The dry run binds,
 * listens and connects a socket it then closes at once, so the real pass
 * finds the ports as they were and a port taken since fails first, by
 * name.
/* @end */
 */
/* @inet-shared */
#include <linux/bsearch.h>
/* @end */
#include <linux/cred.h>
#include <linux/errno.h>
/* @inet-shared */
#include <linux/fdtable.h>
/* @end */
#include <linux/in.h>
#include <linux/in6.h>
#include <linux/ipv6.h>
#include <linux/net.h>
/* @inet-shared */
#include <linux/sched/signal.h>
#include <linux/sort.h>
/* @end */
#include <linux/string.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <net/inet_connection_sock.h>
#include <net/inet_sock.h>
#include <net/ipv6.h>
#include <net/route.h>
#include <net/sock.h>
#include <net/tcp.h>
#include <net/tcp_states.h>

#include "kcr_int.h"

/* inet_flags a new socket has, or that are saved. */
#define KCR_INET_BITS_OK						\
	(BIT(INET_FLAGS_IS_ICSK) | BIT(INET_FLAGS_MC_LOOP) |		\
	 BIT(INET_FLAGS_MC_ALL) | BIT(INET_FLAGS_MC6_LOOP) |		\
	 BIT(INET_FLAGS_MC6_ALL) | BIT(INET_FLAGS_REPFLOW) |		\
	 BIT(INET_FLAGS_FREEBIND) | BIT(INET_FLAGS_BIND_ADDRESS_NO_PORT) | \
	 BIT(INET_FLAGS_RECVERR) | BIT(INET_FLAGS_RECVERR6))

static const char *kcr_tcp_why_not(struct sock *sk, int state)
{
	struct inet_connection_sock *icsk = inet_csk(sk);
	struct tcp_sock *tp = tcp_sk(sk);

/* @until tcp-conn */
	if (state == TCP_ESTABLISHED)
		return "TCP connection (not supported yet)";
/* @end */
/* @until tcp-conn */
	if (state != TCP_CLOSE && state != TCP_LISTEN)
/* @end */
/* @tcp-conn */
	if (state != TCP_CLOSE && state != TCP_LISTEN &&
	    state != TCP_ESTABLISHED)
/* @end */
		return "TCP socket connecting or closing (SYN_SENT, FIN_WAIT, ...: not saved)";
/* @until tcp-backlog */
	if (state == TCP_LISTEN &&
	    (!reqsk_queue_empty(&icsk->icsk_accept_queue) ||
	     inet_csk_reqsk_queue_len(sk)))
		return "listening TCP socket with connections not accepted yet (not supported yet)";
/* @end */
/* @tcp-backlog */
	if (state == TCP_LISTEN && inet_csk_reqsk_queue_len(sk))
		return "listening TCP socket with connections being made (SYN_RECV: not saved)";
/* @end */
	if (icsk->icsk_ulp_ops)
		return "TCP socket with an upper layer protocol (kTLS, ...: not saved)";
#ifdef CONFIG_TCP_MD5SIG
	if (rcu_access_pointer(tp->md5sig_info))
		return "TCP socket with MD5 signature keys (not saved)";
#endif
#ifdef CONFIG_TCP_AO
	if (rcu_access_pointer(tp->ao_info))
		return "TCP socket with TCP-AO keys (not saved)";
#endif
	if (tp->repair)
		return "socket in TCP repair mode";
	if (icsk->icsk_accept_queue.rskq_defer_accept ||
	    icsk->icsk_accept_queue.fastopenq.max_qlen ||
	    tp->fastopen_connect || tp->fastopen_no_cookie || tp->save_syn ||
	    tp->recvmsg_inq || tp->tcp_tx_delay)
		return "TCP option not saved (TCP_DEFER_ACCEPT, TCP_FASTOPEN, TCP_SAVE_SYN, ...)";
	return NULL;
}

static const char *kcr_udp_why_not(struct sock *sk, int state)
{
	struct udp_sock *up = udp_sk(sk);

	if (state != TCP_CLOSE && state != TCP_ESTABLISHED)
		return "UDP socket in a transient state";
	if (READ_ONCE(up->udp_flags) || READ_ONCE(up->pending) ||
	    READ_ONCE(up->encap_type) || READ_ONCE(up->gso_size))
		return "UDP option not saved (UDP_CORK, UDP_GRO, UDP_SEGMENT, UDP_ENCAP, ...)";
/* @until udp-queue */
	if (!skb_queue_empty_lockless(&sk->sk_receive_queue) ||
	    !skb_queue_empty_lockless(&up->reader_queue))
		return "UDP socket with datagrams queued (not supported yet)";
/* @end */
	return NULL;
}

static const char *kcr_ip_why_not(struct sock *sk)
{
	struct inet_sock *inet = inet_sk(sk);
	unsigned long flags = READ_ONCE(inet->inet_flags);
	bool v6 = sk->sk_family == AF_INET6;
	/* accept() sets a TCP socket's multicast fields, which it never uses */
	bool mc = !sk_is_tcp(sk);

	if ((flags & ~KCR_INET_BITS_OK) ||
	    !(flags & BIT(INET_FLAGS_MC_LOOP)) ||
	    (v6 && (flags & BIT(INET_FLAGS_RECVERR))) ||
	    (!v6 && !(flags & BIT(INET_FLAGS_MC_ALL))))
		return "IP option not saved (IP_PKTINFO, IP_RECVTOS, IP_TRANSPARENT, ...)";
	if (rcu_access_pointer(inet->inet_opt) || READ_ONCE(inet->min_ttl) ||
	    READ_ONCE(inet->uc_index) || READ_ONCE(inet->local_port_range) ||
	    (mc && (READ_ONCE(inet->mc_index) || READ_ONCE(inet->mc_ttl) != 1)))
		return "IP option not saved (IP_OPTIONS, IP_MINTTL, IP_UNICAST_IF, ...)";
	if (rcu_access_pointer(inet->mc_list))
		return "socket in a multicast group (not saved)";
	/* IP_TOS sets the priority, which is otherwise SO_PRIORITY's. */
	if (READ_ONCE(sk->sk_priority) !=
	    (v6 ? 0 : rt_tos2priority(READ_ONCE(inet->tos))))
		return "socket option not saved (SO_PRIORITY)";
#if IS_ENABLED(CONFIG_IPV6)
	if (v6) {
		struct ipv6_pinfo *np = inet6_sk(sk);

		if (READ_ONCE(inet->uc_ttl) != -1 || READ_ONCE(inet->tos))
			return "IPv6 socket with IPv4 options set (IP_TTL, IP_TOS: not saved)";
		if (!(flags & BIT(INET_FLAGS_MC6_LOOP)) ||
		    !(flags & BIT(INET_FLAGS_MC6_ALL)) ||
		    rcu_access_pointer(np->opt) || np->rxopt.all ||
		    np->pktoptions || np->flow_label ||
		    rcu_access_pointer(inet->ipv6_fl_list) ||
		    (mc && (np->mcast_hops != IPV6_DEFAULT_MCASTHOPS ||
			    np->mcast_oif)) ||
		    np->ucast_oif || np->min_hopcount ||
		    np->srcprefs || np->frag_size)
			return "IPv6 option not saved (IPV6_RECVPKTINFO, IPV6_FLOWLABEL_MGR, ...)";
		if (rcu_access_pointer(np->ipv6_mc_list) || np->ipv6_ac_list)
			return "socket in an IPv6 multicast or anycast group (not saved)";
	}
#endif
	return NULL;
}

/* Why a TCP or UDP socket, whose lock is held, cannot be saved. */
static const char *kcr_inet_check(struct socket *sock)
{
	struct sock *sk = sock->sk;
	const char *why = kcr_sock_generic_why_not(sock);

	if (why)
		return why;
	if (!sk_is_tcp(sk) && !sk_is_udp(sk))
		return "IP socket other than TCP or UDP (raw, ping, UDP-Lite, SCTP, MPTCP, ...)";
	if (rcu_access_pointer(sk->sk_user_data))
		return "IP socket used by the kernel (sockmap, encapsulation, ...)";
	why = sk_is_tcp(sk) ? kcr_tcp_why_not(sk, sk->sk_state) :
			      kcr_udp_why_not(sk, sk->sk_state);
	return why ?: kcr_ip_why_not(sk);
}

/* Checkpoint: why a TCP or UDP socket cannot be saved, or NULL. */
const char *kcr_inet_why_not(struct socket *sock)
{
	const char *why;

	lock_sock(sock->sk);
	why = kcr_inet_check(sock);
	release_sock(sock->sk);
	return why;
}

static void kcr_tcp_save(struct sock *sk, struct kcr_rec_inet *r)
{
	struct inet_connection_sock *icsk = inet_csk(sk);
	struct tcp_sock *tp = tcp_sk(sk);

	if (tp->nonagle & TCP_NAGLE_OFF)
		r->tcp_flags |= KCR_TCP_NODELAY;
	if (tp->nonagle & TCP_NAGLE_CORK)
		r->tcp_flags |= KCR_TCP_CORK;
	r->maxseg = READ_ONCE(tp->rx_opt.user_mss);
	r->keepidle = READ_ONCE(tp->keepalive_time) / HZ;
	r->keepintvl = READ_ONCE(tp->keepalive_intvl) / HZ;
	r->keepcnt = READ_ONCE(tp->keepalive_probes);
	r->user_timeout = READ_ONCE(icsk->icsk_user_timeout);
	r->syncnt = READ_ONCE(icsk->icsk_syn_retries);
	r->linger2 = READ_ONCE(tp->linger2) < 0 ? -1 :
		     READ_ONCE(tp->linger2) / HZ;
	r->window_clamp = READ_ONCE(tp->window_clamp);
	r->notsent_lowat = READ_ONCE(tp->notsent_lowat);
	strscpy_pad(r->congestion, icsk->icsk_ca_ops->name);
	if (sk->sk_state == TCP_LISTEN) {
		r->state = KCR_INET_LISTEN;
		r->backlog = READ_ONCE(sk->sk_max_ack_backlog);
	}
}

/*
 * The addresses and IP options of sk, whose lock is held, into r, whose
 * state is set.
 */
static void kcr_inet_fill(struct sock *sk, struct kcr_rec_inet *r)
{
	struct inet_sock *inet = inet_sk(sk);
	bool addr;

	/*
	 * An address that bind() did not name and no connection holds is
	 * what a failed connect() left: the next one chooses again.
	 */
	addr = r->flags & KCR_INET_BIND_ADDR || r->state == KCR_INET_CONNECTED;
	if (sk->sk_family == AF_INET) {
		if (addr)
			memcpy(r->saddr, &inet->inet_rcv_saddr, 4);
		if (r->state == KCR_INET_CONNECTED)
			memcpy(r->daddr, &inet->inet_daddr, 4);
		r->tos = READ_ONCE(inet->tos);
		r->ttl = READ_ONCE(inet->uc_ttl);
		r->pmtudisc = READ_ONCE(inet->pmtudisc);
		if (inet_test_bit(RECVERR, sk))
			r->flags |= KCR_INET_RECVERR;
	}
#if IS_ENABLED(CONFIG_IPV6)
	if (sk->sk_family == AF_INET6) {
		struct ipv6_pinfo *np = inet6_sk(sk);

		if (addr)
			memcpy(r->saddr, &sk->sk_v6_rcv_saddr, 16);
		if (r->state == KCR_INET_CONNECTED)
			memcpy(r->daddr, &sk->sk_v6_daddr, 16);
		r->tos = READ_ONCE(np->tclass);
		r->ttl = READ_ONCE(np->hop_limit);
		r->pmtudisc = READ_ONCE(np->pmtudisc);
		if (sk->sk_ipv6only)
			r->flags |= KCR_INET_V6ONLY;
		if (inet_test_bit(RECVERR6, sk))
			r->flags |= KCR_INET_RECVERR;
	}
#endif
}

/* @tcp-backlog */
/*
 * Checkpoint: connection sk, not accepted yet from the listener whose
 * record is lr: its KCR_REC_INET, the listener's but for what is the
 * connection's own, then its KCR_REC_TCP_CONN and data.
 */
static int kcr_write_inet_child(struct kcr_ctx *ctx,
				const struct kcr_rec_inet *lr, struct sock *sk)
{
	struct kcr_rec_inet r = *lr;
	const char *why;
	int ret;

	lock_sock(sk);
	why = kcr_tcp_why_not(sk, sk->sk_state) ?: kcr_ip_why_not(sk);
	if (!why && sk->sk_state != TCP_ESTABLISHED)
		why = "TCP connection reset before accept() (not saved)";
	if (why) {
		release_sock(sk);
		kcr_log(ctx, "%s: a connection not accepted yet on port %u",
			why, lr->sport);
		return -EOPNOTSUPP;
	}
	r.state = KCR_INET_CONNECTED;
	r.sport = inet_sk(sk)->inet_num;
	r.dport = ntohs(inet_sk(sk)->inet_dport);
	r.backlog = 0;
	r.nr_skbs = 0;
	r.tcp_flags = 0;
	r.so.shutdown = READ_ONCE(sk->sk_shutdown);
	r.so.err = READ_ONCE(sk->sk_err);
	kcr_inet_fill(sk, &r);
	kcr_tcp_save(sk, &r);
	release_sock(sk);
	kcr_init_rec(ctx, &r, KCR_REC_INET, sizeof(r));
	ret = kcr_write(ctx, &r, sizeof(r));
	return ret ?: kcr_write_tcp(ctx, sk);
}

/* @end */
/* Checkpoint: the KCR_REC_INET of the socket of file. */
int kcr_write_inet(struct kcr_ctx *ctx, struct file *file)
{
	struct socket *sock = sock_from_file(file);
	struct sock *sk = sock->sk;
	struct inet_sock *inet = inet_sk(sk);
	struct kcr_rec_inet r = {};
/* @udp-queue */
	struct kcr_udp_snap q = {};
	int ret = 0;
/* @end */
/* @tcp-backlog */
	struct kcr_tcp_queue tq = {};
	u32 i;
/* @end */
	const char *why;

	lock_sock(sk);
	why = kcr_inet_check(sock);
	if (why) {
		release_sock(sk);
		kcr_log(ctx, "%s: %pD", why, file);
		return -EOPNOTSUPP;
	}
	r.family = sk->sk_family;
	r.protocol = sk->sk_protocol;
	r.state = KCR_INET_CLOSE;
	if (sk->sk_userlocks & SOCK_BINDADDR_LOCK)
		r.flags |= KCR_INET_BIND_ADDR;
	if (sk->sk_userlocks & SOCK_BINDPORT_LOCK)
		r.flags |= KCR_INET_BIND_PORT;
	if (inet_test_bit(FREEBIND, sk))
		r.flags |= KCR_INET_FREEBIND;
	if (inet_test_bit(BIND_ADDRESS_NO_PORT, sk))
		r.flags |= KCR_INET_BIND_NO_PORT;
	r.sport = inet->inet_num;
/* @until tcp-conn */
	if (sk_is_udp(sk) && sk->sk_state == TCP_ESTABLISHED) {
/* @end */
/* @tcp-conn */
	if (sk->sk_state == TCP_ESTABLISHED) {
/* @end */
		r.state = KCR_INET_CONNECTED;
		r.dport = ntohs(inet->inet_dport);
	}
	kcr_inet_fill(sk, &r);
	kcr_sock_save(sock, &r.so);
	if (sk_is_tcp(sk))
		kcr_tcp_save(sk, &r);
	release_sock(sk);
/* @until udp-queue */
	kcr_init_rec(ctx, &r, KCR_REC_INET, sizeof(r));
	return kcr_write(ctx, &r, sizeof(r));
/* @end */
/* @udp-queue */
	if (sk_is_udp(sk)) {
		ret = kcr_udp_snap(ctx, sk, &q);
		r.nr_skbs = q.nr;
		r.bytes = q.bytes;
	}
/* @tcp-backlog */
	if (r.state == KCR_INET_LISTEN) {
		ret = kcr_tcp_queue_snap(ctx, sk, &tq);
		r.nr_skbs = tq.nr;
	}
/* @end */
	if (!ret) {
		kcr_init_rec(ctx, &r, KCR_REC_INET, sizeof(r));
		ret = kcr_write(ctx, &r, sizeof(r));
	}
	if (!ret)
		ret = kcr_udp_write(ctx, &q);
	kcr_udp_snap_free(&q);
/* @tcp-conn */
	if (!ret && sk_is_tcp(sk) && r.state == KCR_INET_CONNECTED)
		ret = kcr_write_tcp(ctx, sk);
/* @end */
/* @tcp-backlog */
	for (i = 0; !ret && i < tq.nr; i++)
		ret = kcr_write_inet_child(ctx, &r, tq.sk[i]);
	kcr_tcp_queue_free(&tq);
/* @end */
	return ret;
/* @end */
}
/* @inet-rst */

/* Restart: whether the record of file f describes a socket we can make. */
static int kcr_inet_rec_ok(struct kcr_ctx *ctx, const struct kcr_rec_inet *r,
			   const struct kcr_rec_file *f)
{
	bool tcp = r->protocol == IPPROTO_TCP;
	bool v6 = r->family == AF_INET6;
	bool bound = r->sport || r->flags & KCR_INET_BIND_ADDR;
	int alen = v6 ? 16 : 4;

	if ((r->family != AF_INET && r->family != AF_INET6) ||
	    (!tcp && r->protocol != IPPROTO_UDP) ||
	    (r->flags & ~KCR_INET_FLAGS_ALL) ||
	    (!v6 && (r->flags & KCR_INET_V6ONLY)) ||
	    memchr_inv(r->saddr + alen, 0, 16 - alen) ||
	    memchr_inv(r->daddr + alen, 0, 16 - alen) ||
	    ((r->flags & KCR_INET_BIND_PORT) && !r->sport) ||
	    (!(r->flags & KCR_INET_BIND_ADDR) && r->state != KCR_INET_CONNECTED &&
	     memchr_inv(r->saddr, 0, 16)) ||
	    r->tos > 255 || r->ttl < -1 || r->ttl > 255 || (!v6 && !r->ttl) ||
/* @until udp-queue */
	    r->pmtudisc > IP_PMTUDISC_OMIT || r->nr_skbs || r->reserved ||
	    r->bytes)
/* @end */
/* @udp-queue */
	    r->pmtudisc > IP_PMTUDISC_OMIT || r->reserved ||
/* @until tcp-backlog-rst */
	    (tcp && (r->nr_skbs || r->bytes)) ||
/* @end */
/* @tcp-backlog-rst */
	    (tcp && (r->bytes ||
		     (r->nr_skbs && r->state != KCR_INET_LISTEN) ||
		     r->nr_skbs > KCR_INET_QUEUE_CONNS ||
		     r->nr_skbs > (u64)r->backlog + 1)) ||
/* @end */
	    r->nr_skbs > KCR_INET_QUEUE_DGRAMS ||
	    r->bytes > KCR_INET_QUEUE_BYTES)
/* @end */
		return KCR_BAD(ctx, "IP socket %u: family %u protocol %u flags %#x",
			       f->objid, r->family, r->protocol, r->flags);
	switch (r->state) {
	case KCR_INET_CLOSE:
		if (r->backlog || r->dport || memchr_inv(r->daddr, 0, 16))
			return KCR_BAD(ctx, "IP socket %u: a peer, not connected",
				       f->objid);
		break;
	case KCR_INET_LISTEN:
		if (!tcp || !bound || !r->sport || r->backlog > INT_MAX ||
		    r->dport || memchr_inv(r->daddr, 0, 16))
			return KCR_BAD(ctx, "IP socket %u: listening, port %u backlog %u",
				       f->objid, r->sport, r->backlog);
		break;
	case KCR_INET_CONNECTED:
/* @until tcp-conn-rst */
		if (tcp || !r->sport || !r->dport || r->backlog)
/* @end */
/* @tcp-conn-rst */
		if (!r->sport || !r->dport || r->backlog)
/* @end */
			return KCR_BAD(ctx, "IP socket %u: connected, ports %u %u",
				       f->objid, r->sport, r->dport);
		break;
	default:
		return KCR_BAD(ctx, "IP socket %u: state %u", f->objid, r->state);
	}
	if (tcp ? (r->tcp_flags & ~KCR_TCP_FLAGS_ALL) ||
		  r->keepidle > MAX_TCP_KEEPIDLE ||
		  r->keepintvl > MAX_TCP_KEEPINTVL ||
		  r->keepcnt > MAX_TCP_KEEPCNT || r->syncnt > MAX_TCP_SYNCNT ||
		  r->user_timeout > INT_MAX || r->linger2 < -1 ||
		  r->linger2 > TCP_FIN_TIMEOUT_MAX / HZ ||
		  r->maxseg > MAX_TCP_WINDOW || r->window_clamp > INT_MAX ||
		  r->notsent_lowat > INT_MAX ||
		  !memchr(r->congestion, 0, sizeof(r->congestion))
		: r->tcp_flags || r->maxseg || r->keepidle || r->keepintvl ||
		  r->keepcnt || r->user_timeout || r->syncnt || r->linger2 ||
		  r->window_clamp || r->notsent_lowat ||
		  memchr_inv(r->congestion, 0, sizeof(r->congestion)))
		return KCR_BAD(ctx, "IP socket %u: TCP options", f->objid);
	return 0;
}

static int kcr_setint(struct socket *sock, int level, int op, int v)
{
	return kcr_setsockopt(sock, level, op, &v, sizeof(v));
}

static int kcr_tcp_options(struct socket *sock, const struct kcr_rec_inet *r)
{
	struct inet_connection_sock *icsk = inet_csk(sock->sk);
	int ret = 0;

	if (r->tcp_flags & KCR_TCP_NODELAY)
		ret = kcr_setint(sock, SOL_TCP, TCP_NODELAY, 1);
	if (!ret && r->tcp_flags & KCR_TCP_CORK)
		ret = kcr_setint(sock, SOL_TCP, TCP_CORK, 1);
	if (!ret && r->maxseg)
		ret = kcr_setint(sock, SOL_TCP, TCP_MAXSEG, r->maxseg);
	if (!ret && r->keepidle)
		ret = kcr_setint(sock, SOL_TCP, TCP_KEEPIDLE, r->keepidle);
	if (!ret && r->keepintvl)
		ret = kcr_setint(sock, SOL_TCP, TCP_KEEPINTVL, r->keepintvl);
	if (!ret && r->keepcnt)
		ret = kcr_setint(sock, SOL_TCP, TCP_KEEPCNT, r->keepcnt);
	if (!ret && r->user_timeout)
		ret = kcr_setint(sock, SOL_TCP, TCP_USER_TIMEOUT,
				 r->user_timeout);
	if (!ret && r->syncnt)
		ret = kcr_setint(sock, SOL_TCP, TCP_SYNCNT, r->syncnt);
	if (!ret && r->linger2)
		ret = kcr_setint(sock, SOL_TCP, TCP_LINGER2, r->linger2);
	if (!ret && r->window_clamp)
		ret = kcr_setint(sock, SOL_TCP, TCP_WINDOW_CLAMP,
				 r->window_clamp);
	if (!ret && r->notsent_lowat)
		ret = kcr_setint(sock, SOL_TCP, TCP_NOTSENT_LOWAT,
				 r->notsent_lowat);
	if (!ret && strcmp(r->congestion, icsk->icsk_ca_ops->name))
		ret = kcr_setsockopt(sock, SOL_TCP, TCP_CONGESTION,
				     r->congestion, strlen(r->congestion));
	return ret;
}

/* IP (or IPv6) options of a new socket, before it is bound. */
static int kcr_ip_options(struct socket *sock, const struct kcr_rec_inet *r)
{
	bool v6 = r->family == AF_INET6;
	int ret;

	ret = kcr_setint(sock, v6 ? SOL_IPV6 : SOL_IP,
			 v6 ? IPV6_MTU_DISCOVER : IP_MTU_DISCOVER, r->pmtudisc);
	if (!ret && v6)
		ret = kcr_setint(sock, SOL_IPV6, IPV6_V6ONLY,
				 !!(r->flags & KCR_INET_V6ONLY));
	if (!ret && r->tos)
		ret = kcr_setint(sock, v6 ? SOL_IPV6 : SOL_IP,
				 v6 ? IPV6_TCLASS : IP_TOS, r->tos);
	if (!ret && r->ttl != -1)
		ret = kcr_setint(sock, v6 ? SOL_IPV6 : SOL_IP,
				 v6 ? IPV6_UNICAST_HOPS : IP_TTL, r->ttl);
	if (!ret && r->flags & KCR_INET_RECVERR)
		ret = kcr_setint(sock, v6 ? SOL_IPV6 : SOL_IP,
				 v6 ? IPV6_RECVERR : IP_RECVERR, 1);
	if (!ret && r->flags & KCR_INET_FREEBIND)
		ret = kcr_setint(sock, SOL_IP, IP_FREEBIND, 1);
	if (!ret && r->flags & KCR_INET_BIND_NO_PORT)
		ret = kcr_setint(sock, SOL_IP, IP_BIND_ADDRESS_NO_PORT, 1);
	if (!ret && r->protocol == IPPROTO_TCP)
		ret = kcr_tcp_options(sock, r);
	return ret;
}

/* A sockaddr for addr:port of the record's family; its length. */
static int kcr_inet_addr(const struct kcr_rec_inet *r, const u8 *addr,
			 u16 port, struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (r->family == AF_INET6) {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(port);
		memcpy(&sin6->sin6_addr, addr, 16);
		return sizeof(*sin6);
	}
	((struct sockaddr_in *)ss)->sin_family = AF_INET;
	((struct sockaddr_in *)ss)->sin_port = htons(port);
	memcpy(&((struct sockaddr_in *)ss)->sin_addr, addr, 4);
	return sizeof(struct sockaddr_in);
}

/*
 * The socket of record r, made, bound, listening or connected as its
 * process (cred) would; the bind() locks as the process's own calls left
 * them, not as ours did.
 */
static int kcr_inet_make(struct kcr_ctx *ctx, const struct cred *cred,
			 const struct kcr_rec_inet *r, kuid_t ku, kgid_t kg,
/* @until tcp-conn-rst */
			 struct socket **sockp)
/* @end */
/* @tcp-conn-rst */
			 const struct kcr_rec_tcp_conn *c, struct socket **sockp)
/* @end */
{
	static const u8 any[16];
	struct sockaddr_storage ss;
	const struct cred *old;
	struct socket *sock;
	int len, ret;

	old = override_creds(cred);
	ret = sock_create(r->family, r->protocol == IPPROTO_TCP ?
			  SOCK_STREAM : SOCK_DGRAM, r->protocol, &sock);
	if (ret) {
		revert_creds(old);
		kcr_log(ctx, "cannot make an IP socket: %d", ret);
		return ret;
	}
	ret = kcr_sock_restore(ctx, sock, &r->so, ku, kg);
	if (!ret) {
		ret = kcr_ip_options(sock, r);
		if (ret)
			kcr_log(ctx, "IP socket: cannot set its options: %d",
				ret);
	}
/* @tcp-external */
	/* Its old socket, held since the kill, goes first. */
	if (!ret && c)
		kcr_tcp_take_over(r);
/* @end */
/* @tcp-conn-rst */
	/* A connection is bound to its own address, as connect() chose. */
	if (!ret && c)
		ret = kcr_tcp_repair(sock, c);
/* @end */
	if (!ret && (r->sport || r->flags & KCR_INET_BIND_ADDR)) {
/* @until tcp-conn-rst */
		len = kcr_inet_addr(r, r->flags & KCR_INET_BIND_ADDR ?
				    r->saddr : any, r->sport, &ss);
/* @end */
/* @tcp-conn-rst */
		len = kcr_inet_addr(r, r->flags & KCR_INET_BIND_ADDR || c ?
				    r->saddr : any, r->sport, &ss);
/* @end */
		ret = kernel_bind(sock, (struct sockaddr *)&ss, len);
		if (ret)
			kcr_log(ctx, "cannot bind an IP socket to port %u again: %d",
				r->sport, ret);
	}
	if (!ret && r->state == KCR_INET_LISTEN) {
		ret = kernel_listen(sock, r->backlog);
		if (ret)
			kcr_log(ctx, "cannot listen on port %u again: %d",
				r->sport, ret);
	}
	if (!ret && r->state == KCR_INET_CONNECTED) {
		len = kcr_inet_addr(r, r->daddr, r->dport, &ss);
		ret = kernel_connect(sock, (struct sockaddr *)&ss, len, 0);
		if (ret)
			kcr_log(ctx, "cannot connect an IP socket to port %u again: %d",
				r->dport, ret);
	}
/* @tcp-conn-rst */
	if (!ret && c)
		ret = kcr_tcp_rst_conn(ctx, sock, c,
				       r->so.flags & KCR_SO_REUSEADDR);
/* @end */
	revert_creds(old);
	if (ret) {
		sock_release(sock);
		return ret;
	}
	lock_sock(sock->sk);
	sock->sk->sk_userlocks &= ~(SOCK_BINDADDR_LOCK | SOCK_BINDPORT_LOCK);
	if (r->flags & KCR_INET_BIND_ADDR)
		sock->sk->sk_userlocks |= SOCK_BINDADDR_LOCK;
	if (r->flags & KCR_INET_BIND_PORT)
		sock->sk->sk_userlocks |= SOCK_BINDPORT_LOCK;
	kcr_sock_restore_last(sock, &r->so);
	release_sock(sock->sk);
	*sockp = sock;
	return 0;
}

/* @tcp-backlog-rst */
/*
 * Restart: the connections not accepted yet of listener record lr (file
 * record f), queued on the listener of lfile; with lfile NULL (the dry
 * run) they are read and checked only.
 */
static int kcr_rst_inet_queue(struct kcr_ctx *ctx, const struct cred *cred,
			      const struct kcr_rec_file *f,
			      const struct kcr_rec_inet *lr, struct file *lfile)
{
	struct kcr_rec_tcp_conn c;
	struct kcr_rec_inet r;
	struct socket *sock;
	kuid_t ku;
	kgid_t kg;
	int ret = 0;
	u32 i;

	for (i = 0; !ret && i < lr->nr_skbs; i++) {
		ret = kcr_read_state(ctx, KCR_REC_INET, &r, sizeof(r));
		if (!ret)
			ret = kcr_inet_rec_ok(ctx, &r, f);
		if (!ret && (r.protocol != IPPROTO_TCP ||
			     r.family != lr->family || r.sport != lr->sport ||
			     r.state != KCR_INET_CONNECTED))
			ret = KCR_BAD(ctx, "IP socket %u: queued connection %u: %u %u %u",
				      f->objid, i, r.family, r.sport, r.state);
		if (!ret)
			ret = kcr_sock_check(ctx, &r.so, f, &ku, &kg);
		if (!ret)
			ret = kcr_read_state(ctx, KCR_REC_TCP_CONN, &c,
					     sizeof(c));
		if (!ret)
			ret = kcr_tcp_conn_ok(ctx, &c);
		/* Nothing is written to a connection before accept(). */
		if (!ret && c.write_seq != c.snd_una)
			ret = KCR_BAD(ctx, "IP socket %u: queued connection %u sent data",
				      f->objid, i);
		if (!ret && !lfile)
			ret = kcr_tcp_rst_conn(ctx, NULL, &c, false);
		if (!ret && lfile)
			ret = kcr_inet_make(ctx, cred, &r, ku, kg, &c, &sock);
		if (!ret && lfile)
			ret = kcr_tcp_enqueue(ctx, lfile, sock);
	}
	return ret;
}

/* @end */
/*
 * Restart: the socket of FILE record f, whose KCR_REC_INET comes next.
 * The dry run makes it whole, to find a port taken or an option refused
 * now, then closes it and hands out a bare socket of its kind.
 */
struct file *kcr_rst_inet(struct kcr_ctx *ctx, const struct cred *cred,
			  const struct kcr_rec_file *f)
{
	struct kcr_rec_inet r;
/* @tcp-conn-rst */
	struct kcr_rec_tcp_conn c, *conn = NULL;
/* @end */
	struct socket *sock;
	struct file *file;
	kuid_t ku;
	kgid_t kg;
	int ret;

	ret = kcr_read_state(ctx, KCR_REC_INET, &r, sizeof(r));
	if (!ret)
		ret = kcr_inet_rec_ok(ctx, &r, f);
	if (!ret)
		ret = kcr_sock_check(ctx, &r.so, f, &ku, &kg);
/* @tcp-conn-rst */
	if (!ret && r.protocol == IPPROTO_TCP && r.state == KCR_INET_CONNECTED) {
		conn = &c;
		ret = kcr_read_state(ctx, KCR_REC_TCP_CONN, &c, sizeof(c));
		if (!ret)
			ret = kcr_tcp_conn_ok(ctx, &c);
	}
/* @until tcp-backlog-rst */
	if (!ret && conn &&
/* @end */
/* @tcp-backlog-rst */
	if (!ret && (conn || (r.protocol == IPPROTO_TCP && r.nr_skbs)) &&
/* @end */
	    !ns_capable(current->nsproxy->net_ns->user_ns, CAP_NET_ADMIN)) {
		kcr_log(ctx, "restoring a TCP connection needs CAP_NET_ADMIN");
		ret = -EPERM;
	}
	/* The dry run reads a connection only: the old one may be open. */
	if (!ret && conn && ctx->dry_run) {
		ret = kcr_tcp_rst_conn(ctx, NULL, &c, false);
		if (!ret)
			ret = sock_create(r.family, SOCK_STREAM, IPPROTO_TCP,
					  &sock);
		return ret ? ERR_PTR(ret) : sock_alloc_file(sock, O_RDWR, NULL);
	}
/* @end */
	if (!ret)
/* @until tcp-conn-rst */
		ret = kcr_inet_make(ctx, cred, &r, ku, kg, &sock);
/* @end */
/* @tcp-conn-rst */
		ret = kcr_inet_make(ctx, cred, &r, ku, kg, conn, &sock);
/* @end */
	if (ret)
		return ERR_PTR(ret);
/* @udp-queue */
/* @until tcp-backlog-rst */
	ret = kcr_udp_rst_queue(ctx, ctx->dry_run ? NULL : sock->sk, &r);
/* @end */
/* @tcp-backlog-rst */
	if (r.protocol == IPPROTO_UDP)
		ret = kcr_udp_rst_queue(ctx, ctx->dry_run ? NULL : sock->sk,
					&r);
/* @end */
	if (ret) {
		sock_release(sock);
		return ERR_PTR(ret);
	}
/* @end */
	if (ctx->dry_run) {
		sock_release(sock);
		ret = sock_create(r.family, r.protocol == IPPROTO_TCP ?
				  SOCK_STREAM : SOCK_DGRAM, r.protocol, &sock);
		if (ret)
			return ERR_PTR(ret);
	}
	file = sock_alloc_file(sock, O_RDWR, NULL);
/* @tcp-backlog-rst */
	if (!IS_ERR(file) && r.protocol == IPPROTO_TCP && r.nr_skbs) {
		ret = kcr_rst_inet_queue(ctx, cred, f, &r,
					 ctx->dry_run ? NULL : file);
		if (ret) {
			fput(file);
			return ERR_PTR(ret);
		}
	}
/* @end */
/* @tcp-conn-rst */
	/* Held until the restart is over (kcr_tcp_release()). */
	if (!IS_ERR(file) && conn) {
		ret = xa_err(xa_store(&ctx->tcp_seen, (unsigned long)sock->sk,
				      get_file(file), GFP_KERNEL_ACCOUNT));
		if (ret) {
			fput(file);
			fput(file);
			return ERR_PTR(ret);
		}
	}
/* @end */
	return file;
}
/* @end */
/* @inet-shared */

/*
 * Checkpoint, phase 1: no TCP or UDP socket of the tree is also open in a
 * process outside it.  Such a socket outlives the tree: its port stays
 * taken (a listener, a bound UDP socket) and its connection stays live,
 * so a restart could not have them back (EADDRINUSE, or two sockets for
 * one connection), and KCR_CHECKPOINT_KILL would take a connection from
 * under the process outside.  Refused by name, with the first such
 * process.  The tree is frozen and its fd tables are its own
 * (kcr_snap_files()), so they hold still while they are read.
 */
struct kcr_inet_set {
	struct file **files;	/* references held, sorted */
	u32 nr, max;
	struct file *hit;	/* found outside: one of files */
};

static bool kcr_is_inet(struct file *file)
{
	struct socket *sock = sock_from_file(file);

	return sock && sock->sk && (sock->sk->sk_family == AF_INET ||
				    sock->sk->sk_family == AF_INET6);
}

/* iterate_fd() callback, under the table's lock: count or take. */
static int kcr_inet_gather(const void *p, struct file *file, unsigned int fd)
{
	struct kcr_inet_set *s = (struct kcr_inet_set *)p;

	if (!kcr_is_inet(file))
		return 0;
	if (s->files && s->nr < s->max)
		s->files[s->nr] = get_file(file);
	s->nr++;
	return 0;
}

static int kcr_ptr_cmp(const void *a, const void *b)
{
	unsigned long x = *(unsigned long *)a, y = *(unsigned long *)b;

	return x < y ? -1 : x > y;
}

/* iterate_fd() callback for a table outside: stops at one of the set's. */
static int kcr_inet_match(const void *p, struct file *file, unsigned int fd)
{
	struct kcr_inet_set *s = (struct kcr_inet_set *)p;
	struct file **f;

	f = bsearch(&file, s->files, s->nr, sizeof(*s->files), kcr_ptr_cmp);
	if (!f)
		return 0;
	s->hit = *f;
	return 1;
}

static void kcr_inet_gather_tree(struct kcr_tree_snap *ts,
				 struct kcr_inet_set *s)
{
	u32 i;

	for (i = 0; i < ts->nr; i++) {
		struct task_struct *t = ts->tasks[i];

		if (ts->tt[i].flags & KCR_TREE_GONE)
			continue;
		task_lock(t);
		iterate_fd(t->files, 0, kcr_inet_gather, s);
		task_unlock(t);
	}
}

static bool kcr_in_tree(struct kcr_tree_snap *ts, struct task_struct *p)
{
	u32 i;

	for (i = 0; i < ts->nr; i++)
		if (same_thread_group(p, ts->tasks[i]))
			return true;
	return false;
}

int kcr_check_inet_shared(struct kcr_ctx *ctx, struct kcr_tree_snap *ts)
{
	struct kcr_inet_set s = {};
	struct task_struct *g, *p;
	pid_t holder = 0;
	u32 i;

	kcr_inet_gather_tree(ts, &s);
	if (!s.nr)
		return 0;
	s.max = s.nr;
	s.nr = 0;
	s.files = kvcalloc(s.max, sizeof(*s.files), GFP_KERNEL_ACCOUNT);
	if (!s.files)
		return -ENOMEM;
	kcr_inet_gather_tree(ts, &s);
	s.nr = min(s.nr, s.max);
	sort(s.files, s.nr, sizeof(*s.files), kcr_ptr_cmp, NULL);

	rcu_read_lock();
	for_each_process_thread(g, p) {
		if (kcr_in_tree(ts, p))
			continue;
		task_lock(p);
		iterate_fd(p->files, 0, kcr_inet_match, &s);
		task_unlock(p);
		if (s.hit) {
			holder = task_tgid_vnr(p);
			break;
		}
	}
	rcu_read_unlock();
	if (s.hit)
		kcr_log(ctx,
			"TCP or UDP socket also open in process %d outside the checkpoint (not saved): %pD",
			holder, s.hit);
	for (i = 0; i < s.nr; i++)
		fput(s.files[i]);
	kvfree(s.files);
	return s.hit ? -EOPNOTSUPP : 0;
}
/* @end */
