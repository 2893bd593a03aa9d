//! `cargo xtask fuzz guest --minutes N [--seed S]`: the long restart fuzz
//! run inside the guest. The guest boots under cr-vmm with `kmemleak=on`
//! and runs `tests/guest/cr-fuzz-long`: rounds of `cr-selftest fuzz` (mutated
//! single, tree and threaded images fed to restart(2)), a new seed each,
//! until the time is up; then a kmemleak scan and a look at the kernel log.
//! Any failed round, hang, kernel complaint or leak fails the run.

use std::time::Duration;

use anyhow::bail;

use crate::kvm_probe::Mode;
use crate::{nested, run};

/// Cases per round (each round also fuzzes trees with half and threads with
/// a quarter as many).
pub const CASES: u32 = 400;

/// The outcome of a long run, from the script's summary line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Summary {
    /// Rounds run.
    pub rounds: u64,
    /// Rounds that reported an unexpected outcome.
    pub failed: u64,
    /// Rounds over their time limit.
    pub hangs: u64,
    /// Oops/BUG/WARNING lines in the kernel log.
    pub complaints: u64,
    /// kmemleak's suspected leaks (None: kmemleak was not available).
    pub leaks: Option<u64>,
}

impl Summary {
    /// True when nothing went wrong.
    pub fn clean(&self) -> bool {
        self.rounds > 0
            && self.failed == 0
            && self.hangs == 0
            && self.complaints == 0
            && self.leaks == Some(0)
    }
}

/// Parses the `fuzz-guest: done ...` line.
pub fn parse_summary(line: &str) -> Option<Summary> {
    let rest = line.strip_prefix("fuzz-guest: done ")?;
    let get = |k: &str| {
        rest.split_whitespace()
            .find_map(|kv| kv.strip_prefix(k)?.strip_prefix('='))
    };
    let num = |k: &str| get(k).and_then(|v| v.parse::<u64>().ok());
    Some(Summary {
        rounds: num("rounds")?,
        failed: num("failed")?,
        hangs: num("hangs")?,
        complaints: num("kernel_complaints")?,
        leaks: num("leaks"),
    })
}

/// Runs the guest fuzzer for `minutes` from `seed`.
pub fn run(mode: Mode, minutes: u32, seed: u64) -> anyhow::Result<Summary> {
    if minutes == 0 {
        bail!("--minutes must be at least 1");
    }
    let script = format!(
        "\"$CRVMM\" run --kernel \"$IMAGES/bzImage\" --initrd \"$IMAGES/initramfs.cpio\" --mem-mib 512 \
         --append 'kmemleak=on -- /bin/cr-fuzz-long {minutes} {seed} {CASES}' < /dev/null\n\
         echo \"cr-vmm-status=$?\"\n"
    );
    let opts = nested::Options {
        // The last round may start just before the end: it has 15 minutes.
        timeout: run::boot_timeout(mode) + Duration::from_secs(u64::from(minutes) * 60 + 900),
        echo: true,
        ..Default::default()
    };
    eprintln!("fuzz guest: {minutes} min from seed {seed}, {CASES} cases per round, kmemleak on");
    let out = run::script(mode, &script, &opts)?;
    let Some(summary) = out.lines.iter().find_map(|l| parse_summary(&l.text)) else {
        bail!(
            "the guest fuzz run ended without its summary (status {})",
            out.status
        );
    };
    // A check that fails in a process the round does not wait for (a
    // restarted copy) does not change the round's status: count every
    // FAIL line the guest printed.
    let fail_lines: Vec<&str> = out
        .lines
        .iter()
        .map(|l| l.text.as_str())
        .filter(|t| t.starts_with("FAIL"))
        .collect();
    println!(
        "fuzz guest: {} rounds of {CASES}+{}+{} mutated restarts, {} failed, {} FAIL lines, {} hung, {} kernel complaints, leaks: {}",
        summary.rounds,
        CASES / 2,
        CASES / 4,
        summary.failed,
        fail_lines.len(),
        summary.hangs,
        summary.complaints,
        summary
            .leaks
            .map_or("kmemleak unavailable".to_string(), |n| n.to_string())
    );
    for l in &fail_lines {
        println!("fuzz guest: {l}");
    }
    if !summary.clean() || !fail_lines.is_empty() {
        bail!("the guest fuzz run found problems (see the fuzz-guest: and FAIL lines above)");
    }
    Ok(summary)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summary_line_parses() {
        let s = parse_summary("fuzz-guest: done minutes=2 rounds=5 cases_per_round=400 first_seed=1 failed=0 hangs=0 kernel_complaints=0 leaks=0").unwrap();
        assert!(s.clean());
        assert_eq!(s.rounds, 5);
        let s = parse_summary("fuzz-guest: done minutes=2 rounds=5 cases_per_round=400 first_seed=1 failed=1 hangs=0 kernel_complaints=0 leaks=unavailable").unwrap();
        assert!(!s.clean());
        assert_eq!(s.leaks, None);
        assert!(parse_summary("fuzz-guest: round 1").is_none());
    }
}
