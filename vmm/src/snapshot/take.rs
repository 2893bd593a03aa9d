//! Taking a snapshot of a running VM, from the API thread, with every vCPU
//! parked: the vCPU threads save their own state, then the VM-wide state,
//! the devices and the memory are saved with the devices locked (so that
//! the event loop cannot change guest memory meanwhile).

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::memory::GuestMem;

use super::{store, DiffInfo, VmSnapshot};
use crate::api::SnapshotInfo;
use crate::devices::bus::lock;
use crate::devices::serial::SerialDevice;
use crate::devices::virtio::block::{Block, BlockSnapshot};
use crate::devices::virtio::mmio::MmioTransport;
use crate::devices::virtio::net::{Net, NetSnapshot};
use crate::devices::virtio::vsock::{Vsock, VsockSnapshot};
use crate::memory;
use crate::persist::Persist;
use crate::vstate::pause::PauseGate;
use crate::vstate::vcpu::SaveSlots;
use crate::vstate::vm::Vm;

/// How long the vCPU threads may take to save their state.
const SAVE_TIMEOUT: Duration = Duration::from_secs(10);

/// The vsock device with its transport and host socket path.
#[derive(Debug, Clone)]
pub struct VsockParts {
    /// The transport on the MMIO bus.
    pub transport: Arc<Mutex<MmioTransport>>,
    /// The device (also the event loop's subscriber).
    pub device: Arc<Mutex<Vsock>>,
    /// Its host socket path.
    pub uds: PathBuf,
}

/// A drive with its transport.
#[derive(Debug, Clone)]
pub struct BlockParts {
    /// The transport on the MMIO bus.
    pub transport: Arc<Mutex<MmioTransport>>,
    /// The device (also the event loop's subscriber).
    pub device: Arc<Mutex<Block>>,
}

/// The network device with its transport.
#[derive(Debug, Clone)]
pub struct NetParts {
    /// The transport on the MMIO bus.
    pub transport: Arc<Mutex<MmioTransport>>,
    /// The device (also the event loop's subscriber).
    pub device: Arc<Mutex<Net>>,
}

/// What a snapshot is taken from.
#[derive(Debug)]
pub struct Source {
    /// The VM.
    pub vm: Arc<Vm>,
    /// Guest memory.
    pub mem: GuestMem,
    /// The vCPUs' gate (they are parked when [`Source::take`] runs).
    pub gate: Arc<PauseGate>,
    /// Where the vCPU threads put their state.
    pub saves: Arc<SaveSlots>,
    /// The serial console.
    pub serial: Arc<Mutex<SerialDevice>>,
    /// The vsock device, if any.
    pub vsock: Option<VsockParts>,
    /// The drives, in slot order.
    pub blocks: Vec<BlockParts>,
    /// The network device, if any.
    pub net: Option<NetParts>,
    /// Guest memory size in MiB.
    pub mem_mib: u64,
    /// The last snapshot of this VM (or the one it was restored from): the
    /// base of the next diff snapshot. None after a failed snapshot, whose
    /// dirty log is lost.
    pub last: Mutex<Option<PathBuf>>,
}

impl Source {
    /// Saves the whole VM into `dir` (which must not exist); with `diff`,
    /// only the memory pages written since the previous snapshot. The vCPUs
    /// must be parked.
    pub fn take(&self, dir: &Path, diff: bool) -> Result<SnapshotInfo, String> {
        let start = Instant::now();
        if dir.exists() {
            return Err(store::Error::Exists(dir.to_owned()).to_string());
        }
        let tracking = self.vm.tracks_dirty_pages();
        let base = lock(&self.last).clone();
        if diff && !tracking {
            return Err("a diff snapshot needs a VM started with --track-dirty-pages".into());
        }
        let base = match (diff, base) {
            (true, None) => {
                return Err(
                    "no earlier snapshot of this VM to diff against: take a full one first".into(),
                )
            }
            (true, Some(b)) => Some(b),
            (false, _) => None,
        };
        let r = self.take_locked(dir, base);
        *lock(&self.last) = match &r {
            Ok(_) if tracking => std::path::absolute(dir).ok(),
            _ => None,
        };
        r.map(|mut info| {
            info.ms = start.elapsed().as_millis() as u64;
            info
        })
    }

    fn take_locked(&self, dir: &Path, base: Option<PathBuf>) -> Result<SnapshotInfo, String> {
        let n = lock(&self.saves.states).len();
        lock(&self.saves.states).iter_mut().for_each(|s| *s = None);
        if !self.gate.run_job(n, SAVE_TIMEOUT) {
            return Err("the vCPUs did not save their state in time".into());
        }
        let mut vcpus = Vec::with_capacity(n);
        for (i, s) in lock(&self.saves.states).iter_mut().enumerate() {
            match s.take() {
                Some(Ok(st)) => vcpus.push(st),
                Some(Err(e)) => return Err(e),
                None => return Err(format!("vCPU {i} saved nothing")),
            }
        }
        let vm = self.vm.save_state().map_err(|e| e.to_string())?;

        // Locked until the memory is written: the event loop serves the
        // devices and could otherwise write guest memory meanwhile.
        let vsock_guards = self
            .vsock
            .as_ref()
            .map(|v| (lock(&v.transport), lock(&v.device), v.uds.clone()));
        let block_guards: Vec<_> = self
            .blocks
            .iter()
            .map(|b| (lock(&b.transport), lock(&b.device)))
            .collect();
        let net_guards = self
            .net
            .as_ref()
            .map(|n| (lock(&n.transport), lock(&n.device)));
        let serial = lock(&self.serial);
        // The pages written since the last snapshot, read (and cleared)
        // with everything stopped.
        let runs = if self.vm.tracks_dirty_pages() {
            let log = self.vm.take_dirty_log().map_err(|e| e.to_string())?;
            memory::take_dirty(&self.mem, &log)
        } else {
            Vec::new()
        };
        let diff = base.map(|base| DiffInfo { base, runs });
        let kind = if diff.is_some() { "Diff" } else { "Full" };
        let snap = VmSnapshot {
            vmm_version: env!("CARGO_PKG_VERSION").into(),
            mem_mib: self.mem_mib,
            memory: memory::layout(&self.mem),
            vcpus,
            vm,
            serial: serial.save(),
            vsock: vsock_guards.as_ref().map(|(t, d, uds)| VsockSnapshot {
                uds: uds.clone(),
                device: d.save(),
                transport: t.save(),
            }),
            blocks: block_guards
                .iter()
                .map(|(t, d)| BlockSnapshot {
                    device: d.save(),
                    transport: t.save(),
                })
                .collect(),
            net: net_guards.as_ref().map(|(t, d)| NetSnapshot {
                device: d.save(),
                transport: t.save(),
            }),
            diff,
        };
        let w = store::write(dir, &snap, &self.mem).map_err(|e| e.to_string())?;
        drop(serial);
        drop(vsock_guards);
        drop(block_guards);
        drop(net_guards);
        Ok(SnapshotInfo {
            memory_bytes: w.memory_bytes,
            snapshot_type: kind.into(),
            state_bytes: w.state_bytes,
            ms: 0,
        })
    }
}
