/* @file proc */
// SPDX-License-Identifier: GPL-2.0
/*
 * In-kernel checkpoint/restart: files of /proc (KCR_FILE_PROC).  A process
 * may hold files of its own /proc/PID directory open (status, stat, maps,
 * mem, its fd directory, ...), and files of /proc outside any process's
 * directory read-only (meminfo, stat, loadavg, ...).  They are reopened by
 * path; a file of the process's own directory is saved as /proc/self/...,
 * so that it names the restarted process whatever its pid.  Those that
 * take a reference on the address space when they are opened (maps, mem,
 * environ, ...) see the restored one: restart rebuilds it in the same
 * mm_struct.
 */
#include <linux/err.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/kernel.h>
#include <linux/mount.h>
#include <linux/pid_namespace.h>
#include <linux/proc_fs.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <uapi/linux/magic.h>

#include "kcr_int.h"

/*
 * The pid whose /proc directory dentry lies in (or names), or 0 outside
 * any process's directory.
 */
static pid_t kcr_proc_owner(struct dentry *dentry)
{
	struct dentry *d = dget(dentry), *up;
	char name[16];
	int pid;

	for (;;) {
		if (IS_ROOT(d)) {
			dput(d);
			return 0;
		}
		up = dget_parent(d);
		if (IS_ROOT(up))
			break;
		dput(d);
		d = up;
	}
	dput(up);
	snprintf(name, sizeof(name), "%pd", d);
	dput(d);
	if (kstrtoint(name, 10, &pid) || pid <= 0)
		return 0;
	return pid;
}

/*
 * Why the file at path p of /proc, opened with flags, cannot be saved or
 * restored for the process of pid self (in the /proc's pid namespace), or
 * NULL.
 */
static const char *kcr_proc_why(const struct path *p, u32 flags, pid_t self)
{
	struct super_block *sb = p->dentry->d_sb;
	umode_t mode = d_inode(p->dentry)->i_mode;
	pid_t owner;

	if (sb->s_magic != PROC_SUPER_MAGIC)
		return "not a file of /proc";
	if (proc_pid_ns(sb) != task_active_pid_ns(current))
		return "file of the /proc of another pid namespace (not supported)";
	if (p->mnt->mnt_root != sb->s_root)
		return "file of a bind mount of part of /proc (not supported)";
	if (!S_ISREG(mode) && !S_ISDIR(mode))
		return "special file of /proc";
	owner = kcr_proc_owner(p->dentry);
	if (owner && owner != self)
		return "file of another process's /proc directory (not supported)";
	if (!owner && (flags & O_ACCMODE) != O_RDONLY)
		return "file of /proc outside the process's directory, for writing (not supported)";
	return NULL;
}

/* Checkpoint: why the file of /proc, open in the process ctx->pid, cannot
 * be saved, or NULL.
 */
const char *kcr_proc_why_not(struct kcr_ctx *ctx, struct file *file)
{
	return kcr_proc_why(&file->f_path, file->f_flags, ctx->pid);
}

/*
 * Checkpoint: rewrite the path of a file of the process's own /proc
 * directory, in buf (len bytes with the NUL, room for KCR_PATH_MAX), as
 * /proc/self/...; returns the new length.
 */
size_t kcr_proc_self_path(struct file *file, char *buf, size_t len)
{
	pid_t owner = kcr_proc_owner(file->f_path.dentry);
	char top[16], *tmp, *rel;
	size_t tlen, rlen;

	if (!owner)
		return len;
	tlen = snprintf(top, sizeof(top), "/%d", owner);
	tmp = kmalloc(PATH_MAX, GFP_KERNEL);
	if (!tmp)
		return len;
	/* Relative to /proc: "/PID/...". */
	rel = dentry_path_raw(file->f_path.dentry, tmp, PATH_MAX);
	rlen = IS_ERR(rel) ? 0 : strlen(rel) + 1;
	if (rlen > tlen && rlen <= len && len + 5 <= KCR_PATH_MAX &&
	    !strncmp(rel, top, tlen) && (!rel[tlen] || rel[tlen] == '/') &&
	    !memcmp(buf + len - rlen, rel, rlen)) {
		char *at = buf + len - rlen;

		memmove(at + 5, at + tlen, rlen - tlen);
		memcpy(at, "/self", 5);
		len = len - tlen + 5;
	}
	kfree(tmp);
	return len;
}

/* Restart: why the file looked up at p for a KCR_FILE_PROC record cannot
 * be opened with oflags, or NULL.
 */
const char *kcr_proc_why_not_path(const struct path *p, u32 oflags)
{
	struct pid_namespace *ns = proc_pid_ns(p->dentry->d_sb);

	if (p->dentry->d_sb->s_magic != PROC_SUPER_MAGIC)
		return "not a file of /proc";
	return kcr_proc_why(p, oflags, task_tgid_nr_ns(current, ns));
}
