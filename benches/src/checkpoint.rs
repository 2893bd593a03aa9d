//! The checkpoint benchmark (issue: in-kernel c/r): checkpoint(2) of a
//! process with 64 and 256 MiB of dirty anonymous memory into a pipe
//! drained by the guest agent, against writing the same number of bytes
//! through the same kind of pipe from user space, alternating in one guest
//! (`guest-agent ckpt-bench`); plus the image size against the process's
//! resident memory. The same run also boots a guest for the event-loop
//! case (`guest-agent evloop-bench`, see [`crate::evloop`]).

use std::collections::BTreeMap;
use std::time::Duration;

use anyhow::bail;
use xtask::kvm_probe::Mode;
use xtask::{nested, run};

use crate::evloop;
use crate::stats::{field, list, median};

/// Sizes measured, in MiB.
const SIZES: &str = "64,256";

pub fn checkpoint(mode: Mode, runs: u32) -> anyhow::Result<()> {
    if runs < 3 {
        bail!("--runs must be at least 3");
    }
    let mut script = format!(
        "\"$CRVMM\" run --kernel \"$IMAGES/bzImage\" --initrd \"$IMAGES/initramfs.cpio\" \
         --mem-mib 1024 --append '-- guest-agent ckpt-bench {SIZES} {runs}' </dev/null\n"
    );
    script.push_str(&evloop::script(runs));
    let opts = nested::Options {
        timeout: Duration::from_secs(130 * u64::from(runs) + 420),
        echo: false,
        ..Default::default()
    };
    eprintln!(
        "bench checkpoint: {SIZES} MiB, {runs} runs each, alternating; then an event-loop process \
         vs a plain one, {runs} runs each, alternating; guest {mode}"
    );
    let out = run::script(mode, &script, &opts)?;
    // Both cases print what they have; the first error is returned.
    let pipe = pipe_case(mode, &out, runs);
    let event_loop = evloop::report(mode, &out, runs);
    pipe.and(event_loop)
}

/// checkpoint(2) into a pipe against a user-space pipe write.
fn pipe_case(mode: Mode, out: &nested::Output, runs: u32) -> anyhow::Result<()> {
    // mib -> (checkpoint us, pipe us, ratios, size ratio)
    #[derive(Default)]
    struct Row {
        ckpt: Vec<f64>,
        pipe: Vec<f64>,
        ratio: Vec<f64>,
        bytes: f64,
        size_ratio: Option<f64>,
    }
    let mut rows: BTreeMap<u64, Row> = BTreeMap::new();
    for l in &out.lines {
        let Some(rest) = l.text.strip_prefix("ckpt-bench: ") else {
            continue;
        };
        let num = |k| field(rest, k).and_then(|v| v.parse::<f64>().ok());
        let Some(mib) = field(rest, "mib").and_then(|v| v.parse::<u64>().ok()) else {
            continue;
        };
        let row = rows.entry(mib).or_default();
        if let (Some(c), Some(p), Some(b)) = (num("ckpt_us"), num("pipe_us"), num("bytes")) {
            row.ckpt.push(c / 1000.0);
            row.pipe.push(p / 1000.0);
            row.ratio.push(c / p);
            row.bytes = b;
        }
        if let Some(r) = num("size_ratio") {
            row.size_ratio = Some(r);
        }
    }
    if rows.len() != 2 || rows.values().any(|r| r.ckpt.len() != runs as usize) {
        bail!("the guest did not report every run:\n{}", out.text());
    }
    for (mib, r) in &mut rows {
        println!("{mib} MiB: checkpoint runs (ms): {}", list(&r.ckpt, 0));
        println!("{mib} MiB: pipe write runs (ms): {}", list(&r.pipe, 0));
        let (c, p, q) = (
            median(&mut r.ckpt),
            median(&mut r.pipe),
            median(&mut r.ratio),
        );
        println!(
            "{mib} MiB ({mode}): checkpoint median {c:.0} ms ({:.0} MiB/s), user-space pipe median {p:.0} ms, \
             median ratio checkpoint/pipe = {q:.2} (target <= 1.3); image/RSS = {:.3} (target <= 1.02)",
            r.bytes / (1 << 20) as f64 / (c / 1000.0),
            r.size_ratio.unwrap_or(f64::NAN)
        );
    }
    Ok(())
}
