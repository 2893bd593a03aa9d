/* @file cow */
// SPDX-License-Identifier: GPL-2.0
/*
 * In-kernel checkpoint/restart: pages a process and its parent still share
 * copy-on-write, as fork() left them.  checkpoint marks the private
 * mappings of a child that are fork()'s copies of its parent's
 * (KCR_VMA_COW: the same range, flags, file and offset, the same anon_vma
 * root) and,
 * in them, the pages that are still the parent's (KCR_REC_COW_PAGES)
 * instead of writing them again.  restart makes the child's address
 * space a copy of the parent's restored one, as fork() makes it
 * (KCR_REC_MM_FORK), keeps those mappings and pages, and drops or
 * replaces everything else, so that the pages are shared again until one
 * side writes.
 */
#include <linux/errno.h>
#include <linux/kcr.h>
#include <linux/mm.h>
#include <linux/mman.h>
#include <linux/pid_namespace.h>
#include <linux/rmap.h>
#include <linux/sched/mm.h>
#include <linux/sched/task.h>

#include "kcr_int.h"

/* Flags of a mapping that fork() copies as it is, with its pages. */
#define KCR_COW_NOT	(KCR_VMA_SHARED | KCR_VMA_GROWSDOWN | KCR_VMA_VDSO | \
			 KCR_VMA_VVAR | KCR_VMA_DONTFORK | KCR_VMA_WIPEONFORK | \
			 KCR_VMA_DROPPABLE)
/* vm_flags a copy must have as the original. */
#define KCR_COW_SAME	(VM_READ | VM_WRITE | VM_EXEC | VM_SHARED | \
			 VM_MAYSHARE | VM_GROWSDOWN | VM_DONTCOPY | \
			 VM_WIPEONFORK | VM_DONTDUMP)

/*
 * Checkpoint, process t with the mappings ms: if its parent is an earlier
 * process of the tree, mark the mappings that are fork()'s copies of the
 * parent's, and keep the parent's mm in ctx while they are written.
 */
int kcr_cow_snap(struct kcr_ctx *ctx, struct task_struct *t,
		 struct kcr_mm_snap *ms)
{
	struct kcr_tree_snap *ts = ctx->tree;
	struct vm_area_struct *vma;
	struct mm_struct *pmm;
	bool any = false;
	int found = -1, ret;
	pid_t ppid;
	u32 i;

	if (!ts)
		return 0;
	rcu_read_lock();
	ppid = task_tgid_nr_ns(rcu_dereference(t->real_parent),
			       task_active_pid_ns(current));
	rcu_read_unlock();
	for (i = 0; i < ts->nr && ts->tasks[i] != t; i++)
		if (ts->tt[i].pid == ppid && !(ts->tt[i].flags & KCR_TREE_GONE))
			found = i;
	if (found < 0 || i == ts->nr)
		return 0;
	pmm = get_task_mm(ts->tasks[found]);
	if (!pmm)
		return 0;
	ret = mmap_read_lock_killable(pmm);
	if (ret) {
		mmput(pmm);
		return ret;
	}
	for (i = 0; i < ms->nr; i++) {
		struct kcr_vma_snap *s = &ms->vmas[i];

		if (!s->anon_root || (s->flags & KCR_COW_NOT))
			continue;
		vma = vma_lookup(pmm, s->start);
		/* A file mapping: the one open file fork() shared. */
		if (!vma || vma->vm_start != s->start ||
		    vma->vm_end != s->end || vma->vm_file != s->file ||
		    (s->file && vma->vm_pgoff != s->pgoff) || !vma->anon_vma ||
		    vma->anon_vma->root != s->anon_root ||
		    ((vma->vm_flags ^ s->vm_flags) & KCR_COW_SAME))
			continue;
		s->flags |= KCR_VMA_COW;
		any = true;
	}
	mmap_read_unlock(pmm);
	if (!any) {
		mmput(pmm);
		return 0;
	}
	ctx->cow_mm = pmm;
	ctx->cow_ppid = ppid;
	return 0;
}

void kcr_cow_release(struct kcr_ctx *ctx)
{
	if (ctx->cow_mm)
		mmput(ctx->cow_mm);
	ctx->cow_mm = NULL;
}

/* Checkpoint: the KCR_REC_MM_FORK record, right after the MM record. */
int kcr_cow_write_fork(struct kcr_ctx *ctx)
{
	struct kcr_rec_mm_fork r = {};

	if (!ctx->cow_mm)
		return 0;
	kcr_init_rec(ctx, &r, KCR_REC_MM_FORK, sizeof(r));
	r.ppid = ctx->cow_ppid;
	return kcr_write(ctx, &r, sizeof(r));
}

/*
 * Checkpoint: which of the nr pages at addr of a KCR_VMA_COW mapping
 * (pages, the child's) are the parent's pages at the same addresses.
 */
int kcr_cow_shared(struct kcr_ctx *ctx, unsigned long addr,
		   struct page **pages, unsigned int nr, bool *shared)
{
	struct page *pp[KCR_PAGES_MAX];
	long got, i;
	int ret;

	ret = mmap_read_lock_killable(ctx->cow_mm);
	if (ret)
		return ret;
	/* As the child's were taken: no fault, no copy. */
	got = get_user_pages_remote(ctx->cow_mm, addr, nr,
				    FOLL_FORCE | FOLL_DUMP, pp, NULL);
	mmap_read_unlock(ctx->cow_mm);
	for (i = 0; i < nr; i++)
		shared[i] = i < got && pp[i] == pages[i];
	for (i = 0; i < got; i++)
		put_page(pp[i]);
	return 0;
}

int kcr_cow_write_rec(struct kcr_ctx *ctx, unsigned long addr,
		      unsigned int nr)
{
	struct kcr_rec_pages r = {};

	kcr_init_rec(ctx, &r, KCR_REC_COW_PAGES, sizeof(r));
	r.addr = addr;
	r.nr_pages = nr;
	return kcr_write(ctx, &r, sizeof(r));
}

/* @cow-rst */
/*
 * Restart, the KCR_REC_MM_FORK record (header h): replace the caller's
 * address space (the point of no return) with a copy of its parent's,
 * which restored its section before.
 */
int kcr_cow_start(struct kcr_ctx *ctx, struct kcr_rst *rst,
		  const struct kcr_hdr *h)
{
	struct kcr_tree *tr = ctx->rst_tree;
	struct kcr_rec_mm_fork r;
	struct mm_struct *pmm, *mm;
	int me, p, ret;

	if (h->len != sizeof(r))
		return KCR_BAD(ctx, "fork record of length %u", h->len);
	ret = kcr_read_rec(ctx, h, &r, sizeof(r));
	if (ret)
		return ret;
	me = tr ? kcr_tree_find(tr->tt, tr->nr, rst->task.pid) : -1;
	p = tr ? kcr_tree_find(tr->tt, tr->nr, r.ppid) : -1;
	if (r.__pad || me <= 0 || p < 0 || p >= me ||
	    r.ppid != rst->task.ppid || (tr->tt[p].flags & KCR_TREE_GONE))
		return KCR_BAD(ctx, "address space copied from %d, not from a parent in the tree",
			       r.ppid);
	rst->fork_rec = true;
	if (ctx->dry_run)
		return 0;
	pmm = get_task_mm(tr->tasks[p]);
	if (!pmm) {
		kcr_log(ctx, "parent %d has no address space", r.ppid);
		return -ESRCH;
	}
	mm = kcr_dup_mm(pmm);
	mmput(pmm);
	if (!mm) {
		kcr_log(ctx, "cannot copy the address space of %d", r.ppid);
		return -ENOMEM;
	}
	rst->mm_gone = true;
	ret = kcr_exec_mm(mm);
	if (ret) {
		mmput(mm);
		kcr_log(ctx, "cannot switch to the copied address space: %d",
			ret);
		return ret;
	}
	kcr_arch_forget_vdso();
	rst->forked = true;
	return 0;
}

/* Drop the pages of the copy in [start, end). */
static int kcr_cow_drop(unsigned long start, unsigned long end)
{
	if (start >= end)
		return 0;
	return do_madvise(current->mm, start, end - start, MADV_DONTNEED);
}

/*
 * Restart: in the current KCR_VMA_COW mapping, the pages below end that
 * were not the parent's: drop them from the copy.
 */
int kcr_cow_zap(struct kcr_rst *rst, unsigned long end)
{
	int ret;

	if (!rst->forked || !rst->cow_end)
		return 0;
	ret = kcr_cow_drop(rst->cow_zap, end);
	rst->cow_zap = end;
	return ret;
}

/*
 * Restart, mapping v of a copied address space: drop what the copy has
 * below it; keep the copy's mapping for a KCR_VMA_COW one (returns 1),
 * else unmap its range (returns 0: made as usual).
 */
int kcr_cow_vma(struct kcr_ctx *ctx, struct kcr_rst *rst,
		const struct kcr_rec_vma *v)
{
	struct file *file = NULL;
	struct vm_area_struct *vma;
	struct kcr_obj *obj;
	vm_flags_t want;
	bool ok;
	int ret;

	if ((v->flags & KCR_VMA_COW) &&
	    (!rst->fork_rec || (v->flags & KCR_COW_NOT)))
		return KCR_BAD(ctx, "copy-on-write mapping %#llx-%#llx (flags %#x)",
			       v->start, v->end, v->flags);
	if (!rst->forked)
		return 0;
	ret = kcr_cow_zap(rst, rst->cow_end);
	rst->cow_end = 0;
	if (!ret && rst->cow_kept < v->start)
		ret = vm_munmap(rst->cow_kept, v->start - rst->cow_kept);
	if (ret)
		goto fail;
	rst->cow_kept = v->end;
	if (!(v->flags & KCR_VMA_COW)) {
		ret = vm_munmap(v->start, v->end - v->start);
		if (ret)
			goto fail;
		return 0;
	}
	if (v->file_ref) {
		/* Checked as for any mapping by the dry run. */
		obj = kcr_obj_find_id(ctx, v->file_ref, KCR_REC_FILE);
		file = obj ? obj->file : NULL;
	}
	want = (v->prot & PROT_READ ? VM_READ : 0) |
	       (v->prot & PROT_WRITE ? VM_WRITE : 0) |
	       (v->prot & PROT_EXEC ? VM_EXEC : 0) |
	       (v->flags & KCR_VMA_DONTDUMP ? VM_DONTDUMP : 0);
	mmap_read_lock(current->mm);
	vma = vma_lookup(current->mm, v->start);
	/*
	 * Of a file: the very file of the image's mapping, so the copy shows
	 * the child nothing of a file it does not map itself.
	 */
	ok = vma && vma->vm_start == v->start && vma->vm_end == v->end &&
	     (file ? vma->vm_file == file && vma->vm_pgoff == v->pgoff :
		     vma_is_anonymous(vma)) &&
	     (vma->vm_flags & KCR_COW_SAME) == want;
	mmap_read_unlock(current->mm);
	if (!ok) {
		kcr_log(ctx, "copy-on-write mapping %#llx-%#llx is not the parent's",
			v->start, v->end);
		return -EINVAL;
	}
	rst->cow_zap = v->start;
	rst->cow_end = v->end;
/* @mlock */
	if (v->flags & KCR_VMA_LOCKED)
		ret = kcr_rst_note_lock(rst, v);
/* @end */
	return ret ? ret : 1;
fail:
	kcr_log(ctx, "cannot drop the copied mappings below %#llx: %d",
		v->end, ret);
	return ret;
}

/*
 * Restart, a KCR_REC_COW_PAGES record: pages of the current mapping v,
 * at or past *next, that stay the parent's.
 */
int kcr_rst_cow_pages(struct kcr_ctx *ctx, struct kcr_rst *rst,
		      const struct kcr_hdr *h, const struct kcr_rec_vma *v,
		      u64 *next)
{
	struct kcr_rec_pages r;
	int ret;

	if (h->len != sizeof(r))
		return KCR_BAD(ctx, "copy-on-write pages record of length %u",
			       h->len);
	ret = kcr_read_rec(ctx, h, &r, sizeof(r));
	if (ret)
		return ret;
	if (!(v->flags & KCR_VMA_COW) || !r.nr_pages ||
	    r.nr_pages > KCR_PAGES_MAX || r.__pad ||
	    !PAGE_ALIGNED(r.addr) || r.addr < *next || r.addr >= v->end ||
	    r.nr_pages > (v->end - r.addr) >> PAGE_SHIFT)
		return KCR_BAD(ctx,
			       "copy-on-write pages %#llx (%u) outside a copied mapping (from %#llx below %#llx)",
			       r.addr, r.nr_pages, *next, v->end);
	*next = r.addr + r.nr_pages * PAGE_SIZE;
	if (!rst->forked)
		return 0;
	/* Kept: only what lies before them goes. */
	ret = kcr_cow_zap(rst, r.addr);
	rst->cow_zap = *next;
	return ret;
}

/* Restart, after the last mapping: drop the rest of the copy. */
int kcr_cow_finish(struct kcr_ctx *ctx, struct kcr_rst *rst)
{
	int ret;

	if (!rst->forked)
		return 0;
	ret = kcr_cow_zap(rst, rst->cow_end);
	rst->cow_end = 0;
	if (!ret && rst->cow_kept < TASK_SIZE)
		ret = vm_munmap(rst->cow_kept, TASK_SIZE - rst->cow_kept);
	if (ret)
		kcr_log(ctx, "cannot drop the rest of the copied address space: %d",
			ret);
	return ret;
}
/* @end */
