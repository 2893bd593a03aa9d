//! The checkpoint image format, mirrored from the guest kernel's uapi header
//! `include/uapi/linux/kcr.h` (added by guest-kernel-cfg/patches/0001). That
//! header is the definition; `vmm/image/tests/image_format.rs` compiles it and
//! checks every size, offset and constant here against it.

use zerocopy::{FromBytes, Immutable, KnownLayout};

/// `KCR_MAGIC`: "KKCRIMG1".
pub const KCR_MAGIC: u64 = 0x3147_4d49_5243_4b4b;
/// `KCR_VERSION`.
pub const KCR_VERSION: u32 = 7;
/// `KCR_ARCH_X86_64`.
pub const KCR_ARCH_X86_64: u32 = 1;
/// `KCR_REC_MAX_LEN`: no record is longer.
pub const KCR_REC_MAX_LEN: u32 = 1 << 20;
/// `KCR_PAGES_MAX`: most pages in one PAGES record.
pub const KCR_PAGES_MAX: u32 = 32;
/// `KCR_UTS_LEN`.
pub const KCR_UTS_LEN: usize = 65;
/// `KCR_COMM_LEN`.
pub const KCR_COMM_LEN: usize = 16;
/// `KCR_PATH_MAX`.
pub const KCR_PATH_MAX: u32 = 4096;
/// `KCR_NGROUPS_MAX`: most supplementary groups.
pub const KCR_NGROUPS_MAX: u32 = 65536;
/// `KCR_RLIM_NLIMITS`: resource limits in a RLIMITS record.
pub const KCR_RLIM_NLIMITS: usize = 16;
/// `KCR_NSIG`: signals in a SIGHAND record.
pub const KCR_NSIG: usize = 64;
/// `KCR_SIGINFO_SIZE`: size of a siginfo_t.
pub const KCR_SIGINFO_SIZE: usize = 128;
/// `KCR_SIGQ_TASK`: the thread's own signal queue.
pub const KCR_SIGQ_TASK: u32 = 0;
/// `KCR_SIGQ_SHARED`: the process-wide signal queue.
pub const KCR_SIGQ_SHARED: u32 = 1;
/// `KCR_FILE_FLAGS_ALL`: the O_* flags a FILE record may carry.
pub const KCR_FILE_FLAGS_ALL: u32 = 0x34dc03;
/// `KCR_FD_CLOEXEC`.
pub const KCR_FD_CLOEXEC: u32 = 1 << 0;
/// `KCR_FD_FLAGS_ALL`.
pub const KCR_FD_FLAGS_ALL: u32 = KCR_FD_CLOEXEC;
/// `KCR_CHECKPOINT_TREE`: the image holds a process tree (a TREE record).
pub const KCR_CHECKPOINT_TREE: u32 = 1 << 0;
/// `KCR_CHECKPOINT_HOSTINFO`: the image records each mm's page-table root
/// and each task's register frame in physical memory (for `cr-vmm verify`).
pub const KCR_CHECKPOINT_HOSTINFO: u32 = 1 << 1;
/// `KCR_CHECKPOINT_UNIX_EXTERNAL`: a Unix socket connected to a named
/// socket of a process outside the checkpoint is saved with its peer's
/// name (`unix_peer::EXTERNAL`) rather than refused; restart connects it
/// to that name again (the peer sees a new connection).
pub const KCR_CHECKPOINT_UNIX_EXTERNAL: u32 = 1 << 2;
/// `KCR_CHECKPOINT_KILL`: no image (`fd` -1): the frozen tree, whose image
/// the caller has safe, is killed, its TCP connections first closed
/// without a word to their peers (no FIN, no RST, no `TIME_WAIT`) so that
/// restart can make them again; those to a peer outside stay held for it.
/// checkpoint(2) takes it with [`KCR_CHECKPOINT_TREE`] only; restart(2)
/// takes it in an image's HEADER as any flag of
/// [`KCR_CHECKPOINT_FLAGS_ALL`].
pub const KCR_CHECKPOINT_KILL: u32 = 1 << 3;
/// `KCR_CHECKPOINT_HOLD`: the image's TCP connections to a peer outside stay
/// held (what the peer sends is dropped, without a reset) when
/// checkpoint(2) returns, until [`KCR_CHECKPOINT_KILL`] or
/// [`KCR_CHECKPOINT_RELEASE`].
pub const KCR_CHECKPOINT_HOLD: u32 = 1 << 4;
/// `KCR_CHECKPOINT_RELEASE`: no image (`fd` -1): the held connections of a
/// tree that is not killed after all go on.
pub const KCR_CHECKPOINT_RELEASE: u32 = 1 << 5;
/// `KCR_CHECKPOINT_FLAGS_ALL`.
pub const KCR_CHECKPOINT_FLAGS_ALL: u32 = KCR_CHECKPOINT_TREE
    | KCR_CHECKPOINT_HOSTINFO
    | KCR_CHECKPOINT_UNIX_EXTERNAL
    | KCR_CHECKPOINT_KILL
    | KCR_CHECKPOINT_HOLD
    | KCR_CHECKPOINT_RELEASE;
/// `KCR_RESTART_TREE`: restart(2) by the root of a tree, which coordinates.
pub const KCR_RESTART_TREE: u32 = 1 << 0;
/// `KCR_RESTART_JOIN`: restart(2) by another process of a tree.
pub const KCR_RESTART_JOIN: u32 = 1 << 1;
/// `KCR_RESTART_FLAGS_ALL`.
pub const KCR_RESTART_FLAGS_ALL: u32 = KCR_RESTART_TREE | KCR_RESTART_JOIN;
/// `KCR_TREE_MAX`: most processes in a TREE record.
pub const KCR_TREE_MAX: u32 = 1024;
/// `KCR_TREE_ZOMBIE`: a tree entry that exited and was not reaped (no
/// section; `exit_status` is its wait status).
pub const KCR_TREE_ZOMBIE: u32 = 1 << 0;
/// `KCR_TREE_DEAD`: the placeholder of a session or group leader that
/// exited and was reaped (no section; it leads its group, and its session
/// when `sid == pid`).
pub const KCR_TREE_DEAD: u32 = 1 << 1;
/// The tree entries without a section (`KCR_TREE_GONE` in the kernel).
pub const KCR_TREE_GONE: u32 = KCR_TREE_ZOMBIE | KCR_TREE_DEAD;
/// `KCR_THREADS_MAX`: most threads in one process.
pub const KCR_THREADS_MAX: u32 = 1024;
/// `KCR_AUXV_MAX`: longest auxiliary vector in an ATTRS record, in bytes.
pub const KCR_AUXV_MAX: u32 = 512;
/// `KCR_GHOST_MAX`: largest ghost file (`file_kind::GHOST`), in bytes.
pub const KCR_GHOST_MAX: u32 = 64 << 20;
/// `KCR_PTIMERS_MAX`: most POSIX timers in one process (PTIMER records
/// after a PTIMERS record).
pub const KCR_PTIMERS_MAX: u32 = 4096;
/// `KCR_LOCKS_MAX`: most file locks (LOCK records) of one process.
pub const KCR_LOCKS_MAX: u32 = 1024;
/// `KCR_INOTIFY_WATCHES_MAX`: most watches of one inotify (INOTIFY_WATCH
/// records after its INOTIFY record).
pub const KCR_INOTIFY_WATCHES_MAX: u32 = 65536;
/// `KCR_INOTIFY_EVENTS_MAX`: most queued events of one inotify
/// (INOTIFY_EVENT records after its watches): a full queue of the default
/// size (16384) and its `IN_Q_OVERFLOW`.
pub const KCR_INOTIFY_EVENTS_MAX: u32 = 16385;
/// `KCR_INOTIFY_WATCH_MASK`: the bits of a watch's mask
/// ([`inotify_mask::ALL_EVENTS`], [`inotify_mask::EXCL_UNLINK`],
/// [`inotify_mask::ONESHOT`]).
pub const KCR_INOTIFY_WATCH_MASK: u32 = 0x8400_0fff;
/// `KCR_INOTIFY_EVENT_MASK`: the bits of a queued event's mask
/// ([`inotify_mask::ALL_EVENTS`], [`inotify_mask::UNMOUNT`],
/// [`inotify_mask::Q_OVERFLOW`], [`inotify_mask::IGNORED`],
/// [`inotify_mask::ISDIR`]).
pub const KCR_INOTIFY_EVENT_MASK: u32 = 0x4000_efff;
/// The kernel's `NAME_MAX` (`<linux/limits.h>`, not `kcr.h`'s): the
/// longest name of a queued inotify event (INOTIFY_EVENT record), in
/// bytes without a NUL.
pub const NAME_MAX: u32 = 255;
/// `KCR_UNIX_QUEUE_SKBS`: most buffers in the receive queue of one socket
/// (UNIX_SKB records after its UNIX_QUEUE record).
pub const KCR_UNIX_QUEUE_SKBS: u32 = 65536;
/// `KCR_UNIX_QUEUE_BYTES`: most bytes in the receive queue of one socket
/// (its UNIX_QUEUE record's `bytes`, the sum of its buffers' lengths).
pub const KCR_UNIX_QUEUE_BYTES: u64 = 64 << 20;
/// `KCR_UNIX_SKB_CREDS`: a UNIX_SKB record's buffer carries credentials
/// (`pid`, `uid`, `gid`: what `SCM_CREDENTIALS` shows).
pub const KCR_UNIX_SKB_CREDS: u32 = 0x1;
/// `KCR_UNIX_SKB_MAX`: the longest buffer of a UNIX_SKB record, in bytes.
pub const KCR_UNIX_SKB_MAX: u32 = (1 << 20) - 2048;
/// `KCR_UNIX_SKB_FDS`: most files in flight (`SCM_RIGHTS`) with one
/// buffer of a UNIX_SKB record (`SCM_MAX_FD`).
pub const KCR_UNIX_SKB_FDS: u32 = 253;
/// `KCR_INET_DGRAM_MAX`: the longest datagram of an INET_DGRAM record, in
/// bytes (65535 less the UDP header).
pub const KCR_INET_DGRAM_MAX: u32 = 65527;
/// `KCR_INET_QUEUE_DGRAMS`: most datagrams queued on one UDP socket (its
/// INET record's `nr_skbs`: the INET_DGRAM records after it).
pub const KCR_INET_QUEUE_DGRAMS: u32 = 65536;
/// `KCR_INET_QUEUE_BYTES`: most bytes queued on one UDP socket (its INET
/// record's `bytes`, the sum of its datagrams' lengths).
pub const KCR_INET_QUEUE_BYTES: u64 = 64 << 20;
/// `KCR_INET_QUEUE_CONNS`: most connections not accepted yet of one TCP
/// listener (its INET record's `nr_skbs`: the groups of INET, TCP_CONN
/// and TCP_DATA records after it; `net.core.somaxconn`'s default).
pub const KCR_INET_QUEUE_CONNS: u32 = 4096;
/// `KCR_TCP_DATA_MAX`: the most bytes of a queue in one TCP_DATA record.
pub const KCR_TCP_DATA_MAX: u32 = 65536;
/// `KCR_TCP_QUEUE_BYTES`: the most bytes of each queue of a TCP
/// connection (its send queue, `write_seq - snd_una`, and its receive
/// queue, `rcv_nxt - copied_seq`).
pub const KCR_TCP_QUEUE_BYTES: u32 = 64 << 20;

/// File kinds (`KCR_FILE_*`).
pub mod file_kind {
    /// `KCR_FILE_REG`.
    pub const REG: u32 = 1;
    /// `KCR_FILE_DIR`.
    pub const DIR: u32 = 2;
    /// `KCR_FILE_FIFO`.
    pub const FIFO: u32 = 3;
    /// `KCR_FILE_PIPE`.
    pub const PIPE: u32 = 4;
    /// `KCR_FILE_CHR`.
    pub const CHR: u32 = 5;
    /// `KCR_FILE_SHMEM`.
    pub const SHMEM: u32 = 6;
    /// `KCR_FILE_GHOST`: a regular file deleted while open (and with no
    /// other name), its contents in the image.
    pub const GHOST: u32 = 7;
    /// `KCR_FILE_GHOST_DIR`: a directory deleted while in use (a cwd, an
    /// open directory); restart makes an empty one and removes it.
    pub const GHOST_DIR: u32 = 8;
    /// `KCR_FILE_EVENTFD`: an eventfd; a `KCR_REC_EVENTFD` follows. Kinds
    /// from this one on have no path.
    pub const EVENTFD: u32 = 9;
    /// `KCR_FILE_SIGNALFD`: a signalfd; a `KCR_REC_SIGNALFD` follows.
    pub const SIGNALFD: u32 = 10;
    /// `KCR_FILE_TIMERFD`: a timerfd; a `KCR_REC_TIMERFD` follows.
    pub const TIMERFD: u32 = 11;
    /// `KCR_FILE_EPOLL`: an epoll; a `KCR_REC_EPOLL` follows.
    pub const EPOLL: u32 = 12;
    /// `KCR_FILE_PROC`: a file or directory of /proc, reopened by path
    /// (`/proc/self/...` for the process's own directory).
    pub const PROC: u32 = 13;
    /// `KCR_FILE_INOTIFY`: an inotify, open read-only; a `KCR_REC_INOTIFY`
    /// follows (then its watches and queued events).
    pub const INOTIFY: u32 = 14;
    /// `KCR_FILE_UNIX`: an `AF_UNIX` socket, open read-write; a
    /// `KCR_REC_UNIX` follows (its connection and queue come later in the
    /// section, in a `KCR_REC_UNIX_QUEUE`).
    pub const UNIX: u32 = 15;
    /// `KCR_FILE_INET`: a TCP or UDP socket (IPv4 or IPv6), open
    /// read-write; a `KCR_REC_INET` follows, which holds all of its state.
    pub const INET: u32 = 16;

    /// Whether a file of kind `k` has a path (pipes and the kinds from
    /// [`EVENTFD`] on have none, but [`PROC`]).
    pub fn has_path(k: u32) -> bool {
        (k != PIPE && k < EVENTFD) || k == PROC
    }

    /// The record types that hold the state of a file of a kind.
    pub const STATE_RECORDS: [u32; 7] = [
        super::rec::EVENTFD,
        super::rec::SIGNALFD,
        super::rec::TIMERFD,
        super::rec::EPOLL,
        super::rec::INOTIFY,
        super::rec::UNIX,
        super::rec::INET,
    ];

    /// The record of its own state that follows a file of kind `k`.
    pub fn state_record(k: u32) -> Option<u32> {
        match k {
            EVENTFD => Some(super::rec::EVENTFD),
            SIGNALFD => Some(super::rec::SIGNALFD),
            TIMERFD => Some(super::rec::TIMERFD),
            EPOLL => Some(super::rec::EPOLL),
            INOTIFY => Some(super::rec::INOTIFY),
            UNIX => Some(super::rec::UNIX),
            INET => Some(super::rec::INET),
            _ => None,
        }
    }

    /// The kind's name, or None for an unknown kind.
    pub fn name(k: u32) -> Option<&'static str> {
        Some(match k {
            REG => "regular",
            DIR => "directory",
            FIFO => "fifo",
            PIPE => "pipe",
            CHR => "chardev",
            SHMEM => "shmem",
            GHOST => "ghost",
            GHOST_DIR => "ghost-directory",
            EVENTFD => "eventfd",
            SIGNALFD => "signalfd",
            TIMERFD => "timerfd",
            EPOLL => "epoll",
            PROC => "proc",
            INOTIFY => "inotify",
            UNIX => "unix",
            INET => "inet",
            _ => return None,
        })
    }
}

/// Record types (`enum kcr_rec_type`).
pub mod rec {
    /// `KCR_REC_HEADER`.
    pub const HEADER: u32 = 1;
    /// `KCR_REC_TASK`.
    pub const TASK: u32 = 2;
    /// `KCR_REC_CPU`.
    pub const CPU: u32 = 3;
    /// `KCR_REC_XSTATE`.
    pub const XSTATE: u32 = 4;
    /// `KCR_REC_MM`.
    pub const MM: u32 = 5;
    /// `KCR_REC_FILE`.
    pub const FILE: u32 = 6;
    /// `KCR_REC_VMA`.
    pub const VMA: u32 = 7;
    /// `KCR_REC_PAGES`.
    pub const PAGES: u32 = 8;
    /// `KCR_REC_GROUPS`.
    pub const GROUPS: u32 = 9;
    /// `KCR_REC_RLIMITS`.
    pub const RLIMITS: u32 = 10;
    /// `KCR_REC_SIGHAND`.
    pub const SIGHAND: u32 = 11;
    /// `KCR_REC_SIGPENDING`.
    pub const SIGPENDING: u32 = 12;
    /// `KCR_REC_PIPE`.
    pub const PIPE: u32 = 13;
    /// `KCR_REC_FS`.
    pub const FS: u32 = 14;
    /// `KCR_REC_FDTABLE`.
    pub const FDTABLE: u32 = 15;
    /// `KCR_REC_FD`.
    pub const FD: u32 = 16;
    /// `KCR_REC_TREE`.
    pub const TREE: u32 = 17;
    /// `KCR_REC_DEBUGREGS`.
    pub const DEBUGREGS: u32 = 18;
    /// `KCR_REC_ATTRS`.
    pub const ATTRS: u32 = 19;
    /// `KCR_REC_EVENTFD`.
    pub const EVENTFD: u32 = 20;
    /// `KCR_REC_SIGNALFD`.
    pub const SIGNALFD: u32 = 21;
    /// `KCR_REC_TIMERFD`.
    pub const TIMERFD: u32 = 22;
    /// `KCR_REC_EPOLL`.
    pub const EPOLL: u32 = 23;
    /// `KCR_REC_ITIMERS`.
    pub const ITIMERS: u32 = 24;
    /// `KCR_REC_MM_FORK`: the address space starts as a copy of the
    /// parent's.
    pub const MM_FORK: u32 = 25;
    /// `KCR_REC_COW_PAGES`: pages still the parent's (no contents).
    pub const COW_PAGES: u32 = 26;
    /// `KCR_REC_PTIMERS`: the POSIX timers of a process; `nr` PTIMER
    /// records follow.
    pub const PTIMERS: u32 = 27;
    /// `KCR_REC_PTIMER`: one POSIX timer.
    pub const PTIMER: u32 = 28;
    /// `KCR_REC_LOCK`: a file lock of a process, after its fd table.
    pub const LOCK: u32 = 29;
    /// `KCR_REC_FOWN`: O_ASYNC, the owner and the signal of an open file
    /// of a process, after its LOCK records.
    pub const FOWN: u32 = 30;
    /// `KCR_REC_SEALS`: the seals of a shmem FILE, after its contents,
    /// among its process's object records.
    pub const SEALS: u32 = 31;
    /// `KCR_REC_INOTIFY`: the state of the inotify FILE it follows;
    /// `nr_watches` INOTIFY_WATCH then `nr_events` INOTIFY_EVENT records
    /// follow it.
    pub const INOTIFY: u32 = 32;
    /// `KCR_REC_INOTIFY_WATCH`: one watch of an inotify, by path.
    pub const INOTIFY_WATCH: u32 = 33;
    /// `KCR_REC_INOTIFY_EVENT`: one event queued on an inotify and not
    /// read.
    pub const INOTIFY_EVENT: u32 = 34;
    /// `KCR_REC_TTY`: the termios and window size of the terminal whose
    /// FILE (a `KCR_FILE_CHR` of a device that [`super::tty::is_tty`])
    /// it follows.
    pub const TTY: u32 = 35;
    /// `KCR_REC_CTTY`: the controlling terminal of a process, after its
    /// FOWN records.
    pub const CTTY: u32 = 36;
    /// `KCR_REC_UNIX`: the state of the `AF_UNIX` socket whose FILE (a
    /// `KCR_FILE_UNIX`) it follows.
    pub const UNIX: u32 = 37;
    /// `KCR_REC_UNIX_QUEUE`: the connection of a socket of the section and
    /// its receive queue, among its process's object records once every
    /// socket it names is defined; `nr_skbs` UNIX_SKB records follow it.
    pub const UNIX_QUEUE: u32 = 38;
    /// `KCR_REC_UNIX_EMBRYO`: a connection a listening socket has not
    /// accepted yet, after the listener's UNIX_QUEUE record (or the
    /// buffers of the connection before it); `nr_skbs` UNIX_SKB records
    /// follow it.
    pub const UNIX_EMBRYO: u32 = 39;
    /// `KCR_REC_UNIX_SKB`: one buffer of a socket's receive queue, and its
    /// bytes.
    pub const UNIX_SKB: u32 = 40;
    /// `KCR_REC_INET`: the state of the TCP or UDP socket whose FILE (a
    /// `KCR_FILE_INET`) it follows; a UDP socket's `nr_skbs` INET_DGRAM
    /// records follow it, a TCP listener's `nr_skbs` connections not
    /// accepted yet (each an INET record of its own, with no FILE, then
    /// its TCP_CONN and TCP_DATA records).
    pub const INET: u32 = 41;
    /// `KCR_REC_INET_DGRAM`: one datagram of a UDP socket's receive queue,
    /// and its bytes.
    pub const INET_DGRAM: u32 = 42;
    /// `KCR_REC_TCP_CONN`: the connection of a TCP socket in state
    /// `KCR_INET_CONNECTED` (or of a listener's connection not accepted
    /// yet), right after its INET record; its queues' TCP_DATA records
    /// follow it.
    pub const TCP_CONN: u32 = 43;
    /// `KCR_REC_TCP_DATA`: bytes of a TCP connection's send or receive
    /// queue.
    pub const TCP_DATA: u32 = 44;
    /// `KCR_REC_TAIL`.
    pub const TAIL: u32 = 0x7fff_ffff;

    /// The record type's name, as in the header without `KCR_REC_`.
    pub fn name(t: u32) -> &'static str {
        match t {
            HEADER => "HEADER",
            TASK => "TASK",
            CPU => "CPU",
            XSTATE => "XSTATE",
            MM => "MM",
            FILE => "FILE",
            VMA => "VMA",
            PAGES => "PAGES",
            GROUPS => "GROUPS",
            RLIMITS => "RLIMITS",
            SIGHAND => "SIGHAND",
            SIGPENDING => "SIGPENDING",
            PIPE => "PIPE",
            FS => "FS",
            FDTABLE => "FDTABLE",
            FD => "FD",
            TREE => "TREE",
            DEBUGREGS => "DEBUGREGS",
            ATTRS => "ATTRS",
            EVENTFD => "EVENTFD",
            SIGNALFD => "SIGNALFD",
            TIMERFD => "TIMERFD",
            EPOLL => "EPOLL",
            ITIMERS => "ITIMERS",
            MM_FORK => "MM_FORK",
            COW_PAGES => "COW_PAGES",
            PTIMERS => "PTIMERS",
            PTIMER => "PTIMER",
            LOCK => "LOCK",
            FOWN => "FOWN",
            SEALS => "SEALS",
            INOTIFY => "INOTIFY",
            INOTIFY_WATCH => "INOTIFY_WATCH",
            INOTIFY_EVENT => "INOTIFY_EVENT",
            TTY => "TTY",
            CTTY => "CTTY",
            UNIX => "UNIX",
            UNIX_QUEUE => "UNIX_QUEUE",
            UNIX_EMBRYO => "UNIX_EMBRYO",
            UNIX_SKB => "UNIX_SKB",
            INET => "INET",
            INET_DGRAM => "INET_DGRAM",
            TCP_CONN => "TCP_CONN",
            TCP_DATA => "TCP_DATA",
            TAIL => "TAIL",
            _ => "unknown",
        }
    }
}

/// Task flags.
pub mod task_flags {
    /// `KCR_TASK_SELF`.
    pub const SELF: u32 = 1 << 0;
    /// `KCR_TASK_SYSCALL_RESTART`.
    pub const SYSCALL_RESTART: u32 = 1 << 1;
    /// `KCR_TASK_THREAD`: a thread other than the leader, after its
    /// process's section.
    pub const THREAD: u32 = 1 << 2;
    /// `KCR_TASK_UNDUMPABLE`: a process that is not dumpable; restart
    /// makes it so again.
    pub const UNDUMPABLE: u32 = 1 << 3;
    /// `KCR_TASK_STOPPED`: a process stopped by job control; restart
    /// stops it again.
    pub const STOPPED: u32 = 1 << 4;
    /// `KCR_TASK_FLAGS_ALL`.
    pub const ALL: u32 = SELF | SYSCALL_RESTART | THREAD | UNDUMPABLE | STOPPED;
    /// Names of the flags, bit 0 first.
    pub const NAMES: [&str; 5] = ["self", "syscall-restart", "thread", "undumpable", "stopped"];
}

/// Attribute flags of an ATTRS record (`KCR_ATTR_*`).
pub mod attr_flags {
    /// `KCR_ATTR_THP_DISABLE`: `PR_SET_THP_DISABLE`.
    pub const THP_DISABLE: u32 = 0x1;
    /// `KCR_ATTR_SUBREAPER`: `PR_SET_CHILD_SUBREAPER`.
    pub const SUBREAPER: u32 = 0x2;
    /// `KCR_ATTR_RESET_ON_FORK`: `SCHED_RESET_ON_FORK`.
    pub const RESET_ON_FORK: u32 = 0x4;
    /// `KCR_ATTR_MCL_FUTURE`: `mlockall(MCL_FUTURE)`.
    pub const MCL_FUTURE: u32 = 0x8;
    /// `KCR_ATTR_MCL_ONFAULT`: `mlockall(MCL_FUTURE | MCL_ONFAULT)`.
    pub const MCL_ONFAULT: u32 = 0x10;
    /// `KCR_ATTR_ALL`.
    pub const ALL: u32 = 0x1f;
    /// Names of the flags, bit 0 first.
    pub const NAMES: [&str; 5] = [
        "thp-disable",
        "subreaper",
        "reset-on-fork",
        "mlockall-future",
        "mlockall-onfault",
    ];
}

/// POSIX timer flags of a PTIMER record (`KCR_PTIMER_*`).
pub mod ptimer_flags {
    /// `KCR_PTIMER_ABS`: armed with `TIMER_ABSTIME` on `CLOCK_REALTIME`;
    /// `value_ns` is the wall-clock time of expiry.
    pub const ABS: u32 = 0x1;
    /// `KCR_PTIMER_ACTIVE`: the timer runs.
    pub const ACTIVE: u32 = 0x2;
    /// `KCR_PTIMER_PENDING`: its signal is queued and not yet delivered
    /// (with `sig_overrun` as its `si_overrun`).
    pub const PENDING: u32 = 0x4;
    /// `KCR_PTIMER_FLAGS`.
    pub const ALL: u32 = 0x7;
    /// Names of the flags, bit 0 first.
    pub const NAMES: [&str; 3] = ["abs", "active", "pending"];
}

/// File lock kinds of a LOCK record (`KCR_LOCK_*`).
pub mod lock_kind {
    /// `KCR_LOCK_POSIX`: a record lock of the process (`fcntl(F_SETLK)`).
    pub const POSIX: u32 = 1;
    /// `KCR_LOCK_OFD`: an open file description lock (`F_OFD_SETLK`),
    /// the open file's.
    pub const OFD: u32 = 2;
    /// `KCR_LOCK_FLOCK`: a `flock()` lock, the open file's, on the whole
    /// file.
    pub const FLOCK: u32 = 3;

    /// The kind's name, or None for an unknown kind.
    pub fn name(k: u32) -> Option<&'static str> {
        Some(match k {
            POSIX => "posix",
            OFD => "ofd",
            FLOCK => "flock",
            _ => return None,
        })
    }
}

/// The seals of a SEALS record (`F_SEAL_*` of `<linux/fcntl.h>`, not
/// `kcr.h`'s).
pub mod seal_flags {
    /// `F_SEAL_SEAL`: no seal may be added (alone: the state of a memfd
    /// never made sealable, which restart gives every shmem file and no
    /// SEALS record holds).
    pub const SEAL: u32 = 0x1;
    /// `F_SEAL_SHRINK`: the file may not shrink.
    pub const SHRINK: u32 = 0x2;
    /// `F_SEAL_GROW`: the file may not grow.
    pub const GROW: u32 = 0x4;
    /// `F_SEAL_WRITE`: the contents may not change.
    pub const WRITE: u32 = 0x8;
    /// `F_SEAL_FUTURE_WRITE`: no new writable mapping or write; the
    /// writable mappings made before it stay.
    pub const FUTURE_WRITE: u32 = 0x10;
    /// `F_SEAL_EXEC`: the mode's execute bits may not change.
    pub const EXEC: u32 = 0x20;
    /// Every seal restart(2) takes (its `KCR_ALL_SEALS`).
    pub const ALL: u32 = SEAL | SHRINK | GROW | WRITE | FUTURE_WRITE | EXEC;
    /// Names of the seals, bit 0 first.
    pub const NAMES: [&str; 6] = ["seal", "shrink", "grow", "write", "future-write", "exec"];
}

/// `KCR_TTY_IFLAGS`: the `c_iflag` bits of a TTY record (`IGNBRK` ..
/// `IUTF8`).
pub const KCR_TTY_IFLAGS: u32 = 0x7fff;
/// `KCR_TTY_OFLAGS`: the `c_oflag` bits of a TTY record (`OPOST` ..
/// `FFDLY`).
pub const KCR_TTY_OFLAGS: u32 = 0xffff;
/// `KCR_TTY_LFLAGS`: the `c_lflag` bits of a TTY record (`ISIG` ..
/// `EXTPROC`).
pub const KCR_TTY_LFLAGS: u32 = 0x1_ffff;

/// Terminals: which character devices a TTY record describes (the
/// kernel's `kcr_rdev_is_tty()`), by the device numbers of
/// `<linux/major.h>` (not `kcr.h`'s), and the line discipline and
/// control characters of their termios (`<asm/termbits.h>`,
/// `<linux/tty.h>`).
pub mod tty {
    /// `TTY_MAJOR`: virtual consoles and serial ports (any minor).
    pub const TTY_MAJOR: u32 = 4;
    /// `TTYAUX_MAJOR`: `/dev/tty` (minor 0), `/dev/console` (minor 1).
    pub const TTYAUX_MAJOR: u32 = 5;
    /// `UNIX98_PTY_SLAVE_MAJOR`: the first major of pty slaves
    /// (`/dev/pts/N`).
    pub const UNIX98_PTY_SLAVE_MAJOR: u32 = 136;
    /// `UNIX98_PTY_MAJOR_COUNT`: pty slaves have majors
    /// [`UNIX98_PTY_SLAVE_MAJOR`] .. + this.
    pub const UNIX98_PTY_MAJOR_COUNT: u32 = 8;
    /// hvc's major (`HVC_MAJOR` of `drivers/tty/hvc/hvc_console.c`).
    pub const HVC_MAJOR: u32 = 229;
    /// `N_TTY`: the only line discipline a TTY record may hold.
    pub const N_TTY: u8 = 0;
    /// `NCCS`: control characters in a termios (`c_cc`).
    pub const NCCS: usize = 19;

    /// A FILE record's `rdev` of device `major`:`minor`.
    pub const fn rdev(major: u32, minor: u32) -> u32 {
        major << 20 | minor
    }

    /// The major of a FILE record's `rdev`.
    pub const fn major(rdev: u32) -> u32 {
        rdev >> 20
    }

    /// The minor of a FILE record's `rdev`.
    pub const fn minor(rdev: u32) -> u32 {
        rdev & 0xf_ffff
    }

    /// `/dev/tty`, the caller's controlling terminal, which checkpoint
    /// refuses (reopened by path it would be the restarter's).
    pub const DEV_TTY: u32 = rdev(TTYAUX_MAJOR, 0);
    /// `/dev/console`.
    pub const DEV_CONSOLE: u32 = rdev(TTYAUX_MAJOR, 1);

    /// Whether a character device FILE of `rdev` is a terminal, which a
    /// TTY record follows: a virtual console or serial port (major 4), a
    /// pty slave (136 .. 143), hvc (229) or `/dev/console` (5:1).
    pub fn is_tty(rdev: u32) -> bool {
        let maj = major(rdev);
        maj == TTY_MAJOR
            || maj == HVC_MAJOR
            || rdev == DEV_CONSOLE
            || (UNIX98_PTY_SLAVE_MAJOR..UNIX98_PTY_SLAVE_MAJOR + UNIX98_PTY_MAJOR_COUNT)
                .contains(&maj)
    }
}

/// The bits of an inotify mask (`IN_*` of `<linux/inotify.h>`, not
/// `kcr.h`'s) that INOTIFY_WATCH ([`KCR_INOTIFY_WATCH_MASK`]) and
/// INOTIFY_EVENT ([`KCR_INOTIFY_EVENT_MASK`]) records carry.
pub mod inotify_mask {
    /// `IN_ACCESS`: the file was read.
    pub const ACCESS: u32 = 0x1;
    /// `IN_MODIFY`: the file was written.
    pub const MODIFY: u32 = 0x2;
    /// `IN_ATTRIB`: its metadata changed.
    pub const ATTRIB: u32 = 0x4;
    /// `IN_CLOSE_WRITE`: a file open for writing was closed.
    pub const CLOSE_WRITE: u32 = 0x8;
    /// `IN_CLOSE_NOWRITE`: a file not open for writing was closed.
    pub const CLOSE_NOWRITE: u32 = 0x10;
    /// `IN_OPEN`: the file was opened.
    pub const OPEN: u32 = 0x20;
    /// `IN_MOVED_FROM`: a name moved out of the directory.
    pub const MOVED_FROM: u32 = 0x40;
    /// `IN_MOVED_TO`: a name moved into the directory.
    pub const MOVED_TO: u32 = 0x80;
    /// `IN_CREATE`: a name was created in the directory.
    pub const CREATE: u32 = 0x100;
    /// `IN_DELETE`: a name was deleted from the directory.
    pub const DELETE: u32 = 0x200;
    /// `IN_DELETE_SELF`: the watched file was deleted.
    pub const DELETE_SELF: u32 = 0x400;
    /// `IN_MOVE_SELF`: the watched file was moved.
    pub const MOVE_SELF: u32 = 0x800;
    /// `IN_ALL_EVENTS`: every event a watch may ask for.
    pub const ALL_EVENTS: u32 = 0xfff;
    /// `IN_UNMOUNT` (events only): the file's filesystem was unmounted.
    pub const UNMOUNT: u32 = 0x2000;
    /// `IN_Q_OVERFLOW` (events only): the queue overflowed; alone, with
    /// watch descriptor -1.
    pub const Q_OVERFLOW: u32 = 0x4000;
    /// `IN_IGNORED` (events only): the watch was removed.
    pub const IGNORED: u32 = 0x8000;
    /// `IN_EXCL_UNLINK` (watches only): no events of unlinked children.
    pub const EXCL_UNLINK: u32 = 0x0400_0000;
    /// `IN_ISDIR` (events only): the event is about a directory.
    pub const ISDIR: u32 = 0x4000_0000;
    /// `IN_ONESHOT` (watches only): removed after its first event.
    pub const ONESHOT: u32 = 0x8000_0000;
    /// Every bit a watch or event record may carry, with its name, by
    /// increasing value.
    pub const NAMES: [(u32, &str); 18] = [
        (ACCESS, "access"),
        (MODIFY, "modify"),
        (ATTRIB, "attrib"),
        (CLOSE_WRITE, "close-write"),
        (CLOSE_NOWRITE, "close-nowrite"),
        (OPEN, "open"),
        (MOVED_FROM, "moved-from"),
        (MOVED_TO, "moved-to"),
        (CREATE, "create"),
        (DELETE, "delete"),
        (DELETE_SELF, "delete-self"),
        (MOVE_SELF, "move-self"),
        (UNMOUNT, "unmount"),
        (Q_OVERFLOW, "q-overflow"),
        (IGNORED, "ignored"),
        (EXCL_UNLINK, "excl-unlink"),
        (ISDIR, "isdir"),
        (ONESHOT, "oneshot"),
    ];

    /// The names of the bits of `mask` that [`NAMES`] has, by increasing
    /// value.
    pub fn names(mask: u32) -> Vec<&'static str> {
        NAMES
            .iter()
            .filter(|(bit, _)| mask & bit != 0)
            .map(|(_, n)| *n)
            .collect()
    }
}

/// The options of an `AF_UNIX` socket in a UNIX record (`KCR_UNIX_*`).
pub mod unix_flags {
    /// `KCR_UNIX_BOUND`: the name (`addr_len` > 0) is the socket's own
    /// (`bind()` or autobind: restart binds it again); without it a name
    /// is that of the socket's listener (a socket `accept()` made).
    pub const BOUND: u32 = 0x1;
    /// `KCR_UNIX_PASSCRED`: `SO_PASSCRED`.
    pub const PASSCRED: u32 = 0x2;
    /// `KCR_UNIX_PASSPIDFD`: `SO_PASSPIDFD`.
    pub const PASSPIDFD: u32 = 0x4;
    /// `KCR_UNIX_PEERCRED`: `peer_pid`, `peer_uid` and `peer_gid` are set
    /// (`SO_PEERCRED`).
    pub const PEERCRED: u32 = 0x10;
    /// `KCR_UNIX_OOBINLINE`: `SO_OOBINLINE`.
    pub const OOBINLINE: u32 = 0x20;
    /// `KCR_UNIX_KEEPALIVE`: `SO_KEEPALIVE`.
    pub const KEEPALIVE: u32 = 0x40;
    /// `KCR_UNIX_LINGER`: `SO_LINGER` on (for `linger` seconds).
    pub const LINGER: u32 = 0x80;
    /// `KCR_UNIX_FLAGS_ALL`.
    pub const ALL: u32 = 0xf7;
    /// Every flag with its name, by increasing value.
    pub const NAMES: [(u32, &str); 7] = [
        (BOUND, "bound"),
        (PASSCRED, "passcred"),
        (PASSPIDFD, "passpidfd"),
        (PEERCRED, "peercred"),
        (OOBINLINE, "oobinline"),
        (KEEPALIVE, "keepalive"),
        (LINGER, "linger"),
    ];

    /// The names of the flags of `flags` that [`NAMES`] has, by
    /// increasing value.
    pub fn names(flags: u32) -> Vec<&'static str> {
        NAMES
            .iter()
            .filter(|(bit, _)| flags & bit != 0)
            .map(|(_, n)| *n)
            .collect()
    }

    /// `KCR_UNIX_SNDBUF_LOCK` (`userlocks`): the send buffer was set
    /// (`SO_SNDBUF`) and keeps its size.
    pub const SNDBUF_LOCK: u32 = 0x1;
    /// `KCR_UNIX_RCVBUF_LOCK` (`userlocks`): the receive buffer was set
    /// (`SO_RCVBUF`) and keeps its size.
    pub const RCVBUF_LOCK: u32 = 0x2;
    /// Every bit of `userlocks`.
    pub const USERLOCKS: u32 = SNDBUF_LOCK | RCVBUF_LOCK;
}

/// The peer of a socket in a UNIX_QUEUE record (`KCR_UNIX_PEER_*`).
pub mod unix_peer {
    /// `KCR_UNIX_PEER_NONE`: not connected.
    pub const NONE: u32 = 0;
    /// `KCR_UNIX_PEER_FILE`: connected to the socket of object
    /// `peer_ref`, of the same type (a stream or seqpacket pair names each
    /// other).
    pub const FILE: u32 = 1;
    /// `KCR_UNIX_PEER_EMBRYO`: connected to a connection that the
    /// listening socket of object `peer_ref` has not accepted yet (one of
    /// that listener's UNIX_EMBRYO records names it).
    pub const EMBRYO: u32 = 2;
    /// `KCR_UNIX_PEER_DEAD`: connected to a socket that was closed since.
    pub const DEAD: u32 = 3;
    /// `KCR_UNIX_PEER_EXTERNAL`: connected to a named socket outside the
    /// checkpoint (with `KCR_CHECKPOINT_UNIX_EXTERNAL`), whose name
    /// (`peer_addr_len` bytes of a `struct sockaddr_un` in `peer_addr`)
    /// restart connects it to again; no object.
    pub const EXTERNAL: u32 = 4;

    /// The peer kind's name, or None for an unknown one.
    pub fn name(p: u32) -> Option<&'static str> {
        Some(match p {
            NONE => "none",
            FILE => "file",
            EMBRYO => "embryo",
            DEAD => "dead",
            EXTERNAL => "external",
            _ => return None,
        })
    }
}

/// What a UNIX record holds that `kcr.h` takes from elsewhere: socket
/// types (`SOCK_*` of `<linux/net.h>`), states (`TCP_*` of
/// `<net/tcp_states.h>`), shutdown bits (`<net/sock.h>`), the inode's
/// type (`S_IFSOCK`), and the bounds of the kernel's `kcr_unix_check()`.
pub mod unix_sock {
    /// `SOCK_STREAM`.
    pub const STREAM: u32 = 1;
    /// `SOCK_DGRAM`.
    pub const DGRAM: u32 = 2;
    /// `SOCK_SEQPACKET`.
    pub const SEQPACKET: u32 = 5;
    /// `TCP_ESTABLISHED`: connected.
    pub const ESTABLISHED: u32 = 1;
    /// `TCP_CLOSE`: not connected.
    pub const CLOSE: u32 = 7;
    /// `TCP_LISTEN`: listening (a bound stream or seqpacket socket).
    pub const LISTEN: u32 = 10;
    /// `RCV_SHUTDOWN`: `shutdown(SHUT_RD)`.
    pub const RCV_SHUTDOWN: u32 = 1;
    /// `SEND_SHUTDOWN`: `shutdown(SHUT_WR)`.
    pub const SEND_SHUTDOWN: u32 = 2;
    /// `S_IFSOCK`: the type of a socket's inode (`ino_mode`, and
    /// `node_mode`, its socket file's).
    pub const S_IFSOCK: u32 = 0o140_000;
    /// `AF_UNIX`: the family of a name (`sun_family`, the first two bytes
    /// of `addr`).
    pub const AF_UNIX: u16 = 1;
    /// `offsetof(struct sockaddr_un, sun_path)`: where a name's path
    /// starts in `addr`; a name (`addr_len` > 0) is longer.
    pub const SUN_PATH_OFF: u32 = 2;
    /// `sizeof(struct sockaddr_un)`: the longest name (`addr_len`).
    pub const SOCKADDR_UN_LEN: u32 = 110;
    /// The kernel's `MAX_ERRNO`: the largest pending error (`err`).
    pub const MAX_ERRNO: i32 = 4095;
    /// The guest kernel's `HZ` (its `CONFIG_HZ`, the x86_64 default: the
    /// guest configs do not set it), which bounds `linger`.
    pub const HZ: u32 = 250;
    /// The longest `linger` restart(2) takes, in seconds (`INT_MAX / HZ`).
    pub const LINGER_MAX: u32 = i32::MAX as u32 / HZ;
    /// The longest `rcvtimeo_us` and `sndtimeo_us` restart(2) takes (its
    /// `KCR_UNIX_RCVTIMEO_MAX`): 365 days, in microseconds.
    pub const TIMEO_MAX_US: u64 = 365 * 24 * 3600 * 1_000_000;

    /// The socket type's name, or None for a type a UNIX record does not
    /// hold.
    pub fn type_name(t: u32) -> Option<&'static str> {
        Some(match t {
            STREAM => "stream",
            DGRAM => "dgram",
            SEQPACKET => "seqpacket",
            _ => return None,
        })
    }

    /// The socket state's name, or None for a state a UNIX record does
    /// not hold.
    pub fn state_name(s: u32) -> Option<&'static str> {
        Some(match s {
            ESTABLISHED => "established",
            CLOSE => "close",
            LISTEN => "listen",
            _ => return None,
        })
    }
}

/// The `SOL_SOCKET` options of a socket of a family other than `AF_UNIX`
/// (`flags` of a [`kcr_sockopts`], `KCR_SO_*`).
pub mod so_flags {
    /// `KCR_SO_SNDBUF_LOCK`: `SO_SNDBUF` was set; `sndbuf` is its size as
    /// `getsockopt()` reports it (without it `sndbuf` is 0: the default
    /// and autotuning apply).
    pub const SNDBUF_LOCK: u32 = 0x1;
    /// `KCR_SO_RCVBUF_LOCK`: `SO_RCVBUF` was set; `rcvbuf` is its size.
    pub const RCVBUF_LOCK: u32 = 0x2;
    /// `KCR_SO_REUSEADDR`: `SO_REUSEADDR`.
    pub const REUSEADDR: u32 = 0x4;
    /// `KCR_SO_REUSEPORT`: `SO_REUSEPORT`.
    pub const REUSEPORT: u32 = 0x8;
    /// `KCR_SO_KEEPALIVE`: `SO_KEEPALIVE`.
    pub const KEEPALIVE: u32 = 0x10;
    /// `KCR_SO_LINGER`: `SO_LINGER` on (for `linger` seconds).
    pub const LINGER: u32 = 0x20;
    /// `KCR_SO_OOBINLINE`: `SO_OOBINLINE`.
    pub const OOBINLINE: u32 = 0x40;
    /// `KCR_SO_BROADCAST`: `SO_BROADCAST`.
    pub const BROADCAST: u32 = 0x80;
    /// `KCR_SO_FLAGS_ALL`.
    pub const ALL: u32 = 0xff;
    /// Every flag with its name, by increasing value.
    pub const NAMES: [(u32, &str); 8] = [
        (SNDBUF_LOCK, "sndbuf-lock"),
        (RCVBUF_LOCK, "rcvbuf-lock"),
        (REUSEADDR, "reuseaddr"),
        (REUSEPORT, "reuseport"),
        (KEEPALIVE, "keepalive"),
        (LINGER, "linger"),
        (OOBINLINE, "oobinline"),
        (BROADCAST, "broadcast"),
    ];

    /// The names of the flags of `flags` that [`NAMES`] has, by
    /// increasing value.
    pub fn names(flags: u32) -> Vec<&'static str> {
        super::bit_names(&NAMES, flags)
    }
}

/// The options of a TCP or UDP socket in an INET record (`flags`,
/// `KCR_INET_*`).
pub mod inet_flags {
    /// `KCR_INET_BIND_ADDR`: `bind()` named the address (`saddr`);
    /// restart binds to it (without it, to the any address).
    pub const BIND_ADDR: u32 = 0x1;
    /// `KCR_INET_BIND_PORT`: `bind()` named the port (`sport`, not 0).
    pub const BIND_PORT: u32 = 0x2;
    /// `KCR_INET_V6ONLY`: `IPV6_V6ONLY` (IPv6 only).
    pub const V6ONLY: u32 = 0x4;
    /// `KCR_INET_FREEBIND`: `IP_FREEBIND`.
    pub const FREEBIND: u32 = 0x8;
    /// `KCR_INET_BIND_NO_PORT`: `IP_BIND_ADDRESS_NO_PORT`.
    pub const BIND_NO_PORT: u32 = 0x10;
    /// `KCR_INET_RECVERR`: `IP_RECVERR`, or `IPV6_RECVERR`.
    pub const RECVERR: u32 = 0x20;
    /// `KCR_INET_FLAGS_ALL`.
    pub const ALL: u32 = 0x3f;
    /// Every flag with its name, by increasing value.
    pub const NAMES: [(u32, &str); 6] = [
        (BIND_ADDR, "bind-addr"),
        (BIND_PORT, "bind-port"),
        (V6ONLY, "v6only"),
        (FREEBIND, "freebind"),
        (BIND_NO_PORT, "bind-no-port"),
        (RECVERR, "recverr"),
    ];

    /// The names of the flags of `flags` that [`NAMES`] has, by
    /// increasing value.
    pub fn names(flags: u32) -> Vec<&'static str> {
        super::bit_names(&NAMES, flags)
    }
}

/// The TCP options of an INET record (`tcp_flags`, `KCR_TCP_*`).
pub mod tcp_flags {
    /// `KCR_TCP_NODELAY`: `TCP_NODELAY`.
    pub const NODELAY: u32 = 0x1;
    /// `KCR_TCP_CORK`: `TCP_CORK`.
    pub const CORK: u32 = 0x2;
    /// `KCR_TCP_FLAGS_ALL`.
    pub const ALL: u32 = 0x3;
    /// Every flag with its name, by increasing value.
    pub const NAMES: [(u32, &str); 2] = [(NODELAY, "nodelay"), (CORK, "cork")];

    /// The names of the flags of `flags` that [`NAMES`] has, by
    /// increasing value.
    pub fn names(flags: u32) -> Vec<&'static str> {
        super::bit_names(&NAMES, flags)
    }
}

/// The state of a TCP or UDP socket in an INET record (`state`,
/// `KCR_INET_*`: the kernel's `TCP_*` values).
pub mod inet_state {
    /// `KCR_INET_CLOSE` (`TCP_CLOSE`): a new socket, bound or not.
    pub const CLOSE: u32 = 7;
    /// `KCR_INET_LISTEN` (`TCP_LISTEN`): a TCP listener (bound, with a
    /// port; its connections not accepted yet follow its INET record).
    pub const LISTEN: u32 = 10;
    /// `KCR_INET_CONNECTED` (`TCP_ESTABLISHED`): a connected UDP socket,
    /// or an established TCP connection (a `KCR_REC_TCP_CONN` follows
    /// its INET record).
    pub const CONNECTED: u32 = 1;

    /// The state's name, or None for a state an INET record does not
    /// hold.
    pub fn name(s: u32) -> Option<&'static str> {
        Some(match s {
            CLOSE => "close",
            LISTEN => "listen",
            CONNECTED => "connected",
            _ => return None,
        })
    }
}

/// What an INET record holds that `kcr.h` takes from elsewhere: families
/// (`AF_*`), protocols (`IPPROTO_*`), path MTU discovery modes
/// (`IP_PMTUDISC_*`, the same values as `IPV6_PMTUDISC_*`), and the
/// bounds of the kernel's `kcr_inet_rec_ok()` (from `<net/tcp.h>` and
/// `<linux/limits.h>`). Its [`kcr_sockopts`](super::kcr_sockopts) has the
/// bounds of a UNIX record's options ([`super::unix_sock`]: `MAX_ERRNO`,
/// `LINGER_MAX`, `TIMEO_MAX_US`, the kernel's `KCR_SOCK_TIMEO_MAX`).
pub mod inet_sock {
    /// `AF_INET`.
    pub const AF_INET: u16 = 2;
    /// `AF_INET6`.
    pub const AF_INET6: u16 = 10;
    /// `IPPROTO_TCP` (a `SOCK_STREAM` socket).
    pub const IPPROTO_TCP: u16 = 6;
    /// `IPPROTO_UDP` (a `SOCK_DGRAM` socket).
    pub const IPPROTO_UDP: u16 = 17;
    /// `IP_PMTUDISC_WANT`: the `pmtudisc` of a new socket (with the
    /// default `net.ipv4.ip_no_pmtu_disc`).
    pub const IP_PMTUDISC_WANT: u32 = 1;
    /// `IP_PMTUDISC_OMIT`: the largest `pmtudisc`.
    pub const IP_PMTUDISC_OMIT: u32 = 5;
    /// The kernel's `MAX_TCP_KEEPIDLE`: the largest `keepidle` (seconds).
    pub const MAX_TCP_KEEPIDLE: u32 = 32767;
    /// The kernel's `MAX_TCP_KEEPINTVL`: the largest `keepintvl` (seconds).
    pub const MAX_TCP_KEEPINTVL: u32 = 32767;
    /// The kernel's `MAX_TCP_KEEPCNT`: the largest `keepcnt`.
    pub const MAX_TCP_KEEPCNT: u32 = 127;
    /// The kernel's `MAX_TCP_SYNCNT`: the largest `syncnt`.
    pub const MAX_TCP_SYNCNT: u32 = 127;
    /// The kernel's `TCP_FIN_TIMEOUT_MAX / HZ`: the largest `linger2`
    /// (seconds).
    pub const LINGER2_MAX: i32 = 120;
    /// The kernel's `MAX_TCP_WINDOW`: the largest `maxseg`.
    pub const MAX_TCP_WINDOW: u32 = 32767;
    /// The kernel's `INT_MAX`: the largest `backlog` of a listener.
    pub const BACKLOG_MAX: u32 = i32::MAX as u32;
    /// The congestion control of a new TCP socket with the kernel's
    /// default `net.ipv4.tcp_congestion_control` (`CONFIG_DEFAULT_TCP_CONG`).
    pub const DEFAULT_CONGESTION: &str = "cubic";

    /// The family's name ("ipv4", "ipv6"), or None for a family an INET
    /// record does not hold.
    pub fn family_name(f: u16) -> Option<&'static str> {
        Some(match f {
            AF_INET => "ipv4",
            AF_INET6 => "ipv6",
            _ => return None,
        })
    }

    /// The protocol's name ("tcp", "udp"), or None for a protocol an
    /// INET record does not hold.
    pub fn protocol_name(p: u16) -> Option<&'static str> {
        Some(match p {
            IPPROTO_TCP => "tcp",
            IPPROTO_UDP => "udp",
            _ => return None,
        })
    }

    /// The name of a path MTU discovery mode (`IP_PMTUDISC_*`: "dont",
    /// "want", "do", "probe", "interface", "omit"), or None above
    /// [`IP_PMTUDISC_OMIT`].
    pub fn pmtudisc_name(p: u32) -> Option<&'static str> {
        ["dont", "want", "do", "probe", "interface", "omit"]
            .get(p as usize)
            .copied()
    }
}

/// The options a TCP connection's handshake agreed on (`opts` of a
/// [`kcr_rec_tcp_conn`], `KCR_TCP_OPT_*`).
pub mod tcp_opts {
    /// `KCR_TCP_OPT_SACK`: SACK permitted.
    pub const SACK: u32 = 0x1;
    /// `KCR_TCP_OPT_TSTAMP`: timestamps.
    pub const TSTAMP: u32 = 0x2;
    /// `KCR_TCP_OPT_WSCALE`: window scaling (`snd_wscale`, `rcv_wscale`).
    pub const WSCALE: u32 = 0x4;
    /// `KCR_TCP_OPT_ALL`.
    pub const ALL: u32 = 0x7;
    /// Every option with its name, by increasing value.
    pub const NAMES: [(u32, &str); 3] =
        [(SACK, "sack"), (TSTAMP, "timestamps"), (WSCALE, "wscale")];

    /// The names of the options of `opts` that [`NAMES`] has, by
    /// increasing value.
    pub fn names(opts: u32) -> Vec<&'static str> {
        super::bit_names(&NAMES, opts)
    }
}

/// The queues of a TCP connection (`queue` of a [`kcr_rec_tcp_data`],
/// `KCR_TCP_*_QUEUE`), and the bounds of the kernel's
/// `kcr_tcp_conn_ok()` on a [`kcr_rec_tcp_conn`] that `kcr.h` takes from
/// `<net/tcp.h>`.
pub mod tcp_conn {
    /// `KCR_TCP_SEND_QUEUE`: the send queue, from `snd_una` to
    /// `write_seq` (from `snd_nxt` on not sent yet).
    pub const SEND_QUEUE: u32 = 1;
    /// `KCR_TCP_RECV_QUEUE`: the receive queue, from `copied_seq` to
    /// `rcv_nxt` (not read yet).
    pub const RECV_QUEUE: u32 = 2;
    /// The kernel's `TCP_MAX_WSCALE` (glibc's `TCP_MAX_WINSHIFT`): the
    /// largest window scale.
    pub const MAX_WSCALE: u8 = 14;
    /// The kernel's `TCP_MIN_MSS`: the smallest `mss_clamp`.
    pub const MIN_MSS: u32 = 88;
    /// The largest `mss_clamp` (the MSS option's 16 bits).
    pub const MAX_MSS: u32 = 65535;
    /// The largest window before scaling (glibc's `TCP_MAXWIN`): a
    /// window is at most this shifted left by its scale.
    pub const MAX_WINDOW: u32 = 65535;

    /// The queue's name ("send", "receive"), or None for a queue a
    /// TCP_DATA record does not hold.
    pub fn queue_name(q: u32) -> Option<&'static str> {
        Some(match q {
            SEND_QUEUE => "send",
            RECV_QUEUE => "receive",
            _ => return None,
        })
    }
}

/// The names of the bits of `flags` that `names` (bit, name) has, in
/// its order.
fn bit_names(names: &[(u32, &'static str)], flags: u32) -> Vec<&'static str> {
    names
        .iter()
        .filter(|(bit, _)| flags & bit != 0)
        .map(|(_, n)| *n)
        .collect()
}

/// VMA flags.
pub mod vma_flags {
    /// `KCR_VMA_SHARED`.
    pub const SHARED: u32 = 1 << 0;
    /// `KCR_VMA_GROWSDOWN`.
    pub const GROWSDOWN: u32 = 1 << 1;
    /// `KCR_VMA_VDSO`.
    pub const VDSO: u32 = 1 << 2;
    /// `KCR_VMA_VVAR`.
    pub const VVAR: u32 = 1 << 3;
    /// `KCR_VMA_DONTFORK`.
    pub const DONTFORK: u32 = 1 << 4;
    /// `KCR_VMA_DONTDUMP`.
    pub const DONTDUMP: u32 = 1 << 5;
    /// `KCR_VMA_WIPEONFORK`.
    pub const WIPEONFORK: u32 = 1 << 6;
    /// `KCR_VMA_HEAP`.
    pub const HEAP: u32 = 1 << 7;
    /// `KCR_VMA_STACK`.
    pub const STACK: u32 = 1 << 8;
    /// `KCR_VMA_LOCKED`: `mlock()`.
    pub const LOCKED: u32 = 1 << 9;
    /// `KCR_VMA_LOCKONFAULT`: `mlock2(MLOCK_ONFAULT)`.
    pub const LOCKONFAULT: u32 = 1 << 10;
    /// `KCR_VMA_DROPPABLE`: `MAP_DROPPABLE`.
    pub const DROPPABLE: u32 = 1 << 11;
    /// `KCR_VMA_COW`: the parent's mapping, as fork() copied it.
    pub const COW: u32 = 1 << 12;
    /// `KCR_VMA_FLAGS_ALL`.
    pub const ALL: u32 = (1 << 13) - 1;
    /// Names, in bit order.
    pub const NAMES: [&str; 13] = [
        "shared",
        "growsdown",
        "vdso",
        "vvar",
        "dontfork",
        "dontdump",
        "wipeonfork",
        "heap",
        "stack",
        "locked",
        "lockonfault",
        "droppable",
        "cow",
    ];
}

/// `struct kcr_hdr`.
#[repr(C)]
#[derive(Debug, Clone, Copy, FromBytes, KnownLayout, Immutable)]
pub struct kcr_hdr {
    /// Record type.
    pub type_: u32,
    /// Whole record length, header included, a multiple of 8.
    pub len: u32,
}

/// `struct kcr_rec_header`.
#[repr(C)]
#[derive(Debug, Clone, Copy, FromBytes, KnownLayout, Immutable)]
pub struct kcr_rec_header {
    /// Record header.
    pub h: kcr_hdr,
    /// `KCR_MAGIC`.
    pub magic: u64,
    /// Format version.
    pub version: u32,
    /// Architecture.
    pub arch: u32,
    /// Checkpoint time, seconds since the epoch.
    pub time: u64,
    /// checkpoint() flags.
    pub flags: u32,
    /// Page size.
    pub page_size: u32,
    /// User xstate features of the checkpointing CPU.
    pub xfeatures: u64,
    /// Size of an XSTATE payload.
    pub xstate_size: u32,
    /// Padding.
    pub __pad: u32,
    /// utsname.sysname.
    pub sysname: [u8; KCR_UTS_LEN],
    /// utsname.nodename.
    pub nodename: [u8; KCR_UTS_LEN],
    /// utsname.release.
    pub release: [u8; KCR_UTS_LEN],
    /// utsname.version.
    pub version_str: [u8; KCR_UTS_LEN],
    /// utsname.machine.
    pub machine: [u8; KCR_UTS_LEN],
    /// utsname.domainname.
    pub domainname: [u8; KCR_UTS_LEN],
    /// Padding.
    pub __pad2: [u8; 2],
}

/// `struct kcr_rec_task`.
#[repr(C)]
#[derive(Debug, Clone, Copy, FromBytes, KnownLayout, Immutable)]
pub struct kcr_rec_task {
    /// Record header.
    pub h: kcr_hdr,
    /// Object id.
    pub objid: u32,
    /// PID.
    pub pid: i32,
    /// Thread group.
    pub tgid: i32,
    /// Parent.
    pub ppid: i32,
    /// Real uid.
    pub uid: u32,
    /// Effective uid.
    pub euid: u32,
    /// Saved uid.
    pub suid: u32,
    /// Filesystem uid.
    pub fsuid: u32,
    /// Real gid.
    pub gid: u32,
    /// Effective gid.
    pub egid: u32,
    /// Saved gid.
    pub sgid: u32,
    /// Filesystem gid.
    pub fsgid: u32,
    /// `KCR_TASK_*`.
    pub flags: u32,
    /// rseq area length.
    pub rseq_len: u32,
    /// rseq area, 0 if none.
    pub rseq: u64,
    /// rseq signature.
    pub rseq_sig: u32,
    /// A process: its number of threads (1 ..= `KCR_THREADS_MAX`); a thread: 0.
    pub nr_threads: u32,
    /// clear_child_tid.
    pub clear_child_tid: u64,
    /// robust_list head.
    pub robust_list: u64,
    /// robust_list length.
    pub robust_list_len: u64,
    /// Blocked signals.
    pub sigblocked: u64,
    /// comm, NUL-terminated.
    pub comm: [u8; KCR_COMM_LEN],
    /// sigaltstack base.
    pub sas_ss_sp: u64,
    /// sigaltstack size.
    pub sas_ss_size: u64,
    /// sigaltstack flags (SS_DISABLE, or 0 with SS_AUTODISARM).
    pub sas_ss_flags: u32,
    /// Padding.
    pub __pad2: u32,
    /// `KCR_CHECKPOINT_HOSTINFO`: physical address of the task's user
    /// register frame on its kernel stack; else 0.
    pub regs_phys: u64,
}

/// `struct kcr_x86_regs` (user_regs_struct layout).
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, FromBytes, KnownLayout, Immutable, serde::Serialize)]
#[allow(missing_docs)]
pub struct kcr_x86_regs {
    pub r15: u64,
    pub r14: u64,
    pub r13: u64,
    pub r12: u64,
    pub bp: u64,
    pub bx: u64,
    pub r11: u64,
    pub r10: u64,
    pub r9: u64,
    pub r8: u64,
    pub ax: u64,
    pub cx: u64,
    pub dx: u64,
    pub si: u64,
    pub di: u64,
    pub orig_ax: u64,
    pub ip: u64,
    pub cs: u64,
    pub flags: u64,
    pub sp: u64,
    pub ss: u64,
    pub fs_base: u64,
    pub gs_base: u64,
    pub ds: u64,
    pub es: u64,
    pub fs: u64,
    pub gs: u64,
}

/// `struct kcr_rec_cpu`.
#[repr(C)]
#[derive(Debug, Clone, Copy, FromBytes, KnownLayout, Immutable)]
pub struct kcr_rec_cpu {
    /// Record header.
    pub h: kcr_hdr,
    /// Registers.
    pub regs: kcr_x86_regs,
}

/// `struct kcr_rec_xstate` (followed by `size` bytes of XSAVE area).
#[repr(C)]
#[derive(Debug, Clone, Copy, FromBytes, KnownLayout, Immutable)]
pub struct kcr_rec_xstate {
    /// Record header.
    pub h: kcr_hdr,
    /// xfeatures of the saved area.
    pub xfeatures: u64,
    /// Size of the area.
    pub size: u32,
    /// Padding.
    pub __pad: u32,
}

/// `struct kcr_rec_mm`.
#[repr(C)]
#[derive(Debug, Clone, Copy, FromBytes, KnownLayout, Immutable, serde::Serialize)]
#[allow(missing_docs)]
pub struct kcr_rec_mm {
    #[serde(skip)]
    pub h: kcr_hdr,
    pub objid: u32,
    pub nr_vmas: u32,
    pub start_code: u64,
    pub end_code: u64,
    pub start_data: u64,
    pub end_data: u64,
    pub start_brk: u64,
    pub brk: u64,
    pub start_stack: u64,
    pub arg_start: u64,
    pub arg_end: u64,
    pub env_start: u64,
    pub env_end: u64,
    pub vdso: u64,
    /// `KCR_CHECKPOINT_HOSTINFO`: physical address of the page-table root
    /// (the PGD CR3 points to); else 0.
    pub pgd_phys: u64,
}

/// `struct kcr_rec_file` (followed by `path_len` bytes of path).
#[repr(C)]
#[derive(Debug, Clone, Copy, FromBytes, KnownLayout, Immutable)]
#[allow(missing_docs)]
pub struct kcr_rec_file {
    pub h: kcr_hdr,
    pub objid: u32,
    pub f_flags: u32,
    pub ino: u64,
    pub size: u64,
    pub mtime_sec: i64,
    pub mtime_nsec: u32,
    pub mode: u32,
    pub path_len: u32,
    pub kind: u32,
    pub pos: i64,
    pub rdev: u32,
    pub pipe_ref: u32,
}

/// `struct kcr_rec_groups` (followed by `ngroups` u32 gids).
#[repr(C)]
#[derive(Debug, Clone, Copy, FromBytes, KnownLayout, Immutable)]
#[allow(missing_docs)]
pub struct kcr_rec_groups {
    pub h: kcr_hdr,
    pub ngroups: u32,
    pub __pad: u32,
}

/// `struct kcr_rlimit`.
#[repr(C)]
#[derive(Debug, Clone, Copy, FromBytes, KnownLayout, Immutable)]
#[allow(missing_docs)]
pub struct kcr_rlimit {
    pub cur: u64,
    pub max: u64,
}

/// `struct kcr_rec_rlimits`.
#[repr(C)]
#[derive(Debug, Clone, Copy, FromBytes, KnownLayout, Immutable)]
#[allow(missing_docs)]
pub struct kcr_rec_rlimits {
    pub h: kcr_hdr,
    pub nr: u32,
    pub __pad: u32,
    pub rlim: [kcr_rlimit; KCR_RLIM_NLIMITS],
}

/// `struct kcr_sigaction`.
#[repr(C)]
#[derive(Debug, Clone, Copy, FromBytes, KnownLayout, Immutable)]
#[allow(missing_docs)]
pub struct kcr_sigaction {
    pub handler: u64,
    pub flags: u64,
    pub restorer: u64,
    pub mask: u64,
}

/// `struct kcr_rec_sighand`.
#[repr(C)]
#[derive(Debug, Clone, Copy, FromBytes, KnownLayout, Immutable)]
#[allow(missing_docs)]
pub struct kcr_rec_sighand {
    pub h: kcr_hdr,
    pub objid: u32,
    pub nr: u32,
    pub action: [kcr_sigaction; KCR_NSIG],
}

/// `struct kcr_rec_sigpending`.
#[repr(C)]
#[derive(Debug, Clone, Copy, FromBytes, KnownLayout, Immutable)]
#[allow(missing_docs)]
pub struct kcr_rec_sigpending {
    pub h: kcr_hdr,
    pub queue: u32,
    pub signo: i32,
    pub code: i32,
    pub __pad: u32,
    pub siginfo: [u8; KCR_SIGINFO_SIZE],
}

/// `struct kcr_rec_pipe` (followed by `nr_bytes` of data).
#[repr(C)]
#[derive(Debug, Clone, Copy, FromBytes, KnownLayout, Immutable)]
#[allow(missing_docs)]
pub struct kcr_rec_pipe {
    pub h: kcr_hdr,
    pub objid: u32,
    pub size: u32,
    pub nr_bytes: u32,
    pub __pad: u32,
}

/// `struct kcr_rec_fs`.
#[repr(C)]
#[derive(Debug, Clone, Copy, FromBytes, KnownLayout, Immutable)]
#[allow(missing_docs)]
pub struct kcr_rec_fs {
    pub h: kcr_hdr,
    pub umask: u32,
    pub root_ref: u32,
    pub cwd_ref: u32,
    pub __pad: u32,
}

/// `struct kcr_rec_fdtable`.
#[repr(C)]
#[derive(Debug, Clone, Copy, FromBytes, KnownLayout, Immutable)]
#[allow(missing_docs)]
pub struct kcr_rec_fdtable {
    pub h: kcr_hdr,
    pub objid: u32,
    pub nr_fds: u32,
}

/// `struct kcr_rec_fd`.
#[repr(C)]
#[derive(Debug, Clone, Copy, FromBytes, KnownLayout, Immutable)]
#[allow(missing_docs)]
pub struct kcr_rec_fd {
    pub h: kcr_hdr,
    pub fd: u32,
    pub flags: u32,
    pub file_ref: u32,
    pub __pad: u32,
}

/// `struct kcr_rec_debugregs`: hardware breakpoints, when in use.
#[repr(C)]
#[derive(Debug, Clone, Copy, FromBytes, KnownLayout, Immutable)]
#[allow(missing_docs)]
pub struct kcr_rec_debugregs {
    pub h: kcr_hdr,
    pub addr: [u64; 4],
    pub dr6: u64,
    pub dr7: u64,
}

/// `struct kcr_rec_attrs` (followed by `auxv_len` bytes of auxiliary
/// vector): what prctl(2), setpriority(2), sched_setscheduler(2) and
/// `/proc/PID/oom_score_adj` set, the executable and the auxiliary vector
/// of a process.
#[repr(C)]
#[derive(Debug, Clone, Copy, FromBytes, KnownLayout, Immutable)]
#[allow(missing_docs)]
pub struct kcr_rec_attrs {
    pub h: kcr_hdr,
    pub nice: i32,
    pub policy: u32,
    pub oom_score_adj: i32,
    pub pdeath_signal: u32,
    pub timer_slack_ns: u64,
    pub flags: u32,
    pub exe_ref: u32,
    pub auxv_len: u32,
    pub __pad: u32,
}

/// `struct kcr_tree_task`: one process of a TREE record.
#[repr(C)]
#[derive(Debug, Clone, Copy, FromBytes, KnownLayout, Immutable, serde::Serialize)]
#[allow(missing_docs)]
pub struct kcr_tree_task {
    pub pid: i32,
    pub ppid: i32,
    pub pgid: i32,
    pub sid: i32,
    pub flags: u32,
    pub exit_status: u32,
}

/// `struct kcr_rec_tree`: followed by `nr_tasks` `kcr_tree_task`.
#[repr(C)]
#[derive(Debug, Clone, Copy, FromBytes, KnownLayout, Immutable)]
#[allow(missing_docs)]
pub struct kcr_rec_tree {
    pub h: kcr_hdr,
    pub nr_tasks: u32,
    pub __pad: u32,
}

/// `struct kcr_rec_vma`.
#[repr(C)]
#[derive(Debug, Clone, Copy, FromBytes, KnownLayout, Immutable)]
#[allow(missing_docs)]
pub struct kcr_rec_vma {
    pub h: kcr_hdr,
    pub start: u64,
    pub end: u64,
    pub pgoff: u64,
    pub prot: u32,
    pub flags: u32,
    pub file_ref: u32,
    pub __pad: u32,
}

/// `struct kcr_rec_pages` (followed by `nr_pages` pages).
#[repr(C)]
#[derive(Debug, Clone, Copy, FromBytes, KnownLayout, Immutable)]
#[allow(missing_docs)]
pub struct kcr_rec_pages {
    pub h: kcr_hdr,
    pub addr: u64,
    pub nr_pages: u32,
    pub __pad: u32,
}

/// `struct kcr_rec_eventfd`: the state of the eventfd FILE it follows.
#[repr(C)]
#[derive(Debug, Clone, Copy, FromBytes, KnownLayout, Immutable)]
#[allow(missing_docs)]
pub struct kcr_rec_eventfd {
    pub h: kcr_hdr,
    pub count: u64,
    pub flags: u32,
    pub __pad: u32,
}

/// `KCR_EFD_SEMAPHORE`: `EFD_SEMAPHORE`.
pub const KCR_EFD_SEMAPHORE: u32 = 1;

/// `struct kcr_rec_signalfd`: the signals of the signalfd FILE it follows.
#[repr(C)]
#[derive(Debug, Clone, Copy, FromBytes, KnownLayout, Immutable)]
#[allow(missing_docs)]
pub struct kcr_rec_signalfd {
    pub h: kcr_hdr,
    pub mask: u64,
}

/// `struct kcr_rec_timerfd`: the state of the timerfd FILE it follows.
#[repr(C)]
#[derive(Debug, Clone, Copy, FromBytes, KnownLayout, Immutable)]
#[allow(missing_docs)]
pub struct kcr_rec_timerfd {
    pub h: kcr_hdr,
    pub clockid: u32,
    pub flags: u32,
    pub value_ns: i64,
    pub interval_ns: i64,
    pub ticks: u64,
}

/// `struct kcr_epoll_item`: one item of an EPOLL record's interest list.
#[repr(C)]
#[derive(Debug, Clone, Copy, FromBytes, KnownLayout, Immutable)]
#[allow(missing_docs)]
pub struct kcr_epoll_item {
    pub file_ref: u32,
    pub fd: i32,
    pub events: u32,
    pub flags: u32,
    pub data: u64,
}

/// `struct kcr_rec_epoll`: followed by `nr_items` `kcr_epoll_item`.
#[repr(C)]
#[derive(Debug, Clone, Copy, FromBytes, KnownLayout, Immutable)]
#[allow(missing_docs)]
pub struct kcr_rec_epoll {
    pub h: kcr_hdr,
    pub nr_items: u32,
    pub __pad: u32,
}

/// `struct kcr_itimer`: one interval timer.
#[repr(C)]
#[derive(Debug, Clone, Copy, FromBytes, KnownLayout, Immutable)]
#[allow(missing_docs)]
pub struct kcr_itimer {
    pub value_ns: i64,
    pub interval_ns: i64,
}

/// `struct kcr_rec_itimers`: ITIMER_REAL, ITIMER_VIRTUAL, ITIMER_PROF.
#[repr(C)]
#[derive(Debug, Clone, Copy, FromBytes, KnownLayout, Immutable)]
#[allow(missing_docs)]
pub struct kcr_rec_itimers {
    pub h: kcr_hdr,
    pub it: [kcr_itimer; 3],
}

/// `struct kcr_rec_ptimers`: the POSIX timers of a process; `nr` (at most
/// `KCR_PTIMERS_MAX`) PTIMER records follow, by increasing id. `next_id`
/// is the id the next `timer_create()` tries first.
#[repr(C)]
#[derive(Debug, Clone, Copy, FromBytes, KnownLayout, Immutable)]
#[allow(missing_docs)]
pub struct kcr_rec_ptimers {
    pub h: kcr_hdr,
    pub nr: u32,
    pub next_id: i32,
}

/// `struct kcr_rec_ptimer`: one POSIX timer (`timer_create(2)`): its id,
/// clock, sigevent (`notify`, `signo`, `tid`, `sigval`), time left (or,
/// with `ptimer_flags::ABS`, the wall-clock time of expiry), interval and
/// overrun counts.
#[repr(C)]
#[derive(Debug, Clone, Copy, FromBytes, KnownLayout, Immutable)]
#[allow(missing_docs)]
pub struct kcr_rec_ptimer {
    pub h: kcr_hdr,
    pub id: i32,
    pub clock: i32,
    pub notify: i32,
    pub signo: i32,
    pub tid: i32,
    pub flags: u32,
    pub sig_overrun: i32,
    pub __pad: u32,
    pub sigval: u64,
    pub value_ns: i64,
    pub interval_ns: i64,
    pub overrun: i64,
    pub overrun_last: i64,
}

/// `struct kcr_rec_lock`: a file lock of a process (kind
/// [`lock_kind`]), on the open file `file_ref`, which one of its
/// descriptors refers to: `type_` `F_RDLCK` (0) or `F_WRLCK` (1), bytes
/// `start ..= end` (`end` `i64::MAX`, the kernel's `OFFSET_MAX`: to the end
/// of the file; a `flock()` lock: `0 ..= OFFSET_MAX`, the whole file).
#[repr(C)]
#[derive(Debug, Clone, Copy, FromBytes, KnownLayout, Immutable)]
#[allow(missing_docs)]
pub struct kcr_rec_lock {
    pub h: kcr_hdr,
    pub file_ref: u32,
    pub kind: u32,
    pub type_: u32,
    pub __pad: u32,
    pub start: i64,
    pub end: i64,
}

/// `struct kcr_rec_fown`: signal-driven I/O on the open file `file_ref`,
/// which one of the process's descriptors refers to: `flags`
/// ([`KCR_FOWN_ASYNC`]: O_ASYNC is set), the owner `pid` (>= 0; 0: none)
/// of type `type_` `F_OWNER_TID` (0), `F_OWNER_PID` (1) or `F_OWNER_PGRP`
/// (2) (0 when `pid` is 0), and `signum` (`F_SETSIG`, 0 ..= `KCR_NSIG`;
/// 0: `SIGIO`).
#[repr(C)]
#[derive(Debug, Clone, Copy, FromBytes, KnownLayout, Immutable)]
#[allow(missing_docs)]
pub struct kcr_rec_fown {
    pub h: kcr_hdr,
    pub file_ref: u32,
    pub flags: u32,
    pub pid: i32,
    pub type_: u32,
    pub signum: i32,
    pub __pad: u32,
}

/// `KCR_FOWN_ASYNC`: a FOWN record's file has O_ASYNC set.
pub const KCR_FOWN_ASYNC: u32 = 0x1;

/// `struct kcr_rec_seals`: the seals ([`seal_flags`]) of the shmem file
/// `file_ref` (a memfd), after its contents; never [`seal_flags::SEAL`]
/// alone, which is the default; 0 for a sealable file with no seal.
#[repr(C)]
#[derive(Debug, Clone, Copy, FromBytes, KnownLayout, Immutable)]
#[allow(missing_docs)]
pub struct kcr_rec_seals {
    pub h: kcr_hdr,
    pub file_ref: u32,
    pub seals: u32,
}

/// `struct kcr_rec_inotify`: the state of the inotify FILE it follows:
/// `nr_watches` (at most [`KCR_INOTIFY_WATCHES_MAX`]) INOTIFY_WATCH
/// records follow it, then `nr_events` (at most
/// [`KCR_INOTIFY_EVENTS_MAX`]) INOTIFY_EVENT records, oldest first.
/// `cursor` (>= 0) is where the search for the next watch descriptor
/// starts.
#[repr(C)]
#[derive(Debug, Clone, Copy, FromBytes, KnownLayout, Immutable)]
#[allow(missing_docs)]
pub struct kcr_rec_inotify {
    pub h: kcr_hdr,
    pub nr_watches: u32,
    pub nr_events: u32,
    pub cursor: i32,
    pub pad: u32,
}

/// `struct kcr_rec_inotify_watch` (followed by `path_len` bytes of path,
/// 2 ..= `KCR_PATH_MAX`, absolute and NUL-terminated, zero-padded to 8):
/// watch descriptor `wd` (> 0, unique in its inotify) of the inode `ino`
/// at the path, with `mask` ([`inotify_mask`] bits within
/// [`KCR_INOTIFY_WATCH_MASK`], one event at least).
#[repr(C)]
#[derive(Debug, Clone, Copy, FromBytes, KnownLayout, Immutable)]
#[allow(missing_docs)]
pub struct kcr_rec_inotify_watch {
    pub h: kcr_hdr,
    pub wd: i32,
    pub mask: u32,
    pub ino: u64,
    pub path_len: u32,
    pub pad: u32,
}

/// `struct kcr_rec_inotify_event` (followed by `name_len` bytes of name,
/// 0 ..= [`NAME_MAX`], without a NUL, zero-padded to 8): a queued event as
/// `read()` returns it: `wd` (> 0; -1 for [`inotify_mask::Q_OVERFLOW`]
/// alone), `mask` (within [`KCR_INOTIFY_EVENT_MASK`]), `cookie`.
#[repr(C)]
#[derive(Debug, Clone, Copy, FromBytes, KnownLayout, Immutable)]
#[allow(missing_docs)]
pub struct kcr_rec_inotify_event {
    pub h: kcr_hdr,
    pub wd: i32,
    pub mask: u32,
    pub cookie: u32,
    pub name_len: u32,
}

/// `struct kcr_rec_tty`: the termios and window size of the terminal
/// whose FILE record it follows (every FILE of a terminal,
/// [`tty::is_tty`], has one): `c_line` [`tty::N_TTY`], `c_iflag`,
/// `c_oflag` and `c_lflag` within [`KCR_TTY_IFLAGS`], [`KCR_TTY_OFLAGS`]
/// and [`KCR_TTY_LFLAGS`], `pad` 0.
#[repr(C)]
#[derive(Debug, Clone, Copy, FromBytes, KnownLayout, Immutable)]
#[allow(missing_docs)]
pub struct kcr_rec_tty {
    pub h: kcr_hdr,
    pub c_iflag: u32,
    pub c_oflag: u32,
    pub c_cflag: u32,
    pub c_lflag: u32,
    pub c_line: u8,
    pub c_cc: [u8; tty::NCCS],
    pub c_ispeed: u32,
    pub c_ospeed: u32,
    pub ws_row: u16,
    pub ws_col: u16,
    pub ws_xpixel: u16,
    pub ws_ypixel: u16,
    pub pad: u32,
}

/// `struct kcr_rec_ctty`: the controlling terminal of a process, after
/// its FOWN records, at most one: `file_ref` an earlier FILE object of
/// the terminal (one that no descriptor of the process need refer to),
/// `sid` (> 0) the session the terminal belongs to, `fg_pgrp` (>= 0) its
/// foreground process group (0: none), `pad` 0.
#[repr(C)]
#[derive(Debug, Clone, Copy, FromBytes, KnownLayout, Immutable)]
#[allow(missing_docs)]
pub struct kcr_rec_ctty {
    pub h: kcr_hdr,
    pub file_ref: u32,
    pub sid: i32,
    pub fg_pgrp: i32,
    pub pad: u32,
}

/// `struct kcr_rec_unix` (followed by `node_len` bytes of a path, zero-
/// padded to 8): the state of the `AF_UNIX` socket whose FILE (a
/// `KCR_FILE_UNIX`, read-write) it follows: `type_` and `state`
/// ([`unix_sock`]: a listener is a bound stream or seqpacket socket),
/// `flags` ([`unix_flags`] within [`unix_flags::ALL`]), `shutdown`, the
/// pending `err`, `peek_off` (-1: off), `backlog` (a listener's
/// `listen()` backlog, else the datagram queue limit), `sndbuf` and
/// `rcvbuf` with `userlocks`, `rcvlowat`, `linger` (with
/// [`unix_flags::LINGER`]), the timeouts (0: none), the socket inode's
/// `ino_mode` (`S_IFSOCK` and permissions, the FILE's mode), owner and
/// group, `SO_PEERCRED` (with [`unix_flags::PEERCRED`], else 0), and its
/// name: `addr_len` bytes of a `struct sockaddr_un` in `addr` (0: none),
/// its own with [`unix_flags::BOUND`], else its listener's. A socket
/// bound to a path (`sun_path` not starting with a NUL) has its socket
/// file `node_*`, whose absolute path (`node_len` bytes with its NUL, at
/// most [`KCR_PATH_MAX`]) follows the record; any other has `node_*` 0.
/// `peer_ngroups` is for state not saved yet: 0.
#[repr(C)]
#[derive(Debug, Clone, Copy, FromBytes, KnownLayout, Immutable)]
#[allow(missing_docs)]
pub struct kcr_rec_unix {
    pub h: kcr_hdr,
    pub type_: u32,
    pub state: u32,
    pub flags: u32,
    pub shutdown: u32,
    pub err: i32,
    pub peek_off: i32,
    pub backlog: u32,
    pub sndbuf: u32,
    pub rcvbuf: u32,
    pub userlocks: u32,
    pub rcvlowat: u32,
    pub linger: u32,
    pub rcvtimeo_us: u64,
    pub sndtimeo_us: u64,
    pub ino_mode: u32,
    pub ino_uid: u32,
    pub ino_gid: u32,
    pub peer_pid: i32,
    pub peer_uid: u32,
    pub peer_gid: u32,
    pub peer_ngroups: u32,
    pub addr_len: u32,
    pub addr: [u8; 112],
    pub node_ino: u64,
    pub node_mode: u32,
    pub node_uid: u32,
    pub node_gid: u32,
    pub node_len: u32,
}

/// `struct kcr_rec_unix_queue`: the connection of the socket `file_ref`
/// (a `KCR_FILE_UNIX` object of this section, one QUEUE each): `peer`
/// ([`unix_peer`]) and, for [`unix_peer::FILE`], `peer_ref`; then its
/// receive queue, the `nr_skbs` (at most [`KCR_UNIX_QUEUE_SKBS`])
/// UNIX_SKB records that follow, oldest first, `bytes` in all (at most
/// [`KCR_UNIX_QUEUE_BYTES`]). A connection not accepted yet has peer
/// [`unix_peer::EMBRYO`] (`peer_ref` its listener) and nothing queued. A
/// listener has no peer and no buffers: `nr_embryos` UNIX_EMBRYO records
/// follow it (at most its `backlog` + 1). A socket whose peer was
/// outside the checkpoint has peer [`unix_peer::EXTERNAL`] and that
/// peer's name in `peer_addr_len` and `peer_addr` (a `struct sockaddr_un`
/// as a UNIX record's `addr` holds one: a path with its NUL, or an
/// abstract name), which are 0 for any other peer.
#[repr(C)]
#[derive(Debug, Clone, Copy, FromBytes, KnownLayout, Immutable)]
#[allow(missing_docs)]
pub struct kcr_rec_unix_queue {
    pub h: kcr_hdr,
    pub file_ref: u32,
    pub peer: u32,
    pub peer_ref: u32,
    pub peer_addr_len: u32,
    pub nr_embryos: u32,
    pub nr_skbs: u32,
    pub bytes: u64,
    pub peer_addr: [u8; 112],
}

/// `struct kcr_rec_unix_embryo`: a connection the listening socket whose
/// UNIX_QUEUE record it follows has not accepted yet (oldest first), then
/// its `nr_skbs` (at most [`KCR_UNIX_QUEUE_SKBS`]) UNIX_SKB records, the
/// data the connecting socket sent, `bytes` in all (at most
/// [`KCR_UNIX_QUEUE_BYTES`]). `peer`: [`unix_peer::FILE`], the connecting
/// socket `peer_ref` (a socket of the image of the listener's type, whose
/// own UNIX_QUEUE record names the listener with [`unix_peer::EMBRYO`]),
/// or [`unix_peer::DEAD`] (closed since; `peer_ref` 0). `shutdown` and
/// `SO_PEERCRED` (with [`unix_flags::PEERCRED`], its only flag, else 0)
/// are the embryo's, as `accept()` will return them.
#[repr(C)]
#[derive(Debug, Clone, Copy, FromBytes, KnownLayout, Immutable)]
#[allow(missing_docs)]
pub struct kcr_rec_unix_embryo {
    pub h: kcr_hdr,
    pub peer: u32,
    pub peer_ref: u32,
    pub shutdown: u32,
    pub flags: u32,
    pub peer_pid: i32,
    pub peer_uid: u32,
    pub peer_gid: u32,
    pub nr_skbs: u32,
    pub bytes: u64,
}

/// `struct kcr_rec_unix_skb` (followed by `nr_fds` `u32` object ids, at
/// most [`KCR_UNIX_SKB_FDS`], zero-padded to 8, then `len` bytes of data,
/// at most [`KCR_UNIX_SKB_MAX`], zero-padded to 8): one buffer of a
/// receive queue, with the credentials it carries (with
/// [`KCR_UNIX_SKB_CREDS`]: `pid`, >= 0, 0 for a process not in the image,
/// `uid`, `gid`; else all 0), for a `SOCK_DGRAM` socket its sender
/// `sender_ref` (a socket of the image, or 0), and its files in flight
/// (`SCM_RIGHTS`, in the order the receiver gets them: each id a FILE
/// object of the image defined before the buffer's UNIX_QUEUE or
/// UNIX_EMBRYO record, of any kind). `sender_addr_len` is for state not
/// saved yet: 0.
#[repr(C)]
#[derive(Debug, Clone, Copy, FromBytes, KnownLayout, Immutable)]
#[allow(missing_docs)]
pub struct kcr_rec_unix_skb {
    pub h: kcr_hdr,
    pub len: u32,
    pub flags: u32,
    pub pid: i32,
    pub uid: u32,
    pub gid: u32,
    pub nr_fds: u32,
    pub sender_ref: u32,
    pub sender_addr_len: u32,
}

/// `struct kcr_sockopts`: the `SOL_SOCKET` state of a socket of a family
/// other than `AF_UNIX`, part of its family's record (an INET record's
/// `so`): `flags` ([`so_flags`] within [`so_flags::ALL`]), `shutdown`
/// (`RCV_SHUTDOWN` 1 | `SEND_SHUTDOWN` 2), the pending `err` (0 ..=
/// `MAX_ERRNO`), `peek_off` (-1: off), `sndbuf` and `rcvbuf` (as
/// `getsockopt()` reports them, each with its lock flag only, else 0),
/// `rcvlowat` (>= 1), `linger` (seconds, with [`so_flags::LINGER`]), the
/// timeouts (0: none), the socket inode's `ino_mode` (`S_IFSOCK` and
/// permissions, the FILE's mode), owner (also the socket's, for
/// `SO_REUSEPORT`) and group; `reserved` 0.
#[repr(C)]
#[derive(Debug, Clone, Copy, FromBytes, KnownLayout, Immutable)]
#[allow(missing_docs)]
pub struct kcr_sockopts {
    pub flags: u32,
    pub shutdown: u32,
    pub err: i32,
    pub peek_off: i32,
    pub sndbuf: u32,
    pub rcvbuf: u32,
    pub rcvlowat: u32,
    pub linger: u32,
    pub rcvtimeo_us: u64,
    pub sndtimeo_us: u64,
    pub ino_mode: u32,
    pub ino_uid: u32,
    pub ino_gid: u32,
    pub reserved: u32,
}

/// `struct kcr_rec_inet`: the state of the TCP or UDP socket whose FILE
/// (a `KCR_FILE_INET`, read-write) it follows: `family` and `protocol`
/// ([`inet_sock`]), `state` ([`inet_state`]: a listener is a TCP socket
/// bound with a port, a connected one a UDP socket or a TCP connection,
/// whose TCP_CONN record and queues follow), `flags`
/// ([`inet_flags`] within [`inet_flags::ALL`]), `backlog` (a listener's),
/// the local address `saddr` and port `sport` (bound when `sport` is not
/// 0 or with [`inet_flags::BIND_ADDR`]), the peer's `daddr` and `dport`
/// (connected only); addresses in network byte order (IPv4: the first 4
/// bytes, the rest 0), ports in host order; `tos`, `ttl` (-1: the
/// default), `pmtudisc`; the `SOL_SOCKET` state `so`; the TCP options
/// (all 0 for UDP), `congestion` NUL-terminated; a UDP socket's queue:
/// `nr_skbs` datagrams (at most [`KCR_INET_QUEUE_DGRAMS`]) of `bytes` in
/// all (at most [`KCR_INET_QUEUE_BYTES`]), the INET_DGRAM records right
/// after this one; a TCP listener's queue: `nr_skbs` connections not
/// accepted yet (at most [`KCR_INET_QUEUE_CONNS`] and `backlog + 1`), in
/// `accept()` order, each an INET record (`KCR_INET_CONNECTED`, the
/// listener's family and port, no FILE of its own) and its TCP_CONN and
/// TCP_DATA records, right after this one (`bytes` 0 for TCP, `nr_skbs`
/// 0 for any other TCP socket); `reserved` 0.
#[repr(C)]
#[derive(Debug, Clone, Copy, FromBytes, KnownLayout, Immutable)]
#[allow(missing_docs)]
pub struct kcr_rec_inet {
    pub h: kcr_hdr,
    pub family: u16,
    pub protocol: u16,
    pub state: u32,
    pub flags: u32,
    pub backlog: u32,
    pub saddr: [u8; 16],
    pub daddr: [u8; 16],
    pub sport: u16,
    pub dport: u16,
    pub tos: u32,
    pub ttl: i32,
    pub pmtudisc: u32,
    pub so: kcr_sockopts,
    pub tcp_flags: u32,
    pub maxseg: u32,
    pub keepidle: u32,
    pub keepintvl: u32,
    pub keepcnt: u32,
    pub user_timeout: u32,
    pub syncnt: u32,
    pub linger2: i32,
    pub window_clamp: u32,
    pub notsent_lowat: u32,
    pub congestion: [u8; 16],
    pub nr_skbs: u32,
    pub reserved: u32,
    pub bytes: u64,
}

/// `struct kcr_rec_inet_dgram` (followed by `len` bytes of data, at most
/// [`KCR_INET_DGRAM_MAX`], zero-padded to 8): one datagram of a UDP
/// socket's receive queue, right after its INET record or the datagram
/// before it, oldest first: its own `family` (`AF_INET` or `AF_INET6`; an
/// IPv6 socket that takes IPv4 has `AF_INET` ones, an IPv4 socket none of
/// `AF_INET6`, a `KCR_INET_V6ONLY` one none of `AF_INET`), the sender's
/// address `saddr` and port `sport` (what `recvfrom()` returns), the
/// address `daddr` it was sent to; addresses in network byte order (IPv4:
/// the first 4 bytes, the rest 0), ports in host order.
#[repr(C)]
#[derive(Debug, Clone, Copy, FromBytes, KnownLayout, Immutable)]
#[allow(missing_docs)]
pub struct kcr_rec_inet_dgram {
    pub h: kcr_hdr,
    pub len: u32,
    pub family: u16,
    pub sport: u16,
    pub saddr: [u8; 16],
    pub daddr: [u8; 16],
}

/// `struct kcr_rec_tcp_conn`: the connection of a TCP socket in state
/// `KCR_INET_CONNECTED`, right after its INET record: its sequence
/// numbers (mod 2^32; `snd_una` not after `snd_nxt`, not after
/// `write_seq`; `copied_seq` not after `rcv_nxt`; each queue at most
/// [`KCR_TCP_QUEUE_BYTES`]), its windows (`TCP_REPAIR_WINDOW`'s five:
/// `max_window` at least `snd_wnd`, `snd_wl1` not after `rcv_nxt +
/// rcv_wnd`, `rcv_wup` not after `rcv_nxt`, `max_window` and `rcv_wnd`
/// within [`tcp_conn::MAX_WINDOW`] scaled), the peer's MSS `mss_clamp`
/// ([`tcp_conn::MIN_MSS`] ..= [`tcp_conn::MAX_MSS`]), the options the
/// handshake agreed on `opts` ([`tcp_opts`]) and with
/// [`tcp_opts::WSCALE`] the window scales (at most
/// [`tcp_conn::MAX_WSCALE`], else 0), `reserved` 0, `timestamp`
/// (`TCP_TIMESTAMP`: its clock, bit 0 set when in microseconds), the
/// buffers `sndbuf` and `rcvbuf` as now sized (at most `INT_MAX`). Its
/// queues follow as TCP_DATA records: the send queue, `write_seq -
/// snd_una` bytes, then the receive queue, `rcv_nxt - copied_seq` bytes.
#[repr(C)]
#[derive(Debug, Clone, Copy, FromBytes, KnownLayout, Immutable)]
#[allow(missing_docs)]
pub struct kcr_rec_tcp_conn {
    pub h: kcr_hdr,
    pub snd_una: u32,
    pub snd_nxt: u32,
    pub write_seq: u32,
    pub rcv_nxt: u32,
    pub copied_seq: u32,
    pub snd_wl1: u32,
    pub snd_wnd: u32,
    pub max_window: u32,
    pub rcv_wnd: u32,
    pub rcv_wup: u32,
    pub mss_clamp: u32,
    pub opts: u32,
    pub snd_wscale: u8,
    pub rcv_wscale: u8,
    pub reserved: u16,
    pub timestamp: u32,
    pub sndbuf: u32,
    pub rcvbuf: u32,
}

/// `struct kcr_rec_tcp_data` (followed by `len` bytes, 1 ..=
/// [`KCR_TCP_DATA_MAX`], zero-padded to 8): the next bytes of the
/// `queue` ([`tcp_conn::SEND_QUEUE`] or [`tcp_conn::RECV_QUEUE`]) of the
/// TCP connection whose TCP_CONN record (or data) it follows, in order;
/// never more than what is left of that queue.
#[repr(C)]
#[derive(Debug, Clone, Copy, FromBytes, KnownLayout, Immutable)]
#[allow(missing_docs)]
pub struct kcr_rec_tcp_data {
    pub h: kcr_hdr,
    pub queue: u32,
    pub len: u32,
}

/// `struct kcr_rec_mm_fork`: the process's address space starts as a copy
/// of its parent's (`ppid`).
#[repr(C)]
#[derive(Debug, Clone, Copy, FromBytes, KnownLayout, Immutable)]
#[allow(missing_docs)]
pub struct kcr_rec_mm_fork {
    pub h: kcr_hdr,
    pub ppid: i32,
    pub __pad: u32,
}

/// `KCR_EPOLL_READY`: the item was on the ready list.
pub const KCR_EPOLL_READY: u32 = 1;
/// `KCR_EPOLL_MAX`: most items in one EPOLL record.
pub const KCR_EPOLL_MAX: u32 = 16384;

/// `KCR_TFD_ABSTIME`: `TFD_TIMER_ABSTIME`.
pub const KCR_TFD_ABSTIME: u32 = 1;
/// `KCR_TFD_CANCEL_ON_SET`: `TFD_TIMER_CANCEL_ON_SET`.
pub const KCR_TFD_CANCEL_ON_SET: u32 = 2;

/// `struct kcr_rec_tail`.
#[repr(C)]
#[derive(Debug, Clone, Copy, FromBytes, KnownLayout, Immutable)]
#[allow(missing_docs)]
pub struct kcr_rec_tail {
    pub h: kcr_hdr,
    pub xxh64: u64,
    pub total_len: u64,
    pub nr_records: u32,
    pub __pad: u32,
}

macro_rules! layout {
    ($($s:ident { $($f:ident $(= $c:literal)?),* $(,)? })*) => {
        /// Every (struct, C field name, offset, size) of the format, for the
        /// test that checks this file against the kernel's header.
        pub fn layout() -> Vec<(&'static str, &'static str, usize, usize)> {
            let mut v = Vec::new();
            $(
                v.push((stringify!($s), "", 0, std::mem::size_of::<$s>()));
                $(
                    #[allow(unused_variables)]
                    let name = stringify!($f);
                    $( let name = $c; )?
                    v.push((
                        stringify!($s),
                        name,
                        std::mem::offset_of!($s, $f),
                        {
                            let probe = <$s as zerocopy::FromZeros>::new_zeroed();
                            std::mem::size_of_val(&probe.$f)
                        },
                    ));
                )*
            )*
            v
        }
    };
}

layout! {
    kcr_hdr { type_ = "type", len }
    kcr_rec_header { h, magic, version, arch, time, flags, page_size, xfeatures, xstate_size,
        __pad, sysname, nodename, release, version_str, machine, domainname, __pad2 }
    kcr_rec_task { h, objid, pid, tgid, ppid, uid, euid, suid, fsuid, gid, egid, sgid, fsgid,
        flags, rseq_len, rseq, rseq_sig, nr_threads, clear_child_tid, robust_list, robust_list_len,
        sigblocked, comm, sas_ss_sp, sas_ss_size, sas_ss_flags, __pad2, regs_phys }
    kcr_x86_regs { r15, r14, r13, r12, bp, bx, r11, r10, r9, r8, ax, cx, dx, si, di, orig_ax,
        ip, cs, flags, sp, ss, fs_base, gs_base, ds, es, fs, gs }
    kcr_rec_cpu { h, regs }
    kcr_rec_xstate { h, xfeatures, size, __pad }
    kcr_rec_mm { h, objid, nr_vmas, start_code, end_code, start_data, end_data, start_brk, brk,
        start_stack, arg_start, arg_end, env_start, env_end, vdso, pgd_phys }
    kcr_rec_file { h, objid, f_flags, ino, size, mtime_sec, mtime_nsec, mode, path_len, kind, pos,
        rdev, pipe_ref }
    kcr_rec_groups { h, ngroups, __pad }
    kcr_rlimit { cur, max }
    kcr_rec_rlimits { h, nr, __pad, rlim }
    kcr_sigaction { handler, flags, restorer, mask }
    kcr_rec_sighand { h, objid, nr, action }
    kcr_rec_sigpending { h, queue, signo, code, __pad, siginfo }
    kcr_rec_pipe { h, objid, size, nr_bytes, __pad }
    kcr_rec_fs { h, umask, root_ref, cwd_ref, __pad }
    kcr_rec_fdtable { h, objid, nr_fds }
    kcr_rec_fd { h, fd, flags, file_ref, __pad }
    kcr_tree_task { pid, ppid, pgid, sid, flags, exit_status }
    kcr_rec_tree { h, nr_tasks, __pad }
    kcr_rec_debugregs { h, addr, dr6, dr7 }
    kcr_rec_attrs { h, nice, policy, oom_score_adj, pdeath_signal, timer_slack_ns, flags, exe_ref,
        auxv_len, __pad }
    kcr_rec_vma { h, start, end, pgoff, prot, flags, file_ref, __pad }
    kcr_rec_pages { h, addr, nr_pages, __pad }
    kcr_rec_eventfd { h, count, flags, __pad }
    kcr_rec_signalfd { h, mask }
    kcr_rec_timerfd { h, clockid, flags, value_ns, interval_ns, ticks }
    kcr_epoll_item { file_ref, fd, events, flags, data }
    kcr_rec_epoll { h, nr_items, __pad }
    kcr_itimer { value_ns, interval_ns }
    kcr_rec_itimers { h, it }
    kcr_rec_mm_fork { h, ppid, __pad }
    kcr_rec_ptimers { h, nr, next_id }
    kcr_rec_ptimer { h, id, clock, notify, signo, tid, flags, sig_overrun, __pad, sigval, value_ns,
        interval_ns, overrun, overrun_last }
    kcr_rec_lock { h, file_ref, kind, type_ = "type", __pad, start, end }
    kcr_rec_fown { h, file_ref, flags, pid, type_ = "type", signum, __pad }
    kcr_rec_seals { h, file_ref, seals }
    kcr_rec_inotify { h, nr_watches, nr_events, cursor, pad }
    kcr_rec_inotify_watch { h, wd, mask, ino, path_len, pad }
    kcr_rec_inotify_event { h, wd, mask, cookie, name_len }
    kcr_rec_tty { h, c_iflag, c_oflag, c_cflag, c_lflag, c_line, c_cc, c_ispeed, c_ospeed, ws_row,
        ws_col, ws_xpixel, ws_ypixel, pad }
    kcr_rec_ctty { h, file_ref, sid, fg_pgrp, pad }
    kcr_rec_unix { h, type_ = "type", state, flags, shutdown, err, peek_off, backlog, sndbuf,
        rcvbuf, userlocks, rcvlowat, linger, rcvtimeo_us, sndtimeo_us, ino_mode, ino_uid, ino_gid,
        peer_pid, peer_uid, peer_gid, peer_ngroups, addr_len, addr, node_ino, node_mode, node_uid,
        node_gid, node_len }
    kcr_rec_unix_queue { h, file_ref, peer, peer_ref, peer_addr_len, nr_embryos, nr_skbs, bytes,
        peer_addr }
    kcr_rec_unix_embryo { h, peer, peer_ref, shutdown, flags, peer_pid, peer_uid, peer_gid,
        nr_skbs, bytes }
    kcr_rec_unix_skb { h, len, flags, pid, uid, gid, nr_fds, sender_ref, sender_addr_len }
    kcr_sockopts { flags, shutdown, err, peek_off, sndbuf, rcvbuf, rcvlowat, linger, rcvtimeo_us,
        sndtimeo_us, ino_mode, ino_uid, ino_gid, reserved }
    kcr_rec_inet { h, family, protocol, state, flags, backlog, saddr, daddr, sport, dport, tos, ttl,
        pmtudisc, so, tcp_flags, maxseg, keepidle, keepintvl, keepcnt, user_timeout, syncnt, linger2,
        window_clamp, notsent_lowat, congestion, nr_skbs, reserved, bytes }
    kcr_rec_inet_dgram { h, len, family, sport, saddr, daddr }
    kcr_rec_tcp_conn { h, snd_una, snd_nxt, write_seq, rcv_nxt, copied_seq, snd_wl1, snd_wnd,
        max_window, rcv_wnd, rcv_wup, mss_clamp, opts, snd_wscale, rcv_wscale, reserved, timestamp,
        sndbuf, rcvbuf }
    kcr_rec_tcp_data { h, queue, len }
    kcr_rec_tail { h, xxh64, total_len, nr_records, __pad }
}

/// Every constant of the format with its C name, for the same test.
pub fn constants() -> Vec<(&'static str, u64)> {
    vec![
        ("KCR_MAGIC", KCR_MAGIC),
        ("KCR_VERSION", KCR_VERSION.into()),
        ("KCR_ARCH_X86_64", KCR_ARCH_X86_64.into()),
        ("KCR_REC_MAX_LEN", KCR_REC_MAX_LEN.into()),
        ("KCR_PAGES_MAX", KCR_PAGES_MAX.into()),
        ("KCR_UTS_LEN", KCR_UTS_LEN as u64),
        ("KCR_COMM_LEN", KCR_COMM_LEN as u64),
        ("KCR_PATH_MAX", KCR_PATH_MAX.into()),
        ("KCR_NGROUPS_MAX", KCR_NGROUPS_MAX.into()),
        ("KCR_RLIM_NLIMITS", KCR_RLIM_NLIMITS as u64),
        ("KCR_NSIG", KCR_NSIG as u64),
        ("KCR_SIGINFO_SIZE", KCR_SIGINFO_SIZE as u64),
        ("KCR_SIGQ_TASK", KCR_SIGQ_TASK.into()),
        ("KCR_SIGQ_SHARED", KCR_SIGQ_SHARED.into()),
        ("KCR_FILE_REG", file_kind::REG.into()),
        ("KCR_FILE_DIR", file_kind::DIR.into()),
        ("KCR_FILE_FIFO", file_kind::FIFO.into()),
        ("KCR_FILE_PIPE", file_kind::PIPE.into()),
        ("KCR_FILE_CHR", file_kind::CHR.into()),
        ("KCR_FILE_SHMEM", file_kind::SHMEM.into()),
        ("KCR_FILE_GHOST", file_kind::GHOST.into()),
        ("KCR_FILE_GHOST_DIR", file_kind::GHOST_DIR.into()),
        ("KCR_FILE_EVENTFD", file_kind::EVENTFD.into()),
        ("KCR_REC_EVENTFD", rec::EVENTFD.into()),
        ("KCR_EFD_SEMAPHORE", KCR_EFD_SEMAPHORE.into()),
        ("KCR_FILE_SIGNALFD", file_kind::SIGNALFD.into()),
        ("KCR_REC_SIGNALFD", rec::SIGNALFD.into()),
        ("KCR_FILE_TIMERFD", file_kind::TIMERFD.into()),
        ("KCR_REC_TIMERFD", rec::TIMERFD.into()),
        ("KCR_TFD_ABSTIME", KCR_TFD_ABSTIME.into()),
        ("KCR_TFD_CANCEL_ON_SET", KCR_TFD_CANCEL_ON_SET.into()),
        ("KCR_FILE_EPOLL", file_kind::EPOLL.into()),
        ("KCR_FILE_PROC", file_kind::PROC.into()),
        ("KCR_REC_EPOLL", rec::EPOLL.into()),
        ("KCR_EPOLL_READY", KCR_EPOLL_READY.into()),
        ("KCR_EPOLL_MAX", KCR_EPOLL_MAX.into()),
        ("KCR_REC_ITIMERS", rec::ITIMERS.into()),
        ("KCR_REC_MM_FORK", rec::MM_FORK.into()),
        ("KCR_REC_COW_PAGES", rec::COW_PAGES.into()),
        ("KCR_REC_PTIMERS", rec::PTIMERS.into()),
        ("KCR_REC_PTIMER", rec::PTIMER.into()),
        ("KCR_PTIMERS_MAX", KCR_PTIMERS_MAX.into()),
        ("KCR_PTIMER_ABS", ptimer_flags::ABS.into()),
        ("KCR_PTIMER_ACTIVE", ptimer_flags::ACTIVE.into()),
        ("KCR_PTIMER_PENDING", ptimer_flags::PENDING.into()),
        ("KCR_PTIMER_FLAGS", ptimer_flags::ALL.into()),
        ("KCR_REC_LOCK", rec::LOCK.into()),
        ("KCR_LOCK_POSIX", lock_kind::POSIX.into()),
        ("KCR_LOCK_OFD", lock_kind::OFD.into()),
        ("KCR_LOCK_FLOCK", lock_kind::FLOCK.into()),
        ("KCR_LOCKS_MAX", KCR_LOCKS_MAX.into()),
        ("KCR_REC_FOWN", rec::FOWN.into()),
        ("KCR_FOWN_ASYNC", KCR_FOWN_ASYNC.into()),
        ("KCR_REC_SEALS", rec::SEALS.into()),
        ("KCR_FILE_INOTIFY", file_kind::INOTIFY.into()),
        ("KCR_REC_INOTIFY", rec::INOTIFY.into()),
        ("KCR_REC_INOTIFY_WATCH", rec::INOTIFY_WATCH.into()),
        ("KCR_REC_INOTIFY_EVENT", rec::INOTIFY_EVENT.into()),
        ("KCR_INOTIFY_WATCHES_MAX", KCR_INOTIFY_WATCHES_MAX.into()),
        ("KCR_INOTIFY_EVENTS_MAX", KCR_INOTIFY_EVENTS_MAX.into()),
        ("KCR_INOTIFY_WATCH_MASK", KCR_INOTIFY_WATCH_MASK.into()),
        ("KCR_INOTIFY_EVENT_MASK", KCR_INOTIFY_EVENT_MASK.into()),
        ("KCR_REC_TTY", rec::TTY.into()),
        ("KCR_TTY_IFLAGS", KCR_TTY_IFLAGS.into()),
        ("KCR_TTY_OFLAGS", KCR_TTY_OFLAGS.into()),
        ("KCR_TTY_LFLAGS", KCR_TTY_LFLAGS.into()),
        ("KCR_REC_CTTY", rec::CTTY.into()),
        ("KCR_FILE_UNIX", file_kind::UNIX.into()),
        ("KCR_REC_UNIX", rec::UNIX.into()),
        ("KCR_REC_UNIX_QUEUE", rec::UNIX_QUEUE.into()),
        ("KCR_REC_UNIX_EMBRYO", rec::UNIX_EMBRYO.into()),
        ("KCR_REC_UNIX_SKB", rec::UNIX_SKB.into()),
        ("KCR_UNIX_BOUND", unix_flags::BOUND.into()),
        ("KCR_UNIX_PASSCRED", unix_flags::PASSCRED.into()),
        ("KCR_UNIX_PASSPIDFD", unix_flags::PASSPIDFD.into()),
        ("KCR_UNIX_PEERCRED", unix_flags::PEERCRED.into()),
        ("KCR_UNIX_OOBINLINE", unix_flags::OOBINLINE.into()),
        ("KCR_UNIX_KEEPALIVE", unix_flags::KEEPALIVE.into()),
        ("KCR_UNIX_LINGER", unix_flags::LINGER.into()),
        ("KCR_UNIX_FLAGS_ALL", unix_flags::ALL.into()),
        ("KCR_UNIX_SNDBUF_LOCK", unix_flags::SNDBUF_LOCK.into()),
        ("KCR_UNIX_RCVBUF_LOCK", unix_flags::RCVBUF_LOCK.into()),
        ("KCR_UNIX_PEER_NONE", unix_peer::NONE.into()),
        ("KCR_UNIX_PEER_FILE", unix_peer::FILE.into()),
        ("KCR_UNIX_PEER_EMBRYO", unix_peer::EMBRYO.into()),
        ("KCR_UNIX_PEER_DEAD", unix_peer::DEAD.into()),
        ("KCR_UNIX_PEER_EXTERNAL", unix_peer::EXTERNAL.into()),
        ("KCR_UNIX_QUEUE_SKBS", KCR_UNIX_QUEUE_SKBS.into()),
        ("KCR_UNIX_QUEUE_BYTES", KCR_UNIX_QUEUE_BYTES),
        ("KCR_UNIX_SKB_CREDS", KCR_UNIX_SKB_CREDS.into()),
        ("KCR_UNIX_SKB_MAX", KCR_UNIX_SKB_MAX.into()),
        ("KCR_UNIX_SKB_FDS", KCR_UNIX_SKB_FDS.into()),
        ("KCR_FILE_INET", file_kind::INET.into()),
        ("KCR_REC_INET", rec::INET.into()),
        ("KCR_SO_SNDBUF_LOCK", so_flags::SNDBUF_LOCK.into()),
        ("KCR_SO_RCVBUF_LOCK", so_flags::RCVBUF_LOCK.into()),
        ("KCR_SO_REUSEADDR", so_flags::REUSEADDR.into()),
        ("KCR_SO_REUSEPORT", so_flags::REUSEPORT.into()),
        ("KCR_SO_KEEPALIVE", so_flags::KEEPALIVE.into()),
        ("KCR_SO_LINGER", so_flags::LINGER.into()),
        ("KCR_SO_OOBINLINE", so_flags::OOBINLINE.into()),
        ("KCR_SO_BROADCAST", so_flags::BROADCAST.into()),
        ("KCR_SO_FLAGS_ALL", so_flags::ALL.into()),
        ("KCR_INET_CLOSE", inet_state::CLOSE.into()),
        ("KCR_INET_LISTEN", inet_state::LISTEN.into()),
        ("KCR_INET_CONNECTED", inet_state::CONNECTED.into()),
        ("KCR_INET_BIND_ADDR", inet_flags::BIND_ADDR.into()),
        ("KCR_INET_BIND_PORT", inet_flags::BIND_PORT.into()),
        ("KCR_INET_V6ONLY", inet_flags::V6ONLY.into()),
        ("KCR_INET_FREEBIND", inet_flags::FREEBIND.into()),
        ("KCR_INET_BIND_NO_PORT", inet_flags::BIND_NO_PORT.into()),
        ("KCR_INET_RECVERR", inet_flags::RECVERR.into()),
        ("KCR_INET_FLAGS_ALL", inet_flags::ALL.into()),
        ("KCR_TCP_NODELAY", tcp_flags::NODELAY.into()),
        ("KCR_TCP_CORK", tcp_flags::CORK.into()),
        ("KCR_TCP_FLAGS_ALL", tcp_flags::ALL.into()),
        ("KCR_REC_INET_DGRAM", rec::INET_DGRAM.into()),
        ("KCR_INET_DGRAM_MAX", KCR_INET_DGRAM_MAX.into()),
        ("KCR_INET_QUEUE_DGRAMS", KCR_INET_QUEUE_DGRAMS.into()),
        ("KCR_INET_QUEUE_BYTES", KCR_INET_QUEUE_BYTES),
        ("KCR_INET_QUEUE_CONNS", KCR_INET_QUEUE_CONNS.into()),
        ("KCR_REC_TCP_CONN", rec::TCP_CONN.into()),
        ("KCR_REC_TCP_DATA", rec::TCP_DATA.into()),
        ("KCR_TCP_OPT_SACK", tcp_opts::SACK.into()),
        ("KCR_TCP_OPT_TSTAMP", tcp_opts::TSTAMP.into()),
        ("KCR_TCP_OPT_WSCALE", tcp_opts::WSCALE.into()),
        ("KCR_TCP_OPT_ALL", tcp_opts::ALL.into()),
        ("KCR_TCP_SEND_QUEUE", tcp_conn::SEND_QUEUE.into()),
        ("KCR_TCP_RECV_QUEUE", tcp_conn::RECV_QUEUE.into()),
        ("KCR_TCP_DATA_MAX", KCR_TCP_DATA_MAX.into()),
        ("KCR_TCP_QUEUE_BYTES", KCR_TCP_QUEUE_BYTES.into()),
        ("KCR_GHOST_MAX", KCR_GHOST_MAX.into()),
        ("KCR_FILE_FLAGS_ALL", KCR_FILE_FLAGS_ALL.into()),
        ("KCR_FD_CLOEXEC", KCR_FD_CLOEXEC.into()),
        ("KCR_FD_FLAGS_ALL", KCR_FD_FLAGS_ALL.into()),
        ("KCR_CHECKPOINT_TREE", KCR_CHECKPOINT_TREE.into()),
        ("KCR_CHECKPOINT_HOSTINFO", KCR_CHECKPOINT_HOSTINFO.into()),
        (
            "KCR_CHECKPOINT_UNIX_EXTERNAL",
            KCR_CHECKPOINT_UNIX_EXTERNAL.into(),
        ),
        ("KCR_CHECKPOINT_KILL", KCR_CHECKPOINT_KILL.into()),
        ("KCR_CHECKPOINT_HOLD", KCR_CHECKPOINT_HOLD.into()),
        ("KCR_CHECKPOINT_RELEASE", KCR_CHECKPOINT_RELEASE.into()),
        ("KCR_CHECKPOINT_FLAGS_ALL", KCR_CHECKPOINT_FLAGS_ALL.into()),
        ("KCR_RESTART_TREE", KCR_RESTART_TREE.into()),
        ("KCR_RESTART_JOIN", KCR_RESTART_JOIN.into()),
        ("KCR_RESTART_FLAGS_ALL", KCR_RESTART_FLAGS_ALL.into()),
        ("KCR_TREE_MAX", KCR_TREE_MAX.into()),
        ("KCR_TREE_ZOMBIE", KCR_TREE_ZOMBIE.into()),
        ("KCR_TREE_DEAD", KCR_TREE_DEAD.into()),
        ("KCR_THREADS_MAX", KCR_THREADS_MAX.into()),
        ("KCR_AUXV_MAX", KCR_AUXV_MAX.into()),
        ("KCR_REC_HEADER", rec::HEADER.into()),
        ("KCR_REC_TASK", rec::TASK.into()),
        ("KCR_REC_CPU", rec::CPU.into()),
        ("KCR_REC_XSTATE", rec::XSTATE.into()),
        ("KCR_REC_MM", rec::MM.into()),
        ("KCR_REC_FILE", rec::FILE.into()),
        ("KCR_REC_VMA", rec::VMA.into()),
        ("KCR_REC_PAGES", rec::PAGES.into()),
        ("KCR_REC_GROUPS", rec::GROUPS.into()),
        ("KCR_REC_RLIMITS", rec::RLIMITS.into()),
        ("KCR_REC_SIGHAND", rec::SIGHAND.into()),
        ("KCR_REC_SIGPENDING", rec::SIGPENDING.into()),
        ("KCR_REC_PIPE", rec::PIPE.into()),
        ("KCR_REC_FS", rec::FS.into()),
        ("KCR_REC_FDTABLE", rec::FDTABLE.into()),
        ("KCR_REC_FD", rec::FD.into()),
        ("KCR_REC_TREE", rec::TREE.into()),
        ("KCR_REC_DEBUGREGS", rec::DEBUGREGS.into()),
        ("KCR_REC_ATTRS", rec::ATTRS.into()),
        ("KCR_REC_TAIL", rec::TAIL.into()),
        ("KCR_TASK_SELF", task_flags::SELF.into()),
        (
            "KCR_TASK_SYSCALL_RESTART",
            task_flags::SYSCALL_RESTART.into(),
        ),
        ("KCR_TASK_THREAD", task_flags::THREAD.into()),
        ("KCR_TASK_UNDUMPABLE", task_flags::UNDUMPABLE.into()),
        ("KCR_TASK_STOPPED", task_flags::STOPPED.into()),
        ("KCR_TASK_FLAGS_ALL", task_flags::ALL.into()),
        ("KCR_VMA_SHARED", vma_flags::SHARED.into()),
        ("KCR_VMA_GROWSDOWN", vma_flags::GROWSDOWN.into()),
        ("KCR_VMA_VDSO", vma_flags::VDSO.into()),
        ("KCR_VMA_VVAR", vma_flags::VVAR.into()),
        ("KCR_VMA_DONTFORK", vma_flags::DONTFORK.into()),
        ("KCR_VMA_DONTDUMP", vma_flags::DONTDUMP.into()),
        ("KCR_VMA_WIPEONFORK", vma_flags::WIPEONFORK.into()),
        ("KCR_VMA_HEAP", vma_flags::HEAP.into()),
        ("KCR_VMA_STACK", vma_flags::STACK.into()),
        ("KCR_VMA_LOCKED", vma_flags::LOCKED.into()),
        ("KCR_VMA_LOCKONFAULT", vma_flags::LOCKONFAULT.into()),
        ("KCR_VMA_DROPPABLE", vma_flags::DROPPABLE.into()),
        ("KCR_VMA_COW", vma_flags::COW.into()),
        ("KCR_VMA_FLAGS_ALL", vma_flags::ALL.into()),
        ("KCR_ATTR_THP_DISABLE", attr_flags::THP_DISABLE.into()),
        ("KCR_ATTR_SUBREAPER", attr_flags::SUBREAPER.into()),
        ("KCR_ATTR_RESET_ON_FORK", attr_flags::RESET_ON_FORK.into()),
        ("KCR_ATTR_MCL_FUTURE", attr_flags::MCL_FUTURE.into()),
        ("KCR_ATTR_MCL_ONFAULT", attr_flags::MCL_ONFAULT.into()),
        ("KCR_ATTR_ALL", attr_flags::ALL.into()),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn state_records_are_those_of_the_kinds_of_no_path() {
        let mut want = Vec::new();
        for k in 0..=file_kind::INET + 1 {
            let state = file_kind::state_record(k);
            assert_eq!(
                state.is_some(),
                file_kind::name(k).is_some() && !file_kind::has_path(k) && k != file_kind::PIPE,
                "kind {k}"
            );
            want.extend(state);
        }
        assert_eq!(want, file_kind::STATE_RECORDS);
        assert_eq!(
            file_kind::state_record(file_kind::INOTIFY),
            Some(rec::INOTIFY)
        );
        assert_eq!(file_kind::state_record(file_kind::UNIX), Some(rec::UNIX));
        assert!(!file_kind::has_path(file_kind::UNIX));
        assert_eq!(file_kind::state_record(file_kind::INET), Some(rec::INET));
        assert!(!file_kind::has_path(file_kind::INET));
        assert_eq!(file_kind::name(file_kind::INET), Some("inet"));
        assert_eq!(file_kind::name(file_kind::INET + 1), None);
    }

    #[test]
    fn inet_flags_are_the_named_bits() {
        for (names, all) in [
            (&so_flags::NAMES[..], so_flags::ALL),
            (&inet_flags::NAMES[..], inet_flags::ALL),
            (&tcp_flags::NAMES[..], tcp_flags::ALL),
        ] {
            let mut bits = 0;
            for &(bit, name) in names {
                assert_eq!(bit.count_ones(), 1, "{name}");
                assert!(bit > bits, "{name} out of order");
                bits |= bit;
            }
            assert_eq!(bits, all);
        }
        assert_eq!(
            so_flags::names(so_flags::REUSEADDR | so_flags::BROADCAST | 0x100),
            ["reuseaddr", "broadcast"]
        );
        assert_eq!(
            inet_flags::names(inet_flags::BIND_ADDR | inet_flags::V6ONLY),
            ["bind-addr", "v6only"]
        );
        assert_eq!(tcp_flags::names(tcp_flags::ALL), ["nodelay", "cork"]);
        assert_eq!(inet_state::name(inet_state::CLOSE), Some("close"));
        assert_eq!(inet_state::name(inet_state::LISTEN), Some("listen"));
        assert_eq!(inet_state::name(inet_state::CONNECTED), Some("connected"));
        assert_eq!(inet_state::name(2), None);
        assert_eq!(inet_sock::family_name(inet_sock::AF_INET6), Some("ipv6"));
        assert_eq!(inet_sock::family_name(1), None);
        assert_eq!(
            inet_sock::protocol_name(inet_sock::IPPROTO_UDP),
            Some("udp")
        );
        assert_eq!(inet_sock::protocol_name(0), None);
        assert_eq!(
            inet_sock::pmtudisc_name(inet_sock::IP_PMTUDISC_OMIT),
            Some("omit")
        );
        assert_eq!(inet_sock::pmtudisc_name(6), None);
        assert_eq!(rec::name(rec::INET), "INET");
        assert_eq!(std::mem::size_of::<kcr_sockopts>(), 64);
        assert_eq!(std::mem::size_of::<kcr_rec_inet>(), 208);
        assert_eq!(std::mem::offset_of!(kcr_sockopts, rcvtimeo_us), 32);
        assert_eq!(std::mem::offset_of!(kcr_sockopts, reserved), 60);
        assert_eq!(std::mem::offset_of!(kcr_rec_inet, saddr), 24);
        assert_eq!(std::mem::offset_of!(kcr_rec_inet, sport), 56);
        assert_eq!(std::mem::offset_of!(kcr_rec_inet, so), 72);
        assert_eq!(std::mem::offset_of!(kcr_rec_inet, tcp_flags), 136);
        assert_eq!(std::mem::offset_of!(kcr_rec_inet, congestion), 176);
        assert_eq!(std::mem::offset_of!(kcr_rec_inet, bytes), 200);
    }

    #[test]
    fn inet_datagrams_have_their_layout_and_bounds() {
        assert_eq!(rec::name(rec::INET_DGRAM), "INET_DGRAM");
        assert_eq!(rec::INET_DGRAM, rec::INET + 1);
        assert_eq!(std::mem::size_of::<kcr_rec_inet_dgram>(), 48);
        assert_eq!(std::mem::offset_of!(kcr_rec_inet_dgram, len), 8);
        assert_eq!(std::mem::offset_of!(kcr_rec_inet_dgram, family), 12);
        assert_eq!(std::mem::offset_of!(kcr_rec_inet_dgram, sport), 14);
        assert_eq!(std::mem::offset_of!(kcr_rec_inet_dgram, saddr), 16);
        assert_eq!(std::mem::offset_of!(kcr_rec_inet_dgram, daddr), 32);
        assert_eq!(KCR_INET_DGRAM_MAX, 65535 - 8);
        assert_eq!(KCR_INET_QUEUE_DGRAMS, 65536);
        assert_eq!(KCR_INET_QUEUE_BYTES, 64 * 1024 * 1024);
        assert_eq!(KCR_INET_QUEUE_CONNS, 4096);
        assert_eq!(inet_sock::BACKLOG_MAX, 2_147_483_647);
        // The header check covers the record and its constants.
        assert!(layout()
            .iter()
            .any(|&(s, f, off, _)| (s, f, off) == ("kcr_rec_inet_dgram", "daddr", 32)));
        let c = constants();
        for name in [
            "KCR_REC_INET_DGRAM",
            "KCR_INET_DGRAM_MAX",
            "KCR_INET_QUEUE_DGRAMS",
            "KCR_INET_QUEUE_BYTES",
            "KCR_INET_QUEUE_CONNS",
        ] {
            assert!(c.iter().any(|&(n, _)| n == name), "{name}");
        }
    }

    #[test]
    fn tcp_connections_have_their_layout_and_bounds() {
        assert_eq!(rec::name(rec::TCP_CONN), "TCP_CONN");
        assert_eq!(rec::name(rec::TCP_DATA), "TCP_DATA");
        assert_eq!(rec::TCP_CONN, rec::INET_DGRAM + 1);
        assert_eq!(rec::TCP_DATA, rec::TCP_CONN + 1);
        assert_eq!(std::mem::size_of::<kcr_rec_tcp_conn>(), 72);
        for (field, off) in [
            (std::mem::offset_of!(kcr_rec_tcp_conn, snd_una), 8),
            (std::mem::offset_of!(kcr_rec_tcp_conn, copied_seq), 24),
            (std::mem::offset_of!(kcr_rec_tcp_conn, snd_wl1), 28),
            (std::mem::offset_of!(kcr_rec_tcp_conn, rcv_wup), 44),
            (std::mem::offset_of!(kcr_rec_tcp_conn, mss_clamp), 48),
            (std::mem::offset_of!(kcr_rec_tcp_conn, opts), 52),
            (std::mem::offset_of!(kcr_rec_tcp_conn, snd_wscale), 56),
            (std::mem::offset_of!(kcr_rec_tcp_conn, rcv_wscale), 57),
            (std::mem::offset_of!(kcr_rec_tcp_conn, reserved), 58),
            (std::mem::offset_of!(kcr_rec_tcp_conn, timestamp), 60),
            (std::mem::offset_of!(kcr_rec_tcp_conn, sndbuf), 64),
            (std::mem::offset_of!(kcr_rec_tcp_conn, rcvbuf), 68),
        ] {
            assert_eq!(field, off);
        }
        assert_eq!(std::mem::size_of::<kcr_rec_tcp_data>(), 16);
        assert_eq!(std::mem::offset_of!(kcr_rec_tcp_data, queue), 8);
        assert_eq!(std::mem::offset_of!(kcr_rec_tcp_data, len), 12);
        assert_eq!(KCR_TCP_DATA_MAX, 1 << 16);
        assert_eq!(KCR_TCP_QUEUE_BYTES, 64 * 1024 * 1024);
        let mut bits = 0;
        for (bit, name) in tcp_opts::NAMES {
            assert_eq!(bit.count_ones(), 1, "{name}");
            assert!(bit > bits, "{name} out of order");
            bits |= bit;
        }
        assert_eq!(bits, tcp_opts::ALL);
        assert_eq!(
            tcp_opts::names(tcp_opts::SACK | tcp_opts::WSCALE | 0x8),
            ["sack", "wscale"]
        );
        assert_eq!(tcp_conn::queue_name(tcp_conn::SEND_QUEUE), Some("send"));
        assert_eq!(tcp_conn::queue_name(tcp_conn::RECV_QUEUE), Some("receive"));
        assert_eq!(tcp_conn::queue_name(0), None);
        assert_eq!(tcp_conn::queue_name(3), None);
        assert_eq!(
            (tcp_conn::MIN_MSS, tcp_conn::MAX_MSS, tcp_conn::MAX_WSCALE),
            (88, 65535, 14)
        );
        // The header check covers the records, their constants and the
        // new checkpoint flag.
        for (s, f, off) in [
            ("kcr_rec_tcp_conn", "rcvbuf", 68),
            ("kcr_rec_tcp_conn", "rcv_wscale", 57),
            ("kcr_rec_tcp_data", "len", 12),
        ] {
            assert!(
                layout()
                    .iter()
                    .any(|&(ls, lf, lo, _)| (ls, lf, lo) == (s, f, off)),
                "{s}.{f}"
            );
        }
        let c = constants();
        for name in [
            "KCR_REC_TCP_CONN",
            "KCR_REC_TCP_DATA",
            "KCR_TCP_OPT_SACK",
            "KCR_TCP_OPT_TSTAMP",
            "KCR_TCP_OPT_WSCALE",
            "KCR_TCP_OPT_ALL",
            "KCR_TCP_SEND_QUEUE",
            "KCR_TCP_RECV_QUEUE",
            "KCR_TCP_DATA_MAX",
            "KCR_TCP_QUEUE_BYTES",
            "KCR_CHECKPOINT_KILL",
            "KCR_CHECKPOINT_HOLD",
            "KCR_CHECKPOINT_RELEASE",
        ] {
            assert!(c.iter().any(|&(n, _)| n == name), "{name}");
        }
        assert_eq!(KCR_CHECKPOINT_KILL, 8);
        assert_eq!(KCR_CHECKPOINT_HOLD, 16);
        assert_eq!(KCR_CHECKPOINT_RELEASE, 32);
        assert_eq!(KCR_CHECKPOINT_FLAGS_ALL, 0x3f);
    }

    #[test]
    fn unix_flags_are_the_named_bits() {
        use unix_flags::*;
        let mut all = 0;
        for (bit, name) in NAMES {
            assert_eq!(bit.count_ones(), 1, "{name}");
            assert!(bit > all, "{name} out of order");
            all |= bit;
        }
        assert_eq!(all, ALL);
        assert_eq!(USERLOCKS, 3);
        assert_eq!(names(PEERCRED | LINGER | 0x100), ["peercred", "linger"]);
        assert_eq!(names(BOUND | KEEPALIVE), ["bound", "keepalive"]);
        assert_eq!(ALL, 0xf7);
        assert_eq!(names(PASSCRED | PASSPIDFD), ["passcred", "passpidfd"]);
        assert_eq!(unix_peer::name(unix_peer::EMBRYO), Some("embryo"));
        assert_eq!(unix_peer::name(unix_peer::EXTERNAL), Some("external"));
        assert_eq!(unix_peer::name(5), None);
        assert_eq!(KCR_CHECKPOINT_FLAGS_ALL & 7, 7);
        assert_eq!(
            unix_sock::type_name(unix_sock::SEQPACKET),
            Some("seqpacket")
        );
        assert_eq!(unix_sock::type_name(3), None);
        assert_eq!(unix_sock::state_name(unix_sock::CLOSE), Some("close"));
        assert_eq!(unix_sock::state_name(unix_sock::LISTEN), Some("listen"));
        assert_eq!(unix_sock::state_name(2), None);
        assert_eq!(unix_sock::LINGER_MAX, 8_589_934);
        assert_eq!(unix_sock::TIMEO_MAX_US, 31_536_000_000_000);
        assert_eq!(std::mem::size_of::<kcr_rec_unix>(), 240);
        assert_eq!(std::mem::size_of::<kcr_rec_unix_queue>(), 152);
        assert_eq!(std::mem::size_of::<kcr_rec_unix_embryo>(), 48);
        assert_eq!(rec::name(rec::UNIX_EMBRYO), "UNIX_EMBRYO");
        assert_eq!(std::mem::size_of::<kcr_rec_unix_skb>(), 40);
    }

    #[test]
    fn terminals_are_the_devices_a_tty_record_follows() {
        use tty::*;
        for (maj, min) in [
            (4, 0),
            (4, 64),
            (4, 0xf_ffff),
            (5, 1),
            (136, 0),
            (136, 7),
            (143, 0xf_ffff),
            (229, 0),
            (229, 3),
        ] {
            assert!(is_tty(rdev(maj, min)), "{maj}:{min}");
            assert_eq!((major(rdev(maj, min)), minor(rdev(maj, min))), (maj, min));
        }
        // /dev/tty, ptmx, a pty master, the majors around the slaves',
        // /dev/null.
        for (maj, min) in [
            (5, 0),
            (5, 2),
            (128, 0),
            (135, 0),
            (144, 0),
            (1, 3),
            (0, 4),
            (228, 0),
            (230, 0),
        ] {
            assert!(!is_tty(rdev(maj, min)), "{maj}:{min}");
        }
        assert_eq!(DEV_TTY, 5 << 20);
        assert_eq!(std::mem::size_of::<kcr_rec_tty>(), 64);
        assert_eq!(std::mem::size_of::<kcr_rec_ctty>(), 24);
    }

    #[test]
    fn inotify_masks_are_the_named_bits() {
        use inotify_mask::*;
        assert_eq!(KCR_INOTIFY_WATCH_MASK, ALL_EVENTS | EXCL_UNLINK | ONESHOT);
        assert_eq!(
            KCR_INOTIFY_EVENT_MASK,
            ALL_EVENTS | UNMOUNT | Q_OVERFLOW | IGNORED | ISDIR
        );
        let mut all = 0;
        for (bit, name) in NAMES {
            assert_eq!(bit.count_ones(), 1, "{name}");
            assert_eq!(all & bit, 0, "{name} twice");
            assert!(bit > all, "{name} out of order");
            all |= bit;
        }
        assert_eq!(all, KCR_INOTIFY_WATCH_MASK | KCR_INOTIFY_EVENT_MASK);
        assert_eq!(names(CREATE | ISDIR), ["create", "isdir"]);
        assert_eq!(names(0x1000 | 0x0100_0000), Vec::<&str>::new());
    }
}
