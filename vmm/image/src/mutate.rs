//! Deliberate, well-formed damage to a valid image, for testing the
//! cross-check (`cr-vmm verify`): the result still parses (the tail's
//! checksum and counts are rewritten) but no longer matches the machine.

use std::mem::{offset_of, size_of};

use crate::format::{kcr_rec_cpu, kcr_rec_pages, kcr_rec_tail, kcr_rec_vma, kcr_x86_regs, rec};

/// Why an image cannot be damaged (it is not a valid image).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// No record of the kind asked for (no CPU record, no PAGES record
    /// of a writable private mapping).
    #[error("no record to damage")]
    NoTarget,
    /// Not a single whole record.
    #[error("empty image")]
    Empty,
    /// The last record is not a whole TAIL.
    #[error("no tail record")]
    NoTail,
}

/// What to damage.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Flip one byte of the first page of a writable private mapping.
    PageByte,
    /// Change r15 of the first task.
    Register,
    /// Drop the first PAGES record of a writable private mapping.
    DropPages,
}

fn u32_at(b: &[u8], off: usize) -> u32 {
    let mut v = [0u8; 4];
    v.copy_from_slice(&b[off..off + 4]);
    u32::from_le_bytes(v)
}

fn u64_at(b: &[u8], off: usize) -> u64 {
    let mut v = [0u8; 8];
    v.copy_from_slice(&b[off..off + 8]);
    u64::from_le_bytes(v)
}

/// Offsets and types of the records of `img` (which must be a valid
/// image, e.g. checked by `parse` first).
fn records(img: &[u8]) -> Vec<(usize, u32, usize)> {
    let mut out = Vec::new();
    let mut off = 0;
    while off + 8 <= img.len() {
        let (t, len) = (u32_at(img, off), u32_at(img, off + 4) as usize);
        if len < 8 || off + len > img.len() {
            break;
        }
        out.push((off, t, len));
        off += len;
    }
    out
}

/// Damages `img` as `kind` says; returns what was changed, e.g.
/// `page 0x7f0000001000 byte +0x0`, `register r15`, `pages 0x601000+3`.
pub fn mutate(img: &mut Vec<u8>, kind: Kind) -> Result<String, Error> {
    let recs = records(img);
    let mut writable = false;
    let mut target = None;
    for &(off, t, len) in &recs {
        match t {
            rec::VMA => {
                let prot = u32_at(img, off + offset_of!(kcr_rec_vma, prot));
                let flags = u32_at(img, off + offset_of!(kcr_rec_vma, flags));
                writable = prot & 2 != 0 && flags & 1 == 0;
            }
            rec::FILE | rec::TASK | rec::MM => writable = false,
            rec::PAGES if writable && kind != Kind::Register => {
                target = Some((off, len));
                break;
            }
            rec::CPU if kind == Kind::Register => {
                target = Some((off, len));
                break;
            }
            _ => {}
        }
    }
    let (off, len) = target.ok_or(Error::NoTarget)?;
    let what = match kind {
        Kind::PageByte => {
            let addr = u64_at(img, off + offset_of!(kcr_rec_pages, addr));
            img[off + size_of::<kcr_rec_pages>()] ^= 0x5a;
            format!("page {addr:#x} byte +0x0")
        }
        Kind::Register => {
            let o = off + offset_of!(kcr_rec_cpu, regs) + offset_of!(kcr_x86_regs, r15);
            let v = u64_at(img, o).wrapping_add(1);
            img[o..o + 8].copy_from_slice(&v.to_le_bytes());
            "register r15".to_string()
        }
        Kind::DropPages => {
            let addr = u64_at(img, off + offset_of!(kcr_rec_pages, addr));
            let n = u32_at(img, off + offset_of!(kcr_rec_pages, nr_pages));
            img.drain(off..off + len);
            format!("pages {addr:#x}+{n}")
        }
    };
    fix_tail(img)?;
    Ok(what)
}

/// Rewrites the tail's checksum, record count and length for the body (the
/// fuzzer uses it too, to get past the checksum).
pub fn fix_tail(img: &mut [u8]) -> Result<(), Error> {
    let recs = records(img);
    let &(toff, t, len) = recs.last().ok_or(Error::Empty)?;
    if t != rec::TAIL || len < size_of::<kcr_rec_tail>() {
        return Err(Error::NoTail);
    }
    let sum = xxhash_rust::xxh64::xxh64(&img[..toff], 0);
    let put =
        |img: &mut [u8], o: usize, v: &[u8]| img[toff + o..toff + o + v.len()].copy_from_slice(v);
    put(img, offset_of!(kcr_rec_tail, xxh64), &sum.to_le_bytes());
    put(
        img,
        offset_of!(kcr_rec_tail, nr_records),
        &((recs.len() - 1) as u32).to_le_bytes(),
    );
    put(
        img,
        offset_of!(kcr_rec_tail, total_len),
        &(toff as u64).to_le_bytes(),
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::parse;
    use crate::samples::sample;

    #[test]
    fn damaged_images_still_parse_and_differ() {
        let good = sample();
        let base = parse(&good[..]).unwrap();
        for kind in [Kind::PageByte, Kind::Register, Kind::DropPages] {
            let mut img = good.clone();
            let what = mutate(&mut img, kind).unwrap();
            let im = parse(&img[..]).unwrap_or_else(|e| panic!("{kind:?}: {e}"));
            assert_ne!(img, good, "{kind:?}");
            match kind {
                Kind::Register => {
                    assert_eq!(what, "register r15");
                    assert_eq!(
                        im.tasks[0].regs.unwrap().r15,
                        base.tasks[0].regs.unwrap().r15 + 1
                    );
                }
                Kind::PageByte => assert_eq!(what, "page 0x601000 byte +0x0"),
                Kind::DropPages => {
                    assert_eq!(what, "pages 0x601000+3");
                    assert_eq!(im.records, base.records - 1);
                }
            }
        }
    }
}
