/* @file leaders */
// SPDX-License-Identifier: GPL-2.0
/*
 * In-kernel checkpoint/restart: sessions and process groups whose leader
 * has exited and been reaped.  The leader's pid lives on as the id of its
 * session or group.  checkpoint adds a placeholder entry for it to the
 * tree (KCR_TREE_DEAD); on restart the process that user space creates
 * for it makes the session or group, creates the members of its session
 * that were reparented, and exits once the groups are set; its parent
 * reaps it before its own section is restored, as CRIU's helper tasks.
 */
#include <linux/errno.h>
#include <linux/pid.h>
#include <linux/pid_namespace.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/string.h>

#include "kcr_int.h"

/* Does id name a session or group (type) whose leader process is gone? */
static bool kcr_dead_id(struct pid_namespace *ns, pid_t id,
			enum pid_type type)
{
	struct pid *pid;
	bool dead;

	rcu_read_lock();
	pid = find_pid_ns(id, ns);
	dead = pid && !pid_task(pid, PIDTYPE_PID) && pid_task(pid, type);
	rcu_read_unlock();
	return dead;
}

/* Index of the first process of the tree (not a zombie) in session sid. */
static int kcr_dead_member(const struct kcr_tree_task *tt, u32 nr, pid_t sid)
{
	u32 i;

	for (i = 0; i < nr; i++)
		if (!tt[i].flags && tt[i].sid == sid)
			return i;
	return -1;
}

/*
 * Checkpoint: add the placeholder entries to the collected tree ts (of at
 * most max processes).  A dead session leader's entry goes right before
 * the first process of its session, which it creates on restart, with
 * that process's parent; a dead group leader's goes at the end, with the
 * first process of its session as parent.  A session or group that the
 * root shares with processes outside the tree stays the restarter's; an
 * id whose leader lives outside the tree is left to kcr_check_tree().
 */
int kcr_dead_leaders(struct kcr_ctx *ctx, struct kcr_tree_snap *ts, u32 max,
		     struct pid_namespace *ns)
{
	struct kcr_tree_task *tt = ts->tt;
	u32 i;

	for (i = 1; i < ts->nr; i++) {
		struct kcr_tree_task d = { .flags = KCR_TREE_DEAD };
		const struct kcr_tree_task *t = &tt[i];
		u32 at = ts->nr;
		int maker;

		if (t->flags & KCR_TREE_DEAD)
			continue;
		if (t->sid != t->pid && t->sid != tt[0].sid &&
		    kcr_tree_find(tt, ts->nr, t->sid) < 0) {
			if (!kcr_dead_id(ns, t->sid, PIDTYPE_SID))
				continue;
			d.pid = t->sid;
			d.pgid = t->sid;
			d.sid = t->sid;
			d.ppid = t->ppid;
			at = i;
		} else if (t->pgid != t->pid && t->pgid != tt[0].pgid &&
			   kcr_tree_find(tt, ts->nr, t->pgid) < 0) {
			maker = kcr_dead_member(tt, ts->nr, t->sid);
			if (maker < 0 || !kcr_dead_id(ns, t->pgid, PIDTYPE_PGID))
				continue;
			d.pid = t->pgid;
			d.pgid = t->pgid;
			d.sid = t->sid;
			d.ppid = tt[maker].pid;
		} else {
			continue;
		}
		if (ts->nr == max) {
			kcr_log(ctx,
				"more than %u processes in the tree with the dead leaders of sessions and groups",
				max);
			return -E2BIG;
		}
		memmove(&tt[at + 1], &tt[at], (ts->nr - at) * sizeof(*tt));
		memmove(&ts->tasks[at + 1], &ts->tasks[at],
			(ts->nr - at) * sizeof(*ts->tasks));
		memmove(&ts->ncsw[at + 1], &ts->ncsw[at],
			(ts->nr - at) * sizeof(*ts->ncsw));
		tt[at] = d;
		ts->tasks[at] = NULL;
		ts->ncsw[at] = 0;
		ts->nr++;
		/* Next, the process again, for its group. */
	}
	return 0;
}

/* Restart, process idx of the tree: reap the dead leaders it created. */
void kcr_dead_reap(struct kcr_tree *tr, u32 idx)
{
	u32 i;

	for (i = 1; i < tr->nr; i++)
		if (tr->tt[i].flags & KCR_TREE_DEAD &&
		    tr->tt[i].ppid == tr->tt[idx].pid)
			kernel_wait(tr->tt[i].pid, NULL);
}

/*
 * Restart, the root, once every dead leader has exited: reap those it
 * created, and check that the processes they created were reparented to
 * their parents in the image (child subreapers).
 */
int kcr_dead_done(struct kcr_ctx *ctx, struct kcr_tree *tr)
{
	pid_t ppid = 0;
	int bad = -1;
	u32 i;

	kcr_dead_reap(tr, 0);
	read_lock(&tasklist_lock);
	for (i = 1; i < tr->nr && bad < 0; i++) {
		if (tr->tt[i].flags & KCR_TREE_GONE)
			continue;
		ppid = task_tgid_nr_ns(tr->tasks[i]->real_parent, tr->ns);
		if (ppid != tr->tt[i].ppid)
			bad = i;
	}
	read_unlock(&tasklist_lock);
	if (bad < 0)
		return 0;
	ctx->pid = tr->tt[bad].pid;
	kcr_log(ctx,
		"process has parent %d once its session's dead leader exited, the image %d (not a child subreaper?)",
		ppid, tr->tt[bad].ppid);
	return -EINVAL;
}
