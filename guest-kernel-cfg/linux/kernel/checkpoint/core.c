/* @file core */
// SPDX-License-Identifier: GPL-2.0
/*
 * In-kernel checkpoint/restart: context, image I/O, log, header and tail records.
 *
 * The image is read and written with kernel_read()/kernel_write() on any
 * file (regular file, pipe, socket), record by record; it is never held
 * in memory as a whole.  Page contents are written straight from the
 * pages with an ITER_BVEC iterator, without a copy.
 */
#include <linux/cred.h>
#include <linux/errno.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/highmem.h>
#include <linux/kdev_t.h>
#include <linux/kernel.h>
#include <linux/magic.h>
#include <linux/major.h>
#include <linux/resource.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
/* @rst-inplace */
#include <linux/splice.h>
/* @end */
#include <linux/string.h>
#include <linux/timekeeping.h>
#include <linux/uio.h>
#include <linux/utsname.h>
#include <linux/xxhash.h>

#include "kcr_int.h"

static_assert(sizeof(struct kcr_rec_header) % 8 == 0);
static_assert(sizeof(struct kcr_rec_task) % 8 == 0);
static_assert(sizeof(struct kcr_rec_cpu) % 8 == 0);
static_assert(sizeof(struct kcr_rec_xstate) % 8 == 0);
static_assert(sizeof(struct kcr_rec_mm) % 8 == 0);
static_assert(sizeof(struct kcr_rec_file) % 8 == 0);
static_assert(sizeof(struct kcr_rec_vma) % 8 == 0);
static_assert(sizeof(struct kcr_rec_pages) % 8 == 0);
static_assert(sizeof(struct kcr_rec_tail) % 8 == 0);
static_assert(sizeof(struct kcr_rec_tree) % 8 == 0);
static_assert(sizeof(struct kcr_tree_task) % 8 == 0);
static_assert(sizeof(struct kcr_rec_debugregs) % 8 == 0);
static_assert(sizeof(struct kcr_rec_groups) % 8 == 0);
static_assert(sizeof(struct kcr_rec_rlimits) % 8 == 0);
static_assert(sizeof(struct kcr_rec_sighand) % 8 == 0);
static_assert(sizeof(struct kcr_rec_sigpending) % 8 == 0);
static_assert(sizeof(struct kcr_rec_pipe) % 8 == 0);
static_assert(sizeof(struct kcr_rec_fs) % 8 == 0);
static_assert(sizeof(struct kcr_rec_fdtable) % 8 == 0);
static_assert(sizeof(struct kcr_rec_fd) % 8 == 0);
static_assert(KCR_RLIM_NLIMITS == RLIM_NLIMITS);
static_assert(KCR_NSIG == _NSIG);
static_assert(sizeof(siginfo_t) == KCR_SIGINFO_SIZE);
static_assert(KCR_NGROUPS_MAX == NGROUPS_MAX);
/* @until opath */
static_assert(KCR_FILE_FLAGS_ALL == (O_ACCMODE | O_APPEND | O_NONBLOCK |
				     O_DSYNC | O_DIRECT | O_LARGEFILE |
				     O_NOATIME | __O_SYNC));
/* @end */
/* @opath */
static_assert(KCR_FILE_FLAGS_ALL == (O_ACCMODE | O_APPEND | O_NONBLOCK |
				     O_DSYNC | O_DIRECT | O_LARGEFILE |
				     O_NOATIME | __O_SYNC | O_PATH));
/* @end */
static_assert(sizeof(struct kcr_rec_groups) + KCR_NGROUPS_MAX * 4 <=
	      KCR_REC_MAX_LEN);
static_assert(sizeof(struct kcr_rec_pages) + KCR_BUF_SIZE <= KCR_REC_MAX_LEN);
static_assert(__NEW_UTS_LEN + 1 == KCR_UTS_LEN);
static_assert(KCR_COMM_LEN == TASK_COMM_LEN);

void kcr_log(struct kcr_ctx *ctx, const char *fmt, ...)
{
	char buf[256];
	va_list args;
	int n;

	n = scnprintf(buf, sizeof(buf), "kcr %s: pid %d (%s): ",
		      ctx->restart ? "restart" : "checkpoint", ctx->pid,
		      ctx->comm);
	va_start(args, fmt);
	n += vscnprintf(buf + n, sizeof(buf) - n - 1, fmt, args);
	va_end(args);
	buf[n++] = '\n';

	pr_debug("%.*s", n, buf);
	if (ctx->logfile) {
		struct file *f = ctx->logfile;
		loff_t *ppos = (f->f_mode & FMODE_STREAM) ? NULL : &f->f_pos;

		/* The log is best effort: errors are ignored. */
		kernel_write(f, buf, n, ppos);
	}
}

/*
 * The image checksum is xxh64 (seed 0) of every byte before the tail:
 * as fast as copying the data into the image, where a table-driven CRC
 * costs more than the copy (and an accelerated one needs the crypto API),
 * and 64 bits wide.
 */
static void kcr_sum(struct kcr_ctx *ctx, const void *buf, size_t len)
{
/* @rst-inplace */
	if (ctx->sum_checked)
		return;
/* @end */
	xxh64_update(&ctx->sum, buf, len);
}

/* @page-batch */
/* Drop the batch's page references and empty it. */
static void kcr_batch_drop(struct kcr_batch *b)
{
	unsigned int i;

	for (i = 0; i < b->nr_bvec; i++) {
		if (b->bvec[i].bv_page != b->hdrs)
			put_page(b->bvec[i].bv_page);
	}
	b->hdr_len = 0;
	b->nr_bvec = 0;
	b->nr_pages = 0;
	b->nr_recs = 0;
	b->len = 0;
}

static void kcr_batch_free(struct kcr_ctx *ctx)
{
	if (!ctx->batch)
		return;
	kcr_batch_drop(ctx->batch);
	__free_page(ctx->batch->hdrs);
	kfree(ctx->batch);
}

/* @end */
struct kcr_ctx *kcr_ctx_alloc(int fd, int logfd, bool restart)
{
	struct kcr_ctx *ctx;
	int ret;

	ctx = kzalloc(sizeof(*ctx), GFP_KERNEL_ACCOUNT);
	if (!ctx)
		return ERR_PTR(-ENOMEM);
	hash_init(ctx->objhash);
/* @pipe */
	xa_init(&ctx->readable_pipes);
/* @end */
/* @shmem */
	xa_init(&ctx->shm_reach);
/* @end */
/* @unix */
	xa_init(&ctx->unix_seen);
/* @unix-fds */
	xa_init(&ctx->unix_inflight);
/* @end */
/* @end */
/* @unix-rst */
	xa_init(&ctx->unix_rst);
/* @end */
/* @tcp-conn */
	xa_init(&ctx->tcp_seen);
/* @end */
	ctx->restart = restart;
	xxh64_reset(&ctx->sum, 0);
	ctx->next_objid = 1;
	ctx->pid = task_pid_vnr(current);
	get_task_comm(ctx->comm, current);

	if (logfd != -1) {
		ret = -EBADF;
		ctx->logfile = fget(logfd);
		if (!ctx->logfile)
			goto err;
		if (!(ctx->logfile->f_mode & FMODE_WRITE)) {
			fput(ctx->logfile);
			ctx->logfile = NULL;
			goto err;
		}
	}

/* @checkpoint-kill */
	if (fd == -1 && !restart)	/* KCR_CHECKPOINT_KILL: no image */
		goto buf;
/* @end */
	ret = -EBADF;
	ctx->file = fget(fd);
	if (!ctx->file) {
		kcr_log(ctx, "image fd %d is not open", fd);
		goto err;
	}
	if (!(ctx->file->f_mode & (restart ? FMODE_READ : FMODE_WRITE))) {
		kcr_log(ctx, "image fd %d is not open for %s", fd,
			restart ? "reading" : "writing");
		goto err;
	}
	if (ctx->file->f_flags & O_NONBLOCK) {
		ret = -EINVAL;
		kcr_log(ctx, "image fd %d is non-blocking", fd);
		goto err;
	}
	ctx->pos = ctx->file->f_pos;

/* @checkpoint-kill */
buf:
/* @end */
	ret = -ENOMEM;
	ctx->buf = kvmalloc(KCR_BUF_SIZE, GFP_KERNEL_ACCOUNT);
	if (!ctx->buf)
		goto err;
	return ctx;
err:
	kcr_ctx_free(ctx);
	return ERR_PTR(ret);
}

void kcr_ctx_free(struct kcr_ctx *ctx)
{
/* @shmem */
	unsigned long index;
	void *entry;

/* @end */
	kcr_ctx_rewind(ctx, ctx->pos);
/* @restart */
	if (ctx->image)
		fput(ctx->image);
	if (ctx->image_held)
		allow_write_access(ctx->file);
/* @end */
	if (ctx->file) {
		if (!(ctx->file->f_mode & FMODE_STREAM))
			ctx->file->f_pos = ctx->pos;
		fput(ctx->file);
	}
	if (ctx->logfile)
		fput(ctx->logfile);
/* @pipe */
	xa_destroy(&ctx->readable_pipes);
/* @end */
/* @shmem */
	xa_for_each(&ctx->shm_reach, index, entry)
		kvfree(entry);
	xa_destroy(&ctx->shm_reach);
/* @end */
/* @seals */
	kfree(ctx->seals);
/* @end */
/* @unix */
	kcr_unix_release(ctx);
/* @end */
/* @tcp-conn */
	kcr_tcp_release(ctx);
/* @end */
/* @page-batch */
	kcr_batch_free(ctx);
/* @end */
	kvfree(ctx->buf);
	kfree(ctx);
}

static int kcr_io_error(ssize_t n)
{
	switch (n) {
	case -ERESTARTSYS:
	case -ERESTARTNOINTR:
	case -ERESTARTNOHAND:
	case -ERESTART_RESTARTBLOCK:
		/* A half-written or half-read stream cannot be resumed. */
		return -EINTR;
	}
	return n;
}

/* @page-batch */
/* Write nr bio_vecs of len bytes in all (their checksum is done). */
static int kcr_write_bvec(struct kcr_ctx *ctx, struct bio_vec *bv,
			  unsigned int nr, size_t len)
{
	struct file *f = ctx->file;
	loff_t *ppos = (f->f_mode & FMODE_STREAM) ? NULL : &ctx->pos;
	struct iov_iter iter;
	size_t done = 0;

	while (done < len) {
		ssize_t n;

		if (fatal_signal_pending(current))
			return -EINTR;
		/* Rebuilt each time: a short write need not advance it. */
		iov_iter_bvec(&iter, ITER_SOURCE, bv, nr, len);
		iov_iter_advance(&iter, done);
		n = vfs_iter_write(f, &iter, ppos, 0);
		if (n < 0)
			return kcr_io_error(n);
		if (n == 0)
			return -EIO;
		done += n;
	}
	return 0;
}

/* Write out the batch of PAGES records, if any: before any other write. */
static int kcr_batch_flush(struct kcr_ctx *ctx)
{
	struct kcr_batch *b = ctx->batch;
	int ret;

	if (!b || !b->nr_bvec)
		return 0;
	ret = kcr_write_bvec(ctx, b->bvec, b->nr_bvec, b->len);
	kcr_batch_drop(b);
	return ret;
}

/* @end */
/* Write raw bytes, updating the checksum. */
int kcr_write(struct kcr_ctx *ctx, const void *buf, size_t len)
{
	struct file *f = ctx->file;
	loff_t *ppos = (f->f_mode & FMODE_STREAM) ? NULL : &ctx->pos;
/* @page-batch */
	int ret = kcr_batch_flush(ctx);

	if (ret)
		return ret;
/* @end */

	kcr_sum(ctx, buf, len);
	ctx->total += len;
	while (len) {
		ssize_t n;

		if (fatal_signal_pending(current))
			return -EINTR;
		n = kernel_write(f, buf, min_t(size_t, len, MAX_RW_COUNT),
				 ppos);
		if (n < 0)
			return kcr_io_error(n);
		if (n == 0)
			return -EIO;
		buf += n;
		len -= n;
	}
	return 0;
}

/*
 * Write nr (at most KCR_PAGES_MAX) whole pages, updating the checksum.
 * The pages are handed to the file's ->write_iter() in one ITER_BVEC
 * iterator: nothing is copied on the way (pipes, files and sockets copy
 * out of the iterator; none keeps a reference to the pages).  The
 * caller holds a reference on every page for the duration of the call
 * and no lock.
 */
int kcr_write_pages(struct kcr_ctx *ctx, struct page **pages,
		    unsigned int nr)
{
	struct file *f = ctx->file;
	loff_t *ppos = (f->f_mode & FMODE_STREAM) ? NULL : &ctx->pos;
	size_t len = (size_t)nr * PAGE_SIZE, done = 0;
	struct iov_iter iter;
	unsigned int i;
/* @page-batch */
	int ret;
/* @end */

	if (WARN_ON_ONCE(nr > KCR_PAGES_MAX))
		return -EINVAL;
/* @page-batch */
	ret = kcr_batch_flush(ctx);
	if (ret)
		return ret;
/* @end */
	for (i = 0; i < nr; i++) {
		void *p = kmap_local_page(pages[i]);

		kcr_sum(ctx, p, PAGE_SIZE);
		kunmap_local(p);
		bvec_set_page(&ctx->bvec[i], pages[i], PAGE_SIZE, 0);
	}
	ctx->total += len;
	while (done < len) {
		ssize_t n;

		if (fatal_signal_pending(current))
			return -EINTR;
		/* Rebuilt each time: a short write need not advance it. */
		iov_iter_bvec(&iter, ITER_SOURCE, ctx->bvec, nr, len);
		iov_iter_advance(&iter, done);
		n = vfs_iter_write(f, &iter, ppos, 0);
		if (n < 0)
			return kcr_io_error(n);
		if (n == 0)
			return -EIO;
		done += n;
	}
	return 0;
}

/* @page-batch */
/*
 * A record whose fixed part (rec, rec_len bytes) is followed by nr (at
 * most KCR_PAGES_MAX) whole pages: counted and checksummed now, written
 * with the next ones in one call when the batch is full or before any
 * other write.  The batch holds its own reference on each page.
 */
int kcr_write_rec_pages(struct kcr_ctx *ctx, const void *rec,
			unsigned int rec_len, struct page **pages,
			unsigned int nr)
{
	struct kcr_batch *b = ctx->batch;
	unsigned int i;
	void *h;
	int ret;

	if (WARN_ON_ONCE(nr > KCR_PAGES_MAX || rec_len > PAGE_SIZE))
		return -EINVAL;
	if (!b) {
		b = kzalloc(sizeof(*b), GFP_KERNEL_ACCOUNT);
		if (b)
			b->hdrs = alloc_page(GFP_KERNEL_ACCOUNT);
		if (!b || !b->hdrs) {
			kfree(b);
			return -ENOMEM;
		}
		ctx->batch = b;
	}
	if (b->nr_pages + nr > KCR_BATCH_PAGES || b->nr_recs == KCR_BATCH_RECS ||
	    b->hdr_len + rec_len > PAGE_SIZE) {
		ret = kcr_batch_flush(ctx);
		if (ret)
			return ret;
	}
	h = page_address(b->hdrs) + b->hdr_len;
	memcpy(h, rec, rec_len);
	kcr_sum(ctx, h, rec_len);
	bvec_set_page(&b->bvec[b->nr_bvec++], b->hdrs, rec_len, b->hdr_len);
	b->hdr_len += rec_len;
	b->nr_recs++;
	for (i = 0; i < nr; i++) {
		void *p = kmap_local_page(pages[i]);

		kcr_sum(ctx, p, PAGE_SIZE);
		kunmap_local(p);
		get_page(pages[i]);
		bvec_set_page(&b->bvec[b->nr_bvec++], pages[i], PAGE_SIZE, 0);
	}
	b->nr_pages += nr;
	b->len += rec_len + (size_t)nr * PAGE_SIZE;
	ctx->total += rec_len + (size_t)nr * PAGE_SIZE;
	return 0;
}
/* @end */

/* @rst-inplace */
/*
 * Read nr (at most KCR_PAGES_MAX) whole pages of the image into pages,
 * updating the checksum: restart's pages are read straight into the new
 * address space, with no copy through ctx->buf.  The caller holds a
 * reference on every page and no lock.
 */
int kcr_read_into_pages(struct kcr_ctx *ctx, struct page **pages,
			unsigned int nr)
{
	struct file *f = ctx->file;
	loff_t *ppos = (f->f_mode & FMODE_STREAM) ? NULL : &ctx->pos;
	size_t len = (size_t)nr * PAGE_SIZE, done = 0;
	struct iov_iter iter;
	unsigned int i;
	int ret;

	if (WARN_ON_ONCE(nr > KCR_PAGES_MAX))
		return -EINVAL;
	if (!f->f_op->read_iter) {
		ret = kcr_read(ctx, ctx->buf, len);
		for (i = 0; i < nr && !ret; i++)
			memcpy_to_page(pages[i], 0, ctx->buf + i * PAGE_SIZE,
				       PAGE_SIZE);
		return ret;
	}
	for (i = 0; i < nr; i++)
		bvec_set_page(&ctx->bvec[i], pages[i], PAGE_SIZE, 0);
	while (done < len) {
		ssize_t n;

		if (fatal_signal_pending(current))
			return -EINTR;
		iov_iter_bvec(&iter, ITER_DEST, ctx->bvec, nr, len);
		iov_iter_advance(&iter, done);
		n = vfs_iter_read(f, &iter, ppos, 0);
		if (n < 0)
			return kcr_io_error(n);
		if (n == 0) {
			kcr_log(ctx, "image truncated at offset %llu",
				ctx->total + done);
			return -EINVAL;
		}
		done += n;
	}
	for (i = 0; i < nr && !ctx->sum_checked; i++) {
		void *p = kmap_local_page(pages[i]);

		kcr_sum(ctx, p, PAGE_SIZE);
		kunmap_local(p);
	}
	ctx->total += len;
	return 0;
}

/* @end */
/* Fill in a record header; len covers the payload written after it. */
void kcr_init_rec(struct kcr_ctx *ctx, void *rec, u32 type, u32 len)
{
	struct kcr_hdr *h = rec;

	h->type = type;
	h->len = len;
	if (type != KCR_REC_TAIL)
		ctx->nr_records++;
}

/* Read exactly len bytes, updating the checksum. */
int kcr_read(struct kcr_ctx *ctx, void *buf, size_t len)
{
	struct file *f = ctx->file;
	loff_t *ppos = (f->f_mode & FMODE_STREAM) ? NULL : &ctx->pos;
	void *p = buf;
	size_t left = len;

	while (left) {
		ssize_t n;

		if (fatal_signal_pending(current))
			return -EINTR;
		n = kernel_read(f, p, min_t(size_t, left, MAX_RW_COUNT), ppos);
		if (n < 0)
			return kcr_io_error(n);
		if (n == 0) {
			kcr_log(ctx, "image truncated at offset %llu",
				ctx->total + (len - left));
			return -EINVAL;
		}
		p += n;
		left -= n;
	}
	kcr_sum(ctx, buf, len);
	ctx->total += len;
	return 0;
}

/* @rst-inplace */
/* One pipe buffer of the image's page cache: checksummed where it is. */
static int kcr_sum_buf(struct pipe_inode_info *pipe, struct pipe_buffer *buf,
		       struct splice_desc *sd)
{
	struct kcr_ctx *ctx = sd->u.data;
	void *p = kmap_local_page(buf->page);

	kcr_sum(ctx, p + buf->offset, sd->len);
	kunmap_local(p);
	return sd->len;
}

static int kcr_sum_pipe(struct pipe_inode_info *pipe, struct splice_desc *sd)
{
	return __splice_from_pipe(pipe, sd, kcr_sum_buf);
}

/*
 * kcr_skip() of a seekable image that can splice: its pages go through
 * the checksum from the page cache, with no copy.  1 if it cannot.
 */
static int kcr_skip_in_place(struct kcr_ctx *ctx, size_t len)
{
	struct file *f = ctx->file;
	struct splice_desc sd = {
		.total_len = len,
		.pos = ctx->pos,
		.u.data = ctx,
	};
	ssize_t n;

	if ((f->f_mode & (FMODE_STREAM | FMODE_LSEEK)) != FMODE_LSEEK ||
	    !f->f_op->splice_read)
		return 1;
	if (fatal_signal_pending(current))
		return -EINTR;
	n = splice_direct_to_actor(f, &sd, kcr_sum_pipe);
	if (n < 0)
		return kcr_io_error(n);
	ctx->pos += n;
	ctx->total += n;
	if (n < len) {
		kcr_log(ctx, "image truncated at offset %llu", ctx->total);
		return -EINVAL;
	}
	return 0;
}

/* @end */
/*
 * Read len bytes into the checksum only (the dry run of restart checks
 * page contents without keeping them).
 */
int kcr_skip(struct kcr_ctx *ctx, size_t len)
{
/* @rst-inplace */
	int ret = kcr_skip_in_place(ctx, len);

	if (ret <= 0)
		return ret;
/* @end */
	while (len) {
		size_t n = min_t(size_t, len, KCR_BUF_SIZE);
/* @until rst-inplace */
		int ret = kcr_read(ctx, ctx->buf, n);
/* @end */

/* @rst-inplace */
		ret = kcr_read(ctx, ctx->buf, n);
/* @end */
		if (ret)
			return ret;
		len -= n;
		cond_resched();
	}
	return 0;
}

/*
 * Read and bound-check a record header.  The checksum state before the
 * header is kept for the tail, which covers everything before itself.
 */
int kcr_read_hdr(struct kcr_ctx *ctx, struct kcr_hdr *h)
{
	struct xxh64_state sum = ctx->sum;
	u64 total = ctx->total;
	int ret;

	ret = kcr_read(ctx, h, sizeof(*h));
	if (ret)
		return ret;
	if (h->len < sizeof(*h) || h->len > KCR_REC_MAX_LEN || h->len % 8) {
		kcr_log(ctx, "record at offset %llu (type %u) has bad length %u",
			total, h->type, h->len);
		return -EINVAL;
	}
	if (h->type == KCR_REC_TAIL) {
		/* Hand the pre-tail state to kcr_check_tail(). */
		ctx->sum = sum;
		ctx->total = total;
	} else {
		ctx->nr_records++;
	}
	return 0;
}

/* Read the fixed part of a record whose header was read into h. */
int kcr_read_rec(struct kcr_ctx *ctx, const struct kcr_hdr *h, void *rec,
		 u32 size)
{
	if (h->len < size) {
		kcr_log(ctx, "record type %u at offset %llu too short (%u < %u)",
			h->type, ctx->total - sizeof(*h), h->len, size);
		return -EINVAL;
	}
	memcpy(rec, h, sizeof(*h));
	return kcr_read(ctx, rec + sizeof(*h), size - sizeof(*h));
}

/* @header */
void kcr_fill_header(struct kcr_rec_header *hdr, unsigned long flags)
{
	struct new_utsname *u;

	memset(hdr, 0, sizeof(*hdr));
	hdr->magic = KCR_MAGIC;
	hdr->version = KCR_VERSION;
	hdr->arch = KCR_ARCH_X86_64;
	hdr->time = ktime_get_real_seconds();
	hdr->flags = flags;
	hdr->page_size = PAGE_SIZE;
	hdr->xfeatures = kcr_arch_xfeatures();
	hdr->xstate_size = kcr_arch_xstate_size();

	down_read(&uts_sem);
	u = utsname();
	strscpy(hdr->sysname, u->sysname, sizeof(hdr->sysname));
	strscpy(hdr->nodename, u->nodename, sizeof(hdr->nodename));
	strscpy(hdr->release, u->release, sizeof(hdr->release));
	strscpy(hdr->version_str, u->version, sizeof(hdr->version_str));
	strscpy(hdr->machine, u->machine, sizeof(hdr->machine));
	strscpy(hdr->domainname, u->domainname, sizeof(hdr->domainname));
	up_read(&uts_sem);
}

bool kcr_str_ok(const char *s, size_t size)
{
	const char *nul = memchr(s, 0, size);

	/* NUL-terminated, and zero after the terminator. */
	return nul && !memchr_inv(nul, 0, size - (nul - s));
}

int kcr_check_header(struct kcr_ctx *ctx, const struct kcr_rec_header *hdr)
{
	struct new_utsname *u;
	bool same;

	if (hdr->h.type != KCR_REC_HEADER || hdr->h.len != sizeof(*hdr) ||
	    hdr->magic != KCR_MAGIC) {
		kcr_log(ctx, "not a checkpoint image (bad magic)");
		return -EINVAL;
	}
	if (hdr->version != KCR_VERSION || hdr->arch != KCR_ARCH_X86_64 ||
	    hdr->page_size != PAGE_SIZE) {
		kcr_log(ctx, "unsupported image version %u arch %u page size %u",
			hdr->version, hdr->arch, hdr->page_size);
		return -EINVAL;
	}
	if ((hdr->flags & ~KCR_CHECKPOINT_FLAGS_ALL) || hdr->__pad ||
	    hdr->__pad2[0] || hdr->__pad2[1] ||
	    !kcr_str_ok(hdr->sysname, sizeof(hdr->sysname)) ||
	    !kcr_str_ok(hdr->nodename, sizeof(hdr->nodename)) ||
	    !kcr_str_ok(hdr->release, sizeof(hdr->release)) ||
	    !kcr_str_ok(hdr->version_str, sizeof(hdr->version_str)) ||
	    !kcr_str_ok(hdr->machine, sizeof(hdr->machine)) ||
	    !kcr_str_ok(hdr->domainname, sizeof(hdr->domainname))) {
		kcr_log(ctx, "malformed image header");
		return -EINVAL;
	}
	if (hdr->xstate_size != kcr_arch_xstate_size() ||
	    (hdr->xfeatures & ~kcr_arch_xfeatures())) {
		kcr_log(ctx, "image xstate %u/%#llx does not fit this CPU's %u/%#llx",
			hdr->xstate_size, hdr->xfeatures,
			kcr_arch_xstate_size(), kcr_arch_xfeatures());
		return -EINVAL;
	}

	/* The vDSO must be the same build: saved IPs may point into it. */
	down_read(&uts_sem);
	u = utsname();
	same = !strcmp(hdr->release, u->release) &&
	       !strcmp(hdr->version_str, u->version) &&
	       !strcmp(hdr->machine, u->machine);
	up_read(&uts_sem);
	if (!same) {
		kcr_log(ctx, "image is from another kernel (%s %s)",
			hdr->release, hdr->version_str);
		return -EINVAL;
	}
	return 0;
}

int kcr_write_tail(struct kcr_ctx *ctx)
{
	struct kcr_rec_tail t = {};

	t.xxh64 = xxh64_digest(&ctx->sum);
	t.nr_records = ctx->nr_records;
	t.total_len = ctx->total;
	kcr_init_rec(ctx, &t, KCR_REC_TAIL, sizeof(t));
	return kcr_write(ctx, &t, sizeof(t));
}

/* Called with the tail's header read; ctx state is the pre-tail one. */
int kcr_check_tail(struct kcr_ctx *ctx, const struct kcr_hdr *h)
{
	struct kcr_rec_tail t;
	u64 sum = xxh64_digest(&ctx->sum);
	u64 total = ctx->total;
	u32 nr = ctx->nr_records;
	int ret;

	if (h->len != sizeof(t)) {
		kcr_log(ctx, "tail record has bad length %u", h->len);
		return -EINVAL;
	}
	ret = kcr_read_rec(ctx, h, &t, sizeof(t));
	if (ret)
		return ret;
	ctx->total = total + sizeof(t);
	if (t.__pad) {
		kcr_log(ctx, "tail record has non-zero padding");
		return -EINVAL;
	}
/* @until rst-inplace */
	if (t.xxh64 != sum || t.total_len != total || t.nr_records != nr) {
/* @end */
/* @rst-inplace */
	if ((t.xxh64 != sum && !ctx->sum_checked) || t.total_len != total ||
	    t.nr_records != nr) {
/* @end */
		kcr_log(ctx,
			"image checksum mismatch (xxh64 %#llx/%#llx, len %llu/%llu, records %u/%u)",
			t.xxh64, sum, t.total_len, total, t.nr_records, nr);
		return -EINVAL;
	}
	return 0;
}

/* @end */
/*
 * Go back to an earlier position of a seekable image and forget
 * everything read since: checksum state, counters and objects.
 */
void kcr_ctx_rewind(struct kcr_ctx *ctx, loff_t pos)
{
/* @objhash */
	kcr_obj_clear(ctx);
/* @end */
/* @unix-rst */
	kcr_unix_rst_release(ctx);
/* @end */
	ctx->pos = pos;
	xxh64_reset(&ctx->sum, 0);
	ctx->total = 0;
	ctx->nr_records = 0;
	ctx->next_objid = 1;
}
