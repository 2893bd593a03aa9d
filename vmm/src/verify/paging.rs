//! x86-64 page tables (4-level, or 5-level when the guest set CR4.LA57),
//! walked in guest physical memory from the outside: translating one user
//! address, and listing every user page an address space maps.

/// Guest physical memory, read-only.
pub trait PhysMem {
    /// Reads `buf.len()` bytes at guest physical address `pa`.
    fn read(&self, pa: u64, buf: &mut [u8]) -> Result<(), String>;
}

const PRESENT: u64 = 1 << 0;
const RW: u64 = 1 << 1;
const USER: u64 = 1 << 2;
const PS: u64 = 1 << 7;
const ADDR: u64 = 0x000f_ffff_ffff_f000;
/// End of the user half of an address space with `levels` levels.
pub fn user_end(levels: u32) -> u64 {
    1 << (12 + 9 * levels - 1)
}

/// Paging levels for a CR4 value: 5 with LA57, else 4.
pub fn levels(cr4: u64) -> u32 {
    if cr4 & (1 << 12) != 0 {
        5
    } else {
        4
    }
}
const PAGE: u64 = 4096;

/// A mapped page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Mapping {
    /// Guest physical address of the 4 KiB page.
    pub pa: u64,
    /// Writable (at every level).
    pub writable: bool,
    /// User-accessible (at every level).
    pub user: bool,
}

fn entry(mem: &dyn PhysMem, table: u64, index: u64) -> Result<u64, String> {
    let mut b = [0u8; 8];
    mem.read((table & ADDR) + index * 8, &mut b)?;
    Ok(u64::from_le_bytes(b))
}

/// Translates user address `va` through the `levels`-level page tables
/// rooted at `pgd`: `Ok(None)` if it is not mapped.
pub fn translate(
    mem: &dyn PhysMem,
    pgd: u64,
    levels: u32,
    va: u64,
) -> Result<Option<Mapping>, String> {
    let mut table = pgd;
    let (mut writable, mut user) = (true, true);
    for level in (0..levels).rev() {
        let shift = 12 + 9 * level;
        let e = entry(mem, table, (va >> shift) & 0x1ff)?;
        if e & PRESENT == 0 {
            return Ok(None);
        }
        writable &= e & RW != 0;
        user &= e & USER != 0;
        // 1 GiB (level 2) and 2 MiB (level 1) pages.
        if (level == 1 || level == 2) && e & PS != 0 {
            let size = 1u64 << shift;
            let base = e & ADDR & !(size - 1);
            return Ok(Some(Mapping {
                pa: base + (va & (size - 1) & !(PAGE - 1)),
                writable,
                user,
            }));
        }
        table = e;
    }
    Ok(Some(Mapping {
        pa: table & ADDR,
        writable,
        user,
    }))
}

/// Calls `visit(va, mapping)` for every present user page of the
/// `levels`-level page tables rooted at `pgd`, 4 KiB at a time (large pages
/// expanded), ascending.
pub fn user_pages(
    mem: &dyn PhysMem,
    pgd: u64,
    levels: u32,
    visit: &mut dyn FnMut(u64, Mapping),
) -> Result<(), String> {
    walk(mem, pgd, levels - 1, true, 0, true, true, visit)
}

#[allow(clippy::too_many_arguments)]
fn walk(
    mem: &dyn PhysMem,
    table: u64,
    level: u32,
    top: bool,
    base: u64,
    writable: bool,
    user: bool,
    visit: &mut dyn FnMut(u64, Mapping),
) -> Result<(), String> {
    let shift = 12 + 9 * level;
    // The top level covers both halves: only the user half (indices 0-255).
    let count = if top { 256 } else { 512 };
    let mut raw = vec![0u8; 512 * 8];
    mem.read(table & ADDR, &mut raw)?;
    for i in 0..count {
        let mut b = [0u8; 8];
        b.copy_from_slice(&raw[i * 8..i * 8 + 8]);
        let e = u64::from_le_bytes(b);
        if e & PRESENT == 0 {
            continue;
        }
        let va = base + ((i as u64) << shift);
        let (w, u) = (writable && e & RW != 0, user && e & USER != 0);
        if !u {
            continue;
        }
        if level == 0 || ((level == 1 || level == 2) && e & PS != 0) {
            let size = 1u64 << shift;
            let pa = e & ADDR & !(size - 1);
            for off in (0..size).step_by(PAGE as usize) {
                visit(
                    va + off,
                    Mapping {
                        pa: pa + off,
                        writable: w,
                        user: u,
                    },
                );
            }
        } else {
            walk(mem, e, level - 1, false, va, w, u, visit)?;
        }
    }
    Ok(())
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// Flat guest memory for tests.
    pub(crate) struct Flat(pub Vec<u8>);

    impl PhysMem for Flat {
        fn read(&self, pa: u64, buf: &mut [u8]) -> Result<(), String> {
            let s = usize::try_from(pa).map_err(|e| e.to_string())?;
            let src = self
                .0
                .get(s..s + buf.len())
                .ok_or_else(|| format!("{pa:#x} outside memory"))?;
            buf.copy_from_slice(src);
            Ok(())
        }
    }

    impl Flat {
        pub(crate) fn put(&mut self, pa: u64, v: u64) {
            let s = pa as usize;
            self.0[s..s + 8].copy_from_slice(&v.to_le_bytes());
        }

        /// Maps `va` to `pa` with tables at 0x1000 (PGD), 0x2000, 0x3000,
        /// 0x4000 (so one PT covers a 2 MiB range).
        pub(crate) fn map(&mut self, va: u64, pa: u64, flags: u64) {
            let idx = |l: u32| (va >> (12 + 9 * l)) & 0x1ff;
            self.put(0x1000 + idx(3) * 8, 0x2000 | PRESENT | RW | USER);
            self.put(0x2000 + idx(2) * 8, 0x3000 | PRESENT | RW | USER);
            self.put(0x3000 + idx(1) * 8, 0x4000 | PRESENT | RW | USER);
            self.put(0x4000 + idx(0) * 8, pa | flags);
        }
    }

    #[test]
    fn translates_and_lists_user_pages() {
        let mut m = Flat(vec![0; 0x100000]);
        let va = 0x7f00_1234_5000;
        m.map(va, 0x8000, PRESENT | RW | USER);
        m.map(va + PAGE, 0x9000, PRESENT | USER);
        m.map(va + 2 * PAGE, 0xa000, RW | USER); // not present
        assert_eq!(
            translate(&m, 0x1000, 4, va + 0x123).unwrap(),
            Some(Mapping {
                pa: 0x8000,
                writable: true,
                user: true
            })
        );
        assert!(
            !translate(&m, 0x1000, 4, va + PAGE)
                .unwrap()
                .unwrap()
                .writable
        );
        assert_eq!(translate(&m, 0x1000, 4, va + 2 * PAGE).unwrap(), None);
        assert_eq!(translate(&m, 0x1000, 4, 0x400000).unwrap(), None);
        let mut seen = Vec::new();
        user_pages(&m, 0x1000, 4, &mut |va, mp| {
            seen.push((va, mp.pa, mp.writable))
        })
        .unwrap();
        assert_eq!(seen, [(va, 0x8000, true), (va + PAGE, 0x9000, false)]);
    }

    #[test]
    fn five_levels() {
        // PML5 at 0x5000 -> the 4-level tables of `map` at 0x1000.
        let mut m = Flat(vec![0; 0x100000]);
        let va = 0x7f00_1234_5000;
        m.map(va, 0x8000, PRESENT | RW | USER);
        m.put(0x5000, 0x1000 | PRESENT | RW | USER);
        assert_eq!(levels(1 << 12), 5);
        assert_eq!(user_end(5), 1 << 56);
        assert_eq!(translate(&m, 0x5000, 5, va).unwrap().unwrap().pa, 0x8000);
        let mut seen = Vec::new();
        user_pages(&m, 0x5000, 5, &mut |va, _| seen.push(va)).unwrap();
        assert_eq!(seen, [va]);
    }

    #[test]
    fn large_pages_and_kernel_entries() {
        let mut m = Flat(vec![0; 0x100000]);
        // A 2 MiB page at 0x40_0000 -> 0x20_0000 (PD entry with PS).
        let va = 0x40_0000u64;
        m.put(0x1000, 0x2000 | PRESENT | RW | USER);
        m.put(0x2000, 0x3000 | PRESENT | RW | USER);
        m.put(0x3000 + 2 * 8, 0x20_0000 | PRESENT | RW | USER | PS);
        let t = translate(&m, 0x1000, 4, va + 0x5123).unwrap().unwrap();
        assert_eq!(t.pa, 0x20_5000);
        let mut n = 0;
        user_pages(&m, 0x1000, 4, &mut |_, _| n += 1).unwrap();
        assert_eq!(n, 512);
        // A supervisor-only page is not a user page.
        let mut k = Flat(vec![0; 0x100000]);
        k.map(0x1000_0000, 0x8000, PRESENT | RW);
        let mut n = 0;
        user_pages(&k, 0x1000, 4, &mut |_, _| n += 1).unwrap();
        assert_eq!(n, 0);
        assert!(!translate(&k, 0x1000, 4, 0x1000_0000).unwrap().unwrap().user);
    }
}
