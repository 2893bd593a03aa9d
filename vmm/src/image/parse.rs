//! Reading and validating a checkpoint image, one record at a time (an image
//! is never held in memory whole: page contents are only checksummed).

use std::collections::HashSet;
use std::io::Read;

use serde::Serialize;
use zerocopy::FromBytes;

use super::format::*;

/// Highest user address on x86_64 (TASK_SIZE with 4-level paging).
pub const TASK_SIZE: u64 = 0x7fff_ffff_f000;
const PAGE_SIZE: u64 = 4096;
const MAX_XSTATE: u32 = 64 * 1024;

/// A bad image: where, in which record, and what is wrong.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("offset {offset:#x}, record #{index} ({record}): {msg}")]
pub struct Error {
    /// Byte offset of the record in the stream.
    pub offset: u64,
    /// Record number (0 = the header).
    pub index: u32,
    /// The record's type name.
    pub record: &'static str,
    /// What is wrong.
    pub msg: String,
}

/// The image header.
#[derive(Debug, Clone, Serialize)]
pub struct Header {
    /// Format version.
    pub version: u32,
    /// Architecture name.
    pub arch: &'static str,
    /// Checkpoint time (seconds since the epoch).
    pub time: u64,
    /// checkpoint() flags.
    pub flags: u32,
    /// Page size.
    pub page_size: u32,
    /// xstate features.
    pub xfeatures: u64,
    /// xstate size.
    pub xstate_size: u32,
    /// uname -s.
    pub sysname: String,
    /// uname -n.
    pub nodename: String,
    /// uname -r.
    pub release: String,
    /// uname -v.
    pub version_str: String,
    /// uname -m.
    pub machine: String,
}

/// A mapping.
#[derive(Debug, Clone, Serialize)]
pub struct Vma {
    /// First address.
    pub start: u64,
    /// End (exclusive).
    pub end: u64,
    /// File offset in pages.
    pub pgoff: u64,
    /// PROT_* bits.
    pub prot: u32,
    /// KCR_VMA_* names.
    pub flags: Vec<&'static str>,
    /// Object id of the mapped file.
    pub file: Option<u32>,
    /// Pages with contents in the image.
    pub pages: u64,
}

/// An address space.
#[derive(Debug, Clone, Serialize)]
pub struct Mm {
    /// The MM record's fields.
    pub fields: kcr_rec_mm,
    /// Its mappings, ascending.
    pub vmas: Vec<Vma>,
}

/// A task.
#[derive(Debug, Clone, Serialize)]
pub struct Task {
    /// Object id.
    pub objid: u32,
    /// PID.
    pub pid: i32,
    /// Thread group id.
    pub tgid: i32,
    /// Parent PID.
    pub ppid: i32,
    /// comm.
    pub comm: String,
    /// uid, euid, suid, fsuid.
    pub uids: [u32; 4],
    /// gid, egid, sgid, fsgid.
    pub gids: [u32; 4],
    /// Flag names.
    pub flags: Vec<&'static str>,
    /// Blocked signals.
    pub sigblocked: u64,
    /// General registers.
    pub regs: Option<kcr_x86_regs>,
    /// xstate features and size.
    pub xstate: Option<(u64, u32)>,
    /// Its address space.
    pub mm: Option<Mm>,
}

/// A file object.
#[derive(Debug, Clone, Serialize)]
pub struct FileObj {
    /// Object id.
    pub objid: u32,
    /// Path.
    pub path: String,
    /// open() flags.
    pub f_flags: u32,
    /// Inode number.
    pub ino: u64,
    /// Size.
    pub size: u64,
    /// st_mode.
    pub mode: u32,
}

/// A whole, valid image.
#[derive(Debug, Clone, Serialize)]
pub struct Image {
    /// Header.
    pub header: Header,
    /// Tasks in stream order.
    pub tasks: Vec<Task>,
    /// File objects.
    pub files: Vec<FileObj>,
    /// Records before the tail.
    pub records: u32,
    /// Bytes before the tail.
    pub total_len: u64,
    /// The stream's CRC-32 (checked).
    pub crc32: u32,
}

fn cstr(b: &[u8]) -> Option<String> {
    let end = b.iter().position(|&c| c == 0)?;
    Some(String::from_utf8_lossy(&b[..end]).into_owned())
}

fn flag_names(bits: u32, names: &[&'static str]) -> Vec<&'static str> {
    names
        .iter()
        .enumerate()
        .filter(|(i, _)| bits & (1 << i) != 0)
        .map(|(_, n)| *n)
        .collect()
}

struct Parser<R: Read> {
    r: R,
    offset: u64,
    index: u32,
    crc: crc32fast::Hasher,
    buf: Vec<u8>,
    objids: HashSet<u32>,
    files: Vec<FileObj>,
    tasks: Vec<Task>,
    header: Option<Header>,
    vma_end: u64,
    pages_end: u64,
}

impl<R: Read> Parser<R> {
    fn err(&self, t: u32, msg: impl Into<String>) -> Error {
        Error {
            offset: self.offset,
            index: self.index,
            record: rec::name(t),
            msg: msg.into(),
        }
    }

    /// Reads exactly `n` bytes into `self.buf`. Returns false at a clean
    /// end of stream before the first byte when `eof_ok`.
    fn fill(&mut self, n: usize, t: u32, eof_ok: bool) -> Result<bool, Error> {
        self.buf.resize(n, 0);
        let mut got = 0;
        while got < n {
            match self.r.read(&mut self.buf[got..n]) {
                Ok(0) if got == 0 && eof_ok => return Ok(false),
                Ok(0) => return Err(self.err(t, format!("truncated: {got} of {n} bytes"))),
                Ok(k) => got += k,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(self.err(t, format!("read error: {e}"))),
            }
        }
        Ok(true)
    }

    fn obj<T: FromBytes>(&self, t: u32) -> Result<T, Error> {
        T::read_from_prefix(&self.buf)
            .map(|(v, _)| v)
            .map_err(|_| self.err(t, "record shorter than its structure"))
    }

    fn new_objid(&mut self, t: u32, id: u32) -> Result<(), Error> {
        if id == 0 || !self.objids.insert(id) {
            return Err(self.err(t, format!("object id {id} is zero or already defined")));
        }
        Ok(())
    }

    fn task(&mut self, t: u32) -> Result<&mut Task, Error> {
        let e = self.err(t, "no TASK record before it");
        self.tasks.last_mut().ok_or(e)
    }

    fn run(mut self) -> Result<Image, Error> {
        loop {
            if !self.fill(8, 0, true)? {
                return Err(self.err(0, "truncated: the stream ends without a TAIL record"));
            }
            let hdr: kcr_hdr = self.obj(0)?;
            let (t, len) = (hdr.type_, hdr.len);
            if rec::name(t) == "unknown" {
                return Err(self.err(t, format!("unknown record type {t:#x}")));
            }
            if len < 8 || len % 8 != 0 || len > KCR_REC_MAX_LEN {
                return Err(self.err(t, format!("bad length {len}")));
            }
            if self.index == 0 && t != rec::HEADER {
                return Err(self.err(t, "the first record must be HEADER"));
            }
            let mut whole = std::mem::take(&mut self.buf);
            if len > 8 {
                self.fill(len as usize - 8, t, false)?;
                whole.extend_from_slice(&self.buf);
            }
            self.buf = whole;
            if t == rec::TAIL {
                let crc = self.crc.clone().finalize();
                return self.tail(crc, len);
            }
            self.crc.update(&self.buf);
            self.record(t, len)?;
            self.offset += u64::from(len);
            self.index += 1;
        }
    }

    fn need_len(&self, t: u32, len: u32, want: usize) -> Result<(), Error> {
        if (len as usize) != want.next_multiple_of(8) {
            return Err(self.err(
                t,
                format!("length {len}, expected {}", want.next_multiple_of(8)),
            ));
        }
        Ok(())
    }

    fn record(&mut self, t: u32, len: u32) -> Result<(), Error> {
        match t {
            rec::HEADER => {
                if self.header.is_some() {
                    return Err(self.err(t, "second HEADER"));
                }
                self.need_len(t, len, std::mem::size_of::<kcr_rec_header>())?;
                let h: kcr_rec_header = self.obj(t)?;
                if h.magic != KCR_MAGIC {
                    return Err(self.err(
                        t,
                        format!("bad magic {:#x}: not a cr-vmm checkpoint image", h.magic),
                    ));
                }
                if h.version != KCR_VERSION {
                    return Err(self.err(
                        t,
                        format!(
                            "format version {}, this tool reads {KCR_VERSION}",
                            h.version
                        ),
                    ));
                }
                if h.arch != KCR_ARCH_X86_64 {
                    return Err(self.err(t, format!("architecture {} is not x86_64", h.arch)));
                }
                if u64::from(h.page_size) != PAGE_SIZE {
                    return Err(self.err(t, format!("page size {}", h.page_size)));
                }
                if h.xstate_size == 0 || h.xstate_size > MAX_XSTATE {
                    return Err(self.err(t, format!("xstate size {}", h.xstate_size)));
                }
                let s =
                    |b: &[u8]| cstr(b).ok_or_else(|| self.err(t, "unterminated utsname string"));
                self.header = Some(Header {
                    version: h.version,
                    arch: "x86_64",
                    time: h.time,
                    flags: h.flags,
                    page_size: h.page_size,
                    xfeatures: h.xfeatures,
                    xstate_size: h.xstate_size,
                    sysname: s(&h.sysname)?,
                    nodename: s(&h.nodename)?,
                    release: s(&h.release)?,
                    version_str: s(&h.version_str)?,
                    machine: s(&h.machine)?,
                });
            }
            rec::TASK => {
                self.need_len(t, len, std::mem::size_of::<kcr_rec_task>())?;
                let k: kcr_rec_task = self.obj(t)?;
                self.new_objid(t, k.objid)?;
                if k.flags & !task_flags::ALL != 0 {
                    return Err(self.err(t, format!("unknown task flags {:#x}", k.flags)));
                }
                if k.pid <= 0 || k.tgid <= 0 || k.ppid < 0 {
                    return Err(self.err(t, format!("bad pid {}/{}/{}", k.pid, k.tgid, k.ppid)));
                }
                let comm = cstr(&k.comm).ok_or_else(|| self.err(t, "unterminated comm"))?;
                self.tasks.push(Task {
                    objid: k.objid,
                    pid: k.pid,
                    tgid: k.tgid,
                    ppid: k.ppid,
                    comm,
                    uids: [k.uid, k.euid, k.suid, k.fsuid],
                    gids: [k.gid, k.egid, k.sgid, k.fsgid],
                    flags: flag_names(k.flags, &["self", "syscall-restart"]),
                    sigblocked: k.sigblocked,
                    regs: None,
                    xstate: None,
                    mm: None,
                });
            }
            rec::CPU => {
                self.need_len(t, len, std::mem::size_of::<kcr_rec_cpu>())?;
                let c: kcr_rec_cpu = self.obj(t)?;
                if c.regs.ip >= TASK_SIZE || c.regs.sp >= TASK_SIZE {
                    return Err(self.err(
                        t,
                        format!(
                            "ip {:#x} / sp {:#x} outside user space",
                            c.regs.ip, c.regs.sp
                        ),
                    ));
                }
                let task = self.task(t)?;
                if task.regs.replace(c.regs).is_some() {
                    return Err(self.err(t, "second CPU record for the task"));
                }
            }
            rec::XSTATE => {
                let x: kcr_rec_xstate = self.obj(t)?;
                let want = self.header.as_ref().map(|h| h.xstate_size).unwrap_or(0);
                if x.size != want {
                    return Err(self.err(
                        t,
                        format!("xstate size {} differs from the header's {want}", x.size),
                    ));
                }
                self.need_len(
                    t,
                    len,
                    std::mem::size_of::<kcr_rec_xstate>() + x.size as usize,
                )?;
                let task = self.task(t)?;
                if task.xstate.replace((x.xfeatures, x.size)).is_some() {
                    return Err(self.err(t, "second XSTATE record for the task"));
                }
            }
            rec::FILE => {
                let f: kcr_rec_file = self.obj(t)?;
                if f.path_len == 0 || f.path_len > KCR_PATH_MAX {
                    return Err(self.err(t, format!("path length {}", f.path_len)));
                }
                let base = std::mem::size_of::<kcr_rec_file>();
                self.need_len(t, len, base + f.path_len as usize)?;
                let path = cstr(&self.buf[base..base + f.path_len as usize])
                    .filter(|p| p.len() + 1 == f.path_len as usize && p.starts_with('/'))
                    .ok_or_else(|| self.err(t, "path is not an absolute, NUL-terminated string"))?;
                self.new_objid(t, f.objid)?;
                self.files.push(FileObj {
                    objid: f.objid,
                    path,
                    f_flags: f.f_flags,
                    ino: f.ino,
                    size: f.size,
                    mode: f.mode,
                });
            }
            rec::MM => {
                self.need_len(t, len, std::mem::size_of::<kcr_rec_mm>())?;
                let m: kcr_rec_mm = self.obj(t)?;
                self.new_objid(t, m.objid)?;
                self.vma_end = 0;
                let task = self.task(t)?;
                if task.mm.is_some() {
                    return Err(self.err(t, "second MM record for the task"));
                }
                task.mm = Some(Mm {
                    fields: m,
                    vmas: Vec::new(),
                });
            }
            rec::VMA => {
                self.need_len(t, len, std::mem::size_of::<kcr_rec_vma>())?;
                let v: kcr_rec_vma = self.obj(t)?;
                if v.start >= v.end
                    || !v.start.is_multiple_of(PAGE_SIZE)
                    || !v.end.is_multiple_of(PAGE_SIZE)
                    || v.end > TASK_SIZE
                {
                    return Err(self.err(t, format!("bad range {:#x}-{:#x}", v.start, v.end)));
                }
                if v.start < self.vma_end {
                    return Err(self.err(
                        t,
                        format!("mapping {:#x} overlaps or is out of order", v.start),
                    ));
                }
                if v.flags & !vma_flags::ALL != 0 || v.prot & !7 != 0 {
                    return Err(self.err(
                        t,
                        format!("unknown flags {:#x} / prot {:#x}", v.flags, v.prot),
                    ));
                }
                if v.file_ref != 0 && !self.files.iter().any(|f| f.objid == v.file_ref) {
                    return Err(self.err(
                        t,
                        format!("file reference {} names no earlier FILE", v.file_ref),
                    ));
                }
                self.vma_end = v.end;
                self.pages_end = v.start;
                let e = self.err(t, "no MM record before it");
                let mm = self.task(t)?.mm.as_mut().ok_or(e)?;
                mm.vmas.push(Vma {
                    start: v.start,
                    end: v.end,
                    pgoff: v.pgoff,
                    prot: v.prot,
                    flags: flag_names(v.flags, &vma_flags::NAMES),
                    file: (v.file_ref != 0).then_some(v.file_ref),
                    pages: 0,
                });
            }
            rec::PAGES => {
                let p: kcr_rec_pages = self.obj(t)?;
                if p.nr_pages == 0 || p.nr_pages > KCR_PAGES_MAX {
                    return Err(self.err(t, format!("{} pages in one record", p.nr_pages)));
                }
                self.need_len(
                    t,
                    len,
                    std::mem::size_of::<kcr_rec_pages>() + p.nr_pages as usize * PAGE_SIZE as usize,
                )?;
                let e1 = self.err(t, "no VMA record before it");
                let pages_end = self.pages_end;
                let e2 = self.err(
                    t,
                    format!(
                        "pages {:#x}+{} outside their mapping or out of order",
                        p.addr, p.nr_pages
                    ),
                );
                let vma = self
                    .task(t)?
                    .mm
                    .as_mut()
                    .and_then(|m| m.vmas.last_mut())
                    .ok_or(e1)?;
                let end = p.addr.saturating_add(u64::from(p.nr_pages) * PAGE_SIZE);
                let (start, vend) = (vma.start, vma.end);
                if !p.addr.is_multiple_of(PAGE_SIZE) || p.addr < start.max(pages_end) || end > vend
                {
                    return Err(e2);
                }
                vma.pages += u64::from(p.nr_pages);
                self.pages_end = end;
            }
            _ => return Err(self.err(t, "unexpected record")),
        }
        Ok(())
    }

    fn tail(mut self, crc: u32, len: u32) -> Result<Image, Error> {
        let t = rec::TAIL;
        self.need_len(t, len, std::mem::size_of::<kcr_rec_tail>())?;
        let tail: kcr_rec_tail = self.obj(t)?;
        if tail.crc32 != crc {
            return Err(self.err(
                t,
                format!(
                    "checksum mismatch: image says {:#010x}, stream is {crc:#010x}",
                    tail.crc32
                ),
            ));
        }
        if tail.nr_records != self.index || tail.total_len != self.offset {
            return Err(self.err(
                t,
                format!(
                    "tail counts {} records / {} bytes, stream has {} / {}",
                    tail.nr_records, tail.total_len, self.index, self.offset
                ),
            ));
        }
        let mut extra = [0u8; 1];
        if matches!(self.r.read(&mut extra), Ok(n) if n > 0) {
            return Err(self.err(t, "bytes after the TAIL record"));
        }
        for task in &self.tasks {
            if let Some(mm) = &task.mm {
                if mm.vmas.len() != mm.fields.nr_vmas as usize {
                    return Err(self.err(
                        t,
                        format!(
                            "task {}: MM says {} mappings, image has {}",
                            task.pid,
                            mm.fields.nr_vmas,
                            mm.vmas.len()
                        ),
                    ));
                }
            }
        }
        let header = self
            .header
            .clone()
            .ok_or_else(|| self.err(t, "no HEADER"))?;
        Ok(Image {
            header,
            tasks: self.tasks,
            files: self.files,
            records: self.index,
            total_len: self.offset,
            crc32: crc,
        })
    }
}

/// Reads and validates a whole image from `r`.
pub fn parse<R: Read>(r: R) -> Result<Image, Error> {
    Parser {
        r,
        offset: 0,
        index: 0,
        crc: crc32fast::Hasher::new(),
        buf: Vec::new(),
        objids: HashSet::new(),
        files: Vec::new(),
        tasks: Vec::new(),
        header: None,
        vma_end: 0,
        pages_end: 0,
    }
    .run()
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use std::mem::{offset_of, size_of};

    fn put(b: &mut [u8], off: usize, v: &[u8]) {
        b[off..off + v.len()].copy_from_slice(v);
    }

    fn record(t: u32, size: usize, extra: &[u8]) -> Vec<u8> {
        let len = (size + extra.len()).next_multiple_of(8);
        let mut b = vec![0u8; len];
        put(&mut b, 0, &t.to_le_bytes());
        put(&mut b, 4, &(len as u32).to_le_bytes());
        put(&mut b, size, extra);
        b
    }

    /// A small valid image: one task, one file, a file mapping and an
    /// anonymous mapping with 3 pages.
    pub(crate) fn sample() -> Vec<u8> {
        let mut img = Vec::new();
        let mut h = record(rec::HEADER, size_of::<kcr_rec_header>(), &[]);
        put(
            &mut h,
            offset_of!(kcr_rec_header, magic),
            &KCR_MAGIC.to_le_bytes(),
        );
        put(
            &mut h,
            offset_of!(kcr_rec_header, version),
            &KCR_VERSION.to_le_bytes(),
        );
        put(
            &mut h,
            offset_of!(kcr_rec_header, arch),
            &KCR_ARCH_X86_64.to_le_bytes(),
        );
        put(
            &mut h,
            offset_of!(kcr_rec_header, page_size),
            &4096u32.to_le_bytes(),
        );
        put(
            &mut h,
            offset_of!(kcr_rec_header, xstate_size),
            &576u32.to_le_bytes(),
        );
        put(&mut h, offset_of!(kcr_rec_header, sysname), b"Linux\0");
        put(&mut h, offset_of!(kcr_rec_header, release), b"6.12.117\0");
        img.extend(h);
        let mut t = record(rec::TASK, size_of::<kcr_rec_task>(), &[]);
        put(&mut t, offset_of!(kcr_rec_task, objid), &1u32.to_le_bytes());
        put(&mut t, offset_of!(kcr_rec_task, pid), &42i32.to_le_bytes());
        put(&mut t, offset_of!(kcr_rec_task, tgid), &42i32.to_le_bytes());
        put(&mut t, offset_of!(kcr_rec_task, ppid), &1i32.to_le_bytes());
        put(
            &mut t,
            offset_of!(kcr_rec_task, flags),
            &task_flags::SELF.to_le_bytes(),
        );
        put(&mut t, offset_of!(kcr_rec_task, comm), b"counter\0");
        img.extend(t);
        let mut c = record(rec::CPU, size_of::<kcr_rec_cpu>(), &[]);
        put(
            &mut c,
            offset_of!(kcr_rec_cpu, regs) + offset_of!(kcr_x86_regs, ip),
            &0x401000u64.to_le_bytes(),
        );
        put(
            &mut c,
            offset_of!(kcr_rec_cpu, regs) + offset_of!(kcr_x86_regs, sp),
            &0x7ffd0000u64.to_le_bytes(),
        );
        img.extend(c);
        let mut x = record(rec::XSTATE, size_of::<kcr_rec_xstate>(), &[0u8; 576]);
        put(
            &mut x,
            offset_of!(kcr_rec_xstate, size),
            &576u32.to_le_bytes(),
        );
        img.extend(x);
        let mut f = record(rec::FILE, size_of::<kcr_rec_file>(), b"/bin/counter\0");
        put(&mut f, offset_of!(kcr_rec_file, objid), &2u32.to_le_bytes());
        put(
            &mut f,
            offset_of!(kcr_rec_file, path_len),
            &13u32.to_le_bytes(),
        );
        img.extend(f);
        let mut m = record(rec::MM, size_of::<kcr_rec_mm>(), &[]);
        put(&mut m, offset_of!(kcr_rec_mm, objid), &3u32.to_le_bytes());
        put(&mut m, offset_of!(kcr_rec_mm, nr_vmas), &2u32.to_le_bytes());
        img.extend(m);
        let vma = |start: u64, end: u64, file: u32, prot: u32| {
            let mut v = record(rec::VMA, size_of::<kcr_rec_vma>(), &[]);
            put(&mut v, offset_of!(kcr_rec_vma, start), &start.to_le_bytes());
            put(&mut v, offset_of!(kcr_rec_vma, end), &end.to_le_bytes());
            put(&mut v, offset_of!(kcr_rec_vma, prot), &prot.to_le_bytes());
            put(
                &mut v,
                offset_of!(kcr_rec_vma, file_ref),
                &file.to_le_bytes(),
            );
            v
        };
        img.extend(vma(0x400000, 0x402000, 2, 5));
        img.extend(vma(0x600000, 0x610000, 0, 3));
        let mut p = record(rec::PAGES, size_of::<kcr_rec_pages>(), &[0xab; 3 * 4096]);
        put(
            &mut p,
            offset_of!(kcr_rec_pages, addr),
            &0x601000u64.to_le_bytes(),
        );
        put(
            &mut p,
            offset_of!(kcr_rec_pages, nr_pages),
            &3u32.to_le_bytes(),
        );
        img.extend(p);
        finish(img, 9)
    }

    /// Appends a correct TAIL to `body` of `records` records.
    pub(crate) fn finish(mut body: Vec<u8>, records: u32) -> Vec<u8> {
        let mut t = record(rec::TAIL, size_of::<kcr_rec_tail>(), &[]);
        put(
            &mut t,
            offset_of!(kcr_rec_tail, crc32),
            &crc32fast::hash(&body).to_le_bytes(),
        );
        put(
            &mut t,
            offset_of!(kcr_rec_tail, nr_records),
            &records.to_le_bytes(),
        );
        put(
            &mut t,
            offset_of!(kcr_rec_tail, total_len),
            &(body.len() as u64).to_le_bytes(),
        );
        body.extend(t);
        body
    }

    fn body(img: &[u8]) -> Vec<u8> {
        img[..img.len() - size_of::<kcr_rec_tail>()].to_vec()
    }

    #[test]
    fn sample_parses() {
        let img = parse(&sample()[..]).unwrap();
        assert_eq!(img.records, 9);
        assert_eq!(img.header.release, "6.12.117");
        let t = &img.tasks[0];
        assert_eq!((t.pid, t.comm.as_str()), (42, "counter"));
        let mm = t.mm.as_ref().unwrap();
        assert_eq!(mm.vmas.len(), 2);
        assert_eq!(mm.vmas[1].pages, 3);
        assert_eq!(mm.vmas[0].file, Some(2));
        assert_eq!(img.files[0].path, "/bin/counter");
        let s = super::super::show::summary(&img);
        assert!(
            s.contains("000000400000-000000402000 r-x /bin/counter +0x0 pages 0"),
            "{s}"
        );
        let tree = super::super::show::tree(&img);
        assert!(tree.contains("task-42/mm/vmas/1/pages = 3"), "{tree}");
        assert!(super::super::show::json(&img)
            .unwrap()
            .contains("\"comm\": \"counter\""));
    }

    #[test]
    fn a_flipped_page_byte_breaks_the_checksum() {
        let mut img = sample();
        let n = img.len();
        img[n - 100] ^= 1;
        let e = parse(&img[..]).unwrap_err();
        assert_eq!(e.record, "TAIL");
        assert!(e.msg.contains("checksum mismatch"), "{e}");
    }

    #[test]
    fn truncation_is_named() {
        let img = sample();
        let e = parse(&img[..img.len() - 5]).unwrap_err();
        assert!(e.msg.starts_with("truncated"), "{e}");
        let e = parse(&body(&img)[..]).unwrap_err();
        assert!(e.msg.contains("without a TAIL"), "{e}");
        assert!(parse(&[][..]).is_err());
    }

    #[test]
    fn bad_lengths_and_types() {
        let img = sample();
        let task_off = size_of::<kcr_rec_header>();
        let mut b = body(&img);
        b[task_off + 4] = 7; // length not a multiple of 8
        let e = parse(&finish(b, 9)[..]).unwrap_err();
        assert_eq!((e.offset, e.index), (task_off as u64, 1));
        assert!(e.msg.contains("bad length"), "{e}");
        let mut b = body(&img);
        b[task_off] = 0x55;
        let e = parse(&finish(b, 9)[..]).unwrap_err();
        assert!(e.msg.contains("unknown record type 0x55"), "{e}");
        let mut b = body(&img);
        b[task_off + 4..task_off + 8].copy_from_slice(&(KCR_REC_MAX_LEN + 8).to_le_bytes());
        assert!(parse(&finish(b, 9)[..])
            .unwrap_err()
            .msg
            .contains("bad length"));
    }

    #[test]
    fn dangling_reference_and_bad_ranges() {
        let img = sample();
        let b = body(&img);
        // The first VMA's file_ref is 2; point it at 9.
        let vma_off = b
            .windows(8)
            .position(|w| w == [7, 0, 0, 0, size_of::<kcr_rec_vma>() as u8, 0, 0, 0])
            .unwrap();
        let mut c = b.clone();
        c[vma_off + offset_of!(kcr_rec_vma, file_ref)] = 9;
        let e = parse(&finish(c, 9)[..]).unwrap_err();
        assert!(e.msg.contains("names no earlier FILE"), "{e}");
        let mut c = b.clone();
        c[vma_off + offset_of!(kcr_rec_vma, end) + 6] = 0xff;
        let e = parse(&finish(c, 9)[..]).unwrap_err();
        assert!(e.msg.contains("bad range"), "{e}");
    }

    #[test]
    fn foreign_images_are_refused() {
        let mut b = body(&sample());
        b[offset_of!(kcr_rec_header, magic)] ^= 0xff;
        assert!(parse(&finish(b, 9)[..])
            .unwrap_err()
            .msg
            .contains("bad magic"));
        let mut b = body(&sample());
        b[offset_of!(kcr_rec_header, version)] = 9;
        assert!(parse(&finish(b, 9)[..])
            .unwrap_err()
            .msg
            .contains("format version 9"));
    }

    #[test]
    fn wrong_tail_counts_and_trailing_bytes() {
        let b = body(&sample());
        assert!(parse(&finish(b.clone(), 8)[..])
            .unwrap_err()
            .msg
            .contains("tail counts"));
        let mut img = finish(b, 9);
        img.push(0);
        assert!(parse(&img[..]).unwrap_err().msg.contains("after the TAIL"));
    }
}
