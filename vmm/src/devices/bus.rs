//! The port-I/O bus: vCPU `in`/`out` exits are routed to the device that
//! owns the port range. Unclaimed ports read as zero and ignore writes, like
//! Firecracker's bus (the guest probes many legacy ports it never gets).

use std::sync::{Arc, Mutex};

/// A device on the port-I/O bus.
pub trait PioDevice: Send {
    /// Guest reads `data.len()` bytes at `offset` from the device's base.
    fn read(&mut self, offset: u16, data: &mut [u8]);
    /// Guest writes `data` at `offset` from the device's base.
    fn write(&mut self, offset: u16, data: &[u8]);
}

/// Errors while inserting a device.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum Error {
    /// The range overlaps a device already on the bus.
    #[error("port range {base:#x}+{len} overlaps another device")]
    Overlap {
        /// First port.
        base: u16,
        /// Number of ports.
        len: u16,
    },
}

struct Entry {
    base: u16,
    len: u16,
    dev: Arc<Mutex<dyn PioDevice>>,
}

/// A set of devices keyed by port range.
#[derive(Default)]
pub struct PioBus {
    entries: Vec<Entry>,
}

impl std::fmt::Debug for PioBus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let ranges: Vec<_> = self.entries.iter().map(|e| (e.base, e.len)).collect();
        f.debug_struct("PioBus").field("ranges", &ranges).finish()
    }
}

impl PioBus {
    /// Puts `dev` at ports `base..base+len`.
    pub fn insert(
        &mut self,
        base: u16,
        len: u16,
        dev: Arc<Mutex<dyn PioDevice>>,
    ) -> Result<(), Error> {
        let end = u32::from(base) + u32::from(len);
        if self.entries.iter().any(|e| {
            u32::from(base) < u32::from(e.base) + u32::from(e.len) && u32::from(e.base) < end
        }) {
            return Err(Error::Overlap { base, len });
        }
        self.entries.push(Entry { base, len, dev });
        Ok(())
    }

    fn find(&self, port: u16) -> Option<(&Entry, u16)> {
        self.entries
            .iter()
            .find(|e| port >= e.base && u32::from(port) < u32::from(e.base) + u32::from(e.len))
            .map(|e| (e, port - e.base))
    }

    /// Handles an `in` exit. Returns false when no device owns `port`.
    pub fn read(&self, port: u16, data: &mut [u8]) -> bool {
        match self.find(port) {
            Some((e, off)) => {
                lock(&e.dev).read(off, data);
                true
            }
            None => {
                data.fill(0);
                false
            }
        }
    }

    /// Handles an `out` exit. Returns false when no device owns `port`.
    pub fn write(&self, port: u16, data: &[u8]) -> bool {
        match self.find(port) {
            Some((e, off)) => {
                lock(&e.dev).write(off, data);
                true
            }
            None => false,
        }
    }
}

/// Locks a device, recovering from a poisoned lock (a panic on another vCPU
/// thread must not take the remaining ones down with it).
pub fn lock<T: ?Sized>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Recorder(Vec<(u16, u8)>);
    impl PioDevice for Recorder {
        fn read(&mut self, offset: u16, data: &mut [u8]) {
            data.fill(offset as u8 + 1);
        }
        fn write(&mut self, offset: u16, data: &[u8]) {
            self.0.push((offset, data[0]));
        }
    }

    #[test]
    fn routes_by_range_and_offsets() {
        let dev = Arc::new(Mutex::new(Recorder(vec![])));
        let mut bus = PioBus::default();
        bus.insert(0x3f8, 8, dev.clone()).unwrap();
        assert!(bus.write(0x3fb, &[7]));
        let mut b = [0u8; 1];
        assert!(bus.read(0x3f9, &mut b));
        assert_eq!(b[0], 2);
        assert_eq!(dev.lock().unwrap().0, vec![(3, 7)]);
        b[0] = 0x55;
        assert!(!bus.read(0x2f8, &mut b));
        assert_eq!(b[0], 0);
        assert!(!bus.write(0x400, &[1]));
    }

    #[test]
    fn overlaps_are_refused() {
        let mut bus = PioBus::default();
        bus.insert(0x60, 5, Arc::new(Mutex::new(Recorder(vec![]))))
            .unwrap();
        let e = bus
            .insert(0x64, 1, Arc::new(Mutex::new(Recorder(vec![]))))
            .unwrap_err();
        assert_eq!(e, Error::Overlap { base: 0x64, len: 1 });
        bus.insert(0xffff, 1, Arc::new(Mutex::new(Recorder(vec![]))))
            .unwrap();
    }
}
