/* @file memory */
// SPDX-License-Identifier: GPL-2.0
/*
 * In-kernel checkpoint/restart: memory: the mappings of an mm and their pages.
 */
#include <linux/dcache.h>
#include <linux/errno.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/highmem.h>
#include <linux/huge_mm.h>
#include <linux/hugetlb.h>
#include <linux/mm.h>
#include <linux/mman.h>
/* @rst-newpages */
#include <linux/memcontrol.h>
/* @end */
#include <linux/mount.h>
#include <linux/pagewalk.h>
#include <linux/prctl.h>
/* @cow */
#include <linux/rmap.h>
/* @end */
#include <linux/sched/mm.h>
#include <linux/secretmem.h>
#include <linux/shmem_fs.h>
#include <linux/slab.h>
#include <linux/swap.h>
#include <linux/swapops.h>
#include <linux/userfaultfd_k.h>

#include "kcr_int.h"

/* Classify a VMA; returns the reason it cannot be checkpointed, or NULL. */
static const char *kcr_snap_vma(struct mm_struct *mm,
				struct vm_area_struct *vma, unsigned long vdso,
				struct kcr_vma_snap *s)
{
	vm_flags_t f = vma->vm_flags;

	s->start = vma->vm_start;
	s->end = vma->vm_end;
	s->pgoff = vma->vm_pgoff;
	s->vm_flags = f;
	s->file = NULL;
	s->flags = 0;
	s->prot = (f & VM_READ ? PROT_READ : 0) |
		  (f & VM_WRITE ? PROT_WRITE : 0) |
		  (f & VM_EXEC ? PROT_EXEC : 0);

	/* The vDSO and its data pages: identified by address, no contents. */
	if (vdso && !vma->vm_file && vma->vm_start == vdso) {
		if (vma->vm_end - vma->vm_start != kcr_arch_vdso_size())
			return "vDSO of unexpected size";
		s->flags = KCR_VMA_VDSO;
		return NULL;
	}
	if (vdso && !vma->vm_file && vma->vm_end == vdso) {
		if (vma->vm_end - vma->vm_start != kcr_arch_vvar_size())
			return "vvar area of unexpected size";
		s->flags = KCR_VMA_VVAR;
		return NULL;
	}

	if (is_vm_hugetlb_page(vma))
		return "hugetlb mapping";
	if (f & (VM_IO | VM_PFNMAP | VM_MIXEDMAP))
		return "I/O or PFN mapping";
	if ((f & VM_MAYSHARE) && !vma->vm_file)
		return "shared special mapping";
	if (userfaultfd_armed(vma))
		return "userfaultfd-registered mapping";
	if (f & VM_SHADOW_STACK)
		return "shadow stack";
/* @until mlock */
	if (f & (VM_LOCKED | VM_LOCKONFAULT))
		return "mlocked mapping";
/* @end */
	if (f & VM_SEALED)
		return "sealed mapping";
/* @until droppable */
	if (f & VM_DROPPABLE)
		return "droppable mapping";
/* @end */
	if (f & VM_GROWSUP)
		return "grows-up mapping";
	if (vma_is_secretmem(vma))
		return "secretmem mapping";

	if (vma->vm_file) {
		struct file *file = vma->vm_file;

		if (!S_ISREG(file_inode(file)->i_mode))
			return "mapping of a non-regular file";
		if (kcr_is_shmem(file)) {
			/* memfd or MAP_SHARED | MAP_ANONYMOUS: saved whole. */
			if (!vma_is_shmem(vma))
				return "System V shared memory";
/* @until ghost */
		} else if (d_unlinked(file->f_path.dentry)) {
			return "mapping of a deleted file";
/* @end */
		}
		s->file = get_file(file);
	} else if (!vma_is_anonymous(vma)) {
		return "special mapping";
	}

/* @cow */
	s->anon_root = vma->anon_vma ? vma->anon_vma->root : NULL;
/* @end */
	if (f & VM_MAYSHARE)
		s->flags |= KCR_VMA_SHARED;
	if (f & VM_GROWSDOWN)
		s->flags |= KCR_VMA_GROWSDOWN;
	if (f & VM_DONTCOPY)
		s->flags |= KCR_VMA_DONTFORK;
	if (f & VM_DONTDUMP)
		s->flags |= KCR_VMA_DONTDUMP;
	if (f & VM_WIPEONFORK)
		s->flags |= KCR_VMA_WIPEONFORK;
/* @mlock */
	s->flags |= kcr_vma_lock_flags(f);
/* @end */
/* @droppable */
	if (f & VM_DROPPABLE)
		s->flags |= KCR_VMA_DROPPABLE;
/* @end */
	if (!vma->vm_file && vma->vm_start <= mm->start_brk &&
	    vma->vm_end >= mm->brk)
		s->flags |= KCR_VMA_HEAP;
	if (vma->vm_start <= mm->start_stack && mm->start_stack < vma->vm_end)
		s->flags |= KCR_VMA_STACK;
	return NULL;
}

void kcr_release_snap(struct kcr_mm_snap *ms)
{
	unsigned int i;

	for (i = 0; i < ms->nr; i++)
		if (ms->vmas[i].file)
			fput(ms->vmas[i].file);
	kvfree(ms->vmas);
	ms->vmas = NULL;
	ms->nr = 0;
}

int kcr_snap_mm(struct kcr_ctx *ctx, struct mm_struct *mm,
		struct kcr_mm_snap *ms)
{
	struct kcr_rec_mm *r = &ms->rec;
	unsigned long vdso, bad_start = 0, bad_end = 0, bad_flags = 0;
	struct vm_area_struct *vma;
	const char *why = NULL;
	bool seen_vdso = false;
	struct vma_iterator vmi;
	int max, ret;

	ret = mmap_read_lock_killable(mm);
	if (ret)
		return ret;
	vma_iter_init(&vmi, mm, 0);
	max = mm->map_count;
	ms->vmas = kvcalloc(max, sizeof(*ms->vmas), GFP_KERNEL_ACCOUNT);
	if (!ms->vmas) {
		mmap_read_unlock(mm);
		return -ENOMEM;
	}
	vdso = kcr_arch_vdso(mm);
	for_each_vma(vmi, vma) {
		if (ms->nr >= max) {
			why = "more VMAs than map_count";
			break;
		}
		why = kcr_snap_vma(mm, vma, vdso, &ms->vmas[ms->nr]);
		if (why) {
			bad_start = vma->vm_start;
			bad_end = vma->vm_end;
			bad_flags = vma->vm_flags;
			break;
		}
		if (ms->vmas[ms->nr].flags & KCR_VMA_VDSO)
			seen_vdso = true;
		ms->nr++;
	}

	memset(r, 0, sizeof(*r));
	r->nr_vmas = ms->nr;
	r->start_code = mm->start_code;
	r->end_code = mm->end_code;
	r->start_data = mm->start_data;
	r->end_data = mm->end_data;
	r->start_brk = mm->start_brk;
	r->brk = mm->brk;
	r->start_stack = mm->start_stack;
	spin_lock(&mm->arg_lock);
	r->arg_start = mm->arg_start;
	r->arg_end = mm->arg_end;
	r->env_start = mm->env_start;
	r->env_end = mm->env_end;
	spin_unlock(&mm->arg_lock);
	r->vdso = seen_vdso ? vdso : 0;
	mmap_read_unlock(mm);

	if (why) {
		kcr_log(ctx, "cannot checkpoint %s at %#lx-%#lx (vm_flags %#lx)",
			why, bad_start, bad_end, bad_flags);
		return -EOPNOTSUPP;
	}
	return 0;
}

/* Find the next run of contiguous anonymous pages to dump. */
struct kcr_walk {
	unsigned long start;
	unsigned int nr;
};

/* Add a page to the run; false stops the walk (run full or broken). */
static bool kcr_run_add(struct kcr_walk *w, unsigned long addr)
{
	if (!w->nr)
		w->start = addr;
	else if (addr != w->start + w->nr * PAGE_SIZE)
		return false;
	w->nr++;
	return w->nr < KCR_PAGES_MAX;
}

/*
 * Modeled on pagemap_pmd_range(): present anonymous pages and swapped
 * out pages are dumped; none, zero-page and page-cache PTEs are not.
 */
static int kcr_pmd_entry(pmd_t *pmd, unsigned long addr, unsigned long end,
			 struct mm_walk *walk)
{
	struct vm_area_struct *vma = walk->vma;
	struct kcr_walk *w = walk->private;
	pte_t *start_pte, *pte;
	spinlock_t *ptl;
	int ret = 0;

	ptl = pmd_trans_huge_lock(pmd, vma);
	if (ptl) {
		pmd_t pmdv = *pmd;
		bool dump = true;

		if (pmd_present(pmdv))
			dump = folio_test_anon(page_folio(pmd_page(pmdv)));
		for (; addr < end; addr += PAGE_SIZE) {
			if (!dump) {
				ret = w->nr ? 1 : 0;
				break;
			}
			if (!kcr_run_add(w, addr)) {
				ret = 1;
				break;
			}
		}
		spin_unlock(ptl);
		return ret;
	}

	start_pte = pte_offset_map_lock(walk->mm, pmd, addr, &ptl);
	if (!start_pte) {
		walk->action = ACTION_AGAIN;
		return 0;
	}
	for (pte = start_pte; addr < end; pte++, addr += PAGE_SIZE) {
		pte_t ptent = ptep_get(pte);
		bool dump = false;

		if (pte_present(ptent)) {
			struct folio *folio = vm_normal_folio(vma, addr, ptent);

			dump = folio && folio_test_anon(folio);
		} else if (!pte_none(ptent)) {
			dump = !is_pte_marker_entry(pte_to_swp_entry(ptent));
		}
		if (!dump) {
			if (w->nr) {
				ret = 1;
				break;
			}
			continue;
		}
		if (!kcr_run_add(w, addr)) {
			ret = 1;
			break;
		}
	}
	pte_unmap_unlock(start_pte, ptl);
	return ret;
}

static const struct mm_walk_ops kcr_walk_ops = {
	.pmd_entry	= kcr_pmd_entry,
	.walk_lock	= PGWALK_RDLOCK,
};

static int kcr_write_run(struct kcr_ctx *ctx, unsigned long addr,
			 struct page **pages, unsigned int nr)
{
	struct kcr_rec_pages r = {};
/* @until page-batch */
	int ret;
/* @end */

	kcr_init_rec(ctx, &r, KCR_REC_PAGES, sizeof(r) + nr * PAGE_SIZE);
	r.addr = addr;
	r.nr_pages = nr;
/* @until page-batch */
	ret = kcr_write(ctx, &r, sizeof(r));
	if (ret)
		return ret;
	/* Written from the pages themselves; the caller holds them. */
	return kcr_write_pages(ctx, pages, nr);
/* @end */
/* @page-batch */
	/* Written from the pages themselves, with the next runs. */
	return kcr_write_rec_pages(ctx, &r, sizeof(r), pages, nr);
/* @end */
}

/* @cow */
/*
 * A run of pages of a KCR_VMA_COW mapping: those still the parent's as
 * KCR_REC_COW_PAGES, the others with their contents.
 */
static int kcr_write_cow_run(struct kcr_ctx *ctx, unsigned long addr,
			     struct page **pages, unsigned int nr)
{
	bool shared[KCR_PAGES_MAX];
	unsigned int i, j;
	int ret;

	ret = kcr_cow_shared(ctx, addr, pages, nr, shared);
	for (i = 0; i < nr && !ret; i = j) {
		for (j = i + 1; j < nr && shared[j] == shared[i]; j++)
			;
		ret = shared[i] ?
		      kcr_cow_write_rec(ctx, addr + i * PAGE_SIZE, j - i) :
		      kcr_write_run(ctx, addr + i * PAGE_SIZE, pages + i,
				    j - i);
	}
	return ret;
}

/* @end */
static int kcr_dump_pages(struct kcr_ctx *ctx, struct mm_struct *mm,
			  const struct kcr_vma_snap *s)
{
	struct page *pages[KCR_PAGES_MAX];
	unsigned long addr = s->start;
	long got, i;
	int ret;

	while (addr < s->end) {
		struct kcr_walk w = {};
		struct vm_area_struct *vma;

		ret = mmap_read_lock_killable(mm);
		if (ret)
			return ret;
		vma = vma_lookup(mm, addr);
		if (!vma || vma->vm_start != s->start || vma->vm_end != s->end ||
		    vma->vm_flags != s->vm_flags) {
			mmap_read_unlock(mm);
			kcr_log(ctx, "mapping %#lx-%#lx changed during checkpoint",
				s->start, s->end);
			return -EBUSY;
		}
		ret = walk_page_range(mm, addr, s->end, &kcr_walk_ops, &w);
		if (ret < 0 || !w.nr) {
			mmap_read_unlock(mm);
			return ret < 0 ? ret : 0;
		}
		got = get_user_pages_remote(mm, w.start, w.nr,
					    FOLL_FORCE | FOLL_DUMP, pages, NULL);
		mmap_read_unlock(mm);
		if (got == -EFAULT || got == 0) {
			/* A hole or the zero page after all: skip it. */
			addr = w.start + PAGE_SIZE;
			continue;
		}
		if (got < 0)
			return got;

/* @until cow */
		ret = kcr_write_run(ctx, w.start, pages, got);
/* @end */
/* @cow */
		ret = s->flags & KCR_VMA_COW ?
		      kcr_write_cow_run(ctx, w.start, pages, got) :
		      kcr_write_run(ctx, w.start, pages, got);
/* @end */
		for (i = 0; i < got; i++)
			put_page(pages[i]);
		if (ret)
			return ret;
		addr = w.start + got * PAGE_SIZE;
		cond_resched();
	}
	return 0;
}

int kcr_write_vma(struct kcr_ctx *ctx, struct mm_struct *mm,
		  const struct kcr_vma_snap *s)
{
	struct kcr_rec_vma r = {};
	int ret;

	kcr_init_rec(ctx, &r, KCR_REC_VMA, sizeof(r));
	r.start = s->start;
	r.end = s->end;
	r.prot = s->prot;
	r.flags = s->flags;
	if (s->file) {
		r.pgoff = s->pgoff;
		r.file_ref = kcr_obj_find_key(ctx, s->file)->id;
	}
	ret = kcr_write(ctx, &r, sizeof(r));
	/* Shared pages live in the file or in the shmem object. */
	if (ret || (s->flags & (KCR_VMA_VDSO | KCR_VMA_VVAR | KCR_VMA_SHARED)))
		return ret;
	return kcr_dump_pages(ctx, mm, s);
}

/* @memory-rst */
int kcr_rst_mm_rec(struct kcr_ctx *ctx, const struct kcr_hdr *h,
		   struct kcr_rec_mm *m)
{
	struct prctl_mm_map pm = {};
	int ret;

	if (h->type != KCR_REC_MM || h->len != sizeof(*m))
		return KCR_BAD(ctx, "expected mm record at offset %llu, found type %u length %u",
			       kcr_rec_off(ctx), h->type, h->len);
	ret = kcr_read_rec(ctx, h, m, sizeof(*m));
	if (ret)
		return ret;

	pm.start_code = m->start_code;
	pm.end_code = m->end_code;
	pm.start_data = m->start_data;
	pm.end_data = m->end_data;
	pm.start_brk = m->start_brk;
	pm.brk = m->brk;
	pm.start_stack = m->start_stack;
	pm.arg_start = m->arg_start;
	pm.arg_end = m->arg_end;
	pm.env_start = m->env_start;
	pm.env_end = m->env_end;
	if (validate_prctl_map_addr(&pm))
		return KCR_BAD(ctx, "mm layout out of range or disordered");
	if (!m->objid || !m->nr_vmas || m->nr_vmas > sysctl_max_map_count)
		return KCR_BAD(ctx, "mm record with %u mappings", m->nr_vmas);
	if (m->vdso && (!PAGE_ALIGNED(m->vdso) || m->vdso >= TASK_SIZE))
		return KCR_BAD(ctx, "bad vDSO address");
	return 0;
}

/* The point of no return: drop every user mapping of the caller. */
int kcr_unmap_all(struct kcr_ctx *ctx, struct kcr_rst *rst)
{
	struct mm_struct *mm = current->mm;
	struct vm_area_struct *vma;
	struct vma_iterator vmi;
	int ret;

	if (ctx->dry_run)
		return 0;
	ret = mmap_write_lock_killable(mm);
	if (ret)
		return ret;
	vma_iter_init(&vmi, mm, 0);
	for_each_vma(vmi, vma) {
		if (vma->vm_flags & VM_SEALED) {
			mmap_write_unlock(mm);
			kcr_log(ctx, "caller has sealed mappings");
			return -EPERM;
		}
	}
	rst->mm_gone = true;
	ret = do_munmap(mm, 0, TASK_SIZE, NULL);
	if (!ret)
		kcr_arch_forget_vdso();
	mmap_write_unlock(mm);
	return ret;
}

/* @until rst-inplace */
/* Write nr pages from ctx->buf at addr in current's address space. */
static int kcr_fill_pages(unsigned long addr, unsigned int nr, void *buf)
{
	struct mm_struct *mm = current->mm;
	struct page *pages[KCR_PAGES_MAX];
	long got, i;
	int ret;

	ret = mmap_read_lock_killable(mm);
	if (ret)
		return ret;
	/* FOLL_FORCE: ptrace-poke semantics, COW into read-only mappings. */
	got = get_user_pages_remote(mm, addr, nr, FOLL_WRITE | FOLL_FORCE,
				    pages, NULL);
	mmap_read_unlock(mm);
	if (got < 0)
		return got;
	for (i = 0; i < got; i++) {
		void *p = kmap_local_page(pages[i]);

		if (got == nr)
			memcpy(p, buf + i * PAGE_SIZE, PAGE_SIZE);
		kunmap_local(p);
		if (got == nr)
			set_page_dirty_lock(pages[i]);
		put_page(pages[i]);
	}
	return got == nr ? 0 : -EFAULT;
}

/* @end */
/* @rst-inplace */
/* @until rst-newpages */
/* Read nr pages of the image into current's address space at addr. */
static int kcr_fill_pages(struct kcr_ctx *ctx, unsigned long addr,
			  unsigned int nr)
{
	struct mm_struct *mm = current->mm;
	struct page *pages[KCR_PAGES_MAX];
	long got, i;
	int ret;

	ret = mmap_read_lock_killable(mm);
	if (ret)
		return ret;
	/* FOLL_FORCE: ptrace-poke semantics, COW into read-only mappings. */
	got = get_user_pages_remote(mm, addr, nr, FOLL_WRITE | FOLL_FORCE,
				    pages, NULL);
	mmap_read_unlock(mm);
	if (got < 0)
		return got;
	/* No lock held: the image may be a file of this address space. */
	ret = got == nr ? kcr_read_into_pages(ctx, pages, nr) : -EFAULT;
	for (i = 0; i < got; i++) {
		if (!ret)
			set_page_dirty_lock(pages[i]);
		put_page(pages[i]);
	}
	return ret;
}

/* @end */
/* @rst-newpages */
/*
 * Map folio, filled, at addr of an anonymous private mapping where
 * nothing is mapped yet, as a write fault would have mapped a new page
 * (do_anonymous_page()).  False if something is there.  mmap_lock held.
 */
static bool kcr_map_new_page(struct vm_area_struct *vma, unsigned long addr,
			     struct folio *folio)
{
	struct mm_struct *mm = vma->vm_mm;
	spinlock_t *ptl;
	pte_t entry, *pte;
	pgd_t *pgd;
	p4d_t *p4d;
	pud_t *pud;
	pmd_t *pmd;

	pgd = pgd_offset(mm, addr);
	p4d = p4d_alloc(mm, pgd, addr);
	pud = p4d ? pud_alloc(mm, p4d, addr) : NULL;
	pmd = pud ? pmd_alloc(mm, pud, addr) : NULL;
	if (!pmd || pte_alloc(mm, pmd))
		return false;
	pte = pte_offset_map_lock(mm, pmd, addr, &ptl);
	if (!pte)
		return false;
	if (!pte_none(ptep_get(pte))) {
		pte_unmap_unlock(pte, ptl);
		return false;
	}
	entry = pte_sw_mkyoung(mk_pte(&folio->page, vma->vm_page_prot));
	if (vma->vm_flags & VM_WRITE)
		entry = pte_mkwrite(pte_mkdirty(entry), vma);
	inc_mm_counter(mm, MM_ANONPAGES);
	folio_add_new_anon_rmap(folio, vma, addr, RMAP_EXCLUSIVE);
	folio_add_lru_vma(folio, vma);
	set_pte_at(mm, addr, pte, entry);
	update_mmu_cache(vma, addr, pte);
	pte_unmap_unlock(pte, ptl);
	return true;
}

/*
 * Read nr pages of the image into current's address space at addr.
 *
 * They are read into new pages, which are mapped as they are where the
 * mapping is anonymous and private and nothing is mapped yet (most of a
 * process: heap, stacks, anonymous mappings): a write fault would have
 * zeroed each page before the image's contents overwrote it.  Anywhere
 * else (a file's private copies, pages a copied address space kept) the
 * contents are written as ptrace would, through get_user_pages().
 */
static int kcr_fill_pages(struct kcr_ctx *ctx, unsigned long addr,
			  unsigned int nr)
{
	struct folio *folios[KCR_PAGES_MAX] = {};
	struct page *pages[KCR_PAGES_MAX];
	struct mm_struct *mm = current->mm;
	struct vm_area_struct *vma;
	unsigned long end = addr + nr * PAGE_SIZE;
	unsigned int i;
	bool fast;
	int ret;

	for (i = 0; i < nr; i++) {
		folios[i] = folio_alloc(GFP_HIGHUSER_MOVABLE, 0);
		if (!folios[i] || mem_cgroup_charge(folios[i], mm, GFP_KERNEL)) {
			ret = -ENOMEM;
			goto out;
		}
		pages[i] = &folios[i]->page;
	}
	/* No lock held: the image may be a file of this address space. */
	ret = kcr_read_into_pages(ctx, pages, nr);
	if (ret)
		goto out;
	for (i = 0; i < nr; i++)
		__folio_mark_uptodate(folios[i]);

	ret = mmap_read_lock_killable(mm);
	if (ret)
		goto out;
	vma = vma_lookup(mm, addr);
	fast = vma && vma_is_anonymous(vma) && !(vma->vm_flags & VM_SHARED) &&
	       end <= vma->vm_end && !anon_vma_prepare(vma);
	for (i = 0; i < nr && fast; i++) {
		if (kcr_map_new_page(vma, addr + i * PAGE_SIZE, folios[i]))
			folios[i] = NULL;	/* the mapping's now */
	}
	mmap_read_unlock(mm);

	/* FOLL_FORCE: ptrace-poke semantics, COW into read-only mappings. */
	for (i = 0; i < nr && !ret; i++) {
		if (folios[i] &&
		    access_remote_vm(mm, addr + i * PAGE_SIZE,
				     folio_address(folios[i]), PAGE_SIZE,
				     FOLL_WRITE | FOLL_FORCE) != PAGE_SIZE)
			ret = -EFAULT;
	}
out:
	for (i = 0; i < nr; i++) {
		if (folios[i])
			folio_put(folios[i]);
	}
	return ret;
}

/* @end */
/* @end */
/* @until rst-inplace */
/*
 * Reads a PAGES record and its contents (into ctx->buf): 1..KCR_PAGES_MAX
 * whole pages at or past *next and below @end, which @what names in the
 * refusal. Moves *next past them.
 */
int kcr_read_pages(struct kcr_ctx *ctx, const struct kcr_hdr *h,
		   struct kcr_rec_pages *r, u64 *next, u64 end,
		   const char *what)
{
	int ret;

	ret = kcr_read_rec(ctx, h, r, sizeof(*r));
	if (ret)
		return ret;
	if (!r->nr_pages || r->nr_pages > KCR_PAGES_MAX || r->__pad ||
	    h->len != sizeof(*r) + r->nr_pages * PAGE_SIZE ||
	    !PAGE_ALIGNED(r->addr) || r->addr < *next || r->addr >= end ||
	    r->nr_pages > (end - r->addr) >> PAGE_SHIFT)
		return KCR_BAD(ctx, "pages %#llx (%u) outside %s (from %#llx below %#llx)",
			       r->addr, r->nr_pages, what, *next, end);
	ret = kcr_read(ctx, ctx->buf, r->nr_pages * PAGE_SIZE);
	if (ret)
		return ret;
	*next = r->addr + r->nr_pages * PAGE_SIZE;
	return 0;
}

/* @end */
/* @rst-inplace */
/*
 * Reads a PAGES record's fixed part: 1..KCR_PAGES_MAX whole pages at or
 * past next and below @end, which @what names in the refusal.  Its
 * contents follow in the image.
 */
static int kcr_read_pages_rec(struct kcr_ctx *ctx, const struct kcr_hdr *h,
			      struct kcr_rec_pages *r, u64 next, u64 end,
			      const char *what)
{
	int ret;

	ret = kcr_read_rec(ctx, h, r, sizeof(*r));
	if (ret)
		return ret;
	if (!r->nr_pages || r->nr_pages > KCR_PAGES_MAX || r->__pad ||
	    h->len != sizeof(*r) + r->nr_pages * PAGE_SIZE ||
	    !PAGE_ALIGNED(r->addr) || r->addr < next || r->addr >= end ||
	    r->nr_pages > (end - r->addr) >> PAGE_SHIFT)
		return KCR_BAD(ctx, "pages %#llx (%u) outside %s (from %#llx below %#llx)",
			       r->addr, r->nr_pages, what, next, end);
	return 0;
}

/*
 * Reads a PAGES record (see kcr_read_pages_rec()) and its contents: into
 * ctx->buf, or, in the dry run, only into the checksum.  Moves *next past
 * them.
 */
int kcr_read_pages(struct kcr_ctx *ctx, const struct kcr_hdr *h,
		   struct kcr_rec_pages *r, u64 *next, u64 end,
		   const char *what)
{
	int ret;

	ret = kcr_read_pages_rec(ctx, h, r, *next, end, what);
	if (ret)
		return ret;
	if (ctx->dry_run)
		ret = kcr_skip(ctx, r->nr_pages * PAGE_SIZE);
	else
		ret = kcr_read(ctx, ctx->buf, r->nr_pages * PAGE_SIZE);
	if (ret)
		return ret;
	*next = r->addr + r->nr_pages * PAGE_SIZE;
	return 0;
}

/* @end */
/* @until cow-rst */
static int kcr_rst_pages(struct kcr_ctx *ctx, const struct kcr_hdr *h,
			 const struct kcr_rec_vma *v, u64 *next)
/* @end */
/* @cow-rst */
static int kcr_rst_pages(struct kcr_ctx *ctx, struct kcr_rst *rst,
			 const struct kcr_hdr *h, const struct kcr_rec_vma *v,
			 u64 *next)
/* @end */
{
	struct kcr_rec_pages r;
	int ret;

/* @until rst-inplace */
	ret = kcr_read_pages(ctx, h, &r, next, v->end, "their mapping");
/* @end */
/* @rst-inplace */
	ret = kcr_read_pages_rec(ctx, h, &r, *next, v->end, "their mapping");
/* @end */
	if (ret)
		return ret;
	if (v->file_ref) {
		/* Truncation unmaps private copies too: none beyond EOF. */
		struct kcr_obj *obj = kcr_obj_find_id(ctx, v->file_ref,
						      KCR_REC_FILE);
		u64 last = v->pgoff + ((r.addr - v->start) >> PAGE_SHIFT) +
			   r.nr_pages;

		if (last > DIV_ROUND_UP_ULL(i_size_read(file_inode(obj->file)),
					    PAGE_SIZE))
			return KCR_BAD(ctx, "pages %#llx (%u) beyond the end of the mapped file",
				       r.addr, r.nr_pages);
	}
/* @until rst-inplace */
	if (ctx->dry_run)
		return 0;
/* @end */
/* @rst-inplace */
	if (ctx->dry_run) {
		ret = kcr_skip(ctx, r.nr_pages * PAGE_SIZE);
		*next = r.addr + r.nr_pages * PAGE_SIZE;
		return ret;
	}
	*next = r.addr + r.nr_pages * PAGE_SIZE;
/* @end */
/* @cow-rst */
	/* In a copied mapping: its own pages, not the parent's. */
	ret = kcr_cow_zap(rst, *next);
	if (ret)
		return ret;
/* @end */
/* @until rst-inplace */
	ret = kcr_fill_pages(r.addr, r.nr_pages, ctx->buf);
/* @end */
/* @rst-inplace */
	ret = kcr_fill_pages(ctx, r.addr, r.nr_pages);
/* @end */
	if (ret) {
		kcr_log(ctx, "cannot fill pages at %#llx: %d", r.addr, ret);
		return ret;
	}
	return 0;
}

static int kcr_rst_vma(struct kcr_ctx *ctx, struct kcr_rst *rst,
		       const struct kcr_hdr *h, struct kcr_rec_vma *v,
		       unsigned long *prev_end)
{
	unsigned long len, addr, mflags;
	struct file *file = NULL;
	int ret;

	if (h->type != KCR_REC_VMA || h->len != sizeof(*v))
		return KCR_BAD(ctx, "offset %llu: type %u length %u, expected mapping",
			       kcr_rec_off(ctx), h->type, h->len);
	ret = kcr_read_rec(ctx, h, v, sizeof(*v));
	if (ret)
		return ret;
	if (v->start >= v->end || !PAGE_ALIGNED(v->start) ||
	    !PAGE_ALIGNED(v->end) || v->end > TASK_SIZE ||
	    v->start < *prev_end || v->start < mmap_min_addr ||
	    (v->prot & ~(PROT_READ | PROT_WRITE | PROT_EXEC)) ||
	    (v->flags & ~KCR_VMA_FLAGS_ALL) ||
	    ((v->flags & KCR_VMA_SHARED) &&
	     (!v->file_ref || (v->flags & KCR_VMA_GROWSDOWN))) ||
/* @mlock */
	    ((v->flags & KCR_VMA_LOCKONFAULT) &&
	     !(v->flags & KCR_VMA_LOCKED)) ||
/* @end */
/* @droppable */
	    ((v->flags & KCR_VMA_DROPPABLE) &&
	     (v->file_ref || (v->flags & (KCR_VMA_SHARED | KCR_VMA_GROWSDOWN)))) ||
/* @end */
	    v->__pad || (!v->file_ref && v->pgoff) ||
	    v->pgoff > (ULONG_MAX >> PAGE_SHIFT) - ((v->end - v->start) >> PAGE_SHIFT))
		return KCR_BAD(ctx, "mapping %#llx-%#llx (prot %#x flags %#x) invalid",
			       v->start, v->end, v->prot, v->flags);
	len = v->end - v->start;
	*prev_end = v->end;
/* @cow-rst */
	/* In a copy of the parent's address space: keep, or make room. */
	ret = kcr_cow_vma(ctx, rst, v);
	if (ret)
		return ret < 0 ? ret : 0;
/* @end */

	if (v->flags & (KCR_VMA_VDSO | KCR_VMA_VVAR)) {
		if (v->file_ref ||
		    (v->flags & ~(KCR_VMA_VDSO | KCR_VMA_VVAR)) ||
		    v->flags == (KCR_VMA_VDSO | KCR_VMA_VVAR))
			return KCR_BAD(ctx, "malformed vDSO mapping");
		if (v->flags & KCR_VMA_VVAR) {
			if (rst->vvar_end || len != kcr_arch_vvar_size())
				return KCR_BAD(ctx, "unexpected vvar mapping");
			rst->vvar_start = v->start;
			rst->vvar_end = v->end;
			return 0;
		}
		if (rst->vdso_done || v->start != rst->mm.vdso ||
		    rst->vvar_end != v->start || len != kcr_arch_vdso_size())
			return KCR_BAD(ctx, "vDSO mapping does not match this kernel's");
		rst->vdso_done = true;
		if (ctx->dry_run)
			return 0;
		ret = kcr_arch_map_vdso(rst->vvar_start, v->start);
		if (ret) {
			kcr_log(ctx, "cannot map the vDSO at %#llx: %d",
				v->start, ret);
			return ret;
		}
		return 0;
	}

	if (v->file_ref) {
		struct kcr_obj *obj = kcr_obj_find_id(ctx, v->file_ref,
						      KCR_REC_FILE);

		if (!obj ||
/* @until ghost */
		    (obj->kind != KCR_FILE_REG && obj->kind != KCR_FILE_SHMEM) ||
/* @end */
/* @ghost */
		    (obj->kind != KCR_FILE_REG && obj->kind != KCR_FILE_SHMEM &&
		     obj->kind != KCR_FILE_GHOST) ||
/* @end */
		    !(obj->file->f_mode & FMODE_READ) ||
		    ((v->flags & KCR_VMA_SHARED) && (v->prot & PROT_WRITE) &&
		     !(obj->file->f_mode & FMODE_WRITE)))
			return KCR_BAD(ctx, "mapping of unknown or unmappable file %u",
				       v->file_ref);
		file = obj->file;
		/* What do_mmap() would refuse for a file mapping. */
		if (v->flags & KCR_VMA_GROWSDOWN)
			return KCR_BAD(ctx, "grows-down file mapping at %#llx",
				       v->start);
		if ((v->prot & PROT_EXEC) && path_noexec(&file->f_path)) {
			kcr_log(ctx, "executable mapping of a file on a noexec mount at %#llx",
				v->start);
			return -EPERM;
		}
	}
	if (ctx->dry_run)
		return 0;
	mflags = MAP_FIXED_NOREPLACE;
	mflags |= v->flags & KCR_VMA_SHARED ? MAP_SHARED : MAP_PRIVATE;
/* @droppable */
	if (v->flags & KCR_VMA_DROPPABLE)
		mflags = MAP_FIXED_NOREPLACE | MAP_DROPPABLE;
/* @end */
	if (!file)
		mflags |= MAP_ANONYMOUS;
	if (v->flags & KCR_VMA_GROWSDOWN)
		mflags |= MAP_GROWSDOWN;
	addr = vm_mmap(file, v->start, len, v->prot, mflags,
		       v->pgoff << PAGE_SHIFT);
	if (addr != v->start) {
		ret = IS_ERR_VALUE(addr) ? (long)addr : -EEXIST;
		kcr_log(ctx, "cannot map %#llx-%#llx: %d", v->start, v->end,
			ret);
		return ret;
	}
	ret = 0;
	if (v->flags & KCR_VMA_DONTFORK)
		ret = do_madvise(current->mm, v->start, len, MADV_DONTFORK);
	if (!ret && (v->flags & KCR_VMA_DONTDUMP))
		ret = do_madvise(current->mm, v->start, len, MADV_DONTDUMP);
	if (!ret && (v->flags & KCR_VMA_WIPEONFORK))
		ret = do_madvise(current->mm, v->start, len, MADV_WIPEONFORK);
/* @mlock */
	if (!ret && (v->flags & KCR_VMA_LOCKED))
		ret = kcr_rst_note_lock(rst, v);
/* @end */
	return ret;
}

/* The layout fields of the mm, as prctl_set_mm_map() sets them. */
void kcr_rst_apply_mm(struct kcr_rst *rst)
{
	struct mm_struct *mm = current->mm;
	const struct kcr_rec_mm *m = &rst->mm;

	mmap_read_lock(mm);
	spin_lock(&mm->arg_lock);
	mm->start_code = m->start_code;
	mm->end_code = m->end_code;
	mm->start_data = m->start_data;
	mm->end_data = m->end_data;
	mm->start_brk = m->start_brk;
	mm->brk = m->brk;
	mm->start_stack = m->start_stack;
	mm->arg_start = m->arg_start;
	mm->arg_end = m->arg_end;
	mm->env_start = m->env_start;
	mm->env_end = m->env_end;
	spin_unlock(&mm->arg_lock);
	mmap_read_unlock(mm);
}

/*
 * Everything after the point of no return.  Reads up to the next task
 * record or the tail, whose header is left in *hp.
 */
int kcr_rst_memory(struct kcr_ctx *ctx, struct kcr_rst *rst,
		   struct kcr_hdr *hp)
{
	unsigned long prev_end = 0;
	struct kcr_rec_vma v = {};
	u64 next = 0;
	struct kcr_hdr h;
	bool in_vma = false;
	u32 nr = 0;
	int ret;

	for (;;) {
		ret = kcr_read_hdr(ctx, &h);
		if (ret)
			return ret;
/* @cow-rst */
		/* The point of no return: a copy of the parent's, or nothing. */
		if (!nr && !in_vma && !rst->fork_rec &&
		    h.type == KCR_REC_MM_FORK) {
			ret = kcr_cow_start(ctx, rst, &h);
			if (ret)
				return ret;
			continue;
		}
		if (!nr && !in_vma && !rst->forked) {
			ret = kcr_unmap_all(ctx, rst);
			if (ret)
				return ret;
		}
/* @end */
/* @until attrs */
		if ((h.type == KCR_REC_TAIL || h.type == KCR_REC_TASK) &&
		    nr == rst->mm.nr_vmas)
			break;
/* @end */
/* @attrs */
		if (h.type == KCR_REC_ATTRS && nr == rst->mm.nr_vmas)
			break;
/* @end */
		if (h.type == KCR_REC_PAGES) {
			if (!in_vma)
				return KCR_BAD(ctx, "pages outside a mapping at offset %llu",
					       kcr_rec_off(ctx));
/* @until cow-rst */
			ret = kcr_rst_pages(ctx, &h, &v, &next);
/* @end */
/* @cow-rst */
			ret = kcr_rst_pages(ctx, rst, &h, &v, &next);
		} else if (h.type == KCR_REC_COW_PAGES) {
			if (!in_vma)
				return KCR_BAD(ctx, "pages outside a mapping at offset %llu",
					       kcr_rec_off(ctx));
			ret = kcr_rst_cow_pages(ctx, rst, &h, &v, &next);
/* @end */
		} else if (nr < rst->mm.nr_vmas) {
			ret = kcr_rst_vma(ctx, rst, &h, &v, &prev_end);
			/* vDSO/vvar and shared mappings carry no pages. */
			in_vma = !(v.flags & (KCR_VMA_VDSO | KCR_VMA_VVAR |
					      KCR_VMA_SHARED));
			next = v.start;
			nr++;
		} else {
			return KCR_BAD(ctx, "unexpected record type %u at offset %llu",
				       h.type, kcr_rec_off(ctx));
		}
		if (ret)
			return ret;
		cond_resched();
	}
	if (rst->mm.vdso && !rst->vdso_done)
		return KCR_BAD(ctx, "vDSO mapping missing");
/* @cow-rst */
	ret = kcr_cow_finish(ctx, rst);
	if (ret)
		return ret;
/* @end */
	*hp = h;
	return 0;
}
/* @end */
