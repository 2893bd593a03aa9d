//! Emulated devices, the port-I/O and MMIO buses they sit on, and the
//! virtio devices with their MMIO transport.

pub mod bus;
pub mod i8042;
pub mod serial;
pub mod virtio;

use vmm_sys_util::eventfd::EventFd;

/// An `EventFd` as a vm-superio interrupt/reset trigger.
#[derive(Debug)]
pub struct EventFdTrigger(pub EventFd);

impl vm_superio::Trigger for EventFdTrigger {
    type E = std::io::Error;

    fn trigger(&self) -> std::io::Result<()> {
        self.0.write(1)
    }
}
