//! A vCPU's complete KVM state, saved into a snapshot and put back into a
//! new vCPU on restore: CPUID, MSRs (every one of KVM's index list that
//! reads back), general and special registers, FPU/XSAVE state, XCRs, the
//! LAPIC, pending events, MP state, debug registers and the TSC frequency.
//!
//! This module is the state only; the vCPU reads and writes it
//! ([`crate::vstate::vcpu::Vcpu::save_state`] and
//! [`crate::vstate::vcpu::Vcpu::from_state`]), so the dependency goes one
//! way, from the vCPU to its state.

use kvm_bindings::{
    kvm_cpuid_entry2, kvm_debugregs, kvm_lapic_state, kvm_mp_state, kvm_msr_entry, kvm_regs,
    kvm_sregs, kvm_vcpu_events, kvm_xcrs, kvm_xsave,
};
use serde::{Deserialize, Serialize};

/// MSRs read or written per KVM call.
pub const MSR_CHUNK: usize = 64;

/// Everything KVM holds for one vCPU.
#[derive(Serialize, Deserialize)]
pub struct VcpuState {
    /// The vCPU's index (and APIC ID).
    pub index: u8,
    /// CPUID as set at boot.
    pub cpuid: Vec<kvm_cpuid_entry2>,
    /// MSRs with their values.
    pub msrs: Vec<kvm_msr_entry>,
    /// General registers.
    pub regs: kvm_regs,
    /// Segment, control and descriptor-table registers.
    pub sregs: kvm_sregs,
    /// FPU, SSE, AVX... (the legacy 4 KiB XSAVE area).
    pub xsave: kvm_xsave,
    /// Extended control registers (XCR0).
    pub xcrs: kvm_xcrs,
    /// The local APIC's registers.
    pub lapic: kvm_lapic_state,
    /// Pending exceptions, interrupts, NMIs, SMIs.
    pub events: kvm_vcpu_events,
    /// Running, halted, waiting for SIPI...
    pub mp_state: kvm_mp_state,
    /// DR0-DR3, DR6, DR7.
    pub debugregs: kvm_debugregs,
    /// TSC frequency in kHz, when KVM reports it.
    pub tsc_khz: Option<u32>,
}

impl std::fmt::Debug for VcpuState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VcpuState")
            .field("index", &self.index)
            .field("rip", &format_args!("{:#x}", self.regs.rip))
            .field("msrs", &self.msrs.len())
            .finish_non_exhaustive()
    }
}
