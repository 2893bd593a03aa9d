//! The event-loop case of the checkpoint benchmark (issue 26 item 7): a
//! small server-like process (2 threads, an epoll set of 10 files with an
//! eventfd, timerfds and a signalfd, 4 MiB of anonymous memory) against a
//! plain single-threaded process of the same anonymous memory, in one
//! guest, alternating run by run (`guest-agent evloop-bench`): time from
//! the checkpoint request to the image complete, and from the restart
//! request to the process running again (its first tick after restart).
//! The ratios are event loop / plain, the median of the per-run ratios;
//! the target is at most 1.2.
//!
//! The same runs have a third workload (issue 29 item 8): the plain one
//! with 10 established TCP connections to a peer outside the tree (the
//! agent), checkpointed with HOLD and killed as `checkpoint --kill` does.
//! Its connections are held from the checkpoint request until the
//! restored process runs (checkpoint + restart time), printed against the
//! plain workload's in the same run; and the peer's stall: from the
//! checkpoint request until every connection echoed a byte the peer sent
//! while the process was gone (dropped by the hold, sent again on the
//! peer's retransmission timer).

use std::collections::BTreeMap;

use anyhow::bail;
use xtask::kvm_probe::Mode;
use xtask::nested::Output;

use crate::stats::{field, list, median};

/// Target of both ratios, event loop / plain.
pub const TARGET: f64 = 1.2;

/// The guest's command line for `runs` runs.
pub fn script(runs: u32) -> String {
    format!(
        "\"$CRVMM\" run --kernel \"$IMAGES/bzImage\" --initrd \"$IMAGES/initramfs.cpio\" \
         --mem-mib 256 --append '-- guest-agent evloop-bench {runs}' </dev/null\n"
    )
}

/// One workload's measurement in one run (times in ms).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Sample {
    pub ckpt_ms: f64,
    pub rst_ms: f64,
    pub freeze_ms: f64,
    /// The part of `freeze_ms` spent making the freeze group (0 if the
    /// guest did not say).
    pub group_ms: f64,
    pub rss_kib: f64,
    pub anon_kib: f64,
    pub image_bytes: f64,
    pub threads: f64,
    pub epoll_items: f64,
    /// The TCP workload: the peer's stall (0 for the others).
    pub stall_ms: f64,
}

/// The samples of both workloads, by run.
#[derive(Debug, Default, PartialEq)]
pub struct Runs {
    pub evloop: BTreeMap<u32, Sample>,
    pub plain: BTreeMap<u32, Sample>,
    pub tcp: BTreeMap<u32, Sample>,
}

/// Parses the `evloop-bench: run=N kind=... ckpt_us=...` lines (others,
/// and lines missing a field, are skipped).
pub fn parse<'a>(lines: impl IntoIterator<Item = &'a str>) -> Runs {
    let mut runs = Runs::default();
    for l in lines {
        let Some(rest) = l.strip_prefix("evloop-bench: ") else {
            continue;
        };
        let num = |k| field(rest, k).and_then(|v| v.parse::<f64>().ok());
        let Some(run) = field(rest, "run").and_then(|v| v.parse::<u32>().ok()) else {
            continue;
        };
        let map = match field(rest, "kind") {
            Some("evloop") => &mut runs.evloop,
            Some("plain") => &mut runs.plain,
            Some("tcp") => &mut runs.tcp,
            _ => continue,
        };
        let (Some(c), Some(r), Some(f), Some(rss), Some(anon), Some(img), Some(t), Some(e)) = (
            num("ckpt_us"),
            num("rst_us"),
            num("freeze_us"),
            num("rss_kib"),
            num("anon_kib"),
            num("image_bytes"),
            num("threads"),
            num("epoll_items"),
        ) else {
            continue;
        };
        map.insert(
            run,
            Sample {
                ckpt_ms: c / 1000.0,
                rst_ms: r / 1000.0,
                freeze_ms: f / 1000.0,
                group_ms: num("group_us").unwrap_or(0.0) / 1000.0,
                rss_kib: rss,
                anon_kib: anon,
                image_bytes: img,
                threads: t,
                epoll_items: e,
                stall_ms: num("stall_us").unwrap_or(0.0) / 1000.0,
            },
        );
    }
    runs
}

/// Medians of one workload: each field the median of the runs' samples.
pub type Medians = Sample;

/// What the benchmark reports.
#[derive(Debug, PartialEq)]
pub struct Summary {
    pub evloop: Medians,
    pub plain: Medians,
    /// Median of the per-run ratios event loop / plain.
    pub ckpt_ratio: f64,
    pub rst_ratio: f64,
}

fn medians(s: &[&Sample]) -> Medians {
    let m = |f: fn(&Sample) -> f64| median(&mut s.iter().map(|x| f(x)).collect::<Vec<_>>());
    Medians {
        ckpt_ms: m(|x| x.ckpt_ms),
        rst_ms: m(|x| x.rst_ms),
        freeze_ms: m(|x| x.freeze_ms),
        group_ms: m(|x| x.group_ms),
        rss_kib: m(|x| x.rss_kib),
        anon_kib: m(|x| x.anon_kib),
        image_bytes: m(|x| x.image_bytes),
        threads: m(|x| x.threads),
        epoll_items: m(|x| x.epoll_items),
        stall_ms: m(|x| x.stall_ms),
    }
}

/// Medians and ratios over runs `0..want`; an error naming what is
/// missing unless both workloads reported every run.
pub fn summarize(runs: &Runs, want: u32) -> Result<Summary, String> {
    let mut pairs = Vec::new();
    for run in 0..want {
        match (runs.evloop.get(&run), runs.plain.get(&run)) {
            (Some(e), Some(p)) => pairs.push((e, p)),
            (e, p) => {
                return Err(format!(
                    "run {run}: no result of the {} workload",
                    if e.is_none() && p.is_none() {
                        "evloop and plain"
                    } else if e.is_none() {
                        "evloop"
                    } else {
                        "plain"
                    }
                ))
            }
        }
    }
    if pairs.is_empty() {
        return Err("no runs".into());
    }
    let ev: Vec<&Sample> = pairs.iter().map(|(e, _)| *e).collect();
    let pl: Vec<&Sample> = pairs.iter().map(|(_, p)| *p).collect();
    let mut ckpt: Vec<f64> = pairs.iter().map(|(e, p)| e.ckpt_ms / p.ckpt_ms).collect();
    let mut rst: Vec<f64> = pairs.iter().map(|(e, p)| e.rst_ms / p.rst_ms).collect();
    Ok(Summary {
        evloop: medians(&ev),
        plain: medians(&pl),
        ckpt_ratio: median(&mut ckpt),
        rst_ratio: median(&mut rst),
    })
}

/// The TCP workload against the plain one: medians, and the median of
/// the per-run ratios of their held time (checkpoint + restart).
#[derive(Debug, PartialEq)]
pub struct TcpSummary {
    pub tcp: Medians,
    /// Median checkpoint + restart time: the TCP workload's connections
    /// held; the plain workload's, the baseline.
    pub hold_ms: f64,
    pub plain_hold_ms: f64,
    /// Median of the per-run ratios tcp / plain of that time.
    pub hold_ratio: f64,
    /// Median of the per-run ratios stall / held time.
    pub stall_ratio: f64,
}

/// The TCP summary of runs `0..want`; an error naming a run that lacks
/// the TCP or the plain workload.
pub fn summarize_tcp(runs: &Runs, want: u32) -> Result<TcpSummary, String> {
    let mut pairs = Vec::new();
    for run in 0..want {
        match (runs.tcp.get(&run), runs.plain.get(&run)) {
            (Some(t), Some(p)) => pairs.push((t, p)),
            _ => return Err(format!("run {run}: no result of the tcp or plain workload")),
        }
    }
    if pairs.is_empty() {
        return Err("no runs".into());
    }
    let held = |x: &Sample| x.ckpt_ms + x.rst_ms;
    let tcp: Vec<&Sample> = pairs.iter().map(|(t, _)| *t).collect();
    let mut hold: Vec<f64> = pairs.iter().map(|(t, _)| held(t)).collect();
    let mut plain: Vec<f64> = pairs.iter().map(|(_, p)| held(p)).collect();
    let mut ratio: Vec<f64> = pairs.iter().map(|(t, p)| held(t) / held(p)).collect();
    let mut stall: Vec<f64> = pairs.iter().map(|(t, _)| t.stall_ms / held(t)).collect();
    Ok(TcpSummary {
        tcp: medians(&tcp),
        hold_ms: median(&mut hold),
        plain_hold_ms: median(&mut plain),
        hold_ratio: median(&mut ratio),
        stall_ratio: median(&mut stall),
    })
}

/// Whether `ratio` meets the target, as printed (two decimals).
pub fn verdict(ratio: f64) -> &'static str {
    if (ratio * 100.0).round() <= TARGET * 100.0 {
        "met"
    } else {
        "NOT met"
    }
}

/// Prints the event-loop case from the guest's output (`runs` runs).
pub fn report(mode: Mode, out: &Output, runs: u32) -> anyhow::Result<()> {
    let parsed = parse(out.lines.iter().map(|l| l.text.as_str()));
    let s = match summarize(&parsed, runs) {
        Ok(s) => s,
        Err(why) => bail!(
            "event-loop case: the guest did not report every run ({why}):\n{}",
            out.text()
        ),
    };
    for (name, m) in [("evloop", &parsed.evloop), ("plain", &parsed.plain)] {
        let v = |f: fn(&Sample) -> f64| m.values().map(f).collect::<Vec<_>>();
        println!(
            "event loop: {name:6} checkpoint runs (ms): {}",
            list(&v(|x| x.ckpt_ms), 2)
        );
        println!(
            "event loop: {name:6} restart runs (ms):    {}",
            list(&v(|x| x.rst_ms), 2)
        );
    }
    let e = &s.evloop;
    let p = &s.plain;
    println!(
        "event loop ({mode}): evloop ({:.0} threads, {:.0} epoll items) vs plain ({:.0} thread), \
         anonymous RSS {:.0} / {:.0} KiB (RSS {:.0} / {:.0} KiB), image {:.0} / {:.0} KiB",
        e.threads,
        e.epoll_items,
        p.threads,
        e.anon_kib,
        p.anon_kib,
        e.rss_kib,
        p.rss_kib,
        e.image_bytes / 1024.0,
        p.image_bytes / 1024.0
    );
    println!(
        "event loop ({mode}): checkpoint median evloop {:.2} ms, plain {:.2} ms (freeze {:.2} / {:.2} ms, \
         of which making the freeze group {:.2} / {:.2} ms); \
         median ratio evloop/plain = {:.2} (target <= {TARGET}: {})",
        e.ckpt_ms,
        p.ckpt_ms,
        e.freeze_ms,
        p.freeze_ms,
        e.group_ms,
        p.group_ms,
        s.ckpt_ratio,
        verdict(s.ckpt_ratio)
    );
    println!(
        "event loop ({mode}): restart median evloop {:.2} ms, plain {:.2} ms; \
         median ratio evloop/plain = {:.2} (target <= {TARGET}: {})",
        e.rst_ms,
        p.rst_ms,
        s.rst_ratio,
        verdict(s.rst_ratio)
    );
    report_tcp(mode, out, &parsed, runs)
}

/// Prints the TCP workload's lines (see the module comment).
fn report_tcp(mode: Mode, out: &Output, parsed: &Runs, runs: u32) -> anyhow::Result<()> {
    let t = match summarize_tcp(parsed, runs) {
        Ok(t) => t,
        Err(why) => bail!(
            "TCP case: the guest did not report every run ({why}):\n{}",
            out.text()
        ),
    };
    let v = |f: fn(&Sample) -> f64| parsed.tcp.values().map(f).collect::<Vec<_>>();
    println!(
        "tcp: held (checkpoint + restart) runs (ms): {}",
        list(&v(|x| x.ckpt_ms + x.rst_ms), 2)
    );
    println!("tcp: peer stall runs (ms): {}", list(&v(|x| x.stall_ms), 1));
    println!(
        "tcp ({mode}): a {:.0} KiB process with 10 TCP connections to a peer outside: held median \
         {:.2} ms (medians: checkpoint {:.2}, restart {:.2}), plain process {:.2} ms; median \
         ratio tcp/plain = {:.2}",
        t.tcp.anon_kib, t.hold_ms, t.tcp.ckpt_ms, t.tcp.rst_ms, t.plain_hold_ms, t.hold_ratio
    );
    println!(
        "tcp ({mode}): the peer's stall (checkpoint request to the echo of what it sent while the \
         process was gone) median {:.1} ms; median ratio stall/held = {:.1} (the peer's \
         retransmission timer)",
        t.tcp.stall_ms, t.stall_ratio
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(run: u32, kind: &str, ckpt: u32, rst: u32) -> String {
        format!(
            "evloop-bench: run={run} kind={kind} ckpt_us={ckpt} rst_us={rst} freeze_us=100 \
             rss_kib=5200 anon_kib=4100 image_bytes=4300000 threads=2 fds=17 epoll_items=10"
        )
    }

    #[test]
    fn parses_the_guest_lines() {
        let lines = [
            "evloop-bench: 3 runs, anonymous RSS 4096 KiB, 10 epoll items, tick 1000 us"
                .to_string(),
            line(0, "evloop", 2000, 3000),
            "crvmm-init: something else".to_string(),
            line(0, "plain", 1000, 2000),
            // Missing fields, an unknown kind: skipped.
            "evloop-bench: run=1 kind=evloop ckpt_us=5".to_string(),
            line(1, "other", 1, 1),
            "evloop-bench: done runs=3".to_string(),
        ];
        let runs = parse(lines.iter().map(String::as_str));
        assert_eq!(runs.evloop.len(), 1);
        assert_eq!(runs.plain.len(), 1);
        let e = &runs.evloop[&0];
        assert_eq!(e.ckpt_ms, 2.0);
        assert_eq!(e.rst_ms, 3.0);
        assert_eq!(e.freeze_ms, 0.1);
        assert_eq!(e.anon_kib, 4100.0);
        assert_eq!(e.image_bytes, 4_300_000.0);
        assert_eq!(e.epoll_items, 10.0);
        assert_eq!(runs.plain[&0].ckpt_ms, 1.0);
    }

    #[test]
    fn ratios_are_medians_of_per_run_ratios() {
        let lines = [
            line(0, "evloop", 1100, 3000),
            line(0, "plain", 1000, 2000),
            line(1, "plain", 2000, 2000),
            line(1, "evloop", 2600, 2200),
            line(2, "evloop", 1000, 1000),
            line(2, "plain", 1000, 2000),
        ];
        let runs = parse(lines.iter().map(String::as_str));
        let s = summarize(&runs, 3).unwrap();
        // checkpoint ratios 1.1, 1.3, 1.0; restart 1.5, 1.1, 0.5.
        assert!((s.ckpt_ratio - 1.1).abs() < 1e-9);
        assert!((s.rst_ratio - 1.1).abs() < 1e-9);
        assert_eq!(s.evloop.ckpt_ms, 1.1);
        assert_eq!(s.plain.rst_ms, 2.0);
        assert_eq!(verdict(s.ckpt_ratio), "met");
        assert_eq!(verdict(1.2 + 1e-12), "met");
        assert_eq!(verdict(1.204), "met");
        assert_eq!(verdict(1.21), "NOT met");
        assert_eq!(verdict(f64::NAN), "NOT met");
        // A run without one of the workloads is an error.
        let short = parse(lines[..5].iter().map(String::as_str));
        assert_eq!(
            summarize(&short, 3).err().as_deref(),
            Some("run 2: no result of the plain workload")
        );
        assert!(summarize(&runs, 4).is_err());
    }

    #[test]
    fn tcp_ratios_are_medians_of_per_run_ratios() {
        let lines = [
            line(0, "plain", 1000, 2000),
            format!("{} stall_us=300000", line(0, "tcp", 2000, 4000)),
            line(1, "plain", 1000, 1000),
            format!("{} stall_us=250000", line(1, "tcp", 1000, 1000)),
            line(2, "plain", 2000, 2000),
            format!("{} stall_us=220000", line(2, "tcp", 3000, 3000)),
        ];
        let runs = parse(lines.iter().map(String::as_str));
        let t = summarize_tcp(&runs, 3).unwrap();
        // held 6/3, 2/2, 6/4 ms: ratios 2, 1, 1.5; stall/held 50, 125, 36.7.
        assert!((t.hold_ratio - 1.5).abs() < 1e-9);
        assert_eq!(t.hold_ms, 6.0);
        assert_eq!(t.plain_hold_ms, 3.0);
        assert!((t.stall_ratio - 50.0).abs() < 1e-9);
        assert_eq!(t.tcp.stall_ms, 250.0);
        assert_eq!(
            summarize_tcp(&runs, 4).err().as_deref(),
            Some("run 3: no result of the tcp or plain workload")
        );
    }

    #[test]
    fn report_needs_every_run() {
        let lines = [
            line(0, "evloop", 1100, 3000),
            line(0, "plain", 1000, 2000),
            line(0, "tcp", 1000, 2000),
            line(1, "plain", 2000, 2000),
            line(1, "evloop", 2600, 2200),
            line(1, "tcp", 2000, 2000),
        ];
        let out = Output {
            status: 0,
            lines: lines
                .iter()
                .map(|t| xtask::nested::Line {
                    at: std::time::Duration::ZERO,
                    text: t.clone(),
                })
                .collect(),
        };
        assert!(report(Mode::Host, &out, 2).is_ok());
        let e = report(Mode::Host, &out, 3).unwrap_err().to_string();
        assert!(
            e.contains("run 2: no result of the evloop and plain workload"),
            "{e}"
        );
    }
}
