/* @file uapi */
/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * kcr.h - in-kernel checkpoint/restart: system calls and image format
 *
 * This header is the single definition of the checkpoint image format.
 * An image is a stream of records.  Every record starts with a
 * struct kcr_hdr { type, len }, where len is the length of the whole
 * record in bytes (header included), a multiple of 8.  All integers are
 * little-endian (the format is only produced on x86_64), all structures
 * have explicit padding and 8-byte alignment, padding must be zero.
 *
 * Stream layout (version KCR_VERSION):
 *
 *   KCR_REC_HEADER                      exactly once, first
 *   [ KCR_REC_TREE ]                    the process tree (KCR_CHECKPOINT_TREE)
 *   then, for each process (one without KCR_CHECKPOINT_TREE, one per
 *   entry of the tree record, in its order):
 *   KCR_REC_TASK                        the task
 *   KCR_REC_CPU                         its general registers
 *   KCR_REC_XSTATE                      its FPU/extended state
 *   [ KCR_REC_DEBUGREGS ]               its debug registers, if in use
 *   KCR_REC_GROUPS                      its supplementary groups
 *   KCR_REC_RLIMITS                     its resource limits
 *   KCR_REC_SIGHAND                     its signal handlers
 *   { KCR_REC_SIGPENDING }              its pending signals, in queue order
 *   { KCR_REC_PIPE | KCR_REC_FILE }     open files (cwd, root, fds, mappings)
/* @until ghost */
 *     { KCR_REC_PAGES }                   contents of a KCR_FILE_SHMEM file
/* @end */
/* @ghost */
 *     { KCR_REC_PAGES }                   contents of a KCR_FILE_SHMEM or
 *                                         KCR_FILE_GHOST file
/* @end */
/* @seals */
 *     [ KCR_REC_SEALS ]                   seals of a KCR_FILE_SHMEM file
/* @end */
/* @inotify */
 *     KCR_REC_INOTIFY, { KCR_REC_INOTIFY_WATCH }, { KCR_REC_INOTIFY_EVENT }
 *                                         the state of a KCR_FILE_INOTIFY
/* @end */
/* @tty */
 *     KCR_REC_TTY                         the state of a terminal's FILE
/* @end */
/* @unix */
 *     KCR_REC_UNIX                        the state of a KCR_FILE_UNIX file
/* @unix-queue */
/* @until unix-listen */
 *   { KCR_REC_UNIX_QUEUE                  the connection and receive queue
 *     { KCR_REC_UNIX_SKB } }              of a socket of this section, after
 *                                         every file object it names
/* @end */
/* @unix-listen */
 *   { KCR_REC_UNIX_QUEUE                  the connection and receive queue
 *     { KCR_REC_UNIX_SKB }                of a socket of this section, after
 *     { KCR_REC_UNIX_EMBRYO               every file object it names; a
 *       { KCR_REC_UNIX_SKB } } }          listener's connections not
 *                                         accepted yet, with their data
/* @end */
/* @end */
/* @inet */
/* @until udp-queue */
 *     KCR_REC_INET                        the state of a KCR_FILE_INET file
/* @end */
/* @udp-queue */
/* @until tcp-conn */
 *     KCR_REC_INET, { KCR_REC_INET_DGRAM } the state of a KCR_FILE_INET
 *                                         file, a UDP socket's datagrams
/* @end */
/* @tcp-conn */
 *     KCR_REC_INET, { KCR_REC_INET_DGRAM } the state of a KCR_FILE_INET
 *       [ KCR_REC_TCP_CONN,               file, a UDP socket's datagrams,
 *         { KCR_REC_TCP_DATA } ]          a TCP connection and its queues
/* @end */
/* @end */
/* @end */
/* @end */
 *   KCR_REC_FS                          umask, root and cwd
 *   KCR_REC_FDTABLE                     its file descriptor table, then:
 *     { KCR_REC_FD }                      each descriptor, ascending
/* @locks */
 *   { KCR_REC_LOCK }                    file locks it holds
/* @end */
/* @fown */
 *   { KCR_REC_FOWN }                    O_ASYNC and owners of its files
/* @end */
/* @ctty */
 *   [ KCR_REC_CTTY ]                    its controlling terminal
/* @end */
 *   KCR_REC_MM                          its address space, then:
/* @cow */
 *     [ KCR_REC_MM_FORK ]                 it starts as a copy of the parent's
/* @end */
 *     KCR_REC_VMA                         each mapping, ascending
 *       { KCR_REC_PAGES }                 contents of that mapping
/* @cow */
 *       { KCR_REC_COW_PAGES }             pages still shared with the parent
/* @end */
/* @attrs */
 *   KCR_REC_ATTRS                       its attributes (nice, prctl, exe, ...)
/* @end */
/* @itimers */
 *   [ KCR_REC_ITIMERS ]                 its interval timers, if one is armed
/* @end */
/* @ptimers */
 *   [ KCR_REC_PTIMERS                   its POSIX timers, if it made one
 *     { KCR_REC_PTIMER } ]              each timer, by increasing id
/* @end */
 *   then, for each other thread of the process (nr_threads - 1 of them,
 *   in the kernel's thread list order):
 *   KCR_REC_TASK                        the thread (KCR_TASK_THREAD)
 *   KCR_REC_CPU                         its general registers
 *   KCR_REC_XSTATE                      its FPU/extended state
 *   [ KCR_REC_DEBUGREGS ]               its debug registers, if in use
 *   { KCR_REC_SIGPENDING }              its own pending signals
 *                                       (KCR_SIGQ_TASK only)
 *   KCR_REC_TAIL                        exactly once, last
 *
 * Objects are shared across the processes of one image: a pipe or an
 * open file inherited by fork() is written in the section of the first
 * process that uses it, and referred to from the later ones.
 *
 * Objects that can be shared (an mm, a file, a pipe) are written once,
 * with a non-zero object id ("objid") unique within the image, and
 * referred to by that id afterwards ("*_ref" fields).  A reference must
 * name an object defined earlier in the stream.  Two descriptors that
 * share one open file (dup(), fork()) refer to one file object.
 *
 * The tail carries the xxh64 (XXH64, seed 0) of every byte of the stream
 * before the tail record.
 */
#ifndef _UAPI_LINUX_KCR_H
#define _UAPI_LINUX_KCR_H

#include <linux/types.h>

/* System call numbers (x86_64); also in <asm/unistd_64.h>. */
#define KCR_NR_CHECKPOINT	463
#define KCR_NR_RESTART		464

/*
 * checkpoint() flags.  KCR_CHECKPOINT_TREE: checkpoint the (frozen) task
 * and all its descendants, with a KCR_REC_TREE record; not for a
 * self-checkpoint.
 */
#define KCR_CHECKPOINT_TREE		(1UL << 0)
/*
 * KCR_CHECKPOINT_HOSTINFO: also record where the saved state lives in
 * physical memory (each mm's page-table root, each task's user register
 * frame), so that a hypervisor can check the image against a snapshot of
 * the machine.  These are kernel addresses: CAP_SYS_ADMIN only.
 */
#define KCR_CHECKPOINT_HOSTINFO		(1UL << 1)
/* @until unix-external */
#define KCR_CHECKPOINT_FLAGS_ALL	(KCR_CHECKPOINT_TREE | \
					 KCR_CHECKPOINT_HOSTINFO)
/* @end */
/* @unix-external */
/*
 * KCR_CHECKPOINT_UNIX_EXTERNAL: a Unix socket connected to a named socket
 * of a process outside the checkpoint (a local daemon's listener, a log
 * socket) is saved with its peer's name (KCR_UNIX_PEER_EXTERNAL) rather
 * than refused, and restart connects it to that name again.  The peer
 * then sees a new connection: what the old one carried, and its state in
 * the peer, are not brought back.
 */
#define KCR_CHECKPOINT_UNIX_EXTERNAL	(1UL << 2)
/* @until checkpoint-kill */
#define KCR_CHECKPOINT_FLAGS_ALL	(KCR_CHECKPOINT_TREE | \
					 KCR_CHECKPOINT_HOSTINFO | \
					 KCR_CHECKPOINT_UNIX_EXTERNAL)
/* @end */
/* @end */
/* @checkpoint-kill */
/*
 * KCR_CHECKPOINT_KILL, with fd -1 (no image): the frozen tree, whose
 * image the caller has safe, is killed while still frozen; its TCP
 * connections are first closed without a word to their peers (no FIN, no
 * RST, no TIME_WAIT), so that restart can make them again.  Not for the
 * caller itself.
 */
#define KCR_CHECKPOINT_KILL		(1UL << 3)
/* @until tcp-external */
#define KCR_CHECKPOINT_FLAGS_ALL	(KCR_CHECKPOINT_TREE | \
					 KCR_CHECKPOINT_HOSTINFO | \
					 KCR_CHECKPOINT_UNIX_EXTERNAL | \
					 KCR_CHECKPOINT_KILL)
/* @end */
/* @end */
/* @tcp-external */
/*
 * KCR_CHECKPOINT_HOLD: the TCP connections of the image whose peer is
 * outside it stay held when checkpoint() returns (what the peer sends is
 * dropped, no reset), so that the process cannot take in data its image
 * lacks before it is killed.  Then KCR_CHECKPOINT_KILL keeps them held
 * after the tree dies, for its restart to take over (or until they
 * expire: the peer then gets a reset), or KCR_CHECKPOINT_RELEASE (no
 * image, fd -1) lets them go on.  Not for a self-checkpoint.
/* @tcp-release */
 * KCR_CHECKPOINT_RELEASE of a pid whose tree KCR_CHECKPOINT_KILL killed
 * (no process has it now): its image is discarded, the connections it
 * left held go at once, with a reset; ESRCH if it left none.  Only the
 * one who killed it (same effective uid) or CAP_NET_ADMIN may.
/* @end */
 */
#define KCR_CHECKPOINT_HOLD		(1UL << 4)
#define KCR_CHECKPOINT_RELEASE		(1UL << 5)
#define KCR_CHECKPOINT_FLAGS_ALL	(KCR_CHECKPOINT_TREE | \
					 KCR_CHECKPOINT_HOSTINFO | \
					 KCR_CHECKPOINT_UNIX_EXTERNAL | \
					 KCR_CHECKPOINT_KILL | \
					 KCR_CHECKPOINT_HOLD | \
					 KCR_CHECKPOINT_RELEASE)
/* @end */

/*
 * restart() flags.  An image with a KCR_REC_TREE record is restarted by
 * all the processes of the tree, created beforehand by user space with
 * their original pids, parents, sessions and process groups (see
 * KCR_REC_TREE): the root calls restart(0, fd, KCR_RESTART_TREE, logfd)
 * and coordinates, every other process calls
 * restart(0, fd, KCR_RESTART_JOIN, -1) on a descriptor of the same open
 * image file (inherited from the root or its creator) and waits for
 * its turn.  Each process restores itself from its section of the image;
 * all of them return to user mode once the whole image was restored.
 */
#define KCR_RESTART_TREE		(1UL << 0)
#define KCR_RESTART_JOIN		(1UL << 1)
#define KCR_RESTART_FLAGS_ALL		(KCR_RESTART_TREE | KCR_RESTART_JOIN)

#define KCR_MAGIC		0x31474d4952434b4bULL	/* "KKCRIMG1" */
/* @until attrs */
#define KCR_VERSION		6
/* @end */
/* @attrs */
#define KCR_VERSION		7
/* @end */

#define KCR_ARCH_X86_64		1

/* Upper bound on the length of any record (header + payload). */
#define KCR_REC_MAX_LEN		(1U << 20)
/* Maximum number of pages in one KCR_REC_PAGES record. */
#define KCR_PAGES_MAX		32

enum kcr_rec_type {
	KCR_REC_HEADER	= 1,
	KCR_REC_TASK	= 2,
	KCR_REC_CPU	= 3,
	KCR_REC_XSTATE	= 4,
	KCR_REC_MM	= 5,
	KCR_REC_FILE	= 6,
	KCR_REC_VMA	= 7,
	KCR_REC_PAGES	= 8,
	KCR_REC_GROUPS	= 9,
	KCR_REC_RLIMITS	= 10,
	KCR_REC_SIGHAND	= 11,
	KCR_REC_SIGPENDING = 12,
	KCR_REC_PIPE	= 13,
	KCR_REC_FS	= 14,
	KCR_REC_FDTABLE	= 15,
	KCR_REC_FD	= 16,
	KCR_REC_TREE	= 17,
	KCR_REC_DEBUGREGS = 18,
/* @attrs */
	KCR_REC_ATTRS	= 19,
/* @end */
/* @eventfd */
	KCR_REC_EVENTFD	= 20,
/* @end */
/* @signalfd */
	KCR_REC_SIGNALFD = 21,
/* @end */
/* @timerfd */
	KCR_REC_TIMERFD	= 22,
/* @end */
/* @epoll */
	KCR_REC_EPOLL	= 23,
/* @end */
/* @itimers */
	KCR_REC_ITIMERS	= 24,
/* @end */
/* @cow */
	KCR_REC_MM_FORK	= 25,
	KCR_REC_COW_PAGES = 26,
/* @end */
/* @ptimers */
	KCR_REC_PTIMERS	= 27,
	KCR_REC_PTIMER	= 28,
/* @end */
/* @locks */
	KCR_REC_LOCK	= 29,
/* @end */
/* @fown */
	KCR_REC_FOWN	= 30,
/* @end */
/* @seals */
	KCR_REC_SEALS	= 31,
/* @end */
/* @inotify */
	KCR_REC_INOTIFY	= 32,
	KCR_REC_INOTIFY_WATCH = 33,
	KCR_REC_INOTIFY_EVENT = 34,
/* @end */
/* @tty */
	KCR_REC_TTY	= 35,
/* @end */
/* @ctty */
	KCR_REC_CTTY	= 36,
/* @end */
/* @unix */
	KCR_REC_UNIX	= 37,
/* @unix-queue */
	KCR_REC_UNIX_QUEUE = 38,
/* @unix-listen */
	KCR_REC_UNIX_EMBRYO = 39,
/* @end */
	KCR_REC_UNIX_SKB = 40,
/* @end */
/* @end */
/* @inet */
	KCR_REC_INET	= 41,
/* @udp-queue */
	KCR_REC_INET_DGRAM = 42,
/* @end */
/* @tcp-conn */
	KCR_REC_TCP_CONN = 43,
	KCR_REC_TCP_DATA = 44,
/* @end */
/* @end */
	KCR_REC_TAIL	= 0x7fffffff,
};

struct kcr_hdr {
	__u32 type;		/* enum kcr_rec_type */
	__u32 len;		/* whole record, header included, 8-aligned */
};

#define KCR_UTS_LEN		65	/* __NEW_UTS_LEN + 1 */

/* KCR_REC_HEADER */
struct kcr_rec_header {
	struct kcr_hdr h;
	__u64 magic;		/* KCR_MAGIC */
	__u32 version;		/* KCR_VERSION */
	__u32 arch;		/* KCR_ARCH_* */
	__u64 time;		/* seconds since the epoch (CLOCK_REALTIME) */
	__u32 flags;		/* checkpoint() flags */
	__u32 page_size;
	__u64 xfeatures;	/* user xstate features of the checkpoint CPU */
	__u32 xstate_size;	/* size of a KCR_REC_XSTATE payload */
	__u32 __pad;
	char sysname[KCR_UTS_LEN];
	char nodename[KCR_UTS_LEN];
	char release[KCR_UTS_LEN];
	char version_str[KCR_UTS_LEN];
	char machine[KCR_UTS_LEN];
	char domainname[KCR_UTS_LEN];
	__u8 __pad2[2];
};

/*
 * KCR_REC_TREE: the processes of a KCR_CHECKPOINT_TREE image, followed by
 * nr_tasks struct kcr_tree_task, parents before their children (the
 * first one is the root), in the order of their sections.  Ids are as
 * seen from the checkpointer's pid namespace.  Except for the root's
 * ppid, every ppid is the pid of an earlier entry.  A process's sid is
 * its own pid (it called setsid()) or its parent's sid; its pgid is its
 * own pid, its parent's pgid, or the pid of a process group leader of
 * the tree in the same session.  The root's sid and pgid may also name
 * a session and group outside the tree (then the restarted root stays
 * in its creator's, and so do the processes that share them).
 * restart() checks all of this, and each process's pid, parent, sid and
 * pgid, before anything is changed; it joins process groups of the tree
 * (setpgid()) itself, while user space creates every process with its
 * pid (clone3() with set_tid), calls setsid() in the session leaders
 * and setpgid(0, 0) in the group leaders before they create children.
/* @zombie */
 *
 * A process that has exited and that its parent has not reaped yet (a
 * zombie) is an entry with KCR_TREE_ZOMBIE and its wait status, and has
 * no section.  User space creates it as any other process; restart()
 * makes it exit with that status once the tree is checked, before any
 * section is restored, so that its parent's wait() collects it after
 * restart and the SIGCHLD of that exit is not kept.
/* @end */
/* @leaders */
 *
 * A session or process group of the tree whose leader has exited and
 * been reaped is led by a placeholder entry (KCR_TREE_DEAD, no section):
 * the dead leader's pid, with pgid == pid, and sid == pid for a session.
 * Its ppid is the process that creates it and reaps it.  A process of
 * the session of a dead leader S whose parent is in another session (it
 * was reparented to a child subreaper, its parent) is created by S's
 * placeholder, whose ppid must then be that parent too.  User space
 * makes the placeholders as any other process, restart() lets them exit
 * once the groups are set, and each parent reaps its placeholders before
 * its section is restored.  The processes they created are reparented
 * to their parent, which must therefore be a child subreaper already
 * (prctl(PR_SET_CHILD_SUBREAPER) before it creates its children).
/* @end */
 */
struct kcr_tree_task {
	__s32 pid;
	__s32 ppid;
	__s32 pgid;
	__s32 sid;
/* @until zombie */
	__u32 flags;		/* none defined yet, 0 */
	__u32 __pad;
/* @end */
/* @zombie */
	__u32 flags;		/* KCR_TREE_* */
	__u32 exit_status;	/* a zombie's wait status, or 0 */
/* @end */
};
/* @zombie */

/* kcr_tree_task flags */
#define KCR_TREE_ZOMBIE		0x1	/* exited, not reaped: no section */
/* @end */
/* @leaders */
#define KCR_TREE_DEAD		0x2	/* exited and reaped leader: no section */
/* @end */

struct kcr_rec_tree {
	struct kcr_hdr h;
	__u32 nr_tasks;		/* 1 .. KCR_TREE_MAX */
	__u32 __pad;
};

#define KCR_TREE_MAX		1024

#define KCR_COMM_LEN		16

/* KCR_REC_TASK */
struct kcr_rec_task {
	struct kcr_hdr h;
	__u32 objid;
	__s32 pid;		/* as seen from the checkpointer's pid ns */
	__s32 tgid;
	__s32 ppid;
	__u32 uid, euid, suid, fsuid;	/* in the checkpointer's user ns */
	__u32 gid, egid, sgid, fsgid;
	__u32 flags;		/* KCR_TASK_* */
	__u32 rseq_len;
	__u64 rseq;		/* 0: not registered */
	__u32 rseq_sig;
	__u32 nr_threads;	/* process: 1 .. KCR_THREADS_MAX; thread: 0 */
	__u64 clear_child_tid;
	__u64 robust_list;
	__u64 robust_list_len;
	__u64 sigblocked;	/* blocked signal mask, bit n-1 = signal n */
	char comm[KCR_COMM_LEN];	/* NUL-terminated */
	__u64 sas_ss_sp;	/* sigaltstack(); 0/0/SS_DISABLE if none */
	__u64 sas_ss_size;
	__u32 sas_ss_flags;	/* SS_DISABLE, or 0 with SS_AUTODISARM */
	__u32 __pad2;
	/*
	 * KCR_CHECKPOINT_HOSTINFO: physical address of the task's user
	 * register frame (struct pt_regs) on its kernel stack; else 0.
	 * Ignored by restart.
	 */
	__u64 regs_phys;
};

/* The task called checkpoint() on itself. */
#define KCR_TASK_SELF		(1U << 0)
/* The task was frozen inside a system call that will be re-executed. */
#define KCR_TASK_SYSCALL_RESTART (1U << 1)
/*
 * A thread other than the thread group leader: its record follows its
 * process's section; pid is its thread id, tgid the leader's pid.  The
 * credentials, the signal handlers, the fd table, cwd/root and the mm
 * are the process's (shared by all its threads).
 */
#define KCR_TASK_THREAD		(1U << 2)
/*
 * A process that is not dumpable (PR_SET_DUMPABLE 0, or after a
 * credential change): restart makes it so again, else it is dumpable.
 */
#define KCR_TASK_UNDUMPABLE	(1U << 3)
/*
 * A process stopped by job control (SIGSTOP, SIGTSTP, ...): restart
 * stops it again, and SIGCONT lets it go on.  Process records only.
 */
#define KCR_TASK_STOPPED	(1U << 4)
#define KCR_TASK_FLAGS_ALL	(KCR_TASK_SELF | KCR_TASK_SYSCALL_RESTART | \
				 KCR_TASK_THREAD | KCR_TASK_UNDUMPABLE | \
				 KCR_TASK_STOPPED)

/* Bound on the threads of one process. */
#define KCR_THREADS_MAX		1024

/* KCR_REC_CPU: x86_64 general registers, layout of struct user_regs_struct. */
struct kcr_x86_regs {
	__u64 r15, r14, r13, r12, bp, bx, r11, r10;
	__u64 r9, r8, ax, cx, dx, si, di, orig_ax;
	__u64 ip, cs, flags, sp, ss, fs_base, gs_base;
	__u64 ds, es, fs, gs;
};

struct kcr_rec_cpu {
	struct kcr_hdr h;
	struct kcr_x86_regs regs;
};

/*
 * KCR_REC_XSTATE: followed by xstate_size bytes in the standard
 * (uncompacted) XSAVE layout, as returned by PTRACE_GETREGSET
 * NT_X86_XSTATE.
 */
struct kcr_rec_xstate {
	struct kcr_hdr h;
	__u64 xfeatures;	/* copy of the XSAVE header's xfeatures */
	__u32 size;
	__u32 __pad;
};

/*
 * KCR_REC_DEBUGREGS: the x86 debug registers as ptrace's PEEKUSER shows
 * them (hardware breakpoints set through ptrace), present only when one
 * is in use.  restart() checks them as ptrace would (user addresses,
 * aligned to their length; known lengths and types in dr7) and installs
 * them with the ptrace code.
 */
struct kcr_rec_debugregs {
	struct kcr_hdr h;
	__u64 addr[4];		/* DR0 .. DR3 */
	__u64 dr6;
	__u64 dr7;
};

/* @attrs */
/*
 * KCR_REC_ATTRS: the attributes of a process that prctl(2),
 * setpriority(2), sched_setscheduler(2) and /proc/PID/oom_score_adj set,
 * its executable (/proc/PID/exe) and its auxiliary vector
 * (/proc/PID/auxv), followed by auxv_len bytes of that vector (pairs of
 * __u64, the last AT_NULL) and zero padding to a multiple of 8.  Its
 * threads share them: checkpoint() refuses a thread whose nice value,
 * policy, parent-death signal or timer slack differ.  restart() applies
 * them after the credentials, with the checks the system calls make for
 * the restored user.
 */
struct kcr_rec_attrs {
	struct kcr_hdr h;
	__s32 nice;		/* -20 .. 19 */
	__u32 policy;		/* SCHED_NORMAL, SCHED_BATCH or SCHED_IDLE */
	__s32 oom_score_adj;	/* -1000 .. 1000 */
	__u32 pdeath_signal;	/* 0 or a signal number */
	__u64 timer_slack_ns;	/* 0: the default */
	__u32 flags;		/* KCR_ATTR_* */
	__u32 exe_ref;		/* regular FILE object, 0 if none */
	__u32 auxv_len;		/* bytes, a multiple of 16, <= KCR_AUXV_MAX */
	__u32 __pad;
};

#define KCR_ATTR_THP_DISABLE	0x1	/* PR_SET_THP_DISABLE */
#define KCR_ATTR_SUBREAPER	0x2	/* PR_SET_CHILD_SUBREAPER */
#define KCR_ATTR_RESET_ON_FORK	0x4	/* SCHED_RESET_ON_FORK */
/* @until mlock */
#define KCR_ATTR_ALL		0x7U
/* @end */
/* @mlock */
#define KCR_ATTR_MCL_FUTURE	0x8	/* mlockall(MCL_FUTURE) */
#define KCR_ATTR_MCL_ONFAULT	0x10	/* mlockall(MCL_FUTURE | MCL_ONFAULT) */
#define KCR_ATTR_ALL		0x1fU
/* @end */

#define KCR_AUXV_MAX		512
/* @end */

/* KCR_REC_MM */
struct kcr_rec_mm {
	struct kcr_hdr h;
	__u32 objid;
	__u32 nr_vmas;
	__u64 start_code, end_code, start_data, end_data;
	__u64 start_brk, brk, start_stack;
	__u64 arg_start, arg_end, env_start, env_end;
	__u64 vdso;		/* address of the vDSO text, 0 if none */
	/*
	 * KCR_CHECKPOINT_HOSTINFO: physical address of the page-table root
	 * (x86_64: the PGD, what CR3 points to); else 0.  Ignored by restart.
	 */
	__u64 pgd_phys;
};

/*
 * KCR_REC_GROUPS: supplementary groups (in the checkpointer's user
 * namespace, ascending), followed by ngroups __u32 gids and zero padding
 * to a multiple of 8.  restart() applies them, with the task record's
 * uids and gids, only if the caller may: every id must map in its user
 * namespace and be one of its own, or it needs CAP_SETUID/CAP_SETGID.
 */
struct kcr_rec_groups {
	struct kcr_hdr h;
	__u32 ngroups;		/* 0 .. KCR_NGROUPS_MAX */
	__u32 __pad;
};

#define KCR_NGROUPS_MAX		65536

/* KCR_REC_RLIMITS: getrlimit() of every resource, RLIMIT_CPU first. */
#define KCR_RLIM_NLIMITS	16

struct kcr_rlimit {
	__u64 cur;		/* ~0: RLIM_INFINITY */
	__u64 max;
};

struct kcr_rec_rlimits {
	struct kcr_hdr h;
	__u32 nr;		/* KCR_RLIM_NLIMITS */
	__u32 __pad;
	struct kcr_rlimit rlim[KCR_RLIM_NLIMITS];
};

/*
 * KCR_REC_SIGHAND: the disposition of every signal, action[n - 1] for
 * signal n.  flags are x86_64 SA_* bits (SA_RESTORER etc.); handler 0 is
 * SIG_DFL, 1 is SIG_IGN.
 */
#define KCR_NSIG		64

struct kcr_sigaction {
	__u64 handler;
	__u64 flags;
	__u64 restorer;
	__u64 mask;		/* bit n-1 = signal n */
};

struct kcr_rec_sighand {
	struct kcr_hdr h;
	__u32 objid;
	__u32 nr;		/* KCR_NSIG */
	struct kcr_sigaction action[KCR_NSIG];
};

/*
 * KCR_REC_SIGPENDING: one pending signal with its siginfo, as
 * rt_sigtimedwait() would return it.  Signals of one queue appear in
 * queue order.  restart() queues it again to the restored task.
 */
#define KCR_SIGINFO_SIZE	128

struct kcr_rec_sigpending {
	struct kcr_hdr h;
	__u32 queue;		/* KCR_SIGQ_* */
	__s32 signo;		/* 1 .. KCR_NSIG, not SIGKILL or SIGSTOP */
	__s32 code;		/* si_code; a copy of siginfo's */
	__u32 __pad;
	__u8 siginfo[KCR_SIGINFO_SIZE];	/* siginfo_t */
};

#define KCR_SIGQ_TASK		0	/* the thread's own queue */
#define KCR_SIGQ_SHARED		1	/* the process-wide queue */

/*
 * KCR_REC_FILE: an open file, followed by path_len bytes of path
 * (NUL-terminated, absolute, as seen from the checkpointer's root) and
 * zero padding to a multiple of 8.  Pipes have no path (path_len 0) and
 * refer to a KCR_REC_PIPE.  A FIFO may refer to one too: the data
 * buffered in it, which restart() writes into the reopened FIFO (after
 * what it may hold already) when it opens the first file of that FIFO.
 * restart() reopens the path with the caller's permissions and checks
 * that it finds the same object: for regular files ino, mode, size and
 * mtime; for directories and FIFOs ino and mode; for character devices
 * mode and rdev.
 *
 * Shared memory without a name in the filesystem (a memfd, the object
 * behind a MAP_SHARED | MAP_ANONYMOUS mapping) is a KCR_FILE_SHMEM
 * object: its "path" is its name ("memfd:x", "dev/zero"), size its size,
 * and its contents follow as KCR_REC_PAGES records whose addr is the
 * byte offset in the object.  restart() creates a new object.
/* @ghost */
 *
 * A regular file deleted while open (and with no other name) is a
 * KCR_FILE_GHOST object, as CRIU's ghost files: path is where it was,
 * ino, mode, size and mtime as for a regular file, and its contents (at
 * most KCR_GHOST_MAX bytes) follow as KCR_REC_PAGES records of its
 * non-zero pages, addr being the byte offset.  restart() creates an
 * unnamed file (O_TMPFILE) of that mode and size in the directory the
 * path names, with the image's credentials, and writes the pages.
/* @end */
/* @ghost-dir */
 *
 * A directory deleted while in use (a cwd, an open directory) is a
 * KCR_FILE_GHOST_DIR object: path is where it was, ino and mode as for a
 * directory, size 0, opened read-only.  A deleted directory is empty
 * and stays so.  restart() makes a directory of that mode next to the
 * path, with the image's credentials, opens it and removes it again.
/* @end */
 */
struct kcr_rec_file {
	struct kcr_hdr h;
	__u32 objid;
	__u32 f_flags;		/* O_* flags, within KCR_FILE_FLAGS_ALL */
	__u64 ino;		/* identity, checked on restart */
	__u64 size;
	__s64 mtime_sec;
	__u32 mtime_nsec;
	__u32 mode;
	__u32 path_len;		/* including the NUL; 0 for pipes */
	__u32 kind;		/* KCR_FILE_* */
	__s64 pos;		/* file position */
	__u32 rdev;		/* character devices: major << 20 | minor */
	__u32 pipe_ref;		/* pipes, FIFOs: objid of a KCR_REC_PIPE */
};

#define KCR_PATH_MAX		4096

#define KCR_FILE_REG		1	/* regular file */
#define KCR_FILE_DIR		2	/* directory */
#define KCR_FILE_FIFO		3	/* named pipe, reopened by path */
#define KCR_FILE_PIPE		4	/* one end of an anonymous pipe */
#define KCR_FILE_CHR		5	/* /dev/null, /dev/zero, a tty, ... */
#define KCR_FILE_SHMEM		6	/* memfd, shared anonymous memory */
/* @ghost */
#define KCR_FILE_GHOST		7	/* a regular file deleted while open */

#define KCR_GHOST_MAX		(64U << 20)	/* bytes of a ghost file */
/* @end */
/* @ghost-dir */
#define KCR_FILE_GHOST_DIR	8	/* a directory deleted while in use */
/* @end */
/* @eventfd */
/*
 * Kinds from KCR_FILE_EVENTFD on are files of no filesystem path (anonymous
 * inodes): their record has no path (path_len 0), ino, size, mtime and
 * rdev are 0, and the record of the kind's own state follows it at once.
 */
#define KCR_FILE_EVENTFD	9	/* eventfd(2): a KCR_REC_EVENTFD follows */
/* @end */
/* @signalfd */
#define KCR_FILE_SIGNALFD	10	/* signalfd(2): a KCR_REC_SIGNALFD follows */
/* @end */
/* @timerfd */
#define KCR_FILE_TIMERFD	11	/* timerfd(2): a KCR_REC_TIMERFD follows */
/* @end */
/* @epoll */
#define KCR_FILE_EPOLL		12	/* epoll(7): a KCR_REC_EPOLL follows */
/* @end */
/* @proc */
/*
 * A file or directory of /proc, with a path all the same: one of the
 * process's own /proc/PID directory, saved as /proc/self/..., in any
 * access mode, or one outside any process's directory, read-only.  ino,
 * size and mtime are 0; restart reopens it by path in the same pid
 * namespace, and a regular file once more after the address space.
 */
#define KCR_FILE_PROC		13	/* a file of /proc, reopened by path */
/* @end */
/* @inotify */
#define KCR_FILE_INOTIFY	14	/* inotify(7): a KCR_REC_INOTIFY follows */
/* @end */
/* @unix */
#define KCR_FILE_UNIX		15	/* AF_UNIX socket: a KCR_REC_UNIX follows */
/* @end */
/* @inet */
#define KCR_FILE_INET		16	/* TCP or UDP socket: a KCR_REC_INET follows */
/* @end */

/* @until opath */
/*
 * O_* flags kept (x86_64 values): O_ACCMODE, O_APPEND, O_NONBLOCK,
 * O_DSYNC, O_DIRECT, O_LARGEFILE, O_NOATIME, __O_SYNC.
 */
#define KCR_FILE_FLAGS_ALL	0x14dc03U
/* @end */
/* @opath */
/*
 * O_* flags kept (x86_64 values): O_ACCMODE, O_APPEND, O_NONBLOCK,
 * O_DSYNC, O_DIRECT, O_LARGEFILE, O_NOATIME, __O_SYNC, O_PATH (a
 * descriptor that only names the file: restart opens it with O_PATH,
 * which needs no permission on the file itself).
 */
#define KCR_FILE_FLAGS_ALL	0x34dc03U
/* @end */

/*
 * KCR_REC_PIPE: an anonymous pipe, followed by its buffered data
 * (nr_bytes, zero-padded to a multiple of 8).  Its ends are
 * KCR_REC_FILE records with kind KCR_FILE_PIPE.
 */
struct kcr_rec_pipe {
	struct kcr_hdr h;
	__u32 objid;
	__u32 size;		/* capacity in bytes (F_GETPIPE_SZ) */
	__u32 nr_bytes;		/* buffered data, at most size */
	__u32 __pad;
};

/* @until ghost-dir */
/* KCR_REC_FS: references to KCR_FILE_DIR file objects. */
/* @end */
/* @ghost-dir */
/* KCR_REC_FS: references to KCR_FILE_DIR or KCR_FILE_GHOST_DIR objects. */
/* @end */
struct kcr_rec_fs {
	struct kcr_hdr h;
	__u32 umask;
	__u32 root_ref;
	__u32 cwd_ref;
	__u32 __pad;
};

/* KCR_REC_FDTABLE: followed by nr_fds KCR_REC_FD records. */
struct kcr_rec_fdtable {
	struct kcr_hdr h;
	__u32 objid;
	__u32 nr_fds;
};

/* KCR_REC_FD: one file descriptor. */
struct kcr_rec_fd {
	struct kcr_hdr h;
	__u32 fd;		/* ascending, below RLIMIT_NOFILE's cur */
	__u32 flags;		/* KCR_FD_* */
	__u32 file_ref;		/* objid of a KCR_REC_FILE */
	__u32 __pad;
};

#define KCR_FD_CLOEXEC		(1U << 0)
#define KCR_FD_FLAGS_ALL	KCR_FD_CLOEXEC

/* KCR_REC_VMA */
struct kcr_rec_vma {
	struct kcr_hdr h;
	__u64 start;
	__u64 end;
	__u64 pgoff;		/* in pages, file mappings only */
	__u32 prot;		/* PROT_READ | PROT_WRITE | PROT_EXEC */
	__u32 flags;		/* KCR_VMA_* */
	__u32 file_ref;		/* objid of a KCR_REC_FILE, or 0 */
	__u32 __pad;
};

/*
 * KCR_VMA_SHARED: MAP_SHARED of a regular file (its pages live in the
/* @until ghost */
 * file and are not in the image) or of a KCR_FILE_SHMEM object.
/* @end */
/* @ghost */
 * file and are not in the image), of a KCR_FILE_SHMEM object or of a
 * KCR_FILE_GHOST file.
/* @end */
 */
#define KCR_VMA_SHARED		(1U << 0)
#define KCR_VMA_GROWSDOWN	(1U << 1)
#define KCR_VMA_VDSO		(1U << 2)	/* the vDSO text */
#define KCR_VMA_VVAR		(1U << 3)	/* the vDSO data page(s) */
#define KCR_VMA_DONTFORK	(1U << 4)
#define KCR_VMA_DONTDUMP	(1U << 5)
#define KCR_VMA_WIPEONFORK	(1U << 6)
#define KCR_VMA_HEAP		(1U << 7)	/* contains [start_brk, brk) */
#define KCR_VMA_STACK		(1U << 8)	/* contains start_stack */
/* @until mlock */
#define KCR_VMA_FLAGS_ALL	((1U << 9) - 1)
/* @end */
/* @mlock */
#define KCR_VMA_LOCKED		(1U << 9)	/* mlock() */
#define KCR_VMA_LOCKONFAULT	(1U << 10)	/* mlock2(MLOCK_ONFAULT) */
/* @end */
/* @mlock */
/* @until droppable */
#define KCR_VMA_FLAGS_ALL	((1U << 11) - 1)
/* @end */
/* @end */
/* @droppable */
#define KCR_VMA_DROPPABLE	(1U << 11)	/* MAP_DROPPABLE */
/* @until cow */
#define KCR_VMA_FLAGS_ALL	((1U << 12) - 1)
/* @end */
/* @end */
/* @cow */
#define KCR_VMA_COW		(1U << 12)	/* the parent's, copied by fork() */
#define KCR_VMA_FLAGS_ALL	((1U << 13) - 1)
/* @end */

/*
 * KCR_REC_PAGES: nr_pages contiguous pages starting at addr, followed by
 * their contents (nr_pages * page_size bytes).  Pages belong to the
 * preceding KCR_REC_VMA and lie inside it, in ascending order; or to the
/* @until ghost */
 * preceding KCR_FILE_SHMEM file object, addr being an offset in it.
/* @end */
/* @ghost */
 * preceding KCR_FILE_SHMEM or KCR_FILE_GHOST file object, addr being an
 * offset in it.
/* @end */
 * Shared mappings have no pages of their own.
 */
struct kcr_rec_pages {
	struct kcr_hdr h;
	__u64 addr;
	__u32 nr_pages;		/* 1 .. KCR_PAGES_MAX */
	__u32 __pad;
};
/* @cow */

/*
 * Pages a process and its parent still share copy-on-write, as fork()
 * left them (both processes in the tree, the parent's section first).
 * KCR_REC_MM_FORK, right after the child's KCR_REC_MM: its address space
 * starts as a copy of the parent's restored one, made as fork() makes it.
 * A KCR_VMA_COW mapping (private, not grows-down, dontfork or wipeonfork)
 * is the one the copy has at that range: the parent has one there with
 * the same range, protection, flags, file object and offset, which
 * fork() copied.
 * Its pages are then either its own (KCR_REC_PAGES) or still the
 * parent's at the same addresses (KCR_REC_COW_PAGES: a struct
 * kcr_rec_pages without contents, h.len == sizeof(struct kcr_rec_pages));
 * any other page of it is none, as the rest of the copy.
 */
struct kcr_rec_mm_fork {
	struct kcr_hdr h;
	__s32 ppid;		/* the parent, whose address space is copied */
	__u32 __pad;
};
/* @end */

/* @eventfd */
/*
 * KCR_REC_EVENTFD: the state of the KCR_FILE_EVENTFD file whose record it
 * follows.  count is below 2^64 - 1, as write() keeps it; the file is
 * O_RDWR, O_NONBLOCK kept in its f_flags as for any file.
 */
struct kcr_rec_eventfd {
	struct kcr_hdr h;
	__u64 count;
	__u32 flags;		/* KCR_EFD_* */
	__u32 __pad;
};

#define KCR_EFD_SEMAPHORE	0x1	/* EFD_SEMAPHORE */

/* @end */
/* @signalfd */
/*
 * KCR_REC_SIGNALFD: the signals the KCR_FILE_SIGNALFD file it follows
 * accepts, bit n - 1 for signal n; never SIGKILL or SIGSTOP.  What it
 * reads are the reader's pending signals, saved with the reader.
 */
struct kcr_rec_signalfd {
	struct kcr_hdr h;
	__u64 mask;
};

/* @end */
/* @timerfd */
/*
 * KCR_REC_TIMERFD: the state of the KCR_FILE_TIMERFD file it follows.
 * clockid is CLOCK_REALTIME, CLOCK_MONOTONIC or CLOCK_BOOTTIME (the alarm
 * clocks are refused).  value_ns is the time left until the next
 * expiry, 0 if disarmed; for an absolute CLOCK_REALTIME timer
 * (KCR_TFD_ABSTIME) it is that expiry, in ns since the epoch.  restart
 * arms the timer for the time left counted from the restart (however
 * long the checkpoint lasted), or at the absolute expiry.  ticks are the
 * expirations not read yet.
 */
struct kcr_rec_timerfd {
	struct kcr_hdr h;
	__u32 clockid;
	__u32 flags;		/* KCR_TFD_* */
	__s64 value_ns;
	__s64 interval_ns;
	__u64 ticks;
};

#define KCR_TFD_ABSTIME		0x1	/* TFD_TIMER_ABSTIME */
#define KCR_TFD_CANCEL_ON_SET	0x2	/* TFD_TIMER_CANCEL_ON_SET */

/* @end */
/* @epoll */
/*
 * KCR_REC_EPOLL: the interest list of the KCR_FILE_EPOLL file it follows,
 * nr_items struct kcr_epoll_item in the kernel's order.  Each names the
 * file it watches (an earlier FILE object: checkpoint writes the targets
 * before the epoll, an epoll it watches included) and the fd number it
 * was added as, which need not be open any more.  events are as the
 * kernel keeps them: EPOLLERR and EPOLLHUP as EPOLL_CTL_ADD adds them,
 * none but the EPOLLONESHOT/EPOLLET/EPOLLEXCLUSIVE bits for a one-shot
 * item that fired; EPOLLWAKEUP is refused.  KCR_EPOLL_READY: the item was
 * on the ready list (an edge-triggered event not reported yet).
 */
struct kcr_epoll_item {
	__u32 file_ref;
	__s32 fd;
	__u32 events;
	__u32 flags;		/* KCR_EPOLL_* */
	__u64 data;
};

#define KCR_EPOLL_READY		0x1

struct kcr_rec_epoll {
	struct kcr_hdr h;
	__u32 nr_items;		/* 0 .. KCR_EPOLL_MAX */
	__u32 __pad;
};

#define KCR_EPOLL_MAX		16384

/* @end */
/* @itimers */
/*
 * KCR_REC_ITIMERS: the interval timers of a process (setitimer(2);
 * alarm() is ITIMER_REAL), it[ITIMER_REAL], it[ITIMER_VIRTUAL],
 * it[ITIMER_PROF], as getitimer() shows them: value_ns is the time left
 * (wall-clock time for ITIMER_REAL, CPU time of the process for the
 * others), 0 if disarmed.  Written only when one is armed.  restart arms
 * each for the time it had left, counted from the restart.
 */
struct kcr_itimer {
	__s64 value_ns;
	__s64 interval_ns;
};

struct kcr_rec_itimers {
	struct kcr_hdr h;
	struct kcr_itimer it[3];
};

/* @end */
/* @ptimers */
/*
 * KCR_REC_PTIMERS: the POSIX timers of a process (timer_create(2)),
 * written when it has one or ever made one; nr KCR_REC_PTIMER records
 * follow, by increasing id.  next_id is the id the next timer_create()
 * tries first, so that timers made after restart get the same ids.
 */
struct kcr_rec_ptimers {
	struct kcr_hdr h;
	__u32 nr;		/* <= KCR_PTIMERS_MAX */
	__s32 next_id;		/* 0 .. INT_MAX */
};

#define KCR_PTIMERS_MAX		4096

/*
 * KCR_REC_PTIMER: one POSIX timer, restarted with the same id.  clock is
 * CLOCK_REALTIME, CLOCK_MONOTONIC, CLOCK_BOOTTIME or CLOCK_TAI (timers
 * on CPU-time and alarm clocks are refused); notify, signo, tid and
 * sigval are the sigevent (tid: the thread of the process that
 * SIGEV_THREAD_ID names).  value_ns is the time left, 0 if disarmed,
 * counted from the restart; with KCR_PTIMER_ABS (armed with TIMER_ABSTIME
 * on CLOCK_REALTIME) it is the wall-clock time of expiry instead.
 * overrun_last is what timer_getoverrun() returns, overrun what the next
 * signal will add (-1: none).  KCR_PTIMER_ACTIVE: the timer runs (an
 * interval timer whose signal waits to be delivered does not: delivery
 * rearms it).  KCR_PTIMER_PENDING: the timer's signal is queued and not
 * yet delivered, with sig_overrun as its si_overrun; restart queues it
 * again.
 */
struct kcr_rec_ptimer {
	struct kcr_hdr h;
	__s32 id;		/* 0 .. INT_MAX */
	__s32 clock;
	__s32 notify;		/* SIGEV_SIGNAL, _NONE, _THREAD, _THREAD_ID */
	__s32 signo;		/* 1 .. KCR_NSIG unless SIGEV_NONE */
	__s32 tid;		/* SIGEV_THREAD_ID only, else 0 */
	__u32 flags;		/* KCR_PTIMER_* */
	__s32 sig_overrun;	/* >= 0, 0 unless KCR_PTIMER_PENDING */
	__u32 __pad;
	__u64 sigval;		/* sigev_value */
	__s64 value_ns;
	__s64 interval_ns;
	__s64 overrun;		/* >= -1 */
	__s64 overrun_last;	/* >= 0 */
};

#define KCR_PTIMER_ABS		0x1
#define KCR_PTIMER_ACTIVE	0x2
#define KCR_PTIMER_PENDING	0x4
#define KCR_PTIMER_FLAGS	0x7

/* @end */
/* @locks */
/*
 * KCR_REC_LOCK: a file lock, after the process's fd table, on the open
 * file file_ref (a FILE object that one of its descriptors refers to):
 * kind KCR_LOCK_POSIX, a record lock of the process (fcntl(F_SETLK));
 * KCR_LOCK_OFD, an open file description lock (F_OFD_SETLK); or
 * KCR_LOCK_FLOCK, a flock() lock.  OFD and flock() locks belong to the
 * open file: each process that has it open writes them, and taking one
 * again is harmless.  type is F_RDLCK or F_WRLCK; the lock covers bytes
 * start..end, end included (end OFFSET_MAX: to the end of the file;
 * flock(): the whole file).  Restart takes each again without waiting.
 */
struct kcr_rec_lock {
	struct kcr_hdr h;
	__u32 file_ref;
	__u32 kind;		/* KCR_LOCK_* */
	__u32 type;		/* F_RDLCK or F_WRLCK */
	__u32 __pad;
	__s64 start;		/* >= 0 */
	__s64 end;		/* >= start */
};

#define KCR_LOCK_POSIX		1
#define KCR_LOCK_OFD		2
#define KCR_LOCK_FLOCK		3
#define KCR_LOCKS_MAX		1024	/* per process */

/* @end */
/* @fown */
/*
 * KCR_REC_FOWN: signal-driven I/O on the open file file_ref (a FILE
 * object one of the process's descriptors refers to), after its LOCK
 * records, once per file and process, when the file has O_ASYNC, an
 * owner or a signal: KCR_FOWN_ASYNC (O_ASYNC is set: restart sets it
 * through the file's lowest descriptor, which SIGIO's si_fd then
 * names), the owner pid of type F_OWNER_TID, F_OWNER_PID or
 * F_OWNER_PGRP (F_SETOWN_EX; pid 0: none), and signum (F_SETSIG; 0:
 * SIGIO).  An owner that is the process itself names the restarting
 * process.
 */
struct kcr_rec_fown {
	struct kcr_hdr h;
	__u32 file_ref;
	__u32 flags;		/* KCR_FOWN_* */
	__s32 pid;		/* >= 0 */
	__u32 type;		/* F_OWNER_*; 0 when pid is 0 */
	__s32 signum;		/* 0 .. KCR_NSIG */
	__u32 __pad;
};

#define KCR_FOWN_ASYNC		0x1

/* @end */
/* @seals */
/*
 * KCR_REC_SEALS: the seals of a KCR_FILE_SHMEM file (memfd_create(2)
 * with MFD_ALLOW_SEALING, F_ADD_SEALS), right after its contents, when
 * they are not F_SEAL_SEAL alone (a file never made sealable): F_SEAL_*
 * bits, 0 for a sealable file with no seal.  restart sets them once the
 * whole image is restored.
 */
struct kcr_rec_seals {
	struct kcr_hdr h;
	__u32 file_ref;		/* the FILE object */
	__u32 seals;		/* F_SEAL_* */
};

/* @end */
/* @inotify */
/*
 * KCR_REC_INOTIFY: the KCR_FILE_INOTIFY file it follows (read-only, as
 * inotify_init1() opens it) has nr_watches watches, a
 * KCR_REC_INOTIFY_WATCH each, then nr_events events queued and not read,
 * a KCR_REC_INOTIFY_EVENT each, oldest first.  cursor is where the search
 * for the next watch descriptor starts, so that inotify_add_watch()
 * after restart returns what it would have.
 */
struct kcr_rec_inotify {
	struct kcr_hdr h;
	__u32 nr_watches;	/* 0 .. KCR_INOTIFY_WATCHES_MAX */
	__u32 nr_events;	/* 0 .. KCR_INOTIFY_EVENTS_MAX */
	__s32 cursor;		/* >= 0 */
	__u32 pad;
};

#define KCR_INOTIFY_WATCHES_MAX	65536
/* A full queue of the default size (16384) and its IN_Q_OVERFLOW. */
#define KCR_INOTIFY_EVENTS_MAX	16385

/*
 * KCR_REC_INOTIFY_WATCH: a watch of the inode at path (path_len bytes
 * with the NUL, then zeros to a multiple of 8), found through a mount of
 * the checkpointing process's mount namespace; restart looks it up
 * without following a last symlink and checks that it is still inode
 * ino.  mask is as inotify_add_watch() took it: IN_ALL_EVENTS bits (one
 * at least), IN_EXCL_UNLINK, IN_ONESHOT.  wd is the watch descriptor,
 * unique in the file.
 */
struct kcr_rec_inotify_watch {
	struct kcr_hdr h;
	__s32 wd;		/* > 0 */
	__u32 mask;
	__u64 ino;
	__u32 path_len;		/* 2 .. KCR_PATH_MAX, the path is absolute */
	__u32 pad;
};

#define KCR_INOTIFY_WATCH_MASK	0x84000fffU	/* IN_ALL_EVENTS, EXCL, ONESHOT */

/*
 * KCR_REC_INOTIFY_EVENT: a queued event as read() returns it: wd (that of
 * a watch that may be gone since, or -1 with IN_Q_OVERFLOW alone), mask
 * (IN_ALL_EVENTS, IN_UNMOUNT, IN_Q_OVERFLOW, IN_IGNORED, IN_ISDIR),
 * cookie, and name_len bytes of name without a NUL (0 .. 255), then zeros
 * to a multiple of 8.
 */
struct kcr_rec_inotify_event {
	struct kcr_hdr h;
	__s32 wd;
	__u32 mask;
	__u32 cookie;
	__u32 name_len;
};

#define KCR_INOTIFY_EVENT_MASK	0x4000efffU

/* @end */
/* @tty */
/*
 * KCR_REC_TTY: the terminal of the KCR_FILE_CHR file it follows, when that
 * is a terminal (a serial port or other major 4 device, a pty slave of
 * majors 136-143, hvc (229), /dev/console): its termios and its window
 * size, set again once the file is reopened.  Every FILE record of a
 * terminal has one (with the same values).  The line discipline must be
 * N_TTY (0); the flags hold no bit the kernel does not define.
 */
struct kcr_rec_tty {
	struct kcr_hdr h;
	__u32 c_iflag;		/* within KCR_TTY_IFLAGS */
	__u32 c_oflag;		/* within KCR_TTY_OFLAGS */
	__u32 c_cflag;
	__u32 c_lflag;		/* within KCR_TTY_LFLAGS */
	__u8 c_line;
	__u8 c_cc[19];
	__u32 c_ispeed;
	__u32 c_ospeed;
	__u16 ws_row;
	__u16 ws_col;
	__u16 ws_xpixel;
	__u16 ws_ypixel;
	__u32 pad;
};

#define KCR_TTY_IFLAGS		0x7fffU		/* IGNBRK .. IUTF8 */
#define KCR_TTY_OFLAGS		0xffffU		/* OPOST .. FFDLY */
#define KCR_TTY_LFLAGS		0x1ffffU	/* ISIG .. EXTPROC */

/* @end */
/* @ctty */
/*
 * KCR_REC_CTTY: the controlling terminal of the process, after its FOWN
 * records; none if it has no controlling terminal.  file_ref is a
 * KCR_FILE_CHR object of the terminal (one of an open file of it, which
 * checkpoint writes with the process's other objects if no fd of the
 * image has it).  sid is the session the terminal belongs to, fg_pgrp
 * its foreground process group (0: none).  Restart gives the process
 * the terminal only if it is in session sid again: the session leader
 * makes it the session's terminal with that foreground group, a member
 * takes it as fork() gives it.
 */
struct kcr_rec_ctty {
	struct kcr_hdr h;
	__u32 file_ref;
	__s32 sid;		/* > 0 */
	__s32 fg_pgrp;		/* >= 0 */
	__u32 pad;
};

/* @end */
/* @unix */
/*
 * KCR_REC_UNIX: the state of the AF_UNIX socket of the KCR_FILE_UNIX
 * FILE record it follows (read-write, mode S_IFSOCK | permissions).  Its
 * connection and its queue are not part of it: they come in a
 * KCR_REC_UNIX_QUEUE once every socket they name is defined.  Fields
 * marked (*) are for later kinds of state and must be 0 here.
 */
struct kcr_rec_unix {
	struct kcr_hdr h;
	__u32 type;		/* SOCK_STREAM 1, SOCK_DGRAM 2, SOCK_SEQPACKET 5 */
/* @until unix-listen */
	__u32 state;		/* TCP_ESTABLISHED 1 or TCP_CLOSE 7 */
/* @end */
/* @unix-listen */
	__u32 state;		/* TCP_ESTABLISHED 1, TCP_CLOSE 7, TCP_LISTEN 10 */
/* @end */
	__u32 flags;		/* KCR_UNIX_* */
	__u32 shutdown;		/* RCV_SHUTDOWN 1 | SEND_SHUTDOWN 2 */
	__s32 err;		/* pending SO_ERROR, 0 .. 4095 */
	__s32 peek_off;		/* SO_PEEK_OFF, -1: off */
/* @until unix-listen */
	__u32 backlog;		/* sk_max_ack_backlog (datagram queue limit) */
/* @end */
/* @unix-listen */
	__u32 backlog;		/* listen() backlog, or datagram queue limit */
/* @end */
	__u32 sndbuf;		/* SO_SNDBUF as getsockopt() reports it */
	__u32 rcvbuf;		/* SO_RCVBUF as getsockopt() reports it */
	__u32 userlocks;	/* KCR_UNIX_SNDBUF_LOCK | KCR_UNIX_RCVBUF_LOCK */
	__u32 rcvlowat;		/* SO_RCVLOWAT, >= 1 */
	__u32 linger;		/* SO_LINGER seconds, with KCR_UNIX_LINGER */
	__u64 rcvtimeo_us;	/* SO_RCVTIMEO, 0: none */
	__u64 sndtimeo_us;	/* SO_SNDTIMEO, 0: none */
	__u32 ino_mode;		/* the socket inode: S_IFSOCK | permissions */
	__u32 ino_uid;		/* its owner */
	__u32 ino_gid;
	__s32 peer_pid;		/* SO_PEERCRED, with KCR_UNIX_PEERCRED */
	__u32 peer_uid;
	__u32 peer_gid;
	__u32 peer_ngroups;	/* (*) */
/* @until unix-name */
	__u32 addr_len;		/* (*) its name */
	__u8 addr[112];		/* (*) */
	__u64 node_ino;		/* (*) */
	__u32 node_mode;	/* (*) */
	__u32 node_uid;		/* (*) */
	__u32 node_gid;		/* (*) */
	__u32 node_len;		/* (*) */
/* @end */
/* @unix-name */
	__u32 addr_len;		/* its name: 0, or sockaddr_un bytes */
	__u8 addr[112];		/* struct sockaddr_un, as getsockname() */
	__u64 node_ino;		/* bound to a path: its socket file */
	__u32 node_mode;	/* S_IFSOCK | permissions */
	__u32 node_uid;
	__u32 node_gid;
	__u32 node_len;		/* its absolute path, with the NUL */
/* @end */
};

/* @unix-name */
/*
 * A name (addr_len > 0) is the socket's own with KCR_UNIX_BOUND (bind()
 * or autobind: restart binds it again), else its listener's (a stream or
 * seqpacket socket that accept() made: the name only shows).  A socket
 * bound to a path (addr's sun_path not starting with a NUL) has its
 * socket file node_*, whose absolute path (node_len bytes) follows the
 * record, padded to 8: restart takes that file again if it is still the
 * same (inode number), else makes it again where it was missing.
 */
#define KCR_UNIX_BOUND		0x1	/* the name is its own */
/* @end */

#define KCR_UNIX_PEERCRED	0x10	/* peer_pid/uid/gid are set */
#define KCR_UNIX_OOBINLINE	0x20	/* SO_OOBINLINE */
#define KCR_UNIX_KEEPALIVE	0x40	/* SO_KEEPALIVE */
#define KCR_UNIX_LINGER		0x80	/* SO_LINGER on */
/* @until unix-name */
#define KCR_UNIX_FLAGS_ALL	0xf0U
/* @end */
/* @unix-name */
/* @until unix-passcred */
#define KCR_UNIX_FLAGS_ALL	0xf1U
/* @end */
/* @end */
/* @unix-passcred */
#define KCR_UNIX_PASSCRED	0x2	/* SO_PASSCRED */
#define KCR_UNIX_PASSPIDFD	0x4	/* SO_PASSPIDFD */
#define KCR_UNIX_FLAGS_ALL	0xf7U
/* @end */

#define KCR_UNIX_SNDBUF_LOCK	0x1
#define KCR_UNIX_RCVBUF_LOCK	0x2

/* @unix-queue */
/*
 * KCR_REC_UNIX_QUEUE: the connection of socket file_ref (a KCR_FILE_UNIX
 * object of this section, one QUEUE each) and its receive queue, the
 * nr_skbs KCR_REC_UNIX_SKB records that follow, oldest first, bytes in
 * all.  peer is KCR_UNIX_PEER_NONE, KCR_UNIX_PEER_FILE (peer_ref: a
 * socket of the image of the same type; a stream or seqpacket pair names
 * each other) or KCR_UNIX_PEER_DEAD (the peer was closed: a stream
 * socket then reads its queue, then end of file).
 */
struct kcr_rec_unix_queue {
	struct kcr_hdr h;
	__u32 file_ref;
	__u32 peer;		/* KCR_UNIX_PEER_* */
	__u32 peer_ref;		/* KCR_UNIX_PEER_FILE: the peer's object */
/* @until unix-external */
	__u32 peer_addr_len;	/* (*) */
/* @end */
/* @unix-external */
	__u32 peer_addr_len;	/* KCR_UNIX_PEER_EXTERNAL: its name */
/* @end */
/* @until unix-listen */
	__u32 nr_embryos;	/* (*) */
/* @end */
/* @unix-listen */
	__u32 nr_embryos;	/* a listener's: <= backlog + 1 */
/* @end */
	__u32 nr_skbs;		/* <= KCR_UNIX_QUEUE_SKBS */
	__u64 bytes;		/* <= KCR_UNIX_QUEUE_BYTES */
/* @until unix-external */
	__u8 peer_addr[112];	/* (*) */
/* @end */
/* @unix-external */
	__u8 peer_addr[112];	/* struct sockaddr_un */
/* @end */
};

#define KCR_UNIX_PEER_NONE	0
#define KCR_UNIX_PEER_FILE	1
/* @unix-listen */
#define KCR_UNIX_PEER_EMBRYO	2
/* @end */
#define KCR_UNIX_PEER_DEAD	3
/* @unix-external */
#define KCR_UNIX_PEER_EXTERNAL	4	/* peer_addr: connect() to it again */
/* @end */

#define KCR_UNIX_QUEUE_SKBS	65536
#define KCR_UNIX_QUEUE_BYTES	(64ULL << 20)

/* @unix-listen */
/*
 * A listening socket (state TCP_LISTEN, bound) has no peer and no buffers
 * of its own: its QUEUE record is followed by nr_embryos connections that
 * were not accepted yet, oldest first, each a KCR_REC_UNIX_EMBRYO and its
 * nr_skbs KCR_REC_UNIX_SKB records (the data the connecting socket sent).
 * peer: KCR_UNIX_PEER_FILE, the connecting socket (peer_ref, a socket of
 * the image of the listener's type, whose own QUEUE record has peer
 * KCR_UNIX_PEER_EMBRYO and names the listener; one embryo each), or
 * KCR_UNIX_PEER_DEAD (it was closed: accept() then reads the data, then
 * end of file).  shutdown and SO_PEERCRED are the embryo's, as accept()
 * will return them.
 */
struct kcr_rec_unix_embryo {
	struct kcr_hdr h;
	__u32 peer;		/* KCR_UNIX_PEER_FILE or KCR_UNIX_PEER_DEAD */
	__u32 peer_ref;		/* KCR_UNIX_PEER_FILE: the connecting socket */
	__u32 shutdown;		/* RCV_SHUTDOWN 1 | SEND_SHUTDOWN 2 */
	__u32 flags;		/* KCR_UNIX_PEERCRED */
	__s32 peer_pid;		/* SO_PEERCRED, with KCR_UNIX_PEERCRED */
	__u32 peer_uid;
	__u32 peer_gid;
	__u32 nr_skbs;		/* <= KCR_UNIX_QUEUE_SKBS */
	__u64 bytes;		/* <= KCR_UNIX_QUEUE_BYTES */
};

/* @end */

/*
 * KCR_REC_UNIX_SKB: one buffer of a receive queue, followed by its len
 * bytes not read yet (padded to 8).  Stream buffers may be merged where
 * a reader could not tell.  The credentials it carries (what
 * SCM_CREDENTIALS shows, with KCR_UNIX_SKB_CREDS): pid as seen by the
 * checkpointer, 0 for a process that is not in the image, and uid/gid.
 * sender_ref: for SOCK_DGRAM, the sending socket if it is in the image,
 * else 0.
 */
struct kcr_rec_unix_skb {
	struct kcr_hdr h;
	__u32 len;		/* <= KCR_UNIX_SKB_MAX */
	__u32 flags;		/* KCR_UNIX_SKB_* */
	__s32 pid;
	__u32 uid;
	__u32 gid;
/* @until unix-fds */
	__u32 nr_fds;		/* (*) */
/* @end */
/* @unix-fds */
	__u32 nr_fds;		/* files in flight, <= KCR_UNIX_SKB_FDS */
/* @end */
	__u32 sender_ref;
	__u32 sender_addr_len;	/* (*) */
};

#define KCR_UNIX_SKB_CREDS	0x1
#define KCR_UNIX_SKB_MAX	((1U << 20) - 2048)
/* @unix-fds */

/*
 * A buffer with files in flight (SCM_RIGHTS) has nr_fds object ids right
 * after its record, in the order the receiver gets them, padded to 8
 * bytes, before its data.  Each names a FILE object of the image defined
 * before the QUEUE record (or UNIX_EMBRYO) the buffer belongs to: the
 * file itself, shared with every other holder, as a Unix socket passing
 * itself, or an epoll set, is.
 */
#define KCR_UNIX_SKB_FDS	253	/* SCM_MAX_FD */
/* @end */
/* @end */

/* @end */
/* @sock */
/*
 * struct kcr_sockopts: the SOL_SOCKET state of a socket of a family other
 * than AF_UNIX, part of its family's record.  A buffer size counts only
 * with its lock flag (SO_SNDBUF or SO_RCVBUF was set; the size is as
 * getsockopt() reports it), else the kernel's default and autotuning
 * apply.
 */
struct kcr_sockopts {
	__u32 flags;		/* KCR_SO_* */
	__u32 shutdown;		/* RCV_SHUTDOWN 1 | SEND_SHUTDOWN 2 */
	__s32 err;		/* pending SO_ERROR, 0 .. 4095 */
	__s32 peek_off;		/* SO_PEEK_OFF, -1: off */
	__u32 sndbuf;		/* SO_SNDBUF, with KCR_SO_SNDBUF_LOCK */
	__u32 rcvbuf;		/* SO_RCVBUF, with KCR_SO_RCVBUF_LOCK */
	__u32 rcvlowat;		/* SO_RCVLOWAT, >= 1 */
	__u32 linger;		/* SO_LINGER seconds, with KCR_SO_LINGER */
	__u64 rcvtimeo_us;	/* SO_RCVTIMEO, 0: none */
	__u64 sndtimeo_us;	/* SO_SNDTIMEO, 0: none */
	__u32 ino_mode;		/* the socket inode: S_IFSOCK | permissions */
	__u32 ino_uid;		/* its owner, also the socket's (SO_REUSEPORT) */
	__u32 ino_gid;
	__u32 reserved;		/* 0 */
};

#define KCR_SO_SNDBUF_LOCK	0x1	/* SO_SNDBUF set */
#define KCR_SO_RCVBUF_LOCK	0x2	/* SO_RCVBUF set */
#define KCR_SO_REUSEADDR	0x4
#define KCR_SO_REUSEPORT	0x8
#define KCR_SO_KEEPALIVE	0x10
#define KCR_SO_LINGER		0x20	/* SO_LINGER on */
#define KCR_SO_OOBINLINE	0x40
#define KCR_SO_BROADCAST	0x80
#define KCR_SO_FLAGS_ALL	0xffU
/* @end */
/* @inet */

/*
 * KCR_REC_INET: the state of the TCP or UDP socket (IPv4 or IPv6) of the
 * KCR_FILE_INET FILE record it follows (read-write, mode S_IFSOCK |
 * permissions).  Addresses are in network byte order (IPv4: the first 4
 * bytes, the rest 0; an IPv6 socket's IPv4 peers are v4-mapped), ports in
 * host order.  A socket is bound when sport is not 0 or it has
 * KCR_INET_BIND_ADDR; restart binds it to saddr:sport (CAP_NET_BIND_SERVICE
 * as its process would need), then listens or connects it.  The TCP
/* @until udp-queue */
 * fields are 0 for UDP; those marked (*) are for later kinds of state and
 * must be 0 here.
/* @end */
/* @udp-queue */
 * fields are 0 for UDP.  A UDP socket's receive queue follows: nr_skbs
 * KCR_REC_INET_DGRAM records, oldest first, bytes in all.
/* @end */
/* @tcp-backlog */
 * A TCP listener's connections not accepted yet follow it, in accept()
 * order: nr_skbs times a KCR_REC_INET (KCR_INET_CONNECTED, the listener's
 * family and port, no file of its own) and its KCR_REC_TCP_CONN with its
 * data.  Restart queues them on the new listener for accept().
/* @end */
 */
struct kcr_rec_inet {
	struct kcr_hdr h;
	__u16 family;		/* AF_INET 2 or AF_INET6 10 */
	__u16 protocol;		/* IPPROTO_TCP 6 (SOCK_STREAM), IPPROTO_UDP 17 */
	__u32 state;		/* KCR_INET_* state */
	__u32 flags;		/* KCR_INET_* */
	__u32 backlog;		/* KCR_INET_LISTEN: listen()'s backlog */
	__u8 saddr[16];		/* the local address */
	__u8 daddr[16];		/* KCR_INET_CONNECTED: the peer's */
	__u16 sport;		/* the local port, 0: none */
	__u16 dport;		/* KCR_INET_CONNECTED: the peer's */
	__u32 tos;		/* IP_TOS, or IPV6_TCLASS */
	__s32 ttl;		/* IP_TTL, or IPV6_UNICAST_HOPS; -1: the default */
	__u32 pmtudisc;		/* IP_MTU_DISCOVER, or IPV6_MTU_DISCOVER */
	struct kcr_sockopts so;
	__u32 tcp_flags;	/* KCR_TCP_* */
	__u32 maxseg;		/* TCP_MAXSEG as set, 0: none */
	__u32 keepidle;		/* TCP_KEEPIDLE seconds, 0: net.ipv4's */
	__u32 keepintvl;	/* TCP_KEEPINTVL seconds, 0: net.ipv4's */
	__u32 keepcnt;		/* TCP_KEEPCNT, 0: net.ipv4's */
	__u32 user_timeout;	/* TCP_USER_TIMEOUT ms, 0: none */
	__u32 syncnt;		/* TCP_SYNCNT, 0: net.ipv4's */
	__s32 linger2;		/* TCP_LINGER2 seconds, -1: none, 0: net.ipv4's */
	__u32 window_clamp;	/* TCP_WINDOW_CLAMP, 0: none */
	__u32 notsent_lowat;	/* TCP_NOTSENT_LOWAT, 0: net.ipv4's */
	char congestion[16];	/* TCP_CONGESTION, NUL-terminated */
/* @until udp-queue */
	__u32 nr_skbs;		/* (*) */
	__u32 reserved;		/* 0 */
	__u64 bytes;		/* (*) */
/* @end */
/* @udp-queue */
/* @until tcp-backlog */
	__u32 nr_skbs;		/* UDP: datagrams queued, <= KCR_INET_QUEUE_DGRAMS */
/* @end */
/* @tcp-backlog */
	/*
	 * UDP: datagrams queued, <= KCR_INET_QUEUE_DGRAMS; KCR_INET_LISTEN:
	 * connections not accepted yet, <= backlog + 1 and KCR_INET_QUEUE_CONNS
	 */
	__u32 nr_skbs;
/* @end */
	__u32 reserved;		/* 0 */
	__u64 bytes;		/* UDP: their bytes, <= KCR_INET_QUEUE_BYTES */
/* @end */
};

/* state */
#define KCR_INET_CLOSE		7	/* TCP_CLOSE: a new socket, maybe bound */
#define KCR_INET_LISTEN		10	/* TCP_LISTEN: a TCP listener */
/* @until tcp-conn */
#define KCR_INET_CONNECTED	1	/* TCP_ESTABLISHED: a connected UDP socket */
/* @end */
/* @tcp-conn */
/*
 * TCP_ESTABLISHED: a connected UDP socket, or a TCP connection (a
 * KCR_REC_TCP_CONN follows)
 */
#define KCR_INET_CONNECTED	1
/* @end */

/* flags */
#define KCR_INET_BIND_ADDR	0x1	/* bind() named the address */
#define KCR_INET_BIND_PORT	0x2	/* bind() named the port */
#define KCR_INET_V6ONLY		0x4	/* IPV6_V6ONLY */
#define KCR_INET_FREEBIND	0x8	/* IP_FREEBIND */
#define KCR_INET_BIND_NO_PORT	0x10	/* IP_BIND_ADDRESS_NO_PORT */
#define KCR_INET_RECVERR	0x20	/* IP_RECVERR, or IPV6_RECVERR */
#define KCR_INET_FLAGS_ALL	0x3fU

/* tcp_flags */
#define KCR_TCP_NODELAY		0x1
#define KCR_TCP_CORK		0x2
#define KCR_TCP_FLAGS_ALL	0x3U
/* @udp-queue */

/*
 * KCR_REC_INET_DGRAM: a datagram of a UDP socket's receive queue, followed
 * by its len bytes (padded to 8).  family is the datagram's own: an IPv6
 * socket that takes IPv4 shows its AF_INET senders v4-mapped.  saddr and
 * sport are what recvfrom() returns; daddr is where it was sent.
 * Datagrams whose checksum was bad (recvmsg() would drop them), and those
 * that arrive while the checkpoint is written, are not in the image.
 */
struct kcr_rec_inet_dgram {
	struct kcr_hdr h;
	__u32 len;		/* <= KCR_INET_DGRAM_MAX */
	__u16 family;		/* AF_INET or AF_INET6 */
	__u16 sport;		/* the sender's port */
	__u8 saddr[16];		/* the sender's address */
	__u8 daddr[16];		/* the address it was sent to */
};

#define KCR_INET_DGRAM_MAX	65527	/* 65535 less the UDP header */
#define KCR_INET_QUEUE_DGRAMS	65536
#define KCR_INET_QUEUE_BYTES	(64ULL << 20)
/* @end */
/* @tcp-backlog */
#define KCR_INET_QUEUE_CONNS	4096	/* net.core.somaxconn's default */
/* @end */
/* @tcp-conn */

/*
 * KCR_REC_TCP_CONN: the connection of a TCP socket in state
 * KCR_INET_CONNECTED, after its KCR_REC_INET: sequence numbers (mod 2^32),
 * windows and the options the handshake agreed on.  Its queues follow as
 * KCR_REC_TCP_DATA records: the send queue, the bytes from snd_una to
 * write_seq (those from snd_nxt on were not sent yet), then the receive
 * queue, from copied_seq to rcv_nxt (not read yet).  Data the peer sent
 * out of order, urgent data and the congestion state are not kept: the
 * peer sends again what was not acknowledged.
/* @until tcp-external */
 * Both ends of a connection are in the image (a peer outside is refused).
/* @end */
/* @tcp-external */
 * A peer outside the image (another process, another machine) sees a
 * pause: see KCR_CHECKPOINT_HOLD.
/* @end */
 */
struct kcr_rec_tcp_conn {
	struct kcr_hdr h;
	__u32 snd_una;		/* first byte the peer has not acknowledged */
	__u32 snd_nxt;		/* first byte not sent yet */
	__u32 write_seq;	/* end of the send queue */
	__u32 rcv_nxt;		/* next byte expected from the peer */
	__u32 copied_seq;	/* first byte the process has not read */
	__u32 snd_wl1;		/* TCP_REPAIR_WINDOW's five */
	__u32 snd_wnd;
	__u32 max_window;
	__u32 rcv_wnd;
	__u32 rcv_wup;
	__u32 mss_clamp;	/* the peer's MSS */
	__u32 opts;		/* KCR_TCP_OPT_* */
	__u8 snd_wscale;	/* with KCR_TCP_OPT_WSCALE */
	__u8 rcv_wscale;
	__u16 reserved;		/* 0 */
	__u32 timestamp;	/* TCP_TIMESTAMP: our clock (bit 0: in usec) */
	__u32 sndbuf;		/* send and receive buffers as now sized */
	__u32 rcvbuf;
};

#define KCR_TCP_OPT_SACK	0x1	/* SACK permitted */
#define KCR_TCP_OPT_TSTAMP	0x2	/* timestamps */
#define KCR_TCP_OPT_WSCALE	0x4	/* window scaling */
#define KCR_TCP_OPT_ALL		0x7U

/* KCR_REC_TCP_DATA: len bytes of a queue (padded to 8), in order. */
struct kcr_rec_tcp_data {
	struct kcr_hdr h;
	__u32 queue;		/* KCR_TCP_SEND_QUEUE or KCR_TCP_RECV_QUEUE */
	__u32 len;		/* 1 .. KCR_TCP_DATA_MAX */
};

#define KCR_TCP_SEND_QUEUE	1
#define KCR_TCP_RECV_QUEUE	2
#define KCR_TCP_DATA_MAX	65536
#define KCR_TCP_QUEUE_BYTES	(64U << 20)	/* each queue */
/* @end */

/* @end */
/* KCR_REC_TAIL */
struct kcr_rec_tail {
	struct kcr_hdr h;
	__u64 xxh64;		/* XXH64 (seed 0) of all bytes before this record */
	__u64 total_len;	/* bytes before this record */
	__u32 nr_records;	/* records before this one */
	__u32 __pad;		/* zero */
};

#endif /* _UAPI_LINUX_KCR_H */
