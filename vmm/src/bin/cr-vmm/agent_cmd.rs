//! Host commands that talk to the guest agent over vsock: `exec`, `ps`,
//! `spawn`, `kill`, `discard`, `logs`, `checkpoint` and `restart`.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use agent_proto::client::{CheckpointOptions, Client};
use agent_proto::{self as proto, After, Reply, Request};
use anyhow::{bail, Context};

/// How to reach the agent.
#[derive(clap::Args)]
pub struct Target {
    /// The VMM's vsock socket (`cr-vmm run --vsock-uds PATH`).
    #[arg(long)]
    vsock_uds: PathBuf,
    /// The agent's vsock port.
    #[arg(long, default_value_t = proto::AGENT_PORT)]
    port: u32,
    /// Seconds to wait for the agent (the guest may still be booting), and
    /// for the reply to a request it answers at once (version, ps, spawn,
    /// kill, logs).
    #[arg(long, default_value_t = 60)]
    timeout: u64,
    /// Print the reply as JSON.
    #[arg(long)]
    json: bool,
}

impl Target {
    /// How long a request the agent answers at once may wait for its reply.
    fn reply_timeout(&self) -> Duration {
        Duration::from_secs(self.timeout)
    }

    fn connect(&self) -> anyhow::Result<Client> {
        Ok(Client::connect(
            &self.vsock_uds,
            self.port,
            Duration::from_secs(self.timeout),
        )?)
    }
}

/// The agent commands.
#[derive(clap::Subcommand)]
pub enum AgentCmd {
    /// Run a command in the guest and print its output; exits with its status.
    Exec {
        #[command(flatten)]
        target: Target,
        /// The command.
        #[arg(last = true, required = true)]
        argv: Vec<String>,
    },
    /// Start a program in the guest (its output goes to the guest console).
    Spawn {
        #[command(flatten)]
        target: Target,
        /// The command.
        #[arg(last = true, required = true)]
        argv: Vec<String>,
    },
    /// Print the guest agent's version, protocol and guest kernel.
    Version {
        #[command(flatten)]
        target: Target,
    },
    /// Protocol debugging: send stdin's bytes unframed after the vsock
    /// handshake, then print every reply message until the agent closes.
    #[command(hide = true)]
    Raw {
        #[command(flatten)]
        target: Target,
    },
    /// Benchmark baseline: read N raw bytes from the agent over vsock.
    #[command(hide = true)]
    StreamTest {
        #[command(flatten)]
        target: Target,
        /// Bytes to read.
        #[arg(long)]
        bytes: u64,
    },
    /// List the guest's processes.
    Ps {
        #[command(flatten)]
        target: Target,
    },
    /// Send a signal to a guest process.
    Kill {
        #[command(flatten)]
        target: Target,
        /// The process.
        #[arg(long)]
        pid: i32,
        /// The signal number.
        #[arg(long, default_value_t = 9)]
        signal: i32,
    },
    /// Discard the image of a process that `checkpoint --kill` killed: the
    /// TCP connections held for its restart are reset now (their peers
    /// see ECONNRESET) instead of when the hold expires
    /// (`kernel.kcr_tcp_hold_secs` in the guest, default 300 s). The image
    /// can still be restarted, without those connections' peers.
    Discard {
        #[command(flatten)]
        target: Target,
        /// The killed process (the root of the checkpointed tree).
        #[arg(long)]
        pid: i32,
    },
    /// Print the kernel's log of the agent's last checkpoint or restart.
    Logs {
        #[command(flatten)]
        target: Target,
    },
    /// Checkpoint a guest process into a host file.
    Checkpoint {
        #[command(flatten)]
        target: Target,
        /// The guest process.
        #[arg(long)]
        pid: i32,
        /// The image file (written only when the image is complete and valid).
        #[arg(short = 'o', long = "output")]
        output: PathBuf,
        /// Leave the process frozen afterwards.
        #[arg(long, conflicts_with = "kill")]
        leave_stopped: bool,
        /// Kill the process afterwards.
        #[arg(long)]
        kill: bool,
        /// Record where the tasks' state lives in guest physical memory
        /// (page-table roots, register frames), for `cr-vmm verify`.
        #[arg(long)]
        hostinfo: bool,
        /// Save a Unix socket connected to a named socket outside the
        /// checkpointed tree (a local daemon, a log socket) by its peer's
        /// name, and connect it to that name again on restart; without
        /// this such a socket is refused. The peer sees a new connection.
        #[arg(long)]
        ext_unix: bool,
        /// Then, with the tasks still frozen, have the VMM snapshot the
        /// whole VM into this new directory (implies --hostinfo; needs
        /// --leave-stopped and --api-sock): `cr-vmm verify --image IMAGE
        /// --snapshot DIR` checks the image against it.
        #[arg(long, requires_all = ["leave_stopped", "api_sock"])]
        snapshot: Option<PathBuf>,
        /// The VMM's API socket, for --snapshot.
        #[arg(long)]
        api_sock: Option<PathBuf>,
    },
    /// Copy a file from the guest to the host.
    Fetch {
        #[command(flatten)]
        target: Target,
        /// The guest file.
        guest_path: String,
        /// The host file (written only when complete).
        #[arg(short = 'o', long = "output")]
        output: PathBuf,
    },
    /// Restart a process in the guest from a host image file.
    Restart {
        #[command(flatten)]
        target: Target,
        /// The image file.
        file: PathBuf,
    },
}

/// A progress display on stderr when it is a terminal (and not with
/// `--json`); `total` is known for uploads, not for checkpoints.
fn progress(json: bool, total: Option<u64>, what: &str) -> indicatif::ProgressBar {
    use std::io::IsTerminal;
    // A serial console is a terminal too, but one that cannot redraw a
    // line: require a terminal type that can.
    let term_ok = std::env::var("TERM").is_ok_and(|t| !t.is_empty() && t != "dumb");
    if json || !term_ok || !std::io::stderr().is_terminal() {
        return indicatif::ProgressBar::hidden();
    }
    let (bar, template) = match total {
        Some(t) => (
            indicatif::ProgressBar::new(t),
            "{msg} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec}",
        ),
        None => (
            indicatif::ProgressBar::new_spinner(),
            "{spinner} {msg} {bytes} {bytes_per_sec}",
        ),
    };
    if let Ok(style) = indicatif::ProgressStyle::with_template(template) {
        bar.set_style(style);
    }
    bar.set_message(what.to_string());
    bar
}

/// The temporary image file to remove if SIGINT/SIGTERM arrives mid-
/// checkpoint (a NUL-terminated path leaked for the process's lifetime).
static PARTIAL: std::sync::atomic::AtomicPtr<libc::c_char> =
    std::sync::atomic::AtomicPtr::new(std::ptr::null_mut());

extern "C" fn remove_partial_and_exit(sig: libc::c_int) {
    let p = PARTIAL.load(std::sync::atomic::Ordering::SeqCst);
    // SAFETY: unlink and _exit are async-signal-safe; `p` is null or a
    // leaked NUL-terminated string that is never freed.
    unsafe {
        if !p.is_null() {
            libc::unlink(p);
        }
        libc::_exit(128 + sig);
    }
}

/// Removes `tmp` if the user interrupts the command.
fn remove_on_interrupt(tmp: &std::path::Path) {
    use std::os::unix::ffi::OsStrExt;
    let Ok(c) = std::ffi::CString::new(tmp.as_os_str().as_bytes()) else {
        return;
    };
    PARTIAL.store(c.into_raw(), std::sync::atomic::Ordering::SeqCst);
    for sig in [libc::SIGINT, libc::SIGTERM, libc::SIGHUP] {
        // SAFETY: installs a handler that only calls async-signal-safe
        // functions.
        unsafe {
            libc::signal(
                sig,
                remove_partial_and_exit as *const () as libc::sighandler_t,
            )
        };
    }
}

/// Checks a checkpoint image as it downloads: the `kcr-image` parser
/// (record structure, references, the tail checksum).
fn validate_image(r: &mut dyn std::io::Read) -> Result<(), String> {
    kcr_image::parse(r).map(|_| ()).map_err(|e| e.to_string())
}

fn print_json(r: &impl serde::Serialize) -> anyhow::Result<()> {
    println!("{}", serde_json::to_string(r)?);
    Ok(())
}

/// Runs one agent command.
pub fn run(cmd: AgentCmd) -> anyhow::Result<ExitCode> {
    match cmd {
        AgentCmd::Exec { target, argv } => {
            let r = target.connect()?.call(&Request::Exec { argv })?;
            let Reply::Exited {
                status,
                stdout,
                stderr,
            } = &r
            else {
                bail!("unexpected reply {r:?}");
            };
            if target.json {
                print_json(&r)?;
            } else {
                print!("{stdout}");
                eprint!("{stderr}");
            }
            Ok(ExitCode::from((*status).clamp(0, 255) as u8))
        }
        AgentCmd::Spawn { target, argv } => {
            let r = target.connect()?.call_quick(
                &Request::Spawn {
                    argv,
                    env: vec![],
                    cwd: None,
                },
                target.reply_timeout(),
            )?;
            match &r {
                _ if target.json => print_json(&r)?,
                Reply::Started { pid } => println!("{pid}"),
                _ => bail!("unexpected reply {r:?}"),
            }
            Ok(ExitCode::SUCCESS)
        }
        AgentCmd::Version { target } => {
            let r = target
                .connect()?
                .call_quick(&Request::Version, target.reply_timeout())?;
            match &r {
                _ if target.json => print_json(&r)?,
                Reply::Version {
                    protocol,
                    agent,
                    kernel,
                } => println!("agent {agent}, protocol {protocol}, guest kernel {kernel}"),
                _ => bail!("unexpected reply {r:?}"),
            }
            Ok(ExitCode::SUCCESS)
        }
        AgentCmd::Raw { target } => {
            let mut client = target.connect()?;
            let mut input = Vec::new();
            std::io::Read::read_to_end(&mut std::io::stdin(), &mut input)?;
            let s = client.stream();
            std::io::Write::write_all(s, &input)?;
            s.shutdown(std::net::Shutdown::Write)?;
            loop {
                match proto::read_frame(s) {
                    Ok(Some(proto::Frame::Message(m))) => println!("{m}"),
                    Ok(Some(proto::Frame::Data(d))) => println!("<{} data bytes>", d.len()),
                    Ok(Some(proto::Frame::End)) => println!("<end>"),
                    Ok(None) => break,
                    Err(e) => {
                        println!("<{e}>");
                        break;
                    }
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        AgentCmd::StreamTest { target, bytes } => {
            let secs = target.connect()?.stream_test(bytes)?;
            print_json(&serde_json::json!({"bytes": bytes, "seconds": secs}))?;
            Ok(ExitCode::SUCCESS)
        }
        AgentCmd::Ps { target } => {
            let r = target
                .connect()?
                .call_quick(&Request::Ps, target.reply_timeout())?;
            match &r {
                _ if target.json => print_json(&r)?,
                Reply::Ps { procs } => {
                    println!("{:>7} {:>7} S COMM", "PID", "PPID");
                    for p in procs {
                        println!("{:>7} {:>7} {} {}", p.pid, p.ppid, p.state, p.comm);
                    }
                }
                _ => bail!("unexpected reply {r:?}"),
            }
            Ok(ExitCode::SUCCESS)
        }
        AgentCmd::Kill {
            target,
            pid,
            signal,
        } => {
            let r = target
                .connect()?
                .call_quick(&Request::Kill { pid, signal }, target.reply_timeout())?;
            if target.json {
                print_json(&r)?;
            }
            Ok(ExitCode::SUCCESS)
        }
        AgentCmd::Discard { target, pid } => {
            let r = target
                .connect()?
                .call_quick(&Request::Discard { pid }, target.reply_timeout())?;
            match &r {
                _ if target.json => print_json(&r)?,
                Reply::Done => {
                    println!("discard: pid {pid}: its held TCP connections were reset")
                }
                _ => bail!("unexpected reply {r:?}"),
            }
            Ok(ExitCode::SUCCESS)
        }
        AgentCmd::Logs { target } => {
            let r = target
                .connect()?
                .call_quick(&Request::Logs, target.reply_timeout())?;
            match &r {
                _ if target.json => print_json(&r)?,
                Reply::Logs { text } => print!("{text}"),
                _ => bail!("unexpected reply {r:?}"),
            }
            Ok(ExitCode::SUCCESS)
        }
        AgentCmd::Checkpoint {
            target,
            pid,
            output,
            leave_stopped,
            kill,
            hostinfo,
            ext_unix,
            snapshot,
            api_sock,
        } => {
            let hostinfo = hostinfo || snapshot.is_some();
            let after = if kill {
                After::Kill
            } else if leave_stopped {
                After::Stop
            } else {
                After::Run
            };
            remove_on_interrupt(&agent_proto::client::temp_path(&output));
            let bar = progress(target.json, None, "checkpoint");
            let start = std::time::Instant::now();
            let bytes = target
                .connect()?
                .checkpoint(
                    pid,
                    CheckpointOptions {
                        after,
                        hostinfo,
                        ext_unix,
                    },
                    &output,
                    validate_image,
                    |n| bar.set_position(n),
                )
                .with_context(|| format!("checkpoint of guest pid {pid}"))?;
            bar.finish_and_clear();
            if target.json {
                print_json(&serde_json::json!({
                    "pid": pid,
                    "bytes": bytes,
                    "image": output,
                    "seconds": start.elapsed().as_secs_f64(),
                }))?;
            } else {
                println!(
                    "checkpoint: guest pid {pid} -> {} ({bytes} bytes)",
                    output.display()
                );
            }
            if let (Some(dir), Some(sock)) = (&snapshot, &api_sock) {
                crate::api_cmd::snapshot(sock, dir, false, target.json)
                    .context("snapshot of the VM with the tasks frozen")?;
            }
            Ok(ExitCode::SUCCESS)
        }
        AgentCmd::Fetch {
            target,
            guest_path,
            output,
        } => {
            remove_on_interrupt(&agent_proto::client::temp_path(&output));
            let bar = progress(target.json, None, "fetch");
            let bytes = target
                .connect()?
                .fetch(&guest_path, &output, |n| bar.set_position(n))
                .with_context(|| format!("fetching {guest_path}"))?;
            bar.finish_and_clear();
            if target.json {
                print_json(&serde_json::json!({"bytes": bytes, "file": output}))?;
            } else {
                println!(
                    "fetch: {guest_path} -> {} ({bytes} bytes)",
                    output.display()
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        AgentCmd::Restart { target, file } => {
            let f = std::fs::File::open(&file)
                .with_context(|| format!("cannot open image {}", file.display()))?;
            let size = f.metadata().map(|m| m.len()).ok();
            let bar = progress(target.json, size, "restart");
            let start = std::time::Instant::now();
            let pid = target
                .connect()?
                .restart(std::io::BufReader::new(f), |n| bar.set_position(n))
                .with_context(|| format!("restart from {}", file.display()))?;
            bar.finish_and_clear();
            if target.json {
                print_json(&serde_json::json!({
                    "pid": pid,
                    "seconds": start.elapsed().as_secs_f64(),
                }))?;
            } else {
                println!("restart: {} -> guest pid {pid}", file.display());
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}
