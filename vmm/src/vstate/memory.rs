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

/// One guest RAM region as laid out in a snapshot's memory file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct RegionLayout {
    /// Guest physical address.
    pub gpa: u64,
    /// Length in bytes.
    pub len: u64,
    /// Offset of its contents in the memory file.
    pub file_offset: u64,
}

/// Errors saving or mapping a memory file.
#[derive(Debug, thiserror::Error)]
pub enum FileError {
    /// Reading guest memory or writing the file.
    #[error("writing guest memory to {path}: {err}")]
    Write {
        /// The file.
        path: std::path::PathBuf,
        /// Why.
        err: String,
    },
    /// The file cannot be opened or is shorter than the layout.
    #[error("memory file {path}: {err}")]
    File {
        /// The file.
        path: std::path::PathBuf,
        /// Why.
        err: String,
    },
    /// mmap failed.
    #[error("cannot map {path} as guest memory: {err}")]
    Map {
        /// The file.
        path: std::path::PathBuf,
        /// Why.
        err: String,
    },
}

/// The layout of `mem` in a memory file: regions back to back.
pub fn layout(mem: &GuestMemoryMmap) -> Vec<RegionLayout> {
    use vm_memory::{Address, GuestMemoryBackend, GuestMemoryRegion};
    let mut off = 0;
    mem.iter()
        .map(|r| {
            let l = RegionLayout {
                gpa: r.start_addr().raw_value(),
                len: r.len(),
                file_offset: off,
            };
            off += r.len();
            l
        })
        .collect()
}

/// Writes every region of `mem` to `file` in [`layout`] order and syncs it.
pub fn save(
    mem: &GuestMemoryMmap,
    file: &mut std::fs::File,
    path: &std::path::Path,
) -> Result<u64, FileError> {
    use vm_memory::{Bytes, GuestMemoryBackend, GuestMemoryRegion};
    let werr = |err: String| FileError::Write {
        path: path.to_owned(),
        err,
    };
    let mut total = 0;
    for r in mem.iter() {
        let len = usize::try_from(r.len()).map_err(|e| werr(e.to_string()))?;
        mem.write_all_volatile_to(r.start_addr(), file, len)
            .map_err(|e| werr(e.to_string()))?;
        total += r.len();
    }
    file.sync_all().map_err(|e| werr(e.to_string()))?;
    Ok(total)
}

/// Maps the memory file at `path` as guest RAM with `layout`, privately
/// (`MAP_PRIVATE`): pages are read from the file when the guest first
/// touches them, and the guest's writes never reach the file. The cost does
/// not grow with the memory size.
pub fn map_file(
    path: &std::path::Path,
    layout: &[RegionLayout],
) -> Result<GuestMemoryMmap, FileError> {
    use vm_memory::mmap::MmapRegion;
    use vm_memory::{FileOffset, GuestRegionMmap};
    let ferr = |err: String| FileError::File {
        path: path.to_owned(),
        err,
    };
    let merr = |err: String| FileError::Map {
        path: path.to_owned(),
        err,
    };
    let file = std::fs::File::open(path).map_err(|e| ferr(e.to_string()))?;
    let size = file.metadata().map_err(|e| ferr(e.to_string()))?.len();
    let want = layout
        .iter()
        .map(|r| r.file_offset + r.len)
        .max()
        .unwrap_or(0);
    if size < want {
        return Err(ferr(format!(
            "{size} bytes, the snapshot's memory needs {want}"
        )));
    }
    let mut regions = Vec::with_capacity(layout.len());
    for r in layout {
        let len = usize::try_from(r.len).map_err(|e| merr(e.to_string()))?;
        let fo = FileOffset::new(
            file.try_clone().map_err(|e| ferr(e.to_string()))?,
            r.file_offset,
        );
        let m = MmapRegion::build(
            Some(fo),
            len,
            libc::PROT_READ | libc::PROT_WRITE,
            libc::MAP_PRIVATE | libc::MAP_NORESERVE,
        )
        .map_err(|e| merr(e.to_string()))?;
        let region = GuestRegionMmap::new(m, GuestAddress(r.gpa))
            .ok_or_else(|| merr(format!("region at {:#x} wraps around", r.gpa)))?;
        regions.push(region);
    }
    GuestMemoryMmap::from_regions(regions).map_err(|e| merr(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use vm_memory::Bytes;

    #[test]
    fn saved_memory_maps_back_privately() {
        let mem = create(8 << 20).unwrap();
        mem.write_slice(b"hello", GuestAddress(0x1000)).unwrap();
        mem.write_slice(b"end", GuestAddress((8 << 20) - 3))
            .unwrap();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("memory");
        let mut f = std::fs::File::create(&path).unwrap();
        assert_eq!(save(&mem, &mut f, &path).unwrap(), 8 << 20);
        let lay = layout(&mem);

        let back = map_file(&path, &lay).unwrap();
        let mut buf = [0u8; 5];
        back.read_slice(&mut buf, GuestAddress(0x1000)).unwrap();
        assert_eq!(&buf, b"hello");
        back.read_slice(&mut buf[..3], GuestAddress((8 << 20) - 3))
            .unwrap();
        assert_eq!(&buf[..3], b"end");
        // Private: the guest's writes do not reach the file.
        back.write_slice(b"HELLO", GuestAddress(0x1000)).unwrap();
        let again = map_file(&path, &lay).unwrap();
        again.read_slice(&mut buf, GuestAddress(0x1000)).unwrap();
        assert_eq!(&buf, b"hello");

        // A short file is refused with both sizes.
        std::fs::File::options()
            .write(true)
            .open(&path)
            .unwrap()
            .set_len(4096)
            .unwrap();
        let e = map_file(&path, &lay).unwrap_err().to_string();
        assert!(
            e.contains("4096 bytes, the snapshot's memory needs 8388608"),
            "{e}"
        );
        let e = map_file(&dir.path().join("nothere"), &lay)
            .unwrap_err()
            .to_string();
        assert!(e.contains("nothere"), "{e}");
    }
}
