//! A vCPU's complete KVM state, saved into a snapshot and put back into a
//! new vCPU on restore: CPUID, MSRs (every one of KVM's index list that
//! reads back), general and special registers, FPU/XSAVE state, XCRs, the
//! LAPIC, pending events, MP state, debug registers and the TSC frequency.

use kvm_bindings::{
    kvm_cpuid_entry2, kvm_debugregs, kvm_lapic_state, kvm_mp_state, kvm_msr_entry, kvm_regs,
    kvm_sregs, kvm_vcpu_events, kvm_xcrs, kvm_xsave, CpuId, Msrs,
};
use kvm_ioctls::Kvm;
use serde::{Deserialize, Serialize};

use super::vcpu::{Error, Vcpu};
use super::vm::Vm;

/// MSRs read or written per KVM call.
const MSR_CHUNK: usize = 64;

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

/// The MSRs worth saving: KVM's index list.
pub fn msr_index_list(kvm: &Kvm) -> Result<Vec<u32>, Error> {
    kvm.get_msr_index_list()
        .map(|l| l.as_slice().to_vec())
        .map_err(|err| Error::Kvm {
            index: 0,
            what: "GET_MSR_INDEX_LIST",
            err,
        })
}

impl Vcpu {
    fn kvm_err(&self, what: &'static str) -> impl Fn(kvm_ioctls::Error) -> Error + '_ {
        move |err| Error::Kvm {
            index: self.index,
            what,
            err,
        }
    }

    /// Reads the MSRs of `list` that KVM lets this vCPU read. KVM stops a
    /// batch at the first MSR it refuses; that one is skipped.
    fn read_msrs(&self, list: &[u32]) -> Result<Vec<kvm_msr_entry>, Error> {
        let mut out = Vec::with_capacity(list.len());
        let mut rest = list;
        while !rest.is_empty() {
            let chunk = &rest[..rest.len().min(MSR_CHUNK)];
            let entries: Vec<kvm_msr_entry> = chunk
                .iter()
                .map(|&index| kvm_msr_entry {
                    index,
                    ..Default::default()
                })
                .collect();
            let mut msrs = Msrs::from_entries(&entries).map_err(|_| Error::Msrs {
                index: self.index,
                set: 0,
                want: entries.len(),
            })?;
            let n = self
                .fd
                .get_msrs(&mut msrs)
                .map_err(self.kvm_err("GET_MSRS"))?;
            out.extend_from_slice(&msrs.as_slice()[..n]);
            // A short read stopped at an MSR KVM refuses: skip that one.
            let skip = if n < chunk.len() { n + 1 } else { n };
            rest = &rest[skip..];
        }
        Ok(out)
    }

    /// Completes any I/O the last exit left pending (KVM finishes an
    /// emulated port or MMIO read only on the next `KVM_RUN`), then reads
    /// the whole state. The vCPU must be parked on its own thread.
    pub fn save_state(&mut self, msr_list: &[u32]) -> Result<VcpuState, Error> {
        self.fd.set_kvm_immediate_exit(1);
        let r = self.fd.run().map(|_| ()).map_err(|e| e.errno());
        self.fd.set_kvm_immediate_exit(0);
        match r {
            Err(libc::EINTR) | Ok(()) => {}
            Err(errno) => {
                return Err(self.kvm_err("RUN (immediate exit)")(
                    kvm_ioctls::Error::new(errno),
                ))
            }
        }
        let tsc_khz = self.fd.get_tsc_khz().ok();
        Ok(VcpuState {
            index: self.index,
            cpuid: self.cpuid.as_slice().to_vec(),
            mp_state: self
                .fd
                .get_mp_state()
                .map_err(self.kvm_err("GET_MP_STATE"))?,
            regs: self.fd.get_regs().map_err(self.kvm_err("GET_REGS"))?,
            sregs: self.fd.get_sregs().map_err(self.kvm_err("GET_SREGS"))?,
            xsave: self.fd.get_xsave().map_err(self.kvm_err("GET_XSAVE"))?,
            xcrs: self.fd.get_xcrs().map_err(self.kvm_err("GET_XCRS"))?,
            debugregs: self
                .fd
                .get_debug_regs()
                .map_err(self.kvm_err("GET_DEBUGREGS"))?,
            lapic: self.fd.get_lapic().map_err(self.kvm_err("GET_LAPIC"))?,
            msrs: self.read_msrs(msr_list)?,
            events: self
                .fd
                .get_vcpu_events()
                .map_err(self.kvm_err("GET_VCPU_EVENTS"))?,
            tsc_khz,
        })
    }

    /// A new vCPU of `vm` in the state `s`, in the order Firecracker uses
    /// (CPUID first; MSRs after the LAPIC; events last).
    pub fn from_state(vm: &Vm, s: &VcpuState) -> Result<Vcpu, Error> {
        let index = s.index;
        let fd = vm
            .fd()
            .create_vcpu(u64::from(index))
            .map_err(|err| Error::Kvm {
                index,
                what: "CREATE_VCPU",
                err,
            })?;
        let cpuid = CpuId::from_entries(&s.cpuid).map_err(|_| Error::Msrs {
            index,
            set: 0,
            want: s.cpuid.len(),
        })?;
        let v = Vcpu { index, fd, cpuid };
        v.fd.set_cpuid2(&v.cpuid).map_err(v.kvm_err("SET_CPUID2"))?;
        if let Some(khz) = s.tsc_khz {
            if v.fd.get_tsc_khz().ok() != Some(khz) {
                if let Err(e) = v.fd.set_tsc_khz(khz) {
                    log::warn!("vCPU {index}: cannot set the TSC to {khz} kHz: {e}");
                }
            }
        }
        v.fd.set_mp_state(s.mp_state)
            .map_err(v.kvm_err("SET_MP_STATE"))?;
        v.fd.set_regs(&s.regs).map_err(v.kvm_err("SET_REGS"))?;
        v.fd.set_sregs(&s.sregs).map_err(v.kvm_err("SET_SREGS"))?;
        // SAFETY: the XSAVE area comes from KVM_GET_XSAVE of a vCPU with the
        // same CPUID (checked against this host before restore).
        unsafe { v.fd.set_xsave(&s.xsave) }.map_err(v.kvm_err("SET_XSAVE"))?;
        v.fd.set_xcrs(&s.xcrs).map_err(v.kvm_err("SET_XCRS"))?;
        v.fd.set_debug_regs(&s.debugregs)
            .map_err(v.kvm_err("SET_DEBUGREGS"))?;
        v.fd.set_lapic(&s.lapic).map_err(v.kvm_err("SET_LAPIC"))?;
        for chunk in s.msrs.chunks(MSR_CHUNK) {
            let msrs = Msrs::from_entries(chunk).map_err(|_| Error::Msrs {
                index,
                set: 0,
                want: chunk.len(),
            })?;
            let set = v.fd.set_msrs(&msrs).map_err(v.kvm_err("SET_MSRS"))?;
            if set != chunk.len() {
                return Err(Error::Msrs {
                    index,
                    set,
                    want: chunk.len(),
                });
            }
        }
        v.fd.set_vcpu_events(&s.events)
            .map_err(v.kvm_err("SET_VCPU_EVENTS"))?;
        Ok(v)
    }
}
