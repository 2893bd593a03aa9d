/* @file tty */
// SPDX-License-Identifier: GPL-2.0
/*
 * In-kernel checkpoint/restart: terminals.  The FILE record of a terminal
 * is followed by a KCR_REC_TTY with its termios and window size, which
 * restart sets again on the reopened terminal: a program that put its
 * terminal in raw mode finds it so after restart, wherever the terminal's
 * other end was kept meanwhile.
/* @ctty */
 *
 * A process with a controlling terminal has a KCR_REC_CTTY after its FOWN
 * records, naming a FILE object of the terminal, the session it belongs
 * to and its foreground process group; restart makes it the controlling
 * terminal of the restored session again, as TIOCSCTTY and TIOCSPGRP
 * would.
/* @end */
 */
#include <linux/errno.h>
/* @ctty */
#include <linux/file.h>
/* @end */
#include <linux/fs.h>
#include <linux/kdev_t.h>
#include <linux/major.h>
/* @ctty */
#include <linux/pid.h>
#include <linux/sched/signal.h>
/* @end */
#include <linux/tty.h>

#include "kcr_int.h"

/* A device number of a terminal that a KCR_REC_TTY describes. */
bool kcr_rdev_is_tty(dev_t dev)
{
	unsigned int maj = MAJOR(dev);

	return maj == TTY_MAJOR || maj == 229 ||
	       (maj == TTYAUX_MAJOR && MINOR(dev) == 1) ||
	       (maj >= UNIX98_PTY_SLAVE_MAJOR &&
		maj < UNIX98_PTY_SLAVE_MAJOR + UNIX98_PTY_MAJOR_COUNT);
}

/* Checkpoint: why the file of a terminal cannot be saved, or NULL. */
const char *kcr_tty_why_not(struct file *file)
{
	struct tty_struct *tty = tty_of_file(file);
	u8 line;

	if (!tty)
		return "terminal that was hung up";
	down_read(&tty->termios_rwsem);
	line = tty->termios.c_line;
	up_read(&tty->termios_rwsem);
	if (line != N_TTY)
		return "terminal with a line discipline other than N_TTY (not supported)";
	return NULL;
}

/* Checkpoint: the TTY record of a terminal's file, after its FILE record. */
int kcr_write_tty(struct kcr_ctx *ctx, struct file *file)
{
	struct tty_struct *tty = tty_of_file(file);
	struct kcr_rec_tty r = {};
	struct ktermios t;
	struct winsize ws;

	BUILD_BUG_ON(sizeof(r.c_cc) != NCCS);
	if (!tty)
		return -EIO;	/* hung up since kcr_tty_why_not() */
	down_read(&tty->termios_rwsem);
	t = tty->termios;
	up_read(&tty->termios_rwsem);
	mutex_lock(&tty->winsize_mutex);
	ws = tty->winsize;
	mutex_unlock(&tty->winsize_mutex);
	kcr_init_rec(ctx, &r, KCR_REC_TTY, sizeof(r));
	r.c_iflag = t.c_iflag;
	r.c_oflag = t.c_oflag;
	r.c_cflag = t.c_cflag;
	r.c_lflag = t.c_lflag;
	r.c_line = t.c_line;
	memcpy(r.c_cc, t.c_cc, sizeof(r.c_cc));
	r.c_ispeed = t.c_ispeed;
	r.c_ospeed = t.c_ospeed;
	r.ws_row = ws.ws_row;
	r.ws_col = ws.ws_col;
	r.ws_xpixel = ws.ws_xpixel;
	r.ws_ypixel = ws.ws_ypixel;
	return kcr_write(ctx, &r, sizeof(r));
}

/*
 * Restart: the termios and window size of the reopened terminal file of
 * FILE record f, from the TTY record that comes next.
 */
int kcr_rst_tty(struct kcr_ctx *ctx, struct file *file,
		const struct kcr_rec_file *f)
{
	struct tty_struct *tty = tty_of_file(file);
	struct ktermios t = {};
	struct winsize ws = {};
	struct kcr_rec_tty r;
	int ret;

	ret = kcr_read_state(ctx, KCR_REC_TTY, &r, sizeof(r));
	if (ret)
		return ret;
	if (r.c_line != N_TTY || (r.c_iflag & ~KCR_TTY_IFLAGS) ||
	    (r.c_oflag & ~KCR_TTY_OFLAGS) || (r.c_lflag & ~KCR_TTY_LFLAGS) ||
	    r.pad)
		return KCR_BAD(ctx, "terminal %u: line discipline %u, flags %#x %#x %#x",
			       f->objid, r.c_line, r.c_iflag, r.c_oflag,
			       r.c_lflag);
	if (!tty) {
		kcr_log(ctx, "file %u: not a terminal that can be set", f->objid);
		return -ESTALE;
	}
	t.c_iflag = r.c_iflag;
	t.c_oflag = r.c_oflag;
	t.c_cflag = r.c_cflag;
	t.c_lflag = r.c_lflag;
	t.c_line = r.c_line;
	memcpy(t.c_cc, r.c_cc, sizeof(r.c_cc));
	t.c_ispeed = r.c_ispeed;
	t.c_ospeed = r.c_ospeed;
	ws.ws_row = r.ws_row;
	ws.ws_col = r.ws_col;
	ws.ws_xpixel = r.ws_xpixel;
	ws.ws_ypixel = r.ws_ypixel;
	ret = tty_set_termios(tty, &t);
	if (!ret)
		ret = tty_do_resize(tty, &ws);
	if (ret)
		kcr_log(ctx, "terminal %u: cannot set its termios and size: %d",
			f->objid, ret);
	return ret;
}
/* @ctty */

/* Whether file is a FILE object of the image already. */
static bool kcr_file_saved(struct file *file, void *ctx)
{
	return kcr_obj_find_key(ctx, file);
}

/*
 * Checkpoint: with t's other objects, a FILE object of its controlling
 * terminal if the image has none yet (no fd of it so far).
 */
int kcr_write_ctty_obj(struct kcr_ctx *ctx, struct task_struct *t)
{
	struct tty_struct *tty;
	struct file *file;
	pid_t sid, fg;
	int ret = 0;

	tty = tty_get_ctty(t, &sid, &fg);
	if (!tty)
		return 0;
	file = tty_find_file(tty, kcr_file_saved, ctx);
	if (!file) {
		file = tty_find_file(tty, NULL, NULL);
		if (file) {
			ret = kcr_write_file_obj(ctx, file, -1);
		} else {
			kcr_log(ctx, "controlling terminal %s is open nowhere (not supported)",
				tty->name);
			ret = -EOPNOTSUPP;
		}
	}
	if (file)
		fput(file);
	tty_kref_put(tty);
	return ret;
}

/* Checkpoint: t's CTTY record, after its FOWN records. */
int kcr_write_ctty(struct kcr_ctx *ctx, struct task_struct *t)
{
	struct kcr_rec_ctty r = {};
	struct tty_struct *tty;
	struct file *file;
	pid_t sid, fg;

	tty = tty_get_ctty(t, &sid, &fg);
	if (!tty)
		return 0;
	file = tty_find_file(tty, kcr_file_saved, ctx);
	if (!file) {
		kcr_log(ctx, "controlling terminal %s: its file was closed during checkpoint",
			tty->name);
		tty_kref_put(tty);
		return -EBUSY;
	}
	tty_kref_put(tty);
	r.file_ref = kcr_obj_find_key(ctx, file)->id;
	fput(file);
	if (sid <= 0) {
		/* The session let it go: restart gives it to nobody. */
		kcr_log(ctx, "controlling terminal of no session: not saved");
		return 0;
	}
	kcr_init_rec(ctx, &r, KCR_REC_CTTY, sizeof(r));
	r.sid = sid;
	r.fg_pgrp = max(fg, 0);
	return kcr_write(ctx, &r, sizeof(r));
}

/* Restart: a CTTY record, applied by kcr_apply_ctty(). */
int kcr_rst_ctty(struct kcr_ctx *ctx, struct kcr_rst *rst,
		 const struct kcr_hdr *h)
{
	struct kcr_rec_ctty *r = &rst->ctty;
	struct kcr_obj *obj;
	int ret;

	if (h->len != sizeof(*r) || rst->has_ctty)
		return KCR_BAD(ctx, "controlling terminal record of length %u",
			       h->len);
	ret = kcr_read_rec(ctx, h, r, sizeof(*r));
	if (ret)
		return ret;
	obj = kcr_obj_find_id(ctx, r->file_ref, KCR_REC_FILE);
	if (!obj || !obj->file || obj->kind != KCR_FILE_CHR ||
	    !tty_of_file(obj->file) || r->sid <= 0 || r->fg_pgrp < 0 ||
	    r->pad)
		return KCR_BAD(ctx,
			       "controlling terminal: file %u, session %d, foreground group %d",
			       r->file_ref, r->sid, r->fg_pgrp);
	rst->has_ctty = true;
	return 0;
}

/*
 * Restart: the controlling terminal, once the process has its session
 * and its process group; left out (and logged) if the process is not in
 * the session of the terminal (its leader was not checkpointed).
 */
int kcr_apply_ctty(struct kcr_ctx *ctx, struct kcr_rst *rst)
{
	struct kcr_obj *obj;
	int ret;

	if (!rst->has_ctty)
		return 0;
	if (pid_vnr(task_session(current)) != rst->ctty.sid) {
		kcr_log(ctx, "controlling terminal of session %d, which is not restored: left out",
			rst->ctty.sid);
		return 0;
	}
	obj = kcr_obj_find_id(ctx, rst->ctty.file_ref, KCR_REC_FILE);
	ret = tty_restore_ctty(tty_of_file(obj->file), rst->ctty.fg_pgrp);
	if (ret)
		kcr_log(ctx,
			"cannot make file %u the controlling terminal (foreground group %d): %d%s",
			rst->ctty.file_ref, rst->ctty.fg_pgrp, ret,
			ret == -EPERM ? " (another session's)" : "");
	return ret;
}
/* @end */
