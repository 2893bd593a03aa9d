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

/// What happens to the checkpointed tree afterwards.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum After {
    /// Thaw it: it keeps running.
    Run,
    /// Leave it frozen.
    Stop,
    /// Kill it.
    Kill,
}

fn err(msg: String) -> std::io::Error {
    std::io::Error::other(msg)
}

/// A cgroup holding the tree while it is frozen; removed on drop.
struct FreezeGroup {
    dir: PathBuf,
    pid: i32,
}

impl FreezeGroup {
    fn new(pid: i32) -> std::io::Result<Self> {
        let dir = Path::new(CGROUP_ROOT).join(format!("crvmm-ckpt-{pid}"));
        if !Path::new(CGROUP_ROOT).join("cgroup.controllers").exists() {
            return Err(err(format!("no cgroup v2 hierarchy at {CGROUP_ROOT}")));
        }
        match fs::create_dir(&dir) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
            Err(e) => return Err(err(format!("creating {}: {e}", dir.display()))),
        }
        let g = FreezeGroup { dir, pid };
        fs::write(g.dir.join("cgroup.procs"), pid.to_string())
            .map_err(|e| err(format!("moving pid {pid} into {}: {e}", g.dir.display())))?;
        Ok(g)
    }

    fn set_frozen(&self, frozen: bool) -> std::io::Result<()> {
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

/// Checkpoints `pid` into `out`; returns the image size.
pub fn checkpoint(pid: i32, out: &Path, after: After) -> std::io::Result<u64> {
    let group = FreezeGroup::new(pid)?;
    group.set_frozen(true)?;
    let tmp = out.with_extension("partial");
    let f = File::create(&tmp).map_err(|e| err(format!("creating {}: {e}", tmp.display())))?;
    // SAFETY: a raw system call with integer arguments; the fds are open
    // for the duration of the call.
    let ret = unsafe {
        libc::syscall(
            NR_CHECKPOINT,
            pid as libc::c_long,
            f.as_raw_fd() as libc::c_long,
            0 as libc::c_long,
            2 as libc::c_long,
        )
    };
    if ret < 0 {
        let e = std::io::Error::last_os_error();
        drop(f);
        let _ = fs::remove_file(&tmp);
        let _ = group.set_frozen(false);
        return Err(err(format!("checkpoint({pid}) failed: {e}")));
    }
    f.sync_all()?;
    let size = f.metadata()?.len();
    drop(f);
    fs::rename(&tmp, out)?;
    match after {
        After::Run => group.set_frozen(false)?,
        After::Stop => {
            std::mem::forget(group);
        }
        After::Kill => {
            // SAFETY: kill has no memory-safety preconditions.
            unsafe { libc::kill(pid, libc::SIGKILL) };
            let _ = group.set_frozen(false);
            // Reap it if it is our child (e.g. started by this agent).
            // SAFETY: waitpid only writes `status`.
            let mut status = 0;
            unsafe { libc::waitpid(pid, &mut status, libc::WNOHANG) };
        }
    }
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
