//! Segment descriptors for the boot GDT, and their KVM form.

use kvm_bindings::kvm_segment;

/// Packs a segment descriptor from flags, base and limit.
///
/// ```
/// use cr_vmm::arch::gdt::gdt_entry;
/// // The flat 64-bit code segment Linux expects at boot.
/// assert_eq!(gdt_entry(0xa09b, 0, 0xfffff), 0x00af_9b00_0000_ffff);
/// ```
pub const fn gdt_entry(flags: u16, base: u32, limit: u32) -> u64 {
    ((base as u64 & 0xff00_0000) << (56 - 24))
        | ((flags as u64 & 0x0000_f0ff) << 40)
        | ((limit as u64 & 0x000f_0000) << (48 - 16))
        | ((base as u64 & 0x00ff_ffff) << 16)
        | (limit as u64 & 0x0000_ffff)
}

fn get_base(entry: u64) -> u64 {
    (((entry) & 0xff00_0000_0000_0000) >> 32)
        | (((entry) & 0x0000_00ff_0000_0000) >> 16)
        | (((entry) & 0x0000_0000_ffff_0000) >> 16)
}

fn get_limit(entry: u64) -> u32 {
    let limit =
        ((entry & 0x000f_0000_0000_0000) >> 32) as u32 | (entry & 0x0000_0000_0000_ffff) as u32;
    // Granularity bit: the limit counts 4 KiB pages.
    if (entry >> 55) & 1 == 1 {
        (limit << 12) | 0xfff
    } else {
        limit
    }
}

fn bit(entry: u64, n: u32) -> u8 {
    ((entry >> n) & 1) as u8
}

/// The `kvm_segment` that loading the descriptor `entry` at GDT index
/// `table_index` would produce.
pub fn kvm_segment_from_gdt(entry: u64, table_index: u8) -> kvm_segment {
    kvm_segment {
        base: get_base(entry),
        limit: get_limit(entry),
        selector: u16::from(table_index) * 8,
        type_: ((entry >> 40) & 0xf) as u8,
        present: bit(entry, 47),
        dpl: ((entry >> 45) & 0x3) as u8,
        db: bit(entry, 54),
        s: bit(entry, 44),
        l: bit(entry, 53),
        g: bit(entry, 55),
        avl: bit(entry, 52),
        padding: 0,
        unusable: u8::from(bit(entry, 47) == 0),
    }
}

/// The boot GDT: null, 64-bit code, data, TSS.
pub const BOOT_GDT: [u64; 4] = [
    gdt_entry(0, 0, 0),
    gdt_entry(0xa09b, 0, 0xfffff),
    gdt_entry(0xc093, 0, 0xfffff),
    gdt_entry(0x808b, 0, 0xfffff),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_segment_is_64bit_present_ring0() {
        let s = kvm_segment_from_gdt(BOOT_GDT[1], 1);
        assert_eq!(
            (s.selector, s.l, s.db, s.present, s.dpl, s.g),
            (8, 1, 0, 1, 0, 1)
        );
        assert_eq!((s.base, s.limit, s.type_, s.s), (0, 0xffff_ffff, 0xb, 1));
    }

    #[test]
    fn data_and_tss_segments() {
        let d = kvm_segment_from_gdt(BOOT_GDT[2], 2);
        assert_eq!(
            (d.selector, d.type_, d.db, d.l, d.unusable),
            (16, 3, 1, 0, 0)
        );
        let t = kvm_segment_from_gdt(BOOT_GDT[3], 3);
        assert_eq!((t.selector, t.type_, t.s), (24, 0xb, 0));
        let n = kvm_segment_from_gdt(BOOT_GDT[0], 0);
        assert_eq!(n.unusable, 1);
    }
}
