//! `guest-agent checkpoint` / `restart` / `counter`: the guest kernel's
//! checkpoint(2) and restart(2) driven from the command line.
//!
//! checkpoint freezes the target's tree with the cgroup v2 freezer (the
//! kernel refuses an unfrozen task), writes the image to a temporary file,
//! fsyncs and renames it only when the kernel reported success, and then
//! thaws, leaves frozen, or kills the tree. A process with children is
//! checkpointed with its descendants (`KCR_CHECKPOINT_TREE`).
//!
//! restart makes the calling process the restored one for an image of one
//! process. For an image of a process tree, user space does linux-cr's
//! "mktree" part: [`tree_make`] creates every process with its original
//! pid (clone3() with set_tid) under its parent, makes the session and
//! group leaders, and each process calls restart(2): the root with
//! `KCR_RESTART_TREE` (it coordinates in the kernel), the others with
//! `KCR_RESTART_JOIN`.

use std::fs::{self, File};
use std::io::Write;
use std::os::fd::AsRawFd;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// checkpoint(2) on x86_64 (`KCR_NR_CHECKPOINT` in <linux/kcr.h>).
pub const NR_CHECKPOINT: libc::c_long = 463;
/// restart(2) on x86_64 (`KCR_NR_RESTART`).
pub const NR_RESTART: libc::c_long = 464;
/// checkpoint(2) flag `KCR_CHECKPOINT_TREE`: the task and its descendants.
pub const CHECKPOINT_TREE: libc::c_long = 1;
/// checkpoint(2) flag `KCR_CHECKPOINT_HOSTINFO`: record where the state
/// lives in physical memory (for the host's cross-check).
pub const CHECKPOINT_HOSTINFO: libc::c_long = 2;
/// checkpoint(2) flag `KCR_CHECKPOINT_UNIX_EXTERNAL`: a Unix socket whose
/// peer is a named socket outside is saved by that name, not refused.
pub const CHECKPOINT_UNIX_EXTERNAL: libc::c_long = 4;

/// checkpoint(2) flag `KCR_CHECKPOINT_KILL` (with no image, fd -1): the
/// frozen tree, saved already, is killed, its TCP connections first closed
/// without a word to their peers so that a restart can make them again.
pub const CHECKPOINT_KILL: libc::c_long = 8;

/// checkpoint(2) flag `KCR_CHECKPOINT_HOLD`: TCP connections to a peer
/// outside the tree stay held (what the peer sends is dropped, without a
/// reset) when the checkpoint returns, until [`kill_quietly`] or
/// [`release_holds`]. Passed when the tree is to be killed.
pub const CHECKPOINT_HOLD: libc::c_long = 16;

/// checkpoint(2) flag `KCR_CHECKPOINT_RELEASE` (with no image, fd -1): the
/// held connections of a tree that is not killed after all go on.
pub const CHECKPOINT_RELEASE: libc::c_long = 32;
/// restart(2) flag `KCR_RESTART_TREE`: the root of a tree, coordinates.
pub const RESTART_TREE: libc::c_long = 1;
/// restart(2) flag `KCR_RESTART_JOIN`: another process of a tree.
pub const RESTART_JOIN: libc::c_long = 2;

/// `KCR_REC_HEADER`, `KCR_REC_TREE`, `KCR_TREE_MAX`, `KCR_REC_MAX_LEN`.
const REC_HEADER: u32 = 1;
/// `KCR_REC_TASK`.
const REC_TASK: u32 = 2;
const REC_TREE: u32 = 17;
const TREE_MAX: usize = 1024;
const REC_MAX_LEN: usize = 1 << 20;
/// Offset of `flags` in `struct kcr_rec_header`.
const HEADER_FLAGS_OFF: usize = 32;
/// Sizes of `struct kcr_rec_tree` and `struct kcr_tree_task`.
const TREE_REC_SIZE: usize = 16;
const TREE_TASK_SIZE: usize = 24;

const CGROUP_ROOT: &str = "/sys/fs/cgroup";

pub use agent_proto::After;

fn err(msg: String) -> std::io::Error {
    std::io::Error::other(msg)
}

/// A cgroup holding the tree while it is frozen; removed on drop.
pub struct FreezeGroup {
    dir: PathBuf,
    pid: i32,
}

impl FreezeGroup {
    /// Moves `pid` into a new cgroup (not frozen yet).
    pub fn new(pid: i32) -> std::io::Result<Self> {
        let dir = Path::new(CGROUP_ROOT).join(format!("crvmm-ckpt-{pid}"));
        if !Path::new(CGROUP_ROOT).join("cgroup.controllers").exists() {
            return Err(err(format!("no cgroup v2 hierarchy at {CGROUP_ROOT}")));
        }
        match fs::create_dir(&dir) {
            Ok(()) => {}
            // Another checkpoint of the same tree is running (a crashed
            // agent's groups are removed when the agent starts again).
            // A tree left frozen by --leave-stopped may be checkpointed
            // again: the group becomes this checkpoint's.
            Err(e)
                if e.kind() == std::io::ErrorKind::AlreadyExists
                    && fs::remove_file(stopped_marker(pid)).is_ok() => {}
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                return Err(std::io::Error::new(
                    std::io::ErrorKind::ResourceBusy,
                    format!("pid {pid} is already being checkpointed"),
                ))
            }
            Err(e) => return Err(err(format!("creating {}: {e}", dir.display()))),
        }
        let g = FreezeGroup { dir, pid };
        fs::write(g.dir.join("cgroup.procs"), pid.to_string())
            .map_err(|e| err(format!("moving pid {pid} into {}: {e}", g.dir.display())))?;
        // Its descendants too (children forked meanwhile are born inside).
        for _ in 0..3 {
            let mut moved = 0;
            for d in descendants(pid) {
                let cg = fs::read_to_string(format!("/proc/{d}/cgroup")).unwrap_or_default();
                let want = format!("0::/crvmm-ckpt-{pid}");
                if !cg
                    .lines()
                    .any(|l| l == want || l.starts_with(&format!("{want}/")))
                {
                    let _ = fs::write(g.dir.join("cgroup.procs"), d.to_string());
                    moved += 1;
                }
            }
            if moved == 0 {
                break;
            }
        }
        Ok(g)
    }

    /// Freezes or thaws the group and waits until the kernel reports it.
    pub fn set_frozen(&self, frozen: bool) -> std::io::Result<()> {
        self.set_frozen_every(frozen, Duration::from_millis(1))
    }

    /// As [`set_frozen`](Self::set_frozen), reading `cgroup.events` every
    /// `step`; a zero `step` yields the CPU between reads instead of
    /// sleeping. For a benchmark, where a 5 ms step would be most of what
    /// it measures (waiting in poll() for the file's change notification
    /// would be no finer: the kernel sends at most one per 10 ms).
    pub fn set_frozen_every(&self, frozen: bool, step: Duration) -> std::io::Result<()> {
        fs::write(
            self.dir.join("cgroup.freeze"),
            if frozen { "1" } else { "0" },
        )?;
        let want = if frozen { "frozen 1" } else { "frozen 0" };
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let events = fs::read_to_string(self.dir.join("cgroup.events"))?;
            if events.lines().any(|l| l == want) {
                return Ok(());
            }
            if Instant::now() > deadline {
                return Err(err(format!(
                    "pid {} did not reach '{want}' within 10 s",
                    self.pid
                )));
            }
            if step.is_zero() {
                std::thread::yield_now();
            } else {
                std::thread::sleep(step);
            }
        }
    }

    /// After a successful checkpoint: thaw, leave frozen, or kill.
    pub fn finish(self, after: After) -> std::io::Result<()> {
        match after {
            After::Run => self.set_frozen(false)?,
            After::Stop => {
                // Marked so that a restarted agent, which thaws the groups
                // of checkpoints that were interrupted, leaves it frozen.
                let marker = stopped_marker(self.pid);
                let r = fs::create_dir_all(STOPPED_DIR).and_then(|()| fs::write(&marker, b""));
                std::mem::forget(self);
                r?;
            }
            After::Kill => {
                // Quietly first (TCP connections), then, whatever is left
                // of the group, with a plain SIGKILL.
                if let Err(e) = kill_quietly(self.pid, 2) {
                    eprintln!(
                        "guest-agent: quiet kill of {}: {e}: its TCP connections close as usual",
                        self.pid
                    );
                }
                // The whole tree: everything in the group.
                let procs = fs::read_to_string(self.dir.join("cgroup.procs")).unwrap_or_default();
                for p in procs.lines().filter_map(|l| l.parse::<i32>().ok()) {
                    // SAFETY: kill has no memory-safety preconditions.
                    unsafe { libc::kill(p, libc::SIGKILL) };
                }
                // SAFETY: kill has no memory-safety preconditions.
                unsafe { libc::kill(self.pid, libc::SIGKILL) };
                let _ = self.set_frozen(false);
                // Reap it if it is our child (e.g. started by this agent).
                // SAFETY: waitpid only writes `status`.
                let mut status = 0;
                unsafe { libc::waitpid(self.pid, &mut status, libc::WNOHANG) };
            }
        }
        Ok(())
    }
}

impl Drop for FreezeGroup {
    fn drop(&mut self) {
        // Move what is left back to the root so the group can go.
        if let Ok(procs) = fs::read_to_string(self.dir.join("cgroup.procs")) {
            let _ = fs::write(self.dir.join("cgroup.freeze"), "0");
            for p in procs.lines() {
                let _ = fs::write(Path::new(CGROUP_ROOT).join("cgroup.procs"), p);
            }
        }
        let _ = fs::remove_dir(&self.dir);
    }
}

/// Where trees left frozen on purpose (--leave-stopped) are recorded.
const STOPPED_DIR: &str = "/run/crvmm-stopped";

fn stopped_marker(pid: i32) -> PathBuf {
    Path::new(STOPPED_DIR).join(pid.to_string())
}

/// Thaws and removes freeze groups left by an agent that died during a
/// checkpoint (its `FreezeGroup` was never dropped). Returns how many.
pub fn cleanup_stale_groups() -> usize {
    let Ok(dir) = fs::read_dir(CGROUP_ROOT) else {
        return 0;
    };
    let mut n = 0;
    for d in dir.flatten() {
        let name = d.file_name();
        let Some(pid) = name
            .to_str()
            .and_then(|s| s.strip_prefix("crvmm-ckpt-"))
            .and_then(|p| p.parse::<i32>().ok())
        else {
            continue;
        };
        if stopped_marker(pid).exists() {
            continue;
        }
        drop(FreezeGroup { dir: d.path(), pid });
        n += 1;
    }
    n
}

/// Whether `pid` has children, zombies included (so is checkpointed as a
/// tree): from each of its threads' `/proc/PID/task/TID/children` (the
/// guest kernel has them, CONFIG_PROC_CHILDREN), a read per thread
/// instead of [`descendants`]' walk of every process, which is the
/// fallback.
fn has_descendants(pid: i32) -> bool {
    let Ok(tasks) = fs::read_dir(format!("/proc/{pid}/task")) else {
        return !descendants(pid).is_empty();
    };
    for t in tasks.flatten() {
        match fs::read_to_string(t.path().join("children")) {
            Ok(c) if !c.trim().is_empty() => return true,
            Ok(_) => {}
            Err(_) => return !descendants(pid).is_empty(),
        }
    }
    false
}

/// The descendants of `pid` (from /proc), parents before children.
pub fn descendants(pid: i32) -> Vec<i32> {
    let mut parent_of = Vec::new();
    if let Ok(dir) = fs::read_dir("/proc") {
        for d in dir.flatten() {
            let Some(p) = d.file_name().to_str().and_then(|n| n.parse::<i32>().ok()) else {
                continue;
            };
            // "pid (comm) state ppid ...": comm may hold spaces or ')'.
            let Ok(stat) = fs::read_to_string(d.path().join("stat")) else {
                continue;
            };
            let ppid = stat
                .rsplit_once(')')
                .and_then(|(_, rest)| rest.split_whitespace().nth(1))
                .and_then(|v| v.parse::<i32>().ok());
            if let Some(ppid) = ppid {
                parent_of.push((p, ppid));
            }
        }
    }
    let mut out = vec![pid];
    let mut i = 0;
    while i < out.len() {
        let p = out[i];
        out.extend(parent_of.iter().filter(|(_, pp)| *pp == p).map(|(c, _)| *c));
        i += 1;
    }
    out.remove(0);
    out
}

/// checkpoint(2) of the frozen `pid` into `fd`, the kernel's log to `logfd`.
/// A process with children is checkpointed with all its descendants.
/// `options`: [`CHECKPOINT_HOSTINFO`], [`CHECKPOINT_UNIX_EXTERNAL`],
/// [`CHECKPOINT_HOLD`].
pub fn checkpoint_fd(pid: i32, fd: i32, logfd: i32, options: libc::c_long) -> std::io::Result<()> {
    let mut flags = options & (CHECKPOINT_HOSTINFO | CHECKPOINT_UNIX_EXTERNAL | CHECKPOINT_HOLD);
    if has_descendants(pid) {
        flags |= CHECKPOINT_TREE;
    }
    // SAFETY: a raw system call with integer arguments; the fds are open
    // for the duration of the call.
    let ret = unsafe {
        libc::syscall(
            NR_CHECKPOINT,
            pid as libc::c_long,
            fd as libc::c_long,
            flags,
            logfd as libc::c_long,
        )
    };
    if ret < 0 {
        let e = std::io::Error::last_os_error();
        return Err(err(format!("checkpoint({pid}) failed: {e}")));
    }
    Ok(())
}

/// Kills the frozen, checkpointed tree of `pid` through checkpoint(2)
/// (`KCR_CHECKPOINT_KILL`): its TCP connections end without a FIN or a
/// reset and leave no TIME_WAIT behind, so the restarted tree can have
/// them again. The kernel's log goes to `logfd`.
pub fn kill_quietly(pid: i32, logfd: i32) -> std::io::Result<()> {
    no_image_call(pid, CHECKPOINT_KILL, logfd)
}

/// Lets the TCP connections that a checkpoint with [`CHECKPOINT_HOLD`]
/// held go on (`KCR_CHECKPOINT_RELEASE`): the tree is not killed after all.
/// For a `pid` that [`kill_quietly`] killed, its connections parked for
/// the restart are reset instead: the image is discarded (ESRCH if none).
pub fn release_holds(pid: i32, logfd: i32) -> std::io::Result<()> {
    no_image_call(pid, CHECKPOINT_RELEASE, logfd)
}

/// checkpoint(2) of `pid`'s frozen tree with no image (fd -1).
fn no_image_call(pid: i32, what: libc::c_long, logfd: i32) -> std::io::Result<()> {
    let mut flags = what;
    if has_descendants(pid) {
        flags |= CHECKPOINT_TREE;
    }
    // SAFETY: a raw system call with integer arguments; logfd is open.
    let ret = unsafe {
        libc::syscall(
            NR_CHECKPOINT,
            pid as libc::c_long,
            -1 as libc::c_long,
            flags,
            logfd as libc::c_long,
        )
    };
    if ret < 0 {
        // The bare OS error: callers tell ESRCH (nothing held) apart.
        return Err(std::io::Error::last_os_error());
    }
    Ok(())
}

/// Checkpoints `pid` into `out` (`options` as [`checkpoint_fd`]); returns
/// the image size.
pub fn checkpoint(
    pid: i32,
    out: &Path,
    after: After,
    options: libc::c_long,
) -> std::io::Result<u64> {
    let group = FreezeGroup::new(pid)?;
    group.set_frozen(true)?;
    let tmp = out.with_extension("partial");
    let f = File::create(&tmp).map_err(|e| err(format!("creating {}: {e}", tmp.display())))?;
    let options = if after == After::Kill {
        options | CHECKPOINT_HOLD
    } else {
        options
    };
    if let Err(e) = checkpoint_fd(pid, f.as_raw_fd(), 2, options) {
        drop(f);
        let _ = fs::remove_file(&tmp);
        let _ = group.set_frozen(false);
        return Err(e);
    }
    let kept = f
        .sync_all()
        .and_then(|()| f.metadata())
        .and_then(|m| fs::rename(&tmp, out).map(|()| m.len()));
    drop(f);
    let size = match kept {
        Ok(size) => size,
        Err(e) => {
            // Not killed after all: its held connections go on.
            if after == After::Kill {
                let _ = release_holds(pid, 2);
            }
            let _ = fs::remove_file(&tmp);
            return Err(e);
        }
    };
    group.finish(after)?;
    Ok(size)
}

/// One process of an image's TREE record.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TreeTask {
    /// Its pid (in the checkpointer's pid namespace).
    pub pid: i32,
    /// Its parent's pid.
    pub ppid: i32,
    /// Its process group.
    pub pgid: i32,
    /// Its session.
    pub sid: i32,
    /// `KCR_TREE_*`: a zombie, or the placeholder of a dead leader.
    pub flags: u32,
}

/// `KCR_TREE_DEAD`: the placeholder of a session or group leader that
/// exited and was reaped.
const TREE_DEAD: u32 = 2;

/// Index of the process that creates `tree[i]` (as the kernel's
/// kcr_tree_creator()): its parent, except for a process of a dead
/// leader's session that its parent is not in, which that leader's
/// placeholder creates (it then shares the process's parent).
pub fn tree_creator(tree: &[TreeTask], i: usize) -> Option<usize> {
    let t = tree.get(i)?;
    let find = |pid: i32| tree.iter().position(|e| e.pid == pid);
    let parent = find(t.ppid)?;
    if t.sid == t.pid || t.sid == tree[parent].sid {
        return Some(parent);
    }
    match find(t.sid) {
        Some(s)
            if tree[s].flags & TREE_DEAD != 0
                && tree[s].sid == tree[s].pid
                && tree[s].ppid == t.ppid =>
        {
            Some(s)
        }
        _ => Some(parent),
    }
}

/// What the first records of an image say.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ImageKind {
    /// One process: the restarter becomes it. `pid`: its pid when it was
    /// checkpointed (the task record's), if the image says.
    Single {
        /// The checkpointed process's pid.
        pid: Option<i32>,
    },
    /// A process tree, parents first (the first one is the root).
    Tree(Vec<TreeTask>),
}

fn u32_at(b: &[u8], off: usize) -> Option<u32> {
    let v: [u8; 4] = b.get(off..off + 4)?.try_into().ok()?;
    Some(u32::from_le_bytes(v))
}

/// Reads the kind of image from its first bytes: `Ok(None)` while more
/// bytes are needed. Only what the tree needs is checked here; restart(2)
/// checks everything again.
pub fn image_kind(b: &[u8]) -> std::io::Result<Option<ImageKind>> {
    let (Some(t), Some(hlen)) = (u32_at(b, 0), u32_at(b, 4)) else {
        return Ok(None);
    };
    let hlen = hlen as usize;
    if t != REC_HEADER || !(HEADER_FLAGS_OFF + 4..=REC_MAX_LEN).contains(&hlen) {
        return Err(err("not a checkpoint image (no header record)".into()));
    }
    let Some(flags) = u32_at(b, HEADER_FLAGS_OFF) else {
        return Ok(None);
    };
    if flags & CHECKPOINT_TREE as u32 == 0 {
        // The task record follows the header: struct kcr_rec_task { hdr,
        // objid, pid, ... }.
        let (Some(t), Some(pid)) = (u32_at(b, hlen), u32_at(b, hlen + 12)) else {
            return Ok(None);
        };
        let pid = pid as i32;
        return Ok(Some(ImageKind::Single {
            pid: (t == REC_TASK && pid > 0).then_some(pid),
        }));
    }
    let (Some(t), Some(len), Some(nr)) =
        (u32_at(b, hlen), u32_at(b, hlen + 4), u32_at(b, hlen + 8))
    else {
        return Ok(None);
    };
    let (len, nr) = (len as usize, nr as usize);
    if t != REC_TREE || nr == 0 || nr > TREE_MAX || len != TREE_REC_SIZE + nr * TREE_TASK_SIZE {
        return Err(err("malformed tree record".into()));
    }
    let Some(body) = b.get(hlen + TREE_REC_SIZE..hlen + len) else {
        return Ok(None);
    };
    let tree = body
        .chunks_exact(TREE_TASK_SIZE)
        .map(|c| {
            let f = |i: usize| u32_at(c, 4 * i).unwrap_or(0) as i32;
            TreeTask {
                pid: f(0),
                ppid: f(1),
                pgid: f(2),
                sid: f(3),
                flags: f(4) as u32,
            }
        })
        .collect::<Vec<_>>();
    if tree.iter().any(|e| e.pid <= 0) {
        return Err(err("malformed tree record".into()));
    }
    Ok(Some(ImageKind::Tree(tree)))
}

/// `struct clone_args` of clone3(2).
#[repr(C)]
#[derive(Default)]
struct CloneArgs {
    flags: u64,
    pidfd: u64,
    child_tid: u64,
    parent_tid: u64,
    exit_signal: u64,
    stack: u64,
    stack_size: u64,
    tls: u64,
    set_tid: u64,
    set_tid_size: u64,
    cgroup: u64,
}

/// fork(), with the child's pid `pid` (in the caller's pid namespace; 0:
/// any) and extra clone flags (e.g. `CLONE_NEWPID`). Returns 0 in the
/// child, its pid in the parent.
///
/// # Safety
///
/// As fork(): in a multi-threaded process the child may only make
/// async-signal-safe calls.
pub unsafe fn clone_with_pid(pid: i32, flags: u64) -> std::io::Result<i32> {
    let set_tid = [pid];
    let args = CloneArgs {
        flags,
        exit_signal: libc::SIGCHLD as u64,
        set_tid: if pid > 0 { set_tid.as_ptr() as u64 } else { 0 },
        set_tid_size: u64::from(pid > 0),
        ..CloneArgs::default()
    };
    // SAFETY: args and set_tid outlive the call; without a stack the
    // child continues on a copy of ours, as with fork().
    let r = unsafe {
        libc::syscall(
            libc::SYS_clone3,
            &args as *const CloneArgs,
            std::mem::size_of::<CloneArgs>(),
        )
    };
    if r < 0 {
        return Err(std::io::Error::last_os_error());
    }
    Ok(r as i32)
}

/// In a new process created for `tree[i]`: make it a session or group
/// leader as in the image, create its children with their pids (each
/// continues in this function), then restart(2): the root (`i == 0`)
/// with `KCR_RESTART_TREE` and `logfd`, the others with
/// `KCR_RESTART_JOIN`. `fd` is the image, open in every process. Never
/// returns: on failure the process exits with a code naming the step
/// (the root's restart waits at most 30 s for missing processes).
///
/// # Safety
///
/// Only async-signal-safe system calls are made (no allocation), so it
/// may run in the child of a multi-threaded process.
pub unsafe fn tree_make(tree: &[TreeTask], i: usize, fd: i32, logfd: i32) -> ! {
    let e = tree[i];
    // A process that adopts what a dead leader creates is a subreaper
    // before it creates the leader (its section restores the flag too).
    let adopts =
        (i + 1..tree.len()).any(|j| tree[j].ppid == e.pid && tree_creator(tree, j) != Some(i));
    // SAFETY: plain system calls on this process.
    unsafe {
        if e.sid == e.pid && libc::setsid() < 0 {
            libc::_exit(10);
        }
        if e.pgid == e.pid && e.sid != e.pid && libc::setpgid(0, 0) != 0 {
            libc::_exit(11);
        }
        if adopts && libc::prctl(libc::PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0 {
            libc::_exit(16);
        }
        for j in i + 1..tree.len() {
            let maybe = tree[j].ppid == e.pid || (e.flags & TREE_DEAD != 0 && tree[j].sid == e.pid);
            if !maybe || tree_creator(tree, j) != Some(i) {
                continue;
            }
            let c = tree[j];
            match clone_with_pid(c.pid, 0) {
                Ok(0) => tree_make(tree, j, fd, logfd),
                Ok(_) => {}
                Err(_) => libc::_exit(12),
            }
        }
        let (flags, log) = if i == 0 {
            (RESTART_TREE, logfd as libc::c_long)
        } else {
            (RESTART_JOIN, -1)
        };
        libc::syscall(
            NR_RESTART,
            0 as libc::c_long,
            fd as libc::c_long,
            flags,
            log,
        );
        libc::_exit(13)
    }
}

/// Restarts the process tree of the image open at `fd` (`tree`, read
/// from it) as children of this process: in the current pid namespace
/// with the original pids, or (`newpid`) in a new pid namespace whose
/// init (pid 1) starts the root and reaps. Returns the pid of the root
/// (of the init with `newpid`) in our namespace.
pub fn spawn_tree(tree: &[TreeTask], fd: i32, logfd: i32, newpid: bool) -> std::io::Result<i32> {
    let Some(root) = tree.first() else {
        return Err(err("empty process tree".into()));
    };
    let (pid, flags) = if newpid {
        (0, libc::CLONE_NEWPID as u64)
    } else {
        (root.pid, 0)
    };
    // SAFETY: the children only run tree_make() and tree_init(), which
    // make async-signal-safe system calls.
    unsafe {
        let p = clone_with_pid(pid, flags)?;
        if p != 0 {
            return Ok(p);
        }
        if !newpid {
            tree_make(tree, 0, fd, logfd);
        }
        tree_init(tree, fd, logfd)
    }
}

/// Are all the pids of the tree free in our pid namespace (per /proc)?
pub fn tree_pids_free(tree: &[TreeTask]) -> bool {
    tree.iter()
        .all(|e| !Path::new(&format!("/proc/{}", e.pid)).exists())
}

/// As pid 1 of a new pid namespace: create the root of the tree with its
/// pid ([`tree_make`] does the rest), reap every process that ends up
/// here, and exit with the root's status (which ends the namespace).
///
/// # Safety
///
/// As [`tree_make`].
pub unsafe fn tree_init(tree: &[TreeTask], fd: i32, logfd: i32) -> ! {
    // SAFETY: plain system calls; see tree_make().
    unsafe {
        let r = match tree.first().map(|e| clone_with_pid(e.pid, 0)) {
            Some(Ok(0)) => tree_make(tree, 0, fd, logfd),
            Some(Ok(r)) => r,
            _ => libc::_exit(14),
        };
        loop {
            let mut status = 0;
            let w = libc::wait(&mut status);
            if w == r {
                libc::_exit(if libc::WIFEXITED(status) {
                    libc::WEXITSTATUS(status)
                } else {
                    128 + libc::WTERMSIG(status)
                });
            }
            if w < 0 {
                libc::_exit(15);
            }
        }
    }
}

/// Reads the kind of the image in `f` from its beginning (a regular file).
pub fn file_image_kind(f: &File) -> std::io::Result<ImageKind> {
    use std::os::unix::fs::FileExt;
    let mut buf = vec![0u8; 64 * 1024];
    let n = f.read_at(&mut buf, 0)?;
    buf.truncate(n);
    image_kind(&buf)?.ok_or_else(|| err("image too short".into()))
}

/// Replaces this process with the one in the image at `path`, including
/// its descriptors (this process's are closed: the restored one writes
/// where it wrote before, not to our stdout). Returns only on error (the
/// kernel refused the image before touching this process).
///
/// An image of a process tree is restarted as children of this process
/// ([`spawn_tree`]; in a new pid namespace with `newpid` or when one of
/// its pids is taken); this process waits for the root and exits with
/// its status.
pub fn restart(path: &Path, newpid: bool) -> std::io::Error {
    let f = match File::open(path) {
        Ok(f) => f,
        Err(e) => return err(format!("opening {}: {e}", path.display())),
    };
    let _ = std::io::stdout().flush();
    match file_image_kind(&f) {
        Ok(ImageKind::Tree(tree)) => {
            // Where the pids are taken, a new pid namespace has them free.
            let newpid = newpid || !tree_pids_free(&tree);
            let root = match spawn_tree(&tree, f.as_raw_fd(), 2, newpid) {
                Ok(r) => r,
                Err(e) => return err(format!("restarting the tree of {}: {e}", path.display())),
            };
            drop(f);
            eprintln!(
                "restart: process tree of {} processes, root pid {root}",
                tree.len()
            );
            let mut status = 0;
            // SAFETY: waitpid on our own child; only writes `status`.
            let w = unsafe { libc::waitpid(root, &mut status, 0) };
            let code = if w == root && libc::WIFEXITED(status) {
                libc::WEXITSTATUS(status)
            } else {
                1
            };
            std::process::exit(code);
        }
        // Not an image at all: the kernel refuses it and logs why.
        Ok(ImageKind::Single { .. }) | Err(_) => {}
    }
    // SAFETY: a raw system call with integer arguments; on success this
    // process continues as the restored one and never returns here.
    let ret = unsafe {
        libc::syscall(
            NR_RESTART,
            0 as libc::c_long,
            f.as_raw_fd() as libc::c_long,
            0 as libc::c_long,
            2 as libc::c_long,
        )
    };
    let e = std::io::Error::last_os_error();
    err(format!(
        "restart from {} failed ({ret}): {e}",
        path.display()
    ))
}

/// A workload for demos and tests: prints a counter every `period`, and
/// a checksum of a buffer it keeps changing, forever.
pub fn counter(period: Duration) -> ! {
    let mut state = vec![0u8; 1 << 20];
    let mut n: u64 = 0;
    loop {
        n += 1;
        let i = (n as usize * 4099) % state.len();
        state[i] = state[i].wrapping_add(n as u8);
        let sum: u64 = state.iter().map(|&b| u64::from(b)).sum();
        println!("counter: {n} sum {sum} pid {}", std::process::id());
        std::thread::sleep(period);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(flags: u32) -> Vec<u8> {
        let mut b = vec![0u8; 440];
        b[0..4].copy_from_slice(&REC_HEADER.to_le_bytes());
        b[4..8].copy_from_slice(&440u32.to_le_bytes());
        b[HEADER_FLAGS_OFF..HEADER_FLAGS_OFF + 4].copy_from_slice(&flags.to_le_bytes());
        b
    }

    #[test]
    fn image_kinds() {
        assert_eq!(image_kind(&[]).ok(), Some(None));
        // A single process: its pid from the task record after the header.
        let mut b = header(0);
        assert_eq!(image_kind(&b).ok(), Some(None), "the task record is needed");
        let mut task = vec![0u8; 16];
        task[0..4].copy_from_slice(&REC_TASK.to_le_bytes());
        task[12..16].copy_from_slice(&40i32.to_le_bytes());
        b.extend_from_slice(&task);
        assert_eq!(
            image_kind(&b).ok(),
            Some(Some(ImageKind::Single { pid: Some(40) }))
        );
        b[440..444].copy_from_slice(&99u32.to_le_bytes());
        assert_eq!(
            image_kind(&b).ok(),
            Some(Some(ImageKind::Single { pid: None }))
        );
        let mut b = header(1);
        assert_eq!(image_kind(&b).ok(), Some(None));
        let ids: [[i32; 6]; 2] = [[34, 33, 34, 34, 0, 0], [35, 34, 35, 34, 0, 0]];
        let mut rec = Vec::new();
        rec.extend_from_slice(&REC_TREE.to_le_bytes());
        rec.extend_from_slice(&((TREE_REC_SIZE + 2 * TREE_TASK_SIZE) as u32).to_le_bytes());
        rec.extend_from_slice(&2u32.to_le_bytes());
        rec.extend_from_slice(&0u32.to_le_bytes());
        for e in ids {
            for v in e {
                rec.extend_from_slice(&v.to_le_bytes());
            }
        }
        b.extend_from_slice(&rec[..30]);
        assert_eq!(image_kind(&b).ok(), Some(None));
        b.extend_from_slice(&rec[30..]);
        let want = vec![
            TreeTask {
                pid: 34,
                ppid: 33,
                pgid: 34,
                sid: 34,
                flags: 0,
            },
            TreeTask {
                pid: 35,
                ppid: 34,
                pgid: 35,
                sid: 34,
                flags: 0,
            },
        ];
        assert_eq!(image_kind(&b).ok(), Some(Some(ImageKind::Tree(want))));
        b[440 + 8] = 3;
        assert!(image_kind(&b).is_err());
        assert!(image_kind(&[9, 0, 0, 0, 8, 0, 0, 0]).is_err());
    }

    #[test]
    fn creators() {
        let t = |pid, ppid, pgid, sid, flags| TreeTask {
            pid,
            ppid,
            pgid,
            sid,
            flags,
        };
        // A subreaper root 10; dead session leader 20 (placeholder) with
        // the members 21 (adopted by 10) and 22 (21's child); dead group
        // leader 30 in the root's session, created by the root.
        let tree = [
            t(10, 1, 10, 10, 0),
            t(20, 10, 20, 20, TREE_DEAD),
            t(21, 10, 20, 20, 0),
            t(22, 21, 22, 20, 0),
            t(31, 10, 30, 10, 0),
            t(30, 10, 30, 10, TREE_DEAD),
        ];
        let got: Vec<_> = (0..tree.len()).map(|i| tree_creator(&tree, i)).collect();
        assert_eq!(got, [None, Some(0), Some(1), Some(2), Some(0), Some(0)]);
        // Not the placeholder's parent: the parent creates it (and the
        // kernel refuses the tree).
        let mut other = tree;
        other[2].ppid = 22;
        assert_eq!(tree_creator(&other, 2), Some(3));
    }
}
