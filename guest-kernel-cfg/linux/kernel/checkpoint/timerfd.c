/* @file timerfd */
// SPDX-License-Identifier: GPL-2.0
/*
 * In-kernel checkpoint/restart: timerfd files.  A KCR_FILE_TIMERFD file
 * record is followed by a KCR_REC_TIMERFD with its clock, settime flags,
 * time left, interval and the expirations not read; restart makes a new
 * timerfd armed for the time left from now, or at the absolute expiry of
 * an absolute CLOCK_REALTIME timer.
 */
#include <linux/errno.h>
#include <linux/fs.h>
#include <linux/time.h>

#include "kcr_int.h"

/* A timerfd file; *why is set if it is one of a clock that is not saved. */
bool kcr_is_timerfd(struct file *file, const char **why)
{
	struct kcr_rec_timerfd r;
	int ret = timerfd_get_state(file, &r);

	if (ret == -EOPNOTSUPP)
		*why = "timerfd of an alarm clock (not supported)";
	return ret != -EINVAL;
}

/* Checkpoint: the state record of a timerfd, after its FILE record. */
int kcr_write_timerfd(struct kcr_ctx *ctx, struct file *file)
{
	struct kcr_rec_timerfd r = {};
	int ret;

	ret = timerfd_get_state(file, &r);
	if (ret)
		return ret;
	kcr_init_rec(ctx, &r, KCR_REC_TIMERFD, sizeof(r));
	return kcr_write(ctx, &r, sizeof(r));
}

/* Restart: the timerfd of file record f, whose state record comes next. */
struct file *kcr_rst_timerfd(struct kcr_ctx *ctx, const struct kcr_rec_file *f)
{
	struct kcr_rec_timerfd r;
	int ret;

	ret = kcr_read_state(ctx, KCR_REC_TIMERFD, &r, sizeof(r));
	if (ret)
		return ERR_PTR(ret);
	if ((r.clockid != CLOCK_REALTIME && r.clockid != CLOCK_MONOTONIC &&
	     r.clockid != CLOCK_BOOTTIME) ||
	    (r.flags & ~(KCR_TFD_ABSTIME | KCR_TFD_CANCEL_ON_SET)) ||
	    ((r.flags & KCR_TFD_CANCEL_ON_SET) &&
	     (!(r.flags & KCR_TFD_ABSTIME) || r.clockid != CLOCK_REALTIME)) ||
	    r.value_ns < 0 || r.interval_ns < 0)
		return ERR_PTR(KCR_BAD(ctx,
				       "timerfd %u: clock %u flags %#x value %lld interval %lld",
				       f->objid, r.clockid, r.flags,
				       r.value_ns, r.interval_ns));
	return timerfd_file_create(&r);
}
