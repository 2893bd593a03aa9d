/* @file signal */
// SPDX-License-Identifier: GPL-2.0
/*
 * In-kernel checkpoint/restart: signal handlers and pending signals.
 */
#include <linux/errno.h>
#include <linux/hrtimer.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/signal.h>
#include <linux/slab.h>

#include "kcr_int.h"

/* A pending signal, copied out of a sigqueue under siglock. */
struct kcr_sig_snap {
	u32 queue;		/* KCR_SIGQ_* */
	kernel_siginfo_t info;
};

/*
 * Copy one queue, in order; a pending signal without a queue entry (the
 * sigqueue allocation failed) gets the siginfo collect_signal() would
 * make up for it.  Returns the number of entries, even beyond max, but
 * stops counting past KCR_SIGPENDING_MAX: this runs with interrupts off,
 * and walks the queue once.
 */
static unsigned int kcr_snap_queue(struct sigpending *pending, u32 queue,
				   struct kcr_sig_snap *out, unsigned int max)
{
	struct sigqueue *q;
	unsigned int n = 0;
	sigset_t queued;
	int sig;

	sigemptyset(&queued);
	list_for_each_entry(q, &pending->list, list) {
		sig = q->info.si_signo;
		if (sig < 1 || sig > _NSIG || !sigismember(&pending->signal, sig))
			continue;
		sigaddset(&queued, sig);
/* @ptimers */
		/* A POSIX timer's own: saved, and queued again, with it. */
		if (q->flags & SIGQUEUE_PREALLOC)
			continue;
/* @end */
		if (n < max) {
			out[n].queue = queue;
			copy_siginfo(&out[n].info, &q->info);
		}
		if (++n > KCR_SIGPENDING_MAX)
			return n;
	}
	for (sig = 1; sig <= _NSIG; sig++) {
		if (!sigismember(&pending->signal, sig) ||
		    sigismember(&queued, sig))
			continue;
		if (n < max) {
			out[n].queue = queue;
			clear_siginfo(&out[n].info);
			out[n].info.si_signo = sig;
			out[n].info.si_code = SI_USER;
		}
		n++;
	}
	return n;
}

/*
 * The signal handlers and the pending signals of process t, or (thread)
 * only the pending signals of thread t's own queue.
 */
int kcr_write_signals(struct kcr_ctx *ctx, struct task_struct *t,
		      bool thread)
{
	struct kcr_sig_snap *snap = NULL;
	struct kcr_rec_sigpending *rp;
	struct kcr_rec_sighand *rh;
	unsigned int n = 0, max = 0, i;
	unsigned long irqflags;
	const char *why = NULL;
	int ret, tries = 0, why_err = -EBUSY;

	rh = kzalloc(sizeof(*rh), GFP_KERNEL_ACCOUNT);
	rp = kzalloc(sizeof(*rp), GFP_KERNEL_ACCOUNT);
	if (!rh || !rp) {
		ret = -ENOMEM;
		goto out;
	}
again:
	if (!lock_task_sighand(t, &irqflags)) {
		ret = -ESRCH;
		goto out;
	}
	for (i = 0; i < _NSIG; i++) {
		const struct k_sigaction *ka = &t->sighand->action[i];

		if (ka->sa.sa_flags & SA_IMMUTABLE)
			why = "a fatal signal is being delivered";
		rh->action[i].handler = (unsigned long)ka->sa.sa_handler;
		rh->action[i].flags = ka->sa.sa_flags & UAPI_SA_FLAGS;
#ifdef __ARCH_HAS_SA_RESTORER
		rh->action[i].restorer = (unsigned long)ka->sa.sa_restorer;
#endif
		rh->action[i].mask = ka->sa.sa_mask.sig[0];
	}
	if (sigismember(&t->pending.signal, SIGKILL) ||
	    sigismember(&t->signal->shared_pending.signal, SIGKILL) ||
	    (t->signal->flags & SIGNAL_GROUP_EXIT))
		why = "SIGKILL pending or exiting";
	else if (sigismember(&t->pending.signal, SIGSTOP) ||
		 sigismember(&t->signal->shared_pending.signal, SIGSTOP))
		why = "SIGSTOP pending (job control is not supported)";
/* @until ptimers */
#ifdef CONFIG_POSIX_TIMERS
	/* Timers are not saved: refuse rather than lose them. */
	if (!hlist_empty(&t->signal->posix_timers)) {
		why = "POSIX timers (not supported yet)";
		why_err = -EOPNOTSUPP;
/* @until itimers */
	} else if (hrtimer_active(&t->signal->real_timer) ||
		   t->signal->it[0].expires || t->signal->it[1].expires) {
		why = "interval timer or alarm() armed (not supported yet)";
		why_err = -EOPNOTSUPP;
/* @end */
	}
#endif
/* @end */
	n = kcr_snap_queue(&t->pending, KCR_SIGQ_TASK, snap, max);
	if (!thread)
		n += kcr_snap_queue(&t->signal->shared_pending, KCR_SIGQ_SHARED,
				    snap ? snap + min(n, max) : NULL,
				    max - min(n, max));
	unlock_task_sighand(t, &irqflags);
	if (why) {
		kcr_log(ctx, "cannot checkpoint signals: %s", why);
		ret = why_err;
		goto out;
	}
	if (n > KCR_SIGPENDING_MAX) {
		kcr_log(ctx, "%u pending signals, more than %u", n,
			KCR_SIGPENDING_MAX);
		ret = -EOPNOTSUPP;
		goto out;
	}
	if (n > max) {
		/* Sized outside siglock; the queues may grow meanwhile. */
		if (++tries > 3) {
			kcr_log(ctx, "signals keep arriving during checkpoint");
			ret = -EBUSY;
			goto out;
		}
		kvfree(snap);
		max = n + 8;
		snap = kvcalloc(max, sizeof(*snap), GFP_KERNEL_ACCOUNT);
		if (!snap) {
			ret = -ENOMEM;
			goto out;
		}
		goto again;
	}

	ret = 0;
	if (!thread) {
		kcr_init_rec(ctx, rh, KCR_REC_SIGHAND, sizeof(*rh));
		rh->objid = ctx->next_objid++;
		rh->nr = _NSIG;
		ret = kcr_write(ctx, rh, sizeof(*rh));
	}
	for (i = 0; i < n && !ret; i++) {
		memset(rp, 0, sizeof(*rp));
		kcr_init_rec(ctx, rp, KCR_REC_SIGPENDING, sizeof(*rp));
		rp->queue = snap[i].queue;
		rp->signo = snap[i].info.si_signo;
		rp->code = snap[i].info.si_code;
		copy_siginfo_to_external((siginfo_t *)rp->siginfo,
					 &snap[i].info);
		ret = kcr_write(ctx, rp, sizeof(*rp));
	}
out:
	kvfree(snap);
	kfree(rp);
	kfree(rh);
	return ret;
}

/* si_code values above 0 that the kernel defines for a signal. */
static int kcr_nr_kernel_codes(int sig)
{
	switch (sig) {
	case SIGILL:	return NSIGILL;
	case SIGFPE:	return NSIGFPE;
	case SIGSEGV:	return NSIGSEGV;
	case SIGBUS:	return NSIGBUS;
	case SIGTRAP:	return NSIGTRAP;
	case SIGCHLD:	return NSIGCHLD;
	case SIGPOLL:	return NSIGPOLL;
	case SIGSYS:	return NSIGSYS;
	}
	return 0;
}

int kcr_rst_sighand(struct kcr_ctx *ctx, struct kcr_rst *rst)
{
	struct kcr_rec_sighand *r = &rst->sighand;
	struct kcr_hdr h;
	int i, ret;

	ret = kcr_expect(ctx, &h, KCR_REC_SIGHAND, sizeof(*r));
	if (!ret)
		ret = kcr_read_rec(ctx, &h, r, sizeof(*r));
	if (ret)
		return ret;
	if (!r->objid || r->nr != _NSIG)
		return KCR_BAD(ctx, "signal handler record with %u signals",
			       r->nr);
	for (i = 0; i < _NSIG; i++) {
		const struct kcr_sigaction *a = &r->action[i];
		int sig = i + 1;

		if (sig_kernel_only(sig)) {
			if (a->handler || a->flags || a->restorer || a->mask)
				return KCR_BAD(ctx, "action for signal %d", sig);
			continue;
		}
		/* SIG_DFL, SIG_IGN or a user address; known SA_* bits. */
		if (a->handler >= TASK_SIZE ||
		    (a->flags & ~(u64)UAPI_SA_FLAGS) ||
		    a->restorer >= TASK_SIZE)
			return KCR_BAD(ctx, "action for signal %d: handler %#llx flags %#llx",
				       sig, a->handler, a->flags);
	}
	return 0;
}

struct kcr_rst_sig {
	struct list_head list;
	u32 queue;
	kernel_siginfo_t info;
};

/*
 * One pending signal, added to list; h is its header, already read.  A
 * thread's own records (thread) may only name its own queue.
 */
int kcr_rst_sigpending(struct kcr_ctx *ctx, struct kcr_rst *rst,
		       const struct kcr_hdr *h, struct list_head *list,
		       sigset_t *legacy, bool thread)
{
	struct kcr_rec_sigpending r;
	struct kcr_rst_sig *s;
	int ret, sig, code;

	if (h->len != sizeof(r))
		return KCR_BAD(ctx, "pending signal record of length %u",
			       h->len);
	ret = kcr_read_rec(ctx, h, &r, sizeof(r));
	if (ret)
		return ret;
	if (++rst->nr_sigs > KCR_SIGPENDING_MAX)
		return KCR_BAD(ctx, "more than %u pending signals",
			       KCR_SIGPENDING_MAX);
	sig = r.signo;
	code = r.code;
	if (r.queue > (thread ? KCR_SIGQ_TASK : KCR_SIGQ_SHARED) || r.__pad ||
	    sig < 1 || sig > _NSIG || sig_kernel_only(sig))
		return KCR_BAD(ctx, "pending signal %d (queue %u)", sig,
			       r.queue);

	s = kzalloc(sizeof(*s), GFP_KERNEL_ACCOUNT);
	if (!s)
		return -ENOMEM;
	list_add_tail(&s->list, list);
	s->queue = r.queue;
	/* siginfo_t starts with a kernel_siginfo_t; the rest is zero. */
	memcpy(&s->info, r.siginfo, sizeof(s->info));
	if (s->info.si_signo != sig || s->info.si_code != code ||
	    memchr_inv(r.siginfo + sizeof(s->info), 0,
		       sizeof(r.siginfo) - sizeof(s->info)))
		return KCR_BAD(ctx, "siginfo of pending signal %d", sig);
	/*
	 * User-origin codes (<= 0) are what rt_tgsigqueueinfo() lets a task
	 * queue to itself; kernel-origin codes must be ones the kernel
	 * defines for the signal.
	 */
	if (code > 0 && code != SI_KERNEL && code > kcr_nr_kernel_codes(sig))
		return KCR_BAD(ctx, "si_code %d of pending signal %d", code,
			       sig);
	/* A standard signal is queued once per queue, or is lost. */
	if (sig < SIGRTMIN) {
		int bit = sig + (r.queue == KCR_SIGQ_SHARED ? 0 : 32);

		if (sigismember(legacy, bit))
			return KCR_BAD(ctx, "signal %d pending twice", sig);
		sigaddset(legacy, bit);
	}
	return 0;
}

void kcr_rst_free_sigs(struct list_head *sigs)
{
	struct kcr_rst_sig *s, *tmp;

	list_for_each_entry_safe(s, tmp, sigs, list) {
		list_del(&s->list);
		kfree(s);
	}
}

/* Queue the signals of list to t (current or a created thread). */
static int kcr_queue_sigs(struct kcr_ctx *ctx, struct list_head *list,
			  struct task_struct *t)
{
	struct kcr_rst_sig *s;
	int ret;

	list_for_each_entry(s, list, list) {
		ret = do_send_sig_info(s->info.si_signo, &s->info, t,
				       s->queue == KCR_SIGQ_SHARED ?
				       PIDTYPE_TGID : PIDTYPE_PID);
		if (ret) {
			kcr_log(ctx, "cannot queue signal %d: %d",
				s->info.si_signo, ret);
			return ret;
		}
	}
	return 0;
}

/*
 * Signal handlers, the alternate stack and mask, then the other threads
 * (sharing the handlers), then the pending signals of all of them.
 */
int kcr_apply_signals(struct kcr_ctx *ctx, struct kcr_rst *rst)
{
	const struct kcr_rec_task *t = &rst->task;
	sigset_t blocked;
/* @threads */
	u32 n;
/* @end */
	int i, ret;

	for (i = 0; i < _NSIG; i++) {
		const struct kcr_sigaction *a = &rst->sighand.action[i];
		struct k_sigaction ka = {};

		if (sig_kernel_only(i + 1))
			continue;
		ka.sa.sa_handler = (__sighandler_t)(unsigned long)a->handler;
		ka.sa.sa_flags = a->flags;
#ifdef __ARCH_HAS_SA_RESTORER
		ka.sa.sa_restorer = (__sigrestore_t)(unsigned long)a->restorer;
#endif
		ka.sa.sa_mask.sig[0] = a->mask;
		ret = do_sigaction(i + 1, &ka, NULL);
		if (ret) {
			kcr_log(ctx, "cannot set the action of signal %d: %d",
				i + 1, ret);
			return ret;
		}
	}
	current->sas_ss_sp = t->sas_ss_sp;
	current->sas_ss_size = t->sas_ss_size;
	current->sas_ss_flags = t->sas_ss_size ? t->sas_ss_flags : SS_DISABLE;

	blocked.sig[0] = t->sigblocked;
	sigdelsetmask(&blocked, sigmask(SIGKILL) | sigmask(SIGSTOP));
	set_current_blocked(&blocked);

	/*
	 * The caller's own pending signals are not the image's: drop them,
	 * unless SIGKILL is among them and the caller is dying anyway.
	 */
	spin_lock_irq(&current->sighand->siglock);
	if (!fatal_signal_pending(current)) {
		flush_sigqueue(&current->pending);
		flush_sigqueue(&current->signal->shared_pending);
		recalc_sigpending();
	}
	spin_unlock_irq(&current->sighand->siglock);

/* @threads */
	/* copy_process() refuses a caller with a signal pending: now. */
	ret = kcr_make_threads(ctx, rst);
	if (ret)
		return ret;
/* @end */

	/* Queued last: handlers and the masks decide what is kept. */
	ret = kcr_queue_sigs(ctx, &rst->sigs, current);
/* @threads */
	for (n = 0; n < rst->nr_threads && !ret; n++)
		ret = kcr_queue_sigs(ctx, &rst->threads[n].sigs,
				     rst->threads[n].p);
/* @end */
	/* Stopped again on the way out, as job control stopped it. */
	if (!ret && (rst->task.flags & KCR_TASK_STOPPED))
		ret = send_sig(SIGSTOP, current, 1);
	return ret;
}
