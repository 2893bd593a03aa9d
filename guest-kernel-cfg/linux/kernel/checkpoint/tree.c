/* @file tree */
// SPDX-License-Identifier: GPL-2.0
/*
 * In-kernel checkpoint/restart: process trees.
 */
#include <linux/errno.h>
#include <linux/file.h>
#include <linux/kref.h>
#include <linux/pid_namespace.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/security.h>
#include <linux/slab.h>
#include <linux/wait.h>

#include "kcr_int.h"

/* Index of the process pid in a tree, or -1. */
int kcr_tree_find(const struct kcr_tree_task *tt, u32 nr, pid_t pid)
{
	u32 i;

	for (i = 0; i < nr; i++)
		if (tt[i].pid == pid)
			return i;
	return -1;
}

/*
 * Index of the process of the tree that creates process i on restart
 * (clone3()): its parent, or -1 if that is not in the tree.
/* @leaders */
 * A process of a session whose leader is dead and that its parent is not
 * in is created by that leader's placeholder entry, if it has the same
 * parent (KCR_TREE_DEAD).
/* @end */
 */
int kcr_tree_creator(const struct kcr_tree_task *tt, u32 nr, u32 i)
{
	const struct kcr_tree_task *t = &tt[i];
	int parent = kcr_tree_find(tt, nr, t->ppid);
/* @leaders */
	int s;

	if (parent < 0 || t->sid == t->pid || t->sid == tt[parent].sid)
		return parent;
	s = kcr_tree_find(tt, nr, t->sid);
	if (s >= 0 && tt[s].flags & KCR_TREE_DEAD && tt[s].sid == tt[s].pid &&
	    tt[s].ppid == t->ppid)
		return s;
/* @end */

	return parent;
}

/*
 * Check the relations of a process tree (see KCR_REC_TREE): distinct
 * pids, parents before children, and sessions and process groups that
 * restart() can recreate.  Used on checkpoint (refuse a tree that could
 * not be restarted) and on restart (validate the image).
 */
int kcr_check_tree(struct kcr_ctx *ctx, const struct kcr_tree_task *tt,
		   u32 nr)
{
	const char *why = NULL;
	u32 i;

	if (!nr || nr > KCR_TREE_MAX) {
		kcr_log(ctx, "bad image: %u processes in the tree", nr);
		return -EINVAL;
	}
	for (i = 0; i < nr && !why; i++) {
		const struct kcr_tree_task *t = &tt[i];
		int parent = kcr_tree_find(tt, nr, t->ppid);
		int leader = kcr_tree_find(tt, nr, t->pgid);
		int sess = kcr_tree_find(tt, nr, t->sid);
		int maker = kcr_tree_creator(tt, nr, i);
		/* Where the process gets its session and group from. */
		const struct kcr_tree_task *p = maker >= 0 ? &tt[maker] : t;

		ctx->pid = t->pid;
		if (t->pid <= 0 || t->ppid < 0 || t->pgid <= 0 || t->sid <= 0 ||
/* @until zombie */
		    t->flags || t->__pad)
/* @end */
/* @zombie */
/* @until leaders */
		    t->flags & ~KCR_TREE_ZOMBIE ||
/* @end */
/* @leaders */
		    t->flags & ~KCR_TREE_GONE ||
		    (t->flags & KCR_TREE_DEAD && t->flags != KCR_TREE_DEAD) ||
/* @end */
		    (!(t->flags & KCR_TREE_ZOMBIE) && t->exit_status))
/* @end */
			why = "malformed tree entry";
/* @zombie */
		else if (t->flags & KCR_TREE_ZOMBIE &&
			 (!i || !kcr_zombie_status_ok(t->exit_status)))
			why = "zombie root, or a zombie's bad exit status";
/* @until leaders */
		else if (parent >= 0 && tt[parent].flags & KCR_TREE_ZOMBIE)
			why = "child of a zombie";
/* @end */
/* @leaders */
		else if (parent >= 0 && tt[parent].flags & KCR_TREE_GONE)
			why = "child of a zombie or of a dead leader";
		else if (t->flags & KCR_TREE_DEAD && (!i || t->pgid != t->pid))
			why = "dead leader that is the root or leads no group";
/* @end */
/* @end */
		else if (kcr_tree_find(tt, i, t->pid) >= 0)
			why = "pid appears twice in the tree";
		else if (t->sid == t->pid && t->pgid != t->pid)
			why = "session leader outside its own process group";
		else if (!i && (parent >= 0 || sess > 0 || leader > 0))
			why = "root with a parent, session or group among its descendants";
		else if (i && (parent < 0 || parent >= i || maker >= i))
			why = "parent is not an earlier process of the tree";
		else if (t->sid != t->pid && t->sid != p->sid)
			why = "session is neither its own nor its parent's";
		else if (t->pgid == t->pid || t->pgid == p->pgid)
			continue;
		else if (leader < 0 || tt[leader].pgid != tt[leader].pid ||
			 tt[leader].sid != t->sid)
			why = "process group without a leader in the tree and the session";
		cond_resched();
	}
	if (!why)
		return 0;
	i--;
	kcr_log(ctx, "process tree: %s (ppid %d pgid %d sid %d)", why,
		tt[i].ppid, tt[i].pgid, tt[i].sid);
	return -EINVAL;
}

int kcr_write_tree(struct kcr_ctx *ctx, struct kcr_tree_snap *ts)
{
	struct kcr_rec_tree r = {};
	size_t size = array_size(ts->nr, sizeof(*ts->tt));
	int ret;

	kcr_init_rec(ctx, &r, KCR_REC_TREE, sizeof(r) + size);
	r.nr_tasks = ts->nr;
	ret = kcr_write(ctx, &r, sizeof(r));
	return ret ? ret : kcr_write(ctx, ts->tt, size);
}

/* @tree-rst */
/*
 * Restart of a process tree.  User space creates the processes (clone3() with
 * set_tid, setsid(), setpgid(0, 0)); the root calls restart() with
 * KCR_RESTART_TREE and coordinates, the others join with
 * KCR_RESTART_JOIN on the same open image file, as linux-cr's mktree
 * and coordinator.  The image is one stream: the root restores its own
 * section, then hands the stream to each process in turn, which
 * restores itself from its section and waits.  Shared objects (pipes,
 * files inherited by fork()) live in the one object hash.  Once the
 * tail checksum has been verified, all return to user mode; on failure,
 * every process past its point of no return is killed, the others get
 * an error.
 */
/* Bound on the wait for the processes of a tree to join. */
#define KCR_JOIN_TIMEOUT	(30 * HZ)

static LIST_HEAD(kcr_trees);
/* Protects kcr_trees and the nr_joined, tasks, turn, done, state fields. */
static DEFINE_SPINLOCK(kcr_trees_lock);
static DECLARE_WAIT_QUEUE_HEAD(kcr_trees_wq);

static void kcr_tree_release(struct kref *ref)
{
	struct kcr_tree *tr = container_of(ref, struct kcr_tree, ref);
	u32 i;

	for (i = 0; tr->tasks && i < tr->nr; i++)
		if (tr->tasks[i])
			put_task_struct(tr->tasks[i]);
	kcr_ctx_free(tr->ctx);
	if (tr->ns)
		put_pid_ns(tr->ns);
	kvfree(tr->tasks);
	kvfree(tr->tt);
	kfree(tr);
}

/* A tree restart by its root, which owns ctx from now on; NULL: ENOMEM. */
struct kcr_tree *kcr_tree_new(struct kcr_ctx *ctx)
{
	struct kcr_tree *tr = kzalloc(sizeof(*tr), GFP_KERNEL_ACCOUNT);

	if (!tr)
		return NULL;
	kref_init(&tr->ref);
	INIT_LIST_HEAD(&tr->node);
	init_waitqueue_head(&tr->wq);
	tr->ctx = ctx;
/* @cow-rst */
	ctx->rst_tree = tr;
/* @end */
	tr->ns = get_pid_ns(task_active_pid_ns(current));
	tr->state = KCR_TREE_JOINING;
	return tr;
}

void kcr_tree_put(struct kcr_tree *tr)
{
	kref_put(&tr->ref, kcr_tree_release);
}

void kcr_tree_set_state(struct kcr_tree *tr, int state)
{
	spin_lock(&kcr_trees_lock);
	if (tr->state != KCR_TREE_FAILED)
		tr->state = state;
	spin_unlock(&kcr_trees_lock);
	wake_up_all(&tr->wq);
}

static int kcr_tree_state(struct kcr_tree *tr)
{
	return READ_ONCE(tr->state);
}

/* The tree record (header in h), into tr->tt. */
int kcr_rst_tree_rec(struct kcr_ctx *ctx, const struct kcr_hdr *h,
		     struct kcr_tree *tr)
{
	struct kcr_rec_tree r;
	int ret;

	if (h->type != KCR_REC_TREE)
		return KCR_BAD(ctx, "offset %llu: type %u, expected the tree record",
			       kcr_rec_off(ctx), h->type);
	ret = kcr_read_rec(ctx, h, &r, sizeof(r));
	if (ret)
		return ret;
	if (r.__pad || !r.nr_tasks || r.nr_tasks > KCR_TREE_MAX ||
	    h->len != sizeof(r) + r.nr_tasks * sizeof(*tr->tt))
		return KCR_BAD(ctx, "tree record of %u processes, length %u",
			       r.nr_tasks, h->len);
	kvfree(tr->tt);
	tr->nr = r.nr_tasks;
	tr->tt = kvcalloc(tr->nr, sizeof(*tr->tt), GFP_KERNEL_ACCOUNT);
	if (!tr->tt)
		return -ENOMEM;
	ret = kcr_read(ctx, tr->tt, tr->nr * sizeof(*tr->tt));
	return ret ? ret : kcr_check_tree(ctx, tr->tt, tr->nr);
}

/* The sid or pgid a process must have now: its own, or the root's. */
static pid_t kcr_tree_id(struct kcr_tree *tr, pid_t id, pid_t root_id)
{
	return kcr_tree_find(tr->tt, tr->nr, id) >= 0 ? id : root_id;
}

/*
 * Check every joined process against the tree: parent, session, and
 * (final) process group; before, a group leader must lead its group.
 */
static int kcr_tree_check(struct kcr_ctx *ctx, struct kcr_tree *tr,
			  bool final)
{
	struct pid_namespace *ns = tr->ns;
	pid_t ppid = 0, sid = 0, pgid = 0, rsid, rpgid;
	int bad = -1;
	u32 i;

	read_lock(&tasklist_lock);
	rsid = task_session_nr_ns(tr->tasks[0], ns);
	rpgid = task_pgrp_nr_ns(tr->tasks[0], ns);
	for (i = 0; i < tr->nr && bad < 0; i++) {
		struct task_struct *t = tr->tasks[i];
		const struct kcr_tree_task *e = &tr->tt[i];

		ppid = task_tgid_nr_ns(t->real_parent, ns);
		sid = task_session_nr_ns(t, ns);
		pgid = task_pgrp_nr_ns(t, ns);
		/* Its creator is its parent until it is reparented. */
		if (t->exit_state || task_pid_nr_ns(t, ns) != e->pid ||
		    (i && ppid != tr->tt[kcr_tree_creator(tr->tt, tr->nr, i)].pid) ||
		    sid != kcr_tree_id(tr, e->sid, rsid) ||
		    (final && pgid != kcr_tree_id(tr, e->pgid, rpgid)) ||
		    (!final && e->pgid == e->pid && pgid != e->pid))
			bad = i;
	}
	read_unlock(&tasklist_lock);
	if (bad < 0)
		return 0;
	ctx->pid = tr->tt[bad].pid;
	kcr_log(ctx, "process has parent %d, session %d, group %d; the image %d, %d, %d",
		ppid, sid, pgid, tr->tt[bad].ppid, tr->tt[bad].sid,
		tr->tt[bad].pgid);
	return -EINVAL;
}

/*
 * Move the processes that joined a group of the tree into it, with the
 * checks of setpgid(): the group exists in the process's session and the
 * process does not lead a session.  Their leaders made the groups.
 */
static int kcr_tree_set_pgrps(struct kcr_ctx *ctx, struct kcr_tree *tr)
{
	int ret = 0;
	u32 i;

	rcu_read_lock();
	write_lock_irq(&tasklist_lock);
	for (i = 1; i < tr->nr && !ret; i++) {
		const struct kcr_tree_task *e = &tr->tt[i];
		struct task_struct *t = tr->tasks[i], *g;
		struct pid *pgrp;

		if (e->pgid == e->pid || kcr_tree_find(tr->tt, tr->nr, e->pgid) < 0)
			continue;
		pgrp = find_pid_ns(e->pgid, tr->ns);
		if (task_pgrp(t) == pgrp)
			continue;
		g = pgrp ? pid_task(pgrp, PIDTYPE_PGID) : NULL;
		ret = -EPERM;
		if (!g || t->signal->leader || !thread_group_leader(t) ||
		    task_session(g) != task_session(t))
			break;
		ret = security_task_setpgid(t, e->pgid);
		if (!ret)
			change_pid(t, PIDTYPE_PGID, pgrp);
	}
	write_unlock_irq(&tasklist_lock);
	rcu_read_unlock();
	if (ret) {
		ctx->pid = tr->tt[i - 1].pid;
		kcr_log(ctx, "cannot join process group %d: %d",
			tr->tt[i - 1].pgid, ret);
	}
	return ret;
}

/*
 * The root: publish the tree, wait until every other process joined,
 * check them all and set the process groups.
 */
int kcr_tree_start(struct kcr_ctx *ctx, struct kcr_tree *tr)
{
	long left;
	int ret;

	if (task_pid_nr_ns(current, tr->ns) != tr->tt[0].pid) {
		kcr_log(ctx, "caller is pid %d, the root of the tree is %d",
			task_pid_nr_ns(current, tr->ns), tr->tt[0].pid);
		return -EINVAL;
	}
	tr->tasks = kvcalloc(tr->nr, sizeof(*tr->tasks), GFP_KERNEL_ACCOUNT);
	if (!tr->tasks)
		return -ENOMEM;
	tr->tasks[0] = get_task_struct(current);
	tr->nr_joined = 1;
	spin_lock(&kcr_trees_lock);
	list_add(&tr->node, &kcr_trees);
	spin_unlock(&kcr_trees_lock);
	wake_up_all(&kcr_trees_wq);

	left = wait_event_killable_timeout(tr->wq,
			READ_ONCE(tr->nr_joined) == tr->nr ||
			kcr_tree_state(tr) == KCR_TREE_FAILED,
			KCR_JOIN_TIMEOUT);
	spin_lock(&kcr_trees_lock);
	list_del_init(&tr->node);
	ret = tr->nr_joined == tr->nr && tr->state == KCR_TREE_JOINING ? 0 :
	      left < 0 ? left : -ETIMEDOUT;
	spin_unlock(&kcr_trees_lock);
	if (ret) {
		kcr_log(ctx, "%u of the %u processes of the tree joined",
			tr->nr_joined, tr->nr);
		return ret;
	}
	ret = kcr_tree_check(ctx, tr, false);
	if (!ret)
		ret = kcr_tree_set_pgrps(ctx, tr);
	if (!ret)
		ret = kcr_tree_check(ctx, tr, true);
	if (!ret)
		kcr_tree_set_state(tr, KCR_TREE_RUNNING);
/* @zombie */
	if (!ret)
		ret = kcr_zombies_wait(ctx, tr);
/* @end */
/* @leaders */
	if (!ret)
		ret = kcr_dead_done(ctx, tr);
/* @end */
	return ret;
}

/* The root: let process i restore its section; h: its task header. */
int kcr_tree_turn(struct kcr_tree *tr, u32 i, struct kcr_hdr *h)
{
	int ret;

	spin_lock(&kcr_trees_lock);
	tr->hdr = *h;
	tr->turn = i;
	spin_unlock(&kcr_trees_lock);
	wake_up_all(&tr->wq);
	ret = wait_event_killable(tr->wq, READ_ONCE(tr->done) == i ||
				  kcr_tree_state(tr) == KCR_TREE_FAILED);
	if (ret)
		return ret;
	spin_lock(&kcr_trees_lock);
	*h = tr->hdr;
	ret = tr->state == KCR_TREE_FAILED ? -EINVAL : 0;
	spin_unlock(&kcr_trees_lock);
	return ret;
}

/*
 * A process of a tree: wait until the root published the tree of the
 * image file that this process has open too, with this process in it.
 */
static struct kcr_tree *kcr_tree_join(struct file *file, u32 *idx)
{
	struct kcr_tree *tr, *found = NULL;

	spin_lock(&kcr_trees_lock);
	list_for_each_entry(tr, &kcr_trees, node) {
		int i;

		if ((tr->ctx->image ?: tr->ctx->file) != file ||
		    tr->state != KCR_TREE_JOINING)
			continue;
		i = kcr_tree_find(tr->tt, tr->nr,
				  task_pid_nr_ns(current, tr->ns));
		if (i <= 0 || tr->tasks[i] ||
		    task_active_pid_ns(current) != tr->ns)
			continue;
		tr->tasks[i] = get_task_struct(current);
		tr->nr_joined++;
		kref_get(&tr->ref);
		*idx = i;
		found = tr;
		break;
	}
	spin_unlock(&kcr_trees_lock);
	if (found)
		wake_up_all(&found->wq);
	return found;
}

long kcr_restart_join(int fd, struct kcr_rst *rst)
{
	struct kcr_tree *tr = NULL;
	struct file *file;
	struct kcr_hdr h;
	u32 idx = 0;
	long ret;

	file = fget(fd);
	if (!file)
		return -EBADF;
	ret = wait_event_killable_timeout(kcr_trees_wq,
			(tr = kcr_tree_join(file, &idx)) != NULL,
			KCR_JOIN_TIMEOUT);
	fput(file);
	if (!tr)
		return ret < 0 ? ret : -ESRCH;
/* @zombie */
	if (tr->tt[idx].flags & KCR_TREE_GONE) {
		ret = kcr_zombie_exit(tr, &tr->tt[idx], rst);
		kcr_tree_put(tr);
		return ret;
	}
/* @end */

	/* Wait for our turn, restore our section, hand the stream back. */
	ret = wait_event_killable(tr->wq, READ_ONCE(tr->turn) == idx ||
				  kcr_tree_state(tr) == KCR_TREE_FAILED);
	if (!ret && kcr_tree_state(tr) == KCR_TREE_FAILED)
		ret = -EINVAL;
	if (!ret) {
/* @leaders */
		kcr_dead_reap(tr, idx);
/* @end */
		h = tr->hdr;
		ret = kcr_restart_one(tr->ctx, rst, &h, &tr->tt[idx]);
		spin_lock(&kcr_trees_lock);
		tr->hdr = h;
		tr->done = idx;
		spin_unlock(&kcr_trees_lock);
	}
	if (ret)
		kcr_tree_set_state(tr, KCR_TREE_FAILED);
	else
		wake_up_all(&tr->wq);

	/* Return to user mode only once the whole image was restored. */
	if (!ret)
		ret = wait_event_killable(tr->wq,
				kcr_tree_state(tr) >= KCR_TREE_OK);
	if (!ret && kcr_tree_state(tr) != KCR_TREE_OK)
		ret = -EINVAL;
	if (ret && rst->mm_gone)
		force_fatal_sig(SIGKILL);
	kcr_tree_put(tr);
	return ret ? ret : (long)rst->regs.cpu.regs.ax;
}
/* @end */
