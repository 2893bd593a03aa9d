/* @file objhash */
// SPDX-License-Identifier: GPL-2.0
/*
 * In-kernel checkpoint/restart: the object hash.
 *
 * Objects shared between tasks (an mm, an open file, a pipe) are written
 * once and referred to by id; on checkpoint they are found by the kernel
 * object, on restart by the id of the image.
 */
#include <linux/file.h>
#include <linux/hashtable.h>
#include <linux/slab.h>

#include "kcr_int.h"

/* Bound on the objects of one image (files, mms). */
#define KCR_MAX_OBJS	65536

struct kcr_obj *kcr_obj_find_key(struct kcr_ctx *ctx, const void *key)
{
	struct kcr_obj *obj;

	hash_for_each_possible(ctx->objhash, obj, node, (unsigned long)key)
		if (obj->key == key)
			return obj;
	return NULL;
}

struct kcr_obj *kcr_obj_find_id(struct kcr_ctx *ctx, u32 id, u32 type)
{
	struct kcr_obj *obj;

	hash_for_each_possible(ctx->objhash, obj, node, id)
		if (!obj->key && obj->id == id && obj->type == type)
			return obj;
	return NULL;
}

/* Add an object; takes over the reference to file (if any) even on error. */
struct kcr_obj *kcr_obj_add(struct kcr_ctx *ctx, const void *key, u32 id,
			    u32 type, struct file *file)
{
	struct kcr_obj *obj;

	if (ctx->next_objid > KCR_MAX_OBJS)
		goto fail;
	obj = kzalloc(sizeof(*obj), GFP_KERNEL_ACCOUNT);
	if (!obj)
		goto fail;
	obj->key = key;
	obj->id = id;
	obj->type = type;
	obj->file = file;
	ctx->next_objid++;
	hash_add(ctx->objhash, &obj->node, key ? (unsigned long)key : id);
	return obj;
fail:
	if (file)
		fput(file);
	return NULL;
}

/* Drop every object, and the references they hold. */
void kcr_obj_clear(struct kcr_ctx *ctx)
{
	struct kcr_obj *obj;
	struct hlist_node *tmp;
	int bkt;

	hash_for_each_safe(ctx->objhash, bkt, tmp, obj, node) {
		hash_del(&obj->node);
		if (obj->file)
			fput(obj->file);
		if (obj->wfile)
			fput(obj->wfile);
		kfree(obj);
	}
}
