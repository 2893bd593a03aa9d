//! The cr-vmm guest agent. For now it is the guest's init: it mounts the
//! pseudo filesystems, announces itself on the console, runs the command
//! given after `--` on the kernel command line (or `/etc/rc` if present),
//! reports its exit status, and reboots so that cr-vmm exits.

use std::process::ExitCode;

mod init;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    let argv0 = args.first().map(String::as_str).unwrap_or("");
    // SAFETY: getpid has no preconditions.
    let pid = unsafe { libc::getpid() };
    if pid == 1 || argv0.ends_with("/init") || args.get(1).map(String::as_str) == Some("init") {
        let rest = if args.get(1).map(String::as_str) == Some("init") {
            &args[2..]
        } else {
            &args[1..]
        };
        init::run(rest)
    } else {
        eprintln!("usage: guest-agent init [COMMAND...]   (runs as the guest's PID 1)");
        ExitCode::from(2)
    }
}
