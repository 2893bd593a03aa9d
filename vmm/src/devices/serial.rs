//! The 16550 UART console (vm-superio) at COM1, its interrupt delivered by
//! irqfd on IRQ 4, its output written to the host (stdout by default) and
//! watched for the kernel's panic line, its input fed from host stdin.

use std::io::{self, Write};
use std::os::fd::AsRawFd;
use std::sync::{Arc, Mutex};

use event_manager::{EventOps, EventSet, Events, MutEventSubscriber};
use vm_superio::serial::SerialEvents;
use vm_superio::Serial;
use vmm_sys_util::eventfd::EventFd;

use super::bus::{lock, BusDevice};
use super::EventFdTrigger;
use crate::persist::{Persist, PersistError};

/// COM1's first port.
pub const COM1_BASE: u64 = 0x3f8;
/// Ports of one UART.
pub const COM1_LEN: u64 = 8;
/// COM1's ISA interrupt.
pub const COM1_IRQ: u32 = 4;

const PANIC_MARKER: &str = "Kernel panic - not syncing";
/// What the kernel prints right before it halts the CPUs for good
/// (`reboot: Power down`, `reboot: System halted`, and without ACPI
/// `reboot: Power off not available: System halted instead`): the VMM takes
/// it as the guest's power-off.
const HALT_MARKERS: [&str; 2] = ["Power down", "System halted"];

fn is_halt_line(line: &str) -> bool {
    line.contains("reboot: ") && HALT_MARKERS.iter().any(|m| line.contains(m))
}
const MAX_LINE: usize = 512;

/// What the console saw that the VMM cares about.
#[derive(Debug, Default)]
pub struct ConsoleWatch {
    /// The guest kernel's panic line, once one was printed.
    pub panic_line: Option<String>,
    /// The kernel announced that it halts (power off without ACPI).
    pub halted: bool,
}

/// The host side of the console: a writer plus a line scanner.
pub struct ConsoleOutput {
    out: Box<dyn Write + Send>,
    line: Vec<u8>,
    watch: Arc<Mutex<ConsoleWatch>>,
    halt_evt: Option<EventFd>,
}

impl ConsoleOutput {
    /// Console output into `out`, reporting what it sees into `watch`.
    pub fn new(out: Box<dyn Write + Send>, watch: Arc<Mutex<ConsoleWatch>>) -> Self {
        ConsoleOutput {
            out,
            line: Vec::with_capacity(MAX_LINE),
            watch,
            halt_evt: None,
        }
    }

    /// Also signal `evt` when the kernel announces that it halts.
    pub fn with_halt_event(mut self, evt: EventFd) -> Self {
        self.halt_evt = Some(evt);
        self
    }

    fn scan(&mut self, buf: &[u8]) {
        for &b in buf {
            if b == b'\n' {
                let line = String::from_utf8_lossy(&self.line);
                if let Some(pos) = line.find(PANIC_MARKER) {
                    let mut w = lock(&self.watch);
                    if w.panic_line.is_none() {
                        w.panic_line = Some(line[pos..].trim_end().to_string());
                    }
                }
                if is_halt_line(&line) {
                    lock(&self.watch).halted = true;
                    if let Some(evt) = &self.halt_evt {
                        if let Err(e) = evt.write(1) {
                            log::warn!("serial: cannot signal the guest's halt: {e}");
                        }
                    }
                }
                self.line.clear();
            } else if self.line.len() < MAX_LINE {
                self.line.push(b);
            }
        }
    }
}

impl Write for ConsoleOutput {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.scan(buf);
        self.out.write_all(buf)?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}

/// Signals the event loop when the guest has drained the input FIFO, so
/// that input held back while it was full can be delivered.
#[derive(Debug)]
pub struct InputDrained(EventFd);

impl SerialEvents for InputDrained {
    fn buffer_read(&self) {}
    fn out_byte(&self) {}
    fn tx_lost_byte(&self) {}
    fn in_buffer_empty(&self) {
        if let Err(e) = self.0.write(1) {
            log::warn!("serial: cannot signal drained input: {e}");
        }
    }
}

/// The UART as seen by the vCPUs and the event loop.
pub struct SerialDevice {
    uart: Serial<EventFdTrigger, InputDrained, ConsoleOutput>,
}

impl std::fmt::Debug for SerialDevice {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SerialDevice").finish_non_exhaustive()
    }
}

/// The UART's registers and queued input, as saved in a snapshot (a
/// serializable copy of vm-superio's `SerialState`).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SerialState {
    /// Divisor latch, low byte.
    pub baud_divisor_low: u8,
    /// Divisor latch, high byte.
    pub baud_divisor_high: u8,
    /// IER.
    pub interrupt_enable: u8,
    /// IIR.
    pub interrupt_identification: u8,
    /// LCR.
    pub line_control: u8,
    /// LSR.
    pub line_status: u8,
    /// MCR.
    pub modem_control: u8,
    /// MSR.
    pub modem_status: u8,
    /// SCR.
    pub scratch: u8,
    /// Input not read by the guest yet.
    pub in_buffer: Vec<u8>,
}

/// Builds a `$ty` from `$s`, field by field: cr-vmm's [`SerialState`] and
/// vm-superio's have the same fields (vm-superio's is not serializable).
macro_rules! copy_serial_state {
    ($ty:path, $s:expr) => {{
        let s = $s;
        $ty {
            baud_divisor_low: s.baud_divisor_low,
            baud_divisor_high: s.baud_divisor_high,
            interrupt_enable: s.interrupt_enable,
            interrupt_identification: s.interrupt_identification,
            line_control: s.line_control,
            line_status: s.line_status,
            modem_control: s.modem_control,
            modem_status: s.modem_status,
            scratch: s.scratch,
            in_buffer: s.in_buffer,
        }
    }};
}

impl Persist for SerialDevice {
    type State = SerialState;
    /// The interrupt eventfd, the drained-input eventfd and the output.
    type Args = (EventFd, EventFd, ConsoleOutput);

    fn save(&self) -> SerialState {
        copy_serial_state!(SerialState, self.uart.state())
    }

    fn restore(
        (irq_evt, drained_evt, out): Self::Args,
        s: &SerialState,
    ) -> Result<Self, PersistError> {
        let st = copy_serial_state!(vm_superio::SerialState, s.clone());
        let uart = Serial::from_state(&st, EventFdTrigger(irq_evt), InputDrained(drained_evt), out)
            .map_err(|e| PersistError {
                device: "serial",
                msg: e.to_string(),
            })?;
        Ok(SerialDevice { uart })
    }
}

impl SerialDevice {
    /// A UART that raises `irq_evt`, writes to `out`, and signals
    /// `drained_evt` when the guest has read all queued input.
    pub fn new(irq_evt: EventFd, drained_evt: EventFd, out: ConsoleOutput) -> Self {
        SerialDevice {
            uart: Serial::with_events(EventFdTrigger(irq_evt), InputDrained(drained_evt), out),
        }
    }

    /// Queues as much of `input` as the FIFO has room for; returns how many
    /// bytes were taken.
    pub fn enqueue_input(&mut self, input: &[u8]) -> usize {
        let room = self.uart.fifo_capacity().min(input.len());
        if room == 0 {
            return 0;
        }
        match self.uart.enqueue_raw_bytes(&input[..room]) {
            Ok(n) => n,
            Err(e) => {
                log::warn!("serial: cannot queue input: {e:?}");
                0
            }
        }
    }
}

impl BusDevice for SerialDevice {
    fn read(&mut self, offset: u64, data: &mut [u8]) {
        if let Some(b) = data.first_mut() {
            *b = self.uart.read(offset as u8);
        }
    }

    fn write(&mut self, offset: u64, data: &[u8]) {
        if let Some(b) = data.first() {
            if let Err(e) = self.uart.write(offset as u8, *b) {
                log::warn!("serial: write failed: {e:?}");
            }
        }
    }
}

/// Feeds host stdin (or any readable fd) into the UART from the event loop.
///
/// Input the FIFO has no room for is held back and the input fd is no longer
/// watched until the guest drains the FIFO: nothing typed is lost, and a
/// guest that does not read its console does not make the VMM buffer
/// without bound.
pub struct SerialInput<R: io::Read + AsRawFd + Send> {
    input: R,
    serial: Arc<Mutex<SerialDevice>>,
    drained_evt: EventFd,
    pending: Vec<u8>,
    eof: bool,
}

impl<R: io::Read + AsRawFd + Send> SerialInput<R> {
    /// Watches `input` and forwards what it reads to `serial`; `drained_evt`
    /// is the event the device signals when its input FIFO is empty.
    pub fn new(input: R, serial: Arc<Mutex<SerialDevice>>, drained_evt: EventFd) -> Self {
        SerialInput {
            input,
            serial,
            drained_evt,
            pending: Vec::new(),
            eof: false,
        }
    }

    /// Pushes held-back input; true when all of it went into the FIFO.
    fn flush_pending(&mut self) -> bool {
        let n = lock(&self.serial).enqueue_input(&self.pending);
        self.pending.drain(..n);
        self.pending.is_empty()
    }
}

impl<R: io::Read + AsRawFd + Send> MutEventSubscriber for SerialInput<R> {
    fn process(&mut self, events: Events, ops: &mut EventOps) {
        let input_events = Events::new(&self.input, EventSet::IN);
        if events.fd() == self.drained_evt.as_raw_fd() {
            let _ = self.drained_evt.read();
            if !self.pending.is_empty() && self.flush_pending() && !self.eof {
                let _ = ops.add(input_events);
            }
            return;
        }
        let mut buf = [0u8; 256];
        let n = if events.event_set().contains(EventSet::IN) {
            self.input.read(&mut buf).unwrap_or(0)
        } else {
            0
        };
        if n == 0 {
            // EOF, error or hang-up: stop watching, the guest keeps running.
            self.eof = true;
            let _ = ops.remove(input_events);
            return;
        }
        self.pending.extend_from_slice(&buf[..n]);
        if !self.flush_pending() {
            // Wait for the guest to drain the FIFO before reading more.
            let _ = ops.remove(input_events);
        }
    }

    fn init(&mut self, ops: &mut EventOps) {
        if let Err(e) = ops.add(Events::new(&self.input, EventSet::IN)) {
            log::warn!("serial: cannot watch console input: {e}");
        }
        if let Err(e) = ops.add(Events::new(&self.drained_evt, EventSet::IN)) {
            log::warn!("serial: cannot watch the input FIFO: {e}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Clone, Default)]
    struct Shared(Arc<Mutex<Vec<u8>>>);
    impl Write for Shared {
        fn write(&mut self, b: &[u8]) -> io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(b);
            Ok(b.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn output_reaches_the_writer_and_panics_are_seen() {
        let sink = Shared::default();
        let watch = Arc::new(Mutex::new(ConsoleWatch::default()));
        let irq = EventFd::new(libc::EFD_NONBLOCK).unwrap();
        let drained = EventFd::new(libc::EFD_NONBLOCK).unwrap();
        let mut dev = SerialDevice::new(
            irq,
            drained,
            ConsoleOutput::new(Box::new(sink.clone()), watch.clone()),
        );
        for b in b"[ 1.0] Kernel panic - not syncing: VFS: Unable to mount root\nok\n" {
            dev.write(0, &[*b]);
        }
        assert!(String::from_utf8_lossy(&sink.0.lock().unwrap()).ends_with("ok\n"));
        assert!(!watch.lock().unwrap().halted);
        assert_eq!(
            watch.lock().unwrap().panic_line.as_deref(),
            Some("Kernel panic - not syncing: VFS: Unable to mount root")
        );
    }

    #[test]
    fn input_is_readable_by_the_guest_with_an_interrupt() {
        let watch = Arc::new(Mutex::new(ConsoleWatch::default()));
        let irq = EventFd::new(libc::EFD_NONBLOCK).unwrap();
        let drained = EventFd::new(libc::EFD_NONBLOCK).unwrap();
        let mut dev = SerialDevice::new(
            irq.try_clone().unwrap(),
            drained.try_clone().unwrap(),
            ConsoleOutput::new(Box::new(io::sink()), watch),
        );
        dev.write(1, &[1]); // IER: received-data interrupt
        assert_eq!(dev.enqueue_input(b"ab"), 2);
        assert!(irq.read().unwrap() >= 1);
        let mut b = [0u8];
        dev.read(0, &mut b);
        assert_eq!(b[0], b'a');
        assert!(drained.read().is_err(), "one byte still queued");
        dev.read(0, &mut b);
        assert_eq!(b[0], b'b');
        assert_eq!(drained.read().unwrap(), 1);
    }

    #[test]
    fn state_survives_save_and_restore() {
        let watch = Arc::new(Mutex::new(ConsoleWatch::default()));
        let evt = || EventFd::new(libc::EFD_NONBLOCK).unwrap();
        let out = || ConsoleOutput::new(Box::new(io::sink()), watch.clone());
        let mut dev = SerialDevice::new(evt(), evt(), out());
        dev.write(3, &[0x83]); // LCR: 8 bits, DLAB
        dev.write(0, &[0x0c]); // divisor low
        dev.write(3, &[0x03]);
        dev.write(1, &[1]); // IER
        dev.write(7, &[0x5a]); // scratch
        dev.enqueue_input(b"xy");
        let saved = dev.save();
        assert_eq!(saved.in_buffer, b"xy");
        let mut back = SerialDevice::restore((evt(), evt(), out()), &saved).unwrap();
        assert_eq!(back.save(), saved);
        let mut b = [0u8];
        back.read(7, &mut b);
        assert_eq!(b[0], 0x5a);
        back.read(0, &mut b);
        assert_eq!(b[0], b'x');
        // A FIFO larger than the UART's is refused.
        let mut big = saved.clone();
        big.in_buffer = vec![0; 1000];
        let e = SerialDevice::restore((evt(), evt(), out()), &big).unwrap_err();
        assert!(e.to_string().starts_with("serial: "), "{e}");
    }

    #[test]
    fn power_down_line_signals_a_halt() {
        let watch = Arc::new(Mutex::new(ConsoleWatch::default()));
        let halt = EventFd::new(libc::EFD_NONBLOCK).unwrap();
        let mut out = ConsoleOutput::new(Box::new(io::sink()), watch.clone())
            .with_halt_event(halt.try_clone().unwrap());
        out.write_all(b"[    8.1] reboot: Power dow").unwrap();
        assert!(halt.read().is_err(), "not before the line ends");
        out.write_all(b"n\n").unwrap();
        assert_eq!(halt.read().unwrap(), 1);
        assert!(watch.lock().unwrap().halted);
        assert!(is_halt_line(
            "[    1.57] reboot: Power off not available: System halted instead"
        ));
        assert!(!is_halt_line("System halted, says a program"));
    }

    #[test]
    fn a_full_fifo_takes_only_what_fits() {
        let watch = Arc::new(Mutex::new(ConsoleWatch::default()));
        let evt = || EventFd::new(libc::EFD_NONBLOCK).unwrap();
        let mut dev = SerialDevice::new(
            evt(),
            evt(),
            ConsoleOutput::new(Box::new(io::sink()), watch),
        );
        let big = vec![b'x'; 1000];
        let n = dev.enqueue_input(&big);
        assert!(n > 0 && n < 1000, "{n}");
        assert_eq!(dev.enqueue_input(&big), 0);
    }
}
