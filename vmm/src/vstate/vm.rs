//! The KVM VM: memory slots, in-kernel irqchip (PIC + IOAPIC + LAPICs) and
//! PIT, and the irqfds that deliver device interrupts.

use crate::memory::GuestMem;
use kvm_bindings::{
    kvm_clock_data, kvm_irqchip, kvm_pit_config, kvm_pit_state2, kvm_userspace_memory_region,
    KVM_IRQCHIP_IOAPIC, KVM_IRQCHIP_PIC_MASTER, KVM_IRQCHIP_PIC_SLAVE, KVM_MEM_LOG_DIRTY_PAGES,
    KVM_PIT_SPEAKER_DUMMY,
};
use kvm_ioctls::{Kvm, VmFd};
use serde::{Deserialize, Serialize};
use vm_memory::{Address, GuestMemoryBackend, GuestMemoryRegion};
use vmm_sys_util::eventfd::EventFd;

use crate::arch::layout::{KVM_IDENTITY_MAP_ADDRESS, KVM_TSS_ADDRESS};

/// Errors setting up the VM.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A KVM ioctl failed.
    #[error("KVM {what} failed: {err}")]
    Kvm {
        /// Which ioctl.
        what: &'static str,
        /// The errno.
        err: kvm_ioctls::Error,
    },
    /// A region's host address cannot be found.
    #[error("guest memory region at {0:#x} has no host mapping")]
    HostAddress(u64),
}

fn kvm(what: &'static str) -> impl FnOnce(kvm_ioctls::Error) -> Error {
    move |err| Error::Kvm { what, err }
}

/// A VM with its memory registered and its interrupt controllers created.
#[derive(Debug)]
pub struct Vm {
    fd: VmFd,
    /// Memory slot sizes, by slot number.
    slots: Vec<u64>,
    /// KVM logs the pages the vCPUs write.
    track_dirty: bool,
}

impl Vm {
    /// Creates the VM and registers every region of `mem` as a memory slot
    /// (with KVM's dirty page log when `track_dirty`).
    pub fn new(kvm_handle: &Kvm, mem: &GuestMem, track_dirty: bool) -> Result<Self, Error> {
        let fd = kvm_handle.create_vm().map_err(kvm("CREATE_VM"))?;
        let mut slots = Vec::new();
        for (slot, region) in mem.iter().enumerate() {
            let host = region
                .get_host_address(vm_memory::MemoryRegionAddress(0))
                .map_err(|_| Error::HostAddress(region.start_addr().raw_value()))?;
            let r = kvm_userspace_memory_region {
                slot: slot as u32,
                guest_phys_addr: region.start_addr().raw_value(),
                memory_size: region.len(),
                userspace_addr: host as u64,
                flags: if track_dirty {
                    KVM_MEM_LOG_DIRTY_PAGES
                } else {
                    0
                },
            };
            slots.push(region.len());
            // SAFETY: `host` is the start of a live mapping of `region.len()`
            // bytes that `mem` owns; the caller keeps `mem` alive for as long
            // as the VM runs.
            unsafe { fd.set_user_memory_region(r) }.map_err(kvm("SET_USER_MEMORY_REGION"))?;
        }
        fd.set_tss_address(KVM_TSS_ADDRESS as usize)
            .map_err(kvm("SET_TSS_ADDR"))?;
        fd.set_identity_map_address(KVM_IDENTITY_MAP_ADDRESS)
            .map_err(kvm("SET_IDENTITY_MAP_ADDR"))?;
        fd.create_irq_chip().map_err(kvm("CREATE_IRQCHIP"))?;
        let pit = kvm_pit_config {
            flags: KVM_PIT_SPEAKER_DUMMY,
            ..Default::default()
        };
        fd.create_pit2(pit).map_err(kvm("CREATE_PIT2"))?;
        Ok(Vm {
            fd,
            slots,
            track_dirty,
        })
    }

    /// Whether KVM logs the pages the vCPUs write.
    pub fn tracks_dirty_pages(&self) -> bool {
        self.track_dirty
    }

    /// KVM's dirty page bitmap of each slot (bit n of word w: page 64w+n
    /// of the slot) since the last call, which clears it.
    pub fn take_dirty_log(&self) -> Result<Vec<Vec<u64>>, Error> {
        self.slots
            .iter()
            .enumerate()
            .map(|(slot, &len)| {
                self.fd
                    .get_dirty_log(slot as u32, len as usize)
                    .map_err(kvm("GET_DIRTY_LOG"))
            })
            .collect()
    }

    /// Delivers `gsi` whenever `evt` is written.
    pub fn register_irqfd(&self, evt: &EventFd, gsi: u32) -> Result<(), Error> {
        self.fd.register_irqfd(evt, gsi).map_err(kvm("IRQFD"))
    }

    /// Writes `evt` instead of exiting to user space when the guest writes
    /// the 32-bit value `datamatch` to MMIO address `addr`.
    pub fn register_ioevent(&self, evt: &EventFd, addr: u64, datamatch: u32) -> Result<(), Error> {
        self.fd
            .register_ioevent(evt, &kvm_ioctls::IoEventAddress::Mmio(addr), datamatch)
            .map_err(kvm("IOEVENTFD"))
    }

    /// The KVM VM file descriptor.
    pub fn fd(&self) -> &VmFd {
        &self.fd
    }

    /// The interrupt controllers, the PIT and the kvmclock (the vCPUs must
    /// be paused).
    pub fn save_state(&self) -> Result<VmState, Error> {
        let chip = |id| -> Result<kvm_irqchip, Error> {
            let mut c = kvm_irqchip {
                chip_id: id,
                ..Default::default()
            };
            self.fd.get_irqchip(&mut c).map_err(kvm("GET_IRQCHIP"))?;
            Ok(c)
        };
        Ok(VmState {
            pic_master: chip(KVM_IRQCHIP_PIC_MASTER)?,
            pic_slave: chip(KVM_IRQCHIP_PIC_SLAVE)?,
            ioapic: chip(KVM_IRQCHIP_IOAPIC)?,
            pit: self.fd.get_pit2().map_err(kvm("GET_PIT2"))?,
            clock: self.fd.get_clock().map_err(kvm("GET_CLOCK"))?,
        })
    }

    /// Puts the state back into a VM created by [`Vm::new`].
    pub fn restore_state(&self, s: &VmState) -> Result<(), Error> {
        self.fd.set_pit2(&s.pit).map_err(kvm("SET_PIT2"))?;
        let clock = kvm_clock_data {
            clock: s.clock.clock,
            // Only the value: the flags KVM reports are not settable.
            flags: 0,
            ..Default::default()
        };
        self.fd.set_clock(&clock).map_err(kvm("SET_CLOCK"))?;
        for c in [&s.pic_master, &s.pic_slave, &s.ioapic] {
            self.fd.set_irqchip(c).map_err(kvm("SET_IRQCHIP"))?;
        }
        Ok(())
    }
}

/// The VM-wide KVM state of a snapshot.
#[derive(Serialize, Deserialize)]
pub struct VmState {
    /// The master 8259.
    pub pic_master: kvm_irqchip,
    /// The slave 8259.
    pub pic_slave: kvm_irqchip,
    /// The IOAPIC.
    pub ioapic: kvm_irqchip,
    /// The 8254 PIT.
    pub pit: kvm_pit_state2,
    /// kvmclock.
    pub clock: kvm_clock_data,
}

impl std::fmt::Debug for VmState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VmState")
            .field("clock", &self.clock.clock)
            .finish_non_exhaustive()
    }
}
