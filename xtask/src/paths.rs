//! Where things are in the workspace.

use std::path::PathBuf;

/// The workspace root.
pub fn root() -> PathBuf {
    let here = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    here.parent().map(PathBuf::from).unwrap_or(here)
}

/// `images/out`, where every built image goes.
pub fn out() -> PathBuf {
    root().join("images/out")
}

/// Guest kernel (bzImage).
pub fn guest_kernel() -> PathBuf {
    out().join("guest/bzImage")
}

/// Guest kernel (ELF vmlinux).
pub fn guest_vmlinux() -> PathBuf {
    out().join("guest/vmlinux")
}

/// Guest initramfs.
pub fn guest_initramfs() -> PathBuf {
    out().join("guest/initramfs.cpio")
}

/// CI host kernel: the guest's (one kernel plays both roles; see
/// `images/ci-host/host.config`).
pub fn host_kernel() -> PathBuf {
    guest_kernel()
}

/// CI host initramfs (without the per-run archive).
pub fn host_initramfs() -> PathBuf {
    out().join("ci-host/initramfs.cpio")
}

/// Statically linked binaries for the guest and the CI host.
pub fn static_bin(name: &str) -> PathBuf {
    root()
        .join("target/x86_64-unknown-linux-gnu/release")
        .join(name)
}

/// The host build of a workspace binary (what `cargo build` makes).
pub fn host_bin(name: &str) -> PathBuf {
    root().join("target/debug").join(name)
}

/// Where the guest images sit inside the CI host.
pub const NESTED_IMAGES: &str = "/images";
