//! The 16550 UART console (vm-superio) at COM1, its interrupt delivered by
//! irqfd on IRQ 4, its output written to the host (stdout by default) and
//! watched for the kernel's panic line, its input fed from host stdin.

use std::io::{self, Write};
use std::os::fd::AsRawFd;
use std::sync::{Arc, Mutex};

use event_manager::{EventOps, EventSet, Events, MutEventSubscriber};
use vm_superio::serial::NoEvents;
use vm_superio::Serial;
use vmm_sys_util::eventfd::EventFd;

use super::bus::{lock, PioDevice};
use super::EventFdTrigger;

/// COM1's first port.
pub const COM1_BASE: u16 = 0x3f8;
/// Ports of one UART.
pub const COM1_LEN: u16 = 8;
/// COM1's ISA interrupt.
pub const COM1_IRQ: u32 = 4;

const PANIC_MARKER: &str = "Kernel panic - not syncing";
const MAX_LINE: usize = 512;

/// What the console saw that the VMM cares about.
#[derive(Debug, Default)]
pub struct ConsoleWatch {
    /// The guest kernel's panic line, once one was printed.
    pub panic_line: Option<String>,
}

/// The host side of the console: a writer plus a line scanner.
pub struct ConsoleOutput {
    out: Box<dyn Write + Send>,
    line: Vec<u8>,
    watch: Arc<Mutex<ConsoleWatch>>,
}

impl ConsoleOutput {
    /// Console output into `out`, reporting what it sees into `watch`.
    pub fn new(out: Box<dyn Write + Send>, watch: Arc<Mutex<ConsoleWatch>>) -> Self {
        ConsoleOutput {
            out,
            line: Vec::with_capacity(MAX_LINE),
            watch,
        }
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

/// The UART as seen by the vCPUs and the event loop.
pub struct SerialDevice {
    uart: Serial<EventFdTrigger, NoEvents, ConsoleOutput>,
}

impl std::fmt::Debug for SerialDevice {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SerialDevice").finish_non_exhaustive()
    }
}

impl SerialDevice {
    /// A UART that raises `irq_evt` and writes to `out`.
    pub fn new(irq_evt: EventFd, out: ConsoleOutput) -> Self {
        SerialDevice {
            uart: Serial::new(EventFdTrigger(irq_evt), out),
        }
    }

    /// Queues host input for the guest; returns how many bytes fit.
    pub fn enqueue_input(&mut self, input: &[u8]) -> usize {
        let room = self.uart.fifo_capacity().min(input.len());
        match self.uart.enqueue_raw_bytes(&input[..room]) {
            Ok(n) => n,
            Err(e) => {
                log::warn!("serial: dropping input: {e:?}");
                0
            }
        }
    }
}

impl PioDevice for SerialDevice {
    fn read(&mut self, offset: u16, data: &mut [u8]) {
        if let Some(b) = data.first_mut() {
            *b = self.uart.read(offset as u8);
        }
    }

    fn write(&mut self, offset: u16, data: &[u8]) {
        if let Some(b) = data.first() {
            if let Err(e) = self.uart.write(offset as u8, *b) {
                log::warn!("serial: write failed: {e:?}");
            }
        }
    }
}

/// Feeds host stdin (or any readable fd) into the UART from the event loop.
pub struct SerialInput<R: io::Read + AsRawFd + Send> {
    input: R,
    serial: Arc<Mutex<SerialDevice>>,
}

impl<R: io::Read + AsRawFd + Send> SerialInput<R> {
    /// Watches `input` and forwards what it reads to `serial`.
    pub fn new(input: R, serial: Arc<Mutex<SerialDevice>>) -> Self {
        SerialInput { input, serial }
    }
}

impl<R: io::Read + AsRawFd + Send> MutEventSubscriber for SerialInput<R> {
    fn process(&mut self, events: Events, ops: &mut EventOps) {
        let mut buf = [0u8; 64];
        let n = if events.event_set().contains(EventSet::IN) {
            self.input.read(&mut buf).unwrap_or(0)
        } else {
            0
        };
        if n == 0 {
            // EOF, error or hang-up: stop watching, the guest keeps running.
            let _ = ops.remove(Events::new(&self.input, EventSet::IN));
            return;
        }
        let sent = lock(&self.serial).enqueue_input(&buf[..n]);
        if sent < n {
            log::warn!("serial: guest input FIFO full, dropped {} bytes", n - sent);
        }
    }

    fn init(&mut self, ops: &mut EventOps) {
        if let Err(e) = ops.add(Events::new(&self.input, EventSet::IN)) {
            log::warn!("serial: cannot watch console input: {e}");
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
        let mut dev = SerialDevice::new(
            irq,
            ConsoleOutput::new(Box::new(sink.clone()), watch.clone()),
        );
        for b in b"[ 1.0] Kernel panic - not syncing: VFS: Unable to mount root\nok\n" {
            dev.write(0, &[*b]);
        }
        assert!(String::from_utf8_lossy(&sink.0.lock().unwrap()).ends_with("ok\n"));
        assert_eq!(
            watch.lock().unwrap().panic_line.as_deref(),
            Some("Kernel panic - not syncing: VFS: Unable to mount root")
        );
    }

    #[test]
    fn input_is_readable_by_the_guest_with_an_interrupt() {
        let watch = Arc::new(Mutex::new(ConsoleWatch::default()));
        let irq = EventFd::new(libc::EFD_NONBLOCK).unwrap();
        let mut dev = SerialDevice::new(
            irq.try_clone().unwrap(),
            ConsoleOutput::new(Box::new(io::sink()), watch),
        );
        dev.write(1, &[1]); // IER: received-data interrupt
        assert_eq!(dev.enqueue_input(b"ab"), 2);
        assert!(irq.read().unwrap() >= 1);
        let mut b = [0u8];
        dev.read(0, &mut b);
        assert_eq!(b[0], b'a');
    }
}
