/* @file seals */
// SPDX-License-Identifier: GPL-2.0
/*
 * In-kernel checkpoint/restart: memfd seals.  checkpoint writes the seals
 * of a shmem file after its contents when they are not the default of a
 * file that was never made sealable (F_SEAL_SEAL alone).  restart sets
 * them right after the contents, before any process maps the file:
 * shared mappings of a file with F_SEAL_WRITE were made after the seal
 * (it refuses while one that may write exists), and are made again
 * under it.  F_SEAL_FUTURE_WRITE, which keeps the writable mappings made
 * before it, comes last, once every process has its mappings again.
 */
#include <linux/errno.h>
#include <linux/fcntl.h>
#include <linux/fs.h>
#include <linux/memfd.h>
#include <linux/slab.h>

#include "kcr_int.h"

#define KCR_ALL_SEALS	(F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | \
			 F_SEAL_WRITE | F_SEAL_FUTURE_WRITE | F_SEAL_EXEC)

/* Checkpoint: the SEALS record of shmem file objid, if it needs one. */
int kcr_write_seals(struct kcr_ctx *ctx, struct file *file, u32 objid)
{
	struct kcr_rec_seals r = {};
	long seals = memfd_fcntl(file, F_GET_SEALS, 0);

	if (seals < 0 || seals == F_SEAL_SEAL)
		return 0;
	kcr_init_rec(ctx, &r, KCR_REC_SEALS, sizeof(r));
	r.file_ref = objid;
	r.seals = seals;
	return kcr_write(ctx, &r, sizeof(r));
}

/* Restart: a SEALS record (header h), after the file's contents. */
int kcr_rst_seals(struct kcr_ctx *ctx, const struct kcr_hdr *h)
{
	struct kcr_rec_seals r;
	struct kcr_seal *v;
	struct kcr_obj *obj;
	int ret;

	if (h->len != sizeof(r))
		return KCR_BAD(ctx, "seals record of length %u", h->len);
	ret = kcr_read_rec(ctx, h, &r, sizeof(r));
	if (ret)
		return ret;
	obj = kcr_obj_find_id(ctx, r.file_ref, KCR_REC_FILE);
	if (!obj || obj->kind != KCR_FILE_SHMEM || (r.seals & ~KCR_ALL_SEALS) ||
	    r.seals == F_SEAL_SEAL)
		return KCR_BAD(ctx, "seals %#x of file object %u", r.seals,
			       r.file_ref);
	if (ctx->dry_run)
		return 0;
	ret = memfd_restore_seals(obj->file, r.seals & ~F_SEAL_FUTURE_WRITE);
	if (ret) {
		kcr_log(ctx, "cannot seal %pD with seals %#x: %d", obj->file,
			r.seals, ret);
		return ret;
	}
	if (!(r.seals & F_SEAL_FUTURE_WRITE))
		return 0;
	if (ctx->nr_seals == ctx->max_seals) {
		u32 max = ctx->max_seals ? 2 * ctx->max_seals : 8;

		v = krealloc_array(ctx->seals, max, sizeof(*v),
				   GFP_KERNEL_ACCOUNT);
		if (!v)
			return -ENOMEM;
		ctx->seals = v;
		ctx->max_seals = max;
	}
	ctx->seals[ctx->nr_seals].file = obj->file;
	ctx->seals[ctx->nr_seals].seals = r.seals;
	ctx->nr_seals++;
	return 0;
}

/* Restart, once every process of the image is restored: future writes. */
int kcr_apply_seals(struct kcr_ctx *ctx)
{
	u32 i;
	int ret;

	for (i = 0; i < ctx->nr_seals; i++) {
		ret = memfd_restore_seals(ctx->seals[i].file,
					  ctx->seals[i].seals);
		if (ret) {
			kcr_log(ctx, "cannot seal %pD with seals %#x: %d",
				ctx->seals[i].file, ctx->seals[i].seals, ret);
			return ret;
		}
	}
	return 0;
}
