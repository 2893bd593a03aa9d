/* @file ptimers */
// SPDX-License-Identifier: GPL-2.0
/*
 * In-kernel checkpoint/restart: the POSIX timers of a process
 * (timer_create(2)).  checkpoint saves each timer's id, clock, sigevent,
 * time left, interval and overrun counts, and whether its signal is
 * queued.
/* @ptimers-rst */
 * restart makes each timer again with its id, arms it for the time it
 * had left counted from the end of the restart (an absolute
 * CLOCK_REALTIME timer for the same wall-clock time), and queues its
 * signal again if it was queued.
/* @end */
 */
#include <linux/errno.h>
#include <linux/posix-timers.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/sort.h>

#include "kcr_int.h"

/* The timers of process t, frozen, into a new array; NULL if none. */
static struct k_itimer **kcr_ptimers_list(struct task_struct *t, u32 *nr)
{
	struct k_itimer **v, *timr;
	u32 n = 0, max;

again:
	max = n;
	v = max ? kcalloc(max, sizeof(*v), GFP_KERNEL_ACCOUNT) : NULL;
	if (max && !v)
		return ERR_PTR(-ENOMEM);
	n = 0;
	spin_lock_irq(&t->sighand->siglock);
	hlist_for_each_entry(timr, &t->signal->posix_timers, list) {
		if (n < max)
			v[n] = timr;
		if (++n > KCR_PTIMERS_MAX)
			break;
	}
	spin_unlock_irq(&t->sighand->siglock);
	if (n > max && n <= KCR_PTIMERS_MAX) {
		kfree(v);
		goto again;
	}
	*nr = n;
	return v;
}

/* Refuse what is not saved before anything is written. */
int kcr_check_ptimers(struct kcr_ctx *ctx, struct task_struct *t)
{
	struct k_itimer *timr;
	u32 n = 0;
	int ret = 0;

	spin_lock_irq(&t->sighand->siglock);
	hlist_for_each_entry(timr, &t->signal->posix_timers, list) {
		if (!kcr_ptimer_clock_ok(timr->it_clock)) {
			kcr_log(ctx,
				"POSIX timer %d on clock %d (CPU-time and alarm clocks: not supported)",
				timr->it_id, timr->it_clock);
			ret = -EOPNOTSUPP;
			break;
		}
		if (++n > KCR_PTIMERS_MAX) {
			kcr_log(ctx, "more than %u POSIX timers (not supported)",
				KCR_PTIMERS_MAX);
			ret = -EOPNOTSUPP;
			break;
		}
	}
	spin_unlock_irq(&t->sighand->siglock);
	return ret;
}

static int kcr_cmp_ptimer(const void *a, const void *b)
{
	const struct kcr_rec_ptimer *x = a, *y = b;

	return x->id < y->id ? -1 : x->id > y->id;
}

/* Checkpoint: the PTIMERS record of process t and its timers. */
int kcr_write_ptimers(struct kcr_ctx *ctx, struct task_struct *t)
{
	struct kcr_rec_ptimers rs = {};
	struct kcr_rec_ptimer *r = NULL;
	struct k_itimer **v;
	u32 n = 0, i;
	int ret = 0;

	v = kcr_ptimers_list(t, &n);
	if (IS_ERR(v))
		return PTR_ERR(v);
	rs.next_id = READ_ONCE(t->signal->next_posix_timer_id);
	if (!n && !rs.next_id)
		goto out;
	if (n > KCR_PTIMERS_MAX) {
		kcr_log(ctx, "more than %u POSIX timers (not supported)",
			KCR_PTIMERS_MAX);
		ret = -EOPNOTSUPP;
		goto out;
	}
	if (n) {
		r = kvcalloc(n, sizeof(*r), GFP_KERNEL_ACCOUNT);
		if (!r) {
			ret = -ENOMEM;
			goto out;
		}
	}
	for (i = 0; i < n; i++) {
		ret = kcr_ptimer_get(v[i], &r[i]);
		if (ret) {
			kcr_log(ctx,
				"POSIX timer %d on clock %d (CPU-time and alarm clocks: not supported)",
				v[i]->it_id, v[i]->it_clock);
			goto out;
		}
		if ((r[i].notify & SIGEV_THREAD_ID) && r[i].tid <= 0) {
			kcr_log(ctx,
				"POSIX timer %d signals a thread that has exited (not supported)",
				r[i].id);
			ret = -EOPNOTSUPP;
			goto out;
		}
	}
	sort(r, n, sizeof(*r), kcr_cmp_ptimer, NULL);
	rs.nr = n;
	kcr_init_rec(ctx, &rs, KCR_REC_PTIMERS, sizeof(rs));
	ret = kcr_write(ctx, &rs, sizeof(rs));
	for (i = 0; i < n && !ret; i++) {
		kcr_init_rec(ctx, &r[i], KCR_REC_PTIMER, sizeof(r[i]));
		ret = kcr_write(ctx, &r[i], sizeof(r[i]));
	}
out:
	kvfree(r);
	kfree(v);
	return ret;
}

/* @ptimers-rst */
static bool kcr_ptimer_notify_ok(s32 notify)
{
	return notify == SIGEV_SIGNAL || notify == SIGEV_NONE ||
	       notify == SIGEV_THREAD ||
	       notify == (SIGEV_SIGNAL | SIGEV_THREAD_ID);
}

/* Check one PTIMER record; prev is the id of the one before, or -1. */
static int kcr_check_ptimer(struct kcr_ctx *ctx,
			    const struct kcr_rec_ptimer *r, s32 prev)
{
	bool none = r->notify == SIGEV_NONE;
	u32 f = r->flags;

	if (r->id < 0 || r->id <= prev)
		return KCR_BAD(ctx, "POSIX timer id %d after %d", r->id, prev);
	if (!kcr_ptimer_clock_ok(r->clock) || !kcr_ptimer_notify_ok(r->notify))
		return KCR_BAD(ctx, "POSIX timer %d: clock %d, sigev_notify %d",
			       r->id, r->clock, r->notify);
	if ((!none && (r->signo < 1 || r->signo > KCR_NSIG)) ||
	    (r->notify & SIGEV_THREAD_ID ? r->tid <= 0 : r->tid != 0))
		return KCR_BAD(ctx, "POSIX timer %d: signal %d, thread %d",
			       r->id, r->signo, r->tid);
	if ((f & ~KCR_PTIMER_FLAGS) || r->__pad || r->value_ns < 0 ||
	    r->interval_ns < 0 || r->overrun < -1 || r->overrun_last < 0 ||
	    r->sig_overrun < 0 ||
	    (r->sig_overrun && !(f & KCR_PTIMER_PENDING)) ||
	    ((f & KCR_PTIMER_ABS) &&
	     (r->clock != CLOCK_REALTIME || !r->value_ns)) ||
	    ((f & KCR_PTIMER_ACTIVE) && (none || !r->value_ns)) ||
	    ((f & KCR_PTIMER_PENDING) && none))
		return KCR_BAD(ctx,
			       "POSIX timer %d: flags %#x, value %lld, interval %lld, overrun %lld/%lld/%d",
			       r->id, f, r->value_ns, r->interval_ns,
			       r->overrun, r->overrun_last, r->sig_overrun);
	return 0;
}

/* Restart: the PTIMERS record (header h) and its timers. */
int kcr_rst_ptimers(struct kcr_ctx *ctx, struct kcr_rst *rst,
		    const struct kcr_hdr *h)
{
	struct kcr_rec_ptimers rs;
	struct kcr_hdr ph;
	s32 prev = -1;
	u32 i;
	int ret;

	if (h->len != sizeof(rs))
		return KCR_BAD(ctx, "POSIX timers record of length %u", h->len);
	ret = kcr_read_rec(ctx, h, &rs, sizeof(rs));
	if (ret)
		return ret;
	if (rs.nr > KCR_PTIMERS_MAX || rs.next_id < 0)
		return KCR_BAD(ctx, "%u POSIX timers, next id %d", rs.nr,
			       rs.next_id);
	rst->ptimers_next_id = rs.next_id;
	rst->has_ptimers = true;
	if (!rs.nr)
		return 0;
	rst->ptimers = kvcalloc(rs.nr, sizeof(*rst->ptimers),
				GFP_KERNEL_ACCOUNT);
	if (!rst->ptimers)
		return -ENOMEM;
	for (i = 0; i < rs.nr; i++) {
		struct kcr_rec_ptimer *r = &rst->ptimers[i];

		ret = kcr_read_hdr(ctx, &ph);
		if (ret)
			return ret;
		if (ph.type != KCR_REC_PTIMER || ph.len != sizeof(*r))
			return KCR_BAD(ctx,
				       "record %u (length %u) where POSIX timer %u of %u belongs",
				       ph.type, ph.len, i, rs.nr);
		ret = kcr_read_rec(ctx, &ph, r, sizeof(*r));
		if (!ret)
			ret = kcr_check_ptimer(ctx, r, prev);
		if (ret)
			return ret;
		prev = r->id;
		rst->nr_ptimers++;
	}
	return 0;
}

/*
 * Restart, last (after the threads that SIGEV_THREAD_ID may name, and
 * the pending signals): make the timers and arm them.
 */
int kcr_apply_ptimers(struct kcr_ctx *ctx, struct kcr_rst *rst)
{
	u32 i;
	int ret;

	if (!rst->has_ptimers)
		return 0;
	if (!hlist_empty(&current->signal->posix_timers)) {
		kcr_log(ctx, "the restarting process has POSIX timers of its own");
		return -EBUSY;
	}
	for (i = 0; i < rst->nr_ptimers; i++) {
		struct kcr_rec_ptimer r = rst->ptimers[i];

		/* The caller is the process, under a pid of its own. */
		if (r.tid && r.tid == rst->task.pid)
			r.tid = task_pid_vnr(current);
		ret = kcr_ptimer_restore(&r);
		if (ret) {
			kcr_log(ctx,
				"cannot make POSIX timer %d (clock %d, sigev_notify %d, signal %d, thread %d): %d",
				rst->ptimers[i].id, rst->ptimers[i].clock,
				rst->ptimers[i].notify, rst->ptimers[i].signo,
				rst->ptimers[i].tid, ret);
			return ret;
		}
	}
	/* Only this process makes timers, and its other threads wait. */
	WRITE_ONCE(current->signal->next_posix_timer_id, rst->ptimers_next_id);
	return 0;
}
/* @end */
