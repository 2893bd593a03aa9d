//! The `cr-vmm` command line.

use std::io::IsTerminal;
use std::os::fd::AsFd;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Parser, Subcommand};
use cr_vmm::boot::KernelImage;
use cr_vmm::config::{DEFAULT_CMDLINE, DEFAULT_MEM_MIB};
use cr_vmm::{GuestExit, VmConfig};

mod agent_cmd;
mod api_cmd;
mod terminal;

/// Exit status when the guest kernel panicked or crashed.
const EXIT_GUEST_CRASH: u8 = 2;

#[derive(Parser)]
#[command(
    name = "cr-vmm",
    version,
    about = "A rust-vmm based VMM for hypervisor-assisted checkpoint/restart"
)]
struct Cli {
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Boot a Linux guest with its console on this terminal. Exits 0 when
    /// the guest powers off or reboots, 2 when it panics, 1 on VMM errors.
    Run(RunArgs),
    /// Start the VM saved in a snapshot directory (`cr-vmm snapshot`) in
    /// this new process and run it like `run`. Guest memory is mapped
    /// privately from the snapshot's memory file; vsock connections are
    /// reset (the guest's listening sockets stay).
    Restore(RestoreArgs),
    /// Compare two snapshots field by field and page by page, leaving out
    /// only the fields that drift with host time (listed). Exits 1 if they
    /// differ.
    CompareSnapshots {
        /// The first snapshot directory.
        a: PathBuf,
        /// The second snapshot directory.
        b: PathBuf,
    },
    /// Check a guest checkpoint image against a VM snapshot taken while its
    /// tasks were frozen (`cr-vmm checkpoint --leave-stopped --snapshot
    /// DIR`): every image page against the task's page tables in the
    /// snapshot's memory, every register against the frame on the task's
    /// kernel stack, no writable private page left out, the vCPUs. Prints a
    /// per-task summary; exits 1 on any mismatch, naming task, address and
    /// field.
    Verify {
        /// The checkpoint image.
        #[arg(long)]
        image: PathBuf,
        /// The snapshot directory.
        #[arg(long)]
        snapshot: PathBuf,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Checkpoint images.
    #[command(subcommand)]
    Image(ImageCmd),
    /// Commands served by the guest agent over vsock.
    #[command(flatten)]
    Agent(agent_cmd::AgentCmd),
    /// Commands served by a running VMM's control API.
    #[command(flatten)]
    Api(api_cmd::ApiCmd),
}

#[derive(Subcommand)]
enum ImageCmd {
    /// Test helper: write a copy of a valid image with one well-formed
    /// change (a page byte, a register, a dropped page record), the tail
    /// rewritten so that it still parses; prints what changed.
    #[command(hide = true)]
    Mutate {
        /// The image.
        file: PathBuf,
        /// page-byte, register or drop-pages.
        #[arg(long, value_parser = ["page-byte", "register", "drop-pages"])]
        kind: String,
        /// Where to write the damaged copy.
        #[arg(short = 'o', long = "output")]
        output: PathBuf,
    },
    /// Validate an image and print its header, tasks, mappings and page
    /// counts. A corrupted image is an error naming the offset and record.
    Show {
        /// The image file.
        file: PathBuf,
        /// Print the filesystem-view path tree (task-PID/mm/vmas/N/start = ...).
        #[arg(long, conflicts_with = "json")]
        tree: bool,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

fn image(cmd: ImageCmd) -> anyhow::Result<ExitCode> {
    use kcr_image::mutate::{mutate, Kind};
    match cmd {
        ImageCmd::Mutate { file, kind, output } => {
            let mut img = std::fs::read(&file)
                .with_context(|| format!("cannot read image {}", file.display()))?;
            kcr_image::parse(&img[..])
                .with_context(|| format!("invalid image {}", file.display()))?;
            let kind = match kind.as_str() {
                "page-byte" => Kind::PageByte,
                "register" => Kind::Register,
                _ => Kind::DropPages,
            };
            let what = mutate(&mut img, kind)?;
            std::fs::write(&output, &img)
                .with_context(|| format!("cannot write {}", output.display()))?;
            println!("mutated: {what}");
            Ok(ExitCode::SUCCESS)
        }
        ImageCmd::Show { file, tree, json } => {
            let f = std::fs::File::open(&file)
                .with_context(|| format!("cannot open image {}", file.display()))?;
            let img = kcr_image::parse(std::io::BufReader::new(f))
                .with_context(|| format!("invalid image {}", file.display()))?;
            let out = if json {
                kcr_image::show::json(&img)?
            } else if tree {
                kcr_image::show::tree(&img)
            } else {
                kcr_image::show::summary(&img)
            };
            print!("{out}");
            if json {
                println!();
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

#[derive(clap::Args)]
struct RunArgs {
    /// Guest kernel: a bzImage or an uncompressed ELF vmlinux.
    #[arg(long)]
    kernel: PathBuf,
    /// Initramfs (uncompressed or compressed cpio) for the guest.
    #[arg(long)]
    initrd: Option<PathBuf>,
    /// Kernel command line (replaces the default).
    #[arg(long, default_value = DEFAULT_CMDLINE, allow_hyphen_values = true)]
    cmdline: String,
    /// Appended to the command line (e.g. `-- CMD` passes CMD to the
    /// guest's init).
    #[arg(long, allow_hyphen_values = true)]
    append: Option<String>,
    /// Guest memory in MiB.
    #[arg(long, default_value_t = DEFAULT_MEM_MIB)]
    mem_mib: u64,
    /// Number of vCPUs.
    #[arg(long, default_value_t = 1)]
    vcpus: u32,
    /// KVM device to use.
    #[arg(long, default_value = cr_vmm::vstate::kvm::DEFAULT_KVM_PATH)]
    kvm_device: PathBuf,
    /// Add a virtio-vsock device whose host side is this Unix socket
    /// (Firecracker's hybrid vsock: connect, send `CONNECT <port>\n`, read
    /// `OK <port>\n`; guest connections to host port P go to `PATH_P`).
    #[arg(long)]
    vsock_uds: Option<PathBuf>,
    /// Serve the control API (pause, resume, status, snapshot) on this Unix
    /// socket.
    #[arg(long)]
    api_sock: Option<PathBuf>,
    /// Log the pages the guest writes, so that `cr-vmm snapshot --diff`
    /// saves only those (costs a little while the guest runs).
    #[arg(long)]
    track_dirty_pages: bool,
    /// The guest's vsock CID.
    #[arg(long, default_value_t = cr_vmm::config::DEFAULT_GUEST_CID, requires = "vsock_uds")]
    guest_cid: u64,
    #[command(flatten)]
    sandbox: SandboxArgs,
}

/// How the VMM process is confined (`run` and `restore`).
#[derive(clap::Args)]
struct SandboxArgs {
    /// Run without seccomp filters (debugging only).
    #[arg(long, conflicts_with = "seccomp_filter")]
    no_seccomp: bool,
    /// Use these seccompiler JSON filters (keys `vmm`, `vcpu`, `api`)
    /// instead of the built-in ones.
    #[arg(long)]
    seccomp_filter: Option<PathBuf>,
    /// chroot into DIR once the host files are open, drop to --uid/--gid,
    /// no core dumps. Socket and snapshot paths are then inside DIR.
    #[arg(long, requires_all = ["uid", "gid"])]
    jail: Option<PathBuf>,
    /// The user a jailed VMM runs as.
    #[arg(long, requires = "jail")]
    uid: Option<u32>,
    /// The group a jailed VMM runs as.
    #[arg(long, requires = "jail")]
    gid: Option<u32>,
}

impl SandboxArgs {
    /// Sets the seccomp policy and checks the jail before anything starts.
    fn prepare(self) -> anyhow::Result<Option<cr_vmm::jail::Jail>> {
        use cr_vmm::seccomp::Policy;
        let policy = if self.no_seccomp {
            Policy::None
        } else if let Some(f) = self.seccomp_filter {
            Policy::File(f)
        } else {
            Policy::Default
        };
        cr_vmm::seccomp::init(&policy)?;
        let jail = match (self.jail, self.uid, self.gid) {
            (Some(dir), Some(uid), Some(gid)) => Some(cr_vmm::jail::Jail { dir, uid, gid }),
            _ => None,
        };
        if let Some(j) = &jail {
            j.validate()?;
        }
        Ok(jail)
    }
}

#[derive(clap::Args)]
struct RestoreArgs {
    /// The snapshot directory.
    #[arg(long)]
    snapshot: PathBuf,
    /// The vsock device's host socket (default: the one it had).
    #[arg(long)]
    vsock_uds: Option<PathBuf>,
    /// Serve the control API on this Unix socket.
    #[arg(long)]
    api_sock: Option<PathBuf>,
    /// KVM device to use.
    #[arg(long, default_value = cr_vmm::vstate::kvm::DEFAULT_KVM_PATH)]
    kvm_device: PathBuf,
    /// Start with the vCPUs paused; `cr-vmm resume --api-sock` runs them.
    #[arg(long, requires = "api_sock")]
    paused: bool,
    /// Log the pages the guest writes, for diff snapshots on top of this
    /// one.
    #[arg(long)]
    track_dirty_pages: bool,
    #[command(flatten)]
    sandbox: SandboxArgs,
}

/// Console input from stdin when it can be watched, and raw mode on a
/// terminal (restored when the guard drops).
fn console_input() -> anyhow::Result<(Option<std::fs::File>, Option<terminal::RawMode>)> {
    let stdin = std::io::stdin();
    // Only a terminal, pipe or socket can be watched by epoll; a regular
    // file or /dev/null on stdin means no console input.
    let input = if terminal::pollable(stdin.as_fd()) {
        Some(std::fs::File::from(
            stdin.as_fd().try_clone_to_owned().context("dup stdin")?,
        ))
    } else {
        None
    };
    let raw = if stdin.is_terminal() {
        terminal::RawMode::enter(stdin.as_fd()).ok()
    } else {
        None
    };
    Ok((input, raw))
}

fn exit_code(exit: GuestExit) -> ExitCode {
    match exit {
        GuestExit::PowerOff => {
            log::info!("guest powered off");
            ExitCode::SUCCESS
        }
        GuestExit::Reboot(how) => {
            log::info!("guest rebooted ({how})");
            ExitCode::SUCCESS
        }
        GuestExit::Signal(sig) => {
            eprintln!("cr-vmm: stopped by signal {sig}");
            ExitCode::from((128 + sig).clamp(0, 255) as u8)
        }
        GuestExit::Panic(line) => {
            eprintln!("cr-vmm: guest crashed: {line}");
            ExitCode::from(EXIT_GUEST_CRASH)
        }
    }
}

fn restore(args: RestoreArgs) -> anyhow::Result<ExitCode> {
    let jail = args.sandbox.prepare()?;
    let rc = cr_vmm::vmm::RestoreConfig {
        jail,
        snapshot: args.snapshot,
        vsock_uds: args.vsock_uds,
        api_sock: args.api_sock,
        kvm_path: args.kvm_device,
        paused: args.paused,
        track_dirty_pages: args.track_dirty_pages,
    };
    let (input, raw) = console_input()?;
    let exit = cr_vmm::vmm::restore(&rc, Box::new(std::io::stdout()), input);
    drop(raw);
    Ok(exit_code(exit?))
}

fn verify(
    image: &std::path::Path,
    snapshot: &std::path::Path,
    json: bool,
) -> anyhow::Result<ExitCode> {
    let r = cr_vmm::verify::verify(image, snapshot)?;
    if json {
        let tasks: Vec<_> = r
            .tasks
            .iter()
            .map(|t| {
                serde_json::json!({
                    "pid": t.pid, "comm": t.comm, "thread": t.thread, "pages": t.pages,
                    "pages_bad": t.pages_bad, "regs": t.regs, "missing": t.missing,
                })
            })
            .collect();
        println!(
            "{}",
            serde_json::json!({
                "ok": r.ok(), "tasks": tasks, "findings": r.findings,
                "unlisted": r.unlisted, "vcpus": r.vcpus,
            })
        );
    } else {
        for t in &r.tasks {
            if t.thread {
                println!("  thread {} '{}': registers {}", t.pid, t.comm, t.regs);
            } else {
                println!(
                    "task {} '{}': {} pages compared, {} bad; registers {}; {} writable private pages missing",
                    t.pid, t.comm, t.pages, t.pages_bad, t.regs, t.missing
                );
            }
        }
        println!("vCPUs checked: {}", r.vcpus);
        for f in &r.findings {
            println!("MISMATCH {f}");
        }
        if r.unlisted > 0 {
            println!("... and {} more", r.unlisted);
        }
        println!(
            "verify: {}",
            if r.ok() {
                "OK: the image matches the snapshot"
            } else {
                "FAILED"
            }
        );
    }
    Ok(if r.ok() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

fn compare_snapshots(a: &std::path::Path, b: &std::path::Path) -> anyhow::Result<ExitCode> {
    use cr_vmm::snapshot::compare;
    let r = compare::compare_dirs(a, b)?;
    println!("left out (they drift with host time):");
    for (field, why) in compare::DRIFT {
        println!("  {field}: {why}");
    }
    println!(
        "state: {} differing field(s); memory: {} of {} pages differ",
        r.nr_fields, r.nr_pages, r.pages_compared
    );
    for f in &r.fields {
        println!("  field {f}");
    }
    for p in &r.pages {
        println!("  page {p:#x}");
    }
    if r.equal() {
        println!("snapshots are equal");
        Ok(ExitCode::SUCCESS)
    } else {
        println!("snapshots differ");
        Ok(ExitCode::FAILURE)
    }
}

fn run(args: RunArgs) -> anyhow::Result<ExitCode> {
    let jail = args.sandbox.prepare()?;
    let cfg = VmConfig {
        jail,
        kernel: KernelImage::File(args.kernel),
        initrd: args.initrd,
        cmdline: match args.append {
            Some(extra) => format!("{} {extra}", args.cmdline),
            None => args.cmdline,
        },
        mem_mib: args.mem_mib,
        vcpus: args.vcpus,
        kvm_path: args.kvm_device,
        api_sock: args.api_sock,
        track_dirty_pages: args.track_dirty_pages,
        vsock: args.vsock_uds.map(|uds| cr_vmm::config::VsockConfig {
            guest_cid: args.guest_cid,
            uds,
        }),
    };
    let (input, raw) = console_input()?;
    let exit = cr_vmm::run(&cfg, Box::new(std::io::stdout()), input);
    drop(raw);
    Ok(exit_code(exit?))
}

fn main() -> ExitCode {
    env_logger::Builder::from_env(env_logger::Env::new().filter_or("CR_VMM_LOG", "warn"))
        .format_timestamp(None)
        .init();
    let cli = Cli::parse();
    let result = match cli.cmd {
        Cmd::Run(a) => run(a),
        Cmd::Restore(a) => restore(a),
        Cmd::CompareSnapshots { a, b } => compare_snapshots(&a, &b),
        Cmd::Verify {
            image,
            snapshot,
            json,
        } => verify(&image, &snapshot, json),
        Cmd::Image(c) => image(c),
        Cmd::Agent(c) => agent_cmd::run(c),
        Cmd::Api(c) => api_cmd::run(c),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            // Errors that already print their source are not repeated.
            let mut chain: Vec<String> = Vec::new();
            for c in e.chain().map(|c| c.to_string()) {
                if !chain.last().is_some_and(|prev| prev.ends_with(&c)) {
                    chain.push(c);
                }
            }
            eprintln!("cr-vmm: error: {}", chain.join(": "));
            ExitCode::FAILURE
        }
    }
}
