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

/// Runs the guest: `cmd` is what the kernel passed after `--`.
pub fn run(cmd: &[String]) -> ExitCode {
    mount("proc", "/proc", "proc");
    mount("sysfs", "/sys", "sysfs");
    mount("devtmpfs", "/dev", "devtmpfs");
    mount("tmpfs", "/tmp", "tmpfs");
    mount("tmpfs", "/run", "tmpfs");
    let cmdline = std::fs::read_to_string("/proc/cmdline").unwrap_or_default();
    let release = std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap_or_default();
    let ncpu = std::fs::read_to_string("/proc/cpuinfo")
        .map(|c| c.matches("processor\t:").count())
        .unwrap_or(0);
    println!("{READY_MARKER} (kernel {}, {ncpu} cpu)", release.trim());
    println!("crvmm-init: cmdline: {}", cmdline.trim());

    let status = if !cmd.is_empty() {
        Some(
            Command::new("/bin/sh")
                .arg("-c")
                .arg(cmd.join(" "))
                .status(),
        )
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
