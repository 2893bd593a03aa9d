//! Can this host's `/dev/kvm` boot a stock Linux guest? If not, cr-vmm runs
//! inside the nested-KVM CI host instead.

use std::path::Path;

/// Where guests run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Directly on this host's /dev/kvm.
    Host,
    /// Inside the CI host VM under QEMU (nested KVM).
    Nested,
}

impl std::fmt::Display for Mode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Mode::Host => "host",
            Mode::Nested => "nested",
        })
    }
}

/// The CPU's hardware virtualization flags, from /proc/cpuinfo.
pub fn cpu_virt_flag() -> Option<&'static str> {
    let info = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let flags = info
        .lines()
        .find(|l| l.starts_with("flags"))
        .unwrap_or_default()
        .split_whitespace()
        .collect::<Vec<_>>();
    if flags.contains(&"vmx") {
        Some("vmx")
    } else if flags.contains(&"svm") {
        Some("svm")
    } else {
        None
    }
}

/// Decides where a stock Linux guest can run, and says why.
pub fn detect() -> (Mode, String) {
    let kvm = Path::new("/dev/kvm");
    if !kvm.exists() {
        return (Mode::Nested, "no /dev/kvm on this host".into());
    }
    if let Err(e) = std::fs::OpenOptions::new().read(true).write(true).open(kvm) {
        return (Mode::Nested, format!("/dev/kvm cannot be opened: {e}"));
    }
    if Path::new("/sys/module/kvm_pvm").exists() {
        return (
            Mode::Nested,
            "/dev/kvm is kvm_pvm (guest kernel mode is emulated; a stock kernel does not boot)"
                .into(),
        );
    }
    match cpu_virt_flag() {
        Some(flag) => (Mode::Host, format!("/dev/kvm is hardware-backed ({flag})")),
        None => (
            Mode::Nested,
            "the CPU has no vmx/svm flag, so /dev/kvm is not hardware virtualization".into(),
        ),
    }
}

/// The mode from `CRVMM_MODE` (host|nested) if set, else [`detect`].
pub fn from_env_or_detect() -> anyhow::Result<(Mode, String)> {
    match std::env::var("CRVMM_MODE").as_deref() {
        Ok("host") => Ok((Mode::Host, "forced by CRVMM_MODE=host".into())),
        Ok("nested") => Ok((Mode::Nested, "forced by CRVMM_MODE=nested".into())),
        Ok(other) => anyhow::bail!("CRVMM_MODE must be 'host' or 'nested', not '{other}'"),
        Err(_) => Ok(detect()),
    }
}
