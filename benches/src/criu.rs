//! The CRIU benchmark (issue 16 item 5): cr-vmm's checkpoint(2) and
//! restart(2) against `criu dump` and `criu restore` (Debian's criu in the
//! rootfs) on the same two workloads in the same guest, alternating which
//! goes first after an uncounted warm-up run of each (`guest-agent
//! criu-bench`): a small process (<= 4 MiB
//! resident, 2 threads, 10 fds) and one with 256 MiB of dirty anonymous
//! memory. Every restore is checked (CRIU's exit status, the workload's
//! answer, its heap checksum, threads and fds); prints medians and the
//! ratios CRIU/cr-vmm.

use std::collections::BTreeMap;
use std::time::Duration;

use anyhow::bail;
use xtask::kvm_probe::Mode;
use xtask::{nested, run};

use crate::stats::{field, list, median};

/// Targets: how many times faster than CRIU cr-vmm should be.
const SMALL_TARGET: f64 = 3.0;
const LARGE_TARGET: f64 = 1.0;

pub fn criu(mode: Mode, runs: u32) -> anyhow::Result<()> {
    if runs < 5 {
        bail!("--runs must be at least 5");
    }
    let rootfs = xtask::rootfs::image();
    if !rootfs.exists() {
        bail!(
            "{} is missing: `cargo xtask bench criu` builds it (or run `cargo xtask images rootfs`)",
            rootfs.display()
        );
    }
    let script = format!(
        "\"$CRVMM\" run --kernel \"$IMAGES/bzImage\" --rootfs \"$DRIVE0\" --mem-mib 1536 \
         --append '-- /usr/local/sbin/guest-agent criu-bench {runs}' </dev/null\n"
    );
    let opts = nested::Options {
        drives: vec![rootfs],
        timeout: Duration::from_secs(120 * u64::from(runs) + 300),
        echo: false,
        ..Default::default()
    };
    eprintln!(
        "bench criu: a small process and one with 256 MiB dirty, {runs} runs each with cr-vmm and \
         with CRIU, alternating, after a warm-up run of each; guest {mode}"
    );
    let out = run::script(mode, &script, &opts)?;
    report(mode, &out, runs)
}

/// (workload, tool) -> dump and restore times (ms), and what was measured.
#[derive(Default)]
struct Cell {
    dump: Vec<f64>,
    restore: Vec<f64>,
    shape: String,
}

fn report(mode: Mode, out: &nested::Output, runs: u32) -> anyhow::Result<()> {
    let mut cells: BTreeMap<(String, String), Cell> = BTreeMap::new();
    for l in &out.lines {
        if let Some(w) = l.text.strip_prefix("criu-bench-warm-up: ") {
            let ms = |k| {
                field(w, k)
                    .and_then(|v| v.parse::<f64>().ok())
                    .map(|v| v / 1000.0)
            };
            if let (Some(wl), Some(t), Some(d), Some(r)) = (
                field(w, "workload"),
                field(w, "tool"),
                ms("dump_us"),
                ms("restore_us"),
            ) {
                println!("{wl} {t} warm-up (not counted): dump {d:.1} ms, restore {r:.1} ms");
            }
            continue;
        }
        let Some(rest) = l.text.strip_prefix("criu-bench: ") else {
            continue;
        };
        if let Some(c) = rest.strip_prefix("criu check: ") {
            println!("criu check: {c}");
            continue;
        }
        let (Some(w), Some(t)) = (field(rest, "workload"), field(rest, "tool")) else {
            continue;
        };
        let num = |k| field(rest, k).and_then(|v| v.parse::<f64>().ok());
        let (Some(d), Some(r)) = (num("dump_us"), num("restore_us")) else {
            continue;
        };
        let cell = cells.entry((w.to_string(), t.to_string())).or_default();
        cell.dump.push(d / 1000.0);
        cell.restore.push(r / 1000.0);
        cell.shape = format!(
            "rss {} KiB, {} threads, {} fds, image {} KiB",
            field(rest, "rss_kib").unwrap_or("?"),
            field(rest, "threads").unwrap_or("?"),
            field(rest, "fds").unwrap_or("?"),
            field(rest, "image_kib").unwrap_or("?")
        );
    }
    let complete = ["small", "large"].iter().all(|w| {
        ["crvmm", "criu"].iter().all(|t| {
            cells
                .get(&(w.to_string(), t.to_string()))
                .is_some_and(|c| c.dump.len() == runs as usize)
        })
    });
    if !complete {
        bail!(
            "the guest did not report every run (a failed dump or restore is named above):\n{}",
            out.text()
        );
    }
    let mut missed = Vec::new();
    for (w, target) in [("small", SMALL_TARGET), ("large", LARGE_TARGET)] {
        let mut med = |t: &str, which: &str| -> f64 {
            let Some(c) = cells.get_mut(&(w.to_string(), t.to_string())) else {
                return f64::NAN;
            };
            let v = if which == "dump" {
                &mut c.dump
            } else {
                &mut c.restore
            };
            println!("{w} {t} {which} runs (ms): {}", list(v, 1));
            median(v)
        };
        let (cd, cr) = (med("crvmm", "dump"), med("crvmm", "restore"));
        let (kd, kr) = (med("criu", "dump"), med("criu", "restore"));
        let shape = &cells[&(w.to_string(), "crvmm".to_string())].shape;
        let criu_shape = &cells[&(w.to_string(), "criu".to_string())].shape;
        println!("{w}: cr-vmm: {shape}; CRIU: {criu_shape}");
        for (which, ours, theirs) in [("dump", cd, kd), ("restore", cr, kr)] {
            let ratio = theirs / ours;
            println!(
                "{w} ({mode}): {which} median cr-vmm {ours:.1} ms, CRIU {theirs:.1} ms, \
                 ratio CRIU/cr-vmm = {ratio:.2} (target >= {target})"
            );
            if ratio < target {
                missed.push(format!("{w} {which}: {ratio:.2} < {target}"));
            }
        }
    }
    if missed.is_empty() {
        println!("criu: every target met");
    } else {
        println!("criu: targets missed: {}", missed.join(", "));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use xtask::nested::{Line, Output};

    fn output(lines: &[String]) -> Output {
        Output {
            status: 0,
            lines: lines
                .iter()
                .map(|t| Line {
                    at: Duration::ZERO,
                    text: t.clone(),
                })
                .collect(),
        }
    }

    fn runs(n: u32) -> Vec<String> {
        let mut v = vec!["criu-bench: criu check: Looks good.".to_string()];
        for run in 0..n {
            for (w, t, d, r) in [
                ("small", "crvmm", 2_000, 3_000),
                ("small", "criu", 40_000, 60_000),
                ("large", "crvmm", 900_000, 800_000),
                ("large", "criu", 1_800_000, 1_000_000),
            ] {
                v.push(format!(
                    "criu-bench: workload={w} tool={t} run={run} rss_kib=2000 threads=2 fds=13 \
                     image_kib=100 dump_us={d} restore_us={r}"
                ));
            }
        }
        v
    }

    #[test]
    fn every_run_is_needed() {
        assert!(report(Mode::Host, &output(&runs(5)), 5).is_ok());
        let mut short = runs(5);
        short.pop();
        assert!(report(Mode::Host, &output(&short), 5).is_err());
        assert!(report(Mode::Host, &output(&[]), 5).is_err());
    }
}
