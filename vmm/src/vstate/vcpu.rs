//! vCPUs: boot-time configuration and the run loop, one thread per vCPU.
//!
//! Port I/O exits are served on the vCPU thread through the shared
//! [`Buses`]. A vCPU thread ends when the guest resets, shuts down or fails,
//! reporting why through a channel and an eventfd the event loop watches, or
//! when the VMM asks every vCPU to stop (a flag plus a signal that kicks the
//! thread out of `KVM_RUN`).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::Sender;
use std::sync::{Arc, Mutex, Once};
use std::thread::JoinHandle;

use kvm_bindings::{
    kvm_msr_entry, CpuId, Msrs, KVM_SYSTEM_EVENT_CRASH, KVM_SYSTEM_EVENT_RESET,
    KVM_SYSTEM_EVENT_SHUTDOWN,
};
use kvm_ioctls::{Kvm, VcpuExit, VcpuFd};
use vm_memory::GuestAddress;
use vmm_sys_util::eventfd::EventFd;
use vmm_sys_util::signal::{register_signal_handler, SIGRTMIN};

use crate::arch::{cpuid, msr, regs};
use crate::devices::bus::{lock, Buses};
use crate::vstate::pause::PauseGate;
use crate::vstate::vcpu_state::{VcpuState, MSR_CHUNK};
use crate::vstate::vm::Vm;

/// The signal that kicks a vCPU thread out of `KVM_RUN`.
pub fn kick_signal() -> i32 {
    SIGRTMIN()
}

/// Errors configuring a vCPU.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A KVM ioctl failed.
    #[error("vCPU {index}: KVM {what} failed: {err}")]
    Kvm {
        /// The vCPU.
        index: u8,
        /// Which ioctl.
        what: &'static str,
        /// The errno.
        err: kvm_ioctls::Error,
    },
    /// KVM did not take every boot MSR.
    #[error("vCPU {index}: KVM accepted {set} of {want} boot MSRs")]
    Msrs {
        /// The vCPU.
        index: u8,
        /// How many were set.
        set: usize,
        /// How many were given.
        want: usize,
    },
    /// The kick signal handler cannot be installed.
    #[error("cannot install the vCPU kick signal handler: {0}")]
    Signal(vmm_sys_util::errno::Error),
    /// The vCPU thread cannot be started.
    #[error("cannot start vCPU {0} thread: {1}")]
    Spawn(u8, std::io::Error),
}

/// Why a vCPU stopped running.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VcpuExitReason {
    /// The guest asked for a reset (or triple-faulted, which is how a
    /// `reboot=t` guest reboots).
    Reset(&'static str),
    /// The guest powered off.
    Shutdown,
    /// KVM reported a guest crash.
    Crash(String),
    /// KVM or the VMM failed.
    Error(String),
    /// The VMM asked the vCPU to stop.
    Stopped,
}

/// Where parked vCPU threads put their state when the gate's job asks for
/// it (a snapshot): one slot per vCPU.
#[derive(Debug)]
pub struct SaveSlots {
    /// The MSRs to save.
    pub msr_list: Vec<u32>,
    /// The states, by vCPU index.
    pub states: Mutex<Vec<Option<Result<VcpuState, String>>>>,
}

impl SaveSlots {
    /// Slots for `n` vCPUs.
    pub fn new(n: usize, msr_list: Vec<u32>) -> Self {
        SaveSlots {
            msr_list,
            states: Mutex::new((0..n).map(|_| None).collect()),
        }
    }
}

/// One vCPU, configured and ready to run.
#[derive(Debug)]
pub struct Vcpu {
    pub(crate) index: u8,
    pub(crate) fd: VcpuFd,
    /// The CPUID it was given (saved in snapshots).
    pub(crate) cpuid: kvm_bindings::CpuId,
}

impl Vcpu {
    /// Creates vCPU `index` of `count` with CPUID, MSRs and LAPIC set up.
    /// The boot vCPU (index 0) gets `entry`; application processors wait in
    /// KVM for the guest's INIT/SIPI.
    pub fn new(
        kvm: &Kvm,
        vm: &Vm,
        index: u8,
        count: u8,
        entry: GuestAddress,
    ) -> Result<Self, Error> {
        let err = |what| move |err| Error::Kvm { index, what, err };
        let fd = vm
            .fd()
            .create_vcpu(u64::from(index))
            .map_err(err("CREATE_VCPU"))?;

        let mut id = kvm
            .get_supported_cpuid(kvm_bindings::KVM_MAX_CPUID_ENTRIES)
            .map_err(err("GET_SUPPORTED_CPUID"))?;
        let tsc_deadline = kvm.check_extension(kvm_ioctls::Cap::TscDeadlineTimer);
        cpuid::normalize(&mut id, index, count, tsc_deadline);
        fd.set_cpuid2(&id).map_err(err("SET_CPUID2"))?;

        let msrs = msr::boot_msrs().map_err(|_| Error::Msrs {
            index,
            set: 0,
            want: msr::boot_msr_entries().len(),
        })?;
        let set = fd.set_msrs(&msrs).map_err(err("SET_MSRS"))?;
        if set != msrs.as_slice().len() {
            return Err(Error::Msrs {
                index,
                set,
                want: msrs.as_slice().len(),
            });
        }

        let mut lapic = fd.get_lapic().map_err(err("GET_LAPIC"))?;
        regs::set_lint(&mut lapic);
        fd.set_lapic(&lapic).map_err(err("SET_LAPIC"))?;

        if index == 0 {
            fd.set_fpu(&regs::boot_fpu()).map_err(err("SET_FPU"))?;
            fd.set_regs(&regs::boot_regs(entry.0))
                .map_err(err("SET_REGS"))?;
            let mut sregs = fd.get_sregs().map_err(err("GET_SREGS"))?;
            regs::set_long_mode_sregs(&mut sregs);
            fd.set_sregs(&sregs).map_err(err("SET_SREGS"))?;
        }
        Ok(Vcpu {
            index,
            fd,
            cpuid: id,
        })
    }

    /// This vCPU's index (and APIC ID).
    pub fn index(&self) -> u8 {
        self.index
    }

    /// Starts the vCPU on its own thread. When it stops it sends its index
    /// and reason on `exits` and writes `exit_evt`.
    pub fn spawn(
        self,
        bus: Arc<Buses>,
        stop: Arc<AtomicBool>,
        gate: Arc<PauseGate>,
        saves: Arc<SaveSlots>,
        exits: Sender<(u8, VcpuExitReason)>,
        exit_evt: EventFd,
    ) -> Result<JoinHandle<()>, Error> {
        install_kick_handler()?;
        let index = self.index;
        std::thread::Builder::new()
            .name(format!("vcpu{index}"))
            .spawn(move || {
                let reason = match crate::seccomp::enter(crate::seccomp::ThreadKind::Vcpu) {
                    Ok(()) => self.run_loop(&bus, &stop, &gate, &saves),
                    Err(e) => VcpuExitReason::Error(e.to_string()),
                };
                // The receiver may already be gone when the VMM is exiting.
                let _ = exits.send((index, reason));
                let _ = exit_evt.write(1);
            })
            .map_err(|e| Error::Spawn(index, e))
    }

    /// Re-enters `KVM_RUN` without letting the guest run, so that KVM
    /// finishes the port or MMIO access of the last exit. Until then the
    /// vCPU's registers lack its result (an `in` has not written RAX, the
    /// instruction pointer has not moved on), and state saved meanwhile
    /// would replay or lose the access on restore (KVM API, "The kvm_run
    /// structure"; Cloud Hypervisor does the same before pausing). A string
    /// instruction may need more accesses: each is handled on the bus.
    fn complete_io(&mut self, bus: &Buses) {
        self.fd.set_kvm_immediate_exit(1);
        for _ in 0..1024 {
            match self.fd.run() {
                Ok(exit) => {
                    if !handle_io(self.index, bus, exit) {
                        log::warn!(
                            "vcpu{}: unexpected exit while completing an I/O access",
                            self.index
                        );
                        break;
                    }
                }
                Err(e) if e.errno() == libc::EINTR || e.errno() == libc::EAGAIN => break,
                Err(e) => {
                    log::warn!("vcpu{}: completing an I/O access: {e}", self.index);
                    break;
                }
            }
        }
        self.fd.set_kvm_immediate_exit(0);
    }

    fn run_loop(
        mut self,
        bus: &Buses,
        stop: &AtomicBool,
        gate: &PauseGate,
        saves: &SaveSlots,
    ) -> VcpuExitReason {
        // The last exit was a port or MMIO access that KVM completes on the
        // next KVM_RUN.
        let mut io_pending = false;
        loop {
            if gate.requested() {
                if std::mem::take(&mut io_pending) {
                    self.complete_io(bus);
                }
                gate.park(stop, || {
                    let r = self.save_state(&saves.msr_list).map_err(|e| e.to_string());
                    if let Some(slot) = lock(&saves.states).get_mut(usize::from(self.index)) {
                        *slot = Some(r);
                    }
                });
            }
            if stop.load(Ordering::Acquire) {
                return VcpuExitReason::Stopped;
            }
            let index = self.index;
            match self.fd.run() {
                Ok(
                    exit @ (VcpuExit::IoOut(..)
                    | VcpuExit::IoIn(..)
                    | VcpuExit::MmioRead(..)
                    | VcpuExit::MmioWrite(..)),
                ) => {
                    handle_io(index, bus, exit);
                    io_pending = true;
                }
                Ok(VcpuExit::Hlt) => {
                    // With the in-kernel irqchip KVM handles HLT itself; an
                    // HLT exit means a halted CPU that nothing can wake.
                    return VcpuExitReason::Error(format!(
                        "vCPU {} halted with interrupts that cannot wake it",
                        self.index
                    ));
                }
                Ok(VcpuExit::Shutdown) => return VcpuExitReason::Reset("triple fault"),
                Ok(VcpuExit::SystemEvent(kind, _)) => {
                    return match kind {
                        KVM_SYSTEM_EVENT_SHUTDOWN => VcpuExitReason::Shutdown,
                        KVM_SYSTEM_EVENT_RESET => VcpuExitReason::Reset("system reset"),
                        KVM_SYSTEM_EVENT_CRASH => {
                            VcpuExitReason::Crash("KVM reported a guest crash".into())
                        }
                        other => VcpuExitReason::Error(format!("unknown system event {other}")),
                    }
                }
                Ok(VcpuExit::FailEntry(reason, cpu)) => {
                    return VcpuExitReason::Error(format!(
                    "vCPU {} failed to enter the guest (hardware reason {reason:#x}, cpu {cpu})",
                    self.index
                ))
                }
                Ok(VcpuExit::InternalError) => {
                    return VcpuExitReason::Error(format!(
                        "vCPU {}: KVM internal error (an instruction KVM cannot emulate?)",
                        self.index
                    ))
                }
                Ok(other) => {
                    return VcpuExitReason::Error(format!(
                        "vCPU {}: unexpected exit {other:?}",
                        self.index
                    ))
                }
                Err(e) if e.errno() == libc::EINTR || e.errno() == libc::EAGAIN => {
                    io_pending = false;
                    self.fd.set_kvm_immediate_exit(0);
                }
                Err(e) => {
                    return VcpuExitReason::Error(format!(
                        "vCPU {}: KVM_RUN failed: {e}",
                        self.index
                    ))
                }
            }
        }
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

/// Saving and restoring a vCPU's [`VcpuState`].
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

/// Hands a port or MMIO exit to the bus; false for any other exit.
fn handle_io(index: u8, bus: &Buses, exit: VcpuExit) -> bool {
    match exit {
        VcpuExit::IoOut(port, data) => {
            bus.pio.write(u64::from(port), data);
        }
        VcpuExit::IoIn(port, data) => {
            bus.pio.read(u64::from(port), data);
        }
        VcpuExit::MmioRead(addr, data) => {
            if !bus.mmio.read(addr, data) {
                log::debug!("vcpu{index}: read of unmapped MMIO {addr:#x}");
                data.fill(0xff);
            }
        }
        VcpuExit::MmioWrite(addr, data) => {
            if !bus.mmio.write(addr, data) {
                log::debug!("vcpu{index}: write to unmapped MMIO {addr:#x}");
            }
        }
        _ => return false,
    }
    true
}

extern "C" fn kick_handler(_: libc::c_int, _: *mut libc::siginfo_t, _: *mut libc::c_void) {}

fn install_kick_handler() -> Result<(), Error> {
    static ONCE: Once = Once::new();
    let mut result = Ok(());
    ONCE.call_once(|| {
        result = register_signal_handler(kick_signal(), kick_handler).map_err(Error::Signal);
    });
    result
}
