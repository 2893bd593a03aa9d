/* @file restart */
// SPDX-License-Identifier: GPL-2.0
/*
 * In-kernel checkpoint/restart: restart(2).
 *
 * The caller replaces its own address space, registers and FPU state
 * with those of the image and returns to user mode where the checkpointed
 * task was.  Every record is validated before it is used.  Records that
 * can be fully checked up front (header, task, registers, FPU state,
 * files, mm layout) come before the address space is torn down.  A
 * regular-file image is first read completely in a dry run that applies
 * every check (including the checksum) and changes nothing.  Once the
 * old address space is gone, any failure kills the caller with SIGKILL
 * instead of returning to user mode.
 *
 * An image of a process tree is restarted by all its processes, created
 * beforehand by user space; see "Process trees" below.
 */
#include <linux/capability.h>
#include <linux/errno.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/memfd.h>
#include <linux/mm.h>
#include <linux/sched.h>
#include <linux/sched/coredump.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/shmem_fs.h>
#include <linux/signal.h>
#include <linux/slab.h>
#include <linux/syscalls.h>
#include <linux/futex.h>
#include <linux/rseq.h>

#include "kcr_int.h"

/* Read the next header and require a given type and exact length. */
int kcr_expect(struct kcr_ctx *ctx, struct kcr_hdr *h, u32 type,
	       u32 len)
{
	int ret = kcr_read_hdr(ctx, h);

	if (ret)
		return ret;
	if (h->type != type || h->len != len)
		return KCR_BAD(ctx, "offset %llu: type %u length %u, expected %u/%u",
			       kcr_rec_off(ctx), h->type, h->len, type, len);
	return 0;
}

/* The task record, whose header h was read. */
int kcr_rst_task(struct kcr_ctx *ctx, const struct kcr_hdr *h,
		 struct kcr_rec_task *t)
{
	int ret;

	if (h->type != KCR_REC_TASK || h->len != sizeof(*t))
		return KCR_BAD(ctx, "offset %llu: type %u length %u, expected a task record",
			       kcr_rec_off(ctx), h->type, h->len);
	ret = kcr_read_rec(ctx, h, t, sizeof(*t));
	if (ret)
		return ret;
	if ((t->flags & ~KCR_TASK_FLAGS_ALL) || t->__pad2 ||
	    !kcr_str_ok(t->comm, sizeof(t->comm)))
		return KCR_BAD(ctx, "malformed task record");
	/* The checks of do_sigaltstack(). */
	if (!t->sas_ss_size) {
		if (t->sas_ss_sp || (t->sas_ss_flags && t->sas_ss_flags != SS_DISABLE))
			return KCR_BAD(ctx, "bad sigaltstack");
	} else if ((t->sas_ss_flags & ~SS_AUTODISARM) ||
		   t->sas_ss_size < MINSIGSTKSZ ||
		   !sigaltstack_size_valid(t->sas_ss_size) ||
		   t->sas_ss_sp >= TASK_SIZE ||
		   t->sas_ss_size > TASK_SIZE - t->sas_ss_sp) {
		return KCR_BAD(ctx, "bad sigaltstack %#llx (%llu bytes, flags %#x)",
			       t->sas_ss_sp, t->sas_ss_size, t->sas_ss_flags);
	}
	if (t->rseq) {
#ifdef CONFIG_RSEQ
		/* The checks of sys_rseq() for a first registration. */
		if (t->rseq_len < 32 || t->rseq_len > PAGE_SIZE ||
		    !IS_ALIGNED(t->rseq, 32) ||
		    t->rseq >= TASK_SIZE - t->rseq_len)
			return KCR_BAD(ctx, "bad rseq area");
#else
		kcr_log(ctx, "image uses rseq, not configured in this kernel");
		return -EOPNOTSUPP;
#endif
	}
	if (t->clear_child_tid >= TASK_SIZE)
		return KCR_BAD(ctx, "bad clear_child_tid");
	if (t->robust_list) {
#ifdef CONFIG_FUTEX
		if (t->robust_list_len != sizeof(struct robust_list_head) ||
		    t->robust_list >= TASK_SIZE - t->robust_list_len)
			return KCR_BAD(ctx, "bad robust futex list");
#else
		kcr_log(ctx, "image uses robust futexes, not configured in this kernel");
		return -EOPNOTSUPP;
#endif
	} else if (t->robust_list_len) {
		return KCR_BAD(ctx, "bad robust futex list");
	}
	return 0;
}

/* The next record header, or the one read ahead. */
int kcr_rst_next_hdr(struct kcr_ctx *ctx, struct kcr_rst *rst,
		     struct kcr_hdr *h)
{
	if (!rst->have_next)
		return kcr_read_hdr(ctx, h);
	*h = rst->next;
	rst->have_next = false;
	return 0;
}

/* The per-thread fields of @t that restart sets directly on @p. */
void kcr_rst_apply_task(struct task_struct *p, const struct kcr_rec_task *t)
{
	set_task_comm(p, t->comm);
#ifdef CONFIG_RSEQ
	p->rseq = u64_to_user_ptr(t->rseq);
	p->rseq_len = t->rseq_len;
	p->rseq_sig = t->rseq_sig;
	if (p->rseq)
		rseq_set_notify_resume(p);
#endif
	p->clear_child_tid = u64_to_user_ptr(t->clear_child_tid);
#ifdef CONFIG_FUTEX
	p->robust_list = u64_to_user_ptr(t->robust_list);
#endif
}

static void kcr_rst_release(struct kcr_rst *rst)
{
/* @threads */
	u32 i;

	kcr_wake_threads(rst);
	for (i = 0; i < rst->nr_threads; i++) {
		kcr_rst_free_sigs(&rst->threads[i].sigs);
		kvfree(rst->threads[i].regs.xstate);
	}
	kvfree(rst->threads);
	if (rst->maker_cred)
		put_cred(rst->maker_cred);
/* @end */
/* @signal */
	kcr_rst_free_sigs(&rst->sigs);
/* @end */
/* @cred */
	kvfree(rst->groups);
/* @end */
/* @files-rst */
	kvfree(rst->fds);
/* @end */
/* @cpu */
	kvfree(rst->regs.xstate);
/* @end */
/* @mlock */
	kvfree(rst->locks);
/* @end */
/* @ptimers-rst */
	kvfree(rst->ptimers);
/* @end */
/* @locks */
	kvfree(rst->flocks);
/* @end */
/* @fown */
	kvfree(rst->fowns);
/* @end */
/* @cred */
	if (rst->open_cred)
		put_cred(rst->open_cred);
/* @end */
}

/*
 * Restore the caller from one process's section of the image, from its
 * task record (header in *hp) to its last mapping; *hp gets the header
 * of the record that follows.  e: its tree entry, or NULL.
 */
int kcr_restart_one(struct kcr_ctx *ctx, struct kcr_rst *rst,
		    struct kcr_hdr *hp, const struct kcr_tree_task *e)
{
/* @files-rst */
	struct kcr_obj *obj;
/* @end */
/* @shmem */
	struct kcr_obj *shm = NULL;	/* a shmem object, before its pages */
	u64 shm_next = 0;
/* @end */
/* @signal */
	sigset_t legacy;
/* @end */
	struct kcr_hdr h;
	int ret;

	kcr_rst_release(rst);
	memset(rst, 0, sizeof(*rst));
/* @signal */
	INIT_LIST_HEAD(&rst->sigs);
	sigemptyset(&legacy);
/* @end */

	ret = kcr_rst_task(ctx, hp, &rst->task);
	if (ret)
		return ret;
	ctx->pid = rst->task.pid;
	memcpy(ctx->comm, rst->task.comm, sizeof(ctx->comm));
	if (e && (rst->task.pid != e->pid || rst->task.tgid != e->pid ||
		  rst->task.ppid != e->ppid))
		return KCR_BAD(ctx, "task record %d/%d/%d does not match the tree",
			       rst->task.pid, rst->task.tgid, rst->task.ppid);
	if ((rst->task.flags & KCR_TASK_THREAD) ||
	    rst->task.pid != rst->task.tgid || rst->task.nr_threads < 1 ||
	    rst->task.nr_threads > KCR_THREADS_MAX ||
	    (rst->task.flags & KCR_TASK_SELF && rst->task.nr_threads != 1))
		return KCR_BAD(ctx, "task record %d/%d with %u threads is not a process",
			       rst->task.pid, rst->task.tgid,
			       rst->task.nr_threads);
/* @cpu */
	ret = kcr_rst_cpu(ctx, rst, &rst->regs);
	if (ret)
		return ret;
/* @end */
/* @cred */
	ret = kcr_rst_groups(ctx, rst);
	if (!ret)
		ret = kcr_rst_rlimits(ctx, rst);
/* @end */
/* @signal */
	if (!ret)
		ret = kcr_rst_sighand(ctx, rst);
/* @end */
	if (ret)
		return ret;
/* @cred */
	rst->open_cred = kcr_image_cred(rst);
	if (IS_ERR(rst->open_cred)) {
		ret = PTR_ERR(rst->open_cred);
		rst->open_cred = NULL;
		return ret;
	}
/* @end */

	/* The objects of the process: pending signals, pipes, files. */
	for (;;) {
		ret = kcr_rst_next_hdr(ctx, rst, &h);
		if (ret)
			return ret;
/* @shmem */
		if (h.type == KCR_REC_PAGES && shm) {
			ret = kcr_rst_shm_pages(ctx, &h, shm, &shm_next);
			if (ret)
				return ret;
			cond_resched();
			continue;
		}
		shm = NULL;
/* @end */
		switch (h.type) {
/* @signal */
		case KCR_REC_SIGPENDING:
			ret = kcr_rst_sigpending(ctx, rst, &h, &rst->sigs,
						 &legacy, false);
			break;
/* @end */
/* @pipe */
		case KCR_REC_PIPE:
			ret = kcr_rst_pipe(ctx, &h);
			break;
/* @end */
/* @files-rst */
		case KCR_REC_FILE:
			ret = kcr_rst_file(ctx, rst->open_cred, &h, &obj);
/* @shmem */
			if (!ret && obj->kind == KCR_FILE_SHMEM) {
				shm = obj;
				shm_next = 0;
			}
/* @end */
/* @ghost */
			if (!ret && obj->kind == KCR_FILE_GHOST) {
				shm = obj;
				shm_next = 0;
			}
/* @end */
			break;
/* @end */
/* @seals */
		case KCR_REC_SEALS:
			ret = kcr_rst_seals(ctx, &h);
			break;
/* @end */
/* @unix-queue-rst */
		case KCR_REC_UNIX_QUEUE:
			ret = kcr_rst_unix_queue(ctx, &h);
			break;
/* @end */
		default:
			goto objects_done;
		}
		if (ret)
			return ret;
		cond_resched();
	}
objects_done:
/* @unix-queue-rst */
	ret = kcr_rst_unix_done(ctx);
	if (ret)
		return ret;
/* @end */
/* @files-rst */
	ret = kcr_rst_fs(ctx, rst, &h);
	if (!ret)
		ret = kcr_rst_fdtable(ctx, rst);
	if (ret)
		return ret;
/* @end */
/* @memory-rst */
	ret = kcr_read_hdr(ctx, &h);
/* @locks */
	while (!ret && h.type == KCR_REC_LOCK) {
		ret = kcr_rst_lock(ctx, rst, &h);
		if (!ret)
			ret = kcr_read_hdr(ctx, &h);
	}
/* @end */
/* @fown */
	while (!ret && h.type == KCR_REC_FOWN) {
		ret = kcr_rst_fown(ctx, rst, &h);
		if (!ret)
			ret = kcr_read_hdr(ctx, &h);
	}
/* @end */
/* @ctty */
	if (!ret && h.type == KCR_REC_CTTY) {
		ret = kcr_rst_ctty(ctx, rst, &h);
		if (!ret)
			ret = kcr_read_hdr(ctx, &h);
	}
/* @end */
	if (!ret)
		ret = kcr_rst_mm_rec(ctx, &h, &rst->mm);
/* @until cow-rst */
	if (!ret)
		ret = kcr_unmap_all(ctx, rst);
/* @end */
	if (!ret)
		ret = kcr_rst_memory(ctx, rst, hp);
/* @end */
/* @until memory-rst */
	*hp = h;
/* @end */
/* @attrs */
	if (!ret)
		ret = kcr_rst_attrs(ctx, rst, hp);
	if (!ret)
		ret = kcr_read_hdr(ctx, hp);
/* @end */
/* @itimers */
	if (!ret && hp->type == KCR_REC_ITIMERS) {
		ret = kcr_rst_itimers(ctx, rst, hp);
		if (!ret)
			ret = kcr_read_hdr(ctx, hp);
	}
/* @end */
/* @ptimers-rst */
	if (!ret && hp->type == KCR_REC_PTIMERS) {
		ret = kcr_rst_ptimers(ctx, rst, hp);
		if (!ret)
			ret = kcr_read_hdr(ctx, hp);
	}
/* @end */
/* @threads */
	if (!ret)
		ret = kcr_rst_threads(ctx, rst, hp);
/* @end */
	if (ret || ctx->dry_run)
		return ret;

/* @memory-rst */
	kcr_rst_apply_mm(rst);
/* @end */
	kcr_rst_apply_task(current, &rst->task);
/* @cred */
	/* Limits first: replace_fd() checks RLIMIT_NOFILE. */
	ret = kcr_apply_rlimits(ctx, rst);
/* @end */
/* @files-rst */
	if (!ret)
		ret = kcr_apply_files(ctx, rst);
/* @end */
/* @locks */
	/* Owned by the fd table just installed (POSIX locks). */
	if (!ret)
		ret = kcr_apply_locks(ctx, rst);
/* @end */
/* @threads */
	/* Threads are made after the credentials, with the restarter's. */
	if (!ret && rst->nr_threads)
		rst->maker_cred = get_current_cred();
/* @end */
/* @cred */
	if (!ret) {
		ret = kcr_apply_creds(rst);
		if (ret)
			kcr_log(ctx, "cannot set the credentials: %d", ret);
	}
/* @end */
/* @attrs */
	/* Before the threads are made: they inherit what they share. */
	if (!ret)
		ret = kcr_apply_attrs(ctx, rst);
/* @end */
/* @mlock */
	/* With the restored user's RLIMIT_MEMLOCK and capabilities. */
	if (!ret)
		ret = kcr_apply_mlock(ctx, rst);
/* @end */
	/* After the credentials, whose change resets it. */
	if (!ret)
		set_dumpable(current->mm,
			     rst->task.flags & KCR_TASK_UNDUMPABLE ?
			     SUID_DUMP_DISABLE : SUID_DUMP_USER);
/* @files-rst */
	/* As after exec of a file its user may not read. */
	if (!ret && ctx->exec_only)
		set_dumpable(current->mm, SUID_DUMP_DISABLE);
/* @end */
/* @signal */
	if (!ret)
		ret = kcr_apply_signals(ctx, rst);
/* @end */
/* @fown */
	/*
	 * After the credentials, which F_SETOWN records for SIGIO, and the
	 * threads, which F_SETOWN_EX may name.
	 */
	if (!ret)
		ret = kcr_apply_fown(ctx, rst);
/* @end */
/* @ctty */
	/* In its session and process group, restored with the tree. */
	if (!ret)
		ret = kcr_apply_ctty(ctx, rst);
/* @end */
/* @itimers */
	/* Last: their time left counts from here. */
	if (!ret)
		ret = kcr_apply_itimers(ctx, rst);
/* @end */
/* @ptimers-rst */
	if (!ret)
		ret = kcr_apply_ptimers(ctx, rst);
/* @end */
	if (ret)
		return ret;
/* @cpu */
	ret = kcr_arch_set_xstate(current, rst->regs.xstate, rst->xstate_size);
	if (ret) {
		kcr_log(ctx, "cannot restore the FPU state: %d", ret);
		return ret;
	}
	ret = kcr_arch_set_debugregs(current,
				     rst->regs.has_dr ? &rst->regs.dr : NULL);
	if (ret) {
		kcr_log(ctx, "cannot restore the debug registers: %d", ret);
		return ret;
	}
	ret = kcr_arch_set_regs(current, &rst->regs.cpu.regs);
	if (ret)
		kcr_log(ctx, "cannot restore the registers: %d", ret);
/* @end */
	return ret;
}

/*
 * Read and restore a whole image.  Without a tree (tr NULL), the caller
 * is the one process; with one, the caller is the root.
 */
static int kcr_restart(struct kcr_ctx *ctx, struct kcr_rst *rst,
		       struct kcr_tree *tr)
{
	struct kcr_hdr h;
	u32 i, nr = 1;
	int ret;

	ret = kcr_expect(ctx, &h, KCR_REC_HEADER, sizeof(rst->hdr));
	if (!ret)
		ret = kcr_read_rec(ctx, &h, &rst->hdr, sizeof(rst->hdr));
	if (!ret)
		ret = kcr_check_header(ctx, &rst->hdr);
	if (ret)
		return ret;
	if (!(rst->hdr.flags & KCR_CHECKPOINT_TREE) != !tr) {
		kcr_log(ctx, tr ? "not the image of a process tree" :
			"image of a process tree: needs KCR_RESTART_TREE");
		return -EINVAL;
	}
	ret = kcr_read_hdr(ctx, &h);
/* @tree-rst */
	if (!ret && tr) {
		ret = kcr_rst_tree_rec(ctx, &h, tr);
		if (!ret && !ctx->dry_run)
			ret = kcr_tree_start(ctx, tr);
		if (!ret)
			ret = kcr_read_hdr(ctx, &h);
		nr = tr->nr;
	}
/* @end */
	for (i = 0; i < nr && !ret; i++) {
/* @tree-rst */
/* @zombie */
		if (tr && tr->tt[i].flags & KCR_TREE_GONE)
			continue;
/* @end */
		if (i && !ctx->dry_run)
			ret = kcr_tree_turn(tr, i, &h);
		else
			ret = kcr_restart_one(ctx, rst, &h,
					      tr ? &tr->tt[i] : NULL);
/* @end */
/* @until tree-rst */
		ret = kcr_restart_one(ctx, rst, &h, NULL);
/* @end */
		cond_resched();
	}
	if (ret)
		return ret;
/* @tree-rst */
	if (tr)
		ctx->pid = tr->tt[0].pid;
/* @end */
	if (h.type != KCR_REC_TAIL)
		return KCR_BAD(ctx, "unexpected record type %u at offset %llu",
			       h.type, kcr_rec_off(ctx));
/* @until seals */
	return kcr_check_tail(ctx, &h);
/* @end */
/* @seals */
	ret = kcr_check_tail(ctx, &h);
	/* Every process has its mappings: F_SEAL_FUTURE_WRITE now. */
	if (!ret && !ctx->dry_run)
		ret = kcr_apply_seals(ctx);
	return ret;
/* @end */
}

/*
 * A regular-file image is read twice, in the dry run and then for real:
 * nobody may change it in between, or an image that passed every check
 * could be swapped for one that fails after the caller's address space
 * is gone.  Deny writers for the whole restart, as execve() does for the
 * binary; if the file is open for writing (or is a memfd without write
 * seals, whose writers are not counted), read it once into a private
 * copy that both passes read.
 */
static int kcr_hold_image(struct kcr_ctx *ctx)
{
	const int seals = F_SEAL_WRITE | F_SEAL_SHRINK | F_SEAL_GROW;
	struct file *f = ctx->file, *copy;
	loff_t in = ctx->pos, out = 0;
	bool memfd = file_inode(f)->i_sb->s_flags & SB_KERNMOUNT;
	ssize_t n, w;

	if (memfd) {
		long got = memfd_fcntl(f, F_GET_SEALS, 0);

		if (got >= 0 && (got & seals) == seals)
			return 0;
	} else if (!deny_write_access(f)) {
		ctx->image_held = true;
		return 0;
	}
	copy = shmem_kernel_file_setup("kcr-image", 0, VM_NORESERVE);
	if (IS_ERR(copy))
		return PTR_ERR(copy);
	for (;;) {
		n = kernel_read(f, ctx->buf, KCR_BUF_SIZE, &in);
		if (n <= 0)
			break;
		w = kernel_write(copy, ctx->buf, n, &out);
		if (w != n) {
			n = w < 0 ? w : -EIO;
			break;
		}
		if (fatal_signal_pending(current)) {
			n = -EINTR;
			break;
		}
		cond_resched();
	}
	if (n < 0) {
		kcr_log(ctx, "cannot copy the image, which has writers: %zd", n);
		fput(copy);
		return n;
	}
	kcr_log(ctx, "image has writers: read once into a private copy (%lld bytes)",
		out);
	/* The caller's file, for joiners to find. */
	ctx->image = f;
	ctx->file = copy;
	ctx->pos = 0;
	return 0;
}

SYSCALL_DEFINE4(restart, pid_t, pid, int, fd, unsigned long, flags,
		int, logfd)
{
	struct kcr_tree *tr = NULL;
	struct kcr_rst *rst;
	struct kcr_ctx *ctx;
	bool ok = false;
	long ret;

	if (flags & ~KCR_RESTART_FLAGS_ALL ||
	    (flags & KCR_RESTART_TREE && flags & KCR_RESTART_JOIN) ||
	    (flags & KCR_RESTART_JOIN && logfd != -1))
		return -EINVAL;
/* @until tree-rst */
	if (flags & (KCR_RESTART_TREE | KCR_RESTART_JOIN))
		return -EOPNOTSUPP;
/* @end */
	/* Every process restores itself. */
	if (pid && pid != task_pid_vnr(current))
		return -EINVAL;
	if (!checkpoint_restore_ns_capable(current_user_ns()))
		return -EPERM;
	if (flags & KCR_RESTART_JOIN && !current_is_single_threaded())
		return -EBUSY;

	rst = kzalloc(sizeof(*rst), GFP_KERNEL_ACCOUNT);
	if (!rst)
		return -ENOMEM;
/* @signal */
	INIT_LIST_HEAD(&rst->sigs);
/* @end */
/* @tree-rst */
	if (flags & KCR_RESTART_JOIN) {
		ret = kcr_restart_join(fd, rst);
/* @zombie */
		if (!ret && rst->zombie) {
			kcr_rst_release(rst);
			kcr_zombie_do_exit(rst);
		}
/* @end */
		goto out_rst;
	}
/* @end */

	ctx = kcr_ctx_alloc(fd, logfd, true);
	if (IS_ERR(ctx)) {
		ret = PTR_ERR(ctx);
		goto out_rst;
	}
	if (!current_is_single_threaded()) {
		kcr_log(ctx, "caller is multi-threaded or shares its mm");
		kcr_ctx_free(ctx);
		ret = -EBUSY;
		goto out_rst;
	}
	/*
	 * Restart writes the image's pages with FOLL_FORCE, executable ones
	 * included, into the caller's mm, whose flags the task keeps.
	 */
	if (test_bit(MMF_HAS_MDWE, &current->mm->flags)) {
		kcr_log(ctx, "caller is under PR_SET_MDWE (memory-deny-write-execute)");
		kcr_ctx_free(ctx);
		ret = -EPERM;
		goto out_rst;
	}
/* @tree-rst */
	if (flags & KCR_RESTART_TREE) {
		/* From now on, the tree owns the context. */
		tr = kcr_tree_new(ctx);
		if (!tr) {
			kcr_ctx_free(ctx);
			ret = -ENOMEM;
			goto out_rst;
		}
	}
/* @end */
	if (S_ISREG(file_inode(ctx->file)->i_mode)) {
		loff_t start;

		ret = kcr_hold_image(ctx);
		if (ret)
			goto out;
		start = ctx->pos;
		ctx->dry_run = true;
		ret = kcr_restart(ctx, rst, tr);
		if (ret)
			goto out;
		ctx->dry_run = false;
		kcr_ctx_rewind(ctx, start);
/* @rst-inplace */
		/* Held: the same bytes again, whose checksum was right. */
		ctx->sum_checked = true;
/* @end */
	}
	ret = kcr_restart(ctx, rst, tr);
	ok = !ret;
	if (ok) {
		kcr_log(ctx, "restarted: %llu bytes, %u records%s", ctx->total,
			ctx->nr_records, tr ? ", process tree" : "");
/* @cpu */
		ret = (long)rst->regs.cpu.regs.ax;
/* @end */
/* @memory-rst */
	} else if (rst->mm_gone) {
		/* Never return to a half-restored address space. */
		kcr_log(ctx, "failed after the old address space was released: killed");
		force_fatal_sig(SIGKILL);
/* @end */
	}
out:
/* @tree-rst */
	if (tr) {
		kcr_tree_set_state(tr, ok ? KCR_TREE_OK : KCR_TREE_FAILED);
		kcr_tree_put(tr);
	} else {
		kcr_ctx_free(ctx);
	}
/* @end */
/* @until tree-rst */
	kcr_ctx_free(ctx);
/* @end */
out_rst:
	kcr_rst_release(rst);
	kfree(rst);
	return ret;
}
