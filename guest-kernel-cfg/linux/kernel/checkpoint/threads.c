/* @file threads */
// SPDX-License-Identifier: GPL-2.0
/*
 * In-kernel checkpoint/restart: the threads of a process other than its leader.
 */
#include <linux/cred.h>
#include <linux/errno.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/slab.h>
#include <linux/user_namespace.h>
#include <linux/futex.h>
#include <linux/rseq.h>

#include "kcr_int.h"

/* The records of the threads other than the leader, after the mm. */
int kcr_write_threads(struct kcr_ctx *ctx, struct kcr_threads *th,
		      struct kcr_cpu_snaps *cpus)
{
	u32 i;
	int ret = 0;

	for (i = 1; i < th->nr && !ret; i++) {
		ctx->pid = task_pid_vnr(th->t[i]);
		ret = kcr_write_task_cpu(ctx, th->t[i], KCR_TASK_THREAD, 0,
					 &cpus->cs[i], cpus->xsize);
		if (!ret)
			ret = kcr_write_signals(ctx, th->t[i], true);
	}
	ctx->pid = task_pid_vnr(th->t[0]);
	return ret;
}

/*
 * The records of the other threads of the process, after its mappings;
 * *hp is the header of the first, then of the record that follows.
 */
int kcr_rst_threads(struct kcr_ctx *ctx, struct kcr_rst *rst,
		    struct kcr_hdr *hp)
{
	const struct kcr_rec_task *l = &rst->task;
	u32 n = l->nr_threads - 1, i, j;
	int ret;

	if (!n)
		return 0;
	rst->threads = kvcalloc(n, sizeof(*rst->threads), GFP_KERNEL_ACCOUNT);
	if (!rst->threads)
		return -ENOMEM;
	for (i = 0; i < n; i++)
		INIT_LIST_HEAD(&rst->threads[i].sigs);
	rst->nr_threads = n;

	for (i = 0; i < n; i++) {
		struct kcr_rst_thread *th = &rst->threads[i];
		const struct kcr_rec_task *t = &th->task;
		sigset_t legacy;
		bool busy;

		ret = kcr_rst_task(ctx, hp, &th->task);
		if (ret)
			return ret;
		if (!(t->flags & KCR_TASK_THREAD) ||
		    (t->flags & (KCR_TASK_SELF | KCR_TASK_UNDUMPABLE |
				 KCR_TASK_STOPPED)) ||
		    t->nr_threads || t->tgid != l->pid || t->pid <= 0 ||
		    t->pid == l->pid || t->ppid != l->ppid)
			return KCR_BAD(ctx, "offset %llu: thread %d/%d is not of process %d",
				       kcr_rec_off(ctx), t->pid, t->tgid,
				       l->pid);
		for (j = 0; j < i; j++)
			if (rst->threads[j].task.pid == t->pid)
				return KCR_BAD(ctx, "thread %d twice", t->pid);
		/* Credentials are the process's: CLONE_THREAD shares them. */
		if (memcmp(&t->uid, &l->uid, offsetof(struct kcr_rec_task, flags) -
			   offsetof(struct kcr_rec_task, uid)))
			return KCR_BAD(ctx, "thread %d: credentials differ from its process's",
				       t->pid);
		ret = kcr_rst_cpu(ctx, rst, &th->regs);
		if (ret)
			return ret;
		sigemptyset(&legacy);
		for (;;) {
			ret = kcr_rst_next_hdr(ctx, rst, hp);
			if (ret)
				return ret;
			if (hp->type != KCR_REC_SIGPENDING)
				break;
			ret = kcr_rst_sigpending(ctx, rst, hp, &th->sigs,
						 &legacy, true);
			if (ret)
				return ret;
		}
		/* Checked where the pids are, before anything is torn down. */
		if (ctx->dry_run) {
			rcu_read_lock();
			busy = find_vpid(t->pid);
			rcu_read_unlock();
			if (busy) {
				kcr_log(ctx, "thread id %d is in use", t->pid);
				return -EBUSY;
			}
		}
		cond_resched();
	}
	return 0;
}

/*
 * A thread not yet running, made under other credentials (with
 * CLONE_THREAD it shares one for both cred and real_cred): give it
 * @cred, moving the count of its user's processes that copy_creds()
 * made.
 */
static void kcr_thread_take_cred(struct task_struct *p,
				 const struct cred *cred)
{
	const struct cred *made = p->real_cred;

	if (made == cred)
		return;
	inc_rlimit_ucounts(cred->ucounts, UCOUNT_RLIMIT_NPROC, 1);
	dec_rlimit_ucounts(made->ucounts, UCOUNT_RLIMIT_NPROC, 1);
	get_cred_many(cred, 2);
	rcu_assign_pointer(p->real_cred, cred);
	rcu_assign_pointer(p->cred, cred);
	put_cred_many(made, 2);
}

/*
 * Create thread th of the caller, stopped before its first instruction
 * (woken up by kcr_wake_threads()), with its id and its state.
 */
static int kcr_make_thread(struct kcr_ctx *ctx, struct kcr_rst *rst,
			   struct kcr_rst_thread *th)
{
	const struct kcr_rec_task *t = &th->task;
	pid_t tid = t->pid;
	struct kernel_clone_args args = {
		.flags = CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND |
			 CLONE_THREAD | CLONE_SYSVSEM,
		.set_tid = &tid,
		.set_tid_size = 1,
	};
	const struct cred *old;
	struct task_struct *p;
	sigset_t blocked;
	int ret;

	/*
	 * Choosing the thread's id (set_tid) takes CAP_CHECKPOINT_RESTORE,
	 * which copy_process() checks in the subjective credentials: the
	 * restarter's, which the restored ones (an ordinary user's) may
	 * lack. The thread, made under them, then takes the process's.
	 */
	old = override_creds(rst->maker_cred);
	p = copy_process(NULL, 0, NUMA_NO_NODE, &args);
	revert_creds(old);
	if (IS_ERR(p)) {
		kcr_log(ctx, "cannot create thread %d: %pe%s", tid, p,
			PTR_ERR(p) == -EPERM ?
			" (the restarter may not choose thread ids: needs CAP_CHECKPOINT_RESTORE)" :
			"");
		return PTR_ERR(p);
	}
	th->p = p;
	kcr_thread_take_cred(p, current->real_cred);

	kcr_rst_apply_task(p, t);
/* @attrs */
	/* copy_process() clears it; the process's threads share it. */
	p->pdeath_signal = current->pdeath_signal;
/* @end */
	p->sas_ss_sp = t->sas_ss_sp;
	p->sas_ss_size = t->sas_ss_size;
	p->sas_ss_flags = t->sas_ss_size ? t->sas_ss_flags : SS_DISABLE;
	blocked.sig[0] = t->sigblocked;
	sigdelsetmask(&blocked, sigmask(SIGKILL) | sigmask(SIGSTOP));
	spin_lock_irq(&p->sighand->siglock);
	p->blocked = blocked;
	spin_unlock_irq(&p->sighand->siglock);

	ret = kcr_arch_set_xstate(p, th->regs.xstate, rst->xstate_size);
	if (ret) {
		kcr_log(ctx, "thread %d: cannot restore the FPU state: %d",
			tid, ret);
		return ret;
	}
	ret = kcr_arch_set_debugregs(p, th->regs.has_dr ? &th->regs.dr : NULL);
	if (ret) {
		kcr_log(ctx, "thread %d: cannot restore the debug registers: %d",
			tid, ret);
		return ret;
	}
	ret = kcr_arch_set_regs(p, &th->regs.cpu.regs);
	if (ret)
		kcr_log(ctx, "thread %d: cannot restore the registers: %d",
			tid, ret);
	return ret;
}

int kcr_make_threads(struct kcr_ctx *ctx, struct kcr_rst *rst)
{
	u32 i;
	int ret = 0;

	for (i = 0; i < rst->nr_threads && !ret; i++)
		ret = kcr_make_thread(ctx, rst, &rst->threads[i]);
	return ret;
}

/*
 * Let the created threads run: to user mode after a successful restart,
 * or to their death after a failed one (the caller, past the point of no
 * return, was killed first, and that killed its whole thread group).
 */
void kcr_wake_threads(struct kcr_rst *rst)
{
	u32 i;

	for (i = 0; i < rst->nr_threads; i++) {
		if (rst->threads[i].p)
			wake_up_new_task(rst->threads[i].p);
		rst->threads[i].p = NULL;
	}
}
