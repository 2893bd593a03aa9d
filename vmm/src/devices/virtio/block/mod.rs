//! The virtio-blk device (virtio 1.2, section 5.2): one request queue, a
//! host file as the drive ([`disk`]), requests parsed and checked in
//! [`request`] and executed synchronously on the VMM's event loop (as
//! Firecracker's sync engine does).
//!
//! Offered features: VERSION_1, EVENT_IDX, FLUSH, SEG_MAX, and RO for a
//! read-only drive, whose writes are answered VIRTIO_BLK_S_IOERR.

pub mod disk;
pub mod request;
#[cfg(test)]
mod tests;

use std::os::fd::AsRawFd;
use std::path::PathBuf;
use std::sync::Arc;

use event_manager::{EventOps, EventSet, Events, MutEventSubscriber};
use virtio_bindings::virtio_blk::{VIRTIO_BLK_F_FLUSH, VIRTIO_BLK_F_RO, VIRTIO_BLK_F_SEG_MAX};
use virtio_bindings::virtio_config::VIRTIO_F_VERSION_1;
use virtio_bindings::virtio_ids::VIRTIO_ID_BLOCK;
use virtio_bindings::virtio_ring::VIRTIO_RING_F_EVENT_IDX;
use virtio_queue::{Queue, QueueT};
use vmm_sys_util::eventfd::EventFd;

use super::mmio::MmioState;
use super::{ActivateError, Interrupt, QueueSnapshot, VirtioDevice};
use crate::memory::GuestMem;
use crate::persist::{Persist, PersistError};
use disk::{Disk, DiskIdentity};
use request::Request;

/// Size of the request queue.
pub const QUEUE_SIZE: u16 = 256;
/// Most data segments in one request (SEG_MAX): the queue less the header
/// and status descriptors.
const SEG_MAX: u32 = QUEUE_SIZE as u32 - 2;

struct Active {
    mem: GuestMem,
    queue: Queue,
    interrupt: Arc<Interrupt>,
}

/// A virtio-blk device.
pub struct Block {
    disk: Disk,
    queue_evt: EventFd,
    acked_features: u64,
    active: Option<Active>,
}

impl std::fmt::Debug for Block {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Block")
            .field("disk", &self.disk.path())
            .field("active", &self.active.is_some())
            .finish()
    }
}

impl Block {
    /// A device serving `disk`.
    pub fn new(disk: Disk) -> std::io::Result<Self> {
        Ok(Block {
            disk,
            queue_evt: EventFd::new(libc::EFD_NONBLOCK)?,
            acked_features: 0,
            active: None,
        })
    }

    /// The eventfd the guest's queue notification writes (a clone, for the
    /// transport and the ioeventfd).
    pub fn queue_evt(&self) -> std::io::Result<EventFd> {
        self.queue_evt.try_clone()
    }

    /// The drive.
    pub fn disk(&self) -> &Disk {
        &self.disk
    }

    /// Serves every request the guest posted (the event loop calls it on
    /// a queue notification; public for the tests and fuzz targets).
    pub fn process_queue(&mut self) {
        let Some(a) = self.active.as_mut() else {
            return;
        };
        let sectors = self.disk.sectors();
        let mut used = false;
        // As vsock's queues: one more round when the driver announced
        // buffers that did not pop, then leave the queue alone.
        let mut retried = false;
        // At most a queue's worth of requests a call: the device's own
        // writes into guest memory can move the available index (a guest
        // can make it chase its tail), and the event loop must serve the
        // other devices and the API meanwhile. More waiting: come back
        // through the eventfd.
        let mut budget = usize::from(a.queue.size());
        loop {
            if let Err(e) = a.queue.disable_notification(&a.mem) {
                crate::guest_warn!("virtio-blk: queue: {e}");
            }
            let mut popped = false;
            while budget > 0 {
                let Some(chain) = a.queue.pop_descriptor_chain(&a.mem) else {
                    break;
                };
                budget -= 1;
                let head = chain.head_index();
                let len = match Request::parse(&a.mem, chain, sectors) {
                    Ok(req) => req.execute(&a.mem, &mut self.disk).1,
                    Err(e) => {
                        crate::guest_warn!("virtio-blk: unanswerable request: {e}");
                        0
                    }
                };
                if let Err(e) = a.queue.add_used(&a.mem, head, len) {
                    crate::guest_warn!("virtio-blk: queue: {e}");
                }
                used = true;
                popped = true;
            }
            if budget == 0 {
                let _ = self.queue_evt.write(1);
                break;
            }
            match a.queue.enable_notification(&a.mem) {
                Ok(true) if popped || !retried => {
                    retried = !popped;
                    continue;
                }
                Ok(true) => {
                    crate::guest_warn!(
                        "virtio-blk: the driver announces requests that cannot be read; \
                         ignored until its next notification"
                    );
                    break;
                }
                Ok(false) => break,
                Err(e) => {
                    crate::guest_warn!("virtio-blk: queue: {e}");
                    break;
                }
            }
        }
        if used {
            super::signal_used(&mut a.queue, &a.mem, &a.interrupt, "virtio-blk");
        }
    }

    /// The configuration space: capacity (le64), size_max (le32, unused),
    /// seg_max (le32).
    fn config(&self) -> [u8; 16] {
        let mut c = [0u8; 16];
        c[..8].copy_from_slice(&self.disk.sectors().to_le_bytes());
        c[12..16].copy_from_slice(&SEG_MAX.to_le_bytes());
        c
    }
}

impl VirtioDevice for Block {
    fn device_type(&self) -> u32 {
        VIRTIO_ID_BLOCK
    }

    fn queue_max_sizes(&self) -> &[u16] {
        &[QUEUE_SIZE]
    }

    fn features(&self) -> u64 {
        let mut f = (1 << VIRTIO_F_VERSION_1)
            | (1 << VIRTIO_RING_F_EVENT_IDX)
            | (1 << VIRTIO_BLK_F_FLUSH)
            | (1 << VIRTIO_BLK_F_SEG_MAX);
        if self.disk.read_only() {
            f |= 1 << VIRTIO_BLK_F_RO;
        }
        f
    }

    fn ack_features(&mut self, features: u64) {
        self.acked_features = features;
    }

    fn read_config(&self, offset: u64, data: &mut [u8]) {
        let cfg = self.config();
        super::read_config_bytes(&cfg, offset, data);
    }

    fn write_config(&mut self, offset: u64, _data: &[u8]) {
        crate::guest_warn!("virtio-blk: guest wrote the read-only config space at {offset:#x}");
    }

    fn activate(
        &mut self,
        mem: GuestMem,
        queues: Vec<Queue>,
        interrupt: Arc<Interrupt>,
    ) -> Result<(), ActivateError> {
        let mut queues = queues;
        let (Some(queue), true) = (queues.pop(), queues.is_empty()) else {
            return Err(ActivateError::QueueCount {
                expected: 1,
                got: queues.len() + 1,
            });
        };
        self.active = Some(Active {
            mem,
            queue,
            interrupt,
        });
        // Requests may have been posted before DRIVER_OK.
        let _ = self.queue_evt.write(1);
        Ok(())
    }

    fn reset(&mut self) {
        self.active = None;
    }
}

impl MutEventSubscriber for Block {
    fn process(&mut self, _events: Events, _ops: &mut EventOps) {
        let _ = self.queue_evt.read();
        self.process_queue();
    }

    fn init(&mut self, ops: &mut EventOps) {
        if let Err(e) = ops.add(Events::new_raw(self.queue_evt.as_raw_fd(), EventSet::IN)) {
            log::error!("virtio-blk: cannot watch the queue eventfd: {e}");
        }
    }
}

/// A drive as saved in a snapshot: which file, and what it looked like.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct BlockState {
    /// The drive file.
    pub path: PathBuf,
    /// Read-only for the guest.
    pub read_only: bool,
    /// The serial GET_ID reports.
    pub serial: Vec<u8>,
    /// The file's identity when the snapshot was taken (after a sync).
    pub identity: DiskIdentity,
    /// Features the driver accepted.
    pub acked_features: u64,
    /// The queue (with its position), if the device was active.
    pub queue: Option<QueueSnapshot>,
}

/// The drive and its virtio-mmio transport.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct BlockSnapshot {
    /// The device.
    pub device: BlockState,
    /// The transport.
    pub transport: MmioState,
}

impl Persist for Block {
    type State = BlockState;
    /// Nothing: the drive file is the one the state names.
    type Args = ();

    /// The state; the drive is synced first so that its identity is that
    /// of what the guest wrote (a failed sync or stat leaves an identity
    /// that restore will refuse).
    fn save(&self) -> BlockState {
        if let Err(e) = self.disk.sync() {
            log::error!("virtio-blk: sync {}: {e}", self.disk.path().display());
        }
        let identity = self.disk.identity().unwrap_or(DiskIdentity {
            size: 0,
            dev: 0,
            ino: 0,
            mtime_sec: 0,
            mtime_nsec: 0,
        });
        BlockState {
            path: self.disk.path().to_owned(),
            read_only: self.disk.read_only(),
            serial: self.disk.id().to_vec(),
            identity,
            acked_features: self.acked_features,
            queue: self.active.as_ref().map(|a| a.queue.state().into()),
        }
    }

    /// Opens the drive again and refuses it if it changed since the
    /// snapshot: the guest's page cache in the snapshot describes the
    /// drive as it was then, and a drive written since (by the VM that
    /// went on running, or anyone else) would be corrupted by it.
    fn restore(_: (), s: &BlockState) -> Result<Self, PersistError> {
        let err = |msg: String| PersistError {
            device: "virtio-blk",
            msg,
        };
        let serial = String::from_utf8_lossy(&s.serial)
            .trim_end_matches('\0')
            .to_string();
        let disk =
            Disk::open(&s.path, s.read_only, Some(&serial)).map_err(|e| err(e.to_string()))?;
        let now = disk
            .identity()
            .map_err(|e| err(format!("{}: {e}", s.path.display())))?;
        if !now.unchanged_since(&s.identity) {
            return Err(err(format!(
                "drive {} changed since the snapshot (size {} then, {} now; modified at \
                 {}.{:09} then, {}.{:09} now); restore needs the drive as it was when the \
                 snapshot was taken: keep a copy with the snapshot and put it back with \
                 `cp --preserve=timestamps`",
                s.path.display(),
                s.identity.size,
                now.size,
                s.identity.mtime_sec,
                s.identity.mtime_nsec,
                now.mtime_sec,
                now.mtime_nsec
            )));
        }
        let mut b = Block::new(disk).map_err(|e| err(format!("eventfd: {e}")))?;
        b.acked_features = s.acked_features;
        Ok(b)
    }
}
