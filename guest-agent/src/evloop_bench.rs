//! `evloop-bench RUNS [KIB]` (issue 26 item 7): checkpoint and restart
//! of a small server-like process against a plain process with the same
//! anonymous memory, in the same run.
//!
//! Each run starts both workloads in turn (a fork of this agent; the order
//! alternates run by run):
//!
//! - `evloop`: two threads; the main one waits in `epoll_wait()` on 10
//!   files: an eventfd (its worker thread's wake-ups), a periodic 1 ms
//!   `CLOCK_MONOTONIC` timerfd (the tick), an armed one-shot
//!   `CLOCK_BOOTTIME` timerfd (an idle timeout that never fires here), a
//!   signalfd for SIGUSR1, the worker's job pipe (write end,
//!   edge-triggered) and result pipe (read end), and two idle "client"
//!   pipes (both ends each). On every tick it posts a job to the worker,
//!   which answers through the result pipe and the eventfd.
//! - `plain`: one thread and no files but its standard ones and the FIFO;
//!   it sleeps 1 ms between ticks.
//! - `tcp` (issue 29 item 8): the plain workload with 10 established TCP
//!   connections to this process (a peer outside the checkpointed tree);
//!   after each tick it echoes what arrived on them. It is checkpointed
//!   with `KCR_CHECKPOINT_HOLD` and killed with `KCR_CHECKPOINT_KILL`, as
//!   `guest-agent checkpoint --kill` does: its connections are held, then
//!   parked, while it is gone.
//!
//! Both touch heap memory until their anonymous resident memory (what the
//! image holds; the binary's pages come back from the file) reaches `KIB`
//! (4 MiB by default), open the FIFO `/tmp/evloop-bench.fifo` read-write
//! (restart reopens it by path) and write one byte to it on every tick;
//! their standard descriptors are `/dev/null`.
//!
//! For each workload, once it ticks (the event loop once its worker
//! answered), this process measures
//!
//! - `ckpt_us`: from the checkpoint request (the freeze group's creation:
//!   the cgroup v2 freezer, as `guest-agent checkpoint` does) until
//!   checkpoint(2) into a file in /tmp (tmpfs) returned and the file was
//!   synced: the image is complete. The workload is then killed and
//!   reaped (`--kill`). `freeze_us` is the part until the group was
//!   frozen, `group_us` the part of that spent making the group (its
//!   cgroup and moving the workload into it). The FIFO is drained while the workload is frozen, so that no
//!   tick is in the image (restart would write it back).
//! - `rst_us`: from the restart request (opening the image and forking
//!   the restarter, with the original pid, which calls restart(2)) until
//!   the first tick read from the FIFO after restart. A tick is due at
//!   most 1 ms after the process runs again, in both workloads (the
//!   timerfd keeps its time left; the plain one sleeps what was left of
//!   its 1 ms), so both times include on average about half a tick.
//!
//! It then checks that the restored process works: the event loop must
//! report its worker's answer and a SIGUSR1 sent through the signalfd,
//! the plain one must tick again; then it is killed and reaped. One line
//! per workload and run:
//!
//! `evloop-bench: run=N kind=evloop|plain ckpt_us=.. rst_us=.. freeze_us=.. group_us=..
//! rss_kib=.. anon_kib=.. image_bytes=.. threads=.. fds=.. epoll_items=..`
//! (the shape is read from /proc before the checkpoint, and must be the
//! same after restart)
//!
//! For `tcp`, `stall_us` is the peer's view: from the checkpoint request
//! until every connection echoed a byte this process sent it right after
//! the kill (while the connection was parked, so dropped: the peer's
//! kernel sends it again on its retransmission timer); `ckpt_us + rst_us`
//! is the time the connections were held. `stall_us=0` for the others.
//!
//! and `evloop-bench: done runs=N` at the end. The host side
//! (`benches/src/evloop.rs`) computes medians and ratios.

use std::convert::Infallible;
use std::ffi::CString;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Seek, Write};
use std::net::{Ipv4Addr, TcpListener, TcpStream};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::os::unix::fs::OpenOptionsExt;
use std::time::{Duration, Instant};

use crate::cr;

/// The FIFO both workloads tick into.
const FIFO: &str = "/tmp/evloop-bench.fifo";
/// The checkpoint image (one at a time).
const IMAGE: &str = "/tmp/evloop-bench.img";
/// The kernel's log of checkpoint(2) and restart(2) (shown on failure).
const LOG: &str = "/tmp/evloop-bench.log";

/// Anonymous resident memory of each workload, in KiB, unless given.
pub const DEFAULT_RSS_KIB: u64 = 4096;
/// Time between ticks.
const TICK: Duration = Duration::from_millis(1);
/// Files in the event loop's epoll set.
const EPOLL_ITEMS: usize = 10;
/// How long a workload may take to tick: when started, after restart.
const WAIT: Duration = Duration::from_secs(10);
/// How long a restored workload may take to show that it works.
const CHECK_WAIT: Duration = Duration::from_secs(2);

/// The plain workload's tick.
const PLAIN_TICK: u8 = b'p';
/// The TCP workload's tick, and its connections to this process.
const TCP_TICK: u8 = b't';
const TCP_CONNS: usize = 10;
/// How long the peer waits for its echoes after restart (its
/// retransmission timer backs off: 0.2, 0.4, 0.8 ... s).
const ECHO_WAIT: Duration = Duration::from_secs(20);
/// The event loop's tick is `EV_TICK` plus these bits: its worker thread
/// answered (the eventfd), a signal came through the signalfd, since the
/// previous tick.
const EV_TICK: u8 = b'0';
const WORKER_BIT: u8 = 1;
const SIGNAL_BIT: u8 = 2;

/// Exit codes of a workload that failed (after setup its errors cannot
/// be printed: its standard descriptors are /dev/null) and of a
/// restarter whose restart(2) failed.
const EXIT_SETUP: i32 = 1;
const EXIT_WAIT: i32 = 2;
const EXIT_TICK: i32 = 3;
const EXIT_READ: i32 = 4;
const EXIT_RESTART: i32 = 5;

fn exit_reason(code: i32) -> &'static str {
    match code {
        EXIT_SETUP => "its setup failed (see its message above)",
        EXIT_WAIT => "epoll_wait() or nanosleep() failed",
        EXIT_TICK => "writing a tick to the FIFO failed",
        EXIT_READ => "reading one of its files failed",
        EXIT_RESTART => "restart(2) failed",
        _ => "unknown exit code",
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Evloop,
    Plain,
    Tcp,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::Evloop => "evloop",
            Kind::Plain => "plain",
            Kind::Tcp => "tcp",
        }
    }
}

fn err(msg: String) -> io::Error {
    io::Error::other(msg)
}

/// `r` as an fd, or the last OS error with `what`.
fn check(r: libc::c_int, what: &str) -> io::Result<libc::c_int> {
    if r < 0 {
        let e = io::Error::last_os_error();
        return Err(io::Error::new(e.kind(), format!("{what}: {e}")));
    }
    Ok(r)
}

/// Takes ownership of the new fd `r` (or reports the error).
fn owned(r: libc::c_int, what: &str) -> io::Result<OwnedFd> {
    let fd = check(r, what)?;
    // SAFETY: `fd` was just returned by the kernel and nothing else owns it.
    Ok(unsafe { OwnedFd::from_raw_fd(fd) })
}

fn pipe(flags: libc::c_int) -> io::Result<(OwnedFd, OwnedFd)> {
    let mut fds = [0 as RawFd; 2];
    // SAFETY: pipe2 writes two fds into the array.
    check(unsafe { libc::pipe2(fds.as_mut_ptr(), flags) }, "pipe2")?;
    // SAFETY: both fds are new and ours.
    Ok(unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) })
}

fn is_again(e: &io::Error) -> bool {
    e.kind() == io::ErrorKind::WouldBlock
}

/// One `read()` of up to `buf.len()` bytes from a raw fd.
fn read_fd(fd: RawFd, buf: &mut [u8]) -> io::Result<usize> {
    // SAFETY: the kernel writes at most buf.len() bytes into buf.
    let n = unsafe { libc::read(fd, buf.as_mut_ptr().cast(), buf.len()) };
    if n < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(n as usize)
}

/// One `write()` of `buf` to a raw fd.
fn write_fd(fd: RawFd, buf: &[u8]) -> io::Result<usize> {
    // SAFETY: the kernel reads at most buf.len() bytes from buf.
    let n = unsafe { libc::write(fd, buf.as_ptr().cast(), buf.len()) };
    if n < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(n as usize)
}

/// A field of `/proc/PID/status` ("VmRSS", "RssAnon", "Threads"): its
/// first number.
pub(crate) fn status_field(pid: &str, key: &str) -> io::Result<u64> {
    let s = fs::read_to_string(format!("/proc/{pid}/status"))?;
    s.lines()
        .find_map(|l| l.strip_prefix(key)?.strip_prefix(':'))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .ok_or_else(|| err(format!("no {key} in /proc/{pid}/status")))
}

// ---------------------------------------------------------------------
// The workloads (in the forked child)
// ---------------------------------------------------------------------

/// Touches heap memory (xorshift bytes, so every page is present and
/// distinct) until this process's anonymous resident memory (what an
/// image holds: the pages of the binary come back from the file) reaches
/// `target_kib`; returns the memory, which the caller keeps.
fn fill_to(target_kib: u64) -> io::Result<Vec<Vec<u8>>> {
    let mut held = Vec::new();
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    for _ in 0..64 {
        let anon = status_field("self", "RssAnon")?;
        if anon >= target_kib {
            return Ok(held);
        }
        let mut buf = vec![0u8; ((target_kib - anon).max(4) as usize) << 10];
        for chunk in buf.chunks_mut(8) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let b = x.to_le_bytes();
            chunk.copy_from_slice(&b[..chunk.len()]);
        }
        held.push(buf);
    }
    Err(err(format!(
        "the anonymous resident memory does not reach {target_kib} KiB"
    )))
}

/// Closes every fd from 3 on: the workload keeps none of the benchmark's.
fn close_inherited() {
    // SAFETY: close_range only closes descriptors; nothing of this
    // (freshly forked, single-threaded) process uses the ones >= 3.
    let r = unsafe { libc::syscall(libc::SYS_close_range, 3u32, u32::MAX, 0u32) };
    if r != 0 {
        for fd in 3..1024 {
            // SAFETY: as above, for one descriptor.
            unsafe { libc::close(fd) };
        }
    }
}

/// Opens the FIFO read-write and non-blocking, as the workloads hold it.
fn open_fifo() -> io::Result<File> {
    OpenOptions::new()
        .read(true)
        .write(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(FIFO)
        .map_err(|e| err(format!("opening {FIFO}: {e}")))
}

/// Makes /dev/null the standard input, output and error.
fn stdio_to_null() -> io::Result<()> {
    let null = OpenOptions::new()
        .read(true)
        .write(true)
        .open("/dev/null")
        .map_err(|e| err(format!("opening /dev/null: {e}")))?;
    for fd in 0..3 {
        // SAFETY: dup2 onto the standard descriptors; `null` stays open.
        check(unsafe { libc::dup2(null.as_raw_fd(), fd) }, "dup2")?;
    }
    Ok(())
}

/// Writes one tick to the FIFO (a full FIFO, nobody reading, drops it).
fn tick(fifo: RawFd, byte: u8) -> Result<(), i32> {
    match write_fd(fifo, &[byte]) {
        Ok(_) => Ok(()),
        Err(e) if is_again(&e) || e.kind() == io::ErrorKind::Interrupted => Ok(()),
        Err(_) => Err(EXIT_TICK),
    }
}

/// The forked child: runs the workload, never returns.
fn workload(kind: Kind, rss_kib: u64, port: u16) -> ! {
    close_inherited();
    let r = match kind {
        Kind::Evloop => evloop_workload(rss_kib),
        Kind::Plain => plain_workload(rss_kib, &[]),
        Kind::Tcp => tcp_workload(rss_kib, port),
    };
    let code = match r {
        Ok(Err(code)) => code,
        Err(e) => {
            eprintln!("guest-agent: evloop-bench: {} workload: {e}", kind.name());
            EXIT_SETUP
        }
    };
    // SAFETY: _exit ends this process at once (no unwinding into the
    // benchmark's code, whose stack this forked child shares a copy of).
    unsafe { libc::_exit(code) }
}

/// The TCP workload: connects to this process's listener on `port`
/// `TCP_CONNS` times, then runs as the plain one, echoing what arrives.
fn tcp_workload(rss_kib: u64, port: u16) -> io::Result<Result<Infallible, i32>> {
    let mut conns = Vec::with_capacity(TCP_CONNS);
    for _ in 0..TCP_CONNS {
        let c = TcpStream::connect((Ipv4Addr::LOCALHOST, port))
            .map_err(|e| err(format!("connecting to port {port}: {e}")))?;
        c.set_nonblocking(true)?;
        c.set_nodelay(true)?;
        conns.push(c);
    }
    plain_workload(rss_kib, &conns)
}

/// Echoes what arrived on each connection (an error: `EXIT_READ`).
fn echo(conns: &[TcpStream]) -> Result<(), i32> {
    let mut buf = [0u8; 64];
    for mut c in conns {
        match c.read(&mut buf) {
            Ok(0) => return Err(EXIT_READ),
            Ok(n) => {
                if c.write(&buf[..n]).is_err() {
                    return Err(EXIT_READ);
                }
            }
            Err(e) if is_again(&e) || e.kind() == io::ErrorKind::Interrupted => {}
            Err(_) => return Err(EXIT_READ),
        }
    }
    Ok(())
}

/// The plain workload: sets up, then ticks every `TICK` forever (and
/// echoes what arrives on `conns`: the TCP workload); the inner error is
/// the exit code of a failure after setup.
fn plain_workload(rss_kib: u64, conns: &[TcpStream]) -> io::Result<Result<Infallible, i32>> {
    let mem = fill_to(rss_kib)?;
    let fifo = open_fifo()?;
    stdio_to_null()?;
    let byte = if conns.is_empty() {
        PLAIN_TICK
    } else {
        TCP_TICK
    };
    let req = libc::timespec {
        tv_sec: 0,
        tv_nsec: TICK.as_nanos() as libc::c_long,
    };
    loop {
        // What is left of an interrupted sleep (a freeze, a restart) is
        // slept, as a timerfd keeps the time it had left.
        let mut ts = req;
        loop {
            let mut rem = libc::timespec {
                tv_sec: 0,
                tv_nsec: 0,
            };
            // SAFETY: both pointers are to live timespecs.
            if unsafe { libc::nanosleep(&ts, &mut rem) } == 0 {
                break;
            }
            if io::Error::last_os_error().kind() != io::ErrorKind::Interrupted {
                return Ok(Err(EXIT_WAIT));
            }
            ts = rem;
        }
        if let Err(code) = echo(conns).and_then(|()| tick(fifo.as_raw_fd(), byte)) {
            return Ok(Err(code));
        }
        std::hint::black_box(&mem);
    }
}

/// Tokens of the event loop's epoll items.
const T_EVENT: u64 = 1;
const T_TICK: u64 = 2;
const T_IDLE: u64 = 3;
const T_SIGNAL: u64 = 4;
const T_RESULT: u64 = 5;
const T_WRITABLE: u64 = 6;
const T_CLIENT1: u64 = 7;
const T_CLIENT2: u64 = 8;

fn timerfd(clock: libc::clockid_t, value: Duration, interval: Duration) -> io::Result<OwnedFd> {
    // SAFETY: timerfd_create has no memory-safety preconditions.
    let fd = owned(
        unsafe { libc::timerfd_create(clock, libc::TFD_NONBLOCK | libc::TFD_CLOEXEC) },
        "timerfd_create",
    )?;
    let ts = |d: Duration| libc::timespec {
        tv_sec: d.as_secs() as libc::time_t,
        tv_nsec: d.subsec_nanos() as libc::c_long,
    };
    let spec = libc::itimerspec {
        it_interval: ts(interval),
        it_value: ts(value),
    };
    // SAFETY: `spec` is a valid itimerspec; the old value is not asked for.
    let r = unsafe { libc::timerfd_settime(fd.as_raw_fd(), 0, &spec, std::ptr::null_mut()) };
    check(r, "timerfd_settime")?;
    Ok(fd)
}

/// The worker thread: takes a job byte (blocking), answers with a result
/// byte and a wake-up of the event loop's eventfd.
fn worker(jobs: OwnedFd, results: OwnedFd, event: RawFd) -> Result<Infallible, i32> {
    let mut b = [0u8; 1];
    let mut sum: u64 = 0;
    loop {
        match read_fd(jobs.as_raw_fd(), &mut b) {
            Ok(1) => {}
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            _ => return Err(EXIT_READ),
        }
        sum = sum.wrapping_mul(31).wrapping_add(u64::from(b[0]));
        let _ = write_fd(results.as_raw_fd(), &[sum as u8]);
        let _ = write_fd(event, &1u64.to_ne_bytes());
    }
}

/// The event-loop workload (see the module comment); the inner error is
/// the exit code of a failure after setup.
fn evloop_workload(rss_kib: u64) -> io::Result<Result<Infallible, i32>> {
    // SIGUSR1 is read through the signalfd: blocked in both threads (the
    // worker inherits the mask).
    // SAFETY: sigset_t is plain data; sigemptyset initializes it.
    let mut set: libc::sigset_t = unsafe { std::mem::zeroed() };
    // SAFETY: `set` is a valid sigset_t; the old mask is not asked for.
    unsafe {
        libc::sigemptyset(&mut set);
        libc::sigaddset(&mut set, libc::SIGUSR1);
        if libc::pthread_sigmask(libc::SIG_BLOCK, &set, std::ptr::null_mut()) != 0 {
            return Err(err("pthread_sigmask failed".into()));
        }
    }
    // SAFETY: `set` is a valid sigset_t for the call.
    let sfd = owned(
        unsafe { libc::signalfd(-1, &set, libc::SFD_NONBLOCK | libc::SFD_CLOEXEC) },
        "signalfd",
    )?;
    // SAFETY: eventfd has no memory-safety preconditions.
    let event = owned(
        unsafe { libc::eventfd(0, libc::EFD_NONBLOCK | libc::EFD_CLOEXEC) },
        "eventfd",
    )?;
    let ticker = timerfd(libc::CLOCK_MONOTONIC, TICK, TICK)?;
    let idle = timerfd(
        libc::CLOCK_BOOTTIME,
        Duration::from_secs(3600),
        Duration::ZERO,
    )?;
    // The worker blocks reading jobs; the loop never blocks writing them.
    let (job_r, job_w) = pipe(libc::O_CLOEXEC)?;
    // SAFETY: fcntl on our own fd with integer arguments.
    let r = unsafe { libc::fcntl(job_w.as_raw_fd(), libc::F_SETFL, libc::O_NONBLOCK) };
    check(r, "fcntl")?;
    let (res_r, res_w) = pipe(libc::O_CLOEXEC | libc::O_NONBLOCK)?;
    let (c1_r, c1_w) = pipe(libc::O_CLOEXEC | libc::O_NONBLOCK)?;
    let (c2_r, c2_w) = pipe(libc::O_CLOEXEC | libc::O_NONBLOCK)?;
    // SAFETY: epoll_create1 has no memory-safety preconditions.
    let ep = owned(
        unsafe { libc::epoll_create1(libc::EPOLL_CLOEXEC) },
        "epoll_create1",
    )?;
    let (inp, out_et) = (
        libc::EPOLLIN as u32,
        (libc::EPOLLOUT | libc::EPOLLET) as u32,
    );
    let items: [(RawFd, u32, u64); EPOLL_ITEMS] = [
        (event.as_raw_fd(), inp, T_EVENT),
        (ticker.as_raw_fd(), inp, T_TICK),
        (idle.as_raw_fd(), inp, T_IDLE),
        (sfd.as_raw_fd(), inp, T_SIGNAL),
        (res_r.as_raw_fd(), inp, T_RESULT),
        (job_w.as_raw_fd(), out_et, T_WRITABLE),
        (c1_r.as_raw_fd(), inp, T_CLIENT1),
        (c1_w.as_raw_fd(), out_et, T_WRITABLE),
        (c2_r.as_raw_fd(), inp | libc::EPOLLET as u32, T_CLIENT2),
        (c2_w.as_raw_fd(), out_et, T_WRITABLE),
    ];
    for (fd, events, token) in items {
        let mut ev = libc::epoll_event { events, u64: token };
        // SAFETY: `ev` is a valid epoll_event for the call.
        let r = unsafe { libc::epoll_ctl(ep.as_raw_fd(), libc::EPOLL_CTL_ADD, fd, &mut ev) };
        check(r, "epoll_ctl")?;
    }
    let event_fd = event.as_raw_fd();
    std::thread::Builder::new()
        .name("evloop-worker".into())
        .spawn(move || {
            let Err(code) = worker(job_r, res_w, event_fd);
            // SAFETY: ends the process (a dead worker is a failure the
            // benchmark must see, not a quiet one-threaded process).
            unsafe { libc::_exit(code) }
        })
        .map_err(|e| err(format!("starting the worker thread: {e}")))?;
    let mem = fill_to(rss_kib)?;
    let fifo = open_fifo()?;
    stdio_to_null()?;

    let mut evs = [libc::epoll_event { events: 0, u64: 0 }; 16];
    let mut buf = [0u8; 256];
    let mut bits = 0u8;
    loop {
        // SAFETY: the kernel writes at most evs.len() events into evs.
        let n = unsafe { libc::epoll_wait(ep.as_raw_fd(), evs.as_mut_ptr(), evs.len() as i32, -1) };
        if n < 0 {
            // A freeze (and so a checkpoint or restart) interrupts it.
            if io::Error::last_os_error().kind() == io::ErrorKind::Interrupted {
                continue;
            }
            return Ok(Err(EXIT_WAIT));
        }
        for ev in &evs[..n as usize] {
            let token = ev.u64;
            let fd = match token {
                T_TICK => ticker.as_raw_fd(),
                T_EVENT => event_fd,
                T_IDLE => idle.as_raw_fd(),
                T_SIGNAL => sfd.as_raw_fd(),
                T_RESULT => res_r.as_raw_fd(),
                T_CLIENT1 => c1_r.as_raw_fd(),
                T_CLIENT2 => c2_r.as_raw_fd(),
                // The write ends (edge-triggered): room to write, unused.
                _ => continue,
            };
            let got = match read_fd(fd, &mut buf) {
                Ok(n) => n,
                Err(e) if is_again(&e) || e.kind() == io::ErrorKind::Interrupted => 0,
                Err(_) => return Ok(Err(EXIT_READ)),
            };
            if got == 0 {
                continue;
            }
            match token {
                T_TICK => {
                    // A job for the worker (if its pipe is full, the
                    // worker is behind: skip one).
                    let _ = write_fd(job_w.as_raw_fd(), b"j");
                    if let Err(code) = tick(fifo.as_raw_fd(), EV_TICK + bits) {
                        return Ok(Err(code));
                    }
                    bits = 0;
                    std::hint::black_box(&mem);
                }
                T_EVENT => bits |= WORKER_BIT,
                T_SIGNAL => bits |= SIGNAL_BIT,
                _ => {}
            }
        }
    }
}

// ---------------------------------------------------------------------
// The benchmark
// ---------------------------------------------------------------------

/// How a process ended, for messages.
fn describe(status: libc::c_int) -> String {
    if libc::WIFEXITED(status) {
        let code = libc::WEXITSTATUS(status);
        format!("exited with status {code}: {}", exit_reason(code))
    } else if libc::WIFSIGNALED(status) {
        format!("was killed by signal {}", libc::WTERMSIG(status))
    } else {
        format!("ended with wait status {status:#x}")
    }
}

/// A child of this process: killed and reaped when dropped.
struct Child {
    pid: i32,
    reaped: bool,
}

impl Child {
    fn new(pid: i32) -> Self {
        Child { pid, reaped: false }
    }

    /// Its wait status if it has ended (and is now reaped).
    fn ended(&mut self) -> io::Result<Option<libc::c_int>> {
        if self.reaped {
            return Ok(Some(0));
        }
        let mut status = 0;
        // SAFETY: waitpid on our own child; only writes `status`.
        let r = unsafe { libc::waitpid(self.pid, &mut status, libc::WNOHANG) };
        if r < 0 {
            return Err(err(format!(
                "waitpid({}): {}",
                self.pid,
                io::Error::last_os_error()
            )));
        }
        if r == 0 {
            return Ok(None);
        }
        self.reaped = true;
        Ok(Some(status))
    }

    /// Waits for it to end (already reaped elsewhere: done).
    fn reap(&mut self) -> io::Result<()> {
        while !self.reaped {
            let mut status = 0;
            // SAFETY: waitpid on our own child; only writes `status`.
            let r = unsafe { libc::waitpid(self.pid, &mut status, 0) };
            if r < 0 {
                let e = io::Error::last_os_error();
                match e.raw_os_error() {
                    Some(libc::EINTR) => continue,
                    // Reaped already (FreezeGroup::finish may have).
                    Some(libc::ECHILD) => {}
                    _ => return Err(err(format!("waitpid({}): {e}", self.pid))),
                }
            }
            self.reaped = true;
        }
        Ok(())
    }

    /// Kills it and reaps it; an error if it had ended already.
    fn kill(&mut self, what: &str) -> io::Result<()> {
        if let Some(st) = self.ended()? {
            return Err(err(format!("the {what} {}", describe(st))));
        }
        // SAFETY: kill has no memory-safety preconditions; `pid` is our
        // child, not reaped yet.
        unsafe { libc::kill(self.pid, libc::SIGKILL) };
        self.reap()
    }
}

impl Drop for Child {
    fn drop(&mut self) {
        if !self.reaped {
            // SAFETY: as in kill().
            unsafe { libc::kill(self.pid, libc::SIGKILL) };
            let _ = self.reap();
        }
    }
}

/// The benchmark's end of the FIFO (read-write: always a writer, so no
/// end-of-file while no workload holds it).
struct Fifo(File);

impl Fifo {
    /// Reads whatever is buffered.
    fn drain(&mut self) -> io::Result<()> {
        let mut buf = [0u8; 4096];
        loop {
            match self.0.read(&mut buf) {
                Ok(0) => return Ok(()),
                Ok(_) => {}
                Err(e) if is_again(&e) => return Ok(()),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(err(format!("reading {FIFO}: {e}"))),
            }
        }
    }

    /// The next tick, waiting at most `timeout`; `None` if none came.
    fn next(&mut self, timeout: Duration) -> io::Result<Option<u8>> {
        let mut p = libc::pollfd {
            fd: self.0.as_raw_fd(),
            events: libc::POLLIN,
            revents: 0,
        };
        let ms = timeout.as_millis().clamp(1, 1000) as libc::c_int;
        // SAFETY: `p` is one valid pollfd.
        let r = unsafe { libc::poll(&mut p, 1, ms) };
        if r < 0 {
            let e = io::Error::last_os_error();
            if e.kind() == io::ErrorKind::Interrupted {
                return Ok(None);
            }
            return Err(err(format!("poll({FIFO}): {e}")));
        }
        if r == 0 {
            return Ok(None);
        }
        let mut b = [0u8; 1];
        match self.0.read(&mut b) {
            Ok(1) => Ok(Some(b[0])),
            Ok(_) => Err(err(format!("{FIFO}: end of file"))),
            Err(e) if is_again(&e) || e.kind() == io::ErrorKind::Interrupted => Ok(None),
            Err(e) => Err(err(format!("reading {FIFO}: {e}"))),
        }
    }

    /// Waits for ticks of `kind` from `child` until `done` says so (given
    /// the bits seen so far); `what` names the wait for messages.
    fn wait_until(
        &mut self,
        kind: Kind,
        child: &mut Child,
        within: Duration,
        what: &str,
        done: impl Fn(u8, usize) -> bool,
    ) -> io::Result<u8> {
        let deadline = Instant::now() + within;
        let (mut bits, mut ticks) = (0u8, 0usize);
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.next(left.min(Duration::from_millis(50)))? {
                Some(b) => {
                    bits |= tick_bits(kind, b)?;
                    ticks += 1;
                    if done(bits, ticks) {
                        return Ok(bits);
                    }
                }
                None => {
                    if let Some(st) = child.ended()? {
                        return Err(err(format!(
                            "the {} workload {} ({what})",
                            kind.name(),
                            describe(st)
                        )));
                    }
                }
            }
            if left.is_zero() {
                return Err(err(format!(
                    "the {} workload: {what}: not within {:.1} s ({ticks} ticks, bits {bits:#x})",
                    kind.name(),
                    within.as_secs_f64()
                )));
            }
        }
    }
}

/// The bits of a tick of `kind` (0 for a plain tick); an error for a byte
/// that is no tick of it.
fn tick_bits(kind: Kind, b: u8) -> io::Result<u8> {
    match kind {
        Kind::Plain if b == PLAIN_TICK => Ok(0),
        Kind::Tcp if b == TCP_TICK => Ok(0),
        Kind::Evloop if (EV_TICK..=EV_TICK + (WORKER_BIT | SIGNAL_BIT)).contains(&b) => {
            Ok(b - EV_TICK)
        }
        _ => Err(err(format!(
            "the {} workload wrote {b:#04x}, not a tick",
            kind.name()
        ))),
    }
}

/// What the workload looks like from /proc.
#[derive(Debug, Default, PartialEq, Eq)]
struct Shape {
    rss_kib: u64,
    anon_kib: u64,
    threads: u64,
    fds: usize,
    epoll_items: usize,
}

fn shape(pid: i32) -> io::Result<Shape> {
    let p = pid.to_string();
    let mut s = Shape {
        rss_kib: status_field(&p, "VmRSS")?,
        anon_kib: status_field(&p, "RssAnon")?,
        threads: status_field(&p, "Threads")?,
        ..Shape::default()
    };
    for d in fs::read_dir(format!("/proc/{pid}/fd"))? {
        let d = d?;
        s.fds += 1;
        let target = fs::read_link(d.path()).unwrap_or_default();
        if target.to_string_lossy() == "anon_inode:[eventpoll]" {
            let info = fs::read_to_string(format!(
                "/proc/{pid}/fdinfo/{}",
                d.file_name().to_string_lossy()
            ))?;
            s.epoll_items += info.lines().filter(|l| l.starts_with("tfd:")).count();
        }
    }
    Ok(s)
}

/// Checks that `s` is what a workload of `kind` must look like.
fn check_shape(kind: Kind, s: &Shape, when: &str) -> io::Result<()> {
    let (threads, items) = match kind {
        Kind::Evloop => (2, EPOLL_ITEMS),
        Kind::Plain | Kind::Tcp => (1, 0),
    };
    if s.threads != threads || s.epoll_items != items {
        return Err(err(format!(
            "the {} workload {when} has {} threads and {} epoll items, not {threads} and {items}",
            kind.name(),
            s.threads,
            s.epoll_items
        )));
    }
    Ok(())
}

/// `e` with the end of the kernel's log.
fn with_log(e: io::Error, log: &mut File) -> io::Error {
    let mut text = String::new();
    let _ = log.rewind().and_then(|()| log.read_to_string(&mut text));
    let tail: Vec<&str> = text.lines().rev().take(5).collect();
    if tail.is_empty() {
        return e;
    }
    let tail: Vec<&str> = tail.into_iter().rev().collect();
    err(format!("{e}; kernel log: {}", tail.join(" | ")))
}

fn clear_log(log: &File) -> io::Result<()> {
    log.set_len(0)
        .map_err(|e| err(format!("truncating {LOG}: {e}")))
}

/// Starts a workload of `kind` (a fork of this process).
fn start(kind: Kind, rss_kib: u64, port: u16) -> io::Result<Child> {
    let _ = io::stdout().flush();
    let _ = io::stderr().flush();
    // SAFETY: this process is single-threaded (the benchmark starts no
    // thread), so the child may do anything; it runs `workload`, which
    // never returns.
    let pid = unsafe { libc::fork() };
    if pid < 0 {
        return Err(err(format!("fork: {}", io::Error::last_os_error())));
    }
    if pid == 0 {
        workload(kind, rss_kib, port);
    }
    Ok(Child::new(pid))
}

/// One measurement of one workload.
struct Sample {
    ckpt: Duration,
    freeze: Duration,
    group: Duration,
    rst: Duration,
    /// The TCP workload: the peer's stall (see the module comment).
    stall: Duration,
    image_bytes: u64,
    shape: Shape,
}

/// Checkpoints the workload `child` (killed and reaped afterwards) with
/// checkpoint(2) options `opts`: (the request's time, until frozen, until
/// the image is complete, image size, the part of the first spent making
/// the freeze group).
fn timed_checkpoint(
    child: &mut Child,
    fifo: &mut Fifo,
    log: &mut File,
    opts: libc::c_long,
) -> io::Result<(Instant, Duration, Duration, u64, Duration)> {
    let pid = child.pid;
    // Created before the request: a new empty file (the previous image is
    // removed after each restart).
    let img = File::create(IMAGE).map_err(|e| err(format!("creating {IMAGE}: {e}")))?;
    clear_log(log)?;
    let t0 = Instant::now();
    let group = cr::FreezeGroup::new(pid)?;
    let made = t0.elapsed();
    group.set_frozen_every(true, Duration::ZERO)?;
    let freeze = t0.elapsed();
    // No tick in the image (restart would write it back into the FIFO).
    fifo.drain()?;
    cr::checkpoint_fd(pid, img.as_raw_fd(), log.as_raw_fd(), opts).map_err(|e| with_log(e, log))?;
    img.sync_all()?;
    let ckpt = t0.elapsed();
    let bytes = img.metadata()?.len();
    drop(img);
    group.finish(cr::After::Kill)?;
    child.reap()?;
    Ok((t0, freeze, ckpt, bytes, made))
}

/// Restarts the image of the workload that was `pid`: (the restored
/// process, the time until its first tick).
fn timed_restart(
    pid: i32,
    kind: Kind,
    fifo: &mut Fifo,
    log: &mut File,
) -> io::Result<(Child, Duration)> {
    clear_log(log)?;
    fifo.drain()?;
    let t0 = Instant::now();
    let img = File::open(IMAGE).map_err(|e| err(format!("opening {IMAGE}: {e}")))?;
    let _ = io::stdout().flush();
    // SAFETY: this process is single-threaded, and the child only makes
    // the restart system call and _exit. The original pid is free (its
    // process was reaped); if it cannot be had, any pid does.
    let r = match unsafe { cr::clone_with_pid(pid, 0) } {
        Ok(p) => Ok(p),
        // SAFETY: as above.
        Err(_) => unsafe { cr::clone_with_pid(0, 0) },
    };
    let new = r.map_err(|e| err(format!("forking the restarter: {e}")))?;
    if new == 0 {
        // SAFETY: a raw system call with integer arguments; on success
        // this process continues as the restored one and never returns
        // here; otherwise it ends at once.
        unsafe {
            libc::syscall(
                cr::NR_RESTART,
                0 as libc::c_long,
                img.as_raw_fd() as libc::c_long,
                0 as libc::c_long,
                log.as_raw_fd() as libc::c_long,
            );
            libc::_exit(EXIT_RESTART)
        }
    }
    drop(img);
    let mut restored = Child::new(new);
    fifo.wait_until(
        kind,
        &mut restored,
        WAIT,
        "first tick after restart",
        |_, _| true,
    )
    .map_err(|e| with_log(e, log))?;
    Ok((restored, t0.elapsed()))
}

/// Checks that the restored workload works: the event loop reports its
/// worker's answer and a SIGUSR1 through its signalfd, the plain one ticks
/// twice more. Then checks its shape against `before`.
fn check_restored(
    kind: Kind,
    restored: &mut Child,
    fifo: &mut Fifo,
    before: &Shape,
) -> io::Result<()> {
    match kind {
        Kind::Evloop => {
            // SAFETY: kill has no memory-safety preconditions; the pid is
            // our child, not reaped.
            if unsafe { libc::kill(restored.pid, libc::SIGUSR1) } != 0 {
                return Err(err(format!(
                    "SIGUSR1 to the restored workload: {}",
                    io::Error::last_os_error()
                )));
            }
            let want = WORKER_BIT | SIGNAL_BIT;
            fifo.wait_until(
                kind,
                restored,
                CHECK_WAIT,
                "after restart, its worker's answer and SIGUSR1 through the signalfd",
                |bits, _| bits & want == want,
            )?;
        }
        Kind::Plain | Kind::Tcp => {
            fifo.wait_until(kind, restored, CHECK_WAIT, "ticks after restart", |_, n| {
                n >= 2
            })?;
        }
    }
    let after = shape(restored.pid)?;
    check_shape(kind, &after, "after restart")?;
    if after.fds != before.fds {
        return Err(err(format!(
            "the {} workload had {} fds, and {} after restart",
            kind.name(),
            before.fds,
            after.fds
        )));
    }
    Ok(())
}

/// The TCP workload's `TCP_CONNS` connections, accepted from `listener`.
fn accept_conns(listener: &TcpListener, child: &mut Child) -> io::Result<Vec<TcpStream>> {
    let deadline = Instant::now() + WAIT;
    let mut peers = Vec::with_capacity(TCP_CONNS);
    while peers.len() < TCP_CONNS {
        match listener.accept() {
            Ok((c, _)) => {
                c.set_nonblocking(true)?;
                c.set_nodelay(true)?;
                peers.push(c);
            }
            Err(e) if is_again(&e) => {
                if let Some(st) = child.ended()? {
                    return Err(err(format!("the tcp workload {}", describe(st))));
                }
                if Instant::now() > deadline {
                    return Err(err(format!(
                        "the tcp workload made {} of {TCP_CONNS} connections",
                        peers.len()
                    )));
                }
                std::thread::sleep(Duration::from_millis(1));
            }
            Err(e) => return Err(err(format!("accept: {e}"))),
        }
    }
    Ok(peers)
}

/// Sends `byte` on every connection.
fn send_all(peers: &mut [TcpStream], byte: u8) -> io::Result<()> {
    for p in peers.iter_mut() {
        p.write_all(&[byte])
            .map_err(|e| err(format!("sending to the tcp workload: {e}")))?;
    }
    Ok(())
}

/// Waits until every connection has echoed `byte` (nothing else may come:
/// no byte lost or doubled, no reset), within `within`.
fn echoes(peers: &mut [TcpStream], byte: u8, within: Duration, what: &str) -> io::Result<()> {
    let deadline = Instant::now() + within;
    let mut done = vec![false; peers.len()];
    while done.iter().any(|d| !d) {
        for (p, d) in peers.iter_mut().zip(done.iter_mut()).filter(|(_, d)| !**d) {
            let mut b = [0u8; 8];
            match p.read(&mut b) {
                Ok(1) if b[0] == byte => *d = true,
                Ok(0) => return Err(err(format!("{what}: the connection ended"))),
                Ok(n) => {
                    return Err(err(format!(
                        "{what}: got {:?}, not one {byte:#04x}",
                        &b[..n]
                    )))
                }
                Err(e) if is_again(&e) || e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(err(format!("{what}: {e}"))),
            }
        }
        if Instant::now() > deadline {
            let n = done.iter().filter(|d| **d).count();
            return Err(err(format!(
                "{what}: {n} of {} echoes within {:.1} s",
                peers.len(),
                within.as_secs_f64()
            )));
        }
        std::thread::sleep(Duration::from_micros(200));
    }
    Ok(())
}

/// One workload of `kind`: started, checkpointed, killed, restarted,
/// checked, killed.
fn measure(
    kind: Kind,
    rss_kib: u64,
    fifo: &mut Fifo,
    log: &mut File,
    listener: &TcpListener,
) -> io::Result<Sample> {
    fifo.drain()?;
    let port = listener.local_addr()?.port();
    let mut child = start(kind, rss_kib, port)?;
    let mut peers = match kind {
        Kind::Tcp => accept_conns(listener, &mut child)?,
        _ => Vec::new(),
    };
    // Running: the event loop once its worker answered.
    fifo.wait_until(kind, &mut child, WAIT, "ticking after start", |bits, n| {
        kind != Kind::Evloop || (bits & WORKER_BIT != 0 && n >= 2)
    })?;
    let before = shape(child.pid)?;
    check_shape(kind, &before, "before the checkpoint")?;
    // The connections work before the checkpoint.
    send_all(&mut peers, b'a')?;
    echoes(&mut peers, b'a', WAIT, "echo before the checkpoint")?;
    let opts = if kind == Kind::Tcp {
        cr::CHECKPOINT_HOLD
    } else {
        0
    };
    let (t0, freeze, ckpt, image_bytes, group) = timed_checkpoint(&mut child, fifo, log, opts)?;
    // Sent while the workload is gone: its connections are parked, so
    // this is dropped, and sent again by this side's kernel.
    send_all(&mut peers, b'b')?;
    let (mut restored, rst) = timed_restart(child.pid, kind, fifo, log)?;
    echoes(
        &mut peers,
        b'b',
        ECHO_WAIT,
        "echo of what was sent while it was gone",
    )
    .map_err(|e| with_log(e, log))?;
    let stall = if peers.is_empty() {
        Duration::ZERO
    } else {
        t0.elapsed()
    };
    check_restored(kind, &mut restored, fifo, &before)?;
    send_all(&mut peers, b'c')?;
    echoes(&mut peers, b'c', CHECK_WAIT, "echo after restart")?;
    restored.kill("restored workload")?;
    let _ = fs::remove_file(IMAGE);
    Ok(Sample {
        ckpt,
        freeze,
        group,
        rst,
        stall,
        image_bytes,
        shape: before,
    })
}

/// The line printed for one sample (parsed by `benches/src/evloop.rs`).
fn line(run: u32, kind: Kind, s: &Sample) -> String {
    format!(
        "evloop-bench: run={run} kind={} ckpt_us={} rst_us={} freeze_us={} group_us={} \
         stall_us={} rss_kib={} anon_kib={} \
         image_bytes={} threads={} fds={} epoll_items={}",
        kind.name(),
        s.ckpt.as_micros(),
        s.rst.as_micros(),
        s.freeze.as_micros(),
        s.group.as_micros(),
        s.stall.as_micros(),
        s.shape.rss_kib,
        s.shape.anon_kib,
        s.image_bytes,
        s.shape.threads,
        s.shape.fds,
        s.shape.epoll_items
    )
}

/// Runs the benchmark (`runs` runs of both workloads, alternating which
/// goes first); prints `evloop-bench:` lines.
pub fn evloop_bench(runs: u32, rss_kib: u64) -> io::Result<()> {
    let path = CString::new(FIFO).map_err(|e| err(e.to_string()))?;
    let _ = fs::remove_file(FIFO);
    // SAFETY: `path` is a NUL-terminated string.
    check(unsafe { libc::mkfifo(path.as_ptr(), 0o600) }, "mkfifo")?;
    let result = (|| -> io::Result<()> {
        let mut fifo = Fifo(
            OpenOptions::new()
                .read(true)
                .write(true)
                .custom_flags(libc::O_NONBLOCK | libc::O_CLOEXEC)
                .open(FIFO)
                .map_err(|e| err(format!("opening {FIFO}: {e}")))?,
        );
        let mut log = OpenOptions::new()
            .read(true)
            .append(true)
            .create(true)
            .truncate(false)
            .custom_flags(libc::O_CLOEXEC)
            .open(LOG)
            .map_err(|e| err(format!("opening {LOG}: {e}")))?;
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
            .map_err(|e| err(format!("listening on 127.0.0.1: {e}")))?;
        listener.set_nonblocking(true)?;
        println!(
            "evloop-bench: {runs} runs, anonymous RSS {rss_kib} KiB, {EPOLL_ITEMS} epoll items, \
             {TCP_CONNS} TCP connections, tick {} us",
            TICK.as_micros()
        );
        let kinds = [Kind::Evloop, Kind::Plain, Kind::Tcp];
        for run in 0..runs {
            // Each kind goes first, second and third in turn.
            let order = [0, 1, 2].map(|i| kinds[(i + run as usize) % kinds.len()]);
            for kind in order {
                let s = measure(kind, rss_kib, &mut fifo, &mut log, &listener)
                    .map_err(|e| err(format!("run {run}, {} workload: {e}", kind.name())))?;
                println!("{}", line(run, kind, &s));
            }
        }
        println!("evloop-bench: done runs={runs}");
        Ok(())
    })();
    for f in [FIFO, IMAGE, LOG] {
        let _ = fs::remove_file(f);
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks() {
        assert_eq!(tick_bits(Kind::Plain, b'p').ok(), Some(0));
        assert!(tick_bits(Kind::Plain, b'0').is_err());
        assert_eq!(tick_bits(Kind::Evloop, b'0').ok(), Some(0));
        assert_eq!(
            tick_bits(Kind::Evloop, b'3').ok(),
            Some(WORKER_BIT | SIGNAL_BIT)
        );
        assert!(tick_bits(Kind::Evloop, b'4').is_err());
        assert!(tick_bits(Kind::Evloop, b'p').is_err());
        assert_eq!(tick_bits(Kind::Tcp, b't').ok(), Some(0));
        assert!(tick_bits(Kind::Tcp, b'p').is_err());
    }

    #[test]
    fn lines() {
        let s = Sample {
            ckpt: Duration::from_micros(1500),
            freeze: Duration::from_micros(200),
            group: Duration::from_micros(120),
            rst: Duration::from_micros(2500),
            stall: Duration::ZERO,
            image_bytes: 4_300_000,
            shape: Shape {
                rss_kib: 5200,
                anon_kib: 4100,
                threads: 2,
                fds: 16,
                epoll_items: 10,
            },
        };
        assert_eq!(
            line(3, Kind::Evloop, &s),
            "evloop-bench: run=3 kind=evloop ckpt_us=1500 rst_us=2500 freeze_us=200 group_us=120 \
             stall_us=0 rss_kib=5200 anon_kib=4100 image_bytes=4300000 threads=2 fds=16 epoll_items=10"
        );
    }

    #[test]
    fn exit_codes_are_named() {
        for c in [EXIT_SETUP, EXIT_WAIT, EXIT_TICK, EXIT_READ, EXIT_RESTART] {
            assert_ne!(exit_reason(c), "unknown exit code");
        }
    }
}
