//! The machinery behind `cargo xtask`: building the guest and CI-host
//! images, booting the nested-KVM CI host, and choosing between running on
//! this host's `/dev/kvm` and running nested. The end-to-end tests use it
//! as a library.

pub mod bump;
pub mod cpio;
pub mod deps;
pub mod fuzz;
pub mod fuzz_guest;
pub mod images;
pub mod kvm_probe;
pub mod nested;
pub mod paths;
pub mod pins;
pub mod rootfs;
pub mod run;
pub mod soak;
pub mod testrun;
pub mod timing;
