//! VM snapshots: the whole machine (vCPUs, VM-wide KVM state, devices and
//! guest memory) saved into a directory, and restored by a new cr-vmm
//! process.
//!
//! A snapshot directory holds two files:
//! - `state`: [`format`] header (magic, version, CRC-64) and the JSON of
//!   [`VmSnapshot`];
//! - `memory`: guest RAM, region after region as [`VmSnapshot::memory`]
//!   lays it out, mapped `MAP_PRIVATE` on restore; for a diff snapshot
//!   ([`VmSnapshot::diff`]), a sparse file of the same layout with only the
//!   pages written since its base, applied on top of the base on restore.
//!
//! It is written into `DIR.partial`, every file fsynced, then renamed to
//! `DIR`: a snapshot directory either is complete or does not exist.
//!
//! Every device implements [`crate::persist::Persist`] and owns its state
//! type; this module only collects those states (it depends on the devices,
//! never the reverse). The vCPUs and the VM have their own save/restore
//! ([`crate::vstate::vcpu::Vcpu::save_state`], [`crate::vstate::vm`])
//! because they talk to KVM.

pub mod compare;
pub mod format;
pub mod store;
pub mod take;

use serde::{Deserialize, Serialize};

use crate::devices::serial::SerialState;
use crate::devices::virtio::block::BlockSnapshot;
use crate::devices::virtio::net::NetSnapshot;
use crate::devices::virtio::vsock::VsockSnapshot;
use crate::memory::RegionLayout;
use crate::vstate::vcpu_state::VcpuState;
use crate::vstate::vm::VmState;

/// The state file's body.
#[derive(Debug, Serialize, Deserialize)]
pub struct VmSnapshot {
    /// The cr-vmm version that wrote it.
    pub vmm_version: String,
    /// Guest memory size in MiB.
    pub mem_mib: u64,
    /// Guest RAM regions in the memory file.
    pub memory: Vec<RegionLayout>,
    /// Every vCPU, by index.
    pub vcpus: Vec<VcpuState>,
    /// Interrupt controllers, PIT, kvmclock.
    pub vm: VmState,
    /// The serial console.
    pub serial: SerialState,
    /// The vsock device, if the VM has one.
    pub vsock: Option<VsockSnapshot>,
    /// The drives, in slot order (`/dev/vda` first).
    #[serde(default)]
    pub blocks: Vec<BlockSnapshot>,
    /// The network device, if the VM has one.
    #[serde(default)]
    pub net: Option<NetSnapshot>,
    /// A diff snapshot: its memory file holds only these pages, the rest
    /// is its base's.
    #[serde(default)]
    pub diff: Option<DiffInfo>,
}

/// What a diff snapshot adds to its base.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DiffInfo {
    /// The snapshot directory it is on top of (absolute).
    pub base: std::path::PathBuf,
    /// The pages it holds, as ascending `(gpa, pages)` runs.
    pub runs: Vec<(u64, u64)>,
}

/// Longest chain of diff snapshots restore follows.
pub const MAX_DIFF_CHAIN: usize = 64;

/// Names of the files in a snapshot directory.
pub const STATE_FILE: &str = "state";
/// See [`STATE_FILE`].
pub const MEMORY_FILE: &str = "memory";
