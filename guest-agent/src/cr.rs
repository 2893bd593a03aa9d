//! `guest-agent checkpoint` / `restart` / `counter`: the guest kernel's
//! checkpoint(2) and restart(2) driven from the command line.
//!
//! checkpoint freezes the target's tree with the cgroup v2 freezer (the
//! kernel refuses an unfrozen task), writes the image to a temporary file,
//! fsyncs and renames it only when the kernel reported success, and then
//! thaws, leaves frozen, or kills the tree. restart makes the calling
//! process the restored one (this slice of the kernel restores the caller).

use std::fs::{self, File};
use std::io::Write;
use std::os::fd::AsRawFd;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// checkpoint(2) on x86_64 (`KCR_NR_CHECKPOINT` in <linux/kcr.h>).
pub const NR_CHECKPOINT: libc::c_long = 463;
/// restart(2) on x86_64 (`KCR_NR_RESTART`).
pub const NR_RESTART: libc::c_long = 464;

const CGROUP_ROOT: &str = "/sys/fs/cgroup";

pub use guest_agent::proto::After;

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
        Ok(g)
    }

    /// Freezes or thaws the group and waits until the kernel reports it.
    pub fn set_frozen(&self, frozen: bool) -> std::io::Result<()> {
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
            std::thread::sleep(Duration::from_millis(5));
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

/// checkpoint(2) of the frozen `pid` into `fd`, the kernel's log to `logfd`.
pub fn checkpoint_fd(pid: i32, fd: i32, logfd: i32) -> std::io::Result<()> {
    // SAFETY: a raw system call with integer arguments; the fds are open
    // for the duration of the call.
    let ret = unsafe {
        libc::syscall(
            NR_CHECKPOINT,
            pid as libc::c_long,
            fd as libc::c_long,
            0 as libc::c_long,
            logfd as libc::c_long,
        )
    };
    if ret < 0 {
        let e = std::io::Error::last_os_error();
        return Err(err(format!("checkpoint({pid}) failed: {e}")));
    }
    Ok(())
}

/// Checkpoints `pid` into `out`; returns the image size.
pub fn checkpoint(pid: i32, out: &Path, after: After) -> std::io::Result<u64> {
    let group = FreezeGroup::new(pid)?;
    group.set_frozen(true)?;
    let tmp = out.with_extension("partial");
    let f = File::create(&tmp).map_err(|e| err(format!("creating {}: {e}", tmp.display())))?;
    if let Err(e) = checkpoint_fd(pid, f.as_raw_fd(), 2) {
        drop(f);
        let _ = fs::remove_file(&tmp);
        let _ = group.set_frozen(false);
        return Err(e);
    }
    f.sync_all()?;
    let size = f.metadata()?.len();
    drop(f);
    fs::rename(&tmp, out)?;
    group.finish(after)?;
    Ok(size)
}

/// Replaces this process with the one in the image at `path`, including
/// its descriptors (this process's are closed: the restored one writes
/// where it wrote before, not to our stdout). Returns only on error (the
/// kernel refused the image before touching this process).
pub fn restart(path: &Path) -> std::io::Error {
    let f = match File::open(path) {
        Ok(f) => f,
        Err(e) => return err(format!("opening {}: {e}", path.display())),
    };
    let _ = std::io::stdout().flush();
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
