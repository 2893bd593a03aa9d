/* @file shmem */
// SPDX-License-Identifier: GPL-2.0
/*
 * In-kernel checkpoint/restart: shared memory objects (memfds, shared anonymous
 * memory) and their pages.
 */
#include <linux/errno.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/highmem.h>
#include <linux/mm.h>
#include <linux/shmem_fs.h>
#include <linux/slab.h>
#include <linux/xarray.h>

#include "kcr_int.h"

/* Pages [start, end) of one shmem object that a checkpointed task maps. */
struct kcr_shm_range {
	pgoff_t start, end;
};

/* What the checkpointed tasks can read of one shmem object. */
struct kcr_shm_reach {
	bool whole;		/* through an fd */
	u32 nr, max;
	struct kcr_shm_range r[];
};

/* Write one run of shmem pages and drop the references taken on them. */
static int kcr_write_shmem_run(struct kcr_ctx *ctx, pgoff_t start,
			       struct page **pages, unsigned int nr, int ret)
{
	struct kcr_rec_pages r = {};
	unsigned int i;

	if (!ret) {
		kcr_init_rec(ctx, &r, KCR_REC_PAGES, sizeof(r) + nr * PAGE_SIZE);
		r.addr = (u64)start << PAGE_SHIFT;
		r.nr_pages = nr;
		ret = kcr_write(ctx, &r, sizeof(r));
		if (!ret)
			ret = kcr_write_pages(ctx, pages, nr);
	}
	for (i = 0; i < nr; i++)
		put_page(pages[i]);
	return ret;
}

/* The first page at or after index that the tasks can read, or ULONG_MAX. */
static pgoff_t kcr_reach_next(const struct kcr_shm_reach *r, pgoff_t index)
{
	pgoff_t best = ULONG_MAX;
	u32 i;

	if (!r || r->whole)
		return r ? index : ULONG_MAX;
	for (i = 0; i < r->nr; i++)
		if (index < r->r[i].end)
			best = min(best, max(index, r->r[i].start));
	return best;
}

/*
 * Write the pages of a shmem object present in memory or swap that the
 * tasks can read (kcr_note_reach()).  The page cache is searched for the
 * next present page, so a sparse object costs its pages, not its size.
 * Each page is held by a reference (not locked) until its run is written.
 */
int kcr_dump_shmem(struct kcr_ctx *ctx, struct inode *inode, loff_t size)
{
	struct kcr_shm_reach *reach = xa_load(&ctx->shm_reach,
					      (unsigned long)inode);
	pgoff_t index, end = DIV_ROUND_UP(size, PAGE_SIZE), start = 0;
	struct page *pages[KCR_PAGES_MAX];
	unsigned int nr = 0;
	int ret = 0;

	for (index = 0; !ret; index++) {
		struct folio *folio = NULL;
		pgoff_t at = kcr_reach_next(reach, index), want = at;

		if (at < end &&
		    !xa_find(&inode->i_mapping->i_pages, &at, end - 1,
			     XA_PRESENT))
			at = end;
		at = max(at, want);
		if (at != index || at >= end) {
			/* A hole, or pages the tasks cannot read: end the run. */
			if (nr)
				ret = kcr_write_shmem_run(ctx, start, pages, nr, 0);
			nr = 0;
			if (ret || at >= end)
				break;
			index = at;
			if (kcr_reach_next(reach, index) != index)
				continue;
		}
		ret = shmem_get_folio(inode, index, 0, &folio, SGP_READ);
		if (ret == -EINVAL) {	/* truncated meanwhile */
			ret = 0;
			folio = NULL;
		}
		if (ret)
			break;
		if (folio) {
			if (!nr)
				start = index;
			/* shmem_get_folio()'s reference moves to the page. */
			pages[nr++] = folio_file_page(folio, index);
			folio_unlock(folio);
		}
		if (nr && (!folio || nr == KCR_PAGES_MAX)) {
			ret = kcr_write_shmem_run(ctx, start, pages, nr, 0);
			nr = 0;
		}
		if (!ret && fatal_signal_pending(current))
			ret = -EINTR;
		cond_resched();
	}
	while (nr)	/* stopped by an error with a run collected */
		put_page(pages[--nr]);
	if (ret)
		kcr_log(ctx, "cannot save shared memory contents: %d", ret);
	return ret;
}

static int kcr_reach_add(struct kcr_ctx *ctx, struct inode *inode,
			 pgoff_t start, pgoff_t end, bool whole)
{
	unsigned long key = (unsigned long)inode;
	struct kcr_shm_reach *r = xa_load(&ctx->shm_reach, key), *n;
	u32 max;

	if (r && (r->whole || whole)) {
		r->whole = true;
		return 0;
	}
	if (!r || r->nr == r->max) {
		max = r ? 2 * r->max : 4;
		n = kvzalloc(struct_size(n, r, max), GFP_KERNEL_ACCOUNT);
		if (!n)
			return -ENOMEM;
		if (r)
			memcpy(n, r, struct_size(r, r, r->nr));
		n->max = max;
		if (xa_is_err(xa_store(&ctx->shm_reach, key, n,
				       GFP_KERNEL_ACCOUNT))) {
			kvfree(n);
			return -ENOMEM;
		}
		kvfree(r);
		r = n;
	}
	r->whole = whole;
	r->r[r->nr].start = start;
	r->r[r->nr++].end = end;
	return 0;
}

/*
 * Note what the tasks can read of shared memory, so that only that is
 * dumped: the objects they hold an fd of (memfds are open read-write) and
 * the ranges of the others they map.
 */
int kcr_note_shmem(struct kcr_ctx *ctx, struct kcr_mm_snap *ms,
		   struct kcr_files_snap *fs)
{
	unsigned int i;
	int ret = 0;

	for (i = 0; i < fs->nr && !ret; i++) {
		struct file *file = fs->fds[i].file;

		if (kcr_is_shmem(file))
			ret = kcr_reach_add(ctx, file_inode(file), 0, 0, true);
	}
	for (i = 0; i < ms->nr && !ret; i++) {
		struct kcr_vma_snap *v = &ms->vmas[i];

		if (v->file && kcr_is_shmem(v->file))
			ret = kcr_reach_add(ctx, file_inode(v->file), v->pgoff,
					    v->pgoff + ((v->end - v->start) >>
							PAGE_SHIFT), false);
	}
	return ret;
}

/* @unix-fds */
/* Shared memory a task may read once it receives it in flight. */
int kcr_note_shmem_file(struct kcr_ctx *ctx, struct file *file)
{
	if (!kcr_is_shmem(file))
		return 0;
	return kcr_reach_add(ctx, file_inode(file), 0, 0, true);
}

/* @end */
/* Contents of a shared memory object, at an offset in it. */
int kcr_rst_shm_pages(struct kcr_ctx *ctx, const struct kcr_hdr *h,
		      struct kcr_obj *obj, u64 *next)
{
	loff_t size = i_size_read(file_inode(obj->file));
	u64 end = ALIGN((u64)size, PAGE_SIZE);
	struct kcr_rec_pages r;
	loff_t pos;
	ssize_t w;
	size_t n;
	int ret;

	ret = kcr_read_pages(ctx, h, &r, next, end, "their shared memory");
	if (ret)
		return ret;
	if (ctx->dry_run)
		return 0;
	pos = r.addr;
	n = min_t(u64, r.nr_pages * PAGE_SIZE, size - r.addr);
	/* An O_APPEND memfd's or a read-only ghost file's: their writer. */
	w = kernel_write(obj->wfile ?: obj->file, ctx->buf, n, &pos);
	if (w != n) {
		kcr_log(ctx, "cannot fill shared memory %u: %zd", obj->id, w);
		return w < 0 ? w : -EIO;
	}
	return 0;
}
