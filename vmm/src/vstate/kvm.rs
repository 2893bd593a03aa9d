//! Opening `/dev/kvm` with errors a user can act on.

use std::path::{Path, PathBuf};

use kvm_ioctls::{Cap, Kvm};

/// The default KVM device.
pub const DEFAULT_KVM_PATH: &str = "/dev/kvm";
const KVM_API_VERSION: i32 = 12;

/// Capabilities cr-vmm cannot run without.
const REQUIRED_CAPS: &[(Cap, &str)] = &[
    (Cap::Irqchip, "in-kernel irqchip"),
    (Cap::UserMemory, "user memory regions"),
    (Cap::SetTssAddr, "TSS address"),
    (Cap::Pit2, "in-kernel PIT"),
    (Cap::Irqfd, "irqfd"),
    (Cap::Ioeventfd, "ioeventfd"),
    (Cap::ExtCpuid, "CPUID2"),
    (Cap::ImmediateExit, "immediate exit"),
];

/// Why KVM cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The device node does not exist.
    #[error("{0} does not exist: KVM is not available on this host (enable VT-x/AMD-V and the kvm module, or run inside the CI host: cargo xtask nested)")]
    NotFound(PathBuf),
    /// No permission to open it.
    #[error("no permission to open {0}: run as root or add this user to the group that owns it (usually 'kvm')")]
    PermissionDenied(PathBuf),
    /// Any other open error.
    #[error("cannot open {path}: {err}")]
    Open {
        /// The device path.
        path: PathBuf,
        /// The errno.
        err: vmm_sys_util::errno::Error,
    },
    /// Not a KVM device, or an unexpected API version.
    #[error(
        "{path} is not a usable KVM device (API version {version}, expected {KVM_API_VERSION})"
    )]
    ApiVersion {
        /// The device path.
        path: PathBuf,
        /// What it answered.
        version: i32,
    },
    /// A required capability is missing.
    #[error("KVM at {path} lacks a required capability: {what}")]
    MissingCap {
        /// The device path.
        path: PathBuf,
        /// Which one.
        what: &'static str,
    },
}

/// Opens the KVM device at `path` and checks the capabilities cr-vmm needs.
pub fn open(path: &Path) -> Result<Kvm, Error> {
    let cpath =
        std::ffi::CString::new(path.as_os_str().as_encoded_bytes()).map_err(|_| Error::Open {
            path: path.to_owned(),
            err: vmm_sys_util::errno::Error::new(libc::EINVAL),
        })?;
    let kvm = Kvm::new_with_path(&cpath).map_err(|e| match e.errno() {
        libc::ENOENT => Error::NotFound(path.to_owned()),
        libc::EACCES | libc::EPERM => Error::PermissionDenied(path.to_owned()),
        _ => Error::Open {
            path: path.to_owned(),
            err: e,
        },
    })?;
    let version = kvm.get_api_version();
    if version != KVM_API_VERSION {
        return Err(Error::ApiVersion {
            path: path.to_owned(),
            version,
        });
    }
    for (cap, what) in REQUIRED_CAPS {
        if !kvm.check_extension(*cap) {
            return Err(Error::MissingCap {
                path: path.to_owned(),
                what,
            });
        }
    }
    Ok(kvm)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_device_is_named() {
        let e = open(Path::new("/nonexistent/kvm")).unwrap_err();
        assert!(matches!(e, Error::NotFound(_)));
        assert!(e.to_string().starts_with("/nonexistent/kvm does not exist"));
    }

    #[test]
    fn a_regular_file_is_not_kvm() {
        let f = tempfile::NamedTempFile::new().unwrap();
        let e = open(f.path()).unwrap_err();
        assert!(matches!(e, Error::ApiVersion { .. }), "{e}");
    }
}
