//! The i8042 keyboard controller, only for its CPU reset line: the guest
//! reboots with `reboot=k` by writing 0xfe to port 0x64, and the VMM exits.

use vm_superio::I8042Device;
use vmm_sys_util::eventfd::EventFd;

use super::bus::BusDevice;
use super::EventFdTrigger;

/// First port of the controller (data port 0x60, command port 0x64).
pub const I8042_BASE: u64 = 0x60;
/// Ports covered (0x60..=0x64).
pub const I8042_LEN: u64 = 5;

/// The i8042 on the port bus.
#[derive(Debug)]
pub struct I8042 {
    inner: I8042Device<EventFdTrigger>,
}

impl I8042 {
    /// A controller that signals `reset_evt` when the guest resets the CPU.
    pub fn new(reset_evt: EventFd) -> Self {
        I8042 {
            inner: I8042Device::new(EventFdTrigger(reset_evt)),
        }
    }
}

impl BusDevice for I8042 {
    fn read(&mut self, offset: u64, data: &mut [u8]) {
        if let Some(b) = data.first_mut() {
            *b = self.inner.read(offset as u8);
        }
    }

    fn write(&mut self, offset: u64, data: &[u8]) {
        if let Some(b) = data.first() {
            // A failed eventfd write only loses the reset; log it.
            if let Err(e) = self.inner.write(offset as u8, *b) {
                log::error!("i8042: cannot signal reset: {e}");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reset_command_signals_the_event() {
        let evt = EventFd::new(libc::EFD_NONBLOCK).unwrap();
        let mut dev = I8042::new(evt.try_clone().unwrap());
        dev.write(4, &[0x12]);
        assert!(evt.read().is_err(), "only 0xfe resets");
        dev.write(4, &[0xfe]);
        assert_eq!(evt.read().unwrap(), 1);
    }
}
