//! The virtio-vsock device (virtio 1.2, section 5.10) with a Unix-socket
//! backend speaking Firecracker's hybrid vsock protocol ([`muxer`]).
//!
//! Queue processing, host sockets and the listener all run on the VMM's
//! event-manager loop; the transport ([`super::mmio`]) only touches the
//! device from vCPU threads for configuration and activation.

pub mod connection;
pub mod defs;
pub mod muxer;
pub mod packet;
#[cfg(test)]
mod tests;

use crate::memory::GuestMem;
use std::collections::HashMap;
use std::os::fd::{AsRawFd, RawFd};
use std::path::Path;
use std::sync::Arc;

use event_manager::{EventOps, EventSet, Events, MutEventSubscriber};
use virtio_bindings::virtio_config::VIRTIO_F_VERSION_1;
use virtio_bindings::virtio_ids::VIRTIO_ID_VSOCK;
use virtio_bindings::virtio_ring::VIRTIO_RING_F_EVENT_IDX;
use virtio_queue::{Queue, QueueOwnedT, QueueT};
use virtio_vsock::packet::VsockPacket;
use vm_memory::Bytes;
use vmm_sys_util::eventfd::EventFd;

use super::mmio::MmioState;
use super::{ActivateError, Interrupt, QueueSnapshot, VirtioDevice};
use crate::persist::{Persist, PersistError};
use defs::*;
use muxer::{Interest, Muxer};

/// Errors creating the device.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The guest CID is reserved or too large.
    #[error("guest CID {0} is invalid (use {MIN_GUEST_CID}..={MAX_GUEST_CID})")]
    Cid(u64),
    /// The host socket.
    #[error(transparent)]
    Muxer(#[from] muxer::Error),
    /// An eventfd.
    #[error("eventfd: {0}")]
    EventFd(std::io::Error),
}

struct Active {
    mem: GuestMem,
    queues: Vec<Queue>,
    interrupt: Arc<Interrupt>,
}

/// The vsock device.
pub struct Vsock {
    cid: u64,
    queue_evts: Vec<EventFd>,
    acked_features: u64,
    active: Option<Active>,
    muxer: Muxer,
    /// Host fds currently registered with the event loop, and for what.
    registered: HashMap<RawFd, Interest>,
    /// Restored: the guest must hear of the transport reset once it runs.
    reset_pending: bool,
    /// The reset was sent and the guest has not refilled the event queue
    /// yet (which it does right after handling it): host connections wait,
    /// or the reset would also kill them.
    reset_unacked: bool,
    /// The listener is out of the event loop meanwhile.
    listener_parked: bool,
}

impl std::fmt::Debug for Vsock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Vsock")
            .field("cid", &self.cid)
            .field("active", &self.active.is_some())
            .finish()
    }
}

impl Vsock {
    /// A device with guest CID `cid` whose host side listens on `uds`.
    pub fn new(cid: u64, uds: &Path) -> Result<Self, Error> {
        if !(MIN_GUEST_CID..=MAX_GUEST_CID).contains(&cid) {
            return Err(Error::Cid(cid));
        }
        let queue_evts = (0..3)
            .map(|_| EventFd::new(libc::EFD_NONBLOCK).map_err(Error::EventFd))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Vsock {
            cid,
            queue_evts,
            acked_features: 0,
            active: None,
            muxer: Muxer::new(cid, uds)?,
            registered: HashMap::new(),
            reset_pending: false,
            reset_unacked: false,
            listener_parked: false,
        })
    }

    /// The eventfds the guest's queue notifications should write (rx, tx,
    /// event), cloned for the transport and the ioeventfd registration.
    pub fn queue_evts(&self) -> std::io::Result<Vec<EventFd>> {
        self.queue_evts.iter().map(|e| e.try_clone()).collect()
    }

    /// Connections open now.
    pub fn connection_count(&self) -> usize {
        self.muxer.connection_count()
    }

    /// A restored device: tell the guest of the transport reset when the
    /// VM first runs ([`Vsock::send_pending_reset`]), not while it is
    /// paused (a paused VM's memory must not change).
    pub fn set_reset_pending(&mut self) {
        self.reset_pending = true;
    }

    /// Sends the transport reset a restore left pending, if any.
    pub fn send_pending_reset(&mut self) {
        if std::mem::take(&mut self.reset_pending) && !self.send_transport_reset() {
            crate::guest_warn!("vsock: the guest posted no event buffer for the transport reset");
            // Nothing to wait for: let the event loop take host
            // connections again.
            let _ = self.queue_evts[EVENT_QUEUE].write(1);
        }
    }

    /// Host connections wait while the guest has not heard of (or not
    /// handled) the transport reset of a restore: one accepted before
    /// would be reset too.
    fn hold_host_connections(&self) -> bool {
        self.reset_pending || self.reset_unacked
    }

    /// Tells the guest that every connection is gone
    /// (`VIRTIO_VSOCK_EVENT_TRANSPORT_RESET` on the event queue), as after a
    /// restore: the guest resets its connected sockets and re-reads the
    /// CID; listening sockets stay. False if the guest posted no event
    /// buffer.
    pub fn send_transport_reset(&mut self) -> bool {
        let Some(a) = self.active.as_mut() else {
            return false;
        };
        // A kick already pending (activate() kicks every queue) is not the
        // guest's answer to this reset: drop it before the guest can see it.
        let _ = self.queue_evts[EVENT_QUEUE].read();
        let Some(chain) = a.queues[EVENT_QUEUE].pop_descriptor_chain(&a.mem) else {
            return false;
        };
        let head = chain.head_index();
        let mut written = 0;
        if let Some(d) = chain
            .into_iter()
            .find(|d| d.is_write_only() && d.len() >= 4)
        {
            // struct virtio_vsock_event { le32 id; }, id 0: transport reset.
            if a.mem.write_obj(0u32, d.addr()).is_ok() {
                written = 4;
            }
        }
        if let Err(e) = a.queues[EVENT_QUEUE].add_used(&a.mem, head, written) {
            crate::guest_warn!("vsock: event queue: {e}");
        }
        // Ask to be notified when the guest posts its next event buffer,
        // which it does right after handling this one: with EVENT_IDX,
        // avail_event (after the used ring) = the driver's current index.
        let q = &a.queues[EVENT_QUEUE];
        if q.event_idx_enabled() {
            let avail_event = q.used_ring() + 4 + 8 * u64::from(q.size());
            let idx = q.avail_idx(&a.mem, std::sync::atomic::Ordering::Acquire);
            if let Err(e) = idx.map_err(|e| e.to_string()).and_then(|i| {
                a.mem
                    .write_obj(i.0, vm_memory::GuestAddress(avail_event))
                    .map_err(|e| e.to_string())
            }) {
                crate::guest_warn!("vsock: event queue: {e}");
            }
        }
        signal(a, EVENT_QUEUE);
        self.reset_unacked = written == 4;
        written == 4
    }

    /// Handles every packet the guest posted on the tx queue (the event
    /// loop calls it when the guest notifies the queue; public for the
    /// fuzz targets, which drive the device without an event loop).
    pub fn process_tx(&mut self) {
        let Some(a) = self.active.as_mut() else {
            return;
        };
        let mut used = false;
        // The last round popped nothing although the driver announced
        // more: one more round, in case it announced them meanwhile.
        let mut retried = false;
        loop {
            if let Err(e) = a.queues[TX_QUEUE].disable_notification(&a.mem) {
                crate::guest_warn!("vsock: tx queue: {e}");
            }
            let mut popped = false;
            while let Some(chain) = a.queues[TX_QUEUE].pop_descriptor_chain(&a.mem) {
                let head = chain.head_index();
                match packet::parse_tx(&a.mem, chain) {
                    Ok(pkt) => self.muxer.guest_packet(&pkt.hdr, &pkt.data),
                    Err(e) => crate::guest_warn!("vsock: dropping a bad tx packet: {e}"),
                }
                if let Err(e) = a.queues[TX_QUEUE].add_used(&a.mem, head, 0) {
                    crate::guest_warn!("vsock: tx queue: {e}");
                }
                used = true;
                popped = true;
            }
            match a.queues[TX_QUEUE].enable_notification(&a.mem) {
                Ok(true) if popped || !retried => {
                    retried = !popped;
                    continue;
                }
                Ok(true) => {
                    warn_stuck("tx");
                    break;
                }
                Ok(false) => break,
                Err(e) => {
                    crate::guest_warn!("vsock: tx queue: {e}");
                    break;
                }
            }
        }
        if used {
            signal(a, TX_QUEUE);
        }
    }

    /// Fills the guest's rx buffers with what the host side has for it
    /// (public for the fuzz targets).
    pub fn process_rx(&mut self) {
        let Some(a) = self.active.as_mut() else {
            return;
        };
        let mut used = false;
        // As in process_tx: one more try when the driver announced buffers
        // that did not pop.
        let mut retried = false;
        while self.muxer.has_rx() {
            let Some(mut chain) = a.queues[RX_QUEUE].pop_descriptor_chain(&a.mem) else {
                // Out of buffers: ask the guest to notify when it adds some.
                match a.queues[RX_QUEUE].enable_notification(&a.mem) {
                    Ok(true) if !retried => {
                        retried = true;
                        continue;
                    }
                    Ok(true) => {
                        warn_stuck("rx");
                        break;
                    }
                    Ok(false) => break,
                    Err(e) => {
                        crate::guest_warn!("vsock: rx queue: {e}");
                        break;
                    }
                }
            };
            retried = false;
            let head = chain.head_index();
            let len = match VsockPacket::from_rx_virtq_chain(&a.mem, &mut chain, MAX_PKT_BUF_SIZE) {
                Ok(mut pkt) => match self.muxer.fill_rx(&mut pkt) {
                    Some(len) => len,
                    None => {
                        a.queues[RX_QUEUE].go_to_previous_position();
                        break;
                    }
                },
                Err(e) => {
                    crate::guest_warn!("vsock: unusable rx buffer: {e}");
                    0
                }
            };
            if let Err(e) = a.queues[RX_QUEUE].add_used(&a.mem, head, len) {
                crate::guest_warn!("vsock: rx queue: {e}");
            }
            used = true;
        }
        if used {
            signal(a, RX_QUEUE);
        }
    }

    /// What the event loop does when every host socket is ready: accepts
    /// pending host clients, handles each host fd as readable and writable,
    /// and fills rx buffers. For driving the device without an event loop
    /// (the fuzz targets).
    pub fn poll_host_all(&mut self) {
        self.muxer.accept();
        for fd in self.muxer.host_fds() {
            self.muxer.host_event(fd, true, true);
        }
        self.process_rx();
        self.muxer.release_closed();
    }

    /// Brings the event loop's view of the host fds in line with what the
    /// muxer wants.
    fn sync_interest(&mut self, ops: &mut EventOps) {
        let (want, gone) = self.muxer.interest();
        for fd in gone {
            if self.registered.remove(&fd).is_some() {
                let _ = ops.remove(Events::empty_raw(fd));
            }
        }
        self.muxer.release_closed();
        let want: HashMap<RawFd, Interest> = want.into_iter().collect();
        let stale: Vec<RawFd> = self
            .registered
            .keys()
            .filter(|fd| !want.contains_key(fd))
            .copied()
            .collect();
        for fd in stale {
            self.registered.remove(&fd);
            let _ = ops.remove(Events::empty_raw(fd));
        }
        for (fd, i) in want {
            let mut set = EventSet::empty();
            if i.read {
                set |= EventSet::IN;
            }
            if i.write {
                set |= EventSet::OUT;
            }
            let r = match self.registered.get(&fd) {
                Some(old) if *old == i => continue,
                Some(_) => ops.modify(Events::new_raw(fd, set)),
                None => ops.add(Events::new_raw(fd, set)),
            };
            match r {
                Ok(()) => {
                    self.registered.insert(fd, i);
                }
                Err(e) => log::error!("vsock: cannot watch host socket {fd}: {e}"),
            }
        }
    }
}

/// The driver announces available buffers on a queue that never pop: its
/// available index is more than the queue size ahead of the device's
/// (virtio-queue's `InvalidAvailRingIndex`), or the ring cannot be read.
/// Asking again would spin forever on the event loop; the queue is left
/// alone until the driver notifies it again.
fn warn_stuck(queue: &str) {
    crate::guest_warn!(
        "vsock: {queue} queue: the driver announces buffers that cannot be read \
         (available index more than the queue size ahead?); ignored until its next notification"
    );
}

fn signal(a: &mut Active, q: usize) {
    super::signal_used(&mut a.queues[q], &a.mem, &a.interrupt, "vsock");
}

impl VirtioDevice for Vsock {
    fn device_type(&self) -> u32 {
        VIRTIO_ID_VSOCK
    }

    fn queue_max_sizes(&self) -> &[u16] {
        &[QUEUE_SIZE; 3]
    }

    fn features(&self) -> u64 {
        (1 << VIRTIO_F_VERSION_1) | (1 << VIRTIO_RING_F_EVENT_IDX)
    }

    fn ack_features(&mut self, features: u64) {
        self.acked_features = features;
    }

    fn read_config(&self, offset: u64, data: &mut [u8]) {
        let cfg = self.cid.to_le_bytes();
        super::read_config_bytes(&cfg, offset, data);
    }

    fn write_config(&mut self, offset: u64, _data: &[u8]) {
        crate::guest_warn!("vsock: guest wrote the read-only config space at {offset:#x}");
    }

    fn activate(
        &mut self,
        mem: GuestMem,
        queues: Vec<Queue>,
        interrupt: Arc<Interrupt>,
    ) -> Result<(), ActivateError> {
        if queues.len() != 3 {
            return Err(ActivateError::QueueCount {
                expected: 3,
                got: queues.len(),
            });
        }
        self.active = Some(Active {
            mem,
            queues,
            interrupt,
        });
        // Buffers or packets may have been posted before DRIVER_OK.
        for e in &self.queue_evts {
            let _ = e.write(1);
        }
        Ok(())
    }

    fn reset(&mut self) {
        self.active = None;
        self.muxer.reset();
    }
}

/// The vsock device as saved in a snapshot. Host connections are not
/// saved: a restored device starts without any and resets the guest's.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct VsockState {
    /// Guest CID.
    pub cid: u64,
    /// Features the driver accepted.
    pub acked_features: u64,
    /// The device's queues (with their positions), if it was active.
    pub queues: Option<Vec<QueueSnapshot>>,
}

/// The vsock device and its virtio-mmio transport.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct VsockSnapshot {
    /// The host socket path it listened on.
    pub uds: std::path::PathBuf,
    /// The device.
    pub device: VsockState,
    /// The transport.
    pub transport: MmioState,
}

impl Persist for Vsock {
    type State = VsockState;
    /// The host socket path to listen on.
    type Args = std::path::PathBuf;

    fn save(&self) -> VsockState {
        VsockState {
            cid: self.cid,
            acked_features: self.acked_features,
            queues: self
                .active
                .as_ref()
                .map(|a| a.queues.iter().map(|q| q.state().into()).collect()),
        }
    }

    fn restore(uds: std::path::PathBuf, s: &VsockState) -> Result<Self, PersistError> {
        let mut v = Vsock::new(s.cid, &uds).map_err(|e| PersistError {
            device: "vsock",
            msg: e.to_string(),
        })?;
        v.acked_features = s.acked_features;
        Ok(v)
    }
}

impl MutEventSubscriber for Vsock {
    fn process(&mut self, events: Events, ops: &mut EventOps) {
        let fd = events.fd();
        let set = events.event_set();
        if fd == self.queue_evts[RX_QUEUE].as_raw_fd() {
            let _ = self.queue_evts[RX_QUEUE].read();
        } else if fd == self.queue_evts[TX_QUEUE].as_raw_fd() {
            let _ = self.queue_evts[TX_QUEUE].read();
            self.process_tx();
        } else if fd == self.queue_evts[EVENT_QUEUE].as_raw_fd() {
            let _ = self.queue_evts[EVENT_QUEUE].read();
            // The guest handled the reset: host connections may come in.
            self.reset_unacked = false;
            if !self.reset_pending && std::mem::take(&mut self.listener_parked) {
                let lfd = self.muxer.listener_fd();
                if let Err(e) = ops.add(Events::new_raw(lfd, EventSet::IN)) {
                    log::error!("vsock: cannot watch the listener again: {e}");
                }
            }
        } else if fd == self.muxer.listener_fd() {
            if self.hold_host_connections() {
                let _ = ops.remove(Events::empty_raw(fd));
                self.listener_parked = true;
            } else {
                self.muxer.accept();
            }
        } else {
            let readable = set.intersects(EventSet::IN | EventSet::HANG_UP | EventSet::ERROR);
            self.muxer
                .host_event(fd, readable, set.contains(EventSet::OUT));
        }
        self.process_rx();
        self.sync_interest(ops);
    }

    fn init(&mut self, ops: &mut EventOps) {
        let fds: Vec<RawFd> = self
            .queue_evts
            .iter()
            .map(|e| e.as_raw_fd())
            .chain(std::iter::once(self.muxer.listener_fd()))
            .collect();
        for fd in fds {
            if let Err(e) = ops.add(Events::new_raw(fd, EventSet::IN)) {
                log::error!("vsock: cannot watch fd {fd}: {e}");
            }
        }
    }
}
