/* @file inotify */
// SPDX-License-Identifier: GPL-2.0
/*
 * In-kernel checkpoint/restart: inotify files.  A KCR_FILE_INOTIFY file
 * record is followed by a KCR_REC_INOTIFY, a KCR_REC_INOTIFY_WATCH per
 * watch (the watched file by path and inode number, the mask, the watch
 * descriptor) and a KCR_REC_INOTIFY_EVENT per event queued and not read.
 * Restart makes a new instance, looks each path up again, adds each
 * watch with its own descriptor and queues the events again, so that the
 * program reads after restart what it would have read before.
 */
/* @inotify-rst */
#include <linux/cred.h>
/* @end */
#include <linux/dcache.h>
#include <linux/errno.h>
/* @inotify-rst */
#include <linux/file.h>
/* @end */
#include <linux/fs.h>
#include <linux/inotify.h>
#include <linux/mount.h>
/* @inotify-rst */
#include <linux/namei.h>
/* @end */
#include <linux/path.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "kcr_int.h"

/*
 * The watches of inotify file, or an ERR_PTR; *nr: how many.  Room for a
 * few first, for KCR_INOTIFY_WATCHES_MAX only if it has more.
 */
static struct kcr_in_watch *kcr_inotify_watches(struct file *file, int *nr,
						int *cursor)
{
	struct kcr_in_watch *w;
	unsigned int max = 64;

	for (;;) {
		w = kvmalloc_array(max, sizeof(*w), GFP_KERNEL);
		if (!w)
			return ERR_PTR(-ENOMEM);
		*nr = inotify_get_watches(file, w, max, cursor);
		if (*nr != -E2BIG || max == KCR_INOTIFY_WATCHES_MAX)
			break;
		kvfree(w);
		max = KCR_INOTIFY_WATCHES_MAX;
	}
	if (*nr < 0) {
		kvfree(w);
		return ERR_PTR(*nr);
	}
	return w;
}

static void kcr_inotify_put(struct kcr_in_watch *w, int nr)
{
	while (nr)
		iput(w[--nr].inode);
	kvfree(w);
}

/* The events queued on inotify file, as kcr_inotify_watches(). */
static struct kcr_in_event *kcr_inotify_events(struct file *file, int *nr)
{
	struct kcr_in_event *ev;
	unsigned int max = 16;

	for (;;) {
		ev = kvmalloc_array(max, sizeof(*ev), GFP_KERNEL);
		if (!ev)
			return ERR_PTR(-ENOMEM);
		*nr = inotify_get_events(file, ev, max);
		if (*nr != -E2BIG || max == KCR_INOTIFY_EVENTS_MAX)
			break;
		kvfree(ev);
		max = KCR_INOTIFY_EVENTS_MAX;
	}
	if (*nr < 0) {
		kvfree(ev);
		return ERR_PTR(*nr);
	}
	return ev;
}

/*
 * The path of a watched inode, in ctx->buf, as one of the caller's mounts
 * shows it; its length with the NUL, or a negative error (logged).
 */
static int kcr_inotify_path(struct kcr_ctx *ctx, struct inode *inode, int wd)
{
	struct path path = {};
	char *p;
	int len;

	path.dentry = d_find_alias(inode);
	if (path.dentry && d_unlinked(path.dentry)) {
		kcr_log(ctx, "inotify watch %d: inode %lu was deleted (not supported)",
			wd, inode->i_ino);
		dput(path.dentry);
		return -EOPNOTSUPP;
	}
	if (path.dentry)
		path.mnt = kcr_mount_of(path.dentry);
	if (!path.dentry || !path.mnt) {
		kcr_log(ctx,
			"inotify watch %d: inode %lu has no path in this mount namespace (not supported)",
			wd, inode->i_ino);
		dput(path.dentry);
		return -EOPNOTSUPP;
	}
	p = d_path(&path, ctx->buf, KCR_PATH_MAX);
	path_put(&path);
	if (IS_ERR(p)) {
		kcr_log(ctx, "inotify watch %d: cannot name inode %lu: %ld",
			wd, inode->i_ino, PTR_ERR(p));
		return PTR_ERR(p);
	}
	len = strlen(p) + 1;
	memmove(ctx->buf, p, len);
	return len;
}

static int kcr_write_inotify_watch(struct kcr_ctx *ctx,
				   const struct kcr_in_watch *w)
{
	struct kcr_rec_inotify_watch r = {};
	int len, plen, ret;

	len = kcr_inotify_path(ctx, w->inode, w->wd);
	if (len < 0)
		return len;
	plen = ALIGN(len, 8);
	memset(ctx->buf + len, 0, plen - len);
	kcr_init_rec(ctx, &r, KCR_REC_INOTIFY_WATCH, sizeof(r) + plen);
	r.wd = w->wd;
	r.mask = w->mask;
	r.ino = w->inode->i_ino;
	r.path_len = len;
	ret = kcr_write(ctx, &r, sizeof(r));
	return ret ? ret : kcr_write(ctx, ctx->buf, plen);
}

static int kcr_write_inotify_event(struct kcr_ctx *ctx,
				   const struct kcr_in_event *ev)
{
	struct kcr_rec_inotify_event r = {};
	u32 plen = ALIGN(ev->name_len, 8);
	u8 name[NAME_MAX + 1] = {};
	int ret;

	memcpy(name, ev->name, ev->name_len);
	kcr_init_rec(ctx, &r, KCR_REC_INOTIFY_EVENT, sizeof(r) + plen);
	r.wd = ev->wd;
	r.mask = ev->mask;
	r.cookie = ev->cookie;
	r.name_len = ev->name_len;
	ret = kcr_write(ctx, &r, sizeof(r));
	return ret || !plen ? ret : kcr_write(ctx, name, plen);
}

/* Checkpoint: the watches and the queue, after the FILE record. */
int kcr_write_inotify(struct kcr_ctx *ctx, struct file *file)
{
	struct kcr_rec_inotify r = {};
	struct kcr_in_event *ev;
	struct kcr_in_watch *w;
	int nw, ne, i, ret;

	w = kcr_inotify_watches(file, &nw, &r.cursor);
	if (IS_ERR(w)) {
		if (PTR_ERR(w) == -E2BIG)
			kcr_log(ctx, "inotify: more than %u watches (not supported)",
				KCR_INOTIFY_WATCHES_MAX);
		return PTR_ERR(w);
	}
	ev = kcr_inotify_events(file, &ne);
	if (IS_ERR(ev)) {
		kcr_inotify_put(w, nw);
		if (PTR_ERR(ev) == -E2BIG)
			kcr_log(ctx, "inotify: more than %u events queued (not supported)",
				KCR_INOTIFY_EVENTS_MAX);
		return PTR_ERR(ev);
	}
	kcr_init_rec(ctx, &r, KCR_REC_INOTIFY, sizeof(r));
	r.nr_watches = nw;
	r.nr_events = ne;
	ret = kcr_write(ctx, &r, sizeof(r));
	for (i = 0; i < nw && !ret; i++)
		ret = kcr_write_inotify_watch(ctx, &w[i]);
	for (i = 0; i < ne && !ret; i++)
		ret = kcr_write_inotify_event(ctx, &ev[i]);
	kvfree(ev);
	kcr_inotify_put(w, nw);
	return ret;
}

/* @inotify-rst */
/*
 * Restart: watch r of inotify file, as the restored task (cred) could add
 * it: the path looked up again (a last symlink not followed), read access
 * to it, and the same inode as at the checkpoint.
 */
static int kcr_rst_inotify_watch(struct kcr_ctx *ctx, const struct cred *cred,
				 struct file *file,
				 const struct kcr_rec_inotify_watch *r,
				 const char *name)
{
	const struct cred *old;
	struct path path;
	int ret;

	old = override_creds(cred);
	ret = kern_path(name, 0, &path);
	if (!ret) {
		ret = path_permission(&path, MAY_READ);
		if (!ret && d_inode(path.dentry)->i_ino != r->ino)
			ret = -ESTALE;
		if (!ret)
			ret = inotify_restore_watch(file, d_inode(path.dentry),
						    r->mask, r->wd);
		path_put(&path);
	}
	revert_creds(old);
	if (ret)
		kcr_log(ctx, "inotify watch %d of %s (inode %llu): %d%s", r->wd,
			name, r->ino, ret,
			ret == -ESTALE ? " (another file there now)" : "");
	return ret;
}

static int kcr_rst_inotify_watches(struct kcr_ctx *ctx, const struct cred *cred,
				   const struct kcr_rec_file *f,
				   struct file *file, u32 nr)
{
	struct kcr_rec_inotify_watch r;
	char *name = ctx->buf;
	struct kcr_hdr h;
	u32 plen, i;
	int ret;

	for (i = 0; i < nr; i++) {
		ret = kcr_read_hdr(ctx, &h);
		if (ret)
			return ret;
		if (h.type != KCR_REC_INOTIFY_WATCH || h.len < sizeof(r))
			return KCR_BAD(ctx, "inotify %u: record type %u, not watch %u",
				       f->objid, h.type, i);
		ret = kcr_read_rec(ctx, &h, &r, sizeof(r));
		if (ret)
			return ret;
		plen = ALIGN(r.path_len, 8);
		if (r.wd <= 0 || r.pad || !(r.mask & IN_ALL_EVENTS) ||
		    (r.mask & ~KCR_INOTIFY_WATCH_MASK) || r.path_len < 2 ||
		    r.path_len > KCR_PATH_MAX || h.len != sizeof(r) + plen)
			return KCR_BAD(ctx, "inotify %u: watch %d (mask %#x, path of %u bytes)",
				       f->objid, r.wd, r.mask, r.path_len);
		ret = kcr_read(ctx, name, plen);
		if (ret)
			return ret;
		if (name[0] != '/' || strnlen(name, plen) != r.path_len - 1 ||
		    memchr_inv(name + r.path_len, 0, plen - r.path_len))
			return KCR_BAD(ctx, "inotify %u: malformed path of watch %d",
				       f->objid, r.wd);
		ret = kcr_rst_inotify_watch(ctx, cred, file, &r, name);
		if (ret)
			return ret;
	}
	return 0;
}

static int kcr_rst_inotify_events(struct kcr_ctx *ctx,
				  const struct kcr_rec_file *f,
				  struct file *file, u32 nr)
{
	struct kcr_rec_inotify_event r;
	struct kcr_in_event ev;
	struct kcr_hdr h;
	u32 plen, i;
	int ret;

	for (i = 0; i < nr; i++) {
		ret = kcr_read_hdr(ctx, &h);
		if (ret)
			return ret;
		if (h.type != KCR_REC_INOTIFY_EVENT || h.len < sizeof(r))
			return KCR_BAD(ctx, "inotify %u: record type %u, not event %u",
				       f->objid, h.type, i);
		ret = kcr_read_rec(ctx, &h, &r, sizeof(r));
		if (ret)
			return ret;
		plen = ALIGN(r.name_len, 8);
		if (!r.mask || (r.mask & ~KCR_INOTIFY_EVENT_MASK) ||
		    r.name_len > NAME_MAX || h.len != sizeof(r) + plen ||
		    ((r.mask & IN_Q_OVERFLOW) &&
		     (r.mask != IN_Q_OVERFLOW || r.wd != -1 || r.name_len ||
		      r.cookie)) ||
		    (!(r.mask & IN_Q_OVERFLOW) && r.wd <= 0))
			return KCR_BAD(ctx,
				       "inotify %u: event of watch %d (mask %#x, name of %u bytes)",
				       f->objid, r.wd, r.mask, r.name_len);
		memset(&ev, 0, sizeof(ev));
		ret = plen ? kcr_read(ctx, ev.name, plen) : 0;
		if (ret)
			return ret;
		if (strnlen(ev.name, plen) != r.name_len)
			return KCR_BAD(ctx, "inotify %u: malformed name in an event of watch %d",
				       f->objid, r.wd);
		ev.wd = r.wd;
		ev.mask = r.mask;
		ev.cookie = r.cookie;
		ev.name_len = r.name_len;
		ret = inotify_restore_event(file, &ev);
		if (ret) {
			kcr_log(ctx, "inotify %u: cannot queue event %u: %d",
				f->objid, i, ret);
			return ret;
		}
	}
	return 0;
}

/* Restart: the inotify of file record f, whose watches and queue follow. */
struct file *kcr_rst_inotify(struct kcr_ctx *ctx, const struct cred *cred,
			     const struct kcr_rec_file *f)
{
	struct kcr_rec_inotify r;
	struct file *file;
	int ret;

	ret = kcr_read_state(ctx, KCR_REC_INOTIFY, &r, sizeof(r));
	if (ret)
		return ERR_PTR(ret);
	if (r.nr_watches > KCR_INOTIFY_WATCHES_MAX ||
	    r.nr_events > KCR_INOTIFY_EVENTS_MAX || r.cursor < 0 || r.pad)
		return ERR_PTR(KCR_BAD(ctx, "inotify %u: %u watches, %u events, cursor %d",
				       f->objid, r.nr_watches, r.nr_events,
				       r.cursor));
	file = inotify_file_create();
	if (IS_ERR(file))
		return file;
	ret = kcr_rst_inotify_watches(ctx, cred, f, file, r.nr_watches);
	if (!ret)
		ret = kcr_rst_inotify_events(ctx, f, file, r.nr_events);
	if (ret) {
		fput(file);
		return ERR_PTR(ret);
	}
	inotify_restore_cursor(file, r.cursor);
	return file;
}
/* @end */
