/* @file itimers */
// SPDX-License-Identifier: GPL-2.0
/*
 * In-kernel checkpoint/restart: the interval timers of a process
 * (setitimer(2), alarm()).  checkpoint saves what getitimer() shows; the
 * time left stays relative: restart arms each timer for the time it had
 * left, counted from the end of the restart.
 */
#include <linux/errno.h>
#include <linux/hrtimer.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/time.h>

#include "kcr_int.h"

/*
 * An interval ITIMER_REAL whose SIGALRM waits to be dequeued, which rearms
 * it, reads as disarmed: its time left is that to its next period.
 */
static s64 kcr_real_timer_left(struct task_struct *t)
{
	struct hrtimer *timer = &t->signal->real_timer;
	s64 left = 0, incr;
	ktime_t late;

	spin_lock_irq(&t->sighand->siglock);
	incr = ktime_to_ns(t->signal->it_real_incr);
	if (incr > 0 && !hrtimer_active(timer)) {
		late = ktime_sub(hrtimer_cb_get_time(timer),
				 hrtimer_get_expires(timer));
		left = late < 0 ? -ktime_to_ns(late) :
		       incr - ktime_to_ns(late) % incr;
	}
	spin_unlock_irq(&t->sighand->siglock);
	return left;
}

/* Checkpoint: the ITIMERS record of process t, if one of them is armed. */
int kcr_write_itimers(struct kcr_ctx *ctx, struct task_struct *t)
{
	struct kcr_rec_itimers r = {};
	struct itimerspec64 v;
	bool armed = false;
	int i, ret;

	for (i = 0; i < ARRAY_SIZE(r.it); i++) {
		ret = do_getitimer_task(t, i, &v);
		if (ret)
			return ret;
		r.it[i].value_ns = timespec64_to_ns(&v.it_value);
		r.it[i].interval_ns = timespec64_to_ns(&v.it_interval);
		if (i == ITIMER_REAL && !r.it[i].value_ns)
			r.it[i].value_ns = kcr_real_timer_left(t);
		armed |= r.it[i].value_ns != 0;
	}
	if (!armed)
		return 0;
	kcr_init_rec(ctx, &r, KCR_REC_ITIMERS, sizeof(r));
	return kcr_write(ctx, &r, sizeof(r));
}

/* Restart: the ITIMERS record (header h). */
int kcr_rst_itimers(struct kcr_ctx *ctx, struct kcr_rst *rst,
		    const struct kcr_hdr *h)
{
	struct kcr_rec_itimers *r = &rst->itimers;
	int i, ret;

	if (h->len != sizeof(*r))
		return KCR_BAD(ctx, "interval timers record of length %u",
			       h->len);
	ret = kcr_read_rec(ctx, h, r, sizeof(*r));
	if (ret)
		return ret;
	for (i = 0; i < ARRAY_SIZE(r->it); i++)
		if (r->it[i].value_ns < 0 || r->it[i].interval_ns < 0)
			return KCR_BAD(ctx, "interval timer %d: value %lld interval %lld",
				       i, r->it[i].value_ns,
				       r->it[i].interval_ns);
	return 0;
}

/* Restart, last: arm the timers that were armed, as setitimer() would. */
int kcr_apply_itimers(struct kcr_ctx *ctx, struct kcr_rst *rst)
{
	int i, ret;

	for (i = 0; i < ARRAY_SIZE(rst->itimers.it); i++) {
		const struct kcr_itimer *it = &rst->itimers.it[i];
		struct itimerspec64 v = {
			.it_value = ns_to_timespec64(it->value_ns),
			.it_interval = ns_to_timespec64(it->interval_ns),
		};

		if (!it->value_ns)
			continue;
		ret = do_setitimer(i, &v, NULL);
		if (ret) {
			kcr_log(ctx, "cannot arm interval timer %d: %d", i, ret);
			return ret;
		}
	}
	return 0;
}
