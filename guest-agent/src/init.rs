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

fn reap_children() {
    loop {
        let mut status = 0;
        // SAFETY: waitpid with WNOHANG only writes `status`.
        let pid = unsafe { libc::waitpid(-1, &mut status, libc::WNOHANG) };
        if pid <= 0 {
            break;
        }
    }
}

fn shutdown() -> ! {
    let _ = std::io::stdout().flush();
    // SAFETY: sync and reboot have no memory-safety preconditions; as PID 1
    // we own the machine. reboot=k (or t) makes cr-vmm exit.
    unsafe {
        libc::sync();
        libc::reboot(libc::RB_AUTOBOOT);
    }
    // reboot only returns on error (not PID 1 / no CAP_SYS_BOOT).
    std::process::exit(1)
}

/// Runs `guest-agent serve` and starts it again whenever it exits, unless
/// it reports that the guest has no vsock device.
fn start_agent() {
    let exe = std::env::current_exe().unwrap_or_else(|_| "/bin/guest-agent".into());
    let r = std::thread::Builder::new()
        .name("agent".into())
        .spawn(move || loop {
            let status = Command::new(&exe).arg("serve").status();
            match status {
                Ok(s) if s.code() == Some(crate::service::EXIT_NO_VSOCK) => return,
                Ok(s) => println!("crvmm-init: agent exited ({s}); restarting it"),
                Err(e) => {
                    println!("crvmm-init: cannot start the agent: {e}");
                    return;
                }
            }
            std::thread::sleep(std::time::Duration::from_millis(200));
        });
    if let Err(e) = r {
        println!("crvmm-init: cannot start the agent thread: {e}");
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

/// Runs the guest. `args` are init's arguments: when the kernel command line
/// has no ` -- COMMAND`, they are the command (`guest-agent init CMD…`).
pub fn run(args: &[String]) -> ExitCode {
    mount("proc", "/proc", "proc");
    mount("sysfs", "/sys", "sysfs");
    mount("devtmpfs", "/dev", "devtmpfs");
    mount("tmpfs", "/tmp", "tmpfs");
    mount("tmpfs", "/run", "tmpfs");
    // cgroup v2: its freezer is how checkpoint() of another tree freezes it.
    mount("cgroup2", "/sys/fs/cgroup", "cgroup2");
    let cmdline = std::fs::read_to_string("/proc/cmdline").unwrap_or_default();
    let release = std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap_or_default();
    let ncpu = std::fs::read_to_string("/proc/cpuinfo")
        .map(|c| c.matches("processor\t:").count())
        .unwrap_or(0);
    println!("{READY_MARKER} (kernel {}, {ncpu} cpu)", release.trim());
    println!("crvmm-init: cmdline: {}", cmdline.trim());

    start_agent();

    let cmd = match command_from_cmdline(&cmdline) {
        Some(c) => c.to_string(),
        None if std::process::id() != 1 => args.join(" "),
        None => String::new(),
    };
    let status = if !cmd.is_empty() {
        Some(Command::new("/bin/sh").arg("-c").arg(&cmd).status())
    } else if std::path::Path::new("/etc/rc").exists() {
        Some(Command::new("/bin/sh").arg("/etc/rc").status())
    } else {
        None
    };
    match status {
        Some(Ok(s)) => println!(
            "crvmm-init: command exited with status {}",
            s.code().unwrap_or(128)
        ),
        Some(Err(e)) => println!("crvmm-init: cannot run command: {e}"),
        None => println!("crvmm-init: nothing to run"),
    }
    reap_children();
    println!("crvmm-init: rebooting");
    shutdown()
}

#[cfg(test)]
mod tests {
    use super::command_from_cmdline;

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
