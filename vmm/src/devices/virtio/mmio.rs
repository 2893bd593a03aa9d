//! The virtio-mmio transport (virtio 1.2, section 4.2, version 2 "modern"
//! register layout). The guest finds the device through
//! `virtio_mmio.device=4K@BASE:IRQ` on its command line ([`cmdline_arg`]).
//!
//! Queue notifications normally arrive through ioeventfds registered on the
//! QueueNotify register (one per queue, matched on the queue index); a write
//! that reaches this code anyway is forwarded to the same eventfd.

use std::sync::{Arc, Mutex};

use crate::memory::GuestMem;
use virtio_bindings::virtio_config::{
    VIRTIO_CONFIG_S_ACKNOWLEDGE, VIRTIO_CONFIG_S_DRIVER, VIRTIO_CONFIG_S_DRIVER_OK,
    VIRTIO_CONFIG_S_FAILED, VIRTIO_CONFIG_S_FEATURES_OK, VIRTIO_CONFIG_S_NEEDS_RESET,
};
use virtio_bindings::virtio_mmio::*;
use virtio_queue::{Queue, QueueT};
use vmm_sys_util::eventfd::EventFd;

use super::{Interrupt, QueueSnapshot, VirtioDevice};
use crate::devices::bus::{lock, BusDevice};
use crate::persist::PersistError;

/// The transport's registers as saved in a snapshot.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct MmioState {
    /// DeviceFeaturesSel.
    pub device_features_sel: u32,
    /// DriverFeaturesSel.
    pub driver_features_sel: u32,
    /// The features the driver wrote.
    pub driver_features: u64,
    /// QueueSel.
    pub queue_sel: u32,
    /// Status.
    pub status: u32,
    /// ConfigGeneration.
    pub config_generation: u32,
    /// InterruptStatus.
    pub interrupt_status: u32,
    /// Each queue's setup as the driver wrote it.
    pub queues: Vec<QueueSnapshot>,
}

/// Size of one device's register window.
pub const MMIO_LEN: u64 = 0x1000;
/// "virt" in little-endian.
const MAGIC: u32 = 0x7472_6976;
/// Vendor ID reported to the guest.
const VENDOR_ID: u32 = 0;

/// The kernel command-line argument that announces a device.
///
/// ```
/// use cr_vmm::devices::virtio::mmio::cmdline_arg;
/// assert_eq!(cmdline_arg(0xd000_0000, 5), "virtio_mmio.device=4K@0xd0000000:5");
/// ```
pub fn cmdline_arg(base: u64, irq: u32) -> String {
    format!("virtio_mmio.device=4K@{base:#x}:{irq}")
}

/// One virtio device on the MMIO bus.
pub struct MmioTransport {
    device: Arc<Mutex<dyn VirtioDevice>>,
    mem: GuestMem,
    interrupt: Arc<Interrupt>,
    queues: Vec<Queue>,
    queue_evts: Vec<EventFd>,
    device_features_sel: u32,
    driver_features_sel: u32,
    driver_features: u64,
    queue_sel: u32,
    status: u32,
    config_generation: u32,
}

impl std::fmt::Debug for MmioTransport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MmioTransport")
            .field("status", &self.status)
            .field("queues", &self.queues.len())
            .finish()
    }
}

impl MmioTransport {
    /// Wraps `device`. `queue_evts[i]` is written when the guest notifies
    /// queue `i`; the caller also registers them as ioeventfds.
    pub fn new(
        device: Arc<Mutex<dyn VirtioDevice>>,
        mem: GuestMem,
        interrupt: Arc<Interrupt>,
        queue_evts: Vec<EventFd>,
    ) -> Result<Self, virtio_queue::Error> {
        let sizes = lock(&device).queue_max_sizes().to_vec();
        let queues = sizes
            .iter()
            .map(|&s| Queue::new(s))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(MmioTransport {
            device,
            mem,
            interrupt,
            queues,
            queue_evts,
            device_features_sel: 0,
            driver_features_sel: 0,
            driver_features: 0,
            queue_sel: 0,
            status: 0,
            config_generation: 0,
        })
    }

    /// The device status register.
    pub fn status(&self) -> u32 {
        self.status
    }

    /// The registers and queue setup, for a snapshot.
    pub fn save(&self) -> MmioState {
        MmioState {
            device_features_sel: self.device_features_sel,
            driver_features_sel: self.driver_features_sel,
            driver_features: self.driver_features,
            queue_sel: self.queue_sel,
            status: self.status,
            config_generation: self.config_generation,
            interrupt_status: self.interrupt.status(),
            queues: self.queues.iter().map(|q| q.state().into()).collect(),
        }
    }

    /// Puts the registers and queue setup of `s` back, without activating
    /// the device (its own queue positions are in its state).
    pub fn restore(&mut self, s: &MmioState) -> Result<(), PersistError> {
        let err = |msg: String| PersistError {
            device: "virtio-mmio",
            msg,
        };
        if s.queues.len() != self.queues.len() {
            return Err(err(format!(
                "{} queues saved, the device has {}",
                s.queues.len(),
                self.queues.len()
            )));
        }
        self.queues = s
            .queues
            .iter()
            .map(|q| q.to_queue())
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| err(e.to_string()))?;
        self.device_features_sel = s.device_features_sel;
        self.driver_features_sel = s.driver_features_sel;
        self.driver_features = s.driver_features;
        self.queue_sel = s.queue_sel;
        self.status = s.status;
        self.config_generation = s.config_generation;
        self.interrupt.set_status(s.interrupt_status);
        Ok(())
    }

    /// The interrupt line, shared with the device.
    pub fn interrupt(&self) -> Arc<Interrupt> {
        self.interrupt.clone()
    }

    fn selected_queue(&mut self) -> Option<&mut Queue> {
        self.queues.get_mut(self.queue_sel as usize)
    }

    /// Queue registers may change only between FEATURES_OK and DRIVER_OK,
    /// on a queue that is not ready yet.
    fn queue_writable(&mut self) -> bool {
        let setup = self.status & (VIRTIO_CONFIG_S_FEATURES_OK | VIRTIO_CONFIG_S_DRIVER_OK)
            == VIRTIO_CONFIG_S_FEATURES_OK;
        setup && self.selected_queue().is_some_and(|q| !q.ready())
    }

    fn update_queue(&mut self, f: impl FnOnce(&mut Queue)) {
        if self.queue_writable() {
            if let Some(q) = self.selected_queue() {
                f(q);
            }
        } else {
            crate::guest_warn!("virtio-mmio: queue register written outside queue setup; ignored");
        }
    }

    fn reset(&mut self) {
        lock(&self.device).reset();
        for q in &mut self.queues {
            q.reset();
        }
        self.interrupt.clear();
        self.device_features_sel = 0;
        self.driver_features_sel = 0;
        self.driver_features = 0;
        self.queue_sel = 0;
        self.status = 0;
    }

    fn set_status(&mut self, value: u32) {
        if value == 0 {
            self.reset();
            return;
        }
        // Bits may only be added (the spec forbids clearing them).
        if value & self.status != self.status {
            crate::guest_warn!(
                "virtio-mmio: status {value:#x} clears bits of {:#x}",
                self.status
            );
            return;
        }
        let added = value & !self.status;
        if added & VIRTIO_CONFIG_S_FEATURES_OK != 0 {
            let offered = lock(&self.device).features();
            if self.driver_features & !offered != 0 {
                crate::guest_warn!(
                    "virtio-mmio: driver accepted features the device does not offer"
                );
                self.status = value & !VIRTIO_CONFIG_S_FEATURES_OK;
                return;
            }
            lock(&self.device).ack_features(self.driver_features);
            let event_idx = self.driver_features
                & (1 << virtio_bindings::virtio_ring::VIRTIO_RING_F_EVENT_IDX)
                != 0;
            for q in &mut self.queues {
                q.set_event_idx(event_idx);
            }
        }
        self.status = value;
        let ok = VIRTIO_CONFIG_S_ACKNOWLEDGE
            | VIRTIO_CONFIG_S_DRIVER
            | VIRTIO_CONFIG_S_FEATURES_OK
            | VIRTIO_CONFIG_S_DRIVER_OK;
        if added & VIRTIO_CONFIG_S_DRIVER_OK != 0 {
            if value & ok != ok || value & VIRTIO_CONFIG_S_FAILED != 0 {
                crate::guest_warn!("virtio-mmio: DRIVER_OK without a completed setup ({value:#x})");
                self.status |= VIRTIO_CONFIG_S_NEEDS_RESET;
                return;
            }
            if let Err(e) = self.activate() {
                log::error!("virtio-mmio: cannot activate the device: {e}");
                self.status |= VIRTIO_CONFIG_S_NEEDS_RESET;
                let _ = self.interrupt.signal_config_change();
            }
        }
    }

    fn activate(&mut self) -> Result<(), String> {
        for (i, q) in self.queues.iter().enumerate() {
            if !q.ready() || !q.is_valid(&self.mem) {
                return Err(format!("queue {i} is not ready or not valid"));
            }
        }
        // The device gets its own copies; the transport keeps answering
        // register reads from its own.
        let queues = self
            .queues
            .iter()
            .map(|q| Queue::try_from(q.state()))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| e.to_string())?;
        lock(&self.device)
            .activate(self.mem.clone(), queues, self.interrupt.clone())
            .map_err(|e| e.to_string())
    }

    fn read_reg(&mut self, offset: u32) -> u32 {
        match offset {
            VIRTIO_MMIO_MAGIC_VALUE => MAGIC,
            VIRTIO_MMIO_VERSION => 2,
            VIRTIO_MMIO_DEVICE_ID => lock(&self.device).device_type(),
            VIRTIO_MMIO_VENDOR_ID => VENDOR_ID,
            VIRTIO_MMIO_DEVICE_FEATURES => {
                let f = lock(&self.device).features();
                match self.device_features_sel {
                    0 => f as u32,
                    1 => (f >> 32) as u32,
                    _ => 0,
                }
            }
            VIRTIO_MMIO_QUEUE_NUM_MAX => self.selected_queue().map_or(0, |q| q.max_size().into()),
            VIRTIO_MMIO_QUEUE_READY => self.selected_queue().map_or(0, |q| q.ready().into()),
            VIRTIO_MMIO_INTERRUPT_STATUS => self.interrupt.status(),
            VIRTIO_MMIO_STATUS => self.status,
            VIRTIO_MMIO_CONFIG_GENERATION => self.config_generation,
            _ => {
                log::debug!("virtio-mmio: read of register {offset:#x}");
                0
            }
        }
    }

    fn write_reg(&mut self, offset: u32, v: u32) {
        match offset {
            VIRTIO_MMIO_DEVICE_FEATURES_SEL => self.device_features_sel = v,
            VIRTIO_MMIO_DRIVER_FEATURES_SEL => self.driver_features_sel = v,
            VIRTIO_MMIO_DRIVER_FEATURES => {
                if self.status & VIRTIO_CONFIG_S_FEATURES_OK != 0 {
                    crate::guest_warn!("virtio-mmio: features written after FEATURES_OK; ignored");
                    return;
                }
                match self.driver_features_sel {
                    0 => {
                        self.driver_features = (self.driver_features & !0xffff_ffff) | u64::from(v)
                    }
                    1 => {
                        self.driver_features =
                            (self.driver_features & 0xffff_ffff) | (u64::from(v) << 32)
                    }
                    _ => {}
                }
            }
            VIRTIO_MMIO_QUEUE_SEL => self.queue_sel = v,
            VIRTIO_MMIO_QUEUE_NUM => self.update_queue(|q| q.set_size(v as u16)),
            VIRTIO_MMIO_QUEUE_READY => self.update_queue(|q| q.set_ready(v == 1)),
            VIRTIO_MMIO_QUEUE_NOTIFY => match self.queue_evts.get(v as usize) {
                Some(e) => {
                    if let Err(err) = e.write(1) {
                        log::error!("virtio-mmio: cannot signal queue {v}: {err}");
                    }
                }
                None => crate::guest_warn!("virtio-mmio: notify of unknown queue {v}"),
            },
            VIRTIO_MMIO_INTERRUPT_ACK => self.interrupt.ack(v),
            VIRTIO_MMIO_STATUS => self.set_status(v),
            VIRTIO_MMIO_QUEUE_DESC_LOW => {
                self.update_queue(|q| q.set_desc_table_address(Some(v), None))
            }
            VIRTIO_MMIO_QUEUE_DESC_HIGH => {
                self.update_queue(|q| q.set_desc_table_address(None, Some(v)))
            }
            VIRTIO_MMIO_QUEUE_AVAIL_LOW => {
                self.update_queue(|q| q.set_avail_ring_address(Some(v), None))
            }
            VIRTIO_MMIO_QUEUE_AVAIL_HIGH => {
                self.update_queue(|q| q.set_avail_ring_address(None, Some(v)))
            }
            VIRTIO_MMIO_QUEUE_USED_LOW => {
                self.update_queue(|q| q.set_used_ring_address(Some(v), None))
            }
            VIRTIO_MMIO_QUEUE_USED_HIGH => {
                self.update_queue(|q| q.set_used_ring_address(None, Some(v)))
            }
            _ => log::debug!("virtio-mmio: write {v:#x} to register {offset:#x}"),
        }
    }
}

impl BusDevice for MmioTransport {
    fn read(&mut self, offset: u64, data: &mut [u8]) {
        if offset >= u64::from(VIRTIO_MMIO_CONFIG) {
            lock(&self.device).read_config(offset - u64::from(VIRTIO_MMIO_CONFIG), data);
            return;
        }
        if data.len() != 4 || !offset.is_multiple_of(4) {
            crate::guest_warn!(
                "virtio-mmio: {}-byte read at {offset:#x}; registers are 32-bit",
                data.len()
            );
            data.fill(0);
            return;
        }
        let v = self.read_reg(offset as u32);
        data.copy_from_slice(&v.to_le_bytes());
    }

    fn write(&mut self, offset: u64, data: &[u8]) {
        if offset >= u64::from(VIRTIO_MMIO_CONFIG) {
            if self.status & VIRTIO_CONFIG_S_DRIVER_OK == 0 {
                lock(&self.device).write_config(offset - u64::from(VIRTIO_MMIO_CONFIG), data);
                self.config_generation = self.config_generation.wrapping_add(1);
            }
            return;
        }
        let Ok(bytes) = <[u8; 4]>::try_from(data) else {
            crate::guest_warn!(
                "virtio-mmio: {}-byte write at {offset:#x}; registers are 32-bit",
                data.len()
            );
            return;
        };
        if offset.is_multiple_of(4) {
            self.write_reg(offset as u32, u32::from_le_bytes(bytes));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::devices::virtio::ActivateError;
    use vm_memory::GuestAddress;

    #[derive(Default)]
    struct Dummy {
        acked: u64,
        activated: Option<usize>,
        resets: usize,
        config: [u8; 8],
    }

    impl VirtioDevice for Dummy {
        fn device_type(&self) -> u32 {
            19
        }
        fn queue_max_sizes(&self) -> &[u16] {
            &[16, 16]
        }
        fn features(&self) -> u64 {
            1 << 32
        }
        fn ack_features(&mut self, f: u64) {
            self.acked = f;
        }
        fn read_config(&self, offset: u64, data: &mut [u8]) {
            for (i, b) in data.iter_mut().enumerate() {
                *b = self.config.get(offset as usize + i).copied().unwrap_or(0);
            }
        }
        fn write_config(&mut self, _: u64, _: &[u8]) {}
        fn activate(
            &mut self,
            _: GuestMem,
            queues: Vec<Queue>,
            _: Arc<Interrupt>,
        ) -> Result<(), ActivateError> {
            self.activated = Some(queues.len());
            Ok(())
        }
        fn reset(&mut self) {
            self.resets += 1;
            self.activated = None;
        }
    }

    fn setup() -> (MmioTransport, Arc<Mutex<Dummy>>, EventFd) {
        let mem = GuestMem::from_ranges(&[(GuestAddress(0), 0x10000)]).unwrap();
        let dev = Arc::new(Mutex::new(Dummy {
            config: [3, 0, 0, 0, 0, 0, 0, 0],
            ..Default::default()
        }));
        let irq = EventFd::new(libc::EFD_NONBLOCK).unwrap();
        let evts = vec![
            EventFd::new(libc::EFD_NONBLOCK).unwrap(),
            EventFd::new(libc::EFD_NONBLOCK).unwrap(),
        ];
        let notify = evts[1].try_clone().unwrap();
        let t = MmioTransport::new(dev.clone(), mem, Arc::new(Interrupt::new(irq)), evts).unwrap();
        (t, dev, notify)
    }

    fn r(t: &mut MmioTransport, off: u32) -> u32 {
        let mut b = [0u8; 4];
        t.read(off.into(), &mut b);
        u32::from_le_bytes(b)
    }

    fn w(t: &mut MmioTransport, off: u32, v: u32) {
        t.write(off.into(), &v.to_le_bytes());
    }

    fn setup_queue(t: &mut MmioTransport, i: u32, base: u32) {
        w(t, VIRTIO_MMIO_QUEUE_SEL, i);
        w(t, VIRTIO_MMIO_QUEUE_NUM, 16);
        w(t, VIRTIO_MMIO_QUEUE_DESC_LOW, base);
        w(t, VIRTIO_MMIO_QUEUE_AVAIL_LOW, base + 0x1000);
        w(t, VIRTIO_MMIO_QUEUE_USED_LOW, base + 0x2000);
        w(t, VIRTIO_MMIO_QUEUE_READY, 1);
    }

    #[test]
    fn identity_registers() {
        let (mut t, _, _) = setup();
        assert_eq!(r(&mut t, VIRTIO_MMIO_MAGIC_VALUE), MAGIC);
        assert_eq!(r(&mut t, VIRTIO_MMIO_VERSION), 2);
        assert_eq!(r(&mut t, VIRTIO_MMIO_DEVICE_ID), 19);
        w(&mut t, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 1);
        assert_eq!(r(&mut t, VIRTIO_MMIO_DEVICE_FEATURES), 1);
        let mut b = [0u8; 1];
        t.read(0x100, &mut b);
        assert_eq!(b[0], 3);
        // Sub-word register reads return zero.
        let mut b2 = [0xffu8; 2];
        t.read(0, &mut b2);
        assert_eq!(b2, [0, 0]);
    }

    #[test]
    fn full_setup_activates_and_reset_deactivates() {
        let (mut t, dev, notify) = setup();
        w(&mut t, VIRTIO_MMIO_STATUS, VIRTIO_CONFIG_S_ACKNOWLEDGE);
        w(
            &mut t,
            VIRTIO_MMIO_STATUS,
            VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER,
        );
        w(&mut t, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1);
        w(&mut t, VIRTIO_MMIO_DRIVER_FEATURES, 1);
        let s = VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER | VIRTIO_CONFIG_S_FEATURES_OK;
        w(&mut t, VIRTIO_MMIO_STATUS, s);
        assert_eq!(r(&mut t, VIRTIO_MMIO_STATUS), s);
        assert_eq!(dev.lock().unwrap().acked, 1 << 32);
        // Queue registers of a missing queue read as zero.
        w(&mut t, VIRTIO_MMIO_QUEUE_SEL, 7);
        assert_eq!(r(&mut t, VIRTIO_MMIO_QUEUE_NUM_MAX), 0);
        setup_queue(&mut t, 0, 0x1000);
        setup_queue(&mut t, 1, 0x4000);
        w(&mut t, VIRTIO_MMIO_STATUS, s | VIRTIO_CONFIG_S_DRIVER_OK);
        assert_eq!(dev.lock().unwrap().activated, Some(2));
        assert_eq!(
            r(&mut t, VIRTIO_MMIO_STATUS) & VIRTIO_CONFIG_S_NEEDS_RESET,
            0
        );
        // A late queue write is ignored.
        w(&mut t, VIRTIO_MMIO_QUEUE_SEL, 0);
        w(&mut t, VIRTIO_MMIO_QUEUE_NUM, 8);
        // Notify reaches the queue's eventfd.
        w(&mut t, VIRTIO_MMIO_QUEUE_NOTIFY, 1);
        assert_eq!(notify.read().unwrap(), 1);
        w(&mut t, VIRTIO_MMIO_STATUS, 0);
        assert_eq!(dev.lock().unwrap().resets, 1);
        assert_eq!(dev.lock().unwrap().activated, None);
        assert_eq!(r(&mut t, VIRTIO_MMIO_QUEUE_READY), 0);
    }

    #[test]
    fn bad_setups_are_refused() {
        let (mut t, dev, _) = setup();
        // Unoffered feature: FEATURES_OK does not stick.
        w(&mut t, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 0);
        w(&mut t, VIRTIO_MMIO_DRIVER_FEATURES, 1);
        let s = VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER | VIRTIO_CONFIG_S_FEATURES_OK;
        w(&mut t, VIRTIO_MMIO_STATUS, s);
        assert_eq!(
            r(&mut t, VIRTIO_MMIO_STATUS) & VIRTIO_CONFIG_S_FEATURES_OK,
            0
        );
        // DRIVER_OK with queues never set up: needs reset, not activated.
        w(&mut t, VIRTIO_MMIO_STATUS, 0);
        w(&mut t, VIRTIO_MMIO_STATUS, s);
        w(&mut t, VIRTIO_MMIO_STATUS, s | VIRTIO_CONFIG_S_DRIVER_OK);
        assert_ne!(
            r(&mut t, VIRTIO_MMIO_STATUS) & VIRTIO_CONFIG_S_NEEDS_RESET,
            0
        );
        assert_eq!(dev.lock().unwrap().activated, None);
        // Queues outside guest memory are not valid either.
        w(&mut t, VIRTIO_MMIO_STATUS, 0);
        w(&mut t, VIRTIO_MMIO_STATUS, s);
        setup_queue(&mut t, 0, 0x1000);
        setup_queue(&mut t, 1, 0xfff_0000);
        w(&mut t, VIRTIO_MMIO_STATUS, s | VIRTIO_CONFIG_S_DRIVER_OK);
        assert_eq!(dev.lock().unwrap().activated, None);
        // Garbage offsets and widths do not panic.
        t.write(0x3, &[1, 2, 3]);
        t.write(0xfff, &[1]);
        let mut b = [0u8; 8];
        t.read(0x44, &mut b);
    }
}
