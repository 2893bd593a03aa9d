/* @file udp-queue */
// SPDX-License-Identifier: GPL-2.0
/*
 * In-kernel checkpoint/restart: the datagrams queued on a UDP socket.
 *
 * Checkpoint takes a reference to each datagram of the queue (the reader
 * queue first, then the receive queue: the order recvmsg() reads them)
 * and writes it as a KCR_REC_INET_DGRAM after the socket's KCR_REC_INET:
 * the sender's address and port, where it was sent, its bytes.
 *
 * Restart gives each datagram back a real IPv4 or IPv6 header and a UDP
 * header, as it came off the wire, so recvmsg() finds the sender where it
 * looks for it, and queues it as the receive path does, within the
 * socket's receive buffer.  The checksum was verified at checkpoint.
 */
#include <linux/errno.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/skbuff.h>
#include <linux/slab.h>
#include <linux/udp.h>
#include <net/ip.h>
#include <net/ipv6.h>
#include <net/sock.h>
#include <net/udp.h>

#include "kcr_int.h"

/*
 * Checkpoint: a reference to each datagram queued on UDP socket sk, in the
 * order recvmsg() would return them.  One that arrives meanwhile may be
 * missed: the network could have lost it as well.
 */
int kcr_udp_snap(struct kcr_ctx *ctx, struct sock *sk, struct kcr_udp_snap *q)
{
	struct sk_buff_head *queues[2] = { &udp_sk(sk)->reader_queue,
					   &sk->sk_receive_queue };
	struct sk_buff *skb;
	u32 max, i, n;

	max = skb_queue_len_lockless(queues[0]) +
	      skb_queue_len_lockless(queues[1]);
	if (max > KCR_INET_QUEUE_DGRAMS) {
		kcr_log(ctx, "UDP socket with more than %u datagrams queued (not saved)",
			KCR_INET_QUEUE_DGRAMS);
		return -EOPNOTSUPP;
	}
	if (!max)
		return 0;
	q->skbs = kvcalloc(max, sizeof(*q->skbs), GFP_KERNEL_ACCOUNT);
	if (!q->skbs)
		return -ENOMEM;
	for (i = 0; i < 2; i++) {
		spin_lock_bh(&queues[i]->lock);
		skb_queue_walk(queues[i], skb) {
			if (q->nr == max)
				break;
			q->skbs[q->nr++] = skb_get(skb);
		}
		spin_unlock_bh(&queues[i]->lock);
	}
	/* Those with a bad checksum: recvmsg() would drop them. */
	for (i = 0, n = 0; i < q->nr; i++) {
		skb = q->skbs[i];
		if ((skb->protocol != htons(ETH_P_IP) &&
		     skb->protocol != htons(ETH_P_IPV6)) ||
		    skb->len > KCR_INET_DGRAM_MAX) {
			memmove(&q->skbs[n], &q->skbs[i],
				(q->nr - i) * sizeof(*q->skbs));
			q->nr = n + q->nr - i;
			kcr_log(ctx, "UDP datagram of protocol %#x, %u bytes (not saved)",
				ntohs(skb->protocol), skb->len);
			return -EOPNOTSUPP;
		}
		if (!udp_skb_csum_unnecessary(skb) &&
		    __udp_lib_checksum_complete(skb)) {
			kfree_skb(skb);
			continue;
		}
		q->bytes += skb->len;
		q->skbs[n++] = skb;
	}
	q->nr = n;
	if (q->bytes > KCR_INET_QUEUE_BYTES) {
		kcr_log(ctx, "UDP socket with more than %llu bytes queued (not saved)",
			KCR_INET_QUEUE_BYTES);
		return -EOPNOTSUPP;
	}
	return 0;
}

void kcr_udp_snap_free(struct kcr_udp_snap *q)
{
	u32 i;

	for (i = 0; i < q->nr; i++)
		consume_skb(q->skbs[i]);
	kvfree(q->skbs);
	q->skbs = NULL;
	q->nr = 0;
}

/* Checkpoint: the KCR_REC_INET_DGRAM records of a queue taken. */
int kcr_udp_write(struct kcr_ctx *ctx, struct kcr_udp_snap *q)
{
	struct kcr_rec_inet_dgram d;
	u32 i, off, n, plen;
	int ret = 0;

	for (i = 0; i < q->nr && !ret; i++) {
		struct sk_buff *skb = q->skbs[i];

		memset(&d, 0, sizeof(d));
		d.len = skb->len;
		d.sport = ntohs(udp_hdr(skb)->source);
		if (skb->protocol == htons(ETH_P_IP)) {
			d.family = AF_INET;
			memcpy(d.saddr, &ip_hdr(skb)->saddr, 4);
			memcpy(d.daddr, &ip_hdr(skb)->daddr, 4);
		} else {
			d.family = AF_INET6;
			memcpy(d.saddr, &ipv6_hdr(skb)->saddr, 16);
			memcpy(d.daddr, &ipv6_hdr(skb)->daddr, 16);
		}
		plen = ALIGN(d.len, 8);
		kcr_init_rec(ctx, &d, KCR_REC_INET_DGRAM, sizeof(d) + plen);
		ret = kcr_write(ctx, &d, sizeof(d));
		for (off = 0; off < plen && !ret; off += n) {
			n = min_t(u32, plen - off, KCR_BUF_SIZE);
			memset(ctx->buf, 0, n);
			if (off < d.len)
				ret = skb_copy_bits(skb, off, ctx->buf,
						    min(n, d.len - off));
			if (!ret)
				ret = kcr_write(ctx, ctx->buf, n);
		}
	}
	return ret;
}

/* Restart: a datagram of record d with its headers; its bytes are read. */
static struct sk_buff *kcr_udp_skb(struct kcr_ctx *ctx,
				   const struct kcr_rec_inet *r,
				   const struct kcr_rec_inet_dgram *d)
{
	bool v4 = d->family == AF_INET;
	u32 nh = v4 ? sizeof(struct iphdr) : sizeof(struct ipv6hdr);
	u32 pad = ALIGN(d->len, 8) - d->len;
	struct sk_buff *skb;
	struct udphdr *uh;
	u8 zero[8];
	int ret;

	skb = alloc_skb(nh + sizeof(*uh) + d->len, GFP_KERNEL_ACCOUNT);
	if (!skb)
		return ERR_PTR(-ENOMEM);
	skb_reserve(skb, nh + sizeof(*uh));
	ret = kcr_read(ctx, skb_put(skb, d->len), d->len);
	if (!ret)
		ret = kcr_read(ctx, zero, pad);
	if (!ret && memchr_inv(zero, 0, pad))
		ret = KCR_BAD(ctx, "UDP datagram padding");
	if (ret) {
		kfree_skb(skb);
		return ERR_PTR(ret);
	}
	uh = skb_push(skb, sizeof(*uh));
	skb_reset_transport_header(skb);
	uh->source = htons(d->sport);
	uh->dest = htons(r->sport);
	uh->len = htons(sizeof(*uh) + d->len);
	uh->check = 0;
	if (v4) {
		struct iphdr *iph = skb_push(skb, sizeof(*iph));

		skb_reset_network_header(skb);
		memset(iph, 0, sizeof(*iph));
		iph->version = 4;
		iph->ihl = 5;
		iph->tot_len = htons(nh + sizeof(*uh) + d->len);
		iph->ttl = 64;
		iph->protocol = IPPROTO_UDP;
		memcpy(&iph->saddr, d->saddr, 4);
		memcpy(&iph->daddr, d->daddr, 4);
		skb->protocol = htons(ETH_P_IP);
	} else {
		struct ipv6hdr *ip6h = skb_push(skb, sizeof(*ip6h));

		skb_reset_network_header(skb);
		memset(ip6h, 0, sizeof(*ip6h));
		ip6_flow_hdr(ip6h, 0, 0);
		ip6h->payload_len = htons(sizeof(*uh) + d->len);
		ip6h->nexthdr = IPPROTO_UDP;
		ip6h->hop_limit = 64;
		memcpy(&ip6h->saddr, d->saddr, 16);
		memcpy(&ip6h->daddr, d->daddr, 16);
		skb->protocol = htons(ETH_P_IPV6);
	}
	__skb_pull(skb, nh + sizeof(*uh));
	memset(skb->cb, 0, sizeof(skb->cb));
	skb->ip_summed = CHECKSUM_UNNECESSARY;
	return skb;
}

static int kcr_udp_dgram_ok(struct kcr_ctx *ctx, const struct kcr_rec_inet *r,
			    const struct kcr_rec_inet_dgram *d, u32 hlen)
{
	bool v4 = d->family == AF_INET;

	if ((!v4 && d->family != AF_INET6) ||
	    (!v4 && r->family == AF_INET) ||
	    (v4 && (r->flags & KCR_INET_V6ONLY)) ||
	    d->len > KCR_INET_DGRAM_MAX ||
	    hlen != sizeof(*d) + ALIGN(d->len, 8) ||
	    (v4 && (memchr_inv(d->saddr + 4, 0, 12) ||
		    memchr_inv(d->daddr + 4, 0, 12))))
		return KCR_BAD(ctx, "UDP datagram of family %u, %u bytes",
			       d->family, d->len);
	return 0;
}

/*
 * Restart: the nr_skbs datagrams after the KCR_REC_INET of UDP socket sk,
 * queued on it (read and checked only in the dry run: sk is NULL).
 */
int kcr_udp_rst_queue(struct kcr_ctx *ctx, struct sock *sk,
		      const struct kcr_rec_inet *r)
{
	struct kcr_rec_inet_dgram d;
	struct sk_buff *skb;
	struct kcr_hdr h;
	u64 bytes = 0;
	u32 i;
	int ret;

	for (i = 0; i < r->nr_skbs; i++) {
		ret = kcr_read_hdr(ctx, &h);
		if (ret)
			return ret;
		if (h.type != KCR_REC_INET_DGRAM)
			return KCR_BAD(ctx, "offset %llu: type %u, expected a UDP datagram",
				       kcr_rec_off(ctx), h.type);
		ret = kcr_read_rec(ctx, &h, &d, sizeof(d));
		if (!ret)
			ret = kcr_udp_dgram_ok(ctx, r, &d, h.len);
		if (ret)
			return ret;
		bytes += d.len;
		skb = kcr_udp_skb(ctx, r, &d);
		if (IS_ERR(skb))
			return PTR_ERR(skb);
		if (!sk) {
			kfree_skb(skb);
			continue;
		}
		/* As the receive path queues it: in softirq context. */
		local_bh_disable();
		ret = __udp_enqueue_schedule_skb(sk, skb);
		local_bh_enable();
		if (ret) {
			kfree_skb(skb);
			kcr_log(ctx, "UDP datagram %u of %u beyond the receive buffer (%u): %d",
				i + 1, r->nr_skbs, READ_ONCE(sk->sk_rcvbuf),
				ret);
			return -ENOBUFS;
		}
	}
	if (bytes != r->bytes)
		return KCR_BAD(ctx, "UDP queue of %llu bytes, not %llu", bytes,
			       r->bytes);
	return 0;
}
