/* @file locks */
// SPDX-License-Identifier: GPL-2.0
/*
 * In-kernel checkpoint/restart: file locks.  checkpoint saves, after a
 * process's fd table, the POSIX record locks it owns (fcntl(F_SETLK)),
 * and the flock() and open file description (F_OFD_SETLK) locks of the
 * open files in its table, which belong to the open file; restart takes
 * each again, without waiting, on the restored open file, once the fd
 * table is in place.  Leases are refused.
 */
#include <linux/errno.h>
#include <linux/fcntl.h>
#include <linux/filelock.h>
#include <linux/fs.h>
#include <linux/security.h>
#include <linux/slab.h>

#include "kcr_int.h"

struct kcr_lock_snap {
	struct file_lock_core *flc;	/* identity only, not dereferenced */
	struct file *file;		/* the open file it is saved on */
	u32 kind, type;
	loff_t start, end;
};

/* Does the task hold a lease on the file?  Leases are not saved. */
bool kcr_file_leased(struct file *file)
{
	struct file_lock_context *flctx;
	struct file_lock_core *flc;
	bool found = false;

	flctx = locks_inode_context(file_inode(file));
	if (!flctx)
		return false;
	spin_lock(&flctx->flc_lock);
	list_for_each_entry(flc, &flctx->flc_lease, flc_list)
		found |= flc->flc_owner == file;
	spin_unlock(&flctx->flc_lock);
	return found;
}

static int kcr_lock_add(struct kcr_lock_snap *v, u32 *n,
			struct file_lock_core *flc, struct file *file, u32 kind)
{
	struct file_lock *fl = container_of(flc, struct file_lock, c);
	u32 i;

	for (i = 0; i < *n; i++)
		if (v[i].flc == flc)
			return 0;
	if (*n >= KCR_LOCKS_MAX)
		return -E2BIG;
	v[*n] = (struct kcr_lock_snap){
		.flc = flc,
		.file = file,
		.kind = kind,
		.type = flc->flc_type,
		.start = kind == KCR_LOCK_FLOCK ? 0 : fl->fl_start,
		.end = kind == KCR_LOCK_FLOCK ? OFFSET_MAX : fl->fl_end,
	};
	(*n)++;
	return 0;
}

/* The locks of file that the process (fd table files) holds, into v. */
static int kcr_snap_locks(struct file *file, const void *files,
			  struct kcr_lock_snap *v, u32 *n)
{
	struct file_lock_context *flctx;
	struct file_lock_core *flc;
	int ret = 0;

	flctx = locks_inode_context(file_inode(file));
	if (!flctx)
		return 0;
	spin_lock(&flctx->flc_lock);
	list_for_each_entry(flc, &flctx->flc_posix, flc_list) {
		if (flc->flc_flags & FL_OFDLCK) {
			if (flc->flc_owner == file)
				ret = kcr_lock_add(v, n, flc, file, KCR_LOCK_OFD);
		} else if (flc->flc_owner == files && flc->flc_file == file) {
			ret = kcr_lock_add(v, n, flc, file, KCR_LOCK_POSIX);
		}
		if (ret)
			break;
	}
	list_for_each_entry(flc, &flctx->flc_flock, flc_list) {
		if (!ret && flc->flc_owner == file)
			ret = kcr_lock_add(v, n, flc, file, KCR_LOCK_FLOCK);
	}
	spin_unlock(&flctx->flc_lock);
	return ret;
}

/* Checkpoint: the LOCK records of the process whose fd table is fs. */
int kcr_write_locks(struct kcr_ctx *ctx, struct kcr_files_snap *fs)
{
	struct kcr_lock_snap *v = NULL;
	struct kcr_rec_lock r;
	unsigned int i;
	u32 n = 0;
	int ret = 0;

	for (i = 0; i < fs->nr && !ret; i++) {
		struct file *file = fs->fds[i].file;

		if (!locks_inode_context(file_inode(file)))
			continue;
		if (!v) {
			v = kvcalloc(KCR_LOCKS_MAX, sizeof(*v),
				     GFP_KERNEL_ACCOUNT);
			if (!v)
				return -ENOMEM;
		}
		ret = kcr_snap_locks(file, fs->files, v, &n);
	}
	if (ret == -E2BIG) {
		kcr_log(ctx, "more than %u file locks (not supported)",
			KCR_LOCKS_MAX);
		ret = -EOPNOTSUPP;
	}
	for (i = 0; i < n && !ret; i++) {
		memset(&r, 0, sizeof(r));
		kcr_init_rec(ctx, &r, KCR_REC_LOCK, sizeof(r));
		r.file_ref = kcr_obj_find_key(ctx, v[i].file)->id;
		r.kind = v[i].kind;
		r.type = v[i].type;
		r.start = v[i].start;
		r.end = v[i].end;
		ret = kcr_write(ctx, &r, sizeof(r));
	}
	kvfree(v);
	return ret;
}

static const char *kcr_lock_kind(u32 kind)
{
	return kind == KCR_LOCK_POSIX ? "POSIX" :
	       kind == KCR_LOCK_OFD ? "OFD" : "flock";
}

/* Restart: one LOCK record (header h), on a file of the fd table. */
int kcr_rst_lock(struct kcr_ctx *ctx, struct kcr_rst *rst,
		 const struct kcr_hdr *h)
{
	struct kcr_rec_lock r;
	struct kcr_rst_lock_file *l;
	struct file *file = NULL;
	struct kcr_obj *obj;
	u32 i;
	int ret;

	if (h->len != sizeof(r))
		return KCR_BAD(ctx, "lock record of length %u", h->len);
	ret = kcr_read_rec(ctx, h, &r, sizeof(r));
	if (ret)
		return ret;
	if (r.kind < KCR_LOCK_POSIX || r.kind > KCR_LOCK_FLOCK ||
	    (r.type != F_RDLCK && r.type != F_WRLCK) || r.__pad ||
	    r.start < 0 || r.end < r.start ||
	    (r.kind == KCR_LOCK_FLOCK && (r.start || r.end != OFFSET_MAX)))
		return KCR_BAD(ctx, "lock of kind %u, type %u, bytes %lld..%lld",
			       r.kind, r.type, r.start, r.end);
	if (rst->nr_flocks >= KCR_LOCKS_MAX)
		return KCR_BAD(ctx, "more than %u file locks", KCR_LOCKS_MAX);
	obj = kcr_obj_find_id(ctx, r.file_ref, KCR_REC_FILE);
	for (i = 0; obj && i < rst->nr_fds && !file; i++)
		if (rst->fds[i].file == obj->file)
			file = obj->file;
	if (!file)
		return KCR_BAD(ctx, "lock on file object %u, open at no fd",
			       r.file_ref);
	if (!rst->flocks) {
		rst->flocks = kvcalloc(KCR_LOCKS_MAX, sizeof(*rst->flocks),
				       GFP_KERNEL_ACCOUNT);
		if (!rst->flocks)
			return -ENOMEM;
	}
	l = &rst->flocks[rst->nr_flocks++];
	l->file = file;
	l->kind = r.kind;
	l->type = r.type;
	l->start = r.start;
	l->end = r.end;
	return 0;
}

/* Take one lock again, without waiting, as fcntl() or flock() would. */
static int kcr_take_lock(const struct kcr_rst_lock_file *l)
{
	struct file *file = l->file;
	struct file_lock fl;
	int ret;

	if (l->kind == KCR_LOCK_FLOCK ?
	    !(file->f_mode & (FMODE_READ | FMODE_WRITE)) :
	    !(file->f_mode & (l->type == F_RDLCK ? FMODE_READ : FMODE_WRITE)))
		return -EBADF;
	ret = security_file_lock(file, l->type);
	if (ret)
		return ret;
	locks_init_lock(&fl);
	fl.c.flc_file = file;
	fl.c.flc_pid = current->tgid;
	fl.c.flc_type = l->type;
	fl.fl_start = l->start;
	fl.fl_end = l->end;
	switch (l->kind) {
	case KCR_LOCK_POSIX:
		fl.c.flc_owner = current->files;
		fl.c.flc_flags = FL_POSIX;
		ret = vfs_lock_file(file, F_SETLK, &fl, NULL);
		break;
	case KCR_LOCK_OFD:
		fl.c.flc_owner = file;
		fl.c.flc_flags = FL_POSIX | FL_OFDLCK;
		ret = vfs_lock_file(file, F_OFD_SETLK, &fl, NULL);
		break;
	default:
		fl.c.flc_owner = file;
		fl.c.flc_flags = FL_FLOCK;
		if (file->f_op->flock)
			ret = file->f_op->flock(file, F_SETLK, &fl);
		else
			ret = locks_lock_file_wait(file, &fl);
		break;
	}
	locks_release_private(&fl);
	return ret;
}

/* Restart, once the fd table is in place: take the locks again. */
int kcr_apply_locks(struct kcr_ctx *ctx, struct kcr_rst *rst)
{
	u32 i;
	int ret;

	for (i = 0; i < rst->nr_flocks; i++) {
		const struct kcr_rst_lock_file *l = &rst->flocks[i];

		ret = kcr_take_lock(l);
		if (ret) {
			kcr_log(ctx,
				"cannot take the %s lock on %pD (bytes %lld..%lld): %d%s",
				kcr_lock_kind(l->kind), l->file, l->start,
				l->end, ret,
				ret == -EAGAIN ?
				" (another process holds a conflicting lock)" :
				"");
			return ret;
		}
	}
	return 0;
}
