//! cr-vmm: a rust-vmm based VMM for hypervisor-assisted checkpoint/restart.
//! This library is the VMM core; the `cr-vmm` command line
//! (`src/bin/cr-vmm/`) uses it and it knows nothing of the command line.
//!
//! - [`arch`]: the x86_64 guest layout and boot-time CPU state;
//! - [`boot`]: kernel, initrd and command-line loading;
//! - [`vstate`]: KVM, guest memory, the VM and its vCPUs;
//! - [`devices`]: the buses, serial console, i8042 and the virtio devices;
//! - [`device_manager`]: building the devices and wiring them to the VM;
//! - [`vmm`]: putting them together and running the guest;
//! - [`api`]: the control API (pause, resume, snapshot, status) on a Unix socket;
//! - [`jail`]: chroot, privilege drop and limits (`--jail`);
//! - [`seccomp`]: per-thread system call filters;
//! - [`persist`]: the save/restore trait the devices implement;
//! - [`snapshot`]: VM snapshots (state file format, save, restore);
//! - [`verify`]: checking a guest checkpoint against a VM snapshot.
//!
//! The fuzz targets' entry points are the `cr-vmm-fuzz-targets` crate
//! (`vmm/fuzz-targets/`), which uses this library's public API.
#![deny(missing_docs)]

pub mod api;
pub mod arch;
pub mod boot;
pub mod config;
pub mod device_manager;
pub mod devices;
pub mod jail;
pub mod memory;
pub mod persist;
pub mod seccomp;
pub mod snapshot;
pub mod verify;
pub mod vmm;
pub mod vstate;

pub use config::VmConfig;
pub use vmm::{run, Error, GuestExit};
