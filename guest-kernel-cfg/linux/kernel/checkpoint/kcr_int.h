/* @file core */
/* SPDX-License-Identifier: GPL-2.0 */
/*
 * In-kernel checkpoint/restart: private definitions.
 */
#ifndef _KERNEL_CHECKPOINT_KCR_INT_H
#define _KERNEL_CHECKPOINT_KCR_INT_H

#include <linux/bvec.h>
#include <linux/hashtable.h>
#include <linux/kref.h>
#include <linux/kcr.h>
#include <linux/list.h>
#include <linux/path.h>
#include <linux/signal_types.h>
#include <linux/types.h>
#include <linux/wait.h>
#include <linux/xarray.h>
#include <linux/xxhash.h>

struct crypto_shash;
struct cred;
struct file;
struct inode;
struct mm_struct;
struct page;
struct pipe_inode_info;
struct shash_desc;
struct super_block;
struct task_struct;
struct kcr_tree;

/* @objhash */
/* One object of the object hash (an mm, a file, a pipe, ...). */
struct kcr_obj {
	struct hlist_node node;
	const void *key;	/* checkpoint: the kernel object */
	u32 id;			/* objid in the image */
	u32 type;		/* KCR_REC_* that defined it */
	u32 kind;		/* KCR_REC_FILE: KCR_FILE_* */
	struct file *file;	/* reference held, or NULL */
	struct file *wfile;	/* restart, KCR_REC_PIPE: the write end */
	u32 ends_used;		/* restart, KCR_REC_PIPE: BIT(O_RDONLY), ... */
/* @files-rst */
	bool exec_only;		/* restart: a file the user may only execute */
/* @end */
};

/* @end */
/* @seals */
struct kcr_seal {
	struct file *file;	/* a KCR_FILE_SHMEM object's */
	u32 seals;
};

/* @end */
struct kcr_ctx {
	struct file *file;	/* the image */
	struct file *logfile;	/* or NULL */
	bool restart;
	bool dry_run;		/* restart: validate only, change nothing */
/* @restart */
	/* restart: the caller's image file, when file is a private copy */
	struct file *image;
	bool image_held;	/* restart: writers of file are denied */
/* @end */
/* @hostinfo */
	bool hostinfo;		/* checkpoint: KCR_CHECKPOINT_HOSTINFO */
/* @unix-external */
	bool unix_external;	/* checkpoint: KCR_CHECKPOINT_UNIX_EXTERNAL */
/* @end */
/* @end */
	loff_t pos;		/* unused for FMODE_STREAM files */
	struct xxh64_state sum;	/* running checksum of the stream */
/* @rst-inplace */
	bool sum_checked;	/* restart: the dry run checked it; skip it */
/* @end */
	u64 total;		/* bytes of image read or written */
	u32 nr_records;
	u32 next_objid;
	pid_t pid;		/* task being handled, for the log */
	char comm[TASK_COMM_LEN];
	DECLARE_HASHTABLE(objhash, 6);
/* @pipe */
	/* checkpoint: pipes some checkpointed fd can read, by address */
	struct xarray readable_pipes;
/* @end */
/* @shmem */
	/* checkpoint: struct kcr_shm_reach of each shmem inode, kvmalloc'ed */
	struct xarray shm_reach;
/* @end */
/* @files-rst */
	/* restart: a process maps a file its user may only execute */
	bool exec_only;
/* @end */
/* @cow */
	/* checkpoint: the tree being saved, or NULL */
	struct kcr_tree_snap *tree;
	/* checkpoint: the parent's mm, while KCR_VMA_COW mappings are saved */
	struct mm_struct *cow_mm;
	pid_t cow_ppid;
/* @end */
/* @cow-rst */
	/* restart: the tree being restarted, or NULL */
	struct kcr_tree *rst_tree;
/* @end */
/* @seals */
	/* restart: seals to set once every process is restored */
	struct kcr_seal *seals;
	u32 nr_seals, max_seals;
/* @end */
/* @unix */
	/* checkpoint: the file (held) of each socket of an fd table, by sock */
	struct xarray unix_seen;
/* @unix-fds */
	/* checkpoint: the other files in flight phase 1 found, by file */
	struct xarray unix_inflight;
	bool unix_closing;	/* sockets in flight may still join */
/* @end */
/* @unix-queue */
	/* checkpoint: sockets written whose queue record is still to come */
	struct file **unix_todo;
	u32 nr_unix_todo, max_unix_todo;
/* @end */
/* @end */
/* @unix-rst */
	/* restart: struct kcr_unix_rst of each socket made, by file */
	struct xarray unix_rst;
/* @unix-queue-rst */
	u32 nr_unix_unqueued;	/* made in this section, no queue yet */
/* @end */
/* @unix-listen-rst */
	u32 nr_unix_await;	/* connections whose embryo is still to come */
/* @end */
/* @tcp-conn */
	/* the file (held) of each TCP connection saved or made, by sock */
	struct xarray tcp_seen;
/* @tcp-external */
	bool tcp_keep;		/* KCR_CHECKPOINT_HOLD, and the image is whole */
/* @end */
/* @tcp-release */
	pid_t tcp_pid;		/* KCR_CHECKPOINT_KILL: whose connections are parked */
/* @end */
/* @end */
/* @end */
	void *buf;		/* scratch buffer, KCR_BUF_SIZE bytes */
	struct bio_vec bvec[KCR_PAGES_MAX];	/* kcr_write_pages() */
/* @page-batch */
	struct kcr_batch *batch;	/* PAGES records not written yet */
/* @end */
};

/* @page-batch */
/*
 * PAGES records go to the image in batches: their fixed parts (copied
 * into hdrs, one after another) and their pages (referenced) in one
 * ITER_BVEC write of up to KCR_BATCH_PAGES pages.
 */
#define KCR_BATCH_PAGES	256
#define KCR_BATCH_RECS	64
struct kcr_batch {
	struct page *hdrs;
	unsigned int hdr_len;
	unsigned int nr_bvec;
	unsigned int nr_pages;
	unsigned int nr_recs;
	size_t len;
	struct bio_vec bvec[KCR_BATCH_PAGES + KCR_BATCH_RECS];
};

/* @end */

#define KCR_BUF_SIZE	(KCR_PAGES_MAX * PAGE_SIZE)

/* A malformed image: log why, and fail with -EINVAL. */
#define KCR_BAD(ctx, fmt, ...)						\
	({ kcr_log(ctx, "bad image: " fmt, ##__VA_ARGS__); -EINVAL; })

/* Bound on the pending signals of one image. */
#define KCR_SIGPENDING_MAX	65536

/* @memory */
/* A snapshot of one VMA, taken under mmap_lock. */
struct kcr_vma_snap {
	unsigned long start, end, pgoff;
	vm_flags_t vm_flags;
	struct file *file;	/* reference held, or NULL */
	u32 prot;
	u32 flags;		/* KCR_VMA_* */
/* @cow */
	struct anon_vma *anon_root;	/* its anon_vma's root, or NULL */
/* @end */
};

struct kcr_mm_snap {
	struct kcr_vma_snap *vmas;
	unsigned int nr;
	struct kcr_rec_mm rec;
};

/* @end */
/* @files */
struct kcr_fd_snap {
	unsigned int fd;
	bool cloexec;
	struct file *file;	/* reference held */
};

struct kcr_files_snap {
	struct kcr_fd_snap *fds;
	unsigned int nr;
	const void *files;	/* key of the fd table */
	struct path root, pwd;	/* references held */
	u32 umask;
};

/* @end */
/* @checkpoint */
/*
 * The threads of one process, leader first.  Each task and its kernel
 * stack (where its user registers are) is pinned until kcr_put_threads():
 * a thread killed while its process is being dumped frees neither.
 */
struct kcr_threads {
	u32 nr;
	struct task_struct **t;
};

/* The processes of one checkpoint, parents before children. */
struct kcr_tree_snap {
	u32 nr;
	struct task_struct **tasks;	/* references held */
	unsigned long *ncsw;
	struct kcr_tree_task *tt;
};

/* @end */
/* @cpu */
/* The CPU state of one thread, read before its process's memory. */
struct kcr_cpu_snap {
	struct kcr_rec_cpu cpu;
	struct kcr_rec_debugregs dr;
	bool has_dr;
	u32 tflags;
	u8 *xstate;		/* kcr_arch_xstate_size() bytes */
};

/* The CPU state of every thread of a process. */
struct kcr_cpu_snaps {
	struct kcr_cpu_snap *cs;
	u8 *xstate;
	unsigned int xsize;
};

/* Registers, FPU state and debug registers of one thread. */
struct kcr_rst_regs {
	struct kcr_rec_cpu cpu;
	struct kcr_rec_debugregs dr;
	bool has_dr;		/* dr is valid: the image has debug registers */
	void *xstate;
};

/* @end */
/* @files-rst */
struct kcr_rst_fd {
	u32 fd;
	u32 flags;		/* KCR_FD_* */
	struct file *file;	/* owned by the object hash */
};
/* @locks */

struct kcr_rst_lock_file {
	struct file *file;	/* one of the fd table's */
	u32 kind, type;		/* KCR_LOCK_*, F_RDLCK or F_WRLCK */
	loff_t start, end;
};
/* @end */
/* @fown */

struct kcr_rst_fown {
	struct file *file;	/* one of the fd table's */
	u32 fd;			/* its lowest descriptor */
	struct kcr_rec_fown rec;
};
/* @end */

/* @end */
/* @threads */
/* A thread other than the leader, created by the leader's restart(). */
struct kcr_rst_thread {
	struct kcr_rec_task task;
	struct kcr_rst_regs regs;
	struct list_head sigs;	/* its own pending signals */
	struct task_struct *p;	/* created, not woken up yet */
};

/* @end */
/* @restart */
/* What restart(2) has read of one process, until it applies it. */
/* @mlock */
/* A mapping that restart locks once the credentials are restored. */
struct kcr_rst_lock {
	unsigned long start, len;
	vm_flags_t flags;		/* VM_LOCKED, maybe VM_LOCKONFAULT */
};

/* @end */
struct kcr_rst {
	struct kcr_rec_header hdr;
	struct kcr_rec_task task;
/* @cpu */
	struct kcr_rst_regs regs;
	unsigned int xstate_size;
/* @end */
	struct kcr_hdr next;	/* a header read ahead, if have_next */
	bool have_next;
/* @memory-rst */
	struct kcr_rec_mm mm;
	bool mm_gone;		/* past the point of no return */
	unsigned long vvar_start, vvar_end;
	bool vdso_done;
/* @end */
/* @cow-rst */
	bool fork_rec;		/* the image has KCR_REC_MM_FORK */
	bool forked;		/* the mm is a copy of the parent's */
	unsigned long cow_kept;	/* the copy is done with below this */
	unsigned long cow_zap;	/* a KCR_VMA_COW mapping's pages from here */
	unsigned long cow_end;	/* ... to its end; 0 outside one */
/* @end */
/* @cred */
	struct kcr_rec_rlimits rlim;
	u32 *groups;
	u32 ngroups;
	const struct cred *open_cred;	/* the image's ids, for opening files */
/* @end */
/* @signal */
	struct kcr_rec_sighand sighand;
	u32 nr_sigs;
	struct list_head sigs;	/* struct kcr_rst_sig */
/* @end */
/* @files-rst */
	struct kcr_rec_fs fs;
	struct kcr_rst_fd *fds;
	u32 nr_fds;
	struct file *root;	/* NULL: keep the caller's */
	struct file *cwd;
/* @end */
/* @threads */
	struct kcr_rst_thread *threads;	/* the other threads */
	u32 nr_threads;
	const struct cred *maker_cred;	/* the restarter's, to make them */
/* @end */
/* @attrs */
	struct kcr_rec_attrs attrs;
	u64 auxv[KCR_AUXV_MAX / sizeof(u64)];
	struct file *exe;	/* the FILE object's, no reference of its own */
/* @end */
/* @mlock */
	struct kcr_rst_lock *locks;	/* mappings to lock, in order */
	u32 nr_locks, max_locks;
/* @end */
/* @itimers */
	struct kcr_rec_itimers itimers;	/* all 0 if none was armed */
/* @end */
/* @locks */
	struct kcr_rst_lock_file *flocks;	/* locks to take, in order */
	u32 nr_flocks;
/* @end */
/* @fown */
	struct kcr_rst_fown *fowns;	/* at most one per descriptor */
	u32 nr_fowns;
/* @end */
/* @ctty */
	struct kcr_rec_ctty ctty;	/* if has_ctty */
	bool has_ctty;
/* @end */
/* @ptimers-rst */
	struct kcr_rec_ptimer *ptimers;	/* POSIX timers, by id */
	u32 nr_ptimers;
	s32 ptimers_next_id;
	bool has_ptimers;		/* a PTIMERS record was read */
/* @end */
/* @zombie */
	bool zombie;		/* a zombie of a tree: exit with exit_status */
	u32 exit_status;
/* @end */
};

/* @end */
/* @tree-rst */
/* The state of a tree restart, shared by its processes. */
enum {
	KCR_TREE_JOINING,	/* waiting for every process to join */
	KCR_TREE_RUNNING,	/* sections being restored */
	KCR_TREE_OK,
	KCR_TREE_FAILED,
};

struct kcr_tree {
	struct list_head node;		/* kcr_trees while joinable */
	struct kref ref;
	struct kcr_ctx *ctx;		/* used by the process whose turn it is */
	struct pid_namespace *ns;	/* the root's, where the pids are */
	u32 nr;
	struct kcr_tree_task *tt;	/* the tree record's entries */
	struct task_struct **tasks;	/* joined processes, references held */
	u32 nr_joined;
	u32 turn;			/* section being restored */
	u32 done;			/* sections restored */
	int state;			/* KCR_TREE_* */
	struct kcr_hdr hdr;		/* the header handed over with a turn */
	wait_queue_head_t wq;
};

/* @end */
/* core.c: the context, the log and image I/O */
__printf(2, 3) void kcr_log(struct kcr_ctx *ctx, const char *fmt, ...);
struct kcr_ctx *kcr_ctx_alloc(int fd, int logfd, bool restart);
void kcr_ctx_free(struct kcr_ctx *ctx);
void kcr_ctx_rewind(struct kcr_ctx *ctx, loff_t pos);

int kcr_write(struct kcr_ctx *ctx, const void *buf, size_t len);
int kcr_write_pages(struct kcr_ctx *ctx, struct page **pages,
		    unsigned int nr);
/* @page-batch */
int kcr_write_rec_pages(struct kcr_ctx *ctx, const void *rec,
			unsigned int rec_len, struct page **pages,
			unsigned int nr);
/* @end */
void kcr_init_rec(struct kcr_ctx *ctx, void *rec, u32 type, u32 len);
int kcr_read(struct kcr_ctx *ctx, void *buf, size_t len);
int kcr_read_hdr(struct kcr_ctx *ctx, struct kcr_hdr *h);
int kcr_read_rec(struct kcr_ctx *ctx, const struct kcr_hdr *h, void *rec,
		 u32 size);
int kcr_skip(struct kcr_ctx *ctx, size_t len);
/* @rst-inplace */
int kcr_read_into_pages(struct kcr_ctx *ctx, struct page **pages,
			unsigned int nr);
/* @end */

/* The offset of the record whose header was just read. */
static inline u64 kcr_rec_off(struct kcr_ctx *ctx)
{
	return ctx->total - sizeof(struct kcr_hdr);
}

/* @header */
void kcr_fill_header(struct kcr_rec_header *hdr, unsigned long flags);
int kcr_check_header(struct kcr_ctx *ctx, const struct kcr_rec_header *hdr);
int kcr_write_tail(struct kcr_ctx *ctx);
int kcr_check_tail(struct kcr_ctx *ctx, const struct kcr_hdr *h);
bool kcr_str_ok(const char *s, size_t size);
/* @end */

/* @objhash */
/* objhash.c */
struct kcr_obj *kcr_obj_find_key(struct kcr_ctx *ctx, const void *key);
struct kcr_obj *kcr_obj_find_id(struct kcr_ctx *ctx, u32 id, u32 type);
struct kcr_obj *kcr_obj_add(struct kcr_ctx *ctx, const void *key, u32 id,
			    u32 type, struct file *file);
void kcr_obj_clear(struct kcr_ctx *ctx);

/* @end */
/* @checkpoint */
/* checkpoint.c */
int kcr_write_task(struct kcr_ctx *ctx, struct task_struct *t, u32 flags,
		   u32 nr_threads);

/* @end */
/* @restart */
/* restart.c */
int kcr_expect(struct kcr_ctx *ctx, struct kcr_hdr *h, u32 type, u32 len);
int kcr_rst_task(struct kcr_ctx *ctx, const struct kcr_hdr *h,
		 struct kcr_rec_task *t);
void kcr_rst_apply_task(struct task_struct *p, const struct kcr_rec_task *t);
int kcr_rst_next_hdr(struct kcr_ctx *ctx, struct kcr_rst *rst,
		     struct kcr_hdr *h);
int kcr_restart_one(struct kcr_ctx *ctx, struct kcr_rst *rst,
		    struct kcr_hdr *hp, const struct kcr_tree_task *e);

/* @end */
/* @cpu */
/* cpu.c */
void kcr_free_cpus(struct kcr_cpu_snaps *cpus);
int kcr_snap_cpus(struct kcr_ctx *ctx, struct kcr_threads *th, bool self,
		  struct kcr_cpu_snaps *cpus);
int kcr_write_task_cpu(struct kcr_ctx *ctx, struct task_struct *t,
		       u32 tflags, u32 nr_threads, struct kcr_cpu_snap *cs,
		       unsigned int xsize);
int kcr_rst_cpu(struct kcr_ctx *ctx, struct kcr_rst *rst,
		struct kcr_rst_regs *r);

/* @end */
/* @cred */
/* cred.c */
int kcr_check_sandbox(struct kcr_ctx *ctx, struct task_struct *t);
int kcr_write_groups(struct kcr_ctx *ctx, struct task_struct *t);
int kcr_write_rlimits(struct kcr_ctx *ctx, struct task_struct *t);
int kcr_rst_groups(struct kcr_ctx *ctx, struct kcr_rst *rst);
int kcr_rst_rlimits(struct kcr_ctx *ctx, struct kcr_rst *rst);
struct cred *kcr_image_cred(struct kcr_rst *rst);
int kcr_apply_creds(struct kcr_rst *rst);
int kcr_apply_rlimits(struct kcr_ctx *ctx, struct kcr_rst *rst);

/* @end */
/* @signal */
/* signal.c */
int kcr_write_signals(struct kcr_ctx *ctx, struct task_struct *t,
		      bool thread);
int kcr_rst_sighand(struct kcr_ctx *ctx, struct kcr_rst *rst);
int kcr_rst_sigpending(struct kcr_ctx *ctx, struct kcr_rst *rst,
		       const struct kcr_hdr *h, struct list_head *list,
		       sigset_t *legacy, bool thread);
void kcr_rst_free_sigs(struct list_head *sigs);
int kcr_apply_signals(struct kcr_ctx *ctx, struct kcr_rst *rst);

/* @end */
/* @files */
/* files.c */
bool kcr_chrdev_ok(dev_t dev);
bool kcr_pseudo_fs(struct super_block *sb);
bool kcr_is_shmem(struct file *file);
int kcr_snap_files(struct kcr_ctx *ctx, struct task_struct *t,
		   struct kcr_files_snap *fs);
void kcr_release_files(struct kcr_files_snap *fs);
int kcr_check_files(struct kcr_ctx *ctx, struct kcr_files_snap *fs);
/* @unix-fds */
const char *kcr_file_why_not(struct kcr_ctx *ctx, struct file *file);
/* @end */
int kcr_write_file_obj(struct kcr_ctx *ctx, struct file *file, int fd);
int kcr_write_file_objs(struct kcr_ctx *ctx, struct kcr_files_snap *fs);
int kcr_write_fdtable(struct kcr_ctx *ctx, struct kcr_files_snap *fs);
/* @end */
/* @files-rst */
void kcr_set_nonblock(struct file *file, u32 f_flags);
int kcr_rst_file(struct kcr_ctx *ctx, const struct cred *cred,
		 const struct kcr_hdr *h, struct kcr_obj **objp);
int kcr_rst_fs(struct kcr_ctx *ctx, struct kcr_rst *rst,
	       const struct kcr_hdr *h);
int kcr_rst_fdtable(struct kcr_ctx *ctx, struct kcr_rst *rst);
int kcr_apply_files(struct kcr_ctx *ctx, struct kcr_rst *rst);

/* @end */
/* @pipe */
/* pipe.c */
int kcr_note_pipes(struct kcr_ctx *ctx, struct kcr_files_snap *fs);
/* @unix-fds */
int kcr_note_pipe_file(struct kcr_ctx *ctx, struct file *file);
/* @end */
int kcr_write_pipe_obj(struct kcr_ctx *ctx, struct pipe_inode_info *pipe,
		       u32 *id);
int kcr_rst_pipe(struct kcr_ctx *ctx, const struct kcr_hdr *h);
int kcr_refill_fifo(struct kcr_ctx *ctx, struct file *fifo, u32 pipe_ref);
struct file *kcr_pipe_end(struct kcr_ctx *ctx, struct kcr_obj *pipe,
			  u32 f_flags);

/* @end */
/* @memory */
/* memory.c */
int kcr_snap_mm(struct kcr_ctx *ctx, struct mm_struct *mm,
		struct kcr_mm_snap *ms);
void kcr_release_snap(struct kcr_mm_snap *ms);
int kcr_write_vma(struct kcr_ctx *ctx, struct mm_struct *mm,
		  const struct kcr_vma_snap *s);
/* @end */
/* @memory-rst */
int kcr_rst_mm_rec(struct kcr_ctx *ctx, const struct kcr_hdr *h,
		   struct kcr_rec_mm *m);
int kcr_read_pages(struct kcr_ctx *ctx, const struct kcr_hdr *h,
		   struct kcr_rec_pages *r, u64 *next, u64 end,
		   const char *what);
int kcr_unmap_all(struct kcr_ctx *ctx, struct kcr_rst *rst);
int kcr_rst_memory(struct kcr_ctx *ctx, struct kcr_rst *rst,
		   struct kcr_hdr *hp);
void kcr_rst_apply_mm(struct kcr_rst *rst);

/* @end */
/* @shmem */
/* shmem.c */
int kcr_note_shmem(struct kcr_ctx *ctx, struct kcr_mm_snap *ms,
		   struct kcr_files_snap *fs);
/* @unix-fds */
int kcr_note_shmem_file(struct kcr_ctx *ctx, struct file *file);
/* @end */
int kcr_dump_shmem(struct kcr_ctx *ctx, struct inode *inode, loff_t size);
int kcr_rst_shm_pages(struct kcr_ctx *ctx, const struct kcr_hdr *h,
		      struct kcr_obj *obj, u64 *next);

/* @end */
/* @tree */
/* tree.c */
int kcr_tree_find(const struct kcr_tree_task *tt, u32 nr, pid_t pid);
int kcr_tree_creator(const struct kcr_tree_task *tt, u32 nr, u32 i);
int kcr_check_tree(struct kcr_ctx *ctx, const struct kcr_tree_task *tt,
		   u32 nr);
int kcr_write_tree(struct kcr_ctx *ctx, struct kcr_tree_snap *ts);
/* @end */
/* @tree-rst */
struct kcr_tree *kcr_tree_new(struct kcr_ctx *ctx);
void kcr_tree_put(struct kcr_tree *tr);
void kcr_tree_set_state(struct kcr_tree *tr, int state);
int kcr_rst_tree_rec(struct kcr_ctx *ctx, const struct kcr_hdr *h,
		     struct kcr_tree *tr);
int kcr_tree_start(struct kcr_ctx *ctx, struct kcr_tree *tr);
int kcr_tree_turn(struct kcr_tree *tr, u32 i, struct kcr_hdr *h);
long kcr_restart_join(int fd, struct kcr_rst *rst);

/* @end */
/* @threads */
/* threads.c */
int kcr_write_threads(struct kcr_ctx *ctx, struct kcr_threads *th,
		      struct kcr_cpu_snaps *cpus);
int kcr_rst_threads(struct kcr_ctx *ctx, struct kcr_rst *rst,
		    struct kcr_hdr *hp);
int kcr_make_threads(struct kcr_ctx *ctx, struct kcr_rst *rst);
void kcr_wake_threads(struct kcr_rst *rst);

/* @end */
/* @attrs */
/* attrs.c */
int kcr_check_attrs(struct kcr_ctx *ctx, struct kcr_threads *th);
int kcr_write_exe_obj(struct kcr_ctx *ctx, struct mm_struct *mm);
int kcr_write_attrs(struct kcr_ctx *ctx, struct task_struct *t,
		    struct mm_struct *mm);
int kcr_rst_attrs(struct kcr_ctx *ctx, struct kcr_rst *rst,
		  const struct kcr_hdr *h);
int kcr_apply_attrs(struct kcr_ctx *ctx, struct kcr_rst *rst);

/* @end */
/* @ghost */
/* ghost.c */
const char *kcr_ghost_why_not(struct kcr_ctx *ctx, struct file *file);
int kcr_dump_ghost(struct kcr_ctx *ctx, struct file *file, loff_t size);
struct file *kcr_rst_ghost(struct kcr_ctx *ctx, const struct cred *cred,
			   char *path, const struct kcr_rec_file *r,
			   struct file **writer);
/* @ghost-dir */
struct file *kcr_rst_ghost_dir(struct kcr_ctx *ctx, const struct cred *cred,
			       const char *path, const struct kcr_rec_file *r);
/* @end */

/* @end */
/* @eventfd */
/* anon.c: files of no path, each kind in a file of its own */
u32 kcr_anon_kind(struct file *file, const char **why);
int kcr_write_anon(struct kcr_ctx *ctx, struct file *file, u32 kind);
/* @until inotify-rst */
struct file *kcr_rst_anon(struct kcr_ctx *ctx, const struct kcr_rec_file *r);
/* @end */
/* @inotify-rst */
struct file *kcr_rst_anon(struct kcr_ctx *ctx, const struct cred *cred,
			  const struct kcr_rec_file *r);
/* @end */
int kcr_read_state(struct kcr_ctx *ctx, u32 type, void *r, u32 size);
/* eventfd.c */
bool kcr_is_eventfd(struct file *file);
int kcr_write_eventfd(struct kcr_ctx *ctx, struct file *file);
struct file *kcr_rst_eventfd(struct kcr_ctx *ctx,
			     const struct kcr_rec_file *f);
/* files.c */
bool kcr_file_has_path(u32 kind);
/* @signalfd */
/* signalfd.c */
bool kcr_is_signalfd(struct file *file);
int kcr_write_signalfd(struct kcr_ctx *ctx, struct file *file);
struct file *kcr_rst_signalfd(struct kcr_ctx *ctx,
			      const struct kcr_rec_file *f);
/* @end */
/* @timerfd */
/* timerfd.c */
bool kcr_is_timerfd(struct file *file, const char **why);
int kcr_write_timerfd(struct kcr_ctx *ctx, struct file *file);
struct file *kcr_rst_timerfd(struct kcr_ctx *ctx,
			     const struct kcr_rec_file *f);
/* @end */
/* @epoll */
/* epoll.c */
bool kcr_is_epoll(struct file *file, const char **why);
int kcr_write_epoll_targets(struct kcr_ctx *ctx, struct file *file);
int kcr_write_epoll(struct kcr_ctx *ctx, struct file *file);
struct file *kcr_rst_epoll(struct kcr_ctx *ctx, const struct kcr_rec_file *f);
/* @end */

/* @end */
/* @itimers */
/* itimers.c */
int kcr_write_itimers(struct kcr_ctx *ctx, struct task_struct *t);
int kcr_rst_itimers(struct kcr_ctx *ctx, struct kcr_rst *rst,
		    const struct kcr_hdr *h);
int kcr_apply_itimers(struct kcr_ctx *ctx, struct kcr_rst *rst);

/* @end */
/* @locks */
/* locks.c */
bool kcr_file_leased(struct file *file);
int kcr_write_locks(struct kcr_ctx *ctx, struct kcr_files_snap *fs);
int kcr_rst_lock(struct kcr_ctx *ctx, struct kcr_rst *rst,
		 const struct kcr_hdr *h);
int kcr_apply_locks(struct kcr_ctx *ctx, struct kcr_rst *rst);

/* @end */
/* @seals */
/* seals.c */
int kcr_write_seals(struct kcr_ctx *ctx, struct file *file, u32 objid);
int kcr_rst_seals(struct kcr_ctx *ctx, const struct kcr_hdr *h);
int kcr_apply_seals(struct kcr_ctx *ctx);

/* @end */
/* @tty */
/* tty.c */
bool kcr_rdev_is_tty(dev_t dev);
const char *kcr_tty_why_not(struct file *file);
int kcr_write_tty(struct kcr_ctx *ctx, struct file *file);
int kcr_rst_tty(struct kcr_ctx *ctx, struct file *file,
		const struct kcr_rec_file *f);
/* @ctty */
int kcr_write_ctty_obj(struct kcr_ctx *ctx, struct task_struct *t);
int kcr_write_ctty(struct kcr_ctx *ctx, struct task_struct *t);
int kcr_rst_ctty(struct kcr_ctx *ctx, struct kcr_rst *rst,
		 const struct kcr_hdr *h);
int kcr_apply_ctty(struct kcr_ctx *ctx, struct kcr_rst *rst);
/* @end */

/* @end */
/* @unix */
/* unix.c */
const char *kcr_unix_why_not(struct file *file);
int kcr_note_unix(struct kcr_ctx *ctx, struct kcr_files_snap *fs);
int kcr_write_unix(struct kcr_ctx *ctx, struct file *file);
void kcr_unix_release(struct kcr_ctx *ctx);
/* @unix-queue */
int kcr_check_unix(struct kcr_ctx *ctx);
int kcr_write_unix_queues(struct kcr_ctx *ctx);
/* @end */
/* @unix-rst */
struct file *kcr_rst_unix(struct kcr_ctx *ctx, const struct cred *cred,
			  const struct kcr_rec_file *f);
bool kcr_uid_ok(kuid_t id, const struct cred *c);
bool kcr_gid_ok(kgid_t id, const struct cred *c);
void kcr_unix_rst_release(struct kcr_ctx *ctx);
/* @end */
/* @unix-queue-rst */
int kcr_rst_unix_queue(struct kcr_ctx *ctx, const struct kcr_hdr *h);
int kcr_rst_unix_done(struct kcr_ctx *ctx);
/* @end */

/* @end */
/* @sock */
/* sock.c */
struct sk_buff;
struct sock;
struct socket;
const char *kcr_sock_why_not(struct file *file, u32 *kind);
const char *kcr_sock_generic_why_not(struct socket *sock);
void kcr_sock_save(struct socket *sock, struct kcr_sockopts *o);
/* @inet-rst */
int kcr_sock_check(struct kcr_ctx *ctx, const struct kcr_sockopts *o,
		   const struct kcr_rec_file *f, kuid_t *ku, kgid_t *kg);
int kcr_setsockopt(struct socket *sock, int level, int op, const void *v,
		   unsigned int len);
int kcr_sock_restore(struct kcr_ctx *ctx, struct socket *sock,
		     const struct kcr_sockopts *o, kuid_t ku, kgid_t kg);
void kcr_sock_restore_last(struct socket *sock, const struct kcr_sockopts *o);
/* @end */


/* @end */
/* @inet */
/* inet.c */
const char *kcr_inet_why_not(struct socket *sock);
int kcr_write_inet(struct kcr_ctx *ctx, struct file *file);
/* @inet-shared */
int kcr_check_inet_shared(struct kcr_ctx *ctx, struct kcr_tree_snap *ts);
/* @end */
/* @inet-rst */
struct file *kcr_rst_inet(struct kcr_ctx *ctx, const struct cred *cred,
			  const struct kcr_rec_file *f);
/* @end */
/* @udp-queue */
/* udp.c */
struct kcr_udp_snap {
	struct sk_buff **skbs;		/* held */
	u32 nr;
	u64 bytes;
};

int kcr_udp_snap(struct kcr_ctx *ctx, struct sock *sk, struct kcr_udp_snap *q);
void kcr_udp_snap_free(struct kcr_udp_snap *q);
int kcr_udp_write(struct kcr_ctx *ctx, struct kcr_udp_snap *q);
int kcr_udp_rst_queue(struct kcr_ctx *ctx, struct sock *sk,
		      const struct kcr_rec_inet *r);
/* @end */
/* @tcp-conn */
/* tcp.c */
int kcr_note_tcp(struct kcr_ctx *ctx, struct kcr_files_snap *fs);
int kcr_check_tcp(struct kcr_ctx *ctx);
void kcr_tcp_release(struct kcr_ctx *ctx);
int kcr_write_tcp(struct kcr_ctx *ctx, struct sock *sk);
/* @tcp-conn-rst */
int kcr_tcp_conn_ok(struct kcr_ctx *ctx, const struct kcr_rec_tcp_conn *c);
int kcr_tcp_repair(struct socket *sock, const struct kcr_rec_tcp_conn *c);
int kcr_tcp_rst_conn(struct kcr_ctx *ctx, struct socket *sock,
		     const struct kcr_rec_tcp_conn *c, bool reuse);
/* @end */
/* @checkpoint-kill */
void kcr_tcp_silence(struct kcr_ctx *ctx);
/* @end */
/* @tcp-external */
/* @until tcp-release */
int kcr_tcp_park(struct file *file, struct sock *sk);
/* @end */
/* @tcp-release */
int kcr_tcp_park(struct file *file, struct sock *sk, pid_t pid);
int kcr_tcp_release_parked(struct kcr_ctx *ctx, pid_t pid);
/* @end */
void kcr_tcp_take_over(const struct kcr_rec_inet *r);
/* @end */
/* @tcp-backlog */

/* The connections of a TCP listener not accepted yet, held. */
struct kcr_tcp_queue {
	struct sock **sk;
	u32 nr;
};

int kcr_tcp_queue_snap(struct kcr_ctx *ctx, struct sock *lsk,
		       struct kcr_tcp_queue *q);
void kcr_tcp_queue_free(struct kcr_tcp_queue *q);
/* @tcp-backlog-rst */
int kcr_tcp_enqueue(struct kcr_ctx *ctx, struct file *lfile,
		    struct socket *sock);
/* @end */
/* @end */
/* @end */

/* @end */
/* @inotify */
/* inotify.c */
int kcr_write_inotify(struct kcr_ctx *ctx, struct file *file);
/* @inotify-rst */
struct file *kcr_rst_inotify(struct kcr_ctx *ctx, const struct cred *cred,
			     const struct kcr_rec_file *f);
/* @end */

/* @end */
/* @fown */
/* fown.c */
int kcr_write_fown(struct kcr_ctx *ctx, struct kcr_files_snap *fs);
int kcr_rst_fown(struct kcr_ctx *ctx, struct kcr_rst *rst,
		 const struct kcr_hdr *h);
int kcr_apply_fown(struct kcr_ctx *ctx, struct kcr_rst *rst);

/* @end */
/* @ptimers */
/* ptimers.c */
int kcr_check_ptimers(struct kcr_ctx *ctx, struct task_struct *t);
int kcr_write_ptimers(struct kcr_ctx *ctx, struct task_struct *t);
/* @ptimers-rst */
int kcr_rst_ptimers(struct kcr_ctx *ctx, struct kcr_rst *rst,
		    const struct kcr_hdr *h);
int kcr_apply_ptimers(struct kcr_ctx *ctx, struct kcr_rst *rst);
/* @end */

/* @end */
/* @mlock */
/* mlock.c */
u32 kcr_vma_lock_flags(vm_flags_t f);
u32 kcr_mm_lock_flags(struct mm_struct *mm);
int kcr_rst_note_lock(struct kcr_rst *rst, const struct kcr_rec_vma *v);
int kcr_apply_mlock(struct kcr_ctx *ctx, struct kcr_rst *rst);

/* @end */
/* @zombie */
/* zombie.c */
bool kcr_zombie_status_ok(u32 status);
int kcr_zombie_save(struct kcr_ctx *ctx, struct task_struct *t,
		    struct kcr_tree_task *e);
int kcr_zombies_wait(struct kcr_ctx *ctx, struct kcr_tree *tr);
long kcr_zombie_exit(struct kcr_tree *tr, const struct kcr_tree_task *e,
		     struct kcr_rst *rst);
void __noreturn kcr_zombie_do_exit(struct kcr_rst *rst);
/* Tree entries without a section, which exit on restart. */
/* @until leaders */
#define KCR_TREE_GONE	KCR_TREE_ZOMBIE
/* @end */
/* @leaders */
#define KCR_TREE_GONE	(KCR_TREE_ZOMBIE | KCR_TREE_DEAD)
/* @end */

/* @end */
/* @proc */
/* proc.c */
const char *kcr_proc_why_not(struct kcr_ctx *ctx, struct file *file);
size_t kcr_proc_self_path(struct file *file, char *buf, size_t len);
const char *kcr_proc_why_not_path(const struct path *p, u32 oflags);

/* @end */
/* @cow */
/* cow.c */
int kcr_cow_snap(struct kcr_ctx *ctx, struct task_struct *t,
		 struct kcr_mm_snap *ms);
void kcr_cow_release(struct kcr_ctx *ctx);
int kcr_cow_write_fork(struct kcr_ctx *ctx);
int kcr_cow_shared(struct kcr_ctx *ctx, unsigned long addr,
		   struct page **pages, unsigned int nr, bool *shared);
int kcr_cow_write_rec(struct kcr_ctx *ctx, unsigned long addr,
		      unsigned int nr);
/* @end */
/* @cow-rst */
int kcr_cow_start(struct kcr_ctx *ctx, struct kcr_rst *rst,
		  const struct kcr_hdr *h);
int kcr_cow_vma(struct kcr_ctx *ctx, struct kcr_rst *rst,
		const struct kcr_rec_vma *v);
int kcr_cow_zap(struct kcr_rst *rst, unsigned long end);
int kcr_rst_cow_pages(struct kcr_ctx *ctx, struct kcr_rst *rst,
		      const struct kcr_hdr *h, const struct kcr_rec_vma *v,
		      u64 *next);
int kcr_cow_finish(struct kcr_ctx *ctx, struct kcr_rst *rst);

/* @end */
/* @leaders */
/* leaders.c */
int kcr_dead_leaders(struct kcr_ctx *ctx, struct kcr_tree_snap *ts, u32 max,
		     struct pid_namespace *ns);
int kcr_dead_done(struct kcr_ctx *ctx, struct kcr_tree *tr);
void kcr_dead_reap(struct kcr_tree *tr, u32 idx);

/* @end */
#endif /* _KERNEL_CHECKPOINT_KCR_INT_H */
