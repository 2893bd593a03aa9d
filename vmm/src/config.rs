//! What to run: the machine a user asks for, checked before anything is
//! allocated so that bad input gets a one-line error.

use std::path::PathBuf;

use crate::arch::mptable::MAX_CPUS;
use crate::boot::KernelImage;
use crate::vstate::kvm::DEFAULT_KVM_PATH;

/// The default guest command line: serial console, reboot through the i8042
/// (the VMM exits), reboot right after a panic, and no probing of hardware
/// cr-vmm does not have.
pub const DEFAULT_CMDLINE: &str =
    "console=ttyS0 reboot=k panic=-1 pci=off 8250.nr_uarts=1 i8042.noaux i8042.nomux i8042.dumbkbd";
/// Default guest memory.
pub const DEFAULT_MEM_MIB: u64 = 128;
/// Smallest guest memory accepted.
pub const MIN_MEM_MIB: u64 = 16;

/// Invalid configuration.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum Error {
    /// `--vcpus 0`.
    #[error("--vcpus must be at least 1")]
    NoVcpus,
    /// More vCPUs than supported.
    #[error("--vcpus {0} is more than the {MAX_CPUS} cr-vmm supports")]
    TooManyVcpus(u32),
    /// Memory below the minimum.
    #[error("--mem-mib {0} is too small: the guest needs at least {MIN_MEM_MIB} MiB")]
    MemTooSmall(u64),
    /// Memory above what the host has.
    #[error("--mem-mib {asked} is too large: this host has {host} MiB of RAM")]
    MemTooLarge {
        /// What was asked.
        asked: u64,
        /// What the host has.
        host: u64,
    },
    /// Command line with a NUL or non-ASCII byte.
    #[error("--cmdline must be printable ASCII")]
    BadCmdline,
    /// A reserved or too large guest CID.
    #[error("--guest-cid {0} is invalid: use 3..=4294967294 (0-2 are reserved)")]
    BadCid(u64),
    /// The API socket path exists already.
    #[error("--api-sock {0}: the path exists (remove it, or pick another)")]
    ApiPathExists(String),
    /// More drives than there are device slots.
    #[error("{0} drives: cr-vmm supports at most {MAX_DRIVES}")]
    TooManyDrives(usize),
    /// --rootfs without a drive (a bug in the caller).
    #[error("the root filesystem is on the first drive, but there is no drive")]
    NoRootDrive,
    /// The vsock socket path exists already.
    #[error("--vsock-uds {0}: the path exists (remove it, or pick another)")]
    VsockPathExists(String),
}

/// Inserts kernel arguments `extra` before the init arguments of `cmdline`.
pub fn with_kernel_args(cmdline: &str, extra: &str) -> String {
    if extra.is_empty() {
        return cmdline.to_string();
    }
    match cmdline.find(" -- ") {
        Some(i) => format!("{} {extra}{}", &cmdline[..i], &cmdline[i..]),
        None if cmdline.ends_with(" --") => {
            format!("{} {extra} --", &cmdline[..cmdline.len() - 3])
        }
        None => format!("{cmdline} {extra}"),
    }
}

/// A virtio-vsock device whose host side is a Unix socket (Firecracker's
/// hybrid vsock).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VsockConfig {
    /// The guest's CID.
    pub guest_cid: u64,
    /// Host clients connect here; guest connections to port P go to
    /// `PATH_P`.
    pub uds: PathBuf,
}

/// A virtio-blk drive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DriveConfig {
    /// The host file (or block device).
    pub path: PathBuf,
    /// The guest may only read it.
    pub read_only: bool,
    /// The serial number the guest reads (default: from the file's
    /// device and inode).
    pub serial: Option<String>,
}

impl std::str::FromStr for DriveConfig {
    type Err = String;

    /// `FILE[,ro][,serial=ID]`.
    ///
    /// ```
    /// use cr_vmm::config::DriveConfig;
    /// let d: DriveConfig = "/x/d.img,ro,serial=data".parse().unwrap();
    /// assert_eq!((d.path.to_str(), d.read_only, d.serial.as_deref()), (Some("/x/d.img"), true, Some("data")));
    /// assert!("d.img,rw=1".parse::<DriveConfig>().is_err());
    /// ```
    fn from_str(s: &str) -> Result<Self, String> {
        let mut parts = s.split(',');
        let path = parts
            .next()
            .filter(|p| !p.is_empty())
            .ok_or("no drive file")?;
        let mut d = DriveConfig {
            path: PathBuf::from(path),
            read_only: false,
            serial: None,
        };
        for p in parts {
            match p.split_once('=') {
                None if p == "ro" => d.read_only = true,
                None if p == "rw" => d.read_only = false,
                Some(("serial", v)) => d.serial = Some(v.to_string()),
                _ => {
                    return Err(format!(
                        "drive option {p:?}: expected FILE[,ro][,serial=ID]"
                    ))
                }
            }
        }
        Ok(d)
    }
}

/// A virtio-net device on a host tap.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NetConfig {
    /// The tap interface (created if missing, which needs CAP_NET_ADMIN).
    pub tap: String,
    /// The guest's MAC address.
    pub mac: crate::devices::virtio::net::MacAddr,
}

/// Most drives a VM can have.
pub const MAX_DRIVES: usize = 8;

/// Default guest CID.
pub const DEFAULT_GUEST_CID: u64 = 3;

/// A VM's configuration.
#[derive(Debug, Clone)]
pub struct VmConfig {
    /// The kernel to boot.
    pub kernel: KernelImage,
    /// Optional initramfs.
    pub initrd: Option<PathBuf>,
    /// Kernel command line.
    pub cmdline: String,
    /// Guest RAM in MiB.
    pub mem_mib: u64,
    /// Number of vCPUs.
    pub vcpus: u32,
    /// The KVM device.
    pub kvm_path: PathBuf,
    /// Optional vsock device.
    pub vsock: Option<VsockConfig>,
    /// virtio-blk drives: `/dev/vda`, `/dev/vdb`, ... in this order.
    pub drives: Vec<DriveConfig>,
    /// The first drive is the root filesystem (`root=/dev/vda`).
    pub root_on_first_drive: bool,
    /// Optional network device (`eth0` in the guest).
    pub net: Option<NetConfig>,
    /// Optional control API socket.
    pub api_sock: Option<PathBuf>,
    /// Log the pages the guest writes, for diff snapshots.
    pub track_dirty_pages: bool,
    /// Confine the process once the VM is built (`--jail`).
    pub jail: Option<crate::jail::Jail>,
}

impl VmConfig {
    /// A configuration with defaults for everything but the kernel.
    pub fn new(kernel: KernelImage) -> Self {
        VmConfig {
            kernel,
            initrd: None,
            cmdline: DEFAULT_CMDLINE.to_string(),
            mem_mib: DEFAULT_MEM_MIB,
            vcpus: 1,
            kvm_path: PathBuf::from(DEFAULT_KVM_PATH),
            vsock: None,
            drives: Vec::new(),
            root_on_first_drive: false,
            net: None,
            api_sock: None,
            track_dirty_pages: false,
            jail: None,
        }
    }

    /// Checks the values that do not need the kernel or KVM.
    pub fn validate(&self) -> Result<(), Error> {
        self.validate_against(host_ram_mib())
    }

    fn validate_against(&self, host_mib: u64) -> Result<(), Error> {
        if self.vcpus == 0 {
            return Err(Error::NoVcpus);
        }
        if self.vcpus > u32::from(MAX_CPUS) {
            return Err(Error::TooManyVcpus(self.vcpus));
        }
        if self.mem_mib < MIN_MEM_MIB {
            return Err(Error::MemTooSmall(self.mem_mib));
        }
        if self.mem_mib > host_mib {
            return Err(Error::MemTooLarge {
                asked: self.mem_mib,
                host: host_mib,
            });
        }
        if !self.cmdline.bytes().all(|b| (0x20..0x7f).contains(&b)) {
            return Err(Error::BadCmdline);
        }
        if let Some(p) = &self.api_sock {
            if p.symlink_metadata().is_ok() {
                return Err(Error::ApiPathExists(p.display().to_string()));
            }
        }
        if self.drives.len() > MAX_DRIVES {
            return Err(Error::TooManyDrives(self.drives.len()));
        }
        if self.root_on_first_drive && self.drives.is_empty() {
            return Err(Error::NoRootDrive);
        }
        if let Some(v) = &self.vsock {
            if !(3..=u64::from(u32::MAX) - 1).contains(&v.guest_cid) {
                return Err(Error::BadCid(v.guest_cid));
            }
            if v.uds.symlink_metadata().is_ok() {
                return Err(Error::VsockPathExists(v.uds.display().to_string()));
            }
        }
        Ok(())
    }

    /// The command line with `extra` (device announcements) inserted before
    /// the init arguments (after ` -- `), which the kernel would otherwise
    /// pass to init.
    ///
    /// ```
    /// use cr_vmm::config::with_kernel_args;
    /// assert_eq!(with_kernel_args("a b", "x=1"), "a b x=1");
    /// assert_eq!(with_kernel_args("a -- sh -c 'b'", "x=1"), "a x=1 -- sh -c 'b'");
    /// ```
    pub fn effective_cmdline(&self, extra: &str) -> String {
        with_kernel_args(&self.cmdline, extra)
    }

    /// Guest memory in bytes.
    pub fn mem_bytes(&self) -> u64 {
        self.mem_mib << 20
    }
}

/// The host's physical RAM in MiB (from `sysinfo(2)`).
pub fn host_ram_mib() -> u64 {
    // SAFETY: sysinfo only writes into the struct we pass.
    let mut si: libc::sysinfo = unsafe { std::mem::zeroed() };
    // SAFETY: `si` is a valid, writable sysinfo struct.
    if unsafe { libc::sysinfo(&mut si) } != 0 {
        return u64::MAX;
    }
    (si.totalram as u64).saturating_mul(u64::from(si.mem_unit)) >> 20
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg() -> VmConfig {
        VmConfig::new(KernelImage::File("k".into()))
    }

    #[test]
    fn limits() {
        let mut c = cfg();
        assert_eq!(c.validate_against(1024), Ok(()));
        c.vcpus = 0;
        assert_eq!(c.validate_against(1024), Err(Error::NoVcpus));
        c.vcpus = 33;
        assert_eq!(c.validate_against(1024), Err(Error::TooManyVcpus(33)));
        c.vcpus = 2;
        c.mem_mib = 8;
        assert_eq!(c.validate_against(1024), Err(Error::MemTooSmall(8)));
        c.mem_mib = 2048;
        assert_eq!(
            c.validate_against(1024),
            Err(Error::MemTooLarge {
                asked: 2048,
                host: 1024
            })
        );
        c.mem_mib = 128;
        c.cmdline = "console=ttyS0\n".into();
        assert_eq!(c.validate_against(1024), Err(Error::BadCmdline));
        c.cmdline = DEFAULT_CMDLINE.into();
        c.root_on_first_drive = true;
        assert_eq!(c.validate_against(1024), Err(Error::NoRootDrive));
        let d: DriveConfig = "d.img".parse().unwrap();
        c.drives = vec![d; MAX_DRIVES + 1];
        assert_eq!(c.validate_against(1024), Err(Error::TooManyDrives(9)));
        c.drives.truncate(1);
        assert_eq!(c.validate_against(1024), Ok(()));
        c.drives.clear();
        c.root_on_first_drive = false;
        let dir = tempfile::tempdir().unwrap();
        let mut v = VsockConfig {
            guest_cid: 2,
            uds: dir.path().join("v.sock"),
        };
        c.vsock = Some(v.clone());
        assert_eq!(c.validate_against(1024), Err(Error::BadCid(2)));
        v.guest_cid = 1 << 32;
        c.vsock = Some(v.clone());
        assert_eq!(c.validate_against(1024), Err(Error::BadCid(1 << 32)));
        v.guest_cid = 3;
        c.vsock = Some(v.clone());
        assert_eq!(c.validate_against(1024), Ok(()));
        std::fs::write(&v.uds, b"").unwrap();
        assert!(matches!(
            c.validate_against(1024),
            Err(Error::VsockPathExists(_))
        ));
    }

    #[test]
    fn kernel_args_go_before_init_args() {
        assert_eq!(with_kernel_args("a", ""), "a");
        assert_eq!(with_kernel_args("a --", "v"), "a v --");
        assert_eq!(with_kernel_args("a -- x -- y", "v"), "a v -- x -- y");
    }

    #[test]
    fn host_has_some_ram() {
        assert!(host_ram_mib() > MIN_MEM_MIB);
    }
}
