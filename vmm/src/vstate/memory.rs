//! Guest RAM: anonymous, `MAP_NORESERVE` mappings laid out around the MMIO
//! gap (see [`crate::arch::layout`]).

use vm_memory::{GuestAddress, GuestMemoryMmap};

use crate::arch::layout::ram_ranges;

/// Errors creating guest memory.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// mmap failed.
    #[error("cannot allocate {mib} MiB of guest memory: {reason}")]
    Alloc {
        /// Requested size.
        mib: u64,
        /// vm-memory's error.
        reason: String,
    },
}

/// Allocates `mem_size` bytes of guest RAM.
///
/// ```
/// use vm_memory::GuestMemoryBackend;
/// let mem = cr_vmm::vstate::memory::create(64 << 20).unwrap();
/// assert_eq!(mem.num_regions(), 1);
/// ```
pub fn create(mem_size: u64) -> Result<GuestMemoryMmap, Error> {
    let ranges: Vec<(GuestAddress, usize)> = ram_ranges(mem_size)
        .into_iter()
        .map(|(start, len)| (GuestAddress(start), len as usize))
        .collect();
    GuestMemoryMmap::from_ranges(&ranges).map_err(|e| Error::Alloc {
        mib: mem_size >> 20,
        reason: e.to_string(),
    })
}
