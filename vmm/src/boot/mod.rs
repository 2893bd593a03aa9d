//! Loading the guest kernel, initrd and command line, and writing the Linux
//! boot parameters (zero page with its e820 map).
//!
//! Both a compressed `bzImage` and an uncompressed ELF `vmlinux` are booted
//! through the 64-bit Linux boot protocol: the vCPU starts in long mode at
//! the kernel's 64-bit entry with `%rsi` pointing at the zero page.

use crate::memory::GuestMem;
use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use linux_loader::bootparam::{boot_e820_entry, boot_params};
use linux_loader::cmdline::Cmdline;
use linux_loader::configurator::linux::LinuxBootConfigurator;
use linux_loader::configurator::{BootConfigurator, BootParams};
use linux_loader::loader::{load_cmdline, BzImage, Elf, KernelLoader, KernelLoaderResult};
use vm_memory::{Address, Bytes, GuestAddress, GuestMemoryBackend};

use crate::arch::layout::{
    ram_ranges, CMDLINE_MAX_SIZE, CMDLINE_START, EBDA_START, HIMEM_START, MMIO_GAP_START,
    ZERO_PAGE_START,
};

const E820_RAM: u32 = 1;
const E820_RESERVED: u32 = 2;
const KERNEL_BOOT_FLAG_MAGIC: u16 = 0xaa55;
const KERNEL_HDR_MAGIC: u32 = 0x5372_6448; // "HdrS"
const KERNEL_LOADER_OTHER: u8 = 0xff;
const XLF_KERNEL_64: u16 = 1;
const PAGE_SIZE: u64 = 4096;

/// Errors while loading the kernel, initrd and command line.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The kernel file cannot be opened or read.
    #[error("cannot read kernel {path}: {err}")]
    KernelRead {
        /// The kernel's path.
        path: PathBuf,
        /// Why.
        err: std::io::Error,
    },
    /// Neither an ELF image nor a bzImage.
    #[error("{0} is not a Linux kernel: no ELF header and no bzImage 'HdrS' signature")]
    NotAKernel(PathBuf),
    /// A bzImage without the 64-bit entry point.
    #[error("{0} is a bzImage without a 64-bit entry point (boot protocol 2.12+ needed)")]
    Not64Bit(PathBuf),
    /// linux-loader refused the image (corrupt, or it does not fit in memory).
    #[error("cannot load kernel {path}: {reason}")]
    KernelLoad {
        /// The kernel's path.
        path: PathBuf,
        /// linux-loader's innermost reason.
        reason: String,
    },
    /// The initrd cannot be opened or read.
    #[error("cannot read initrd {path}: {err}")]
    InitrdRead {
        /// The initrd's path.
        path: PathBuf,
        /// Why.
        err: std::io::Error,
    },
    /// The initrd does not fit between the kernel and the end of low memory.
    #[error("initrd {path} ({size} bytes) does not fit in guest memory: {avail} bytes free above the kernel; raise --mem-mib")]
    InitrdTooLarge {
        /// The initrd's path.
        path: PathBuf,
        /// Its size.
        size: u64,
        /// Room left for it.
        avail: u64,
    },
    /// The command line is too long or has invalid characters.
    #[error("invalid kernel command line: {0}")]
    Cmdline(linux_loader::cmdline::Error),
    /// Writing the command line or the zero page failed.
    #[error("cannot write boot parameters into guest memory: {0}")]
    BootParams(String),
}

/// What to boot.
#[derive(Debug, Clone)]
pub enum KernelImage {
    /// A bzImage or ELF vmlinux on disk.
    File(PathBuf),
    /// Raw 64-bit code loaded at `addr` and entered there: for tests with
    /// purpose-built guests.
    Raw {
        /// The machine code.
        code: Vec<u8>,
        /// Load and entry address.
        addr: u64,
    },
}

/// The result of loading: where the boot vCPU starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BootInfo {
    /// 64-bit entry point.
    pub entry: GuestAddress,
    /// Guest address and size of the initrd, if any.
    pub initrd: Option<(GuestAddress, u64)>,
}

/// The kind of a kernel file, from its first bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KernelFormat {
    /// ELF (vmlinux).
    Elf,
    /// bzImage.
    BzImage,
}

/// Tells an ELF vmlinux from a bzImage, or `None` for anything else.
pub fn detect_format(f: &mut File) -> std::io::Result<Option<KernelFormat>> {
    let mut head = [0u8; 0x206];
    f.seek(SeekFrom::Start(0))?;
    let mut n = 0;
    while n < head.len() {
        match f.read(&mut head[n..])? {
            0 => break,
            r => n += r,
        }
    }
    f.seek(SeekFrom::Start(0))?;
    if n >= 4 && &head[..4] == b"\x7fELF" {
        return Ok(Some(KernelFormat::Elf));
    }
    if n >= 0x206
        && u32::from_le_bytes([head[0x202], head[0x203], head[0x204], head[0x205]])
            == KERNEL_HDR_MAGIC
    {
        return Ok(Some(KernelFormat::BzImage));
    }
    Ok(None)
}

/// The deepest error in a linux-loader chain, without its "Kernel Loader:"
/// prefix (each level repeats the one below in its message).
fn innermost(err: &(dyn std::error::Error + 'static)) -> String {
    let mut e = err;
    while let Some(s) = e.source() {
        e = s;
    }
    let msg = e.to_string();
    msg.trim_start_matches("Kernel Loader: ").to_string()
}

fn load_kernel_file(mem: &GuestMem, path: &Path) -> Result<KernelLoaderResult, Error> {
    let read_err = |err| Error::KernelRead {
        path: path.to_owned(),
        err,
    };
    let mut f = File::open(path).map_err(read_err)?;
    if f.metadata().map_err(read_err)?.is_dir() {
        return Err(read_err(std::io::Error::from_raw_os_error(libc::EISDIR)));
    }
    let format = detect_format(&mut f).map_err(read_err)?;
    let load_err = |err: linux_loader::loader::Error| Error::KernelLoad {
        path: path.to_owned(),
        reason: innermost(&err),
    };
    match format {
        Some(KernelFormat::Elf) => {
            Elf::load(mem, None, &mut f, Some(GuestAddress(HIMEM_START))).map_err(load_err)
        }
        Some(KernelFormat::BzImage) => {
            let r = BzImage::load(mem, None, &mut f, Some(GuestAddress(HIMEM_START)))
                .map_err(load_err)?;
            let hdr = r.setup_header.unwrap_or_default();
            if hdr.version < 0x020c || hdr.xloadflags & XLF_KERNEL_64 == 0 {
                return Err(Error::Not64Bit(path.to_owned()));
            }
            Ok(r)
        }
        None => Err(Error::NotAKernel(path.to_owned())),
    }
}

/// End of the RAM below the MMIO gap.
fn low_ram_end(mem: &GuestMem) -> u64 {
    mem.iter()
        .map(|r| {
            vm_memory::GuestMemoryRegion::start_addr(r).raw_value()
                + vm_memory::GuestMemoryRegion::len(r)
        })
        .filter(|end| *end <= MMIO_GAP_START)
        .max()
        .unwrap_or(0)
}

/// Loads the initrd at the highest page-aligned address that fits below
/// `limit` and above `kernel_end`.
fn load_initrd(
    mem: &GuestMem,
    path: &Path,
    kernel_end: u64,
    limit: u64,
) -> Result<(GuestAddress, u64), Error> {
    let read_err = |err| Error::InitrdRead {
        path: path.to_owned(),
        err,
    };
    let mut f = File::open(path).map_err(read_err)?;
    let md = f.metadata().map_err(read_err)?;
    if md.is_dir() {
        return Err(read_err(std::io::Error::from_raw_os_error(libc::EISDIR)));
    }
    let size = md.len();
    let avail = limit.saturating_sub(kernel_end);
    let too_large = Error::InitrdTooLarge {
        path: path.to_owned(),
        size,
        avail,
    };
    let Some(start) = limit.checked_sub(size).map(|s| s & !(PAGE_SIZE - 1)) else {
        return Err(too_large);
    };
    if start < kernel_end {
        return Err(too_large);
    }
    let addr = GuestAddress(start);
    mem.read_exact_volatile_from(addr, &mut f, size as usize)
        .map_err(|e| read_err(std::io::Error::other(e.to_string())))?;
    Ok((addr, size))
}

fn e820_table(mem_size: u64) -> Vec<boot_e820_entry> {
    let e = |addr, size, type_| boot_e820_entry {
        addr,
        size,
        r#type: type_,
    };
    let mut t = Vec::new();
    for (start, len) in ram_ranges(mem_size) {
        if start == 0 {
            t.push(e(0, EBDA_START, E820_RAM));
            t.push(e(EBDA_START, HIMEM_START - EBDA_START, E820_RESERVED));
            t.push(e(HIMEM_START, len - HIMEM_START, E820_RAM));
        } else {
            t.push(e(start, len, E820_RAM));
        }
    }
    t
}

/// Loads `kernel`, the optional `initrd` and `cmdline` into `mem` and writes
/// the zero page. Returns where the boot vCPU enters the kernel.
pub fn load(
    mem: &GuestMem,
    mem_size: u64,
    kernel: &KernelImage,
    initrd: Option<&Path>,
    cmdline: &str,
) -> Result<BootInfo, Error> {
    let (entry, kernel_end, hdr) = match kernel {
        KernelImage::File(path) => {
            let r = load_kernel_file(mem, path)?;
            match r.setup_header {
                Some(hdr) => {
                    // The bzImage decompresses itself to its preferred
                    // address; keep the initrd clear of that too.
                    let decompressed_end = hdr.pref_address + u64::from(hdr.init_size);
                    (
                        r.kernel_load.unchecked_add(0x200),
                        r.kernel_end.max(decompressed_end),
                        hdr,
                    )
                }
                None => (r.kernel_load, r.kernel_end, Default::default()),
            }
        }
        KernelImage::Raw { code, addr } => {
            mem.write_slice(code, GuestAddress(*addr))
                .map_err(|e| Error::BootParams(e.to_string()))?;
            (
                GuestAddress(*addr),
                addr + code.len() as u64,
                Default::default(),
            )
        }
    };

    let mut cl = Cmdline::new(CMDLINE_MAX_SIZE).map_err(Error::Cmdline)?;
    cl.insert_str(cmdline).map_err(Error::Cmdline)?;
    load_cmdline(mem, GuestAddress(CMDLINE_START), &cl)
        .map_err(|e| Error::BootParams(e.to_string()))?;

    let mut params = boot_params {
        hdr,
        ..Default::default()
    };
    params.hdr.type_of_loader = KERNEL_LOADER_OTHER;
    params.hdr.boot_flag = KERNEL_BOOT_FLAG_MAGIC;
    params.hdr.header = KERNEL_HDR_MAGIC;
    params.hdr.cmd_line_ptr = CMDLINE_START as u32;
    params.hdr.cmdline_size = cmdline.len() as u32 + 1;
    if params.hdr.kernel_alignment == 0 {
        params.hdr.kernel_alignment = 0x0100_0000;
    }

    let mut initrd_info = None;
    if let Some(path) = initrd {
        let mut limit = low_ram_end(mem);
        if params.hdr.initrd_addr_max != 0 {
            limit = limit.min(u64::from(params.hdr.initrd_addr_max) + 1);
        }
        let (addr, size) = load_initrd(mem, path, kernel_end, limit)?;
        params.hdr.ramdisk_image = addr.raw_value() as u32;
        params.hdr.ramdisk_size = size as u32;
        initrd_info = Some((addr, size));
    }

    let table = e820_table(mem_size);
    params.e820_entries = table.len() as u8;
    params.e820_table[..table.len()].copy_from_slice(&table);

    LinuxBootConfigurator::write_bootparams(
        &BootParams::new(&params, GuestAddress(ZERO_PAGE_START)),
        mem,
    )
    .map_err(|e| Error::BootParams(e.to_string()))?;

    Ok(BootInfo {
        entry,
        initrd: initrd_info,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn mem(size: u64) -> GuestMem {
        GuestMem::from_ranges(&[(GuestAddress(0), size as usize)]).unwrap()
    }

    fn tmpfile(bytes: &[u8]) -> tempfile::NamedTempFile {
        let mut f = tempfile::NamedTempFile::new().unwrap();
        f.write_all(bytes).unwrap();
        f
    }

    #[test]
    fn rejects_files_that_are_not_kernels() {
        let f = tmpfile(b"#!/bin/sh\necho not a kernel\n");
        let m = mem(64 << 20);
        let e = load(&m, 64 << 20, &KernelImage::File(f.path().into()), None, "").unwrap_err();
        assert!(matches!(e, Error::NotAKernel(_)), "{e}");
        assert!(e.to_string().contains("is not a Linux kernel"));
    }

    #[test]
    fn rejects_missing_kernel() {
        let m = mem(64 << 20);
        let e = load(
            &m,
            64 << 20,
            &KernelImage::File("/nonexistent/bzImage".into()),
            None,
            "",
        )
        .unwrap_err();
        assert!(
            e.to_string()
                .contains("cannot read kernel /nonexistent/bzImage"),
            "{e}"
        );
    }

    #[test]
    fn rejects_truncated_bzimage() {
        let mut b = vec![0u8; 0x300];
        b[0x202..0x206].copy_from_slice(b"HdrS");
        let f = tmpfile(&b);
        let m = mem(64 << 20);
        let e = load(&m, 64 << 20, &KernelImage::File(f.path().into()), None, "").unwrap_err();
        assert!(
            matches!(e, Error::KernelLoad { .. } | Error::Not64Bit(_)),
            "{e}"
        );
    }

    #[test]
    fn initrd_goes_to_the_top_of_low_memory() {
        let m = mem(16 << 20);
        let rd = tmpfile(&[0x5a; 5000]);
        let k = KernelImage::Raw {
            code: vec![0xf4],
            addr: HIMEM_START,
        };
        let info = load(&m, 16 << 20, &k, Some(rd.path()), "console=ttyS0").unwrap();
        let (addr, size) = info.initrd.unwrap();
        assert_eq!(size, 5000);
        assert_eq!(addr.raw_value() % PAGE_SIZE, 0);
        assert!(addr.raw_value() + size <= 16 << 20);
        let mut b = [0u8; 1];
        m.read_slice(&mut b, addr.unchecked_add(4999)).unwrap();
        assert_eq!(b[0], 0x5a);
        let p: boot_params = m.read_obj(GuestAddress(ZERO_PAGE_START)).unwrap();
        assert_eq!({ p.hdr.ramdisk_image } as u64, addr.raw_value());
        assert_eq!({ p.hdr.cmd_line_ptr } as u64, CMDLINE_START);
        assert_eq!(p.e820_entries, 3);
    }

    #[test]
    fn initrd_that_does_not_fit_is_refused() {
        let m = mem(4 << 20);
        let rd = tmpfile(&vec![0; 4 << 20]);
        let k = KernelImage::Raw {
            code: vec![0xf4],
            addr: HIMEM_START,
        };
        let e = load(&m, 4 << 20, &k, Some(rd.path()), "").unwrap_err();
        assert!(
            e.to_string().contains("does not fit in guest memory"),
            "{e}"
        );
    }

    #[test]
    fn overlong_cmdline_is_refused() {
        let m = mem(4 << 20);
        let k = KernelImage::Raw {
            code: vec![0xf4],
            addr: HIMEM_START,
        };
        let long = "x".repeat(CMDLINE_MAX_SIZE + 1);
        let e = load(&m, 4 << 20, &k, None, &long).unwrap_err();
        assert!(matches!(e, Error::Cmdline(_)), "{e}");
    }

    #[test]
    fn e820_splits_around_the_gap() {
        let t = e820_table(5 << 30);
        assert_eq!(t.len(), 4);
        assert_eq!({ t[3].addr }, 1 << 32);
        assert_eq!({ t[3].size }, 2 << 30);
    }
}
