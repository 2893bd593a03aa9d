//! `cargo xtask soak`: boots the nested-KVM CI host many times, several at
//! once as `cargo xtask test` does, and runs one representative job in
//! each (the guest booted under cr-vmm, a checkpoint and a restart over
//! vsock, a VM snapshot), with the tests' stall detection and no retry.
//! Every stall is reported with the CI host's last output and what its
//! QEMU was doing ([`nested::diagnose`]); the summary counts runs, stalls
//! and other failures (issue 27: a CI host that stops for good).

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::kvm_probe::Mode;
use crate::nested::{self, Options, STALL_MARKER};
use crate::run;

/// The job each CI host runs: the guest booted under cr-vmm with a vsock
/// agent, then `cycles` rounds of a checkpoint (`--kill`), a restart over
/// vsock and a VM snapshot, then `idle_secs` with the guest left running
/// (a heartbeat line every 10 s). More cycles or idle time make a
/// longer-lived CI host, the kind that stalled; an idle CI host with an
/// idle guest is what was seen stalled under Firecracker. It prints
/// `soak-step=` lines as it goes and `soak-ok` at the end; a step that
/// fails prints `soak-fail=STEP`.
pub fn job(cycles: u32, idle_secs: u32) -> String {
    format!(
        r#"V=/tmp/v.sock
A=/tmp/api.sock
c() {{ sub=$1; shift; "$CRVMM" "$sub" --vsock-uds $V "$@"; }}
fail() {{ echo "soak-fail=$1"; tail -n 20 /tmp/vm.log; exit 1; }}
# The CI host's clocks as it booted them: the first things to compare
# between a run that stalled and one that did not.
dmesg | grep -iE 'apic|tsc|clocksource|clockevent|hpet|calibrat' | sed 's/^/soak-clock: /'
echo "soak-clock: clocksource $(cat /sys/devices/system/clocksource/clocksource0/current_clocksource 2>/dev/null)" \
    "clockevent $(cat /sys/devices/system/clockevents/clockevent0/current_device 2>/dev/null)" \
    "tick $(grep -m1 -o 'mode: *[0-9]' /proc/timer_list 2>/dev/null) (0 periodic, 1 one-shot)"
"$CRVMM" run --kernel "$IMAGES/bzImage" --initrd "$IMAGES/initramfs.cpio" --mem-mib 256     --vsock-uds $V --api-sock $A --append '-- sleep 100000' > /tmp/vm.log 2>&1 &
vm=$!
c version > /dev/null || fail boot
echo soak-step=booted
pid=$(c spawn -- /bin/guest-agent counter 50) || fail spawn
i=0
while [ $i -lt {cycles} ]; do
    i=$((i + 1))
    sleep 1
    c checkpoint --pid "$pid" -o /tmp/soak.img --kill > /dev/null || fail checkpoint
    echo soak-step=checkpointed cycle=$i
    out=$(c restart /tmp/soak.img) || fail restart
    pid=${{out##*guest pid }}
    echo soak-step=restarted cycle=$i
    rm -rf /tmp/soak.snap
    "$CRVMM" snapshot --api-sock $A --dir /tmp/soak.snap > /tmp/snap.out 2>&1 || fail snapshot
    echo soak-step=snapshot cycle=$i
    c ps > /dev/null || fail after-snapshot
done
t=0
while [ $t -lt {idle_secs} ]; do
    sleep 10
    t=$((t + 10))
    echo soak-step=idle secs=$t
done
c ps > /dev/null || fail after-idle
kill $vm
wait $vm
echo soak-ok
"#
    )
}

/// What changes the CI host for a soak (to test a candidate fix).
#[derive(Debug, Clone, Default)]
pub struct Variant {
    /// Checkpoint/restart/snapshot rounds per run.
    pub cycles: u32,
    /// Seconds each CI host then idles with its guest running.
    pub idle_secs: u32,
    /// Extra words for the CI host kernel's command line.
    pub host_append: String,
    /// QEMU `-accel` value in place of the default.
    pub accel: Option<String>,
}

/// How one run ended.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// The job ran to its end.
    Ok,
    /// The CI host printed nothing for [`nested::STALL_SECS`]: the
    /// diagnosis (last output, QEMU's threads, the vCPUs' state).
    Stall(String),
    /// Any other failure: what it printed or the error.
    Failed(String),
}

/// Classifies a run from what [`run::script`] returned.
pub fn outcome(r: &anyhow::Result<nested::Output>) -> Outcome {
    match r {
        Ok(out) if out.status == 0 && out.lines.iter().any(|l| l.text == "soak-ok") => Outcome::Ok,
        Ok(out) => Outcome::Failed(format!("exit status {}:\n{}", out.status, out.text())),
        Err(e) => {
            let text = format!("{e:#}");
            if text.starts_with(STALL_MARKER) {
                Outcome::Stall(text)
            } else {
                Outcome::Failed(text)
            }
        }
    }
}

/// What the soak found.
#[derive(Debug, Default)]
pub struct Report {
    pub runs: u32,
    pub stalls: u32,
    pub failures: u32,
    /// Wall-clock time of each run that ended, in seconds.
    pub secs: Vec<f64>,
}

impl Report {
    pub fn summary(&self) -> String {
        let mut secs = self.secs.clone();
        secs.sort_by(f64::total_cmp);
        let median = secs.get(secs.len() / 2).copied().unwrap_or(0.0);
        format!(
            "soak: {} runs, {} stalls, {} other failures (median run {:.0} s)",
            self.runs, self.stalls, self.failures, median
        )
    }
}

/// Runs the job `runs` times, `jobs` CI hosts at once. Only nested mode
/// has a CI host to soak.
pub fn soak(mode: Mode, runs: u32, jobs: usize, v: &Variant) -> anyhow::Result<Report> {
    if mode != Mode::Nested {
        anyhow::bail!(
            "soak boots the nested CI host, and guests here run on this host's /dev/kvm: \
             use `cargo xtask soak --nested`"
        );
    }
    let next = AtomicU32::new(0);
    let report = Mutex::new(Report::default());
    let started = Instant::now();
    std::thread::scope(|s| {
        for _ in 0..jobs.max(1) {
            s.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::SeqCst);
                if i >= runs {
                    return;
                }
                let opts = Options {
                    timeout: Duration::from_secs(
                        900 + 120 * u64::from(v.cycles) + 2 * u64::from(v.idle_secs),
                    ),
                    stall_after: Some(Duration::from_secs(nested::STALL_SECS)),
                    echo: false,
                    host_append: v.host_append.clone(),
                    accel: v.accel.clone(),
                    ..Default::default()
                };
                let t = Instant::now();
                let r = run::script(mode, &job(v.cycles.max(1), v.idle_secs), &opts);
                let secs = t.elapsed().as_secs_f64();
                let o = outcome(&r);
                let mut rep = report.lock().unwrap_or_else(|p| p.into_inner());
                rep.runs += 1;
                rep.secs.push(secs);
                let at = started.elapsed().as_secs();
                match o {
                    Outcome::Ok => {
                        eprintln!("soak: run {}/{runs}: ok ({secs:.0} s; {at} s in)", i + 1)
                    }
                    Outcome::Stall(why) => {
                        rep.stalls += 1;
                        eprintln!(
                            "soak: run {}/{runs}: STALL ({secs:.0} s; {at} s in)\n{why}",
                            i + 1
                        );
                    }
                    Outcome::Failed(why) => {
                        rep.failures += 1;
                        eprintln!(
                            "soak: run {}/{runs}: FAILED ({secs:.0} s; {at} s in)\n{why}",
                            i + 1
                        );
                    }
                }
            });
        }
    });
    Ok(report.into_inner().unwrap_or_else(|p| p.into_inner()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nested::{Line, Output};

    fn out(status: i32, lines: &[&str]) -> anyhow::Result<Output> {
        Ok(Output {
            status,
            lines: lines
                .iter()
                .map(|t| Line {
                    at: Duration::ZERO,
                    text: t.to_string(),
                })
                .collect(),
        })
    }

    #[test]
    fn outcomes() {
        assert_eq!(
            outcome(&out(0, &["soak-step=booted", "soak-ok"])),
            Outcome::Ok
        );
        assert!(matches!(
            outcome(&out(0, &["soak-step=booted"])),
            Outcome::Failed(_)
        ));
        assert!(matches!(
            outcome(&out(1, &["soak-fail=restart", "soak-ok"])),
            Outcome::Failed(_)
        ));
        let stall: anyhow::Result<Output> = Err(anyhow::anyhow!(
            "{STALL_MARKER}: it printed nothing for 240 s"
        ));
        assert!(matches!(outcome(&stall), Outcome::Stall(_)));
        let other: anyhow::Result<Output> = Err(anyhow::anyhow!("nested run timed out"));
        assert!(matches!(outcome(&other), Outcome::Failed(_)));
    }

    #[test]
    fn the_summary_counts() {
        let r = Report {
            runs: 3,
            stalls: 1,
            failures: 0,
            secs: vec![90.0, 60.0, 240.0],
        };
        assert_eq!(
            r.summary(),
            "soak: 3 runs, 1 stalls, 0 other failures (median run 90 s)"
        );
    }

    #[test]
    fn the_job_steps_through_checkpoint_restart_and_snapshot() {
        let j = job(7, 30);
        for step in ["booted", "checkpointed", "restarted", "snapshot"] {
            assert!(j.contains(&format!("echo soak-step={step}")), "{step}");
        }
        assert!(j.contains("while [ $i -lt 7 ]"));
        assert!(j.contains("while [ $t -lt 30 ]"));
        assert!(j.trim_end().ends_with("echo soak-ok"));
    }
}
