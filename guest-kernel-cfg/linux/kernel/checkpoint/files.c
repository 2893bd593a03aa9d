/* @file files */
// SPDX-License-Identifier: GPL-2.0
/*
 * In-kernel checkpoint/restart: open files, the fd table, cwd and root.
 */
#include <linux/close_range.h>
#include <linux/cred.h>
#include <linux/dcache.h>
#include <linux/errno.h>
#include <linux/fcntl.h>
#include <linux/fdtable.h>
#include <linux/file.h>
#include <linux/filelock.h>
#include <linux/fs.h>
#include <linux/fs_struct.h>
#include <linux/kdev_t.h>
#include <linux/magic.h>
#include <linux/major.h>
#include <linux/memfd.h>
#include <linux/mm.h>
#include <linux/mount.h>
#include <linux/namei.h>
#include <linux/pipe_fs_i.h>
#include <linux/sched.h>
#include <linux/security.h>
#include <linux/shmem_fs.h>
#include <linux/slab.h>

#include "kcr_int.h"

/* Character devices that can be reopened by path. */
bool kcr_chrdev_ok(dev_t dev)
{
	unsigned int maj = MAJOR(dev), min = MINOR(dev);

	switch (maj) {
	case MEM_MAJOR:		/* null, zero, full, random, urandom */
		return min == 3 || min == 5 || min == 7 || min == 8 || min == 9;
	case TTYAUX_MAJOR:	/* /dev/tty, /dev/console */
		return min == 0 || min == 1;
	case TTY_MAJOR:		/* virtual consoles, serial ports */
	case 229:		/* hvc */
		return true;
	}
	return maj >= UNIX98_PTY_SLAVE_MAJOR &&
	       maj < UNIX98_PTY_SLAVE_MAJOR + UNIX98_PTY_MAJOR_COUNT;
}

/* Filesystems whose files cannot be reopened by path as the same object. */
bool kcr_pseudo_fs(struct super_block *sb)
{
	switch (sb->s_magic) {
	case PROC_SUPER_MAGIC:
	case SYSFS_MAGIC:
	case DEBUGFS_MAGIC:
	case TRACEFS_MAGIC:
	case SECURITYFS_MAGIC:
	case CGROUP_SUPER_MAGIC:
	case CGROUP2_SUPER_MAGIC:
	case BPF_FS_MAGIC:
		return true;
	}
	return false;
}

/* A memfd or the object of a shared anonymous mapping: no name in any fs. */
bool kcr_is_shmem(struct file *file)
{
	return shmem_file(file) &&
	       (file->f_path.mnt->mnt_flags & MNT_INTERNAL) &&
	       S_ISREG(file_inode(file)->i_mode);
}

/* @eventfd */
/*
 * Files of a filesystem have a path; pipes and the kinds from
 * KCR_FILE_EVENTFD on (anonymous inodes) have none.
 */
bool kcr_file_has_path(u32 kind)
{
/* @until proc */
	return kind != KCR_FILE_PIPE && kind < KCR_FILE_EVENTFD;
/* @end */
/* @proc */
	return (kind != KCR_FILE_PIPE && kind < KCR_FILE_EVENTFD) ||
	       kind == KCR_FILE_PROC;
/* @end */
}

/* @end */
/* Classify an open file; returns why it cannot be checkpointed, or NULL. */
static const char *kcr_file_kind(struct file *file, u32 *kind)
{
	struct inode *inode = file_inode(file);
	umode_t mode = inode->i_mode;
/* @eventfd */
	const char *why;
/* @end */

/* @until opath */
	if (file->f_mode & FMODE_PATH)
		return "O_PATH descriptor";
/* @end */
/* @until fown */
	if (file->f_flags & FASYNC)
		return "file with O_ASYNC";
/* @end */
/* @until unix */
	if (S_ISSOCK(mode))
		return "socket";
/* @end */
/* @unix */
/* @until sock */
	if (S_ISSOCK(mode)) {
		why = kcr_unix_why_not(file);
		if (!why)
			*kind = KCR_FILE_UNIX;
		return why;
	}
/* @end */
/* @end */
/* @sock */
	if (S_ISSOCK(mode))
		return kcr_sock_why_not(file, kind);
/* @end */
/* @eventfd */
	why = NULL;
	*kind = kcr_anon_kind(file, &why);
	if (*kind || why)
		return why;
/* @end */
	if (inode->i_sb->s_magic == ANON_INODE_FS_MAGIC || !(mode & S_IFMT))
/* @until eventfd */
		return "anonymous inode (eventfd, epoll, signalfd, timerfd, io_uring, ...)";
/* @end */
/* @eventfd */
/* @until signalfd */
		return "anonymous inode (epoll, signalfd, timerfd, io_uring, ...)";
/* @end */
/* @end */
/* @signalfd */
/* @until timerfd */
		return "anonymous inode (epoll, timerfd, io_uring, ...)";
/* @end */
/* @end */
/* @timerfd */
/* @until epoll */
		return "anonymous inode (epoll, io_uring, ...)";
/* @end */
/* @end */
/* @epoll */
/* @until inotify */
		return "anonymous inode (io_uring, inotify, perf, ...)";
/* @end */
/* @end */
/* @inotify */
		return "anonymous inode (io_uring, fanotify, perf, ...)";
/* @end */
/* @pipe */
	if (S_ISFIFO(mode) && inode->i_sb->s_magic == PIPEFS_MAGIC) {
		struct pipe_inode_info *pipe = get_pipe_info(file, false);

		if (!pipe)
			return "pipe without pipe state";
#ifdef CONFIG_WATCH_QUEUE
		if (pipe->watch_queue)
			return "notification pipe";
#endif
		if (file->f_flags & O_DIRECT)
			return "packet-mode pipe";
		*kind = KCR_FILE_PIPE;
		return NULL;
	}
/* @end */
/* @shmem */
	if (kcr_is_shmem(file)) {
/* @until seals */
		int seals = memfd_fcntl(file, F_GET_SEALS, 0);

		if (seals > 0 && (seals & ~F_SEAL_SEAL))
			return "sealed memfd";
/* @end */
		if ((file->f_flags & O_ACCMODE) != O_RDWR ||
		    (file->f_flags & KCR_FILE_FLAGS_ALL &
		     ~(O_ACCMODE | O_NONBLOCK | O_LARGEFILE | O_APPEND)))
			return "memfd with O_DIRECT or sync flags";
		*kind = KCR_FILE_SHMEM;
		return NULL;
	}
/* @end */
	if (file->f_path.mnt->mnt_flags & MNT_INTERNAL)
		return "file on an internal mount";
/* @until ghost */
	if (d_unlinked(file->f_path.dentry))
		return "deleted file";
/* @end */
/* @ghost */
	if (d_unlinked(file->f_path.dentry)) {
		/* Saved whole: kcr_write_file_obj() checks the rest. */
		if (S_ISREG(mode)) {
			*kind = KCR_FILE_GHOST;
			return NULL;
		}
/* @ghost-dir */
		if (S_ISDIR(mode)) {
			*kind = KCR_FILE_GHOST_DIR;
			return NULL;
		}
/* @end */
		return "deleted file that is not a regular file";
	}
/* @end */
	switch (mode & S_IFMT) {
	case S_IFREG:
		*kind = KCR_FILE_REG;
		break;
	case S_IFDIR:
		*kind = KCR_FILE_DIR;
		break;
	case S_IFIFO:
		*kind = KCR_FILE_FIFO;
		return NULL;
	case S_IFCHR:
		if (!kcr_chrdev_ok(inode->i_rdev))
			return "unsupported character device";
/* @tty */
		/* Reopened by path it would be the restarter's terminal. */
		if (inode->i_rdev == MKDEV(TTYAUX_MAJOR, 0))
			return "/dev/tty (open the terminal by its own path)";
		if (kcr_rdev_is_tty(inode->i_rdev)) {
			why = kcr_tty_why_not(file);
			if (why)
				return why;
		}
/* @end */
		*kind = KCR_FILE_CHR;
		return NULL;
	default:
		return "block device or other special file";
	}
/* @proc */
	/* kcr_proc_why_not() checks which. */
	if (inode->i_sb->s_magic == PROC_SUPER_MAGIC) {
		*kind = KCR_FILE_PROC;
		return NULL;
	}
/* @end */
	if (kcr_pseudo_fs(inode->i_sb))
/* @until proc */
		return "file on a pseudo filesystem (proc, sysfs, ...)";
/* @end */
/* @proc */
		return "file on a pseudo filesystem (sysfs, debugfs, ...)";
/* @end */
	return NULL;
}

/*
 * Write a file object for an open file, or (file NULL) for a directory
 * path such as the cwd.  key identifies the object in the hash.
 */
static int kcr_write_file_rec(struct kcr_ctx *ctx, const void *key,
			      const struct path *path, struct file *file,
			      u32 kind, u32 pipe_ref)
{
	struct inode *inode = d_inode(path->dentry);
	struct kcr_rec_file r = {};
	struct timespec64 mtime;
	struct kcr_obj *obj;
	size_t len = 0, plen = 0;
	char *p;
	int ret;

	if (kind == KCR_FILE_SHMEM) {
		len = snprintf(ctx->buf, NAME_MAX + 1, "%pd", path->dentry) + 1;
		len = min_t(size_t, len, NAME_MAX + 1);
		plen = ALIGN(len, 8);
		memset(ctx->buf + len, 0, plen - len);
/* @until eventfd */
	} else if (kind != KCR_FILE_PIPE) {
/* @end */
/* @eventfd */
	} else if (kcr_file_has_path(kind)) {
/* @end */
		p = d_path(path, ctx->buf, KCR_PATH_MAX);
		if (IS_ERR(p)) {
			kcr_log(ctx, "cannot name a file: %ld", PTR_ERR(p));
			return PTR_ERR(p);
		}
		len = strlen(p) + 1;
/* @ghost */
		/* d_path() names a deleted file "PATH (deleted)". */
/* @until ghost-dir */
		if (kind == KCR_FILE_GHOST && len > sizeof(" (deleted)") &&
/* @end */
/* @ghost-dir */
		if ((kind == KCR_FILE_GHOST || kind == KCR_FILE_GHOST_DIR) &&
		    len > sizeof(" (deleted)") &&
/* @end */
		    !strcmp(p + len - sizeof(" (deleted)"), " (deleted)"))
			len -= sizeof(" (deleted)") - 1;
/* @end */
		plen = ALIGN(len, 8);
		memmove(ctx->buf, p, len);
		((char *)ctx->buf)[len - 1] = '\0';
		memset(ctx->buf + len, 0, plen - len);
/* @proc */
		if (kind == KCR_FILE_PROC) {
			len = kcr_proc_self_path(file, ctx->buf, len);
			plen = ALIGN(len, 8);
			memset(ctx->buf + len, 0, plen - len);
		}
/* @end */
	}

	obj = kcr_obj_add(ctx, key, ctx->next_objid, KCR_REC_FILE, NULL);
	if (!obj)
		return -ENOMEM;
	obj->kind = kind;

	kcr_init_rec(ctx, &r, KCR_REC_FILE, sizeof(r) + plen);
	r.objid = obj->id;
	r.kind = kind;
	r.mode = inode->i_mode;
	r.path_len = len;
	r.pipe_ref = pipe_ref;
	if (file) {
		r.f_flags = file->f_flags & KCR_FILE_FLAGS_ALL;
		r.pos = file->f_pos;
	}
	switch (kind) {
/* @ghost */
	case KCR_FILE_GHOST:
/* @end */
	case KCR_FILE_REG:
		r.size = i_size_read(inode);
		mtime = inode_get_mtime(inode);
		r.mtime_sec = mtime.tv_sec;
		r.mtime_nsec = mtime.tv_nsec;
		fallthrough;
	case KCR_FILE_DIR:
/* @ghost-dir */
	case KCR_FILE_GHOST_DIR:
/* @end */
	case KCR_FILE_FIFO:
	case KCR_FILE_PIPE:
		r.ino = inode->i_ino;
		break;
	case KCR_FILE_CHR:
		r.rdev = inode->i_rdev;
		break;
	case KCR_FILE_SHMEM:
		r.size = i_size_read(inode);
		r.ino = inode->i_ino;
		break;
	}
	ret = kcr_write(ctx, &r, sizeof(r));
	if (!ret && plen)
		ret = kcr_write(ctx, ctx->buf, plen);
/* @shmem */
	if (!ret && kind == KCR_FILE_SHMEM)
		ret = kcr_dump_shmem(ctx, inode, r.size);
/* @end */
/* @seals */
	if (!ret && kind == KCR_FILE_SHMEM)
		ret = kcr_write_seals(ctx, file, r.objid);
/* @end */
/* @ghost */
	if (!ret && kind == KCR_FILE_GHOST)
		ret = kcr_dump_ghost(ctx, file, r.size);
/* @end */
/* @eventfd */
	if (!ret && !kcr_file_has_path(kind) && kind != KCR_FILE_PIPE)
		ret = kcr_write_anon(ctx, file, kind);
/* @end */
/* @tty */
	if (!ret && kind == KCR_FILE_CHR && kcr_rdev_is_tty(inode->i_rdev))
		ret = kcr_write_tty(ctx, file);
/* @end */
	return ret;
}

/* Write the object of an open file (once); fd is for the log, or -1. */
int kcr_write_file_obj(struct kcr_ctx *ctx, struct file *file, int fd)
{
	const char *why;
	u32 kind = 0, pipe_ref = 0;
/* @pipe */
	int ret;
/* @end */

	if (kcr_obj_find_key(ctx, file))
		return 0;
	why = kcr_file_kind(file, &kind);
	if (why) {
		if (fd < 0)
			kcr_log(ctx, "cannot checkpoint a mapped file: %s (%pD)",
				why, file);
		else
			kcr_log(ctx, "cannot checkpoint fd %d: %s (%pD)", fd,
				why, file);
		return -EOPNOTSUPP;
	}
/* @ghost */
	why = kind == KCR_FILE_GHOST ? kcr_ghost_why_not(ctx, file) : NULL;
	if (why) {
		kcr_log(ctx, "cannot checkpoint %s %d: %s (%pD)",
			fd < 0 ? "a mapping, fd" : "fd", fd, why, file);
		return -EOPNOTSUPP;
	}
/* @end */
/* @proc */
	if (kind == KCR_FILE_PROC) {
		why = fd < 0 ? "mapping of a file of /proc" :
		      kcr_proc_why_not(ctx, file);
		if (why) {
			kcr_log(ctx, "cannot checkpoint fd %d: %s (%pD)", fd,
				why, file);
			return -EOPNOTSUPP;
		}
	}
/* @end */
/* @pipe */
	/* A FIFO's buffered data too, restored into the reopened FIFO. */
	if (kind == KCR_FILE_PIPE || kind == KCR_FILE_FIFO) {
		ret = kcr_write_pipe_obj(ctx, get_pipe_info(file, false),
					 &pipe_ref);
		if (ret)
			return ret;
	}
/* @end */
/* @epoll */
	/* The files an epoll watches come first: its record names them. */
	if (kind == KCR_FILE_EPOLL) {
		ret = kcr_write_epoll_targets(ctx, file);
		if (ret)
			return ret;
	}
/* @end */
	return kcr_write_file_rec(ctx, file, &file->f_path, file, kind,
				  pipe_ref);
}

/* A directory of the fs_struct (root, cwd). */
static int kcr_write_dir_obj(struct kcr_ctx *ctx, const struct path *path,
			     const char *what, u32 *id)
{
	struct kcr_obj *obj = kcr_obj_find_key(ctx, path->dentry);
	int ret;

	if (!obj) {
/* @until ghost-dir */
		if (d_unlinked(path->dentry) ||
		    (path->mnt->mnt_flags & MNT_INTERNAL)) {
			kcr_log(ctx, "cannot checkpoint the %s: deleted or unreachable directory",
				what);
			return -EOPNOTSUPP;
		}
		ret = kcr_write_file_rec(ctx, path->dentry, path, NULL,
					 KCR_FILE_DIR, 0);
/* @end */
/* @ghost-dir */
		if (path->mnt->mnt_flags & MNT_INTERNAL) {
			kcr_log(ctx, "cannot checkpoint the %s: unreachable directory",
				what);
			return -EOPNOTSUPP;
		}
		/* A deleted one is made again, empty, on restart. */
		ret = kcr_write_file_rec(ctx, path->dentry, path, NULL,
					 d_unlinked(path->dentry) ?
					 KCR_FILE_GHOST_DIR : KCR_FILE_DIR, 0);
/* @end */
		if (ret)
			return ret;
		obj = kcr_obj_find_key(ctx, path->dentry);
	}
	*id = obj->id;
	return 0;
}

void kcr_release_files(struct kcr_files_snap *fs)
{
	unsigned int i;

	for (i = 0; i < fs->nr; i++)
		fput(fs->fds[i].file);
	kvfree(fs->fds);
	fs->fds = NULL;
	fs->nr = 0;
	path_put(&fs->root);
	path_put(&fs->pwd);
	memset(&fs->root, 0, sizeof(fs->root));
	memset(&fs->pwd, 0, sizeof(fs->pwd));
}

/*
 * Take references to the task's open files, cwd and root.  The image
 * file of this checkpoint is left out: the restored task finds its
 * descriptors closed.
 */
int kcr_snap_files(struct kcr_ctx *ctx, struct task_struct *t,
		   struct kcr_files_snap *fs)
{
	struct files_struct *files;
	unsigned int fd, n, max = 0;
	struct fdtable *fdt;
	int tries = 0;

again:
	task_lock(t);
	files = t->files;
	if (!files || !t->fs) {
		task_unlock(t);
		kcr_log(ctx, "task has no fd table or fs");
		return -EINVAL;
	}
	/* Its threads share them (checked by kcr_check_threads()). */
	if (atomic_read(&files->count) > get_nr_threads(t) ||
	    t->fs->users > get_nr_threads(t)) {
		task_unlock(t);
		kcr_log(ctx, "fd table or fs shared with another process (not supported yet)");
		return -EOPNOTSUPP;
	}
	fs->files = files;
	spin_lock(&files->file_lock);
	fdt = files_fdtable(files);
	for (fd = 0, n = 0; fd < fdt->max_fds; fd++) {
		struct file *file = rcu_dereference_protected(fdt->fd[fd],
				lockdep_is_held(&files->file_lock));

		if (!file || file == ctx->file)
			continue;
		if (n < max) {
			fs->fds[n].fd = fd;
			fs->fds[n].cloexec = close_on_exec(fd, files);
			fs->fds[n].file = get_file(file);
		}
		n++;
	}
	spin_unlock(&files->file_lock);
	if (n <= max) {
		fs->nr = n;
		get_fs_root(t->fs, &fs->root);
		get_fs_pwd(t->fs, &fs->pwd);
		fs->umask = t->fs->umask;
	}
	task_unlock(t);
	if (n <= max)
		return 0;

	fs->nr = min(n, max);
	kcr_release_files(fs);
	if (++tries > 3) {
		kcr_log(ctx, "fd table keeps changing during checkpoint");
		return -EBUSY;
	}
	max = n + 8;
	fs->fds = kvcalloc(max, sizeof(*fs->fds), GFP_KERNEL_ACCOUNT);
	if (!fs->fds)
		return -ENOMEM;
	goto again;
}

/* @until locks */
/* Does the task hold a lock or lease on the file?  They are not saved. */
static bool kcr_file_locked(struct file *file, const void *files)
{
	struct file_lock_context *flctx;
	struct file_lock_core *flc;
	bool found = false;

	flctx = locks_inode_context(file_inode(file));
	if (!flctx)
		return false;
	spin_lock(&flctx->flc_lock);
	list_for_each_entry(flc, &flctx->flc_posix, flc_list)
		found |= flc->flc_owner == files || flc->flc_owner == file;
	list_for_each_entry(flc, &flctx->flc_flock, flc_list)
		found |= flc->flc_owner == file;
	list_for_each_entry(flc, &flctx->flc_lease, flc_list)
		found |= flc->flc_owner == file;
	spin_unlock(&flctx->flc_lock);
	return found;
}
/* @end */

/* @unix-fds */
/* Why an open file cannot be saved, or NULL: kcr_check_files() of one. */
const char *kcr_file_why_not(struct kcr_ctx *ctx, struct file *file)
{
	const char *why;
	u32 kind;

	why = kcr_file_kind(file, &kind);
	if (!why && kind == KCR_FILE_PROC)
		why = kcr_proc_why_not(ctx, file);
	if (!why && kcr_file_leased(file))
		why = "file with a lease (not supported)";
	return why;
}

/* @end */
/* Refuse unsupported descriptors before anything is written. */
int kcr_check_files(struct kcr_ctx *ctx, struct kcr_files_snap *fs)
{
	unsigned int i;
	const char *why;
/* @until unix-fds */
	u32 kind;
/* @end */

	for (i = 0; i < fs->nr; i++) {
/* @until unix-fds */
		why = kcr_file_kind(fs->fds[i].file, &kind);
/* @proc */
		if (!why && kind == KCR_FILE_PROC)
			why = kcr_proc_why_not(ctx, fs->fds[i].file);
/* @end */
/* @until locks */
		if (!why && kcr_file_locked(fs->fds[i].file, fs->files))
			why = "file with locks or leases (not supported yet)";
/* @end */
/* @locks */
		if (!why && kcr_file_leased(fs->fds[i].file))
			why = "file with a lease (not supported)";
/* @end */
/* @end */
/* @unix-fds */
		why = kcr_file_why_not(ctx, fs->fds[i].file);
/* @end */
		if (why) {
			kcr_log(ctx, "cannot checkpoint fd %u: %s (%pD)",
				fs->fds[i].fd, why, fs->fds[i].file);
			return -EOPNOTSUPP;
		}
	}
	return 0;
}

/* The file objects of the root, cwd and descriptors. */
int kcr_write_file_objs(struct kcr_ctx *ctx, struct kcr_files_snap *fs)
{
	unsigned int i;
	u32 id;
	int ret;

	ret = kcr_write_dir_obj(ctx, &fs->root, "root", &id);
	if (!ret)
		ret = kcr_write_dir_obj(ctx, &fs->pwd, "cwd", &id);
	for (i = 0; i < fs->nr && !ret; i++)
		ret = kcr_write_file_obj(ctx, fs->fds[i].file, fs->fds[i].fd);
	return ret;
}

/* The fs record and the fd table, once every file object is written. */
int kcr_write_fdtable(struct kcr_ctx *ctx, struct kcr_files_snap *fs)
{
	struct kcr_rec_fdtable ft = {};
	struct kcr_rec_fs rfs = {};
	struct kcr_rec_fd rfd;
	unsigned int i;
	int ret;

	kcr_init_rec(ctx, &rfs, KCR_REC_FS, sizeof(rfs));
	rfs.umask = fs->umask;
	rfs.root_ref = kcr_obj_find_key(ctx, fs->root.dentry)->id;
	rfs.cwd_ref = kcr_obj_find_key(ctx, fs->pwd.dentry)->id;
	ret = kcr_write(ctx, &rfs, sizeof(rfs));
	if (ret)
		return ret;

	kcr_init_rec(ctx, &ft, KCR_REC_FDTABLE, sizeof(ft));
	ft.objid = ctx->next_objid++;
	ft.nr_fds = fs->nr;
	ret = kcr_write(ctx, &ft, sizeof(ft));
	for (i = 0; i < fs->nr && !ret; i++) {
		memset(&rfd, 0, sizeof(rfd));
		kcr_init_rec(ctx, &rfd, KCR_REC_FD, sizeof(rfd));
		rfd.fd = fs->fds[i].fd;
		rfd.flags = fs->fds[i].cloexec ? KCR_FD_CLOEXEC : 0;
		rfd.file_ref = kcr_obj_find_key(ctx, fs->fds[i].file)->id;
		ret = kcr_write(ctx, &rfd, sizeof(rfd));
	}
	return ret;
}

/* @files-rst */
/* Set or clear O_NONBLOCK as fcntl(F_SETFL) does. */
void kcr_set_nonblock(struct file *file, u32 f_flags)
{
	spin_lock(&file->f_lock);
	file->f_flags = (file->f_flags & ~O_NONBLOCK) | (f_flags & O_NONBLOCK);
	spin_unlock(&file->f_lock);
}

/* Is inode the object the file record describes? */
static bool kcr_same_file(struct inode *inode, const struct kcr_rec_file *r)
{
	struct timespec64 mtime;

	if (inode->i_mode != r->mode)
		return false;
	switch (r->kind) {
	case KCR_FILE_REG:
		mtime = inode_get_mtime(inode);
		return S_ISREG(r->mode) && inode->i_ino == r->ino &&
		       i_size_read(inode) == r->size &&
		       mtime.tv_sec == r->mtime_sec &&
		       mtime.tv_nsec == r->mtime_nsec;
	case KCR_FILE_DIR:
		return S_ISDIR(r->mode) && inode->i_ino == r->ino;
	case KCR_FILE_FIFO:
		return S_ISFIFO(r->mode) && inode->i_ino == r->ino;
	case KCR_FILE_CHR:
		return S_ISCHR(r->mode) && inode->i_rdev == r->rdev;
/* @proc */
	case KCR_FILE_PROC:
		/* Its inode numbers are made up at each lookup. */
		return S_ISREG(r->mode) || S_ISDIR(r->mode);
/* @end */
	}
	return false;
}

/*
 * Look path up and open it as the restored task (cred), and check that it
 * is the object the record describes and of a kind checkpoint saves: a
 * privileged restarter must not hand the task a file it could not open
 * itself, nor one an edited image names (/proc/PID/mem, a device).
 */
/*
 * A program installed execute-only (mode 0711): its user may run it, and
 * exec maps it, but may not open it for reading.  Such a file is opened
 * for a mapping or the executable (never a descriptor: kcr_rst_fdtable()
 * refuses one) when the image's user may execute it and the caller could
 * read it; restart then keeps the process undumpable, as exec does.
 */
static struct file *kcr_open_exec_only(const struct cred *caller,
				       const struct path *p, u32 oflags)
{
	struct inode *inode = d_inode(p->dentry);
	struct file *file = ERR_PTR(-EACCES);
	const struct cred *image;

	/* Under the image's credentials: its user may execute it. */
	if (!S_ISREG(inode->i_mode) || path_noexec(p) ||
	    path_permission(p, MAY_EXEC))
		return file;
	/* Under the caller's: it may read it. */
	image = override_creds(caller);
	if (!path_permission(p, MAY_READ))
		file = dentry_open(p, oflags, caller);
	revert_creds(image);
	return file;
}

/*
 * A FIFO's write end opens without blocking only while the FIFO has a
 * reader (else ENXIO), and its reader may come later in the image or not
 * be checkpointed at all: hold a read-write file of the FIFO, with the
 * same credentials, while the write end opens.  That file is closed on
 * the way back to user space.
 */
static struct file *kcr_open_fifo_writer(const char *path, u32 oflags)
{
	struct file *keep, *file;

	keep = filp_open(path, (oflags & ~O_ACCMODE) | O_RDWR, 0);
	file = filp_open(path, oflags, 0);
	if (!IS_ERR(keep))
		fput(keep);
	return file;
}

static struct file *kcr_reopen(struct kcr_ctx *ctx, const struct cred *cred,
			       const char *path, const struct kcr_rec_file *r,
			       u32 oflags, bool *exec_only)
{
	const struct cred *old = override_creds(cred);
	struct file *file = NULL;
	const char *why = NULL;
	struct path p;
	int ret;

	*exec_only = false;
	/* Look before opening: opening a device can have side effects. */
	ret = kern_path(path, LOOKUP_FOLLOW, &p);
	if (ret) {
		kcr_log(ctx, "cannot find %s: %d", path, ret);
		goto out;
	}
/* @until proc */
	if (kcr_pseudo_fs(p.dentry->d_sb) ||
/* @end */
/* @proc */
	if (r->kind == KCR_FILE_PROC)
		why = kcr_proc_why_not_path(&p, oflags);
	else if (kcr_pseudo_fs(p.dentry->d_sb) ||
/* @end */
	    (p.mnt->mnt_flags & MNT_INTERNAL))
		why = "a file on a pseudo filesystem, which checkpoint refuses";
	else if (!kcr_same_file(d_inode(p.dentry), r))
		why = "changed since the checkpoint";
	if (why) {
		path_put(&p);
		kcr_log(ctx, "file %s: %s", path, why);
		ret = -ESTALE;
		goto out;
	}
	if (r->kind == KCR_FILE_FIFO && (oflags & O_ACCMODE) == O_WRONLY)
		file = kcr_open_fifo_writer(path, oflags);
	else
		file = filp_open(path, oflags, 0);
	if (file == ERR_PTR(-EACCES) && r->kind == KCR_FILE_REG &&
	    (oflags & O_ACCMODE) == O_RDONLY) {
		file = kcr_open_exec_only(old, &p, oflags);
		*exec_only = !IS_ERR(file);
	}
	path_put(&p);
	if (IS_ERR(file)) {
		ret = PTR_ERR(file);
		file = NULL;
		kcr_log(ctx, "cannot open %s as uid %u: %d", path,
			from_kuid(cred->user_ns, cred->fsuid), ret);
		goto out;
	}
	if (!kcr_same_file(file_inode(file), r) ||
/* @until proc */
	    kcr_pseudo_fs(file_inode(file)->i_sb)) {
/* @end */
/* @proc */
	    (r->kind == KCR_FILE_PROC ?
	     !!kcr_proc_why_not_path(&file->f_path, oflags) :
	     kcr_pseudo_fs(file_inode(file)->i_sb))) {
/* @end */
		kcr_log(ctx, "file %s changed since the checkpoint", path);
		fput(file);
		file = NULL;
		ret = -ESTALE;
	}
out:
	revert_creds(old);
	return file ?: ERR_PTR(ret);
}

/* A file record: reopen the file and check it is the same one. */
int kcr_rst_file(struct kcr_ctx *ctx, const struct cred *cred,
		 const struct kcr_hdr *h, struct kcr_obj **objp)
{
	struct kcr_rec_file r;
	struct kcr_obj *obj;
	struct file *file;
	char *path = ctx->buf;
	u32 plen, oflags;
	bool exec_only = false;
/* @shmem */
	struct file *shm_w = NULL;
/* @end */
/* @ghost */
	struct file *ghost_w = NULL;
/* @end */
	int ret;

	ret = kcr_read_rec(ctx, h, &r, sizeof(r));
	if (ret)
		return ret;
	plen = ALIGN(r.path_len, 8);
	if (r.path_len > KCR_PATH_MAX || !r.objid ||
	    h->len != sizeof(r) + plen || r.pos < 0 ||
	    (r.f_flags & ~KCR_FILE_FLAGS_ALL) ||
	    (r.f_flags & O_ACCMODE) == O_ACCMODE ||
/* @until ghost */
	    r.kind < KCR_FILE_REG || r.kind > KCR_FILE_SHMEM ||
/* @end */
/* @ghost */
/* @until ghost-dir */
	    r.kind < KCR_FILE_REG || r.kind > KCR_FILE_GHOST ||
/* @end */
/* @end */
/* @ghost-dir */
/* @until eventfd */
	    r.kind < KCR_FILE_REG || r.kind > KCR_FILE_GHOST_DIR ||
/* @end */
/* @end */
/* @eventfd */
/* @until signalfd */
	    r.kind < KCR_FILE_REG || r.kind > KCR_FILE_EVENTFD ||
/* @end */
/* @end */
/* @signalfd */
/* @until timerfd */
	    r.kind < KCR_FILE_REG || r.kind > KCR_FILE_SIGNALFD ||
/* @end */
/* @end */
/* @timerfd */
/* @until epoll */
	    r.kind < KCR_FILE_REG || r.kind > KCR_FILE_TIMERFD ||
/* @end */
/* @end */
/* @epoll */
/* @until proc */
	    r.kind < KCR_FILE_REG || r.kind > KCR_FILE_EPOLL ||
/* @end */
/* @end */
/* @proc */
/* @until inotify-rst */
	    r.kind < KCR_FILE_REG || r.kind > KCR_FILE_PROC ||
/* @end */
/* @end */
/* @inotify-rst */
/* @until unix-rst */
	    r.kind < KCR_FILE_REG || r.kind > KCR_FILE_INOTIFY ||
/* @end */
/* @end */
/* @unix-rst */
/* @until inet-rst */
	    r.kind < KCR_FILE_REG || r.kind > KCR_FILE_UNIX ||
/* @end */
/* @end */
/* @inet-rst */
	    r.kind < KCR_FILE_REG || r.kind > KCR_FILE_INET ||
/* @end */
/* @until eventfd */
	    (r.kind == KCR_FILE_PIPE) != (r.path_len == 0) ||
	    (r.kind != KCR_FILE_PIPE && r.path_len < 2) ||
/* @end */
/* @eventfd */
	    kcr_file_has_path(r.kind) != (r.path_len != 0) ||
	    (r.path_len && r.path_len < 2) ||
/* @end */
/* @until pipe */
	    (r.kind == KCR_FILE_PIPE) != (r.pipe_ref != 0) ||
/* @end */
/* @pipe */
	    (r.kind == KCR_FILE_PIPE && !r.pipe_ref) ||
	    (r.pipe_ref && r.kind != KCR_FILE_PIPE &&
	     r.kind != KCR_FILE_FIFO) ||
/* @end */
/* @proc */
	    (r.kind == KCR_FILE_PROC &&
	     ((!S_ISREG(r.mode) && !S_ISDIR(r.mode)) || r.ino || r.size ||
	      r.mtime_sec || r.mtime_nsec)) ||
/* @end */
	    (r.kind != KCR_FILE_CHR && r.rdev))
		return KCR_BAD(ctx, "malformed file record at offset %llu",
			       ctx->total - sizeof(r));
	if (kcr_obj_find_id(ctx, r.objid, KCR_REC_FILE))
		return KCR_BAD(ctx, "file object %u defined twice", r.objid);

/* @pipe */
	if (r.kind == KCR_FILE_PIPE) {
		struct kcr_obj *pipe = kcr_obj_find_id(ctx, r.pipe_ref,
						       KCR_REC_PIPE);
		u32 acc = r.f_flags & O_ACCMODE;

		if (!pipe || (acc != O_RDONLY && acc != O_WRONLY) ||
		    !S_ISFIFO(r.mode) || pipe->kind == KCR_FILE_FIFO)
			return KCR_BAD(ctx, "pipe end %u (pipe %u, flags %#x)",
				       r.objid, r.pipe_ref, r.f_flags);
		pipe->kind = KCR_FILE_PIPE;
		file = kcr_pipe_end(ctx, pipe, r.f_flags);
		if (IS_ERR(file))
			return PTR_ERR(file);
		kcr_set_nonblock(file, r.f_flags);
		goto add;
	}
/* @end */

/* @eventfd */
	if (!kcr_file_has_path(r.kind) && r.kind != KCR_FILE_PIPE) {
/* @until inotify-rst */
		file = kcr_rst_anon(ctx, &r);
/* @end */
/* @inotify-rst */
		file = kcr_rst_anon(ctx, cred, &r);
/* @end */
		if (IS_ERR(file))
			return PTR_ERR(file);
		kcr_set_nonblock(file, r.f_flags);
		goto add;
	}
/* @end */
	ret = kcr_read(ctx, path, plen);
	if (ret)
		return ret;
	if (strnlen(path, plen) != r.path_len - 1 ||
	    memchr_inv(path + r.path_len, 0, plen - r.path_len) ||
	    (path[0] != '/') != (r.kind == KCR_FILE_SHMEM))
		return KCR_BAD(ctx, "malformed path in file object %u", r.objid);

/* @shmem */
	if (r.kind == KCR_FILE_SHMEM) {
		/* A new object; its pages follow. */
		if (r.path_len > NAME_MAX + 1 || r.rdev ||
		    (r.f_flags & O_ACCMODE) != O_RDWR ||
		    (r.f_flags & ~(O_ACCMODE | O_NONBLOCK | O_LARGEFILE |
				   O_APPEND)) ||
		    !S_ISREG(r.mode) || r.size > MAX_LFS_FILESIZE)
			return KCR_BAD(ctx, "shared memory object %u", r.objid);
		file = shmem_file_setup(path, r.size, VM_NORESERVE);
		if (IS_ERR(file)) {
			kcr_log(ctx, "cannot create shared memory %s: %ld",
				path, PTR_ERR(file));
			return PTR_ERR(file);
		}
		/* As memfd_create(). */
		file->f_mode |= FMODE_LSEEK | FMODE_PREAD | FMODE_PWRITE;
		file->f_flags |= O_LARGEFILE |
				 (r.f_flags & (O_NONBLOCK | O_APPEND));
		/* What write() uses, as fcntl(F_SETFL) updates it. */
		file->f_iocb_flags = iocb_flags(file);
		/* Its pages go where they were, not at the end. */
		if (r.f_flags & O_APPEND) {
			shm_w = dentry_open(&file->f_path, O_RDWR | O_LARGEFILE,
					    current_cred());
			if (IS_ERR(shm_w)) {
				fput(file);
				return PTR_ERR(shm_w);
			}
		}
		file->f_pos = r.pos;
		goto add;
	}
/* @end */
/* @ghost */
	if (r.kind == KCR_FILE_GHOST) {
		/* A new unnamed file; its pages follow. */
		if (r.rdev || !S_ISREG(r.mode) || r.size > KCR_GHOST_MAX)
			return KCR_BAD(ctx, "ghost file %u", r.objid);
		file = kcr_rst_ghost(ctx, cred, path, &r, &ghost_w);
		if (IS_ERR(file))
			return PTR_ERR(file);
		kcr_set_nonblock(file, r.f_flags);
		file->f_pos = r.pos;
		goto add;
	}
/* @end */

/* @ghost-dir */
	if (r.kind == KCR_FILE_GHOST_DIR) {
		/* A new empty directory, removed once open. */
		if (r.rdev || r.size || !S_ISDIR(r.mode) ||
		    (r.f_flags & O_ACCMODE) != O_RDONLY)
			return KCR_BAD(ctx, "deleted directory %u", r.objid);
		file = kcr_rst_ghost_dir(ctx, cred, path, &r);
		if (IS_ERR(file))
			return PTR_ERR(file);
		kcr_set_nonblock(file, r.f_flags);
		goto add;
	}
/* @end */
	/*
	 * O_NONBLOCK: neither a tty's carrier nor a FIFO's peer must block
	 * us; the image's setting is applied after the open.
	 */
	oflags = r.f_flags | O_NONBLOCK | O_LARGEFILE | O_NOCTTY;
	switch (r.kind) {
	case KCR_FILE_DIR:
		if ((r.f_flags & O_ACCMODE) != O_RDONLY)
			return KCR_BAD(ctx, "directory %u opened for writing",
				       r.objid);
		oflags |= O_DIRECTORY;
		break;
	case KCR_FILE_CHR:
		if (!kcr_chrdev_ok(r.rdev))
			return KCR_BAD(ctx, "character device %u:%u",
				       MAJOR(r.rdev), MINOR(r.rdev));
		break;
	}
	file = kcr_reopen(ctx, cred, path, &r, oflags, &exec_only);
	if (IS_ERR(file))
		return PTR_ERR(file);
	ctx->exec_only |= exec_only;
	kcr_set_nonblock(file, r.f_flags);
/* @tty */
	if (r.kind == KCR_FILE_CHR && kcr_rdev_is_tty(r.rdev)) {
		ret = kcr_rst_tty(ctx, file, &r);
		if (ret) {
			fput(file);
			return ret;
		}
	}
/* @end */
/* @until proc */
	if (r.pos && !(file->f_mode & FMODE_STREAM)) {
/* @end */
/* @proc */
	if (r.kind == KCR_FILE_PROC && S_ISREG(r.mode)) {
		/*
		 * Not seeked: a seq_file would make its output up to there
		 * now, from the caller's state; the first read makes it from
		 * the restored one.
		 */
		file->f_pos = r.pos;
	} else if (r.pos && !(file->f_mode & FMODE_STREAM)) {
/* @end */
		loff_t pos = vfs_llseek(file, r.pos, SEEK_SET);

		if (pos != r.pos) {
			kcr_log(ctx, "cannot seek %s to %lld: %lld", path,
				r.pos, pos);
			fput(file);
			return pos < 0 ? pos : -EINVAL;
		}
	}
/* @pipe */
	if (r.pipe_ref) {
		ret = kcr_refill_fifo(ctx, file, r.pipe_ref);
		if (ret) {
			fput(file);
			return ret;
		}
	}
/* @end */
/* @pipe */
add:
/* @end */
	obj = kcr_obj_add(ctx, NULL, r.objid, KCR_REC_FILE, file);
/* @shmem */
	if (!obj && shm_w)
		fput(shm_w);
/* @end */
/* @ghost */
	if (!obj && ghost_w)
		fput(ghost_w);
/* @end */
	if (!obj)
		return -ENOMEM;
	obj->kind = r.kind;
	obj->exec_only = exec_only;
/* @shmem */
	obj->wfile = shm_w;
/* @end */
/* @ghost */
	if (ghost_w)
		obj->wfile = ghost_w;
/* @end */
	*objp = obj;
	return 0;
}

static struct file *kcr_rst_dir_ref(struct kcr_ctx *ctx, u32 ref,
				    const char *what)
{
	struct kcr_obj *obj = kcr_obj_find_id(ctx, ref, KCR_REC_FILE);
	int ret;

/* @until ghost-dir */
	if (!obj || obj->kind != KCR_FILE_DIR) {
/* @end */
/* @ghost-dir */
	if (!obj || (obj->kind != KCR_FILE_DIR &&
		     obj->kind != KCR_FILE_GHOST_DIR)) {
/* @end */
		kcr_log(ctx, "bad image: %s refers to %u, not a directory",
			what, ref);
		return ERR_PTR(-EINVAL);
	}
	/* As chdir(). */
	ret = path_permission(&obj->file->f_path, MAY_EXEC | MAY_CHDIR);
	if (ret) {
		kcr_log(ctx, "%s %pD: permission denied", what, obj->file);
		return ERR_PTR(ret);
	}
	return obj->file;
}

int kcr_rst_fs(struct kcr_ctx *ctx, struct kcr_rst *rst,
	       const struct kcr_hdr *h)
{
	struct kcr_rec_fs *r = &rst->fs;
	struct path root;
	bool same;
	int ret;

	if (h->type != KCR_REC_FS || h->len != sizeof(*r))
		return KCR_BAD(ctx, "offset %llu: type %u length %u, expected fs",
			       kcr_rec_off(ctx), h->type, h->len);
	ret = kcr_read_rec(ctx, h, r, sizeof(*r));
	if (ret)
		return ret;
	if (r->umask & ~0777 || r->__pad)
		return KCR_BAD(ctx, "umask %#o", r->umask);
	rst->root = kcr_rst_dir_ref(ctx, r->root_ref, "root");
	if (IS_ERR(rst->root))
		return PTR_ERR(rst->root);
	rst->cwd = kcr_rst_dir_ref(ctx, r->cwd_ref, "cwd");
	if (IS_ERR(rst->cwd))
		return PTR_ERR(rst->cwd);
	get_fs_root(current->fs, &root);
	same = path_equal(&root, &rst->root->f_path);
	path_put(&root);
	/* As chroot(). */
	if (!same && !ns_capable(current_user_ns(), CAP_SYS_CHROOT)) {
		kcr_log(ctx, "root %pD differs: restoring it needs CAP_SYS_CHROOT",
			rst->root);
		return -EPERM;
	}
	if (!same) {
		ret = security_path_chroot(&rst->root->f_path);
		if (ret)
			return ret;
	}
	if (same)
		rst->root = NULL;
	return 0;
}

int kcr_rst_fdtable(struct kcr_ctx *ctx, struct kcr_rst *rst)
{
	u64 nofile = rst->rlim.rlim[RLIMIT_NOFILE].cur;
	struct kcr_rec_fdtable ft;
	struct kcr_rec_fd r;
	struct kcr_hdr h;
	u32 i;
	int ret;

	ret = kcr_expect(ctx, &h, KCR_REC_FDTABLE, sizeof(ft));
	if (!ret)
		ret = kcr_read_rec(ctx, &h, &ft, sizeof(ft));
	if (ret)
		return ret;
	if (!ft.objid || ft.nr_fds > min_t(u64, nofile, sysctl_nr_open))
		return KCR_BAD(ctx, "fd table with %u descriptors", ft.nr_fds);
	rst->fds = kvcalloc(ft.nr_fds ?: 1, sizeof(*rst->fds),
			    GFP_KERNEL_ACCOUNT);
	if (!rst->fds)
		return -ENOMEM;
	for (i = 0; i < ft.nr_fds; i++) {
		struct kcr_obj *obj;

		ret = kcr_expect(ctx, &h, KCR_REC_FD, sizeof(r));
		if (!ret)
			ret = kcr_read_rec(ctx, &h, &r, sizeof(r));
		if (ret)
			return ret;
		if (r.fd >= nofile || r.fd >= sysctl_nr_open ||
		    (i && r.fd <= rst->fds[i - 1].fd) ||
		    (r.flags & ~KCR_FD_FLAGS_ALL) || r.__pad)
			return KCR_BAD(ctx, "fd %u (flags %#x)", r.fd, r.flags);
		obj = kcr_obj_find_id(ctx, r.file_ref, KCR_REC_FILE);
		if (!obj)
			return KCR_BAD(ctx, "fd %u refers to unknown file object %u",
				       r.fd, r.file_ref);
		if (obj->exec_only) {
			kcr_log(ctx, "fd %u: %pD, which its user may only execute",
				r.fd, obj->file);
			return -EACCES;
		}
		rst->fds[i].fd = r.fd;
		rst->fds[i].flags = r.flags;
		rst->fds[i].file = obj->file;
	}
	rst->nr_fds = ft.nr_fds;
	return 0;
}

int kcr_apply_files(struct kcr_ctx *ctx, struct kcr_rst *rst)
{
	struct fs_struct *fs = current->fs;
	unsigned int i;
	int ret;

	/* The image and log stay referenced by ctx. */
	ret = __close_range(0, ~0U, CLOSE_RANGE_UNSHARE);
	if (ret)
		return ret;
	for (i = 0; i < rst->nr_fds; i++) {
		ret = replace_fd(rst->fds[i].fd, rst->fds[i].file,
				 rst->fds[i].flags & KCR_FD_CLOEXEC ?
				 O_CLOEXEC : 0);
		if (ret < 0) {
			kcr_log(ctx, "cannot install fd %u: %d",
				rst->fds[i].fd, ret);
			return ret;
		}
	}
	if (rst->root)
		set_fs_root(fs, &rst->root->f_path);
	set_fs_pwd(fs, &rst->cwd->f_path);
	spin_lock(&fs->lock);
	fs->umask = rst->fs.umask;
	spin_unlock(&fs->lock);
	return 0;
}
/* @end */
