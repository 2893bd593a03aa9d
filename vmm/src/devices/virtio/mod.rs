//! Virtio devices: the [`VirtioDevice`] trait each device implements, the
//! interrupt it raises, and the virtio-mmio transport ([`mmio`]) that puts a
//! device on the guest's MMIO bus. Devices: [`vsock`], [`block`] and
//! [`net`].

pub mod block;
pub mod mmio;
pub mod net;
pub mod vsock;

use std::sync::atomic::{AtomicU32, Ordering};

use crate::memory::GuestMem;
use virtio_bindings::virtio_mmio::{VIRTIO_MMIO_INT_CONFIG, VIRTIO_MMIO_INT_VRING};
use virtio_queue::Queue;
use vmm_sys_util::eventfd::EventFd;

/// Why a device could not be activated.
#[derive(Debug, thiserror::Error)]
pub enum ActivateError {
    /// The driver set up a different number of queues than the device has.
    #[error("expected {expected} queues, got {got}")]
    QueueCount {
        /// Queues the device needs.
        expected: usize,
        /// Queues the driver configured.
        got: usize,
    },
    /// Anything else the device refuses.
    #[error("{0}")]
    Device(String),
}

/// A virtio device behind a transport. The transport handles feature
/// negotiation, queue setup and the device status; the device processes its
/// queues once activated.
pub trait VirtioDevice: Send {
    /// The virtio device ID (`VIRTIO_ID_*`).
    fn device_type(&self) -> u32;
    /// The largest size of each queue; the length is the number of queues.
    fn queue_max_sizes(&self) -> &[u16];
    /// Feature bits the device offers.
    fn features(&self) -> u64;
    /// The features the driver accepted (a subset of [`Self::features`]).
    fn ack_features(&mut self, features: u64);
    /// Reads the device-specific configuration space.
    fn read_config(&self, offset: u64, data: &mut [u8]);
    /// Writes the device-specific configuration space.
    fn write_config(&mut self, offset: u64, data: &[u8]);
    /// The driver finished setup (DRIVER_OK): start using `queues`.
    fn activate(
        &mut self,
        mem: GuestMem,
        queues: Vec<Queue>,
        interrupt: std::sync::Arc<Interrupt>,
    ) -> Result<(), ActivateError>;
    /// The driver reset the device: drop the queues and all device state
    /// tied to them.
    fn reset(&mut self);
}

/// Reads `data.len()` bytes at `offset` of a device's configuration space
/// `cfg`; bytes past its end (or an offset that overflows) read as 0.
///
/// ```
/// use cr_vmm::devices::virtio::read_config_bytes;
/// let mut d = [0xffu8; 4];
/// read_config_bytes(&[1, 2, 3], 1, &mut d);
/// assert_eq!(d, [2, 3, 0, 0]);
/// read_config_bytes(&[1, 2, 3], u64::MAX, &mut d);
/// assert_eq!(d, [0; 4]);
/// ```
pub fn read_config_bytes(cfg: &[u8], offset: u64, data: &mut [u8]) {
    for (i, b) in data.iter_mut().enumerate() {
        *b = usize::try_from(offset)
            .ok()
            .and_then(|o| o.checked_add(i))
            .and_then(|o| cfg.get(o))
            .copied()
            .unwrap_or(0);
    }
}

/// After a device put buffers in `queue`'s used ring: interrupts the
/// driver unless it asked not to be (EVENT_IDX, NO_INTERRUPT). `device`
/// names the device in the log.
pub fn signal_used(queue: &mut Queue, mem: &GuestMem, interrupt: &Interrupt, device: &str) {
    use virtio_queue::QueueT;
    match queue.needs_notification(mem) {
        Ok(true) => {
            if let Err(e) = interrupt.signal_used_queue() {
                log::error!("{device}: cannot raise the interrupt: {e}");
            }
        }
        Ok(false) => {}
        Err(e) => crate::guest_warn!("{device}: queue: {e}"),
    }
}

/// The interrupt line of a virtio-mmio device: an irqfd plus the
/// InterruptStatus register the driver reads and acknowledges.
#[derive(Debug)]
pub struct Interrupt {
    status: AtomicU32,
    irq: EventFd,
}

impl Interrupt {
    /// An interrupt raised by writing `irq` (registered as an irqfd).
    pub fn new(irq: EventFd) -> Self {
        Interrupt {
            status: AtomicU32::new(0),
            irq,
        }
    }

    /// Tells the driver that a used ring has new entries.
    pub fn signal_used_queue(&self) -> std::io::Result<()> {
        self.status
            .fetch_or(VIRTIO_MMIO_INT_VRING, Ordering::SeqCst);
        self.irq.write(1)
    }

    /// Tells the driver that the configuration space changed.
    pub fn signal_config_change(&self) -> std::io::Result<()> {
        self.status
            .fetch_or(VIRTIO_MMIO_INT_CONFIG, Ordering::SeqCst);
        self.irq.write(1)
    }

    /// The InterruptStatus register.
    pub fn status(&self) -> u32 {
        self.status.load(Ordering::SeqCst)
    }

    /// InterruptACK: clears the acknowledged bits.
    pub fn ack(&self, bits: u32) {
        self.status.fetch_and(!bits, Ordering::SeqCst);
    }

    /// Clears every bit (device reset).
    pub fn clear(&self) {
        self.status.store(0, Ordering::SeqCst);
    }

    /// Sets the InterruptStatus register (restore).
    pub fn set_status(&self, bits: u32) {
        self.status.store(bits, Ordering::SeqCst);
    }
}

/// A virtqueue's configuration and position: virtio-queue's `QueueState`,
/// serializable for snapshots.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct QueueSnapshot {
    /// Largest size the device offers.
    pub max_size: u16,
    /// Next available-ring entry the device will read.
    pub next_avail: u16,
    /// Next used-ring entry the device will write.
    pub next_used: u16,
    /// VIRTIO_F_EVENT_IDX negotiated.
    pub event_idx_enabled: bool,
    /// Size the driver chose.
    pub size: u16,
    /// The driver marked it ready.
    pub ready: bool,
    /// Descriptor table address.
    pub desc_table: u64,
    /// Available ring address.
    pub avail_ring: u64,
    /// Used ring address.
    pub used_ring: u64,
}

impl From<virtio_queue::QueueState> for QueueSnapshot {
    fn from(q: virtio_queue::QueueState) -> Self {
        QueueSnapshot {
            max_size: q.max_size,
            next_avail: q.next_avail,
            next_used: q.next_used,
            event_idx_enabled: q.event_idx_enabled,
            size: q.size,
            ready: q.ready,
            desc_table: q.desc_table,
            avail_ring: q.avail_ring,
            used_ring: q.used_ring,
        }
    }
}

impl QueueSnapshot {
    /// The queue again; its checks (sizes, alignment) apply.
    pub fn to_queue(self) -> Result<Queue, virtio_queue::Error> {
        Queue::try_from(virtio_queue::QueueState {
            max_size: self.max_size,
            next_avail: self.next_avail,
            next_used: self.next_used,
            event_idx_enabled: self.event_idx_enabled,
            size: self.size,
            ready: self.ready,
            desc_table: self.desc_table,
            avail_ring: self.avail_ring,
            used_ring: self.used_ring,
        })
    }
}
