//! `cr-vmm run` and `cr-vmm restore`: a VM in this process, its console on
//! this terminal, confined by seccomp and the jail.

use std::io::IsTerminal;
use std::os::fd::AsFd;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use cr_vmm::boot::KernelImage;
use cr_vmm::config::{DEFAULT_CMDLINE, DEFAULT_MEM_MIB};
use cr_vmm::{GuestExit, VmConfig};

use crate::terminal;

/// Exit status when the guest kernel panicked or crashed.
const EXIT_GUEST_CRASH: u8 = 2;

/// `cr-vmm run`.
#[derive(clap::Args)]
pub struct RunArgs {
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
    /// Boot from this root filesystem image: the first virtio-blk drive
    /// (`/dev/vda`), mounted by the kernel as `/` (`root=/dev/vda`).
    #[arg(long)]
    rootfs: Option<PathBuf>,
    /// The root filesystem is read-only (to the guest, and opened so).
    #[arg(long, requires = "rootfs")]
    ro: bool,
    /// Another virtio-blk drive, `FILE[,ro][,serial=ID]` (repeatable;
    /// `/dev/vdb`, ... after the root filesystem, in this order).
    #[arg(long = "drive", value_name = "FILE[,ro][,serial=ID]")]
    drives: Vec<cr_vmm::config::DriveConfig>,
    /// Add a virtio-net device (the guest's eth0) on this host tap; it is
    /// created if missing (needs CAP_NET_ADMIN). See the README for the
    /// host side (address, route).
    #[arg(long)]
    tap: Option<String>,
    /// The guest's MAC address.
    #[arg(long, requires = "tap", default_value_t = cr_vmm::devices::virtio::net::DEFAULT_MAC)]
    guest_mac: cr_vmm::devices::virtio::net::MacAddr,
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

/// `cr-vmm restore`.
#[derive(clap::Args)]
pub struct RestoreArgs {
    /// The snapshot directory.
    #[arg(long)]
    snapshot: PathBuf,
    /// The vsock device's host socket (default: the one it had).
    #[arg(long)]
    vsock_uds: Option<PathBuf>,
    /// The network device's tap (default: the one it had).
    #[arg(long)]
    tap: Option<String>,
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

/// Restores a snapshot and runs the VM until it stops.
pub fn restore(args: RestoreArgs) -> anyhow::Result<ExitCode> {
    let jail = args.sandbox.prepare()?;
    let rc = cr_vmm::vmm::RestoreConfig {
        jail,
        snapshot: args.snapshot,
        vsock_uds: args.vsock_uds,
        tap: args.tap,
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
/// Boots the VM and runs it until it stops.
pub fn run(args: RunArgs) -> anyhow::Result<ExitCode> {
    let jail = args.sandbox.prepare()?;
    let mut drives = args.drives;
    if let Some(root) = &args.rootfs {
        drives.insert(
            0,
            cr_vmm::config::DriveConfig {
                path: root.clone(),
                read_only: args.ro,
                serial: Some("rootfs".into()),
            },
        );
    }
    let cfg = VmConfig {
        jail,
        root_on_first_drive: args.rootfs.is_some(),
        drives,
        net: args.tap.map(|tap| cr_vmm::config::NetConfig {
            tap,
            mac: args.guest_mac,
        }),
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
