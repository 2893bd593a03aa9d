/* @file sys */
/* SPDX-License-Identifier: GPL-2.0 */
/*
 * In-kernel checkpoint/restart: interfaces between the generic code in
 * kernel/checkpoint/ and the architecture.
 */
#ifndef _LINUX_KCR_H
#define _LINUX_KCR_H

#include <uapi/linux/kcr.h>

struct task_struct;
struct mm_struct;
struct prctl_mm_map;
struct rlimit;

/* arch/x86/kernel/ptrace.c: PEEKUSER/POKEUSER of the debug registers */
unsigned long ptrace_get_debugreg(struct task_struct *tsk, int n);
int ptrace_set_debugreg(struct task_struct *tsk, int n, unsigned long val);

/* kernel/sys.c */
int validate_prctl_map_addr(struct prctl_mm_map *prctl_map);
int do_prlimit(struct task_struct *tsk, unsigned int resource,
	       struct rlimit *new_rlim, struct rlimit *old_rlim);
/* @eventfd */

/* fs/eventfd.c: an eventfd's state, and a new eventfd file */
struct file;
int eventfd_get_state(struct file *file, u64 *count, unsigned int *flags);
struct file *eventfd_file_create(u64 count, unsigned int flags);
/* @end */
/* @signalfd */

/* fs/signalfd.c: a signalfd's mask, and a new signalfd file */
int signalfd_get_mask(struct file *file, u64 *mask);
struct file *signalfd_file_create(u64 mask);
/* @end */
/* @timerfd */

/* fs/timerfd.c: a timerfd's state, and a new timerfd file */
int timerfd_get_state(struct file *file, struct kcr_rec_timerfd *r);
struct file *timerfd_file_create(const struct kcr_rec_timerfd *r);
/* @end */
/* @eventpoll */

/* fs/eventpoll.c: an epoll's interest list, and making one again */
struct epoll_event;
struct kcr_ep_item {
	struct file *file;	/* the target, a reference held */
	int fd;			/* the fd it was added as */
	u32 events;
	u64 data;
	bool ready;		/* on the ready list */
};

struct file *eventpoll_file_create(void);
int eventpoll_get_items(struct file *epf, struct kcr_ep_item *items,
			unsigned int max);
int do_epoll_ctl_file(struct file *epf, int op, struct file *tfile, int fd,
		      struct epoll_event *epds, bool nonblock);
int eventpoll_set_item(struct file *epf, struct file *tfile, int fd,
		       u32 events, bool ready);
/* @end */
/* @itimers */

/* kernel/time/itimer.c: getitimer() of a process, setitimer() of ours */
struct itimerspec64;
int do_getitimer_task(struct task_struct *tsk, int which,
		      struct itimerspec64 *value);
int do_setitimer(int which, struct itimerspec64 *value,
		 struct itimerspec64 *ovalue);
/* @end */
/* @ptimers */

/* kernel/time/posix-timers.c: a frozen process's timer, and one of ours */
struct k_itimer;
bool kcr_ptimer_clock_ok(clockid_t clock);
int kcr_ptimer_get(struct k_itimer *timr, struct kcr_rec_ptimer *r);
/* @ptimers-rst */
int kcr_ptimer_restore(const struct kcr_rec_ptimer *r);
/* @end */
/* @end */
/* @seals */

/* mm/memfd.c: the seals of a restored memfd */
int memfd_restore_seals(struct file *file, unsigned int seals);
/* @end */
/* @inotify */

/* fs/notify/inotify/inotify_user.c: an inotify's watches and queue */
#include <linux/limits.h>
struct inode;
struct kcr_in_watch {
	struct inode *inode;	/* the watched inode, a reference held */
	int wd;
	u32 mask;		/* as inotify_add_watch() took it */
};

struct kcr_in_event {
	int wd;
	u32 mask;		/* IN_* as read() returns it */
	u32 cookie;
	u32 name_len;		/* strlen(name) */
	char name[NAME_MAX + 1];
};

bool inotify_file(struct file *file);
int inotify_get_watches(struct file *file, struct kcr_in_watch *w,
			unsigned int max, int *cursor);
int inotify_get_events(struct file *file, struct kcr_in_event *ev,
		       unsigned int max);
/* @inotify-rst */
struct file *inotify_file_create(void);
int inotify_restore_watch(struct file *file, struct inode *inode, u32 mask,
			  int wd);
void inotify_restore_cursor(struct file *file, int cursor);
int inotify_restore_event(struct file *file, const struct kcr_in_event *ev);
/* @end */

/* fs/namespace.c: a mount through which a dentry is reached */
struct dentry;
struct vfsmount;
struct vfsmount *kcr_mount_of(struct dentry *dentry);
/* @end */
/* @tty */

/* drivers/tty/tty_io.c: the terminal of a file, and a file of a terminal */
struct tty_struct;
struct tty_struct *tty_of_file(struct file *file);
struct file *tty_find_file(struct tty_struct *tty,
			   bool (*match)(struct file *file, void *arg),
			   void *arg);
/* @end */
/* @ctty */

/* drivers/tty/tty_jobctrl.c: a process's controlling terminal */
struct tty_struct *tty_get_ctty(struct task_struct *t, pid_t *sid, pid_t *fg);
int tty_restore_ctty(struct tty_struct *tty, pid_t fg);
/* @end */
/* @unix-queue-rst */

/* net/unix/af_unix.c: a socket's connection and queue, rebuilt */
#include <linux/uidgid_types.h>
struct net;
struct pid;
struct sock;
struct sock *unix_kcr_ghost(struct net *net, int type);
void unix_kcr_release(struct sock *sk);
int unix_kcr_connect(struct sock *sk, struct sock *peer);
/* @until unix-fds-rst */
int unix_kcr_queue(struct sock *rcv, struct sock *sender, const void *data,
		   unsigned int len, struct pid *pid, kuid_t uid, kgid_t gid);
/* @end */
/* @unix-fds-rst */
struct file;
int unix_kcr_queue(struct sock *rcv, struct sock *sender, const void *data,
		   unsigned int len, struct pid *pid, kuid_t uid, kgid_t gid,
		   struct file **fds, unsigned int nr_fds);
/* @end */
/* @end */
/* @unix-name */

/* net/unix/af_unix.c: a socket's name, kept and given back */
struct path;
struct sockaddr_un;
bool unix_kcr_bound(struct sock *sk);
int unix_kcr_bind(struct sock *sk, const struct sockaddr_un *sunaddr,
		  int len, const struct path *path, bool check);
int unix_kcr_set_addr(struct sock *sk, const struct sockaddr_un *sunaddr,
		      int len);
/* @end */
/* @unix-listen-rst */
struct sock *unix_kcr_embryo(struct sock *listener, struct sock *sk);
/* @end */
/* @mlock */

/* mm/mlock.c: mlock2() of the caller's range, with its checks */
__must_check int do_mlock(unsigned long start, size_t len,
			  unsigned long flags);
/* @end */

#ifdef CONFIG_CHECKPOINT_RESTART
/*
 * Architecture hooks.  A non-NULL *why names the reason of a refusal so
 * that the generic code can log it.
 */
int kcr_arch_check_task(struct task_struct *t, struct mm_struct *mm,
			const char **why);
int kcr_arch_get_regs(struct task_struct *t, bool self,
		      struct kcr_x86_regs *r, u32 *task_flags);
unsigned int kcr_arch_xstate_size(void);
u64 kcr_arch_xfeatures(void);
int kcr_arch_get_xstate(struct task_struct *t, void *buf, unsigned int size);
bool kcr_arch_get_debugregs(struct task_struct *t, struct kcr_rec_debugregs *r);
int kcr_arch_check_debugregs(const struct kcr_rec_debugregs *r,
			     const char **why);
int kcr_arch_set_debugregs(struct task_struct *t,
			   const struct kcr_rec_debugregs *r);
unsigned long kcr_arch_vdso(struct mm_struct *mm);
unsigned long kcr_arch_vdso_size(void);
unsigned long kcr_arch_vvar_size(void);

int kcr_arch_check_regs(const struct kcr_x86_regs *r, const char **why);
int kcr_arch_check_xstate(const void *buf, unsigned int size);
void kcr_arch_forget_vdso(void);
int kcr_arch_map_vdso(unsigned long vvar_start, unsigned long vdso_start);
int kcr_arch_set_xstate(struct task_struct *t, const void *buf,
			unsigned int size);
int kcr_arch_set_regs(struct task_struct *t, const struct kcr_x86_regs *r);
u64 kcr_arch_regs_phys(struct task_struct *t);
u64 kcr_arch_pgd_phys(struct mm_struct *mm);
#endif

/* @cow-rst */
/* kernel/fork.c, fs/exec.c: a copy of an mm as fork() makes it, made ours */
struct mm_struct *kcr_dup_mm(struct mm_struct *oldmm);
int kcr_exec_mm(struct mm_struct *mm);

/* @end */
#endif /* _LINUX_KCR_H */
