//! The virtio-net device (virtio 1.2, section 5.1) on a host tap
//! ([`tap`]): an rx and a tx queue, frames passed with their 12-byte
//! `virtio_net_hdr_v1` as the tap carries them, no offloads (the guest
//! computes its checksums and segments), the guest's MAC address in the
//! configuration space. Queues and the tap are served on the VMM's event
//! loop.
//!
//! Receive: a frame is read from the tap only when the guest has a buffer
//! for it; while it has none, the tap is out of the event loop (frames
//! wait in the tap's queue, and the kernel drops them when it is full, as
//! a NIC would) until the guest posts buffers. A frame larger than the
//! buffer offered is dropped. Transmit: each chain is one frame; a frame
//! the tap cannot take right now is dropped (TCP retransmits).

pub mod tap;
#[cfg(test)]
mod tests;

use std::os::fd::{AsRawFd, RawFd};
use std::sync::Arc;

use event_manager::{EventOps, EventSet, Events, MutEventSubscriber};
use virtio_bindings::virtio_config::VIRTIO_F_VERSION_1;
use virtio_bindings::virtio_ids::VIRTIO_ID_NET;
use virtio_bindings::virtio_net::VIRTIO_NET_F_MAC;
use virtio_bindings::virtio_ring::VIRTIO_RING_F_EVENT_IDX;
use virtio_queue::{Queue, QueueOwnedT, QueueT};
use vm_memory::Bytes;
use vmm_sys_util::eventfd::EventFd;

use super::mmio::MmioState;
use super::{ActivateError, Interrupt, QueueSnapshot, VirtioDevice};
use crate::memory::GuestMem;
use crate::persist::{Persist, PersistError};
use tap::VNET_HDR_LEN;

/// Size of each queue.
pub const QUEUE_SIZE: u16 = 256;
const RX: usize = 0;
const TX: usize = 1;
/// Largest frame (header included) the device moves: a 64 KiB IP packet
/// with its Ethernet and virtio-net headers.
pub const MAX_FRAME: usize = 65536 + 14 + VNET_HDR_LEN;

/// Where frames go to and come from: the tap, or (tests) a datagram
/// socket.
pub trait FrameIo: AsRawFd + Send {
    /// Reads one frame; `WouldBlock` when none is waiting.
    fn read_frame(&mut self, buf: &mut [u8]) -> std::io::Result<usize>;
    /// Writes one frame.
    fn write_frame(&mut self, frame: &[u8]) -> std::io::Result<usize>;
}

impl FrameIo for tap::Tap {
    fn read_frame(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        tap::Tap::read_frame(self, buf)
    }
    fn write_frame(&mut self, frame: &[u8]) -> std::io::Result<usize> {
        tap::Tap::write_frame(self, frame)
    }
}

/// A MAC address, `aa:bb:cc:dd:ee:ff`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct MacAddr(pub [u8; 6]);

impl std::str::FromStr for MacAddr {
    type Err = String;

    /// ```
    /// use cr_vmm::devices::virtio::net::MacAddr;
    /// let m: MacAddr = "06:00:ac:10:00:02".parse().unwrap();
    /// assert_eq!(m.0, [6, 0, 0xac, 0x10, 0, 2]);
    /// assert!("06:00:ac:10:00".parse::<MacAddr>().is_err());
    /// assert!("07:00:ac:10:00:02".parse::<MacAddr>().is_err(), "multicast");
    /// ```
    fn from_str(s: &str) -> Result<Self, String> {
        let bad = || format!("MAC address {s:?}: expected six hex bytes, aa:bb:cc:dd:ee:ff");
        let mut m = [0u8; 6];
        let parts: Vec<&str> = s.split(':').collect();
        if parts.len() != 6 {
            return Err(bad());
        }
        for (b, p) in m.iter_mut().zip(parts) {
            if p.len() != 2 {
                return Err(bad());
            }
            *b = u8::from_str_radix(p, 16).map_err(|_| bad())?;
        }
        if m[0] & 1 != 0 {
            return Err(format!(
                "MAC address {s}: a multicast address (first byte odd)"
            ));
        }
        Ok(MacAddr(m))
    }
}

impl std::fmt::Display for MacAddr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let m = self.0;
        write!(
            f,
            "{:02x}:{:02x}:{:02x}:{:02x}:{:02x}:{:02x}",
            m[0], m[1], m[2], m[3], m[4], m[5]
        )
    }
}

/// The guest MAC address when none is given: locally administered,
/// unicast (Firecracker's examples use the same prefix).
pub const DEFAULT_MAC: MacAddr = MacAddr([0x06, 0x00, 0xac, 0x10, 0x00, 0x02]);

struct Active {
    mem: GuestMem,
    queues: Vec<Queue>,
    interrupt: Arc<Interrupt>,
}

/// Frames moved and dropped, for the log and the tests.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Counters {
    /// Frames given to the guest.
    pub rx_frames: u64,
    /// Frames dropped on receive (larger than the guest's buffer).
    pub rx_dropped: u64,
    /// Frames sent to the host.
    pub tx_frames: u64,
    /// Frames dropped on transmit (malformed, too large, host busy).
    pub tx_dropped: u64,
}

/// A virtio-net device.
pub struct Net {
    io: Box<dyn FrameIo>,
    name: String,
    mac: MacAddr,
    queue_evts: Vec<EventFd>,
    acked_features: u64,
    active: Option<Active>,
    /// A frame read from the host that waits for a guest buffer.
    pending: Option<usize>,
    buf: Vec<u8>,
    /// The host side is in the event loop.
    io_watched: bool,
    counters: Counters,
}

impl std::fmt::Debug for Net {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Net")
            .field("tap", &self.name)
            .field("mac", &self.mac)
            .field("active", &self.active.is_some())
            .finish()
    }
}

impl Net {
    /// A device on `io` (named `name`, the tap's interface name) with
    /// guest MAC `mac`.
    pub fn new(io: Box<dyn FrameIo>, name: &str, mac: MacAddr) -> std::io::Result<Self> {
        Ok(Net {
            io,
            name: name.to_string(),
            mac,
            queue_evts: (0..2)
                .map(|_| EventFd::new(libc::EFD_NONBLOCK))
                .collect::<Result<_, _>>()?,
            acked_features: 0,
            active: None,
            pending: None,
            buf: vec![0; MAX_FRAME],
            io_watched: false,
            counters: Counters::default(),
        })
    }

    /// The eventfds of the rx and tx queue notifications (clones).
    pub fn queue_evts(&self) -> std::io::Result<Vec<EventFd>> {
        self.queue_evts.iter().map(|e| e.try_clone()).collect()
    }

    /// Frames moved and dropped so far.
    pub fn counters(&self) -> Counters {
        self.counters
    }

    /// True while a frame waits for a guest buffer (the host side is then
    /// left alone).
    pub fn rx_blocked(&self) -> bool {
        self.pending.is_some()
    }

    /// Gives the guest the frames waiting on the host side, as long as it
    /// has buffers (public for the tests and fuzz targets).
    pub fn process_rx(&mut self) {
        let Some(a) = self.active.as_mut() else {
            return;
        };
        let mut used = false;
        // At most a queue's worth of frames a call (a flood from the host
        // must not hold the event loop); the tap stays watched, so the
        // rest comes on the next round.
        let mut budget = usize::from(a.queues[RX].size());
        while budget > 0 {
            budget -= 1;
            let len = match self.pending {
                Some(l) => l,
                None => match self.io.read_frame(&mut self.buf) {
                    Ok(l) => l,
                    Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => break,
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                    Err(e) => {
                        log::error!("virtio-net {}: reading a frame: {e}", self.name);
                        break;
                    }
                },
            };
            if len < VNET_HDR_LEN {
                self.pending = None;
                continue;
            }
            // num_buffers: one buffer per frame (no MRG_RXBUF).
            self.buf[10..12].copy_from_slice(&1u16.to_le_bytes());
            let Some(chain) = a.queues[RX].pop_descriptor_chain(&a.mem) else {
                self.pending = Some(len);
                // Ask for a notification when buffers come; if some came
                // meanwhile, go on.
                match a.queues[RX].enable_notification(&a.mem) {
                    Ok(true) => {
                        if let Err(e) = a.queues[RX].disable_notification(&a.mem) {
                            crate::guest_warn!("virtio-net: rx queue: {e}");
                        }
                        // A driver announcing buffers that do not pop is
                        // left until it notifies again.
                        if a.queues[RX].pop_descriptor_chain(&a.mem).is_some() {
                            a.queues[RX].go_to_previous_position();
                            continue;
                        }
                        break;
                    }
                    Ok(false) => break,
                    Err(e) => {
                        crate::guest_warn!("virtio-net: rx queue: {e}");
                        break;
                    }
                }
            };
            self.pending = None;
            let head = chain.head_index();
            let mut frame = &self.buf[..len];
            let mut ok = true;
            let mut room = 0usize;
            for d in chain {
                if !d.is_write_only() {
                    ok = false;
                    break;
                }
                room += d.len() as usize;
                if frame.is_empty() {
                    continue;
                }
                let n = frame.len().min(d.len() as usize);
                if a.mem.write_slice(&frame[..n], d.addr()).is_err() {
                    ok = false;
                    break;
                }
                frame = &frame[n..];
            }
            if !ok || !frame.is_empty() {
                // A frame the buffer cannot hold (or a bad buffer): the
                // frame is dropped and the buffer returned empty.
                crate::guest_warn!(
                    "virtio-net {}: dropping a {len}-byte frame: rx buffer of {room} bytes{}",
                    self.name,
                    if ok { "" } else { " is unusable" }
                );
                self.counters.rx_dropped += 1;
                if let Err(e) = a.queues[RX].add_used(&a.mem, head, 0) {
                    crate::guest_warn!("virtio-net: rx queue: {e}");
                }
            } else {
                self.counters.rx_frames += 1;
                if let Err(e) = a.queues[RX].add_used(&a.mem, head, len as u32) {
                    crate::guest_warn!("virtio-net: rx queue: {e}");
                }
            }
            used = true;
        }
        if used {
            signal(a, RX);
        }
    }

    /// Sends every frame the guest posted on the tx queue (public for the
    /// tests and fuzz targets).
    pub fn process_tx(&mut self) {
        let Some(a) = self.active.as_mut() else {
            return;
        };
        let mut used = false;
        let mut retried = false;
        // As in process_rx: a queue's worth a call, then again through the
        // eventfd.
        let mut budget = usize::from(a.queues[TX].size());
        loop {
            if let Err(e) = a.queues[TX].disable_notification(&a.mem) {
                crate::guest_warn!("virtio-net: tx queue: {e}");
            }
            let mut popped = false;
            while budget > 0 {
                let Some(chain) = a.queues[TX].pop_descriptor_chain(&a.mem) else {
                    break;
                };
                budget -= 1;
                let head = chain.head_index();
                let mut len = 0usize;
                let mut bad = None;
                for d in chain {
                    if d.is_write_only() {
                        bad = Some("a device-writable descriptor");
                        break;
                    }
                    let n = d.len() as usize;
                    if len + n > self.buf.len() {
                        bad = Some("longer than the largest frame");
                        break;
                    }
                    if a.mem
                        .read_slice(&mut self.buf[len..len + n], d.addr())
                        .is_err()
                    {
                        bad = Some("a buffer outside guest memory");
                        break;
                    }
                    len += n;
                }
                if bad.is_none() && len <= VNET_HDR_LEN {
                    bad = Some("no frame after the header");
                }
                match bad {
                    Some(why) => {
                        crate::guest_warn!("virtio-net {}: dropping a tx frame: {why}", self.name);
                        self.counters.tx_dropped += 1;
                    }
                    None => match self.io.write_frame(&self.buf[..len]) {
                        Ok(_) => self.counters.tx_frames += 1,
                        Err(e) => {
                            if e.kind() != std::io::ErrorKind::WouldBlock {
                                crate::guest_warn!(
                                    "virtio-net {}: sending a frame: {e}",
                                    self.name
                                );
                            }
                            self.counters.tx_dropped += 1;
                        }
                    },
                }
                if let Err(e) = a.queues[TX].add_used(&a.mem, head, 0) {
                    crate::guest_warn!("virtio-net: tx queue: {e}");
                }
                used = true;
                popped = true;
            }
            if budget == 0 {
                let _ = self.queue_evts[TX].write(1);
                break;
            }
            match a.queues[TX].enable_notification(&a.mem) {
                Ok(true) if popped || !retried => {
                    retried = !popped;
                    continue;
                }
                Ok(true) => {
                    crate::guest_warn!(
                        "virtio-net: tx queue: the driver announces buffers that cannot be read; \
                         ignored until its next notification"
                    );
                    break;
                }
                Ok(false) => break,
                Err(e) => {
                    crate::guest_warn!("virtio-net: tx queue: {e}");
                    break;
                }
            }
        }
        if used {
            signal(a, TX);
        }
    }

    /// Puts the host side in or out of the event loop: in, unless a frame
    /// waits for a guest buffer.
    fn sync_interest(&mut self, ops: &mut EventOps) {
        let want = self.active.is_some() && self.pending.is_none();
        if want == self.io_watched {
            return;
        }
        let fd = self.io.as_raw_fd();
        let r = if want {
            ops.add(Events::new_raw(fd, EventSet::IN))
        } else {
            ops.remove(Events::empty_raw(fd))
        };
        match r {
            Ok(()) => self.io_watched = want,
            Err(e) => log::error!("virtio-net {}: event loop: {e}", self.name),
        }
    }
}

fn signal(a: &mut Active, q: usize) {
    super::signal_used(&mut a.queues[q], &a.mem, &a.interrupt, "virtio-net");
}

impl VirtioDevice for Net {
    fn device_type(&self) -> u32 {
        VIRTIO_ID_NET
    }

    fn queue_max_sizes(&self) -> &[u16] {
        &[QUEUE_SIZE; 2]
    }

    fn features(&self) -> u64 {
        (1 << VIRTIO_F_VERSION_1) | (1 << VIRTIO_RING_F_EVENT_IDX) | (1 << VIRTIO_NET_F_MAC)
    }

    fn ack_features(&mut self, features: u64) {
        self.acked_features = features;
    }

    fn read_config(&self, offset: u64, data: &mut [u8]) {
        // struct virtio_net_config: mac[6], then fields of features not
        // offered.
        let cfg = self.mac.0;
        super::read_config_bytes(&cfg, offset, data);
    }

    fn write_config(&mut self, offset: u64, _data: &[u8]) {
        crate::guest_warn!("virtio-net: guest wrote the read-only config space at {offset:#x}");
    }

    fn activate(
        &mut self,
        mem: GuestMem,
        queues: Vec<Queue>,
        interrupt: Arc<Interrupt>,
    ) -> Result<(), ActivateError> {
        if queues.len() != 2 {
            return Err(ActivateError::QueueCount {
                expected: 2,
                got: queues.len(),
            });
        }
        self.active = Some(Active {
            mem,
            queues,
            interrupt,
        });
        // Frames may have been posted before DRIVER_OK; the tx eventfd
        // also brings the host side into the event loop.
        for e in &self.queue_evts {
            let _ = e.write(1);
        }
        Ok(())
    }

    fn reset(&mut self) {
        self.active = None;
        self.pending = None;
    }
}

impl MutEventSubscriber for Net {
    fn process(&mut self, events: Events, ops: &mut EventOps) {
        let fd = events.fd();
        if fd == self.queue_evts[RX].as_raw_fd() {
            let _ = self.queue_evts[RX].read();
        } else if fd == self.queue_evts[TX].as_raw_fd() {
            let _ = self.queue_evts[TX].read();
            self.process_tx();
        }
        // New rx buffers, or frames from the host: deliver what can be.
        self.process_rx();
        self.sync_interest(ops);
    }

    fn init(&mut self, ops: &mut EventOps) {
        let fds: Vec<RawFd> = self.queue_evts.iter().map(|e| e.as_raw_fd()).collect();
        for fd in fds {
            if let Err(e) = ops.add(Events::new_raw(fd, EventSet::IN)) {
                log::error!("virtio-net: cannot watch fd {fd}: {e}");
            }
        }
    }
}

/// The device as saved in a snapshot. Frames in flight are not: a
/// restored guest sees them lost, as on a real network.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct NetState {
    /// The tap interface.
    pub tap: String,
    /// The guest's MAC address.
    pub mac: MacAddr,
    /// Features the driver accepted.
    pub acked_features: u64,
    /// The queues (with their positions), if the device was active.
    pub queues: Option<Vec<QueueSnapshot>>,
}

/// The network device and its virtio-mmio transport.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct NetSnapshot {
    /// The device.
    pub device: NetState,
    /// The transport.
    pub transport: MmioState,
}

impl Persist for Net {
    type State = NetState;
    /// The tap to attach to (default: the saved one's name).
    type Args = Option<String>;

    fn save(&self) -> NetState {
        NetState {
            tap: self.name.clone(),
            mac: self.mac,
            acked_features: self.acked_features,
            queues: self
                .active
                .as_ref()
                .map(|a| a.queues.iter().map(|q| q.state().into()).collect()),
        }
    }

    fn restore(tap_name: Option<String>, s: &NetState) -> Result<Self, PersistError> {
        let err = |msg: String| PersistError {
            device: "virtio-net",
            msg,
        };
        let name = tap_name.unwrap_or_else(|| s.tap.clone());
        let tap = tap::Tap::open(&name).map_err(|e| err(e.to_string()))?;
        let mut n =
            Net::new(Box::new(tap), &name, s.mac).map_err(|e| err(format!("eventfd: {e}")))?;
        n.acked_features = s.acked_features;
        Ok(n)
    }
}
