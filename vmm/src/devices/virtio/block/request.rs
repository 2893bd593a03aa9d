//! One virtio-blk request (virtio 1.2, section 5.2.6): parsed from its
//! descriptor chain, checked against the drive and guest memory, then
//! executed on the drive file.
//!
//! A chain is a device-readable 16-byte header (`type`, reserved,
//! `sector`), the data descriptors (device-writable for IN and GET_ID,
//! device-readable for OUT, none for FLUSH), and a device-writable status
//! byte last (the last byte of the last descriptor; the header must be in
//! one descriptor of its own, the status in the last one, as every driver
//! lays them out). A chain without a usable status byte cannot be answered and
//! is returned to the driver with nothing written; every other bad request
//! is answered VIRTIO_BLK_S_IOERR (or UNSUPP for an unknown type) without
//! touching the drive.

use std::io::{Seek, SeekFrom};

use virtio_bindings::virtio_blk::{
    VIRTIO_BLK_S_IOERR, VIRTIO_BLK_S_OK, VIRTIO_BLK_S_UNSUPP, VIRTIO_BLK_T_FLUSH,
    VIRTIO_BLK_T_GET_ID, VIRTIO_BLK_T_IN, VIRTIO_BLK_T_OUT,
};
use virtio_queue::DescriptorChain;
use vm_memory::{Address, Bytes, GuestAddress, GuestMemory, Permissions};

use super::disk::{Disk, ID_BYTES, SECTOR_SIZE};
use crate::memory::GuestMem;

/// Most data bytes one request may move (the Linux driver sends at most
/// `max_sectors`, 512 KiB by default; this leaves room for larger ones).
pub const MAX_REQUEST_BYTES: u64 = 64 << 20;

/// A chain that cannot even be answered.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum Unanswerable {
    /// The last descriptor is not a device-writable byte in guest memory.
    #[error("no device-writable status byte at the end of the chain")]
    NoStatus,
}

/// What the request asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Read sectors.
    In,
    /// Write sectors.
    Out,
    /// Write the drive's cache to stable storage.
    Flush,
    /// The drive's serial number.
    GetId,
    /// Anything else (answered UNSUPP).
    Other(u32),
}

/// A parsed request: its header, its data buffers in guest memory, and
/// where its status goes. `error` is set when it must be refused (the
/// reason, for the log).
#[derive(Debug)]
pub struct Request {
    /// The request type.
    pub kind: Kind,
    /// First sector.
    pub sector: u64,
    /// Data buffers, in order.
    pub data: Vec<(GuestAddress, u32)>,
    /// The status byte.
    pub status: GuestAddress,
    /// Why it is refused (answered IOERR), if it is.
    pub error: Option<String>,
}

/// The raw header.
#[derive(Debug, Clone, Copy, Default)]
#[repr(C)]
struct Header {
    kind: u32,
    reserved: u32,
    sector: u64,
}
// SAFETY: plain data, every bit pattern valid, no padding.
unsafe impl vm_memory::ByteValued for Header {}

impl Request {
    /// Parses `chain`, checking it against `mem` and a drive of `sectors`
    /// sectors.
    pub fn parse<M>(
        mem: &GuestMem,
        chain: DescriptorChain<M>,
        sectors: u64,
    ) -> Result<Request, Unanswerable>
    where
        M: std::ops::Deref,
        M::Target: GuestMemory,
    {
        let descs: Vec<_> = chain.collect();
        let Some(last) = descs.last() else {
            return Err(Unanswerable::NoStatus);
        };
        // The status is the chain's last byte.
        let status = match (last.len().checked_sub(1), last.is_write_only()) {
            (Some(off), true) => last.addr().checked_add(u64::from(off)),
            _ => None,
        };
        let Some(status) = status.filter(|&a| mem.check_range(a, 1, Permissions::Write)) else {
            return Err(Unanswerable::NoStatus);
        };
        // With a status byte, everything else is answered.
        let refuse = |why: String| Request {
            kind: Kind::Other(u32::MAX),
            sector: 0,
            data: Vec::new(),
            status,
            error: Some(why),
        };
        if descs.len() < 2 {
            return Ok(refuse("no header descriptor".into()));
        }
        let head = &descs[0];
        if head.is_write_only() || (head.len() as usize) < std::mem::size_of::<Header>() {
            return Ok(refuse(format!(
                "header descriptor of {} bytes{}",
                head.len(),
                if head.is_write_only() {
                    ", device-writable"
                } else {
                    ""
                }
            )));
        }
        let hdr: Header = match mem.read_obj(head.addr()) {
            Ok(h) => h,
            Err(e) => return Ok(refuse(format!("header outside guest memory: {e}"))),
        };
        let kind = match hdr.kind {
            VIRTIO_BLK_T_IN => Kind::In,
            VIRTIO_BLK_T_OUT => Kind::Out,
            VIRTIO_BLK_T_FLUSH => Kind::Flush,
            VIRTIO_BLK_T_GET_ID => Kind::GetId,
            t => Kind::Other(t),
        };
        let mut req = Request {
            kind,
            sector: hdr.sector,
            data: descs[1..descs.len() - 1]
                .iter()
                .map(|d| (d.addr(), d.len()))
                .collect(),
            status,
            error: None,
        };
        let device_writes = matches!(kind, Kind::In | Kind::GetId);
        let mut total: u64 = 0;
        for d in &descs[1..descs.len() - 1] {
            if d.is_write_only() != device_writes {
                req.error = Some(format!(
                    "a data descriptor is device-{} for a {kind:?} request",
                    if d.is_write_only() {
                        "writable"
                    } else {
                        "readable"
                    }
                ));
                return Ok(req);
            }
            let perm = if device_writes {
                Permissions::Write
            } else {
                Permissions::Read
            };
            if !mem.check_range(d.addr(), d.len() as usize, perm) {
                req.error = Some(format!(
                    "data buffer {:#x}+{:#x} outside guest memory",
                    d.addr().0,
                    d.len()
                ));
                return Ok(req);
            }
            total += u64::from(d.len());
        }
        req.error = match kind {
            Kind::In | Kind::Out => check_io(hdr.sector, total, sectors),
            Kind::Flush if total > 0 => Some("a flush with data".into()),
            Kind::GetId if total < ID_BYTES as u64 => Some(format!(
                "a GET_ID buffer of {total} bytes (needs {ID_BYTES})"
            )),
            _ => None,
        };
        Ok(req)
    }

    /// Executes the request on `disk`; returns the status byte and the
    /// number of bytes written into the driver's buffers (status
    /// included), and writes the status.
    pub fn execute(&self, mem: &GuestMem, disk: &mut Disk) -> (u8, u32) {
        let (status, written) = match (&self.error, self.kind) {
            (Some(why), _) => {
                crate::guest_warn!("virtio-blk: refused request: {why}");
                (VIRTIO_BLK_S_IOERR, 0)
            }
            (None, Kind::Other(t)) => {
                crate::guest_warn!("virtio-blk: unsupported request type {t}");
                (VIRTIO_BLK_S_UNSUPP, 0)
            }
            (None, Kind::Out) if disk.read_only() => {
                crate::guest_warn!("virtio-blk: write to a read-only drive refused");
                (VIRTIO_BLK_S_IOERR, 0)
            }
            (None, Kind::In | Kind::Out) => match self.transfer(mem, disk) {
                Ok(n) => (VIRTIO_BLK_S_OK, n),
                Err(e) => {
                    log::error!("virtio-blk: {}: {e}", disk.path().display());
                    (VIRTIO_BLK_S_IOERR, 0)
                }
            },
            (None, Kind::Flush) => match disk.sync() {
                Ok(()) => (VIRTIO_BLK_S_OK, 0),
                Err(e) => {
                    log::error!("virtio-blk: flush {}: {e}", disk.path().display());
                    (VIRTIO_BLK_S_IOERR, 0)
                }
            },
            (None, Kind::GetId) => match self.write_id(mem, disk.id()) {
                Ok(()) => (VIRTIO_BLK_S_OK, ID_BYTES as u32),
                Err(e) => {
                    crate::guest_warn!("virtio-blk: GET_ID: {e}");
                    (VIRTIO_BLK_S_IOERR, 0)
                }
            },
        };
        let status = status as u8;
        if let Err(e) = mem.write_obj(status, self.status) {
            crate::guest_warn!("virtio-blk: status byte: {e}");
        }
        (status, written + 1)
    }

    /// Moves the data between the drive and the buffers; the bytes
    /// written into guest memory.
    fn transfer(&self, mem: &GuestMem, disk: &mut Disk) -> Result<u32, String> {
        let file = disk.file();
        file.seek(SeekFrom::Start(self.sector * SECTOR_SIZE))
            .map_err(|e| e.to_string())?;
        let mut moved: u32 = 0;
        for &(addr, len) in &self.data {
            let len_us = len as usize;
            match self.kind {
                Kind::In => mem
                    .read_exact_volatile_from(addr, file, len_us)
                    .map_err(|e| format!("read: {e}"))?,
                _ => mem
                    .write_all_volatile_to(addr, file, len_us)
                    .map_err(|e| format!("write: {e}"))?,
            }
            moved += len;
        }
        Ok(if self.kind == Kind::In { moved } else { 0 })
    }

    fn write_id(&self, mem: &GuestMem, id: &[u8; ID_BYTES]) -> Result<(), String> {
        let mut rest: &[u8] = id;
        for &(addr, len) in &self.data {
            if rest.is_empty() {
                break;
            }
            let n = rest.len().min(len as usize);
            mem.write_slice(&rest[..n], addr)
                .map_err(|e| e.to_string())?;
            rest = &rest[n..];
        }
        Ok(())
    }
}

/// Checks a read or write of `bytes` at `sector` on a drive of `sectors`.
///
/// ```
/// use cr_vmm::devices::virtio::block::request::check_io;
/// assert_eq!(check_io(0, 4096, 8), None);
/// assert!(check_io(1, 4096, 8).unwrap().contains("beyond"));
/// assert!(check_io(0, 100, 8).unwrap().contains("multiple"));
/// assert!(check_io(u64::MAX, 512, 8).is_some());
/// ```
pub fn check_io(sector: u64, bytes: u64, sectors: u64) -> Option<String> {
    if !bytes.is_multiple_of(SECTOR_SIZE) {
        return Some(format!(
            "{bytes} data bytes: not a multiple of {SECTOR_SIZE}"
        ));
    }
    if bytes > MAX_REQUEST_BYTES {
        return Some(format!(
            "{bytes} data bytes: more than {MAX_REQUEST_BYTES} in one request"
        ));
    }
    let end = sector.checked_add(bytes / SECTOR_SIZE);
    match end {
        Some(e) if e <= sectors => None,
        _ => Some(format!(
            "sectors {sector}+{} beyond the drive's {sectors}",
            bytes / SECTOR_SIZE
        )),
    }
}
