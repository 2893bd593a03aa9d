//! x86_64 architecture support: guest physical memory layout, the boot-time
//! CPU state (GDT, page tables, registers), CPUID, MSRs and the MP table.

pub mod cpuid;
pub mod gdt;
pub mod layout;
pub mod mptable;
pub mod msr;
pub mod regs;
