//! Assembles a VM from a [`VmConfig`] and runs it to completion: guest
//! memory, kernel, boot tables, KVM VM and vCPUs, devices, and the
//! event-manager loop that waits for the guest to finish.

use std::io::Write;
use std::os::fd::AsRawFd;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{channel, Receiver};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use event_manager::{EventManager, EventOps, EventSet, Events, MutEventSubscriber, SubscriberOps};
use vmm_sys_util::eventfd::EventFd;
use vmm_sys_util::signal::Killable;

use crate::api;
use crate::arch::{mptable, regs};
use crate::boot;
use crate::config::{self, VmConfig};
use crate::device_manager::{
    build_devices, clone_evt, cmdline_args, evt, BlockSetup, Devices, NetSetup, VirtioSetup,
    VsockSetup,
};
use crate::devices::bus::lock;
use crate::devices::serial::SerialInput;
use crate::devices::virtio::block::disk::{self, Disk};
use crate::devices::virtio::block::Block;
use crate::devices::virtio::net::{tap::Tap, Net};
use crate::memory;
use crate::persist::Persist;
use crate::snapshot::take::Source;
use crate::snapshot::{store, VmSnapshot};
use crate::vstate::pause::PauseGate;
use crate::vstate::vcpu::msr_index_list;
use crate::vstate::vcpu::{self, kick_signal, SaveSlots, Vcpu, VcpuExitReason};
use crate::vstate::{kvm, vm};

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
    /// A drive that cannot be used.
    #[error(transparent)]
    Drive(#[from] disk::Error),
    /// Device setup.
    #[error("device setup: {0}")]
    Device(String),
    /// Building and wiring the devices.
    #[error(transparent)]
    Devices(#[from] crate::device_manager::Error),
    /// The event loop failed.
    #[error("event loop: {0}")]
    EventLoop(String),
    /// A vCPU failed while the guest ran.
    #[error("guest failed: {0}")]
    Guest(String),
    /// A snapshot that cannot be restored.
    #[error("snapshot: {0}")]
    Snapshot(String),
    /// Entering the jail.
    #[error(transparent)]
    Jail(#[from] crate::jail::Error),
    /// Installing a seccomp filter.
    #[error(transparent)]
    Seccomp(#[from] crate::seccomp::Error),
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

/// A machine ready to run: booted fresh or restored from a snapshot.
struct Machine {
    vm: Arc<vm::Vm>,
    mem: crate::memory::GuestMem,
    vcpus: Vec<Vcpu>,
    msr_list: Vec<u32>,
    dev: Devices,
    mem_mib: u64,
    /// The snapshot it was restored from (the base of its first diff).
    restored_from: Option<PathBuf>,
}

/// Builds the VM described by `cfg` and runs it until the guest powers off,
/// reboots or crashes. Console output goes to `console`; `input`, when
/// given, is read by the event loop and fed to the guest's serial port.
///
/// Everything that depends only on the configuration and the files (bad
/// vCPU count or memory size, missing or invalid kernel, initrd too large,
/// drives that cannot be opened) is checked before `/dev/kvm` is opened.
/// Drives are opened (and locked) before the jail is entered: their paths
/// are the host's.
pub fn run(
    cfg: &VmConfig,
    console: Box<dyn Write + Send>,
    input: Option<std::fs::File>,
) -> Result<GuestExit, Error> {
    cfg.validate()?;
    let vcpu_count = cfg.vcpus as u8; // validate() caps it at MAX_CPUS
    let mem = memory::create(&crate::arch::layout::ram_ranges(cfg.mem_bytes()))?;
    let disks = cfg
        .drives
        .iter()
        .map(|d| Disk::open(&d.path, d.read_only, d.serial.as_deref()))
        .collect::<Result<Vec<_>, _>>()?;
    let net = match &cfg.net {
        Some(n) => {
            let tap = Tap::open(&n.tap).map_err(|e| Error::Device(e.to_string()))?;
            Some(
                Net::new(Box::new(tap), &n.tap, n.mac)
                    .map_err(|e| Error::Device(format!("virtio-net: eventfd: {e}")))?,
            )
        }
        None => None,
    };
    let mut kernel_args = cmdline_args(cfg.vsock.is_some(), disks.len(), net.is_some())?;
    if cfg.root_on_first_drive {
        let mode = if cfg.drives[0].read_only { "ro" } else { "rw" };
        kernel_args.push_str(&format!(" root=/dev/vda {mode}"));
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
    let vm = vm::Vm::new(&kvm, &mem, cfg.track_dirty_pages)?;
    if let Some(j) = &cfg.jail {
        j.enter()?;
    }
    let dev = build_devices(
        &vm,
        &mem,
        console,
        None,
        VirtioSetup {
            vsock: cfg.vsock.as_ref().map(VsockSetup::New),
            drives: disks.into_iter().map(BlockSetup::New).collect(),
            net: net.map(NetSetup::New),
        },
    )?;
    // vCPUs: all created before any runs.
    let mut vcpus = Vec::with_capacity(usize::from(vcpu_count));
    for i in 0..vcpu_count {
        vcpus.push(Vcpu::new(&kvm, &vm, i, vcpu_count, boot_info.entry)?);
    }
    let machine = Machine {
        vm: Arc::new(vm),
        mem,
        vcpus,
        msr_list: msr_index_list(&kvm)?,
        dev,
        mem_mib: cfg.mem_mib,
        restored_from: None,
    };
    run_machine(machine, cfg.api_sock.as_deref(), input, false)
}

/// How to restore a snapshot.
#[derive(Debug, Clone)]
pub struct RestoreConfig {
    /// The snapshot directory.
    pub snapshot: PathBuf,
    /// The vsock host socket (default: the snapshot's).
    pub vsock_uds: Option<PathBuf>,
    /// The tap of the network device (default: the snapshot's).
    pub tap: Option<String>,
    /// Serve the control API here.
    pub api_sock: Option<PathBuf>,
    /// The KVM device.
    pub kvm_path: PathBuf,
    /// Start with the vCPUs paused (resume through the API).
    pub paused: bool,
    /// Log the pages the guest writes, for diff snapshots.
    pub track_dirty_pages: bool,
    /// Confine the process once the snapshot is loaded.
    pub jail: Option<crate::jail::Jail>,
}

/// Starts the VM saved in a snapshot and runs it like [`run`]. Guest
/// memory is mapped privately from the snapshot's memory file, so the
/// time this takes does not grow with the memory size. The vsock device
/// resets the guest's connections (listening sockets stay).
pub fn restore(
    rc: &RestoreConfig,
    console: Box<dyn Write + Send>,
    input: Option<std::fs::File>,
) -> Result<GuestExit, Error> {
    let start = Instant::now();
    let snap = store::read_state(&rc.snapshot).map_err(|e| Error::Snapshot(e.to_string()))?;
    let kvm = kvm::open(&rc.kvm_path)?;
    check_cpu(&kvm, &snap)?;
    let t_state = start.elapsed();
    let mem = store::map_memory(&rc.snapshot, &snap).map_err(|e| Error::Snapshot(e.to_string()))?;
    let t_mem = start.elapsed();
    // Copying a diff's pages in is not the guest writing.
    memory::clear_dirty(&mem);
    let vm = vm::Vm::new(&kvm, &mem, rc.track_dirty_pages)?;
    vm.restore_state(&snap.vm)?;
    let t_vm = start.elapsed();
    // Drives are opened (and checked unchanged) before the jail, as in run.
    let mut drives = Vec::with_capacity(snap.blocks.len());
    for b in &snap.blocks {
        let dev = Block::restore((), &b.device).map_err(|e| Error::Snapshot(e.to_string()))?;
        drives.push(BlockSetup::Restore(dev, b));
    }
    let net = match &snap.net {
        Some(n) => Some(NetSetup::Restore(
            Net::restore(rc.tap.clone(), &n.device).map_err(|e| Error::Snapshot(e.to_string()))?,
            n,
        )),
        None => None,
    };
    if let Some(j) = &rc.jail {
        j.enter()?;
    }
    let vsock = snap
        .vsock
        .as_ref()
        .map(|v| VsockSetup::Restore(v, rc.vsock_uds.clone().unwrap_or_else(|| v.uds.clone())));
    let virtio = VirtioSetup { vsock, drives, net };
    let dev = build_devices(&vm, &mem, console, Some(&snap.serial), virtio)?;
    let mut vcpus = Vec::with_capacity(snap.vcpus.len());
    for s in &snap.vcpus {
        vcpus.push(Vcpu::from_state(&vm, s)?);
    }
    let machine = Machine {
        vm: Arc::new(vm),
        mem,
        vcpus,
        msr_list: msr_index_list(&kvm)?,
        dev,
        mem_mib: snap.mem_mib,
        restored_from: std::path::absolute(&rc.snapshot).ok(),
    };
    if rc.paused && rc.api_sock.is_none() {
        return Err(Error::Snapshot(
            "a VM restored paused needs --api-sock to be resumed".into(),
        ));
    }
    log::info!(
        "restored {} MiB, {} vCPUs in {} us (before the vCPUs start): state read {} us, memory mapped {} us, VM created {} us",
        snap.mem_mib,
        snap.vcpus.len(),
        start.elapsed().as_micros(),
        t_state.as_micros(),
        (t_mem - t_state).as_micros(),
        (t_vm - t_mem).as_micros()
    );
    run_machine(machine, rc.api_sock.as_deref(), input, rc.paused)
}

/// Refuses a snapshot whose CPU has features this host's KVM cannot give
/// (compared with the CPUID cr-vmm would set up here for the same vCPU).
fn check_cpu(kvm_handle: &kvm_ioctls::Kvm, snap: &VmSnapshot) -> Result<(), Error> {
    let count = snap.vcpus.len() as u8;
    let Some(v0) = snap.vcpus.first() else {
        return Err(Error::Snapshot("no vCPU in the snapshot".into()));
    };
    let mut host = kvm_handle
        .get_supported_cpuid(kvm_bindings::KVM_MAX_CPUID_ENTRIES)
        .map_err(|e| Error::Snapshot(format!("GET_SUPPORTED_CPUID: {e}")))?;
    let tsc_deadline = kvm_handle.check_extension(kvm_ioctls::Cap::TscDeadlineTimer);
    crate::arch::cpuid::normalize(&mut host, 0, count, tsc_deadline);
    let missing = crate::arch::cpuid::missing_features(&v0.cpuid, host.as_slice());
    if let Some(m) = missing.first() {
        return Err(Error::Snapshot(format!(
            "the snapshot's CPU needs features this host does not offer: {m}"
        )));
    }
    Ok(())
}

/// Runs a machine until the guest ends: the event loop, the API server and
/// one thread per vCPU.
fn run_machine(
    m: Machine,
    api_sock: Option<&Path>,
    input: Option<std::fs::File>,
    start_paused: bool,
) -> Result<GuestExit, Error> {
    let Machine {
        vm,
        mem,
        vcpus,
        msr_list,
        dev,
        mem_mib,
        restored_from,
    } = m;
    let vcpu_count = vcpus.len();
    let mut em: EventManager<Subscriber> =
        EventManager::new().map_err(|e| Error::EventLoop(e.to_string()))?;
    let (tx, rx) = channel();
    let vcpu_evt = evt()?;
    let term_evt = evt()?;
    install_term_handlers(&term_evt);
    let watcher = Arc::new(Mutex::new(ExitWatcher {
        term_evt,
        reset_evt: dev.reset_evt,
        halt_evt: dev.halt_evt,
        vcpu_evt: clone_evt(&vcpu_evt)?,
        exits: rx,
        outcome: None,
    }));
    em.add_subscriber(watcher.clone());
    if let Some(v) = &dev.vsock {
        em.add_subscriber(v.device.clone());
    }
    for b in &dev.blocks {
        em.add_subscriber(b.device.clone());
    }
    if let Some(n) = &dev.net {
        em.add_subscriber(n.device.clone());
    }
    if let Some(input) = input {
        em.add_subscriber(Arc::new(Mutex::new(SerialInput::new(
            input,
            dev.serial.clone(),
            dev.input_drained,
        ))));
    }

    let stop = Arc::new(AtomicBool::new(false));
    let gate = Arc::new(PauseGate::default());
    let saves = Arc::new(SaveSlots::new(vcpu_count, msr_list));
    let source = Source {
        vm: vm.clone(),
        mem: mem.clone(),
        gate: gate.clone(),
        saves: saves.clone(),
        serial: dev.serial.clone(),
        vsock: dev.vsock.clone(),
        blocks: dev.blocks.clone(),
        net: dev.net.clone(),
        mem_mib,
        last: Mutex::new(restored_from),
    };
    let take: Arc<api::SnapshotFn> = Arc::new(move |dir: &Path, diff| source.take(dir, diff));
    // What a restored device owes the guest once it runs again.
    let mut first_run: Option<api::ResumeHook> = dev.vsock.as_ref().map(|v| {
        let d = v.device.clone();
        Box::new(move || lock(&d).send_pending_reset()) as api::ResumeHook
    });
    if start_paused {
        gate.request();
    }
    let api_ctx = Arc::new(api::ApiContext {
        gate: gate.clone(),
        vcpu_threads: Mutex::new(Vec::new()),
        vcpus: vcpu_count as u32,
        mem_mib,
        kick_signal: kick_signal(),
        snapshot: Some(take),
        on_resume: Mutex::new(if start_paused { first_run.take() } else { None }),
    });
    let _api = match api_sock {
        Some(p) => Some(api::start(p, api_ctx.clone()).map_err(|e| Error::Device(e.to_string()))?),
        None => None,
    };
    let mut threads = Vec::new();
    for v in vcpus {
        let evt = clone_evt(&vcpu_evt)?;
        let spawned = v.spawn(
            dev.buses.clone(),
            stop.clone(),
            gate.clone(),
            saves.clone(),
            tx.clone(),
            evt,
        );
        match spawned {
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
    if let Some(hook) = first_run {
        hook();
    }
    // Every thread has started: confine this one to the event loop.
    if let Err(e) = crate::seccomp::enter(crate::seccomp::ThreadKind::Vmm) {
        lock(&api_ctx.vcpu_threads).clear();
        stop_vcpus(&stop, threads);
        return Err(e.into());
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
    let panic_line = lock(&dev.watch).panic_line.clone();
    drop(vm);

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
