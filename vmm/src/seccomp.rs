//! Per-thread seccomp filters, the way Firecracker confines its threads.
//!
//! cr-vmm runs three kinds of threads once the VM is built, and each gets
//! its own allow-list of system calls (compiled with `seccompiler`):
//! - `vmm`: the main thread's event loop (serial input, the vsock device
//!   and its host Unix sockets, exit handling, terminal restore);
//! - `vcpu`: `KVM_RUN` and the other KVM ioctls, device emulation on exits,
//!   the vCPU's part of a snapshot;
//! - `api`: the control API server, which also writes snapshots.
//!
//! A system call outside a thread's list raises `SIGSYS`; the handler
//! names the thread and the call on stderr and ends the process with
//! [`EXIT_BAD_SYSCALL`]. `--no-seccomp` turns the filters off (debugging
//! only); `--seccomp-filter FILE` replaces them with seccompiler JSON that
//! has the same three keys.
//!
//! The policy is process-wide: [`init`] compiles it once before the VM
//! starts, and each thread calls [`enter`] with its kind as it starts.
//! Until [`init`] is called (the library's tests), [`enter`] does nothing.
//!
//! ```no_run
//! use cr_vmm::seccomp::{self, Policy, ThreadKind};
//! seccomp::init(&Policy::Default).unwrap();
//! std::thread::spawn(|| {
//!     seccomp::enter(ThreadKind::Api).unwrap();
//!     // ... only the API thread's system calls from here on
//! });
//! ```

use std::cell::Cell;
use std::path::PathBuf;
use std::sync::OnceLock;

use seccompiler::{BpfProgram, TargetArch};

/// Exit status of a process stopped for a forbidden system call (as
/// Firecracker's: 148).
pub const EXIT_BAD_SYSCALL: i32 = 148;

/// Errors building or installing the filters.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A built-in rule did not compile (a bug).
    #[error("seccomp: building the {0} filter: {1}")]
    Build(&'static str, String),
    /// The custom filter file could not be read or compiled.
    #[error("seccomp: filter file {path}: {msg}")]
    File {
        /// The file.
        path: PathBuf,
        /// What was wrong.
        msg: String,
    },
    /// The kernel refused the filter (no CONFIG_SECCOMP_FILTER?).
    #[error("seccomp: installing the {0} filter: {1}")]
    Apply(&'static str, String),
    /// [`init`] was called twice.
    #[error("seccomp: the policy is already set")]
    AlreadySet,
}

/// The kinds of cr-vmm threads, each with its own filter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ThreadKind {
    /// The main thread: event loop and exit handling.
    Vmm,
    /// A vCPU thread.
    Vcpu,
    /// The control API thread.
    Api,
}

impl ThreadKind {
    /// The filter's name (the key in a JSON filter file).
    pub fn name(self) -> &'static str {
        match self {
            ThreadKind::Vmm => "vmm",
            ThreadKind::Vcpu => "vcpu",
            ThreadKind::Api => "api",
        }
    }
}

/// Which filters to use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Policy {
    /// cr-vmm's built-in allow-lists.
    Default,
    /// No filters (`--no-seccomp`).
    None,
    /// seccompiler JSON with the keys `vmm`, `vcpu` and `api`.
    File(PathBuf),
}

/// The compiled filters, one per thread kind.
#[derive(Debug)]
struct Filters {
    vmm: BpfProgram,
    vcpu: BpfProgram,
    api: BpfProgram,
}

/// `None` once set means "no filters".
static POLICY: OnceLock<Option<Filters>> = OnceLock::new();

thread_local! {
    /// The kind of this thread, for the SIGSYS message (None: not
    /// confined).
    static KIND: Cell<Option<ThreadKind>> = const { Cell::new(None) };
}

/// Compiles the policy's filters and installs the SIGSYS handler. Call
/// once, before the VMM's threads start.
pub fn init(policy: &Policy) -> Result<(), Error> {
    let filters = match policy {
        Policy::None => None,
        Policy::Default => Some(builtin()?),
        Policy::File(path) => Some(from_json(path)?),
    };
    if filters.is_some() {
        install_sigsys_handler();
    }
    POLICY.set(filters).map_err(|_| Error::AlreadySet)
}

/// Confines the calling thread to the filter of `kind`. Does nothing if no
/// policy was set or the policy is [`Policy::None`].
pub fn enter(kind: ThreadKind) -> Result<(), Error> {
    let Some(Some(f)) = POLICY.get() else {
        return Ok(());
    };
    let prog = match kind {
        ThreadKind::Vmm => &f.vmm,
        ThreadKind::Vcpu => &f.vcpu,
        ThreadKind::Api => &f.api,
    };
    KIND.with(|k| k.set(Some(kind)));
    seccompiler::apply_filter(prog).map_err(|e| Error::Apply(kind.name(), e.to_string()))
}

fn from_json(path: &PathBuf) -> Result<Filters, Error> {
    let err = |msg: String| Error::File {
        path: path.clone(),
        msg,
    };
    let f = std::fs::File::open(path).map_err(|e| err(e.to_string()))?;
    let map =
        seccompiler::compile_from_json(f, TargetArch::x86_64).map_err(|e| err(e.to_string()))?;
    split(map, |k| err(format!("no filter named \"{k}\"")))
}

/// The three filters of a compiled JSON map.
fn split(
    mut map: seccompiler::BpfMap,
    missing: impl Fn(&'static str) -> Error,
) -> Result<Filters, Error> {
    let mut take = |k: ThreadKind| map.remove(k.name()).ok_or_else(|| missing(k.name()));
    Ok(Filters {
        vmm: take(ThreadKind::Vmm)?,
        vcpu: take(ThreadKind::Vcpu)?,
        api: take(ThreadKind::Api)?,
    })
}

/// The built-in filters, in seccompiler's JSON format: one allow-list per
/// thread kind, each entry with the reason it is there. Copy and edit it
/// for `--seccomp-filter`.
pub const DEFAULT_JSON: &str = include_str!("../resources/seccomp-x86_64.json");

fn builtin() -> Result<Filters, Error> {
    let map = seccompiler::compile_from_json(DEFAULT_JSON.as_bytes(), TargetArch::x86_64)
        .map_err(|e| Error::Build("built-in", e.to_string()))?;
    split(map, |k| {
        Error::Build(k, "missing from the built-in JSON".into())
    })
}

/// The SIGSYS handler: names the thread kind and the system call, then
/// ends the process. Only async-signal-safe calls that every filter allows
/// (`write`, `exit_group`).
extern "C" fn on_sigsys(_sig: libc::c_int, info: *mut libc::siginfo_t, _ctx: *mut libc::c_void) {
    // siginfo_t for SIGSYS: si_call_addr (pointer) at offset 16, then
    // si_syscall (int) at offset 24 (<asm-generic/siginfo.h>).
    // SAFETY: the kernel passes a valid siginfo_t for a SA_SIGINFO handler.
    let nr = unsafe { *(info as *const u8).add(24).cast::<libc::c_int>() };
    let name = KIND
        .with(|k| k.get())
        .map_or("unconfined", ThreadKind::name)
        .as_bytes();
    let mut msg = [0u8; 160];
    let mut len = 0;
    for part in [
        &b"cr-vmm: seccomp: the "[..],
        name,
        b" thread made a forbidden system call (nr ",
        fmt_int(i64::from(nr), &mut [0u8; 24]),
        b"); stopping the VMM\n",
    ] {
        let n = part.len().min(msg.len() - len);
        msg[len..len + n].copy_from_slice(&part[..n]);
        len += n;
    }
    // SAFETY: writing a stack buffer to stderr and exiting are
    // async-signal-safe.
    unsafe {
        libc::write(2, msg.as_ptr().cast(), len);
        libc::_exit(EXIT_BAD_SYSCALL);
    }
}

/// Decimal digits of `v` in `buf`, without allocating.
fn fmt_int(v: i64, buf: &mut [u8; 24]) -> &[u8] {
    let mut i = buf.len();
    let neg = v < 0;
    let mut u = v.unsigned_abs();
    loop {
        i -= 1;
        buf[i] = b'0' + (u % 10) as u8;
        u /= 10;
        if u == 0 {
            break;
        }
    }
    if neg {
        i -= 1;
        buf[i] = b'-';
    }
    &buf[i..]
}

fn install_sigsys_handler() {
    // SAFETY: a zeroed sigaction is valid; the handler is async-signal-safe.
    unsafe {
        let mut sa: libc::sigaction = std::mem::zeroed();
        sa.sa_sigaction = on_sigsys as *const () as usize;
        sa.sa_flags = libc::SA_SIGINFO;
        libc::sigemptyset(&mut sa.sa_mask);
        libc::sigaction(libc::SIGSYS, &sa, std::ptr::null_mut());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The syscall names the built-in filter of `kind` lists.
    fn allowed(kind: ThreadKind) -> Vec<String> {
        let v: serde_json::Value = serde_json::from_str(DEFAULT_JSON).unwrap();
        v[kind.name()]["filter"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["syscall"].as_str().unwrap().to_string())
            .collect()
    }

    #[test]
    fn builtin_filters_compile() {
        let f = builtin().unwrap();
        for (k, p) in [("vmm", &f.vmm), ("vcpu", &f.vcpu), ("api", &f.api)] {
            assert!(p.len() > 10, "{k} filter is {} instructions", p.len());
        }
        let has = |k, s: &str| allowed(k).iter().any(|x| x == s);
        assert!(has(ThreadKind::Api, "fsync"));
        assert!(!has(ThreadKind::Vcpu, "openat"));
        assert!(!has(ThreadKind::Vmm, "execve"));
        assert!(!has(ThreadKind::Api, "execve"));
    }

    #[test]
    fn fmt_int_writes_decimal() {
        assert_eq!(fmt_int(0, &mut [0; 24]), b"0");
        assert_eq!(fmt_int(257, &mut [0; 24]), b"257");
        assert_eq!(fmt_int(-12, &mut [0; 24]), b"-12");
    }

    /// Runs `f` in a forked child and returns its exit status.
    fn in_child(f: impl FnOnce() -> i32) -> i32 {
        // SAFETY: the child only runs `f` (no locks held by other threads
        // are touched: it makes raw system calls) and exits.
        let pid = unsafe { libc::fork() };
        assert!(pid >= 0);
        if pid == 0 {
            let code = f();
            // SAFETY: ending the forked child.
            unsafe { libc::_exit(code) };
        }
        let mut status = 0;
        // SAFETY: waiting for our own child.
        unsafe { libc::waitpid(pid, &mut status, 0) };
        assert!(libc::WIFEXITED(status), "child status {status:#x}");
        libc::WEXITSTATUS(status)
    }

    #[test]
    fn a_forbidden_call_stops_the_process_and_an_allowed_one_runs() {
        let vcpu = builtin().unwrap().vcpu;
        // An allowed call (getpid) goes through.
        let ok = in_child(|| {
            install_sigsys_handler();
            if seccompiler::apply_filter(&vcpu).is_err() {
                return 3;
            }
            // SAFETY: a raw getpid.
            unsafe { libc::syscall(libc::SYS_getpid) };
            0
        });
        assert_eq!(ok, 0);
        // openat is not a vCPU call: SIGSYS, the handler exits 148.
        let bad = in_child(|| {
            install_sigsys_handler();
            KIND.with(|k| k.set(Some(ThreadKind::Vcpu)));
            if seccompiler::apply_filter(&vcpu).is_err() {
                return 3;
            }
            // SAFETY: a raw openat of a constant path.
            unsafe { libc::syscall(libc::SYS_openat, libc::AT_FDCWD, c"/".as_ptr(), 0) };
            0
        });
        assert_eq!(bad, EXIT_BAD_SYSCALL);
        // A non-KVM ioctl from a vCPU thread is refused too.
        let ioctl = in_child(|| {
            install_sigsys_handler();
            if seccompiler::apply_filter(&vcpu).is_err() {
                return 3;
            }
            let mut ws = [0u16; 4];
            // SAFETY: TIOCGWINSZ into a local buffer.
            unsafe { libc::ioctl(0, libc::TIOCGWINSZ, ws.as_mut_ptr()) };
            0
        });
        assert_eq!(ioctl, EXIT_BAD_SYSCALL);
    }

    #[test]
    fn json_filters_need_all_three_threads() {
        let dir = std::env::temp_dir().join(format!("crvmm-seccomp-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let f = dir.join("f.json");
        let one = r#"{"vmm": {"mismatch_action": "trap", "match_action": "allow", "filter": [{"syscall": "read"}]}}"#;
        std::fs::write(&f, one).unwrap();
        let e = from_json(&f).unwrap_err().to_string();
        assert!(e.contains("no filter named \"vcpu\""), "{e}");
        std::fs::write(&f, "{ not json").unwrap();
        assert!(from_json(&f).is_err());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
