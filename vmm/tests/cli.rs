//! The `cr-vmm run` command line: every bad input gets one clear line on
//! stderr and exit status 1, never a panic; a good tiny ELF kernel runs.

use std::io::Write;
use std::os::unix::process::CommandExt;
use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_cr-vmm");

/// A minimal ELF64 "kernel" whose code is loaded and entered at 1 MiB.
fn tiny_elf(code: &[u8]) -> Vec<u8> {
    let entry: u64 = 0x10_0000;
    let mut e = vec![0x7f, b'E', b'L', b'F', 2, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0];
    e.extend_from_slice(&2u16.to_le_bytes()); // ET_EXEC
    e.extend_from_slice(&0x3eu16.to_le_bytes()); // x86_64
    e.extend_from_slice(&1u32.to_le_bytes());
    e.extend_from_slice(&entry.to_le_bytes());
    e.extend_from_slice(&64u64.to_le_bytes()); // phoff
    e.extend_from_slice(&0u64.to_le_bytes()); // shoff
    e.extend_from_slice(&0u32.to_le_bytes());
    for v in [64u16, 56, 1, 64, 0, 0] {
        e.extend_from_slice(&v.to_le_bytes());
    }
    e.extend_from_slice(&1u32.to_le_bytes()); // PT_LOAD
    e.extend_from_slice(&5u32.to_le_bytes()); // R+X
    e.extend_from_slice(&120u64.to_le_bytes()); // offset
    e.extend_from_slice(&entry.to_le_bytes()); // vaddr
    e.extend_from_slice(&entry.to_le_bytes()); // paddr
    e.extend_from_slice(&(code.len() as u64).to_le_bytes());
    e.extend_from_slice(&(code.len() as u64).to_le_bytes());
    e.extend_from_slice(&0x1000u64.to_le_bytes());
    assert_eq!(e.len(), 120);
    e.extend_from_slice(code);
    e
}

fn print_and_reset(text: &[u8]) -> Vec<u8> {
    let mut c = vec![0x66, 0xba, 0xf8, 0x03];
    for b in text {
        c.extend_from_slice(&[0xb0, *b, 0xee]);
    }
    c.extend_from_slice(&[0xb0, 0xfe, 0xe6, 0x64, 0xf4]);
    c
}

fn file_with(bytes: &[u8]) -> tempfile::NamedTempFile {
    let mut f = tempfile::NamedTempFile::new().unwrap();
    f.write_all(bytes).unwrap();
    f
}

fn crvmm(args: &[&str]) -> Output {
    Command::new(BIN).arg("run").args(args).output().unwrap()
}

/// Asserts a one-line error containing `needle` and exit status 1.
fn assert_error(out: &Output, needle: &str) {
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "stderr: {err}");
    assert!(!err.contains("panicked"), "panic: {err}");
    assert_eq!(err.lines().count(), 1, "not one line: {err}");
    assert!(err.starts_with("cr-vmm: error: "), "{err}");
    assert!(err.contains(needle), "expected '{needle}' in: {err}");
}

#[test]
fn missing_kernel() {
    let out = crvmm(&["--kernel", "/nonexistent/bzImage"]);
    assert_error(
        &out,
        "cannot read kernel /nonexistent/bzImage: No such file or directory",
    );
}

#[test]
fn kernel_that_is_a_directory() {
    let out = crvmm(&["--kernel", "/tmp"]);
    assert_error(&out, "cannot read kernel /tmp: Is a directory");
}

#[test]
fn unreadable_kernel() {
    if unsafe_is_root() {
        // Root reads anything: drop to nobody for this check.
        let f = file_with(&tiny_elf(&[0xf4]));
        std::fs::set_permissions(
            f.path(),
            std::os::unix::fs::PermissionsExt::from_mode(0o600),
        )
        .unwrap();
        let out = Command::new(BIN)
            .args(["run", "--kernel"])
            .arg(f.path())
            .uid(65534)
            .gid(65534)
            .output()
            .unwrap();
        assert_error(&out, "Permission denied");
    } else {
        eprintln!("SKIPPED unreadable_kernel: needs root to create a file its user cannot read");
    }
}

#[test]
fn file_that_is_not_a_kernel() {
    let f = file_with(b"#!/bin/sh\necho hello\n");
    let out = crvmm(&["--kernel", f.path().to_str().unwrap()]);
    assert_error(&out, "is not a Linux kernel");
}

#[test]
fn truncated_bzimage() {
    let mut b = vec![0u8; 0x400];
    b[0x202..0x206].copy_from_slice(b"HdrS");
    let f = file_with(&b);
    let out = crvmm(&["--kernel", f.path().to_str().unwrap()]);
    assert_error(&out, "kernel");
}

#[test]
fn missing_initrd() {
    let k = file_with(&tiny_elf(&[0xf4]));
    let out = crvmm(&[
        "--kernel",
        k.path().to_str().unwrap(),
        "--initrd",
        "/nonexistent/initrd",
    ]);
    assert_error(&out, "cannot read initrd /nonexistent/initrd");
}

#[test]
fn initrd_that_does_not_fit() {
    let k = file_with(&tiny_elf(&[0xf4]));
    let rd = file_with(&vec![0u8; 20 << 20]);
    let out = crvmm(&[
        "--kernel",
        k.path().to_str().unwrap(),
        "--initrd",
        rd.path().to_str().unwrap(),
        "--mem-mib",
        "16",
    ]);
    assert_error(&out, "does not fit in guest memory");
}

#[test]
fn memory_too_small_and_too_large() {
    let k = file_with(&tiny_elf(&[0xf4]));
    let p = k.path().to_str().unwrap();
    assert_error(
        &crvmm(&["--kernel", p, "--mem-mib", "1"]),
        "--mem-mib 1 is too small",
    );
    assert_error(
        &crvmm(&["--kernel", p, "--mem-mib", "1000000000"]),
        "--mem-mib 1000000000 is too large: this host has",
    );
}

#[test]
fn vcpu_counts() {
    let k = file_with(&tiny_elf(&[0xf4]));
    let p = k.path().to_str().unwrap();
    assert_error(
        &crvmm(&["--kernel", p, "--vcpus", "0"]),
        "--vcpus must be at least 1",
    );
    assert_error(
        &crvmm(&["--kernel", p, "--vcpus", "1000"]),
        "--vcpus 1000 is more than",
    );
}

#[test]
fn no_kvm_device() {
    let k = file_with(&tiny_elf(&[0xf4]));
    let out = crvmm(&[
        "--kernel",
        k.path().to_str().unwrap(),
        "--kvm-device",
        "/nonexistent/kvm",
    ]);
    assert_error(
        &out,
        "/nonexistent/kvm does not exist: KVM is not available",
    );
}

#[test]
fn no_permission_on_kvm_device() {
    if !unsafe_is_root() {
        eprintln!("SKIPPED no_permission_on_kvm_device: needs root to drop to another uid");
        return;
    }
    let k = file_with(&tiny_elf(&[0xf4]));
    std::fs::set_permissions(
        k.path(),
        std::os::unix::fs::PermissionsExt::from_mode(0o644),
    )
    .unwrap();
    // A device node only root may open (like /dev/kvm here), opened as nobody.
    let dir = tempfile::tempdir().unwrap();
    let node = dir.path().join("kvm");
    std::fs::write(&node, b"").unwrap();
    std::fs::set_permissions(&node, std::os::unix::fs::PermissionsExt::from_mode(0o600)).unwrap();
    std::fs::set_permissions(
        dir.path(),
        std::os::unix::fs::PermissionsExt::from_mode(0o755),
    )
    .unwrap();
    let out = Command::new(BIN)
        .args(["run", "--kernel"])
        .arg(k.path())
        .arg("--kvm-device")
        .arg(&node)
        .uid(65534)
        .gid(65534)
        .output()
        .unwrap();
    assert_error(&out, "no permission to open");
}

#[test]
fn tiny_elf_kernel_runs_and_exits_zero() {
    assert!(
        std::path::Path::new("/dev/kvm").exists(),
        "this test needs /dev/kvm"
    );
    let k = file_with(&tiny_elf(&print_and_reset(b"elf-ok\n")));
    let out = crvmm(&["--kernel", k.path().to_str().unwrap(), "--mem-mib", "32"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout), "elf-ok\n");
}

fn unsafe_is_root() -> bool {
    // SAFETY: geteuid has no preconditions.
    unsafe { libc::geteuid() == 0 }
}
