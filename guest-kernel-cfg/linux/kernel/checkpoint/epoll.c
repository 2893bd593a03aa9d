/* @file epoll */
// SPDX-License-Identifier: GPL-2.0
/*
 * In-kernel checkpoint/restart: epoll files.  checkpoint writes the files
 * an epoll watches first, then its KCR_FILE_EPOLL record and a
 * KCR_REC_EPOLL with its interest list; restart makes a new epoll and adds
 * each item with epoll_ctl()'s own code and checks, then gives it its
 * saved events and its place on the ready list, so that an event ready
 * and not reported before the checkpoint is reported after it, once.
 */
#include <linux/errno.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/eventpoll.h>

#include "kcr_int.h"

/* Events an item may hold (EPOLLWAKEUP is refused). */
#define KCR_EPOLL_EVENTS (EPOLLIN | EPOLLPRI | EPOLLOUT | EPOLLERR | \
			  EPOLLHUP | EPOLLNVAL | EPOLLRDNORM | EPOLLRDBAND | \
			  EPOLLWRNORM | EPOLLWRBAND | EPOLLMSG | EPOLLRDHUP | \
			  EPOLLEXCLUSIVE | EPOLLONESHOT | EPOLLET)

/*
 * The interest list of epoll file, or an ERR_PTR; *nr: its length.  Room
 * for a small set first, for KCR_EPOLL_MAX items only if it has more.
 */
static struct kcr_ep_item *kcr_epoll_items(struct file *file, int *nr)
{
	struct kcr_ep_item *items;
	unsigned int max = 64;

	for (;;) {
		items = kvmalloc_array(max, sizeof(*items), GFP_KERNEL);
		if (!items)
			return ERR_PTR(-ENOMEM);
		*nr = eventpoll_get_items(file, items, max);
		if (*nr != -E2BIG || max == KCR_EPOLL_MAX)
			break;
		kvfree(items);
		max = KCR_EPOLL_MAX;
	}
	if (*nr < 0) {
		kvfree(items);
		return ERR_PTR(*nr);
	}
	return items;
}

static void kcr_epoll_put(struct kcr_ep_item *items, int nr)
{
	while (nr)
		fput(items[--nr].file);
	kvfree(items);
}

/* An epoll file; *why is set if it is one that is not saved. */
bool kcr_is_epoll(struct file *file, const char **why)
{
	struct kcr_ep_item *items;
	int nr, i;

	if (eventpoll_get_items(file, NULL, 0) == -EINVAL)
		return false;
	items = kcr_epoll_items(file, &nr);
	if (IS_ERR(items)) {
		*why = PTR_ERR(items) == -E2BIG ?
		       "epoll watching more than KCR_EPOLL_MAX files" :
		       "epoll whose interest list cannot be read";
		return true;
	}
	for (i = 0; i < nr; i++)
		if (items[i].events & EPOLLWAKEUP)
			*why = "epoll item with EPOLLWAKEUP (not supported)";
	kcr_epoll_put(items, nr);
	return true;
}

/* Checkpoint: the files epoll file watches, before its own record. */
int kcr_write_epoll_targets(struct kcr_ctx *ctx, struct file *file)
{
	struct kcr_ep_item *items;
	int nr, i, ret = 0;

	items = kcr_epoll_items(file, &nr);
	if (IS_ERR(items))
		return PTR_ERR(items);
	for (i = 0; i < nr && !ret; i++)
		ret = kcr_write_file_obj(ctx, items[i].file, items[i].fd);
	kcr_epoll_put(items, nr);
	return ret;
}

/* Checkpoint: the interest list, after the epoll's FILE record. */
int kcr_write_epoll(struct kcr_ctx *ctx, struct file *file)
{
	struct kcr_rec_epoll r = {};
	struct kcr_ep_item *items;
	int nr, i, ret;

	items = kcr_epoll_items(file, &nr);
	if (IS_ERR(items))
		return PTR_ERR(items);
	kcr_init_rec(ctx, &r, KCR_REC_EPOLL,
		     sizeof(r) + nr * sizeof(struct kcr_epoll_item));
	r.nr_items = nr;
	ret = kcr_write(ctx, &r, sizeof(r));
	for (i = 0; i < nr && !ret; i++) {
		struct kcr_obj *obj = kcr_obj_find_key(ctx, items[i].file);
		struct kcr_epoll_item it = {
			.fd = items[i].fd,
			.events = items[i].events,
			.flags = items[i].ready ? KCR_EPOLL_READY : 0,
			.data = items[i].data,
		};

		/* Written by kcr_write_epoll_targets(); not if it changed. */
		if (!obj) {
			kcr_log(ctx, "epoll: fd %d was added during checkpoint",
				items[i].fd);
			ret = -EBUSY;
			break;
		}
		it.file_ref = obj->id;
		ret = kcr_write(ctx, &it, sizeof(it));
	}
	kcr_epoll_put(items, nr);
	return ret;
}

/* Restart: one item of the epoll epf, of FILE record f. */
static int kcr_rst_epoll_item(struct kcr_ctx *ctx, const struct kcr_rec_file *f,
			      struct file *epf, const struct kcr_epoll_item *it)
{
	struct kcr_obj *obj = kcr_obj_find_id(ctx, it->file_ref, KCR_REC_FILE);
	struct epoll_event ev = { .events = it->events, .data = it->data };
	int ret;

	if (!obj || !obj->file || it->fd < 0 ||
	    (it->events & ~KCR_EPOLL_EVENTS) || (it->flags & ~KCR_EPOLL_READY))
		return KCR_BAD(ctx, "epoll %u: item of file %u (fd %d, events %#x, flags %#x)",
			       f->objid, it->file_ref, it->fd, it->events,
			       it->flags);
	ret = do_epoll_ctl_file(epf, EPOLL_CTL_ADD, obj->file, it->fd, &ev,
				false);
	if (!ret)
		ret = eventpoll_set_item(epf, obj->file, it->fd, it->events,
					 it->flags & KCR_EPOLL_READY);
	if (ret)
		kcr_log(ctx, "epoll %u: cannot add file %u as fd %d: %d",
			f->objid, it->file_ref, it->fd, ret);
	return ret;
}

/* Restart: the epoll of file record f, whose interest list comes next. */
struct file *kcr_rst_epoll(struct kcr_ctx *ctx, const struct kcr_rec_file *f)
{
	struct kcr_rec_epoll r;
	struct kcr_epoll_item it;
	struct file *epf;
	struct kcr_hdr h;
	u32 i;
	int ret;

	ret = kcr_read_hdr(ctx, &h);
	if (ret)
		return ERR_PTR(ret);
	if (h.type != KCR_REC_EPOLL || h.len < sizeof(r))
		return ERR_PTR(KCR_BAD(ctx, "epoll %u: record type %u, not its interest list",
				       f->objid, h.type));
	ret = kcr_read_rec(ctx, &h, &r, sizeof(r));
	if (ret)
		return ERR_PTR(ret);
	if (r.nr_items > KCR_EPOLL_MAX || r.__pad ||
	    h.len != sizeof(r) + r.nr_items * sizeof(it))
		return ERR_PTR(KCR_BAD(ctx, "epoll %u: %u items in %u bytes",
				       f->objid, r.nr_items, h.len));
	epf = eventpoll_file_create();
	if (IS_ERR(epf))
		return epf;
	for (i = 0; i < r.nr_items && !ret; i++) {
		ret = kcr_read(ctx, &it, sizeof(it));
		if (!ret)
			ret = kcr_rst_epoll_item(ctx, f, epf, &it);
	}
	if (ret) {
		fput(epf);
		return ERR_PTR(ret);
	}
	return epf;
}
