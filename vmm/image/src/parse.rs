//! Reading and validating a checkpoint image, one record at a time (an image
//! is never held in memory whole: page contents are only checksummed).

use std::collections::{HashMap, HashSet};
use std::io::Read;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use serde::Serialize;
use xxhash_rust::xxh64::Xxh64;
use zerocopy::FromBytes;

use crate::format::*;
use crate::records::{self, Limit, Place, Rule, Size};

/// Highest user address on x86_64 (TASK_SIZE with 4-level paging).
pub const TASK_SIZE: u64 = 0x7fff_ffff_f000;
const PAGE_SIZE: u64 = 4096;
const MAX_XSTATE: u32 = 64 * 1024;
/// The scheduling policies restart(2) gives back (`SCHED_NORMAL`,
/// `SCHED_BATCH`, `SCHED_IDLE`), with their names.
const POLICIES: [(u32, &str); 3] = [(0, "normal"), (3, "batch"), (5, "idle")];
/// Nice values (`MIN_NICE ..= MAX_NICE`).
const NICE: std::ops::RangeInclusive<i32> = -20..=19;
/// `oom_score_adj` values (`OOM_SCORE_ADJ_MIN ..= OOM_SCORE_ADJ_MAX`).
const OOM_SCORE_ADJ: std::ops::RangeInclusive<i32> = -1000..=1000;
/// The file type bits of a mode (`S_IFMT`).
const S_IFMT: u32 = 0o170_000;
/// A regular file's type (`S_IFREG`).
const S_IFREG: u32 = 0o100_000;
const S_IFDIR: u32 = 0o040_000;
/// The clocks a POSIX timer may be on (`CLOCK_REALTIME`,
/// `CLOCK_MONOTONIC`, `CLOCK_BOOTTIME`, `CLOCK_TAI`), with their names.
const PTIMER_CLOCKS: [(i32, &str); 4] = [
    (CLOCK_REALTIME, "realtime"),
    (1, "monotonic"),
    (7, "boottime"),
    (11, "tai"),
];
const CLOCK_REALTIME: i32 = 0;
/// The `sigev_notify` values of a POSIX timer (`SIGEV_SIGNAL`,
/// `SIGEV_NONE`, `SIGEV_THREAD`, `SIGEV_SIGNAL | SIGEV_THREAD_ID`), with
/// their names.
const PTIMER_NOTIFY: [(i32, &str); 4] = [
    (0, "signal"),
    (SIGEV_NONE, "none"),
    (2, "thread"),
    (SIGEV_THREAD_ID, "thread-id"),
];
const SIGEV_NONE: i32 = 1;
const SIGEV_THREAD_ID: i32 = 4;
/// The types of a file lock (`F_RDLCK`, `F_WRLCK`), with their names.
const LOCK_TYPES: [(u32, &str); 2] = [(0, "read"), (1, "write")];
/// The kernel's `OFFSET_MAX`: the end of a lock to the end of the file
/// (and of every `flock()` lock).
const OFFSET_MAX: i64 = i64::MAX;
/// The types of a file's owner (`F_OWNER_TID`, `F_OWNER_PID`,
/// `F_OWNER_PGRP`), with their names.
const FOWN_TYPES: [(u32, &str); 3] = [(0, "tid"), (1, "pid"), (2, "pgrp")];

/// A bad image: where, in which record, and what is wrong.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("offset {offset:#x}, record #{index} ({record}): {msg}")]
pub struct Error {
    /// Byte offset of the record in the stream.
    pub offset: u64,
    /// Record number (0 = the header).
    pub index: u32,
    /// The record's type name.
    pub record: &'static str,
    /// What is wrong.
    pub msg: String,
}

/// The image header.
#[derive(Debug, Clone, Serialize)]
pub struct Header {
    /// Format version.
    pub version: u32,
    /// Architecture name.
    pub arch: &'static str,
    /// Checkpoint time (seconds since the epoch).
    pub time: u64,
    /// checkpoint() flags.
    pub flags: u32,
    /// Page size.
    pub page_size: u32,
    /// xstate features.
    pub xfeatures: u64,
    /// xstate size.
    pub xstate_size: u32,
    /// uname -s.
    pub sysname: String,
    /// uname -n.
    pub nodename: String,
    /// uname -r.
    pub release: String,
    /// uname -v.
    pub version_str: String,
    /// uname -m.
    pub machine: String,
}

/// A mapping.
#[derive(Debug, Clone, Serialize)]
pub struct Vma {
    /// First address.
    pub start: u64,
    /// End (exclusive).
    pub end: u64,
    /// File offset in pages.
    pub pgoff: u64,
    /// PROT_* bits.
    pub prot: u32,
    /// KCR_VMA_* names.
    pub flags: Vec<&'static str>,
    /// Object id of the mapped file.
    pub file: Option<u32>,
    /// Pages with contents in the image.
    pub pages: u64,
    /// Pages that stay the parent's (`KCR_REC_COW_PAGES`, a
    /// `KCR_VMA_COW` mapping's).
    pub cow_pages: u64,
}

/// An address space.
#[derive(Debug, Clone, Serialize)]
pub struct Mm {
    /// The MM record's fields.
    pub fields: kcr_rec_mm,
    /// Its mappings, ascending.
    pub vmas: Vec<Vma>,
    /// `KCR_REC_MM_FORK`: it starts as a copy of this parent's.
    pub fork_of: Option<i32>,
}

/// A signal's disposition (only those not at SIG_DFL are listed).
#[derive(Debug, Clone, Serialize)]
pub struct SigAction {
    /// Signal number.
    pub signo: u32,
    /// Handler address; 1 is SIG_IGN.
    pub handler: u64,
    /// SA_* flags.
    pub flags: u64,
    /// sa_restorer.
    pub restorer: u64,
    /// Signals blocked while the handler runs.
    pub mask: u64,
}

/// A pending signal.
#[derive(Debug, Clone, Serialize)]
pub struct PendingSig {
    /// "task" or "shared".
    pub queue: &'static str,
    /// Signal number.
    pub signo: i32,
    /// si_code.
    pub code: i32,
}

/// umask, root and cwd.
#[derive(Debug, Clone, Serialize)]
pub struct Fs {
    /// umask.
    pub umask: u32,
    /// Object id of the root directory.
    pub root: u32,
    /// Object id of the working directory.
    pub cwd: u32,
}

/// A file descriptor.
#[derive(Debug, Clone, Serialize)]
pub struct Fd {
    /// Descriptor number.
    pub fd: u32,
    /// Close-on-exec.
    pub cloexec: bool,
    /// Object id of the open file.
    pub file: u32,
}

/// A process's attributes (its ATTRS record), shared by its threads.
#[derive(Debug, Clone, Serialize)]
pub struct Attrs {
    /// Nice value, -20 ..= 19.
    pub nice: i32,
    /// Scheduling policy: "normal", "batch" or "idle".
    pub policy: &'static str,
    /// `/proc/PID/oom_score_adj`, -1000 ..= 1000.
    pub oom_score_adj: i32,
    /// Parent-death signal (`PR_SET_PDEATHSIG`), 0 if none.
    pub pdeath_signal: u32,
    /// Timer slack in nanoseconds (`PR_SET_TIMERSLACK`), 0: the default.
    pub timer_slack_ns: u64,
    /// `KCR_ATTR_*` names.
    pub flags: Vec<&'static str>,
    /// Object id of the executable (a regular FILE), if any.
    pub exe: Option<u32>,
    /// The auxiliary vector: (type, value) pairs, the last `AT_NULL`.
    pub auxv: Vec<(u64, u64)>,
}

/// A POSIX timer of a process (`KCR_REC_PTIMER`).
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Ptimer {
    /// Its id (what `timer_create()` returned), 0 ..= `i32::MAX`.
    pub id: i32,
    /// "realtime", "monotonic", "boottime" or "tai".
    pub clock: &'static str,
    /// `sigev_notify`: "signal", "none", "thread" or "thread-id".
    pub notify: &'static str,
    /// The signal it sends, 1 ..= 64 (unless `notify` is "none").
    pub signo: i32,
    /// "thread-id": the thread it signals; else 0.
    pub tid: i32,
    /// `KCR_PTIMER_*` names.
    pub flags: Vec<&'static str>,
    /// Its queued signal's `si_overrun` ("pending" only; else 0).
    pub sig_overrun: i32,
    /// `sigev_value`.
    pub sigval: u64,
    /// Time left (ns), 0 if disarmed; with "abs", the wall-clock time of
    /// expiry (ns since the epoch).
    pub value_ns: i64,
    /// Interval (ns), 0 for a one-shot timer.
    pub interval_ns: i64,
    /// What its next signal will add to the overrun count (-1: none).
    pub overrun: i64,
    /// What `timer_getoverrun()` returns.
    pub overrun_last: i64,
}

/// The POSIX timers of a process (`KCR_REC_PTIMERS` and its PTIMER
/// records).
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Ptimers {
    /// The id the next `timer_create()` tries first.
    pub next_id: i32,
    /// Its timers, by increasing id.
    pub timers: Vec<Ptimer>,
}

/// A file lock of a process (`KCR_REC_LOCK`).
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Lock {
    /// Object id of the open file it is on, which one of the process's
    /// descriptors refers to.
    pub file: u32,
    /// "posix" (`fcntl(F_SETLK)`, the process's), "ofd" (`F_OFD_SETLK`)
    /// or "flock" (the open file's).
    pub kind: &'static str,
    /// "read" (`F_RDLCK`) or "write" (`F_WRLCK`).
    #[serde(rename = "type")]
    pub type_: &'static str,
    /// Its first byte, >= 0.
    pub start: i64,
    /// Its last byte (included), >= `start`; `i64::MAX`: to the end of
    /// the file ("flock": always 0 ..= `i64::MAX`).
    pub end: i64,
}

/// Signal-driven I/O on an open file of a process (`KCR_REC_FOWN`):
/// O_ASYNC, the file's owner (`F_SETOWN_EX`) and its signal (`F_SETSIG`).
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Fown {
    /// Object id of the open file, which one of the process's
    /// descriptors refers to.
    pub file: u32,
    /// O_ASYNC is set (`KCR_FOWN_ASYNC`).
    #[serde(rename = "async")]
    pub async_: bool,
    /// The owner's id, > 0; 0: no owner.
    pub pid: i32,
    /// The owner's type: "tid" (`F_OWNER_TID`), "pid" (`F_OWNER_PID`) or
    /// "pgrp" (`F_OWNER_PGRP`); None without an owner.
    #[serde(rename = "type")]
    pub type_: Option<&'static str>,
    /// The signal sent (`F_SETSIG`), 1 ..= 64; 0: `SIGIO`.
    pub signum: i32,
}

/// The controlling terminal of a process (`KCR_REC_CTTY`).
#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq)]
pub struct Ctty {
    /// Object id of a FILE of the terminal (one that no descriptor of the
    /// process need refer to).
    pub file: u32,
    /// The session the terminal belongs to, > 0.
    pub sid: i32,
    /// Its foreground process group; 0: none.
    pub fg_pgrp: i32,
}

/// A task.
#[derive(Debug, Clone, Serialize)]
pub struct Task {
    /// Object id.
    pub objid: u32,
    /// PID.
    pub pid: i32,
    /// Thread group id.
    pub tgid: i32,
    /// Parent PID.
    pub ppid: i32,
    /// comm.
    pub comm: String,
    /// uid, euid, suid, fsuid.
    pub uids: [u32; 4],
    /// gid, egid, sgid, fsgid.
    pub gids: [u32; 4],
    /// Flag names.
    pub flags: Vec<&'static str>,
    /// Blocked signals.
    pub sigblocked: u64,
    /// sigaltstack base, size and flags.
    pub sigaltstack: (u64, u64, u32),
    /// Supplementary groups.
    pub groups: Vec<u32>,
    /// Resource limits (cur, max), RLIMIT_CPU first.
    pub rlimits: Vec<(u64, u64)>,
    /// Signal dispositions other than SIG_DFL.
    pub sigactions: Vec<SigAction>,
    /// Pending signals, in queue order.
    pub sigpending: Vec<PendingSig>,
    /// umask, root and cwd.
    pub fs: Option<Fs>,
    /// Descriptors announced by the FDTABLE record.
    pub nr_fds: Option<u32>,
    /// File descriptors, ascending.
    pub fds: Vec<Fd>,
    /// A process: the file locks it holds (LOCK records after its fd
    /// table), in stream order.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub locks: Vec<Lock>,
    /// A process: O_ASYNC, owners and signals of its open files (FOWN
    /// records after its LOCK records), in stream order.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub fowns: Vec<Fown>,
    /// A process: its controlling terminal (the CTTY record after its
    /// FOWN records), if it has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ctty: Option<Ctty>,
    /// General registers.
    pub regs: Option<kcr_x86_regs>,
    /// xstate features and size.
    pub xstate: Option<(u64, u32)>,
    /// Debug registers (DR0..DR3, DR6, DR7), when in use.
    pub debugregs: Option<([u64; 4], u64, u64)>,
    /// Its address space.
    pub mm: Option<Mm>,
    /// A process: its attributes (the ATTRS record after its mappings);
    /// a thread: none (it shares its process's).
    pub attrs: Option<Attrs>,
    /// A process: its number of threads, itself included; a thread: 0.
    pub nr_threads: u32,
    /// Interval timers (ITIMER_REAL, VIRTUAL, PROF: ns left, interval),
    /// if one was armed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub itimers: Option<[(i64, i64); 3]>,
    /// A process: its POSIX timers, if it made one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ptimers: Option<Ptimers>,
    /// `KCR_CHECKPOINT_HOSTINFO`: physical address of its user register
    /// frame on its kernel stack; else 0.
    pub regs_phys: u64,
    /// A process: its threads other than the leader, each with only its
    /// own state (registers, xstate, debug registers, mask, sigaltstack,
    /// pending signals); the rest is the process's.
    pub threads: Vec<Task>,
}

impl Task {
    fn new(k: &kcr_rec_task, comm: String) -> Self {
        Task {
            objid: k.objid,
            pid: k.pid,
            tgid: k.tgid,
            ppid: k.ppid,
            comm,
            uids: [k.uid, k.euid, k.suid, k.fsuid],
            gids: [k.gid, k.egid, k.sgid, k.fsgid],
            flags: flag_names(k.flags, &task_flags::NAMES),
            sigblocked: k.sigblocked,
            sigaltstack: (k.sas_ss_sp, k.sas_ss_size, k.sas_ss_flags),
            groups: Vec::new(),
            rlimits: Vec::new(),
            sigactions: Vec::new(),
            sigpending: Vec::new(),
            fs: None,
            nr_fds: None,
            fds: Vec::new(),
            locks: Vec::new(),
            fowns: Vec::new(),
            ctty: None,
            regs: None,
            xstate: None,
            debugregs: None,
            mm: None,
            attrs: None,
            itimers: None,
            ptimers: None,
            nr_threads: k.nr_threads,
            regs_phys: k.regs_phys,
            threads: Vec::new(),
        }
    }

    /// The thread records of a process that are still to come.
    fn threads_missing(&self) -> usize {
        (self.nr_threads as usize).saturating_sub(1 + self.threads.len())
    }

    /// All its mappings were read.
    fn mm_complete(&self) -> bool {
        self.mm
            .as_ref()
            .is_some_and(|m| m.vmas.len() == m.fields.nr_vmas as usize)
    }
}

/// A file object.
#[derive(Debug, Clone, Serialize)]
pub struct FileObj {
    /// Object id.
    pub objid: u32,
    /// KCR_FILE_* name.
    pub kind: &'static str,
    /// Path (empty for a pipe).
    pub path: String,
    /// File position.
    pub pos: i64,
    /// Character devices: major << 20 | minor.
    pub rdev: u32,
    /// Pipes: object id of the PIPE.
    pub pipe: Option<u32>,
    /// Shared memory and ghost files: pages of contents in the image.
    pub pages: u64,
    /// open() flags.
    pub f_flags: u32,
    /// Inode number.
    pub ino: u64,
    /// Size.
    pub size: u64,
    /// st_mode.
    pub mode: u32,
    /// An eventfd's state.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub eventfd: Option<Eventfd>,
    /// A signalfd's signals, bit n - 1 for signal n.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub signalfd: Option<u64>,
    /// A timerfd's state.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timerfd: Option<Timerfd>,
    /// An epoll's interest list.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub epoll: Option<Vec<EpollItem>>,
    /// A shmem file's seals (its SEALS record), by name
    /// ([`seal_flags::NAMES`]): empty for a sealable file with no seal;
    /// None without a SEALS record (a shmem file: `F_SEAL_SEAL` alone,
    /// a memfd never made sealable).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seals: Option<Vec<&'static str>>,
    /// An inotify's watches and queued events.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub inotify: Option<Inotify>,
    /// A terminal's termios and window size (its TTY record).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tty: Option<Tty>,
    /// An `AF_UNIX` socket's state, connection and receive queue.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unix: Option<UnixSock>,
    /// A TCP or UDP socket's state and options.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub inet: Option<InetSock>,
}

/// A TCP or UDP socket, IPv4 or IPv6 (`KCR_REC_INET`).
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct InetSock {
    /// "ipv4" (`AF_INET`) or "ipv6" (`AF_INET6`).
    pub family: &'static str,
    /// "tcp" (`IPPROTO_TCP`, a `SOCK_STREAM` socket) or "udp"
    /// (`IPPROTO_UDP`, a `SOCK_DGRAM` one).
    pub protocol: &'static str,
    /// "close" (a new socket, bound or not), "listen" (a TCP listener) or
    /// "connected" (a connected UDP socket, or a TCP connection, or a
    /// listener's connection not accepted yet).
    pub state: &'static str,
    /// `KCR_INET_*` names ([`inet_flags::NAMES`]).
    pub flags: Vec<&'static str>,
    /// It is bound (a local port, or `KCR_INET_BIND_ADDR`): restart binds
    /// it again.
    pub bound: bool,
    /// Its local address and port as `getsockname()` shows them (the
    /// any address and port 0 when not bound).
    pub local: SocketAddr,
    /// A connected socket's peer, as `getpeername()` shows it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub peer: Option<SocketAddr>,
    /// A listener's `listen()` backlog; else 0.
    pub backlog: u32,
    /// `IP_TOS`, or `IPV6_TCLASS`.
    pub tos: u32,
    /// `IP_TTL`, or `IPV6_UNICAST_HOPS`; -1: the default.
    pub ttl: i32,
    /// `IP_MTU_DISCOVER`, or `IPV6_MTU_DISCOVER`, by name
    /// ([`inet_sock::pmtudisc_name`]; "want" for a new socket).
    pub pmtudisc: &'static str,
    /// Its `SOL_SOCKET` options and inode.
    pub so: SockOpts,
    /// A TCP socket's TCP options; none for UDP.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tcp: Option<TcpOpts>,
    /// A UDP socket's receive queue (maybe empty); none for TCP.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub queue: Option<UdpQueue>,
    /// A connected TCP socket's connection (its TCP_CONN record, and its
    /// queues' TCP_DATA records); none for any other socket.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub conn: Option<TcpConn>,
    /// A TCP listener's connections not accepted yet (maybe none), in
    /// `accept()` order: the INET record's `nr_skbs` groups of records
    /// after it, each a connected TCP socket (its own INET record, of the
    /// listener's family and port, with its [`conn`](Self::conn)); none
    /// for any other socket.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub accept_queue: Option<Vec<InetSock>>,
}

/// An established TCP connection (`KCR_REC_TCP_CONN`) and its queues (the
/// `KCR_REC_TCP_DATA` records after it).
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct TcpConn {
    /// Its sequence numbers (mod 2^32).
    pub seqs: TcpSeqs,
    /// Its windows (`TCP_REPAIR_WINDOW`'s five).
    pub windows: TcpWindows,
    /// The options its handshake agreed on: `KCR_TCP_OPT_*` names
    /// ([`tcp_opts::NAMES`]: "sack", "timestamps", "wscale").
    pub opts: Vec<&'static str>,
    /// The peer's MSS (`mss_clamp`).
    pub mss: u32,
    /// Its window scales (0 and 0 without "wscale").
    pub wscales: TcpWscales,
    /// `TCP_TIMESTAMP`: its timestamp clock (bit 0 set when it counts
    /// microseconds).
    pub timestamp: u32,
    /// Its buffers as they were sized.
    pub bufs: TcpBufs,
    /// The bytes of its send queue (`write_seq - snd_una`): sent but not
    /// acknowledged, then not sent yet.
    pub send_bytes: u32,
    /// The bytes of its send queue not sent yet (`write_seq - snd_nxt`).
    pub unsent_bytes: u32,
    /// The bytes of its receive queue (`rcv_nxt - copied_seq`): received,
    /// not read yet.
    pub recv_bytes: u32,
}

/// The sequence numbers of a TCP connection (mod 2^32).
#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq)]
pub struct TcpSeqs {
    /// The first byte the peer has not acknowledged.
    pub snd_una: u32,
    /// The first byte not sent yet.
    pub snd_nxt: u32,
    /// The end of the send queue.
    pub write_seq: u32,
    /// The next byte expected from the peer.
    pub rcv_nxt: u32,
    /// The first byte the process has not read.
    pub copied_seq: u32,
}

/// The windows of a TCP connection (`struct tcp_repair_window`).
#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq)]
pub struct TcpWindows {
    /// The sequence number of the segment that last updated `snd_wnd`.
    pub snd_wl1: u32,
    /// The peer's window.
    pub snd_wnd: u32,
    /// The largest window the peer offered.
    pub max_window: u32,
    /// Its own receive window.
    pub rcv_wnd: u32,
    /// `rcv_nxt` as of its last window update.
    pub rcv_wup: u32,
}

/// The window scales of a TCP connection.
#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq)]
pub struct TcpWscales {
    /// The peer's: how its windows (`snd_wnd`) are scaled.
    pub snd: u8,
    /// Its own: how the windows it sends are scaled.
    pub rcv: u8,
}

/// The buffers of a TCP connection, as autotuning (or `SO_SNDBUF`,
/// `SO_RCVBUF`) had sized them.
#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq)]
pub struct TcpBufs {
    /// Its send buffer (`sk_sndbuf`).
    pub sndbuf: u32,
    /// Its receive buffer (`sk_rcvbuf`).
    pub rcvbuf: u32,
}

/// The receive queue of a UDP socket: the `KCR_REC_INET_DGRAM` records
/// after its INET record.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct UdpQueue {
    /// The bytes of its datagrams, in all (the INET record's `bytes`).
    pub bytes: u64,
    /// Its datagrams (the INET record's `nr_skbs`), oldest first: the
    /// order `recvmsg()` returns them.
    pub datagrams: Vec<UdpDgram>,
}

/// A datagram queued on a UDP socket (`KCR_REC_INET_DGRAM`).
#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq)]
pub struct UdpDgram {
    /// Its own family: "ipv4" (`AF_INET`; on an IPv6 socket, one that
    /// takes IPv4) or "ipv6" (`AF_INET6`).
    pub family: &'static str,
    /// Its sender's address and port as `recvfrom()` shows them (an IPv4
    /// sender v4-mapped on an IPv6 socket).
    pub from: SocketAddr,
    /// The address it was sent to, shown the same way.
    pub to: IpAddr,
    /// Its length in bytes (without the UDP header).
    pub len: u32,
}

/// The `SOL_SOCKET` options and inode of a socket of a family other than
/// `AF_UNIX` (`struct kcr_sockopts`).
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct SockOpts {
    /// `KCR_SO_*` names ([`so_flags::NAMES`]).
    pub flags: Vec<&'static str>,
    /// `RCV_SHUTDOWN` (1) | `SEND_SHUTDOWN` (2).
    pub shutdown: u32,
    /// The pending error (`SO_ERROR`), 0 ..= 4095.
    pub err: i32,
    /// `SO_PEEK_OFF`; -1: off.
    pub peek_off: i32,
    /// `SO_SNDBUF` as `getsockopt()` reports it, when it was set
    /// ("sndbuf-lock"); else 0 (the default and autotuning).
    pub sndbuf: u32,
    /// `SO_RCVBUF` as `getsockopt()` reports it, when it was set
    /// ("rcvbuf-lock"); else 0.
    pub rcvbuf: u32,
    /// `SO_RCVLOWAT`, >= 1.
    pub rcvlowat: u32,
    /// `SO_LINGER` seconds ("linger" only; else 0).
    pub linger: u32,
    /// `SO_RCVTIMEO` in microseconds; 0: none.
    pub rcvtimeo_us: u64,
    /// `SO_SNDTIMEO` in microseconds; 0: none.
    pub sndtimeo_us: u64,
    /// The socket inode's mode: `S_IFSOCK` and permissions.
    pub ino_mode: u32,
    /// The socket inode's owner (also the socket's, for `SO_REUSEPORT`).
    pub ino_uid: u32,
    /// The socket inode's group.
    pub ino_gid: u32,
}

/// The TCP options of a TCP socket (the `tcp_*` .. `congestion` fields
/// of its INET record); 0 is the default (`net.ipv4`'s, or none).
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct TcpOpts {
    /// `KCR_TCP_*` names ([`tcp_flags::NAMES`]).
    pub flags: Vec<&'static str>,
    /// `TCP_MAXSEG` as set; 0: none.
    pub maxseg: u32,
    /// `TCP_KEEPIDLE` seconds.
    pub keepidle: u32,
    /// `TCP_KEEPINTVL` seconds.
    pub keepintvl: u32,
    /// `TCP_KEEPCNT`.
    pub keepcnt: u32,
    /// `TCP_USER_TIMEOUT` milliseconds.
    pub user_timeout: u32,
    /// `TCP_SYNCNT`.
    pub syncnt: u32,
    /// `TCP_LINGER2` seconds; -1: none.
    pub linger2: i32,
    /// `TCP_WINDOW_CLAMP`.
    pub window_clamp: u32,
    /// `TCP_NOTSENT_LOWAT`.
    pub notsent_lowat: u32,
    /// `TCP_CONGESTION`: the congestion control's name.
    pub congestion: String,
}

/// An `AF_UNIX` socket (`KCR_REC_UNIX`), with its connection and receive
/// queue (its `KCR_REC_UNIX_QUEUE` and `KCR_REC_UNIX_SKB` records) and,
/// for a listener, the connections it has not accepted yet (its
/// `KCR_REC_UNIX_EMBRYO` records and theirs).
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct UnixSock {
    /// "stream", "dgram" or "seqpacket".
    #[serde(rename = "type")]
    pub type_: &'static str,
    /// "established" (`TCP_ESTABLISHED`), "close" (`TCP_CLOSE`) or
    /// "listen" (`TCP_LISTEN`: a bound stream or seqpacket socket).
    pub state: &'static str,
    /// Its name as `getsockname()` shows it: the `sun_path` bytes of its
    /// address (a path with its NUL, or an abstract name, which starts
    /// with a NUL); empty for none. JSON shows it as [`unix_name_text`]
    /// does.
    #[serde(
        serialize_with = "ser_unix_name",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub name: Vec<u8>,
    /// The name is its own (`KCR_UNIX_BOUND`: restart binds it again);
    /// a name without it is that of its listener (a socket `accept()`
    /// made).
    pub bound: bool,
    /// The socket file of a socket bound to a path.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub node: Option<UnixNode>,
    /// `KCR_UNIX_*` names ([`unix_flags::NAMES`]).
    pub flags: Vec<&'static str>,
    /// `RCV_SHUTDOWN` (1) | `SEND_SHUTDOWN` (2).
    pub shutdown: u32,
    /// The pending error (`SO_ERROR`), 0 ..= 4095.
    pub err: i32,
    /// `SO_PEEK_OFF`; -1: off.
    pub peek_off: i32,
    /// `sk_max_ack_backlog`: a listener's `listen()` backlog, else the
    /// datagram queue limit.
    pub backlog: u32,
    /// `SO_SNDBUF` as `getsockopt()` reports it.
    pub sndbuf: u32,
    /// `SO_RCVBUF` as `getsockopt()` reports it.
    pub rcvbuf: u32,
    /// The send buffer was set (`KCR_UNIX_SNDBUF_LOCK`).
    pub sndbuf_locked: bool,
    /// The receive buffer was set (`KCR_UNIX_RCVBUF_LOCK`).
    pub rcvbuf_locked: bool,
    /// `SO_RCVLOWAT`, >= 1.
    pub rcvlowat: u32,
    /// `SO_LINGER` seconds ("linger" only; else 0).
    pub linger: u32,
    /// `SO_RCVTIMEO` in microseconds; 0: none.
    pub rcvtimeo_us: u64,
    /// `SO_SNDTIMEO` in microseconds; 0: none.
    pub sndtimeo_us: u64,
    /// The socket inode's mode: `S_IFSOCK` and permissions.
    pub ino_mode: u32,
    /// The socket inode's owner.
    pub ino_uid: u32,
    /// The socket inode's group.
    pub ino_gid: u32,
    /// `SO_PEERCRED` ("peercred" only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub peercred: Option<UnixCreds>,
    /// Its connection and receive queue (its UNIX_QUEUE record's, which
    /// every socket of a valid image has).
    pub queue: UnixQueue,
    /// A listener's connections not accepted yet (the UNIX_EMBRYO records
    /// after its UNIX_QUEUE), oldest first: what `accept()` returns next.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub embryos: Vec<UnixEmbryo>,
}

/// The socket file of a socket bound to a path (the `node_*` fields of
/// its UNIX record, and the path after it).
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct UnixNode {
    /// Its absolute path.
    pub path: String,
    /// Its inode number (restart takes the file there again if it is
    /// still this one).
    pub ino: u64,
    /// Its mode: `S_IFSOCK` and permissions.
    pub mode: u32,
    /// Its owner.
    pub uid: u32,
    /// Its group.
    pub gid: u32,
}

/// A connection a listening socket has not accepted yet
/// (`KCR_REC_UNIX_EMBRYO` and its UNIX_SKB records): the socket
/// `accept()` will return.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct UnixEmbryo {
    /// "file" (from the socket `peer_file` of the image, whose queue names
    /// the listener) or "dead" (from a socket closed since).
    pub peer: &'static str,
    /// "file": the object id of the connecting socket.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub peer_file: Option<u32>,
    /// `RCV_SHUTDOWN` (1) | `SEND_SHUTDOWN` (2), the embryo's.
    pub shutdown: u32,
    /// `SO_PEERCRED` of the embryo: the connecting process's.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub peercred: Option<UnixCreds>,
    /// Bytes the connecting socket sent, the sum of its buffers' lengths.
    pub bytes: u64,
    /// The data sent on it and not read yet, oldest first.
    pub buffers: Vec<UnixBuf>,
}

/// A socket's name (its `sun_path` bytes, [`UnixSock::name`]) as text: a
/// path up to its NUL, an abstract name as `@` and its bytes after the
/// leading NUL, escaped (`\x00`, `\\`); empty for none.
pub fn unix_name_text(name: &[u8]) -> String {
    match name.split_first() {
        None => String::new(),
        Some((0, rest)) => format!("@{}", rest.escape_ascii()),
        Some(_) => {
            let end = name.iter().position(|&c| c == 0).unwrap_or(name.len());
            String::from_utf8_lossy(&name[..end]).into_owned()
        }
    }
}

fn ser_unix_name<S: serde::Serializer>(name: &[u8], s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&unix_name_text(name))
}

/// Credentials a socket shows: `SO_PEERCRED`, or what `SCM_CREDENTIALS`
/// shows of a buffer.
#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq)]
pub struct UnixCreds {
    /// The process, as the checkpointer saw it; 0: one not in the image.
    pub pid: i32,
    /// Its user id.
    pub uid: u32,
    /// Its group id.
    pub gid: u32,
}

/// The connection and receive queue of a socket (`KCR_REC_UNIX_QUEUE` and
/// its UNIX_SKB records).
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct UnixQueue {
    /// "none" (not connected), "file" (connected to `peer_file`),
    /// "embryo" (connected to a connection that the listener `peer_file`
    /// has not accepted yet), "dead" (connected to a socket closed
    /// since) or "external" (connected to the socket `peer_name` outside
    /// the checkpoint, which restart connects it to again).
    pub peer: &'static str,
    /// "file": the object id of the peer, a socket of the same type;
    /// "embryo": that of the listener.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub peer_file: Option<u32>,
    /// "external": the peer's name, as [`UnixSock::name`] holds one (the
    /// `sun_path` bytes of its address: a path with its NUL, or an
    /// abstract name, which starts with a NUL); empty for any other peer.
    /// JSON shows it as [`unix_name_text`] does.
    #[serde(
        serialize_with = "ser_unix_name",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub peer_name: Vec<u8>,
    /// Bytes in the queue, the sum of its buffers' lengths.
    pub bytes: u64,
    /// The buffers not read yet, oldest first.
    pub buffers: Vec<UnixBuf>,
}

/// One buffer of a socket's receive queue (`KCR_REC_UNIX_SKB`).
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct UnixBuf {
    /// Its bytes not read yet.
    pub len: u32,
    /// The credentials it carries (`KCR_UNIX_SKB_CREDS`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub creds: Option<UnixCreds>,
    /// A datagram's sending socket, when it is in the image (its object
    /// id).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sender: Option<u32>,
    /// Its files in flight (`SCM_RIGHTS`), in the order the receiver gets
    /// them: FILE object ids of the image, of any kind, the same one
    /// possibly more than once (at most `KCR_UNIX_SKB_FDS`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub fds: Vec<u32>,
}

/// The termios and window size of a terminal (`KCR_REC_TTY`), as
/// `TCGETS2` and `TIOCGWINSZ` show them.
#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq)]
pub struct Tty {
    /// Input modes (within `KCR_TTY_IFLAGS`).
    pub c_iflag: u32,
    /// Output modes (within `KCR_TTY_OFLAGS`).
    pub c_oflag: u32,
    /// Control modes.
    pub c_cflag: u32,
    /// Local modes (within `KCR_TTY_LFLAGS`).
    pub c_lflag: u32,
    /// The line discipline: always `N_TTY` (0).
    pub c_line: u8,
    /// The control characters (`VINTR` first).
    pub c_cc: [u8; tty::NCCS],
    /// Input speed (baud).
    pub c_ispeed: u32,
    /// Output speed (baud).
    pub c_ospeed: u32,
    /// Window rows.
    pub ws_row: u16,
    /// Window columns.
    pub ws_col: u16,
    /// Window width in pixels.
    pub ws_xpixel: u16,
    /// Window height in pixels.
    pub ws_ypixel: u16,
}

/// The state of an inotify (`KCR_REC_INOTIFY` and its INOTIFY_WATCH and
/// INOTIFY_EVENT records).
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Inotify {
    /// Where the search for the next watch descriptor starts (so that
    /// `inotify_add_watch()` after restart returns what it would have).
    pub cursor: i32,
    /// Its watches, in the kernel's order.
    pub watches: Vec<InotifyWatch>,
    /// The events queued and not read, oldest first.
    pub events: Vec<InotifyEvent>,
}

/// A watch of an inotify (`KCR_REC_INOTIFY_WATCH`).
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct InotifyWatch {
    /// Its watch descriptor, > 0, unique in its inotify.
    pub wd: i32,
    /// `IN_*` bits as `inotify_add_watch()` took them: events, and
    /// `IN_EXCL_UNLINK`, `IN_ONESHOT`.
    pub mask: u32,
    /// The names of `mask`'s bits ([`inotify_mask::NAMES`]).
    pub mask_names: Vec<&'static str>,
    /// The watched inode's number.
    pub ino: u64,
    /// The watched file's path (absolute).
    pub path: String,
}

/// An event queued on an inotify and not read
/// (`KCR_REC_INOTIFY_EVENT`), as `read()` returns it.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct InotifyEvent {
    /// The watch descriptor it is about (of a watch that may be gone
    /// since), > 0; -1 for a queue overflow.
    pub wd: i32,
    /// Its `IN_*` bits.
    pub mask: u32,
    /// The names of `mask`'s bits ([`inotify_mask::NAMES`]).
    pub mask_names: Vec<&'static str>,
    /// Its cookie (what relates an `IN_MOVED_FROM` to its `IN_MOVED_TO`).
    pub cookie: u32,
    /// The name in the watched directory it is about; empty if none.
    pub name: String,
}

/// One item of an epoll's interest list (`struct kcr_epoll_item`).
#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq)]
pub struct EpollItem {
    /// Object id of the file it watches.
    pub file: u32,
    /// The fd number it was added as.
    pub fd: i32,
    /// `EPOLL*` events as the kernel keeps them.
    pub events: u32,
    /// On the ready list.
    pub ready: bool,
    /// The user's data.
    pub data: u64,
}

/// The state of a timerfd (`KCR_REC_TIMERFD`).
#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq)]
pub struct Timerfd {
    /// "realtime", "monotonic" or "boottime".
    pub clock: &'static str,
    /// `TFD_TIMER_ABSTIME`.
    pub absolute: bool,
    /// `TFD_TIMER_CANCEL_ON_SET`.
    pub cancel_on_set: bool,
    /// Time left (ns), 0 if disarmed; the expiry since the epoch for an
    /// absolute realtime timer.
    pub value_ns: i64,
    /// Interval (ns), 0 for a one-shot timer.
    pub interval_ns: i64,
    /// Expirations not read yet.
    pub ticks: u64,
}

/// The state of an eventfd (`KCR_REC_EVENTFD`).
#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq)]
pub struct Eventfd {
    /// The counter.
    pub count: u64,
    /// `EFD_SEMAPHORE`.
    pub semaphore: bool,
}

/// A pipe object.
#[derive(Debug, Clone, Serialize)]
pub struct PipeObj {
    /// Object id.
    pub objid: u32,
    /// Capacity in bytes.
    pub size: u32,
    /// Buffered bytes saved with it.
    pub nr_bytes: u32,
}

/// A whole, valid image.
#[derive(Debug, Clone, Serialize)]
pub struct Image {
    /// Header.
    pub header: Header,
    /// The process tree (images of `KCR_CHECKPOINT_TREE`), parents first;
    /// empty for an image of one process.
    pub tree: Vec<kcr_tree_task>,
    /// Tasks in stream order.
    pub tasks: Vec<Task>,
    /// File objects.
    pub files: Vec<FileObj>,
    /// Pipe objects.
    pub pipes: Vec<PipeObj>,
    /// Records before the tail.
    pub records: u32,
    /// Bytes before the tail.
    pub total_len: u64,
    /// The stream's XXH64 checksum (checked).
    pub xxh64: u64,
}

fn cstr(b: &[u8]) -> Option<String> {
    let end = b.iter().position(|&c| c == 0)?;
    Some(String::from_utf8_lossy(&b[..end]).into_owned())
}

fn flag_names(bits: u32, names: &[&'static str]) -> Vec<&'static str> {
    names
        .iter()
        .enumerate()
        .filter(|(i, _)| bits & (1 << i) != 0)
        .map(|(_, n)| *n)
        .collect()
}

/// One page of a private mapping, as [`parse_visit`] reads it.
#[derive(Debug)]
pub struct PageRef<'a> {
    /// The task (process) whose mapping it is.
    pub pid: i32,
    /// Its mm's page-table root (`KCR_CHECKPOINT_HOSTINFO`), or 0.
    pub pgd_phys: u64,
    /// Its user address.
    pub addr: u64,
    /// Its 4096 bytes.
    pub data: &'a [u8],
}

struct Parser<'v, R: Read> {
    r: R,
    visit: Option<&'v mut dyn FnMut(PageRef<'_>)>,
    offset: u64,
    index: u32,
    sum: Xxh64,
    buf: Vec<u8>,
    /// Every object id defined so far: the record type that defined it
    /// and, for a FILE, its kind.
    objects: HashMap<u32, (u32, u32)>,
    files: Vec<FileObj>,
    pipes: Vec<PipeObj>,
    tasks: Vec<Task>,
    header: Option<Header>,
    tree: Option<Vec<kcr_tree_task>>,
    vma_end: u64,
    pages_end: u64,
    /// The FILE whose contents (PAGES) may follow, a shmem object or a
    /// ghost file (index in `files`).
    contents: Option<usize>,
    /// The previous record was the MM, a VMA or the PAGES of a mapping:
    /// an ATTRS record may follow.
    after_memory: bool,
    /// The previous record was a FILE whose kind has a state record, or
    /// the FILE of a terminal, which has a TTY record (index in `files`,
    /// that record's type): it must come next.
    state_of: Option<(usize, u32)>,
    /// The type of the previous record (0 before the first).
    prev_type: u32,
    /// PTIMER records still to come after the last PTIMERS record.
    ptimers_left: u32,
    /// The inotify whose INOTIFY_WATCH or INOTIFY_EVENT records are still
    /// to come.
    inotify_left: Option<InotifyLeft>,
    /// Every socket (a `KCR_FILE_UNIX` FILE with its UNIX record) so far,
    /// by object id.
    unix: HashMap<u32, UnixObj>,
    /// The sockets of the current section whose UNIX_QUEUE has not come
    /// yet, in the order of their FILE records.
    unix_unqueued: Vec<u32>,
    /// The socket whose UNIX_SKB records, or a listener's UNIX_EMBRYO
    /// records, are still to come.
    unix_left: Option<UnixLeft>,
    /// The sockets whose UNIX_QUEUE named a listener
    /// (`KCR_UNIX_PEER_EMBRYO`) whose UNIX_EMBRYO naming them has not come
    /// yet, in the order of their QUEUE records.
    unix_await: Vec<u32>,
    /// The UDP socket whose INET_DGRAM records are still to come.
    inet_left: Option<InetLeft>,
    /// The TCP connection whose TCP_CONN or TCP_DATA records are still to
    /// come.
    tcp_left: Option<TcpLeft>,
    /// The TCP listener whose connections not accepted yet (INET records,
    /// each with its TCP_CONN and TCP_DATA records) are still to come.
    conns_left: Option<ConnsLeft>,
}

/// A connected TCP socket whose TCP_CONN record, or the TCP_DATA records
/// of its queues, are still to come.
struct TcpLeft {
    /// Its object id (a listener's, for a connection not accepted yet).
    objid: u32,
    /// Its index in `files` (its listener's).
    file: usize,
    /// A connection not accepted yet: its index in its listener's queue.
    queued: Option<u32>,
    /// Its TCP_CONN record came: the queue whose data comes next.
    data: Option<TcpQueueLeft>,
}

impl TcpLeft {
    /// The socket, to start a message: "TCP socket 50", "TCP socket 50:
    /// queued connection 1".
    fn who(&self) -> String {
        match self.queued {
            Some(k) => format!("TCP socket {}: queued connection {k}", self.objid),
            None => format!("TCP socket {}", self.objid),
        }
    }

    /// The socket, after "of": "TCP socket 50", "queued connection 1 of
    /// TCP socket 50".
    fn of(&self) -> String {
        match self.queued {
            Some(k) => format!("queued connection {k} of TCP socket {}", self.objid),
            None => format!("TCP socket {}", self.objid),
        }
    }
}

/// A TCP listener whose INET record announced connections not accepted
/// yet that are still to come.
struct ConnsLeft {
    /// Its object id.
    objid: u32,
    /// Its index in `files`.
    file: usize,
    /// Its INET record (each connection's has its family and port).
    listener: kcr_rec_inet,
    /// Its FILE record's `mode` (each connection's inode has it).
    mode: u32,
    /// The connections its INET record announced (`nr_skbs`).
    nr: u32,
    /// Connections still to come (1 ..= `nr`).
    conns: u32,
}

/// What is left of a TCP connection's queues: the bytes of `queue` still
/// to come, then (after the send queue) those of the receive queue.
#[derive(Debug, Clone, Copy)]
struct TcpQueueLeft {
    /// `KCR_TCP_SEND_QUEUE` or `KCR_TCP_RECV_QUEUE`.
    queue: u32,
    /// The queue's bytes (its sequence numbers say).
    total: u32,
    /// Its bytes still to come (1 ..= `total`).
    left: u32,
    /// The receive queue's bytes, to come after the send queue.
    recv: u32,
}

impl TcpQueueLeft {
    /// The first queue of a connection of `send` and `recv` bytes that
    /// has any, or None.
    fn first(send: u32, recv: u32) -> Option<Self> {
        if send > 0 {
            Some(Self {
                queue: tcp_conn::SEND_QUEUE,
                total: send,
                left: send,
                recv,
            })
        } else {
            Self::recv(recv)
        }
    }

    /// The receive queue of `recv` bytes, if it has any.
    fn recv(recv: u32) -> Option<Self> {
        (recv > 0).then_some(Self {
            queue: tcp_conn::RECV_QUEUE,
            total: recv,
            left: recv,
            recv: 0,
        })
    }

    /// "send queue (KCR_TCP_SEND_QUEUE 1)" or "receive queue
    /// (KCR_TCP_RECV_QUEUE 2)".
    fn what(self) -> &'static str {
        if self.queue == tcp_conn::SEND_QUEUE {
            "send queue (KCR_TCP_SEND_QUEUE 1)"
        } else {
            "receive queue (KCR_TCP_RECV_QUEUE 2)"
        }
    }

    /// "4 of its 10 bytes still to come".
    fn still_to_come(self) -> String {
        format!("{} of its {} bytes still to come", self.left, self.total)
    }
}

/// A UDP socket whose INET record announced datagrams that are still to
/// come (INET_DGRAM records).
struct InetLeft {
    /// Its object id.
    objid: u32,
    /// Its index in `files`.
    file: usize,
    /// Its INET record's `family` (`AF_*`).
    family: u16,
    /// Its INET record's `flags` (`KCR_INET_*`).
    flags: u32,
    /// The datagrams its INET record announced (`nr_skbs`).
    nr: u32,
    /// INET_DGRAM records still to come.
    dgrams: u32,
    /// The bytes its INET record announced.
    bytes: u64,
    /// The bytes of its datagrams so far.
    got: u64,
}

/// A socket of the image, as restart(2) keeps it until its queue is
/// restored.
struct UnixObj {
    /// Its index in `files`.
    file: usize,
    /// Its type (`SOCK_*`).
    type_: u32,
    /// Its state (`TCP_*`).
    state: u32,
    /// Its `backlog` (a listener's: it bounds its connections).
    backlog: u32,
    /// Its UNIX_QUEUE record came.
    queued: bool,
    /// A stream or seqpacket socket: the peer a UNIX_QUEUE record joined
    /// it to (its own, or its peer's, whichever came first).
    joined: Option<u32>,
    /// Connected to a connection not accepted yet of this listener: a
    /// UNIX_EMBRYO record of the listener named it (its peer is that
    /// embryo).
    embryo_of: Option<u32>,
    /// Its UNIX_QUEUE named this listener before any UNIX_EMBRYO record
    /// named it: one of the listener's must (restart(2)'s
    /// `ur->listener`).
    awaits: Option<u32>,
}

impl UnixObj {
    /// It has a peer, as restart(2) sees it (`unix_peer()`): joined to
    /// a socket of a pair, or to an embryo. (A socket whose own QUEUE
    /// gave it a peer is `queued` too.)
    fn has_peer(&self) -> bool {
        self.joined.is_some() || self.embryo_of.is_some()
    }
}

/// A socket whose UNIX_QUEUE record announced buffers that are still to
/// come, or a listener whose UNIX_QUEUE announced connections not
/// accepted yet (UNIX_EMBRYO records, each with its buffers) that are.
struct UnixLeft {
    /// Its object id.
    objid: u32,
    /// Its index in `files`.
    file: usize,
    /// Its type (`SOCK_*`).
    type_: u32,
    /// It has a peer (its UNIX_QUEUE's is not `KCR_UNIX_PEER_NONE`; a
    /// connection not accepted yet has its connecting socket).
    connected: bool,
    /// The buffers are those of the listener's last UNIX_EMBRYO so far,
    /// not the socket's own.
    embryo: bool,
    /// UNIX_SKB records still to come (before the next UNIX_EMBRYO).
    skbs: u32,
    /// The bytes its UNIX_QUEUE (or UNIX_EMBRYO) record announced.
    bytes: u64,
    /// The bytes of its buffers so far.
    got: u64,
    /// A listener's UNIX_EMBRYO records still to come, after the buffers.
    embryos: u32,
}

/// The records restart(2) reads in its loop over a process's objects, with
/// the records of a file's own state that it reads with the file's: the
/// first record of another type ends them.
const OBJECT_RECORDS: [u32; 21] = [
    rec::SIGPENDING,
    rec::PIPE,
    rec::FILE,
    rec::PAGES,
    rec::SEALS,
    rec::EVENTFD,
    rec::SIGNALFD,
    rec::TIMERFD,
    rec::EPOLL,
    rec::INOTIFY,
    rec::INOTIFY_WATCH,
    rec::INOTIFY_EVENT,
    rec::TTY,
    rec::UNIX,
    rec::UNIX_QUEUE,
    rec::UNIX_EMBRYO,
    rec::UNIX_SKB,
    rec::INET,
    rec::INET_DGRAM,
    rec::TCP_CONN,
    rec::TCP_DATA,
];

/// An inotify FILE whose INOTIFY record announced watches or events that
/// are still to come.
struct InotifyLeft {
    /// Its index in `files`.
    file: usize,
    /// INOTIFY_WATCH records still to come.
    watches: u32,
    /// INOTIFY_EVENT records still to come, after the watches.
    events: u32,
    /// The watch descriptors of its watches so far.
    wds: HashSet<i32>,
    /// The paths of its watches so far.
    paths: HashSet<Vec<u8>>,
}

impl<R: Read> Parser<'_, R> {
    /// Record `t` where file `files[i]` needed its state record `want`.
    fn missing_state(&self, t: u32, i: usize, want: u32) -> Error {
        let f = &self.files[i];
        let why = format!(
            "{} file {} needs its {} record next",
            f.kind,
            f.objid,
            rec::name(want)
        );
        self.err(t, why)
    }

    /// Record `t` where a PTIMER record still had to come (`left` of
    /// them).
    fn missing_ptimer(&self, t: u32, left: u32) -> Error {
        let p = self.tasks.last();
        let got = p
            .and_then(|p| p.ptimers.as_ref())
            .map_or(0, |pt| pt.timers.len());
        let why = format!(
            "{} where POSIX timer {got} of {} of process {} belongs",
            rec::name(t),
            got + left as usize,
            p.map_or(0, |p| p.pid)
        );
        self.err(t, why)
    }

    /// Record `t` where an INOTIFY_WATCH or INOTIFY_EVENT record of the
    /// inotify `left` describes still had to come.
    fn missing_inotify(&self, t: u32, left: &InotifyLeft) -> Error {
        let f = &self.files[left.file];
        let (w, e) = f
            .inotify
            .as_ref()
            .map_or((0, 0), |i| (i.watches.len(), i.events.len()));
        let why = if left.watches > 0 {
            format!("watch {w} of {}", w + left.watches as usize)
        } else {
            format!("event {e} of {}", e + left.events as usize)
        };
        let why = format!(
            "{} where {why} of inotify {} belongs",
            rec::name(t),
            f.objid
        );
        self.err(t, why)
    }

    /// Record `t` where a UNIX_SKB record of the socket `left` describes
    /// (or of its last connection not accepted yet) still had to come.
    fn missing_unix_skb(&self, t: u32, left: &UnixLeft) -> Error {
        let u = self.files[left.file].unix.as_ref();
        let (got, of) = match u {
            Some(u) if left.embryo => (
                u.embryos.last().map_or(0, |e| e.buffers.len()),
                format!(
                    "connection {} (not accepted yet) of Unix socket {}",
                    u.embryos.len().saturating_sub(1),
                    left.objid
                ),
            ),
            _ => (
                u.map_or(0, |u| u.queue.buffers.len()),
                format!("Unix socket {}", left.objid),
            ),
        };
        let why = format!(
            "{} where buffer {got} of {} of {of} belongs",
            rec::name(t),
            got + left.skbs as usize
        );
        self.err(t, why)
    }

    /// Record `t` where an INET_DGRAM record of the UDP socket `left`
    /// still had to come (restart(2)'s kcr_udp_rst_queue(): "expected a
    /// UDP datagram").
    fn missing_inet_dgram(&self, t: u32, left: &InetLeft) -> Error {
        let why = format!(
            "{} where datagram {} of {} of UDP socket {} belongs",
            rec::name(t),
            left.nr - left.dgrams,
            left.nr,
            left.objid
        );
        self.err(t, why)
    }

    /// Record `t` where the TCP_CONN record, or a TCP_DATA record, of the
    /// TCP socket `left` still had to come (restart(2)'s kcr_rst_inet()
    /// reads the connection of a connected TCP socket, then
    /// kcr_tcp_read_data() each record of its queues: "expected TCP
    /// data").
    fn missing_tcp(&self, t: u32, left: &TcpLeft) -> Error {
        let why = match &left.data {
            None => format!(
                "{} where the TCP_CONN record of {} belongs (it is connected: \
                 KCR_INET_CONNECTED)",
                rec::name(t),
                left.of()
            ),
            Some(q) => format!(
                "{} where TCP_DATA of the {} of {} belongs ({})",
                rec::name(t),
                q.what(),
                left.of(),
                q.still_to_come()
            ),
        };
        self.err(t, why)
    }

    /// Record `t` where the INET record of a connection not accepted yet
    /// of the TCP listener `left` still had to come (restart(2)'s
    /// kcr_rst_inet_queue() reads nr_skbs of them: "type %u length %u,
    /// expected 41/208").
    fn missing_inet_conn(&self, t: u32, left: &ConnsLeft) -> Error {
        let why = format!(
            "{} where the INET record of connection {} of {} not accepted yet of TCP socket {} \
             belongs",
            rec::name(t),
            left.nr - left.conns,
            left.nr,
            left.objid
        );
        self.err(t, why)
    }

    /// Record `t` where a UNIX_EMBRYO record of the listener `left`
    /// describes still had to come.
    fn missing_unix_embryo(&self, t: u32, left: &UnixLeft) -> Error {
        let got = self.files[left.file]
            .unix
            .as_ref()
            .map_or(0, |u| u.embryos.len());
        let why = format!(
            "{} where connection {got} of {} not accepted yet of Unix socket {} belongs",
            rec::name(t),
            got + left.embryos as usize,
            left.objid
        );
        self.err(t, why)
    }

    /// Record `t` where the records `left` describes still had to come.
    fn missing_unix_left(&self, t: u32, left: &UnixLeft) -> Error {
        if left.skbs > 0 {
            self.missing_unix_skb(t, left)
        } else {
            self.missing_unix_embryo(t, left)
        }
    }

    /// Record `t` ends the section's objects while sockets whose
    /// UNIX_QUEUE named a listener (`KCR_UNIX_PEER_EMBRYO`) were named
    /// by none of its UNIX_EMBRYO records (the kernel's
    /// kcr_rst_unix_done()).
    fn unix_awaiting(&self, t: u32) -> Error {
        let ids: Vec<String> = self.unix_await.iter().map(u32::to_string).collect();
        let why = format!(
            "{} Unix sockets connecting to a listener that does not list them, before {} \
             (socket{} {})",
            ids.len(),
            rec::name(t),
            if ids.len() == 1 { "" } else { "s" },
            ids.join(", ")
        );
        self.err(t, why)
    }

    /// At record `t`, which ends the section's objects: every socket has
    /// had its UNIX_QUEUE record, and every connecting one its
    /// listener's UNIX_EMBRYO (the kernel's kcr_rst_unix_done(), in its
    /// order).
    fn unix_done(&self, t: u32) -> Result<(), Error> {
        if !self.unix_unqueued.is_empty() {
            return Err(self.unqueued_unix(t));
        }
        if !self.unix_await.is_empty() {
            return Err(self.unix_awaiting(t));
        }
        Ok(())
    }

    /// Record `t` ends the section's objects while sockets of it have no
    /// UNIX_QUEUE record yet.
    fn unqueued_unix(&self, t: u32) -> Error {
        let ids: Vec<String> = self.unix_unqueued.iter().map(u32::to_string).collect();
        let why = format!(
            "{} Unix sockets without their queue record before {} (socket{} {})",
            ids.len(),
            rec::name(t),
            if ids.len() == 1 { "" } else { "s" },
            ids.join(", ")
        );
        self.err(t, why)
    }

    /// How many sections (processes with records) the image holds.
    fn sections(&self) -> usize {
        self.tree.as_ref().map_or(1, |v| live(v).count())
    }

    fn err(&self, t: u32, msg: impl Into<String>) -> Error {
        Error {
            offset: self.offset,
            index: self.index,
            record: rec::name(t),
            msg: msg.into(),
        }
    }

    /// Reads exactly `n` bytes into `self.buf`. Returns false at a clean
    /// end of stream before the first byte when `eof_ok`.
    fn fill(&mut self, n: usize, t: u32, eof_ok: bool) -> Result<bool, Error> {
        self.buf.resize(n, 0);
        let mut got = 0;
        while got < n {
            match self.r.read(&mut self.buf[got..n]) {
                Ok(0) if got == 0 && eof_ok => return Ok(false),
                Ok(0) => return Err(self.err(t, format!("truncated: {got} of {n} bytes"))),
                Ok(k) => got += k,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(self.err(t, format!("read error: {e}"))),
            }
        }
        Ok(true)
    }

    fn obj<T: FromBytes>(&self, t: u32) -> Result<T, Error> {
        T::read_from_prefix(&self.buf)
            .map(|(v, _)| v)
            .map_err(|_| self.err(t, "record shorter than its structure"))
    }

    /// Defines object `id` (of file kind `kind`, for a FILE).
    fn define(&mut self, t: u32, id: u32, kind: u32) -> Result<(), Error> {
        if id == 0 || self.objects.contains_key(&id) {
            return Err(self.err(t, format!("object id {id} is zero or already defined")));
        }
        self.objects.insert(id, (t, kind));
        Ok(())
    }

    /// The record's length against its [`Size`] rule.
    fn check_size(&self, t: u32, len: u32, rule: &Rule) -> Result<(), Error> {
        match rule.size {
            Size::Fixed(n) => self.need_len(t, len, n),
            Size::Counted {
                base,
                head,
                count,
                unit,
                limit,
                bad,
            } => {
                if self.buf.len() < base {
                    return Err(self.err(t, "record shorter than its structure"));
                }
                if let Some(k) = rule.kind.map(|f| f.get(&self.buf)) {
                    if file_kind::name(k).is_none() {
                        return Err(self.err(t, format!("unknown file kind {k}")));
                    }
                }
                let n = u64::from(count.get(&self.buf));
                let (ok, bound) = match limit {
                    Limit::Range(min, max) => ((min..=max).contains(&n), max),
                    Limit::AtMost(f) => {
                        let max = u64::from(f.get(&self.buf));
                        (n <= max, max)
                    }
                    Limit::HeaderXstate => {
                        let want = self.header.as_ref().map_or(0, |h| h.xstate_size);
                        (n == u64::from(want), u64::from(want))
                    }
                    Limit::Path {
                        max,
                        kind,
                        has_path,
                    } => {
                        let empty = !has_path(kind.get(&self.buf));
                        (n <= max && (n == 0) == empty, max)
                    }
                };
                if !ok {
                    return Err(self.err(t, bad(n, bound)));
                }
                let mut head_len = 0;
                if let Some(h) = head {
                    let k = u64::from(h.count.get(&self.buf));
                    if k > h.max {
                        return Err(self.err(t, (h.bad)(k, h.max)));
                    }
                    head_len = (k as usize * h.unit).next_multiple_of(8);
                }
                self.need_len(t, len, base + head_len + n as usize * unit)
            }
        }
    }

    /// Whether the record may appear here ([`Place`]).
    fn check_place(&self, t: u32, rule: &Rule) -> Result<(), Error> {
        match rule.place {
            Place::Anywhere => Ok(()),
            Place::Once if self.header.is_some() => Err(self.err(t, "second HEADER")),
            Place::Once => Ok(()),
            Place::AfterTreeHeader => {
                let is_tree = self
                    .header
                    .as_ref()
                    .is_some_and(|h| h.flags & KCR_CHECKPOINT_TREE != 0);
                if !is_tree || self.tree.is_some() || !self.tasks.is_empty() {
                    return Err(self.err(
                        t,
                        "TREE only right after the HEADER of a KCR_CHECKPOINT_TREE image",
                    ));
                }
                Ok(())
            }
        }
    }

    /// The record's object references against the objects defined so far.
    fn check_refs(&self, t: u32, rule: &Rule) -> Result<(), Error> {
        for r in rule.refs {
            if r.only_if.is_some_and(|(f, v)| f.get(&self.buf) != v) {
                continue;
            }
            let id = r.field.get(&self.buf);
            if id == 0 && r.optional {
                continue;
            }
            let found = self.objects.get(&id).is_some_and(|&(rtype, kind)| {
                rtype == r.to.rtype && (r.to.kinds.is_empty() || r.to.kinds.contains(&kind))
            });
            if !found {
                let subject = rule
                    .subject
                    .map(|(name, f)| format!("{name} {}: ", f.get(&self.buf)))
                    .unwrap_or_default();
                return Err(self.err(
                    t,
                    format!(
                        "{subject}{} reference {id} names no earlier {}",
                        r.name, r.to.what
                    ),
                ));
            }
        }
        Ok(())
    }

    /// The task the next records belong to: the last thread of the last
    /// process once its thread records began, else that process.
    fn task(&mut self, t: u32) -> Result<&mut Task, Error> {
        let e = self.err(t, "no TASK record before it");
        let p = self.tasks.last_mut().ok_or(e)?;
        if p.threads.is_empty() {
            return Ok(p);
        }
        let last = p.threads.len() - 1;
        Ok(&mut p.threads[last])
    }

    /// The image was written with `KCR_CHECKPOINT_HOSTINFO`.
    fn hostinfo(&self) -> bool {
        self.header
            .as_ref()
            .is_some_and(|h| h.flags & KCR_CHECKPOINT_HOSTINFO != 0)
    }

    /// The records of a thread of the last process are being read.
    fn in_thread(&self) -> bool {
        self.tasks.last().is_some_and(|p| !p.threads.is_empty())
    }

    /// An ATTRS record (its size and executable reference were checked by
    /// its rule): the checks of the kernel's kcr_rst_attrs(), then its
    /// place, once per process, right after the process's memory records
    /// (`after_memory`: the previous record was one of them).
    fn attrs(&mut self, t: u32, a: &kcr_rec_attrs, after_memory: bool) -> Result<(), Error> {
        let n = a.auxv_len as usize;
        if !n.is_multiple_of(16) {
            return Err(self.err(t, format!("auxiliary vector of {n} bytes")));
        }
        let policy = POLICIES.iter().find(|p| p.0 == a.policy).map(|p| p.1);
        let Some(policy) = policy.filter(|_| {
            NICE.contains(&a.nice)
                && OOM_SCORE_ADJ.contains(&a.oom_score_adj)
                && a.pdeath_signal <= KCR_NSIG as u32
                && a.flags & !attr_flags::ALL == 0
                && (a.flags & attr_flags::MCL_ONFAULT == 0 || a.flags & attr_flags::MCL_FUTURE != 0)
                && a.__pad == 0
        }) else {
            return Err(self.err(
                t,
                format!(
                    "attributes: nice {} policy {} oom {} pdeathsig {} flags {:#x}",
                    a.nice, a.policy, a.oom_score_adj, a.pdeath_signal, a.flags
                ),
            ));
        };
        let base = std::mem::size_of::<kcr_rec_attrs>();
        let word = |b: &[u8]| {
            let mut v = [0u8; 8];
            v.copy_from_slice(b);
            u64::from_le_bytes(v)
        };
        let auxv: Vec<(u64, u64)> = self.buf[base..base + n]
            .chunks_exact(16)
            .map(|c| (word(&c[..8]), word(&c[8..])))
            .collect();
        if auxv.last().is_none_or(|&(key, _)| key != 0) {
            return Err(self.err(t, "auxiliary vector without AT_NULL at its end"));
        }
        let task = self.task(t)?;
        let why = if task.attrs.is_some() {
            format!("second ATTRS record for process {}", task.pid)
        } else if !task.mm_complete() {
            format!(
                "ATTRS before the end of the mappings of process {}",
                task.pid
            )
        } else if !after_memory {
            format!(
                "ATTRS not right after the memory records of process {}",
                task.pid
            )
        } else {
            task.attrs = Some(Attrs {
                nice: a.nice,
                policy,
                oom_score_adj: a.oom_score_adj,
                pdeath_signal: a.pdeath_signal,
                timer_slack_ns: a.timer_slack_ns,
                flags: flag_names(a.flags, &attr_flags::NAMES),
                exe: (a.exe_ref != 0).then_some(a.exe_ref),
                auxv,
            });
            return Ok(());
        };
        Err(self.err(t, why))
    }

    /// A thread record (`KCR_TASK_THREAD`) of the last process.
    fn thread(&mut self, t: u32, k: &kcr_rec_task, comm: String) -> Result<(), Error> {
        let e = self.err(t, "a thread record before any process");
        let p = self.tasks.last().ok_or(e)?;
        let why = if !p.mm_complete() {
            format!("thread {} before the mappings of its process", k.pid)
        } else if p.attrs.is_none() {
            format!("thread {} before the ATTRS record of its process", k.pid)
        } else if p.threads_missing() == 0 {
            format!(
                "more thread records than the {} threads of process {}",
                p.nr_threads, p.pid
            )
        } else if k.tgid != p.pid
            || k.pid <= 0
            || k.pid == p.pid
            || k.ppid != p.ppid
            || k.nr_threads != 0
            || k.flags & (task_flags::SELF | task_flags::UNDUMPABLE | task_flags::STOPPED) != 0
        {
            format!(
                "thread record {}/{} is not one of process {}",
                k.pid, k.tgid, p.pid
            )
        } else if p.threads.iter().any(|th| th.pid == k.pid) {
            format!("thread {} twice", k.pid)
        } else if [k.uid, k.euid, k.suid, k.fsuid] != p.uids
            || [k.gid, k.egid, k.sgid, k.fsgid] != p.gids
        {
            format!("thread {}: credentials differ from its process's", k.pid)
        } else if let Some(prev) = p.threads.last().filter(|th| th.xstate.is_none()) {
            format!("thread {} has no CPU/XSTATE records", prev.pid)
        } else {
            let th = Task::new(k, comm);
            if let Some(p) = self.tasks.last_mut() {
                p.threads.push(th);
            }
            return Ok(());
        };
        Err(self.err(t, why))
    }

    /// A UNIX_QUEUE record (its place was checked): the checks of the
    /// kernel's kcr_rst_unix_queue(), in its order, then the connection it
    /// makes (kcr_rst_unix_client() for a connection not accepted yet);
    /// its buffers, or a listener's connections not accepted yet, are to
    /// come.
    fn unix_queue(&mut self, t: u32, q: &kcr_rec_unix_queue) -> Result<(), Error> {
        use unix_peer::{EMBRYO, EXTERNAL, FILE, NONE};
        let bad_queue = || {
            format!(
                "Unix socket queue of object {} (peer {})",
                q.file_ref, q.peer
            )
        };
        let Some(sk) = self.unix_obj(q.file_ref) else {
            return Err(self.err(t, bad_queue()));
        };
        let (file, type_, state, backlog, queued, joined, embryo_of) = (
            sk.file,
            sk.type_,
            sk.state,
            sk.backlog,
            sk.queued,
            sk.joined,
            sk.embryo_of,
        );
        let has_peer = sk.has_peer();
        let listening = state == unix_sock::LISTEN;
        // The name of a peer outside the checkpoint, and no other.
        let external = q.peer == EXTERNAL;
        let peer_addr_ok = if external {
            unix_addr_ok(&q.peer_addr, q.peer_addr_len)
        } else {
            q.peer_addr_len == 0 && q.peer_addr.iter().all(|&b| b == 0)
        };
        if queued
            || q.peer > EXTERNAL
            || (q.peer != FILE && q.peer != EMBRYO && q.peer_ref != 0)
            || !peer_addr_ok
            || (!listening && q.nr_embryos != 0)
            || (listening && (q.nr_skbs != 0 || u64::from(q.nr_embryos) > u64::from(backlog) + 1))
            || q.nr_skbs > KCR_UNIX_QUEUE_SKBS
            || q.bytes > KCR_UNIX_QUEUE_BYTES
        {
            return Err(self.err(t, bad_queue()));
        }
        let peer = unix_peer::name(q.peer).unwrap_or("none");
        let stream = type_ != unix_sock::DGRAM;
        if stream && (state == unix_sock::ESTABLISHED) != (q.peer != NONE) {
            let why = format!(
                "Unix socket {}: state {state} with peer {}",
                q.file_ref, q.peer
            );
            return Err(self.err(t, why));
        }
        let mut psk = None;
        if q.peer == FILE {
            let p = self
                .unix_obj(q.peer_ref)
                .filter(|p| p.type_ == type_ && !(stream && q.peer_ref == q.file_ref))
                .map(|p| (p.queued, p.has_peer()));
            let Some(p) = p else {
                let why = format!("Unix socket {}: peer {}", q.file_ref, q.peer_ref);
                return Err(self.err(t, why));
            };
            psk = Some(p);
        }
        // A stream pair is joined by the first of its two QUEUE records:
        // the second names the first.
        let disagree = || format!("Unix socket {} and its peer disagree", q.file_ref);
        if q.peer == EMBRYO {
            // A connection to a listener of the image, not accepted yet:
            // connected already to an embryo of that listener (its
            // UNIX_EMBRYO came first), or awaiting it.
            let listener = self
                .unix_obj(q.peer_ref)
                .is_some_and(|l| l.type_ == type_ && l.state == unix_sock::LISTEN);
            if !listener
                || q.nr_skbs != 0
                || q.bytes != 0
                || joined.is_some()
                || embryo_of.is_some_and(|l| l != q.peer_ref)
            {
                let why = format!(
                    "Unix socket {}: connection to {} not accepted yet",
                    q.file_ref, q.peer_ref
                );
                return Err(self.err(t, why));
            }
            if embryo_of.is_none() {
                if let Some(s) = self.unix.get_mut(&q.file_ref) {
                    s.awaits = Some(q.peer_ref);
                }
                self.unix_await.push(q.file_ref);
            }
        } else if stream && has_peer {
            if q.peer != FILE || joined != Some(q.peer_ref) {
                return Err(self.err(t, disagree()));
            }
        } else if let Some((p_queued, p_has_peer)) = psk {
            if stream && (p_queued || p_has_peer) {
                return Err(self.err(t, disagree()));
            }
            if stream {
                for (a, b) in [(q.file_ref, q.peer_ref), (q.peer_ref, q.file_ref)] {
                    if let Some(s) = self.unix.get_mut(&a) {
                        s.joined = Some(b);
                    }
                }
            }
        }
        if q.nr_skbs == 0 && q.bytes != 0 {
            let why = format!(
                "Unix socket {}: 0 bytes queued, not {}",
                q.file_ref, q.bytes
            );
            return Err(self.err(t, why));
        }
        if let Some(s) = self.unix.get_mut(&q.file_ref) {
            s.queued = true;
        }
        self.unix_unqueued.retain(|&id| id != q.file_ref);
        if let Some(u) = self.files[file].unix.as_mut() {
            // Its sun_path bytes (the name was checked: within peer_addr).
            let off = unix_sock::SUN_PATH_OFF as usize;
            let peer_name = match q.peer_addr.get(off..q.peer_addr_len as usize) {
                Some(name) if external => name.to_vec(),
                _ => Vec::new(),
            };
            u.queue = UnixQueue {
                peer,
                peer_file: (q.peer == FILE || q.peer == EMBRYO).then_some(q.peer_ref),
                peer_name,
                bytes: q.bytes,
                buffers: Vec::new(),
            };
        }
        if q.nr_skbs > 0 || q.nr_embryos > 0 {
            self.unix_left = Some(UnixLeft {
                objid: q.file_ref,
                file,
                type_,
                connected: q.peer != NONE,
                embryo: false,
                skbs: q.nr_skbs,
                bytes: q.bytes,
                got: 0,
                embryos: q.nr_embryos,
            });
        }
        Ok(())
    }

    /// A UNIX_EMBRYO record of the listener `left` (its size was checked
    /// by its rule): the checks of the kernel's kcr_rst_unix_embryo(), in
    /// its order, then the connection it makes; its buffers are to come.
    fn unix_embryo(
        &mut self,
        t: u32,
        e: &kcr_rec_unix_embryo,
        mut left: UnixLeft,
    ) -> Result<(), Error> {
        use unix_peer::{DEAD, FILE};
        use unix_sock::{ESTABLISHED, RCV_SHUTDOWN, SEND_SHUTDOWN};
        let peercred = e.flags & unix_flags::PEERCRED != 0;
        // A known peer, its object with KCR_UNIX_PEER_FILE only.
        if (e.peer != FILE && (e.peer != DEAD || e.peer_ref != 0))
            || e.shutdown & !(RCV_SHUTDOWN | SEND_SHUTDOWN) != 0
            || e.flags & !unix_flags::PEERCRED != 0
            || e.peer_pid < 0
            || (!peercred && (e.peer_pid != 0 || e.peer_uid != 0 || e.peer_gid != 0))
            || e.nr_skbs > KCR_UNIX_QUEUE_SKBS
            || e.bytes > KCR_UNIX_QUEUE_BYTES
        {
            let why = format!(
                "Unix socket connection not accepted yet: peer {}, flags {:#x}",
                e.peer, e.flags
            );
            return Err(self.err(t, why));
        }
        let lsk = left.objid;
        if e.peer == FILE {
            // The connecting socket: of the image and of the listener's
            // type, not the listener, connected, to no peer yet; if its
            // QUEUE came, that named this listener.
            let ok = self.unix_obj(e.peer_ref).is_some_and(|c| {
                e.peer_ref != lsk
                    && c.type_ == left.type_
                    && c.state == ESTABLISHED
                    && !c.has_peer()
                    && !(c.queued && c.awaits != Some(lsk))
            });
            if !ok {
                let why = format!(
                    "Unix socket connection not accepted yet: from {}",
                    e.peer_ref
                );
                return Err(self.err(t, why));
            }
            if let Some(c) = self.unix.get_mut(&e.peer_ref) {
                c.embryo_of = Some(lsk);
                if c.awaits.take().is_some() {
                    self.unix_await.retain(|&id| id != e.peer_ref);
                }
            }
        }
        if e.nr_skbs == 0 && e.bytes != 0 {
            let why = format!("Unix socket connection: 0 bytes queued, not {}", e.bytes);
            return Err(self.err(t, why));
        }
        if let Some(u) = self.files[left.file].unix.as_mut() {
            u.embryos.push(UnixEmbryo {
                peer: unix_peer::name(e.peer).unwrap_or("dead"),
                peer_file: (e.peer == FILE).then_some(e.peer_ref),
                shutdown: e.shutdown,
                peercred: peercred.then_some(UnixCreds {
                    pid: e.peer_pid,
                    uid: e.peer_uid,
                    gid: e.peer_gid,
                }),
                bytes: e.bytes,
                buffers: Vec::new(),
            });
        }
        left.embryos -= 1;
        left.embryo = true;
        left.connected = true;
        left.skbs = e.nr_skbs;
        left.bytes = e.bytes;
        left.got = 0;
        if left.skbs > 0 || left.embryos > 0 {
            self.unix_left = Some(left);
        }
        Ok(())
    }

    /// A UNIX_SKB record of the socket `left` (its size, with its files
    /// in flight, was checked by its rule): the checks of the kernel's
    /// kcr_rst_unix_skb() and kcr_rst_unix_fds(), in their order, and at
    /// the last one, its queue's byte count.
    fn unix_skb(&mut self, t: u32, r: &kcr_rec_unix_skb, mut left: UnixLeft) -> Result<(), Error> {
        let creds = r.flags & KCR_UNIX_SKB_CREDS != 0;
        let dgram = left.type_ == unix_sock::DGRAM;
        if r.flags & !KCR_UNIX_SKB_CREDS != 0
            || r.sender_addr_len != 0
            || r.pid < 0
            || (!creds && (r.pid != 0 || r.uid != 0 || r.gid != 0))
            || (r.sender_ref != 0 && !dgram)
        {
            let why = format!(
                "Unix socket buffer of {} bytes, flags {:#x}",
                r.len, r.flags
            );
            return Err(self.err(t, why));
        }
        if dgram {
            let from = self.unix_obj(r.sender_ref).map(|s| s.type_);
            if r.sender_ref != 0 && from != Some(unix_sock::DGRAM) {
                let why = format!("datagram from object {}", r.sender_ref);
                return Err(self.err(t, why));
            }
        } else if !left.connected {
            return Err(self.err(t, "data queued on an unconnected stream socket"));
        }
        let fds = self.unix_fds(t, r.nr_fds)?;
        let base = std::mem::size_of::<kcr_rec_unix_skb>();
        let data = base + (r.nr_fds as usize * 4).next_multiple_of(8);
        let n = r.len as usize;
        if self.buf[data + n..data + n.next_multiple_of(8)]
            .iter()
            .any(|&b| b != 0)
        {
            return Err(self.err(t, "Unix socket buffer padding"));
        }
        left.got += u64::from(r.len);
        left.skbs -= 1;
        if left.skbs == 0 && left.got != left.bytes {
            let why = if left.embryo {
                format!(
                    "Unix socket connection: {} bytes queued, not {}",
                    left.got, left.bytes
                )
            } else {
                format!(
                    "Unix socket {}: {} bytes queued, not {}",
                    left.objid, left.got, left.bytes
                )
            };
            return Err(self.err(t, why));
        }
        let buf = UnixBuf {
            len: r.len,
            creds: creds.then_some(UnixCreds {
                pid: r.pid,
                uid: r.uid,
                gid: r.gid,
            }),
            sender: (r.sender_ref != 0).then_some(r.sender_ref),
            fds,
        };
        if let Some(u) = self.files[left.file].unix.as_mut() {
            let queue = if left.embryo {
                u.embryos.last_mut().map(|e| &mut e.buffers)
            } else {
                Some(&mut u.queue.buffers)
            };
            if let Some(q) = queue {
                q.push(buf);
            }
        }
        if left.skbs > 0 || left.embryos > 0 {
            self.unix_left = Some(left);
        }
        Ok(())
    }

    /// An INET_DGRAM record of the UDP socket `left` (its size was checked
    /// by its rule): the checks of the kernel's kcr_udp_dgram_ok(), then
    /// its padding (kcr_udp_skb()), and at the last one, its queue's byte
    /// count (kcr_udp_rst_queue()).
    fn inet_dgram(
        &mut self,
        t: u32,
        d: &kcr_rec_inet_dgram,
        mut left: InetLeft,
    ) -> Result<(), Error> {
        let what = format!(
            "UDP socket {}: datagram {} of {}",
            left.objid,
            left.nr - left.dgrams,
            left.nr
        );
        let dgram = check_inet_dgram(d, left.family, left.flags)
            .map_err(|why| self.err(t, format!("{what}: {why}")))?;
        let base = std::mem::size_of::<kcr_rec_inet_dgram>();
        let n = d.len as usize;
        let Some(pad) = self.buf.get(base + n..base + n.next_multiple_of(8)) else {
            return Err(self.err(t, format!("{what}: record shorter than its {n} bytes")));
        };
        if pad.iter().any(|&b| b != 0) {
            return Err(self.err(t, format!("{what}: non-zero padding after its {n} bytes")));
        }
        left.got += u64::from(d.len);
        left.dgrams -= 1;
        if let Some(q) = self.files[left.file]
            .inet
            .as_mut()
            .and_then(|i| i.queue.as_mut())
        {
            q.datagrams.push(dgram);
        }
        if left.dgrams > 0 {
            self.inet_left = Some(left);
        } else if left.got != left.bytes {
            let why = format!(
                "UDP socket {}: its {} datagrams have {} bytes, not the {} of its INET record's \
                 bytes",
                left.objid, left.nr, left.got, left.bytes
            );
            return Err(self.err(t, why));
        }
        Ok(())
    }

    /// The INET record `r` of a connection not accepted yet of the TCP
    /// listener `left` (its size was checked by its rule): the checks of
    /// the kernel's kcr_rst_inet_queue(), those of any INET record
    /// (kcr_inet_rec_ok(), against its listener's FILE), then a TCP
    /// connection of the listener's family and port, then its
    /// `SOL_SOCKET` options (kcr_sock_check()). Its TCP_CONN record and
    /// data come next, then the next connection.
    fn inet_conn(&mut self, t: u32, r: &kcr_rec_inet, mut left: ConnsLeft) -> Result<(), Error> {
        let k = left.nr - left.conns;
        let objid = left.objid;
        let sock = check_inet_queued(r, left.mode, &left.listener).map_err(|why| {
            self.err(
                t,
                format!("IP socket {objid}: queued connection {k}: {why}"),
            )
        })?;
        if let Some(q) = self.files[left.file]
            .inet
            .as_mut()
            .and_then(|i| i.accept_queue.as_mut())
        {
            q.push(sock);
        }
        self.tcp_left = Some(TcpLeft {
            objid,
            file: left.file,
            queued: Some(k),
            data: None,
        });
        left.conns -= 1;
        if left.conns > 0 {
            self.conns_left = Some(left);
        }
        Ok(())
    }

    /// A TCP_DATA record of the connection `left` (its size, 1 ..=
    /// `KCR_TCP_DATA_MAX` bytes, was checked by its rule): the checks of
    /// the kernel's kcr_tcp_read_data(): the queue whose data comes next,
    /// no more bytes than are left of it, then its padding.
    fn tcp_data(&mut self, t: u32, d: &kcr_rec_tcp_data, mut left: TcpLeft) -> Result<(), Error> {
        let who = left.who();
        let Some(mut q) = left.data else {
            return Err(self.missing_tcp(t, &left));
        };
        if d.queue != q.queue {
            let why = format!(
                "{who}: data of queue {} where TCP_DATA of its {} belongs ({})",
                d.queue,
                q.what(),
                q.still_to_come()
            );
            return Err(self.err(t, why));
        }
        let name = tcp_conn::queue_name(q.queue).unwrap_or("unknown");
        if d.len > q.left {
            let why = format!(
                "{who}: {name} queue data of {} bytes, more than the {}",
                d.len,
                q.still_to_come()
            );
            return Err(self.err(t, why));
        }
        let base = std::mem::size_of::<kcr_rec_tcp_data>();
        let n = d.len as usize;
        let Some(pad) = self.buf.get(base + n..base + n.next_multiple_of(8)) else {
            let why = format!("{who}: {name} queue data shorter than its {n} bytes");
            return Err(self.err(t, why));
        };
        if pad.iter().any(|&b| b != 0) {
            let why = format!("{who}: {name} queue data: non-zero padding after its {n} bytes");
            return Err(self.err(t, why));
        }
        q.left -= d.len;
        left.data = if q.left > 0 {
            Some(q)
        } else if q.queue == tcp_conn::SEND_QUEUE {
            TcpQueueLeft::recv(q.recv)
        } else {
            None
        };
        if left.data.is_some() {
            self.tcp_left = Some(left);
        }
        Ok(())
    }

    /// The files in flight of the UNIX_SKB record in `self.buf`: `nr`
    /// object ids after its structure (the rule bounded `nr` and sized
    /// the record), zero-padded to 8, each a FILE object read before, of
    /// any kind (the kernel's kcr_rst_unix_fds(), in its order).
    fn unix_fds(&self, t: u32, nr: u32) -> Result<Vec<u32>, Error> {
        let base = std::mem::size_of::<kcr_rec_unix_skb>();
        let end = base + nr as usize * 4;
        let (Some(ids), Some(pad)) = (
            self.buf.get(base..end),
            self.buf.get(end..base + (end - base).next_multiple_of(8)),
        ) else {
            return Err(self.err(t, "record shorter than its files in flight"));
        };
        if pad.iter().any(|&b| b != 0) {
            return Err(self.err(t, "Unix socket buffer: padding of its files"));
        }
        let mut fds = Vec::with_capacity(nr as usize);
        for c in ids.chunks_exact(4) {
            let id = u32::from_le_bytes([c[0], c[1], c[2], c[3]]);
            if !matches!(self.objects.get(&id), Some((rec::FILE, _))) {
                let why = format!("Unix socket buffer: file in flight {id}");
                return Err(self.err(t, why));
            }
            fds.push(id);
        }
        Ok(fds)
    }

    /// The socket of object `id` (the kernel's kcr_unix_obj()): a
    /// `KCR_FILE_UNIX` FILE read before, of any process of the image.
    fn unix_obj(&self, id: u32) -> Option<&UnixObj> {
        let is_unix = self.objects.get(&id) == Some(&(rec::FILE, file_kind::UNIX));
        self.unix.get(&id).filter(|_| is_unix)
    }

    fn run(mut self) -> Result<Image, Error> {
        loop {
            if !self.fill(8, 0, true)? {
                return Err(self.err(0, "truncated: the stream ends without a TAIL record"));
            }
            let hdr: kcr_hdr = self.obj(0)?;
            let (t, len) = (hdr.type_, hdr.len);
            if records::rule(t).is_none() {
                return Err(self.err(t, format!("unknown record type {t:#x}")));
            }
            if len < 8 || len % 8 != 0 || len > KCR_REC_MAX_LEN {
                return Err(self.err(t, format!("bad length {len}")));
            }
            if self.index == 0 && t != rec::HEADER {
                return Err(self.err(t, "the first record must be HEADER"));
            }
            let mut whole = std::mem::take(&mut self.buf);
            if len > 8 {
                self.fill(len as usize - 8, t, false)?;
                whole.extend_from_slice(&self.buf);
            }
            self.buf = whole;
            if t == rec::TAIL {
                let sum = self.sum.digest();
                return self.tail(sum, len);
            }
            self.sum.update(&self.buf);
            if t != rec::PAGES {
                self.contents = None;
            }
            self.record(t, len)?;
            self.prev_type = t;
            self.offset += u64::from(len);
            self.index += 1;
        }
    }

    fn need_len(&self, t: u32, len: u32, want: usize) -> Result<(), Error> {
        if (len as usize) != want.next_multiple_of(8) {
            return Err(self.err(
                t,
                format!("length {len}, expected {}", want.next_multiple_of(8)),
            ));
        }
        Ok(())
    }

    /// Checks one record: first the rules of its [`records::RULES`] entry
    /// (place in a thread, size, references, the object it defines), then
    /// what is particular to its type.
    fn record(&mut self, t: u32, len: u32) -> Result<(), Error> {
        let Some(rule) = records::rule(t) else {
            return Err(self.err(t, "unexpected record"));
        };
        let after_memory = std::mem::take(&mut self.after_memory);
        let state_of = self.state_of.take();
        // A UDP socket's INET record is followed by its datagrams, all of
        // them, and nothing else is (restart(2) reads them with the
        // socket, whatever the record in their place).
        let inet_left = self.inet_left.take();
        if let Some(left) = &inet_left {
            if t != rec::INET_DGRAM {
                return Err(self.missing_inet_dgram(t, left));
            }
        }
        // A TCP listener's INET record is followed by its connections not
        // accepted yet, all of them, each an INET record (of no FILE) once
        // the TCP_CONN and TCP_DATA records of the one before it are
        // whole, and nothing else is (restart(2)'s kcr_rst_inet_queue()
        // reads them with the listener).
        let conns_left = if self.tcp_left.is_none() {
            self.conns_left.take()
        } else {
            None
        };
        if let Some(left) = &conns_left {
            if t != rec::INET {
                return Err(self.missing_inet_conn(t, left));
            }
        }
        match state_of {
            Some((i, want)) if t != want => return Err(self.missing_state(t, i, want)),
            // (After a TCP connection's INET record, its TCP_CONN and data
            // belong first.)
            None if file_kind::STATE_RECORDS.contains(&t)
                && conns_left.is_none()
                && self.tcp_left.is_none() =>
            {
                return Err(self.err(t, "only right after the FILE whose state it holds"));
            }
            None if t == rec::TTY => {
                return Err(self.err(
                    t,
                    "only right after the FILE of a terminal (a character device of major 4, \
                     136-143 or 229, or 5:1), one for each",
                ));
            }
            _ => {}
        }
        // A connected TCP socket's INET record is followed by its
        // TCP_CONN record, then by the data of its queues, all of it, and
        // nothing else is.
        let tcp_left = self.tcp_left.take();
        match &tcp_left {
            Some(left) if left.data.is_none() && t != rec::TCP_CONN => {
                return Err(self.missing_tcp(t, left));
            }
            Some(left) if left.data.is_some() && t != rec::TCP_DATA => {
                return Err(self.missing_tcp(t, left));
            }
            None if t == rec::TCP_CONN => {
                return Err(self.err(
                    t,
                    "only right after the INET record of a connected TCP socket \
                     (KCR_INET_CONNECTED)",
                ));
            }
            None if t == rec::TCP_DATA => {
                return Err(self.err(
                    t,
                    "only after its connection's TCP_CONN record (or the data before it), as \
                     many bytes as its sequence numbers say its queues hold",
                ));
            }
            _ => {}
        }
        if inet_left.is_none() && t == rec::INET_DGRAM {
            return Err(self.err(
                t,
                "only after its UDP socket's INET record (or the datagram before it), as many \
                 as it announces",
            ));
        }
        // A PTIMERS record's timers follow it, all of them, and nothing
        // else does.
        let ptimers_left = std::mem::take(&mut self.ptimers_left);
        if ptimers_left > 0 && t != rec::PTIMER {
            return Err(self.missing_ptimer(t, ptimers_left));
        }
        if ptimers_left == 0 && t == rec::PTIMER {
            return Err(self.err(
                t,
                "only after its process's PTIMERS record, as many as it announces",
            ));
        }
        // An INOTIFY record's watches, then its events, follow it, all of
        // them, and nothing else does.
        let inotify_left = self.inotify_left.take();
        match &inotify_left {
            Some(left) => {
                let want = if left.watches > 0 {
                    rec::INOTIFY_WATCH
                } else {
                    rec::INOTIFY_EVENT
                };
                if t != want {
                    return Err(self.missing_inotify(t, left));
                }
            }
            None if matches!(t, rec::INOTIFY_WATCH | rec::INOTIFY_EVENT) => {
                return Err(self.err(
                    t,
                    "only after its inotify's INOTIFY record, as many as it announces",
                ));
            }
            None => {}
        }
        // A UNIX_QUEUE record's buffers follow it, all of them, and
        // nothing else does; a listener's connections not accepted yet
        // follow its UNIX_QUEUE, each a UNIX_EMBRYO and its buffers.
        let unix_left = self.unix_left.take();
        match &unix_left {
            Some(left) if left.skbs > 0 && t != rec::UNIX_SKB => {
                return Err(self.missing_unix_skb(t, left));
            }
            Some(left) if left.skbs == 0 && t != rec::UNIX_EMBRYO => {
                return Err(self.missing_unix_embryo(t, left));
            }
            None if t == rec::UNIX_SKB => {
                return Err(self.err(
                    t,
                    "only after its socket's UNIX_QUEUE record (or its connection's \
                     UNIX_EMBRYO), as many as it announces",
                ));
            }
            None if t == rec::UNIX_EMBRYO => {
                return Err(self.err(
                    t,
                    "only after its listening socket's UNIX_QUEUE record (or the buffers of \
                     the connection before it), as many as it announces",
                ));
            }
            _ => {}
        }
        // The first record that is not one of a process's objects ends
        // them: restart(2) wants every socket made among them to have had
        // its UNIX_QUEUE record by then, and every socket connecting to a
        // listener its UNIX_EMBRYO.
        if !OBJECT_RECORDS.contains(&t) {
            self.unix_done(t)?;
        }
        if self.in_thread() && !rule.thread {
            return Err(self.err(
                t,
                "only CPU, XSTATE, DEBUGREGS and SIGPENDING records belong to a thread",
            ));
        }
        self.check_place(t, rule)?;
        if let Some(p) = self.tasks.last() {
            // The ATTRS record ends a process's own records (but for its
            // timers): then come its threads, the next process or the TAIL.
            let own = matches!(
                t,
                rec::TASK | rec::ATTRS | rec::ITIMERS | rec::PTIMERS | rec::PTIMER
            );
            if p.attrs.is_some() && p.threads.is_empty() && !own {
                return Err(self.err(
                    t,
                    format!(
                        "{} after the ATTRS record of process {}, which ends its records",
                        rec::name(t),
                        p.pid
                    ),
                ));
            }
        }
        self.check_size(t, len, rule)?;
        self.check_refs(t, rule)?;
        if let Some(id) = rule.defines {
            let kind = rule.kind.map_or(0, |k| k.get(&self.buf));
            self.define(t, id.get(&self.buf), kind)?;
        }
        match t {
            rec::HEADER => {
                let h: kcr_rec_header = self.obj(t)?;
                if h.magic != KCR_MAGIC {
                    return Err(self.err(
                        t,
                        format!("bad magic {:#x}: not a cr-vmm checkpoint image", h.magic),
                    ));
                }
                if h.version != KCR_VERSION {
                    return Err(self.err(
                        t,
                        format!(
                            "format version {}, this tool reads {KCR_VERSION}",
                            h.version
                        ),
                    ));
                }
                if h.arch != KCR_ARCH_X86_64 {
                    return Err(self.err(t, format!("architecture {} is not x86_64", h.arch)));
                }
                if u64::from(h.page_size) != PAGE_SIZE {
                    return Err(self.err(t, format!("page size {}", h.page_size)));
                }
                if h.flags & !KCR_CHECKPOINT_FLAGS_ALL != 0 {
                    return Err(self.err(t, format!("unknown flags {:#x}", h.flags)));
                }
                if h.xstate_size == 0 || h.xstate_size > MAX_XSTATE {
                    return Err(self.err(t, format!("xstate size {}", h.xstate_size)));
                }
                let s =
                    |b: &[u8]| cstr(b).ok_or_else(|| self.err(t, "unterminated utsname string"));
                self.header = Some(Header {
                    version: h.version,
                    arch: "x86_64",
                    time: h.time,
                    flags: h.flags,
                    page_size: h.page_size,
                    xfeatures: h.xfeatures,
                    xstate_size: h.xstate_size,
                    sysname: s(&h.sysname)?,
                    nodename: s(&h.nodename)?,
                    release: s(&h.release)?,
                    version_str: s(&h.version_str)?,
                    machine: s(&h.machine)?,
                });
            }
            rec::ATTRS => {
                let a: kcr_rec_attrs = self.obj(t)?;
                self.attrs(t, &a, after_memory)?;
            }
            rec::MM_FORK => {
                let r: kcr_rec_mm_fork = self.obj(t)?;
                if self.prev_type != rec::MM {
                    return Err(self.err(t, "only right after its process's MM"));
                }
                // As restart(2) checks: the parent is an earlier process
                // of the tree with a section.
                let me = self.tasks.len().saturating_sub(1);
                let parent = self.tasks[..me].iter().position(|p| p.pid == r.ppid);
                let task = self.task(t)?;
                if r.__pad != 0 || parent.is_none() || r.ppid != task.ppid {
                    let why = format!("address space copied from {}, not the parent", r.ppid);
                    return Err(self.err(t, why));
                }
                if let Some(mm) = task.mm.as_mut() {
                    mm.fork_of = Some(r.ppid);
                }
                self.after_memory = true;
            }
            rec::COW_PAGES => {
                let p: kcr_rec_pages = self.obj(t)?;
                let pages_end = self.pages_end;
                let e = self.err(
                    t,
                    format!(
                        "copy-on-write pages {:#x}+{} outside a copied mapping or out of order",
                        p.addr, p.nr_pages
                    ),
                );
                let end = p.addr.saturating_add(u64::from(p.nr_pages) * PAGE_SIZE);
                let vma = self.task(t)?.mm.as_mut().and_then(|m| m.vmas.last_mut());
                let Some(vma) = vma.filter(|v| {
                    v.flags.contains(&"cow")
                        && p.addr.is_multiple_of(PAGE_SIZE)
                        && p.addr >= v.start.max(pages_end)
                        && end <= v.end
                        && (1..=KCR_PAGES_MAX).contains(&p.nr_pages)
                        && p.__pad == 0
                }) else {
                    return Err(e);
                };
                vma.cow_pages += u64::from(p.nr_pages);
                self.pages_end = end;
                self.after_memory = true;
            }
            rec::ITIMERS => {
                let r: kcr_rec_itimers = self.obj(t)?;
                if self.prev_type != rec::ATTRS {
                    return Err(self.err(t, "only right after its process's ATTRS"));
                }
                if r.it.iter().any(|i| i.value_ns < 0 || i.interval_ns < 0) {
                    return Err(self.err(t, "negative time left or interval"));
                }
                self.task(t)?.itimers = Some(r.it.map(|i| (i.value_ns, i.interval_ns)));
            }
            rec::PTIMERS => {
                let r: kcr_rec_ptimers = self.obj(t)?;
                if self.prev_type != rec::ATTRS && self.prev_type != rec::ITIMERS {
                    return Err(self.err(t, "only right after its process's ATTRS or ITIMERS"));
                }
                // As restart(2) checks.
                if r.nr > KCR_PTIMERS_MAX || r.next_id < 0 {
                    let why = format!("{} POSIX timers, next id {}", r.nr, r.next_id);
                    return Err(self.err(t, why));
                }
                self.ptimers_left = r.nr;
                self.task(t)?.ptimers = Some(Ptimers {
                    next_id: r.next_id,
                    timers: Vec::new(),
                });
            }
            rec::PTIMER => {
                let r: kcr_rec_ptimer = self.obj(t)?;
                let task = self.task(t)?;
                let prev = task
                    .ptimers
                    .as_ref()
                    .and_then(|p| p.timers.last())
                    .map_or(-1, |p| p.id);
                let timer = check_ptimer(&r, prev).map_err(|m| self.err(t, m))?;
                let e = self.err(t, "no PTIMERS record before it");
                let pt = self.task(t)?.ptimers.as_mut().ok_or(e)?;
                pt.timers.push(timer);
                self.ptimers_left = ptimers_left.saturating_sub(1);
            }
            rec::DEBUGREGS => {
                let d: kcr_rec_debugregs = self.obj(t)?;
                if d.addr.iter().any(|&a| a >= TASK_SIZE) || d.dr6 >> 32 != 0 || d.dr7 >> 32 != 0 {
                    return Err(self.err(t, "breakpoint outside user space or bad dr6/dr7"));
                }
                let task = self.task(t)?;
                if task.xstate.is_none() || task.fs.is_some() || !task.groups.is_empty() {
                    return Err(self.err(t, "DEBUGREGS belongs right after the task's XSTATE"));
                }
                if task.debugregs.replace((d.addr, d.dr6, d.dr7)).is_some() {
                    return Err(self.err(t, "second DEBUGREGS record for the task"));
                }
            }
            rec::TREE => {
                let r: kcr_rec_tree = self.obj(t)?;
                if r.__pad != 0 {
                    return Err(self.err(t, format!("{} processes", r.nr_tasks)));
                }
                let esz = std::mem::size_of::<kcr_tree_task>();
                let body = &self.buf[std::mem::size_of::<kcr_rec_tree>()..];
                let tree: Vec<kcr_tree_task> = body
                    .chunks_exact(esz)
                    .filter_map(|c| kcr_tree_task::read_from_bytes(c).ok())
                    .collect();
                check_tree(&tree).map_err(|m| self.err(t, m))?;
                self.tree = Some(tree);
            }
            rec::TASK => {
                let k: kcr_rec_task = self.obj(t)?;
                if k.flags & !task_flags::ALL != 0 {
                    return Err(self.err(t, format!("unknown task flags {:#x}", k.flags)));
                }
                if k.pid <= 0 || k.tgid <= 0 || k.ppid < 0 {
                    return Err(self.err(t, format!("bad pid {}/{}/{}", k.pid, k.tgid, k.ppid)));
                }
                let comm = cstr(&k.comm).ok_or_else(|| self.err(t, "unterminated comm"))?;
                if k.regs_phys != 0 && !self.hostinfo() {
                    return Err(self.err(t, "regs_phys without KCR_CHECKPOINT_HOSTINFO"));
                }
                if k.sas_ss_size != 0
                    && (k.sas_ss_sp >= TASK_SIZE || k.sas_ss_size > TASK_SIZE - k.sas_ss_sp)
                {
                    return Err(self.err(
                        t,
                        format!(
                            "sigaltstack {:#x}+{:#x} outside user space",
                            k.sas_ss_sp, k.sas_ss_size
                        ),
                    ));
                }
                if k.flags & task_flags::THREAD != 0 {
                    return self.thread(t, &k, comm);
                }
                let is_tree = self
                    .header
                    .as_ref()
                    .is_some_and(|h| h.flags & KCR_CHECKPOINT_TREE != 0);
                let want = self.sections();
                if is_tree && self.tree.is_none() {
                    return Err(self.err(t, "a tree image needs its TREE record first"));
                }
                if self.tasks.len() >= want {
                    return Err(self.err(t, format!("more than {want} tasks")));
                }
                if let Some(p) = self.tasks.last().filter(|p| p.attrs.is_none()) {
                    let why = format!("process {} has no ATTRS record after its mappings", p.pid);
                    return Err(self.err(t, why));
                }
                if let Some(p) = self.tasks.last().filter(|p| p.threads_missing() > 0) {
                    let why = format!(
                        "process {} has {} threads, the image holds {}",
                        p.pid,
                        p.nr_threads,
                        p.threads.len() + 1
                    );
                    return Err(self.err(t, why));
                }
                if let Some(e) = self
                    .tree
                    .as_ref()
                    .and_then(|v| live(v).nth(self.tasks.len()))
                {
                    if (e.pid, e.pid, e.ppid) != (k.pid, k.tgid, k.ppid) {
                        return Err(self.err(
                            t,
                            format!(
                                "task {}/{}/{} does not match tree entry {}/{}",
                                k.pid, k.tgid, k.ppid, e.pid, e.ppid
                            ),
                        ));
                    }
                }
                if k.pid != k.tgid
                    || k.nr_threads == 0
                    || k.nr_threads > KCR_THREADS_MAX
                    || (k.flags & task_flags::SELF != 0 && k.nr_threads != 1)
                {
                    return Err(self.err(
                        t,
                        format!(
                            "task {}/{} with {} threads is not a process",
                            k.pid, k.tgid, k.nr_threads
                        ),
                    ));
                }
                self.tasks.push(Task::new(&k, comm));
            }
            rec::CPU => {
                let c: kcr_rec_cpu = self.obj(t)?;
                if c.regs.ip >= TASK_SIZE || c.regs.sp >= TASK_SIZE {
                    return Err(self.err(
                        t,
                        format!(
                            "ip {:#x} / sp {:#x} outside user space",
                            c.regs.ip, c.regs.sp
                        ),
                    ));
                }
                let task = self.task(t)?;
                if task.regs.replace(c.regs).is_some() {
                    return Err(self.err(t, "second CPU record for the task"));
                }
            }
            rec::XSTATE => {
                let x: kcr_rec_xstate = self.obj(t)?;
                let task = self.task(t)?;
                if task.xstate.replace((x.xfeatures, x.size)).is_some() {
                    return Err(self.err(t, "second XSTATE record for the task"));
                }
            }
            rec::FILE => {
                let f: kcr_rec_file = self.obj(t)?;
                let kind = file_kind::name(f.kind)
                    .ok_or_else(|| self.err(t, format!("unknown file kind {}", f.kind)))?;
                let is_shm = f.kind == file_kind::SHMEM;
                let is_ghost = f.kind == file_kind::GHOST;
                if f.f_flags & !KCR_FILE_FLAGS_ALL != 0
                    || f.f_flags & 3 == 3
                    || f.pos < 0
                    || (is_shm && f.size > i64::MAX as u64)
                {
                    return Err(self.err(t, format!("flags {:#o} / position {}", f.f_flags, f.pos)));
                }
                // As restart(2) checks: only a character device has one.
                if f.kind != file_kind::CHR && f.rdev != 0 {
                    return Err(self.err(
                        t,
                        format!("device number {:#x} in a file of kind {kind}", f.rdev),
                    ));
                }
                let base = std::mem::size_of::<kcr_rec_file>();
                let path = if !file_kind::has_path(f.kind) {
                    String::new()
                } else {
                    if f.pipe_ref != 0 && f.kind != file_kind::FIFO {
                        return Err(self.err(t, "pipe reference in a file that is no pipe or FIFO"));
                    }
                    // Shared memory has a name, not a path.
                    cstr(&self.buf[base..base + f.path_len as usize])
                        .filter(|p| {
                            p.len() + 1 == f.path_len as usize && p.starts_with('/') != is_shm
                        })
                        .ok_or_else(|| {
                            self.err(t, "path is not an absolute, NUL-terminated string")
                        })?
                };
                if is_ghost {
                    // As restart(2) checks: what it can create, an
                    // O_TMPFILE of that mode and size.
                    let why = if f.mode & S_IFMT != S_IFREG {
                        Some(format!("mode {:#o} is not a regular file's", f.mode))
                    } else if f.size > u64::from(KCR_GHOST_MAX) {
                        Some(format!(
                            "size {} above KCR_GHOST_MAX ({KCR_GHOST_MAX} bytes)",
                            f.size
                        ))
                    } else {
                        None
                    };
                    if let Some(why) = why {
                        return Err(self.err(t, format!("ghost file {}: {why}", f.objid)));
                    }
                }
                // As restart(2) checks: an empty directory, read-only.
                if f.kind == file_kind::GHOST_DIR
                    && (f.mode & S_IFMT != S_IFDIR || f.size != 0 || f.f_flags & 3 != 0)
                {
                    return Err(self.err(t, format!("deleted directory {}", f.objid)));
                }
                // As restart(2) checks: a file of /proc is a regular file
                // or directory of no inode number, size or time.
                if f.kind == file_kind::PROC
                    && (!matches!(f.mode & S_IFMT, S_IFREG | S_IFDIR)
                        || f.ino != 0
                        || f.size != 0
                        || f.mtime_sec != 0
                        || f.mtime_nsec != 0)
                {
                    return Err(self.err(t, format!("file of /proc {}", f.objid)));
                }
                // As restart(2) checks: a file of no path is read-write
                // (an inotify read-only, as inotify_init1() opens it) with
                // no position, size, inode number or time.
                const O_NONBLOCK: u32 = 0o4000;
                const O_LARGEFILE: u32 = 0o100000;
                let access = if f.kind == file_kind::INOTIFY { 0 } else { 2 };
                if !file_kind::has_path(f.kind)
                    && f.kind != file_kind::PIPE
                    && (f.f_flags & 3 != access
                        || f.f_flags & !(3 | O_NONBLOCK | O_LARGEFILE) != 0
                        || f.ino != 0
                        || f.size != 0
                        || f.mtime_sec != 0
                        || f.mtime_nsec != 0
                        || f.pos != 0)
                {
                    let why = format!("{kind} file {} (flags {:#x})", f.objid, f.f_flags);
                    return Err(self.err(t, why));
                }
                if is_shm || is_ghost {
                    self.contents = Some(self.files.len());
                    self.pages_end = 0;
                }
                // Reopened by path /dev/tty would be the restarter's
                // controlling terminal: checkpoint refuses it (restart(2)
                // would take it).
                let chr = f.kind == file_kind::CHR;
                if chr && f.rdev == tty::DEV_TTY {
                    let why = format!(
                        "file {}: /dev/tty (5:0), which checkpoint never writes (the terminal \
                         is saved by its own path)",
                        f.objid
                    );
                    return Err(self.err(t, why));
                }
                if let Some(want) = file_kind::state_record(f.kind) {
                    self.state_of = Some((self.files.len(), want));
                } else if chr && tty::is_tty(f.rdev) {
                    self.state_of = Some((self.files.len(), rec::TTY));
                }
                self.files.push(FileObj {
                    objid: f.objid,
                    kind,
                    path,
                    pos: f.pos,
                    rdev: f.rdev,
                    pipe: (f.pipe_ref != 0).then_some(f.pipe_ref),
                    pages: 0,
                    f_flags: f.f_flags,
                    ino: f.ino,
                    size: f.size,
                    mode: f.mode,
                    eventfd: None,
                    signalfd: None,
                    timerfd: None,
                    epoll: None,
                    seals: None,
                    inotify: None,
                    tty: None,
                    unix: None,
                    inet: None,
                });
            }
            rec::EVENTFD => {
                let r: kcr_rec_eventfd = self.obj(t)?;
                if r.count == u64::MAX || r.flags & !KCR_EFD_SEMAPHORE != 0 || r.__pad != 0 {
                    let why = format!("eventfd count {} flags {:#x}", r.count, r.flags);
                    return Err(self.err(t, why));
                }
                if let Some((i, _)) = state_of {
                    self.files[i].eventfd = Some(Eventfd {
                        count: r.count,
                        semaphore: r.flags & KCR_EFD_SEMAPHORE != 0,
                    });
                }
            }
            rec::EPOLL => {
                let r: kcr_rec_epoll = self.obj(t)?;
                if r.__pad != 0 {
                    return Err(self.err(t, "non-zero padding"));
                }
                // As restart(2) checks each item: an earlier FILE, an fd
                // number, known events (no EPOLLWAKEUP), known flags.
                const EVENTS: u32 = 0x27ff | 1 << 28 | 1 << 30 | 1 << 31;
                let base = std::mem::size_of::<kcr_rec_epoll>();
                let size = std::mem::size_of::<kcr_epoll_item>();
                let mut items = Vec::new();
                for c in self.buf[base..base + r.nr_items as usize * size].chunks_exact(size) {
                    let it = kcr_epoll_item::read_from_bytes(c)
                        .map_err(|_| self.err(t, "short epoll item"))?;
                    let is_file = matches!(self.objects.get(&it.file_ref), Some((rec::FILE, _)));
                    if !is_file
                        || it.fd < 0
                        || it.events & !EVENTS != 0
                        || it.flags & !KCR_EPOLL_READY != 0
                    {
                        let why = format!(
                            "epoll item of file {} (fd {}, events {:#x}, flags {:#x})",
                            it.file_ref, it.fd, it.events, it.flags
                        );
                        return Err(self.err(t, why));
                    }
                    if items
                        .iter()
                        .any(|e: &EpollItem| e.file == it.file_ref && e.fd == it.fd)
                    {
                        return Err(self.err(
                            t,
                            format!("file {} added twice as fd {}", it.file_ref, it.fd),
                        ));
                    }
                    items.push(EpollItem {
                        file: it.file_ref,
                        fd: it.fd,
                        events: it.events,
                        ready: it.flags & KCR_EPOLL_READY != 0,
                        data: it.data,
                    });
                }
                if let Some((i, _)) = state_of {
                    self.files[i].epoll = Some(items);
                }
            }
            rec::INOTIFY => {
                let r: kcr_rec_inotify = self.obj(t)?;
                let Some((i, _)) = state_of else {
                    return Err(self.err(t, "only right after the FILE whose state it holds"));
                };
                // As restart(2) checks.
                if r.nr_watches > KCR_INOTIFY_WATCHES_MAX
                    || r.nr_events > KCR_INOTIFY_EVENTS_MAX
                    || r.cursor < 0
                    || r.pad != 0
                {
                    let why = format!(
                        "inotify {}: {} watches, {} events, cursor {}",
                        self.files[i].objid, r.nr_watches, r.nr_events, r.cursor
                    );
                    return Err(self.err(t, why));
                }
                self.files[i].inotify = Some(Inotify {
                    cursor: r.cursor,
                    watches: Vec::new(),
                    events: Vec::new(),
                });
                if r.nr_watches > 0 || r.nr_events > 0 {
                    self.inotify_left = Some(InotifyLeft {
                        file: i,
                        watches: r.nr_watches,
                        events: r.nr_events,
                        wds: HashSet::new(),
                        paths: HashSet::new(),
                    });
                }
            }
            rec::INOTIFY_WATCH => {
                let r: kcr_rec_inotify_watch = self.obj(t)?;
                let Some(mut left) = inotify_left else {
                    return Err(self.err(t, "no INOTIFY record before it"));
                };
                let objid = self.files[left.file].objid;
                let base = std::mem::size_of::<kcr_rec_inotify_watch>();
                let n = r.path_len as usize;
                let body = &self.buf[base..base + n.next_multiple_of(8)];
                // As restart(2) checks: the fields, then the path (its
                // length was checked by the record's rule): absolute,
                // NUL-terminated where its length says, zero-padded.
                if r.wd <= 0
                    || r.pad != 0
                    || r.mask & inotify_mask::ALL_EVENTS == 0
                    || r.mask & !KCR_INOTIFY_WATCH_MASK != 0
                {
                    let why = format!(
                        "inotify {objid}: watch {} (mask {:#x}, path of {n} bytes)",
                        r.wd, r.mask
                    );
                    return Err(self.err(t, why));
                }
                let path = &body[..n - 1];
                if path.first() != Some(&b'/')
                    || path.contains(&0)
                    || body[n - 1..].iter().any(|&b| b != 0)
                {
                    let why = format!("inotify {objid}: malformed path of watch {}", r.wd);
                    return Err(self.err(t, why));
                }
                // restart(2) gives each watch its descriptor, which fails
                // for one taken (ENOSPC), and looks each path up: one path
                // twice is one inode watched twice (EEXIST), or another
                // inode than the one saved (ESTALE).
                if !left.wds.insert(r.wd) {
                    let why = format!("inotify {objid}: watch descriptor {} twice", r.wd);
                    return Err(self.err(t, why));
                }
                let path_str = String::from_utf8_lossy(path).into_owned();
                if !left.paths.insert(path.to_vec()) {
                    let why = format!("inotify {objid}: {path_str} watched twice");
                    return Err(self.err(t, why));
                }
                let e = self.err(t, "no INOTIFY record before it");
                let ino = self.files[left.file].inotify.as_mut().ok_or(e)?;
                ino.watches.push(InotifyWatch {
                    wd: r.wd,
                    mask: r.mask,
                    mask_names: inotify_mask::names(r.mask),
                    ino: r.ino,
                    path: path_str,
                });
                left.watches = left.watches.saturating_sub(1);
                if left.watches > 0 || left.events > 0 {
                    self.inotify_left = Some(left);
                }
            }
            rec::INOTIFY_EVENT => {
                let r: kcr_rec_inotify_event = self.obj(t)?;
                let Some(mut left) = inotify_left else {
                    return Err(self.err(t, "no INOTIFY record before it"));
                };
                let objid = self.files[left.file].objid;
                let base = std::mem::size_of::<kcr_rec_inotify_event>();
                let n = r.name_len as usize;
                let body = &self.buf[base..base + n.next_multiple_of(8)];
                // As restart(2) checks: the fields (an overflow is
                // IN_Q_OVERFLOW alone, of watch -1, with nothing else;
                // any other event is a watch's), then the name (its
                // length was checked by the record's rule): no NUL in it,
                // zero-padded.
                let overflow = r.mask & inotify_mask::Q_OVERFLOW != 0;
                if r.mask == 0
                    || r.mask & !KCR_INOTIFY_EVENT_MASK != 0
                    || (overflow
                        && (r.mask != inotify_mask::Q_OVERFLOW
                            || r.wd != -1
                            || r.name_len != 0
                            || r.cookie != 0))
                    || (!overflow && r.wd <= 0)
                {
                    let why = format!(
                        "inotify {objid}: event of watch {} (mask {:#x}, name of {n} bytes)",
                        r.wd, r.mask
                    );
                    return Err(self.err(t, why));
                }
                let name = &body[..n];
                if name.contains(&0) || body[n..].iter().any(|&b| b != 0) {
                    let why = format!(
                        "inotify {objid}: malformed name in an event of watch {}",
                        r.wd
                    );
                    return Err(self.err(t, why));
                }
                let e = self.err(t, "no INOTIFY record before it");
                let ino = self.files[left.file].inotify.as_mut().ok_or(e)?;
                ino.events.push(InotifyEvent {
                    wd: r.wd,
                    mask: r.mask,
                    mask_names: inotify_mask::names(r.mask),
                    cookie: r.cookie,
                    name: String::from_utf8_lossy(name).into_owned(),
                });
                left.events = left.events.saturating_sub(1);
                if left.events > 0 {
                    self.inotify_left = Some(left);
                }
            }
            rec::TIMERFD => {
                let r: kcr_rec_timerfd = self.obj(t)?;
                // CLOCK_REALTIME, CLOCK_MONOTONIC, CLOCK_BOOTTIME.
                let clock = match r.clockid {
                    0 => "realtime",
                    1 => "monotonic",
                    7 => "boottime",
                    _ => "",
                };
                let abs = r.flags & KCR_TFD_ABSTIME != 0;
                let cancel = r.flags & KCR_TFD_CANCEL_ON_SET != 0;
                if clock.is_empty()
                    || r.flags & !(KCR_TFD_ABSTIME | KCR_TFD_CANCEL_ON_SET) != 0
                    || (cancel && (!abs || r.clockid != 0))
                    || r.value_ns < 0
                    || r.interval_ns < 0
                {
                    let why = format!(
                        "timerfd clock {} flags {:#x} value {} interval {}",
                        r.clockid, r.flags, r.value_ns, r.interval_ns
                    );
                    return Err(self.err(t, why));
                }
                if let Some((i, _)) = state_of {
                    self.files[i].timerfd = Some(Timerfd {
                        clock,
                        absolute: abs,
                        cancel_on_set: cancel,
                        value_ns: r.value_ns,
                        interval_ns: r.interval_ns,
                        ticks: r.ticks,
                    });
                }
            }
            rec::SIGNALFD => {
                let r: kcr_rec_signalfd = self.obj(t)?;
                // SIGKILL and SIGSTOP cannot be taken through a signalfd.
                if r.mask & (1 << 8 | 1 << 18) != 0 {
                    let why = format!("signalfd mask {:#x} has SIGKILL or SIGSTOP", r.mask);
                    return Err(self.err(t, why));
                }
                if let Some((i, _)) = state_of {
                    self.files[i].signalfd = Some(r.mask);
                }
            }
            rec::PIPE => {
                let p: kcr_rec_pipe = self.obj(t)?;
                self.pipes.push(PipeObj {
                    objid: p.objid,
                    size: p.size,
                    nr_bytes: p.nr_bytes,
                });
            }
            rec::GROUPS => {
                let g: kcr_rec_groups = self.obj(t)?;
                let base = std::mem::size_of::<kcr_rec_groups>();
                let groups: Vec<u32> = self.buf[base..base + 4 * g.ngroups as usize]
                    .chunks_exact(4)
                    .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]))
                    .collect();
                self.task(t)?.groups = groups;
            }
            rec::RLIMITS => {
                let r: kcr_rec_rlimits = self.obj(t)?;
                if r.nr as usize != KCR_RLIM_NLIMITS {
                    return Err(self.err(t, format!("{} limits", r.nr)));
                }
                if let Some((i, l)) = r.rlim.iter().enumerate().find(|(_, l)| l.cur > l.max) {
                    return Err(self.err(
                        t,
                        format!("limit {i}: soft {:#x} above hard {:#x}", l.cur, l.max),
                    ));
                }
                self.task(t)?.rlimits = r.rlim.iter().map(|l| (l.cur, l.max)).collect();
            }
            rec::SIGHAND => {
                let h: kcr_rec_sighand = self.obj(t)?;
                if h.nr as usize != KCR_NSIG {
                    return Err(self.err(t, format!("{} signals", h.nr)));
                }
                let mut acts = Vec::new();
                for (i, a) in h.action.iter().enumerate() {
                    if a.handler >= TASK_SIZE {
                        return Err(self.err(
                            t,
                            format!(
                                "signal {}: handler {:#x} outside user space",
                                i + 1,
                                a.handler
                            ),
                        ));
                    }
                    if a.handler != 0 || a.flags != 0 || a.mask != 0 {
                        acts.push(SigAction {
                            signo: i as u32 + 1,
                            handler: a.handler,
                            flags: a.flags,
                            restorer: a.restorer,
                            mask: a.mask,
                        });
                    }
                }
                self.task(t)?.sigactions = acts;
            }
            rec::SIGPENDING => {
                let p: kcr_rec_sigpending = self.obj(t)?;
                let info_signo =
                    i32::from_le_bytes([p.siginfo[0], p.siginfo[1], p.siginfo[2], p.siginfo[3]]);
                let info_code =
                    i32::from_le_bytes([p.siginfo[8], p.siginfo[9], p.siginfo[10], p.siginfo[11]]);
                let max_queue = if self.in_thread() {
                    KCR_SIGQ_TASK
                } else {
                    KCR_SIGQ_SHARED
                };
                if p.queue > max_queue
                    || !(1..=KCR_NSIG as i32).contains(&p.signo)
                    || p.signo == 9
                    || p.signo == 19
                    || info_signo != p.signo
                    || info_code != p.code
                {
                    return Err(self.err(
                        t,
                        format!(
                            "pending signal {} (queue {}, code {})",
                            p.signo, p.queue, p.code
                        ),
                    ));
                }
                self.task(t)?.sigpending.push(PendingSig {
                    queue: if p.queue == KCR_SIGQ_SHARED {
                        "shared"
                    } else {
                        "task"
                    },
                    signo: p.signo,
                    code: p.code,
                });
            }
            rec::FS => {
                let f: kcr_rec_fs = self.obj(t)?;
                if f.umask & !0o777 != 0 {
                    return Err(self.err(t, format!("umask {:#o}", f.umask)));
                }
                self.task(t)?.fs = Some(Fs {
                    umask: f.umask,
                    root: f.root_ref,
                    cwd: f.cwd_ref,
                });
            }
            rec::FDTABLE => {
                let f: kcr_rec_fdtable = self.obj(t)?;
                let task = self.task(t)?;
                if task.nr_fds.replace(f.nr_fds).is_some() {
                    return Err(self.err(t, "second FDTABLE record for the task"));
                }
            }
            rec::FD => {
                let f: kcr_rec_fd = self.obj(t)?;
                if f.flags & !KCR_FD_FLAGS_ALL != 0 {
                    return Err(self.err(t, format!("fd {}: flags {:#x}", f.fd, f.flags)));
                }
                let e = self.err(t, format!("fd {} out of order or without an FDTABLE", f.fd));
                let task = self.task(t)?;
                let nr = task.nr_fds.unwrap_or(0) as usize;
                if task.fds.len() >= nr || task.fds.last().is_some_and(|l| l.fd >= f.fd) {
                    return Err(e);
                }
                task.fds.push(Fd {
                    fd: f.fd,
                    cloexec: f.flags & KCR_FD_CLOEXEC != 0,
                    file: f.file_ref,
                });
            }
            rec::LOCK => {
                let r: kcr_rec_lock = self.obj(t)?;
                let prev = self.prev_type;
                let task = self.task(t)?;
                // Right after its fd table, all of it, or another LOCK:
                // restart(2) reads them between the fd table and the MM.
                let placed = matches!(prev, rec::FDTABLE | rec::FD | rec::LOCK)
                    && task.mm.is_none()
                    && task.nr_fds.is_some_and(|n| task.fds.len() == n as usize);
                let nr = task.locks.len();
                let open = task.fds.iter().any(|f| f.file == r.file_ref);
                if !placed {
                    return Err(self.err(
                        t,
                        "only right after its process's fd table (FDTABLE and FD records), \
                         before its MM",
                    ));
                }
                // As restart(2) checks, in its order.
                let lock = check_lock(&r).map_err(|m| self.err(t, m))?;
                if nr >= KCR_LOCKS_MAX as usize {
                    return Err(self.err(t, format!("more than {KCR_LOCKS_MAX} file locks")));
                }
                if !open {
                    let why = format!("lock on file object {}, open at no fd", r.file_ref);
                    return Err(self.err(t, why));
                }
                self.task(t)?.locks.push(lock);
            }
            rec::FOWN => {
                let r: kcr_rec_fown = self.obj(t)?;
                let prev = self.prev_type;
                let task = self.task(t)?;
                // After its fd table, all of it, and its LOCK records, or
                // another FOWN: restart(2) reads them between the LOCK
                // records and the MM.
                let placed = matches!(prev, rec::FDTABLE | rec::FD | rec::LOCK | rec::FOWN)
                    && task.mm.is_none()
                    && task.nr_fds.is_some_and(|n| task.fds.len() == n as usize);
                let (nr, nr_fds) = (task.fowns.len(), task.fds.len());
                let open = task.fds.iter().any(|f| f.file == r.file_ref);
                let twice = task.fowns.iter().any(|f| f.file == r.file_ref);
                if !placed {
                    return Err(self.err(
                        t,
                        "only after its process's fd table (FDTABLE and FD records) and LOCK \
                         records, before its MM",
                    ));
                }
                // As restart(2) checks, in its order.
                let fown = check_fown(&r).map_err(|m| self.err(t, m))?;
                if nr >= nr_fds {
                    return Err(self.err(t, "more file owner records than descriptors"));
                }
                if !open {
                    let why = format!("file owner of file object {}, open at no fd", r.file_ref);
                    return Err(self.err(t, why));
                }
                if twice {
                    let why = format!("second file owner record of file object {}", r.file_ref);
                    return Err(self.err(t, why));
                }
                self.task(t)?.fowns.push(fown);
            }
            rec::SEALS => {
                let r: kcr_rec_seals = self.obj(t)?;
                let task = self.task(t)?;
                // Among the process's object records, which its FS ends:
                // restart(2) reads it in its loop over them, wherever
                // there (right after the file's contents when checkpoint
                // writes it).
                if task.fs.is_some() || task.nr_fds.is_some() || task.mm.is_some() {
                    return Err(
                        self.err(t, "only among its process's object records, before its FS")
                    );
                }
                // As restart(2) checks: a shmem FILE read before it, of
                // any process of the image, and its seals.
                let shm = self.objects.get(&r.file_ref) == Some(&(rec::FILE, file_kind::SHMEM));
                let i = self.files.iter().position(|f| f.objid == r.file_ref);
                let seals = check_seals(&r, shm).map_err(|m| self.err(t, m))?;
                let e = self.err(
                    t,
                    format!("seals {:#x} of file object {}", r.seals, r.file_ref),
                );
                let i = i.ok_or(e)?;
                if self.files[i].seals.is_some() {
                    let why = format!("second seals record of file object {}", r.file_ref);
                    return Err(self.err(t, why));
                }
                self.files[i].seals = Some(seals);
            }
            rec::TTY => {
                let r: kcr_rec_tty = self.obj(t)?;
                let Some((i, _)) = state_of else {
                    return Err(self.err(t, "only right after the FILE of a terminal"));
                };
                // As restart(2) checks: N_TTY, no flag the kernel does not
                // define, no padding.
                if r.c_line != tty::N_TTY
                    || r.c_iflag & !KCR_TTY_IFLAGS != 0
                    || r.c_oflag & !KCR_TTY_OFLAGS != 0
                    || r.c_lflag & !KCR_TTY_LFLAGS != 0
                    || r.pad != 0
                {
                    let why = format!(
                        "terminal {}: line discipline {}, flags {:#x} {:#x} {:#x}",
                        self.files[i].objid, r.c_line, r.c_iflag, r.c_oflag, r.c_lflag
                    );
                    return Err(self.err(t, why));
                }
                self.files[i].tty = Some(Tty {
                    c_iflag: r.c_iflag,
                    c_oflag: r.c_oflag,
                    c_cflag: r.c_cflag,
                    c_lflag: r.c_lflag,
                    c_line: r.c_line,
                    c_cc: r.c_cc,
                    c_ispeed: r.c_ispeed,
                    c_ospeed: r.c_ospeed,
                    ws_row: r.ws_row,
                    ws_col: r.ws_col,
                    ws_xpixel: r.ws_xpixel,
                    ws_ypixel: r.ws_ypixel,
                });
            }
            rec::CTTY => {
                let r: kcr_rec_ctty = self.obj(t)?;
                let prev = self.prev_type;
                let task = self.task(t)?;
                // After its fd table, all of it, its LOCK and its FOWN
                // records: restart(2) reads it between the FOWN records
                // and the MM.
                let placed = matches!(
                    prev,
                    rec::FDTABLE | rec::FD | rec::LOCK | rec::FOWN | rec::CTTY
                ) && task.mm.is_none()
                    && task.nr_fds.is_some_and(|n| task.fds.len() == n as usize);
                let (pid, twice) = (task.pid, task.ctty.is_some());
                if !placed {
                    return Err(self.err(
                        t,
                        "only after its process's fd table (FDTABLE and FD records), LOCK and \
                         FOWN records, before its MM",
                    ));
                }
                if twice {
                    let why = format!("second controlling terminal record of process {pid}");
                    return Err(self.err(t, why));
                }
                // As restart(2) checks: an earlier FILE of a terminal, of
                // any process of the image (no descriptor need refer to
                // it), a session, a foreground group or none, no padding.
                let chr = self.objects.get(&r.file_ref) == Some(&(rec::FILE, file_kind::CHR));
                let terminal = chr
                    && self
                        .files
                        .iter()
                        .any(|f| f.objid == r.file_ref && tty::is_tty(f.rdev));
                if !terminal || r.sid <= 0 || r.fg_pgrp < 0 || r.pad != 0 {
                    let why = format!(
                        "controlling terminal: file {}, session {}, foreground group {}",
                        r.file_ref, r.sid, r.fg_pgrp
                    );
                    return Err(self.err(t, why));
                }
                self.task(t)?.ctty = Some(Ctty {
                    file: r.file_ref,
                    sid: r.sid,
                    fg_pgrp: r.fg_pgrp,
                });
            }
            rec::UNIX => {
                let r: kcr_rec_unix = self.obj(t)?;
                let Some((i, _)) = state_of else {
                    return Err(self.err(t, "only right after the FILE whose state it holds"));
                };
                let f = &self.files[i];
                // The path of its socket file (its length was checked by
                // the rule): as the kernel's kcr_unix_read() takes it.
                let node = &self.buf[std::mem::size_of::<kcr_rec_unix>()..];
                let n = r.node_len as usize;
                if !node.is_empty()
                    && (node[0] != b'/'
                        || node.iter().position(|&c| c == 0) != Some(n - 1)
                        || node[n..].iter().any(|&c| c != 0))
                {
                    let why = format!("Unix socket {}: malformed path of its file", f.objid);
                    return Err(self.err(t, why));
                }
                let path = String::from_utf8_lossy(&node[..n.saturating_sub(1)]).into_owned();
                let sock = check_unix(&r, f.mode, path).ok_or_else(|| {
                    let why = format!(
                        "Unix socket {}: type {} state {} flags {:#x}",
                        f.objid, r.type_, r.state, r.flags
                    );
                    self.err(t, why)
                })?;
                let objid = f.objid;
                self.unix.insert(
                    objid,
                    UnixObj {
                        file: i,
                        type_: r.type_,
                        state: r.state,
                        backlog: r.backlog,
                        queued: false,
                        joined: None,
                        embryo_of: None,
                        awaits: None,
                    },
                );
                self.unix_unqueued.push(objid);
                self.files[i].unix = Some(sock);
            }
            rec::INET => {
                let r: kcr_rec_inet = self.obj(t)?;
                if let Some(left) = conns_left {
                    return self.inet_conn(t, &r, left);
                }
                let Some((i, _)) = state_of else {
                    return Err(self.err(t, "only right after the FILE whose state it holds"));
                };
                let f = &self.files[i];
                let (objid, mode) = (f.objid, f.mode);
                let sock = check_inet(&r, mode)
                    .map_err(|why| self.err(t, format!("IP socket {objid}: {why}")))?;
                let tcp = r.protocol == inet_sock::IPPROTO_TCP;
                self.files[i].inet = Some(sock);
                if tcp && r.state == inet_state::CONNECTED {
                    self.tcp_left = Some(TcpLeft {
                        objid,
                        file: i,
                        queued: None,
                        data: None,
                    });
                }
                if tcp && r.nr_skbs > 0 {
                    self.conns_left = Some(ConnsLeft {
                        objid,
                        file: i,
                        listener: r,
                        mode,
                        nr: r.nr_skbs,
                        conns: r.nr_skbs,
                    });
                } else if r.nr_skbs > 0 {
                    self.inet_left = Some(InetLeft {
                        objid,
                        file: i,
                        family: r.family,
                        flags: r.flags,
                        nr: r.nr_skbs,
                        dgrams: r.nr_skbs,
                        bytes: r.bytes,
                        got: 0,
                    });
                }
            }
            rec::INET_DGRAM => {
                let d: kcr_rec_inet_dgram = self.obj(t)?;
                let Some(left) = inet_left else {
                    return Err(self.err(t, "no UDP socket's INET record before it"));
                };
                self.inet_dgram(t, &d, left)?;
            }
            rec::TCP_CONN => {
                let c: kcr_rec_tcp_conn = self.obj(t)?;
                let Some(left) = tcp_left else {
                    return Err(self.err(t, "no connected TCP socket's INET record before it"));
                };
                let conn = check_tcp_conn(&c)
                    .map_err(|why| self.err(t, format!("{}: {why}", left.who())))?;
                // Nothing is written to a connection before accept()
                // (restart(2)'s kcr_rst_inet_queue(): "IP socket %u:
                // queued connection %u sent data").
                if left.queued.is_some() && c.write_seq != c.snd_una {
                    let why = format!(
                        "{} sent data: write_seq {} is not snd_una {} (nothing is written to a \
                         connection before accept())",
                        left.who(),
                        c.write_seq,
                        c.snd_una
                    );
                    return Err(self.err(t, why));
                }
                let next = TcpQueueLeft::first(conn.send_bytes, conn.recv_bytes);
                let sock = self.files[left.file].inet.as_mut();
                let sock = match left.queued {
                    Some(k) => sock
                        .and_then(|i| i.accept_queue.as_mut())
                        .and_then(|q| q.get_mut(k as usize)),
                    None => sock,
                };
                if let Some(i) = sock {
                    i.conn = Some(conn);
                }
                if next.is_some() {
                    self.tcp_left = Some(TcpLeft { data: next, ..left });
                }
            }
            rec::TCP_DATA => {
                let d: kcr_rec_tcp_data = self.obj(t)?;
                let Some(left) = tcp_left else {
                    return Err(self.err(t, "no TCP connection's TCP_CONN record before it"));
                };
                self.tcp_data(t, &d, left)?;
            }
            rec::UNIX_QUEUE => {
                let q: kcr_rec_unix_queue = self.obj(t)?;
                let task = self.task(t)?;
                // Among the process's object records, which its FS ends:
                // restart(2) reads it in its loop over them (checkpoint
                // writes it once every socket it names is written).
                if task.fs.is_some() || task.nr_fds.is_some() || task.mm.is_some() {
                    return Err(
                        self.err(t, "only among its process's object records, before its FS")
                    );
                }
                self.unix_queue(t, &q)?;
            }
            rec::UNIX_EMBRYO => {
                let e: kcr_rec_unix_embryo = self.obj(t)?;
                let Some(left) = unix_left else {
                    return Err(self.err(t, "no UNIX_QUEUE record before it"));
                };
                self.unix_embryo(t, &e, left)?;
            }
            rec::UNIX_SKB => {
                let r: kcr_rec_unix_skb = self.obj(t)?;
                let Some(left) = unix_left else {
                    return Err(self.err(t, "no UNIX_QUEUE record before it"));
                };
                self.unix_skb(t, &r, left)?;
            }
            rec::MM => {
                let m: kcr_rec_mm = self.obj(t)?;
                if m.pgd_phys != 0 && !self.hostinfo() {
                    return Err(self.err(t, "pgd_phys without KCR_CHECKPOINT_HOSTINFO"));
                }
                self.vma_end = 0;
                let task = self.task(t)?;
                if task.mm.is_some() {
                    return Err(self.err(t, "second MM record for the task"));
                }
                task.mm = Some(Mm {
                    fields: m,
                    vmas: Vec::new(),
                    fork_of: None,
                });
                self.after_memory = true;
            }
            rec::VMA => {
                let v: kcr_rec_vma = self.obj(t)?;
                if v.start >= v.end
                    || !v.start.is_multiple_of(PAGE_SIZE)
                    || !v.end.is_multiple_of(PAGE_SIZE)
                    || v.end > TASK_SIZE
                {
                    return Err(self.err(t, format!("bad range {:#x}-{:#x}", v.start, v.end)));
                }
                if v.start < self.vma_end {
                    return Err(self.err(
                        t,
                        format!("mapping {:#x} overlaps or is out of order", v.start),
                    ));
                }
                if v.flags & vma_flags::SHARED != 0 && v.file_ref == 0 {
                    return Err(self.err(t, "shared mapping without a file"));
                }
                if v.flags & vma_flags::LOCKONFAULT != 0 && v.flags & vma_flags::LOCKED == 0 {
                    return Err(self.err(t, "lock-on-fault mapping that is not locked"));
                }
                let not_anon = vma_flags::SHARED | vma_flags::GROWSDOWN;
                if v.flags & vma_flags::DROPPABLE != 0
                    && (v.file_ref != 0 || v.flags & not_anon != 0)
                {
                    return Err(self.err(t, "droppable mapping that is not private anonymous"));
                }
                // As restart(2) checks: a copy of the parent's mapping
                // only in a copied address space, of a kind fork() copies
                // with its pages (anonymous, or of a file: the same file
                // object as the parent's, which restart checks).
                let not_cow = not_anon
                    | vma_flags::VDSO
                    | vma_flags::VVAR
                    | vma_flags::DONTFORK
                    | vma_flags::WIPEONFORK
                    | vma_flags::DROPPABLE;
                let forked = self
                    .tasks
                    .last()
                    .and_then(|k| k.mm.as_ref())
                    .is_some_and(|m| m.fork_of.is_some());
                if v.flags & vma_flags::COW != 0 && (!forked || v.flags & not_cow != 0) {
                    return Err(self.err(
                        t,
                        format!(
                            "copy-on-write mapping {:#x}-{:#x} (flags {:#x})",
                            v.start, v.end, v.flags
                        ),
                    ));
                }
                // As restart(2) checks: a file offset only for a file, and
                // one whose last page has a byte offset.
                let pages = (v.end - v.start) / PAGE_SIZE;
                if (v.file_ref == 0 && v.pgoff != 0) || v.pgoff > (u64::MAX / PAGE_SIZE) - pages {
                    return Err(self.err(
                        t,
                        format!(
                            "file offset {:#x} (pages) of mapping {:#x}-{:#x}",
                            v.pgoff, v.start, v.end
                        ),
                    ));
                }
                if v.flags & !vma_flags::ALL != 0 || v.prot & !7 != 0 {
                    return Err(self.err(
                        t,
                        format!("unknown flags {:#x} / prot {:#x}", v.flags, v.prot),
                    ));
                }
                self.vma_end = v.end;
                self.after_memory = true;
                self.pages_end = v.start;
                let e = self.err(t, "no MM record before it");
                let mm = self.task(t)?.mm.as_mut().ok_or(e)?;
                mm.vmas.push(Vma {
                    start: v.start,
                    end: v.end,
                    pgoff: v.pgoff,
                    prot: v.prot,
                    flags: flag_names(v.flags, &vma_flags::NAMES),
                    file: (v.file_ref != 0).then_some(v.file_ref),
                    pages: 0,
                    cow_pages: 0,
                });
            }
            rec::PAGES => {
                let p: kcr_rec_pages = self.obj(t)?;
                let e1 = self.err(t, "no VMA record before it");
                let pages_end = self.pages_end;
                let e2 = self.err(
                    t,
                    format!(
                        "pages {:#x}+{} outside their mapping or out of order",
                        p.addr, p.nr_pages
                    ),
                );
                let end = p.addr.saturating_add(u64::from(p.nr_pages) * PAGE_SIZE);
                if let Some(i) = self.contents {
                    // Contents of a shared memory object or a ghost file:
                    // offsets in it.
                    let f = &self.files[i];
                    let size = f.size.checked_next_multiple_of(PAGE_SIZE);
                    if !p.addr.is_multiple_of(PAGE_SIZE)
                        || p.addr < pages_end
                        || size.is_none_or(|size| end > size)
                    {
                        let why = format!(
                            "pages {:#x}+{} outside {} file {} ({} bytes) or out of order",
                            p.addr, p.nr_pages, f.kind, f.objid, f.size
                        );
                        return Err(self.err(t, why));
                    }
                    let f = &mut self.files[i];
                    f.pages += u64::from(p.nr_pages);
                    self.pages_end = end;
                    return Ok(());
                }
                let vma = self
                    .task(t)?
                    .mm
                    .as_mut()
                    .and_then(|m| m.vmas.last_mut())
                    .ok_or(e1)?;
                let (start, vend) = (vma.start, vma.end);
                if !p.addr.is_multiple_of(PAGE_SIZE)
                    || p.addr < start.max(pages_end)
                    || end > vend
                    || vma.flags.contains(&"shared")
                {
                    return Err(e2);
                }
                vma.pages += u64::from(p.nr_pages);
                self.after_memory = true;
                self.pages_end = end;
                if let Some(visit) = self.visit.as_mut() {
                    let Some(task) = self.tasks.last() else {
                        return Ok(());
                    };
                    let pgd_phys = task.mm.as_ref().map_or(0, |m| m.fields.pgd_phys);
                    let body = &self.buf[std::mem::size_of::<kcr_rec_pages>()..];
                    for (i, data) in body.chunks_exact(PAGE_SIZE as usize).enumerate() {
                        visit(PageRef {
                            pid: task.pid,
                            pgd_phys,
                            addr: p.addr + i as u64 * PAGE_SIZE,
                            data,
                        });
                    }
                }
            }
            _ => return Err(self.err(t, "unexpected record")),
        }
        Ok(())
    }

    fn tail(mut self, sum: u64, len: u32) -> Result<Image, Error> {
        let t = rec::TAIL;
        if let Some((i, want)) = self.state_of {
            return Err(self.missing_state(t, i, want));
        }
        if self.ptimers_left > 0 {
            return Err(self.missing_ptimer(t, self.ptimers_left));
        }
        if let Some(left) = &self.inotify_left {
            return Err(self.missing_inotify(t, left));
        }
        if let Some(left) = &self.unix_left {
            return Err(self.missing_unix_left(t, left));
        }
        if let Some(left) = &self.inet_left {
            return Err(self.missing_inet_dgram(t, left));
        }
        if let Some(left) = &self.tcp_left {
            return Err(self.missing_tcp(t, left));
        }
        if let Some(left) = &self.conns_left {
            return Err(self.missing_inet_conn(t, left));
        }
        self.unix_done(t)?;
        if let Some(rule) = records::rule(t) {
            self.check_size(t, len, rule)?;
        }
        let tail: kcr_rec_tail = self.obj(t)?;
        if tail.__pad != 0 {
            return Err(self.err(t, "non-zero padding"));
        }
        if tail.xxh64 != sum {
            return Err(self.err(
                t,
                format!(
                    "checksum mismatch: image says {:#018x}, stream is {sum:#018x}",
                    tail.xxh64
                ),
            ));
        }
        if tail.nr_records != self.index || tail.total_len != self.offset {
            return Err(self.err(
                t,
                format!(
                    "tail counts {} records / {} bytes, stream has {} / {}",
                    tail.nr_records, tail.total_len, self.index, self.offset
                ),
            ));
        }
        let mut extra = [0u8; 1];
        if matches!(self.r.read(&mut extra), Ok(n) if n > 0) {
            return Err(self.err(t, "bytes after the TAIL record"));
        }
        let want = self.sections();
        if self.tasks.len() != want {
            return Err(self.err(
                t,
                format!("{} tasks, the image announces {want}", self.tasks.len()),
            ));
        }
        for task in &self.tasks {
            if task.fds.len() != task.nr_fds.unwrap_or(0) as usize {
                return Err(self.err(
                    t,
                    format!(
                        "task {}: FDTABLE says {} descriptors, image has {}",
                        task.pid,
                        task.nr_fds.unwrap_or(0),
                        task.fds.len()
                    ),
                ));
            }
            if let Some(mm) = &task.mm {
                if mm.vmas.len() != mm.fields.nr_vmas as usize {
                    return Err(self.err(
                        t,
                        format!(
                            "task {}: MM says {} mappings, image has {}",
                            task.pid,
                            mm.fields.nr_vmas,
                            mm.vmas.len()
                        ),
                    ));
                }
            }
            if task.attrs.is_none() {
                return Err(self.err(
                    t,
                    format!(
                        "process {} has no ATTRS record after its mappings",
                        task.pid
                    ),
                ));
            }
            if task.threads_missing() > 0 {
                return Err(self.err(
                    t,
                    format!(
                        "process {} has {} threads, the image holds {}",
                        task.pid,
                        task.nr_threads,
                        task.threads.len() + 1
                    ),
                ));
            }
            if let Some(th) = task.threads.iter().find(|th| th.xstate.is_none()) {
                return Err(self.err(t, format!("thread {} has no CPU/XSTATE records", th.pid)));
            }
        }
        let header = self
            .header
            .clone()
            .ok_or_else(|| self.err(t, "no HEADER"))?;
        Ok(Image {
            header,
            tree: self.tree.unwrap_or_default(),
            tasks: self.tasks,
            files: self.files,
            pipes: self.pipes,
            records: self.index,
            total_len: self.offset,
            xxh64: sum,
        })
    }
}

/// The entries of a tree that have a section: all but the zombies and
/// the dead leaders.
fn live(tt: &[kcr_tree_task]) -> impl Iterator<Item = &kcr_tree_task> {
    tt.iter().filter(|e| e.flags & KCR_TREE_GONE == 0)
}

/// Index of the entry that creates `tt[i]` on restart (the kernel's
/// kcr_tree_creator()): its parent, or the placeholder of its session's
/// dead leader when its parent is in another session and is the
/// placeholder's parent too.
pub fn tree_creator(tt: &[kcr_tree_task], i: usize) -> Option<usize> {
    let t = tt.get(i)?;
    let find = |pid: i32| tt.iter().position(|e| e.pid == pid);
    let parent = find(t.ppid)?;
    if t.sid == t.pid || t.sid == tt[parent].sid {
        return Some(parent);
    }
    match find(t.sid) {
        Some(s)
            if tt[s].flags & KCR_TREE_DEAD != 0
                && tt[s].sid == tt[s].pid
                && tt[s].ppid == t.ppid =>
        {
            Some(s)
        }
        _ => Some(parent),
    }
}

/// Is `s` a wait status that exit() or a fatal signal can leave (the
/// kernel's kcr_zombie_status_ok())?
pub fn zombie_status_ok(s: u32) -> bool {
    let sig = s & 0x7f;
    if s & !0xffff != 0 {
        return false;
    }
    if sig == 0 {
        return s & 0x80 == 0;
    }
    s & 0xff00 == 0 && sig != 0x7f && sig <= 64
}

/// The checks of the kernel's kcr_check_tree(): distinct pids, parents
/// before children, sessions and process groups that restart(2) can make.
pub fn check_tree(tt: &[kcr_tree_task]) -> Result<(), String> {
    let find = |pid: i32| tt.iter().position(|e| e.pid == pid);
    for (i, e) in tt.iter().enumerate() {
        let bad = |why: &str| {
            Err(format!(
                "process {} (ppid {} pgid {} sid {}): {why}",
                e.pid, e.ppid, e.pgid, e.sid
            ))
        };
        let zombie = e.flags & KCR_TREE_ZOMBIE != 0;
        let dead = e.flags & KCR_TREE_DEAD != 0;
        if e.pid <= 0
            || e.ppid < 0
            || e.pgid <= 0
            || e.sid <= 0
            || e.flags & !KCR_TREE_GONE != 0
            || (dead && zombie)
            || (!zombie && e.exit_status != 0)
        {
            return bad("malformed entry");
        }
        if zombie && (i == 0 || !zombie_status_ok(e.exit_status)) {
            return bad("zombie root, or a zombie's bad exit status");
        }
        let parent = find(e.ppid);
        if parent.is_some_and(|p| tt[p].flags & KCR_TREE_GONE != 0) {
            return bad("child of a zombie or of a dead leader");
        }
        if dead && (i == 0 || e.pgid != e.pid) {
            return bad("dead leader that is the root or leads no group");
        }
        if find(e.pid) != Some(i) {
            return bad("pid appears twice");
        }
        if e.sid == e.pid && e.pgid != e.pid {
            return bad("session leader outside its own process group");
        }
        let (leader, sess) = (find(e.pgid), find(e.sid));
        if i == 0 {
            if parent.is_some() || sess.is_some_and(|s| s > 0) || leader.is_some_and(|l| l > 0) {
                return bad("root with a parent, session or group among its descendants");
            }
            continue;
        }
        let maker = tree_creator(tt, i);
        if parent.is_none_or(|p| p >= i) || maker.is_none_or(|m| m >= i) {
            return bad("parent is not an earlier process of the tree");
        }
        // Where it gets its session and group from.
        let Some(p) = maker.map(|m| &tt[m]) else {
            return bad("parent is not an earlier process of the tree");
        };
        if e.sid != e.pid && e.sid != p.sid {
            return bad("session is neither its own nor its parent's");
        }
        if e.pgid == e.pid || e.pgid == p.pgid {
            continue;
        }
        match leader.map(|l| &tt[l]) {
            Some(l) if l.pgid == l.pid && l.sid == e.sid => {}
            _ => return bad("process group cannot be joined"),
        }
    }
    Ok(())
}

/// The checks of the kernel's kcr_check_ptimer() on one PTIMER record,
/// `prev` being the id of the timer before it (-1 for the first): what
/// restart(2) can make again. Returns the timer.
pub fn check_ptimer(r: &kcr_rec_ptimer, prev: i32) -> Result<Ptimer, String> {
    let none = r.notify == SIGEV_NONE;
    let f = r.flags;
    if r.id < 0 || r.id <= prev {
        return Err(format!("POSIX timer id {} after {prev}", r.id));
    }
    let clock = PTIMER_CLOCKS.iter().find(|c| c.0 == r.clock).map(|c| c.1);
    let notify = PTIMER_NOTIFY.iter().find(|n| n.0 == r.notify).map(|n| n.1);
    let (Some(clock), Some(notify)) = (clock, notify) else {
        return Err(format!(
            "POSIX timer {}: clock {}, sigev_notify {}",
            r.id, r.clock, r.notify
        ));
    };
    let thread_id = r.notify & SIGEV_THREAD_ID != 0;
    if (!none && !(1..=KCR_NSIG as i32).contains(&r.signo))
        || (if thread_id { r.tid <= 0 } else { r.tid != 0 })
    {
        return Err(format!(
            "POSIX timer {}: signal {}, thread {}",
            r.id, r.signo, r.tid
        ));
    }
    if f & !ptimer_flags::ALL != 0
        || r.__pad != 0
        || r.value_ns < 0
        || r.interval_ns < 0
        || r.overrun < -1
        || r.overrun_last < 0
        || r.sig_overrun < 0
        || (r.sig_overrun != 0 && f & ptimer_flags::PENDING == 0)
        || (f & ptimer_flags::ABS != 0 && (r.clock != CLOCK_REALTIME || r.value_ns == 0))
        || (f & ptimer_flags::ACTIVE != 0 && (none || r.value_ns == 0))
        || (f & ptimer_flags::PENDING != 0 && none)
    {
        return Err(format!(
            "POSIX timer {}: flags {f:#x}, value {}, interval {}, overrun {}/{}/{}",
            r.id, r.value_ns, r.interval_ns, r.overrun, r.overrun_last, r.sig_overrun
        ));
    }
    Ok(Ptimer {
        id: r.id,
        clock,
        notify,
        signo: r.signo,
        tid: r.tid,
        flags: flag_names(f, &ptimer_flags::NAMES),
        sig_overrun: r.sig_overrun,
        sigval: r.sigval,
        value_ns: r.value_ns,
        interval_ns: r.interval_ns,
        overrun: r.overrun,
        overrun_last: r.overrun_last,
    })
}

/// The checks of the kernel's kcr_rst_lock() on the fields of one LOCK
/// record (its place, the count and its file are the parser's): a known
/// kind and type, bytes `start ..= end` from 0, the whole file for a
/// `flock()` lock. Returns the lock.
pub fn check_lock(r: &kcr_rec_lock) -> Result<Lock, String> {
    let kind = lock_kind::name(r.kind);
    let type_ = LOCK_TYPES.iter().find(|l| l.0 == r.type_).map(|l| l.1);
    match (kind, type_) {
        (Some(kind), Some(type_))
            if r.__pad == 0
                && r.start >= 0
                && r.end >= r.start
                && (r.kind != lock_kind::FLOCK || (r.start == 0 && r.end == OFFSET_MAX)) =>
        {
            Ok(Lock {
                file: r.file_ref,
                kind,
                type_,
                start: r.start,
                end: r.end,
            })
        }
        _ => Err(format!(
            "lock of kind {}, type {}, bytes {}..{}",
            r.kind, r.type_, r.start, r.end
        )),
    }
}

/// The checks of the kernel's kcr_rst_fown() on the fields of one FOWN
/// record (its place, the count and its file are the parser's): known
/// flags, no padding, an owner id >= 0 of a known type (0 without an
/// owner), a signal 0 ..= `KCR_NSIG`, and something to set. Returns the
/// file's owner.
pub fn check_fown(r: &kcr_rec_fown) -> Result<Fown, String> {
    let type_ = FOWN_TYPES.iter().find(|o| o.0 == r.type_).map(|o| o.1);
    match type_ {
        Some(type_)
            if r.flags & !KCR_FOWN_ASYNC == 0
                && r.__pad == 0
                && r.pid >= 0
                && (r.pid != 0 || r.type_ == 0)
                && (0..=KCR_NSIG as i32).contains(&r.signum)
                && (r.flags != 0 || r.pid != 0 || r.signum != 0) =>
        {
            Ok(Fown {
                file: r.file_ref,
                async_: r.flags & KCR_FOWN_ASYNC != 0,
                pid: r.pid,
                type_: (r.pid != 0).then_some(type_),
                signum: r.signum,
            })
        }
        _ => Err(format!(
            "file owner: flags {:#x}, owner {} of type {}, signal {}",
            r.flags, r.pid, r.type_, r.signum
        )),
    }
}

/// The checks of the kernel's kcr_rst_seals() on one SEALS record (its
/// place and whether its file was read are the parser's): its file a
/// shmem FILE (`shmem`), known seals ([`seal_flags::ALL`]), not
/// `F_SEAL_SEAL` alone (the default, never written). Returns the seals'
/// names.
pub fn check_seals(r: &kcr_rec_seals, shmem: bool) -> Result<Vec<&'static str>, String> {
    if !shmem || r.seals & !seal_flags::ALL != 0 || r.seals == seal_flags::SEAL {
        return Err(format!(
            "seals {:#x} of file object {}",
            r.seals, r.file_ref
        ));
    }
    Ok(flag_names(r.seals, &seal_flags::NAMES))
}

/// The checks of the kernel's kcr_unix_addr_ok() on a Unix socket name,
/// `len` bytes of `addr` (a UNIX record's `addr`, or a UNIX_QUEUE
/// record's `peer_addr`): a `struct sockaddr_un` of family `AF_UNIX`
/// longer than its family, at most a `struct sockaddr_un`, zeroed after
/// its `len` bytes; a path as `bind()` leaves it (one NUL, last), or an
/// abstract name (a NUL, then any bytes).
pub fn unix_addr_ok(addr: &[u8; 112], len: u32) -> bool {
    use unix_sock::*;
    let len = len as usize;
    let off = SUN_PATH_OFF as usize;
    if len <= off
        || len > SOCKADDR_UN_LEN as usize
        || u16::from_le_bytes([addr[0], addr[1]]) != AF_UNIX
        || addr[len..].iter().any(|&b| b != 0)
    {
        return false;
    }
    let path = &addr[off..len];
    // A path is as unix_mkname_bsd() left it: one NUL, last.
    path[0] == 0 || path.iter().position(|&c| c == 0) == Some(path.len() - 1)
}

/// The checks of the kernel's kcr_unix_name_ok() on the name of one UNIX
/// record and its socket file: no name (and no `KCR_UNIX_BOUND`), or a
/// well-formed one ([`unix_addr_ok`]), a name not its own only on a
/// connected stream or seqpacket socket (one `accept()` made); the socket
/// file (`node_*`) of a socket bound to a path, and of no other.
pub fn unix_name_ok(r: &kcr_rec_unix) -> bool {
    use unix_sock::*;
    let mut node = false;
    if r.addr_len == 0 {
        if r.flags & unix_flags::BOUND != 0 || r.addr.iter().any(|&b| b != 0) {
            return false;
        }
    } else {
        if !unix_addr_ok(&r.addr, r.addr_len) {
            return false;
        }
        let is_path = r.addr[SUN_PATH_OFF as usize] != 0;
        // A name it does not hold is that of its listener.
        let bound = r.flags & unix_flags::BOUND != 0;
        if !bound && (r.type_ == DGRAM || r.state != ESTABLISHED) {
            return false;
        }
        node = bound && is_path;
    }
    if node {
        return (2..=KCR_PATH_MAX).contains(&r.node_len)
            && r.node_mode & S_IFMT == S_IFSOCK
            && r.node_mode & !(S_IFSOCK | 0o7777) == 0;
    }
    r.node_ino == 0 && r.node_mode == 0 && r.node_uid == 0 && r.node_gid == 0 && r.node_len == 0
}

/// The checks of the kernel's kcr_unix_check() on one UNIX record, whose
/// socket's FILE record has mode `file_mode` and whose socket file's path
/// (as [`Parser`] read it after the record) is `node_path` (but `backlog`
/// against the restarting machine's `net.unix.max_dgram_qlen`, which
/// needs `CAP_NET_ADMIN` to pass, and a listener's against its
/// `net.core.somaxconn`): what restart(2) can make again. Returns the
/// socket, with no connection and an empty queue until its UNIX_QUEUE
/// record.
pub fn check_unix(r: &kcr_rec_unix, file_mode: u32, node_path: String) -> Option<UnixSock> {
    use unix_flags::{BOUND, LINGER, PEERCRED};
    use unix_sock::*;
    let peercred = r.flags & PEERCRED != 0;
    let bound = r.flags & BOUND != 0;
    let i32_max = i32::MAX as u32;
    let ok = (r.state != LISTEN || (r.type_ != DGRAM && bound))
        && r.flags & !unix_flags::ALL == 0
        && r.shutdown & !(RCV_SHUTDOWN | SEND_SHUTDOWN) == 0
        && (0..=MAX_ERRNO).contains(&r.err)
        && r.peek_off >= -1
        && r.sndbuf <= i32_max
        && r.rcvbuf <= i32_max
        && r.backlog <= i32_max
        && r.userlocks & !unix_flags::USERLOCKS == 0
        && (1..=i32_max).contains(&r.rcvlowat)
        && r.linger <= LINGER_MAX
        && (r.linger == 0 || r.flags & LINGER != 0)
        && r.rcvtimeo_us <= TIMEO_MAX_US
        && r.sndtimeo_us <= TIMEO_MAX_US
        && r.ino_mode & S_IFMT == S_IFSOCK
        && r.ino_mode & !(S_IFSOCK | 0o7777) == 0
        && r.ino_mode == file_mode
        && (peercred || (r.peer_pid == 0 && r.peer_uid == 0 && r.peer_gid == 0))
        && r.peer_pid >= 0
        && r.peer_ngroups == 0
        && unix_name_ok(r);
    let (type_, state) = (type_name(r.type_)?, state_name(r.state)?);
    let name_len = (r.addr_len as usize).saturating_sub(SUN_PATH_OFF as usize);
    ok.then(|| UnixSock {
        type_,
        state,
        name: r.addr[SUN_PATH_OFF as usize..][..name_len].to_vec(),
        bound,
        node: (r.node_len != 0).then_some(UnixNode {
            path: node_path,
            ino: r.node_ino,
            mode: r.node_mode,
            uid: r.node_uid,
            gid: r.node_gid,
        }),
        flags: unix_flags::names(r.flags),
        shutdown: r.shutdown,
        err: r.err,
        peek_off: r.peek_off,
        backlog: r.backlog,
        sndbuf: r.sndbuf,
        rcvbuf: r.rcvbuf,
        sndbuf_locked: r.userlocks & unix_flags::SNDBUF_LOCK != 0,
        rcvbuf_locked: r.userlocks & unix_flags::RCVBUF_LOCK != 0,
        rcvlowat: r.rcvlowat,
        linger: r.linger,
        rcvtimeo_us: r.rcvtimeo_us,
        sndtimeo_us: r.sndtimeo_us,
        ino_mode: r.ino_mode,
        ino_uid: r.ino_uid,
        ino_gid: r.ino_gid,
        peercred: peercred.then_some(UnixCreds {
            pid: r.peer_pid,
            uid: r.peer_uid,
            gid: r.peer_gid,
        }),
        queue: UnixQueue {
            peer: "none",
            peer_file: None,
            peer_name: Vec::new(),
            bytes: 0,
            buffers: Vec::new(),
        },
        embryos: Vec::new(),
    })
}

/// The address in an INET record's `saddr` or `daddr` (network byte
/// order): IPv6 (`v6`) its 16 bytes, else IPv4 its first 4.
fn inet_ip(v6: bool, a: &[u8; 16]) -> IpAddr {
    if v6 {
        IpAddr::V6(Ipv6Addr::from(*a))
    } else {
        IpAddr::V4(Ipv4Addr::new(a[0], a[1], a[2], a[3]))
    }
}

/// The checks of the kernel's kcr_inet_rec_ok() on one INET record, then
/// those of kcr_sock_check() on its options ([`check_sockopts`], its
/// socket's FILE record having mode `file_mode`), then, for a UDP socket
/// that announces no datagram, kcr_udp_rst_queue()'s byte count: what
/// restart(2) can make again (but what needs the restarting machine: a
/// port free, the ids the restarter may claim, a buffer within its
/// `net.core` maximums, a receive buffer its datagrams fit in). Returns
/// the socket (a UDP one with an empty queue, which the INET_DGRAM
/// records after it fill; a connected TCP one without its connection,
/// which the TCP_CONN record after it gives, [`check_tcp_conn`]; a TCP
/// listener with an empty queue, which the connections after it fill,
/// [`check_inet_queued`]), or why not, naming the field.
pub fn check_inet(r: &kcr_rec_inet, file_mode: u32) -> Result<InetSock, String> {
    check_inet_of(r, file_mode, None)
}

/// The checks of the kernel's kcr_rst_inet_queue() on the INET record of
/// a connection not accepted yet of the TCP listener whose INET record is
/// `listener` (its FILE record having mode `file_mode`): those of
/// [`check_inet`] (kcr_inet_rec_ok(), then kcr_sock_check()), and between
/// them, a TCP connection (`KCR_INET_CONNECTED`) of the listener's family
/// and port. Returns the connection (without its TCP_CONN, which comes
/// next), or why not, naming the field.
pub fn check_inet_queued(
    r: &kcr_rec_inet,
    file_mode: u32,
    listener: &kcr_rec_inet,
) -> Result<InetSock, String> {
    check_inet_of(r, file_mode, Some(listener))
}

/// [`check_inet`], or with `listener` [`check_inet_queued`].
fn check_inet_of(
    r: &kcr_rec_inet,
    file_mode: u32,
    listener: Option<&kcr_rec_inet>,
) -> Result<InetSock, String> {
    use inet_flags::{BIND_ADDR, BIND_PORT, V6ONLY};
    use inet_sock::*;
    use inet_state::{CLOSE, CONNECTED, LISTEN};
    let family = family_name(r.family)
        .ok_or_else(|| format!("family {} (not AF_INET 2 or AF_INET6 10)", r.family))?;
    let protocol = protocol_name(r.protocol).ok_or_else(|| {
        format!(
            "protocol {} (not IPPROTO_TCP 6 or IPPROTO_UDP 17)",
            r.protocol
        )
    })?;
    let tcp = r.protocol == IPPROTO_TCP;
    let v6 = r.family == AF_INET6;
    if r.flags & !inet_flags::ALL != 0 {
        return Err(format!(
            "flags {:#x}: unknown bits {:#x}",
            r.flags,
            r.flags & !inet_flags::ALL
        ));
    }
    if !v6 && r.flags & V6ONLY != 0 {
        return Err("flags: KCR_INET_V6ONLY on an AF_INET socket".into());
    }
    let alen = if v6 { 16 } else { 4 };
    for (name, a) in [("saddr", &r.saddr), ("daddr", &r.daddr)] {
        if a[alen..].iter().any(|&b| b != 0) {
            return Err(format!(
                "{name}: non-zero bytes after the 4 of an IPv4 address"
            ));
        }
    }
    if r.flags & BIND_PORT != 0 && r.sport == 0 {
        return Err("flags: KCR_INET_BIND_PORT with sport 0".into());
    }
    let (saddr, daddr) = (inet_ip(v6, &r.saddr), inet_ip(v6, &r.daddr));
    if r.flags & BIND_ADDR == 0 && r.state != CONNECTED && !saddr.is_unspecified() {
        return Err(format!(
            "saddr {saddr} without KCR_INET_BIND_ADDR, not connected"
        ));
    }
    if r.tos > 255 {
        return Err(format!("tos {} above 255", r.tos));
    }
    // IPV6_UNICAST_HOPS takes 0, IP_TTL does not.
    if (!v6 && r.ttl == 0) || !(-1..=255).contains(&r.ttl) {
        let min = if v6 { 0 } else { 1 };
        return Err(format!("ttl {} ({min} ..= 255, or -1: the default)", r.ttl));
    }
    let pmtudisc = pmtudisc_name(r.pmtudisc).ok_or_else(|| {
        format!(
            "pmtudisc {} above IP_PMTUDISC_OMIT ({IP_PMTUDISC_OMIT})",
            r.pmtudisc
        )
    })?;
    if r.reserved != 0 {
        return Err(format!("reserved {} (not 0)", r.reserved));
    }
    if tcp && r.bytes != 0 {
        return Err(format!(
            "bytes {} on a TCP socket (only a UDP socket's datagrams have bytes: 0)",
            r.bytes
        ));
    }
    if tcp && r.nr_skbs != 0 && r.state != LISTEN {
        return Err(format!(
            "nr_skbs {} on a TCP socket not listening (only a listener's connections not \
             accepted yet are queued: 0)",
            r.nr_skbs
        ));
    }
    if tcp && r.nr_skbs > KCR_INET_QUEUE_CONNS {
        return Err(format!(
            "nr_skbs {} above KCR_INET_QUEUE_CONNS ({KCR_INET_QUEUE_CONNS})",
            r.nr_skbs
        ));
    }
    if tcp && u64::from(r.nr_skbs) > u64::from(r.backlog) + 1 {
        return Err(format!(
            "nr_skbs {} above backlog {} + 1 (more connections than the listener could hold)",
            r.nr_skbs, r.backlog
        ));
    }
    if r.nr_skbs > KCR_INET_QUEUE_DGRAMS {
        return Err(format!(
            "nr_skbs {} above KCR_INET_QUEUE_DGRAMS ({KCR_INET_QUEUE_DGRAMS})",
            r.nr_skbs
        ));
    }
    if r.bytes > KCR_INET_QUEUE_BYTES {
        return Err(format!(
            "bytes {} above KCR_INET_QUEUE_BYTES ({KCR_INET_QUEUE_BYTES})",
            r.bytes
        ));
    }
    let no_peer = || {
        if r.dport != 0 || !daddr.is_unspecified() {
            return Err(format!(
                "peer {daddr} port {} of a socket not connected",
                r.dport
            ));
        }
        Ok(())
    };
    let not_listening = || {
        if r.backlog != 0 {
            return Err(format!("backlog {} of a socket not listening", r.backlog));
        }
        Ok(())
    };
    let state = match r.state {
        CLOSE => {
            not_listening()?;
            no_peer()?;
            "close"
        }
        LISTEN => {
            if !tcp {
                return Err("state KCR_INET_LISTEN of a UDP socket".into());
            }
            if r.sport == 0 {
                return Err("listening without a port (sport 0)".into());
            }
            if r.backlog > BACKLOG_MAX {
                return Err(format!(
                    "backlog {} above INT_MAX ({BACKLOG_MAX})",
                    r.backlog
                ));
            }
            no_peer()?;
            "listen"
        }
        CONNECTED => {
            if r.sport == 0 {
                return Err("connected without a local port (sport 0)".into());
            }
            if r.dport == 0 {
                return Err(format!("connected to {daddr} port 0 (dport)"));
            }
            not_listening()?;
            "connected"
        }
        s => {
            return Err(format!(
                "state {s} (not KCR_INET_CLOSE 7, KCR_INET_LISTEN 10 or KCR_INET_CONNECTED 1)"
            ))
        }
    };
    let tcp_opts = if tcp {
        Some(check_tcp_opts(r)?)
    } else {
        no_tcp_opts(r)?;
        None
    };
    if let Some(l) = listener {
        queued_conn_of(r, l)?;
    }
    let so = check_sockopts(&r.so, file_mode)?;
    // What kcr_udp_rst_queue() finds when there is no datagram to read.
    if r.nr_skbs == 0 && r.bytes != 0 {
        return Err(format!(
            "bytes {} queued in no datagram (nr_skbs 0)",
            r.bytes
        ));
    }
    Ok(InetSock {
        family,
        protocol,
        state,
        flags: inet_flags::names(r.flags),
        bound: r.sport != 0 || r.flags & BIND_ADDR != 0,
        local: SocketAddr::new(saddr, r.sport),
        peer: (r.state == CONNECTED).then_some(SocketAddr::new(daddr, r.dport)),
        backlog: r.backlog,
        tos: r.tos,
        ttl: r.ttl,
        pmtudisc,
        so,
        tcp: tcp_opts,
        queue: (!tcp).then(|| UdpQueue {
            bytes: r.bytes,
            datagrams: Vec::new(),
        }),
        conn: None,
        accept_queue: (r.state == LISTEN).then(Vec::new),
    })
}

/// A connection not accepted yet (INET record `r`) of the TCP listener
/// whose INET record is `l` is a TCP connection, `KCR_INET_CONNECTED`,
/// of the listener's family and port (kcr_rst_inet_queue(): "IP socket
/// %u: queued connection %u: %u %u %u"), or why not.
fn queued_conn_of(r: &kcr_rec_inet, l: &kcr_rec_inet) -> Result<(), String> {
    use inet_sock::IPPROTO_TCP;
    use inet_state::CONNECTED;
    if r.protocol != IPPROTO_TCP {
        return Err(format!(
            "protocol {} of a listener's connection (not IPPROTO_TCP {IPPROTO_TCP})",
            r.protocol
        ));
    }
    if r.family != l.family {
        return Err(format!(
            "family {}, not its listener's {}",
            r.family, l.family
        ));
    }
    if r.sport != l.sport {
        return Err(format!("sport {}, not its listener's {}", r.sport, l.sport));
    }
    if r.state != CONNECTED {
        return Err(format!(
            "state {} of a listener's connection (not KCR_INET_CONNECTED {CONNECTED})",
            r.state
        ));
    }
    Ok(())
}

/// `a` comes after `b` in sequence space (mod 2^32), as the kernel's
/// `after()`: `(s32)(b - a) < 0`.
fn seq_after(a: u32, b: u32) -> bool {
    (b.wrapping_sub(a) as i32) < 0
}

/// The checks of the kernel's kcr_tcp_conn_ok() on one TCP_CONN record,
/// in its order: what restart(2) can make again with TCP repair (but the
/// restarter's `CAP_NET_ADMIN`, which needs the restarting machine).
/// Returns the connection (the bytes of its queues, which the TCP_DATA
/// records after it hold), or why not, naming the field.
pub fn check_tcp_conn(c: &kcr_rec_tcp_conn) -> Result<TcpConn, String> {
    use tcp_conn::{MAX_MSS, MAX_WINDOW, MAX_WSCALE, MIN_MSS};
    let i32_max = i32::MAX as u32;
    for (a, an, b, bn) in [
        (c.snd_una, "snd_una", c.snd_nxt, "snd_nxt"),
        (c.snd_nxt, "snd_nxt", c.write_seq, "write_seq"),
        (c.copied_seq, "copied_seq", c.rcv_nxt, "rcv_nxt"),
    ] {
        if seq_after(a, b) {
            return Err(format!("{an} {a} after {bn} {b} (mod 2^32)"));
        }
    }
    let send = c.write_seq.wrapping_sub(c.snd_una);
    let recv = c.rcv_nxt.wrapping_sub(c.copied_seq);
    for (what, n) in [
        ("send queue (write_seq - snd_una)", send),
        ("receive queue (rcv_nxt - copied_seq)", recv),
    ] {
        if n > KCR_TCP_QUEUE_BYTES {
            return Err(format!(
                "{what} of {n} bytes, more than KCR_TCP_QUEUE_BYTES ({KCR_TCP_QUEUE_BYTES})"
            ));
        }
    }
    if c.max_window < c.snd_wnd {
        return Err(format!(
            "max_window {} below snd_wnd {}",
            c.max_window, c.snd_wnd
        ));
    }
    let edge = c.rcv_nxt.wrapping_add(c.rcv_wnd);
    if seq_after(c.snd_wl1, edge) {
        return Err(format!(
            "snd_wl1 {} after rcv_nxt + rcv_wnd {edge} (mod 2^32)",
            c.snd_wl1
        ));
    }
    if seq_after(c.rcv_wup, c.rcv_nxt) {
        return Err(format!(
            "rcv_wup {} after rcv_nxt {} (mod 2^32)",
            c.rcv_wup, c.rcv_nxt
        ));
    }
    if c.opts & !tcp_opts::ALL != 0 {
        return Err(format!(
            "opts {:#x}: unknown bits {:#x}",
            c.opts,
            c.opts & !tcp_opts::ALL
        ));
    }
    for (name, ws) in [("snd_wscale", c.snd_wscale), ("rcv_wscale", c.rcv_wscale)] {
        if ws > MAX_WSCALE {
            return Err(format!("{name} {ws} above TCP_MAX_WSCALE ({MAX_WSCALE})"));
        }
    }
    let wscale = c.opts & tcp_opts::WSCALE != 0;
    if !wscale && (c.snd_wscale != 0 || c.rcv_wscale != 0) {
        return Err(format!(
            "window scales {}/{} without KCR_TCP_OPT_WSCALE",
            c.snd_wscale, c.rcv_wscale
        ));
    }
    // The scales are 0 without the option, at most 14 with it.
    for (name, w, scale_name, scale) in [
        ("max_window", c.max_window, "snd_wscale", c.snd_wscale),
        ("rcv_wnd", c.rcv_wnd, "rcv_wscale", c.rcv_wscale),
    ] {
        let max = u64::from(MAX_WINDOW)
            .checked_shl(u32::from(scale))
            .unwrap_or(u64::MAX);
        if u64::from(w) > max {
            return Err(format!(
                "{name} {w} above {MAX_WINDOW} << {scale_name} {scale} ({max})"
            ));
        }
    }
    if !(MIN_MSS..=MAX_MSS).contains(&c.mss_clamp) {
        return Err(format!(
            "mss_clamp {} (TCP_MIN_MSS {MIN_MSS} ..= {MAX_MSS})",
            c.mss_clamp
        ));
    }
    for (name, v) in [("sndbuf", c.sndbuf), ("rcvbuf", c.rcvbuf)] {
        if v > i32_max {
            return Err(format!("{name} {v} above INT_MAX"));
        }
    }
    if c.reserved != 0 {
        return Err(format!("reserved {} (not 0)", c.reserved));
    }
    Ok(TcpConn {
        seqs: TcpSeqs {
            snd_una: c.snd_una,
            snd_nxt: c.snd_nxt,
            write_seq: c.write_seq,
            rcv_nxt: c.rcv_nxt,
            copied_seq: c.copied_seq,
        },
        windows: TcpWindows {
            snd_wl1: c.snd_wl1,
            snd_wnd: c.snd_wnd,
            max_window: c.max_window,
            rcv_wnd: c.rcv_wnd,
            rcv_wup: c.rcv_wup,
        },
        opts: tcp_opts::names(c.opts),
        mss: c.mss_clamp,
        wscales: TcpWscales {
            snd: c.snd_wscale,
            rcv: c.rcv_wscale,
        },
        timestamp: c.timestamp,
        bufs: TcpBufs {
            sndbuf: c.sndbuf,
            rcvbuf: c.rcvbuf,
        },
        send_bytes: send,
        unsent_bytes: c.write_seq.wrapping_sub(c.snd_nxt),
        recv_bytes: recv,
    })
}

/// The checks of the kernel's kcr_udp_dgram_ok() on one INET_DGRAM
/// record, of a socket whose INET record has `family` and `flags`: its
/// own family one the socket takes, its length (at most
/// `KCR_INET_DGRAM_MAX`, the record's `48 +` that rounded up to 8), an
/// IPv4 address 4 bytes, the rest 0 (but not its padding, which follows
/// the structure). Returns the datagram, or why not, naming the field.
pub fn check_inet_dgram(
    d: &kcr_rec_inet_dgram,
    family: u16,
    flags: u32,
) -> Result<UdpDgram, String> {
    use inet_sock::{AF_INET, AF_INET6};
    let v4 = d.family == AF_INET;
    if !v4 && d.family != AF_INET6 {
        return Err(format!(
            "family {} (not AF_INET 2 or AF_INET6 10)",
            d.family
        ));
    }
    if !v4 && family == AF_INET {
        return Err("family AF_INET6 on an AF_INET socket".into());
    }
    if v4 && flags & inet_flags::V6ONLY != 0 {
        return Err("family AF_INET on a KCR_INET_V6ONLY socket".into());
    }
    if d.len > KCR_INET_DGRAM_MAX {
        return Err(format!(
            "len {} above KCR_INET_DGRAM_MAX ({KCR_INET_DGRAM_MAX})",
            d.len
        ));
    }
    let base = std::mem::size_of::<kcr_rec_inet_dgram>() as u64;
    let want = base + u64::from(d.len).next_multiple_of(8);
    if u64::from(d.h.len) != want {
        return Err(format!(
            "record length {}, not {want} for len {}",
            d.h.len, d.len
        ));
    }
    if v4 {
        for (name, a) in [("saddr", &d.saddr), ("daddr", &d.daddr)] {
            if a[4..].iter().any(|&b| b != 0) {
                return Err(format!(
                    "{name}: non-zero bytes after the 4 of an IPv4 address"
                ));
            }
        }
    }
    // As the socket shows it: an IPv4 address v4-mapped on an IPv6 one.
    let shown = |a: &[u8; 16]| match inet_ip(!v4, a) {
        IpAddr::V4(a) if family == AF_INET6 => IpAddr::V6(a.to_ipv6_mapped()),
        a => a,
    };
    Ok(UdpDgram {
        family: if v4 { "ipv4" } else { "ipv6" },
        from: SocketAddr::new(shown(&d.saddr), d.sport),
        to: shown(&d.daddr),
        len: d.len,
    })
}

/// The TCP options of a TCP socket's INET record, as kcr_inet_rec_ok()
/// bounds them (setsockopt() checks the rest at restart).
fn check_tcp_opts(r: &kcr_rec_inet) -> Result<TcpOpts, String> {
    use inet_sock::*;
    let i32_max = i32::MAX as u32;
    if r.tcp_flags & !tcp_flags::ALL != 0 {
        return Err(format!(
            "tcp_flags {:#x}: unknown bits {:#x}",
            r.tcp_flags,
            r.tcp_flags & !tcp_flags::ALL
        ));
    }
    for (name, v, max, what) in [
        ("keepidle", r.keepidle, MAX_TCP_KEEPIDLE, "MAX_TCP_KEEPIDLE"),
        (
            "keepintvl",
            r.keepintvl,
            MAX_TCP_KEEPINTVL,
            "MAX_TCP_KEEPINTVL",
        ),
        ("keepcnt", r.keepcnt, MAX_TCP_KEEPCNT, "MAX_TCP_KEEPCNT"),
        ("syncnt", r.syncnt, MAX_TCP_SYNCNT, "MAX_TCP_SYNCNT"),
        ("user_timeout", r.user_timeout, i32_max, "INT_MAX"),
        ("maxseg", r.maxseg, MAX_TCP_WINDOW, "MAX_TCP_WINDOW"),
        ("window_clamp", r.window_clamp, i32_max, "INT_MAX"),
        ("notsent_lowat", r.notsent_lowat, i32_max, "INT_MAX"),
    ] {
        if v > max {
            return Err(format!("{name} {v} above {what} ({max})"));
        }
    }
    if !(-1..=LINGER2_MAX).contains(&r.linger2) {
        return Err(format!(
            "linger2 {} (-1: none, or 0 ..= TCP_FIN_TIMEOUT_MAX / HZ, {LINGER2_MAX})",
            r.linger2
        ));
    }
    let congestion =
        cstr(&r.congestion).ok_or_else(|| "congestion: no NUL in its 16 bytes".to_string())?;
    Ok(TcpOpts {
        flags: tcp_flags::names(r.tcp_flags),
        maxseg: r.maxseg,
        keepidle: r.keepidle,
        keepintvl: r.keepintvl,
        keepcnt: r.keepcnt,
        user_timeout: r.user_timeout,
        syncnt: r.syncnt,
        linger2: r.linger2,
        window_clamp: r.window_clamp,
        notsent_lowat: r.notsent_lowat,
        congestion,
    })
}

/// A UDP socket's INET record has no TCP option: every TCP field 0.
fn no_tcp_opts(r: &kcr_rec_inet) -> Result<(), String> {
    for (name, v) in [
        ("tcp_flags", r.tcp_flags.into()),
        ("maxseg", r.maxseg.into()),
        ("keepidle", r.keepidle.into()),
        ("keepintvl", r.keepintvl.into()),
        ("keepcnt", r.keepcnt.into()),
        ("user_timeout", r.user_timeout.into()),
        ("syncnt", r.syncnt.into()),
        ("linger2", i64::from(r.linger2)),
        ("window_clamp", r.window_clamp.into()),
        ("notsent_lowat", r.notsent_lowat.into()),
    ] {
        if v != 0 {
            return Err(format!("TCP option {name} {v} on a UDP socket"));
        }
    }
    if r.congestion.iter().any(|&b| b != 0) {
        return Err("TCP option congestion on a UDP socket".into());
    }
    Ok(())
}

/// The checks of the kernel's kcr_sock_check() on the `SOL_SOCKET`
/// options of a socket of a family other than `AF_UNIX`, whose FILE
/// record has mode `file_mode` (but the ids' mapping and the
/// restarter's right to claim them, which need the restarting machine).
/// Returns them, or why not, naming the field.
pub fn check_sockopts(o: &kcr_sockopts, file_mode: u32) -> Result<SockOpts, String> {
    use so_flags::{LINGER, RCVBUF_LOCK, SNDBUF_LOCK};
    use unix_sock::{LINGER_MAX, MAX_ERRNO, RCV_SHUTDOWN, SEND_SHUTDOWN, S_IFSOCK, TIMEO_MAX_US};
    let i32_max = i32::MAX as u32;
    if o.flags & !so_flags::ALL != 0 {
        return Err(format!(
            "so.flags {:#x}: unknown bits {:#x}",
            o.flags,
            o.flags & !so_flags::ALL
        ));
    }
    if o.shutdown & !(RCV_SHUTDOWN | SEND_SHUTDOWN) != 0 {
        return Err(format!(
            "so.shutdown {} (RCV_SHUTDOWN 1 | SEND_SHUTDOWN 2)",
            o.shutdown
        ));
    }
    if !(0..=MAX_ERRNO).contains(&o.err) {
        return Err(format!("so.err {} (0 ..= MAX_ERRNO, {MAX_ERRNO})", o.err));
    }
    if o.peek_off < -1 {
        return Err(format!("so.peek_off {} (-1: off, or >= 0)", o.peek_off));
    }
    for (name, v, lock, what) in [
        ("sndbuf", o.sndbuf, SNDBUF_LOCK, "KCR_SO_SNDBUF_LOCK"),
        ("rcvbuf", o.rcvbuf, RCVBUF_LOCK, "KCR_SO_RCVBUF_LOCK"),
    ] {
        if v > i32_max {
            return Err(format!("so.{name} {v} above INT_MAX"));
        }
        if v != 0 && o.flags & lock == 0 {
            return Err(format!("so.{name} {v} without {what}"));
        }
    }
    if o.rcvlowat == 0 || o.rcvlowat > i32_max {
        return Err(format!("so.rcvlowat {} (1 ..= INT_MAX)", o.rcvlowat));
    }
    if o.linger > LINGER_MAX {
        return Err(format!(
            "so.linger {} above INT_MAX / HZ ({LINGER_MAX})",
            o.linger
        ));
    }
    if o.linger != 0 && o.flags & LINGER == 0 {
        return Err(format!("so.linger {} without KCR_SO_LINGER", o.linger));
    }
    for (name, us) in [
        ("rcvtimeo_us", o.rcvtimeo_us),
        ("sndtimeo_us", o.sndtimeo_us),
    ] {
        if us > TIMEO_MAX_US {
            return Err(format!(
                "so.{name} {us} above 365 days (KCR_SOCK_TIMEO_MAX, {TIMEO_MAX_US})"
            ));
        }
    }
    if o.ino_mode & S_IFMT != S_IFSOCK || o.ino_mode & !(S_IFSOCK | 0o7777) != 0 {
        return Err(format!(
            "so.ino_mode {:o} is not a socket's (S_IFSOCK and permissions)",
            o.ino_mode
        ));
    }
    if o.ino_mode != file_mode {
        return Err(format!(
            "so.ino_mode {:o} differs from its FILE's mode {file_mode:o}",
            o.ino_mode
        ));
    }
    if o.reserved != 0 {
        return Err(format!("so.reserved {} (not 0)", o.reserved));
    }
    Ok(SockOpts {
        flags: so_flags::names(o.flags),
        shutdown: o.shutdown,
        err: o.err,
        peek_off: o.peek_off,
        sndbuf: o.sndbuf,
        rcvbuf: o.rcvbuf,
        rcvlowat: o.rcvlowat,
        linger: o.linger,
        rcvtimeo_us: o.rcvtimeo_us,
        sndtimeo_us: o.sndtimeo_us,
        ino_mode: o.ino_mode,
        ino_uid: o.ino_uid,
        ino_gid: o.ino_gid,
    })
}

/// Reads and validates a whole image from `r`.
pub fn parse<R: Read>(r: R) -> Result<Image, Error> {
    parse_with(r, None)
}

/// Like [`parse`], also handing every page of every private mapping to
/// `visit` as it streams by (the image is never held in memory).
pub fn parse_visit<R: Read>(r: R, visit: &mut dyn FnMut(PageRef<'_>)) -> Result<Image, Error> {
    parse_with(r, Some(visit))
}

fn parse_with<R: Read>(r: R, visit: Option<&mut dyn FnMut(PageRef<'_>)>) -> Result<Image, Error> {
    Parser {
        r,
        visit,
        offset: 0,
        index: 0,
        sum: Xxh64::new(0),
        buf: Vec::new(),
        objects: HashMap::new(),
        files: Vec::new(),
        pipes: Vec::new(),
        tasks: Vec::new(),
        header: None,
        tree: None,
        vma_end: 0,
        pages_end: 0,
        contents: None,
        after_memory: false,
        state_of: None,
        prev_type: 0,
        ptimers_left: 0,
        inotify_left: None,
        unix: HashMap::new(),
        unix_unqueued: Vec::new(),
        unix_left: None,
        unix_await: Vec::new(),
        inet_left: None,
        tcp_left: None,
        conns_left: None,
    }
    .run()
}

#[cfg(test)]
mod tests;
