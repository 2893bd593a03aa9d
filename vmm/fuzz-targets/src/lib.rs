//! Fuzzing entry points: one function per target of the `cargo fuzz`
//! project in `fuzz/` (each fuzz target is a one-line call of its
//! function here), also run by `tests/fuzz_regressions.rs` on every
//! seed in `fuzz/corpus/<target>/` and every crash input kept in
//! `fuzz/regressions/<target>/`. See `docs/fuzzing.md`.
//!
//! A crate of its own, so the harness is not compiled into the VMM: it
//! reaches the code under test through the public API of `cr_vmm`,
//! `kcr_image` and `agent_proto` only.
//!
//! Every function takes arbitrary bytes and must return normally: a panic
//! (including the `assert!`s below, which check properties the code
//! documents) or a hang is a bug in cr-vmm.
//!
//! ```
//! for (name, target) in cr_vmm_fuzz_targets::TARGETS {
//!     target(b"");
//!     target(name.as_bytes());
//! }
//! ```

#![deny(missing_docs)]

use std::fs::File;
use std::io::{self, Write};
use std::os::fd::AsRawFd;
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use agent_proto as proto;
use virtio_bindings::virtio_blk::{
    VIRTIO_BLK_T_FLUSH, VIRTIO_BLK_T_GET_ID, VIRTIO_BLK_T_IN, VIRTIO_BLK_T_OUT,
};
use virtio_bindings::virtio_ring::{VRING_DESC_F_NEXT, VRING_DESC_F_WRITE};
use virtio_queue::desc::{split::Descriptor, RawDescriptor};
use virtio_queue::{Queue, QueueT};
use vm_memory::{Bytes, GuestAddress};
use vmm_sys_util::eventfd::EventFd;

use cr_vmm::arch::layout::{CMDLINE_MAX_SIZE, CMDLINE_START, HIMEM_START};
use cr_vmm::boot::{self, KernelImage};
use cr_vmm::config::{VmConfig, VsockConfig, DEFAULT_CMDLINE, DEFAULT_GUEST_CID};
use cr_vmm::devices::serial::{ConsoleOutput, ConsoleWatch, SerialDevice};
use cr_vmm::devices::virtio::block::{self, disk::Disk, disk::SECTOR_SIZE, Block};
use cr_vmm::devices::virtio::vsock::defs::{Header, HOST_CID, QUEUE_SIZE, TYPE_STREAM};
use cr_vmm::devices::virtio::vsock::Vsock;
use cr_vmm::devices::virtio::{Interrupt, VirtioDevice};
use cr_vmm::memory::{self, GuestMem};
use cr_vmm::persist::Persist;
use cr_vmm::snapshot::{self, store};
use kcr_image::{mutate, parse, show};

/// A fuzz target's entry point.
pub type Target = fn(&[u8]);

/// Every target: its name (of the fuzz target and of its directories under
/// `fuzz/corpus/` and `fuzz/regressions/`) and its entry point.
pub const TARGETS: &[(&str, Target)] = &[
    ("image_parse", image_parse),
    ("snapshot_state", snapshot_state),
    ("agent_proto", agent_proto),
    ("vsock_queue", vsock_queue),
    ("block_queue", block_queue),
    ("cmdline", cmdline),
];

/// Fuzz input read as a stream of little-endian numbers and byte strings;
/// past its end every number is 0, so any input is a complete program.
struct Input<'a> {
    data: &'a [u8],
}

impl<'a> Input<'a> {
    fn new(data: &'a [u8]) -> Self {
        Input { data }
    }

    fn is_empty(&self) -> bool {
        self.data.is_empty()
    }

    fn u8(&mut self) -> u8 {
        match self.data.split_first() {
            Some((&b, rest)) => {
                self.data = rest;
                b
            }
            None => 0,
        }
    }

    fn u16(&mut self) -> u16 {
        u16::from_le_bytes([self.u8(), self.u8()])
    }

    fn u32(&mut self) -> u32 {
        u32::from_le_bytes([self.u8(), self.u8(), self.u8(), self.u8()])
    }

    fn u64(&mut self) -> u64 {
        u64::from(self.u32()) | (u64::from(self.u32()) << 32)
    }

    /// Up to `n` bytes (fewer at the end of the input).
    fn bytes(&mut self, n: usize) -> &'a [u8] {
        let (a, b) = self.data.split_at(n.min(self.data.len()));
        self.data = b;
        a
    }

    /// The rest of the input.
    fn rest(&mut self) -> &'a [u8] {
        std::mem::take(&mut self.data)
    }
}

/// `image_parse`: the bytes are a checkpoint image stream. It is parsed
/// (visiting its pages, as `cr-vmm verify` does); if that fails, parsed
/// again with its TAIL record's checksum and counts rewritten to match
/// (random changes never get past a CRC-32 otherwise). A valid image is
/// printed in all three forms and damaged by every [`mutate::Kind`].
///
/// Properties checked: the pages visited are the pages the mappings count;
/// a damaged valid image still parses (as [`mutate`] documents).
pub fn image_parse(data: &[u8]) {
    if !image_checks(data) {
        let mut sealed = data.to_vec();
        if mutate::fix_tail(&mut sealed).is_ok() {
            image_checks(&sealed);
        }
    }
}

/// [`image_parse`] on one stream; false if it is not a valid image.
fn image_checks(data: &[u8]) -> bool {
    let mut visited = 0u64;
    let parsed = parse::parse_visit(data, &mut |p| {
        assert_eq!(p.data.len(), 4096, "a visited page is one page");
        visited += 1;
    });
    let Ok(img) = parsed else {
        return false;
    };
    let counted: u64 = img
        .tasks
        .iter()
        .filter_map(|t| t.mm.as_ref())
        .flat_map(|m| &m.vmas)
        .map(|v| v.pages)
        .sum();
    assert_eq!(visited, counted, "pages visited vs pages of the mappings");
    let _ = show::summary(&img);
    let _ = show::tree(&img);
    let _ = show::json(&img);
    for kind in [
        mutate::Kind::PageByte,
        mutate::Kind::Register,
        mutate::Kind::DropPages,
    ] {
        let mut damaged = data.to_vec();
        if mutate::mutate(&mut damaged, kind).is_ok() {
            if let Err(e) = parse::parse(&damaged[..]) {
                panic!("{kind:?} made a valid image invalid: {e}");
            }
        }
    }
    true
}

/// `snapshot_state`: the bytes are a snapshot's state file. It is parsed
/// ([`store::parse_state`]) as it is, then with its header rewritten for
/// its body (length and CRC-64: random changes never get past the
/// checksum otherwise). A valid state is used as `cr-vmm restore` does
/// before KVM is involved: its memory layout mapped over a small (1 MiB,
/// sparse) memory file, a diff's pages copied in, the serial device
/// restored, the vsock queues rebuilt.
pub fn snapshot_state(data: &[u8]) {
    if let Ok(snap) = store::parse_state(data) {
        restore_checks(&snap);
    }
    let body = data.get(snapshot::format::HEADER_LEN..).unwrap_or_default();
    if let Ok(snap) = store::parse_state(&snapshot::format::encode(body)) {
        restore_checks(&snap);
    }
}

/// What restore does with a parsed state before KVM is involved.
fn restore_checks(snap: &snapshot::VmSnapshot) {
    if let Some(path) = memory_file() {
        if let Ok(mem) = memory::map_file(path, &snap.memory) {
            if let Some(d) = &snap.diff {
                let _ = memory::load_pages(&mem, &d.runs, &snap.memory, path);
            }
        }
    }
    if let (Ok(irq), Ok(drained)) = (
        EventFd::new(libc::EFD_NONBLOCK),
        EventFd::new(libc::EFD_NONBLOCK),
    ) {
        let out = ConsoleOutput::new(
            Box::new(io::sink()),
            Arc::new(Mutex::new(ConsoleWatch::default())),
        );
        let _ = SerialDevice::restore((irq, drained, out), &snap.serial);
    }
    if let Some(v) = &snap.vsock {
        for q in v.device.queues.iter().flatten().chain(&v.transport.queues) {
            let _ = q.to_queue();
        }
    }
}

/// A 1 MiB sparse file that no name refers to (it is unlinked at once),
/// standing in for a snapshot's memory file, by its `/proc/self/fd` path.
fn memory_file() -> Option<&'static Path> {
    static FILE: OnceLock<Option<(File, PathBuf)>> = OnceLock::new();
    FILE.get_or_init(|| {
        let p = std::env::temp_dir().join(format!("cr-vmm-fuzz-memory-{}", std::process::id()));
        let f = File::options()
            .read(true)
            .write(true)
            .create(true)
            .truncate(true)
            .open(&p)
            .ok();
        let _ = std::fs::remove_file(&p);
        let f = f?;
        f.set_len(1 << 20).ok()?;
        let path = PathBuf::from(format!("/proc/self/fd/{}", f.as_raw_fd()));
        Some((f, path))
    })
    .as_ref()
    .map(|(_, p)| p.as_path())
}

/// `agent_proto`: the bytes are what a peer sends on an agent connection.
/// As the guest agent, they are read as request frames; as `cr-vmm`, as
/// the VMM's answer to `CONNECT`, then a download (data frames up to the
/// end frame), then replies.
pub fn agent_proto(data: &[u8]) {
    let mut r = data;
    while let Ok(Some(frame)) = proto::read_frame(&mut r) {
        if let proto::Frame::Message(m) = frame {
            let _ = proto::parse_request(&m);
        }
    }
    let mut r = data;
    if proto::client::read_connect_reply(&mut r).is_err() {
        return;
    }
    let mut received = 0u64;
    let got = proto::client::receive_frames(&mut r, &mut io::sink(), None, &mut |n| {
        received = n;
    });
    if let Ok(n) = got {
        assert_eq!(n, received, "progress reports every byte");
    }
    while proto::client::read_reply_from(&mut r).is_ok() {}
}

/// Guest memory of the `vsock_queue` and `block_queue` targets.
const QUEUE_MEM: u64 = 1 << 20;
/// The guest's CID there.
const VSOCK_CID: u64 = 3;
/// The host port a host program listens on (the socket `PATH_1234`).
const LISTEN_PORT: u32 = 1234;
/// Distance between the rings of two queues.
const RING_STRIDE: u64 = 0x4000;
/// Packets and buffers are allocated from here to the end of memory.
const BUF_START: u64 = 0x10000;
/// Most operations of one input.
const MAX_OPS: usize = 512;
/// Most host clients of one input.
const MAX_CLIENTS: usize = 8;
// First port the device gives host-initiated connections.
use cr_vmm::devices::virtio::vsock::muxer::FIRST_LOCAL_PORT;

/// A split virtqueue as the driver sees it.
#[derive(Clone, Copy)]
struct Ring {
    size: u16,
    desc: u64,
    avail: u64,
    next_desc: u16,
}

/// The guest driver of the `vsock_queue` and `block_queue` targets, with
/// `N` queues: writes descriptors and available-ring entries into guest
/// memory.
struct Driver<const N: usize> {
    mem: GuestMem,
    rings: [Ring; N],
    next_buf: u64,
}

impl<const N: usize> Driver<N> {
    /// `len` bytes of guest memory for a packet or buffer (wrapping around
    /// the buffer area).
    fn alloc(&mut self, len: u64) -> u64 {
        if self.next_buf + len > QUEUE_MEM {
            self.next_buf = BUF_START;
        }
        let a = self.next_buf;
        self.next_buf = (a + len + 15) & !15;
        a
    }

    fn write_desc(&self, q: usize, idx: u16, d: Descriptor) {
        let r = self.rings[q];
        let at = r.desc + 16 * u64::from(idx % r.size);
        let _ = self.mem.write_obj(RawDescriptor::from(d), GuestAddress(at));
    }

    fn avail_idx(&self, q: usize) -> u16 {
        self.mem
            .read_obj(GuestAddress(self.rings[q].avail + 2))
            .unwrap_or(0)
    }

    fn set_avail_idx(&self, q: usize, idx: u16) {
        let _ = self
            .mem
            .write_obj(idx, GuestAddress(self.rings[q].avail + 2));
    }

    /// Makes the chain at `head` available on queue `q`.
    fn publish(&self, q: usize, head: u16) {
        let r = self.rings[q];
        let i = self.avail_idx(q);
        let at = r.avail + 4 + 2 * u64::from(i % r.size);
        let _ = self.mem.write_obj(head, GuestAddress(at));
        self.set_avail_idx(q, i.wrapping_add(1));
    }

    /// Posts a chain of `(addr, len, flags)` descriptors on queue `q`.
    fn post(&mut self, q: usize, parts: &[(u64, u32, u16)]) {
        let size = self.rings[q].size;
        let head = self.rings[q].next_desc % size;
        for (i, &(addr, len, flags)) in parts.iter().enumerate() {
            let idx = (u32::from(head) + i as u32) as u16 % size;
            let next = (idx + 1) % size;
            let flags = if i + 1 < parts.len() {
                flags | VRING_DESC_F_NEXT as u16
            } else {
                flags
            };
            self.write_desc(q, idx, Descriptor::new(addr, len, flags, next));
        }
        self.rings[q].next_desc = ((usize::from(head) + parts.len()) % usize::from(size)) as u16;
        self.publish(q, head);
    }
}

/// An address: mostly inside guest memory, sometimes anywhere (outside
/// memory, straddling its end).
fn guest_addr(input: &mut Input) -> u64 {
    match input.u8() % 4 {
        0 => input.u64(),
        1 => QUEUE_MEM - u64::from(input.u8()),
        _ => u64::from(input.u32()) % QUEUE_MEM,
    }
}

/// A port the device or the host side knows of, or any port.
fn port(input: &mut Input) -> u32 {
    let b = input.u8();
    match b % 4 {
        0 => LISTEN_PORT,
        1 => 1000 + u32::from(b >> 2) % 4,
        2 => FIRST_LOCAL_PORT + u32::from(b >> 2) % 4,
        _ => input.u32(),
    }
}

/// A packet header: well addressed with chosen fields, or raw bytes.
fn header(input: &mut Input) -> Header {
    let mode = input.u8();
    if mode & 0x80 != 0 {
        let mut raw = [0u8; 44];
        let b = input.bytes(44);
        raw[..b.len()].copy_from_slice(b);
        return Header::from_bytes(&raw);
    }
    Header {
        src_cid: if mode & 1 != 0 {
            input.u64()
        } else {
            VSOCK_CID
        },
        dst_cid: if mode & 2 != 0 { input.u64() } else { HOST_CID },
        src_port: port(input),
        dst_port: port(input),
        len: 0,
        type_: if mode & 4 != 0 {
            input.u16()
        } else {
            TYPE_STREAM
        },
        op: u16::from(input.u8() % 9),
        flags: u32::from(input.u8() % 4),
        buf_alloc: u32::from(input.u16()) << (input.u8() % 16),
        fwd_cnt: input.u32(),
    }
}

/// A temporary directory for one input's host sockets or drive file,
/// removed with everything in it when dropped.
struct ScratchDir(PathBuf);

impl ScratchDir {
    fn new(what: &str) -> Option<Self> {
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        if n == 0 {
            sweep_stale(what);
        }
        let p = std::env::temp_dir().join(format!("cr-vmm-fuzz-{what}-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&p);
        std::fs::create_dir(&p).ok()?;
        Some(ScratchDir(p))
    }
}

/// Removes the scratch directories of fuzzing processes that are gone: a
/// crash or hang ends one mid-input, without cleaning up.
fn sweep_stale(what: &str) {
    let prefix = format!("cr-vmm-fuzz-{what}-");
    let Ok(rd) = std::fs::read_dir(std::env::temp_dir()) else {
        return;
    };
    for e in rd.flatten() {
        let name = e.file_name();
        let pid = name
            .to_str()
            .and_then(|n| n.strip_prefix(&prefix))
            .and_then(|rest| rest.split('-').next())
            .and_then(|p| p.parse::<u32>().ok());
        if let Some(pid) = pid {
            if pid != std::process::id() && !Path::new(&format!("/proc/{pid}")).exists() {
                let _ = std::fs::remove_dir_all(e.path());
            }
        }
    }
}

impl Drop for ScratchDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// `vsock_queue`: the bytes are a guest driver's program against the vsock
/// device (1 MiB of guest memory; host socket in a temporary directory,
/// where a host program listens on port 1234). The first bytes choose the
/// queue sizes and EVENT_IDX, and optionally queue positions as a restored
/// device would have; each further operation writes a descriptor (any
/// address, length, flags, next index: loops and addresses outside memory
/// included), an available-ring entry, the available index, raw bytes
/// (headers, rings), a well-formed tx packet or rx buffers; runs the tx or
/// rx processing or a transport reset; or acts as a host client (connects
/// with a `CONNECT` line, sends bytes).
///
/// The device must neither panic nor hang; vm-memory keeps every access
/// inside guest memory.
pub fn vsock_queue(data: &[u8]) {
    // cr-vmm's Rust main ignores SIGPIPE (a write to a host socket whose
    // peer went away is an EPIPE error); libFuzzer's C main does not.
    static IGNORE_SIGPIPE: std::sync::Once = std::sync::Once::new();
    IGNORE_SIGPIPE.call_once(|| {
        // SAFETY: setting a signal's disposition to SIG_IGN.
        unsafe { libc::signal(libc::SIGPIPE, libc::SIG_IGN) };
    });
    let Some(dir) = ScratchDir::new("vsock") else {
        return;
    };
    let mut input = Input::new(data);
    vsock_session(&mut input, &dir.0);
}

fn vsock_session(input: &mut Input, dir: &Path) -> Option<()> {
    let mem = GuestMem::from_ranges(&[(GuestAddress(0), QUEUE_MEM as usize)]).ok()?;
    let uds = dir.join("v.sock");
    let mut listen = uds.clone().into_os_string();
    listen.push(format!("_{LISTEN_PORT}"));
    let _host_program = UnixListener::bind(&listen).ok()?;
    let mut dev = Vsock::new(VSOCK_CID, &uds).ok()?;

    let setup = input.u8();
    let restored = setup & 2 != 0;
    let mut queues = Vec::with_capacity(3);
    let mut rings = [Ring {
        size: 1,
        desc: 0,
        avail: 0,
        next_desc: 0,
    }; 3];
    for (i, ring) in rings.iter_mut().enumerate() {
        let size = 1u16 << (input.u8() % 9);
        let desc = i as u64 * RING_STRIDE;
        let avail = desc + 16 * u64::from(size);
        let used = (avail + 6 + 2 * u64::from(size) + 3) & !3;
        let mut q = Queue::new(QUEUE_SIZE).ok()?;
        q.set_size(size);
        q.set_desc_table_address(Some(desc as u32), Some(0));
        q.set_avail_ring_address(Some(avail as u32), Some(0));
        q.set_used_ring_address(Some(used as u32), Some(0));
        q.set_event_idx(setup & 1 != 0);
        q.set_ready(true);
        if restored {
            q.set_next_avail(input.u16());
            q.set_next_used(input.u16());
        }
        // The transport activates the device only with valid queues.
        if !q.is_valid(&mem) {
            return None;
        }
        *ring = Ring {
            size,
            desc,
            avail,
            next_desc: 0,
        };
        queues.push(q);
    }
    let irq = EventFd::new(libc::EFD_NONBLOCK).ok()?;
    dev.activate(mem.clone(), queues, Arc::new(Interrupt::new(irq)))
        .ok()?;
    if restored {
        dev.set_reset_pending();
    }
    let mut drv = Driver {
        mem,
        rings,
        next_buf: BUF_START,
    };
    let mut clients: Vec<UnixStream> = Vec::new();

    for _ in 0..MAX_OPS {
        if input.is_empty() {
            break;
        }
        match input.u8() % 13 {
            0 => {
                let q = usize::from(input.u8() % 3);
                let idx = input.u16();
                let d = Descriptor::new(guest_addr(input), input.u32(), input.u16(), input.u16());
                drv.write_desc(q, idx, d);
            }
            1 => {
                let q = usize::from(input.u8() % 3);
                let head = input.u16();
                drv.publish(q, head);
            }
            2 => {
                let q = usize::from(input.u8() % 3);
                let idx = input.u16();
                drv.set_avail_idx(q, idx);
            }
            3 => {
                let at = u64::from(input.u32()) % QUEUE_MEM;
                let n = usize::from(input.u8());
                let _ = drv.mem.write_slice(input.bytes(n), GuestAddress(at));
            }
            4 => {
                // A tx packet: header and payload over 1-4 descriptors.
                let mut h = header(input);
                let n = usize::from(input.u8());
                let payload = input.bytes(n);
                let lie = input.u8();
                h.len = if lie & 1 != 0 {
                    input.u32()
                } else {
                    payload.len() as u32
                };
                let split = 1 + usize::from(lie >> 1) % 4;
                let ha = drv.alloc(44);
                let _ = drv.mem.write_slice(&h.to_bytes(), GuestAddress(ha));
                let mut parts = vec![(ha, 44, 0)];
                for c in payload.chunks(payload.len().div_ceil(split).max(1)) {
                    let a = drv.alloc(c.len() as u64);
                    let _ = drv.mem.write_slice(c, GuestAddress(a));
                    parts.push((a, c.len() as u32, 0));
                }
                drv.post(1, &parts);
            }
            5 => {
                // Receive buffers: 1-4 chains of 1-2 write-only descriptors.
                for _ in 0..1 + input.u8() % 4 {
                    let n = 1 + usize::from(input.u8() % 2);
                    let mut parts = Vec::with_capacity(n);
                    for _ in 0..n {
                        let len = u32::from(input.u16()) % 0x1100;
                        let a = drv.alloc(u64::from(len));
                        parts.push((a, len, VRING_DESC_F_WRITE as u16));
                    }
                    drv.post(0, &parts);
                }
            }
            6 => dev.process_tx(),
            7 => dev.process_rx(),
            8 => {
                if input.u8() & 1 != 0 {
                    dev.send_pending_reset();
                } else {
                    let _ = dev.send_transport_reset();
                }
            }
            9 => {
                if clients.len() < MAX_CLIENTS {
                    if let Ok(s) = UnixStream::connect(&uds) {
                        let _ = s.set_nonblocking(true);
                        let line = if input.u8() & 1 != 0 {
                            let n = usize::from(input.u8() % 48);
                            input.bytes(n).to_vec()
                        } else {
                            format!("CONNECT {}\n", port(input)).into_bytes()
                        };
                        let _ = (&s).write(&line);
                        clients.push(s);
                    }
                }
                dev.poll_host_all();
            }
            10 => {
                let i = usize::from(input.u8());
                let n = usize::from(input.u8());
                let bytes = input.bytes(n);
                if let Some(c) = clients.get(i % clients.len().max(1)) {
                    let _ = (&*c).write(bytes);
                    if n == 0 {
                        let _ = c.shutdown(std::net::Shutdown::Write);
                    }
                }
                dev.poll_host_all();
            }
            11 => {
                // Host clients read what reached them; the device polls.
                let mut buf = [0u8; 4096];
                for c in &clients {
                    let _ = io::Read::read(&mut &*c, &mut buf);
                }
                dev.poll_host_all();
            }
            _ => {
                let i = usize::from(input.u8());
                if i < clients.len() {
                    clients.swap_remove(i);
                }
                dev.poll_host_all();
            }
        }
    }
    dev.process_tx();
    dev.process_rx();
    Some(())
}

/// Most sectors of the `block_queue` target's drive.
const BLOCK_MAX_SECTORS: u64 = 64;

/// The byte at `offset` of a `block_queue` drive as it is created: every
/// sector differs from its neighbours, so a read shows which one it read.
fn drive_byte(offset: u64) -> u8 {
    (offset / SECTOR_SIZE).wrapping_mul(0x9d) as u8 ^ offset as u8
}

/// `block_queue`: the bytes are a guest driver's program against the
/// virtio-blk device (1 MiB of guest memory; the drive is a file of 1 to 64
/// sectors in a temporary directory, filled with a known pattern). The
/// first bytes choose read-only, EVENT_IDX, the drive's size, the queue
/// size, and optionally queue positions as a restored device would have;
/// each further operation writes a descriptor (any address, length, flags,
/// next index: loops and addresses outside memory included), an
/// available-ring entry, the available index, raw bytes, or a request chain
/// (IN, OUT, FLUSH, GET_ID or any type; a sector on the drive or any; 0-3
/// data buffers, mostly whole sectors, with the right or the wrong
/// direction; a status byte that is sometimes missing, empty,
/// device-readable or outside memory); or runs the queue.
///
/// Properties checked: the device neither panics nor hangs; the drive
/// file's length never changes; a read-only drive's bytes never change.
pub fn block_queue(data: &[u8]) {
    let Some(dir) = ScratchDir::new("block") else {
        return;
    };
    let mut input = Input::new(data);
    block_session(&mut input, &dir.0);
}

fn block_session(input: &mut Input, dir: &Path) -> Option<()> {
    let mem = GuestMem::from_ranges(&[(GuestAddress(0), QUEUE_MEM as usize)]).ok()?;
    let setup = input.u8();
    let restored = setup & 2 != 0;
    let read_only = setup & 4 != 0;
    let sectors = 1 + u64::from(input.u8()) % BLOCK_MAX_SECTORS;
    let path = dir.join("drive");
    let initial: Vec<u8> = (0..sectors * SECTOR_SIZE).map(drive_byte).collect();
    std::fs::write(&path, &initial).ok()?;
    let mut dev = Block::new(Disk::open(&path, read_only, None).ok()?).ok()?;

    let size = 1u16 << (input.u8() % 9);
    let desc = 0;
    let avail = desc + 16 * u64::from(size);
    let used = (avail + 6 + 2 * u64::from(size) + 3) & !3;
    let mut q = Queue::new(block::QUEUE_SIZE).ok()?;
    q.set_size(size);
    q.set_desc_table_address(Some(desc as u32), Some(0));
    q.set_avail_ring_address(Some(avail as u32), Some(0));
    q.set_used_ring_address(Some(used as u32), Some(0));
    q.set_event_idx(setup & 1 != 0);
    q.set_ready(true);
    if restored {
        q.set_next_avail(input.u16());
        q.set_next_used(input.u16());
    }
    // The transport activates the device only with a valid queue.
    if !q.is_valid(&mem) {
        return None;
    }
    let irq = EventFd::new(libc::EFD_NONBLOCK).ok()?;
    dev.activate(mem.clone(), vec![q], Arc::new(Interrupt::new(irq)))
        .ok()?;
    let mut drv = Driver {
        mem,
        rings: [Ring {
            size,
            desc,
            avail,
            next_desc: 0,
        }],
        next_buf: BUF_START,
    };
    let check_len = || {
        let len = std::fs::metadata(&path).map(|m| m.len()).ok();
        assert_eq!(
            len,
            Some(initial.len() as u64),
            "the drive file's length changed"
        );
    };

    for _ in 0..MAX_OPS {
        if input.is_empty() {
            break;
        }
        match input.u8() % 6 {
            0 => {
                let idx = input.u16();
                let d = Descriptor::new(guest_addr(input), input.u32(), input.u16(), input.u16());
                drv.write_desc(0, idx, d);
            }
            1 => {
                let head = input.u16();
                drv.publish(0, head);
            }
            2 => {
                let idx = input.u16();
                drv.set_avail_idx(0, idx);
            }
            3 => {
                let at = u64::from(input.u32()) % QUEUE_MEM;
                let n = usize::from(input.u8());
                let _ = drv.mem.write_slice(input.bytes(n), GuestAddress(at));
            }
            4 => {
                let parts = block_request(input, &mut drv, sectors);
                drv.post(0, &parts);
            }
            _ => {
                dev.process_queue();
                check_len();
            }
        }
    }
    dev.process_queue();
    check_len();
    if read_only {
        let now = std::fs::read(&path).ok()?;
        assert!(now == initial, "a read-only drive was written");
    }
    Some(())
}

/// A request chain of the `block_queue` target, as `(addr, len, flags)`
/// descriptors: a header (type and sector chosen; sometimes short, long or
/// device-writable), 0-3 data buffers (whole sectors or any length, in the
/// buffer area or anywhere, device-writable for IN and GET_ID, or the
/// wrong way round), a status byte (sometimes missing or wrong).
fn block_request(input: &mut Input, drv: &mut Driver<1>, sectors: u64) -> Vec<(u64, u32, u16)> {
    let w = VRING_DESC_F_WRITE as u16;
    let mode = input.u8();
    let kind = match input.u8() % 5 {
        0 => VIRTIO_BLK_T_IN,
        1 => VIRTIO_BLK_T_OUT,
        2 => VIRTIO_BLK_T_FLUSH,
        3 => VIRTIO_BLK_T_GET_ID,
        _ => input.u32(),
    };
    let sector = if mode & 1 != 0 {
        input.u64()
    } else {
        u64::from(input.u8()) % sectors
    };
    let mut header = [0u8; 16];
    header[..4].copy_from_slice(&kind.to_le_bytes());
    header[8..].copy_from_slice(&sector.to_le_bytes());
    let ha = drv.alloc(16);
    let _ = drv.mem.write_slice(&header, GuestAddress(ha));
    let hlen = if mode & 2 != 0 {
        u32::from(input.u8())
    } else {
        16
    };
    let mut parts = vec![(ha, hlen, if mode & 4 != 0 { w } else { 0 })];
    let device_writes = kind == VIRTIO_BLK_T_IN || kind == VIRTIO_BLK_T_GET_ID;
    for _ in 0..input.u8() % 4 {
        // Bits 0-4: sectors; 5: any address; 6: wrong direction; 7: any
        // length.
        let b = input.u8();
        let len = if b & 0x80 != 0 {
            u32::from(input.u16())
        } else {
            u32::from(b & 0x1f) * SECTOR_SIZE as u32
        };
        let addr = if b & 0x20 != 0 {
            guest_addr(input)
        } else {
            drv.alloc(u64::from(len))
        };
        let writable = device_writes != (b & 0x40 != 0);
        parts.push((addr, len, if writable { w } else { 0 }));
    }
    if mode & 8 == 0 {
        let st = drv.alloc(1);
        if mode & 0x10 == 0 {
            parts.push((st, 1, w));
        } else {
            // Bits 0-1: length; 2: device-writable; 3: any address.
            let b = input.u8();
            let addr = if b & 8 != 0 { guest_addr(input) } else { st };
            parts.push((addr, u32::from(b & 3), if b & 4 != 0 { w } else { 0 }));
        }
    }
    parts
}

/// Guest memory of the `cmdline` target.
const BOOT_MEM: usize = 2 << 20;

/// `cmdline`: the bytes are a command line as `cr-vmm run` takes it:
/// a flag byte (bit 0: `--cmdline` given, bit 1: `--append` given, bit 2:
/// `--vsock-uds` given), `--vcpus` (one byte), `--mem-mib` (two bytes), then
/// the `--cmdline` text, a NUL, the `--append` text. The configuration is
/// validated as `cr-vmm run` does; a valid one gets its command line (with
/// the virtio-mmio device announcement), zero page, boot tables and MP
/// table written into guest memory, as for a boot.
///
/// Properties checked: the only boot error of a valid configuration is a
/// command line that is too long, and the command line in guest memory is
/// the effective one.
pub fn cmdline(data: &[u8]) {
    let mut input = Input::new(data);
    let flags = input.u8();
    let vcpus = u32::from(input.u8());
    let mem_mib = u64::from(input.u16());
    let mut texts = input.rest().splitn(2, |&b| b == 0);
    // Command-line arguments are UTF-8 (clap refuses anything else).
    let (Ok(arg), Ok(append)) = (
        std::str::from_utf8(texts.next().unwrap_or_default()),
        std::str::from_utf8(texts.next().unwrap_or_default()),
    ) else {
        return;
    };
    let base = if flags & 1 != 0 { arg } else { DEFAULT_CMDLINE };
    let mut cfg = VmConfig::new(KernelImage::Raw {
        code: vec![0xf4],
        addr: HIMEM_START,
    });
    // As `cr-vmm run` joins --cmdline (or the default) and --append.
    cfg.cmdline = if flags & 2 != 0 {
        format!("{base} {append}")
    } else {
        base.to_string()
    };
    cfg.vcpus = vcpus;
    cfg.mem_mib = mem_mib;
    if flags & 4 != 0 {
        cfg.vsock = Some(VsockConfig {
            guest_cid: DEFAULT_GUEST_CID,
            uds: PathBuf::from("/nonexistent/cr-vmm-fuzz/v.sock"),
        });
    }
    if cfg.validate().is_err() {
        return;
    }
    let Ok(extra) = cr_vmm::device_manager::cmdline_args(cfg.vsock.is_some(), 0, false) else {
        panic!("no virtio-mmio slot for the vsock device");
    };
    let line = cfg.effective_cmdline(&extra);
    let Ok(mem) = GuestMem::from_ranges(&[(GuestAddress(0), BOOT_MEM)]) else {
        return;
    };
    match boot::load(&mem, cfg.mem_bytes(), &cfg.kernel, None, &line) {
        Ok(_) => {}
        Err(boot::Error::Cmdline(_)) => return,
        Err(e) => panic!("a valid configuration does not boot: {e}"),
    }
    let mut written = vec![0u8; CMDLINE_MAX_SIZE];
    if let Err(e) = mem.read_slice(&mut written, GuestAddress(CMDLINE_START)) {
        panic!("command line unreadable: {e}");
    }
    let end = written
        .iter()
        .position(|&b| b == 0)
        .unwrap_or(written.len());
    assert_eq!(
        &written[..end],
        line.trim().as_bytes(),
        "the command line in guest memory"
    );
    if let Err(e) = cr_vmm::arch::regs::write_boot_tables(&mem) {
        panic!("boot tables: {e}");
    }
    if let Err(e) = cr_vmm::arch::mptable::setup(&mem, cfg.vcpus as u8) {
        panic!("MP table for {} vCPUs: {e}", cfg.vcpus);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use cr_vmm::devices::serial::SerialState;
    use cr_vmm::devices::virtio::mmio::MmioState;
    use cr_vmm::devices::virtio::vsock::defs::{
        OP_REQUEST, OP_RESPONSE, OP_RW, OP_SHUTDOWN, SHUTDOWN_RCV, SHUTDOWN_SEND,
    };
    use cr_vmm::devices::virtio::vsock::{VsockSnapshot, VsockState};
    use cr_vmm::devices::virtio::QueueSnapshot;
    use cr_vmm::memory::RegionLayout;
    use cr_vmm::snapshot::{format, DiffInfo, VmSnapshot};
    use cr_vmm::vstate::vcpu_state::VcpuState;
    use cr_vmm::vstate::vm::VmState;
    use proto::{After, ErrorCode, ProcInfo, Reply, Request};

    /// A vCPU as a booted 64-bit guest has it (the values that matter for
    /// restore and `cr-vmm verify`; the rest zero).
    fn vcpu(index: u8) -> VcpuState {
        let mut s = VcpuState {
            index,
            cpuid: vec![kvm_bindings::kvm_cpuid_entry2 {
                function: 1,
                eax: 0x806f8,
                ebx: u32::from(index) << 24,
                ecx: 0xfffa_3203,
                edx: 0x178b_fbff,
                ..Default::default()
            }],
            msrs: vec![
                kvm_bindings::kvm_msr_entry {
                    index: 0xc000_0080,
                    data: 0xd01,
                    ..Default::default()
                },
                kvm_bindings::kvm_msr_entry {
                    index: 0x4b56_4d00,
                    data: 0x2000,
                    ..Default::default()
                },
            ],
            regs: Default::default(),
            sregs: Default::default(),
            xsave: Default::default(),
            xcrs: Default::default(),
            lapic: Default::default(),
            events: Default::default(),
            mp_state: Default::default(),
            debugregs: Default::default(),
            tsc_khz: Some(2_500_000),
        };
        s.regs.rip = 0xffff_ffff_8100_0000;
        s.regs.rsp = 0xffff_c900_0000_3f00;
        s.regs.rflags = 0x246;
        s.sregs.cr0 = 0x8005_0033;
        s.sregs.cr3 = 0x0200_0000;
        s.sregs.cr4 = 0x0037_06f0;
        s.sregs.efer = 0xd01;
        s.xcrs.nr_xcrs = 1;
        s.xcrs.xcrs[0].value = 7;
        s.xsave.region[0] = 0x037f;
        s.mp_state.mp_state = 0;
        s
    }

    fn queue(size: u16, at: u64) -> QueueSnapshot {
        QueueSnapshot {
            max_size: QUEUE_SIZE,
            next_avail: 3,
            next_used: 3,
            event_idx_enabled: true,
            size,
            ready: true,
            desc_table: at,
            avail_ring: at + 16 * u64::from(size),
            used_ring: (at + 16 * u64::from(size) + 6 + 2 * u64::from(size) + 3) & !3,
        }
    }

    fn snapshot(vcpus: u8, diff: Option<DiffInfo>, vsock: bool) -> VmSnapshot {
        let queues: Vec<QueueSnapshot> =
            (0..3).map(|i| queue(128, 0x10_0000 + i * 0x4000)).collect();
        VmSnapshot {
            vmm_version: "0.1.0".into(),
            mem_mib: 128,
            memory: vec![RegionLayout {
                gpa: 0,
                len: 0x10_0000,
                file_offset: 0,
            }],
            vcpus: (0..vcpus).map(vcpu).collect(),
            vm: VmState {
                pic_master: Default::default(),
                pic_slave: Default::default(),
                ioapic: Default::default(),
                pit: Default::default(),
                clock: Default::default(),
            },
            serial: SerialState {
                baud_divisor_low: 1,
                baud_divisor_high: 0,
                interrupt_enable: 1,
                interrupt_identification: 1,
                line_control: 3,
                line_status: 0x60,
                modem_control: 8,
                modem_status: 0xb0,
                scratch: 0,
                in_buffer: b"ls\n".to_vec(),
            },
            blocks: Vec::new(),
            net: None,
            vsock: vsock.then(|| VsockSnapshot {
                uds: "/tmp/v.sock".into(),
                device: VsockState {
                    cid: 3,
                    acked_features: (1 << 32) | (1 << 29),
                    queues: Some(queues.clone()),
                },
                transport: MmioState {
                    device_features_sel: 1,
                    driver_features_sel: 1,
                    driver_features: (1 << 32) | (1 << 29),
                    queue_sel: 2,
                    status: 15,
                    config_generation: 0,
                    interrupt_status: 0,
                    queues,
                },
            }),
            diff,
        }
    }

    fn state_file(s: &VmSnapshot) -> Vec<u8> {
        format::encode(&serde_json::to_vec(s).unwrap())
    }

    /// Writes one or more frames.
    type Framer<'a> = &'a dyn Fn(&mut Vec<u8>);

    fn frames(msgs: &[Framer]) -> Vec<u8> {
        let mut b = Vec::new();
        for m in msgs {
            m(&mut b);
        }
        b
    }

    /// `vsock_queue` program text (see [`vsock_queue`]).
    #[derive(Default)]
    struct Prog(Vec<u8>);

    impl Prog {
        fn setup(flags: u8, size_log: u8) -> Self {
            let mut p = Prog::default();
            p.0.push(flags);
            for _ in 0..3 {
                p.0.push(size_log);
                if flags & 2 != 0 {
                    // Restored: next_avail, next_used.
                    p.0.extend([0u8; 4]);
                }
            }
            p
        }

        fn op(mut self, b: &[u8]) -> Self {
            self.0.extend_from_slice(b);
            self
        }

        /// A tx packet from guest port 1000 + `src` to host port `dst`
        /// (encoded as [`port`] reads it) with `payload`.
        fn tx(self, op: u16, src: u8, dst: &[u8], flags: u8, payload: &[u8]) -> Self {
            let mut b = vec![4, 0, 1 | (src << 2)];
            b.extend_from_slice(dst);
            b.extend([op as u8, flags]);
            b.extend(0x1000u16.to_le_bytes()); // buf_alloc 64 KiB
            b.push(4);
            b.extend(0u32.to_le_bytes()); // fwd_cnt
            b.push(payload.len() as u8);
            b.extend_from_slice(payload);
            b.push(2); // split in two descriptors
            self.op(&b)
        }

        fn rx_buffers(self) -> Self {
            self.op(&[
                5, 3, 0, 0x00, 0x10, 1, 44, 0, 0x00, 0x08, 0, 0x00, 0x10, 0, 0x00, 0x04,
            ])
        }
    }

    /// `block_queue` program text (see [`block_queue`]): setup flags, drive
    /// size in sectors, queue size (log2); restored queue positions, when
    /// `flags` asks for them, come next.
    fn block_setup(flags: u8, sectors: u8, size_log: u8) -> Prog {
        Prog(vec![flags, sectors - 1, size_log])
    }

    /// A well-formed `block_queue` request of type `kind` (0 IN, 1 OUT, 2
    /// FLUSH, 3 GET_ID) at `sector`, with the data buffers `bufs` (each as
    /// [`block_request`] reads it: sectors and flag bits, then a length
    /// or address if the bits ask for one).
    fn block_req(kind: u8, sector: u8, bufs: &[&[u8]]) -> Vec<u8> {
        let mut b = vec![4, 0, kind, sector, bufs.len() as u8];
        for buf in bufs {
            b.extend_from_slice(buf);
        }
        b
    }

    /// Writes the seed corpus into `fuzz/corpus/<target>/seed-*`.
    #[test]
    #[ignore = "writes fuzz/corpus; run by hand after a format change"]
    fn write_seed_corpus() {
        let mut seeds: Vec<(&str, String, Vec<u8>)> = Vec::new();
        for (name, img) in kcr_image::samples::seed_images() {
            seeds.push(("image_parse", name.into(), img));
        }

        let diff = DiffInfo {
            base: "/var/lib/snap/base".into(),
            runs: vec![(0x1000, 2), (0x8000, 1)],
        };
        seeds.push((
            "snapshot_state",
            "full".into(),
            state_file(&snapshot(1, None, true)),
        ));
        seeds.push((
            "snapshot_state",
            "diff".into(),
            state_file(&snapshot(1, Some(diff), false)),
        ));
        let mut two = snapshot(2, None, true);
        two.memory.push(RegionLayout {
            gpa: 0x10_0000,
            len: 0x8000,
            file_offset: 0x10_0000,
        });
        seeds.push(("snapshot_state", "two-vcpus".into(), state_file(&two)));

        let m = |r: Request| move |b: &mut Vec<u8>| proto::write_message(b, &r).unwrap();
        let rep = |r: Reply| move |b: &mut Vec<u8>| proto::write_message(b, &r).unwrap();
        let ok = |b: &mut Vec<u8>| b.extend_from_slice(b"OK 1073741824\n");
        let image = kcr_image::samples::sample();
        let data = |b: &mut Vec<u8>| proto::write_data(b, &image[..600]).unwrap();
        let end = |b: &mut Vec<u8>| proto::write_end(b).unwrap();
        seeds.push((
            "agent_proto",
            "requests".into(),
            frames(&[
                &m(Request::Version),
                &m(Request::Ps),
                &m(Request::Spawn {
                    argv: vec!["/bin/guest-agent".into(), "counter".into()],
                    env: vec![("K".into(), "V".into())],
                    cwd: Some("/tmp".into()),
                }),
                &m(Request::Exec {
                    argv: vec!["uname".into(), "-a".into()],
                }),
                &m(Request::Checkpoint {
                    pid: 42,
                    after: After::Stop,
                    hostinfo: true,
                    ext_unix: true,
                }),
                &m(Request::Kill {
                    pid: 42,
                    signal: 15,
                }),
                &m(Request::Logs),
                &m(Request::ReadFile {
                    path: "/tmp/x.img".into(),
                }),
                &m(Request::Stream { bytes: 4096 }),
            ]),
        ));
        seeds.push((
            "agent_proto",
            "restart".into(),
            frames(&[&m(Request::Restart), &data, &end]),
        ));
        seeds.push((
            "agent_proto",
            "checkpoint-download".into(),
            frames(&[
                &ok,
                &data,
                &end,
                &rep(Reply::Checkpointed {
                    pid: 42,
                    bytes: 600,
                }),
            ]),
        ));
        seeds.push((
            "agent_proto",
            "replies".into(),
            frames(&[
                &ok,
                &end,
                &rep(Reply::Version {
                    protocol: proto::PROTOCOL_VERSION,
                    agent: "0.1.0".into(),
                    kernel: "6.12.117".into(),
                }),
                &rep(Reply::Ps {
                    procs: vec![ProcInfo {
                        pid: 1,
                        ppid: 0,
                        state: "S".into(),
                        comm: "init".into(),
                    }],
                }),
                &rep(Reply::Exited {
                    status: 0,
                    stdout: "Linux\n".into(),
                    stderr: String::new(),
                }),
                &rep(Reply::Started { pid: 43 }),
                &rep(Reply::Done),
                &rep(Reply::FileSent { bytes: 600 }),
                &rep(Reply::Streaming { bytes: 0 }),
                &rep(Reply::Logs {
                    text: "restarted: pid 43".into(),
                }),
                &rep(Reply::Error {
                    code: ErrorCode::NoSuchProcess,
                    message: "no process 99".into(),
                }),
            ]),
        ));
        seeds.push((
            "agent_proto",
            "refused".into(),
            frames(&[
                &ok,
                &rep(Reply::Error {
                    code: ErrorCode::CheckpointFailed,
                    message: "checkpoint: -EBUSY".into(),
                }),
            ]),
        ));

        // Guest connects to host port 1234 (a listener), sends data, shuts
        // down; the host's answers go to rx buffers.
        let guest = Prog::setup(1, 6)
            .rx_buffers()
            .tx(OP_REQUEST, 0, &[0], 0, b"")
            .op(&[6, 7])
            .tx(OP_RW, 0, &[0], 0, b"hello host")
            .op(&[6, 11, 7])
            .tx(
                OP_SHUTDOWN,
                0,
                &[0],
                (SHUTDOWN_RCV | SHUTDOWN_SEND) as u8,
                b"",
            )
            .op(&[6, 7]);
        // A host client connects to guest port 1000; the guest accepts;
        // both sides send; the host half-closes.
        let host = Prog::setup(0, 5)
            .rx_buffers()
            .op(&[9, 0, 1])
            .op(&[7])
            .tx(OP_RESPONSE, 0, &[2], 0, b"")
            .op(&[6])
            .tx(OP_RW, 0, &[2], 0, b"from the guest")
            .op(&[6, 11])
            .op(&[10, 0, 5])
            .op(b"hello")
            .rx_buffers()
            .op(&[7, 10, 0, 0, 7]);
        // A restored device: positions, EVENT_IDX, an event buffer, the
        // pending transport reset.
        let restored = Prog::setup(3, 4)
            .op(&[0, 2, 0, 0, 2])
            .op(&0xf000u32.to_le_bytes())
            .op(&8u32.to_le_bytes())
            .op(&(VRING_DESC_F_WRITE as u16).to_le_bytes())
            .op(&[0, 0, 1, 2, 0, 0])
            .op(&[8, 1, 8, 0]);
        // Bad chains: a descriptor loop, an address past the end of
        // memory, a write-only tx descriptor.
        let mut bad = Prog::setup(0, 3).op(&[0, 1, 0, 0, 2]);
        bad = bad
            .op(&0x2_0000u32.to_le_bytes())
            .op(&64u32.to_le_bytes())
            .op(&(VRING_DESC_F_NEXT as u16).to_le_bytes())
            .op(&[0, 0])
            .op(&[1, 1, 0, 0, 6])
            .op(&[0, 1, 1, 0, 1, 0x10])
            .op(&44u32.to_le_bytes())
            .op(&[0, 0, 0, 0])
            .op(&[1, 1, 1, 0, 6])
            .op(&[0, 1, 2, 0, 2])
            .op(&0x3_0000u32.to_le_bytes())
            .op(&44u32.to_le_bytes())
            .op(&(VRING_DESC_F_WRITE as u16).to_le_bytes())
            .op(&[0, 0])
            .op(&[1, 1, 2, 0, 6, 7]);
        for (name, p) in [
            ("guest-connect", guest),
            ("host-connect", host),
            ("restored", restored),
            ("bad-chains", bad),
        ] {
            seeds.push(("vsock_queue", name.into(), p.0));
        }

        // A read-write drive of 16 sectors: two sectors written over two
        // buffers, read back over one, a flush, the serial.
        let write = block_setup(1, 16, 4)
            .op(&block_req(1, 2, &[&[1], &[1]]))
            .op(&[5])
            .op(&block_req(0, 2, &[&[2]]))
            .op(&[5])
            .op(&block_req(2, 0, &[]))
            .op(&block_req(3, 0, &[&[0x80, 20, 0]]))
            .op(&[5]);
        // A read-only drive of 8 sectors: its last sector read, a write
        // refused, a flush, the whole drive read.
        let read = block_setup(4, 8, 3)
            .op(&block_req(0, 7, &[&[1]]))
            .op(&block_req(1, 0, &[&[1]]))
            .op(&block_req(2, 0, &[]))
            .op(&[5])
            .op(&block_req(0, 0, &[&[8]]))
            .op(&[5]);
        // Bad chains on a restored queue whose positions wrap (and are
        // ahead of the ring, so the first chain is served three times): the
        // last sector a u64 names, a device-writable OUT buffer, no status,
        // a device-readable status, an unknown type, a descriptor that is
        // its own next, an available index far ahead.
        let bad = block_setup(3, 4, 3)
            .op(&0xfffeu16.to_le_bytes())
            .op(&0xfffeu16.to_le_bytes())
            .op(&[4, 1, 0])
            .op(&u64::MAX.to_le_bytes())
            .op(&[1, 1, 5])
            .op(&[4, 0, 1, 0, 1, 0x41, 5])
            .op(&[4, 8, 1, 0, 1, 1, 5])
            .op(&[4, 0x10, 1, 0, 1, 1, 1, 5])
            .op(&[4, 0, 4])
            .op(&77u32.to_le_bytes())
            .op(&[0, 0, 5])
            .op(&[0, 0, 0, 2])
            .op(&0x2_0000u32.to_le_bytes())
            .op(&16u32.to_le_bytes())
            .op(&(VRING_DESC_F_NEXT as u16).to_le_bytes())
            .op(&[0, 0])
            .op(&[1, 0, 0, 5])
            .op(&[2, 0, 0x10, 5]);
        for (name, p) in [("write", write), ("read-only", read), ("bad-chains", bad)] {
            seeds.push(("block_queue", name.into(), p.0));
        }

        let cl = |flags: u8, vcpus: u8, mib: u16, cmdline: &str, append: &str| {
            let mut b = vec![flags, vcpus];
            b.extend(mib.to_le_bytes());
            b.extend_from_slice(cmdline.as_bytes());
            b.push(0);
            b.extend_from_slice(append.as_bytes());
            b
        };
        for (name, b) in [
            ("default", cl(0, 1, 128, "", "")),
            ("append-vsock", cl(6, 2, 256, "", "-- uname -a")),
            (
                "cmdline-init-args",
                cl(
                    1,
                    4,
                    64,
                    "console=ttyS0 reboot=k panic=-1 -- /bin/sh -c 'echo hi'",
                    "",
                ),
            ),
            (
                "quoted",
                cl(
                    7,
                    32,
                    16,
                    "console=ttyS0 foo=\"a -- b\" --",
                    "quiet loglevel=8",
                ),
            ),
        ] {
            seeds.push(("cmdline", name.into(), b));
        }

        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/corpus");
        for (target, name, bytes) in seeds {
            assert!(bytes.len() <= 64 << 10, "{target}/{name} is too large");
            let f = TARGETS.iter().find(|(t, _)| *t == target).unwrap().1;
            f(&bytes);
            let dir = root.join(target);
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::write(dir.join(format!("seed-{name}")), &bytes).unwrap();
        }
    }

    #[test]
    fn input_runs_dry_into_zeros() {
        let mut i = Input::new(&[1, 2, 3]);
        assert_eq!(i.u16(), 0x0201);
        assert_eq!(i.u32(), 3);
        assert!(i.is_empty());
        assert_eq!(i.u64(), 0);
        assert_eq!(i.bytes(5), b"");
    }
}
