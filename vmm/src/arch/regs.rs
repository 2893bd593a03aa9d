//! Boot-time CPU state for a 64-bit Linux entry: registers, segment
//! registers, boot page tables, FPU and the local APIC's LINT pins.

use crate::memory::GuestMem;
use kvm_bindings::{kvm_fpu, kvm_lapic_state, kvm_regs, kvm_sregs};
use vm_memory::{Address, Bytes, GuestAddress};

use super::gdt::{kvm_segment_from_gdt, BOOT_GDT};
use super::layout::{
    BOOT_GDT_START, BOOT_IDT_START, BOOT_STACK_POINTER, PDE_START, PDPTE_START, PML4_START,
    ZERO_PAGE_START,
};

const X86_CR0_PE: u64 = 0x1;
const X86_CR0_ET: u64 = 0x10;
const X86_CR0_PG: u64 = 0x8000_0000;
const X86_CR4_PAE: u64 = 0x20;
const EFER_LME: u64 = 0x100;
const EFER_LMA: u64 = 0x400;

/// Errors while writing boot structures into guest memory.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Guest memory does not hold the GDT, IDT or page tables.
    #[error("cannot write the boot {0} into guest memory")]
    Write(&'static str),
}

/// The general registers of the boot vCPU at a 64-bit kernel entry point.
pub fn boot_regs(entry: u64) -> kvm_regs {
    kvm_regs {
        rflags: 0x2,
        rip: entry,
        rsp: BOOT_STACK_POINTER,
        rbp: BOOT_STACK_POINTER,
        // The 64-bit boot protocol passes the zero page in %rsi.
        rsi: ZERO_PAGE_START,
        ..Default::default()
    }
}

/// Writes the boot GDT, an empty IDT and a 1 GiB identity map into `mem`.
pub fn write_boot_tables(mem: &GuestMem) -> Result<(), Error> {
    for (i, entry) in BOOT_GDT.iter().enumerate() {
        let addr = GuestAddress(BOOT_GDT_START).unchecked_add(i as u64 * 8);
        mem.write_obj(*entry, addr)
            .map_err(|_| Error::Write("GDT"))?;
    }
    mem.write_obj(0u64, GuestAddress(BOOT_IDT_START))
        .map_err(|_| Error::Write("IDT"))?;
    // PML4[0] -> PDPT, PDPT[0] -> PD, PD = 512 2 MiB pages: 0..1 GiB.
    mem.write_obj(PDPTE_START | 0x03, GuestAddress(PML4_START))
        .map_err(|_| Error::Write("page tables"))?;
    mem.write_obj(PDE_START | 0x03, GuestAddress(PDPTE_START))
        .map_err(|_| Error::Write("page tables"))?;
    for i in 0..512u64 {
        mem.write_obj((i << 21) | 0x83, GuestAddress(PDE_START + i * 8))
            .map_err(|_| Error::Write("page tables"))?;
    }
    Ok(())
}

/// Sets `sregs` for 64-bit long mode with the boot GDT and page tables.
pub fn set_long_mode_sregs(sregs: &mut kvm_sregs) {
    let code = kvm_segment_from_gdt(BOOT_GDT[1], 1);
    let data = kvm_segment_from_gdt(BOOT_GDT[2], 2);
    let tss = kvm_segment_from_gdt(BOOT_GDT[3], 3);
    sregs.gdt.base = BOOT_GDT_START;
    sregs.gdt.limit = (std::mem::size_of_val(&BOOT_GDT) - 1) as u16;
    sregs.idt.base = BOOT_IDT_START;
    sregs.idt.limit = 7;
    sregs.cs = code;
    sregs.ds = data;
    sregs.es = data;
    sregs.fs = data;
    sregs.gs = data;
    sregs.ss = data;
    sregs.tr = tss;
    sregs.cr0 = X86_CR0_PE | X86_CR0_ET | X86_CR0_PG;
    sregs.cr3 = PML4_START;
    sregs.cr4 = X86_CR4_PAE;
    sregs.efer = EFER_LME | EFER_LMA;
}

/// The FPU state the boot protocol expects (x87 control word, MXCSR).
pub fn boot_fpu() -> kvm_fpu {
    kvm_fpu {
        fcw: 0x37f,
        mxcsr: 0x1f80,
        ..Default::default()
    }
}

const APIC_LVT0: usize = 0x350;
const APIC_LVT1: usize = 0x360;
const APIC_MODE_NMI: u32 = 0x4;
const APIC_MODE_EXTINT: u32 = 0x7;

fn get_klapic_reg(klapic: &kvm_lapic_state, off: usize) -> u32 {
    let r = &klapic.regs[off..off + 4];
    u32::from_le_bytes([r[0] as u8, r[1] as u8, r[2] as u8, r[3] as u8])
}

fn set_klapic_reg(klapic: &mut kvm_lapic_state, off: usize, v: u32) {
    for (i, b) in v.to_le_bytes().iter().enumerate() {
        klapic.regs[off + i] = *b as _;
    }
}

fn set_apic_delivery_mode(reg: u32, mode: u32) -> u32 {
    (reg & !0x700) | (mode << 8)
}

/// Configures LINT0 as ExtINT (the 8259 PIC) and LINT1 as NMI, as a BIOS does.
pub fn set_lint(klapic: &mut kvm_lapic_state) {
    let lvt0 = get_klapic_reg(klapic, APIC_LVT0);
    set_klapic_reg(
        klapic,
        APIC_LVT0,
        set_apic_delivery_mode(lvt0, APIC_MODE_EXTINT),
    );
    let lvt1 = get_klapic_reg(klapic, APIC_LVT1);
    set_klapic_reg(
        klapic,
        APIC_LVT1,
        set_apic_delivery_mode(lvt1, APIC_MODE_NMI),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_tables_identity_map_first_gib() {
        let mem = GuestMem::from_ranges(&[(GuestAddress(0), 1 << 20)]).unwrap();
        write_boot_tables(&mem).unwrap();
        let pml4: u64 = mem.read_obj(GuestAddress(PML4_START)).unwrap();
        assert_eq!(pml4, PDPTE_START | 3);
        let last: u64 = mem.read_obj(GuestAddress(PDE_START + 511 * 8)).unwrap();
        assert_eq!(last, (511 << 21) | 0x83);
        let gdt1: u64 = mem.read_obj(GuestAddress(BOOT_GDT_START + 8)).unwrap();
        assert_eq!(gdt1, BOOT_GDT[1]);
    }

    #[test]
    fn long_mode_sregs() {
        let mut s = kvm_sregs::default();
        set_long_mode_sregs(&mut s);
        assert_eq!(s.cr0 & X86_CR0_PG, X86_CR0_PG);
        assert_eq!(s.efer, EFER_LME | EFER_LMA);
        assert_eq!(s.cs.l, 1);
        assert_eq!(s.gdt.limit, 31);
    }

    #[test]
    fn lint_delivery_modes() {
        let mut l = kvm_lapic_state::default();
        set_klapic_reg(&mut l, APIC_LVT0, 0x0001_0400);
        set_lint(&mut l);
        assert_eq!(get_klapic_reg(&l, APIC_LVT0), 0x0001_0700);
        assert_eq!(get_klapic_reg(&l, APIC_LVT1) >> 8 & 7, APIC_MODE_NMI);
    }

    #[test]
    fn boot_regs_point_at_zero_page() {
        let r = boot_regs(0x100200);
        assert_eq!((r.rip, r.rsi, r.rflags), (0x100200, ZERO_PAGE_START, 2));
    }
}
