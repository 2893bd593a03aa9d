/* @file eventfd */
// SPDX-License-Identifier: GPL-2.0
/*
 * In-kernel checkpoint/restart: eventfd files.  A KCR_FILE_EVENTFD file
 * record is followed by a KCR_REC_EVENTFD with the counter and
 * EFD_SEMAPHORE; restart makes a new eventfd with them.  Processes that
 * share the file (fork(), dup()) share the one object, as for any file.
 */
#include <linux/errno.h>
#include <linux/eventfd.h>
#include <linux/file.h>
#include <linux/fs.h>

#include "kcr_int.h"

bool kcr_is_eventfd(struct file *file)
{
	u64 count;
	unsigned int flags;

	return !eventfd_get_state(file, &count, &flags);
}

/* Checkpoint: the state record of an eventfd file, after its FILE record. */
int kcr_write_eventfd(struct kcr_ctx *ctx, struct file *file)
{
	struct kcr_rec_eventfd r = {};
	unsigned int flags;
	int ret;

	ret = eventfd_get_state(file, &r.count, &flags);
	if (ret)
		return ret;
	r.flags = flags & EFD_SEMAPHORE ? KCR_EFD_SEMAPHORE : 0;
	kcr_init_rec(ctx, &r, KCR_REC_EVENTFD, sizeof(r));
	return kcr_write(ctx, &r, sizeof(r));
}

/* Restart: the eventfd of file record f, whose state record comes next. */
struct file *kcr_rst_eventfd(struct kcr_ctx *ctx, const struct kcr_rec_file *f)
{
	struct kcr_rec_eventfd r;
	int ret;

	ret = kcr_read_state(ctx, KCR_REC_EVENTFD, &r, sizeof(r));
	if (ret)
		return ERR_PTR(ret);
	if (r.count == U64_MAX || (r.flags & ~KCR_EFD_SEMAPHORE) || r.__pad)
		return ERR_PTR(KCR_BAD(ctx, "eventfd %u: count %llu flags %#x",
				       f->objid, r.count, r.flags));
	return eventfd_file_create(r.count,
				   r.flags & KCR_EFD_SEMAPHORE ? EFD_SEMAPHORE : 0);
}
