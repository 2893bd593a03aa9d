/* @file cred */
// SPDX-License-Identifier: GPL-2.0
/*
 * In-kernel checkpoint/restart: credentials, groups, resource limits, and the
 * sandbox checks (what restart cannot give back is refused).
 */
#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/errno.h>
#include <linux/fdtable.h>
#include <linux/nsproxy.h>
#include <linux/pid_namespace.h>
#include <linux/resource.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/sched/user.h>
#include <linux/seccomp.h>
#include <linux/securebits.h>
#include <linux/security.h>
#include <linux/slab.h>
#include <linux/uidgid.h>
#include <linux/user_namespace.h>

#include "kcr_int.h"

int kcr_write_groups(struct kcr_ctx *ctx, struct task_struct *t)
{
	struct user_namespace *ns = current_user_ns();
	struct kcr_rec_groups r = {};
	const struct cred *cred;
	struct group_info *gi;
	size_t plen;
	u32 *gids;
	int i, ret;

	cred = get_task_cred(t);
	gi = cred->group_info;
	plen = ALIGN(gi->ngroups * sizeof(u32), 8);
	gids = kvzalloc(plen ?: 8, GFP_KERNEL_ACCOUNT);
	if (!gids) {
		put_cred(cred);
		return -ENOMEM;
	}
	for (i = 0; i < gi->ngroups; i++)
		gids[i] = from_kgid_munged(ns, gi->gid[i]);
	r.ngroups = gi->ngroups;
	put_cred(cred);

	kcr_init_rec(ctx, &r, KCR_REC_GROUPS, sizeof(r) + plen);
	ret = kcr_write(ctx, &r, sizeof(r));
	if (!ret)
		ret = kcr_write(ctx, gids, plen);
	kvfree(gids);
	return ret;
}

int kcr_write_rlimits(struct kcr_ctx *ctx, struct task_struct *t)
{
	struct kcr_rec_rlimits *r;
	int i, ret;

	r = kzalloc(sizeof(*r), GFP_KERNEL_ACCOUNT);
	if (!r)
		return -ENOMEM;
	kcr_init_rec(ctx, r, KCR_REC_RLIMITS, sizeof(*r));
	r->nr = RLIM_NLIMITS;
	task_lock(t->group_leader);
	for (i = 0; i < RLIM_NLIMITS; i++) {
		r->rlim[i].cur = t->signal->rlim[i].rlim_cur;
		r->rlim[i].max = t->signal->rlim[i].rlim_max;
	}
	task_unlock(t->group_leader);
	ret = kcr_write(ctx, r, sizeof(*r));
	kfree(r);
	return ret;
}

/*
 * The capability sets restart gives a task with these ids: a full set,
 * reduced as setresuid() and setfsuid() from root would reduce it.
 */
static void kcr_restored_caps(const struct cred *c, kernel_cap_t *prm,
			      kernel_cap_t *eff)
{
	bool root = uid_eq(c->uid, GLOBAL_ROOT_UID) ||
		    uid_eq(c->euid, GLOBAL_ROOT_UID) ||
		    uid_eq(c->suid, GLOBAL_ROOT_UID);

	*prm = root ? CAP_FULL_SET : CAP_EMPTY_SET;
	*eff = uid_eq(c->euid, GLOBAL_ROOT_UID) ? *prm : CAP_EMPTY_SET;
	if (!uid_eq(c->fsuid, GLOBAL_ROOT_UID))
		*eff = cap_drop_fs_set(*eff);
	else if (!uid_eq(c->euid, GLOBAL_ROOT_UID))
		*eff = cap_raise_fs_set(*eff, *prm);
}

/*
 * The sandbox a task runs in is not saved yet: restart would hand the task
 * the restarter's (a root restarter's full capabilities, no filter), so a
 * task whose state differs from what restart gives it is refused, naming
 * what differs.
 */
int kcr_check_sandbox(struct kcr_ctx *ctx, struct task_struct *t)
{
	struct task_struct *reaper;
	void *ref[5] = {};
	struct nsproxy *ns;
	const char *why = NULL;
	kernel_cap_t prm, eff;
	const struct cred *c;

	if (IS_ENABLED(CONFIG_SECCOMP) &&
	    READ_ONCE(t->seccomp.mode) != SECCOMP_MODE_DISABLED)
		why = "seccomp filter or strict mode";
	else if (task_no_new_privs(t))
		why = "no_new_privs";
	if (!why) {
		rcu_read_lock();
		c = __task_cred(t);
		kcr_restored_caps(c, &prm, &eff);
		if (c->user_ns != current_user_ns())
			why = "user namespace other than the checkpointer's";
		else if (c->securebits != SECUREBITS_DEFAULT)
			why = "securebits";
		else if (!cap_isidentical(c->cap_bset, CAP_FULL_SET) ||
			 !cap_isclear(c->cap_inheritable) ||
			 !cap_isclear(c->cap_ambient))
			why = "reduced bounding set, inheritable or ambient capabilities";
		else if (!cap_isidentical(c->cap_permitted, prm) ||
			 !cap_isidentical(c->cap_effective, eff))
			why = "capability sets other than its ids give";
		rcu_read_unlock();
	}
	/*
	 * Namespaces: restart puts the task in the restarter's. The reference
	 * is the init of the caller's pid namespace (for a self-checkpoint the
	 * caller is the task). Only the pointers are compared.
	 */
	if (!why) {
		rcu_read_lock();
		reaper = task_active_pid_ns(current)->child_reaper;
		if (reaper) {
			task_lock(reaper);
			ns = reaper->nsproxy;
			if (ns) {
				ref[0] = ns->uts_ns;
				ref[1] = ns->ipc_ns;
				ref[2] = ns->mnt_ns;
				ref[3] = ns->net_ns;
				ref[4] = ns->cgroup_ns;
			}
			task_unlock(reaper);
		}
		rcu_read_unlock();
		task_lock(t);
		ns = t->nsproxy;
		if (ns && ref[0] &&
		    (ref[0] != ns->uts_ns || ref[1] != ns->ipc_ns ||
		     ref[2] != ns->mnt_ns || ref[3] != ns->net_ns ||
		     ref[4] != ns->cgroup_ns))
			why = "namespaces (UTS, IPC, mount, net, cgroup) of its own";
		task_unlock(t);
	}
	if (why) {
		kcr_log(ctx, "%s (not saved, not supported)", why);
		return -EOPNOTSUPP;
	}
	return 0;
}

/* Is id one of the caller's, or may it set any? */
/* @until unix-rst */
static bool kcr_uid_ok(kuid_t id, const struct cred *c)
/* @end */
/* @unix-rst */
bool kcr_uid_ok(kuid_t id, const struct cred *c)
/* @end */
{
	return uid_eq(id, c->uid) || uid_eq(id, c->euid) ||
	       uid_eq(id, c->suid) || ns_capable(c->user_ns, CAP_SETUID);
}

/* @until unix-rst */
static bool kcr_gid_ok(kgid_t id, const struct cred *c)
/* @end */
/* @unix-rst */
bool kcr_gid_ok(kgid_t id, const struct cred *c)
/* @end */
{
	return gid_eq(id, c->gid) || gid_eq(id, c->egid) ||
	       gid_eq(id, c->sgid) || ns_capable(c->user_ns, CAP_SETGID);
}

/*
 * Whether every group of @have is among the @n ids of the image: with the
 * image's groups all in @have and as many of them, the two are one set. A
 * count alone is not enough: {A, A} would pass for a caller in {A, B} and
 * drop B without CAP_SETGID.
 */
static int kcr_groups_cover(const struct group_info *have, const u32 *ids,
			    u32 n, struct user_namespace *ns)
{
	struct group_info *img = groups_alloc(n);
	bool all = true;
	int i;

	if (!img)
		return -ENOMEM;
	for (i = 0; i < n; i++)
		img->gid[i] = make_kgid(ns, ids[i]);
	groups_sort(img);
	for (i = 0; i < have->ngroups && all; i++)
		all = groups_search(img, have->gid[i]);
	put_group_info(img);
	return all;
}

/*
 * The image's uids, gids and groups: they must map in the caller's user
 * namespace and be ids the caller could set itself (setresuid(),
 * setresgid(), setgroups() rules), so restart cannot raise privileges.
 */
int kcr_rst_groups(struct kcr_ctx *ctx, struct kcr_rst *rst)
{
	const struct cred *c = current_cred();
	struct user_namespace *ns = c->user_ns;
	const struct kcr_rec_task *t = &rst->task;
	const u32 uids[4] = { t->uid, t->euid, t->suid, t->fsuid };
	const u32 gids[4] = { t->gid, t->egid, t->sgid, t->fsgid };
	struct kcr_rec_groups r;
	struct kcr_hdr h;
	size_t plen;
	bool same;
	u32 i;
	int ret;

	ret = kcr_rst_next_hdr(ctx, rst, &h);
	if (ret)
		return ret;
	if (h.type != KCR_REC_GROUPS)
		return KCR_BAD(ctx, "offset %llu: type %u, expected groups",
			       kcr_rec_off(ctx), h.type);
	ret = kcr_read_rec(ctx, &h, &r, sizeof(r));
	if (ret)
		return ret;
	plen = ALIGN((size_t)r.ngroups * sizeof(u32), 8);
	if (r.ngroups > KCR_NGROUPS_MAX || r.__pad ||
	    h.len != sizeof(r) + plen)
		return KCR_BAD(ctx, "groups record with %u groups", r.ngroups);
	rst->groups = kvzalloc(plen ?: 8, GFP_KERNEL_ACCOUNT);
	if (!rst->groups)
		return -ENOMEM;
	ret = kcr_read(ctx, rst->groups, plen);
	if (ret)
		return ret;
	rst->ngroups = r.ngroups;
	if ((r.ngroups & 1) && rst->groups[r.ngroups])
		return KCR_BAD(ctx, "groups record padding");

	for (i = 0; i < 4; i++) {
		kuid_t ku = make_kuid(ns, uids[i]);
		kgid_t kg = make_kgid(ns, gids[i]);

		if (!uid_valid(ku) || !gid_valid(kg))
			return KCR_BAD(ctx, "uid %u or gid %u does not map in this user namespace",
				       uids[i], gids[i]);
		if (!kcr_uid_ok(ku, c)) {
			kcr_log(ctx, "uid %u: restoring it needs CAP_SETUID",
				uids[i]);
			return -EPERM;
		}
		if (!kcr_gid_ok(kg, c)) {
			kcr_log(ctx, "gid %u: restoring it needs CAP_SETGID",
				gids[i]);
			return -EPERM;
		}
	}
	same = r.ngroups == c->group_info->ngroups;
	for (i = 0; i < r.ngroups; i++) {
		kgid_t kg = make_kgid(ns, rst->groups[i]);

		if (!gid_valid(kg))
			return KCR_BAD(ctx, "group %u does not map in this user namespace",
				       rst->groups[i]);
		same = same && groups_search(c->group_info, kg);
	}
	if (same) {
		ret = kcr_groups_cover(c->group_info, rst->groups, r.ngroups, ns);
		if (ret < 0)
			return ret;
		same = ret;
	}
	/* As setgroups(). */
	if (!same && !(ns_capable(ns, CAP_SETGID) && may_setgroups())) {
		kcr_log(ctx, "other groups: restoring them needs CAP_SETGID");
		return -EPERM;
	}
	return 0;
}

int kcr_rst_rlimits(struct kcr_ctx *ctx, struct kcr_rst *rst)
{
	struct kcr_rec_rlimits *r = &rst->rlim;
	struct kcr_hdr h;
	struct rlimit cur;
	int i, ret;

	ret = kcr_expect(ctx, &h, KCR_REC_RLIMITS, sizeof(*r));
	if (!ret)
		ret = kcr_read_rec(ctx, &h, r, sizeof(*r));
	if (ret)
		return ret;
	if (r->nr != RLIM_NLIMITS || r->__pad)
		return KCR_BAD(ctx, "rlimits record with %u limits", r->nr);
	for (i = 0; i < RLIM_NLIMITS; i++) {
		if (r->rlim[i].cur > r->rlim[i].max ||
		    (i == RLIMIT_NOFILE && r->rlim[i].max > sysctl_nr_open))
			return KCR_BAD(ctx, "resource limit %d: %llu/%llu", i,
				       r->rlim[i].cur, r->rlim[i].max);
		task_lock(current->group_leader);
		cur = current->signal->rlim[i];
		task_unlock(current->group_leader);
		/* What do_prlimit() will require. */
		if (r->rlim[i].max > cur.rlim_max && !capable(CAP_SYS_RESOURCE)) {
			kcr_log(ctx, "rlimit %d: raising max to %llu needs CAP_SYS_RESOURCE",
				i, r->rlim[i].max);
			return -EPERM;
		}
	}
	return 0;
}

/*
 * The caller's credentials with the image's ids and groups, capabilities
 * following the ids as for setresuid() and setfsuid(): what the restored
 * task will have.  Not committed.
 */
struct cred *kcr_image_cred(struct kcr_rst *rst)
{
	const struct kcr_rec_task *t = &rst->task;
	const struct cred *old = current_cred();
	struct user_namespace *ns = old->user_ns;
	struct group_info *gi;
	struct cred *new;
	u32 i;
	int ret;

	gi = groups_alloc(rst->ngroups);
	if (!gi)
		return ERR_PTR(-ENOMEM);
	for (i = 0; i < rst->ngroups; i++)
		gi->gid[i] = make_kgid(ns, rst->groups[i]);
	groups_sort(gi);

	new = prepare_creds();
	if (!new) {
		put_group_info(gi);
		return ERR_PTR(-ENOMEM);
	}
	new->uid = make_kuid(ns, t->uid);
	new->euid = make_kuid(ns, t->euid);
	new->suid = make_kuid(ns, t->suid);
	new->fsuid = make_kuid(ns, t->fsuid);
	new->gid = make_kgid(ns, t->gid);
	new->egid = make_kgid(ns, t->egid);
	new->sgid = make_kgid(ns, t->sgid);
	new->fsgid = make_kgid(ns, t->fsgid);
	set_groups(new, gi);
	put_group_info(gi);
	if (!uid_eq(new->uid, old->uid)) {
		struct user_struct *u = alloc_uid(new->uid);

		if (!u) {
			abort_creds(new);
			return ERR_PTR(-EAGAIN);
		}
		free_uid(new->user);
		new->user = u;
	}
	/* Capabilities follow the ids as for setresuid() and setfsuid(). */
	ret = security_task_fix_setuid(new, old, LSM_SETID_RES);
	if (!ret)
		ret = security_task_fix_setuid(new, old, LSM_SETID_FS);
	if (!ret)
		ret = security_task_fix_setgid(new, old, LSM_SETID_RES);
	if (!ret)
		ret = set_cred_ucounts(new);
	if (ret) {
		abort_creds(new);
		return ERR_PTR(ret);
	}
	return new;
}

/*
 * Commit the image's credentials.  As setresuid() does (set_user() and
 * flag_nproc_exceeded()): a task moved to a user already at its
 * RLIMIT_NPROC gets PF_NPROC_EXCEEDED, so that its next execve() fails
 * with EAGAIN, rather than escape the limit.
 */
int kcr_apply_creds(struct kcr_rst *rst)
{
	struct cred *new = kcr_image_cred(rst);
	bool over;

	if (IS_ERR(new))
		return PTR_ERR(new);
	if (new->ucounts == current_ucounts())
		return commit_creds(new);
	over = is_rlimit_overlimit(new->ucounts, UCOUNT_RLIMIT_NPROC,
				   rlimit(RLIMIT_NPROC)) &&
	       new->user != INIT_USER;
	commit_creds(new);
	if (over)
		current->flags |= PF_NPROC_EXCEEDED;
	else
		current->flags &= ~PF_NPROC_EXCEEDED;
	return 0;
}

int kcr_apply_rlimits(struct kcr_ctx *ctx, struct kcr_rst *rst)
{
	int i, ret;

	for (i = 0; i < RLIM_NLIMITS; i++) {
		struct rlimit r = {
			.rlim_cur = rst->rlim.rlim[i].cur,
			.rlim_max = rst->rlim.rlim[i].max,
		};

		ret = do_prlimit(current, i, &r, NULL);
		if (ret) {
			kcr_log(ctx, "cannot set resource limit %d: %d", i, ret);
			return ret;
		}
	}
	return 0;
}
