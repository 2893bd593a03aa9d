//! The Intel MultiProcessor Specification 1.4 table, through which the guest
//! finds its vCPUs, the IOAPIC and the ISA interrupt routing.
//!
//! The table goes at the start of the EBDA: a floating pointer, then the
//! configuration table with processor, bus, IOAPIC, I/O interrupt and local
//! interrupt entries.

use crate::memory::GuestMem;
use vm_memory::{Bytes, GuestAddress};

use super::layout::{APIC_START, EBDA_START, IOAPIC_START};

/// Most vCPUs the table (and the 1 KiB EBDA it lives in) can describe.
pub const MAX_CPUS: u8 = 32;
/// IOAPIC pins routed to ISA interrupts.
const IOAPIC_PINS: u8 = 24;
const APIC_VERSION: u8 = 0x14;
const IOAPIC_VERSION: u8 = 0x11;
const CPU_SIGNATURE: u32 = 0x600;
const CPU_FEATURES: u32 = 0x201; // FPU | APIC

/// Errors while building the MP table.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum Error {
    /// More vCPUs than the table can hold.
    #[error("{0} vCPUs requested, the MP table holds at most {MAX_CPUS}")]
    TooManyCpus(u8),
    /// No vCPU at all.
    #[error("the MP table needs at least one vCPU")]
    NoCpus,
    /// Guest memory does not hold the EBDA.
    #[error("cannot write the MP table into guest memory")]
    Write,
}

fn checksum(bytes: &[u8]) -> u8 {
    0u8.wrapping_sub(bytes.iter().fold(0u8, |a, b| a.wrapping_add(*b)))
}

/// Builds the MP floating pointer and configuration table for `num_cpus`,
/// as they must appear in guest memory at [`EBDA_START`].
pub fn build(num_cpus: u8) -> Result<Vec<u8>, Error> {
    if num_cpus == 0 {
        return Err(Error::NoCpus);
    }
    if num_cpus > MAX_CPUS {
        return Err(Error::TooManyCpus(num_cpus));
    }
    let ioapic_id = num_cpus + 1;
    let table_addr = EBDA_START as u32 + 16;

    let mut entries = Vec::new();
    let mut count: u16 = 0;
    for cpu in 0..num_cpus {
        entries.extend_from_slice(&[0, cpu, APIC_VERSION, 1 | if cpu == 0 { 2 } else { 0 }]);
        entries.extend_from_slice(&CPU_SIGNATURE.to_le_bytes());
        entries.extend_from_slice(&CPU_FEATURES.to_le_bytes());
        entries.extend_from_slice(&[0; 8]);
        count += 1;
    }
    // Bus 0: ISA.
    entries.extend_from_slice(&[1, 0]);
    entries.extend_from_slice(b"ISA   ");
    count += 1;
    // The IOAPIC.
    entries.extend_from_slice(&[2, ioapic_id, IOAPIC_VERSION, 1]);
    entries.extend_from_slice(&(IOAPIC_START as u32).to_le_bytes());
    count += 1;
    // ISA IRQ n -> IOAPIC pin n, default polarity and trigger.
    for irq in 0..IOAPIC_PINS {
        entries.extend_from_slice(&[3, 0, 0, 0, 0, irq, ioapic_id, irq]);
        count += 1;
    }
    // LINT0 = ExtINT, LINT1 = NMI on every local APIC.
    entries.extend_from_slice(&[4, 3, 0, 0, 0, 0, 0xff, 0]);
    entries.extend_from_slice(&[4, 1, 0, 0, 0, 0, 0xff, 1]);
    count += 2;

    let mut table = Vec::with_capacity(44 + entries.len());
    table.extend_from_slice(b"PCMP");
    table.extend_from_slice(&((44 + entries.len()) as u16).to_le_bytes());
    table.push(4); // spec revision 1.4
    table.push(0); // checksum, below
    table.extend_from_slice(b"CR-VMM  ");
    table.extend_from_slice(b"000000000000");
    table.extend_from_slice(&0u32.to_le_bytes()); // OEM table pointer
    table.extend_from_slice(&0u16.to_le_bytes()); // OEM table size
    table.extend_from_slice(&count.to_le_bytes());
    table.extend_from_slice(&(APIC_START as u32).to_le_bytes());
    table.extend_from_slice(&0u32.to_le_bytes()); // extended table length + checksum + reserved
    table.extend_from_slice(&entries);
    table[7] = checksum(&table);

    let mut out = Vec::with_capacity(16 + table.len());
    out.extend_from_slice(b"_MP_");
    out.extend_from_slice(&table_addr.to_le_bytes());
    out.extend_from_slice(&[1, 4, 0, 0, 0, 0, 0, 0]);
    out[10] = checksum(&out[..16]);
    out.extend_from_slice(&table);
    Ok(out)
}

/// Writes the MP table for `num_cpus` into guest memory.
pub fn setup(mem: &GuestMem, num_cpus: u8) -> Result<(), Error> {
    let bytes = build(num_cpus)?;
    mem.write_slice(&bytes, GuestAddress(EBDA_START))
        .map_err(|_| Error::Write)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sum(b: &[u8]) -> u8 {
        b.iter().fold(0u8, |a, x| a.wrapping_add(*x))
    }

    #[test]
    fn checksums_are_valid() {
        for n in [1, 2, 8, MAX_CPUS] {
            let t = build(n).unwrap();
            assert_eq!(&t[0..4], b"_MP_");
            assert_eq!(sum(&t[..16]), 0);
            let len = u16::from_le_bytes([t[20], t[21]]) as usize;
            assert_eq!(16 + len, t.len());
            assert_eq!(sum(&t[16..]), 0);
            assert!(t.len() <= 1024, "{n} cpus do not fit in the EBDA");
            let count = u16::from_le_bytes([t[16 + 34], t[16 + 35]]);
            assert_eq!(count, u16::from(n) + 2 + 24 + 2);
        }
    }

    #[test]
    fn cpu_entries_mark_the_bsp() {
        let t = build(2).unwrap();
        let first = 16 + 44;
        assert_eq!(&t[first..first + 4], &[0, 0, APIC_VERSION, 3]);
        assert_eq!(&t[first + 20..first + 24], &[0, 1, APIC_VERSION, 1]);
    }

    #[test]
    fn rejects_bad_counts() {
        assert_eq!(build(0), Err(Error::NoCpus));
        assert_eq!(build(MAX_CPUS + 1), Err(Error::TooManyCpus(MAX_CPUS + 1)));
    }
}
