/* @file ghost */
// SPDX-License-Identifier: GPL-2.0
/*
 * In-kernel checkpoint/restart: regular files deleted while open
 * (KCR_FILE_GHOST, CRIU's "ghost files").  checkpoint saves their
 * contents; restart makes an unnamed file (O_TMPFILE) in the directory
 * that held them and writes the contents back.
 */
#include <linux/cred.h>
#include <linux/errno.h>
#include <linux/fcntl.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/mount.h>
#include <linux/namei.h>
/* @ghost-dir */
#include <linux/random.h>
#include <linux/slab.h>
/* @end */
#include <linux/string.h>

#include "kcr_int.h"

/* Checkpoint: why a deleted file cannot be saved, or NULL. */
const char *kcr_ghost_why_not(struct kcr_ctx *ctx, struct file *file)
{
	struct inode *inode = file_inode(file);
	struct kcr_obj *obj;
	int bkt;

	if (!S_ISREG(inode->i_mode))
		return "deleted file that is not a regular file";
	if (inode->i_nlink)
		return "deleted name of a file that has other names";
	if (i_size_read(inode) > KCR_GHOST_MAX)
		return "deleted file larger than 64 MiB";
	/* Each ghost becomes a file of its own: one open file of it only. */
	hash_for_each(ctx->objhash, bkt, obj, node)
		if (obj->kind == KCR_FILE_GHOST && obj->key != file &&
		    file_inode((struct file *)obj->key) == inode)
			return "second open file of one deleted file (not supported)";
	return NULL;
}

static int kcr_write_ghost_run(struct kcr_ctx *ctx, loff_t addr, void *data,
			       u32 nr)
{
	struct kcr_rec_pages r = {};
	int ret;

	if (!nr)
		return 0;
	kcr_init_rec(ctx, &r, KCR_REC_PAGES, sizeof(r) + nr * PAGE_SIZE);
	r.addr = addr;
	r.nr_pages = nr;
	ret = kcr_write(ctx, &r, sizeof(r));
	return ret ? ret : kcr_write(ctx, data, nr * PAGE_SIZE);
}

/*
 * Checkpoint: the contents of a ghost file of @size bytes, as PAGES
 * records of its non-zero pages.  Read through a file of our own: the
 * task's may be write-only.
 */
int kcr_dump_ghost(struct kcr_ctx *ctx, struct file *file, loff_t size)
{
	struct file *rd;
	loff_t pos, off = 0;
	int ret = 0;

	rd = dentry_open(&file->f_path, O_RDONLY | O_LARGEFILE, current_cred());
	if (IS_ERR(rd)) {
		kcr_log(ctx, "cannot read deleted file %pD: %ld", file,
			PTR_ERR(rd));
		return PTR_ERR(rd);
	}
	for (pos = 0; pos < size && !ret; pos += KCR_BUF_SIZE) {
		size_t want = min_t(loff_t, KCR_BUF_SIZE, size - pos);
		size_t len = PAGE_ALIGN(want);
		u32 i, start = 0, nr = 0;
		ssize_t n;

		off = pos;
		n = kernel_read(rd, ctx->buf, want, &off);
		if (n < 0) {
			ret = n;
			break;
		}
		/* Shrunk meanwhile (it is frozen, but others may write). */
		memset(ctx->buf + n, 0, len - n);
		for (i = 0; i < len / PAGE_SIZE && !ret; i++) {
			if (memchr_inv(ctx->buf + i * PAGE_SIZE, 0, PAGE_SIZE)) {
				if (!nr)
					start = i;
				nr++;
				continue;
			}
			ret = kcr_write_ghost_run(ctx, pos + start * PAGE_SIZE,
						  ctx->buf + start * PAGE_SIZE,
						  nr);
			nr = 0;
		}
		if (!ret)
			ret = kcr_write_ghost_run(ctx, pos + start * PAGE_SIZE,
						  ctx->buf + start * PAGE_SIZE,
						  nr);
		cond_resched();
	}
	fput(rd);
	if (ret)
		kcr_log(ctx, "cannot save deleted file %pD: %d", file, ret);
	return ret;
}

/*
 * Restart: a new unnamed file for ghost @r, whose old absolute @path names
 * its directory, made with the image's credentials @cred.  Returns the
 * file opened as the record says; *writer is a read-write file of it for
 * the PAGES records that follow.
 */
struct file *kcr_rst_ghost(struct kcr_ctx *ctx, const struct cred *cred,
			   char *path, const struct kcr_rec_file *r,
			   struct file **writer)
{
	const struct cred *old = override_creds(cred);
	char *slash = strrchr(path, '/');
	struct file *w, *file;
	struct path dir;
	int ret;

	*writer = NULL;
	*slash = '\0';
	ret = kern_path(slash == path ? "/" : path,
			LOOKUP_FOLLOW | LOOKUP_DIRECTORY, &dir);
	*slash = '/';
	if (ret) {
		file = ERR_PTR(ret);
		goto out;
	}
	w = kernel_tmpfile_open(mnt_idmap(dir.mnt), &dir,
				S_IFREG | (r->mode & 07777),
				O_RDWR | O_LARGEFILE, cred);
	path_put(&dir);
	if (IS_ERR(w)) {
		file = w;
		goto out;
	}
	ret = vfs_truncate(&w->f_path, r->size);
	if (ret) {
		fput(w);
		file = ERR_PTR(ret);
		goto out;
	}
	/* O_NONBLOCK is applied later, as for every file. */
	file = dentry_open(&w->f_path,
			   r->f_flags | O_LARGEFILE,
			   cred);
	if (IS_ERR(file)) {
		fput(w);
		goto out;
	}
	*writer = w;
out:
	revert_creds(old);
	if (IS_ERR(file))
		kcr_log(ctx, "cannot create a file in the directory of deleted %s: %ld",
			path, PTR_ERR(file));
	return file;
}
/* @ghost-dir */

/*
 * Restart: a deleted directory (ghost @r, where @path was).  Make a
 * directory of its mode next to that path, with the image's credentials
 * @cred, open it and remove it: the result is what the task had, an
 * empty directory that no name reaches.
 */
struct file *kcr_rst_ghost_dir(struct kcr_ctx *ctx, const struct cred *cred,
			       const char *path, const struct kcr_rec_file *r)
{
	const struct cred *old = override_creds(cred);
	struct path dir, p;
	struct file *file;
	struct dentry *d;
	char *name;
	int ret;

	name = kasprintf(GFP_KERNEL_ACCOUNT, "%s.kcr-%u-%08x", path, r->objid,
			 get_random_u32());
	if (!name) {
		file = ERR_PTR(-ENOMEM);
		goto out;
	}
	d = kern_path_create(AT_FDCWD, name, &dir, LOOKUP_DIRECTORY);
	kfree(name);
	if (IS_ERR(d)) {
		file = ERR_CAST(d);
		goto out;
	}
	ret = vfs_mkdir(mnt_idmap(dir.mnt), d_inode(dir.dentry), d,
			r->mode & 07777);
	if (ret) {
		file = ERR_PTR(ret);
	} else {
		p.mnt = dir.mnt;
		p.dentry = d;
		file = dentry_open(&p, r->f_flags | O_DIRECTORY | O_LARGEFILE,
				   cred);
		ret = vfs_rmdir(mnt_idmap(dir.mnt), d_inode(dir.dentry), d);
		if (ret && !IS_ERR(file)) {
			fput(file);
			file = ERR_PTR(ret);
		}
	}
	done_path_create(&dir, d);
out:
	revert_creds(old);
	if (IS_ERR(file))
		kcr_log(ctx, "cannot make deleted directory %s again: %ld",
			path, PTR_ERR(file));
	return file;
}
/* @end */
