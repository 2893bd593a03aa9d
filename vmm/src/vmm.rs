//! Assembles a VM from a [`VmConfig`] and runs it to completion: guest
//! memory, kernel, boot tables, KVM VM and vCPUs, devices, and the
//! event-manager loop that waits for the guest to finish.

use std::io::Write;
use std::os::fd::AsRawFd;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{channel, Receiver};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use event_manager::{EventManager, EventOps, EventSet, Events, MutEventSubscriber, SubscriberOps};
use vmm_sys_util::eventfd::EventFd;
use vmm_sys_util::signal::Killable;

use crate::api;
use crate::arch::layout::VIRTIO_MMIO_START;
use crate::arch::{mptable, regs};
use crate::boot;
use crate::config::{self, VmConfig};
use crate::devices::bus::{self, lock, Buses};
use crate::devices::i8042::{I8042, I8042_BASE, I8042_LEN};
use crate::devices::serial::{
    ConsoleOutput, ConsoleWatch, SerialDevice, SerialInput, COM1_BASE, COM1_IRQ, COM1_LEN,
};
use crate::devices::virtio::mmio::{self, MmioTransport};
use crate::devices::virtio::vsock::Vsock;
use crate::devices::virtio::Interrupt;
use crate::vstate::pause::PauseGate;
use crate::vstate::vcpu::{self, kick_signal, Vcpu, VcpuExitReason};
use crate::vstate::{kvm, memory, vm};

/// How the guest ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GuestExit {
    /// The guest powered off.
    PowerOff,
    /// The guest rebooted; cr-vmm does not restart it.
    Reboot(&'static str),
    /// The guest kernel panicked (its panic line) or KVM reported a crash.
    Panic(String),
    /// cr-vmm got SIGTERM, SIGINT or SIGHUP and stopped the VM.
    Signal(i32),
}

/// Everything that can stop a VM from being built or run.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Invalid configuration.
    #[error(transparent)]
    Config(#[from] config::Error),
    /// Guest memory.
    #[error(transparent)]
    Memory(#[from] memory::Error),
    /// Kernel, initrd or command line.
    #[error(transparent)]
    Boot(#[from] boot::Error),
    /// Boot page tables.
    #[error(transparent)]
    BootTables(#[from] regs::Error),
    /// MP table.
    #[error(transparent)]
    MpTable(#[from] mptable::Error),
    /// Opening KVM.
    #[error(transparent)]
    Kvm(#[from] kvm::Error),
    /// VM setup.
    #[error(transparent)]
    Vm(#[from] vm::Error),
    /// vCPU setup.
    #[error(transparent)]
    Vcpu(#[from] vcpu::Error),
    /// Device setup.
    #[error("device setup: {0}")]
    Device(String),
    /// The event loop failed.
    #[error("event loop: {0}")]
    EventLoop(String),
    /// A vCPU failed while the guest ran.
    #[error("guest failed: {0}")]
    Guest(String),
}

fn evt() -> Result<EventFd, Error> {
    EventFd::new(libc::EFD_NONBLOCK).map_err(|e| Error::Device(format!("eventfd: {e}")))
}

fn clone_evt(e: &EventFd) -> Result<EventFd, Error> {
    e.try_clone()
        .map_err(|e| Error::Device(format!("eventfd: {e}")))
}

/// The eventfd that termination signals write (-1: none yet).
static TERM_FD: std::sync::atomic::AtomicI32 = std::sync::atomic::AtomicI32::new(-1);
/// The last termination signal.
static TERM_SIG: std::sync::atomic::AtomicI32 = std::sync::atomic::AtomicI32::new(0);

extern "C" fn on_term_signal(sig: libc::c_int) {
    TERM_SIG.store(sig, Ordering::SeqCst);
    let fd = TERM_FD.load(Ordering::SeqCst);
    if fd >= 0 {
        let one: u64 = 1;
        // SAFETY: write(2) on an eventfd is async-signal-safe; `one` lives
        // for the call.
        unsafe { libc::write(fd, std::ptr::addr_of!(one).cast(), 8) };
    }
}

/// SIGTERM, SIGINT and SIGHUP stop the VM through the event loop, so that
/// the VMM cleans up (sockets removed, terminal restored) before exiting.
fn install_term_handlers(evt: &EventFd) {
    TERM_FD.store(evt.as_raw_fd(), Ordering::SeqCst);
    for sig in [libc::SIGTERM, libc::SIGINT, libc::SIGHUP] {
        // SAFETY: the handler only calls async-signal-safe functions.
        unsafe { libc::signal(sig, on_term_signal as *const () as libc::sighandler_t) };
    }
}

/// Watches the reset line and the vCPU exits; records the first reason.
struct ExitWatcher {
    term_evt: EventFd,
    reset_evt: EventFd,
    halt_evt: EventFd,
    vcpu_evt: EventFd,
    exits: Receiver<(u8, VcpuExitReason)>,
    outcome: Option<VcpuExitReason>,
}

impl MutEventSubscriber for ExitWatcher {
    fn process(&mut self, events: Events, _ops: &mut EventOps) {
        let fd = events.fd();
        if fd == self.term_evt.as_raw_fd() {
            let _ = self.term_evt.read();
            self.outcome.get_or_insert(VcpuExitReason::Reset("signal"));
        } else if fd == self.reset_evt.as_raw_fd() {
            let _ = self.reset_evt.read();
            self.outcome
                .get_or_insert(VcpuExitReason::Reset("keyboard controller reset"));
        } else if fd == self.halt_evt.as_raw_fd() {
            let _ = self.halt_evt.read();
            self.outcome.get_or_insert(VcpuExitReason::Shutdown);
        } else {
            let _ = self.vcpu_evt.read();
            while let Ok((_, reason)) = self.exits.try_recv() {
                self.outcome.get_or_insert(reason);
            }
        }
    }

    fn init(&mut self, ops: &mut EventOps) {
        for fd in [
            &self.term_evt,
            &self.reset_evt,
            &self.halt_evt,
            &self.vcpu_evt,
        ] {
            if let Err(e) = ops.add(Events::new(fd, EventSet::IN)) {
                log::error!("exit watcher: cannot watch eventfd: {e}");
            }
        }
    }
}

type Subscriber = Arc<Mutex<dyn MutEventSubscriber + Send>>;

/// Builds the VM described by `cfg` and runs it until the guest powers off,
/// reboots or crashes. Console output goes to `console`; `input`, when
/// given, is read by the event loop and fed to the guest's serial port.
///
/// Everything that depends only on the configuration and the files (bad
/// vCPU count or memory size, missing or invalid kernel, initrd too large)
/// is checked before `/dev/kvm` is opened.
pub fn run(
    cfg: &VmConfig,
    console: Box<dyn Write + Send>,
    input: Option<std::fs::File>,
) -> Result<GuestExit, Error> {
    cfg.validate()?;
    let vcpu_count = cfg.vcpus as u8; // validate() caps it at MAX_CPUS
    let mem = memory::create(cfg.mem_bytes())?;
    let mut kernel_args = String::new();
    if cfg.vsock.is_some() {
        kernel_args = mmio::cmdline_arg(VIRTIO_MMIO_START, VSOCK_IRQ);
    }
    let boot_info = boot::load(
        &mem,
        cfg.mem_bytes(),
        &cfg.kernel,
        cfg.initrd.as_deref(),
        &cfg.effective_cmdline(&kernel_args),
    )?;
    regs::write_boot_tables(&mem)?;
    mptable::setup(&mem, vcpu_count)?;

    let kvm = kvm::open(&cfg.kvm_path)?;
    let vm = vm::Vm::new(&kvm, &mem)?;

    // Devices.
    let watch = Arc::new(Mutex::new(ConsoleWatch::default()));
    let serial_irq = evt()?;
    vm.register_irqfd(&serial_irq, COM1_IRQ)?;
    let input_drained = evt()?;
    let halt_evt = evt()?;
    let serial = Arc::new(Mutex::new(SerialDevice::new(
        serial_irq,
        clone_evt(&input_drained)?,
        ConsoleOutput::new(console, watch.clone()).with_halt_event(clone_evt(&halt_evt)?),
    )));
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
    let vsock = match &cfg.vsock {
        Some(v) => Some(attach_vsock(v, &vm, &mem, &mut buses)?),
        None => None,
    };
    let buses = Arc::new(buses);

    // vCPUs: all created before any runs.
    let mut vcpus = Vec::with_capacity(usize::from(vcpu_count));
    for i in 0..vcpu_count {
        vcpus.push(Vcpu::new(&kvm, &vm, i, vcpu_count, boot_info.entry)?);
    }

    let mut em: EventManager<Subscriber> =
        EventManager::new().map_err(|e| Error::EventLoop(e.to_string()))?;
    let (tx, rx) = channel();
    let vcpu_evt = evt()?;
    let term_evt = evt()?;
    install_term_handlers(&term_evt);
    let watcher = Arc::new(Mutex::new(ExitWatcher {
        term_evt,
        reset_evt,
        halt_evt,
        vcpu_evt: clone_evt(&vcpu_evt)?,
        exits: rx,
        outcome: None,
    }));
    em.add_subscriber(watcher.clone());
    if let Some(v) = vsock {
        em.add_subscriber(v);
    }
    if let Some(input) = input {
        em.add_subscriber(Arc::new(Mutex::new(SerialInput::new(
            input,
            serial.clone(),
            input_drained,
        ))));
    }

    let stop = Arc::new(AtomicBool::new(false));
    let gate = Arc::new(PauseGate::default());
    let api_ctx = Arc::new(api::ApiContext {
        gate: gate.clone(),
        vcpu_threads: Mutex::new(Vec::new()),
        vcpus: cfg.vcpus,
        mem_mib: cfg.mem_mib,
        kick_signal: kick_signal(),
    });
    let _api = match &cfg.api_sock {
        Some(p) => Some(api::start(p, api_ctx.clone()).map_err(|e| Error::Device(e.to_string()))?),
        None => None,
    };
    let mut threads = Vec::new();
    for v in vcpus {
        let evt = clone_evt(&vcpu_evt)?;
        match v.spawn(buses.clone(), stop.clone(), gate.clone(), tx.clone(), evt) {
            Ok(t) => threads.push(t),
            Err(e) => {
                stop_vcpus(&stop, threads);
                return Err(e.into());
            }
        }
    }
    drop(tx);
    {
        use std::os::unix::thread::JoinHandleExt;
        *lock(&api_ctx.vcpu_threads) = threads.iter().map(|t| t.as_pthread_t()).collect();
    }

    let outcome = loop {
        if let Some(o) = lock(&watcher).outcome.clone() {
            break Ok(o);
        }
        if let Err(e) = em.run() {
            break Err(Error::EventLoop(e.to_string()));
        }
    };
    // No more kicks from the API once the threads may be joined.
    lock(&api_ctx.vcpu_threads).clear();
    stop_vcpus(&stop, threads);
    let panic_line = lock(&watch).panic_line.clone();

    match outcome? {
        VcpuExitReason::Reset("signal") => Ok(GuestExit::Signal(TERM_SIG.load(Ordering::SeqCst))),
        _ if panic_line.is_some() => Ok(GuestExit::Panic(panic_line.unwrap_or_default())),
        VcpuExitReason::Shutdown => Ok(GuestExit::PowerOff),
        VcpuExitReason::Reset(how) => Ok(GuestExit::Reboot(how)),
        VcpuExitReason::Crash(msg) => Ok(GuestExit::Panic(msg)),
        VcpuExitReason::Error(msg) => Err(Error::Guest(msg)),
        VcpuExitReason::Stopped => Err(Error::Guest("vCPU stopped unexpectedly".into())),
    }
}

/// The vsock device's interrupt line (IOAPIC pin).
pub const VSOCK_IRQ: u32 = 5;

/// Creates the vsock device, puts its transport on the MMIO bus, and wires
/// its queue notifications (ioeventfds) and interrupt (irqfd).
fn attach_vsock(
    v: &config::VsockConfig,
    vm: &vm::Vm,
    mem: &vm_memory::GuestMemoryMmap,
    buses: &mut Buses,
) -> Result<Subscriber, Error> {
    let dev_err = |e: &dyn std::fmt::Display| Error::Device(format!("vsock: {e}"));
    let dev = Vsock::new(v.guest_cid, &v.uds).map_err(|e| dev_err(&e))?;
    let evts = dev.queue_evts().map_err(|e| dev_err(&e))?;
    let notify =
        VIRTIO_MMIO_START + u64::from(virtio_bindings::virtio_mmio::VIRTIO_MMIO_QUEUE_NOTIFY);
    for (i, e) in evts.iter().enumerate() {
        vm.register_ioevent(e, notify, i as u32)?;
    }
    let irq = evt()?;
    vm.register_irqfd(&irq, VSOCK_IRQ)?;
    let dev = Arc::new(Mutex::new(dev));
    let transport = MmioTransport::new(
        dev.clone(),
        mem.clone(),
        Arc::new(Interrupt::new(irq)),
        evts,
    )
    .map_err(|e| dev_err(&e))?;
    buses
        .mmio
        .insert(
            VIRTIO_MMIO_START,
            mmio::MMIO_LEN,
            Arc::new(Mutex::new(transport)),
        )
        .map_err(|e| dev_err(&e))?;
    Ok(dev)
}

/// Asks every vCPU thread to stop and waits for them, kicking each out of
/// `KVM_RUN` with a signal until it has left (a kick that lands just before
/// the thread enters `KVM_RUN` is repeated).
fn stop_vcpus(stop: &AtomicBool, threads: Vec<JoinHandle<()>>) {
    stop.store(true, Ordering::Release);
    for t in threads {
        let start = Instant::now();
        while !t.is_finished() {
            if let Err(e) = t.kill(kick_signal()) {
                log::warn!("cannot kick vCPU thread: {e}");
                break;
            }
            if start.elapsed() > Duration::from_secs(5) {
                log::error!("a vCPU thread did not stop within 5 s; leaving it");
                break;
            }
            std::thread::sleep(Duration::from_millis(1));
        }
        if t.is_finished() {
            let _ = t.join();
        }
    }
}
