//! PID 1 of the guest.

use std::ffi::CString;
use std::io::Write;
use std::process::{Command, ExitCode};

/// The line tests and the VMM's users look for: the guest reached user space.
pub const READY_MARKER: &str = "crvmm-init: ready";

fn mount(src: &str, target: &str, fstype: &str) {
    let _ = std::fs::create_dir_all(target);
    let (Ok(s), Ok(t), Ok(f)) = (
        CString::new(src),
        CString::new(target),
        CString::new(fstype),
    ) else {
        return;
    };
    // SAFETY: all pointers are valid NUL-terminated strings for the call.
    let r = unsafe { libc::mount(s.as_ptr(), t.as_ptr(), f.as_ptr(), 0, std::ptr::null()) };
    if r != 0 {
        let e = std::io::Error::last_os_error();
        // Already mounted (devtmpfs may be automounted) is fine.
        if e.raw_os_error() != Some(libc::EBUSY) {
            println!("crvmm-init: mount {fstype} on {target}: {e}");
        }
    }
}

/// Stops every other process, leaves the root filesystem clean (read-only,
/// its journal written out, as any init does on a disk: otherwise the next
/// boot from it read-only cannot replay the journal), and reboots.
fn shutdown() -> ! {
    let _ = std::io::stdout().flush();
    // SAFETY: kill, sync, mount and reboot have no memory-safety
    // preconditions (the mount arguments are NUL-terminated literals or
    // null); as PID 1 we own the machine. reboot=k (or t) makes cr-vmm
    // exit.
    unsafe {
        if std::process::id() == 1 {
            libc::kill(-1, libc::SIGKILL);
            // Until every child is gone (ECHILD), for at most 2 s.
            for _ in 0..200 {
                let mut status = 0;
                let pid = libc::waitpid(-1, &mut status, libc::WNOHANG);
                if pid < 0 {
                    break;
                }
                if pid == 0 {
                    std::thread::sleep(std::time::Duration::from_millis(10));
                }
            }
            libc::sync();
            // Fails harmlessly on an initramfs (rootfs cannot be remounted
            // read-only) and when the root is read-only already.
            libc::mount(
                std::ptr::null(),
                c"/".as_ptr(),
                std::ptr::null(),
                libc::MS_REMOUNT | libc::MS_RDONLY,
                std::ptr::null(),
            );
        }
        libc::sync();
        libc::reboot(libc::RB_AUTOBOOT);
    }
    // reboot only returns on error (not PID 1 / no CAP_SYS_BOOT).
    std::process::exit(1)
}

/// Starts `guest-agent serve`; its pid.
fn spawn_agent() -> Option<i32> {
    let exe = std::env::current_exe().unwrap_or_else(|_| "/bin/guest-agent".into());
    match Command::new(&exe).arg("serve").spawn() {
        Ok(c) => i32::try_from(c.id()).ok(),
        Err(e) => {
            println!("crvmm-init: cannot start the agent: {e}");
            None
        }
    }
}

/// What one `waitpid` of init's told it.
#[derive(Debug, PartialEq, Eq)]
enum Reaped {
    /// The command ended with this status (`128 + signal` if killed).
    Command(i32),
    /// The agent ended; start it again.
    AgentRestart,
    /// The agent ended because the guest has no vsock device.
    AgentDone,
    /// Any other process: an orphan init adopted.
    Orphan,
}

fn classify(pid: i32, status: i32, cmd: Option<i32>, agent: Option<i32>) -> Reaped {
    let code = if libc::WIFEXITED(status) {
        libc::WEXITSTATUS(status)
    } else {
        128 + libc::WTERMSIG(status)
    };
    if Some(pid) == cmd {
        Reaped::Command(code)
    } else if Some(pid) == agent {
        if libc::WIFEXITED(status) && code == crate::service::EXIT_NO_VSOCK {
            Reaped::AgentDone
        } else {
            println!("crvmm-init: agent exited (status {code}); restarting it");
            Reaped::AgentRestart
        }
    } else {
        Reaped::Orphan
    }
}

/// Waits for every child, as PID 1 must: orphans are reaped at once (so
/// their pids are free again, for a restart with the original pids), the
/// agent is started again whenever it exits, and the command's status is
/// returned when it ends (`None` when there is no command: then this
/// returns once no child is left).
fn supervise(cmd: Option<i32>, mut agent: Option<i32>) -> Option<i32> {
    loop {
        let mut status = 0;
        // SAFETY: waitpid only writes `status`.
        let pid = unsafe { libc::waitpid(-1, &mut status, 0) };
        if pid < 0 {
            if std::io::Error::last_os_error().raw_os_error() == Some(libc::EINTR) {
                continue;
            }
            return None; // ECHILD: nothing left to wait for
        }
        match classify(pid, status, cmd, agent) {
            Reaped::Command(code) => return Some(code),
            Reaped::AgentRestart => {
                std::thread::sleep(std::time::Duration::from_millis(200));
                agent = spawn_agent();
            }
            Reaped::AgentDone => agent = None,
            Reaped::Orphan => {}
        }
    }
}

/// Reaps whatever has already exited.
fn reap_exited() {
    loop {
        let mut status = 0;
        // SAFETY: waitpid with WNOHANG only writes `status`.
        let pid = unsafe { libc::waitpid(-1, &mut status, libc::WNOHANG) };
        if pid <= 0 {
            break;
        }
    }
}

/// The command after the first ` -- ` of the kernel command line. (The
/// kernel also hands init every unknown parameter without a `=` as an
/// argument, so argv cannot tell them apart from the command.)
pub fn command_from_cmdline(cmdline: &str) -> Option<&str> {
    let cmdline = cmdline.trim();
    let rest = if let Some(r) = cmdline.strip_prefix("-- ") {
        r
    } else {
        cmdline.split_once(" -- ").map(|(_, r)| r)?
    };
    let rest = rest.trim();
    (!rest.is_empty()).then_some(rest)
}

/// Brings the loopback interface up, as any init does, so programs can
/// talk TCP and UDP to themselves. A kernel without IPv4 has nothing to
/// bring up: said once, not an error.
fn loopback_up() {
    // SAFETY: socket(2) has no memory-safety preconditions.
    let fd = unsafe { libc::socket(libc::AF_INET, libc::SOCK_DGRAM | libc::SOCK_CLOEXEC, 0) };
    if fd < 0 {
        let e = std::io::Error::last_os_error();
        println!("crvmm-init: no IPv4 ({e}): the loopback interface stays down");
        return;
    }
    // SAFETY: ifreq is plain old data; all zeroes is a valid value.
    let mut ifr: libc::ifreq = unsafe { std::mem::zeroed() };
    for (d, s) in ifr.ifr_name.iter_mut().zip(b"lo\0") {
        *d = *s as libc::c_char;
    }
    // SAFETY: fd is an open socket and ifr a valid ifreq naming "lo"; the
    // kernel reads and writes only that struct.
    let ok = unsafe {
        libc::ioctl(fd, libc::SIOCGIFFLAGS, &mut ifr) == 0 && {
            ifr.ifr_ifru.ifru_flags |= libc::IFF_UP as libc::c_short;
            libc::ioctl(fd, libc::SIOCSIFFLAGS, &ifr) == 0
        }
    };
    if !ok {
        let e = std::io::Error::last_os_error();
        println!("crvmm-init: cannot bring the loopback interface up: {e}");
    }
    // SAFETY: fd is ours and closed once.
    unsafe { libc::close(fd) };
}

/// Runs the guest. `args` are init's arguments: when the kernel command line
/// has no ` -- COMMAND`, they are the command (`guest-agent init CMD…`).
pub fn run(args: &[String]) -> ExitCode {
    mount("proc", "/proc", "proc");
    mount("sysfs", "/sys", "sysfs");
    mount("devtmpfs", "/dev", "devtmpfs");
    // Ptys: /dev/ptmx opens a new one, its slave is /dev/pts/N.
    mount("devpts", "/dev/pts", "devpts");
    mount("tmpfs", "/tmp", "tmpfs");
    mount("tmpfs", "/run", "tmpfs");
    // cgroup v2: its freezer is how checkpoint() of another tree freezes it.
    mount("cgroup2", "/sys/fs/cgroup", "cgroup2");
    loopback_up();
    let cmdline = std::fs::read_to_string("/proc/cmdline").unwrap_or_default();
    let release = std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap_or_default();
    let ncpu = std::fs::read_to_string("/proc/cpuinfo")
        .map(|c| c.matches("processor\t:").count())
        .unwrap_or(0);
    println!("{READY_MARKER} (kernel {}, {ncpu} cpu)", release.trim());
    println!("crvmm-init: cmdline: {}", cmdline.trim());

    // A session and process group of its own, as any init has: the
    // processes it starts are in session 1, not in the kernel's session 0,
    // which no process of the guest can name.
    // SAFETY: setsid has no memory-safety preconditions.
    if std::process::id() == 1 && unsafe { libc::setsid() } < 0 {
        println!("crvmm-init: setsid: {}", std::io::Error::last_os_error());
    }
    let agent = spawn_agent();

    let cmd = match command_from_cmdline(&cmdline) {
        Some(c) => c.to_string(),
        None if std::process::id() != 1 => args.join(" "),
        None => String::new(),
    };
    let child = if !cmd.is_empty() {
        Some(Command::new("/bin/sh").arg("-c").arg(&cmd).spawn())
    } else if std::path::Path::new("/etc/rc").exists() {
        Some(Command::new("/bin/sh").arg("/etc/rc").spawn())
    } else {
        None
    };
    match child {
        Some(Ok(c)) => {
            let pid = i32::try_from(c.id()).ok();
            match supervise(pid, agent) {
                Some(code) => println!("crvmm-init: command exited with status {code}"),
                None => println!("crvmm-init: lost track of the command"),
            }
        }
        Some(Err(e)) => println!("crvmm-init: cannot run command: {e}"),
        None => println!("crvmm-init: nothing to run"),
    }
    reap_exited();
    println!("crvmm-init: rebooting");
    shutdown()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn init_tells_the_command_the_agent_and_orphans_apart() {
        let exited = |code: i32| code << 8;
        let killed = |sig: i32| sig;
        assert_eq!(
            classify(10, exited(3), Some(10), Some(11)),
            Reaped::Command(3)
        );
        assert_eq!(
            classify(10, killed(9), Some(10), Some(11)),
            Reaped::Command(137)
        );
        assert_eq!(
            classify(
                11,
                exited(crate::service::EXIT_NO_VSOCK),
                Some(10),
                Some(11)
            ),
            Reaped::AgentDone
        );
        assert_eq!(
            classify(11, killed(9), Some(10), Some(11)),
            Reaped::AgentRestart
        );
        assert_eq!(classify(12, exited(0), Some(10), Some(11)), Reaped::Orphan);
        assert_eq!(classify(12, exited(0), None, None), Reaped::Orphan);
    }

    #[test]
    fn command_follows_the_first_double_dash() {
        assert_eq!(command_from_cmdline("console=ttyS0 nomodule\n"), None);
        assert_eq!(
            command_from_cmdline("a=1 -- echo hi -- there"),
            Some("echo hi -- there")
        );
        assert_eq!(command_from_cmdline("-- ls"), Some("ls"));
        assert_eq!(command_from_cmdline("a --"), None);
        assert_eq!(command_from_cmdline("a -- "), None);
    }
}
