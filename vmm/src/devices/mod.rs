//! Emulated devices, the port-I/O and MMIO buses they sit on, and the
//! virtio devices with their MMIO transport.

/// `log::warn!` for what a guest can trigger at will (bad register
/// accesses, bad descriptors): each call site logs its first 10 events,
/// then only the 2^k-th ones with their count, so a hostile guest cannot
/// flood the host's log.
#[macro_export]
macro_rules! guest_warn {
    ($($arg:tt)+) => {{
        static SEEN: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let n = SEEN.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
        if n <= 10 || n.is_power_of_two() {
            if n > 10 {
                log::warn!("{} (seen {n} times)", format_args!($($arg)+));
            } else {
                log::warn!($($arg)+);
            }
        }
    }};
}

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
