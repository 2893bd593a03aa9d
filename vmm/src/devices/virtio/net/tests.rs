//! The network device driven through real split virtqueues in guest
//! memory, with a datagram socket pair in place of the tap (one datagram
//! is one frame, as on a tap): frames both ways, and the malformed chains
//! a hostile driver can post.

use std::os::fd::{AsRawFd, RawFd};
use std::os::unix::net::UnixDatagram;
use std::sync::Arc;

use virtio_bindings::virtio_ring::{VRING_DESC_F_NEXT, VRING_DESC_F_WRITE};
use virtio_queue::desc::{split::Descriptor, RawDescriptor};
use virtio_queue::{Queue, QueueT};
use vm_memory::{Bytes, GuestAddress};
use vmm_sys_util::eventfd::EventFd;

use super::{FrameIo, MacAddr, Net, DEFAULT_MAC, VNET_HDR_LEN};
use crate::devices::virtio::{Interrupt, VirtioDevice};
use crate::memory::GuestMem;
use crate::persist::Persist;

const QSIZE: u16 = 16;
const RINGS: [u64; 2] = [0x0, 0x10000];
const BUFS: u64 = 0x100000;
const MEM: u64 = 16 << 20;
const W: u16 = VRING_DESC_F_WRITE as u16;

struct Sock(UnixDatagram);

impl AsRawFd for Sock {
    fn as_raw_fd(&self) -> RawFd {
        self.0.as_raw_fd()
    }
}

impl FrameIo for Sock {
    fn read_frame(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        self.0.recv(buf)
    }
    fn write_frame(&mut self, frame: &[u8]) -> std::io::Result<usize> {
        self.0.send(frame)
    }
}

fn avail(ring: u64) -> u64 {
    ring + 16 * u64::from(QSIZE)
}

fn used(ring: u64) -> u64 {
    (avail(ring) + 4 + 2 * u64::from(QSIZE) + 2 + 3) & !3
}

struct Guest {
    mem: GuestMem,
    dev: Net,
    host: UnixDatagram,
    next_desc: [u16; 2],
    used_seen: [u16; 2],
    next_buf: u64,
}

impl Guest {
    fn new() -> Self {
        let (a, b) = UnixDatagram::pair().unwrap();
        a.set_nonblocking(true).unwrap();
        b.set_nonblocking(true).unwrap();
        let mut dev = Net::new(Box::new(Sock(a)), "test0", DEFAULT_MAC).unwrap();
        let mem = GuestMem::from_ranges(&[(GuestAddress(0), MEM as usize)]).unwrap();
        let queues = RINGS
            .iter()
            .map(|&r| {
                let mut q = Queue::new(super::QUEUE_SIZE).unwrap();
                q.set_size(QSIZE);
                q.set_desc_table_address(Some(r as u32), Some(0));
                q.set_avail_ring_address(Some(avail(r) as u32), Some(0));
                q.set_used_ring_address(Some(used(r) as u32), Some(0));
                q.set_ready(true);
                assert!(q.is_valid(&mem));
                q
            })
            .collect();
        let irq = EventFd::new(libc::EFD_NONBLOCK).unwrap();
        dev.activate(mem.clone(), queues, Arc::new(Interrupt::new(irq)))
            .unwrap();
        Guest {
            mem,
            dev,
            host: b,
            next_desc: [0; 2],
            used_seen: [0; 2],
            next_buf: BUFS,
        }
    }

    fn alloc(&mut self, len: u64) -> u64 {
        let a = self.next_buf;
        self.next_buf += (len + 0xfff) & !0xfff;
        a
    }

    fn post(&mut self, q: usize, parts: &[(u64, u32, u16)]) -> u16 {
        let ring = RINGS[q];
        let head = self.next_desc[q];
        for (i, &(addr, len, flags)) in parts.iter().enumerate() {
            let idx = (head + i as u16) % QSIZE;
            let f = if i + 1 == parts.len() {
                flags
            } else {
                flags | VRING_DESC_F_NEXT as u16
            };
            let d = RawDescriptor::from(Descriptor::new(addr, len, f, (idx + 1) % QSIZE));
            self.mem
                .write_obj(d, GuestAddress(ring + 16 * u64::from(idx)))
                .unwrap();
        }
        self.next_desc[q] = (head + parts.len() as u16) % QSIZE;
        let aidx: u16 = self.mem.read_obj(GuestAddress(avail(ring) + 2)).unwrap();
        self.mem
            .write_obj(
                head,
                GuestAddress(avail(ring) + 4 + 2 * u64::from(aidx % QSIZE)),
            )
            .unwrap();
        self.mem
            .write_obj(aidx.wrapping_add(1), GuestAddress(avail(ring) + 2))
            .unwrap();
        head
    }

    /// The used entries of queue `q` since the last call: (head, len).
    fn used(&mut self, q: usize) -> Vec<(u32, u32)> {
        let u = used(RINGS[q]);
        let idx: u16 = self.mem.read_obj(GuestAddress(u + 2)).unwrap();
        let mut out = Vec::new();
        while self.used_seen[q] != idx {
            let e = u + 4 + 8 * u64::from(self.used_seen[q] % QSIZE);
            out.push((
                self.mem.read_obj(GuestAddress(e)).unwrap(),
                self.mem.read_obj(GuestAddress(e + 4)).unwrap(),
            ));
            self.used_seen[q] = self.used_seen[q].wrapping_add(1);
        }
        out
    }

    /// Sends `payload` from the guest, with a zero header, split at `split`.
    fn send(&mut self, payload: &[u8], split: usize) -> u16 {
        let mut frame = vec![0u8; VNET_HDR_LEN];
        frame.extend_from_slice(payload);
        let (x, y) = frame.split_at(split.min(frame.len()));
        let (a, b) = (self.alloc(x.len() as u64), self.alloc(y.len() as u64));
        self.mem.write_slice(x, GuestAddress(a)).unwrap();
        self.mem.write_slice(y, GuestAddress(b)).unwrap();
        let h = self.post(1, &[(a, x.len() as u32, 0), (b, y.len() as u32, 0)]);
        self.dev.process_tx();
        h
    }

    fn host_frames(&self) -> Vec<Vec<u8>> {
        let mut out = Vec::new();
        let mut buf = vec![0u8; 70000];
        while let Ok(n) = self.host.recv(&mut buf) {
            out.push(buf[..n].to_vec());
        }
        out
    }
}

fn frame(payload: &[u8]) -> Vec<u8> {
    let mut f = vec![0u8; VNET_HDR_LEN];
    f.extend_from_slice(payload);
    f
}

#[test]
fn frames_go_out_whole_and_in_whole() {
    let mut g = Guest::new();
    // Out: a frame over two descriptors, split inside the header.
    let payload: Vec<u8> = (0..1500u32).map(|i| i as u8).collect();
    let h = g.send(&payload, 5);
    assert_eq!(g.used(1), vec![(u32::from(h), 0)]);
    assert_eq!(g.host_frames(), vec![frame(&payload)]);

    // In: two frames wait before the guest has buffers; both arrive, one
    // per buffer, with num_buffers = 1.
    g.host.send(&frame(b"first")).unwrap();
    g.host.send(&frame(&payload)).unwrap();
    g.dev.process_rx();
    assert!(g.dev.rx_blocked(), "no buffer: the frame waits");
    assert!(g.used(0).is_empty());
    let (b1, b2) = (g.alloc(2048), g.alloc(2048));
    // A buffer split into a 12-byte header and the data, as Linux posts it.
    let h1 = g.post(0, &[(b1, 12, W), (b1 + 12, 2036, W)]);
    let h2 = g.post(0, &[(b2, 2048, W)]);
    g.dev.process_rx();
    assert!(!g.dev.rx_blocked());
    assert_eq!(
        g.used(0),
        vec![(u32::from(h1), 12 + 5), (u32::from(h2), 12 + 1500)]
    );
    let mut got = vec![0u8; 12 + 1500];
    g.mem.read_slice(&mut got, GuestAddress(b2)).unwrap();
    assert_eq!(&got[10..12], &[1, 0], "num_buffers");
    assert_eq!(&got[12..], &payload[..]);
    let mut got = vec![0u8; 5];
    g.mem.read_slice(&mut got, GuestAddress(b1 + 12)).unwrap();
    assert_eq!(&got, b"first");
    let c = g.dev.counters();
    assert_eq!(
        (c.rx_frames, c.tx_frames, c.rx_dropped, c.tx_dropped),
        (2, 1, 0, 0)
    );
}

#[test]
fn malformed_chains_are_dropped_and_the_device_goes_on() {
    let mut g = Guest::new();
    // Tx: a device-writable descriptor, a header only, data outside
    // memory, more than the largest frame.
    let a = g.alloc(4096);
    g.post(1, &[(a, 100, W)]);
    g.post(1, &[(a, VNET_HDR_LEN as u32, 0)]);
    g.post(1, &[(a, 12, 0), (MEM - 10, 100, 0)]);
    g.post(1, &[(a, 12, 0), (0, 70000, 0)]);
    g.post(1, &[(a, 12, 0), (u64::MAX - 5, 100, 0)]);
    g.dev.process_tx();
    assert_eq!(g.used(1).len(), 5, "every chain is returned");
    assert!(g.host_frames().is_empty(), "nothing malformed went out");
    assert_eq!(g.dev.counters().tx_dropped, 5);

    // Rx: a frame larger than the buffer is dropped, the buffer comes
    // back empty; a device-readable buffer or one outside memory too.
    g.host.send(&frame(&[7u8; 1000])).unwrap();
    let h = g.post(0, &[(a, 500, W)]);
    g.dev.process_rx();
    assert_eq!(g.used(0), vec![(u32::from(h), 0)]);
    g.host.send(&frame(&[7u8; 100])).unwrap();
    g.post(0, &[(a, 500, 0)]);
    g.post(0, &[(MEM - 50, 500, W)]);
    g.dev.process_rx();
    assert_eq!(g.used(0).len(), 1, "one frame, one buffer used");
    assert!(!g.dev.rx_blocked());
    g.host.send(&frame(&[9u8; 100])).unwrap();
    g.dev.process_rx();
    assert_eq!(
        g.used(0).len(),
        1,
        "the bad buffer takes the next frame, dropped"
    );
    assert_eq!(g.dev.counters().rx_dropped, 3);
    assert_eq!(g.dev.counters().rx_frames, 0);

    // The device still works both ways.
    let b = g.alloc(2048);
    let h = g.post(0, &[(b, 2048, W)]);
    g.host.send(&frame(b"ok")).unwrap();
    g.dev.process_rx();
    assert_eq!(g.used(0), vec![(u32::from(h), 14)]);
    g.send(b"out", 12);
    assert_eq!(g.host_frames(), vec![frame(b"out")]);
}

#[test]
fn a_runaway_available_index_does_not_hang() {
    let mut g = Guest::new();
    // The driver announces far more buffers than the ring has.
    g.mem
        .write_obj(1000u16, GuestAddress(avail(RINGS[0]) + 2))
        .unwrap();
    g.mem
        .write_obj(1000u16, GuestAddress(avail(RINGS[1]) + 2))
        .unwrap();
    g.host.send(&frame(b"x")).unwrap();
    g.dev.process_rx();
    g.dev.process_tx();
}

#[test]
fn config_space_and_state() {
    let g = Guest::new();
    let mut mac = [0u8; 8];
    g.dev.read_config(0, &mut mac);
    assert_eq!(&mac[..6], &DEFAULT_MAC.0);
    assert_eq!(&mac[6..], &[0, 0]);
    let s = g.dev.save();
    assert_eq!((s.tap.as_str(), s.mac), ("test0", DEFAULT_MAC));
    assert_eq!(s.queues.as_ref().map(|q| q.len()), Some(2));
    assert_eq!(DEFAULT_MAC.to_string(), "06:00:ac:10:00:02");
    assert_eq!("06:00:AC:10:00:02".parse::<MacAddr>(), Ok(DEFAULT_MAC));
}
