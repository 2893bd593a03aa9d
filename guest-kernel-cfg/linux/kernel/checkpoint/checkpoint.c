/* @file checkpoint */
// SPDX-License-Identifier: GPL-2.0
/*
 * In-kernel checkpoint/restart: checkpoint(2).
 *
 * A task checkpoints itself (pid 0 or its own pid) while running, or
 * another task that the cgroup v2 freezer has parked in
 * do_freezer_trap(), alone or (KCR_CHECKPOINT_TREE) with all its
 * descendants.  Everything is checked before anything is written; the
 * image is the header, then each process's section (its task record and
 * the records of each kind of state, written by the file that owns that
 * kind: cpu.c, cred.c, signal.c, files.c, memory.c, ...), then the tail.
 * Anything that cannot be saved is refused with an errno and a log line;
 * an image without its tail record is incomplete.
 */
#include <linux/cgroup.h>
#include <linux/cred.h>
#include <linux/errno.h>
#include <linux/mm.h>
#include <linux/pid_namespace.h>
#include <linux/ptrace.h>
#include <linux/sched.h>
#include <linux/sched/coredump.h>
#include <linux/sched/jobctl.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/sched/task_stack.h>
#include <linux/slab.h>
#include <linux/syscalls.h>
#include <linux/uidgid.h>
#include <linux/futex.h>

#include "kcr_int.h"

static atomic_t kcr_ckpt_id = ATOMIC_INIT(0);

int kcr_write_task(struct kcr_ctx *ctx, struct task_struct *t,
		   u32 flags, u32 nr_threads)
{
	struct user_namespace *ns = current_user_ns();
	struct kcr_rec_task r = {};
	const struct cred *cred;

	kcr_init_rec(ctx, &r, KCR_REC_TASK, sizeof(r));
	r.objid = ctx->next_objid++;
	r.pid = task_pid_vnr(t);
	r.tgid = task_tgid_vnr(t);
	rcu_read_lock();
	r.ppid = task_tgid_vnr(rcu_dereference(t->real_parent));
	cred = __task_cred(t);
	r.uid = from_kuid_munged(ns, cred->uid);
	r.euid = from_kuid_munged(ns, cred->euid);
	r.suid = from_kuid_munged(ns, cred->suid);
	r.fsuid = from_kuid_munged(ns, cred->fsuid);
	r.gid = from_kgid_munged(ns, cred->gid);
	r.egid = from_kgid_munged(ns, cred->egid);
	r.sgid = from_kgid_munged(ns, cred->sgid);
	r.fsgid = from_kgid_munged(ns, cred->fsgid);
	rcu_read_unlock();
	r.flags = flags;
	r.nr_threads = nr_threads;
#ifdef CONFIG_RSEQ
	r.rseq = (unsigned long)t->rseq;
	r.rseq_len = t->rseq_len;
	r.rseq_sig = t->rseq_sig;
#endif
	r.clear_child_tid = (unsigned long)t->clear_child_tid;
#ifdef CONFIG_FUTEX
	r.robust_list = (unsigned long)t->robust_list;
	r.robust_list_len = r.robust_list ? sizeof(*t->robust_list) : 0;
#endif
	/*
	 * Inside sigsuspend(), ppoll(), ... the mask to come back to is the
	 * saved one: the call is re-executed or has returned already.
	 */
	r.sigblocked = test_tsk_restore_sigmask(t) ? t->saved_sigmask.sig[0] :
						     t->blocked.sig[0];
	get_task_comm(r.comm, t);
	r.sas_ss_sp = t->sas_ss_sp;
	r.sas_ss_size = t->sas_ss_size;
	r.sas_ss_flags = t->sas_ss_size ? t->sas_ss_flags : SS_DISABLE;
/* @hostinfo */
	if (ctx->hostinfo)
		r.regs_phys = kcr_arch_regs_phys(t);
/* @end */
	return kcr_write(ctx, &r, sizeof(r));
}

/* @freezer */
/* notes: a task parked by the cgroup v2 freezer, nothing else. */
static int kcr_check_other(struct kcr_ctx *ctx, struct task_struct *t)
{
	struct cgroup *cgrp;
	bool cg_frozen, inside, dying, trapped = false;
	unsigned long flags;

	if (t->flags & (PF_KTHREAD | PF_IO_WORKER)) {
		kcr_log(ctx, "kernel thread or io worker");
		return -EPERM;
	}
	/*
	 * A kill or a thaw takes the siglock to wake the task: under it, a
	 * task that is parked and has no fatal signal stays parked.
	 */
	dying = !lock_task_sighand(t, &flags);
	if (!dying) {
		dying = (t->flags & PF_EXITING) || __fatal_signal_pending(t) ||
			(t->signal->flags & SIGNAL_GROUP_EXIT);
		trapped = READ_ONCE(t->jobctl) & JOBCTL_TRAP_FREEZE;
		unlock_task_sighand(t, &flags);
	}
	if (dying) {
		kcr_log(ctx, "task is exiting or killed");
		return -ESRCH;
	}
	if (!ptrace_may_access(t, PTRACE_MODE_ATTACH_REALCREDS)) {
		kcr_log(ctx, "permission denied (ptrace access)");
		return -EPERM;
	}
	if (t->ptrace) {
		kcr_log(ctx, "task is ptraced");
		return -EBUSY;
	}
	if (READ_ONCE(t->__state) & TASK_FROZEN) {
		kcr_log(ctx, "task is frozen by the system (v1/PM) freezer");
		return -EBUSY;
	}
	if (!cgroup_task_frozen(t) || !trapped) {
		kcr_log(ctx, "task is not frozen by the cgroup v2 freezer");
		return -EBUSY;
	}
	rcu_read_lock();
	cgrp = task_dfl_cgroup(t);
	cg_frozen = test_bit(CGRP_FROZEN, &cgrp->flags);
	inside = cgroup_is_descendant(task_dfl_cgroup(current), cgrp);
	rcu_read_unlock();
	if (!cg_frozen) {
		kcr_log(ctx, "cgroup of the task is not frozen");
		return -EBUSY;
	}
	if (inside) {
		kcr_log(ctx, "checkpointer is inside the frozen cgroup");
		return -EDEADLK;
	}
	return 0;
}
/* @end */

static void kcr_put_threads(struct kcr_threads *th)
{
	u32 i;

	for (i = 0; i < th->nr; i++) {
		put_task_stack(th->t[i]);
		put_task_struct(th->t[i]);
	}
	kvfree(th->t);
	th->t = NULL;
	th->nr = 0;
}

/* Pin t and its kernel stack; false if t has released its stack. */
static bool kcr_pin_thread(struct kcr_threads *th, struct task_struct *t)
{
	if (!try_get_task_stack(t))
		return false;
	th->t[th->nr++] = get_task_struct(t);
	return true;
}

/* @freezer */
/* Collect the threads of p (frozen: the thread group cannot change). */
static int kcr_get_threads(struct kcr_ctx *ctx, struct task_struct *p,
			   struct kcr_threads *th)
{
	u32 max = get_nr_threads(p);
	struct task_struct *t;
	int ret = 0;

	if (max > KCR_THREADS_MAX) {
		kcr_log(ctx, "%u threads, more than %u", max, KCR_THREADS_MAX);
		return -EOPNOTSUPP;
	}
	th->t = kvcalloc(max ?: 1, sizeof(*th->t), GFP_KERNEL_ACCOUNT);
	if (!th->t)
		return -ENOMEM;
	rcu_read_lock();
	for_each_thread(p, t) {
		if (th->nr == max || !kcr_pin_thread(th, t)) {
			ret = -EBUSY;
			break;
		}
	}
	rcu_read_unlock();
	if (!ret && (th->nr != max || !th->nr || th->t[0] != p))
		ret = -EBUSY;
	if (ret)
		kcr_log(ctx, "threads came or went during checkpoint");
	return ret;
}

/*
 * Credentials equal in all that restart restores: each thread that ran
 * setresuid() through the C library (which has every thread call it)
 * holds its own copy of the same ids.
 */
static bool kcr_same_cred(const struct cred *a, const struct cred *b)
{
	return a == b ||
	       (uid_eq(a->uid, b->uid) && gid_eq(a->gid, b->gid) &&
		uid_eq(a->suid, b->suid) && gid_eq(a->sgid, b->sgid) &&
		uid_eq(a->euid, b->euid) && gid_eq(a->egid, b->egid) &&
		uid_eq(a->fsuid, b->fsuid) && gid_eq(a->fsgid, b->fsgid) &&
		a->securebits == b->securebits &&
		cap_isidentical(a->cap_inheritable, b->cap_inheritable) &&
		cap_isidentical(a->cap_permitted, b->cap_permitted) &&
		cap_isidentical(a->cap_effective, b->cap_effective) &&
		cap_isidentical(a->cap_bset, b->cap_bset) &&
		cap_isidentical(a->cap_ambient, b->cap_ambient) &&
		a->user_ns == b->user_ns && a->group_info == b->group_info &&
		a->user == b->user);
}

/* Is t waiting in vfork() for a child to exec or exit? */
static bool kcr_in_vfork(struct task_struct *t)
{
	struct task_struct *c;
	bool in = false;

	read_lock(&tasklist_lock);
	list_for_each_entry(c, &t->children, sibling)
		in |= READ_ONCE(c->vfork_done) != NULL;
	read_unlock(&tasklist_lock);
	return in;
}

/*
 * Wait until t is parked by the freezer (or stopped by job control in it).
 * A signal sent to a frozen task (a timer's, say) wakes it for a moment:
 * it runs get_signal(), which sends it back to its freezer trap, and the
 * cgroup still counts it frozen.  Give such a task time to go back.
 */
static unsigned long kcr_wait_parked(struct task_struct *t)
{
	unsigned long n;
	int i;

	for (i = 0; i < 200; i++) {
		n = wait_task_inactive(t, TASK_INTERRUPTIBLE | __TASK_STOPPED);
		if (n || !cgroup_task_frozen(t))
			return n;
		schedule_timeout_uninterruptible(1);
	}
	return 0;
}

/*
 * Every thread of a process that another task checkpoints: parked by the
 * cgroup v2 freezer, sharing the process's fd table, fs and credentials
 * (what restart recreates with CLONE_THREAD), and of a kind this version
 * saves.  *ncsw: the sum of the times they left the frozen state, which
 * grows if any of them is thawed and runs.  A signal wakes a frozen task
 * in its freezer trap, which it does not leave: that is not counted.
 */
static int kcr_check_threads(struct kcr_ctx *ctx, struct kcr_threads *th,
			     struct mm_struct *mm, unsigned long *ncsw)
{
	struct task_struct *p = th->t[0];
	unsigned long sum = 0;
	const char *why = NULL;
	bool same;
	u32 i;
	int ret;

	for (i = 0; i < th->nr; i++) {
		struct task_struct *t = th->t[i];
		unsigned long n;

		ctx->pid = task_pid_vnr(t);
		ret = kcr_check_other(ctx, t);
		if (ret)
			return ret;
/* @cred */
		ret = kcr_check_sandbox(ctx, t);
		if (ret)
			return ret;
/* @end */
		rcu_read_lock();
		same = t->files == p->files && t->fs == p->fs &&
		       t->mm == mm &&
		       kcr_same_cred(__task_cred(t), __task_cred(p));
		rcu_read_unlock();
		if (!same) {
			kcr_log(ctx, "thread with its own fd table, fs or creds (not supported)");
			return -EOPNOTSUPP;
		}
		ret = kcr_arch_check_task(t, mm, &why);
		if (ret) {
			kcr_log(ctx, "cannot checkpoint: %s", why);
			return ret;
		}
		/* Parked by the freezer, or stopped by job control inside it. */
		n = kcr_wait_parked(t);
		if (!n && kcr_in_vfork(t)) {
			/* The cgroup counts it frozen: it cannot run. */
			kcr_log(ctx,
				"process waiting in vfork() for its child to exec or exit (not supported)");
			return -EOPNOTSUPP;
		}
		if (!n) {
			kcr_log(ctx, "task is not stopped in the freezer");
			return -EBUSY;
		}
		sum += READ_ONCE(t->kcr_thaws);
	}
	ctx->pid = task_pid_vnr(p);
	*ncsw = sum | LONG_MIN;
	return 0;
}
/* @end */

/* Large per-process records, kept off the stack. */
struct kcr_ckpt {
/* @memory */
	struct kcr_mm_snap ms;
/* @end */
/* @files */
	struct kcr_files_snap fs;
/* @end */
/* @cpu */
	struct kcr_cpu_snaps cpus;
/* @end */
	struct kcr_threads th;
};

/*
 * Check one process, or (write) check it again and write its section:
 * task ... mappings, then its other threads.  *ncsw is the switch count
 * of its threads in the freezer: set by the first call, and it must not
 * change until the end.
 */
static int kcr_checkpoint_one(struct kcr_ctx *ctx, struct task_struct *t,
			      bool self, bool write, unsigned long *ncsw)
{
	struct kcr_ckpt *ck;
	struct mm_struct *mm;
	const char *why = NULL;
/* @memory */
	unsigned int i;
/* @end */
	u32 tflags;
	int ret;

	ctx->pid = task_pid_vnr(t);
	get_task_comm(ctx->comm, t);

	if (self && !current_is_single_threaded()) {
		kcr_log(ctx, "multi-threaded: freeze it, checkpoint it from outside");
		return -EOPNOTSUPP;
	}
/* @cred */
	if (self) {
		ret = kcr_check_sandbox(ctx, t);
		if (ret)
			return ret;
	}
/* @end */

	ck = kzalloc(sizeof(*ck), GFP_KERNEL_ACCOUNT);
	if (!ck)
		return -ENOMEM;
	mm = self ? get_task_mm(t) : mm_access(t, PTRACE_MODE_ATTACH_REALCREDS);
	if (IS_ERR_OR_NULL(mm)) {
		kcr_log(ctx, "cannot access the address space");
		kfree(ck);
		return mm ? PTR_ERR(mm) : -EINVAL;
	}
/* @freezer */
	if (!self) {
		unsigned long n;

		ret = kcr_get_threads(ctx, t, &ck->th);
		if (!ret)
			ret = kcr_check_threads(ctx, &ck->th, mm, &n);
		if (ret)
			goto out;
		if (*ncsw && n != *ncsw) {
			kcr_log(ctx, "task ran during checkpoint");
			ret = -EBUSY;
			goto out;
		}
		*ncsw = n;
		/* Its threads' references and ours: no other process's. */
		if (atomic_read(&mm->mm_users) > ck->th.nr + 1) {
			kcr_log(ctx, "address space shared with another process");
			ret = -EOPNOTSUPP;
			goto out;
		}
	} else {
/* @end */
/* @until freezer */
	{
/* @end */
		ck->th.t = kvcalloc(1, sizeof(*ck->th.t), GFP_KERNEL_ACCOUNT);
		if (!ck->th.t) {
			ret = -ENOMEM;
			goto out;
		}
		if (!kcr_pin_thread(&ck->th, t)) {
			ret = -ESRCH;
			goto out;
		}
	}
	ret = kcr_arch_check_task(t, mm, &why);
	if (ret) {
		kcr_log(ctx, "cannot checkpoint: %s", why);
		goto out;
	}
	/* Part of the sandbox (kcr_check_sandbox()), kept in the mm. */
	if (test_bit(MMF_HAS_MDWE, &mm->flags)) {
		kcr_log(ctx, "memory-deny-write-execute, PR_SET_MDWE (not saved, not supported)");
		ret = -EOPNOTSUPP;
		goto out;
	}
/* @attrs */
	ret = kcr_check_attrs(ctx, &ck->th);
	if (ret)
		goto out;
/* @end */
/* @ptimers */
	ret = kcr_check_ptimers(ctx, t);
	if (ret)
		goto out;
/* @end */
/* @until threads */
	if (ck->th.nr > 1) {
		kcr_log(ctx, "multi-threaded process (not supported yet)");
		ret = -EOPNOTSUPP;
		goto out;
	}
/* @end */
/* @until memory */
	ret = 0;
/* @end */
/* @memory */
	ret = kcr_snap_mm(ctx, mm, &ck->ms);
/* @end */
/* @cow */
	if (!ret && write)
		ret = kcr_cow_snap(ctx, t, &ck->ms);
/* @end */
/* @files */
	if (!ret)
		ret = kcr_snap_files(ctx, t, &ck->fs);
	if (!ret)
		ret = kcr_check_files(ctx, &ck->fs);
/* @end */
/* @pipe */
	if (!ret && !write)
		ret = kcr_note_pipes(ctx, &ck->fs);
/* @end */
/* @shmem */
	if (!ret && !write)
		ret = kcr_note_shmem(ctx, &ck->ms, &ck->fs);
/* @end */
/* @unix */
	if (!ret && !write)
		ret = kcr_note_unix(ctx, &ck->fs);
/* @end */
/* @tcp-conn */
	if (!ret && !write)
		ret = kcr_note_tcp(ctx, &ck->fs);
/* @end */
	if (ret || !write)
		goto out;

/* @cpu */
	ret = kcr_snap_cpus(ctx, &ck->th, self, &ck->cpus);
	if (ret)
		goto out;
/* @end */
	tflags = self ? KCR_TASK_SELF : 0;
	if (get_dumpable(mm) != SUID_DUMP_USER)
		tflags |= KCR_TASK_UNDUMPABLE;
/* @signal */
	if (READ_ONCE(t->signal->flags) & SIGNAL_STOP_STOPPED)
		tflags |= KCR_TASK_STOPPED;
/* @end */
/* @until cpu */
	ret = kcr_write_task(ctx, t, tflags, ck->th.nr);
/* @end */
/* @cpu */
	ret = kcr_write_task_cpu(ctx, t, tflags, ck->th.nr, &ck->cpus.cs[0],
				 ck->cpus.xsize);
/* @end */
/* @cred */
	if (!ret)
		ret = kcr_write_groups(ctx, t);
	if (!ret)
		ret = kcr_write_rlimits(ctx, t);
/* @end */
/* @signal */
	if (!ret)
		ret = kcr_write_signals(ctx, t, false);
/* @end */
/* @files */
	if (!ret)
		ret = kcr_write_file_objs(ctx, &ck->fs);
/* @end */
/* @memory */
	for (i = 0; i < ck->ms.nr && !ret; i++)
		if (ck->ms.vmas[i].file)
			ret = kcr_write_file_obj(ctx, ck->ms.vmas[i].file, -1);
/* @end */
/* @attrs */
	if (!ret)
		ret = kcr_write_exe_obj(ctx, mm);
/* @end */
/* @ctty */
	if (!ret)
		ret = kcr_write_ctty_obj(ctx, t);
/* @end */
/* @unix-queue */
	if (!ret)
		ret = kcr_write_unix_queues(ctx);
/* @end */
/* @files */
	if (!ret)
		ret = kcr_write_fdtable(ctx, &ck->fs);
/* @end */
/* @locks */
	if (!ret)
		ret = kcr_write_locks(ctx, &ck->fs);
/* @end */
/* @fown */
	if (!ret)
		ret = kcr_write_fown(ctx, &ck->fs);
/* @end */
/* @ctty */
	if (!ret)
		ret = kcr_write_ctty(ctx, t);
/* @end */
	if (ret)
		goto out_io;

/* @memory */
	if (!kcr_obj_add(ctx, mm, ctx->next_objid, KCR_REC_MM, NULL)) {
		ret = -ENOMEM;
		goto out;
	}
	ck->ms.rec.objid = kcr_obj_find_key(ctx, mm)->id;
/* @hostinfo */
	if (ctx->hostinfo)
		ck->ms.rec.pgd_phys = kcr_arch_pgd_phys(mm);
/* @end */
	kcr_init_rec(ctx, &ck->ms.rec, KCR_REC_MM, sizeof(ck->ms.rec));
	ret = kcr_write(ctx, &ck->ms.rec, sizeof(ck->ms.rec));
/* @cow */
	if (!ret)
		ret = kcr_cow_write_fork(ctx);
/* @end */
	for (i = 0; i < ck->ms.nr && !ret; i++)
		ret = kcr_write_vma(ctx, mm, &ck->ms.vmas[i]);
/* @end */
/* @attrs */
	if (!ret)
		ret = kcr_write_attrs(ctx, t, mm);
/* @end */
/* @itimers */
	if (!ret)
		ret = kcr_write_itimers(ctx, t);
/* @end */
/* @ptimers */
	if (!ret)
		ret = kcr_write_ptimers(ctx, t);
/* @end */
/* @threads */
	if (!ret)
		ret = kcr_write_threads(ctx, &ck->th, &ck->cpus);
/* @end */
out_io:
	if (ret)
		kcr_log(ctx, "writing the image failed: %d", ret);
out:
/* @cow */
	kcr_cow_release(ctx);
/* @end */
/* @memory */
	kcr_release_snap(&ck->ms);
/* @end */
/* @files */
	kcr_release_files(&ck->fs);
/* @end */
/* @cpu */
	kcr_free_cpus(&ck->cpus);
/* @end */
	kcr_put_threads(&ck->th);
	mmput(mm);
	kfree(ck);
	return ret;
}

static void kcr_release_tree(struct kcr_tree_snap *ts)
{
	u32 i;

	for (i = 0; i < ts->nr; i++)
/* @until leaders */
		put_task_struct(ts->tasks[i]);
/* @end */
/* @leaders */
		if (ts->tasks[i])	/* NULL: a dead leader */
			put_task_struct(ts->tasks[i]);
/* @end */
	kvfree(ts->tasks);
	kvfree(ts->ncsw);
	kvfree(ts->tt);
}

/*
 * Collect t and (tree) its descendants, breadth-first, with their ids as
 * seen from the checkpointer's pid namespace.  Every one must be frozen
 * in the root's cgroup or below it: that is checked per process.
 */
static int kcr_collect_tree(struct kcr_ctx *ctx, struct task_struct *root,
			    bool tree, struct kcr_tree_snap *ts)
{
	struct pid_namespace *ns = task_active_pid_ns(current);
	u32 max = tree ? KCR_TREE_MAX : 1, i;
	int ret = 0;

	ts->tasks = kvcalloc(max, sizeof(*ts->tasks), GFP_KERNEL_ACCOUNT);
	ts->ncsw = kvcalloc(max, sizeof(*ts->ncsw), GFP_KERNEL_ACCOUNT);
	ts->tt = kvcalloc(max, sizeof(*ts->tt), GFP_KERNEL_ACCOUNT);
	if (!ts->tasks || !ts->ncsw || !ts->tt)
		return -ENOMEM;

	read_lock(&tasklist_lock);
	ts->tasks[ts->nr++] = get_task_struct(root);
/* @tree */
	/* A process's children are those of all its threads. */
	for (i = 0; tree && i < ts->nr && !ret; i++) {
		struct task_struct *th, *c;

		for_each_thread(ts->tasks[i], th) {
			list_for_each_entry(c, &th->children, sibling) {
				if (ts->nr == max) {
					ret = -E2BIG;
					break;
				}
				ts->tasks[ts->nr++] = get_task_struct(c);
			}
			if (ret)
				break;
		}
	}
/* @end */
	for (i = 0; i < ts->nr; i++) {
		struct task_struct *t = ts->tasks[i];
		struct kcr_tree_task *e = &ts->tt[i];

		e->pid = task_pid_nr_ns(t, ns);
		e->ppid = task_tgid_nr_ns(t->real_parent, ns);
		e->pgid = task_pgrp_nr_ns(t, ns);
		e->sid = task_session_nr_ns(t, ns);
	}
	read_unlock(&tasklist_lock);
	if (ret) {
		kcr_log(ctx, "more than %u processes in the tree", max);
		return ret;
	}
/* @tree */
	for (i = 1; i < ts->nr; i++) {
		struct task_struct *t = ts->tasks[i];
		bool inside;

		ctx->pid = ts->tt[i].pid;
		get_task_comm(ctx->comm, t);
		if (!ctx->pid || task_active_pid_ns(t) != ns) {
			kcr_log(ctx, "child in another pid namespace (not supported yet)");
			return -EOPNOTSUPP;
		}
		if (t->exit_state) {
/* @until zombie */
			kcr_log(ctx, "exited child, not reaped yet (not supported)");
			return -EBUSY;
/* @end */
/* @zombie */
			ret = kcr_zombie_save(ctx, t, &ts->tt[i]);
			if (ret)
				return ret;
			continue;
/* @end */
		}
		rcu_read_lock();
		inside = cgroup_is_descendant(task_dfl_cgroup(t),
					      task_dfl_cgroup(root));
		rcu_read_unlock();
		if (!inside) {
			kcr_log(ctx, "child outside the frozen cgroup of pid %d",
				ts->tt[0].pid);
			return -EBUSY;
		}
	}
/* @leaders */
	ret = kcr_dead_leaders(ctx, ts, max, ns);
	if (ret)
		return ret;
/* @end */
	return tree ? kcr_check_tree(ctx, ts->tt, ts->nr) : 0;
/* @end */
/* @until tree */
	return 0;
/* @end */
}

/* @checkpoint-kill */
/* KCR_CHECKPOINT_KILL: the tree (frozen, its image whole) dies. */
static void kcr_kill_tree(struct kcr_tree_snap *ts)
{
	u32 i;

	for (i = 0; i < ts->nr; i++) {
		if (ts->tt[i].flags & KCR_TREE_GONE)
			continue;
		group_send_sig_info(SIGKILL, SEND_SIG_PRIV, ts->tasks[i],
				    PIDTYPE_TGID);
	}
}

/* @end */
static int kcr_checkpoint(struct kcr_ctx *ctx, struct task_struct *t,
			  bool self, unsigned long flags)
{
	bool tree = flags & KCR_CHECKPOINT_TREE;
	struct kcr_rec_header *hdr;
	struct kcr_tree_snap ts = {};
	u32 i;
	int ret;

	hdr = kzalloc(sizeof(*hdr), GFP_KERNEL_ACCOUNT);
	if (!hdr)
		return -ENOMEM;
	ret = kcr_collect_tree(ctx, t, tree, &ts);
/* @cow */
	if (tree)
		ctx->tree = &ts;
/* @end */
	/* Check everything before writing anything. */
/* @until zombie */
	for (i = 0; i < ts.nr && !ret; i++)
		ret = kcr_checkpoint_one(ctx, ts.tasks[i], self, false,
					 &ts.ncsw[i]);
/* @end */
/* @zombie */
	for (i = 0; i < ts.nr && !ret; i++) {
		if (ts.tt[i].flags & KCR_TREE_GONE)
			continue;
		ret = kcr_checkpoint_one(ctx, ts.tasks[i], self, false,
					 &ts.ncsw[i]);
	}
/* @end */
/* @unix-queue */
	/* Every socket's peer and queue, once all fd tables are known. */
	if (!ret)
		ret = kcr_check_unix(ctx);
/* @end */
/* @inet-shared */
	/* No TCP or UDP socket of the tree's is open outside it too. */
	if (!ret)
		ret = kcr_check_inet_shared(ctx, &ts);
/* @end */
/* @tcp-conn */
	/* Both ends of every connection are here: hold them all. */
	if (!ret)
		ret = kcr_check_tcp(ctx);
/* @end */
/* @checkpoint-kill */
	if (!ret && (flags & KCR_CHECKPOINT_KILL)) {
/* @tcp-release */
		ctx->tcp_pid = task_pid_vnr(t);
/* @end */
		kcr_tcp_silence(ctx);
		kcr_kill_tree(&ts);
		goto out;
	}
/* @end */
/* @tcp-external */
	/* The holds of the tree's connections go with ctx. */
	if (flags & KCR_CHECKPOINT_RELEASE)
		goto out;
/* @end */
	if (ret)
		goto out;

	kcr_fill_header(hdr, flags);
	kcr_init_rec(ctx, hdr, KCR_REC_HEADER, sizeof(*hdr));
	ret = kcr_write(ctx, hdr, sizeof(*hdr));
/* @tree */
	if (!ret && tree)
		ret = kcr_write_tree(ctx, &ts);
/* @end */
	if (ret) {
		kcr_log(ctx, "writing the image failed: %d", ret);
		goto out;
	}
/* @until zombie */
	for (i = 0; i < ts.nr && !ret; i++)
		ret = kcr_checkpoint_one(ctx, ts.tasks[i], self, true,
					 &ts.ncsw[i]);
/* @end */
/* @zombie */
	for (i = 0; i < ts.nr && !ret; i++) {
		if (ts.tt[i].flags & KCR_TREE_GONE)
			continue;
		ret = kcr_checkpoint_one(ctx, ts.tasks[i], self, true,
					 &ts.ncsw[i]);
	}
/* @end */
/* @freezer */
	/* Nobody ran meanwhile: the image is one consistent state. */
	for (i = 0; i < ts.nr && !ret && !self; i++) {
		struct kcr_threads th = {};
		unsigned long n = 0;

/* @zombie */
		if (ts.tt[i].flags & KCR_TREE_GONE)
			continue;
/* @end */
		ctx->pid = ts.tt[i].pid;
		get_task_comm(ctx->comm, ts.tasks[i]);
		ret = kcr_get_threads(ctx, ts.tasks[i], &th);
		if (!ret)
			ret = kcr_check_threads(ctx, &th, ts.tasks[i]->mm, &n);
		if (!ret && n != ts.ncsw[i]) {
			kcr_log(ctx, "task ran during checkpoint");
			ret = -EBUSY;
		}
		kcr_put_threads(&th);
	}
/* @end */
	if (!ret) {
		ctx->pid = ts.tt[0].pid;
		get_task_comm(ctx->comm, t);
		ret = kcr_write_tail(ctx);
		if (ret)
			kcr_log(ctx, "writing the image failed: %d", ret);
	}
/* @tcp-external */
	ctx->tcp_keep = !ret && (flags & KCR_CHECKPOINT_HOLD);
/* @end */
out:
/* @cow */
	ctx->tree = NULL;
/* @end */
	kcr_release_tree(&ts);
	kfree(hdr);
	return ret;
}

SYSCALL_DEFINE4(checkpoint, pid_t, pid, int, fd, unsigned long, flags,
		int, logfd)
{
	struct task_struct *t;
	struct kcr_ctx *ctx;
	bool self;
	int ret;

	if (flags & ~KCR_CHECKPOINT_FLAGS_ALL || pid < 0)
		return -EINVAL;
/* @checkpoint-kill */
/* @until tcp-external */
	/* No image: the tree was saved, now it goes. */
	if (!!(flags & KCR_CHECKPOINT_KILL) != (fd == -1) ||
	    ((flags & KCR_CHECKPOINT_KILL) &&
	     (flags & ~(KCR_CHECKPOINT_KILL | KCR_CHECKPOINT_TREE))))
		return -EINVAL;
/* @end */
/* @end */
/* @tcp-external */
	/* No image: the tree was saved; now it goes, or its holds do. */
	if (!!(flags & (KCR_CHECKPOINT_KILL | KCR_CHECKPOINT_RELEASE)) !=
	    (fd == -1) ||
	    (fd == -1 && (flags & ~(KCR_CHECKPOINT_KILL | KCR_CHECKPOINT_TREE)) &&
	     (flags & ~(KCR_CHECKPOINT_RELEASE | KCR_CHECKPOINT_TREE))) ||
	    ((flags & KCR_CHECKPOINT_HOLD) && !pid))
		return -EINVAL;
/* @end */
/* @until tree */
	if (flags & KCR_CHECKPOINT_TREE)
		return -EOPNOTSUPP;
/* @end */
/* @until hostinfo */
	if (flags & KCR_CHECKPOINT_HOSTINFO)
		return -EOPNOTSUPP;
/* @end */
/* @hostinfo */
	if (flags & KCR_CHECKPOINT_HOSTINFO && !capable(CAP_SYS_ADMIN))
		return -EPERM;
/* @end */

	ctx = kcr_ctx_alloc(fd, logfd, false);
	if (IS_ERR(ctx))
		return PTR_ERR(ctx);
/* @hostinfo */
	ctx->hostinfo = flags & KCR_CHECKPOINT_HOSTINFO;
/* @end */
/* @unix-external */
	ctx->unix_external = flags & KCR_CHECKPOINT_UNIX_EXTERNAL;
/* @end */

	self = !pid || pid == task_pid_vnr(current);
/* @checkpoint-kill */
/* @until tcp-external */
	if (self && (flags & KCR_CHECKPOINT_KILL)) {
/* @end */
/* @end */
/* @tcp-external */
	if (self && (flags & (KCR_CHECKPOINT_KILL | KCR_CHECKPOINT_HOLD |
			      KCR_CHECKPOINT_RELEASE))) {
/* @end */
/* @checkpoint-kill */
		kcr_log(ctx, "a process cannot kill itself by checkpoint()");
		ret = -EINVAL;
		goto out;
	}
/* @end */
	if (self && (flags & KCR_CHECKPOINT_TREE)) {
		kcr_log(ctx, "a process cannot checkpoint its own tree");
		ret = -EINVAL;
		goto out;
	}
/* @until freezer */
	if (!self) {
		kcr_log(ctx, "checkpoint of another process: not supported yet");
		ret = -EOPNOTSUPP;
		goto out;
	}
/* @end */
	if (self) {
		t = get_task_struct(current);
	} else {
		t = find_get_task_by_vpid(pid);
/* @tcp-release */
		/* Killed, its connections parked: they go now. */
		if (!t && (flags & KCR_CHECKPOINT_RELEASE)) {
			ret = kcr_tcp_release_parked(ctx, pid);
			goto out;
		}
/* @end */
		if (!t) {
			kcr_log(ctx, "no process %d", pid);
			ret = -ESRCH;
			goto out;
		}
		if (!thread_group_leader(t)) {
			kcr_log(ctx, "%d is a thread: checkpoint its process %d",
				pid, task_tgid_vnr(t));
			put_task_struct(t);
			ret = -EINVAL;
			goto out;
		}
	}
	ret = kcr_checkpoint(ctx, t, self, flags);
	put_task_struct(t);
	if (!ret) {
		kcr_log(ctx, "checkpoint done: %llu bytes, %u records",
			ctx->total, ctx->nr_records);
		/* The caller sees a positive id; the restarted task sees 0. */
		if (self)
			ret = (atomic_inc_return(&kcr_ckpt_id) & INT_MAX) ?: 1;
	}
out:
	kcr_ctx_free(ctx);
	return ret;
}
