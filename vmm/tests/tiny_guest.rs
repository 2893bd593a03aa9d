//! VMM mechanics with purpose-built guests: a few instructions of 64-bit
//! code entered in long mode through the same boot path as Linux. They run
//! on any usable /dev/kvm (guest kernel mode may be emulated, so the code is
//! kept to a handful of instructions).

use std::io::Write;
use std::sync::{Arc, Mutex};

use cr_vmm::boot::KernelImage;
use cr_vmm::{GuestExit, VmConfig};

const LOAD: u64 = 0x10_0000;

#[derive(Clone, Default)]
struct Sink(Arc<Mutex<Vec<u8>>>);
impl Write for Sink {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Code that prints `text` on COM1.
fn print(text: &[u8]) -> Vec<u8> {
    let mut c = vec![0x66, 0xba, 0xf8, 0x03]; // mov dx, 0x3f8
    for b in text {
        c.extend_from_slice(&[0xb0, *b, 0xee]); // mov al, b; out dx, al
    }
    c
}

/// Code that resets through the i8042 (what `reboot=k` does).
const I8042_RESET: &[u8] = &[0xb0, 0xfe, 0xe6, 0x64, 0xf4]; // mov al,0xfe; out 0x64,al; hlt

fn run(code: Vec<u8>, vcpus: u32) -> (Result<GuestExit, cr_vmm::Error>, String) {
    assert!(
        std::path::Path::new("/dev/kvm").exists(),
        "these tests need /dev/kvm (run them through `cargo xtask test`, which uses the nested CI host where needed)"
    );
    let mut cfg = VmConfig::new(KernelImage::Raw { code, addr: LOAD });
    cfg.mem_mib = 32;
    cfg.vcpus = vcpus;
    let sink = Sink::default();
    let r = cr_vmm::run(&cfg, Box::new(sink.clone()), None);
    let out = String::from_utf8_lossy(&sink.0.lock().unwrap()).into_owned();
    (r, out)
}

#[test]
fn serial_output_then_keyboard_reset_exits_cleanly() {
    let mut code = print(b"hello from the guest\n");
    code.extend_from_slice(I8042_RESET);
    let (r, out) = run(code, 1);
    assert_eq!(r.unwrap(), GuestExit::Reboot("keyboard controller reset"));
    assert_eq!(out, "hello from the guest\n");
}

#[test]
fn triple_fault_is_a_reboot() {
    // The boot IDT is empty: a non-canonical load -> #GP -> #DF -> triple
    // fault.
    let mut code = print(b"x");
    code.extend_from_slice(&[0x48, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0x80]); // movabs rax, 1<<63
    code.extend_from_slice(&[0x48, 0x8b, 0x00]); // mov rax, [rax]
    let (r, out) = run(code, 1);
    assert_eq!(r.unwrap(), GuestExit::Reboot("triple fault"));
    assert_eq!(out, "x");
}

#[test]
fn kernel_panic_line_makes_a_crash() {
    let mut code = print(b"Kernel panic - not syncing: test\n");
    code.extend_from_slice(I8042_RESET);
    let (r, _) = run(code, 1);
    assert_eq!(
        r.unwrap(),
        GuestExit::Panic("Kernel panic - not syncing: test".into())
    );
}

#[test]
fn idle_application_processors_are_stopped_at_exit() {
    // Three APs wait for a SIPI that never comes; the VMM must still stop
    // their threads and return.
    let mut code = print(b"smp\n");
    code.extend_from_slice(I8042_RESET);
    let (r, out) = run(code, 4);
    assert_eq!(r.unwrap(), GuestExit::Reboot("keyboard controller reset"));
    assert_eq!(out, "smp\n");
}
