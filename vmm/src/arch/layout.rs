//! Guest physical address map.
//!
//! ```text
//! 0x0000_0500  boot GDT                 0x0000_7000  zero page (boot_params)
//! 0x0000_0520  boot IDT                 0x0000_8ff0  boot stack pointer
//! 0x0000_9000  PML4                     0x0000_a000  PDPT
//! 0x0000_b000  PD (1 GiB identity map)  0x0002_0000  kernel command line
//! 0x0009_fc00  EBDA: MP table           0x0010_0000  kernel (high memory)
//! 0xc000_0000  MMIO gap (1 GiB): virtio-mmio, IOAPIC, LAPIC
//! 0x1_0000_0000  RAM above 4 GiB when the guest has more than 3 GiB
//! ```

/// Boot GDT.
pub const BOOT_GDT_START: u64 = 0x500;
/// Boot IDT (empty).
pub const BOOT_IDT_START: u64 = 0x520;
/// The Linux zero page (`struct boot_params`).
pub const ZERO_PAGE_START: u64 = 0x7000;
/// Initial stack pointer of the boot CPU.
pub const BOOT_STACK_POINTER: u64 = 0x8ff0;
/// Page-map level 4 of the boot page tables.
pub const PML4_START: u64 = 0x9000;
/// Page-directory-pointer table of the boot page tables.
pub const PDPTE_START: u64 = 0xa000;
/// Page directory of the boot page tables (512 x 2 MiB pages).
pub const PDE_START: u64 = 0xb000;
/// Kernel command line.
pub const CMDLINE_START: u64 = 0x20000;
/// Largest command line the x86 kernel accepts (COMMAND_LINE_SIZE).
pub const CMDLINE_MAX_SIZE: usize = 2048;
/// Start of the extended BIOS data area, where the MP table lives.
pub const EBDA_START: u64 = 0x9fc00;
/// Where the kernel is loaded (1 MiB).
pub const HIMEM_START: u64 = 0x10_0000;
/// Start of the MMIO gap below 4 GiB.
pub const MMIO_GAP_START: u64 = 0xc000_0000;
/// Size of the MMIO gap.
pub const MMIO_GAP_SIZE: u64 = 0x4000_0000;
/// First address above the MMIO gap.
pub const RAM_ABOVE_GAP_START: u64 = MMIO_GAP_START + MMIO_GAP_SIZE;
/// IOAPIC MMIO base.
pub const IOAPIC_START: u64 = 0xfec0_0000;
/// Local APIC MMIO base.
pub const APIC_START: u64 = 0xfee0_0000;
/// First address of the virtio-mmio device window (inside the MMIO gap).
pub const VIRTIO_MMIO_START: u64 = 0xd000_0000;
/// The virtio-mmio slot of the vsock device; each slot is one 4 KiB
/// register window from [`VIRTIO_MMIO_START`] with its own IOAPIC pin.
pub const VSOCK_SLOT: u32 = 0;
/// The slot of the first drive (`/dev/vda`); the others follow.
pub const FIRST_DRIVE_SLOT: u32 = 1;
/// The slot of the first network device, after the last possible drive.
pub const FIRST_NET_SLOT: u32 = 9;
/// The IOAPIC pin of slot 0 (the pins below are the legacy devices').
const FIRST_VIRTIO_IRQ: u32 = 5;
/// Slots there are room for: one IOAPIC pin each, up to pin 23.
pub const VIRTIO_SLOTS: u32 = 24 - FIRST_VIRTIO_IRQ;

/// The register window and interrupt pin of virtio-mmio slot `slot`.
///
/// ```
/// use cr_vmm::arch::layout::{virtio_slot, VIRTIO_MMIO_START};
/// assert_eq!(virtio_slot(0), Some((VIRTIO_MMIO_START, 5)));
/// assert_eq!(virtio_slot(2), Some((VIRTIO_MMIO_START + 0x2000, 7)));
/// assert_eq!(virtio_slot(19), None);
/// ```
pub fn virtio_slot(slot: u32) -> Option<(u64, u32)> {
    (slot < VIRTIO_SLOTS).then(|| {
        (
            VIRTIO_MMIO_START + u64::from(slot) * 0x1000,
            FIRST_VIRTIO_IRQ + slot,
        )
    })
}

/// Where KVM's TSS lives (three pages, inside the MMIO gap, never RAM).
pub const KVM_TSS_ADDRESS: u64 = 0xfffb_d000;
/// KVM's identity-map page (just below the TSS).
pub const KVM_IDENTITY_MAP_ADDRESS: u64 = 0xfffb_c000;

/// The guest RAM ranges (start, length) for `mem_size` bytes of RAM.
///
/// ```
/// use cr_vmm::arch::layout::{ram_ranges, RAM_ABOVE_GAP_START};
/// assert_eq!(ram_ranges(128 << 20), vec![(0, 128 << 20)]);
/// let r = ram_ranges(4 << 30);
/// assert_eq!(r[1], (RAM_ABOVE_GAP_START, 1 << 30));
/// ```
pub fn ram_ranges(mem_size: u64) -> Vec<(u64, u64)> {
    if mem_size <= MMIO_GAP_START {
        vec![(0, mem_size)]
    } else {
        vec![
            (0, MMIO_GAP_START),
            (RAM_ABOVE_GAP_START, mem_size - MMIO_GAP_START),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn boot_structures_do_not_overlap() {
        let mut areas = [
            (BOOT_GDT_START, 0x20),
            (BOOT_IDT_START, 0x8),
            (ZERO_PAGE_START, 0x1000),
            (PML4_START, 0x1000),
            (PDPTE_START, 0x1000),
            (PDE_START, 0x1000),
            (CMDLINE_START, CMDLINE_MAX_SIZE as u64),
            (EBDA_START, 0x400),
        ];
        areas.sort();
        for w in areas.windows(2) {
            assert!(
                w[0].0 + w[0].1 <= w[1].0,
                "{:x?} overlaps {:x?}",
                w[0],
                w[1]
            );
        }
        const {
            assert!(
                BOOT_STACK_POINTER < PML4_START && BOOT_STACK_POINTER > ZERO_PAGE_START + 0x1000
            )
        };
    }

    #[test]
    fn ram_is_split_around_the_gap() {
        let r = ram_ranges(MMIO_GAP_START + 4096);
        assert_eq!(r, vec![(0, MMIO_GAP_START), (RAM_ABOVE_GAP_START, 4096)]);
        assert_eq!(ram_ranges(MMIO_GAP_START), vec![(0, MMIO_GAP_START)]);
    }
}
