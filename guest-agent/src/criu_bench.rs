//! `criu-bench RUNS` (issue 16 item 5): cr-vmm's checkpoint(2) and
//! restart(2) side by side with CRIU (`criu dump` / `criu restore`, the
//! rootfs's Debian package), on the same workloads in the same guest,
//! alternating which tool goes first, RUNS times each, after one run of
//! each that is not counted (reported as `criu-bench-warm-up:`).
//!
//! Workloads (`crb-work MIB DIR`, this binary):
//! - `small`: 2 threads, 10 open fds (the two FIFOs below, 3 files, a
//!   pipe, /dev/null, /dev/zero, a directory), 1 MiB of dirty heap: a few
//!   MiB resident (printed, and checked to be <= 4 MiB);
//! - `large`: the same with 256 MiB of dirty, incompressible heap.
//!
//! The workload answers on two FIFOs in DIR (the driver keeps both open
//! read-write, so neither side ever sees a hang-up): `p` -> `o` (alive),
//! `c` -> 8 bytes, a checksum of its heap. One measurement:
//! 1. start the workload (its own session, stdio on /dev/null), `p`, `c`;
//! 2. dump, timed from the tool's start to its exit, which kills the
//!    workload: `guest-agent checkpoint --pid P -o IMG --kill` or
//!    `criu dump -t P -D DIR` (both on tmpfs);
//! 3. restore, timed from the tool's start until the restored workload
//!    answers `p`: `guest-agent restart IMG` (it becomes the workload) or
//!    `criu restore -d -D DIR` (which must also exit 0);
//! 4. check: the restored workload has the same checksum, 2 threads and
//!    the same fd count; then it is killed.
//!
//! Prints one line per measurement: `criu-bench: workload=W tool=T run=N
//! rss_kib=.. threads=.. fds=.. image_kib=.. dump_us=.. restore_us=..`;
//! any failed check is an error (naming the tool and its log).

use std::ffi::CString;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Debian's criu (not on init's PATH).
const CRIU: &str = "/usr/sbin/criu";
/// Where images and FIFOs go (tmpfs in the guest).
const DIR: &str = "/tmp/criu-bench";
/// The large workload's heap.
const LARGE_MIB: usize = 256;
/// The small workload's heap, and the most it may have resident.
const SMALL_MIB: usize = 1;
const SMALL_RSS_MAX_KIB: u64 = 4096;
/// How long a restored workload may take to answer.
const ANSWER_WAIT: Duration = Duration::from_secs(120);

fn err(msg: String) -> io::Error {
    io::Error::other(msg)
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Tool {
    CrVmm,
    Criu,
}

impl Tool {
    fn name(self) -> &'static str {
        match self {
            Tool::CrVmm => "crvmm",
            Tool::Criu => "criu",
        }
    }
}

/// The workload: `crb-work MIB DIR`. Never returns.
pub fn work(mib: usize, dir: &Path) -> ! {
    match work_loop(mib, dir) {
        Ok(()) => std::process::exit(0),
        Err(e) => {
            eprintln!("crb-work: {e}");
            std::process::exit(1)
        }
    }
}

fn heap(mib: usize) -> Vec<u64> {
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    (0..(mib << 20) / 8)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        })
        .collect()
}

fn checksum(v: &[u64]) -> u64 {
    v.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, w| {
        (h ^ w).wrapping_mul(0x100_0000_01b3)
    })
}

fn work_loop(mib: usize, dir: &Path) -> io::Result<()> {
    let mem = heap(mib);
    // The FIFOs first (fds 3 and 4), then eight more.
    let mut cmd = File::open(dir.join("in"))?;
    let mut reply = OpenOptions::new().write(true).open(dir.join("out"))?;
    let mut keep: Vec<File> = Vec::new();
    for i in 0..3 {
        let mut f = File::create(dir.join(format!("file-{i}")))?;
        writeln!(f, "file {i}")?;
        keep.push(f);
    }
    let mut fds = [0; 2];
    // SAFETY: pipe writes two fds into the array.
    if unsafe { libc::pipe(fds.as_mut_ptr()) } != 0 {
        return Err(io::Error::last_os_error());
    }
    keep.push(File::open("/dev/null")?);
    keep.push(File::open("/dev/zero")?);
    keep.push(File::open(dir)?);
    std::thread::Builder::new()
        .name("crb-sleeper".into())
        .spawn(|| loop {
            std::thread::sleep(Duration::from_secs(1));
        })?;
    let mut b = [0u8; 1];
    loop {
        match cmd.read(&mut b) {
            Ok(1) => {}
            // A writer may come and go (the driver keeps one).
            Ok(_) => continue,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        }
        match b[0] {
            b'p' => reply.write_all(b"o")?,
            b'c' => reply.write_all(&checksum(&mem).to_le_bytes())?,
            _ => {}
        }
    }
}

/// The driver's ends of the workload's FIFOs, both read-write.
struct Fifos {
    cmd: File,
    reply: File,
}

impl Fifos {
    fn make(dir: &Path) -> io::Result<Self> {
        for name in ["in", "out"] {
            let p = dir.join(name);
            let _ = fs::remove_file(&p);
            let c = CString::new(p.to_string_lossy().as_bytes()).map_err(io::Error::other)?;
            // SAFETY: mkfifo with a NUL-terminated path.
            if unsafe { libc::mkfifo(c.as_ptr(), 0o600) } != 0 {
                return Err(io::Error::last_os_error());
            }
        }
        let open = |name: &str| {
            OpenOptions::new()
                .read(true)
                .write(true)
                .custom_flags(libc::O_CLOEXEC)
                .open(dir.join(name))
        };
        Ok(Fifos {
            cmd: open("in")?,
            reply: open("out")?,
        })
    }

    /// Sends `c` and reads `n` bytes of answer, within `ANSWER_WAIT`.
    fn ask(&mut self, c: u8, n: usize) -> io::Result<Vec<u8>> {
        self.cmd.write_all(&[c])?;
        let mut buf = vec![0u8; n];
        let mut got = 0;
        let deadline = Instant::now() + ANSWER_WAIT;
        while got < n {
            let mut pfd = libc::pollfd {
                fd: std::os::fd::AsRawFd::as_raw_fd(&self.reply),
                events: libc::POLLIN,
                revents: 0,
            };
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(err(format!(
                    "no answer to '{}' in {ANSWER_WAIT:?}",
                    c as char
                )));
            }
            // SAFETY: poll on one valid pollfd.
            let r = unsafe { libc::poll(&mut pfd, 1, left.as_millis().min(1000) as i32 + 1) };
            if r < 0 {
                let e = io::Error::last_os_error();
                if e.kind() == io::ErrorKind::Interrupted {
                    continue;
                }
                return Err(e);
            }
            if r == 1 {
                got += self.reply.read(&mut buf[got..])?;
            }
        }
        Ok(buf)
    }

    fn checksum(&mut self) -> io::Result<u64> {
        let b = self.ask(b'c', 8)?;
        let mut a = [0u8; 8];
        a.copy_from_slice(&b);
        Ok(u64::from_le_bytes(a))
    }
}

/// A field of `/proc/PID/status` (shared with `evloop-bench`).
fn status_field(pid: i32, key: &str) -> io::Result<u64> {
    crate::evloop_bench::status_field(&pid.to_string(), key)
}

fn fd_count(pid: i32) -> io::Result<usize> {
    Ok(fs::read_dir(format!("/proc/{pid}/fd"))?.count())
}

/// What a workload looks like from outside.
#[derive(Debug, PartialEq, Eq)]
struct Shape {
    threads: u64,
    fds: usize,
    sum: u64,
}

fn shape(pid: i32, fifos: &mut Fifos) -> io::Result<Shape> {
    Ok(Shape {
        threads: status_field(pid, "Threads")?,
        fds: fd_count(pid)?,
        sum: fifos.checksum()?,
    })
}

fn kill_and_reap(pid: i32) {
    // SAFETY: kill and a non-blocking waitpid have no memory-safety
    // preconditions.
    unsafe {
        libc::kill(pid, libc::SIGKILL);
    }
    // Ours to reap, or (criu restore -d) init's: wait until it is gone.
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        let mut st = 0;
        // SAFETY: as above.
        unsafe { libc::waitpid(pid, &mut st, libc::WNOHANG) };
        if !Path::new(&format!("/proc/{pid}")).exists() {
            return;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

fn start_workload(exe: &Path, mib: usize, dir: &Path) -> io::Result<i32> {
    let mut c = Command::new(exe);
    c.arg("crb-work")
        .arg(mib.to_string())
        .arg(dir)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    // SAFETY: setsid is async-signal-safe.
    unsafe {
        c.pre_exec(|| {
            libc::setsid();
            Ok(())
        });
    }
    let child = c.spawn()?;
    Ok(child.id() as i32)
}

/// Runs `cmd` to its end; an error with its output if it fails.
fn run(cmd: &mut Command, what: &str) -> io::Result<()> {
    let out = cmd
        .stdin(Stdio::null())
        .output()
        .map_err(|e| err(format!("{what}: {e}")))?;
    if !out.status.success() {
        return Err(err(format!(
            "{what}: {}: {}{}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )));
    }
    Ok(())
}

fn criu_log(dir: &Path, name: &str) -> String {
    let text = fs::read_to_string(dir.join(name)).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(20)..].join("\n")
}

fn dir_bytes(dir: &Path) -> u64 {
    fs::read_dir(dir)
        .map(|d| {
            d.flatten()
                .filter_map(|e| e.metadata().ok())
                .filter(|m| m.is_file())
                .map(|m| m.len())
                .sum()
        })
        .unwrap_or(0)
}

/// A warm-up run (reported apart, not counted) or counted run N.
#[derive(Clone, Copy)]
enum Run {
    WarmUp,
    Counted(u32),
}

/// One dump and restore of a fresh workload with `tool`.
fn measure(exe: &Path, tool: Tool, workload: &str, mib: usize, run_no: Run) -> io::Result<()> {
    let dir = PathBuf::from(DIR).join(format!("{workload}-{}", tool.name()));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir)?;
    let images = dir.join("images");
    fs::create_dir_all(&images)?;
    let mut fifos = Fifos::make(&dir)?;
    let pid = start_workload(exe, mib, &dir)?;
    let result = (|| -> io::Result<()> {
        fifos.ask(b'p', 1)?;
        let before = shape(pid, &mut fifos)?;
        let rss = status_field(pid, "VmRSS")?;
        if workload == "small" && rss > SMALL_RSS_MAX_KIB {
            return Err(err(format!(
                "the small workload has {rss} KiB resident (> {SMALL_RSS_MAX_KIB})"
            )));
        }
        let img = images.join("process.img");
        // Dump: the tool kills the workload; its pid is then free again.
        let t0 = Instant::now();
        match tool {
            Tool::CrVmm => run(
                Command::new(exe)
                    .arg("checkpoint")
                    .arg("--pid")
                    .arg(pid.to_string())
                    .arg("-o")
                    .arg(&img)
                    .arg("--kill"),
                "guest-agent checkpoint",
            )?,
            Tool::Criu => run(
                Command::new(CRIU)
                    .args(["dump", "-v1", "-o", "dump.log", "-t"])
                    .arg(pid.to_string())
                    .arg("-D")
                    .arg(&images),
                "criu dump",
            )
            .map_err(|e| err(format!("{e}\n{}", criu_log(&images, "dump.log"))))?,
        }
        let dump = t0.elapsed();
        kill_and_reap(pid);
        let image_bytes = dir_bytes(&images);
        // Restore: until the restored workload answers.
        let t0 = Instant::now();
        let restorer = match tool {
            Tool::CrVmm => Command::new(exe)
                .arg("restart")
                .arg(&img)
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .spawn()?,
            Tool::Criu => Command::new(CRIU)
                .args(["restore", "-d", "-v1", "-o", "restore.log", "-D"])
                .arg(&images)
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .spawn()?,
        };
        let answered = fifos.ask(b'p', 1);
        let restore = t0.elapsed();
        let restored_pid = match tool {
            Tool::CrVmm => restorer.id() as i32,
            Tool::Criu => pid,
        };
        let mut restorer = restorer;
        if tool == Tool::Criu {
            // CRIU's own verdict: it must have exited 0.
            let st = restorer.wait()?;
            if !st.success() {
                let mut e = String::new();
                if let Some(mut s) = restorer.stderr.take() {
                    let _ = s.read_to_string(&mut e);
                }
                kill_and_reap(restored_pid);
                return Err(err(format!(
                    "criu restore: {st}: {e}\n{}",
                    criu_log(&images, "restore.log")
                )));
            }
        }
        if let Err(e) = answered {
            kill_and_reap(restored_pid);
            let log = match tool {
                Tool::Criu => criu_log(&images, "restore.log"),
                Tool::CrVmm => String::new(),
            };
            return Err(err(format!("{} restore: {e}\n{log}", tool.name())));
        }
        let after = shape(restored_pid, &mut fifos);
        kill_and_reap(restored_pid);
        let after = after?;
        if after != before {
            return Err(err(format!(
                "{} restore: the workload was {before:?} and is {after:?}",
                tool.name()
            )));
        }
        let (prefix, run_no) = match run_no {
            Run::WarmUp => ("criu-bench-warm-up", 0),
            Run::Counted(n) => ("criu-bench", n),
        };
        println!(
            "{prefix}: workload={workload} tool={} run={run_no} rss_kib={rss} threads={} fds={} \
             image_kib={} dump_us={} restore_us={}",
            tool.name(),
            before.threads,
            before.fds,
            image_bytes / 1024,
            dump.as_micros(),
            restore.as_micros()
        );
        Ok(())
    })();
    kill_and_reap(pid);
    let _ = fs::remove_dir_all(&dir);
    result
}

/// `criu-bench RUNS`.
pub fn criu_bench(runs: u32) -> io::Result<()> {
    let exe = std::env::current_exe()?;
    run(
        Command::new(CRIU).arg("--version"),
        "criu --version (is this the rootfs?)",
    )?;
    fs::create_dir_all(DIR)?;
    // CRIU caches what it learns of the kernel (/run/criu.kdat) on its
    // first run: that run is not measured. What it says of the kernel is
    // shown (a missing feature shows up as a failed dump below).
    let check = Command::new(CRIU)
        .arg("check")
        .stdin(Stdio::null())
        .output()?;
    for l in String::from_utf8_lossy(&check.stdout)
        .lines()
        .chain(String::from_utf8_lossy(&check.stderr).lines())
    {
        println!("criu-bench: criu check: {l}");
    }
    for (workload, mib) in [("small", SMALL_MIB), ("large", LARGE_MIB)] {
        // One run of each tool first, not counted: the first run of a
        // workload is the first to touch much of the guest's memory
        // (nested paging faults in every page), whichever tool it is.
        for tool in [Tool::CrVmm, Tool::Criu] {
            measure(&exe, tool, workload, mib, Run::WarmUp)
                .map_err(|e| err(format!("{workload} warm-up with {}: {e}", tool.name())))?;
        }
        for run_no in 0..runs {
            let order = if run_no % 2 == 0 {
                [Tool::CrVmm, Tool::Criu]
            } else {
                [Tool::Criu, Tool::CrVmm]
            };
            for tool in order {
                measure(&exe, tool, workload, mib, Run::Counted(run_no)).map_err(|e| {
                    err(format!("{workload} run {run_no} with {}: {e}", tool.name()))
                })?;
            }
        }
    }
    Ok(())
}
