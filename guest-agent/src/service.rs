//! `guest-agent serve`: the vsock service the host's `cr-vmm` commands talk
//! to (protocol in [`agent_proto`] and `docs/agent-protocol.md`).
//! One thread per connection; a connection carries any number of requests.

use std::fs::{self, File};
use std::io::{self, Read, Write};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::os::unix::process::CommandExt;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};

use agent_proto::{self as proto, After, ErrorCode, Frame, ProcInfo, Reply, Request};

use crate::cr;

/// Exit status meaning "no vsock device": init does not restart the agent.
pub const EXIT_NO_VSOCK: i32 = 3;
/// Most bytes of output `exec` returns per stream.
const MAX_OUTPUT: usize = 1 << 20;

type Shared = Arc<Mutex<String>>;

fn fail(code: ErrorCode, message: impl Into<String>) -> Reply {
    Reply::Error {
        code,
        message: message.into(),
    }
}

/// Whether the guest has a virtio vsock device (virtio device ID 19).
fn have_vsock_device() -> bool {
    let Ok(dir) = fs::read_dir("/sys/bus/virtio/devices") else {
        return false;
    };
    dir.flatten().any(|d| {
        fs::read_to_string(d.path().join("device"))
            .map(|s| s.trim() == "0x0013")
            .unwrap_or(false)
    })
}

fn vsock_listen(port: u32) -> io::Result<OwnedFd> {
    // SAFETY: plain socket(2) call; the result is checked.
    let fd = unsafe { libc::socket(libc::AF_VSOCK, libc::SOCK_STREAM | libc::SOCK_CLOEXEC, 0) };
    if fd < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: `fd` is a new socket we own.
    let sock = unsafe { OwnedFd::from_raw_fd(fd) };
    // SAFETY: sockaddr_vm is plain data; all-zero is a valid start.
    let mut addr: libc::sockaddr_vm = unsafe { std::mem::zeroed() };
    addr.svm_family = libc::AF_VSOCK as libc::sa_family_t;
    addr.svm_port = port;
    addr.svm_cid = libc::VMADDR_CID_ANY;
    // SAFETY: `addr` is a valid sockaddr_vm of the size passed.
    let r = unsafe {
        libc::bind(
            sock.as_raw_fd(),
            std::ptr::addr_of!(addr).cast(),
            std::mem::size_of::<libc::sockaddr_vm>() as libc::socklen_t,
        )
    };
    if r != 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: listen on our socket.
    if unsafe { libc::listen(sock.as_raw_fd(), 64) } != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(sock)
}

/// Serves until the listening socket fails. Returns the exit status.
pub fn serve(port: u32) -> i32 {
    if !have_vsock_device() {
        return EXIT_NO_VSOCK;
    }
    let listener = match vsock_listen(port) {
        Ok(l) => l,
        Err(e) => {
            eprintln!("crvmm-agent: cannot listen on vsock port {port}: {e}");
            return 1;
        }
    };
    bounded_heap();
    let stale = cr::cleanup_stale_groups();
    if stale > 0 {
        println!("crvmm-agent: thawed {stale} process group(s) left frozen by a previous agent");
    }
    println!("crvmm-agent: listening on vsock port {port}");
    let last_log: Shared = Arc::new(Mutex::new(String::new()));
    loop {
        // SAFETY: accept on our listening socket; peer address not needed.
        let fd = unsafe {
            libc::accept4(
                listener.as_raw_fd(),
                std::ptr::null_mut(),
                std::ptr::null_mut(),
                libc::SOCK_CLOEXEC,
            )
        };
        if fd < 0 {
            let e = io::Error::last_os_error();
            if e.kind() == io::ErrorKind::Interrupted {
                continue;
            }
            eprintln!("crvmm-agent: accept: {e}");
            return 1;
        }
        // SAFETY: accept4 returned a new fd we own.
        let conn = File::from(unsafe { OwnedFd::from_raw_fd(fd) });
        let log = last_log.clone();
        if let Err(e) = std::thread::Builder::new()
            .name("conn".into())
            .spawn(move || connection(conn, log))
        {
            eprintln!("crvmm-agent: cannot start a connection thread: {e}");
        }
    }
}

/// The agent runs for the life of the guest and starts a thread per
/// connection. glibc's defaults would give those threads arenas of their
/// own and, once a large image frame is freed, keep later ones of that
/// size in the heap instead of mapping them: resident memory then creeps
/// up with every connection. One arena and a fixed mmap threshold keep
/// it flat (the agent's allocations are few and far from hot).
fn bounded_heap() {
    // SAFETY: mallopt only changes allocator tunables; called before any
    // connection thread exists.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, 1);
        libc::mallopt(libc::M_MMAP_THRESHOLD, 128 * 1024);
    }
}

fn connection(mut conn: File, log: Shared) {
    loop {
        let reply = match proto::read_frame(&mut conn) {
            Ok(None) => return,
            Ok(Some(Frame::Message(text))) => match proto::parse_request(&text) {
                Ok(req) => match handle(req, &mut conn, &log) {
                    Ok(Some(r)) => r,
                    Ok(None) => continue,
                    Err(e) => {
                        // The connection broke mid-stream; nothing to tell.
                        eprintln!("crvmm-agent: connection: {e}");
                        return;
                    }
                },
                Err(e) => fail(ErrorCode::BadRequest, e.to_string()),
            },
            Ok(Some(_)) => fail(ErrorCode::BadRequest, "expected a request message"),
            Err(proto::Error::TooLarge(n)) => {
                let _ = proto::write_message(
                    &mut conn,
                    &fail(
                        ErrorCode::FrameTooLarge,
                        proto::Error::TooLarge(n).to_string(),
                    ),
                );
                return;
            }
            Err(proto::Error::Io(_)) => return,
            Err(e) => {
                // The stream is out of sync after a malformed frame.
                let _ =
                    proto::write_message(&mut conn, &fail(ErrorCode::BadRequest, e.to_string()));
                return;
            }
        };
        if proto::write_message(&mut conn, &reply).is_err() {
            return;
        }
    }
}

/// Handles one request. `Ok(None)` means the reply was already sent.
fn handle(req: Request, conn: &mut File, log: &Shared) -> io::Result<Option<Reply>> {
    Ok(Some(match req {
        Request::Version => Reply::Version {
            protocol: proto::PROTOCOL_VERSION,
            agent: env!("CARGO_PKG_VERSION").to_string(),
            kernel: fs::read_to_string("/proc/sys/kernel/osrelease")
                .unwrap_or_default()
                .trim()
                .to_string(),
        },
        Request::Ps => Reply::Ps { procs: ps() },
        Request::Spawn { argv, env, cwd } => spawn(&argv, &env, cwd.as_deref()),
        Request::Exec { argv } => exec(&argv),
        Request::Kill { pid, signal } => kill(pid, signal),
        Request::Discard { pid } => discard(pid, log)?,
        Request::Logs => Reply::Logs {
            text: log.lock().map(|l| l.clone()).unwrap_or_default(),
        },
        Request::Checkpoint {
            pid,
            after,
            hostinfo,
            ext_unix,
        } => {
            let mut options = 0;
            if hostinfo {
                options |= cr::CHECKPOINT_HOSTINFO;
            }
            if ext_unix {
                options |= cr::CHECKPOINT_UNIX_EXTERNAL;
            }
            return checkpoint(pid, after, options, conn, log);
        }
        Request::ReadFile { path } => return read_file(&path, conn),
        Request::Restart => restart(conn, log)?,
        Request::Stream { bytes } => {
            proto::write_message(conn, &Reply::Streaming { bytes })?;
            let buf = vec![0x5au8; proto::DATA_CHUNK];
            let mut left = bytes;
            while left > 0 {
                let n = left.min(buf.len() as u64) as usize;
                conn.write_all(&buf[..n])?;
                left -= n as u64;
            }
            return Ok(None);
        }
    }))
}

fn ps() -> Vec<ProcInfo> {
    let mut out = Vec::new();
    let Ok(dir) = fs::read_dir("/proc") else {
        return out;
    };
    for d in dir.flatten() {
        let Some(pid) = d.file_name().to_str().and_then(|s| s.parse::<i32>().ok()) else {
            continue;
        };
        let Ok(stat) = fs::read_to_string(d.path().join("stat")) else {
            continue;
        };
        // pid (comm) state ppid ...; comm may contain spaces and parens.
        let (Some(l), Some(r)) = (stat.find('('), stat.rfind(')')) else {
            continue;
        };
        let comm = stat[l + 1..r].to_string();
        let mut rest = stat[r + 1..].split_whitespace();
        let state = rest.next().unwrap_or("?").to_string();
        let ppid = rest.next().and_then(|p| p.parse().ok()).unwrap_or(0);
        out.push(ProcInfo {
            pid,
            ppid,
            state,
            comm,
        });
    }
    out.sort_by_key(|p| p.pid);
    out
}

fn reap_later(mut child: std::process::Child) {
    let _ = std::thread::Builder::new()
        .name("reap".into())
        .spawn(move || {
            let _ = child.wait();
        });
}

fn spawn(argv: &[String], env: &[(String, String)], cwd: Option<&str>) -> Reply {
    let Some((prog, args)) = argv.split_first() else {
        return fail(ErrorCode::BadRequest, "spawn needs a program");
    };
    let mut cmd = Command::new(prog);
    cmd.args(args).stdin(Stdio::null());
    cmd.envs(env.iter().map(|(k, v)| (k, v)));
    if let Some(d) = cwd {
        cmd.current_dir(d);
    }
    // Each program in a session of its own, as a service manager starts
    // one: its tree is then whole (pgid and sid inside it) and can be
    // checkpointed with its children; in init's session it could not.
    // SAFETY: the closure runs in the forked child before exec and only
    // calls setsid(), which is async-signal-safe.
    unsafe {
        cmd.pre_exec(|| {
            if libc::setsid() < 0 {
                return Err(io::Error::last_os_error());
            }
            Ok(())
        });
    }
    match cmd.spawn() {
        Ok(child) => {
            let pid = child.id() as i32;
            reap_later(child);
            Reply::Started { pid }
        }
        Err(e) => fail(ErrorCode::SpawnFailed, format!("cannot start {prog}: {e}")),
    }
}

fn exec(argv: &[String]) -> Reply {
    let Some((prog, args)) = argv.split_first() else {
        return fail(ErrorCode::BadRequest, "exec needs a program");
    };
    match Command::new(prog).args(args).stdin(Stdio::null()).output() {
        Ok(out) => {
            use std::os::unix::process::ExitStatusExt;
            let status = out
                .status
                .code()
                .or_else(|| out.status.signal().map(|s| 128 + s))
                .unwrap_or(-1);
            let text =
                |b: &[u8]| String::from_utf8_lossy(&b[..b.len().min(MAX_OUTPUT)]).into_owned();
            Reply::Exited {
                status,
                stdout: text(&out.stdout),
                stderr: text(&out.stderr),
            }
        }
        Err(e) => fail(ErrorCode::SpawnFailed, format!("cannot run {prog}: {e}")),
    }
}

fn kill(pid: i32, signal: i32) -> Reply {
    if pid <= 1 {
        return fail(
            ErrorCode::BadRequest,
            format!("refusing to signal pid {pid}"),
        );
    }
    // SAFETY: kill has no memory-safety preconditions.
    if unsafe { libc::kill(pid, signal) } == 0 {
        return Reply::Done;
    }
    let e = io::Error::last_os_error();
    match e.raw_os_error() {
        Some(libc::ESRCH) => fail(ErrorCode::NoSuchProcess, format!("no process {pid}")),
        _ => fail(ErrorCode::BadRequest, format!("kill({pid}, {signal}): {e}")),
    }
}

/// Resets the TCP connections held for the restart of `pid`, which a
/// checkpoint with `after: kill` killed (`KCR_CHECKPOINT_RELEASE`). The
/// kernel's log of it becomes the `logs` text.
fn discard(pid: i32, log: &Shared) -> io::Result<Reply> {
    if pid <= 1 {
        let msg = format!("refusing to discard pid {pid}");
        return Ok(fail(ErrorCode::BadRequest, msg));
    }
    let (mut log_r, log_w) = pipe()?;
    let result = cr::release_holds(pid, log_w.as_raw_fd());
    drop(log_w);
    let mut text = String::new();
    let _ = log_r.read_to_string(&mut text);
    if let Ok(mut l) = log.lock() {
        l.clone_from(&text);
    }
    Ok(match result {
        Ok(()) => Reply::Done,
        Err(e) if e.raw_os_error() == Some(libc::ESRCH) => fail(
            ErrorCode::NoSuchProcess,
            format!("no checkpoint of pid {pid} holds TCP connections: {e}"),
        ),
        Err(e) => fail(
            ErrorCode::DiscardFailed,
            format!("discard of pid {pid}: {e}; kernel log: {}", text.trim()),
        ),
    })
}

fn pipe() -> io::Result<(File, File)> {
    let mut fds = [0 as RawFd; 2];
    // SAFETY: pipe2 writes two fds into the array.
    if unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) } != 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: both fds are new and ours.
    Ok(unsafe { (File::from_raw_fd(fds[0]), File::from_raw_fd(fds[1])) })
}

/// Sends a guest file as data frames.
fn read_file(path: &str, conn: &mut File) -> io::Result<Option<Reply>> {
    let mut f = match File::open(path) {
        Ok(f) if f.metadata().map(|m| m.is_file()).unwrap_or(false) => f,
        Ok(_) => {
            return Ok(Some(fail(
                ErrorCode::NoSuchFile,
                format!("{path}: not a regular file"),
            )))
        }
        Err(e) => return Ok(Some(fail(ErrorCode::NoSuchFile, format!("{path}: {e}")))),
    };
    let mut buf = vec![0u8; proto::FRAME_HEADER + proto::DATA_CHUNK];
    let mut total = 0u64;
    loop {
        match f.read(&mut buf[proto::FRAME_HEADER..]) {
            Ok(0) => break,
            Ok(n) => {
                total += n as u64;
                proto::write_data_in_place(conn, &mut buf[..proto::FRAME_HEADER + n])?;
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            // No end frame: the host must not take a short file as whole.
            Err(e) => return Ok(Some(fail(ErrorCode::NoSuchFile, format!("{path}: {e}")))),
        }
    }
    proto::write_end(conn)?;
    Ok(Some(Reply::FileSent { bytes: total }))
}

/// Checkpoint: the kernel writes the image into a pipe while this thread
/// forwards it as data frames, so neither side holds the whole image.
/// `options`: checkpoint(2) flags, as [`cr::checkpoint_fd`].
fn checkpoint(
    pid: i32,
    after: After,
    options: libc::c_long,
    conn: &mut File,
    log: &Shared,
) -> io::Result<Option<Reply>> {
    if pid == 1 {
        let msg = "refusing to checkpoint init (pid 1)";
        return Ok(Some(fail(ErrorCode::BadRequest, msg)));
    }
    if pid < 1 || !std::path::Path::new(&format!("/proc/{pid}")).exists() {
        let msg = format!("no process {pid}");
        return Ok(Some(fail(ErrorCode::NoSuchProcess, msg)));
    }
    if pid == std::process::id() as i32 {
        return Ok(Some(fail(
            ErrorCode::BadRequest,
            "cannot checkpoint the agent",
        )));
    }
    let group = match cr::FreezeGroup::new(pid).and_then(|g| g.set_frozen(true).map(|()| g)) {
        Ok(g) => g,
        Err(e) => return Ok(Some(fail(ErrorCode::CheckpointFailed, e.to_string()))),
    };
    let (mut data_r, data_w) = pipe()?;
    let (mut log_r, log_w) = pipe()?;
    // A tree to be killed keeps its outside TCP connections held from the
    // checkpoint on, so it cannot take in what its image lacks.
    let options = if after == After::Kill {
        options | cr::CHECKPOINT_HOLD
    } else {
        options
    };
    let worker = std::thread::Builder::new()
        .name("ckpt".into())
        .spawn(move || {
            let r = cr::checkpoint_fd(pid, data_w.as_raw_fd(), log_w.as_raw_fd(), options);
            drop(data_w);
            drop(log_w);
            r
        })?;
    // A large pipe lets the kernel write ahead while a frame is in flight.
    // SAFETY: fcntl on our own pipe fd; failure only leaves the default size.
    unsafe {
        libc::fcntl(
            data_r.as_raw_fd(),
            libc::F_SETPIPE_SZ,
            proto::DATA_CHUNK as libc::c_int,
        )
    };
    let mut buf = vec![0u8; proto::FRAME_HEADER + proto::DATA_CHUNK];
    let mut total = 0u64;
    let mut stream_err = None;
    loop {
        match data_r.read(&mut buf[proto::FRAME_HEADER..]) {
            Ok(0) => break,
            Ok(n) => {
                total += n as u64;
                if let Err(e) =
                    proto::write_data_in_place(conn, &mut buf[..proto::FRAME_HEADER + n])
                {
                    // The host went away: stop reading so the kernel's
                    // write fails with EPIPE and the checkpoint ends.
                    stream_err = Some(e);
                    break;
                }
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => {
                stream_err = Some(e);
                break;
            }
        }
    }
    drop(data_r);
    let result = worker
        .join()
        .unwrap_or_else(|_| Err(io::Error::other("checkpoint thread panicked")));
    let mut text = String::new();
    let _ = log_r.read_to_string(&mut text);
    if let Ok(mut l) = log.lock() {
        *l = text.clone();
    }
    // Not killed after all: connections it held go on.
    let release = |ok: bool| {
        if ok && after == After::Kill {
            let _ = cr::release_holds(pid, 2);
        }
        let _ = group.set_frozen(false);
    };
    if let Some(e) = stream_err {
        release(result.is_ok());
        return Err(e);
    }
    if let Err(e) = result {
        release(false);
        let msg = format!("{e}; kernel log: {}", text.trim());
        return Ok(Some(fail(ErrorCode::CheckpointFailed, msg)));
    }
    if let Err(e) = proto::write_end(conn) {
        release(true);
        return Err(e);
    }
    if let Err(e) = group.finish(after) {
        return Ok(Some(fail(ErrorCode::Internal, e.to_string())));
    }
    Ok(Some(Reply::Checkpointed { pid, bytes: total }))
}

/// Restart: a forked child calls restart(2) on a pipe this thread fills
/// from the data frames; the child becomes the restored process. For an
/// image of a process tree (seen in its first records, read before the
/// fork) the child is created with the root's pid and builds the tree
/// (`cr::tree_make`); if one of the tree's pids is taken here, the child
/// is instead the init of a new pid namespace where the tree gets its
/// pids (`cr::tree_init`). Success is the kernel's "restarted:" log
/// line; failure is the child's exit.
/// The next data frame of an image stream; `None` at its end: the end
/// frame, or a broken stream (then `stream_err` says why).
fn next_data(conn: &mut File, stream_err: &mut Option<io::Error>) -> Option<Vec<u8>> {
    match proto::read_frame(conn) {
        Ok(Some(Frame::Data(d))) => Some(d),
        Ok(Some(Frame::End)) => None,
        Ok(Some(Frame::Message(_))) | Ok(None) => {
            *stream_err = Some(io::Error::other("image stream ended without an end frame"));
            None
        }
        Err(e) => {
            *stream_err = Some(io::Error::other(e.to_string()));
            None
        }
    }
}

fn restart(conn: &mut File, log: &Shared) -> io::Result<Reply> {
    // The first records say whether the image is a process tree.
    let mut pending = Vec::new();
    let mut stream_err = None;
    let mut ended = false;
    let kind = loop {
        match cr::image_kind(&pending) {
            Ok(Some(k)) => break k,
            Ok(None) if !ended => {}
            // Not an image, or cut short: the kernel refuses it and says why.
            Ok(None) | Err(_) => break cr::ImageKind::Single { pid: None },
        }
        match next_data(conn, &mut stream_err) {
            Some(d) => pending.extend_from_slice(&d),
            None => ended = true,
        }
    };
    // A single process gets its old pid back too when it is free: programs
    // remember their pid (CPython's asyncio finds no running event loop
    // in a process whose pid changed, taking it for a forked child).
    let (tree, single_pid) = match kind {
        cr::ImageKind::Tree(t) => (t, 0),
        cr::ImageKind::Single { pid } => (
            Vec::new(),
            pid.filter(|p| !std::path::Path::new(&format!("/proc/{p}")).exists())
                .unwrap_or(0),
        ),
    };
    let newpid = !tree.is_empty() && !cr::tree_pids_free(&tree);
    let (pid, flags) = match tree.first() {
        Some(_) if newpid => (0, libc::CLONE_NEWPID as u64),
        Some(root) => (root.pid, 0),
        None => (single_pid, 0),
    };
    let (data_r, mut data_w) = pipe()?;
    let (log_r, log_w) = pipe()?;
    let (dr, lw) = (data_r.as_raw_fd(), log_w.as_raw_fd());
    // SAFETY: the child only makes async-signal-safe system calls
    // (dup2, close_range, clone3, setsid, setpgid, wait, syscall, _exit)
    // before becoming the restored process or exiting.
    let cloned = match unsafe { cr::clone_with_pid(pid, flags) } {
        // The old pid of a single process was taken meanwhile: a new one.
        Err(e) if tree.is_empty() && pid > 0 && e.raw_os_error() == Some(libc::EEXIST) => {
            // SAFETY: as above.
            unsafe { cr::clone_with_pid(0, 0) }
        }
        r => r,
    };
    let child = match cloned {
        Ok(c) => c,
        Err(e) => {
            return Ok(fail(ErrorCode::Internal, format!("fork: {e}")));
        }
    };
    if child == 0 {
        // SAFETY: see above; fds 100/101 are free after close_range.
        unsafe {
            libc::dup2(dr, 100);
            libc::dup2(lw, 101);
            libc::syscall(libc::SYS_close_range, 3u32, 99u32, 0u32);
            libc::syscall(libc::SYS_close_range, 102u32, u32::MAX, 0u32);
            if newpid {
                cr::tree_init(&tree, 100, 101);
            }
            if !tree.is_empty() {
                cr::tree_make(&tree, 0, 100, 101);
            }
            libc::syscall(
                cr::NR_RESTART,
                0 as libc::c_long,
                100 as libc::c_long,
                0 as libc::c_long,
                101 as libc::c_long,
            );
            libc::_exit(1);
        }
    }
    drop(data_r);
    drop(log_w);
    // Forward the image; a broken stream closes the pipe early, which the
    // kernel sees as a truncated image.
    if data_w.write_all(&pending).is_err() {
        ended = true;
    }
    while !ended {
        ended = match next_data(conn, &mut stream_err) {
            // Unless the kernel stopped reading (bad image).
            Some(d) => data_w.write_all(&d).is_err(),
            None => true,
        };
    }
    drop(data_w);
    let text = wait_restarted(log_r);
    if let Ok(mut l) = log.lock() {
        *l = text.clone();
    }
    let ok = text.lines().any(|l| l.contains("restarted:"));
    if ok {
        reap_pid_later(child);
    } else {
        let mut status = 0;
        // SAFETY: waitpid on our own child; only writes `status`.
        unsafe { libc::waitpid(child, &mut status, 0) };
    }
    if let (Some(e), false) = (&stream_err, ok) {
        // Best effort: the host may have gone, or only stopped sending.
        return Ok(fail(
            ErrorCode::RestartFailed,
            format!("image stream broke: {e}; kernel log: {}", text.trim()),
        ));
    }
    if ok {
        Ok(Reply::Started { pid: child })
    } else {
        Ok(fail(
            ErrorCode::RestartFailed,
            format!("the kernel refused the image: {}", text.trim()),
        ))
    }
}

/// Reads the restart log until the success line or the end (the child
/// exited).
fn wait_restarted(mut log_r: File) -> String {
    let mut text = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match log_r.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => {
                text.extend_from_slice(&buf[..n]);
                if String::from_utf8_lossy(&text).contains("restarted:") {
                    break;
                }
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(_) => break,
        }
    }
    String::from_utf8_lossy(&text).into_owned()
}

fn reap_pid_later(pid: i32) {
    let _ = std::thread::Builder::new()
        .name("reap".into())
        .spawn(move || {
            let mut status = 0;
            // SAFETY: waitpid on our own child; only writes `status`.
            unsafe { libc::waitpid(pid, &mut status, 0) };
        });
}
