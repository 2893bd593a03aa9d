//! The snapshot benchmark (issue: snapshots and cross-check): in one run of
//! the CI host, for 256 MiB, 1 GiB and 4 GiB guests,
//! - full snapshot time (`cr-vmm snapshot`, the VM paused) against copying
//!   a file of the same size on the same filesystem (`cp` + `sync`),
//!   alternating; the ratio is snapshot throughput / copy throughput;
//! - restore latency (`cr-vmm restore` until the vCPUs start, as it logs
//!   it), which must stay flat as memory grows: memory is mapped
//!   privately from the file, not read;
//! - diff snapshot size against the pages a guest process dirtied since
//!   the previous snapshot (8, 32 and 64 MiB, in a 256 MiB guest).

use std::collections::BTreeMap;
use std::time::Duration;

use anyhow::bail;
use xtask::kvm_probe::Mode;
use xtask::{nested, run};

use crate::stats::{field, list, median};

const SIZES: [u64; 3] = [256, 1024, 4096];
/// MiB a guest process dirties between two snapshots.
const DIRTY: [u64; 3] = [8, 32, 64];

fn script(runs: u32) -> String {
    let sizes: Vec<String> = SIZES.iter().map(u64::to_string).collect();
    format!(
        r#"A=/tmp/bench-api.sock
# Centiseconds since boot (busybox date has no %N).
cs() {{ read u _ < /proc/uptime; echo "${{u%.*}}${{u#*.}}"; }}
# Room for a 4 GiB memory file and its copy.
mount -o remount,size=90% /tmp
for mib in {sizes}; do
    "$CRVMM" run --kernel "$IMAGES/bzImage" --initrd "$IMAGES/initramfs.cpio" --mem-mib $mib \
        --api-sock $A --append '-- sleep 100000' < /dev/null > /tmp/vm.log 2>&1 &
    vm=$!
    n=0; until grep -q 'crvmm-init: ready' /tmp/vm.log || [ $n -gt 600 ]; do sleep 0.1; n=$((n+1)); done
    for r in $(seq {runs}); do
        rm -rf /tmp/s$mib
        out=$("$CRVMM" snapshot --api-sock $A --dir /tmp/s$mib --json | tr -d '{{}}"' | tr ',:' ' =')
        t0=$(cs); cp /tmp/s$mib/memory /tmp/copy; sync; t1=$(cs)
        rm -f /tmp/copy
        echo "snap-bench: mib=$mib $out cp_ms=$(( (t1 - t0) * 10 ))"
    done
    kill $vm; wait $vm; rm -f $A
done
# Restores, the sizes interleaved so that they share the machine's state
# (every snapshot stays in /tmp until the end).
for r in $(seq {runs}); do
    for mib in {sizes}; do
        CR_VMM_LOG=info "$CRVMM" restore --snapshot /tmp/s$mib --api-sock $A < /dev/null > /tmp/r.log 2>&1 &
        rv=$!
        n=0; until grep -q 'restored ' /tmp/r.log || [ $n -gt 1200 ]; do sleep 0.05; n=$((n+1)); done
        us=$(sed -n 's/.* in \([0-9]*\) us.*/\1/p' /tmp/r.log | head -n 1)
        echo "restore-bench: mib=$mib us=$us $(sed -n 's/.*(before the vCPUs start): \(.*\)/\1/p' /tmp/r.log | head -n 1)"
        [ -n "$us" ] || sed 's/^/restore-failed: /' /tmp/r.log
        kill $rv; wait $rv; rm -f $A
    done
done
rm -rf /tmp/s*
# Diff snapshots: a process dirties N MiB between a snapshot and a diff.
V=/tmp/bench-v.sock
"$CRVMM" run --kernel "$IMAGES/bzImage" --initrd "$IMAGES/initramfs.cpio" --mem-mib 256 \
    --api-sock $A --vsock-uds $V --track-dirty-pages --append '-- sleep 100000' < /dev/null > /tmp/vm.log 2>&1 &
vm=$!
"$CRVMM" version --vsock-uds $V > /dev/null
"$CRVMM" snapshot --api-sock $A --dir /tmp/base > /dev/null
for mib in {dirty}; do
    hog=$("$CRVMM" spawn --vsock-uds $V -- /bin/guest-agent hog $mib)
    n=0; until grep -q "hog: $mib MiB dirty, pid $hog" /tmp/vm.log || [ $n -gt 600 ]; do sleep 0.1; n=$((n+1)); done
    "$CRVMM" kill --vsock-uds $V --pid $hog > /dev/null
    out=$("$CRVMM" snapshot --api-sock $A --dir /tmp/d$mib --diff --json | tr -d '{{}}"' | tr ',:' ' =')
    echo "diff-bench: dirtied_mib=$mib $out"
done
kill $vm; wait $vm
"#,
        sizes = sizes.join(" "),
        dirty = DIRTY
            .iter()
            .map(u64::to_string)
            .collect::<Vec<_>>()
            .join(" ")
    )
}

pub fn snapshot(mode: Mode, runs: u32) -> anyhow::Result<()> {
    if runs < 3 {
        bail!("--runs must be at least 3");
    }
    let opts = nested::Options {
        timeout: Duration::from_secs(240 * u64::from(runs) + 600),
        echo: false,
        mem_mib: 12288,
        ..Default::default()
    };
    eprintln!("bench snapshot: {SIZES:?} MiB guests, {runs} runs each, guest {mode}");
    let out = run::script(mode, &script(runs), &opts)?;
    #[derive(Default)]
    struct Row {
        snap_ms: Vec<f64>,
        cp_ms: Vec<f64>,
        ratio: Vec<f64>,
        bytes: f64,
        restore_ms: Vec<f64>,
        breakdown: String,
    }
    let mut rows: BTreeMap<u64, Row> = BTreeMap::new();
    for l in &out.lines {
        let (rest, restore) = if let Some(r) = l.text.strip_prefix("snap-bench: ") {
            (r, false)
        } else if let Some(r) = l.text.strip_prefix("restore-bench: ") {
            (r, true)
        } else {
            continue;
        };
        let num = |k| field(rest, k).and_then(|v| v.parse::<f64>().ok());
        let Some(mib) = field(rest, "mib").and_then(|v| v.parse::<u64>().ok()) else {
            continue;
        };
        let row = rows.entry(mib).or_default();
        if restore {
            if let Some(us) = num("us") {
                row.restore_ms.push(us / 1000.0);
                row.breakdown = rest.split_once(' ').map_or("", |x| x.1).to_string();
            }
        } else if let (Some(s), Some(c), Some(b)) = (num("ms"), num("cp_ms"), num("memory_bytes")) {
            row.snap_ms.push(s);
            row.cp_ms.push(c.max(1.0));
            // Throughput ratio: snapshot bytes/s over copy bytes/s.
            row.ratio.push(c.max(1.0) / s.max(1.0));
            row.bytes = b;
        }
    }
    if rows.len() != SIZES.len()
        || rows
            .values()
            .any(|r| r.snap_ms.len() != runs as usize || r.restore_ms.len() != runs as usize)
    {
        bail!("the benchmark did not report every run:\n{}", out.text());
    }
    let mut restore_medians = Vec::new();
    for (mib, r) in &mut rows {
        let mb = r.bytes / 1e6;
        println!("{mib} MiB: snapshot runs (ms): {}", list(&r.snap_ms, 0));
        println!("{mib} MiB: cp + sync runs (ms): {}", list(&r.cp_ms, 0));
        let (s, c, q) = (
            median(&mut r.snap_ms),
            median(&mut r.cp_ms),
            median(&mut r.ratio),
        );
        println!(
            "{mib} MiB ({mode}): snapshot median {s:.0} ms ({:.0} MB/s), copy median {c:.0} ms ({:.0} MB/s), median throughput ratio snapshot/copy = {q:.2} (target >= 0.9)",
            mb / (s / 1000.0),
            mb / (c / 1000.0)
        );
        println!("{mib} MiB: restore runs (ms): {}", list(&r.restore_ms, 1));
        let m = median(&mut r.restore_ms);
        println!(
            "{mib} MiB ({mode}): restore median {m:.1} ms; last run: {}",
            r.breakdown
        );
        restore_medians.push((*mib, m));
    }
    if let (Some(&(_, small)), Some(&(_, big))) = (restore_medians.first(), restore_medians.last())
    {
        println!(
            "restore latency 4096 MiB / 256 MiB = {:.2} (target <= 1.2)",
            big / small.max(1.0)
        );
    }
    let mut diffs = 0;
    for l in &out.lines {
        let Some(rest) = l.text.strip_prefix("diff-bench: ") else {
            continue;
        };
        let num = |k| field(rest, k).and_then(|v| v.parse::<f64>().ok());
        if let (Some(mib), Some(bytes)) = (num("dirtied_mib"), num("memory_bytes")) {
            diffs += 1;
            println!(
                "diff snapshot after dirtying {mib:.0} MiB: {:.1} MiB written ({:.2}x the dirtied pages), paused {:.0} ms",
                bytes / 1048576.0,
                bytes / (mib * 1048576.0),
                num("ms").unwrap_or(0.0)
            );
        }
    }
    if diffs != DIRTY.len() {
        bail!(
            "the diff benchmark did not report every size:\n{}",
            out.text()
        );
    }
    Ok(())
}
