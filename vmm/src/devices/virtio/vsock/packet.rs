//! Guest-to-host packets from the tx queue. Linux sends the header in one
//! descriptor and the payload in one or more (large payloads are
//! non-linear skbs, one descriptor per fragment), so the payload is kept as
//! a list of guest-memory slices rather than one.

use crate::memory::GuestMem;
use std::ops::Deref;

use virtio_queue::DescriptorChain;
use vm_memory::{GuestMemory, Permissions, VolatileSlice};

use super::defs::{Header, MAX_PKT_BUF_SIZE};

/// Size of the virtio-vsock packet header.
pub const HEADER_SIZE: usize = 44;
/// Most descriptors accepted in one chain.
const MAX_DESCRIPTORS: usize = 64;

/// Why a tx chain was dropped.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum Error {
    /// A write-only descriptor in a chain the device only reads.
    #[error("write-only descriptor in a tx chain")]
    WriteOnly,
    /// More descriptors than any driver uses.
    #[error("tx chain longer than {MAX_DESCRIPTORS} descriptors")]
    TooLong,
    /// A descriptor outside guest memory.
    #[error("tx descriptor outside guest memory")]
    BadAddress,
    /// Fewer bytes than a header.
    #[error("tx chain shorter than a packet header")]
    Short,
    /// The header's length field exceeds the chain or the maximum.
    #[error("payload length {0} exceeds the chain or the {MAX_PKT_BUF_SIZE}-byte maximum")]
    BadLen(u32),
}

/// A parsed tx packet: header and payload slices (exactly `hdr.len` bytes).
pub struct TxPacket<'a> {
    /// The header.
    pub hdr: Header,
    /// The payload, in order.
    pub data: Vec<VolatileSlice<'a, vm_memory::bitmap::BS<'a, vm_memory::bitmap::AtomicBitmap>>>,
}

/// Parses the packet in `chain`.
pub fn parse_tx<'a, M>(mem: &'a GuestMem, chain: DescriptorChain<M>) -> Result<TxPacket<'a>, Error>
where
    M: Deref,
    M::Target: GuestMemory,
{
    let mut slices = Vec::new();
    for (n, desc) in chain.enumerate() {
        if n >= MAX_DESCRIPTORS {
            return Err(Error::TooLong);
        }
        if desc.is_write_only() {
            return Err(Error::WriteOnly);
        }
        let iter = mem
            .get_slices(desc.addr(), desc.len() as usize, Permissions::Read)
            .map_err(|_| Error::BadAddress)?;
        for s in iter {
            slices.push(s.map_err(|_| Error::BadAddress)?);
        }
    }
    // The header, possibly split across slices.
    let mut raw = [0u8; HEADER_SIZE];
    let mut got = 0;
    let mut rest = Vec::new();
    for s in slices {
        if got < HEADER_SIZE {
            let take = (HEADER_SIZE - got).min(s.len());
            let head = s.subslice(0, take).map_err(|_| Error::Short)?;
            head.copy_to(&mut raw[got..got + take]);
            got += take;
            if take < s.len() {
                rest.push(s.offset(take).map_err(|_| Error::Short)?);
            }
        } else {
            rest.push(s);
        }
    }
    if got < HEADER_SIZE {
        return Err(Error::Short);
    }
    let hdr = Header::from_bytes(&raw);
    if hdr.len > MAX_PKT_BUF_SIZE {
        return Err(Error::BadLen(hdr.len));
    }
    // Exactly hdr.len payload bytes.
    let mut need = hdr.len as usize;
    let mut data = Vec::new();
    for s in rest {
        if need == 0 {
            break;
        }
        let take = need.min(s.len());
        data.push(s.subslice(0, take).map_err(|_| Error::BadLen(hdr.len))?);
        need -= take;
    }
    if need != 0 {
        return Err(Error::BadLen(hdr.len));
    }
    Ok(TxPacket { hdr, data })
}
