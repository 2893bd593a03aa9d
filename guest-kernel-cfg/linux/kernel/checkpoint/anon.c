/* @file eventfd */
// SPDX-License-Identifier: GPL-2.0
/*
 * In-kernel checkpoint/restart: files of no path (anonymous inodes), the
 * FILE kinds from KCR_FILE_EVENTFD on.  Each kind keeps its checkpoint
 * and restart in a file of its own; this one sends each file to its kind
 * and checks what their FILE records share.
 */
#include <linux/errno.h>
#include <linux/fcntl.h>
#include <linux/fs.h>

#include "kcr_int.h"

/*
 * Checkpoint: the kind of a file of no path that is saved, or 0; *why
 * names a file of a known kind in a state that is not saved.
 */
u32 kcr_anon_kind(struct file *file, const char **why)
{
	if (kcr_is_eventfd(file))
		return KCR_FILE_EVENTFD;
/* @signalfd */
	if (kcr_is_signalfd(file))
		return KCR_FILE_SIGNALFD;
/* @end */
/* @timerfd */
	if (kcr_is_timerfd(file, why))
		return *why ? 0 : KCR_FILE_TIMERFD;
/* @end */
/* @epoll */
	if (kcr_is_epoll(file, why))
		return *why ? 0 : KCR_FILE_EPOLL;
/* @end */
/* @inotify */
	if (inotify_file(file))
		return KCR_FILE_INOTIFY;
/* @end */
	return 0;
}

/* Checkpoint: the state record that follows the FILE record. */
int kcr_write_anon(struct kcr_ctx *ctx, struct file *file, u32 kind)
{
	switch (kind) {
	case KCR_FILE_EVENTFD:
		return kcr_write_eventfd(ctx, file);
/* @signalfd */
	case KCR_FILE_SIGNALFD:
		return kcr_write_signalfd(ctx, file);
/* @end */
/* @timerfd */
	case KCR_FILE_TIMERFD:
		return kcr_write_timerfd(ctx, file);
/* @end */
/* @epoll */
	case KCR_FILE_EPOLL:
		return kcr_write_epoll(ctx, file);
/* @end */
/* @inotify */
	case KCR_FILE_INOTIFY:
		return kcr_write_inotify(ctx, file);
/* @end */
/* @unix */
	case KCR_FILE_UNIX:
		return kcr_write_unix(ctx, file);
/* @end */
/* @inet */
	case KCR_FILE_INET:
		return kcr_write_inet(ctx, file);
/* @end */
	}
	return -EINVAL;
}

/* Restart: the state record of a file, of record type @type, @size bytes. */
int kcr_read_state(struct kcr_ctx *ctx, u32 type, void *r, u32 size)
{
	struct kcr_hdr h;
	int ret = kcr_expect(ctx, &h, type, size);

	return ret ? ret : kcr_read_rec(ctx, &h, r, size);
}

/*
 * Restart: the file of FILE record r, whose state record comes next.  The
/* @until inotify-rst */
 * record is read-write (O_NONBLOCK, applied afterwards, is the only other
 * flag but O_LARGEFILE) and has no position, size, inode number or time.
 */
struct file *kcr_rst_anon(struct kcr_ctx *ctx, const struct kcr_rec_file *r)
{
	if ((r->f_flags & O_ACCMODE) != O_RDWR ||
/* @end */
/* @inotify-rst */
 * record is read-write, an inotify read-only (O_NONBLOCK, applied
 * afterwards, is the only other flag but O_LARGEFILE) and has no position,
 * size, inode number or time.  cred: the restored task's credentials.
 */
struct file *kcr_rst_anon(struct kcr_ctx *ctx, const struct cred *cred,
			  const struct kcr_rec_file *r)
{
	u32 acc = r->kind == KCR_FILE_INOTIFY ? O_RDONLY : O_RDWR;

	if ((r->f_flags & O_ACCMODE) != acc ||
/* @end */
	    (r->f_flags & ~(O_ACCMODE | O_NONBLOCK | O_LARGEFILE)) ||
	    r->ino || r->size || r->mtime_sec || r->mtime_nsec || r->pos)
		return ERR_PTR(KCR_BAD(ctx, "file %u of kind %u (flags %#x)",
				       r->objid, r->kind, r->f_flags));
	switch (r->kind) {
	case KCR_FILE_EVENTFD:
		return kcr_rst_eventfd(ctx, r);
/* @signalfd */
	case KCR_FILE_SIGNALFD:
		return kcr_rst_signalfd(ctx, r);
/* @end */
/* @timerfd */
	case KCR_FILE_TIMERFD:
		return kcr_rst_timerfd(ctx, r);
/* @end */
/* @epoll */
	case KCR_FILE_EPOLL:
		return kcr_rst_epoll(ctx, r);
/* @end */
/* @inotify-rst */
	case KCR_FILE_INOTIFY:
		return kcr_rst_inotify(ctx, cred, r);
/* @end */
/* @unix-rst */
	case KCR_FILE_UNIX:
		return kcr_rst_unix(ctx, cred, r);
/* @end */
/* @inet-rst */
	case KCR_FILE_INET:
		return kcr_rst_inet(ctx, cred, r);
/* @end */
	}
	return ERR_PTR(-EINVAL);
}
