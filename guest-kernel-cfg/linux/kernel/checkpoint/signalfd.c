/* @file signalfd */
// SPDX-License-Identifier: GPL-2.0
/*
 * In-kernel checkpoint/restart: signalfd files.  A KCR_FILE_SIGNALFD file
 * record is followed by a KCR_REC_SIGNALFD with the signals it accepts;
 * restart makes a new signalfd for them.  The signals it would read are
 * the reader's pending signals, saved and restored with the reader.
 */
#include <linux/errno.h>
#include <linux/fs.h>
#include <linux/signal.h>

#include "kcr_int.h"

bool kcr_is_signalfd(struct file *file)
{
	u64 mask;

	return !signalfd_get_mask(file, &mask);
}

/* Checkpoint: the state record of a signalfd, after its FILE record. */
int kcr_write_signalfd(struct kcr_ctx *ctx, struct file *file)
{
	struct kcr_rec_signalfd r = {};
	int ret;

	ret = signalfd_get_mask(file, &r.mask);
	if (ret)
		return ret;
	r.mask &= ~(sigmask(SIGKILL) | sigmask(SIGSTOP));
	kcr_init_rec(ctx, &r, KCR_REC_SIGNALFD, sizeof(r));
	return kcr_write(ctx, &r, sizeof(r));
}

/* Restart: the signalfd of file record f, whose state record comes next. */
struct file *kcr_rst_signalfd(struct kcr_ctx *ctx,
			      const struct kcr_rec_file *f)
{
	struct kcr_rec_signalfd r;
	int ret;

	ret = kcr_read_state(ctx, KCR_REC_SIGNALFD, &r, sizeof(r));
	if (ret)
		return ERR_PTR(ret);
	if (r.mask & (sigmask(SIGKILL) | sigmask(SIGSTOP)))
		return ERR_PTR(KCR_BAD(ctx, "signalfd %u: mask %#llx has SIGKILL or SIGSTOP",
				       f->objid, r.mask));
	return signalfd_file_create(r.mask);
}
