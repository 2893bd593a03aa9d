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
}

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
        Ok(())
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
    }

    #[test]
    fn host_has_some_ram() {
        assert!(host_ram_mib() > MIN_MEM_MIB);
    }
}
