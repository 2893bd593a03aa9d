//! Running a shell script that uses cr-vmm and the guest images, either on
//! this host or inside the nested CI host, with the same script text: it
//! finds cr-vmm in `$CRVMM`, the guest images in `$IMAGES` and the network
//! peers (tests/net) in `$PEERS`.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, Context};

use crate::kvm_probe::Mode;
use crate::nested::{self, Line, Output};
use crate::paths;

/// Runs `script` in `mode`. Output is collected (and echoed if `opts.echo`).
pub fn script(mode: Mode, script: &str, opts: &nested::Options) -> anyhow::Result<Output> {
    match mode {
        Mode::Nested => {
            // TERM=dumb: output is captured line by line, so no progress
            // bars redrawing a line.
            let drives: String = (0..opts.drives.len())
                .map(|i| format!(" DRIVE{i}=/dev/vd{}", (b'a' + i as u8) as char))
                .collect();
            let full = format!(
                "export CRVMM=/bin/cr-vmm IMAGES={} PEERS=/bin TERM=dumb{drives}\n{script}",
                paths::NESTED_IMAGES
            );
            nested::run(&full, opts)
        }
        Mode::Host => run_on_host(script, opts),
    }
}

fn run_on_host(script: &str, opts: &nested::Options) -> anyhow::Result<Output> {
    let crvmm = paths::static_bin("cr-vmm");
    if !crvmm.exists() {
        bail!(
            "{} is missing: run `cargo xtask images` first",
            crvmm.display()
        );
    }
    let images = paths::out().join("guest");
    // Mirror the nested layout: $IMAGES/bzImage, $IMAGES/initramfs.cpio.
    let start = Instant::now();
    let mut cmd = Command::new("sh");
    // As in the CI host, what the script writes to a drive is thrown
    // away: it gets a sparse copy, removed afterwards.
    let mut copies = Vec::new();
    for (i, d) in opts.drives.iter().enumerate() {
        let copy = std::env::temp_dir().join(format!("crvmm-drive-{}-{i}", std::process::id()));
        let st = Command::new("cp")
            .arg("--sparse=always")
            .arg(d)
            .arg(&copy)
            .status()
            .context("running cp")?;
        if !st.success() {
            bail!("copying {} for the script failed", d.display());
        }
        cmd.env(format!("DRIVE{i}"), &copy);
        copies.push(TempCopy(copy));
    }
    let mut child = cmd
        .arg("-c")
        .arg(script)
        .env("CRVMM", &crvmm)
        .env("IMAGES", &images)
        .env("PEERS", images.join("bin"))
        .env("TERM", "dumb")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .context("starting sh")?;
    let out = child.stdout.take().context("stdout")?;
    let mut lines = Vec::new();
    for line in BufReader::new(out).split(b'\n') {
        let text = String::from_utf8_lossy(&line?).replace('\r', "");
        if opts.echo {
            eprintln!("{text}");
        }
        lines.push(Line {
            at: start.elapsed(),
            text,
        });
        if start.elapsed() > opts.timeout {
            let _ = child.kill();
            bail!("timed out after {:?}", opts.timeout);
        }
    }
    let st = child.wait()?;
    Ok(Output {
        status: st.code().unwrap_or(128),
        lines,
    })
}

/// A file removed when dropped.
struct TempCopy(std::path::PathBuf);

impl Drop for TempCopy {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// A timeout that suits one boot of the guest in `mode`.
pub fn boot_timeout(mode: Mode) -> Duration {
    match mode {
        Mode::Host => Duration::from_secs(60),
        Mode::Nested => Duration::from_secs(150),
    }
}
