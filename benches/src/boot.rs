//! The boot benchmark: cr-vmm against QEMU microvm, same kernel, same
//! initramfs, same machine, alternating runs.

use std::time::Duration;

use anyhow::{bail, Context};
use xtask::kvm_probe::Mode;
use xtask::{nested, run};

use crate::stats::{list, median};

const READY: &str = "crvmm-init: ready";

/// Host files that QEMU needs to run inside the CI host: the binary, its
/// shared libraries (from ldd) and the microvm firmware.
fn qemu_files() -> anyhow::Result<Vec<(std::path::PathBuf, String)>> {
    let qemu = "/usr/bin/qemu-system-x86_64";
    let mut files = vec![(qemu.into(), "bin/qemu-system-x86_64".to_string())];
    let out = std::process::Command::new("ldd")
        .arg(qemu)
        .output()
        .context("ldd qemu-system-x86_64")?;
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        let path = line
            .split("=>")
            .nth(1)
            .unwrap_or(line)
            .split_whitespace()
            .next()
            .unwrap_or("");
        if path.starts_with('/') {
            let real = std::fs::canonicalize(path)?;
            files.push((real, path.trim_start_matches('/').to_string()));
        }
    }
    for fw in ["qboot.rom", "linuxboot_dma.bin", "pvh.bin"] {
        let p = std::path::Path::new("/usr/share/qemu").join(fw);
        if p.exists() {
            files.push((std::fs::canonicalize(&p)?, format!("usr/share/qemu/{fw}")));
        }
    }
    Ok(files)
}

/// `cargo xtask bench boot`: time from VMM process start to the guest
/// init's ready line, cr-vmm against QEMU microvm on the same kernel and
/// initramfs, alternating, `runs` each.
pub fn boot(mode: Mode, runs: u32) -> anyhow::Result<()> {
    if runs < 3 {
        bail!("--runs must be at least 3");
    }
    let common =
        "console=ttyS0 panic=-1 pci=off 8250.nr_uarts=1 i8042.noaux i8042.nomux i8042.dumbkbd";
    let mut script = String::from("export LD_LIBRARY_PATH=\nfor i in $(seq 1 RUNS); do\n");
    script = script.replace("RUNS", &runs.to_string());
    script.push_str(&format!(
        "echo bench-start crvmm $i\n\
         \"$CRVMM\" run --kernel \"$IMAGES/bzImage\" --initrd \"$IMAGES/initramfs.cpio\" --mem-mib 128 \
         --cmdline '{common} reboot=k' </dev/null || echo bench-fail crvmm $i\n\
         echo bench-start qemu $i\n\
         qemu-system-x86_64 -L /usr/share/qemu -M microvm,x-option-roms=off,rtc=off,acpi=off,pic=on,pit=on \
         -enable-kvm -cpu host -m 128 -smp 1 -nodefaults -no-reboot -display none -serial stdio \
         -kernel \"$IMAGES/bzImage\" -initrd \"$IMAGES/initramfs.cpio\" -append '{common} reboot=t' </dev/null \
         || echo bench-fail qemu $i\n\
         done\n"
    ));
    let mut opts = nested::Options {
        timeout: Duration::from_secs(60 * u64::from(runs) + 300),
        echo: false,
        ..Default::default()
    };
    if mode == Mode::Nested {
        opts.files = qemu_files()?;
    }
    eprintln!("bench boot: {runs} runs each, alternating, guests {mode}");
    let out = run::script(mode, &script, &opts)?;
    let (mut crvmm, mut qemu) = (Vec::new(), Vec::new());
    let mut current: Option<(String, Duration)> = None;
    for l in &out.lines {
        if let Some(rest) = l.text.strip_prefix("bench-start ") {
            let vmm = rest.split_whitespace().next().unwrap_or("").to_string();
            current = Some((vmm, l.at));
        } else if l.text.starts_with("bench-fail") {
            bail!(
                "a VMM failed during the benchmark: {}\n{}",
                l.text,
                out.text()
            );
        } else if l.text.contains(READY) {
            if let Some((vmm, t0)) = current.take() {
                let ms = (l.at - t0).as_secs_f64() * 1000.0;
                if vmm == "crvmm" {
                    crvmm.push(ms)
                } else {
                    qemu.push(ms)
                }
            }
        }
    }
    if crvmm.len() != runs as usize || qemu.len() != runs as usize {
        bail!(
            "expected {runs} boots of each VMM, got cr-vmm {} / qemu {}; output:\n{}",
            crvmm.len(),
            qemu.len(),
            out.text()
        );
    }
    println!("cr-vmm runs (ms): {}", list(&crvmm, 0));
    println!("qemu   runs (ms): {}", list(&qemu, 0));
    let (mc, mq) = (median(&mut crvmm), median(&mut qemu));
    println!("boot to init ({mode}): cr-vmm median {mc:.0} ms, qemu microvm median {mq:.0} ms, ratio cr-vmm/qemu = {:.2}", mc / mq);
    Ok(())
}
