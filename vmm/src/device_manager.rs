//! Builds a machine's devices and wires them to the VM: the serial console
//! and i8042 on the port-I/O bus, and the virtio devices on the MMIO bus,
//! one slot each ([`crate::arch::layout::virtio_slot`]: the vsock device
//! in slot 0, drives from slot 1), with their queue notifications as
//! ioeventfds and their interrupts as irqfds. Fresh, or from the states a
//! snapshot saved.

use std::io::Write;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use vmm_sys_util::eventfd::EventFd;

use crate::arch::layout::{virtio_slot, FIRST_DRIVE_SLOT, FIRST_NET_SLOT, VSOCK_SLOT};
use crate::devices::bus::{self, lock, Buses};
use crate::devices::i8042::{I8042, I8042_BASE, I8042_LEN};
use crate::devices::serial::{
    ConsoleOutput, ConsoleWatch, SerialDevice, SerialState, COM1_BASE, COM1_IRQ, COM1_LEN,
};
use crate::devices::virtio::block::disk::Disk;
use crate::devices::virtio::block::{Block, BlockSnapshot};
use crate::devices::virtio::mmio::{self, MmioState, MmioTransport};
use crate::devices::virtio::net::{Net, NetSnapshot};
use crate::devices::virtio::vsock::{Vsock, VsockSnapshot};
use crate::devices::virtio::{Interrupt, QueueSnapshot, VirtioDevice};
use crate::memory::GuestMem;
use crate::persist::Persist;
use crate::snapshot::take::{BlockParts, NetParts, VsockParts};
use crate::vstate::vm;

/// Why the devices could not be built.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A device, its host resources or its saved state.
    #[error("device setup: {0}")]
    Device(String),
    /// Registering an irqfd or ioeventfd with the VM.
    #[error(transparent)]
    Vm(#[from] vm::Error),
}

pub(crate) fn evt() -> Result<EventFd, Error> {
    EventFd::new(libc::EFD_NONBLOCK).map_err(|e| Error::Device(format!("eventfd: {e}")))
}

pub(crate) fn clone_evt(e: &EventFd) -> Result<EventFd, Error> {
    e.try_clone()
        .map_err(|e| Error::Device(format!("eventfd: {e}")))
}

/// The devices of a machine and the host ends of their events.
pub(crate) struct Devices {
    pub serial: Arc<Mutex<SerialDevice>>,
    pub watch: Arc<Mutex<ConsoleWatch>>,
    pub input_drained: EventFd,
    pub halt_evt: EventFd,
    pub reset_evt: EventFd,
    pub buses: Arc<Buses>,
    pub vsock: Option<VsockParts>,
    pub blocks: Vec<BlockParts>,
    pub net: Option<NetParts>,
}

/// How to build the vsock device: fresh, or from a snapshot.
pub(crate) enum VsockSetup<'a> {
    New(&'a crate::config::VsockConfig),
    Restore(&'a VsockSnapshot, PathBuf),
}

/// How to build a drive: on an open file, or restored (its file opened
/// and checked by [`Persist::restore`]) with the transport's saved state.
pub(crate) enum BlockSetup<'a> {
    New(Disk),
    Restore(Block, &'a BlockSnapshot),
}

/// How to build the network device: on an open tap, or restored (tap
/// attached by [`Persist::restore`]) with the transport's saved state.
pub(crate) enum NetSetup<'a> {
    New(Net),
    Restore(Net, &'a NetSnapshot),
}

/// The kernel command-line arguments that announce the virtio devices:
/// the vsock device (if any), `drives` drives and the network device (if
/// any).
///
/// ```
/// let a = cr_vmm::device_manager::cmdline_args(true, 1, false).unwrap();
/// assert_eq!(a, "virtio_mmio.device=4K@0xd0000000:5 virtio_mmio.device=4K@0xd0001000:6");
/// ```
pub fn cmdline_args(vsock: bool, drives: usize, net: bool) -> Result<String, Error> {
    let mut slots = Vec::new();
    if vsock {
        slots.push(VSOCK_SLOT);
    }
    slots.extend((0..drives as u32).map(|i| FIRST_DRIVE_SLOT + i));
    if net {
        slots.push(FIRST_NET_SLOT);
    }
    let mut args = Vec::new();
    for s in slots {
        let (base, irq) = slot(s)?;
        args.push(mmio::cmdline_arg(base, irq));
    }
    Ok(args.join(" "))
}

fn slot(s: u32) -> Result<(u64, u32), Error> {
    virtio_slot(s).ok_or_else(|| Error::Device(format!("no virtio-mmio slot {s}")))
}

/// The virtio devices of a machine, fresh or restored.
pub(crate) struct VirtioSetup<'a> {
    pub vsock: Option<VsockSetup<'a>>,
    pub drives: Vec<BlockSetup<'a>>,
    pub net: Option<NetSetup<'a>>,
}

/// Serial console, i8042, the vsock device, the drives and the network
/// device, wired to `vm`; from their saved states when restoring.
pub(crate) fn build_devices(
    vm: &vm::Vm,
    mem: &GuestMem,
    console: Box<dyn Write + Send>,
    serial_state: Option<&SerialState>,
    virtio: VirtioSetup<'_>,
) -> Result<Devices, Error> {
    let VirtioSetup { vsock, drives, net } = virtio;
    let watch = Arc::new(Mutex::new(ConsoleWatch::default()));
    let serial_irq = evt()?;
    vm.register_irqfd(&serial_irq, COM1_IRQ)?;
    let input_drained = evt()?;
    let halt_evt = evt()?;
    let out = ConsoleOutput::new(console, watch.clone()).with_halt_event(clone_evt(&halt_evt)?);
    let drained = clone_evt(&input_drained)?;
    let serial = match serial_state {
        None => SerialDevice::new(serial_irq, drained, out),
        Some(s) => SerialDevice::restore((serial_irq, drained, out), s)
            .map_err(|e| Error::Device(e.to_string()))?,
    };
    let serial = Arc::new(Mutex::new(serial));
    let reset_evt = evt()?;
    let i8042 = Arc::new(Mutex::new(I8042::new(clone_evt(&reset_evt)?)));
    let mut buses = Buses::default();
    let dev_err = |e: bus::Error| Error::Device(e.to_string());
    buses
        .pio
        .insert(COM1_BASE, COM1_LEN, serial.clone())
        .map_err(dev_err)?;
    buses
        .pio
        .insert(I8042_BASE, I8042_LEN, i8042)
        .map_err(dev_err)?;
    let vsock = match vsock {
        Some(v) => Some(attach_vsock(v, vm, mem, &mut buses)?),
        None => None,
    };
    let mut blocks = Vec::with_capacity(drives.len());
    for (i, d) in drives.into_iter().enumerate() {
        blocks.push(attach_block(
            FIRST_DRIVE_SLOT + i as u32,
            d,
            vm,
            mem,
            &mut buses,
        )?);
    }
    let net = match net {
        Some(n) => Some(attach_net(n, vm, mem, &mut buses)?),
        None => None,
    };
    Ok(Devices {
        serial,
        watch,
        input_drained,
        halt_evt,
        reset_evt,
        buses: Arc::new(buses),
        vsock,
        blocks,
        net,
    })
}

/// What a virtio device's transport is restored from: its registers, and
/// the queues of a device that was active.
struct MmioRestore<'a> {
    transport: &'a MmioState,
    queues: Option<Vec<QueueSnapshot>>,
}

/// Puts `dev` (named `name` in errors) behind a virtio-mmio transport in
/// slot `s`: the queue
/// notifications `evts` as ioeventfds, an irqfd for its interrupt. When
/// restoring, the transport gets its registers back and an active device
/// its queues (checked against guest memory first).
fn attach_mmio(
    (name, s): (&str, u32),
    dev: Arc<Mutex<dyn VirtioDevice>>,
    evts: Vec<EventFd>,
    restore: Option<MmioRestore<'_>>,
    vm: &vm::Vm,
    mem: &GuestMem,
    buses: &mut Buses,
) -> Result<Arc<Mutex<MmioTransport>>, Error> {
    let dev_err = |e: &dyn std::fmt::Display| Error::Device(format!("{name}: {e}"));
    let (base, irq_pin) = slot(s)?;
    let notify = base + u64::from(virtio_bindings::virtio_mmio::VIRTIO_MMIO_QUEUE_NOTIFY);
    for (i, e) in evts.iter().enumerate() {
        vm.register_ioevent(e, notify, i as u32)?;
    }
    let irq = evt()?;
    vm.register_irqfd(&irq, irq_pin)?;
    let mut transport = MmioTransport::new(
        dev.clone(),
        mem.clone(),
        Arc::new(Interrupt::new(irq)),
        evts,
    )
    .map_err(|e| dev_err(&e))?;
    if let Some(r) = restore {
        transport.restore(r.transport).map_err(|e| dev_err(&e))?;
        if let Some(qs) = r.queues {
            let queues = qs
                .iter()
                .map(|q| q.to_queue())
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| dev_err(&e))?;
            // As the transport checks a driver's queues before activating:
            // a damaged state must not point the device outside memory.
            use virtio_queue::QueueT;
            if let Some(i) = queues.iter().position(|q| !q.is_valid(mem)) {
                return Err(dev_err(&format!(
                    "saved queue {i} is not valid in guest memory (size or rings)"
                )));
            }
            lock(&dev)
                .activate(mem.clone(), queues, transport.interrupt())
                .map_err(|e| dev_err(&e))?;
        }
    }
    let transport = Arc::new(Mutex::new(transport));
    buses
        .mmio
        .insert(base, mmio::MMIO_LEN, transport.clone())
        .map_err(|e| dev_err(&e))?;
    Ok(transport)
}

/// Creates the vsock device (fresh or restored) in its slot. A restored,
/// active device will tell the guest its connections are gone when the VM
/// first runs.
fn attach_vsock(
    setup: VsockSetup<'_>,
    vm: &vm::Vm,
    mem: &GuestMem,
    buses: &mut Buses,
) -> Result<VsockParts, Error> {
    let dev_err = |e: &dyn std::fmt::Display| Error::Device(format!("vsock: {e}"));
    let (dev, uds, restore) = match &setup {
        VsockSetup::New(v) => (
            Vsock::new(v.guest_cid, &v.uds).map_err(|e| dev_err(&e))?,
            v.uds.clone(),
            None,
        ),
        VsockSetup::Restore(s, uds) => (
            Vsock::restore(uds.clone(), &s.device).map_err(|e| dev_err(&e))?,
            uds.clone(),
            Some(MmioRestore {
                transport: &s.transport,
                queues: s.device.queues.clone(),
            }),
        ),
    };
    let active = restore.as_ref().is_some_and(|r| r.queues.is_some());
    let evts = dev.queue_evts().map_err(|e| dev_err(&e))?;
    let dev = Arc::new(Mutex::new(dev));
    let transport = attach_mmio(
        ("vsock", VSOCK_SLOT),
        dev.clone(),
        evts,
        restore,
        vm,
        mem,
        buses,
    )?;
    if active {
        lock(&dev).set_reset_pending();
    }
    Ok(VsockParts {
        transport,
        device: dev,
        uds,
    })
}

/// Creates a drive (fresh or restored) in slot `s`.
fn attach_block(
    s: u32,
    setup: BlockSetup<'_>,
    vm: &vm::Vm,
    mem: &GuestMem,
    buses: &mut Buses,
) -> Result<BlockParts, Error> {
    let dev_err = |e: &dyn std::fmt::Display| Error::Device(format!("virtio-blk: {e}"));
    let (dev, restore) = match setup {
        BlockSetup::New(disk) => (Block::new(disk).map_err(|e| dev_err(&e))?, None),
        BlockSetup::Restore(dev, snap) => (
            dev,
            Some(MmioRestore {
                transport: &snap.transport,
                queues: snap.device.queue.map(|q| vec![q]),
            }),
        ),
    };
    let evts = vec![dev.queue_evt().map_err(|e| dev_err(&e))?];
    let dev = Arc::new(Mutex::new(dev));
    let transport = attach_mmio(
        ("virtio-blk", s),
        dev.clone(),
        evts,
        restore,
        vm,
        mem,
        buses,
    )?;
    Ok(BlockParts {
        transport,
        device: dev,
    })
}

/// Creates the network device (fresh or restored) in its slot.
fn attach_net(
    setup: NetSetup<'_>,
    vm: &vm::Vm,
    mem: &GuestMem,
    buses: &mut Buses,
) -> Result<NetParts, Error> {
    let dev_err = |e: &dyn std::fmt::Display| Error::Device(format!("virtio-net: {e}"));
    let (dev, restore) = match setup {
        NetSetup::New(n) => (n, None),
        NetSetup::Restore(n, snap) => (
            n,
            Some(MmioRestore {
                transport: &snap.transport,
                queues: snap.device.queues.clone(),
            }),
        ),
    };
    let evts = dev.queue_evts().map_err(|e| dev_err(&e))?;
    let dev = Arc::new(Mutex::new(dev));
    let transport = attach_mmio(
        ("virtio-net", FIRST_NET_SLOT),
        dev.clone(),
        evts,
        restore,
        vm,
        mem,
        buses,
    )?;
    Ok(NetParts {
        transport,
        device: dev,
    })
}
