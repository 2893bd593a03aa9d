//! The port-I/O and MMIO buses: vCPU `in`/`out` and MMIO exits are routed to
//! the device that owns the address range. Unclaimed addresses read as zero
//! and ignore writes, like Firecracker's bus (the guest probes many legacy
//! ports it never gets).

use std::sync::{Arc, Mutex};

/// A device on a bus (port I/O or MMIO).
pub trait BusDevice: Send {
    /// Guest reads `data.len()` bytes at `offset` from the device's base.
    fn read(&mut self, offset: u64, data: &mut [u8]);
    /// Guest writes `data` at `offset` from the device's base.
    fn write(&mut self, offset: u64, data: &[u8]);
}

/// Errors while inserting a device.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum Error {
    /// The range overlaps a device already on the bus, or wraps around.
    #[error("address range {base:#x}+{len:#x} overlaps another device")]
    Overlap {
        /// First address.
        base: u64,
        /// Length of the range.
        len: u64,
    },
}

struct Entry {
    base: u64,
    len: u64,
    dev: Arc<Mutex<dyn BusDevice>>,
}

/// A set of devices keyed by address range.
#[derive(Default)]
pub struct Bus {
    entries: Vec<Entry>,
}

impl std::fmt::Debug for Bus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let ranges: Vec<_> = self.entries.iter().map(|e| (e.base, e.len)).collect();
        f.debug_struct("Bus").field("ranges", &ranges).finish()
    }
}

impl Bus {
    /// Puts `dev` at addresses `base..base+len`.
    pub fn insert(
        &mut self,
        base: u64,
        len: u64,
        dev: Arc<Mutex<dyn BusDevice>>,
    ) -> Result<(), Error> {
        let end = base.checked_add(len).ok_or(Error::Overlap { base, len })?;
        if len == 0
            || self
                .entries
                .iter()
                .any(|e| base < e.base + e.len && e.base < end)
        {
            return Err(Error::Overlap { base, len });
        }
        self.entries.push(Entry { base, len, dev });
        Ok(())
    }

    fn find(&self, addr: u64) -> Option<(&Entry, u64)> {
        self.entries
            .iter()
            .find(|e| addr >= e.base && addr - e.base < e.len)
            .map(|e| (e, addr - e.base))
    }

    /// Handles a read exit. Returns false when no device owns `addr`.
    pub fn read(&self, addr: u64, data: &mut [u8]) -> bool {
        match self.find(addr) {
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

    /// Handles a write exit. Returns false when no device owns `addr`.
    pub fn write(&self, addr: u64, data: &[u8]) -> bool {
        match self.find(addr) {
            Some((e, off)) => {
                lock(&e.dev).write(off, data);
                true
            }
            None => false,
        }
    }
}

/// The buses a vCPU exit can reach: port I/O and MMIO.
#[derive(Debug, Default)]
pub struct Buses {
    /// `in`/`out` ports.
    pub pio: Bus,
    /// Memory-mapped I/O (the virtio-mmio window).
    pub mmio: Bus,
}

/// Locks a device, recovering from a poisoned lock (a panic on another vCPU
/// thread must not take the remaining ones down with it).
pub fn lock<T: ?Sized>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Recorder(Vec<(u64, u8)>);
    impl BusDevice for Recorder {
        fn read(&mut self, offset: u64, data: &mut [u8]) {
            data.fill(offset as u8 + 1);
        }
        fn write(&mut self, offset: u64, data: &[u8]) {
            self.0.push((offset, data[0]));
        }
    }

    #[test]
    fn routes_by_range_and_offsets() {
        let dev = Arc::new(Mutex::new(Recorder(vec![])));
        let mut bus = Bus::default();
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
        let mut bus = Bus::default();
        bus.insert(0x60, 5, Arc::new(Mutex::new(Recorder(vec![]))))
            .unwrap();
        let e = bus
            .insert(0x64, 1, Arc::new(Mutex::new(Recorder(vec![]))))
            .unwrap_err();
        assert_eq!(e, Error::Overlap { base: 0x64, len: 1 });
        bus.insert(0xffff, 1, Arc::new(Mutex::new(Recorder(vec![]))))
            .unwrap();
        assert!(bus
            .insert(u64::MAX, 2, Arc::new(Mutex::new(Recorder(vec![]))))
            .is_err());
        assert!(bus
            .insert(0x1000, 0, Arc::new(Mutex::new(Recorder(vec![]))))
            .is_err());
    }
}
