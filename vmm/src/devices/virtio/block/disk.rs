//! The host file behind a virtio-blk drive: opened and locked once, sized
//! in 512-byte sectors, and identified (device, inode, size, mtime) so that
//! a snapshot can tell whether the drive changed since it was taken.

use std::fs::{File, OpenOptions};
use std::io::{Seek, SeekFrom};
use std::os::fd::AsRawFd;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

/// Bytes per sector, as virtio-blk counts them.
pub const SECTOR_SIZE: u64 = 512;
/// Length of the serial number GET_ID returns (VIRTIO_BLK_ID_BYTES).
pub const ID_BYTES: usize = 20;

/// Why a drive cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Opening the file.
    #[error("drive {path}: {err}")]
    Open {
        /// The drive file.
        path: PathBuf,
        /// The error.
        err: std::io::Error,
    },
    /// Another process (another cr-vmm?) holds the file locked.
    #[error(
        "drive {0}: in use by another process (locked); \
         a drive written by two VMs at once is corrupted"
    )]
    Locked(PathBuf),
    /// Not a regular file or block device, or smaller than one sector.
    #[error("drive {path}: {why}")]
    Unusable {
        /// The drive file.
        path: PathBuf,
        /// Why.
        why: String,
    },
    /// A user-given serial that is not 1..=20 printable ASCII bytes.
    #[error("drive serial {0:?}: use 1 to 20 printable ASCII characters")]
    BadId(String),
}

/// What identifies a drive file and its contents without reading it: a
/// file that is written changes its modification time (and maybe its
/// size). See [`DiskIdentity::unchanged_since`].
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct DiskIdentity {
    /// Size in bytes.
    pub size: u64,
    /// `st_dev` of the file.
    pub dev: u64,
    /// `st_ino` of the file.
    pub ino: u64,
    /// Modification time, seconds.
    pub mtime_sec: i64,
    /// Modification time, nanoseconds.
    pub mtime_nsec: i64,
}

impl DiskIdentity {
    /// True when a drive that had identity `then` still has the same
    /// contents as far as the file system tells: same size and
    /// modification time. The inode may differ: a copy put back with
    /// `cp --preserve=timestamps` is the same drive.
    pub fn unchanged_since(&self, then: &DiskIdentity) -> bool {
        (self.size, self.mtime_sec, self.mtime_nsec) == (then.size, then.mtime_sec, then.mtime_nsec)
    }
}

/// An open drive file.
#[derive(Debug)]
pub struct Disk {
    file: File,
    path: PathBuf,
    read_only: bool,
    sectors: u64,
    id: [u8; ID_BYTES],
}

impl Disk {
    /// Opens `path` (read-only or read-write) and locks it (shared for a
    /// read-only drive, exclusive otherwise) so that no two VMs write the
    /// same drive. `serial` is what GET_ID reports (default: derived from
    /// the file's device and inode). A size that is not a whole number of
    /// sectors loses its tail (logged).
    pub fn open(path: &Path, read_only: bool, serial: Option<&str>) -> Result<Disk, Error> {
        let open_err = |err| Error::Open {
            path: path.to_owned(),
            err,
        };
        let mut file = OpenOptions::new()
            .read(true)
            .write(!read_only)
            .open(path)
            .map_err(open_err)?;
        let meta = file.metadata().map_err(open_err)?;
        let unusable = |why: String| Error::Unusable {
            path: path.to_owned(),
            why,
        };
        let ft = meta.file_type();
        use std::os::unix::fs::FileTypeExt;
        if !ft.is_file() && !ft.is_block_device() {
            return Err(unusable("not a regular file or block device".into()));
        }
        let op = if read_only {
            libc::LOCK_SH
        } else {
            libc::LOCK_EX
        };
        // SAFETY: flock on a file descriptor this function owns.
        if unsafe { libc::flock(file.as_raw_fd(), op | libc::LOCK_NB) } != 0 {
            let err = std::io::Error::last_os_error();
            if err.raw_os_error() == Some(libc::EWOULDBLOCK) {
                return Err(Error::Locked(path.to_owned()));
            }
            return Err(open_err(err));
        }
        let size = file.seek(SeekFrom::End(0)).map_err(open_err)?;
        let sectors = size / SECTOR_SIZE;
        if sectors == 0 {
            return Err(unusable(format!(
                "{size} bytes: a drive needs at least one {SECTOR_SIZE}-byte sector"
            )));
        }
        if !size.is_multiple_of(SECTOR_SIZE) {
            log::warn!(
                "drive {}: {size} bytes is not a whole number of sectors; the last {} bytes are not visible to the guest",
                path.display(),
                size % SECTOR_SIZE
            );
        }
        let id = match serial {
            Some(s) => serial_bytes(s)?,
            None => {
                serial_bytes(&format!("crvmm{:x}-{:x}", meta.dev(), meta.ino())).unwrap_or_default()
            }
        };
        Ok(Disk {
            file,
            path: path.to_owned(),
            read_only,
            sectors,
            id,
        })
    }

    /// The file's path as given.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Whether the guest may only read.
    pub fn read_only(&self) -> bool {
        self.read_only
    }

    /// Size in sectors (what the guest sees as its capacity).
    pub fn sectors(&self) -> u64 {
        self.sectors
    }

    /// The serial number GET_ID returns.
    pub fn id(&self) -> &[u8; ID_BYTES] {
        &self.id
    }

    /// The open file (I/O goes through it).
    pub fn file(&mut self) -> &mut File {
        &mut self.file
    }

    /// The file's identity now.
    pub fn identity(&self) -> std::io::Result<DiskIdentity> {
        let m = self.file.metadata()?;
        Ok(DiskIdentity {
            size: self.sectors * SECTOR_SIZE,
            dev: m.dev(),
            ino: m.ino(),
            mtime_sec: m.mtime(),
            mtime_nsec: m.mtime_nsec(),
        })
    }

    /// Writes what the guest wrote through to stable storage.
    pub fn sync(&self) -> std::io::Result<()> {
        if self.read_only {
            return Ok(());
        }
        self.file.sync_data()
    }
}

/// `s` as a GET_ID serial: NUL-padded to 20 bytes.
///
/// ```
/// use cr_vmm::devices::virtio::block::disk::serial_bytes;
/// assert_eq!(&serial_bytes("root").unwrap()[..5], b"root\0");
/// assert!(serial_bytes("").is_err());
/// assert!(serial_bytes("123456789012345678901").is_err());
/// ```
pub fn serial_bytes(s: &str) -> Result<[u8; ID_BYTES], Error> {
    if s.is_empty() || s.len() > ID_BYTES || !s.bytes().all(|b| (0x20..0x7f).contains(&b)) {
        return Err(Error::BadId(s.to_string()));
    }
    let mut id = [0u8; ID_BYTES];
    id[..s.len()].copy_from_slice(s.as_bytes());
    Ok(id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_locks_and_identity() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("d.img");
        std::fs::write(&p, vec![0u8; 4096 + 100]).unwrap();
        let d = Disk::open(&p, false, Some("disk-a")).unwrap();
        assert_eq!(d.sectors(), 8);
        assert_eq!(&d.id()[..7], b"disk-a\0");
        // A second writer is refused; so is a reader while it is written.
        assert!(matches!(Disk::open(&p, false, None), Err(Error::Locked(_))));
        assert!(matches!(Disk::open(&p, true, None), Err(Error::Locked(_))));
        let before = d.identity().unwrap();
        drop(d);
        // Two readers may share it.
        let r1 = Disk::open(&p, true, None).unwrap();
        let _r2 = Disk::open(&p, true, None).unwrap();
        assert_eq!(r1.identity().unwrap(), before);
        assert!(r1.id().starts_with(b"crvmm"));
        drop((r1, _r2));
        std::thread::sleep(std::time::Duration::from_millis(10));
        std::fs::write(&p, vec![1u8; 4096 + 100]).unwrap();
        let d = Disk::open(&p, true, None).unwrap();
        assert_ne!(d.identity().unwrap(), before, "a rewritten file changes");
    }

    #[test]
    fn unusable_files_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("small");
        std::fs::write(&p, [0u8; 100]).unwrap();
        let e = Disk::open(&p, true, None).unwrap_err().to_string();
        assert!(e.contains("at least one 512-byte sector"), "{e}");
        let e = Disk::open(dir.path(), true, None).unwrap_err().to_string();
        assert!(e.contains("not a regular file"), "{e}");
        let e = Disk::open(&dir.path().join("none"), true, None)
            .unwrap_err()
            .to_string();
        assert!(e.contains("No such file"), "{e}");
        std::fs::write(&p, [0u8; 512]).unwrap();
        assert!(matches!(
            Disk::open(&p, true, Some("bad\nserial")),
            Err(Error::BadId(_))
        ));
    }
}
