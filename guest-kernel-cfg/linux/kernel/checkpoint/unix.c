/* @file unix */
// SPDX-License-Identifier: GPL-2.0
/*
 * In-kernel checkpoint/restart: AF_UNIX sockets.
 *
 * A socket is a file object (KCR_FILE_UNIX) whose FILE record is followed
 * by a KCR_REC_UNIX with its own state.  Its connection and its receive
 * queue name other sockets, so they come later in the section: a
 * KCR_REC_UNIX_QUEUE per socket, written once every socket it names has
 * been written, then its buffers (KCR_REC_UNIX_SKB).  Restart thus never
 * meets a reference to a socket it has not made, and two sockets that
 * name each other cost nothing.
 *
/* @until unix-name */
 * The sockets saved are those of the checkpointed processes' fd tables:
 * unnamed, not listening, connected to a socket of the image or to one
 * that was closed.  Anything else is refused by name.
/* @end */
/* @unix-name */
/* @until unix-listen */
 * The sockets saved are those of the checkpointed processes' fd tables,
 * named or not, not listening, connected to a socket of the image or to
 * one that was closed.  Anything else is refused by name.
/* @end */
/* @end */
/* @unix-listen */
 * The sockets saved are those of the checkpointed processes' fd tables,
 * named or not, listening (with the connections not accepted yet) or
 * connected to a socket of the image or to one that was closed.
 * Anything else is refused by name.
/* @end */
 */
#include <linux/cred.h>
#include <linux/errno.h>
#include <linux/fcntl.h>
#include <linux/file.h>
#include <linux/fs.h>
/* @unix-name */
#include <linux/mnt_idmapping.h>
#include <linux/namei.h>
/* @end */
#include <linux/net.h>
#include <linux/nsproxy.h>
#include <linux/pid.h>
#include <linux/pid_namespace.h>
/* @unix-name */
#include <linux/security.h>
/* @end */
#include <linux/skbuff.h>
#include <linux/slab.h>
#include <linux/xarray.h>
#include <net/af_unix.h>
#include <net/net_namespace.h>
/* @unix-fds */
#include <net/scm.h>
/* @end */
#include <net/sock.h>
#include <net/tcp_states.h>

#include "kcr_int.h"

/* Socket flags that are saved, or are not state (sock_flags). */
#define KCR_UNIX_SK_FLAGS						\
	(BIT(SOCK_DONE) | BIT(SOCK_URGINLINE) | BIT(SOCK_KEEPOPEN) |	\
	 BIT(SOCK_LINGER) | BIT(SOCK_ZAPPED) | BIT(SOCK_FASYNC) |	\
	 BIT(SOCK_USE_WRITE_QUEUE) | BIT(SOCK_RCU_FREE))

static u64 kcr_to_us(long timeo)
{
	return timeo == MAX_SCHEDULE_TIMEOUT ? 0 :
	       div_u64(jiffies64_to_nsecs(timeo), NSEC_PER_USEC);
}

/* Checkpoint: why the socket of file cannot be saved, or NULL. */
const char *kcr_unix_why_not(struct file *file)
{
	struct socket *sock = sock_from_file(file);
	struct sock *sk;

	if (!sock)
		return "socket file opened with O_PATH";
	sk = sock->sk;
	if (!sk || sk->sk_family != AF_UNIX)
		return "socket other than AF_UNIX (not supported)";
	if (sock_net(sk) != current->nsproxy->net_ns)
		return "Unix socket of another network namespace";
/* @until unix-listen */
	if (READ_ONCE(sk->sk_state) == TCP_LISTEN)
		return "listening Unix socket (not supported yet)";
/* @end */
	if (READ_ONCE(sk->sk_state) != TCP_ESTABLISHED &&
/* @unix-listen */
	    READ_ONCE(sk->sk_state) != TCP_LISTEN &&
/* @end */
	    READ_ONCE(sk->sk_state) != TCP_CLOSE)
		return "Unix socket in a transient state";
/* @until unix-name */
	/* Pairs with the release of a name being bound. */
	if (smp_load_acquire(&unix_sk(sk)->addr))
		return "Unix socket with a name (bound, or accepted: not supported yet)";
/* @end */
/* @unix-name */
	/* Pairs with the release of a name being bound: then its path is set. */
	if (smp_load_acquire(&unix_sk(sk)->addr) && unix_kcr_bound(sk) &&
	    unix_sk(sk)->path.dentry && d_unlinked(unix_sk(sk)->path.dentry))
		return "Unix socket bound to a path whose file was deleted (not supported)";
/* @end */
/* @until unix-queue */
	if (READ_ONCE(unix_peer(sk)) || skb_queue_len_lockless(&sk->sk_receive_queue))
		return "connected Unix socket, or one with data (not supported yet)";
/* @end */
/* @until unix-passcred */
	if (test_bit(SOCK_PASSCRED, &sock->flags) ||
	    test_bit(SOCK_PASSPIDFD, &sock->flags))
		return "Unix socket with SO_PASSCRED or SO_PASSPIDFD (not supported yet)";
/* @end */
	if (test_bit(SOCK_PASSSEC, &sock->flags))
		return "Unix socket with SO_PASSSEC (not saved)";
	if (rcu_access_pointer(sk->sk_filter))
		return "socket filter, SO_ATTACH_FILTER (not saved)";
	if (sk->sk_flags & ~KCR_UNIX_SK_FLAGS)
		return "socket option not saved (SO_TIMESTAMP*, SO_DEBUG, SO_RXQ_OVFL, ...)";
	if (READ_ONCE(sk->sk_mark) || READ_ONCE(sk->sk_priority) ||
	    READ_ONCE(sk->sk_bound_dev_if) || READ_ONCE(sk->sk_tsflags))
		return "socket option not saved (SO_MARK, SO_PRIORITY, SO_TIMESTAMPING, ...)";
	return NULL;
}

/*
 * Checkpoint, phase 1: note each socket of the fd table, with a reference
 * to its file.  A socket of the image is one noted here.
 */
/* @unix-fds */
static int kcr_note_unix_file(struct kcr_ctx *ctx, struct file *file)
{
	struct socket *sock = sock_from_file(file);
	int ret;

	if (!sock || xa_load(&ctx->unix_seen, (unsigned long)sock->sk))
		return 0;
/* @sock */
	if (sock->sk->sk_family != AF_UNIX)
		return 0;
/* @end */
	ret = xa_err(xa_store(&ctx->unix_seen, (unsigned long)sock->sk,
			      get_file(file), GFP_KERNEL_ACCOUNT));
	if (ret)
		fput(file);
	return ret;
}

/* @end */
int kcr_note_unix(struct kcr_ctx *ctx, struct kcr_files_snap *fs)
{
	unsigned int i;
	int ret = 0;

/* @until unix-fds */
	for (i = 0; i < fs->nr && !ret; i++) {
		struct file *file = fs->fds[i].file;
		struct socket *sock = sock_from_file(file);

		if (!sock || xa_load(&ctx->unix_seen, (unsigned long)sock->sk))
			continue;
		ret = xa_err(xa_store(&ctx->unix_seen, (unsigned long)sock->sk,
				      get_file(file), GFP_KERNEL_ACCOUNT));
		if (ret)
			fput(file);
	}
/* @end */
/* @unix-fds */
	for (i = 0; i < fs->nr && !ret; i++)
		ret = kcr_note_unix_file(ctx, fs->fds[i].file);
/* @end */
	return ret;
}

static struct file *kcr_unix_file(struct kcr_ctx *ctx, struct sock *sk)
{
	return xa_load(&ctx->unix_seen, (unsigned long)sk);
}

/* @unix-queue */
/* One buffer of a queue, held while it is written. */
struct kcr_unix_buf {
	struct sk_buff *skb;
	u32 off, len;
	struct kcr_rec_unix_skb rec;
/* @unix-fds */
	struct scm_fp_list *fpl;	/* its files in flight, held */
/* @end */
};

/* A socket's connection and queue, taken at one moment. */
struct kcr_unix_snap {
	struct sock *peer;		/* reference held, or NULL */
	u32 peer_kind;			/* KCR_UNIX_PEER_* */
	struct kcr_unix_buf *bufs;
	u32 nr, max;
	u64 bytes;
/* @unix-listen */
	bool listening;			/* bufs: its embryos' */
	struct kcr_unix_snap *embryos;	/* a listener's, nr of them */
	struct sock *listener;		/* KCR_UNIX_PEER_EMBRYO: not held */
	u32 peer_ref;			/* of an embryo, once written */
/* @end */
/* @unix-external */
	u32 ext_len;			/* KCR_UNIX_PEER_EXTERNAL: its name */
	u8 ext_addr[sizeof(struct sockaddr_un)];
/* @end */
};

static void kcr_unix_snap_free(struct kcr_unix_snap *s)
{
	u32 i;

/* @unix-listen */
	for (i = 0; s->embryos && i < s->nr; i++)
		kcr_unix_snap_free(&s->embryos[i]);
	kvfree(s->embryos);
/* @end */
/* @until unix-fds */
	for (i = 0; i < s->nr; i++)
		kfree_skb(s->bufs[i].skb);
/* @end */
/* @unix-fds */
	for (i = 0; i < s->nr; i++) {
		struct scm_cookie scm = { .fp = s->bufs[i].fpl };

		__scm_destroy(&scm);
		kfree_skb(s->bufs[i].skb);
	}
/* @end */
	kvfree(s->bufs);
	if (s->peer)
		sock_put(s->peer);
	memset(s, 0, sizeof(*s));
}

/* @unix-external */
/*
 * With KCR_CHECKPOINT_UNIX_EXTERNAL, a peer outside the checkpoint is
 * saved by its name (a connection accepted, or not yet, shows its
 * listener's): NULL, or why it cannot be.  A name in the file system is
 * saved as the absolute path of its socket file, since a relative one
 * was relative to the peer's directory.
 */
static const char *kcr_unix_external(struct kcr_ctx *ctx, struct sock *peer,
				     struct kcr_unix_snap *s)
{
	struct sockaddr_un *sun = (void *)s->ext_addr;
	const struct path *path = &unix_sk(peer)->path;
	struct unix_address *addr;
	char *p;
	size_t n;

	if (!ctx->unix_external)
		return "Unix socket connected to a socket outside the checkpoint";
	/* Pairs with the release of a name being bound: its path is set. */
	addr = smp_load_acquire(&unix_sk(peer)->addr);
	if (!addr)
		return "Unix socket connected to an unnamed socket outside the checkpoint";
	s->peer_kind = KCR_UNIX_PEER_EXTERNAL;
	if (!addr->name->sun_path[0]) {
		s->ext_len = min_t(u32, addr->len, sizeof(s->ext_addr));
		memcpy(s->ext_addr, addr->name, s->ext_len);
		return NULL;
	}
	p = path->dentry && !d_unlinked(path->dentry) ?
	    d_path(path, ctx->buf, KCR_PATH_MAX) : ERR_PTR(-ENOENT);
	if (IS_ERR(p))
		return "Unix socket connected outside to a socket whose file is gone";
	n = strlen(p) + 1;
	if (n > sizeof(sun->sun_path))
		return "Unix socket connected outside to a path too long for a name";
	memset(sun, 0, sizeof(*sun));
	sun->sun_family = AF_UNIX;
	memcpy(sun->sun_path, p, n);
	s->ext_len = offsetof(struct sockaddr_un, sun_path) + n;
	return NULL;
}

/* @end */
/* @unix-listen */
/* Whether peer is a connection that a listener of the image has not accepted. */
static bool kcr_unix_embryo_of(struct kcr_ctx *ctx, struct sock *peer,
			       struct sock **listener)
{
	struct sock *l = READ_ONCE(unix_sk(peer)->listener);

	if (!l || !kcr_unix_file(ctx, l))
		return false;
	*listener = l;
	return true;
}

static int kcr_unix_snap(struct kcr_ctx *ctx, struct sock *sk,
			 struct kcr_unix_snap *s);

/* The connections a listener has not accepted yet, each with its queue. */
static int kcr_unix_snap_embryos(struct kcr_ctx *ctx, struct kcr_unix_snap *s)
{
	u32 i;
	int ret = 0;

	if (!s->nr)
		return 0;
	s->embryos = kvcalloc(s->nr, sizeof(*s->embryos), GFP_KERNEL_ACCOUNT);
	if (!s->embryos)
		return -ENOMEM;
	for (i = 0; i < s->nr && !ret; i++) {
		ret = kcr_unix_snap(ctx, s->bufs[i].skb->sk, &s->embryos[i]);
/* @until unix-fds */
		if (!ret && s->embryos[i].peer_kind != KCR_UNIX_PEER_FILE &&
		    s->embryos[i].peer_kind != KCR_UNIX_PEER_DEAD)
/* @end */
/* @unix-fds */
		if (!ret && s->embryos[i].peer_kind != KCR_UNIX_PEER_FILE &&
		    s->embryos[i].peer_kind != KCR_UNIX_PEER_DEAD &&
		    !ctx->unix_closing)
/* @end */
/* @until unix-external */
			ret = -EBUSY;
/* @end */
/* @unix-external */
			ret = -EOPNOTSUPP;	/* from outside: no way back */
/* @end */
		if (ret)
			kcr_log(ctx, "the connection %u not accepted yet of a listening socket",
				i);
	}
	return ret;
}

/* @end */
/*
 * Take the connection and queue of sk.  Refuses (with -EOPNOTSUPP, logged)
 * what is not saved: a peer outside the image, files or out-of-band data
 * in the queue, a datagram from a named socket outside the image.
 */
static int kcr_unix_snap(struct kcr_ctx *ctx, struct sock *sk,
			 struct kcr_unix_snap *s)
{
	struct pid_namespace *ns = task_active_pid_ns(current);
	struct user_namespace *uns = current_user_ns();
	struct unix_sock *u = unix_sk(sk);
	const char *why = NULL;
	struct sk_buff *skb;
	u32 n, tries = 0;
	int ret;

	ret = mutex_lock_interruptible(&u->iolock);
	if (ret)
		return ret;
again:
	unix_state_lock(sk);
	spin_lock(&sk->sk_receive_queue.lock);
	n = skb_queue_len(&sk->sk_receive_queue);
	if (n > s->max) {
		spin_unlock(&sk->sk_receive_queue.lock);
		unix_state_unlock(sk);
		if (n > KCR_UNIX_QUEUE_SKBS || ++tries > 3) {
			ret = n > KCR_UNIX_QUEUE_SKBS ? -EOPNOTSUPP : -EBUSY;
			kcr_log(ctx, "Unix socket queue of %u buffers: %s", n,
				ret == -EBUSY ? "it keeps changing" :
				"too many to save");
			goto out;
		}
		kvfree(s->bufs);
		s->max = n + 16;
		s->bufs = kvcalloc(s->max, sizeof(*s->bufs), GFP_KERNEL_ACCOUNT);
		if (!s->bufs) {
			s->max = 0;
			ret = -ENOMEM;
			goto out;
		}
		goto again;
	}
/* @unix-listen */
	s->listening = sk->sk_state == TCP_LISTEN;
/* @end */
#if IS_ENABLED(CONFIG_AF_UNIX_OOB)
	if (READ_ONCE(u->oob_skb))
		why = "out-of-band data in a Unix socket queue (not supported yet)";
#endif
	s->peer = unix_peer(sk);
	if (s->peer) {
		sock_hold(s->peer);
		if (sock_flag(s->peer, SOCK_DEAD))
			s->peer_kind = KCR_UNIX_PEER_DEAD;
		else if (kcr_unix_file(ctx, s->peer))
			s->peer_kind = KCR_UNIX_PEER_FILE;
/* @unix-listen */
		else if (kcr_unix_embryo_of(ctx, s->peer, &s->listener))
			s->peer_kind = KCR_UNIX_PEER_EMBRYO;
/* @end */
/* @until unix-fds */
		else
			why = "Unix socket connected to a socket outside the checkpoint";
/* @end */
/* @unix-fds */
/* @until unix-external */
		else if (!ctx->unix_closing)
			why = "Unix socket connected to a socket outside the checkpoint";
/* @end */
/* @end */
/* @unix-external */
		else if (!ctx->unix_closing)
			why = kcr_unix_external(ctx, s->peer, s);
/* @end */
	}
	skb_queue_walk(&sk->sk_receive_queue, skb) {
		struct kcr_unix_buf *b = &s->bufs[s->nr];
		struct sock *from = skb->sk;

		if (why)
			break;
/* @until unix-fds */
		if (UNIXCB(skb).fp) {
			why = "files in flight on a Unix socket, SCM_RIGHTS (not supported yet)";
			break;
		}
/* @end */
		if (sk->sk_type == SOCK_DGRAM && from &&
		    !kcr_unix_file(ctx, from) &&
/* @unix-fds */
		    !ctx->unix_closing &&
/* @end */
		    /* Pairs with the release of a name being bound. */
		    smp_load_acquire(&unix_sk(from)->addr)) {
			why = "datagram from a named socket outside the checkpoint";
			break;
		}
		b->off = UNIXCB(skb).consumed;
		b->len = skb->len - b->off;
		if (b->len > KCR_UNIX_SKB_MAX) {
			why = "datagram larger than KCR_UNIX_SKB_MAX";
			break;
		}
		b->rec.len = b->len;
		if (UNIXCB(skb).pid) {
			b->rec.flags = KCR_UNIX_SKB_CREDS;
			b->rec.pid = pid_nr_ns(UNIXCB(skb).pid, ns);
			b->rec.uid = from_kuid_munged(uns, UNIXCB(skb).uid);
			b->rec.gid = from_kgid_munged(uns, UNIXCB(skb).gid);
		}
		b->skb = skb_get(skb);
		s->bytes += b->len;
		s->nr++;
	}
	if (!why && s->bytes > KCR_UNIX_QUEUE_BYTES)
		why = "Unix socket queue larger than KCR_UNIX_QUEUE_BYTES";
/* @unix-listen */
	if (!why && s->peer_kind == KCR_UNIX_PEER_EMBRYO && s->nr)
		why = "data queued on a connection not accepted yet";
/* @end */
	spin_unlock(&sk->sk_receive_queue.lock);
	unix_state_unlock(sk);
	if (why) {
		kcr_log(ctx, "cannot checkpoint: %s", why);
		ret = -EOPNOTSUPP;
	}
/* @unix-fds */
	/* Its files in flight: the iolock keeps receivers from them. */
	for (n = 0; !ret && n < s->nr; n++) {
		struct scm_fp_list *fpl = UNIXCB(s->bufs[n].skb).fp;

		if (fpl && fpl->count) {
			s->bufs[n].fpl = scm_fp_dup(fpl);
			if (!s->bufs[n].fpl)
				ret = -ENOMEM;
		}
	}
/* @end */
out:
	mutex_unlock(&u->iolock);
/* @unix-listen */
	if (!ret && s->listening)
		ret = kcr_unix_snap_embryos(ctx, s);
/* @end */
	if (ret)
		kcr_unix_snap_free(s);
	return ret;
}

/* @until unix-fds */
/* Checkpoint, phase 1: every noted socket can be saved with its queue. */
int kcr_check_unix(struct kcr_ctx *ctx)
{
	struct kcr_unix_snap s = {};
	unsigned long index;
	struct file *file;
	int ret = 0;

	xa_for_each(&ctx->unix_seen, index, file) {
		ret = kcr_unix_snap(ctx, (struct sock *)index, &s);
		if (ret) {
			kcr_log(ctx, "the socket: %pD", file);
			break;
		}
		kcr_unix_snap_free(&s);
	}
	return ret;
}
/* @end */
/* @unix-fds */
/*
 * Checkpoint, phase 1: the files in flight in a queue taken by
 * kcr_unix_snap() (and in its embryos'), each one checkpoint saves.  A
 * Unix socket among them becomes a socket of the image, whose own queue
 * is taken in turn; the others are noted as the tasks could read them
 * (a pipe's data, shared memory).
 */
static int kcr_unix_note_fds(struct kcr_ctx *ctx, struct kcr_unix_snap *s)
{
	const char *why;
	u32 i, j;
	int ret = 0;

	for (i = 0; i < s->nr && !ret; i++) {
		struct scm_fp_list *fpl = s->bufs[i].fpl;

		for (j = 0; fpl && j < fpl->count && !ret; j++) {
			struct file *file = fpl->fp[j];

			why = kcr_file_why_not(ctx, file);
			if (why) {
				kcr_log(ctx, "cannot checkpoint a file in flight: %s (%pD)",
					why, file);
				return -EOPNOTSUPP;
			}
/* @until sock */
			if (sock_from_file(file)) {
/* @end */
/* @sock */
			if (sock_from_file(file) &&
			    sock_from_file(file)->sk->sk_family == AF_UNIX) {
/* @end */
				ret = kcr_note_unix_file(ctx, file);
				continue;
			}
			ret = kcr_note_pipe_file(ctx, file);
			if (!ret)
				ret = kcr_note_shmem_file(ctx, file);
			if (!ret)
				ret = xa_err(xa_store(&ctx->unix_inflight,
						      (unsigned long)file,
						      xa_mk_value(1),
						      GFP_KERNEL_ACCOUNT));
		}
	}
	for (i = 0; s->embryos && i < s->nr && !ret; i++)
		ret = kcr_unix_note_fds(ctx, &s->embryos[i]);
	return ret;
}

/*
 * One pass over the noted sockets not marked yet: each is taken with its
 * queue and marked, and the files in flight in it are noted.  Returns 1
 * if it took any (sockets in flight may have joined meanwhile).
 */
static int kcr_check_unix_pass(struct kcr_ctx *ctx, xa_mark_t mark)
{
	struct kcr_unix_snap s = {};
	unsigned long index;
	struct file *file;
	int ret, more = 0;

	xa_for_each(&ctx->unix_seen, index, file) {
		if (xa_get_mark(&ctx->unix_seen, index, mark))
			continue;
		xa_set_mark(&ctx->unix_seen, index, mark);
		more = 1;
		ret = kcr_unix_snap(ctx, (struct sock *)index, &s);
		if (!ret)
			ret = kcr_unix_note_fds(ctx, &s);
		kcr_unix_snap_free(&s);
		if (ret) {
			kcr_log(ctx, "the socket: %pD", file);
			return ret;
		}
	}
	return more;
}

/*
 * Checkpoint, phase 1: every noted socket can be saved with its queue and
 * the files in flight in it.  First the sockets in flight join the noted
 * ones, pass after pass until none is new (a peer or sender not noted
 * yet may still be one of them); then each socket is checked whole.
 */
int kcr_check_unix(struct kcr_ctx *ctx)
{
	int ret;

	ctx->unix_closing = true;
	do {
		ret = kcr_check_unix_pass(ctx, XA_MARK_1);
	} while (ret > 0);
	ctx->unix_closing = false;
	if (ret)
		return ret;
	do {
		ret = kcr_check_unix_pass(ctx, XA_MARK_2);
	} while (ret > 0);
	return ret;
}
/* @end */

/* @end */
/* @unix-name */
/*
 * The name of sk: its address and, for a socket bound to a path, the file
 * it made, whose path goes to ctx->buf (*plen bytes, padded with NULs).
 */
static int kcr_unix_name(struct kcr_ctx *ctx, struct sock *sk,
			 struct kcr_rec_unix *r, u32 *plen)
{
	struct user_namespace *uns = current_user_ns();
	const struct path *path = &unix_sk(sk)->path;
	struct unix_address *addr;
	struct inode *inode;
	char *p;

	*plen = 0;
	/* Pairs with the release of a name being bound. */
	addr = smp_load_acquire(&unix_sk(sk)->addr);
	if (!addr)
		return 0;
	r->addr_len = min_t(u32, addr->len, sizeof(r->addr));
	memcpy(r->addr, addr->name, r->addr_len);
	if (!unix_kcr_bound(sk))
		return 0;
	r->flags |= KCR_UNIX_BOUND;
	if (!path->dentry)
		return 0;
	p = d_path(path, ctx->buf, KCR_PATH_MAX);
	if (IS_ERR(p)) {
		kcr_log(ctx, "cannot name the file of a Unix socket: %ld",
			PTR_ERR(p));
		return PTR_ERR(p);
	}
	r->node_len = strlen(p) + 1;
	memmove(ctx->buf, p, r->node_len);
	*plen = ALIGN(r->node_len, 8);
	memset(ctx->buf + r->node_len, 0, *plen - r->node_len);
	inode = d_backing_inode(path->dentry);
	r->node_ino = inode->i_ino;
	r->node_mode = inode->i_mode;
	r->node_uid = from_kuid_munged(uns, inode->i_uid);
	r->node_gid = from_kgid_munged(uns, inode->i_gid);
	return 0;
}

/* @end */
/* @unix-listen */
/* SO_PEERCRED of sk: KCR_UNIX_PEERCRED and the ids, or 0. */
static u32 kcr_unix_peercred_of(struct sock *sk, s32 *pid, u32 *uid, u32 *gid)
{
	struct user_namespace *uns = current_user_ns();
	u32 flags = 0;

	spin_lock(&sk->sk_peer_lock);
	if (sk->sk_peer_cred) {
		flags = KCR_UNIX_PEERCRED;
		*pid = pid_vnr(sk->sk_peer_pid);
		*uid = from_kuid_munged(uns, sk->sk_peer_cred->euid);
		*gid = from_kgid_munged(uns, sk->sk_peer_cred->egid);
	}
	spin_unlock(&sk->sk_peer_lock);
	return flags;
}

/* @end */
/* Checkpoint: the KCR_REC_UNIX after a socket's FILE record. */
int kcr_write_unix(struct kcr_ctx *ctx, struct file *file)
{
	struct user_namespace *uns = current_user_ns();
	struct socket *sock = sock_from_file(file);
	struct kcr_rec_unix r = {};
	struct inode *inode = SOCK_INODE(sock);
	struct sock *sk = sock->sk;
/* @unix-name */
	u32 plen;
/* @end */
/* @unix-queue */
	struct file **todo;
	int ret;
/* @end */

	if (kcr_unix_file(ctx, sk) != file) {
		kcr_log(ctx, "Unix socket held only by another file (not supported yet): %pD",
			file);
		return -EOPNOTSUPP;
	}
	r.type = sk->sk_type;
	r.state = READ_ONCE(sk->sk_state);
	r.shutdown = READ_ONCE(sk->sk_shutdown);
	r.err = READ_ONCE(sk->sk_err);
	r.peek_off = READ_ONCE(sk->sk_peek_off);
	r.backlog = READ_ONCE(sk->sk_max_ack_backlog);
	r.sndbuf = READ_ONCE(sk->sk_sndbuf);
	r.rcvbuf = READ_ONCE(sk->sk_rcvbuf);
	r.userlocks = (sk->sk_userlocks & SOCK_SNDBUF_LOCK ?
		       KCR_UNIX_SNDBUF_LOCK : 0) |
		      (sk->sk_userlocks & SOCK_RCVBUF_LOCK ?
		       KCR_UNIX_RCVBUF_LOCK : 0);
	r.rcvlowat = READ_ONCE(sk->sk_rcvlowat);
	r.rcvtimeo_us = kcr_to_us(READ_ONCE(sk->sk_rcvtimeo));
	r.sndtimeo_us = kcr_to_us(READ_ONCE(sk->sk_sndtimeo));
/* @unix-passcred */
	if (test_bit(SOCK_PASSCRED, &sock->flags))
		r.flags |= KCR_UNIX_PASSCRED;
	if (test_bit(SOCK_PASSPIDFD, &sock->flags))
		r.flags |= KCR_UNIX_PASSPIDFD;
/* @end */
	if (sock_flag(sk, SOCK_URGINLINE))
		r.flags |= KCR_UNIX_OOBINLINE;
	if (sock_flag(sk, SOCK_KEEPOPEN))
		r.flags |= KCR_UNIX_KEEPALIVE;
	if (sock_flag(sk, SOCK_LINGER)) {
		r.flags |= KCR_UNIX_LINGER;
		r.linger = READ_ONCE(sk->sk_lingertime) / HZ;
	}
	r.ino_mode = inode->i_mode;
	r.ino_uid = from_kuid_munged(uns, inode->i_uid);
	r.ino_gid = from_kgid_munged(uns, inode->i_gid);
/* @until unix-listen */
	spin_lock(&sk->sk_peer_lock);
	if (sk->sk_peer_cred) {
		r.flags |= KCR_UNIX_PEERCRED;
		r.peer_pid = pid_vnr(sk->sk_peer_pid);
		r.peer_uid = from_kuid_munged(uns, sk->sk_peer_cred->euid);
		r.peer_gid = from_kgid_munged(uns, sk->sk_peer_cred->egid);
	}
	spin_unlock(&sk->sk_peer_lock);
/* @end */
/* @unix-listen */
	r.flags |= kcr_unix_peercred_of(sk, &r.peer_pid, &r.peer_uid,
					&r.peer_gid);
/* @end */
/* @until unix-name */
	kcr_init_rec(ctx, &r, KCR_REC_UNIX, sizeof(r));
/* @end */
/* @unix-name */
	ret = kcr_unix_name(ctx, sk, &r, &plen);
	if (ret)
		return ret;
	kcr_init_rec(ctx, &r, KCR_REC_UNIX, sizeof(r) + plen);
/* @end */
/* @until unix-queue */
	return kcr_write(ctx, &r, sizeof(r));
/* @end */
/* @unix-queue */
	ret = kcr_write(ctx, &r, sizeof(r));
/* @unix-name */
	if (!ret && plen)
		ret = kcr_write(ctx, ctx->buf, plen);
/* @end */
	if (ret)
		return ret;

	/* Its queue comes once every socket it names is written. */
	if (ctx->nr_unix_todo == ctx->max_unix_todo) {
		u32 max = max(16U, 2 * ctx->max_unix_todo);

		todo = kvrealloc(ctx->unix_todo, max * sizeof(*todo),
				 GFP_KERNEL_ACCOUNT);
		if (!todo)
			return -ENOMEM;
		ctx->unix_todo = todo;
		ctx->max_unix_todo = max;
	}
	ctx->unix_todo[ctx->nr_unix_todo++] = file;
	return 0;
/* @end */
}

/* @unix-queue */
/* The id of the object of a socket of the image, written first if need be. */
static int kcr_unix_ref(struct kcr_ctx *ctx, struct sock *sk, u32 *id)
{
	struct file *file = kcr_unix_file(ctx, sk);
	struct kcr_obj *obj;
	int ret;

	if (!file)
		return -EBUSY;
	ret = kcr_write_file_obj(ctx, file, -1);
	if (ret)
		return ret;
	obj = kcr_obj_find_key(ctx, file);
	if (!obj)
		return -EBUSY;
	*id = obj->id;
	return 0;
}

/* @unix-fds */
/*
 * The file objects of the files in flight in a queue taken by
 * kcr_unix_snap() and in its embryos', written before its QUEUE record.
 * Each was found in phase 1, or the queue changed since.
 */
static int kcr_write_unix_fds(struct kcr_ctx *ctx, struct kcr_unix_snap *s)
{
	u32 i, j, id;
	int ret = 0;

	for (i = 0; i < s->nr && !ret; i++) {
		struct scm_fp_list *fpl = s->bufs[i].fpl;

		for (j = 0; fpl && j < fpl->count && !ret; j++) {
			struct file *file = fpl->fp[j];
			struct socket *sock = sock_from_file(file);

/* @until sock */
			if (sock)
/* @end */
/* @sock */
			if (sock && sock->sk->sk_family == AF_UNIX)
/* @end */
				ret = kcr_unix_ref(ctx, sock->sk, &id);
			else if (!xa_load(&ctx->unix_inflight, (unsigned long)file))
				ret = -EBUSY;
			else
				ret = kcr_write_file_obj(ctx, file, -1);
		}
	}
	for (i = 0; s->embryos && i < s->nr && !ret; i++)
		ret = kcr_write_unix_fds(ctx, &s->embryos[i]);
	return ret;
}

/* The ids of a buffer's files in flight, flen bytes with the padding. */
static int kcr_write_unix_fd_ids(struct kcr_ctx *ctx,
				 struct scm_fp_list *fpl, u32 flen)
{
	u32 *ids = ctx->buf;
	int i;

	memset(ids, 0, flen);
	for (i = 0; i < fpl->count; i++) {
		struct kcr_obj *obj = kcr_obj_find_key(ctx, fpl->fp[i]);

		if (!obj)
			return -EBUSY;
		ids[i] = obj->id;
	}
	return kcr_write(ctx, ids, flen);
}

/* @end */
/* @unix-listen */
/* The KCR_REC_UNIX_SKB records of a queue taken by kcr_unix_snap(). */
static int kcr_write_unix_bufs(struct kcr_ctx *ctx, struct kcr_unix_snap *s)
{
	u32 i, off, n;
	int ret = 0;

	for (i = 0; i < s->nr && !ret; i++) {
		struct kcr_unix_buf *b = &s->bufs[i];
		u32 plen = ALIGN(b->len, 8);
/* @unix-fds */
		u32 flen = b->fpl ? ALIGN(b->fpl->count * 4, 8) : 0;
/* @end */

/* @until unix-fds */
		kcr_init_rec(ctx, &b->rec, KCR_REC_UNIX_SKB,
			     sizeof(b->rec) + plen);
		ret = kcr_write(ctx, &b->rec, sizeof(b->rec));
/* @end */
/* @unix-fds */
		b->rec.nr_fds = b->fpl ? b->fpl->count : 0;
		kcr_init_rec(ctx, &b->rec, KCR_REC_UNIX_SKB,
			     sizeof(b->rec) + flen + plen);
		ret = kcr_write(ctx, &b->rec, sizeof(b->rec));
		if (!ret && flen)
			ret = kcr_write_unix_fd_ids(ctx, b->fpl, flen);
/* @end */
		for (off = 0; off < plen && !ret; off += n) {
			n = min_t(u32, plen - off, KCR_BUF_SIZE);
			memset(ctx->buf, 0, n);
			if (off < b->len)
				ret = skb_copy_bits(b->skb, b->off + off,
						    ctx->buf,
						    min(n, b->len - off));
			if (!ret)
				ret = kcr_write(ctx, ctx->buf, n);
		}
	}
	return ret;
}

/* A connection not accepted yet (embryo sk) and the data sent on it. */
static int kcr_write_unix_embryo(struct kcr_ctx *ctx, struct sock *sk,
				 struct kcr_unix_snap *e)
{
	struct kcr_rec_unix_embryo r = {};
	int ret;

	r.peer = e->peer_kind;
	r.peer_ref = e->peer_ref;
	r.shutdown = READ_ONCE(sk->sk_shutdown);
	r.flags = kcr_unix_peercred_of(sk, &r.peer_pid, &r.peer_uid,
				       &r.peer_gid);
	r.nr_skbs = e->nr;
	r.bytes = e->bytes;
	kcr_init_rec(ctx, &r, KCR_REC_UNIX_EMBRYO, sizeof(r));
	ret = kcr_write(ctx, &r, sizeof(r));
	return ret ? ret : kcr_write_unix_bufs(ctx, e);
}

/* @end */
static int kcr_write_unix_queue(struct kcr_ctx *ctx, struct file *file)
{
	struct sock *sk = sock_from_file(file)->sk;
	struct kcr_rec_unix_queue q = {};
	struct kcr_unix_snap s = {};
/* @until unix-listen */
	u32 i, off, n;
/* @end */
/* @unix-listen */
	u32 i;
/* @end */
	int ret;

	ret = kcr_unix_snap(ctx, sk, &s);
	if (ret == -EOPNOTSUPP)
		ret = -EBUSY;	/* it passed phase 1: it changed since */
	if (ret)
		return ret;
	q.file_ref = kcr_obj_find_key(ctx, file)->id;
	q.peer = s.peer_kind;
/* @unix-external */
	q.peer_addr_len = s.ext_len;
	memcpy(q.peer_addr, s.ext_addr, s.ext_len);
/* @end */
	if (s.peer_kind == KCR_UNIX_PEER_FILE)
		ret = kcr_unix_ref(ctx, s.peer, &q.peer_ref);
/* @unix-listen */
	else if (s.peer_kind == KCR_UNIX_PEER_EMBRYO)
		ret = kcr_unix_ref(ctx, s.listener, &q.peer_ref);
	for (i = 0; s.listening && i < s.nr && !ret; i++) {
		struct kcr_unix_snap *e = &s.embryos[i];

		if (e->peer_kind == KCR_UNIX_PEER_FILE)
			ret = kcr_unix_ref(ctx, e->peer, &e->peer_ref);
	}
/* @end */
/* @unix-fds */
	if (!ret)
		ret = kcr_write_unix_fds(ctx, &s);
/* @end */
	for (i = 0; i < s.nr && !ret; i++) {
		struct sock *from = s.bufs[i].skb->sk;

		if (sk->sk_type == SOCK_DGRAM && from &&
		    kcr_unix_file(ctx, from))
			ret = kcr_unix_ref(ctx, from, &s.bufs[i].rec.sender_ref);
	}
	if (ret)
		goto out;
/* @until unix-listen */
	q.nr_skbs = s.nr;
/* @end */
/* @unix-listen */
	if (s.listening)
		q.nr_embryos = s.nr;
	else
		q.nr_skbs = s.nr;
/* @end */
	q.bytes = s.bytes;
	kcr_init_rec(ctx, &q, KCR_REC_UNIX_QUEUE, sizeof(q));
	ret = kcr_write(ctx, &q, sizeof(q));
/* @until unix-listen */
	for (i = 0; i < s.nr && !ret; i++) {
		struct kcr_unix_buf *b = &s.bufs[i];
		u32 plen = ALIGN(b->len, 8);

		kcr_init_rec(ctx, &b->rec, KCR_REC_UNIX_SKB,
			     sizeof(b->rec) + plen);
		ret = kcr_write(ctx, &b->rec, sizeof(b->rec));
		for (off = 0; off < plen && !ret; off += n) {
			n = min_t(u32, plen - off, KCR_BUF_SIZE);
			memset(ctx->buf, 0, n);
			if (off < b->len)
				ret = skb_copy_bits(b->skb, b->off + off,
						    ctx->buf,
						    min(n, b->len - off));
			if (!ret)
				ret = kcr_write(ctx, ctx->buf, n);
		}
	}
/* @end */
/* @unix-listen */
	if (!ret && !s.listening)
		ret = kcr_write_unix_bufs(ctx, &s);
	for (i = 0; s.listening && i < s.nr && !ret; i++)
		ret = kcr_write_unix_embryo(ctx, s.bufs[i].skb->sk,
					    &s.embryos[i]);
/* @end */
out:
	kcr_unix_snap_free(&s);
	if (ret == -EBUSY)
		kcr_log(ctx, "Unix socket changed during checkpoint: %pD", file);
	return ret;
}

/*
 * Checkpoint: the queue records of the sockets written so far, before the
 * process's KCR_REC_FS.  Writing one may write the sockets it names, whose
 * queues then follow in the same loop.
 */
int kcr_write_unix_queues(struct kcr_ctx *ctx)
{
	u32 i;
	int ret = 0;

	for (i = 0; i < ctx->nr_unix_todo && !ret; i++)
		ret = kcr_write_unix_queue(ctx, ctx->unix_todo[i]);
	ctx->nr_unix_todo = 0;
	return ret;
}

/* @end */
/* Drop the checkpoint's notes. */
void kcr_unix_release(struct kcr_ctx *ctx)
{
	unsigned long index;
	struct file *file;

	xa_for_each(&ctx->unix_seen, index, file)
		fput(file);
	xa_destroy(&ctx->unix_seen);
/* @unix-fds */
	xa_destroy(&ctx->unix_inflight);
/* @end */
/* @unix-queue */
	kvfree(ctx->unix_todo);
	ctx->unix_todo = NULL;
	ctx->nr_unix_todo = 0;
	ctx->max_unix_todo = 0;
/* @end */
}
/* @unix-rst */

/* Restart: a socket made from its records, until its queue is restored. */
struct kcr_unix_rst {
	struct kcr_rec_unix rec;
/* @unix-queue-rst */
	bool queued;
/* @end */
/* @unix-listen-rst */
	const struct cred *cred;	/* its process's, held */
	struct sock *listener;		/* connecting: its embryo is to come */
/* @end */
};

#define KCR_UNIX_RCVTIMEO_MAX	(365ULL * 24 * 3600 * USEC_PER_SEC)

/*
 * Restart: the pid a socket showed (as SO_PEERCRED or SCM_CREDENTIALS),
 * or NULL: a process of the image is the same again, any other is gone.
 */
static struct pid *kcr_unix_pid(struct kcr_ctx *ctx, pid_t nr)
{
	struct kcr_tree *tr = ctx->rst_tree;
	struct pid *pid;
	int i;

	if (nr <= 0)
		return NULL;
	if (!tr)
		return nr == ctx->pid ? get_pid(task_tgid(current)) : NULL;
	i = kcr_tree_find(tr->tt, tr->nr, nr);
	if (i < 0 || tr->tt[i].flags & KCR_TREE_DEAD)
		return NULL;
	rcu_read_lock();
	pid = get_pid(find_pid_ns(nr, tr->ns));
	rcu_read_unlock();
	return pid;
}

static int kcr_unix_ids(struct kcr_ctx *ctx, u32 uid, u32 gid, kuid_t *ku,
			kgid_t *kg)
{
	struct user_namespace *uns = current_user_ns();

	*ku = make_kuid(uns, uid);
	*kg = make_kgid(uns, gid);
	if (!uid_valid(*ku) || !gid_valid(*kg))
		return KCR_BAD(ctx, "Unix socket ids %u/%u do not map", uid, gid);
	if (!kcr_uid_ok(*ku, current_cred()) ||
	    !kcr_gid_ok(*kg, current_cred())) {
		kcr_log(ctx, "Unix socket ids %u/%u: restoring them needs CAP_SETUID/CAP_SETGID",
			uid, gid);
		return -EPERM;
	}
	return 0;
}

/* @unix-name */
/* Whether the name of r and its socket file are well formed. */
/*
 * Whether addr (len bytes used of size) is a Unix socket name as the
 * kernel keeps one: a path as unix_mkname_bsd() left it (one NUL, last),
 * or an abstract name; the bytes after it zero.
 */
static bool kcr_unix_addr_ok(const u8 *addr, u32 len, u32 size)
{
	const struct sockaddr_un *sun = (const void *)addr;
	const u32 off = offsetof(struct sockaddr_un, sun_path);

	if (len <= off || len > sizeof(*sun) || len > size ||
	    sun->sun_family != AF_UNIX || memchr_inv(addr + len, 0, size - len))
		return false;
	return !sun->sun_path[0] ||
	       strnlen(sun->sun_path, len - off) == len - off - 1;
}

static bool kcr_unix_name_ok(const struct kcr_rec_unix *r)
{
	const struct sockaddr_un *sun = (const void *)r->addr;
	bool node = false;

	if (!r->addr_len) {
		if (r->flags & KCR_UNIX_BOUND ||
		    memchr_inv(r->addr, 0, sizeof(r->addr)))
			return false;
	} else {
		if (!kcr_unix_addr_ok(r->addr, r->addr_len, sizeof(r->addr)))
			return false;
		/* A name it does not hold is that of its listener. */
		if (!(r->flags & KCR_UNIX_BOUND) &&
		    (r->type == SOCK_DGRAM || r->state != TCP_ESTABLISHED))
			return false;
		node = r->flags & KCR_UNIX_BOUND && sun->sun_path[0];
	}
	if (node)
		return r->node_len >= 2 && r->node_len <= KCR_PATH_MAX &&
		       S_ISSOCK(r->node_mode) &&
		       !(r->node_mode & ~(S_IFSOCK | 07777));
	return !r->node_ino && !r->node_mode && !r->node_uid &&
	       !r->node_gid && !r->node_len;
}

/* @end */
static int kcr_unix_check(struct kcr_ctx *ctx, const struct kcr_rec_unix *r,
			  const struct kcr_rec_file *f)
{
	struct net *net = current->nsproxy->net_ns;

	if ((r->type != SOCK_STREAM && r->type != SOCK_DGRAM &&
	     r->type != SOCK_SEQPACKET) ||
/* @until unix-listen-rst */
	    (r->state != TCP_ESTABLISHED && r->state != TCP_CLOSE) ||
/* @end */
/* @unix-listen-rst */
	    (r->state != TCP_ESTABLISHED && r->state != TCP_CLOSE &&
	     r->state != TCP_LISTEN) ||
	    (r->state == TCP_LISTEN &&
	     (r->type == SOCK_DGRAM || !(r->flags & KCR_UNIX_BOUND))) ||
/* @end */
	    (r->flags & ~KCR_UNIX_FLAGS_ALL) || (r->shutdown & ~3U) ||
	    r->err < 0 || r->err > MAX_ERRNO || r->peek_off < -1 ||
	    r->sndbuf > INT_MAX || r->rcvbuf > INT_MAX ||
	    r->backlog > INT_MAX ||
	    (r->userlocks & ~(KCR_UNIX_SNDBUF_LOCK | KCR_UNIX_RCVBUF_LOCK)) ||
	    !r->rcvlowat || r->rcvlowat > INT_MAX ||
	    r->linger > INT_MAX / HZ ||
	    (r->linger && !(r->flags & KCR_UNIX_LINGER)) ||
	    r->rcvtimeo_us > KCR_UNIX_RCVTIMEO_MAX ||
	    r->sndtimeo_us > KCR_UNIX_RCVTIMEO_MAX ||
	    !S_ISSOCK(r->ino_mode) || (r->ino_mode & ~(S_IFSOCK | 07777)) ||
	    r->ino_mode != f->mode ||
	    (!(r->flags & KCR_UNIX_PEERCRED) &&
	     (r->peer_pid || r->peer_uid || r->peer_gid)) ||
/* @until unix-name */
	    r->peer_pid < 0 || r->peer_ngroups || r->addr_len ||
	    memchr_inv(r->addr, 0, sizeof(r->addr)) || r->node_ino ||
	    r->node_mode || r->node_uid || r->node_gid || r->node_len)
/* @end */
/* @unix-name */
	    r->peer_pid < 0 || r->peer_ngroups || !kcr_unix_name_ok(r))
/* @end */
		return KCR_BAD(ctx, "Unix socket %u: type %u state %u flags %#x",
			       f->objid, r->type, r->state, r->flags);
/* @until unix-listen-rst */
	if (r->backlog > READ_ONCE(net->unx.sysctl_max_dgram_qlen) &&
/* @end */
/* @unix-listen-rst */
	if (r->state != TCP_LISTEN &&
	    r->backlog > READ_ONCE(net->unx.sysctl_max_dgram_qlen) &&
/* @end */
	    !ns_capable(net->user_ns, CAP_NET_ADMIN)) {
		kcr_log(ctx, "Unix socket %u: datagram queue %u is above net.unix.max_dgram_qlen",
			f->objid, r->backlog);
		return -EPERM;
	}
	return 0;
}

static int kcr_unix_setopt(struct socket *sock, int op, const void *v,
			   unsigned int len)
{
	return sock_setsockopt(sock, SOL_SOCKET, op, KERNEL_SOCKPTR((void *)v),
			       len);
}

static int kcr_unix_timeo(struct socket *sock, int op, u64 us)
{
	struct __kernel_sock_timeval tv;
	u32 rem;

	tv.tv_sec = div_u64_rem(us, USEC_PER_SEC, &rem);
	tv.tv_usec = rem;
	return kcr_unix_setopt(sock, op, &tv, sizeof(tv));
}

/* The options of a new socket, each through setsockopt()'s own checks. */
static int kcr_unix_options(struct kcr_ctx *ctx, struct socket *sock,
			    const struct kcr_rec_unix *r)
{
	struct sock *sk = sock->sk;
	int one = 1, v, ret = 0;

	if (r->userlocks & KCR_UNIX_SNDBUF_LOCK) {
		v = r->sndbuf / 2;
		ret = kcr_unix_setopt(sock, SO_SNDBUF, &v, sizeof(v));
		if (!ret && READ_ONCE(sk->sk_sndbuf) != r->sndbuf) {
			kcr_log(ctx, "Unix socket: send buffer %u is above net.core.wmem_max",
				r->sndbuf);
			return -EPERM;
		}
	}
	if (!ret && r->userlocks & KCR_UNIX_RCVBUF_LOCK) {
		v = r->rcvbuf / 2;
		ret = kcr_unix_setopt(sock, SO_RCVBUF, &v, sizeof(v));
		if (!ret && READ_ONCE(sk->sk_rcvbuf) != r->rcvbuf) {
			kcr_log(ctx, "Unix socket: receive buffer %u is above net.core.rmem_max",
				r->rcvbuf);
			return -EPERM;
		}
	}
	if (!ret && r->rcvlowat != 1) {
		v = r->rcvlowat;
		ret = kcr_unix_setopt(sock, SO_RCVLOWAT, &v, sizeof(v));
	}
	if (!ret && r->rcvtimeo_us)
		ret = kcr_unix_timeo(sock, SO_RCVTIMEO_NEW, r->rcvtimeo_us);
	if (!ret && r->sndtimeo_us)
		ret = kcr_unix_timeo(sock, SO_SNDTIMEO_NEW, r->sndtimeo_us);
/* @unix-passcred */
	if (!ret && r->flags & KCR_UNIX_PASSCRED)
		ret = kcr_unix_setopt(sock, SO_PASSCRED, &one, sizeof(one));
	if (!ret && r->flags & KCR_UNIX_PASSPIDFD)
		ret = kcr_unix_setopt(sock, SO_PASSPIDFD, &one, sizeof(one));
/* @end */
	if (!ret && r->flags & KCR_UNIX_OOBINLINE)
		ret = kcr_unix_setopt(sock, SO_OOBINLINE, &one, sizeof(one));
	if (!ret && r->flags & KCR_UNIX_KEEPALIVE)
		ret = kcr_unix_setopt(sock, SO_KEEPALIVE, &one, sizeof(one));
	if (!ret && r->flags & KCR_UNIX_LINGER) {
		struct linger l = { .l_onoff = 1, .l_linger = r->linger };

		ret = kcr_unix_setopt(sock, SO_LINGER, &l, sizeof(l));
	}
	if (!ret && r->peek_off != -1) {
		v = r->peek_off;
		ret = kcr_unix_setopt(sock, SO_PEEK_OFF, &v, sizeof(v));
	}
	if (ret)
		kcr_log(ctx, "Unix socket: cannot set its options: %d", ret);
	WRITE_ONCE(sk->sk_max_ack_backlog, r->backlog);
	return ret;
}

/* SO_PEERCRED as the socket showed it: its ids, its pid if it is back. */
/* @until unix-listen-rst */
static int kcr_unix_peercred(struct kcr_ctx *ctx, const struct cred *cred,
			     struct sock *sk, const struct kcr_rec_unix *r)
/* @end */
/* @unix-listen-rst */
static int kcr_unix_peercred(struct kcr_ctx *ctx, const struct cred *cred,
			     struct sock *sk, u32 flags, s32 pid, u32 uid,
			     u32 gid)
/* @end */
{
	const struct cred *old_cred, *old;
	struct pid *old_pid;
	struct cred *c;
	kuid_t ku;
	kgid_t kg;
	int ret;

/* @until unix-listen-rst */
	if (!(r->flags & KCR_UNIX_PEERCRED))
		return 0;
	ret = kcr_unix_ids(ctx, r->peer_uid, r->peer_gid, &ku, &kg);
/* @end */
/* @unix-listen-rst */
	if (!(flags & KCR_UNIX_PEERCRED))
		return 0;
	ret = kcr_unix_ids(ctx, uid, gid, &ku, &kg);
/* @end */
	if (ret)
		return ret;
	old = override_creds(cred);
	c = prepare_creds();
	revert_creds(old);
	if (!c)
		return -ENOMEM;
	c->uid = c->euid = c->suid = c->fsuid = ku;
	c->gid = c->egid = c->sgid = c->fsgid = kg;
	spin_lock(&sk->sk_peer_lock);
	old_pid = sk->sk_peer_pid;
	old_cred = sk->sk_peer_cred;
/* @until unix-listen-rst */
	sk->sk_peer_pid = kcr_unix_pid(ctx, r->peer_pid);
/* @end */
/* @unix-listen-rst */
	sk->sk_peer_pid = kcr_unix_pid(ctx, pid);
/* @end */
	sk->sk_peer_cred = c;
	spin_unlock(&sk->sk_peer_lock);
	put_pid(old_pid);
	put_cred(old_cred);
	return 0;
}

/* @unix-name */
/* The KCR_REC_UNIX of a socket, and the path of its file in node. */
static int kcr_unix_read(struct kcr_ctx *ctx, const struct kcr_rec_file *f,
			 struct kcr_rec_unix *r, char *node)
{
	struct kcr_hdr h;
	u32 plen;
	int ret;

	ret = kcr_read_hdr(ctx, &h);
	if (ret)
		return ret;
	if (h.type != KCR_REC_UNIX)
		return KCR_BAD(ctx, "offset %llu: type %u, expected a Unix socket",
			       kcr_rec_off(ctx), h.type);
	ret = kcr_read_rec(ctx, &h, r, sizeof(*r));
	if (ret)
		return ret;
	plen = ALIGN(min_t(u32, r->node_len, KCR_PATH_MAX), 8);
	if (r->node_len > KCR_PATH_MAX || h.len != sizeof(*r) + plen)
		return KCR_BAD(ctx, "Unix socket %u: record of %u bytes, path of %u",
			       f->objid, h.len, r->node_len);
	node[0] = '\0';
	if (!plen)
		return 0;
	ret = kcr_read(ctx, node, plen);
	if (ret)
		return ret;
	if (node[0] != '/' || strnlen(node, plen) != r->node_len - 1 ||
	    memchr_inv(node + r->node_len, 0, plen - r->node_len))
		return KCR_BAD(ctx, "Unix socket %u: malformed path of its file",
			       f->objid);
	return 0;
}

/* Give a socket file the mode and owner it had. */
static int kcr_unix_node_attr(struct kcr_ctx *ctx, const struct path *path,
			      const struct kcr_rec_unix *r)
{
	struct mnt_idmap *idmap = mnt_idmap(path->mnt);
	struct inode *inode = d_inode(path->dentry);
	struct iattr ia = { .ia_valid = ATTR_MODE | ATTR_UID | ATTR_GID };
	kuid_t ku;
	kgid_t kg;
	int ret;

	ret = kcr_unix_ids(ctx, r->node_uid, r->node_gid, &ku, &kg);
	if (ret)
		return ret;
	if (inode->i_mode == r->node_mode && uid_eq(inode->i_uid, ku) &&
	    gid_eq(inode->i_gid, kg))
		return 0;
	ia.ia_mode = r->node_mode;
	ia.ia_vfsuid = make_vfsuid(idmap, i_user_ns(inode), ku);
	ia.ia_vfsgid = make_vfsgid(idmap, i_user_ns(inode), kg);
	inode_lock(inode);
	ret = notify_change(idmap, path->dentry, &ia, NULL);
	inode_unlock(inode);
	if (ret)
		kcr_log(ctx, "cannot set the mode and owner of a Unix socket file: %d",
			ret);
	return ret;
}

/*
 * Bind sk to its path and socket file: the socket file there now if no
 * socket holds it (the one the killed process left, or one left by an
 * earlier restart of the image, then given the mode and owner the image
 * has), else one made where none is now.  The dry run only checks.
 */
static int kcr_unix_bind_node(struct kcr_ctx *ctx, const struct cred *cred,
			      struct sock *sk, const struct kcr_rec_unix *r,
			      const char *node)
{
	const struct sockaddr_un *sun = (const void *)r->addr;
	struct mnt_idmap *idmap;
	const struct cred *old;
	struct dentry *dentry;
	struct path path;
	int ret;

	old = override_creds(cred);
	ret = kern_path(node, 0, &path);
	revert_creds(old);
	if (!ret) {
		struct inode *inode = d_backing_inode(path.dentry);

		if (!S_ISSOCK(inode->i_mode)) {
			kcr_log(ctx, "Unix socket path %s is a file of another kind now",
				node);
			ret = -EEXIST;
		} else {
			ret = unix_kcr_bind(sk, sun, r->addr_len, &path,
					    ctx->dry_run);
			if (!ret && !ctx->dry_run && inode->i_ino != r->node_ino)
				ret = kcr_unix_node_attr(ctx, &path, r);
		}
		path_put(&path);
		return ret;
	}
	if (ret != -ENOENT)
		return ret;
	if (ctx->dry_run) {
		kuid_t ku;
		kgid_t kg;

		return kcr_unix_ids(ctx, r->node_uid, r->node_gid, &ku, &kg);
	}

	/* Gone: made again, as bind() makes it, as the process. */
	old = override_creds(cred);
	dentry = kern_path_create(AT_FDCWD, node, &path, 0);
	revert_creds(old);
	if (IS_ERR(dentry))
		return PTR_ERR(dentry);
	idmap = mnt_idmap(path.mnt);
	old = override_creds(cred);
	ret = security_path_mknod(&path, dentry, r->node_mode, 0);
	if (!ret)
		ret = vfs_mknod(idmap, d_inode(path.dentry), dentry,
				r->node_mode, 0);
	revert_creds(old);
	if (ret)
		goto out;
	{
		struct path p = { .mnt = path.mnt, .dentry = dentry };

		ret = kcr_unix_node_attr(ctx, &p, r);
		if (!ret)
			ret = unix_kcr_bind(sk, sun, r->addr_len, &p, false);
	}
	if (ret)
		vfs_unlink(idmap, d_inode(path.dentry), dentry, NULL);
out:
	done_path_create(&path, dentry);
	return ret;
}

/*
 * Give a new socket the name of r: its own, bound again, or shown.  The
 * dry run binds nothing, and must not hold a name the real pass binds
 * (its sockets are closed only when restart returns): it checks that
 * the name is free, then only shows it, which is enough for listen().
 */
static int kcr_unix_rst_name(struct kcr_ctx *ctx, const struct cred *cred,
			     struct sock *sk, const struct kcr_rec_unix *r,
			     const char *node)
{
	const struct sockaddr_un *sun = (const void *)r->addr;
	bool bsd = sun->sun_path[0];
	int ret;

	if (!r->addr_len)
		return 0;
	if (!(r->flags & KCR_UNIX_BOUND))
		ret = unix_kcr_set_addr(sk, sun, r->addr_len);
	else if (r->node_len)
		ret = kcr_unix_bind_node(ctx, cred, sk, r, node);
	else
		ret = unix_kcr_bind(sk, sun, r->addr_len, NULL, ctx->dry_run);
	if (!ret && ctx->dry_run && r->flags & KCR_UNIX_BOUND)
		ret = unix_kcr_set_addr(sk, sun, r->addr_len);
	if (ret == -EADDRINUSE)
		kcr_log(ctx, "Unix socket name %s%*pE is in use by another socket",
			bsd ? "" : "@",
			(int)(r->addr_len - offsetof(struct sockaddr_un, sun_path) - 1),
			sun->sun_path + !bsd);
	else if (ret && ret != -EEXIST)
		kcr_log(ctx, "cannot give a Unix socket its name %s: %d",
			bsd ? node : "(abstract)", ret);
	return ret;
}

/* @end */
/* @unix-listen-rst */
/* listen() with the image's backlog, which listen() itself would have cut. */
static int kcr_unix_listen(struct kcr_ctx *ctx, struct socket *sock,
			   const struct kcr_rec_unix *r)
{
	struct net *net = sock_net(sock->sk);
	int ret;

	if (r->backlog > READ_ONCE(net->core.sysctl_somaxconn)) {
		kcr_log(ctx, "listening Unix socket: backlog %u is above net.core.somaxconn",
			r->backlog);
		return -EPERM;
	}
	ret = kernel_listen(sock, r->backlog);
	if (ret)
		kcr_log(ctx, "cannot listen on a Unix socket: %d", ret);
	return ret;
}

/* @end */
/*
 * Restart: the socket of FILE record f, whose KCR_REC_UNIX comes next.  It
 * is made as its process would (cred), not yet connected: its QUEUE
 * record does that.
 */
struct file *kcr_rst_unix(struct kcr_ctx *ctx, const struct cred *cred,
			  const struct kcr_rec_file *f)
{
	struct kcr_unix_rst *ur;
	const struct cred *old;
	struct socket *sock;
	struct file *file;
/* @unix-name */
	char *node;
/* @end */
	kuid_t ku;
	kgid_t kg;
	int ret;

	ur = kzalloc(sizeof(*ur), GFP_KERNEL_ACCOUNT);
	if (!ur)
		return ERR_PTR(-ENOMEM);
/* @until unix-name */
	ret = kcr_read_state(ctx, KCR_REC_UNIX, &ur->rec, sizeof(ur->rec));
/* @end */
/* @unix-name */
	node = ctx->buf;
	ret = kcr_unix_read(ctx, f, &ur->rec, node);
/* @end */
	if (!ret)
		ret = kcr_unix_check(ctx, &ur->rec, f);
	if (!ret)
		ret = kcr_unix_ids(ctx, ur->rec.ino_uid, ur->rec.ino_gid, &ku,
				   &kg);
	if (ret)
		goto fail;
	old = override_creds(cred);
	ret = sock_create(AF_UNIX, ur->rec.type, 0, &sock);
	revert_creds(old);
	if (ret) {
		kcr_log(ctx, "cannot make a Unix socket: %d", ret);
		goto fail;
	}
	SOCK_INODE(sock)->i_mode = ur->rec.ino_mode;
	SOCK_INODE(sock)->i_uid = ku;
	SOCK_INODE(sock)->i_gid = kg;
	sock->sk->sk_uid = ku;
	ret = kcr_unix_options(ctx, sock, &ur->rec);
/* @until unix-name */
	if (!ret)
		ret = kcr_unix_peercred(ctx, cred, sock->sk, &ur->rec);
/* @end */
/* @unix-name */
	if (!ret)
		ret = kcr_unix_rst_name(ctx, cred, sock->sk, &ur->rec, node);
/* @unix-listen-rst */
	if (!ret && ur->rec.state == TCP_LISTEN)
		ret = kcr_unix_listen(ctx, sock, &ur->rec);
/* @end */
/* @until unix-listen-rst */
	if (!ret)
		ret = kcr_unix_peercred(ctx, cred, sock->sk, &ur->rec);
/* @end */
/* @unix-listen-rst */
	/* Last: listen() sets it. */
	if (!ret)
		ret = kcr_unix_peercred(ctx, cred, sock->sk, ur->rec.flags,
					ur->rec.peer_pid, ur->rec.peer_uid,
					ur->rec.peer_gid);
/* @end */
/* @end */
	if (ret) {
		sock_release(sock);
		goto fail;
	}
	file = sock_alloc_file(sock, O_RDWR, NULL);
	if (IS_ERR(file)) {
		ret = PTR_ERR(file);
		goto fail;
	}
	ret = xa_err(xa_store(&ctx->unix_rst, (unsigned long)file, ur,
			      GFP_KERNEL_ACCOUNT));
	if (ret) {
		fput(file);
		goto fail;
	}
/* @unix-queue-rst */
	ctx->nr_unix_unqueued++;
/* @end */
/* @unix-listen-rst */
	ur->cred = get_cred(cred);
/* @end */
	return file;
fail:
	kfree(ur);
	return ERR_PTR(ret);
}

/* @unix-queue-rst */
/* A KCR_FILE_UNIX object of the image: its socket and restart state. */
static struct sock *kcr_unix_obj(struct kcr_ctx *ctx, u32 id,
				 struct kcr_unix_rst **ur)
{
	struct kcr_obj *obj = kcr_obj_find_id(ctx, id, KCR_REC_FILE);

	if (!obj || obj->kind != KCR_FILE_UNIX || !obj->file)
		return NULL;
	*ur = xa_load(&ctx->unix_rst, (unsigned long)obj->file);
	return *ur ? sock_from_file(obj->file)->sk : NULL;
}

/* @unix-fds-rst */
/*
 * The files in flight of a buffer: nr object ids (flen bytes with the
 * padding), each a file object of the image made already.  *files is
 * NULL if there are none, or in a dry run that did not make them all.
 */
static int kcr_rst_unix_fds(struct kcr_ctx *ctx, u32 nr, u32 flen,
			    struct file ***files)
{
	struct kcr_obj *obj;
	bool all = true;
	u32 *ids, i;
	int ret;

	*files = NULL;
	if (!nr)
		return 0;
	ids = kmalloc(flen, GFP_KERNEL_ACCOUNT);
	*files = kcalloc(nr, sizeof(**files), GFP_KERNEL_ACCOUNT);
	ret = ids && *files ? kcr_read(ctx, ids, flen) : -ENOMEM;
	if (!ret && nr % 2 && ids[nr])
		ret = KCR_BAD(ctx, "Unix socket buffer: padding of its files");
	for (i = 0; i < nr && !ret; i++) {
		obj = kcr_obj_find_id(ctx, ids[i], KCR_REC_FILE);
		if (!obj || (!obj->file && !ctx->dry_run))
			ret = KCR_BAD(ctx, "Unix socket buffer: file in flight %u",
				      ids[i]);
		else if (obj->file)
			(*files)[i] = obj->file;
		else
			all = false;
	}
	kfree(ids);
	if (ret || !all) {
		kfree(*files);
		*files = NULL;
	}
	return ret;
}

/* @end */
/* One KCR_REC_UNIX_SKB of sk's queue; returns its length in *len. */
static int kcr_rst_unix_skb(struct kcr_ctx *ctx, struct sock *sk,
			    struct sock *peer, struct sock **ghost, u32 *len)
{
	struct kcr_rec_unix_skb r;
	struct kcr_unix_rst *sur;
	struct sock *from = peer;
	struct kcr_hdr h;
	struct pid *pid = NULL;
	kuid_t ku = INVALID_UID;
	kgid_t kg = INVALID_GID;
/* @until unix-fds-rst */
	u32 plen;
/* @end */
/* @unix-fds-rst */
	struct file **files = NULL;
	u32 plen, flen;
/* @end */
	void *data;
	int ret;

	ret = kcr_read_hdr(ctx, &h);
	if (ret)
		return ret;
	if (h.type != KCR_REC_UNIX_SKB)
		return KCR_BAD(ctx, "offset %llu: type %u, expected a Unix socket buffer",
			       kcr_rec_off(ctx), h.type);
	ret = kcr_read_rec(ctx, &h, &r, sizeof(r));
	if (ret)
		return ret;
	plen = ALIGN(r.len, 8);
/* @until unix-fds-rst */
	if (r.len > KCR_UNIX_SKB_MAX || h.len != sizeof(r) + plen ||
	    (r.flags & ~KCR_UNIX_SKB_CREDS) || r.nr_fds ||
/* @end */
/* @unix-fds-rst */
	flen = ALIGN(min_t(u32, r.nr_fds, KCR_UNIX_SKB_FDS) * 4, 8);
	if (r.len > KCR_UNIX_SKB_MAX || r.nr_fds > KCR_UNIX_SKB_FDS ||
	    h.len != sizeof(r) + flen + plen ||
	    (r.flags & ~KCR_UNIX_SKB_CREDS) ||
/* @end */
	    r.sender_addr_len || r.pid < 0 ||
	    (!(r.flags & KCR_UNIX_SKB_CREDS) && (r.pid || r.uid || r.gid)) ||
	    (r.sender_ref && sk->sk_type != SOCK_DGRAM))
		return KCR_BAD(ctx, "Unix socket buffer of %u bytes, flags %#x",
			       r.len, r.flags);
	if (sk->sk_type == SOCK_DGRAM) {
		from = NULL;
		if (r.sender_ref) {
			from = kcr_unix_obj(ctx, r.sender_ref, &sur);
			if (!from || from->sk_type != SOCK_DGRAM)
				return KCR_BAD(ctx, "datagram from object %u",
					       r.sender_ref);
		}
		if (!from) {
			if (!*ghost)
				*ghost = unix_kcr_ghost(sock_net(sk), sk->sk_type);
			if (IS_ERR(*ghost)) {
				ret = PTR_ERR(*ghost);
				*ghost = NULL;
				return ret;
			}
			from = *ghost;
		}
	} else if (!from) {
		return KCR_BAD(ctx, "data queued on an unconnected stream socket");
	}
	if (r.flags & KCR_UNIX_SKB_CREDS) {
		ret = kcr_unix_ids(ctx, r.uid, r.gid, &ku, &kg);
		if (ret)
			return ret;
	}
/* @unix-fds-rst */
	ret = kcr_rst_unix_fds(ctx, r.nr_fds, flen, &files);
	if (ret)
		return ret;
/* @end */
	data = kvmalloc(plen ?: 8, GFP_KERNEL_ACCOUNT);
/* @until unix-fds-rst */
	if (!data)
		return -ENOMEM;
/* @end */
/* @unix-fds-rst */
	if (!data) {
		kfree(files);
		return -ENOMEM;
	}
/* @end */
	ret = kcr_read(ctx, data, plen);
	if (!ret && memchr_inv(data + r.len, 0, plen - r.len))
		ret = KCR_BAD(ctx, "Unix socket buffer padding");
	if (!ret) {
		pid = r.flags & KCR_UNIX_SKB_CREDS ? kcr_unix_pid(ctx, r.pid) :
		      NULL;
/* @until unix-fds-rst */
		ret = unix_kcr_queue(sk, from, data, r.len, pid, ku, kg);
/* @end */
/* @unix-fds-rst */
		ret = unix_kcr_queue(sk, from, data, r.len, pid, ku, kg,
				     files, files ? r.nr_fds : 0);
/* @end */
		put_pid(pid);
		if (ret)
			kcr_log(ctx, "cannot queue %u bytes on a Unix socket: %d",
				r.len, ret);
	}
	kvfree(data);
/* @unix-fds-rst */
	kfree(files);
/* @end */
	*len = r.len;
	return ret;
}

/* @unix-listen-rst */
/*
 * A connection to listener lsk of the image, not accepted yet: its embryo
 * is made by the listener's queue record, which comes before or after.
 */
static int kcr_rst_unix_client(struct kcr_ctx *ctx,
			       const struct kcr_rec_unix_queue *q,
			       struct sock *sk, struct kcr_unix_rst *ur)
{
	struct kcr_unix_rst *lur;
	struct sock *lsk = kcr_unix_obj(ctx, q->peer_ref, &lur);
	struct sock *embryo = unix_peer(sk);

	if (!lsk || lsk->sk_type != sk->sk_type ||
	    lur->rec.state != TCP_LISTEN || q->nr_skbs || q->bytes ||
	    (embryo && READ_ONCE(unix_sk(embryo)->listener) != lsk))
		return KCR_BAD(ctx, "Unix socket %u: connection to %u not accepted yet",
			       q->file_ref, q->peer_ref);
	if (!embryo) {
		ur->listener = lsk;
		ctx->nr_unix_await++;
	}
	return 0;
}

/*
 * A connection listener lsk has not accepted yet: a KCR_REC_UNIX_EMBRYO,
 * its embryo made as connect() makes it, and its buffers.
 */
static int kcr_rst_unix_embryo(struct kcr_ctx *ctx, struct sock *lsk,
			       struct kcr_unix_rst *lur)
{
	struct sock *csk, *embryo = NULL, *dead = NULL, *ghost = NULL;
	struct kcr_unix_rst *cur = NULL;
	struct kcr_rec_unix_embryo e;
	u64 bytes = 0;
	u32 i, len;
	int ret;

	ret = kcr_read_state(ctx, KCR_REC_UNIX_EMBRYO, &e, sizeof(e));
	if (ret)
		return ret;
	if ((e.peer != KCR_UNIX_PEER_FILE && e.peer != KCR_UNIX_PEER_DEAD) ||
	    (e.peer != KCR_UNIX_PEER_FILE && e.peer_ref) ||
	    (e.shutdown & ~3U) || (e.flags & ~KCR_UNIX_PEERCRED) ||
	    e.peer_pid < 0 ||
	    (!(e.flags & KCR_UNIX_PEERCRED) &&
	     (e.peer_pid || e.peer_uid || e.peer_gid)) ||
	    e.nr_skbs > KCR_UNIX_QUEUE_SKBS || e.bytes > KCR_UNIX_QUEUE_BYTES)
		return KCR_BAD(ctx, "Unix socket connection not accepted yet: peer %u, flags %#x",
			       e.peer, e.flags);
	if (e.peer == KCR_UNIX_PEER_FILE) {
		csk = kcr_unix_obj(ctx, e.peer_ref, &cur);
		if (!csk || csk == lsk || csk->sk_type != lsk->sk_type ||
		    cur->rec.state != TCP_ESTABLISHED || unix_peer(csk) ||
		    (cur->queued && cur->listener != lsk))
			return KCR_BAD(ctx, "Unix socket connection not accepted yet: from %u",
				       e.peer_ref);
	} else {
		dead = unix_kcr_ghost(sock_net(lsk), lsk->sk_type);
		if (IS_ERR(dead))
			return PTR_ERR(dead);
		csk = dead;
	}
	embryo = unix_kcr_embryo(lsk, csk);
	if (IS_ERR(embryo)) {
		ret = PTR_ERR(embryo);
		embryo = NULL;
		kcr_log(ctx, "cannot make a connection not accepted yet: %d", ret);
		goto out;
	}
	if (cur && cur->listener) {
		cur->listener = NULL;
		ctx->nr_unix_await--;
	}
	ret = kcr_unix_peercred(ctx, lur->cred, embryo, e.flags, e.peer_pid,
				e.peer_uid, e.peer_gid);
	for (i = 0; i < e.nr_skbs && !ret; i++) {
		ret = kcr_rst_unix_skb(ctx, embryo, csk, &ghost, &len);
		bytes += len;
		cond_resched();
	}
	if (!ret && bytes != e.bytes)
		ret = KCR_BAD(ctx, "Unix socket connection: %llu bytes queued, not %llu",
			      bytes, e.bytes);
	if (!ret) {
		unix_state_lock(embryo);
		WRITE_ONCE(embryo->sk_shutdown, e.shutdown);
		unix_state_unlock(embryo);
	}
out:
	if (dead)
		unix_kcr_release(dead);
	if (ghost)
		unix_kcr_release(ghost);
	if (embryo)
		sock_put(embryo);
	return ret;
}

/* @end */
/* @unix-external */
/*
 * The dry run: whether a socket of sk's type holds the name sun (len
 * bytes) now, so that the real pass can connect to it: 0, or
 * -ECONNREFUSED.
 */
static int kcr_unix_name_held(struct kcr_ctx *ctx, struct sock *sk,
			      const struct sockaddr_un *sun, u32 len,
			      struct kcr_unix_rst *ur)
{
	const struct cred *old;
	struct path path;
	int ret;

	if (sun->sun_path[0]) {
		old = override_creds(ur->cred);
		ret = kern_path(sun->sun_path, LOOKUP_FOLLOW, &path);
		revert_creds(old);
		if (ret)
			return -ECONNREFUSED;
		ret = unix_kcr_bind(sk, sun, len, &path, true);
		path_put(&path);
	} else {
		ret = unix_kcr_bind(sk, sun, len, NULL, true);
	}
	return ret == -EADDRINUSE ? 0 : -ECONNREFUSED;
}

/*
 * A socket whose peer was outside the checkpoint: connected to the peer's
 * name again, as its process would (the peer sees a new connection).
 * What the old peer sent comes from a closed socket, *ghost.  The dry
 * run connects nothing outside: the ghost stands in for the peer.
 */
static int kcr_rst_unix_external(struct kcr_ctx *ctx,
				 const struct kcr_rec_unix_queue *q,
				 struct sock *sk, struct kcr_unix_rst *ur,
				 struct sock **ghost)
{
	const struct sockaddr_un *sun = (const void *)q->peer_addr;
	struct sockaddr_storage addr = {};
	bool bsd = sun->sun_path[0];
	const struct cred *old;
	int ret;

	*ghost = unix_kcr_ghost(sock_net(sk), sk->sk_type);
	if (IS_ERR(*ghost)) {
		ret = PTR_ERR(*ghost);
		*ghost = NULL;
		return ret;
	}
	memcpy(&addr, q->peer_addr, q->peer_addr_len);
	if (ctx->dry_run) {
		ret = kcr_unix_name_held(ctx, sk, (struct sockaddr_un *)&addr,
					 q->peer_addr_len, ur);
		if (!ret)
			ret = unix_kcr_connect(sk, *ghost);
		if (!ret && sk->sk_type != SOCK_DGRAM)
			ret = unix_kcr_connect(*ghost, sk);
		if (ret == -ECONNREFUSED)
			goto refused;
		return ret;
	}
	old = override_creds(ur->cred);
	ret = kernel_connect(sk->sk_socket, (struct sockaddr *)&addr,
			     q->peer_addr_len, O_NONBLOCK);
	revert_creds(old);
refused:
	if (ret)
		kcr_log(ctx, "Unix socket %u: cannot connect it to %s%*pE again: %d",
			q->file_ref, bsd ? "" : "@",
			(int)(q->peer_addr_len -
			      offsetof(struct sockaddr_un, sun_path) - 1),
			sun->sun_path + !bsd, ret);
	return ret;
}

/* @end */
/* Restart: a KCR_REC_UNIX_QUEUE, whose header h was read, and its buffers. */
int kcr_rst_unix_queue(struct kcr_ctx *ctx, const struct kcr_hdr *h)
{
	struct kcr_unix_rst *ur, *pur;
	struct kcr_rec_unix_queue q;
	struct sock *sk, *psk = NULL, *dead = NULL, *ghost = NULL;
	bool stream;
	u64 bytes = 0;
	u32 i, len;
	int ret;

	if (h->len != sizeof(q))
		return KCR_BAD(ctx, "Unix socket queue record of %u bytes", h->len);
	ret = kcr_read_rec(ctx, h, &q, sizeof(q));
	if (ret)
		return ret;
	sk = kcr_unix_obj(ctx, q.file_ref, &ur);
	if (!sk || ur->queued ||
/* @until unix-listen-rst */
	    (q.peer != KCR_UNIX_PEER_NONE && q.peer != KCR_UNIX_PEER_FILE &&
	     q.peer != KCR_UNIX_PEER_DEAD) ||
	    (q.peer != KCR_UNIX_PEER_FILE && q.peer_ref) ||
	    q.peer_addr_len || memchr_inv(q.peer_addr, 0, sizeof(q.peer_addr)) ||
	    q.nr_embryos || q.nr_skbs > KCR_UNIX_QUEUE_SKBS ||
/* @end */
/* @unix-listen-rst */
/* @until unix-external */
	    q.peer > KCR_UNIX_PEER_DEAD ||
/* @end */
/* @unix-external */
	    q.peer > KCR_UNIX_PEER_EXTERNAL ||
/* @end */
	    (q.peer != KCR_UNIX_PEER_FILE && q.peer != KCR_UNIX_PEER_EMBRYO &&
	     q.peer_ref) ||
/* @until unix-external */
	    q.peer_addr_len || memchr_inv(q.peer_addr, 0, sizeof(q.peer_addr)) ||
/* @end */
/* @unix-external */
	    (q.peer == KCR_UNIX_PEER_EXTERNAL ?
	     !kcr_unix_addr_ok(q.peer_addr, q.peer_addr_len,
			       sizeof(q.peer_addr)) :
	     q.peer_addr_len || memchr_inv(q.peer_addr, 0,
					   sizeof(q.peer_addr))) ||
/* @end */
	    (ur->rec.state != TCP_LISTEN && q.nr_embryos) ||
	    (ur->rec.state == TCP_LISTEN &&
	     (q.nr_skbs || q.nr_embryos > ur->rec.backlog + 1)) ||
	    q.nr_skbs > KCR_UNIX_QUEUE_SKBS ||
/* @end */
	    q.bytes > KCR_UNIX_QUEUE_BYTES)
		return KCR_BAD(ctx, "Unix socket queue of object %u (peer %u)",
			       q.file_ref, q.peer);
	stream = sk->sk_type != SOCK_DGRAM;
	if (stream && (ur->rec.state == TCP_ESTABLISHED) !=
		      (q.peer != KCR_UNIX_PEER_NONE))
		return KCR_BAD(ctx, "Unix socket %u: state %u with peer %u",
			       q.file_ref, ur->rec.state, q.peer);
	if (q.peer == KCR_UNIX_PEER_FILE) {
		psk = kcr_unix_obj(ctx, q.peer_ref, &pur);
		if (!psk || psk->sk_type != sk->sk_type ||
		    (stream && psk == sk))
			return KCR_BAD(ctx, "Unix socket %u: peer %u", q.file_ref,
				       q.peer_ref);
	}
	/* A stream pair is joined by the first of its two QUEUE records. */
/* @until unix-listen-rst */
	if (stream && unix_peer(sk)) {
/* @end */
/* @unix-listen-rst */
	if (q.peer == KCR_UNIX_PEER_EMBRYO) {
		ret = kcr_rst_unix_client(ctx, &q, sk, ur);
	} else if (stream && unix_peer(sk)) {
/* @end */
		if (unix_peer(sk) != psk)
			return KCR_BAD(ctx, "Unix socket %u and its peer disagree",
				       q.file_ref);
	} else if (q.peer == KCR_UNIX_PEER_FILE) {
		if (stream && (pur->queued || unix_peer(psk)))
			return KCR_BAD(ctx, "Unix socket %u and its peer disagree",
				       q.file_ref);
		ret = unix_kcr_connect(sk, psk);
		if (!ret && stream)
			ret = unix_kcr_connect(psk, sk);
/* @unix-external */
	} else if (q.peer == KCR_UNIX_PEER_EXTERNAL) {
		ret = kcr_rst_unix_external(ctx, &q, sk, ur, &ghost);
		psk = ghost;
/* @end */
	} else if (q.peer == KCR_UNIX_PEER_DEAD) {
		dead = unix_kcr_ghost(sock_net(sk), sk->sk_type);
		if (IS_ERR(dead))
			return PTR_ERR(dead);
		ret = unix_kcr_connect(sk, dead);
		if (!ret && stream)
			ret = unix_kcr_connect(dead, sk);
		psk = dead;
	}
	if (ret)
		kcr_log(ctx, "Unix socket %u: cannot connect it to its peer: %d",
			q.file_ref, ret);
	for (i = 0; i < q.nr_skbs && !ret; i++) {
		ret = kcr_rst_unix_skb(ctx, sk, psk, &ghost, &len);
		bytes += len;
		cond_resched();
	}
	if (!ret && bytes != q.bytes)
		ret = KCR_BAD(ctx, "Unix socket %u: %llu bytes queued, not %llu",
			      q.file_ref, bytes, q.bytes);
/* @unix-listen-rst */
	for (i = 0; i < q.nr_embryos && !ret; i++)
		ret = kcr_rst_unix_embryo(ctx, sk, ur);
/* @end */
	/* Closed since: as it was closed, its peer's state then set again. */
	if (dead)
		unix_kcr_release(dead);
	if (ghost)
		unix_kcr_release(ghost);
	if (ret)
		return ret;
	unix_state_lock(sk);
	if (!stream)
		WRITE_ONCE(sk->sk_state, ur->rec.state);
	WRITE_ONCE(sk->sk_shutdown, ur->rec.shutdown);
	WRITE_ONCE(sk->sk_err, ur->rec.err);
	unix_state_unlock(sk);
	ur->queued = true;
	ctx->nr_unix_unqueued--;
	return 0;
}

/* Restart: at the end of a section's objects, every socket has its queue. */
int kcr_rst_unix_done(struct kcr_ctx *ctx)
{
	if (ctx->nr_unix_unqueued)
		return KCR_BAD(ctx, "%u Unix sockets without their queue record",
			       ctx->nr_unix_unqueued);
/* @unix-listen-rst */
	if (ctx->nr_unix_await)
		return KCR_BAD(ctx, "%u Unix sockets connecting to a listener that lacks them",
			       ctx->nr_unix_await);
/* @end */
	return 0;
}

/* @end */
void kcr_unix_rst_release(struct kcr_ctx *ctx)
{
	unsigned long index;
	struct kcr_unix_rst *ur;

/* @until unix-listen-rst */
	xa_for_each(&ctx->unix_rst, index, ur)
		kfree(ur);
/* @end */
/* @unix-listen-rst */
	xa_for_each(&ctx->unix_rst, index, ur) {
		if (ur->cred)
			put_cred(ur->cred);
		kfree(ur);
	}
/* @end */
	xa_destroy(&ctx->unix_rst);
/* @unix-queue-rst */
	ctx->nr_unix_unqueued = 0;
/* @end */
/* @unix-listen-rst */
	ctx->nr_unix_await = 0;
/* @end */
}
/* @end */
