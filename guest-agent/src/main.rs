//! The cr-vmm guest agent. As the guest's init it mounts the pseudo
//! filesystems, announces itself on the console, starts the vsock service
//! (`serve`, restarted if it dies), runs the command given after `--` on the
//! kernel command line (or `/etc/rc` if present), reports its exit status,
//! and reboots so that cr-vmm exits.

use std::process::ExitCode;

mod bench;
mod cr;
mod criu_bench;
mod evloop_bench;
mod init;
mod service;

const USAGE: &str = "usage:
  guest-agent init [COMMAND...]                 run as the guest's PID 1
  guest-agent serve [PORT]                      the vsock service (default port 52)
  guest-agent checkpoint --pid N -o FILE [--leave-running|--leave-stopped|--kill] [--ext-unix]
  guest-agent discard --pid N                   the image of N (killed by checkpoint --kill) will
                                                not be restarted: its TCP connections to peers
                                                outside, held for the restart, are reset now
  guest-agent restart [--newpid] FILE           become the process in FILE, or
                                                restart its process tree as children
                                                (--newpid: in a new pid namespace)
  guest-agent counter [MILLISECONDS]            a workload that counts
  guest-agent hog MIB                           a workload with MIB of dirty memory
  guest-agent ckpt-bench MIB[,MIB...] RUNS      checkpoint into a pipe vs a user-space pipe write
  guest-agent evloop-bench RUNS [KIB]           checkpoint and restart of an event-loop process vs
                                                a plain one, each with KIB of anonymous memory
                                                (default 4096)
  guest-agent criu-bench RUNS                   dump and restore with checkpoint(2)/restart(2) and with
                                                CRIU, alternating (on the rootfs, which has criu)
  guest-agent crb-work MIB DIR                  criu-bench's workload";

/// `discard --pid N`: lets the connections parked at N's kill go.
fn discard_cmd(args: &[String]) -> ExitCode {
    let pid = match args {
        [flag, n] if flag == "--pid" => n.parse::<i32>().ok().filter(|p| *p > 0),
        _ => None,
    };
    let Some(pid) = pid else {
        eprintln!("guest-agent: discard needs --pid N (N > 0)\n{USAGE}");
        return ExitCode::from(2);
    };
    match cr::release_holds(pid, 2) {
        Ok(()) => {
            println!("discard: pid {pid}: its held TCP connections were reset");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("guest-agent: discard of pid {pid}: {e}");
            ExitCode::FAILURE
        }
    }
}

fn checkpoint_cmd(args: &[String]) -> ExitCode {
    let mut pid = None;
    let mut out = None;
    let mut after = cr::After::Run;
    let mut options = 0;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--pid" => pid = it.next().and_then(|p| p.parse::<i32>().ok()),
            "-o" => out = it.next().map(std::path::PathBuf::from),
            "--leave-running" => after = cr::After::Run,
            "--leave-stopped" => after = cr::After::Stop,
            "--kill" => after = cr::After::Kill,
            "--ext-unix" => options |= cr::CHECKPOINT_UNIX_EXTERNAL,
            _ => {
                eprintln!("guest-agent: unknown argument '{a}'\n{USAGE}");
                return ExitCode::from(2);
            }
        }
    }
    let (Some(pid), Some(out)) = (pid.filter(|p| *p > 0), out) else {
        eprintln!("guest-agent: checkpoint needs --pid N (N > 0) and -o FILE\n{USAGE}");
        return ExitCode::from(2);
    };
    match cr::checkpoint(pid, &out, after, options) {
        Ok(size) => {
            println!("checkpoint: pid {pid} -> {} ({size} bytes)", out.display());
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("guest-agent: {e}");
            ExitCode::FAILURE
        }
    }
}

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
        match args.get(1).map(String::as_str) {
            Some("checkpoint") => checkpoint_cmd(&args[2..]),
            Some("discard") => discard_cmd(&args[2..]),
            Some("restart") if args.len() == 3 || (args.len() == 4 && args[2] == "--newpid") => {
                let newpid = args.len() == 4;
                let e = cr::restart(std::path::Path::new(&args[args.len() - 1]), newpid);
                eprintln!("guest-agent: {e}");
                ExitCode::FAILURE
            }
            Some("serve") => {
                let port = args
                    .get(2)
                    .and_then(|p| p.parse().ok())
                    .unwrap_or(agent_proto::AGENT_PORT);
                ExitCode::from(service::serve(port).clamp(0, 255) as u8)
            }
            Some("hog") => match args.get(2).and_then(|m| m.parse().ok()) {
                Some(mib) => bench::hog(mib, None),
                None => {
                    eprintln!("{USAGE}");
                    ExitCode::from(2)
                }
            },
            Some("ckpt-bench") => {
                let sizes: Option<Vec<usize>> = args
                    .get(2)
                    .map(|s| s.split(',').map(|m| m.parse().ok()).collect())
                    .unwrap_or(None);
                let runs = args.get(3).and_then(|r| r.parse().ok());
                let (Some(sizes), Some(runs)) = (sizes, runs) else {
                    eprintln!("{USAGE}");
                    return ExitCode::from(2);
                };
                for mib in sizes {
                    if let Err(e) = bench::ckpt_bench(mib, runs) {
                        eprintln!("guest-agent: ckpt-bench {mib} MiB: {e}");
                        return ExitCode::FAILURE;
                    }
                }
                ExitCode::SUCCESS
            }
            Some("evloop-bench") => {
                let runs = args.get(2).and_then(|r| r.parse::<u32>().ok());
                let rss = match args.get(3) {
                    None => Some(evloop_bench::DEFAULT_RSS_KIB),
                    Some(k) => k.parse::<u64>().ok(),
                };
                let (Some(runs), Some(rss)) = (runs.filter(|r| *r > 0), rss) else {
                    eprintln!("{USAGE}");
                    return ExitCode::from(2);
                };
                match evloop_bench::evloop_bench(runs, rss) {
                    Ok(()) => ExitCode::SUCCESS,
                    Err(e) => {
                        eprintln!("guest-agent: evloop-bench: {e}");
                        ExitCode::FAILURE
                    }
                }
            }
            Some("criu-bench") => match args.get(2).and_then(|r| r.parse::<u32>().ok()) {
                Some(runs) if runs > 0 => match criu_bench::criu_bench(runs) {
                    Ok(()) => ExitCode::SUCCESS,
                    Err(e) => {
                        eprintln!("guest-agent: criu-bench: {e}");
                        println!("criu-bench: FAILED");
                        ExitCode::FAILURE
                    }
                },
                _ => {
                    eprintln!("{USAGE}");
                    ExitCode::from(2)
                }
            },
            Some("crb-work") => match (args.get(2).and_then(|m| m.parse().ok()), args.get(3)) {
                (Some(mib), Some(dir)) => criu_bench::work(mib, std::path::Path::new(dir)),
                _ => {
                    eprintln!("{USAGE}");
                    ExitCode::from(2)
                }
            },
            Some("counter") => {
                let ms = args.get(2).and_then(|m| m.parse().ok()).unwrap_or(200);
                cr::counter(std::time::Duration::from_millis(ms))
            }
            _ => {
                eprintln!("{USAGE}");
                ExitCode::from(2)
            }
        }
    }
}
