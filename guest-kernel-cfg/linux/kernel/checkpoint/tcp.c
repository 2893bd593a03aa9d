/* @file tcp-conn */
// SPDX-License-Identifier: GPL-2.0
/*
 * In-kernel checkpoint/restart: established TCP connections.
 *
 * A connection's socket is a KCR_FILE_INET whose KCR_REC_INET (state
 * KCR_INET_CONNECTED) is followed by a KCR_REC_TCP_CONN: its sequence
 * numbers, windows and the options agreed on, then its two queues as
 * KCR_REC_TCP_DATA records.  Both ends must be in the image.
 *
 * Checkpoint holds every connection it saves (SOCK_KCR_HOLD: what
 * arrives is dropped, no reset) before it reads the first one, so the two
 * ends are saved as of one moment even though one is read after the
 * other; what was dropped is sent again by the peer.
/* @tcp-conn-rst */
 *
 * Restart makes each socket again with TCP repair (as CRIU does, in the
 * kernel): the queues' sequence numbers, bind(), a connect() that sends
 * nothing, the options, the timestamp clock, the data sent but not
 * acknowledged, the data received but not read, the windows, then repair
 * off with a window probe, and the data not sent yet is sent.  Repair is
 * the restarter's to ask for: CAP_NET_ADMIN over the network namespace.
/* @end */
 */
#include <linux/errno.h>
#include <linux/file.h>
#include <linux/net.h>
/* @tcp-external */
#include <linux/nsproxy.h>
#include <linux/slab.h>
#include <linux/workqueue.h>
/* @end */
/* @tcp-hold-time */
#include <linux/sysctl.h>
/* @end */
/* @tcp-release */
#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/pid_namespace.h>
/* @end */
/* @tcp-backlog-rst */
#include <linux/memcontrol.h>
/* @end */
#include <linux/sizes.h>
#include <linux/tcp.h>
#include <linux/xarray.h>
#include <net/inet_hashtables.h>
#include <net/inet6_hashtables.h>
#include <net/sock.h>
#include <net/tcp.h>

#include "kcr_int.h"
/* @tcp-external */

/* tcp_seen: a connection whose other end is not in the image */
#define KCR_TCP_OUTSIDE		XA_MARK_1
/* @end */
/* @tcp-backlog */

/*
 * tcp_seen: a connection not accepted yet from a listener, the key held
 * (sock_hold()), the value the listener's file
 */
#define KCR_TCP_CHILD		XA_MARK_2
/* @end */

static bool kcr_is_conn(struct file *file)
{
	struct socket *sock = sock_from_file(file);

	return sock && sock->sk && sk_is_tcp(sock->sk) &&
	       READ_ONCE(sock->sk->sk_state) == TCP_ESTABLISHED;
}

/* @tcp-backlog */

/*
 * The connections of listener lsk not accepted yet, in accept() order,
 * held, at most max of them.  The owner's lock keeps them there (only
 * accept() and close take them off); more may come at the end.
 */
static u32 kcr_tcp_kids(struct sock *lsk, struct sock **kids, u32 max)
{
	struct request_sock_queue *q = &inet_csk(lsk)->icsk_accept_queue;
	struct request_sock *req;
	u32 n = 0;

	spin_lock_bh(&q->rskq_lock);
	for (req = q->rskq_accept_head; req && n < max; req = req->dl_next) {
		if (req->sk) {
			sock_hold(req->sk);
			kids[n++] = req->sk;
		}
	}
	spin_unlock_bh(&q->rskq_lock);
	return n;
}

/* kcr_tcp_kids() of lsk into q, at most max of them (q->sk made for it). */
static int kcr_tcp_kids_get(struct sock *lsk, u32 max, struct kcr_tcp_queue *q)
{
	q->sk = kvmalloc_array(max, sizeof(*q->sk), GFP_KERNEL_ACCOUNT);
	if (!q->sk)
		return -ENOMEM;
	lock_sock(lsk);
	q->nr = kcr_tcp_kids(lsk, q->sk, max);
	release_sock(lsk);
	return 0;
}

/*
 * Checkpoint: listener lsk's connections not accepted yet, held, in q (to
 * free with kcr_tcp_queue_free()); those made since phase 1 noted the
 * queue are left out (closing the listener resets them).
 */
int kcr_tcp_queue_snap(struct kcr_ctx *ctx, struct sock *lsk,
		       struct kcr_tcp_queue *q)
{
	u32 i, n, max = READ_ONCE(lsk->sk_ack_backlog);
	int ret;

	if (!max)
		return 0;
	if (max > KCR_INET_QUEUE_CONNS ||
	    max > READ_ONCE(lsk->sk_max_ack_backlog) + 1) {
		kcr_log(ctx, "TCP listener with %u connections not accepted yet (not saved)",
			max);
		return -EOPNOTSUPP;
	}
	ret = kcr_tcp_kids_get(lsk, max, q);
	if (ret)
		return ret;
	for (i = 0, n = q->nr, q->nr = 0; i < n; i++) {
		if (xa_get_mark(&ctx->tcp_seen, (unsigned long)q->sk[i],
				KCR_TCP_CHILD))
			q->sk[q->nr++] = q->sk[i];
		else
			sock_put(q->sk[i]);
	}
	return 0;
}

void kcr_tcp_queue_free(struct kcr_tcp_queue *q)
{
	u32 i;

	for (i = 0; i < q->nr; i++)
		sock_put(q->sk[i]);
	kvfree(q->sk);
}

/* Checkpoint, phase 1: note the connections the listener of file holds. */
static int kcr_note_tcp_queue(struct kcr_ctx *ctx, struct file *file)
{
	struct sock *lsk = sock_from_file(file)->sk;
	struct kcr_tcp_queue q = {};
	unsigned long key;
	int ret;
	u32 i;

	lock_sock(lsk);
	q.nr = READ_ONCE(lsk->sk_ack_backlog);
	release_sock(lsk);
	if (!q.nr)
		return 0;
	ret = kcr_tcp_kids_get(lsk, min(q.nr, KCR_INET_QUEUE_CONNS + 1), &q);
	if (ret)
		return ret;
	for (i = 0; i < q.nr && !ret; i++) {
		key = (unsigned long)q.sk[i];
		if (xa_load(&ctx->tcp_seen, key))
			continue;
		ret = xa_err(xa_store(&ctx->tcp_seen, key, get_file(file),
				      GFP_KERNEL_ACCOUNT));
		if (ret) {
			fput(file);
			break;
		}
		/* tcp_seen's reference now */
		xa_set_mark(&ctx->tcp_seen, key, KCR_TCP_CHILD);
		q.sk[i] = NULL;
	}
	for (i = 0; i < q.nr; i++)
		if (q.sk[i])
			sock_put(q.sk[i]);
	kvfree(q.sk);
	return ret;
}
/* @end */

/* @tcp-backlog */
static bool kcr_is_listener(struct file *file)
{
	struct socket *sock = sock_from_file(file);

	return sock && sock->sk && sk_is_tcp(sock->sk) &&
	       READ_ONCE(sock->sk->sk_state) == TCP_LISTEN;
}

/* @end */
/* Checkpoint, phase 1: note each TCP connection of the fd table. */
int kcr_note_tcp(struct kcr_ctx *ctx, struct kcr_files_snap *fs)
{
	unsigned int i;
	int ret = 0;

	for (i = 0; i < fs->nr && !ret; i++) {
		struct file *file = fs->fds[i].file;
		unsigned long key;

/* @tcp-backlog */
		if (kcr_is_listener(file)) {
			ret = kcr_note_tcp_queue(ctx, file);
			continue;
		}
/* @end */
		if (!kcr_is_conn(file))
			continue;
		key = (unsigned long)sock_from_file(file)->sk;
		if (xa_load(&ctx->tcp_seen, key))
			continue;
		ret = xa_err(xa_store(&ctx->tcp_seen, key, get_file(file),
				      GFP_KERNEL_ACCOUNT));
		if (ret)
			fput(file);
	}
	return ret;
}

/* The other end of sk's connection on this machine, held, or NULL. */
static struct sock *kcr_tcp_peer(struct sock *sk)
{
	struct inet_hashinfo *h = sock_net(sk)->ipv4.tcp_death_row.hashinfo;
	struct inet_sock *inet = inet_sk(sk);
	struct sock *peer;

#if IS_ENABLED(CONFIG_IPV6)
	if (sk->sk_family == AF_INET6 && !ipv6_addr_v4mapped(&sk->sk_v6_daddr))
		peer = __inet6_lookup_established(sock_net(sk), h,
						  &sk->sk_v6_rcv_saddr,
						  inet->inet_sport,
						  &sk->sk_v6_daddr,
						  ntohs(inet->inet_dport), 0, 0);
	else
#endif
		peer = __inet_lookup_established(sock_net(sk), h,
						 inet->inet_rcv_saddr,
						 inet->inet_sport,
						 inet->inet_daddr,
						 ntohs(inet->inet_dport), 0, 0);
	if (peer && !sk_fullsock(peer)) {
		sock_gen_put(peer);
		peer = NULL;
	}
	return peer;
}

/* @until tcp-external */
/*
 * Checkpoint, once every fd table is known: each connection's other end
 * is in the image too; then every connection is held.
 */
/* @end */
/* @tcp-external */
/*
 * Checkpoint, once every fd table is known: note the connections whose
 * other end is not in the image; then hold every connection.
 */
/* @end */
int kcr_check_tcp(struct kcr_ctx *ctx)
{
	unsigned long key;
	struct file *file;
	struct sock *peer;
	bool in;

	xa_for_each(&ctx->tcp_seen, key, file) {
		peer = kcr_tcp_peer((struct sock *)key);
		in = peer && xa_load(&ctx->tcp_seen, (unsigned long)peer);
		if (peer)
			sock_gen_put(peer);
/* @until tcp-external */
		if (!in) {
			kcr_log(ctx, "TCP connection to a peer outside (not supported yet): %pD",
				file);
			return -EOPNOTSUPP;
		}
/* @end */
/* @tcp-external */
		if (!in)
			xa_set_mark(&ctx->tcp_seen, key, KCR_TCP_OUTSIDE);
/* @end */
	}
	xa_for_each(&ctx->tcp_seen, key, file) {
		lock_sock((struct sock *)key);
		sock_set_flag((struct sock *)key, SOCK_KCR_HOLD);
		release_sock((struct sock *)key);
	}
	return 0;
}

void kcr_tcp_release(struct kcr_ctx *ctx)
{
	unsigned long key;
	struct file *file;

	xa_for_each(&ctx->tcp_seen, key, file) {
		lock_sock((struct sock *)key);
/* @until tcp-external */
		sock_reset_flag((struct sock *)key, SOCK_KCR_HOLD);
/* @end */
/* @tcp-external */
		/* KCR_CHECKPOINT_HOLD: until it is killed or released. */
		if (!ctx->tcp_keep ||
		    !xa_get_mark(&ctx->tcp_seen, key, KCR_TCP_OUTSIDE))
			sock_reset_flag((struct sock *)key, SOCK_KCR_HOLD);
/* @end */
		release_sock((struct sock *)key);
/* @tcp-backlog */
		if (xa_get_mark(&ctx->tcp_seen, key, KCR_TCP_CHILD))
			sock_put((struct sock *)key);
/* @end */
		fput(file);
	}
	xa_destroy(&ctx->tcp_seen);
}

/* KCR_REC_TCP_DATA records of len bytes of skb from off. */
static int kcr_tcp_write_data(struct kcr_ctx *ctx, u32 queue,
			      struct sk_buff *skb, u32 off, u32 len)
{
	struct kcr_rec_tcp_data d = { .queue = queue };
	u32 n, plen;
	int ret = 0;

	while (len && !ret) {
		n = min_t(u32, len, KCR_TCP_DATA_MAX);
		plen = ALIGN(n, 8);
		d.len = n;
		memset(ctx->buf + n, 0, plen - n);
		ret = skb_copy_bits(skb, off, ctx->buf, n);
		kcr_init_rec(ctx, &d, KCR_REC_TCP_DATA, sizeof(d) + plen);
		if (!ret)
			ret = kcr_write(ctx, &d, sizeof(d));
		if (!ret)
			ret = kcr_write(ctx, ctx->buf, plen);
		off += n;
		len -= n;
	}
	return ret;
}

/*
 * The data of skb from sequence number *seq on, if it holds any: the
 * next bytes of its queue; *seq moves past them.
 */
static int kcr_tcp_write_skb(struct kcr_ctx *ctx, u32 queue,
			     struct sk_buff *skb, u32 *seq)
{
	struct tcp_skb_cb *cb = TCP_SKB_CB(skb);
	u32 off, len;

	if (cb->tcp_flags & (TCPHDR_SYN | TCPHDR_FIN)) {
		kcr_log(ctx, "TCP queue with a SYN or FIN (not supported)");
		return -EOPNOTSUPP;
	}
	if (after(cb->seq, *seq)) {
		kcr_log(ctx, "TCP queue with a gap at %u", *seq);
		return -EBUSY;
	}
	off = *seq - cb->seq;
	if (off >= skb->len)
		return 0;
	len = skb->len - off;
	*seq += len;
	return kcr_tcp_write_data(ctx, queue, skb, off, len);
}

/*
 * Checkpoint: the KCR_REC_TCP_CONN of connection sk and its queues,
 * after its KCR_REC_INET.
 */
int kcr_write_tcp(struct kcr_ctx *ctx, struct sock *sk)
{
	struct tcp_sock *tp = tcp_sk(sk);
	struct kcr_rec_tcp_conn c = {};
	struct sk_buff *skb;
	u32 seq;
	int ret;

	if (!xa_load(&ctx->tcp_seen, (unsigned long)sk)) {
		kcr_log(ctx, "TCP connection held only in flight (not supported)");
		return -EOPNOTSUPP;
	}
	lock_sock(sk);
	ret = -EBUSY;
	if (sk->sk_state != TCP_ESTABLISHED || READ_ONCE(tp->urg_data)) {
		kcr_log(ctx, "TCP connection closing, or with urgent data (not supported)");
		goto out;
	}
	c.snd_una = tp->snd_una;
	c.snd_nxt = tp->snd_nxt;
	c.write_seq = tp->write_seq;
	c.rcv_nxt = tp->rcv_nxt;
	c.copied_seq = tp->copied_seq;
	c.snd_wl1 = tp->snd_wl1;
	c.snd_wnd = tp->snd_wnd;
	c.max_window = tp->max_window;
	c.rcv_wnd = tp->rcv_wnd;
	c.rcv_wup = tp->rcv_wup;
	c.mss_clamp = tp->rx_opt.mss_clamp;
	if (tp->rx_opt.sack_ok)
		c.opts |= KCR_TCP_OPT_SACK;
	if (tp->rx_opt.tstamp_ok)
		c.opts |= KCR_TCP_OPT_TSTAMP;
	if (tp->rx_opt.wscale_ok) {
		c.opts |= KCR_TCP_OPT_WSCALE;
		c.snd_wscale = tp->rx_opt.snd_wscale;
		c.rcv_wscale = tp->rx_opt.rcv_wscale;
	}
	c.timestamp = tcp_clock_ts(tp->tcp_usec_ts) + tp->tsoffset;
	c.timestamp = (c.timestamp & ~1U) | tp->tcp_usec_ts;
	c.sndbuf = READ_ONCE(sk->sk_sndbuf);
	c.rcvbuf = READ_ONCE(sk->sk_rcvbuf);
	if (after(c.snd_una, c.snd_nxt) || after(c.snd_nxt, c.write_seq) ||
	    after(c.copied_seq, c.rcv_nxt) ||
	    c.write_seq - c.snd_una > KCR_TCP_QUEUE_BYTES ||
	    c.rcv_nxt - c.copied_seq > KCR_TCP_QUEUE_BYTES) {
		kcr_log(ctx, "TCP connection with queues beyond %u bytes, or in flux",
			KCR_TCP_QUEUE_BYTES);
		goto out;
	}
	kcr_init_rec(ctx, &c, KCR_REC_TCP_CONN, sizeof(c));
	ret = kcr_write(ctx, &c, sizeof(c));
	/* Sent, not acknowledged: the retransmit queue; then not sent. */
	seq = c.snd_una;
	skb_rbtree_walk(skb, &sk->tcp_rtx_queue) {
		if (ret)
			break;
		ret = kcr_tcp_write_skb(ctx, KCR_TCP_SEND_QUEUE, skb, &seq);
	}
	skb_queue_walk(&sk->sk_write_queue, skb) {
		if (ret)
			break;
		ret = kcr_tcp_write_skb(ctx, KCR_TCP_SEND_QUEUE, skb, &seq);
	}
	if (!ret && seq != c.write_seq)
		ret = -EBUSY;
	seq = c.copied_seq;
	skb_queue_walk(&sk->sk_receive_queue, skb) {
		if (ret)
			break;
		ret = kcr_tcp_write_skb(ctx, KCR_TCP_RECV_QUEUE, skb, &seq);
	}
	if (!ret && seq != c.rcv_nxt)
		ret = -EBUSY;
	if (ret == -EBUSY)
		kcr_log(ctx, "TCP queues do not add up to their sequence numbers");
out:
	release_sock(sk);
	return ret;
}
/* @tcp-conn-rst */

/* Restart: whether a KCR_REC_TCP_CONN is a connection TCP could be in. */
int kcr_tcp_conn_ok(struct kcr_ctx *ctx, const struct kcr_rec_tcp_conn *c)
{
	u32 sws = c->opts & KCR_TCP_OPT_WSCALE ? c->snd_wscale : 0;
	u32 rws = c->opts & KCR_TCP_OPT_WSCALE ? c->rcv_wscale : 0;

	if (after(c->snd_una, c->snd_nxt) || after(c->snd_nxt, c->write_seq) ||
	    after(c->copied_seq, c->rcv_nxt) ||
	    c->write_seq - c->snd_una > KCR_TCP_QUEUE_BYTES ||
	    c->rcv_nxt - c->copied_seq > KCR_TCP_QUEUE_BYTES ||
	    c->max_window < c->snd_wnd ||
	    after(c->snd_wl1, c->rcv_nxt + c->rcv_wnd) ||
	    after(c->rcv_wup, c->rcv_nxt) ||
	    (c->opts & ~KCR_TCP_OPT_ALL) || c->snd_wscale > TCP_MAX_WSCALE ||
	    c->rcv_wscale > TCP_MAX_WSCALE ||
	    (!(c->opts & KCR_TCP_OPT_WSCALE) &&
	     (c->snd_wscale || c->rcv_wscale)) ||
	    c->max_window > 65535U << sws || c->rcv_wnd > 65535U << rws ||
	    c->mss_clamp < TCP_MIN_MSS || c->mss_clamp > 65535 ||
	    c->sndbuf > INT_MAX || c->rcvbuf > INT_MAX || c->reserved)
		return KCR_BAD(ctx, "TCP connection: sequence numbers %u %u %u %u %u, options %#x",
			       c->snd_una, c->snd_nxt, c->write_seq,
			       c->rcv_nxt, c->copied_seq, c->opts);
	return 0;
}

/* The next KCR_REC_TCP_DATA, of queue q and at most max bytes: ctx->buf. */
static int kcr_tcp_read_data(struct kcr_ctx *ctx, u32 q, u32 max, u32 *len)
{
	struct kcr_rec_tcp_data d;
	struct kcr_hdr h;
	u32 plen;
	int ret;

	ret = kcr_read_hdr(ctx, &h);
	if (ret)
		return ret;
	if (h.type != KCR_REC_TCP_DATA)
		return KCR_BAD(ctx, "offset %llu: type %u, expected TCP data",
			       kcr_rec_off(ctx), h.type);
	ret = kcr_read_rec(ctx, &h, &d, sizeof(d));
	if (ret)
		return ret;
	plen = ALIGN(d.len, 8);
	if (d.queue != q || !d.len || d.len > KCR_TCP_DATA_MAX || d.len > max ||
	    h.len != sizeof(d) + plen)
		return KCR_BAD(ctx, "TCP data of queue %u, %u bytes (%u to come)",
			       d.queue, d.len, max);
	ret = kcr_read(ctx, ctx->buf, plen);
	if (!ret && memchr_inv(ctx->buf + d.len, 0, plen - d.len))
		ret = KCR_BAD(ctx, "TCP data padding");
	*len = d.len;
	return ret;
}

static int kcr_tcp_send(struct socket *sock, const void *buf, u32 len)
{
	struct kvec v = { .iov_base = (void *)buf, .iov_len = len };
	struct msghdr m = { .msg_flags = MSG_DONTWAIT };
	int n = kernel_sendmsg(sock, &m, &v, 1, len);

	return n == len ? 0 : n < 0 ? n : -ENOBUFS;
}

static int kcr_tcp_setint(struct socket *sock, int op, int v)
{
	return kcr_setsockopt(sock, SOL_TCP, op, &v, sizeof(v));
}

/*
 * Restart, before bind() and connect(): repair mode, with the queues'
 * first sequence numbers, and held (kcr_tcp_release() lets it go once the
 * restart is over): what arrives before its peer is made again, a reset
 * for a window probe say, is dropped.  The restarter has CAP_NET_ADMIN (checked
 * before): repair is set as TCP_REPAIR would, not under the process's
 * credentials.
 */
int kcr_tcp_repair(struct socket *sock, const struct kcr_rec_tcp_conn *c)
{
	struct sock *sk = sock->sk;
	int ret;

	lock_sock(sk);
	tcp_sk(sk)->repair = 1;
	sk->sk_reuse = SK_FORCE_REUSE;
	tcp_sk(sk)->repair_queue = TCP_NO_QUEUE;
	/* Until every connection is back: its peer may not be there yet. */
	sock_set_flag(sk, SOCK_KCR_HOLD);
	release_sock(sk);
	ret = kcr_tcp_setint(sock, TCP_REPAIR_QUEUE, TCP_SEND_QUEUE);
	if (!ret)
		ret = kcr_tcp_setint(sock, TCP_QUEUE_SEQ, c->snd_una);
	if (!ret)
		ret = kcr_tcp_setint(sock, TCP_REPAIR_QUEUE, TCP_RECV_QUEUE);
	if (!ret)
		ret = kcr_tcp_setint(sock, TCP_QUEUE_SEQ, c->copied_seq);
	return ret;
}

static int kcr_tcp_options(struct socket *sock, const struct kcr_rec_tcp_conn *c)
{
	struct tcp_repair_opt o[4];
	int n = 0;

	o[n].opt_code = TCPOPT_MSS;
	o[n++].opt_val = c->mss_clamp;
	if (c->opts & KCR_TCP_OPT_WSCALE) {
		o[n].opt_code = TCPOPT_WINDOW;
		o[n++].opt_val = c->snd_wscale | c->rcv_wscale << 16;
	}
	if (c->opts & KCR_TCP_OPT_SACK) {
		o[n].opt_code = TCPOPT_SACK_PERM;
		o[n++].opt_val = 0;
	}
	if (c->opts & KCR_TCP_OPT_TSTAMP) {
		o[n].opt_code = TCPOPT_TIMESTAMP;
		o[n++].opt_val = 0;
	}
	return kcr_setsockopt(sock, SOL_TCP, TCP_REPAIR_OPTIONS, o,
			      n * sizeof(o[0]));
}

/*
 * Restart, once sock is connected in repair mode: its options, clock and
 * buffers, its queues from the KCR_REC_TCP_DATA records, its windows;
 * then repair off.  With sock NULL (the dry run) the records are only
 * read and checked.
 */
int kcr_tcp_rst_conn(struct kcr_ctx *ctx, struct socket *sock,
		     const struct kcr_rec_tcp_conn *c, bool reuse)
{
	struct tcp_repair_window w = {
		.snd_wl1 = c->snd_wl1, .snd_wnd = c->snd_wnd,
		.max_window = c->max_window, .rcv_wnd = c->rcv_wnd,
		.rcv_wup = c->rcv_wup,
	};
	u32 sent = c->snd_nxt - c->snd_una, left = c->write_seq - c->snd_una;
	u32 unsent = c->write_seq - c->snd_nxt, got = 0, len = 0, n;
	struct sock *sk = sock ? sock->sk : NULL;
	struct net *net = current->nsproxy->net_ns;
	int sndbuf = 0, rcvbuf = 0;
	void *stash = NULL;
	int ret = 0;

	if (sk) {
		ret = kcr_tcp_options(sock, c);
		if (!ret)
			ret = kcr_tcp_setint(sock, TCP_TIMESTAMP, c->timestamp);
		if (!ret)
			ret = kcr_tcp_setint(sock, TCP_REPAIR_QUEUE,
					     TCP_SEND_QUEUE);
		/* As autotuning had grown them, within its limits. */
		WRITE_ONCE(sk->sk_sndbuf, max_t(int, sk->sk_sndbuf,
			   min_t(u32, c->sndbuf, READ_ONCE(net->ipv4.sysctl_tcp_wmem[2]))));
		WRITE_ONCE(sk->sk_rcvbuf, max_t(int, sk->sk_rcvbuf,
			   min_t(u32, c->rcvbuf, READ_ONCE(net->ipv4.sysctl_tcp_rmem[2]))));
		/*
		 * Room for the queues while they are made, whatever their
		 * buffers' accounting now: they fitted when they were saved.
		 */
		sndbuf = READ_ONCE(sk->sk_sndbuf);
		rcvbuf = READ_ONCE(sk->sk_rcvbuf);
		WRITE_ONCE(sk->sk_sndbuf, max_t(u64, sndbuf, 2ULL * left + SZ_1M));
		WRITE_ONCE(sk->sk_rcvbuf, max_t(u64, rcvbuf,
			   2ULL * (c->rcv_nxt - c->copied_seq) + SZ_1M));
		if (!ret && unsent) {
			stash = kvmalloc(unsent, GFP_KERNEL_ACCOUNT);
			if (!stash)
				ret = -ENOMEM;
		}
	}
	/* The send queue: what was sent goes back as sent. */
	while (!ret && left) {
		ret = kcr_tcp_read_data(ctx, KCR_TCP_SEND_QUEUE, left, &len);
		for (n = 0; !ret && sk && n < len; ) {
			u32 m = got < sent ? min(len - n, sent - got) : len - n;

			if (got < sent)
				ret = kcr_tcp_send(sock, ctx->buf + n, m);
			else
				memcpy(stash + got - sent, ctx->buf + n, m);
			got += m;
			n += m;
		}
		left -= len;
	}
	left = c->rcv_nxt - c->copied_seq;
	if (!ret && sk && left)
		ret = kcr_tcp_setint(sock, TCP_REPAIR_QUEUE, TCP_RECV_QUEUE);
	while (!ret && left) {
		ret = kcr_tcp_read_data(ctx, KCR_TCP_RECV_QUEUE, left, &len);
		if (!ret && sk)
			ret = kcr_tcp_send(sock, ctx->buf, len);
		left -= len;
	}
	if (!ret && sk)
		ret = kcr_setsockopt(sock, SOL_TCP, TCP_REPAIR_WINDOW, &w,
				     sizeof(w));
	if (!ret && sk) {
		/* As TCP_REPAIR off: a window probe tells the peer. */
		lock_sock(sk);
		tcp_sk(sk)->repair = 0;
		sk->sk_reuse = reuse ? SK_CAN_REUSE : SK_NO_REUSE;
		tcp_send_window_probe(sk);
		release_sock(sk);
		if (unsent)
			ret = kcr_tcp_send(sock, stash, unsent);
	}
	if (sk) {
		WRITE_ONCE(sk->sk_sndbuf, sndbuf);
		WRITE_ONCE(sk->sk_rcvbuf, rcvbuf);
	}
	if (ret && ret != -EINVAL)
		kcr_log(ctx, "TCP connection: cannot restore its state: %d", ret);
	kvfree(stash);
	return ret;
}
/* @tcp-backlog-rst */

/*
 * Restart: connection sock, made again, goes on the queue of the listener
 * of lfile for accept(), as the end of a handshake puts a new one there:
 * a request sock that points to it, and the socket as such a child is
 * (no struct socket, no wait queue, no memory cgroup: accept() gives it
 * those).  sock is consumed.  The connection stays held, as any restored
 * one, until the restart is over.
 */
int kcr_tcp_enqueue(struct kcr_ctx *ctx, struct file *lfile,
		    struct socket *sock)
{
	struct sock *lsk = sock_from_file(lfile)->sk, *sk = sock->sk;
	const struct request_sock_ops *ops = &tcp_request_sock_ops;
	struct request_sock *req;
	struct sock *added;
	int ret;

#if IS_ENABLED(CONFIG_IPV6)
	if (lsk->sk_family == AF_INET6)
		ops = &tcp6_request_sock_ops;
#endif
	req = inet_reqsk_alloc(ops, lsk, true);
	if (!req) {
		sock_release(sock);
		return -ENOMEM;
	}
	tcp_rsk(req)->tfo_listener = false;
	refcount_set(&req->rsk_refcnt, 1);
	ret = xa_err(xa_store(&ctx->tcp_seen, (unsigned long)sk,
			      get_file(lfile), GFP_KERNEL_ACCOUNT));
	if (ret) {
		fput(lfile);
		reqsk_put(req);
		sock_release(sock);
		return ret;
	}
	sock_hold(sk);
	xa_set_mark(&ctx->tcp_seen, (unsigned long)sk, KCR_TCP_CHILD);

	lock_sock(sk);
	if (mem_cgroup_sockets_enabled && sk->sk_memcg) {
		mem_cgroup_uncharge_skmem(sk->sk_memcg,
					  sk_mem_pages(sk->sk_forward_alloc +
						       atomic_read(&sk->sk_rmem_alloc)));
		mem_cgroup_sk_free(sk);
		sk->sk_memcg = NULL;
	}
	write_lock_bh(&sk->sk_callback_lock);
	sk_set_socket(sk, NULL);
	RCU_INIT_POINTER(sk->sk_wq, NULL);
	write_unlock_bh(&sk->sk_callback_lock);
	release_sock(sk);
	/* The socket's reference to sk is the queue's now. */
	sock->sk = NULL;
	sock_release(sock);

	local_bh_disable();
	bh_lock_sock(sk);
	added = inet_csk_reqsk_queue_add(lsk, req, sk);
	bh_unlock_sock(sk);
	local_bh_enable();
	if (!added) {
		/* The listener is not listening: sk was reset and let go. */
		reqsk_put(req);
		sock_put(sk);
		kcr_log(ctx, "TCP connection: its listener is gone");
		return -EINVAL;
	}
	return 0;
}
/* @end */
/* @end */
/* @checkpoint-kill */

/*
 * Close connection sk as a TCP_REPAIR socket closes (quiet: no FIN, no
 * RST, no TIME_WAIT), or with a reset.
 */
static void kcr_tcp_silent_close(struct sock *sk, bool quiet)
{
	lock_sock(sk);
	/* Closed, it has nothing left to hold. */
	sock_reset_flag(sk, SOCK_KCR_HOLD);
	tcp_sk(sk)->repair = quiet;
	sk->sk_prot->disconnect(sk, 0);
	tcp_sk(sk)->repair = 0;
	release_sock(sk);
}
/* @tcp-backlog */

/*
 * KCR_CHECKPOINT_KILL: the connections not accepted yet of the listener
 * of lfile, accepted here, go as a connection of the tree goes: quietly,
 * or held for a peer outside.  One not in the image (made during the
 * checkpoint) is reset, as the listener's close would.
 */
static void kcr_tcp_drain(struct kcr_ctx *ctx, struct file *lfile)
{
	struct socket *sock;
	struct file *file;

	while (!kernel_accept(sock_from_file(lfile), &sock, O_NONBLOCK)) {
		struct sock *sk = sock->sk;
		unsigned long key = (unsigned long)sk;
		struct file *saved = xa_load(&ctx->tcp_seen, key);

		if (saved && xa_get_mark(&ctx->tcp_seen, key, KCR_TCP_OUTSIDE)) {
			/* Quiet, should the file not be made. */
			tcp_sk(sk)->repair = 1;
			file = sock_alloc_file(sock, O_RDWR, NULL);
			tcp_sk(sk)->repair = 0;
/* @until tcp-release */
			if (!IS_ERR(file) && kcr_tcp_park(file, sk))
/* @end */
/* @tcp-release */
			if (!IS_ERR(file) &&
			    kcr_tcp_park(file, sk, ctx->tcp_pid))
/* @end */
				kcr_tcp_silent_close(sk, true);
			if (!IS_ERR(file))
				fput(file);
			sock = NULL;
		}
		if (sock) {
			kcr_tcp_silent_close(sk, saved);
			sock_release(sock);
		}
		if (saved) {
			xa_erase(&ctx->tcp_seen, key);
			sock_put(sk);
			fput(saved);
		}
	}
}
/* @end */

/*
 * KCR_CHECKPOINT_KILL, before the tree dies: close each connection as a
 * TCP_REPAIR socket closes, without a word to its peer (no FIN, no RST,
 * no TIME_WAIT), so that its addresses are free for the restart.
 */
void kcr_tcp_silence(struct kcr_ctx *ctx)
{
	unsigned long key;
	struct file *file;

/* @tcp-backlog */
	xa_for_each_marked(&ctx->tcp_seen, key, file, KCR_TCP_CHILD)
		kcr_tcp_drain(ctx, file);
/* @end */
	xa_for_each(&ctx->tcp_seen, key, file) {
		struct sock *sk = (struct sock *)key;

/* @tcp-backlog */
		/* Taken off its listener's queue meanwhile: not ours. */
		if (xa_get_mark(&ctx->tcp_seen, key, KCR_TCP_CHILD))
			continue;
/* @end */
/* @tcp-external */
		/* A peer outside still talks to it: it stays, held. */
		if (xa_get_mark(&ctx->tcp_seen, key, KCR_TCP_OUTSIDE) &&
/* @until tcp-release */
		    !kcr_tcp_park(file, sk)) {
/* @end */
/* @tcp-release */
		    !kcr_tcp_park(file, sk, ctx->tcp_pid)) {
/* @end */
			xa_erase(&ctx->tcp_seen, key);
			fput(file);
			continue;
		}
/* @end */
		kcr_tcp_silent_close(sk, true);
	}
}
/* @end */
/* @tcp-external */

/*
 * Connections to a peer outside, kept held after KCR_CHECKPOINT_KILL: the
 * socket outlives its process (a reference to its file), stays in the
 * hash tables and drops what its peer sends, without a reset, its timers
 * stopped, so that the peer only sees a pause.  Its restart takes it over
/* @until tcp-hold-time */
 * (kcr_tcp_take_over()); after KCR_TCP_HOLD_SECS it is let go with a
 * reset, as the peer would have had at the kill.
/* @end */
/* @tcp-hold-time */
 * (kcr_tcp_take_over()); after kernel.kcr_tcp_hold_secs (300 s unless
 * set) it is let go with a reset, as the peer would have had at the kill:
 * the image was discarded, or its restart comes too late.
/* @end */
 */
struct kcr_tcp_hold {
	struct list_head list;
	struct file *file;
	struct sock *sk;
	unsigned long expires;
/* @tcp-release */
	pid_t pid;			/* of the killed tree's root, in ns */
	struct pid_namespace *ns;
	kuid_t uid;			/* who killed it */
/* @end */
};

/* @until tcp-hold-time */
#define KCR_TCP_HOLD_SECS	300
/* @end */
/* @tcp-hold-time */
static int kcr_tcp_hold_secs = 300;
static int kcr_tcp_hold_max = 86400;

static struct ctl_table kcr_tcp_sysctls[] = {
	{
		.procname	= "kcr_tcp_hold_secs",
		.data		= &kcr_tcp_hold_secs,
		.maxlen		= sizeof(int),
		.mode		= 0644,
		.proc_handler	= proc_dointvec_minmax,
		.extra1		= SYSCTL_ONE,
		.extra2		= &kcr_tcp_hold_max,
	},
};

static int __init kcr_tcp_sysctl_init(void)
{
	register_sysctl_init("kernel", kcr_tcp_sysctls);
	return 0;
}
late_initcall(kcr_tcp_sysctl_init);
/* @end */

static LIST_HEAD(kcr_tcp_holds);
static DEFINE_MUTEX(kcr_tcp_holds_lock);
static void kcr_tcp_expire(struct work_struct *w);
static DECLARE_DELAYED_WORK(kcr_tcp_expiry, kcr_tcp_expire);

/* A held connection goes: quietly for its restart, else with a reset. */
static void kcr_tcp_let_go(struct kcr_tcp_hold *h, bool quiet)
{
	kcr_tcp_silent_close(h->sk, quiet);
	fput(h->file);
/* @tcp-release */
	put_pid_ns(h->ns);
/* @end */
	kfree(h);
}

static void kcr_tcp_expire(struct work_struct *w)
{
	struct kcr_tcp_hold *h, *tmp;
	unsigned long next = 0;

	mutex_lock(&kcr_tcp_holds_lock);
	list_for_each_entry_safe(h, tmp, &kcr_tcp_holds, list) {
		if (time_after_eq(jiffies, h->expires)) {
			list_del(&h->list);
			kcr_tcp_let_go(h, false);
		} else if (!next || time_before(h->expires, next)) {
			next = h->expires;
		}
	}
	if (next)
		schedule_delayed_work(&kcr_tcp_expiry, next - jiffies);
	mutex_unlock(&kcr_tcp_holds_lock);
}

/* @tcp-hold-time */
/* The expiry work runs when the first held connection expires. */
static void kcr_tcp_arm(void)
{
	struct kcr_tcp_hold *h;
	unsigned long next = 0;

	list_for_each_entry(h, &kcr_tcp_holds, list)
		if (!next || time_before(h->expires, next))
			next = h->expires;
	if (next)
		mod_delayed_work(system_wq, &kcr_tcp_expiry,
				 time_after(next, jiffies) ? next - jiffies : 0);
}

/* @end */
/* @until tcp-release */
/* KCR_CHECKPOINT_KILL: keep the connection of file, held; 0 if kept. */
int kcr_tcp_park(struct file *file, struct sock *sk)
/* @end */
/* @tcp-release */
/*
 * KCR_CHECKPOINT_KILL of the tree whose root is pid: keep the connection
 * of file, held; 0 if kept.
 */
int kcr_tcp_park(struct file *file, struct sock *sk, pid_t pid)
/* @end */
{
	struct kcr_tcp_hold *h = kzalloc(sizeof(*h), GFP_KERNEL);

	if (!h)
		return -ENOMEM;
	h->file = get_file(file);
	h->sk = sk;
/* @tcp-release */
	h->pid = pid;
	h->ns = get_pid_ns(task_active_pid_ns(current));
	h->uid = current_euid();
/* @end */
/* @until tcp-hold-time */
	h->expires = jiffies + KCR_TCP_HOLD_SECS * HZ;
/* @end */
/* @tcp-hold-time */
	h->expires = jiffies + READ_ONCE(kcr_tcp_hold_secs) * HZ;
/* @end */
	lock_sock(sk);
	sock_set_flag(sk, SOCK_KCR_HOLD);
	inet_csk_clear_xmit_timers(sk);
	inet_csk_delete_keepalive_timer(sk);
	release_sock(sk);
	mutex_lock(&kcr_tcp_holds_lock);
	list_add_tail(&h->list, &kcr_tcp_holds);
/* @until tcp-hold-time */
	schedule_delayed_work(&kcr_tcp_expiry, KCR_TCP_HOLD_SECS * HZ);
/* @end */
/* @tcp-hold-time */
	kcr_tcp_arm();
/* @end */
	mutex_unlock(&kcr_tcp_holds_lock);
	return 0;
}

/* @tcp-release */
/*
 * KCR_CHECKPOINT_RELEASE of pid, which KCR_CHECKPOINT_KILL killed: its
 * image is discarded; the connections it left held go now, with a reset.
 */
int kcr_tcp_release_parked(struct kcr_ctx *ctx, pid_t pid)
{
	struct pid_namespace *ns = task_active_pid_ns(current);
	bool admin = ns_capable(current->nsproxy->net_ns->user_ns,
				CAP_NET_ADMIN);
	struct kcr_tcp_hold *h, *tmp;
	u32 n = 0, theirs = 0;

	mutex_lock(&kcr_tcp_holds_lock);
	list_for_each_entry_safe(h, tmp, &kcr_tcp_holds, list) {
		if (h->pid != pid || h->ns != ns)
			continue;
		if (!admin && !uid_eq(h->uid, current_euid())) {
			theirs++;
			continue;
		}
		list_del(&h->list);
		kcr_tcp_let_go(h, false);
		n++;
	}
	mutex_unlock(&kcr_tcp_holds_lock);
	if (theirs) {
		kcr_log(ctx, "process %d: %u held connections of another user",
			pid, theirs);
		return -EPERM;
	}
	if (!n) {
		kcr_log(ctx, "no process %d, and no connection held for it", pid);
		return -ESRCH;
	}
	kcr_log(ctx, "process %d: %u held connections let go", pid, n);
	return 0;
}

/* @end */
static bool kcr_tcp_is(struct sock *sk, const struct kcr_rec_inet *r)
{
	struct inet_sock *inet = inet_sk(sk);

	if (sock_net(sk) != current->nsproxy->net_ns ||
	    sk->sk_family != r->family || inet->inet_num != r->sport ||
	    ntohs(inet->inet_dport) != r->dport)
		return false;
#if IS_ENABLED(CONFIG_IPV6)
	if (r->family == AF_INET6)
		return !memcmp(&sk->sk_v6_rcv_saddr, r->saddr, 16) &&
		       !memcmp(&sk->sk_v6_daddr, r->daddr, 16);
#endif
	return !memcmp(&inet->inet_rcv_saddr, r->saddr, 4) &&
	       !memcmp(&inet->inet_daddr, r->daddr, 4);
}

/*
 * Restart of the connection of record r: the socket held since its
 * checkpoint's kill, if there is one, goes quietly, so that its addresses
 * are free for the new one.
 */
void kcr_tcp_take_over(const struct kcr_rec_inet *r)
{
	struct kcr_tcp_hold *h, *tmp;

	mutex_lock(&kcr_tcp_holds_lock);
	list_for_each_entry_safe(h, tmp, &kcr_tcp_holds, list) {
		if (kcr_tcp_is(h->sk, r)) {
			list_del(&h->list);
			kcr_tcp_let_go(h, true);
		}
	}
	mutex_unlock(&kcr_tcp_holds_lock);
}
/* @end */
