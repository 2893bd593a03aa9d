//! The block device driven through a real split virtqueue in guest memory,
//! against a real drive file: good requests, and the malformed ones a
//! hostile driver can post.

use std::sync::Arc;

use virtio_bindings::virtio_blk::{
    VIRTIO_BLK_S_IOERR, VIRTIO_BLK_S_OK, VIRTIO_BLK_S_UNSUPP, VIRTIO_BLK_T_FLUSH,
    VIRTIO_BLK_T_GET_ID, VIRTIO_BLK_T_IN, VIRTIO_BLK_T_OUT,
};
use virtio_bindings::virtio_ring::{VRING_DESC_F_NEXT, VRING_DESC_F_WRITE};
use virtio_queue::desc::{split::Descriptor, RawDescriptor};
use virtio_queue::{Queue, QueueT};
use vm_memory::{Bytes, GuestAddress};
use vmm_sys_util::eventfd::EventFd;

use super::disk::Disk;
use super::Block;
use crate::devices::virtio::{Interrupt, VirtioDevice};
use crate::memory::GuestMem;
use crate::persist::Persist;

const QSIZE: u16 = 64;
const RING: u64 = 0x0;
const BUFS: u64 = 0x10000;
const MEM: u64 = 16 << 20;
const W: u16 = VRING_DESC_F_WRITE as u16;

fn avail_addr() -> u64 {
    RING + 16 * u64::from(QSIZE)
}

fn used_addr() -> u64 {
    (avail_addr() + 4 + 2 * u64::from(QSIZE) + 2 + 3) & !3
}

struct Guest {
    mem: GuestMem,
    dev: Block,
    next_desc: u16,
    next_buf: u64,
    used_seen: u16,
    _dir: tempfile::TempDir,
    path: std::path::PathBuf,
}

impl Guest {
    /// A device on a drive of `sectors` sectors, each filled with its
    /// index byte.
    fn new(sectors: u64, read_only: bool) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("drive");
        let mut bytes = Vec::new();
        for s in 0..sectors {
            bytes.extend(std::iter::repeat_n(s as u8, 512));
        }
        std::fs::write(&path, bytes).unwrap();
        let disk = Disk::open(&path, read_only, Some("test-serial")).unwrap();
        let mut dev = Block::new(disk).unwrap();
        let mem = GuestMem::from_ranges(&[(GuestAddress(0), MEM as usize)]).unwrap();
        let mut q = Queue::new(QSIZE).unwrap();
        q.set_size(QSIZE);
        q.set_desc_table_address(Some(RING as u32), Some(0));
        q.set_avail_ring_address(Some(avail_addr() as u32), Some(0));
        q.set_used_ring_address(Some(used_addr() as u32), Some(0));
        q.set_ready(true);
        assert!(q.is_valid(&mem));
        let irq = EventFd::new(libc::EFD_NONBLOCK).unwrap();
        dev.activate(mem.clone(), vec![q], Arc::new(Interrupt::new(irq)))
            .unwrap();
        Guest {
            mem,
            dev,
            next_desc: 0,
            next_buf: BUFS,
            used_seen: 0,
            _dir: dir,
            path,
        }
    }

    fn alloc(&mut self, len: u64) -> u64 {
        let a = self.next_buf;
        self.next_buf += (len + 0xfff) & !0xfff;
        a
    }

    fn header(&mut self, kind: u32, sector: u64) -> u64 {
        let a = self.alloc(16);
        self.mem.write_obj(kind, GuestAddress(a)).unwrap();
        self.mem.write_obj(0u32, GuestAddress(a + 4)).unwrap();
        self.mem.write_obj(sector, GuestAddress(a + 8)).unwrap();
        a
    }

    /// Posts a chain of (addr, len, flags) and lets the device serve it;
    /// returns (used length, status byte at `status`).
    fn submit(&mut self, parts: &[(u64, u32, u16)], status: u64) -> (u32, u8) {
        self.mem.write_obj(0xffu8, GuestAddress(status)).unwrap();
        let head = self.next_desc;
        for (i, &(addr, len, flags)) in parts.iter().enumerate() {
            let idx = (head + i as u16) % QSIZE;
            let next = (idx + 1) % QSIZE;
            let f = if i + 1 == parts.len() {
                flags
            } else {
                flags | VRING_DESC_F_NEXT as u16
            };
            let d = RawDescriptor::from(Descriptor::new(addr, len, f, next));
            self.mem
                .write_obj(d, GuestAddress(RING + 16 * u64::from(idx)))
                .unwrap();
        }
        self.next_desc = (head + parts.len() as u16) % QSIZE;
        let aidx: u16 = self.mem.read_obj(GuestAddress(avail_addr() + 2)).unwrap();
        self.mem
            .write_obj(
                head,
                GuestAddress(avail_addr() + 4 + 2 * u64::from(aidx % QSIZE)),
            )
            .unwrap();
        self.mem
            .write_obj(aidx.wrapping_add(1), GuestAddress(avail_addr() + 2))
            .unwrap();
        self.dev.process_queue();
        let uidx: u16 = self.mem.read_obj(GuestAddress(used_addr() + 2)).unwrap();
        assert_eq!(
            uidx,
            self.used_seen.wrapping_add(1),
            "every chain is returned"
        );
        let e = used_addr() + 4 + 8 * u64::from(self.used_seen % QSIZE);
        self.used_seen = uidx;
        let id: u32 = self.mem.read_obj(GuestAddress(e)).unwrap();
        assert_eq!(id, u32::from(head));
        let len: u32 = self.mem.read_obj(GuestAddress(e + 4)).unwrap();
        (len, self.mem.read_obj(GuestAddress(status)).unwrap())
    }

    /// A well-formed request with one data buffer of `len` bytes.
    fn simple(&mut self, kind: u32, sector: u64, data: u64, len: u32) -> (u32, u8) {
        let h = self.header(kind, sector);
        let st = self.alloc(1);
        let flags = if kind == VIRTIO_BLK_T_OUT { 0 } else { W };
        self.submit(&[(h, 16, 0), (data, len, flags), (st, 1, W)], st)
    }

    fn drive(&self) -> Vec<u8> {
        std::fs::read(&self.path).unwrap()
    }
}

const OK: u8 = VIRTIO_BLK_S_OK as u8;
const IOERR: u8 = VIRTIO_BLK_S_IOERR as u8;

#[test]
fn reads_writes_flushes_and_ids() {
    let mut g = Guest::new(16, false);
    // Read sectors 2..4 over two buffers.
    let h = g.header(VIRTIO_BLK_T_IN, 2);
    let (a, b, st) = (g.alloc(512), g.alloc(512), g.alloc(1));
    let (len, s) = g.submit(&[(h, 16, 0), (a, 512, W), (b, 512, W), (st, 1, W)], st);
    assert_eq!((len, s), (1025, OK));
    let mut buf = vec![0u8; 512];
    g.mem.read_slice(&mut buf, GuestAddress(a)).unwrap();
    assert!(buf.iter().all(|&x| x == 2));
    g.mem.read_slice(&mut buf, GuestAddress(b)).unwrap();
    assert!(buf.iter().all(|&x| x == 3));
    // The device's writes into guest memory are logged as dirty.
    assert!(crate::memory::take_dirty(&g.mem, &[vec![0; 64]])
        .iter()
        .any(|&(gpa, n)| gpa <= a && a < gpa + n * 4096));

    // Write sector 5, read it back from the file.
    let d = g.alloc(1024);
    g.mem.write_slice(&[0xab; 1024], GuestAddress(d)).unwrap();
    assert_eq!(g.simple(VIRTIO_BLK_T_OUT, 5, d, 1024), (1, OK));
    let f = g.drive();
    assert!(f[5 * 512..7 * 512].iter().all(|&x| x == 0xab));
    assert!(f[7 * 512..8 * 512].iter().all(|&x| x == 7));

    // Flush (no data), GET_ID.
    let h = g.header(VIRTIO_BLK_T_FLUSH, 0);
    let st = g.alloc(1);
    assert_eq!(g.submit(&[(h, 16, 0), (st, 1, W)], st), (1, OK));
    let id = g.alloc(20);
    assert_eq!(g.simple(VIRTIO_BLK_T_GET_ID, 0, id, 20), (21, OK));
    let mut idb = [0u8; 20];
    g.mem.read_slice(&mut idb, GuestAddress(id)).unwrap();
    assert_eq!(&idb[..12], b"test-serial\0");

    // The last sector is readable; one past it is not.
    assert_eq!(g.simple(VIRTIO_BLK_T_IN, 15, d, 512), (513, OK));
    assert_eq!(g.simple(VIRTIO_BLK_T_IN, 16, d, 512), (1, IOERR));
}

#[test]
fn malformed_requests_are_refused_without_touching_the_drive() {
    let mut g = Guest::new(16, false);
    let before = g.drive();
    let d = g.alloc(8192);
    g.mem.write_slice(&[0x55; 8192], GuestAddress(d)).unwrap();
    // Out of range, straddling the end, overflowing the sector number.
    assert_eq!(g.simple(VIRTIO_BLK_T_OUT, 16, d, 512), (1, IOERR));
    assert_eq!(g.simple(VIRTIO_BLK_T_OUT, 15, d, 1024), (1, IOERR));
    assert_eq!(g.simple(VIRTIO_BLK_T_OUT, u64::MAX, d, 512), (1, IOERR));
    assert_eq!(
        g.simple(VIRTIO_BLK_T_IN, u64::MAX / 512, d, 512),
        (1, IOERR)
    );
    // Not a whole number of sectors.
    assert_eq!(g.simple(VIRTIO_BLK_T_OUT, 0, d, 100), (1, IOERR));
    // Data outside guest memory, or wrapping the address space.
    assert_eq!(g.simple(VIRTIO_BLK_T_OUT, 0, MEM - 256, 512), (1, IOERR));
    assert_eq!(
        g.simple(VIRTIO_BLK_T_IN, 0, u64::MAX - 100, 512),
        (1, IOERR)
    );
    // Wrong direction: OUT with a device-writable buffer, IN with a
    // device-readable one.
    let h = g.header(VIRTIO_BLK_T_OUT, 0);
    let st = g.alloc(1);
    assert_eq!(
        g.submit(&[(h, 16, 0), (d, 512, W), (st, 1, W)], st),
        (1, IOERR)
    );
    let h = g.header(VIRTIO_BLK_T_IN, 0);
    assert_eq!(
        g.submit(&[(h, 16, 0), (d, 512, 0), (st, 1, W)], st),
        (1, IOERR)
    );
    // A header that is short, device-writable, or outside memory.
    let h = g.header(VIRTIO_BLK_T_OUT, 0);
    assert_eq!(
        g.submit(&[(h, 8, 0), (d, 512, 0), (st, 1, W)], st),
        (1, IOERR)
    );
    assert_eq!(
        g.submit(&[(h, 16, W), (d, 512, 0), (st, 1, W)], st),
        (1, IOERR)
    );
    assert_eq!(
        g.submit(&[(MEM - 8, 16, 0), (d, 512, 0), (st, 1, W)], st),
        (1, IOERR)
    );
    // Header then status only, for a write: nothing to write is fine.
    assert_eq!(g.submit(&[(h, 16, 0), (st, 1, W)], st), (1, OK));
    // Status only.
    assert_eq!(g.submit(&[(st, 1, W)], st), (1, IOERR));
    // A flush carrying data; a short GET_ID buffer; an unknown type.
    let h = g.header(VIRTIO_BLK_T_FLUSH, 0);
    assert_eq!(
        g.submit(&[(h, 16, 0), (d, 512, 0), (st, 1, W)], st),
        (1, IOERR)
    );
    let h = g.header(VIRTIO_BLK_T_GET_ID, 0);
    assert_eq!(
        g.submit(&[(h, 16, 0), (d, 19, W), (st, 1, W)], st),
        (1, IOERR)
    );
    let h = g.header(77, 0);
    assert_eq!(
        g.submit(&[(h, 16, 0), (d, 512, 0), (st, 1, W)], st),
        (1, VIRTIO_BLK_S_UNSUPP as u8)
    );
    // Too much data in one request.
    let h = g.header(VIRTIO_BLK_T_IN, 0);
    let parts: Vec<_> = std::iter::once((h, 16, 0))
        .chain((0..40).map(|_| (0x10_0000, 2 << 20, W)))
        .chain(std::iter::once((st, 1, W)))
        .collect();
    assert_eq!(g.submit(&parts, st), (1, IOERR));
    // Chains that cannot be answered: the status descriptor is
    // device-readable, empty, or outside memory. They come back with
    // nothing written.
    let h = g.header(VIRTIO_BLK_T_OUT, 0);
    assert_eq!(
        g.submit(&[(h, 16, 0), (d, 512, 0), (st, 1, 0)], st),
        (0, 0xff)
    );
    assert_eq!(
        g.submit(&[(h, 16, 0), (d, 512, 0), (st, 0, W)], st),
        (0, 0xff)
    );
    assert_eq!(
        g.submit(&[(h, 16, 0), (d, 512, 0), (MEM, 1, W)], st),
        (0, 0xff)
    );
    assert_eq!(g.drive(), before, "no refused request wrote the drive");
    // The device still works.
    assert_eq!(g.simple(VIRTIO_BLK_T_OUT, 0, d, 512), (1, OK));
    assert!(g.drive()[..512].iter().all(|&x| x == 0x55));
}

#[test]
fn a_read_only_drive_refuses_writes() {
    let mut g = Guest::new(4, true);
    assert_ne!(
        g.dev.features() & (1 << virtio_bindings::virtio_blk::VIRTIO_BLK_F_RO),
        0
    );
    let before = g.drive();
    let d = g.alloc(512);
    assert_eq!(g.simple(VIRTIO_BLK_T_OUT, 0, d, 512), (1, IOERR));
    assert_eq!(g.simple(VIRTIO_BLK_T_IN, 1, d, 512), (513, OK));
    let h = g.header(VIRTIO_BLK_T_FLUSH, 0);
    let st = g.alloc(1);
    assert_eq!(g.submit(&[(h, 16, 0), (st, 1, W)], st), (1, OK));
    assert_eq!(g.drive(), before);
}

#[test]
fn config_space_has_capacity_and_seg_max() {
    let g = Guest::new(24, false);
    let mut c = [0u8; 16];
    g.dev.read_config(0, &mut c);
    assert_eq!(u64::from_le_bytes(c[..8].try_into().unwrap()), 24);
    assert_eq!(u32::from_le_bytes(c[12..].try_into().unwrap()), 254);
    let mut past = [0xffu8; 4];
    g.dev.read_config(u64::MAX, &mut past);
    assert_eq!(past, [0; 4]);
}

#[test]
fn restore_refuses_a_drive_that_changed() {
    let mut g = Guest::new(8, false);
    let d = g.alloc(512);
    assert_eq!(g.simple(VIRTIO_BLK_T_OUT, 1, d, 512), (1, OK));
    let state = g.dev.save();
    assert_eq!(state.identity.size, 8 * 512);
    assert!(state.queue.is_some());
    let path = g.path.clone();
    let dir = g._dir;
    drop(g.dev);
    // Unchanged: restored, with its serial.
    let b = Block::restore((), &state).unwrap();
    assert_eq!(&b.disk().id()[..12], b"test-serial\0");
    drop(b);
    // A copy put back with its timestamps is the same drive.
    let copy = dir.path().join("copy");
    assert!(std::process::Command::new("cp")
        .arg("--preserve=timestamps")
        .arg(&path)
        .arg(&copy)
        .status()
        .unwrap()
        .success());
    std::fs::remove_file(&path).unwrap();
    std::fs::rename(&copy, &path).unwrap();
    drop(Block::restore((), &state).unwrap());
    // Written after the snapshot: refused, by name.
    std::thread::sleep(std::time::Duration::from_millis(10));
    let mut f = std::fs::OpenOptions::new().write(true).open(&path).unwrap();
    std::io::Write::write_all(&mut f, b"x").unwrap();
    drop(f);
    let e = Block::restore((), &state).unwrap_err().to_string();
    assert!(e.contains("changed since the snapshot"), "{e}");
    std::fs::remove_file(&path).unwrap();
    let e = Block::restore((), &state).unwrap_err().to_string();
    assert!(e.contains("No such file"), "{e}");
    drop(dir);
}
