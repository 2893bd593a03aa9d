/* @file attrs */
// SPDX-License-Identifier: GPL-2.0
/*
 * In-kernel checkpoint/restart: the attributes of a process that
 * prctl(2), setpriority(2), sched_setscheduler(2) and
 * /proc/PID/oom_score_adj set, its executable and its auxiliary vector
 * (KCR_REC_ATTRS).
 */
#include <linux/auxvec.h>
#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/file.h>
#include <linux/mm.h>
#include <linux/oom.h>
#include <linux/sched.h>
#include <linux/sched/coredump.h>
#include <linux/sched/prio.h>
#include <linux/sched/signal.h>
#include <linux/signal.h>
#include <uapi/linux/sched/types.h>

#include "kcr_int.h"

/* The scheduling attributes restart() can give back. */
static bool kcr_policy_ok(unsigned int policy)
{
	return policy == SCHED_NORMAL || policy == SCHED_BATCH ||
	       policy == SCHED_IDLE;
}

/*
 * Checkpoint side: every thread of @th must carry the attributes restart()
 * gives all of them (the process's), and a policy restart() can set.
 */
int kcr_check_attrs(struct kcr_ctx *ctx, struct kcr_threads *th)
{
	struct task_struct *p = th->t[0];
	u32 i;

	for (i = 0; i < th->nr; i++) {
		struct task_struct *t = th->t[i];

		ctx->pid = task_pid_vnr(t);
		if (!kcr_policy_ok(t->policy)) {
			kcr_log(ctx, "scheduling policy %u (real-time or deadline: not supported)",
				t->policy);
			return -EOPNOTSUPP;
		}
		if (task_nice(t) != task_nice(p) || t->policy != p->policy ||
		    t->sched_reset_on_fork != p->sched_reset_on_fork ||
		    t->pdeath_signal != p->pdeath_signal ||
		    t->timer_slack_ns != p->timer_slack_ns) {
			kcr_log(ctx,
				"thread with its own nice value, policy, parent-death signal or timer slack (not supported)");
			return -EOPNOTSUPP;
		}
	}
	ctx->pid = task_pid_vnr(p);
	return 0;
}

/* The bytes of mm->saved_auxv up to and including its AT_NULL pair. */
static u32 kcr_auxv_len(struct mm_struct *mm)
{
	u32 n;

	for (n = 0; n + 1 < AT_VECTOR_SIZE; n += 2)
		if (mm->saved_auxv[n] == AT_NULL)
			break;
	return min_t(u32, (n + 2) * sizeof(u64), KCR_AUXV_MAX);
}

/* The executable's file object, written before the memory records. */
int kcr_write_exe_obj(struct kcr_ctx *ctx, struct mm_struct *mm)
{
	struct file *exe = get_mm_exe_file(mm);
	int ret;

	if (!exe)
		return 0;
	ret = kcr_write_file_obj(ctx, exe, -1);
	fput(exe);
	return ret;
}

int kcr_write_attrs(struct kcr_ctx *ctx, struct task_struct *t,
		    struct mm_struct *mm)
{
	struct kcr_rec_attrs r = {};
	struct file *exe;
	u64 *auxv = ctx->buf;
	u32 i;
	int ret = 0;

	BUILD_BUG_ON(sizeof(mm->saved_auxv[0]) != sizeof(u64));
	r.nice = task_nice(t);
	r.policy = t->policy;
	r.oom_score_adj = t->signal->oom_score_adj;
	r.pdeath_signal = t->pdeath_signal;
	r.timer_slack_ns = t->timer_slack_ns;
	if (test_bit(MMF_DISABLE_THP, &mm->flags))
		r.flags |= KCR_ATTR_THP_DISABLE;
	if (t->signal->is_child_subreaper)
		r.flags |= KCR_ATTR_SUBREAPER;
	if (t->sched_reset_on_fork)
		r.flags |= KCR_ATTR_RESET_ON_FORK;
/* @mlock */
	r.flags |= kcr_mm_lock_flags(mm);
/* @end */
	exe = get_mm_exe_file(mm);
	if (exe) {
		struct kcr_obj *obj = kcr_obj_find_key(ctx, exe);

		fput(exe);
		/* kcr_write_exe_obj() wrote it, with the other files. */
		if (WARN_ON_ONCE(!obj))
			return -EINVAL;
		r.exe_ref = obj->id;
	}
	r.auxv_len = kcr_auxv_len(mm);
	task_lock(t);
	for (i = 0; i < r.auxv_len / sizeof(u64); i++)
		auxv[i] = mm->saved_auxv[i];
	task_unlock(t);
	/* Whatever the vector held, the image's ends with AT_NULL. */
	auxv[r.auxv_len / sizeof(u64) - 2] = AT_NULL;
	auxv[r.auxv_len / sizeof(u64) - 1] = 0;
	kcr_init_rec(ctx, &r, KCR_REC_ATTRS, sizeof(r) + r.auxv_len);
	ret = kcr_write(ctx, &r, sizeof(r));
	return ret ? ret : kcr_write(ctx, auxv, r.auxv_len);
}

/*
 * Restart side: read and check the record (this also runs in restart()'s
 * first, dry pass over the image, before the point of no return).
 */
int kcr_rst_attrs(struct kcr_ctx *ctx, struct kcr_rst *rst,
		  const struct kcr_hdr *h)
{
	struct kcr_rec_attrs *r = &rst->attrs;
	struct kcr_obj *exe = NULL;
	u32 n;
	int ret;

	if (h->type != KCR_REC_ATTRS || h->len < sizeof(*r))
		return KCR_BAD(ctx, "offset %llu: type %u length %u, expected attributes",
			       kcr_rec_off(ctx), h->type, h->len);
	ret = kcr_read_rec(ctx, h, r, sizeof(*r));
	if (ret)
		return ret;
	if (r->auxv_len < 2 * sizeof(u64) || r->auxv_len % (2 * sizeof(u64)) ||
	    r->auxv_len > KCR_AUXV_MAX ||
	    r->auxv_len > sizeof(current->mm->saved_auxv) ||
	    h->len != sizeof(*r) + r->auxv_len)
		return KCR_BAD(ctx, "auxiliary vector of %u bytes", r->auxv_len);
	if (r->nice < MIN_NICE || r->nice > MAX_NICE ||
	    !kcr_policy_ok(r->policy) ||
	    r->oom_score_adj < OOM_SCORE_ADJ_MIN ||
	    r->oom_score_adj > OOM_SCORE_ADJ_MAX ||
	    (r->pdeath_signal && !valid_signal(r->pdeath_signal)) ||
	    r->timer_slack_ns > ULONG_MAX || (r->flags & ~KCR_ATTR_ALL) ||
/* @mlock */
	    ((r->flags & KCR_ATTR_MCL_ONFAULT) &&
	     !(r->flags & KCR_ATTR_MCL_FUTURE)) ||
/* @end */
	    r->__pad)
		return KCR_BAD(ctx, "attributes: nice %d policy %u oom %d pdeathsig %u flags %#x",
			       r->nice, r->policy, r->oom_score_adj,
			       r->pdeath_signal, r->flags);
	if (r->exe_ref) {
		exe = kcr_obj_find_id(ctx, r->exe_ref, KCR_REC_FILE);
/* @until ghost */
		if (!exe || exe->kind != KCR_FILE_REG)
/* @end */
/* @ghost */
		/* A program deleted while it runs (upgraded) too. */
		if (!exe || (exe->kind != KCR_FILE_REG &&
			     exe->kind != KCR_FILE_GHOST))
/* @end */
			return KCR_BAD(ctx, "executable reference %u is not a regular file",
				       r->exe_ref);
	}
	ret = kcr_read(ctx, rst->auxv, r->auxv_len);
	if (ret)
		return ret;
	n = r->auxv_len / sizeof(u64);
	if (rst->auxv[n - 2] != AT_NULL)
		return KCR_BAD(ctx, "auxiliary vector without AT_NULL at its end");
	rst->exe = exe ? exe->file : NULL;
	return 0;
}

static int kcr_mark_subreaper(struct task_struct *p, void *unused)
{
	if (p->signal->has_child_subreaper)
		return 0;	/* its descendants have it too */
	p->signal->has_child_subreaper = 1;
	return 1;
}

/* @file is the executable of @mm already (a program restarting itself). */
static bool kcr_is_exe(struct mm_struct *mm, struct file *file)
{
	struct file *exe = get_mm_exe_file(mm);
	bool same = exe && file_inode(exe) == file_inode(file);

	if (exe)
		fput(exe);
	return same;
}

/*
 * Apply them to the caller, after its credentials: each with the check
 * of the system call that sets it, for the restored user.
 */
int kcr_apply_attrs(struct kcr_ctx *ctx, struct kcr_rst *rst)
{
	const struct kcr_rec_attrs *r = &rst->attrs;
	struct mm_struct *mm = current->mm;
	struct sched_param sp = {};
	int ret;

	if (r->nice < task_nice(current) && !can_nice(current, r->nice)) {
		kcr_log(ctx, "nice %d: not allowed (needs CAP_SYS_NICE or RLIMIT_NICE)",
			r->nice);
		return -EPERM;
	}
	ret = sched_setscheduler(current, r->policy |
				 (r->flags & KCR_ATTR_RESET_ON_FORK ?
				  SCHED_RESET_ON_FORK : 0), &sp);
	if (ret) {
		kcr_log(ctx, "scheduling policy %u: %d", r->policy, ret);
		return ret;
	}
	set_user_nice(current, r->nice);
	if (r->oom_score_adj < current->signal->oom_score_adj_min &&
	    !capable(CAP_SYS_RESOURCE)) {
		kcr_log(ctx, "oom_score_adj %d: below %d, needs CAP_SYS_RESOURCE",
			r->oom_score_adj, current->signal->oom_score_adj_min);
		return -EACCES;
	}
	current->signal->oom_score_adj = r->oom_score_adj;
	current->pdeath_signal = r->pdeath_signal;
	if (r->timer_slack_ns)
		current->timer_slack_ns = r->timer_slack_ns;
	else
		current->timer_slack_ns = current->default_timer_slack_ns;
	if (r->flags & KCR_ATTR_SUBREAPER) {
		current->signal->is_child_subreaper = 1;
		walk_process_tree(current, kcr_mark_subreaper, NULL);
	}
	mmap_write_lock(mm);
	if (r->flags & KCR_ATTR_THP_DISABLE)
		set_bit(MMF_DISABLE_THP, &mm->flags);
	else
		clear_bit(MMF_DISABLE_THP, &mm->flags);
	mmap_write_unlock(mm);
	task_lock(current);
	memset(mm->saved_auxv, 0, sizeof(mm->saved_auxv));
	memcpy(mm->saved_auxv, rst->auxv, r->auxv_len);
	task_unlock(current);
	if (rst->exe && !kcr_is_exe(mm, rst->exe)) {
		ret = replace_mm_exe_file(mm, rst->exe);
		if (ret) {
			kcr_log(ctx, "cannot make %pD the executable: %d",
				rst->exe, ret);
			return ret;
		}
	}
	return 0;
}
