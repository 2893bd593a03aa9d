//! Guest RAM: anonymous, `MAP_NORESERVE` mappings, and the snapshot memory
//! file. The layout (which ranges around the MMIO gap) is the caller's:
//! [`crate::arch::layout::ram_ranges`]. This module sits below `arch`,
//! `devices` and `vstate`, which all take guest memory.

use vm_memory::bitmap::AtomicBitmap;
use vm_memory::{GuestAddress, GuestMemoryMmap};

/// Guest RAM, with a dirty bitmap per region: writes made through
/// vm-memory (the devices') set its bits, KVM's dirty log has the vCPUs'.
pub type GuestMem = GuestMemoryMmap<AtomicBitmap>;

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

/// Allocates guest RAM for `ranges`, each `(guest address, length)`.
///
/// ```
/// use cr_vmm::arch::layout::ram_ranges;
/// use vm_memory::GuestMemoryBackend;
/// let mem = cr_vmm::memory::create(&ram_ranges(64 << 20)).unwrap();
/// assert_eq!(mem.num_regions(), 1);
/// ```
pub fn create(ranges: &[(u64, u64)]) -> Result<GuestMem, Error> {
    let regions: Vec<(GuestAddress, usize)> = ranges
        .iter()
        .map(|&(start, len)| (GuestAddress(start), len as usize))
        .collect();
    GuestMem::from_ranges(&regions).map_err(|e| Error::Alloc {
        mib: ranges.iter().map(|r| r.1).sum::<u64>() >> 20,
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
pub fn layout(mem: &GuestMem) -> Vec<RegionLayout> {
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
    mem: &GuestMem,
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
pub fn map_file(path: &std::path::Path, layout: &[RegionLayout]) -> Result<GuestMem, FileError> {
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
    let want =
        file_len(layout).ok_or_else(|| ferr("the snapshot's memory layout overflows".into()))?;
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
    GuestMem::from_regions(regions).map_err(|e| merr(e.to_string()))
}

/// Pages written since the last call, as ascending `(gpa, pages)` runs:
/// those in KVM's log (`kvm`, one bitmap per region, written by the vCPUs)
/// and those in each region's own bitmap (written by the devices through
/// vm-memory). Clears the region bitmaps; KVM's log was cleared when read.
pub fn take_dirty(mem: &GuestMem, kvm: &[Vec<u64>]) -> Vec<(u64, u64)> {
    use vm_memory::bitmap::Bitmap;
    use vm_memory::{Address, GuestMemoryBackend, GuestMemoryRegion};
    let mut runs: Vec<(u64, u64)> = Vec::new();
    for (i, r) in mem.iter().enumerate() {
        let pages = r.len() / PAGE;
        let log = kvm.get(i);
        for p in 0..pages {
            let in_log = log
                .and_then(|l| l.get((p / 64) as usize))
                .is_some_and(|w| w & (1 << (p % 64)) != 0);
            if in_log || region_bitmap(r).dirty_at((p * PAGE) as usize) {
                let gpa = r.start_addr().raw_value() + p * PAGE;
                match runs.last_mut() {
                    Some((start, n)) if *start + *n * PAGE == gpa => *n += 1,
                    _ => runs.push((gpa, 1)),
                }
            }
        }
        region_bitmap(r).reset();
    }
    runs
}

/// A region's whole dirty bitmap (not a slice of it).
fn region_bitmap(r: &vm_memory::GuestRegionMmap<AtomicBitmap>) -> &AtomicBitmap {
    std::ops::Deref::deref(r).bitmap()
}

/// Forgets the device writes recorded so far (after a restore, whose own
/// writes into guest memory are not the guest's).
pub fn clear_dirty(mem: &GuestMem) {
    use vm_memory::GuestMemoryBackend;
    for r in mem.iter() {
        region_bitmap(r).reset();
    }
}

const PAGE: u64 = 4096;

/// The length of a memory file of `layout`; None if a region's end
/// overflows (a damaged snapshot).
fn file_len(layout: &[RegionLayout]) -> Option<u64> {
    layout.iter().try_fold(0u64, |max, r| {
        r.file_offset.checked_add(r.len).map(|end| max.max(end))
    })
}

/// Where guest range `gpa`..+`len` is in a memory file of `layout`: None
/// if it is not inside one region (or the numbers overflow).
fn file_offset(layout: &[RegionLayout], gpa: u64, len: u64) -> Option<u64> {
    let end = gpa.checked_add(len)?;
    layout
        .iter()
        .find(|r| gpa >= r.gpa && r.gpa.checked_add(r.len).is_some_and(|e| end <= e))
        .and_then(|r| r.file_offset.checked_add(gpa - r.gpa))
}

/// Writes only the pages of `runs` into `file`, laid out like a full
/// memory file of `layout` (holes elsewhere), and syncs it: a diff
/// snapshot's memory. Returns the bytes written.
pub fn save_pages(
    mem: &GuestMem,
    runs: &[(u64, u64)],
    layout: &[RegionLayout],
    file: &mut std::fs::File,
    path: &std::path::Path,
) -> Result<u64, FileError> {
    use vm_memory::Bytes;
    let werr = |err: String| FileError::Write {
        path: path.to_owned(),
        err,
    };
    let total = file_len(layout).ok_or_else(|| werr("the memory layout overflows".into()))?;
    file.set_len(total).map_err(|e| werr(e.to_string()))?;
    let mut written = 0;
    for &(gpa, n) in runs {
        let len = seek_run(file, layout, gpa, n).map_err(werr)?;
        mem.write_all_volatile_to(GuestAddress(gpa), file, len as usize)
            .map_err(|e| werr(e.to_string()))?;
        written += len;
    }
    file.sync_all().map_err(|e| werr(e.to_string()))?;
    Ok(written)
}

/// Seeks `file` (a memory file laid out as `layout`) to the run of `n`
/// pages at `gpa` and returns the run's length in bytes.
fn seek_run(
    file: &mut std::fs::File,
    layout: &[RegionLayout],
    gpa: u64,
    n: u64,
) -> Result<u64, String> {
    use std::io::{Seek, SeekFrom};
    let len = n.checked_mul(PAGE).ok_or_else(|| format!("{n} pages"))?;
    let off = file_offset(layout, gpa, len)
        .ok_or_else(|| format!("pages {gpa:#x}+{n} outside guest RAM"))?;
    file.seek(SeekFrom::Start(off)).map_err(|e| e.to_string())?;
    Ok(len)
}

/// Copies the pages of `runs` from the memory file at `path` (laid out
/// as `layout`) into `mem`: a diff snapshot applied on top of its base.
pub fn load_pages(
    mem: &GuestMem,
    runs: &[(u64, u64)],
    layout: &[RegionLayout],
    path: &std::path::Path,
) -> Result<(), FileError> {
    use vm_memory::Bytes;
    let ferr = |err: String| FileError::File {
        path: path.to_owned(),
        err,
    };
    let mut file = std::fs::File::open(path).map_err(|e| ferr(e.to_string()))?;
    for &(gpa, n) in runs {
        let len = seek_run(&mut file, layout, gpa, n).map_err(ferr)?;
        mem.read_exact_volatile_from(GuestAddress(gpa), &mut file, len as usize)
            .map_err(|e| ferr(format!("pages {gpa:#x}+{n}: {e}")))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use vm_memory::Bytes;

    #[test]
    fn layouts_and_runs_that_overflow_are_refused() {
        // Found while fuzzing snapshot_state: offsets from a damaged state
        // file overflowed (a panic with overflow checks).
        let r = |gpa, len, file_offset| RegionLayout {
            gpa,
            len,
            file_offset,
        };
        assert_eq!(
            file_len(&[r(0, 8192, 0), r(1 << 32, 4096, 8192)]),
            Some(12288)
        );
        assert_eq!(file_len(&[r(0, 4096, u64::MAX)]), None);
        let lay = [r(0x1000, 0x4000, 0x2000)];
        assert_eq!(file_offset(&lay, 0x2000, 0x1000), Some(0x3000));
        assert_eq!(file_offset(&lay, 0x4000, 0x2000), None);
        assert_eq!(file_offset(&lay, u64::MAX - 4095, 4096), None);
        assert_eq!(
            file_offset(&[r(u64::MAX - 4095, 8192, 0)], u64::MAX - 4095, 1),
            None
        );
        assert_eq!(file_offset(&[r(0, 8192, u64::MAX)], 4096, 1), None);

        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("memory");
        std::fs::write(&path, vec![0u8; 8192]).unwrap();
        let e = map_file(&path, &[r(0, 4096, u64::MAX)]).unwrap_err();
        assert!(e.to_string().contains("layout overflows"), "{e}");
        let mem = map_file(&path, &[r(0, 8192, 0)]).unwrap();
        let e = load_pages(&mem, &[(u64::MAX - 4095, 1)], &[r(0, 8192, 0)], &path).unwrap_err();
        assert!(e.to_string().contains("outside guest RAM"), "{e}");
        let e = load_pages(&mem, &[(0, u64::MAX)], &[r(0, 8192, 0)], &path).unwrap_err();
        assert!(e.to_string().contains("pages"), "{e}");
    }

    #[test]
    fn saved_memory_maps_back_privately() {
        let mem = create(&[(0, 8 << 20)]).unwrap();
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
