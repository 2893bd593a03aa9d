/* @file fown */
// SPDX-License-Identifier: GPL-2.0
/*
 * In-kernel checkpoint/restart: signal-driven I/O.  checkpoint saves,
 * after a process's fd table, for each open file of it with O_ASYNC or
 * an owner (F_SETOWN, F_SETOWN_EX, F_SETSIG), the flag, the owner and
 * the signal; restart sets them again once the process has its fd table
 * and its credentials, as fcntl() would.
 */
#include <linux/errno.h>
#include <linux/fcntl.h>
#include <linux/fs.h>
#include <linux/pid.h>
#include <linux/sched.h>
#include <linux/signal.h>
#include <linux/slab.h>

#include "kcr_int.h"

static u32 kcr_owner_type(enum pid_type type)
{
	return type == PIDTYPE_PID ? F_OWNER_TID :
	       type == PIDTYPE_PGID ? F_OWNER_PGRP : F_OWNER_PID;
}

/* The FOWN record of file, if it has O_ASYNC or an owner; 0 if not. */
static bool kcr_fown_get(struct file *file, struct kcr_rec_fown *r)
{
	struct fown_struct *fown = file_f_owner(file);

	memset(r, 0, sizeof(*r));
	if (file->f_flags & FASYNC)
		r->flags |= KCR_FOWN_ASYNC;
	if (fown) {
		read_lock_irq(&fown->lock);
		r->pid = pid_vnr(fown->pid);
		r->type = r->pid ? kcr_owner_type(fown->pid_type) : 0;
		r->signum = fown->signum;
		read_unlock_irq(&fown->lock);
	}
	return r->flags || r->pid || r->signum;
}

/* Checkpoint: the FOWN records of the process whose fd table is fs. */
int kcr_write_fown(struct kcr_ctx *ctx, struct kcr_files_snap *fs)
{
	struct kcr_rec_fown r;
	unsigned int i, j;
	int ret = 0;

	for (i = 0; i < fs->nr && !ret; i++) {
		struct file *file = fs->fds[i].file;

		if (!kcr_fown_get(file, &r))
			continue;
		/* Once a file: at its lowest descriptor. */
		for (j = 0; j < i && fs->fds[j].file != file; j++)
			;
		if (j < i)
			continue;
		kcr_init_rec(ctx, &r, KCR_REC_FOWN, sizeof(r));
		r.file_ref = kcr_obj_find_key(ctx, file)->id;
		ret = kcr_write(ctx, &r, sizeof(r));
	}
	return ret;
}

/* Restart: one FOWN record (header h), on a file of the fd table. */
int kcr_rst_fown(struct kcr_ctx *ctx, struct kcr_rst *rst,
		 const struct kcr_hdr *h)
{
	struct kcr_rst_fown *f;
	struct kcr_rec_fown r;
	struct kcr_obj *obj;
	u32 i, fd;
	int ret;

	if (h->len != sizeof(r))
		return KCR_BAD(ctx, "file owner record of length %u", h->len);
	ret = kcr_read_rec(ctx, h, &r, sizeof(r));
	if (ret)
		return ret;
	if ((r.flags & ~KCR_FOWN_ASYNC) || r.__pad || r.pid < 0 ||
	    r.type > F_OWNER_PGRP || (!r.pid && r.type) ||
	    !valid_signal(r.signum) || (!r.flags && !r.pid && !r.signum))
		return KCR_BAD(ctx, "file owner: flags %#x, owner %d of type %u, signal %d",
			       r.flags, r.pid, r.type, r.signum);
	if (rst->nr_fowns >= rst->nr_fds)
		return KCR_BAD(ctx, "more file owner records than descriptors");
	obj = kcr_obj_find_id(ctx, r.file_ref, KCR_REC_FILE);
	for (fd = 0; obj && fd < rst->nr_fds; fd++)
		if (rst->fds[fd].file == obj->file)
			break;
	if (!obj || fd == rst->nr_fds)
		return KCR_BAD(ctx, "file owner of file object %u, open at no fd",
			       r.file_ref);
	for (i = 0; i < rst->nr_fowns; i++)
		if (rst->fowns[i].file == obj->file)
			return KCR_BAD(ctx, "second file owner record of file object %u",
				       r.file_ref);
	if (!rst->fowns) {
		rst->fowns = kvcalloc(rst->nr_fds, sizeof(*rst->fowns),
				      GFP_KERNEL_ACCOUNT);
		if (!rst->fowns)
			return -ENOMEM;
	}
	f = &rst->fowns[rst->nr_fowns++];
	f->file = obj->file;
	f->fd = rst->fds[fd].fd;	/* the lowest: fds ascend */
	f->rec = r;
	return 0;
}

/*
 * The owner of f as a struct pid (a reference), or NULL when no process
 * has its id here (one outside the image, restarted in another pid
 * namespace): then SIGIO goes nowhere, as when an owner exits.
 */
static struct pid *kcr_fown_pid(struct kcr_ctx *ctx, struct kcr_rst *rst,
				const struct kcr_rst_fown *f)
{
	pid_t nr = f->rec.pid;
	struct pid *pid;

	/* The process's own id names the caller, under a pid of its own. */
	if (f->rec.type != F_OWNER_PGRP && nr == rst->task.pid)
		return get_pid(task_pid(current));
	rcu_read_lock();
	pid = get_pid(find_vpid(nr));
	rcu_read_unlock();
	if (!pid)
		kcr_log(ctx, "fd %u (%pD): its owner %d is not here: no owner",
			f->fd, f->file, nr);
	return pid;
}

/*
 * Restart, after the fd table and the credentials (which F_SETOWN
 * records for the permission check of each signal): owners, signals,
 * then O_ASYNC, as fcntl(F_SETOWN_EX), fcntl(F_SETSIG) and
 * fcntl(F_SETFL) would.
 */
int kcr_apply_fown(struct kcr_ctx *ctx, struct kcr_rst *rst)
{
	static const enum pid_type types[] = {
		[F_OWNER_TID] = PIDTYPE_PID,
		[F_OWNER_PID] = PIDTYPE_TGID,
		[F_OWNER_PGRP] = PIDTYPE_PGID,
	};
	u32 i;
	int ret = 0;

	for (i = 0; i < rst->nr_fowns && !ret; i++) {
		const struct kcr_rst_fown *f = &rst->fowns[i];
		struct file *file = f->file;
		struct pid *pid = NULL;

		ret = file_f_owner_allocate(file);
		if (ret)
			break;
		if (f->rec.pid)
			pid = kcr_fown_pid(ctx, rst, f);
		__f_setown(file, pid, types[f->rec.type], 1);
		put_pid(pid);
		file_f_owner(file)->signum = f->rec.signum;
		if (!(f->rec.flags & KCR_FOWN_ASYNC) || (file->f_flags & FASYNC))
			continue;
		if (file->f_op->fasync) {
			ret = file->f_op->fasync(f->fd, file, 1);
			if (ret < 0) {
				kcr_log(ctx, "fd %u (%pD): cannot set O_ASYNC: %d",
					f->fd, file, ret);
				break;
			}
			ret = 0;
		}
		spin_lock(&file->f_lock);
		file->f_flags |= FASYNC;
		spin_unlock(&file->f_lock);
	}
	return ret;
}
