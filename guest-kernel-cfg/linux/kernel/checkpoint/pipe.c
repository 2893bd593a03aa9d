/* @file pipe */
// SPDX-License-Identifier: GPL-2.0
/*
 * In-kernel checkpoint/restart: pipes and their buffered data.
 */
#include <linux/errno.h>
#include <linux/fcntl.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/highmem.h>
#include <linux/pipe_fs_i.h>
#include <linux/slab.h>
#include <linux/xarray.h>

#include "kcr_int.h"

/* Bound on the data of a KCR_REC_PIPE. */
#define KCR_PIPE_DATA_MAX	(KCR_REC_MAX_LEN - sizeof(struct kcr_rec_pipe))

/*
 * Note the pipes the tasks hold a read end of: only their data is saved.
 * Data that only an outside reader could read is not theirs to save.
 */
int kcr_note_pipes(struct kcr_ctx *ctx, struct kcr_files_snap *fs)
{
	unsigned int i;
	int ret = 0;

	for (i = 0; i < fs->nr && !ret; i++) {
		struct file *file = fs->fds[i].file;
		void *pipe = get_pipe_info(file, false);

		if (pipe && (file->f_mode & FMODE_READ))
			ret = xa_err(xa_store(&ctx->readable_pipes,
					      (unsigned long)pipe,
					      xa_mk_value(1),
					      GFP_KERNEL_ACCOUNT));
	}
	return ret;
}

/* @unix-fds */
/* A pipe a task may read once it receives it in flight (SCM_RIGHTS). */
int kcr_note_pipe_file(struct kcr_ctx *ctx, struct file *file)
{
	void *pipe = get_pipe_info(file, false);

	if (!pipe || !(file->f_mode & FMODE_READ))
		return 0;
	return xa_err(xa_store(&ctx->readable_pipes, (unsigned long)pipe,
			       xa_mk_value(1), GFP_KERNEL_ACCOUNT));
}

/* @end */
/*
 * Write a pipe object; returns its id.  Its buffered data is copied only
 * if a task of the checkpoint holds a read end (kcr_check_files() noted
 * it): data that only an outside reader could read is not theirs to save.
 */
int kcr_write_pipe_obj(struct kcr_ctx *ctx, struct pipe_inode_info *pipe,
		       u32 *id)
{
	bool readable = xa_load(&ctx->readable_pipes, (unsigned long)pipe);
	struct kcr_rec_pipe r = {};
	struct kcr_obj *obj;
	unsigned int tail;
	size_t total = 0, off = 0, plen;
	void *data = NULL;
	int ret = 0;

	obj = kcr_obj_find_key(ctx, pipe);
	if (obj) {
		*id = obj->id;
		return 0;
	}

	pipe_lock(pipe);
	for (tail = pipe->tail; readable && tail != pipe->head; tail++) {
		struct pipe_buffer *buf = &pipe->bufs[tail & (pipe->ring_size - 1)];

		if (buf->offset + buf->len > PAGE_SIZE) {
			ret = -EOPNOTSUPP;
			break;
		}
		total += buf->len;
	}
	if (!ret && total > KCR_PIPE_DATA_MAX)
		ret = -EOPNOTSUPP;
	if (!ret) {
		data = kvzalloc(ALIGN(total, 8) ?: 8, GFP_KERNEL_ACCOUNT);
		if (!data)
			ret = -ENOMEM;
	}
	for (tail = pipe->tail; readable && !ret && tail != pipe->head; tail++) {
		struct pipe_buffer *buf = &pipe->bufs[tail & (pipe->ring_size - 1)];
		void *p;

		ret = pipe_buf_confirm(pipe, buf);
		if (ret)
			break;
		p = kmap_local_page(buf->page);
		memcpy(data + off, p + buf->offset, buf->len);
		kunmap_local(p);
		off += buf->len;
	}
	r.size = pipe->max_usage * PAGE_SIZE;
	pipe_unlock(pipe);
	if (ret) {
		kcr_log(ctx, "cannot save pipe contents (%zu bytes): %d", total,
			ret);
		goto out;
	}

	obj = kcr_obj_add(ctx, pipe, ctx->next_objid, KCR_REC_PIPE, NULL);
	if (!obj) {
		ret = -ENOMEM;
		goto out;
	}
	plen = ALIGN(total, 8);
	kcr_init_rec(ctx, &r, KCR_REC_PIPE, sizeof(r) + plen);
	r.objid = obj->id;
	r.nr_bytes = total;
	ret = kcr_write(ctx, &r, sizeof(r));
	if (!ret)
		ret = kcr_write(ctx, data, plen);
	*id = obj->id;
out:
	kvfree(data);
	return ret;
}

/* A pipe: create it, set its size and refill its data. */
int kcr_rst_pipe(struct kcr_ctx *ctx, const struct kcr_hdr *h)
{
	struct kcr_rec_pipe r;
	struct file *res[2];
	struct kcr_obj *obj;
	size_t left, plen;
	long sz;
	int ret;

	ret = kcr_read_rec(ctx, h, &r, sizeof(r));
	if (ret)
		return ret;
	plen = ALIGN((size_t)r.nr_bytes, 8);
	if (!r.objid || r.__pad || r.nr_bytes > r.size ||
	    r.size < PAGE_SIZE || r.size > KCR_REC_MAX_LEN ||
	    h->len != sizeof(r) + plen)
		return KCR_BAD(ctx, "pipe %u: size %u, %u bytes", r.objid,
			       r.size, r.nr_bytes);
	if (kcr_obj_find_id(ctx, r.objid, KCR_REC_PIPE))
		return KCR_BAD(ctx, "pipe object %u defined twice", r.objid);

	/* Non-blocking while it is refilled; the ends get their flags later. */
	ret = create_pipe_files(res, O_NONBLOCK);
	if (ret)
		return ret;
	obj = kcr_obj_add(ctx, NULL, r.objid, KCR_REC_PIPE, res[0]);
	if (!obj) {
		fput(res[1]);
		return -ENOMEM;
	}
	obj->wfile = res[1];
	if (r.size != pipe_fcntl(res[0], F_GETPIPE_SZ, 0)) {
		sz = pipe_fcntl(res[0], F_SETPIPE_SZ, r.size);
		if (sz < 0) {
			kcr_log(ctx, "cannot set the size of pipe %u to %u: %ld",
				r.objid, r.size, sz);
			return sz;
		}
	}
	/* The pipe holds at least r.size bytes: these writes all fit. */
	for (left = r.nr_bytes; left; ) {
		size_t n = min_t(size_t, left, KCR_BUF_SIZE);
		ssize_t w;

		ret = kcr_read(ctx, ctx->buf, n);
		if (ret)
			return ret;
		w = kernel_write(res[1], ctx->buf, n, NULL);
		if (w != n) {
			kcr_log(ctx, "cannot refill pipe %u: %zd", r.objid, w);
			return w < 0 ? w : -EIO;
		}
		left -= n;
	}
	if (plen != r.nr_bytes) {
		ret = kcr_read(ctx, ctx->buf, plen - r.nr_bytes);
		if (ret)
			return ret;
		if (memchr_inv(ctx->buf, 0, plen - r.nr_bytes))
			return KCR_BAD(ctx, "pipe %u: padding", r.objid);
	}
	kcr_set_nonblock(res[0], 0);
	kcr_set_nonblock(res[1], 0);
	return 0;
}

/*
 * A file of one end of a restored pipe (f_flags: the record's, O_RDONLY
 * or O_WRONLY): the end kcr_rst_pipe() made, the first time; after that a
 * new file of the same end, as an open() of /proc/PID/fd/N makes one, so
 * that each keeps its own status flags.
 */
struct file *kcr_pipe_end(struct kcr_ctx *ctx, struct kcr_obj *pipe,
			  u32 f_flags)
{
	u32 acc = f_flags & O_ACCMODE;
	struct file *end = acc == O_RDONLY ? pipe->file : pipe->wfile;
	struct file *file;

	if (!(pipe->ends_used & BIT(acc))) {
		pipe->ends_used |= BIT(acc);
		return get_file(end);
	}
	/* Non-blocking: the other end is open, but never wait for it. */
	file = dentry_open(&end->f_path,
			   acc | O_NONBLOCK | (f_flags & O_LARGEFILE),
			   current_cred());
	if (IS_ERR(file))
		kcr_log(ctx, "cannot open pipe %u again: %ld", pipe->id,
			PTR_ERR(file));
	return file;
}

/*
 * The first file of a FIFO restored: move the data of its PIPE object
 * (which kcr_rst_pipe() put in an anonymous pipe) into the FIFO, after
 * what it may hold already.  The later files of the FIFO find it moved.
 */
int kcr_refill_fifo(struct kcr_ctx *ctx, struct file *fifo, u32 pipe_ref)
{
	struct kcr_obj *obj = kcr_obj_find_id(ctx, pipe_ref, KCR_REC_PIPE);
	struct file *w;
	long size;
	ssize_t n, wr;
	int ret = 0;

	if (!obj || obj->kind == KCR_FILE_PIPE || !get_pipe_info(fifo, false))
		return KCR_BAD(ctx, "FIFO %pD: pipe %u is not a FIFO's", fifo,
			       pipe_ref);
	if (obj->kind == KCR_FILE_FIFO || ctx->dry_run)
		return 0;
	obj->kind = KCR_FILE_FIFO;
	size = pipe_fcntl(obj->file, F_GETPIPE_SZ, 0);
	if (size > pipe_fcntl(fifo, F_GETPIPE_SZ, 0)) {
		long sz = pipe_fcntl(fifo, F_SETPIPE_SZ, size);

		if (sz < 0) {
			kcr_log(ctx, "cannot set the size of FIFO %pD to %ld: %ld",
				fifo, size, sz);
			return sz;
		}
	}
	/* Read-write: a FIFO opens so without a peer, and never blocks. */
	w = dentry_open(&fifo->f_path, O_RDWR | O_NONBLOCK, current_cred());
	if (IS_ERR(w)) {
		kcr_log(ctx, "cannot open FIFO %pD to refill it: %ld", fifo,
			PTR_ERR(w));
		return PTR_ERR(w);
	}
	kcr_set_nonblock(obj->file, O_NONBLOCK);
	for (;;) {
		n = kernel_read(obj->file, ctx->buf, KCR_BUF_SIZE, NULL);
		if (n <= 0)
			break;
		wr = kernel_write(w, ctx->buf, n, NULL);
		if (wr != n) {
			kcr_log(ctx, "cannot refill FIFO %pD: %zd", fifo, wr);
			ret = wr < 0 ? wr : -EIO;
			break;
		}
	}
	if (!ret && n < 0 && n != -EAGAIN)
		ret = n;
	fput(w);
	fput(obj->wfile);
	obj->wfile = NULL;
	return ret;
}
