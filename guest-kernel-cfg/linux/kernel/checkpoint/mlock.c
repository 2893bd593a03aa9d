/* @file mlock */
// SPDX-License-Identifier: GPL-2.0
/*
 * In-kernel checkpoint/restart: locked memory.  A mapping locked with
 * mlock() or mlock2(MLOCK_ONFAULT) carries KCR_VMA_LOCKED (and
 * KCR_VMA_LOCKONFAULT); mlockall(MCL_FUTURE) is an attribute of the
 * process.  restart maps such mappings unlocked, restores their contents,
 * and locks them once the credentials and limits are the restored
 * user's, with the checks mlock() makes (RLIMIT_MEMLOCK or
 * CAP_IPC_LOCK).
 */
#include <linux/errno.h>
#include <linux/mm.h>
#include <linux/mman.h>
#include <linux/slab.h>

#include "kcr_int.h"

/* Checkpoint: the flags of a mapping's lock. */
u32 kcr_vma_lock_flags(vm_flags_t f)
{
	if (!(f & VM_LOCKED))
		return 0;
	return KCR_VMA_LOCKED | (f & VM_LOCKONFAULT ? KCR_VMA_LOCKONFAULT : 0);
}

/* Checkpoint: the ATTRS flags of mlockall(MCL_FUTURE). */
u32 kcr_mm_lock_flags(struct mm_struct *mm)
{
	vm_flags_t f = READ_ONCE(mm->def_flags);

	if (!(f & VM_LOCKED))
		return 0;
	return KCR_ATTR_MCL_FUTURE |
	       (f & VM_LOCKONFAULT ? KCR_ATTR_MCL_ONFAULT : 0);
}

/* Restart: remember a locked mapping v, to lock it in kcr_apply_mlock(). */
int kcr_rst_note_lock(struct kcr_rst *rst, const struct kcr_rec_vma *v)
{
	struct kcr_rst_lock *l;

	if (rst->nr_locks == rst->max_locks) {
		u32 max = rst->max_locks ? 2 * rst->max_locks : 16;

		l = kvrealloc(rst->locks, array_size(max, sizeof(*l)),
			      GFP_KERNEL_ACCOUNT);
		if (!l)
			return -ENOMEM;
		rst->locks = l;
		rst->max_locks = max;
	}
	l = &rst->locks[rst->nr_locks++];
	l->start = v->start;
	l->len = v->end - v->start;
	l->flags = VM_LOCKED |
		   (v->flags & KCR_VMA_LOCKONFAULT ? VM_LOCKONFAULT : 0);
	return 0;
}

/*
 * Restart, after the credentials and limits: lock the mappings that were
 * locked, then set mlockall(MCL_FUTURE) as it was.
 */
int kcr_apply_mlock(struct kcr_ctx *ctx, struct kcr_rst *rst)
{
	u32 want = rst->attrs.flags & (KCR_ATTR_MCL_FUTURE | KCR_ATTR_MCL_ONFAULT);
	struct mm_struct *mm = current->mm;
	u32 i;
	int ret;

	for (i = 0; i < rst->nr_locks; i++) {
		const struct kcr_rst_lock *l = &rst->locks[i];

		ret = do_mlock(l->start, l->len, l->flags);
		if (ret) {
			kcr_log(ctx, "cannot lock %#lx-%#lx: %d (RLIMIT_MEMLOCK or CAP_IPC_LOCK)",
				l->start, l->start + l->len, ret);
			return ret;
		}
	}
	if (want && !can_do_mlock()) {
		kcr_log(ctx, "mlockall(MCL_FUTURE): not allowed (RLIMIT_MEMLOCK is 0)");
		return -EPERM;
	}
	if (mmap_write_lock_killable(mm))
		return -EINTR;
	mm->def_flags &= ~VM_LOCKED_MASK;
	if (want & KCR_ATTR_MCL_FUTURE)
		mm->def_flags |= VM_LOCKED;
	if (want & KCR_ATTR_MCL_ONFAULT)
		mm->def_flags |= VM_LOCKONFAULT;
	mmap_write_unlock(mm);
	return 0;
}
