/* @file zombie */
// SPDX-License-Identifier: GPL-2.0
/*
 * In-kernel checkpoint/restart: zombies, the processes of a tree that have
 * exited and that their parent has not reaped yet.  checkpoint saves the
 * wait status in the process's tree entry (KCR_TREE_ZOMBIE); restart lets
 * the process that user space created for the entry exit with it, once
 * the tree is checked and before any section is restored.
 */
#include <linux/errno.h>
#include <linux/jiffies.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/signal.h>
#include <linux/slab.h>

#include "kcr_int.h"

/* Bound on the wait for the zombies of a tree to exit. */
#define KCR_ZOMBIE_TIMEOUT	(5 * HZ)

/* A wait status that exit() or a fatal signal can leave. */
bool kcr_zombie_status_ok(u32 status)
{
	u32 sig = status & 0x7f;

	if (status & ~0xffffU)
		return false;
	if (!sig)
		return !(status & 0x80);
	return !(status & 0xff00) && sig != 0x7f && valid_signal(sig);
}

/*
 * Checkpoint: fill the tree entry e of t, which has exited.  Only a whole
 * process that is a zombie can be saved: not one whose main thread
 * exited while others run, nor one being reaped.
 */
int kcr_zombie_save(struct kcr_ctx *ctx, struct task_struct *t,
		    struct kcr_tree_task *e)
{
	const char *why = NULL;
	u32 status = 0;
	int err = -EOPNOTSUPP;

	read_lock(&tasklist_lock);
	if (t->exit_state != EXIT_ZOMBIE) {
		why = "exited child being reaped";
		err = -EBUSY;
	} else if (!thread_group_empty(t))
		why = "process whose main thread exited while others run (not supported)";
	else if (t->exit_signal != SIGCHLD)
		why = "zombie with an exit signal other than SIGCHLD (not supported)";
	else if (t->ptrace)
		why = "traced zombie (not supported)";
	else
		status = t->signal->flags & SIGNAL_GROUP_EXIT ?
			 t->signal->group_exit_code : t->exit_code;
	read_unlock(&tasklist_lock);
	if (!why && !kcr_zombie_status_ok(status))
		why = "zombie with an unknown exit status";
	if (why) {
		kcr_log(ctx, "%s", why);
		return err;
	}
	e->flags |= KCR_TREE_ZOMBIE;
	e->exit_status = status;
	return 0;
}

/*
 * Restart, the root: once the tree is checked, wait until every zombie
 * has exited (kcr_zombie_exit()), so that the SIGCHLD each sends its
 * parent is dropped when the parent's section restores its signals.
 */
int kcr_zombies_wait(struct kcr_ctx *ctx, struct kcr_tree *tr)
{
	unsigned long until = jiffies + KCR_ZOMBIE_TIMEOUT;
	u32 i;

	for (i = 1; i < tr->nr; i++) {
		if (!(tr->tt[i].flags & KCR_TREE_GONE))
			continue;
		while (!READ_ONCE(tr->tasks[i]->exit_state)) {
			if (fatal_signal_pending(current))
				return -EINTR;
			if (time_after(jiffies, until)) {
				ctx->pid = tr->tt[i].pid;
				kcr_log(ctx, "zombie did not exit");
				return -ETIMEDOUT;
			}
			schedule_timeout_killable(1);
		}
	}
	return 0;
}

/*
 * Restart, a zombie of the tree (entry e): wait until the root checked
 * the tree; then restart() exits with rst->exit_status, once it has
 * freed what it holds (kcr_zombie_do_exit()).
 */
long kcr_zombie_exit(struct kcr_tree *tr, const struct kcr_tree_task *e,
		     struct kcr_rst *rst)
{
	int ret;

	ret = wait_event_killable(tr->wq,
				  READ_ONCE(tr->state) != KCR_TREE_JOINING);
	if (!ret && READ_ONCE(tr->state) == KCR_TREE_FAILED)
		ret = -EINVAL;
	if (!ret) {
		rst->zombie = true;
		rst->exit_status = e->exit_status;
	}
	return ret;
}

/* The end of restart() in a zombie: free rst and exit as the zombie did. */
void __noreturn kcr_zombie_do_exit(struct kcr_rst *rst)
{
	u32 status = rst->exit_status;

	kfree(rst);
	do_exit(status);
}
